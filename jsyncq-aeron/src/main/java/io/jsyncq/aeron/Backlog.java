package io.jsyncq.aeron;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Frames that some peer has not taken yet, in origin order, numbered by their origin sequence. A peer that
 * cannot keep up is served from here while this host's queue goes on being read, up to a bound in bytes.
 *
 * <p>Why it exists: a bridge that waited for a slow peer while holding its read position in the local
 * queue would hold the space that its own incoming relays need; with traffic both ways, two such bridges
 * wait for each other for ever (each one's queue full behind its own read position, each one's peer
 * waiting for room in it). The backlog breaks that wait up to its bound; beyond it, the bridge does hold
 * the local writers back, and the peer timeout ends the rest (see {@link Outbound}).
 *
 * <p>The frames' bytes lie one after another in one array used as a ring, so keeping a frame allocates
 * nothing once the array is large enough (an array per frame cost young collections of up to 0.4 s while a
 * backlog filled). A frame never wraps: one that would run past the array's end starts at its beginning,
 * and the end is left unused until the ring comes round. The array doubles, compacting, when a frame does
 * not fit.
 */
final class Backlog {

    private static final int INITIAL_BYTES = 1 << 16;

    private byte[] store = new byte[INITIAL_BYTES];
    /** Per origin sequence (modulo the table's length): where its bytes start in {@link #store}, or -1. */
    private int[] starts = new int[64];
    private int[] lengths = new int[64];
    /** The origin sequence of the oldest frame held; {@code end} is one past the newest. */
    private long start = 1;
    private long end = 1;
    /** Where the oldest held bytes start, and where the next frame's go; equal (0) while no bytes are held. */
    private int head;
    private int tail;
    private long bytes;

    long start() {
        return start;
    }

    long end() {
        return end;
    }

    /** Bytes of frames held (not counting the unused ends of the ring). */
    long bytes() {
        return bytes;
    }

    boolean isEmpty() {
        return start == end;
    }

    /**
     * Keeps a copy of the frame of origin sequence {@link #end()}, or a placeholder ({@code frame == null})
     * for a message that no stream can carry.
     */
    void add(DirectBuffer frame, int length) {
        if (end - start == starts.length) {
            growTable();
        }
        int at = -1;
        if (frame != null) {
            at = place(length);
            frame.getBytes(0, store, at, length);
            tail = at + length;
            bytes += length;
        }
        starts[index(end)] = at;
        lengths[index(end)] = frame == null ? -1 : length;
        end++;
    }

    /** Nothing is held and the next frame gets origin sequence {@code sequence}. */
    void skipTo(long sequence) {
        if (!isEmpty()) {
            throw new IllegalStateException("frames are held from " + start);
        }
        start = end = sequence;
    }

    /** True for a message that no stream can carry: it has no bytes. */
    boolean isPlaceholder(long sequence) {
        return starts[index(sequence)] < 0;
    }

    /** Points {@code view} at the bytes of the frame of this origin sequence, without copying them. */
    void wrap(long sequence, UnsafeBuffer view) {
        view.wrap(store, starts[index(sequence)], lengths[index(sequence)]);
    }

    /** Lets go of every frame before {@code sequence}: every peer has taken them. */
    void releaseBefore(long sequence) {
        while (start < sequence && start < end) {
            int length = lengths[index(start)];
            if (length > 0) {
                bytes -= length;
            }
            start++;
        }
        if (bytes == 0) {
            head = tail = 0;
            return;
        }
        for (long held = start; held < end; held++) {
            if (starts[index(held)] >= 0) {
                head = starts[index(held)];
                return;
            }
        }
    }

    /** Where a frame of {@code length} bytes goes: after the newest, at the ring's start, or in a larger ring. */
    private int place(int length) {
        if (bytes == 0) {
            head = tail = 0;
        }
        if (tail >= head) { // the held bytes do not wrap: room after them, or before them at the start
            if (store.length - tail >= length) {
                return tail;
            }
            if (head > length) { // strictly: a full ring must not look empty (tail == head)
                return 0;
            }
        } else if (head - tail > length) {
            return tail;
        }
        growStore(length);
        return tail;
    }

    /** A larger array with the held frames moved to its start, in order. */
    private void growStore(int length) {
        byte[] larger = new byte[(int) Math.min(Integer.MAX_VALUE - 8, Math.max(2L * store.length, bytes + length + 1))];
        int at = 0;
        for (long held = start; held < end; held++) {
            int i = index(held);
            if (starts[i] >= 0) {
                System.arraycopy(store, starts[i], larger, at, lengths[i]);
                starts[i] = at;
                at += lengths[i];
            }
        }
        store = larger;
        head = 0;
        tail = at;
    }

    private int index(long sequence) {
        return (int) (sequence % starts.length);
    }

    private void growTable() {
        int[] largerStarts = new int[starts.length * 2];
        int[] largerLengths = new int[starts.length * 2];
        for (long sequence = start; sequence < end; sequence++) {
            int from = index(sequence);
            int to = (int) (sequence % largerStarts.length);
            largerStarts[to] = starts[from];
            largerLengths[to] = lengths[from];
        }
        starts = largerStarts;
        lengths = largerLengths;
    }
}
