package io.jsyncq.process;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32;

import static io.jsyncq.process.StressProtocol.*;

/**
 * Checks, in a stress-test reader, every message as it is popped: its checksum, that each writer's sequence
 * numbers come one by one with none skipped or repeated, and that nothing follows a writer's end. Records the
 * order seen, for comparison across readers.
 */
final class StreamChecker {

    enum Kind { GO, DATA, END }

    private final String reader;
    private final int writers;
    private final boolean fromStart;
    private final int[] nextSeq;
    private final boolean[] started;
    private final boolean[] ended;
    private int[] codes = new int[1 << 17];
    private int size;
    private int dataCount;
    private int endCount;
    private boolean sawGo;
    private long messages;

    /**
     * @param fromStart true for a reader registered before the test's go message: it must see the go
     *                  message first and every writer's messages from sequence number 0. False for a reader
     *                  registered later: it must not see the go message, and each writer's messages may start
     *                  at any sequence number but must then be consecutive.
     */
    StreamChecker(String reader, int writers, boolean fromStart) {
        this.reader = reader;
        this.writers = writers;
        this.fromStart = fromStart;
        this.nextSeq = new int[writers];
        this.started = new boolean[writers];
        this.ended = new boolean[writers];
    }

    Kind accept(String sender, String type, ByteBuffer body) {
        messages++;
        if (sender.equals(CONTROL_SENDER) && type.equals(GO)) {
            check(fromStart, "saw the go message, appended before it registered");
            check(messages == 1, "saw the go message as message " + messages + ", not first");
            sawGo = true;
            return Kind.GO;
        }
        check(!fromStart || sawGo, "did not see the go message first; first was " + describe(sender, type, body));
        int writer = writerId(sender, writers);
        check(writer >= 0, "got a message from an unexpected sender: " + describe(sender, type, body));
        check(!ended[writer], "got a message from " + sender + " after its end: " + describe(sender, type, body));
        if (type.equals(END)) {
            int count = Integer.parseInt(StandardCharsets.UTF_8.decode(body.duplicate()).toString());
            check(started[writer] && count == nextSeq[writer],
                    sender + " says it wrote " + count + " messages but the last one read was "
                            + (nextSeq[writer] - 1));
            ended[writer] = true;
            endCount++;
            record(code(writer, END_SEQ));
            return Kind.END;
        }
        check(type.startsWith("d") && type.indexOf(':') > 1, "unexpected type: " + describe(sender, type, body));
        int seq = Integer.parseInt(type.substring(1, type.indexOf(':')));
        int expectedChecksum = (int) Long.parseLong(type.substring(type.indexOf(':') + 1), 16);
        check(body.remaining() >= 1 && body.remaining() <= MAX_BODY, "body of " + body.remaining()
                + " bytes, outside 1.." + MAX_BODY + ": " + describe(sender, type, body));
        int actualChecksum = checksum(writer, seq, body);
        check(actualChecksum == expectedChecksum, "torn or corrupt message: checksum "
                + Integer.toHexString(actualChecksum) + " does not match " + describe(sender, type, body));
        if (started[writer] || fromStart) {
            check(seq == nextSeq[writer], "expected " + sender + " sequence number " + nextSeq[writer]
                    + " but got " + seq + (seq < nextSeq[writer] ? " (duplicate or reordered)" : " (messages lost)"));
        }
        started[writer] = true;
        nextSeq[writer] = seq + 1;
        dataCount++;
        record(code(writer, seq));
        return Kind.DATA;
    }

    boolean allEnded() {
        return endCount == writers;
    }

    int dataCount() {
        return dataCount;
    }

    /** One line that is equal for two readers exactly when they saw the same data and ends in the same order. */
    String digest() {
        CRC32 crc = new CRC32();
        ByteBuffer buffer = ByteBuffer.allocate(size * 4);
        buffer.asIntBuffer().put(codes, 0, size);
        crc.update(buffer);
        return "DIGEST data=" + dataCount + " ends=" + endCount + " crc=" + Long.toHexString(crc.getValue())
                + " perWriter=" + Arrays.toString(nextSeq);
    }

    String state() {
        return reader + " after " + messages + " messages: " + dataCount + " data, " + endCount
                + " ends, next sequence numbers " + Arrays.toString(nextSeq) + ", ended " + Arrays.toString(ended);
    }

    void writeOrder(Path file) throws IOException {
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file)))) {
            for (int i = 0; i < size; i++) {
                out.writeInt(codes[i]);
            }
        }
    }

    private void record(int code) {
        if (size == codes.length) {
            codes = Arrays.copyOf(codes, size * 2);
        }
        codes[size++] = code;
    }

    private void check(boolean condition, String problem) {
        if (!condition) {
            throw new IllegalStateException(reader + ": " + problem + " [" + state() + "]");
        }
    }

    private static String describe(String sender, String type, ByteBuffer body) {
        return "(sender=" + sender + ", type=" + type + ", " + body.remaining() + " body bytes)";
    }
}
