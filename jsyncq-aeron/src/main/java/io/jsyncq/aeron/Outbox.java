package io.jsyncq.aeron;

import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * The frames this host sent out that some peer has not acknowledged yet, in a file beside the queue, so
 * that they outlive the bridge's process. The bridge acknowledges a message in the local queue only once
 * its frame is here; a peer acknowledges a frame only once it has appended it to its own queue; a frame
 * leaves only when every peer (not cut off) has. So a message is, at every moment, in the local queue, in
 * the outbox, or in every peer's queue, whichever process is killed when.
 *
 * <p>Numbered by origin sequence (1, 2, 3..., for the life of the file); the file also keeps the origin id
 * (random, made with the file) that tells this host's frames from any other's, and the local queue
 * position of the newest message held, from which a restarted bridge knows what it has read already.
 *
 * <pre>
 *  file header (64 bytes, little-endian)            entry (8-byte aligned, never wraps)
 *  +0   magic "JSQOUTBX"                             +0   entry length (i32): header, frame, padding
 *  +8   version (i32), 0                             +4   frame length (i32); -1 for a placeholder,
 *  +16  origin id (i64)                                   -2 for the unused end of a lap
 *  +24  capacity of the ring (i64)                   +8   origin sequence (i64)
 *  +32  start: ring position of the oldest entry     +16  local queue end position (i64)
 *  +40  end: ring position after the newest entry    +24  the frame's bytes
 *  +48  newest sequence (i64)
 *  +56  newest local queue position (i64)
 * </pre>
 *
 * <p>Positions in the ring are 64-bit byte counts (an entry's offset is the position modulo the capacity),
 * so start and end never need a lap count. <em>Why it survives a kill at any instruction:</em> an entry is
 * written whole before {@code end} moves past it (a release store, one 8-byte word), and only {@code end}
 * says what is held; the newest sequence and position are stored after {@code end}, so a kill between
 * leaves them behind, and opening takes the larger of them and the newest entry's own. {@code start} moves
 * with one store too. The memory is a shared mapping: what one process stored, the next one reads, even
 * when the first is killed (a crash of the machine is another matter: {@code /dev/shm} does not outlive it).
 * Used by one thread at a time.
 */
final class Outbox implements AutoCloseable {

    private static final long MAGIC = 0x58425455_4F51534AL; // "JSQOUTBX", little-endian
    private static final int VERSION = 1;
    private static final long MAGIC_OFFSET = 0;
    private static final long VERSION_OFFSET = 8;
    private static final long ORIGIN_ID_OFFSET = 16;
    private static final long CAPACITY_OFFSET = 24;
    private static final long START_OFFSET = 32;
    private static final long END_OFFSET = 40;
    private static final long NEWEST_SEQUENCE_OFFSET = 48;
    private static final long NEWEST_QUEUE_POSITION_OFFSET = 56;
    static final int FILE_HEADER_LENGTH = 64;

    private static final int ENTRY_LENGTH_OFFSET = 0;
    private static final int FRAME_LENGTH_OFFSET = 4;
    private static final int SEQUENCE_OFFSET = 8;
    private static final int QUEUE_POSITION_OFFSET = 16;
    static final int ENTRY_HEADER_LENGTH = 24;
    private static final int PLACEHOLDER = -1;
    private static final int LAP_END = -2;

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG; // every field is 8-aligned, in a page-aligned mapping
    /** For the stores that make what was written before them count (see the class comment). */
    private static final VarHandle RELEASE = LONG.varHandle();
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;

    private final Path file;
    private final Arena arena;
    private final MemorySegment memory;
    private final long capacity;

    /** Per origin sequence (modulo the table's length): where its entry starts in the ring. */
    private long[] entryPositions = new long[1024];
    /** The sequence of the oldest entry held, and one past the newest. */
    private long startSequence;
    private long endSequence;
    private long startPosition;
    private long endPosition;
    private long newestQueuePosition;
    /** A frame reserved and not yet committed: where its entry starts, and its length. */
    private long reservedAt = -1;
    private int reservedLength;

    private Outbox(Path file, Arena arena, MemorySegment memory, long capacity) {
        this.file = file;
        this.arena = arena;
        this.memory = memory;
        this.capacity = capacity;
    }

    /**
     * Opens the outbox in {@code file}, recovering what a previous process left, or makes a new one with a
     * new origin id and a ring of {@code capacity} bytes (an existing file keeps its own capacity).
     *
     * @throws BridgeException if the file is not an outbox, or is damaged
     */
    static Outbox open(Path file, long capacity, Consumer<String> log) {
        long ringCapacity = capacity & -8L;
        Arena arena = Arena.ofShared();
        boolean opened = false;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            long size = channel.size();
            boolean fresh = size == 0;
            if (!fresh && size < FILE_HEADER_LENGTH) {
                throw damaged(file, "it has only " + size + " bytes");
            }
            if (!fresh) {
                MemorySegment header = channel.map(FileChannel.MapMode.READ_ONLY, 0, FILE_HEADER_LENGTH, Arena.ofAuto());
                long existing = header.get(LONG, CAPACITY_OFFSET);
                if (header.get(LONG, MAGIC_OFFSET) != MAGIC || header.get(INT, VERSION_OFFSET) != VERSION) {
                    throw damaged(file, "it does not start as an outbox of this version does");
                }
                if (existing <= 0 || existing % 8 != 0 || FILE_HEADER_LENGTH + existing != size) {
                    throw damaged(file, "its ring of " + existing + " bytes does not match its size, " + size);
                }
                if (existing != ringCapacity) {
                    log.accept("the outbox " + file + " keeps its " + existing + " bytes until it is empty and removed;"
                            + " the backlog asked for " + ringCapacity);
                }
                ringCapacity = existing;
            }
            MemorySegment memory = channel.map(FileChannel.MapMode.READ_WRITE, 0, FILE_HEADER_LENGTH + ringCapacity,
                    arena);
            Outbox outbox = new Outbox(file, arena, memory, ringCapacity);
            if (fresh) {
                outbox.initialise();
            } else {
                outbox.recover();
            }
            opened = true;
            return outbox;
        } catch (IOException e) {
            throw new BridgeException("cannot open the bridge's outbox " + file + ": " + e.getMessage(), e);
        } finally {
            if (!opened) {
                arena.close();
            }
        }
    }

    private void initialise() {
        long originId;
        do {
            originId = ThreadLocalRandom.current().nextLong();
        } while (originId == 0);
        memory.set(LONG, ORIGIN_ID_OFFSET, originId);
        memory.set(LONG, CAPACITY_OFFSET, capacity);
        memory.set(LONG, NEWEST_QUEUE_POSITION_OFFSET, -1);
        memory.set(INT, VERSION_OFFSET, VERSION);
        RELEASE.setRelease(memory, MAGIC_OFFSET, MAGIC);
        startSequence = endSequence = 1;
        newestQueuePosition = -1;
    }

    /** Rebuilds the index from the entries between start and end, checking every length on the way. */
    private void recover() {
        startPosition = memory.get(LONG, START_OFFSET);
        endPosition = memory.get(LONG, END_OFFSET);
        long newestSequence = memory.get(LONG, NEWEST_SEQUENCE_OFFSET);
        newestQueuePosition = memory.get(LONG, NEWEST_QUEUE_POSITION_OFFSET);
        if (startPosition < 0 || endPosition < startPosition || endPosition - startPosition > capacity
                || (startPosition | endPosition) % 8 != 0) {
            throw damaged(file, "its start " + startPosition + " and end " + endPosition + " do not make a ring of "
                    + capacity + " bytes");
        }
        startSequence = -1;
        long sequence = -1;
        for (long at = startPosition; at < endPosition; ) {
            long offset = offset(at);
            int entryLength = memory.get(INT, offset + ENTRY_LENGTH_OFFSET);
            int frameLength = memory.get(INT, offset + FRAME_LENGTH_OFFSET);
            if (frameLength == LAP_END) {
                if (entryLength != capacity - at % capacity) {
                    throw damaged(file, "a lap's end at " + at + " does not reach the ring's end");
                }
                at += entryLength;
                continue;
            }
            if (entryLength < ENTRY_HEADER_LENGTH || entryLength % 8 != 0 || entryLength > capacity - at % capacity
                    || at + entryLength > endPosition || frameLength < PLACEHOLDER
                    || (frameLength >= 0 && ENTRY_HEADER_LENGTH + frameLength > entryLength)) {
                throw damaged(file, "the entry at " + at + " has lengths " + entryLength + " and " + frameLength);
            }
            long entrySequence = memory.get(LONG, offset + SEQUENCE_OFFSET);
            if (sequence >= 0 && entrySequence != sequence + 1 || entrySequence <= 0) {
                throw damaged(file, "the entry at " + at + " has sequence " + entrySequence + " after " + sequence);
            }
            if (startSequence < 0) {
                startSequence = entrySequence;
                endSequence = entrySequence;
            }
            sequence = entrySequence;
            if (endSequence - startSequence == entryPositions.length) {
                growIndex();
            }
            indexNewest(at);
            endSequence++;
            newestQueuePosition = Math.max(newestQueuePosition, memory.get(LONG, offset + QUEUE_POSITION_OFFSET));
            at += entryLength;
        }
        if (startSequence < 0) {
            startSequence = endSequence = newestSequence + 1;
        } else if (newestSequence > sequence) {
            throw damaged(file, "it says sequence " + newestSequence + " went in, but its newest entry is " + sequence);
        }
    }

    long originId() {
        return memory.get(LONG, ORIGIN_ID_OFFSET);
    }

    /** The origin sequence of the oldest frame held. */
    long start() {
        return startSequence;
    }

    /** One past the newest frame's origin sequence: the sequence the next frame gets. */
    long end() {
        return endSequence;
    }

    boolean isEmpty() {
        return startSequence == endSequence;
    }

    /** Bytes of the ring in use (entries and unused lap ends). */
    long bytes() {
        return endPosition - startPosition;
    }

    long capacity() {
        return capacity;
    }

    /** The largest frame this ring can ever hold: an entry may take at most half of it. */
    int maxFrameLength() {
        return (int) Math.min(Integer.MAX_VALUE - 64, (capacity / 2 - ENTRY_HEADER_LENGTH) & -8L);
    }

    /**
     * The end position in the local queue of the newest message held or once held, or -1: a message that
     * ends at or before it is in the outbox already (or was, and went to every peer).
     */
    long newestQueuePosition() {
        return newestQueuePosition;
    }

    /** The local queue was made afresh: its positions say nothing of what the outbox holds. */
    void forgetQueuePositions() {
        newestQueuePosition = -1;
        memory.set(LONG, NEWEST_QUEUE_POSITION_OFFSET, -1);
    }

    /**
     * Room for a frame of {@code frameLength} bytes, to be written through the buffer returned and then
     * {@linkplain #commit committed} as the frame of origin sequence {@link #end()}.
     *
     * @return the frame's bytes in the ring, or null if the ring has no room for it now
     */
    MemorySegment reserve(int frameLength) {
        long at = place(ENTRY_HEADER_LENGTH + frameLength);
        if (at < 0) {
            return null;
        }
        reservedAt = at;
        reservedLength = frameLength;
        return memory.asSlice(offset(at) + ENTRY_HEADER_LENGTH, frameLength);
    }

    /** Makes the reserved frame part of the outbox, for the message ending at {@code queuePosition}. */
    void commit(long queuePosition) {
        writeEntry(reservedAt, reservedLength, queuePosition);
        reservedAt = -1;
    }

    /**
     * Holds a place, with no bytes, for a message no stream can carry, so that its sequence is used and
     * every peer counts it as not delivered.
     *
     * @return false if the ring has no room now
     */
    boolean addPlaceholder(long queuePosition) {
        long at = place(ENTRY_HEADER_LENGTH);
        if (at < 0) {
            return false;
        }
        writeEntry(at, PLACEHOLDER, queuePosition);
        return true;
    }

    /** True for a message that no stream can carry: it has no bytes. */
    boolean isPlaceholder(long sequence) {
        return memory.get(INT, offset(entryPositions[index(sequence)]) + FRAME_LENGTH_OFFSET) == PLACEHOLDER;
    }

    /** Points {@code view} at the bytes of the frame of this origin sequence, without copying them. */
    void wrap(long sequence, UnsafeBuffer view) {
        long offset = offset(entryPositions[index(sequence)]);
        view.wrap(memory.address() + offset + ENTRY_HEADER_LENGTH, memory.get(INT, offset + FRAME_LENGTH_OFFSET));
    }

    /** Lets go of every frame before {@code sequence}: every peer has it, or is counted as not getting it. */
    void releaseBefore(long sequence) {
        long until = Math.min(sequence, endSequence);
        if (until <= startSequence) {
            return;
        }
        startSequence = until;
        startPosition = startSequence == endSequence ? endPosition : entryPositions[index(startSequence)];
        RELEASE.setRelease(memory, START_OFFSET, startPosition);
    }

    private void writeEntry(long at, int frameLength, long queuePosition) {
        long offset = offset(at);
        int entryLength = entryLength(frameLength);
        memory.set(INT, offset + ENTRY_LENGTH_OFFSET, entryLength);
        memory.set(INT, offset + FRAME_LENGTH_OFFSET, frameLength);
        memory.set(LONG, offset + SEQUENCE_OFFSET, endSequence);
        memory.set(LONG, offset + QUEUE_POSITION_OFFSET, queuePosition);
        if (endSequence - startSequence == entryPositions.length) {
            growIndex();
        }
        indexNewest(at);
        endSequence++;
        endPosition = at + entryLength;
        RELEASE.setRelease(memory, END_OFFSET, endPosition); // the entry is held from here on
        memory.set(LONG, NEWEST_SEQUENCE_OFFSET, endSequence - 1);
        memory.set(LONG, NEWEST_QUEUE_POSITION_OFFSET, queuePosition);
        newestQueuePosition = queuePosition;
    }

    /**
     * Where an entry of {@code length} bytes (header included) goes: after the newest, or at the start of
     * the next lap when it would run past the ring's end (the rest of the lap is marked unused).
     *
     * @return its ring position, or -1 if there is no room now
     */
    private long place(int length) {
        int entryLength = entryLength(length - ENTRY_HEADER_LENGTH);
        long at = endPosition;
        long toLapEnd = capacity - at % capacity;
        long needed = entryLength <= toLapEnd ? entryLength : toLapEnd + entryLength;
        if (entryLength > capacity / 2 || bytes() + needed > capacity) {
            return -1;
        }
        if (entryLength > toLapEnd) {
            long offset = offset(at);
            memory.set(INT, offset + ENTRY_LENGTH_OFFSET, (int) toLapEnd);
            memory.set(INT, offset + FRAME_LENGTH_OFFSET, LAP_END);
            if (isEmpty()) {
                startPosition = at + toLapEnd; // nothing held: the unused end need not be kept
                RELEASE.setRelease(memory, START_OFFSET, startPosition);
            }
            endPosition = at + toLapEnd;
            RELEASE.setRelease(memory, END_OFFSET, endPosition);
            at = endPosition;
        }
        return at;
    }

    private static int entryLength(int frameLength) {
        return (ENTRY_HEADER_LENGTH + Math.max(frameLength, 0) + 7) & -8;
    }

    private long offset(long ringPosition) {
        return FILE_HEADER_LENGTH + ringPosition % capacity;
    }

    private void indexNewest(long ringPosition) {
        entryPositions[index(endSequence)] = ringPosition;
    }

    private int index(long sequence) {
        return (int) (sequence & (entryPositions.length - 1));
    }

    private void growIndex() {
        long[] larger = new long[entryPositions.length * 2];
        for (long sequence = startSequence; sequence < endSequence; sequence++) {
            larger[(int) (sequence & (larger.length - 1))] = entryPositions[index(sequence)];
        }
        entryPositions = larger;
    }

    private static BridgeException damaged(Path file, String why) {
        return new BridgeException("the bridge's outbox " + file + " is damaged (" + why + "). Move it away to start"
                + " with an empty one; the messages it held for peers are then not delivered to them");
    }

    @Override
    public void close() {
        arena.close();
    }
}
