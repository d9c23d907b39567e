package io.jsyncq.cli;

import io.jsyncq.QueueAdmin;
import io.jsyncq.QueueInfo;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * Unique queue names for one test, all removed from /dev/shm after it, pass or fail. Register with
 * {@code @RegisterExtension}.
 */
final class ShmQueues implements AfterEachCallback {

    static final Path SHM = Path.of("/dev/shm");

    private final List<String> names = new ArrayList<>();

    String newName(String purpose) {
        String name = "jsyncq-test-cli-" + purpose + "-" + UUID.randomUUID().toString().substring(0, 8);
        names.add(name);
        return name;
    }

    /** Also removes this name after the test (a name the test did not choose, such as the demo's). */
    void track(String name) {
        names.add(name);
    }

    static boolean exists(String name) {
        return Files.exists(SHM.resolve(name));
    }

    /** Waits until the queue's state matches, for up to 30 s; returns the matching snapshot. */
    static QueueInfo awaitState(String name, Predicate<QueueInfo> condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        QueueInfo info = null;
        while (System.nanoTime() < deadline) {
            if (exists(name)) {
                try {
                    info = QueueAdmin.inspect(SHM, name);
                    if (condition.test(info)) {
                        return info;
                    }
                } catch (RuntimeException removedMeanwhile) {
                    // try again
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("queue " + name + " did not reach the expected state; last seen: " + info);
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        for (String name : names) {
            Files.deleteIfExists(SHM.resolve(name));
            Files.deleteIfExists(SHM.resolve("." + name + ".jsyncq-lock"));
        }
        names.clear();
    }
}
