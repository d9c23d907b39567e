package io.jsyncq.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A separate JVM running a test program's {@code main}, with the test class path and native access:
 * the real process that a multi-process test needs. Its stdout and stderr go to files, read after it ends.
 */
public final class ChildJvm implements AutoCloseable {

    private final Process process;
    private final Path stdout;
    private final Path stderr;
    private final String description;

    private ChildJvm(Process process, Path stdout, Path stderr, String description) {
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
        this.description = description;
    }

    /** The options every child gets unless the test gives its own. */
    public static final List<String> NATIVE_ACCESS = List.of("--enable-native-access=ALL-UNNAMED");

    public static ChildJvm start(Class<?> mainClass, String... args) {
        return start(NATIVE_ACCESS, mainClass, args);
    }

    public static ChildJvm start(List<String> jvmOptions, Class<?> mainClass, String... args) {
        return start(jvmOptions, null, mainClass, args);
    }

    /**
     * @param stdin what the child reads on its standard input, then end of file; null for a pipe the test
     *              may write to through {@link #process()}
     */
    public static ChildJvm start(List<String> jvmOptions, String stdin, Class<?> mainClass, String... args) {
        return start(List.of(), jvmOptions, stdin, mainClass, args);
    }

    /**
     * A child in a pid namespace of its own, with its own /proc ({@code unshare --pid --fork --mount-proc},
     * which needs root): there it is pid 1 or close to it, and its pids mean nothing to this process, as
     * with containers sharing {@code /dev/shm}. {@link #pid()} is then unshare's; signal the JVM itself
     * through {@link #signal}.
     */
    public static ChildJvm startInOwnPidNamespace(Class<?> mainClass, String... args) {
        return start(List.of("unshare", "--pid", "--fork", "--mount-proc"), NATIVE_ACCESS, null, mainClass, args);
    }

    /**
     * A child whose java command runs under {@code prefix}: another user ({@code setpriv ...}), or a mount
     * namespace of its own ({@code unshare --mount sh -c 'mount ... && exec "$0" "$@"'}).
     */
    public static ChildJvm startUnder(List<String> prefix, Class<?> mainClass, String... args) {
        return start(prefix, NATIVE_ACCESS, null, mainClass, args);
    }

    /** True if this machine lets a test make pid namespaces (root, and unshare installed). */
    public static boolean canMakePidNamespaces() {
        try {
            Process probe = new ProcessBuilder("unshare", "--pid", "--fork", "--mount-proc", "true")
                    .redirectErrorStream(true).start();
            return probe.waitFor(10, TimeUnit.SECONDS) && probe.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static ChildJvm start(List<String> prefix, List<String> jvmOptions, String stdin, Class<?> mainClass,
                                  String... args) {
        List<String> command = new ArrayList<>(prefix);
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-XX:+UseSerialGC");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass.getName());
        command.addAll(List.of(args));
        try {
            Path stdout = Files.createTempFile("jsyncq-child-", ".out");
            Path stderr = Files.createTempFile("jsyncq-child-", ".err");
            Process process = new ProcessBuilder(command)
                    .redirectOutput(stdout.toFile())
                    .redirectError(stderr.toFile())
                    .start();
            if (stdin != null) {
                try (var in = process.getOutputStream()) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            return new ChildJvm(process, stdout, stderr, mainClass.getSimpleName() + " " + String.join(" ", args));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public long pid() {
        return process.pid();
    }

    /**
     * Sends a signal ({@code "STOP"}, {@code "CONT"}, {@code "KILL"}) to the child JVM, and to every
     * process it started (so that a JVM under {@code unshare} is reached too).
     */
    public void signal(String signal) {
        List<String> command = new ArrayList<>(List.of("kill", "-" + signal, Long.toString(process.pid())));
        process.descendants().forEach(child -> command.add(Long.toString(child.pid())));
        try {
            Process kill = new ProcessBuilder(command).inheritIO().start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new AssertionError("could not send SIG" + signal + " to " + description);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Sends SIGTERM, as {@code kill} does. */
    public void terminate() {
        process.destroy();
    }

    public String description() {
        return description;
    }

    public Process process() {
        return process;
    }

    /** Waits for the child to exit and returns its exit code; kills it and fails if it takes too long. */
    public int waitFor(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor();
                throw new AssertionError("child JVM did not finish within " + timeout + ": " + description
                        + "\nstdout:\n" + tail(stdout()) + "\nstderr:\n" + tail(stderr()));
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Waits and fails unless the child exits with 0, showing its output when it does not. */
    public void waitForSuccess(Duration timeout) {
        int exit = waitFor(timeout);
        if (exit != 0) {
            throw new AssertionError("child JVM exited with " + exit + ": " + description
                    + "\nstdout:\n" + tail(stdout()) + "\nstderr:\n" + tail(stderr()));
        }
    }

    public String stdout() {
        return read(stdout);
    }

    public String stderr() {
        return read(stderr);
    }

    public List<String> stdoutLines() {
        return stdout().lines().toList();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            Files.deleteIfExists(stdout);
            Files.deleteIfExists(stderr);
        } catch (IOException ignored) {
            // temporary files only
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String tail(String text) {
        return text.length() <= 4000 ? text : "..." + text.substring(text.length() - 4000);
    }
}
