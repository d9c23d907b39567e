package io.jsyncq.aeron;

import io.jsyncq.Message;
import io.jsyncq.SyncQueue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/**
 * A reader on one "host": {@code DIR QUEUE SENDERS COUNT_EACH}. Registers, prints {@code ready}, then reads
 * until it has COUNT_EACH messages from each of the comma-separated SENDERS, checking that each sender's
 * arrive in order, once each, intact. Prints {@code ok}, the count, the last sequence per sender and a digest
 * of the order it read them in (equal digests: the same order) and exits 0, or prints what went wrong and
 * exits 1.
 */
public final class HostReader {

    public static void main(String[] args) {
        Path directory = Path.of(args[0]);
        String[] senders = args[2].split(",");
        int each = Integer.parseInt(args[3]);
        Map<String, Integer> last = new TreeMap<>();
        for (String sender : senders) {
            last.put(sender, 0);
        }
        long total = (long) each * senders.length;
        long received = 0;
        CRC32C order = new CRC32C();
        try (SyncQueue queue = SyncQueue.builder(args[1]).directory(directory).sender("reader-" + ProcessHandle.current().pid())
                .open()) {
            System.out.println("ready");
            System.out.flush();
            while (received < total) {
                Optional<Message> next = queue.pop(Duration.ofSeconds(60));
                if (next.isEmpty()) {
                    fail("no message for 60 s after " + received + " of " + total + "; last per sender " + last);
                }
                Message message = next.get();
                Integer previous = last.get(message.sender());
                if (previous == null || !message.type().equals(TrafficProtocol.DATA)) {
                    fail("unexpected message from '" + message.sender() + "' of type '" + message.type() + "'");
                }
                if (!TrafficProtocol.intact(message.body())) {
                    fail("damaged message from " + message.sender() + " after its sequence " + previous);
                }
                int sequence = TrafficProtocol.sequence(message.body());
                if (sequence != previous + 1) {
                    fail("from " + message.sender() + ": sequence " + sequence + " after " + previous
                            + (sequence <= previous ? " (a duplicate or a reordering)" : " (messages lost)"));
                }
                last.put(message.sender(), sequence);
                order.update((message.sender() + ":" + sequence + "\n").getBytes(StandardCharsets.UTF_8));
                received++;
            }
            Optional<Message> extra = queue.pop(Duration.ofMillis(500));
            if (extra.isPresent()) {
                fail("a message beyond the expected ones, from " + extra.get().sender());
            }
        }
        System.out.println("ok " + received + " " + last + " order " + Long.toHexString(order.getValue()));
    }

    private static void fail(String why) {
        System.out.println("FAIL " + why);
        System.out.flush();
        System.exit(1);
    }
}
