package io.jsyncq.process;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.zip.CRC32;

/**
 * What the stress test's children put in a message and how they check it.
 *
 * <p>A data message from writer {@code w} has sender {@code "w<w>"}, type {@code "d<seq>:<crc>"} and a
 * body of 1 to 8192 random bytes. The CRC32 covers the writer id, the sequence number and every body byte,
 * so a torn, truncated or swapped body, or a body under another writer's or sequence number's header, fails
 * the check. (The checksum is in the type rather than the body because a body may be a single byte.)
 * After its last data message a writer appends type {@code "end"} with its message count as the body.
 */
final class StressProtocol {

    static final String CONTROL_SENDER = "test";
    static final String GO = "go";
    static final String END = "end";
    static final int MAX_BODY = 8192;
    /** Codes in a reader's order file: the writer in the top byte, the sequence number below. */
    static final int END_SEQ = 0xFFFFFF;

    private StressProtocol() {
    }

    static String writerName(int writer) {
        return "w" + writer;
    }

    /** The writer id of a sender name "w<id>", or -1 if it is not a writer's name. */
    static int writerId(String sender, int writers) {
        if (sender.length() < 2 || sender.charAt(0) != 'w') {
            return -1;
        }
        try {
            int id = Integer.parseInt(sender.substring(1));
            return id >= 0 && id < writers ? id : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    static int checksum(int writer, int seq, ByteBuffer body) {
        CRC32 crc = new CRC32();
        crc.update(ByteBuffer.allocate(8).putInt(writer).putInt(seq).flip());
        crc.update(body.duplicate());
        return (int) crc.getValue();
    }

    static String dataType(int seq, int checksum) {
        return "d" + seq + ":" + Integer.toHexString(checksum);
    }

    static int code(int writer, int seq) {
        return writer << 24 | seq;
    }

    static int writerOf(int code) {
        return code >>> 24;
    }

    static int seqOf(int code) {
        return code & 0xFFFFFF;
    }

    /** Fills {@code body[0, length)} with random bytes. */
    static void fill(byte[] body, int length, SplittableRandom random) {
        for (int i = 0; i < length; i += 8) {
            long bits = random.nextLong();
            for (int b = 0; b < 8 && i + b < length; b++) {
                body[i + b] = (byte) (bits >>> (8 * b));
            }
        }
    }
}
