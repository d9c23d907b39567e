package io.jsyncq.aeron;

import io.jsyncq.Message;
import io.jsyncq.SyncQueue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * A reader that counts: {@code DIR QUEUE SENDER}. Registers, prints {@code ready}, then counts the messages
 * from SENDER, checking their sequence only grows (a gap is allowed: a peer cut off misses messages); prints
 * {@code count N last S} after each pause of a second, and ends at a message of type {@code end}.
 */
public final class CountingReader {

    public static void main(String[] args) {
        try (SyncQueue queue = SyncQueue.builder(args[1]).directory(Path.of(args[0])).sender("counter").open()) {
            System.out.println("ready");
            System.out.flush();
            long count = 0;
            int last = 0;
            while (true) {
                Optional<Message> next = queue.pop(Duration.ofSeconds(1));
                if (next.isEmpty()) {
                    System.out.println("count " + count + " last " + last);
                    System.out.flush();
                    continue;
                }
                Message message = next.get();
                if (message.type().equals("end")) {
                    break;
                }
                if (!message.sender().equals(args[2]) || !TrafficProtocol.intact(message.body())) {
                    System.out.println("FAIL unexpected or damaged message from " + message.sender());
                    System.exit(1);
                }
                int sequence = TrafficProtocol.sequence(message.body());
                if (sequence <= last) {
                    System.out.println("FAIL sequence " + sequence + " after " + last);
                    System.exit(1);
                }
                last = sequence;
                count++;
            }
            System.out.println("final " + count + " last " + last);
        }
    }
}
