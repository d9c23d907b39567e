package io.jsyncq.internal;

/**
 * A record in the ring. Records start on {@link QueueLayout#GRANULE} boundaries; a record may run past the
 * end of the ring, where the second mapping of the ring makes it contiguous.
 *
 * <pre>
 *  0   +---------------------------+---------------------------+
 *      | record length (i32)       | writer pid (i32)          |
 *  8   +---------------------------+------+------+-------------+
 *      | body length (i32)         | s(u8)| t(u8)| kind (u16)  |
 *  16  +---------------------------+------+------+-------------+
 *      | sender: s bytes | type: t bytes | body: body length bytes |
 *      +---------------------------------------------------------+
 * </pre>
 *
 * <p>The record length counts the header and the three byte strings, not the padding to the next
 * granule. A record is published by its mark (see {@link QueueLayout}), never by a field of its own, so a
 * reader never mistakes stale bytes from an earlier lap for a record.
 */
public final class RecordLayout {

    public static final int LENGTH_OFFSET = 0;
    public static final int WRITER_PID_OFFSET = 4;
    public static final int BODY_LENGTH_OFFSET = 8;
    public static final int SENDER_LENGTH_OFFSET = 12;
    public static final int TYPE_LENGTH_OFFSET = 13;
    public static final int KIND_OFFSET = 14;
    public static final int HEADER_LENGTH = 16;

    public static final int MAX_NAME_BYTES = 255;

    public static final short KIND_MESSAGE = 1;
    /** A record that readers step over without delivering: the remains of a writer that died. */
    public static final short KIND_SKIP = 2;

    private RecordLayout() {
    }

    public static int recordLength(int senderBytes, int typeBytes, long bodyBytes) {
        return (int) (HEADER_LENGTH + senderBytes + typeBytes + bodyBytes);
    }

    /** The space a record of this length occupies: rounded up to a whole number of granules. */
    public static long alignedLength(long recordLength) {
        return (recordLength + QueueLayout.GRANULE - 1) & -QueueLayout.GRANULE;
    }
}
