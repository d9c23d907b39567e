package io.jsyncq.soak;

import io.jsyncq.Message;
import io.jsyncq.QueueFullException;
import io.jsyncq.RegistrationLostException;
import io.jsyncq.SyncQueue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.zip.CRC32;

/**
 * One process of the soak: joins the queue, appends sequenced, checksummed messages and reads everyone's,
 * until its stop file appears; then closes and writes what it saw. A message from a sender whose sequence
 * skips a number is a lost message; one whose checksum fails is a torn one.
 * Args: queue, peer id, stop file, result file.
 */
public final class SoakPeer {

    public static void main(String[] args) throws Exception {
        String name = args[0];
        String id = args[1];
        Path stopFile = Path.of(args[2]);
        Path resultFile = Path.of(args[3]);
        SplittableRandom random = new SplittableRandom(id.hashCode());
        Map<String, Integer> lastSeq = new HashMap<>();
        long verified = 0;
        long lost = 0;
        long torn = 0;
        int seq = 0;
        byte[] buffer = new byte[2048];
        String outcome = "stopped";
        try (SyncQueue queue = SyncQueue.builder(name).sender(id).open()) {
            System.out.println("READY");
            System.out.flush();
            int length = encode(buffer, seq, random);
            long checks = 0;
            while (true) {
                if ((++checks & 255) == 0 && Files.exists(stopFile)) {
                    break;
                }
                try {
                    queue.append("m", ByteBuffer.wrap(buffer, 0, length));
                    length = encode(buffer, ++seq, random);
                } catch (QueueFullException full) {
                    // read below, which frees room
                }
                for (int i = 0; i < 32; i++) {
                    Optional<Message> next = queue.pop(i == 0 ? Duration.ofMillis(1) : Duration.ZERO);
                    if (next.isEmpty()) {
                        break;
                    }
                    Message message = next.get();
                    if (!checksumOk(message.body())) {
                        torn++;
                        continue;
                    }
                    int got = ByteBuffer.wrap(message.body()).getInt(0);
                    Integer previous = lastSeq.put(message.sender(), got);
                    if (previous != null && got != previous + 1) {
                        lost += Math.max(0, got - previous - 1);
                    }
                    verified++;
                }
            }
        } catch (RegistrationLostException reclaimed) {
            outcome = "reclaimed";
        }
        Files.writeString(resultFile, "verified " + verified + " lost " + lost + " torn " + torn + " sent " + seq
                + " " + outcome);
    }

    private static int encode(byte[] buffer, int seq, SplittableRandom random) {
        int length = 12 + (random.nextInt(8) == 0 ? random.nextInt(2000) : random.nextInt(100));
        ByteBuffer body = ByteBuffer.wrap(buffer);
        body.putInt(0, seq).putInt(4, length);
        for (int i = 8; i < length - 4; i++) {
            buffer[i] = (byte) random.nextInt();
        }
        body.putInt(length - 4, crc(buffer, length - 4));
        return length;
    }

    private static boolean checksumOk(byte[] body) {
        return body.length >= 12 && ByteBuffer.wrap(body).getInt(4) == body.length
                && ByteBuffer.wrap(body).getInt(body.length - 4) == crc(body, body.length - 4);
    }

    private static int crc(byte[] bytes, int length) {
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, length);
        return (int) crc.getValue();
    }
}
