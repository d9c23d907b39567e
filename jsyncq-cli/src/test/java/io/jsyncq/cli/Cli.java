package io.jsyncq.cli;

import io.jsyncq.testing.ChildJvm;

import java.time.Duration;
import java.util.List;

/**
 * Runs the jsyncq command as a real process: a {@link ChildJvm} with the JVM flags of {@code bin/jsyncq}
 * and the test class path (which holds the jsyncq-cli classes, the core and picocli).
 */
final class Cli implements AutoCloseable {

    /** The JVM flags {@code bin/jsyncq} runs the command with. */
    private static final List<String> LAUNCHER_OPTIONS = List.of(
            "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-XX:TieredStopAtLevel=1",
            "-XX:-UsePerfData");

    /** The outcome of a finished command. */
    record Result(int exitCode, String stdout, String stderr) {

        List<String> lines() {
            return stdout.lines().toList();
        }

        List<String> errorLines() {
            return stderr.lines().toList();
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout:\n" + stdout + "--- stderr:\n" + stderr;
        }
    }

    private final ChildJvm child;

    private Cli(ChildJvm child) {
        this.child = child;
    }

    /** Starts {@code jsyncq args...} with {@code stdin} (or nothing) as its input. */
    static Cli startWithInput(String stdin, String... args) {
        return new Cli(ChildJvm.start(LAUNCHER_OPTIONS, stdin == null ? "" : stdin, JsyncqCommand.class, args));
    }

    static Cli start(String... args) {
        return startWithInput(null, args);
    }

    /** Runs {@code jsyncq args...} to the end. */
    static Result run(String... args) {
        return runWithInput(null, args);
    }

    static Result runWithInput(String stdin, String... args) {
        try (Cli cli = startWithInput(stdin, args)) {
            return cli.await(Duration.ofSeconds(60));
        }
    }

    long pid() {
        return child.pid();
    }

    boolean isAlive() {
        return child.isAlive();
    }

    /** Sends SIGTERM, as {@code kill} does. */
    void terminate() {
        child.terminate();
    }

    /** Sends a signal such as {@code "STOP"} or {@code "CONT"}. */
    void signal(String signal) {
        child.signal(signal);
    }

    Result await(Duration timeout) {
        int exit = child.waitFor(timeout);
        return new Result(exit, child.stdout(), child.stderr());
    }

    String stdoutSoFar() {
        return child.stdout();
    }

    String stderrSoFar() {
        return child.stderr();
    }

    @Override
    public void close() {
        child.close();
    }
}
