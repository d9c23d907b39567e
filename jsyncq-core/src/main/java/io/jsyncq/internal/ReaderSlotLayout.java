package io.jsyncq.internal;

/**
 * One registration's slot in the reader table.
 *
 * <pre>
 *  0    +-----------------------------------------------------------------+
 *       | cursor (i64): position of the next record this reader reads,    |
 *       |   with the low 6 bits of the generation in its low bits         |
 *       | slot word (i64): generation (high 32 bits) | state (low 32 bits) |
 *       | written by the owner on every pop; read by writers scanning     |
 *  128  +-----------------------------------------------------------------+
 *       | pid (i32)                    sender length (i32)                |
 *       | process start time (i64): clock ticks since boot, or -1         |
 *       | pid namespace (i64): inode of /proc/self/ns/pid, or 0           |
 *       | heartbeat (i64): owner's CLOCK_MONOTONIC, renewed every lease/4 |
 *       | lease (i64): nanoseconds without a heartbeat before it is dead  |
 *       | message sleepers (i32)       space sleepers (i32)               |
 *       | sender name: up to {@link #MAX_SENDER_BYTES} UTF-8 bytes        |
 *       | the owner's identity and health; read by reclaimers and stat     |
 *  256  +-----------------------------------------------------------------+
 * </pre>
 *
 * <p>The generation grows each time the slot is taken or reclaimed, so a slot word names one registration:
 * a reclaimer's compare-and-set cannot free a later registration by mistake, and an owner can tell that
 * its registration was reclaimed.
 */
public final class ReaderSlotLayout {

    public static final int SLOT_LENGTH = 256;

    public static final long CURSOR_OFFSET = 0;
    public static final long SLOT_WORD_OFFSET = 8;

    public static final long PID_OFFSET = 128;
    public static final long SENDER_LENGTH_OFFSET = 132;
    public static final long START_TIME_OFFSET = 136;
    public static final long PID_NAMESPACE_OFFSET = 144;
    public static final long HEARTBEAT_OFFSET = 152;
    public static final long LEASE_OFFSET = 160;
    public static final long MESSAGE_SLEEPERS_OFFSET = 168;
    public static final long SPACE_SLEEPERS_OFFSET = 172;
    public static final long SENDER_OFFSET = 176;
    public static final int MAX_SENDER_BYTES = SLOT_LENGTH - (int) SENDER_OFFSET;

    public static final int STATE_FREE = 0;
    /** Taken by a registering process that has not yet chosen its first position. */
    public static final int STATE_CLAIMED = 1;
    public static final int STATE_ACTIVE = 2;

    private ReaderSlotLayout() {
    }

    public static long slotOffset(int slot) {
        return QueueLayout.READER_TABLE_OFFSET + (long) slot * SLOT_LENGTH;
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
}
