package io.jsyncq.crash;

import io.jsyncq.Message;
import io.jsyncq.QueueFullException;
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
 * One of the processes of the fault test: appends {@code count} checksummed messages while reading
 * everything (its own messages too), checks each message, and at "stop" writes what it received: per
 * sender, how many in an unbroken sequence from 0; and a hash of the order of everything it read.
 * Args: queue, id, count, result file.
 */
public final class FaultPeer {

    public static void main(String[] args) throws Exception {
        String name = args[0];
        int id = Integer.parseInt(args[1]);
        int count = Integer.parseInt(args[2]);
        Path result = Path.of(args[3]);
        SplittableRandom random = new SplittableRandom(id);
        Map<Integer, Integer> nextSeq = new HashMap<>();
        long orderHash = 1;
        long received = 0;
        try (SyncQueue queue = SyncQueue.builder(name).sender("p" + id).filterSelf(false).open()) {
            System.out.println("READY");
            System.out.flush();
            boolean started = false;
            boolean stopped = false;
            int sent = 0;
            byte[] buffer = new byte[512];
            while (!stopped) {
                if (started && sent < count) {
                    int length = encode(buffer, id, sent, random);
                    try {
                        queue.append("m", ByteBuffer.wrap(buffer, 0, length));
                        if (++sent == count) {
                            System.out.println("SENT");
                            System.out.flush();
                        }
                    } catch (QueueFullException full) {
                        // fall through to reading, which frees room
                    }
                }
                for (int i = 0; i < 64 && !stopped; i++) {
                    Optional<Message> next = queue.pop(started && sent < count ? Duration.ZERO : Duration.ofMillis(50));
                    if (next.isEmpty()) {
                        break;
                    }
                    Message message = next.get();
                    switch (message.type()) {
                        case "go" -> started = true;
                        case "stop" -> stopped = true;
                        case "m" -> {
                            ByteBuffer body = ByteBuffer.wrap(message.body());
                            int sender = body.getInt(0);
                            int seq = body.getInt(4);
                            if (!checksumOk(message.body())) {
                                throw new AssertionError("torn message from p" + sender + " seq " + seq);
                            }
                            int expected = nextSeq.getOrDefault(sender, 0);
                            if (seq != expected) {
                                throw new AssertionError("from p" + sender + " expected seq " + expected + " got " + seq);
                            }
                            nextSeq.put(sender, seq + 1);
                            orderHash = orderHash * 1_000_003 + ((long) sender << 32 | seq);
                            received++;
                        }
                        default -> throw new AssertionError("unexpected type " + message.type());
                    }
                }
            }
        }
        StringBuilder out = new StringBuilder("received " + received + " hash " + orderHash);
        nextSeq.keySet().stream().sorted().forEach(s -> out.append(" p").append(s).append('=').append(nextSeq.get(s)));
        Files.writeString(result, out.toString());
    }

    private static int encode(byte[] buffer, int id, int seq, SplittableRandom random) {
        int length = 16 + random.nextInt(200);
        ByteBuffer body = ByteBuffer.wrap(buffer);
        body.putInt(0, id).putInt(4, seq).putInt(8, length);
        for (int i = 12; i < length - 4; i++) {
            buffer[i] = (byte) random.nextInt();
        }
        body.putInt(length - 4, crc(buffer, length - 4));
        return length;
    }

    private static boolean checksumOk(byte[] body) {
        if (body.length < 16 || ByteBuffer.wrap(body).getInt(8) != body.length) {
            return false;
        }
        return ByteBuffer.wrap(body).getInt(body.length - 4) == crc(body, body.length - 4);
    }

    private static int crc(byte[] bytes, int length) {
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, length);
        return (int) crc.getValue();
    }
}
