package io.jsyncq.aeron;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The layout of one acknowledgement, sent by a bridge to every peer on the acknowledgement stream: for
 * each origin it has received from, the newest origin sequence it has appended to its queue.
 *
 * <pre>
 *  +0    the sending bridge's run (i64): random, new each time it starts
 *  +8    origin count n (i32)
 *  +12   endpoint length e (i32)
 *  +16   n times: origin id (i64), newest sequence appended (i64)
 *  +16+16n  the sending bridge's listening endpoint, e bytes of US-ASCII ("HOST:PORT")
 * </pre>
 *
 * Little-endian. An origin keeps a frame until every peer has acknowledged it, and names a peer by the
 * endpoint the peer listens on (as the origin's peer list names it). A new run tells the origin the peer
 * restarted, so it sends again, from what the peer acknowledges, whatever it sent the previous run.
 * Every length is checked before use: the bytes come from the network.
 */
final class AckFrame {

    static final int RUN_OFFSET = 0;
    static final int COUNT_OFFSET = 8;
    static final int ENDPOINT_LENGTH_OFFSET = 12;
    static final int HEADER_LENGTH = 16;
    static final int ENTRY_LENGTH = 16;

    private AckFrame() {
    }

    /** The most bytes an acknowledgement takes: every origin an inbox remembers, and a long endpoint. */
    static int maxLength() {
        return HEADER_LENGTH + Inbox.MAX_ORIGINS * ENTRY_LENGTH + 512;
    }

    /** Writes an acknowledgement of every origin in {@code inbox}; returns its length. */
    static int encode(MutableDirectBuffer frame, long run, byte[] endpoint, Inbox inbox) {
        int[] count = new int[1];
        inbox.forEachOrigin((origin, newest) -> {
            int at = HEADER_LENGTH + count[0]++ * ENTRY_LENGTH;
            frame.putLong(at, origin, ByteOrder.LITTLE_ENDIAN);
            frame.putLong(at + 8, newest, ByteOrder.LITTLE_ENDIAN);
        });
        frame.putLong(RUN_OFFSET, run, ByteOrder.LITTLE_ENDIAN);
        frame.putInt(COUNT_OFFSET, count[0], ByteOrder.LITTLE_ENDIAN);
        frame.putInt(ENDPOINT_LENGTH_OFFSET, endpoint.length, ByteOrder.LITTLE_ENDIAN);
        int endpointAt = HEADER_LENGTH + count[0] * ENTRY_LENGTH;
        frame.putBytes(endpointAt, endpoint);
        return endpointAt + endpoint.length;
    }

    /** True if the lengths add up to exactly {@code length} bytes. */
    static boolean isWellFormed(DirectBuffer buffer, int offset, int length) {
        if (length < HEADER_LENGTH) {
            return false;
        }
        long count = buffer.getInt(offset + COUNT_OFFSET, ByteOrder.LITTLE_ENDIAN);
        long endpointLength = buffer.getInt(offset + ENDPOINT_LENGTH_OFFSET, ByteOrder.LITTLE_ENDIAN);
        return count >= 0 && endpointLength >= 0 && HEADER_LENGTH + count * ENTRY_LENGTH + endpointLength == length;
    }

    static long run(DirectBuffer buffer, int offset) {
        return buffer.getLong(offset + RUN_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    static String endpoint(DirectBuffer buffer, int offset) {
        int count = buffer.getInt(offset + COUNT_OFFSET, ByteOrder.LITTLE_ENDIAN);
        byte[] bytes = new byte[buffer.getInt(offset + ENDPOINT_LENGTH_OFFSET, ByteOrder.LITTLE_ENDIAN)];
        buffer.getBytes(offset + HEADER_LENGTH + count * ENTRY_LENGTH, bytes);
        return new String(bytes, StandardCharsets.US_ASCII);
    }

    /**
     * The newest sequence of {@code origin} the sender has appended: 0 if it names the origin with nothing
     * appended, or does not name it at all (it has appended nothing from it since its inbox began).
     */
    static long newestOf(DirectBuffer buffer, int offset, long origin) {
        int count = buffer.getInt(offset + COUNT_OFFSET, ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i++) {
            int at = offset + HEADER_LENGTH + i * ENTRY_LENGTH;
            if (buffer.getLong(at, ByteOrder.LITTLE_ENDIAN) == origin) {
                return buffer.getLong(at + 8, ByteOrder.LITTLE_ENDIAN);
            }
        }
        return 0;
    }
}
