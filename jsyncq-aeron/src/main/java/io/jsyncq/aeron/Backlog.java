package io.jsyncq.aeron;

import org.agrona.DirectBuffer;

/**
 * Frames that some peer has not taken yet, in origin order, numbered by their origin sequence. A peer that
 * cannot keep up is served from here while this host's queue goes on being read, up to a bound in bytes.
 *
 * <p>Why it exists: a bridge that waited for a slow peer while holding its read position in the local
 * queue would hold the space that its own incoming relays need; with traffic both ways, two such bridges
 * wait for each other for ever (each one's queue full behind its own read position, each one's peer
 * waiting for room in it). The backlog breaks that wait up to its bound; beyond it, the bridge does hold
 * the local writers back, and the peer timeout ends the rest (see {@link Outbound}).
 */
final class Backlog {

    private byte[][] frames = new byte[64][];
    private int[] lengths = new int[64];
    /** The origin sequence of the oldest frame held; {@code end} is one past the newest. */
    private long start = 1;
    private long end = 1;
    private long bytes;

    long start() {
        return start;
    }

    long end() {
        return end;
    }

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
        if (end - start == frames.length) {
            grow();
        }
        int at = index(end);
        if (frame == null) {
            frames[at] = null;
        } else {
            byte[] copy = frames[at] != null && frames[at].length >= length ? frames[at] : new byte[length];
            frame.getBytes(0, copy, 0, length);
            frames[at] = copy;
            bytes += length;
        }
        lengths[at] = frame == null ? -1 : length;
        end++;
    }

    /** Nothing is held and the next frame gets origin sequence {@code sequence + 1}. */
    void skipTo(long sequence) {
        if (!isEmpty()) {
            throw new IllegalStateException("frames are held from " + start);
        }
        start = end = sequence;
    }

    /** The frame of this origin sequence, or null for a placeholder; its length is {@link #length}. */
    byte[] frame(long sequence) {
        return lengths[index(sequence)] < 0 ? null : frames[index(sequence)];
    }

    int length(long sequence) {
        return lengths[index(sequence)];
    }

    /** Lets go of every frame before {@code sequence}: every peer has taken them. */
    void releaseBefore(long sequence) {
        while (start < sequence) {
            int at = index(start);
            if (lengths[at] > 0) {
                bytes -= lengths[at];
            }
            if (frames[at] != null && frames[at].length > 64 * 1024) {
                frames[at] = null; // keep small arrays for reuse, not large ones
            }
            start++;
        }
    }

    private int index(long sequence) {
        return (int) (sequence % frames.length);
    }

    private void grow() {
        byte[][] largerFrames = new byte[frames.length * 2][];
        int[] largerLengths = new int[frames.length * 2];
        for (long sequence = start; sequence < end; sequence++) {
            int from = index(sequence);
            int to = (int) (sequence % largerFrames.length);
            largerFrames[to] = frames[from];
            largerLengths[to] = lengths[from];
        }
        frames = largerFrames;
        lengths = largerLengths;
    }
}
