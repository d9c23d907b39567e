package io.jsyncq.process;

import io.jsyncq.testing.ChildJvm;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/** The test's side of a {@link QueueAgent}: a separate JVM that runs queue commands one by one. */
final class Agent implements AutoCloseable {

    /** Generous: the first command waits for the JVM to start on a busy 2-core machine. */
    static final Duration REPLY_TIMEOUT = Duration.ofSeconds(30);

    private final ChildJvm jvm;
    private final Writer stdin;
    private int repliesRead;

    private Agent(ChildJvm jvm) {
        this.jvm = jvm;
        this.stdin = new OutputStreamWriter(jvm.process().getOutputStream(), StandardCharsets.UTF_8);
    }

    static Agent start() {
        return new Agent(ProcessSupport.startChild(QueueAgent.class));
    }

    ChildJvm jvm() {
        return jvm;
    }

    /** Sends a command and returns its reply. */
    String call(String command) {
        send(command);
        return reply(REPLY_TIMEOUT);
    }

    /** Sends a command without waiting for its reply; read it later with {@link #reply}. */
    void send(String command) {
        try {
            stdin.write(command + "\n");
            stdin.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("could not send '" + command + "' to the agent: " + diagnostics(), e);
        }
    }

    /** True if a reply has arrived that has not been read. */
    boolean hasReply() {
        return jvm.stdoutLines().size() > repliesRead;
    }

    /** The next reply, waiting up to {@code timeout}; fails if the agent dies or the time runs out. */
    String reply(Duration timeout) {
        return ProcessSupport.awaitLine(jvm, repliesRead++, timeout, "a reply from the agent");
    }

    /** Asks the agent to exit and checks that it did so cleanly. */
    void exit() {
        send("exit");
        jvm.waitForSuccess(Duration.ofSeconds(30));
    }

    private String diagnostics() {
        List<String> lines = jvm.stdoutLines();
        return "stdout " + lines + ", stderr:\n" + jvm.stderr();
    }

    @Override
    public void close() {
        jvm.close();
    }
}
