package io.jsyncq.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/** Unique queue names for tests, and a check that none is left behind in /dev/shm. */
public final class TestQueues {

    public static final Path SHM = Path.of("/dev/shm");

    private TestQueues() {
    }

    public static String uniqueName(String purpose) {
        return "jsyncq-test-" + purpose + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    public static boolean exists(String name) {
        return Files.exists(SHM.resolve(name));
    }

    /** True if the queue's lock file (see {@code NameLock}) is there: it lives exactly as long as the queue. */
    public static boolean lockFileExists(String name) {
        return Files.exists(SHM.resolve("." + name + ".jsyncq-lock"));
    }

    public static void deleteIfLeft(String name) {
        try {
            Files.deleteIfExists(SHM.resolve("." + name + ".jsyncq-lock"));
            Files.deleteIfExists(SHM.resolve(name));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
