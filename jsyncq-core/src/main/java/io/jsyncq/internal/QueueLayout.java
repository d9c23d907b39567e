package io.jsyncq.internal;

/**
 * Where everything lives in a queue file. Offsets only; {@link SharedQueue} holds the algorithm.
 *
 * <pre>
 *  file offset
 *  0        +------------------------------------------------------------------+
 *           | static header (written once by the creator, before the file is    |
 *           | linked under its name; read-only afterwards)                      |
 *           |   0 magic "JSYNCQ\0\0" (u64)      8 layout version (i32)          |
 *           |  12 flags (i32)                  16 ring capacity (i64)           |
 *           |  24 max readers (i32)            28 reader slot length (i32)      |
 *           |  32 reader table offset (i64)    40 marks offset (i64)            |
 *           |  48 ring offset (i64)            56 file length (i64)             |
 *           |  64 page size (i32): the alignment of the ring                    |
 *  128      +------------------------------------------------------------------+
 *           | tail position (i64): next free byte; writers claim with CAS       |
 *  256      +------------------------------------------------------------------+
 *           | head cache (i64): a lower bound of every live reader's cursor     |
 *  384      +------------------------------------------------------------------+
 *           | lifecycle (i32): REMOVED bit                                      |
 *           | registration epoch (i32)      slot high-water mark (i32)          |
 *  512      +------------------------------------------------------------------+
 *           | message futex (i32)   message waiters (i32)   unused (i32)      |
 *           | readers sleep on the futex each with its own bit; each is armed |
 *           | in its own slot ({@link ReaderSlotLayout})                        |
 *  640      +------------------------------------------------------------------+
 *           | space futex (i32)     space waiters (i32)     armed (i32)       |
 *  768      +------------------------------------------------------------------+
 *           | readers reclaimed (i64)       holes repaired (i64)               |
 *           | counted by whoever repaired them; shown by stat and the soak     |
 *  896      +------------------------------------------------------------------+
 *           | delivery gate: state (i64) | window start (i64) | end (i64):    |
 *           | while a slot holds it, the others deliver only its records in   |
 *           | the window (a bridge in sequencer mode; {@link DeliveryGate})     |
 *  1024     +------------------------------------------------------------------+
 *           | unused up to the end of the header page                          |
 *  4096     +------------------------------------------------------------------+
 *           | reader table: max readers x {@link ReaderSlotLayout#SLOT_LENGTH} bytes |
 *           +------------------------------------------------------------------+
 *           | publication marks: one i64 per ring granule                      |
 *           +------------------------------------------------------------------+ (page aligned)
 *           | ring: capacity bytes of records, mapped twice back to back so    |
 *           | that a record straddling the end is contiguous in memory         |
 *           +------------------------------------------------------------------+
 * </pre>
 *
 * <p>The sizes of the last three parts depend on the queue; {@link QueueGeometry} computes them.
 *
 * <p>Each line that more than one process writes sits in its own 128-byte block: two cache lines, because
 * x86 prefetches lines in adjacent pairs.
 */
public final class QueueLayout {

    /** "JSYNCQ" followed by two zero bytes, read as a little-endian long. */
    public static final long MAGIC = 0x0000_5143_4E59_534AL;
    public static final int LAYOUT_VERSION = 7;

    public static final int CONTENDED_BLOCK = 128;

    // The static header: each field follows the one before it.
    public static final long MAGIC_OFFSET = 0;
    public static final long VERSION_OFFSET = MAGIC_OFFSET + Long.BYTES;
    public static final long FLAGS_OFFSET = VERSION_OFFSET + Integer.BYTES;
    public static final long CAPACITY_OFFSET = FLAGS_OFFSET + Integer.BYTES;
    public static final long MAX_READERS_OFFSET = CAPACITY_OFFSET + Long.BYTES;
    public static final long READER_SLOT_LENGTH_OFFSET = MAX_READERS_OFFSET + Integer.BYTES;
    public static final long READER_TABLE_OFFSET_OFFSET = READER_SLOT_LENGTH_OFFSET + Integer.BYTES;
    public static final long MARKS_OFFSET_OFFSET = READER_TABLE_OFFSET_OFFSET + Long.BYTES;
    public static final long RING_OFFSET_OFFSET = MARKS_OFFSET_OFFSET + Long.BYTES;
    public static final long FILE_LENGTH_OFFSET = RING_OFFSET_OFFSET + Long.BYTES;
    public static final long PAGE_SIZE_OFFSET = FILE_LENGTH_OFFSET + Long.BYTES;

    // The hot words: one contended block each for what different processes write.
    public static final long TAIL_POSITION_OFFSET = CONTENDED_BLOCK;
    public static final long HEAD_CACHE_OFFSET = TAIL_POSITION_OFFSET + CONTENDED_BLOCK;
    public static final long LIFECYCLE_OFFSET = HEAD_CACHE_OFFSET + CONTENDED_BLOCK;
    public static final long REGISTRATION_EPOCH_OFFSET = LIFECYCLE_OFFSET + Integer.BYTES;
    public static final long SLOT_HIGH_WATER_OFFSET = REGISTRATION_EPOCH_OFFSET + Integer.BYTES;
    public static final long MESSAGE_FUTEX_OFFSET = LIFECYCLE_OFFSET + CONTENDED_BLOCK;
    public static final long MESSAGE_WAITERS_OFFSET = MESSAGE_FUTEX_OFFSET + Integer.BYTES;
    public static final long MESSAGE_ARMED_OFFSET = MESSAGE_WAITERS_OFFSET + Integer.BYTES;
    public static final long SPACE_FUTEX_OFFSET = MESSAGE_FUTEX_OFFSET + CONTENDED_BLOCK;
    public static final long SPACE_WAITERS_OFFSET = SPACE_FUTEX_OFFSET + Integer.BYTES;
    public static final long SPACE_ARMED_OFFSET = SPACE_WAITERS_OFFSET + Integer.BYTES;
    public static final long READERS_RECLAIMED_OFFSET = SPACE_FUTEX_OFFSET + CONTENDED_BLOCK;
    public static final long HOLES_REPAIRED_OFFSET = READERS_RECLAIMED_OFFSET + Long.BYTES;
    public static final long DELIVERY_GATE_OFFSET = READERS_RECLAIMED_OFFSET + CONTENDED_BLOCK;

    public static final long HEADER_LENGTH = 4096;
    public static final long READER_TABLE_OFFSET = HEADER_LENGTH;

    /** Flag: keep the file when the last registration closes. */
    public static final int FLAG_KEEP = 1;

    /**
     * Lifecycle bit set by the last registration to close, or by {@code rm}, just before the file is removed
     * (under the name lock). The other bits are unused: who holds the file is the set of taken slots.
     */
    public static final int LIFECYCLE_REMOVED = 1 << 31;

    /**
     * Smallest ring, where pages are 4 KiB: the ring is mapped twice and mappings are whole pages, so
     * the ring is at least a page (see {@link QueueGeometry#minCapacity}).
     */
    public static final long MIN_CAPACITY = 4096;
    /** Largest ring: 1 GiB keeps every record length and offset inside a signed 32-bit int. */
    public static final long MAX_CAPACITY = 1L << 30;
    public static final int MAX_READERS_LIMIT = 4096;
    public static final int DEFAULT_MAX_READERS = 64;

    /** Records start on 64-byte boundaries, so two writers never share a cache line of data. */
    public static final int GRANULE_SHIFT = 6;
    public static final int GRANULE = 1 << GRANULE_SHIFT;
    public static final int MARK_LENGTH = Long.BYTES;
    private static final int MARKS_PER_LINE = 64 / MARK_LENGTH;
    private static final int MARKS_PER_LINE_SHIFT = 3;
    /** The value of a mark that no record has been published at. Positions are never negative. */
    public static final long NO_MARK = -1L;

    /*
     * A mark holds the position p of the record that starts in its granule, in the low bits of which
     * (always zero, since p is a multiple of the granule) it keeps the record's state. Marks left from
     * earlier laps hold smaller positions, so they never look like any state of p. A record being written
     * has no mark of its own yet: its writer's claim floor says it is in progress, and whose it is.
     */
    /** Abandoned by its writer (it failed, or was evicted, while writing): readers skip the record's length. */
    public static final long MARK_SKIP_RECORD = 2;
    /** A granule of a claim whose writer died before publishing it: readers skip one granule. */
    public static final long MARK_SKIP_GRANULE = 3;
    public static final long MARK_STATE_MASK = 3;

    private QueueLayout() {
    }

    /**
     * The index, in the mark array of {@code marks} entries (a power of two, at least 64), of the mark of the
     * granule at {@code position}. Consecutive granules' marks lie on different cache lines: the low three
     * bits of the granule number choose one of eight stripes, the rest the entry within it. So a writer
     * publishing at the tail and a reader polling a few records behind it touch the same line only when
     * they are a multiple of eight granules apart (and within 64 of each other), instead of whenever they
     * are within eight; measured, about a quarter more 32-byte messages per second from one writer to one
     * reader. A bijection, so every granule still has a mark of its own.
     */
    public static long markIndex(long position, long marks) {
        long granule = (position >>> GRANULE_SHIFT) & (marks - 1);
        long stripe = marks >>> MARKS_PER_LINE_SHIFT;
        return (granule & (MARKS_PER_LINE - 1)) * stripe + (granule >>> MARKS_PER_LINE_SHIFT);
    }

    public static long readerTableLength(int maxReaders) {
        return (long) maxReaders * ReaderSlotLayout.SLOT_LENGTH;
    }
}
