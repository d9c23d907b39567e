package io.jsyncq.internal;

import io.jsyncq.QueueInUseException;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;

import static io.jsyncq.internal.QueueLayout.*;

/**
 * The lock-free protocol over one mapped queue: claiming, publishing, skipping and freeing space,
 * registering readers, and the two places where processes sleep until a message or room arrives.
 *
 * <h2>Implementation notes</h2>
 *
 * <p>The protocol and its correctness argument have one home, {@code docs/design.md}, checked by the SPIN
 * models in {@code model/}; the section names below are that page's. In brief:
 *
 * <p><b>Claim</b> (design.md §3). A writer reads the tail {@code t}, checks {@code t + length - head <=
 * capacity}, stores {@code t} as its <em>claim floor</em> (release), and moves the tail from {@code t} to
 * {@code t + length} with one compare-and-set. The winner alone owns {@code [t, t + length)}; writers never
 * wait for each other. The floor is the central trick: it is visible to anyone who sees the claim (the
 * compare-and-set releases it), it names the claim's owner from the moment the claim exists, and scanners
 * count it like a cursor, so no lap can reach a claim whose owner may still write it. A dead owner's claim
 * can therefore be skipped at once, and a live one (even stopped) never.
 *
 * <p><b>Publish.</b> The mark of a record's granule holds its position once every byte is written (a
 * volatile store), in a separate array: stale marks hold smaller positions, so no body bytes and no earlier
 * lap can look published. This is the Disruptor's availability buffer, with whole positions instead of lap
 * numbers so that nothing wraps, and two more states (skip a record, skip a granule) for repairs.
 *
 * <p><b>Freeing</b> (§4). Space before the lowest cursor of all active readers, and the lowest claim floor of
 * all live registrations, is free. Writers keep a head cache, a lower bound of that minimum, and rescan
 * only when it does not leave room; a registration epoch makes a rescan repeat if a reader joined during it.
 *
 * <p><b>Sleeping and waking</b> (§5). Dekker between a sleeper's count-arm-check and a waker's
 * change-then-load, over a futex word that the sleeper read before counting itself; see {@link WakeChannel}.
 * A reader sleeps on the message channel's word with its own bit, having said where it waits: a writer
 * wakes it only if it will read the record there, and otherwise hands its wait on to the next record
 * ({@link #wakeOrHandOn}); it gathers the readers it wakes into one call (model/wakebits.pml).
 */
public final class SharedQueue {

    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private final QueueFile file;
    private final MemorySegment memory;
    private final long capacity;
    private final long ringMask;
    private final long ringOffset;
    private final long marksOffset;
    private final long marks;
    private final ReaderTable readers;
    private final SlotLocks locks;
    private final WakeChannel messages;
    private final WakeChannel space;

    public SharedQueue(QueueFile file) {
        this.file = file;
        this.memory = file.memory();
        QueueGeometry geometry = file.geometry();
        this.capacity = geometry.capacity();
        this.ringMask = capacity - 1;
        this.ringOffset = geometry.ringOffset();
        this.marksOffset = geometry.marksOffset();
        this.marks = capacity >>> GRANULE_SHIFT;
        this.readers = new ReaderTable(memory, geometry.maxReaders());
        this.locks = new SlotLocks(file.fd());
        this.messages = new WakeChannel(memory, MESSAGE_FUTEX_OFFSET, MESSAGE_WAITERS_OFFSET, MESSAGE_ARMED_OFFSET);
        this.space = new WakeChannel(memory, SPACE_FUTEX_OFFSET, SPACE_WAITERS_OFFSET, SPACE_ARMED_OFFSET);
    }

    public QueueFile file() {
        return file;
    }

    public MemorySegment memory() {
        return memory;
    }

    public long capacity() {
        return capacity;
    }

    public int maxReaders() {
        return readers.maxReaders();
    }

    public ReaderTable readers() {
        return readers;
    }

    /** The slots' owner locks, through this process's own open file description of the queue file. */
    public SlotLocks locks() {
        return locks;
    }

    public int flags() {
        return memory.get(ValueLayout.JAVA_INT, FLAGS_OFFSET);
    }

    /** The offset in {@link #memory()} where the record at {@code position} starts. */
    public long recordOffset(long position) {
        return ringOffset + (position & ringMask);
    }

    // ----------------------------------------------------------------------------------------------------
    // Claim, publish, skip

    public long tailVolatile() {
        return (long) LONG.getVolatile(memory, TAIL_POSITION_OFFSET);
    }

    /** The tail, refused unless it is a position some record could start at. */
    public long checkedTailVolatile() {
        long tail = tailVolatile();
        if (tail < 0 || (tail & (GRANULE - 1)) != 0) {
            throw QueueFile.damaged(file.path(), "its tail position " + tail + " is not a record boundary");
        }
        return tail;
    }

    /**
     * Claims {@code alignedLength} bytes at the tail if the head cache leaves room for them, declaring the
     * claim in floor {@code lane} of {@code slot} first. Without room the lane is left clear: a writer waiting
     * for room must not hold back the readers it waits for.
     *
     * <p>Two states no sound file can reach are refused as damage, rather than letting a writer lap unread
     * records or report negative room: a head cache ahead of a tail read after it (the cache is a minimum
     * taken at or below a tail read before it), and a tail more than a ring ahead of a freshly scanned head
     * (no claim ever passes a counted position by more than a ring). So is a tail within a ring of 2^63.
     *
     * @return the position claimed, or -1 when there is no room as far as the head cache knows
     */
    public long tryClaim(long alignedLength, int slot, int lane) {
        while (true) {
            long tail = checkedTailVolatile();
            long head = headCacheVolatile();
            if (head > tail && head > checkedTailVolatile()) {
                throw QueueFile.damaged(file.path(), "its head cache " + head + " is ahead of its tail " + tailVolatile());
            }
            if (tail > Long.MAX_VALUE - 2 * capacity) {
                throw QueueFile.damaged(file.path(), "its tail " + tail + " is at the end of the positions");
            }
            if (tail + alignedLength - head > capacity) {
                readers.setFloorRelease(slot, lane, ReaderSlotLayout.NO_FLOOR);
                head = refreshHeadCache();
                if (tail + alignedLength - head > capacity) {
                    if (tail - head > capacity) {
                        throw QueueFile.damaged(file.path(), "its tail " + tail + " is more than a ring (" + capacity
                                + " bytes) ahead of the position every reader has passed (" + head + ")");
                    }
                    return -1;
                }
            }
            readers.setFloorRelease(slot, lane, tail);
            if (LONG.compareAndSet(memory, TAIL_POSITION_OFFSET, tail, tail + alignedLength)) {
                return tail;
            }
        }
    }

    /**
     * Clears the floor in {@code lane} of {@code slot} for an append that ended without publishing or
     * skipping its claim, and wakes writers waiting for room: a floor can be what holds the head.
     */
    public void clearFloor(int slot, int lane) {
        readers.setFloorRelease(slot, lane, ReaderSlotLayout.NO_FLOOR);
        VarHandle.fullFence();
        space.wakeIfWaiting();
    }

    /**
     * Publishes the record at {@code position}, written in full, ends its append's claim (clearing the
     * floor in {@code lane} of {@code slot}), and wakes the sleeping readers that will read it and the
     * writers waiting for room. {@code senderHash} and {@code typeHash} are the record's names' hashes
     * ({@link NameHash}), for the readers' screens.
     *
     * <p>Only the claim's owner writes its mark (nobody skips a claim whose owner lives), so a store is
     * enough. The floor is cleared after the mark is stored: while the claim is unresolved, its floor must
     * say that a live writer owns it (design.md §8). One full fence then serves both wake-ups, which read
     * the waiter counts (Dekker, design.md §5): a reader waits for the mark, a writer for the floor when no
     * reader is behind it.
     */
    public void publishAndEndClaim(long position, long senderHash, long typeHash, int slot, int lane) {
        LONG.setRelease(memory, markOffset(position), position);
        endClaim(slot, lane);
        if (messages.waitersVolatile() != 0) {
            wakeReadersWaitingAt(position, senderHash, typeHash, false);
        }
    }

    /**
     * Turns the caller's own claimed record at {@code position}, whose header is written, into one that
     * readers skip, and ends its claim: for a writer that failed, or was evicted, between claiming and
     * publishing. A reader waiting at it is woken, whatever it screens: the record is nobody's to read.
     */
    public void skipOwnRecordAndEndClaim(long position, int slot, int lane) {
        LONG.setRelease(memory, markOffset(position), position | MARK_SKIP_RECORD);
        endClaim(slot, lane);
        if (messages.waitersVolatile() != 0) {
            wakeReadersWaitingAt(position, 0, 0, true);
        }
    }

    private void endClaim(int slot, int lane) {
        readers.setFloorRelease(slot, lane, ReaderSlotLayout.NO_FLOOR);
        VarHandle.fullFence();
        space.wakeIfWaiting();
    }

    // ----------------------------------------------------------------------------------------------------
    // Waking only the readers that will read (design.md §5, model/wakefilter.pml)

    /**
     * After {@code position} was resolved: for each armed reader waiting at it, wakes it if it reads the
     * record there ({@code wakeAnyway}, or its screens pass the names), or else hands its wait on to the
     * next record, and if that one is resolved already (its writer may have looked before the move and
     * passed the reader by), goes on from there.
     */
    private void wakeReadersWaitingAt(long position, long senderHash, long typeHash, boolean wakeAnyway) {
        int[] bits = {0};
        readers.forEachTaken((slot, word) -> {
            if (readers.isArmed(slot) && readers.waitAtVolatile(slot) == position) {
                bits[0] |= wakeOrHandOn(slot, position, senderHash, typeHash, wakeAnyway);
            }
            return true;
        });
        wakeReaders(bits[0]);
    }

    /** The reader's bit, if it is to be woken (the caller makes the one call for all), or 0. */
    private int wakeOrHandOn(int slot, long position, long senderHash, long typeHash, boolean wakeAnyway) {
        long at = position;
        long sender = senderHash;
        long type = typeHash;
        boolean any = wakeAnyway;
        while (true) {
            long writer = memory.get(ValueLayout.JAVA_LONG, recordOffset(at) + RecordLayout.WRITER_GENERATION_OFFSET)
                    & RecordLayout.WRITER_IDENTITY_MASK;
            long next = any || !readers.screens(slot, sender, type, writer) ? -1 : nextRecord(at);
            if (next < 0) {
                return readers.disarm(slot) ? readerBit(slot) : 0;
            }
            if (!readers.moveWaitAt(slot, at, next)) {
                return 0; // it woke and waits elsewhere now, or another writer moved it
            }
            long mark = markVolatile(next);
            if (!isResolved(mark, next)) {
                return 0; // that record's writer will see the reader waiting at it
            }
            at = next;
            any = mark != next; // a record to skip: the reader's to skip, so wake it
            if (!any) {
                long offset = recordOffset(at);
                int senderLength = Byte.toUnsignedInt(memory.get(ValueLayout.JAVA_BYTE, offset + RecordLayout.SENDER_LENGTH_OFFSET));
                int typeLength = Byte.toUnsignedInt(memory.get(ValueLayout.JAVA_BYTE, offset + RecordLayout.TYPE_LENGTH_OFFSET));
                long names = offset + RecordLayout.HEADER_LENGTH;
                sender = NameHash.of(memory, names, senderLength);
                type = NameHash.of(memory, names + senderLength, typeLength);
            }
        }
    }

    /** The position after the resolved record at {@code position}, or -1 if its header makes no sense. */
    private long nextRecord(long position) {
        int length = memory.get(ValueLayout.JAVA_INT, recordOffset(position) + RecordLayout.LENGTH_OFFSET);
        if (length < RecordLayout.HEADER_LENGTH || length > capacity) {
            return -1; // damaged: let the reader find out
        }
        return position + RecordLayout.alignedLength(length);
    }

    /**
     * A reader's bit on the message channel's futex word. Slots 32 apart share a bit: that costs a spare
     * wake-up, never a lost one, since every sleeper checks its condition after any wake-up.
     */
    private static int readerBit(int slot) {
        return 1 << (slot & (Integer.SIZE - 1));
    }

    /** One bump and one futex call for all the readers in {@code bits}, each already disarmed by the caller. */
    private void wakeReaders(int bits) {
        if (bits != 0) {
            messages.wakeBits(bits);
        }
    }

    /** Wakes the reader sleeping in {@code slot}, if armed: the one caller that disarms it makes the call. */
    public void wakeReader(int slot) {
        if (readers.disarm(slot)) {
            messages.wakeBits(readerBit(slot));
        }
    }

    /** Wakes every sleeping reader: for closing, eviction, removal, repaired holes. */
    public void wakeAllReaders() {
        int[] bits = {0};
        readers.forEachTaken((slot, word) -> {
            if (readers.disarm(slot)) {
                bits[0] |= readerBit(slot);
            }
            return true;
        });
        wakeReaders(bits[0]);
    }

    /**
     * Wakes every sleeping reader that screened records were handed on past (its wait is ahead of its
     * cursor): those records hold its cursor back, and a writer needs the room. Reads only, unless there is
     * such a reader.
     */
    public void wakeReadersHoldingScreened() {
        if (messages.waitersVolatile() == 0) {
            return;
        }
        int[] bits = {0};
        readers.forEachTaken((slot, word) -> {
            if (ReaderSlotLayout.reads(ReaderSlotLayout.state(word)) && readers.isArmed(slot)
                    && readers.waitAtVolatile(slot) > readers.cursorVolatile(slot) && readers.disarm(slot)) {
                bits[0] |= readerBit(slot);
            }
            return true;
        });
        wakeReaders(bits[0]);
    }

    /**
     * Where the reader of {@code slot} sleeps for the record at {@code waitAt}: the message channel's futex
     * word, with the slot's own bit, after publishing the position and arming the slot (design.md §5).
     */
    Waiter.Bed readerBed(int slot, long waitAt) {
        int bit = readerBit(slot);
        return new Waiter.Bed() {
            @Override
            public int sequence() {
                return messages.sequenceVolatile();
            }

            @Override
            public void arm() {
                readers.setWaitAtVolatile(slot, waitAt);
                readers.armVolatile(slot);
            }

            @Override
            public void sleep(int sequence, long nanos) {
                messages.sleepOnBits(sequence, nanos, bit);
            }
        };
    }

    /**
     * Marks one granule of a dead writer's claim as skipped, if its mark is still the stale value
     * {@code stale} (another repairer may have done it already).
     */
    boolean skipGranule(long position, long stale) {
        return LONG.compareAndSet(memory, markOffset(position), stale, position | MARK_SKIP_GRANULE);
    }

    /** The mark of {@code position}'s granule (acquire: a record it declares published is visible). */
    public long markAcquire(long position) {
        return (long) LONG.getAcquire(memory, markOffset(position));
    }

    public long markVolatile(long position) {
        return (long) LONG.getVolatile(memory, markOffset(position));
    }

    /** True when the mark says the record at {@code position} is published, or is to be skipped. */
    public static boolean isResolved(long mark, long position) {
        return mark == position || mark == (position | MARK_SKIP_RECORD) || mark == (position | MARK_SKIP_GRANULE);
    }

    private long markOffset(long position) {
        return marksOffset + QueueLayout.markIndex(position, marks) * MARK_LENGTH;
    }

    // ----------------------------------------------------------------------------------------------------
    // Freeing space

    public long headCacheVolatile() {
        return (long) LONG.getVolatile(memory, HEAD_CACHE_OFFSET);
    }

    /** Free bytes at the tail, after a fresh scan of the reader table. */
    public long freeSpace() {
        return capacity - (tailVolatile() - refreshHeadCache());
    }

    /**
     * Scans every active reader's cursor and every registration's claim floors, raises the head cache to
     * the minimum, and returns the head cache. Repeats if a reader registered during the scan. The tail is
     * read first: a claim whose floor the scan missed was made after that read, at or above it.
     */
    public long refreshHeadCache() {
        long[] minimum = new long[1];
        int epoch;
        do {
            epoch = (int) INT.getVolatile(memory, REGISTRATION_EPOCH_OFFSET);
            minimum[0] = tailVolatile();
            readers.forEachTaken((slot, word) -> {
                if (ReaderSlotLayout.cursorHoldsSpace(ReaderSlotLayout.state(word))) {
                    minimum[0] = Math.min(minimum[0], readers.cursorVolatile(slot));
                }
                minimum[0] = Math.min(minimum[0], readers.lowestFloor(slot));
                return true;
            });
        } while (epoch != (int) INT.getVolatile(memory, REGISTRATION_EPOCH_OFFSET));
        return raiseHeadCache(minimum[0]);
    }

    private long raiseHeadCache(long candidate) {
        while (true) {
            long current = headCacheVolatile();
            if (candidate <= current) {
                return current;
            }
            if (LONG.compareAndSet(memory, HEAD_CACHE_OFFSET, current, candidate)) {
                return candidate;
            }
        }
    }

    // ----------------------------------------------------------------------------------------------------
    // Readers

    /**
     * Takes a free reader slot and makes it active at the current tail.
     *
     * @return the slot taken, or null when every slot is taken
     */
    public ReaderTable.Taken registerReader(ProcessIdentity identity, byte[] sender) {
        return register(identity, sender, false);
    }

    /**
     * Takes a free slot for a registration that reads and writes, or ({@code writeOnly}) one that only
     * writes: its cursor never holds space.
     *
     * @return the slot taken, or null when every slot is taken
     */
    public ReaderTable.Taken register(ProcessIdentity identity, byte[] sender, boolean writeOnly) {
        return readers.register(this, locks, identity, sender,
                writeOnly ? ReaderSlotLayout.STATE_WRITER : ReaderSlotLayout.STATE_ACTIVE);
    }

    /**
     * Registers durably under {@code sender}: resumes the registration of that name if it is parked, or takes a
     * free slot at the tail if there is none. The caller holds the name lock and has reclaimed the dead,
     * which parks every durable registration whose process died (design.md §6).
     *
     * @return the slot taken, or null when every slot is taken
     * @throws QueueInUseException if a live process holds the durable registration of that name
     */
    public ReaderTable.Taken registerDurable(ProcessIdentity identity, byte[] sender, String queueName) {
        int slot = readers.findDurable(sender);
        if (slot >= 0) {
            long deadline = System.nanoTime() + 100_000_000L;
            while (ReaderSlotLayout.state(readers.slotWordVolatile(slot)) == ReaderSlotLayout.STATE_PARKED) {
                if (locks.tryLock(slot)) { // nobody owns a parked slot: a reclaimer or an evictor may look at it briefly
                    ReaderTable.Taken resumed = readers.resume(slot, identity, sender);
                    if (resumed != null) {
                        return resumed;
                    }
                    locks.unlock(slot);
                } else if (System.nanoTime() > deadline) {
                    break;
                }
                Thread.onSpinWait();
            }
            long word = readers.slotWordVolatile(slot);
            if (ReaderSlotLayout.state(word) == ReaderSlotLayout.STATE_DURABLE
                    || ReaderSlotLayout.state(word) == ReaderSlotLayout.STATE_PARKED) {
                throw new QueueInUseException("the durable registration '" + new String(sender, StandardCharsets.UTF_8)
                        + "' on queue '" + queueName + "' is in use by pid " + readers.pid(slot) + ": one process at a "
                        + "time resumes it. Stop that one first (if it has just died, try again)");
            }
        }
        return readers.register(this, locks, identity, sender, ReaderSlotLayout.STATE_DURABLE);
    }

    /** Moves a reader's shared cursor forward and wakes writers waiting for room. */
    public void storeCursor(int slot, long position) {
        readers.storeCursorVolatile(slot, position);
        space.wakeIfWaiting();
    }

    /**
     * Evicts a live registration for an operator: its unread messages stop holding space at once, and it
     * learns on its next call. Wakes everyone, so that the evicted process, if asleep, learns too.
     *
     * @return false if {@code activeWord} no longer names the slot's registration
     */
    public boolean evict(int slot, long activeWord) {
        if (!readers.evict(slot, activeWord)) {
            return false;
        }
        RepairEvent.evicted(this, slot, readers.sender(slot), readers.pid(slot));
        wakeAllReaders();
        space.wakeAll();
        return true;
    }

    // ----------------------------------------------------------------------------------------------------
    // Lifecycle: whether the queue has been removed. Who holds the file is not counted apart: it is the
    // slots that are taken, which the last close reads under the name lock, after reclaiming the dead.

    /**
     * Marks the queue removed, so that nobody registers on it any more: by the last close, or by {@code rm}
     * (registrations still open are evicted by the caller), always under the name lock.
     *
     * @return false if it was already marked
     */
    public boolean markRemoved() {
        while (true) {
            int lifecycle = (int) INT.getVolatile(memory, LIFECYCLE_OFFSET);
            if ((lifecycle & LIFECYCLE_REMOVED) != 0) {
                return false;
            }
            if (INT.compareAndSet(memory, LIFECYCLE_OFFSET, lifecycle, lifecycle | LIFECYCLE_REMOVED)) {
                return true;
            }
        }
    }

    /** The registrations holding the file: slots taken, by live processes or by dead ones not yet reclaimed. */
    public int registrationCount() {
        return readers.takenSlots();
    }

    public boolean isRemoved() {
        return ((int) INT.getVolatile(memory, LIFECYCLE_OFFSET) & LIFECYCLE_REMOVED) != 0;
    }

    // ----------------------------------------------------------------------------------------------------
    // Repair statistics

    void countReaderReclaimed() {
        LONG.getAndAdd(memory, READERS_RECLAIMED_OFFSET, 1L);
    }

    void countHoleRepaired() {
        LONG.getAndAdd(memory, HOLES_REPAIRED_OFFSET, 1L);
    }

    /** How many registrations of dead processes have been reclaimed, over the queue's life. */
    public long readersReclaimed() {
        return (long) LONG.getVolatile(memory, READERS_RECLAIMED_OFFSET);
    }

    /** How many holes left by dead or stalled writers have been skipped, over the queue's life. */
    public long holesRepaired() {
        return (long) LONG.getVolatile(memory, HOLES_REPAIRED_OFFSET);
    }

    // ----------------------------------------------------------------------------------------------------
    // Sleeping and waking (see the class notes)

    /** Where readers sleep until a record is published. */
    public WakeChannel messages() {
        return messages;
    }

    /** Where writers sleep until a reader frees room. */
    public WakeChannel space() {
        return space;
    }
}
