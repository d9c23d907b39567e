package io.jsyncq.internal;

/**
 * A record in the ring. Records start on {@link QueueLayout#GRANULE} boundaries; a record may run past the
 * end of the ring, where the second mapping of the ring makes it contiguous.
 *
 * <pre>
 *  0   +---------------------------+---------------------------+
 *      | record length (i32)       | body length (i32)         |
 *  8   +---------------------------+-------------+------+------+
 *      | writer generation (i32)   | writer (u16)| s(u8)| t(u8)|
 *  16  +---------------------------+-------------+------+------+
 *      | sender: s bytes | type: t bytes | body: body length bytes |
 *      +---------------------------------------------------------+
 * </pre>
 *
 * <p>The record length counts the header and the three byte strings, not the padding to the next
 * granule. The writer is the slot index of the registration that claimed the record, and the writer
 * generation that slot's generation then: together they say whether the writer still lives. A record's
 * state (claimed, published, skipped) lives in its mark (see {@link QueueLayout}), never in a field of its
 * own, so a reader never mistakes stale bytes from an earlier lap for a record.
 */
public final class RecordLayout {

    public static final int LENGTH_OFFSET = 0;
    public static final int BODY_LENGTH_OFFSET = 4;
    public static final int WRITER_GENERATION_OFFSET = 8;
    public static final int WRITER_SLOT_OFFSET = 12;
    public static final int SENDER_LENGTH_OFFSET = 14;
    public static final int TYPE_LENGTH_OFFSET = 15;
    public static final int HEADER_LENGTH = 16;

    public static final int MAX_NAME_BYTES = 255;

    private RecordLayout() {
    }

    /** The first eight bytes of a header, as one little-endian long: record length, then body length. */
    public static long lengthsWord(int recordLength, int bodyLength) {
        return (recordLength & 0xFFFF_FFFFL) | ((long) bodyLength << 32);
    }

    /** The second eight bytes of a header: writer generation, writer slot, sender and type lengths. */
    public static long writerWord(int generation, int slot, int senderLength, int typeLength) {
        return (generation & 0xFFFF_FFFFL) | ((long) (slot & 0xFFFF) << 32) | ((long) (senderLength & 0xFF) << 48)
                | ((long) (typeLength & 0xFF) << 56);
    }

    /** The bits of {@link #writerWord} that hold the writer's identity: generation and slot. */
    public static final long WRITER_IDENTITY_MASK = (1L << 48) - 1;

    /**
     * Who wrote a record, as the low 48 bits of {@link #writerWord}: the writer's slot and its generation,
     * which together name one registration for the life of the file.
     */
    public static long writerIdentity(int generation, int slot) {
        return writerWord(generation, slot, 0, 0);
    }

    /** The space a record of this length occupies: rounded up to a whole number of granules. */
    public static long alignedLength(long recordLength) {
        return (recordLength + QueueLayout.GRANULE - 1) & -QueueLayout.GRANULE;
    }
}
