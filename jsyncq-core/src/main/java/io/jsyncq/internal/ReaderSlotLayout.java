package io.jsyncq.internal;

/**
 * One registration's slot in the reader table.
 *
 * <pre>
 *  0    +-----------------------------------------------------------------+
 *       | cursor (i64): position of the next record this reader reads     |
 *       | slot word (i64): generation (high 32 bits) | state (low 32 bits): |
 *       |   free, writer (write-only), active (reads too), evicted,       |
 *       |   durable (active, and parked when its process dies), parked    |
 *  16   | claim floors: {@link #FLOOR_LANES} x i64, one per append in        |
 *       |   progress: the tail it claims at, or {@link #NO_FLOOR}            |
 *  80   | last claim (i64): a durable registration's latest claimed       |
 *       |   position, kept through parking for the process that resumes it|
 *       | written by the owner on every pop and append; read by scanners  |
 *  128  +-----------------------------------------------------------------+
 *       | pid (i32)                    sender length (i32)                |
 *       | process start time (i64): clock ticks since boot, or -1         |
 *       | pid namespace (i64): inode of /proc/self/ns/pid, or 0           |
 *       | message sleepers (i32)       space sleepers (i32)               |
 *       | sender name: up to {@link #MAX_SENDER_BYTES} UTF-8 bytes        |
 *       | written once when registering; read by reclaimers and stat     |
 *  256  +-----------------------------------------------------------------+
 *       | wait position (i64): the record its sleeping reader waits for;   |
 *       |   set by the reader before it arms, moved on by writers         |
 *       | armed (i32): 1 once its reader is about to sleep; the writer    |
 *       |   that clears it wakes the reader (its bit of the message futex)|
 *       | screen summary (i32): sender hashes | type hashes << 8 |        |
 *       |   skips own records << 16, or {@link #SUMMARY_UNFILTERED}         |
 *       | screened sender hashes: {@link #SUMMARY_HASHES} x i64            |
 *       | screened type hashes: {@link #SUMMARY_HASHES} x i64              |
 *       | how a writer wakes only the readers that will read (design.md §5)|
 *  384  +-----------------------------------------------------------------+
 * </pre>
 *
 * <p>The first byte of each slot, as a byte of the file, is also the slot's <b>owner lock</b>: an
 * open-file-description lock its registration holds for its whole life. The kernel drops it when the
 * owner dies and keeps it while the owner is stopped, so "the lock is free" is the proof that a slot's
 * owner is dead (see {@link SlotLocks}).
 *
 * <p>The generation grows each time the slot is taken or freed, so a slot word names one registration: a
 * compare-and-set on it can never free or evict a later registration by mistake.
 */
public final class ReaderSlotLayout {

    public static final int SLOT_LENGTH = 3 * QueueLayout.CONTENDED_BLOCK;

    // Written by the owner on every pop and append: one contended block.
    public static final long CURSOR_OFFSET = 0;
    public static final long SLOT_WORD_OFFSET = CURSOR_OFFSET + Long.BYTES;
    public static final long FLOORS_OFFSET = SLOT_WORD_OFFSET + Long.BYTES;
    /** Appends in progress at once per registration; a further thread waits for a lane (see {@link ClaimFloors}). */
    public static final int FLOOR_LANES = 8;
    /** A lane with no append in progress: larger than any position, so it never lowers a minimum. */
    public static final long NO_FLOOR = Long.MAX_VALUE;
    /** A durable registration's latest claim, stored after its tail compare-and-set; -1 before any. */
    public static final long LAST_CLAIM_OFFSET = FLOORS_OFFSET + (long) FLOOR_LANES * Long.BYTES;

    // Written once when registering: the next block.
    public static final long PID_OFFSET = QueueLayout.CONTENDED_BLOCK;
    public static final long SENDER_LENGTH_OFFSET = PID_OFFSET + Integer.BYTES;
    public static final long START_TIME_OFFSET = SENDER_LENGTH_OFFSET + Integer.BYTES;
    public static final long PID_NAMESPACE_OFFSET = START_TIME_OFFSET + Long.BYTES;
    public static final long MESSAGE_SLEEPERS_OFFSET = PID_NAMESPACE_OFFSET + Long.BYTES;
    public static final long SPACE_SLEEPERS_OFFSET = MESSAGE_SLEEPERS_OFFSET + Integer.BYTES;
    public static final long SENDER_OFFSET = SPACE_SLEEPERS_OFFSET + Integer.BYTES;
    public static final int MAX_SENDER_BYTES = 2 * QueueLayout.CONTENDED_BLOCK - (int) SENDER_OFFSET;
    /** Set in the sender length when the name was longer than {@link #MAX_SENDER_BYTES}: the slot keeps its start. */
    public static final int SENDER_CUT = 1 << 31;

    // Waking: written by the sleeping reader and by the writers that wake it.
    public static final long WAIT_AT_OFFSET = 2L * QueueLayout.CONTENDED_BLOCK;
    public static final long ARMED_OFFSET = WAIT_AT_OFFSET + Long.BYTES;
    public static final long SUMMARY_OFFSET = ARMED_OFFSET + Integer.BYTES;
    public static final long SENDER_HASHES_OFFSET = SUMMARY_OFFSET + Integer.BYTES;
    /** Screened names of each kind a summary holds; a reader screening more is woken for everything. */
    public static final int SUMMARY_HASHES = 6;
    public static final long TYPE_HASHES_OFFSET = SENDER_HASHES_OFFSET + (long) SUMMARY_HASHES * Long.BYTES;
    /**
     * Set in a summary that fits when the reader also skips every record its own registration wrote (a
     * relay's), so that its own writer hands its wait on past them instead of waking it.
     */
    public static final int SUMMARY_SKIPS_OWN = 1 << 16;
    /** A summary that does not fit: writers wake this reader for every record it waits at. */
    public static final int SUMMARY_UNFILTERED = -1;
    /** The wait position of a slot whose reader is not waiting. */
    public static final long NOT_WAITING = -1;

    /** Nobody's: a registering process may take it once it holds the owner lock. */
    public static final int STATE_FREE = 0;
    /** A write-only registration: it has no cursor that holds space; its floors hold its claims. */
    public static final int STATE_WRITER = 1;
    /** A registration that reads and writes: its cursor holds space, its floors hold claims. */
    public static final int STATE_ACTIVE = 2;
    /**
     * A registration an operator evicted while its process lived: its cursor no longer holds space, its
     * floors still do (the process may be in the middle of an append), and it learns of the eviction on its
     * next call. Its process frees the slot when it closes or, once dead, whoever reclaims it.
     */
    public static final int STATE_EVICTED = 3;
    /**
     * A durable registration whose process died (or closed it): its cursor still holds space, its floors and
     * sleepers were cleared, and its name and last claim stay, until a process registering durably under the
     * same name resumes it, or an operator evicts it (design.md §6).
     */
    public static final int STATE_PARKED = 4;
    /** A registration that reads and writes, as {@link #STATE_ACTIVE}, and is parked, not freed, when it ends. */
    public static final int STATE_DURABLE = 5;

    private ReaderSlotLayout() {
    }

    public static long slotOffset(int slot) {
        return QueueLayout.READER_TABLE_OFFSET + (long) slot * SLOT_LENGTH;
    }

    /** The byte of the file whose lock proves the slot's owner alive. */
    public static long ownerLockByte(int slot) {
        return slotOffset(slot);
    }

    public static long floorOffset(int slot, int lane) {
        return slotOffset(slot) + FLOORS_OFFSET + (long) lane * Long.BYTES;
    }

    public static long slotWord(int generation, int state) {
        return ((long) generation << 32) | (state & 0xFFFF_FFFFL);
    }

    public static int state(long slotWord) {
        return (int) slotWord;
    }

    public static int generation(long slotWord) {
        return (int) (slotWord >>> 32);
    }

    /** True for a registration an operator may evict: one that reads, or one that only writes. */
    public static boolean isLive(int state) {
        return state == STATE_ACTIVE || state == STATE_WRITER || state == STATE_DURABLE;
    }

    /** True for a registration that reads: a process pops with it, and may sleep waiting for a message. */
    public static boolean reads(int state) {
        return state == STATE_ACTIVE || state == STATE_DURABLE;
    }

    /** True for a slot whose cursor holds space: a registration that reads, or one parked to be resumed. */
    public static boolean cursorHoldsSpace(int state) {
        return state == STATE_ACTIVE || state == STATE_DURABLE || state == STATE_PARKED;
    }
}
