package io.jsyncq.aeron;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Consumer;

/**
 * What the bridge has appended to the local queue from each origin, in a file beside the queue, so that a
 * restarted bridge appends no frame twice: per origin id, the newest origin sequence appended. Frames at
 * or below it are duplicates (a peer sending again what it could not know had arrived) and are dropped.
 *
 * <p>The one append a kill can leave in doubt is decided exactly. Before each append the bridge notes its
 * <em>intent</em>: the frame's origin and sequence, and the position of its previous append. After the
 * append it stores the sequence, then the append's position, then clears the intent. A restarted bridge
 * that finds an intent asks its resumed registration for the position of the last append its previous
 * process began, if that append was published ({@code SyncQueue.lastAppendBeforeResume()}): after the
 * noted position means the frame went in; anything else means it did not (not begun, or begun and never
 * published, so no reader ever sees it). The answer holds because the bridge never acknowledges its own
 * read position past the noted position while an intent is open (see {@code Outbound}), so the record's
 * space cannot be reused before the answer is read.
 *
 * <pre>
 *  header (64 bytes, little-endian)                 origin entry (24 bytes, up to 256 of them)
 *  +0   magic "JSQINBOX"                            +0   origin id (i64), 0 for an unused entry
 *  +8   version (i32), 0                            +8   newest sequence appended (i64)
 *  +16  intent open (i64): 1 while appending        +16  last used, ms since the epoch (i64)
 *  +24  intent origin id (i64)
 *  +32  intent sequence (i64)
 *  +40  position of the append before it (i64)
 *  +48  position of the newest append (i64), or -1
 * </pre>
 * Used by one thread (the bridge's).
 */
final class Inbox implements AutoCloseable {

    private static final long MAGIC = 0x584F424E_4951534AL; // "JSQINBOX", little-endian
    private static final int VERSION = 1;
    private static final long VERSION_OFFSET = 8;
    private static final long INTENT_OPEN_OFFSET = 16;
    private static final long INTENT_ORIGIN_OFFSET = 24;
    private static final long INTENT_SEQUENCE_OFFSET = 32;
    private static final long INTENT_PREVIOUS_POSITION_OFFSET = 40;
    private static final long NEWEST_POSITION_OFFSET = 48;
    private static final int HEADER_LENGTH = 64;
    private static final int ENTRY_LENGTH = 24;
    /** Origins remembered: each restart of a peer with a new outbox is a new origin; the oldest go first. */
    static final int MAX_ORIGINS = 256;
    private static final long FILE_LENGTH = HEADER_LENGTH + (long) MAX_ORIGINS * ENTRY_LENGTH;

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG; // every field is 8-aligned, in a page-aligned mapping
    /** For the stores that make what was written before them count (see the class comment). */
    private static final VarHandle RELEASE = LONG.varHandle();

    private final Path file;
    private final Arena arena;
    private final MemorySegment memory;
    private final Map<Long, Integer> entries = new HashMap<>();
    /** The origin looked up last, and its entry: frames come in runs from one origin. */
    private long lastOrigin;
    private int lastEntry = -1;

    private Inbox(Path file, Arena arena, MemorySegment memory) {
        this.file = file;
        this.arena = arena;
        this.memory = memory;
    }

    /**
     * Opens the inbox in {@code file}, or makes an empty one.
     *
     * @throws BridgeException if the file is not an inbox
     */
    static Inbox open(Path file) {
        Arena arena = Arena.ofShared();
        boolean opened = false;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            long size = channel.size();
            if (size != 0 && size != FILE_LENGTH) {
                throw damaged(file, "it has " + size + " bytes, not " + FILE_LENGTH);
            }
            Inbox inbox = new Inbox(file, arena, channel.map(FileChannel.MapMode.READ_WRITE, 0, FILE_LENGTH, arena));
            if (size == 0) {
                inbox.memory.set(LONG, NEWEST_POSITION_OFFSET, -1);
                inbox.memory.set(ValueLayout.JAVA_INT, VERSION_OFFSET, VERSION);
                RELEASE.setRelease(inbox.memory, 0L, MAGIC);
            } else if (inbox.memory.get(LONG, 0) != MAGIC
                    || inbox.memory.get(ValueLayout.JAVA_INT, VERSION_OFFSET) != VERSION) {
                throw damaged(file, "it does not start as an inbox of this version does");
            }
            for (int entry = 0; entry < MAX_ORIGINS; entry++) {
                long origin = inbox.memory.get(LONG, entryOffset(entry));
                if (origin != 0) {
                    inbox.entries.put(origin, entry);
                }
            }
            opened = true;
            return inbox;
        } catch (IOException e) {
            throw new BridgeException("cannot open the bridge's inbox " + file + ": " + e.getMessage(), e);
        } finally {
            if (!opened) {
                arena.close();
            }
        }
    }

    /**
     * Decides the append a previous process may have left in doubt, once the bridge has registered.
     *
     * @param resumed                whether the bridge's registration resumed its predecessor's
     * @param lastAppendBeforeResume what the resumed registration says of its predecessor's last append
     * @param log                    where to say what was decided
     */
    void recover(boolean resumed, OptionalLong lastAppendBeforeResume, Consumer<String> log) {
        if (!resumed) {
            memory.set(LONG, NEWEST_POSITION_OFFSET, -1); // positions of another registration (or queue)
        }
        if (memory.get(LONG, INTENT_OPEN_OFFSET) != 0) {
            long origin = memory.get(LONG, INTENT_ORIGIN_OFFSET);
            long sequence = memory.get(LONG, INTENT_SEQUENCE_OFFSET);
            long previous = memory.get(LONG, INTENT_PREVIOUS_POSITION_OFFSET);
            if (newestSequence(origin) < sequence) {
                if (!resumed) {
                    log.accept("the previous bridge was appending origin sequence " + sequence + " when it ended, and"
                            + " its registration is gone (evicted, or the queue made afresh), so whether that message"
                            + " went in cannot be known: it is appended again if its origin sends it, and may be read twice");
                } else if (lastAppendBeforeResume.isPresent() && lastAppendBeforeResume.getAsLong() > previous) {
                    store(origin, sequence);
                    log.accept("the previous bridge's last append (origin sequence " + sequence + ") went in before it"
                            + " ended; it is not appended again");
                }
            }
            RELEASE.setRelease(memory, INTENT_OPEN_OFFSET, 0L);
        }
        if (resumed && lastAppendBeforeResume.isPresent()) {
            memory.set(LONG, NEWEST_POSITION_OFFSET,
                    Math.max(newestAppendPosition(), lastAppendBeforeResume.getAsLong()));
        }
    }

    /** The newest origin sequence appended from this origin, or 0 if none. */
    long newestSequence(long origin) {
        int entry = entryOf(origin);
        return entry < 0 ? 0 : memory.get(LONG, entryOffset(entry) + 8);
    }

    private int entryOf(long origin) {
        if (origin != lastOrigin || lastEntry < 0) {
            Integer entry = entries.get(origin);
            if (entry == null) {
                return -1;
            }
            lastOrigin = origin;
            lastEntry = entry;
        }
        return lastEntry;
    }

    /** The queue position of the newest append, or -1 if none is known. */
    long newestAppendPosition() {
        return memory.get(LONG, NEWEST_POSITION_OFFSET);
    }

    /** Notes, before appending it, the frame of this origin and sequence. */
    void beginAppend(long origin, long sequence) {
        memory.set(LONG, INTENT_ORIGIN_OFFSET, origin);
        memory.set(LONG, INTENT_SEQUENCE_OFFSET, sequence);
        memory.set(LONG, INTENT_PREVIOUS_POSITION_OFFSET, newestAppendPosition());
        RELEASE.setRelease(memory, INTENT_OPEN_OFFSET, 1L);
    }

    /** The noted frame went in, at {@code position}. */
    void endAppend(long origin, long sequence, long position) {
        store(origin, sequence);
        memory.set(LONG, NEWEST_POSITION_OFFSET, position);
        RELEASE.setRelease(memory, INTENT_OPEN_OFFSET, 0L);
    }

    /** No frame of this origin up to {@code sequence} will come: the next to append is the one after it. */
    void skipTo(long origin, long sequence) {
        store(origin, sequence);
    }

    /** The noted frame did not go in (the bridge stops, or the message cannot fit). */
    void abandonAppend() {
        RELEASE.setRelease(memory, INTENT_OPEN_OFFSET, 0L);
    }

    /** Calls {@code each} with every origin remembered and its newest sequence appended. */
    void forEachOrigin(OriginConsumer each) {
        for (Map.Entry<Long, Integer> entry : entries.entrySet()) {
            each.accept(entry.getKey(), memory.get(LONG, entryOffset(entry.getValue()) + 8));
        }
    }

    /** An origin id and its newest sequence appended. */
    @FunctionalInterface
    interface OriginConsumer {
        void accept(long origin, long newestSequence);
    }

    private void store(long origin, long sequence) {
        int entry = entryOf(origin);
        if (entry < 0) {
            entry = entryFor(origin);
        }
        long offset = entryOffset(entry);
        memory.set(LONG, offset + 8, sequence);
        memory.set(LONG, offset + 16, System.currentTimeMillis());
    }

    /** A free entry, or the one used least recently, given to a new origin. */
    private int entryFor(long origin) {
        int chosen = 0;
        long oldest = Long.MAX_VALUE;
        for (int entry = 0; entry < MAX_ORIGINS; entry++) {
            long offset = entryOffset(entry);
            if (memory.get(LONG, offset) == 0) {
                chosen = entry;
                break;
            }
            long used = memory.get(LONG, offset + 16);
            if (used < oldest) {
                oldest = used;
                chosen = entry;
            }
        }
        long offset = entryOffset(chosen);
        entries.remove(memory.get(LONG, offset));
        lastEntry = -1;
        memory.set(LONG, offset + 8, 0L);
        memory.set(LONG, offset, origin);
        entries.put(origin, chosen);
        return chosen;
    }

    private static long entryOffset(int entry) {
        return HEADER_LENGTH + (long) entry * ENTRY_LENGTH;
    }

    private static BridgeException damaged(Path file, String why) {
        return new BridgeException("the bridge's inbox " + file + " is damaged (" + why + "). Move it away to start"
                + " with an empty one; messages from peers that arrive again may then be appended twice");
    }

    @Override
    public void close() {
        arena.close();
    }
}
