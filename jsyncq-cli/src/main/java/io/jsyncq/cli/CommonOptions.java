package io.jsyncq.cli;

import io.jsyncq.SyncQueue;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * Options every command takes, before or after the command name: where queues live, and whether failures
 * show a stack trace. They hold one value per process, so the values live in static fields: the failure
 * handler, which runs outside any command, reads {@link #verbose} too.
 */
final class CommonOptions {

    /** The one common option that takes a value (as a separate argument, or after "="). */
    static final String DIR = "--dir";

    private static volatile boolean verbose;
    private static volatile Path directory;

    @Option(names = DIR, paramLabel = "DIR",
            description = "Directory of the queue files (default: $JSYNCQ_DIR, else /dev/shm).")
    void directory(Path value) {
        directory = value;
    }

    @Option(names = {"-v", "--verbose"}, description = "Show a stack trace when a command fails.")
    void verbose(boolean value) {
        verbose |= value;
    }

    static boolean verbose() {
        return verbose;
    }

    Path directory() {
        Path chosen = directory;
        return chosen != null ? chosen : SyncQueue.defaultDirectory();
    }
}
