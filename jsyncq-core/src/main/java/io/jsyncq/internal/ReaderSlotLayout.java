package io.jsyncq.internal;

/**
 * One registration's slot in the reader table.
 *
 * <pre>
 *  0    +--------------------------------------------------------------+
 *       | cursor (i64): position of the next record this reader reads |
 *       | state (i32): FREE, CLAIMED or ACTIVE                        |
 *       | written by the owner on every pop; read by writers scanning  |
 *  128  +--------------------------------------------------------------+
 *       | pid (i32)             sender length (i32)                   |
 *       | process start time (i64): clock ticks since boot             |
 *       | sender name: up to {@link #MAX_SENDER_BYTES} UTF-8 bytes     |
 *       | written once at registration; read by stat and reclaimers    |
 *  256  +--------------------------------------------------------------+
 * </pre>
 */
public final class ReaderSlotLayout {

    public static final int SLOT_LENGTH = 256;

    public static final long CURSOR_OFFSET = 0;
    public static final long STATE_OFFSET = 8;

    public static final long PID_OFFSET = 128;
    public static final long SENDER_LENGTH_OFFSET = 132;
    public static final long START_TIME_OFFSET = 136;
    public static final long SENDER_OFFSET = 144;
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
}
