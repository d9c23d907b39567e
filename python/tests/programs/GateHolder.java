import io.jsyncq.Message;
import io.jsyncq.SyncQueue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/**
 * A Java registration that holds the delivery gate, for test_delivery_gate.py: what a bridge in sequencer
 * mode does with the queue ({@link SyncQueue#gateDelivery()}), driven line by line from standard input, so
 * that the test decides the order of its appends and the Python ones. Run with the JDK's source launcher
 * (conftest.java_program) against jsyncq-core's classes; no CLI command takes the gate.
 *
 * <pre>
 * java GateHolder.java QUEUE SENDER [durable]
 *   prints "gated" once it holds the gate, then for each line of standard input:
 *   append BODY   appends a message of type "t" with that body; prints "appended BODY"
 *   drain N       pops N messages (5 s each at most); prints "got SENDER TYPE BODY" or "none" for each
 * at the end of standard input: closes (the slot is freed, the gate ends with it) and prints "closed".
 * </pre>
 */
public final class GateHolder {

    public static void main(String[] args) throws Exception {
        SyncQueue.Builder builder = SyncQueue.builder(args[0]).sender(args[1]);
        if (args.length > 2 && args[2].equals("durable")) {
            builder.durable();
        }
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try (SyncQueue queue = builder.open()) {
            queue.gateDelivery();
            System.out.println("gated");
            System.out.flush();
            for (String line; (line = in.readLine()) != null; ) {
                if (line.startsWith("append ")) {
                    String body = line.substring("append ".length());
                    queue.append("t", body, Duration.ofSeconds(5));
                    System.out.println("appended " + body);
                } else if (line.startsWith("drain ")) {
                    for (int i = Integer.parseInt(line.substring("drain ".length()).trim()); i > 0; i--) {
                        Optional<Message> got = queue.pop(Duration.ofSeconds(5));
                        System.out.println(got.map(m -> "got " + m.sender() + " " + m.type() + " " + m.text())
                                .orElse("none"));
                    }
                } else {
                    throw new IllegalArgumentException("unknown command: " + line);
                }
                System.out.flush();
            }
        }
        System.out.println("closed");
    }
}
