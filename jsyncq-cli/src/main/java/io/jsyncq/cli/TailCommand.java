package io.jsyncq.cli;

import io.jsyncq.Message;
import io.jsyncq.SyncQueue;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

@Command(name = "tail", mixinStandardHelpOptions = true,
        header = "Register on a queue and print its messages as they arrive.",
        description = {"Register on a queue and print each message as it arrives, one per line:",
                "  SENDER TYPE BODY",
                "(an empty type prints as '-'; newlines in a body print as \\n; --json gives exact bodies).",
                "Like every registration it sees only messages appended after it registered, and while it"
                        + " runs it holds the space of messages it has not printed yet.",
                "Ends after --count messages, or when --timeout passes with no message; otherwise (or with"
                        + " --follow) runs until Ctrl-C or SIGTERM, which close the registration cleanly."})
final class TailCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Parameters(index = "0", paramLabel = "NAME", description = "Queue name.")
    String name;

    @Option(names = "--sender", paramLabel = "S", description = "This registration's sender name (default: the pid).")
    String sender;

    @Option(names = "--no-filter-self",
            description = "Also print messages whose sender is this registration's own sender name.")
    boolean noFilterSelf;

    @Option(names = "--skip-sender", paramLabel = "S", description = "Do not print messages from this sender (repeatable).")
    List<String> skipSenders = new ArrayList<>();

    @Option(names = "--skip-type", paramLabel = "T", description = "Do not print messages of this type (repeatable).")
    List<String> skipTypes = new ArrayList<>();

    @Option(names = "--durable", description = "Register durably under --sender: if this tail is stopped or killed,"
            + " the queue keeps its place and every message after it, and the next --durable tail of that sender"
            + " name prints on from there (jsyncq evict gives the place up).")
    boolean durable;

    @Option(names = "--count", paramLabel = "N", description = "End after N messages.")
    Long count;

    @Option(names = "--timeout", paramLabel = "DURATION", converter = Units.DurationValue.class,
            description = "End when no message arrives for this long. With --count, ending before N messages"
                    + " is a failure (exit 1).")
    Duration timeout;

    @Option(names = "--follow", description = "Never end by itself (the default without --count and --timeout).")
    boolean follow;

    @Option(names = "--json", description = "One JSON object per line: sender, type, body; a body that is not"
            + " UTF-8 is given in base64, with \"base64\":true.")
    boolean json;

    @Override
    public Integer call() {
        if (follow && (count != null || timeout != null)) {
            throw new ParameterException(spec.commandLine(), "--follow cannot be combined with --count or --timeout");
        }
        if (count != null && count < 0) {
            throw new ParameterException(spec.commandLine(), "--count must not be negative");
        }
        if (durable && sender == null) {
            throw new ParameterException(spec.commandLine(), "--durable needs --sender: the name it is resumed by");
        }
        SyncQueue.Builder builder = SyncQueue.builder(name).directory(common.directory()).filterSelf(!noFilterSelf);
        if (durable) {
            builder.durable();
        }
        if (sender != null) {
            builder.sender(sender);
        }
        PrintStream out = new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16),
                false, StandardCharsets.UTF_8);
        Duration wait = timeout == null ? SyncQueue.FOREVER : timeout;
        long received = 0;
        boolean timedOut = false;
        try (CleanShutdown shutdown = new CleanShutdown()) {
            SyncQueue queue = shutdown.open(builder::open);
            queue.senderScreen().addAll(skipSenders);
            queue.typeScreen().addAll(skipTypes);
            while (count == null || received < count) {
                Optional<Message> message = shutdown.call(queue::pop);
                if (message.isEmpty()) {
                    out.flush(); // print what there is before waiting
                    if (out.checkError()) {
                        break;
                    }
                    message = shutdown.call(() -> queue.pop(wait));
                    if (message.isEmpty()) {
                        timedOut = true;
                        break;
                    }
                }
                out.println(json ? toJson(message.get()) : toText(message.get()));
                received++;
                if (out.checkError()) {
                    break; // whoever read our output has gone (a closed pipe): stop reading
                }
            }
            out.flush();
        }
        if (timedOut && count != null) {
            throw new CliException("timed out: no message for " + Units.duration(timeout) + ", after " + received
                    + " of the " + count + " messages asked for");
        }
        return JsyncqCommand.OK;
    }

    static String toText(Message message) {
        String body = new String(message.body(), StandardCharsets.UTF_8);
        if (body.indexOf('\n') >= 0 || body.indexOf('\r') >= 0) {
            body = body.replace("\r", "\\r").replace("\n", "\\n");
        }
        return message.sender() + " " + (message.type().isEmpty() ? "-" : message.type()) + " " + body;
    }

    static String toJson(Message message) {
        Json json = new Json().beginObject()
                .field("sender", message.sender())
                .field("type", message.type());
        Optional<String> text = strictUtf8(message.body());
        if (text.isPresent()) {
            json.field("body", text.get());
        } else {
            json.field("body", Base64.getEncoder().encodeToString(message.body())).field("base64", true);
        }
        return json.endObject().toString();
    }

    private static Optional<String> strictUtf8(byte[] bytes) {
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes));
            return Optional.of(chars.toString());
        } catch (CharacterCodingException notUtf8) {
            return Optional.empty();
        }
    }
}
