package io.jsyncq.internal;

import io.jsyncq.IncompatibleQueueException;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

import static io.jsyncq.internal.QueueLayout.*;

/**
 * The lock-free protocol over one mapped queue: claiming, publishing, skipping and freeing space,
 * registering readers, and the two places where processes sleep until a message or room arrives.
 *
 * <h2>Implementation notes</h2>
 *
 * <p><b>Positions.</b> The tail, the head cache, every reader cursor and every mark hold a 64-bit byte
 * position that only grows; the ring offset is {@code position & (capacity - 1)}. A position is a multiple
 * of {@link QueueLayout#GRANULE}, so it never wraps in the life of a machine and never means two places.
 *
 * <p><b>Claim.</b> A writer reads the tail {@code t}, checks {@code t + length - head <= capacity} and
 * moves the tail from {@code t} to {@code t + length} with one compare-and-set. The winner alone owns
 * {@code [t, t + length)}; writers never wait for each other, and a loser simply tries again at the new
 * tail.
 *
 * <p><b>Publish: the central trick.</b> Several writers fill their claims at once and finish in any order,
 * so the tail says nothing about which records are complete. Each granule of the ring has a mark, in a
 * separate array, and the state of the record at position {@code p} lives in the mark of {@code p}'s
 * granule as {@code p} itself plus a state in its low bits (which a granule-aligned position leaves zero):
 * {@code p | CLAIMED} once the writer has written the header (compare-and-set from whatever stale value
 * it found), then {@code p} (compare-and-set from {@code p | CLAIMED}) once every byte is written. A
 * reader at cursor {@code c} acts only on a mark whose position part equals {@code c} (acquire load): an
 * older lap left a smaller number there (or {@link QueueLayout#NO_MARK}), and no later lap can write one
 * until the reader has moved past {@code c}. The marks live outside the ring, so no message body, however
 * chosen, can look like a publication. This is the Disruptor's availability buffer, with whole positions
 * instead of lap numbers so that nothing wraps, and room for a state so that crashes can be repaired.
 *
 * <p><b>Repair.</b> Because each step of a writer is a compare-and-set on its mark, a repairer can take a
 * record away from a writer only by winning the same compare-and-set: it replaces {@code p | CLAIMED} by
 * {@code p | SKIP_RECORD} when the writer is known to be dead, or a stale mark by {@code p | SKIP_GRANULE}
 * when a claim has stood without a header for a long time. A writer that loses learns it from its own
 * failed compare-and-set and reports it; nothing it wrote is ever delivered torn (see {@link CrashRecovery}).
 *
 * <p><b>Freeing.</b> Space before the lowest cursor of all active readers is free. Scanning the reader
 * table on every append would be slow, so writers keep a head cache: a lower bound of that minimum,
 * raised (never lowered) by whoever rescans when the cached value does not leave room. A reader joining
 * during a scan could be missed by it, so registration bumps a registration epoch between becoming active
 * and reading the tail, and a scan that sees the epoch change repeats. Either the scan saw the new reader,
 * or every cursor it read was at most the tail the new reader then starts from; so space a new reader
 * needs is never freed under it.
 *
 * <p><b>Sleeping and waking.</b> A sleeper increments a waiter count, arms the channel, checks its
 * condition again, and sleeps on a futex word only if that word still holds the value read before the
 * increment. A waker makes its change (a mark, a cursor, a freed slot) and then reads the waiter count and
 * the armed flag; only when someone sleeps and it wins the flag does it bump the futex word and call
 * {@code FUTEX_WAKE} (see {@link WakeChannel} for why the flag cannot lose a wake-up). Both sides use volatile (sequentially
 * consistent) accesses, so by the Dekker argument at least one side sees the other: the sleeper sees the
 * change and does not sleep, or the waker sees the sleeper and wakes it; and since the sleeper read the
 * futex word before the increment, a bump that comes before its {@code FUTEX_WAIT} makes that call
 * return at once. No wake-up is lost, and a process that nobody waits for makes no system call.
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
    private final long markIndexMask;
    private final ReaderTable readers;
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
        this.markIndexMask = (capacity >>> GRANULE_SHIFT) - 1;
        this.readers = new ReaderTable(memory, geometry.maxReaders());
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
            throw new IncompatibleQueueException("queue file " + file.path() + " is damaged: its tail position "
                    + tail + " is not a record boundary; remove the queue and create it again");
        }
        return tail;
    }

    /**
     * Claims {@code alignedLength} bytes at the tail if the head cache leaves room for them.
     *
     * @return the position claimed, or -1 when there is no room as far as the head cache knows
     */
    public long tryClaim(long alignedLength) {
        while (true) {
            long tail = checkedTailVolatile();
            long head = headCacheVolatile();
            if (tail + alignedLength - head > capacity) {
                head = refreshHeadCache();
                if (tail + alignedLength - head > capacity) {
                    return -1;
                }
            }
            if (LONG.compareAndSet(memory, TAIL_POSITION_OFFSET, tail, tail + alignedLength)) {
                return tail;
            }
        }
    }

    /**
     * Marks the record at {@code position}, whose header the caller has written, as claimed.
     *
     * @return false if a repairer had already declared the claim abandoned
     */
    public boolean markClaimed(long position) {
        long offset = markOffset(position);
        long stale = (long) LONG.getVolatile(memory, offset);
        // Only a mark from an earlier lap may be replaced: a mark of this position means a repairer skipped
        // the claim, and a later one means the ring has come round since (see design.md §7).
        return (stale & ~MARK_STATE_MASK) < position
                && LONG.compareAndSet(memory, offset, stale, position | MARK_CLAIMED);
    }

    /**
     * Publishes the claimed record at {@code position}, written in full, and wakes sleeping readers.
     *
     * @return false if a repairer had already declared the claim abandoned
     */
    public boolean publish(long position) {
        boolean published = LONG.compareAndSet(memory, markOffset(position), position | MARK_CLAIMED, position);
        messages.wakeIfWaiting();
        return published;
    }

    /** Turns the claimed record at {@code position} into one that readers skip. */
    public boolean skipClaimed(long position) {
        boolean skipped = LONG.compareAndSet(memory, markOffset(position), position | MARK_CLAIMED,
                position | MARK_SKIP_RECORD);
        messages.wakeIfWaiting();
        return skipped;
    }

    /**
     * Marks one granule of a claim that never got a header as skipped, if its mark is still the stale
     * value {@code stale}.
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
        return marksOffset + ((position >>> GRANULE_SHIFT) & markIndexMask) * MARK_LENGTH;
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
     * Scans every active reader's cursor, raises the head cache to the minimum, and returns the head cache.
     * Repeats if a reader registered during the scan (see the class notes).
     */
    public long refreshHeadCache() {
        long minimum;
        int epoch;
        do {
            epoch = (int) INT.getVolatile(memory, REGISTRATION_EPOCH_OFFSET);
            minimum = tailVolatile();
            int slots = readers.highWater();
            for (int slot = 0; slot < slots; slot++) {
                if (ReaderSlotLayout.state(readers.slotWordVolatile(slot)) == ReaderSlotLayout.STATE_ACTIVE) {
                    minimum = Math.min(minimum, readers.cursorVolatile(slot));
                }
            }
        } while (epoch != (int) INT.getVolatile(memory, REGISTRATION_EPOCH_OFFSET));
        return raiseHeadCache(minimum);
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
    public ReaderTable.Taken registerReader(ProcessIdentity identity, byte[] sender, long leaseNanos) {
        return readers.register(this, identity, sender, leaseNanos);
    }

    /**
     * Moves a reader's shared cursor forward, from the cursor word it last stored to a new one (see
     * {@link ReaderTable#cursorWord}), and wakes writers waiting for room.
     *
     * @return false if the slot no longer holds the cursor this reader stored: it was reclaimed
     */
    public boolean storeCursor(int slot, long expectedWord, long newWord) {
        boolean stored = readers.casCursor(slot, expectedWord, newWord);
        space.wakeIfWaiting();
        return stored;
    }

    /**
     * Frees the reader slot of the registration {@code slotWord} names: whatever it had not read stops
     * holding space.
     *
     * @return false if the slot had already been reclaimed
     */
    public boolean unregisterReader(int slot, long slotWord) {
        boolean freed = readers.free(slot, slotWord);
        space.wakeIfWaiting();
        return freed;
    }

    // ----------------------------------------------------------------------------------------------------
    // Lifecycle: how many registrations hold the file, and whether the last one has removed it

    /** Counts a new registration, unless the queue is being removed. */
    public boolean tryAddRegistration() {
        while (true) {
            int lifecycle = (int) INT.getVolatile(memory, LIFECYCLE_OFFSET);
            if ((lifecycle & LIFECYCLE_REMOVED) != 0) {
                return false;
            }
            if (INT.compareAndSet(memory, LIFECYCLE_OFFSET, lifecycle, lifecycle + 1)) {
                return true;
            }
        }
    }

    /**
     * Uncounts a registration.
     *
     * @return true if this was the last one and the caller must now remove the file: the queue is marked
     *         removed in the same step, so nobody can register on it any more
     */
    public boolean removeRegistration(boolean keepWhenUnused) {
        while (true) {
            int lifecycle = (int) INT.getVolatile(memory, LIFECYCLE_OFFSET);
            int count = lifecycle & LIFECYCLE_COUNT_MASK;
            boolean last = count <= 1 && !keepWhenUnused && (lifecycle & LIFECYCLE_REMOVED) == 0;
            int next = last ? LIFECYCLE_REMOVED : Math.max(count - 1, 0) | (lifecycle & LIFECYCLE_REMOVED);
            if (INT.compareAndSet(memory, LIFECYCLE_OFFSET, lifecycle, next)) {
                return last;
            }
        }
    }

    /**
     * Marks the queue removed without a last close (for {@code rm}), so that nobody can register on it any
     * more. The count stays: registrations still open uncount themselves, and none of them removes the
     * file, which the caller unlinks.
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

    public int registrationCount() {
        return (int) INT.getVolatile(memory, LIFECYCLE_OFFSET) & LIFECYCLE_COUNT_MASK;
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
