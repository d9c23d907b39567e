package io.jsyncq.process;

import io.jsyncq.Message;
import io.jsyncq.QueueFullException;
import io.jsyncq.SyncQueue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/**
 * A child process that does what its parent test tells it, one command per line on stdin, and answers each
 * command with exactly one line on stdout. It holds at most one registration.
 *
 * <pre>
 * create NAME SIZE SENDER KEEP   -> CREATED
 * open NAME SENDER               -> OPENED
 * append TYPE BODY TIMEOUT_MS    -> APPENDED | FULL
 * fill TYPE BODY_LENGTH          -> FILLED n     (appends without waiting until the queue is full;
 *                                   NEVER-FULL after n if it takes more than 100,000 appends)
 * pop TIMEOUT_MS                 -> POPPED SENDER TYPE BODY | EMPTY
 * drain TIMEOUT_MS               -> DRAINED n LAST_TYPE    (pops until a pop finds nothing)
 * close                          -> CLOSED
 * exit                           (exits with 0)
 * </pre>
 * Any exception is answered with {@code ERROR <class>: <message>}. End of stdin exits too.
 */
public final class QueueAgent {

    private static final int MAX_FILL = 100_000;

    private static SyncQueue queue;

    private QueueAgent() {
    }

    public static void main(String[] args) {
        ChildMain.run(() -> {
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                String[] words = line.trim().split(" ");
                if (words[0].equals("exit")) {
                    break;
                }
                try {
                    ChildMain.say(execute(words));
                } catch (RuntimeException e) {
                    ChildMain.say("ERROR " + e.getClass().getSimpleName() + ": " + e.getMessage());
                }
            }
        });
    }

    private static String execute(String[] words) {
        switch (words[0]) {
            case "create" -> {
                queue = SyncQueue.builder(words[1]).size(Long.parseLong(words[2])).sender(words[3])
                        .keep(Boolean.parseBoolean(words[4])).create();
                return "CREATED";
            }
            case "open" -> {
                queue = SyncQueue.builder(words[1]).sender(words[2]).open();
                return "OPENED";
            }
            case "append" -> {
                try {
                    queue.append(words[1], words[2], Duration.ofMillis(Long.parseLong(words[3])));
                    return "APPENDED";
                } catch (QueueFullException e) {
                    return "FULL";
                }
            }
            case "fill" -> {
                int length = Integer.parseInt(words[2]);
                int count = 0;
                while (count < MAX_FILL) {
                    try {
                        queue.append(words[1], fillBody(count, length));
                        count++;
                    } catch (QueueFullException e) {
                        return "FILLED " + count;
                    }
                }
                return "NEVER-FULL after " + count + " appends";
            }
            case "pop" -> {
                Optional<Message> message = queue.pop(Duration.ofMillis(Long.parseLong(words[1])));
                return message.map(m -> "POPPED " + m.sender() + " " + m.type() + " " + m.text()).orElse("EMPTY");
            }
            case "drain" -> {
                int count = 0;
                String lastType = "-";
                for (Message m : queue.drain(Duration.ofMillis(Long.parseLong(words[1])))) {
                    count++;
                    lastType = m.type();
                }
                return "DRAINED " + count + " " + lastType;
            }
            case "close" -> {
                queue.close();
                return "CLOSED";
            }
            default -> throw new IllegalArgumentException("unknown command " + words[0]);
        }
    }

    /** Body number {@code i} of a fill: its number, padded with dots to {@code length} characters. */
    static String fillBody(int i, int length) {
        StringBuilder body = new StringBuilder(Integer.toString(i));
        while (body.length() < length) {
            body.append('.');
        }
        return body.toString();
    }
}
