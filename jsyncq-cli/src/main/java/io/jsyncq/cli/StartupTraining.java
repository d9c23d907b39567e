package io.jsyncq.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The run {@code bin/jsyncq} records the JDK's AOT cache from ({@code -XX:AOTCacheOutput}): the short
 * commands, each as a user would run it, in one JVM, on a queue in a directory of its own, with their output
 * thrown away. The cache then holds every class those commands load and link, already parsed and linked,
 * which takes most of the start-up out of every later command. Not a subcommand: users never need it.
 */
public final class StartupTraining {

    private StartupTraining() {
    }

    /**
     * Runs the training commands; exits with 0 even if one fails, since a cache of fewer classes still helps.
     *
     * @param args none
     * @throws IOException if no temporary directory can be made
     */
    public static void main(String[] args) throws IOException {
        Path directory = Files.createTempDirectory("jsyncq-startup-training");
        PrintStream out = System.out;
        PrintStream err = System.err;
        PrintStream discard = new PrintStream(OutputStream.nullOutputStream());
        System.setOut(discard);
        System.setErr(discard);
        try {
            String dir = directory.toString();
            for (List<String> command : List.of(
                    List.of("ls"),
                    List.of("--dir", dir, "create", "training", "--size", "64k"),
                    List.of("--dir", dir, "send", "training", "a", "message"),
                    List.of("--dir", dir, "stat", "training", "--sample", "1ms"),
                    List.of("--dir", dir, "ls"),
                    List.of("--dir", dir, "tail", "training", "--count", "1", "--timeout", "1ms"),
                    List.of("--dir", dir, "rm", "training"),
                    List.of("send", "--help"))) {
                JsyncqCommand.run(command.toArray(String[]::new));
            }
        } finally {
            System.setOut(out);
            System.setErr(err);
            deleteTree(directory);
        }
    }

    private static void deleteTree(Path directory) throws IOException {
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
