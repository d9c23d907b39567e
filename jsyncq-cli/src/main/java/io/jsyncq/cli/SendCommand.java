package io.jsyncq.cli;

import io.jsyncq.MessageTooLargeException;
import io.jsyncq.QueueFullException;
import io.jsyncq.SyncQueue;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "send", mixinStandardHelpOptions = true,
        header = "Append messages to a queue: BODY, or one message per line of stdin.",
        description = {"Append messages to a queue.",
                "With BODY, sends one message (several words are joined with spaces). Without, sends one"
                        + " message per line of stdin, in order (the newline is not part of the body).",
                "When the queue is full, send waits for room, as a pipe waits for its reader: Ctrl-C or"
                        + " SIGTERM ends it cleanly. --timeout bounds the wait for each message; --no-wait fails"
                        + " at once (exit 1)."})
final class SendCommand implements Callable<Integer> {

    @Mixin
    CommonOptions common;

    @Parameters(index = "0", paramLabel = "NAME", description = "Queue name.")
    String name;

    @Parameters(index = "1..*", paramLabel = "BODY", arity = "0..*",
            description = "Message body. Without it, stdin is read: one message per line.")
    List<String> body;

    @Option(names = "--sender", paramLabel = "S", description = "Sender name of the messages (default: the pid).")
    String sender;

    @Option(names = "--type", paramLabel = "T", defaultValue = "",
            description = "Message type (default: empty).")
    String type;

    @Option(names = "--timeout", paramLabel = "DURATION", converter = Units.DurationValue.class,
            description = "Wait up to this long for room for each message (default: as long as it takes).")
    Duration timeout;

    @Option(names = "--no-wait", description = "Fail at once when the queue is full, instead of waiting for room.")
    boolean noWait;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (noWait && timeout != null) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--no-wait and --timeout contradict each other: choose one");
        }
        // A sender reads nothing: as a write-only registration it holds no space, not even its own messages'.
        SyncQueue.Builder builder = SyncQueue.builder(name).directory(common.directory()).writeOnly();
        if (sender != null) {
            builder.sender(sender);
        }
        try (CleanShutdown shutdown = new CleanShutdown()) {
            SyncQueue queue = shutdown.open(builder::open);
            if (body != null && !body.isEmpty()) {
                byte[] bytes = String.join(" ", body).getBytes(StandardCharsets.UTF_8);
                shutdown.run(() -> append(queue, bytes));
            } else {
                sendLines(queue, shutdown);
            }
        }
        return JsyncqCommand.OK;
    }

    private void sendLines(SyncQueue queue, CleanShutdown shutdown) {
        InputStream in = new BufferedInputStream(System.in, 1 << 16);
        ByteArrayOutputStream line = new ByteArrayOutputStream(256);
        long lineNumber = 0;
        try {
            while (true) {
                line.reset();
                int c;
                while ((c = in.read()) >= 0 && c != '\n') {
                    line.write(c);
                }
                if (c < 0 && line.size() == 0) {
                    return;
                }
                lineNumber++;
                byte[] bytes = line.toByteArray();
                long number = lineNumber;
                shutdown.run(() -> {
                    try {
                        append(queue, bytes);
                    } catch (QueueFullException | MessageTooLargeException e) {
                        throw new CliException("line " + number + " of stdin: " + e.getMessage(), e);
                    }
                });
                if (c < 0) {
                    return;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void append(SyncQueue queue, byte[] bytes) {
        queue.append(type, bytes, noWait ? Duration.ZERO : timeout != null ? timeout : SyncQueue.FOREVER);
    }
}
