package io.jsyncq.internal;

import io.jsyncq.IncompatibleQueueException;
import io.jsyncq.MessageHandler;
import io.jsyncq.MessageTooLargeException;
import io.jsyncq.NoSuchQueueException;
import io.jsyncq.QueueClosedException;
import io.jsyncq.QueueFullException;
import io.jsyncq.RegistrationLostException;
import io.jsyncq.SyncQueueException;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import static io.jsyncq.internal.QueueLayout.GRANULE;
import static io.jsyncq.internal.QueueLayout.MARK_SKIP_GRANULE;
import static io.jsyncq.internal.QueueLayout.MARK_SKIP_RECORD;

/**
 * One process's registration on a queue: its reader slot and cursor, its screens, and the write and read
 * paths that go through them. {@link io.jsyncq.SyncQueue} is the public face of this class.
 *
 * <p>Appends may come from any thread. Pops must come from one thread at a time: the cursor and the record
 * view are this registration's own, unshared state.
 */
public final class Registration implements AutoCloseable {

    /**
     * How often a writer that finds no room, or a reader stuck at a hole, looks for dead processes: each
     * look tries a lock per registration, a system call, so a writer failing in a loop must not make one
     * per failure.
     */
    private static final long RECLAIM_INTERVAL_NANOS = 10_000_000;
    /**
     * Records longer than this are checked to end before the tail before anything is copied, so a damaged
     * length cannot make a pop allocate a ring's worth. Shorter ones are not: the check reads the tail's
     * cache line, which writers keep busy, and a short copy is cheap whatever it holds.
     */
    private static final int LARGE_RECORD = 4096;

    private final Path directory;
    private final String queueName;
    private final QueueFile file;
    private final SharedQueue queue;
    private final ReaderTable readers;
    private final CrashRecovery recovery;
    private final MemorySegment memory;
    private final int slot;
    private final long slotWord;
    private final boolean keepWhenUnused;
    private final RegistrationSettings settings;
    private final byte[] senderBytes;
    private final Screen senderScreen = new Screen();
    private final Screen typeScreen = new Screen();
    private final Waiter waiter;
    private final RecordView view;
    private final ClaimFloors floors = new ClaimFloors();
    private final boolean writeOnly;
    private final BooleanSupplier nextRecordResolved = this::nextRecordResolved;
    private final Runnable repairHole = this::repairHole;
    private final Runnable reclaimDeadReaders = this::reclaimDeadReadersNow;
    private volatile EncodedName lastType = new EncodedName("", new byte[0]);
    private volatile long lastReclaimNanos = System.nanoTime() - RECLAIM_INTERVAL_NANOS;

    /** The handle itself (until closed) plus each append or pop in progress. */
    private final AtomicInteger users = new AtomicInteger(1);
    private volatile boolean closing;

    /** Read and written only by the popping thread; the shared cursor trails it. */
    private long cursor;
    /** The cursor last stored in the slot (popping thread only): a batch stores once, at its end. */
    private long storedCursor;
    /**
     * The thread inside {@link #poll} now, or null: an append from its handler that finds no room must store
     * the cursor first, or it would wait for room its own batch holds. Read only to compare with the
     * current thread, so a stale value from another thread never matches.
     */
    private Thread pollingThread;
    /** Where the popping thread last found a claim unpublished: a hole is judged only on a second look. */
    private long stuckAt = -1;
    private long lastRepairNanos = System.nanoTime() - RECLAIM_INTERVAL_NANOS;

    private record EncodedName(String name, byte[] bytes) {
    }

    private Registration(Path directory, String queueName, QueueFile file, SharedQueue queue,
                         ReaderTable.Taken taken, RegistrationSettings settings, byte[] senderBytes) {
        this.directory = directory;
        this.queueName = queueName;
        this.file = file;
        this.queue = queue;
        this.readers = queue.readers();
        this.recovery = new CrashRecovery(queue);
        this.memory = queue.memory();
        this.slot = taken.slot();
        this.slotWord = taken.word();
        this.keepWhenUnused = (queue.flags() & QueueLayout.FLAG_KEEP) != 0;
        this.settings = settings;
        this.senderBytes = senderBytes;
        this.waiter = new Waiter(settings.spinNanos(), readers, slot);
        this.view = new RecordView(memory, queue.capacity());
        this.cursor = readers.cursorVolatile(slot);
        this.storedCursor = cursor;
        this.writeOnly = settings.writeOnly();
    }

    /** How to find the queue to register on. */
    public enum Join { CREATE, ATTACH, ATTACH_OR_CREATE }

    /** The queue to create, when {@link Join} allows creating one. */
    public record Creation(long capacity, int maxReaders, boolean keep, boolean groupAccess) {
    }

    /**
     * Registers on the queue {@code name}: attaching to it, creating it, or either. Holds the name's lock
     * throughout (see {@link NameLock}), so the file registered on is the one the name refers to, and stays
     * so until the last registration closes.
     */
    @SuppressWarnings("try") // the name lock is held, not used, in the body
    public static Registration join(Path directory, String name, Join join, Creation creation,
                                    RegistrationSettings settings) {
        Names.requireValidQueueName(name);
        byte[] senderBytes = Names.encodeRecordName("sender name", settings.sender());
        if (join != Join.ATTACH) {
            QueueFile.validateSizes(creation.capacity(), creation.maxReaders());
        }
        try (NameLock lock = NameLock.acquire(directory, name, NameLock.DEFAULT_WAIT_NANOS)) {
            QueueFile file = join == Join.CREATE ? null : QueueFile.attachUnderLock(directory, name);
            if (file == null && join == Join.ATTACH) {
                throw new NoSuchQueueException("no queue named '" + name + "' in " + directory + "; create it first");
            }
            if (file == null) {
                file = QueueFile.create(directory, name, creation.capacity(), creation.maxReaders(),
                        creation.keep() ? QueueLayout.FLAG_KEEP : 0, creation.groupAccess());
            }
            return register(directory, name, file, settings, senderBytes);
        }
    }

    /** Takes a slot; the caller holds the name lock, and the file is not marked removed. */
    private static Registration register(Path directory, String name, QueueFile file,
                                         RegistrationSettings settings, byte[] senderBytes) {
        try {
            SharedQueue queue = new SharedQueue(file);
            // Registrations of dead processes hold slots and space: clear them before joining.
            new CrashRecovery(queue).reclaimDeadReaders(-1);
            ReaderTable.Taken taken = queue.register(ProcessIdentity.current(), senderBytes, settings.writeOnly());
            if (taken == null) {
                throw new SyncQueueException("queue '" + name + "' has no free reader slot: all "
                        + queue.maxReaders() + " are registered. Close a registration, or create the queue "
                        + "with more max readers");
            }
            return new Registration(directory, name, file, queue, taken, settings, senderBytes);
        } catch (RuntimeException | Error e) {
            file.unmap();
            throw e;
        }
    }

    public String queueName() {
        return queueName;
    }

    public String sender() {
        return settings.sender();
    }

    public long capacity() {
        return queue.capacity();
    }

    public Screen senderScreen() {
        return senderScreen;
    }

    public Screen typeScreen() {
        return typeScreen;
    }

    /** The largest body that fits, for this sender and a type of {@code typeBytes} bytes. */
    public long maxBodyLength(int typeBytes) {
        return queue.capacity() - RecordLayout.HEADER_LENGTH - senderBytes.length - typeBytes;
    }

    // ----------------------------------------------------------------------------------------------------
    // Writing

    /**
     * Appends one message.
     *
     * @param deadline a {@link Waiter} deadline; {@link Waiter#NO_WAIT} or a deadline already passed means
     *                 "do not wait"
     */
    public void append(String type, MemorySegment body, long deadline) {
        append(type, body, deadline, false, StallPoint.NONE, 0);
    }

    /**
     * Appends one message if there is room now; returns false (building no exception) if there is not. Every
     * other failure still throws.
     */
    public boolean tryAppend(String type, MemorySegment body) {
        return append(type, body, Waiter.NO_WAIT, true, StallPoint.NONE, 0);
    }

    /** Where a test stalls or kills this process in the middle of an append; never reached otherwise. */
    public enum StallPoint { NONE, AFTER_CLAIM, AFTER_HEADER }

    /**
     * A test hook, not exported from the module: appends, but at {@code point} halts the JVM as a process
     * killed in the middle of an append would ({@code stallMillis < 0}), or stalls for that long as a
     * preempted or stopped writer would, then goes on.
     */
    public void appendStallingAt(String type, MemorySegment body, StallPoint point, long stallMillis) {
        append(type, body, Waiter.deadlineAfter(Long.MAX_VALUE), false, point, stallMillis);
    }

    /** @return false if there was no room and {@code quietWhenFull}; a full queue throws otherwise */
    private boolean append(String type, MemorySegment body, long deadline, boolean quietWhenFull,
                           StallPoint stallPoint, long stallMillis) {
        enter();
        int lane = -1;
        try {
            requireRegistered();
            byte[] typeBytes = encodeType(type);
            requireReadable(body);
            long bodyLength = body.byteSize();
            long recordLength = (long) RecordLayout.HEADER_LENGTH + senderBytes.length + typeBytes.length + bodyLength;
            if (recordLength > queue.capacity()) {
                throw new MessageTooLargeException("a message of " + bodyLength + " body bytes can never fit in "
                        + "queue '" + queueName + "': with this sender and type the largest body is "
                        + maxBodyLength(typeBytes.length) + " bytes of its " + queue.capacity()
                        + ". Create the queue larger, or split the message");
            }
            lane = floors.take();
            long alignedLength = RecordLayout.alignedLength(recordLength);
            long position = claim(alignedLength, lane, deadline);
            if (position < 0) {
                if (quietWhenFull) {
                    return false;
                }
                throw queueFull(alignedLength);
            }
            stallAt(StallPoint.AFTER_CLAIM, stallPoint, stallMillis);
            long offset = queue.recordOffset(position);
            writeHeader(offset, (int) recordLength, (int) bodyLength, typeBytes.length);
            stallAt(StallPoint.AFTER_HEADER, stallPoint, stallMillis);
            try {
                writeStrings(offset, typeBytes, body);
                requireRegistered(); // evicted meanwhile: the message is not delivered, and we say so
            } catch (Throwable failure) {
                // Readers wait at this position until it is resolved: never leave it claimed.
                queue.skipOwnRecord(position);
                throw failure;
            }
            queue.publish(position);
            return true;
        } finally {
            if (lane >= 0) {
                queue.clearFloor(slot, lane);
                floors.give(lane);
            }
            exit();
        }
    }

    private static void stallAt(StallPoint here, StallPoint requested, long stallMillis) {
        if (requested == here) {
            if (stallMillis < 0) {
                Runtime.getRuntime().halt(99);
            }
            LockSupport.parkNanos(stallMillis * 1_000_000);
        }
    }

    private void writeHeader(long offset, int recordLength, int bodyLength, int typeLength) {
        memory.set(ValueLayout.JAVA_INT, offset + RecordLayout.LENGTH_OFFSET, recordLength);
        memory.set(ValueLayout.JAVA_INT, offset + RecordLayout.BODY_LENGTH_OFFSET, bodyLength);
        memory.set(ValueLayout.JAVA_INT, offset + RecordLayout.WRITER_GENERATION_OFFSET,
                ReaderSlotLayout.generation(slotWord));
        memory.set(ValueLayout.JAVA_SHORT, offset + RecordLayout.WRITER_SLOT_OFFSET, (short) slot);
        memory.set(ValueLayout.JAVA_BYTE, offset + RecordLayout.SENDER_LENGTH_OFFSET, (byte) senderBytes.length);
        memory.set(ValueLayout.JAVA_BYTE, offset + RecordLayout.TYPE_LENGTH_OFFSET, (byte) typeLength);
    }

    private void writeStrings(long offset, byte[] typeBytes, MemorySegment body) {
        long at = offset + RecordLayout.HEADER_LENGTH;
        MemorySegment.copy(senderBytes, 0, memory, ValueLayout.JAVA_BYTE, at, senderBytes.length);
        at += senderBytes.length;
        MemorySegment.copy(typeBytes, 0, memory, ValueLayout.JAVA_BYTE, at, typeBytes.length);
        at += typeBytes.length;
        MemorySegment.copy(body, 0, memory, at, body.byteSize());
    }

    /** Fails before claiming, rather than half-way through a record, for a body this thread cannot read. */
    private static void requireReadable(MemorySegment body) {
        if (!body.scope().isAlive()) {
            throw new IllegalStateException("the body's memory segment is already closed");
        }
        if (!body.isAccessibleBy(Thread.currentThread())) {
            throw new WrongThreadException("the body's memory segment is confined to another thread");
        }
    }

    /** @return the position claimed, or -1 if there was no room by the deadline */
    private long claim(long alignedLength, int lane, long deadline) {
        long position = queue.tryClaim(alignedLength, slot, lane);
        if (position >= 0) {
            return position;
        }
        if (pollingThread == Thread.currentThread()) {
            flushCursor(); // appending from a handler: the room it needs may be held by its own batch
            if ((position = queue.tryClaim(alignedLength, slot, lane)) >= 0) {
                return position;
            }
        }
        if (reclaimDeadReaders() > 0 && (position = queue.tryClaim(alignedLength, slot, lane)) >= 0) {
            return position;
        }
        long[] claimed = {-1};
        BooleanSupplier claimedSpace = () -> {
            ensureOpen();
            requireRegistered();
            return (claimed[0] = queue.tryClaim(alignedLength, slot, lane)) >= 0;
        };
        if (!Waiter.expired(deadline) && waiter.await(claimedSpace, queue.space(), true, reclaimDeadReaders, deadline)) {
            return claimed[0];
        }
        return -1;
    }

    /** Checks for dead readers at most once per {@link #RECLAIM_INTERVAL_NANOS}. */
    private int reclaimDeadReaders() {
        long now = System.nanoTime();
        if (now - lastReclaimNanos < RECLAIM_INTERVAL_NANOS) {
            return 0;
        }
        lastReclaimNanos = now;
        return recovery.reclaimDeadReaders(slot);
    }

    private void reclaimDeadReadersNow() {
        reclaimDeadReaders();
    }

    private QueueFullException queueFull(long alignedLength) {
        long free = queue.freeSpace();
        return new QueueFullException("queue '" + queueName + "' is full: the message needs " + alignedLength
                + " bytes and " + free + " of " + queue.capacity() + " are free. " + QueueStatus.slowestReader(queue, slot)
                + "; pop more often, wait with a timeout, or create the queue larger");
    }

    private byte[] encodeType(String type) {
        EncodedName last = lastType;
        if (last.name.equals(type)) {
            return last.bytes;
        }
        EncodedName encoded = new EncodedName(type, Names.encodeRecordName("message type", type));
        lastType = encoded;
        return encoded.bytes;
    }

    // ----------------------------------------------------------------------------------------------------
    // Reading

    /**
     * Delivers the next unread, unscreened message to {@code handler}, waiting until {@code deadline} for
     * one. Screened messages and skipped records are consumed on the way. If the handler throws, its
     * message stays unread.
     *
     * @return true if a message was delivered
     */
    public boolean poll(MessageHandler handler, long deadline) {
        return poll(handler, 1, deadline) == 1;
    }

    /**
     * Delivers up to {@code limit} unread, unscreened messages to {@code handler}: waits until
     * {@code deadline} for the first, then takes only what is there. The shared cursor is stored once, when
     * the batch ends (or before this thread sleeps, or when an append from inside the handler needs room),
     * not once per message. If the handler throws, its message stays unread; those before it are read.
     *
     * @return how many messages were delivered
     */
    public int poll(MessageHandler handler, int limit, long deadline) {
        if (writeOnly) {
            throw new UnsupportedOperationException("this registration on queue '" + queueName + "' is write-only: "
                    + "it reads nothing. Open another registration, without writeOnly, to read");
        }
        enter();
        pollingThread = Thread.currentThread();
        int delivered = 0;
        try {
            requireRegistered();
            while (delivered < limit) {
                long mark = queue.markAcquire(cursor);
                if (mark != cursor && !SharedQueue.isResolved(mark, cursor)) {
                    flushCursor(); // hand back what was read or screened before waiting, or ending the batch
                    if (delivered > 0) {
                        return delivered;
                    }
                    if (Waiter.expired(deadline)) {
                        repairHole(); // a reader that never waits must not stop at a crashed writer's hole
                        return 0;
                    }
                    if (!waiter.await(nextRecordResolved, queue.messages(), false, repairHole, deadline)) {
                        return 0;
                    }
                    mark = queue.markAcquire(cursor);
                }
                if (mark == (cursor | MARK_SKIP_GRANULE)) {
                    cursor += GRANULE;
                    continue;
                }
                if (!view.wrap(queue.recordOffset(cursor))) {
                    requireStillRegisteredAfterReading(); // if evicted, writers may have reused these bytes
                    throw new IncompatibleQueueException("queue '" + queueName + "' is damaged: the record at "
                            + "position " + cursor + " has an impossible header; remove the queue and create it again");
                }
                long next = cursor + RecordLayout.alignedLength(view.recordLength());
                if (view.recordLength() > LARGE_RECORD && next > queue.tailVolatile()) {
                    requireStillRegisteredAfterReading();
                    throw new IncompatibleQueueException("queue '" + queueName + "' is damaged: the record at "
                            + "position " + cursor + " runs past the tail; remove the queue and create it again");
                }
                if (mark == (cursor | MARK_SKIP_RECORD) || isScreened()) {
                    cursor = next;
                    continue;
                }
                handler.onMessage(view);
                requireStillRegisteredAfterReading();
                cursor = next;
                delivered++;
            }
            return delivered;
        } finally {
            pollingThread = null;
            if (!closing) {
                flushCursor();
            }
            exit();
        }
    }

    /**
     * Stores the cursor in the slot if it moved since the last store, and wakes writers waiting for room.
     * Popping thread only.
     */
    private void flushCursor() {
        if (storedCursor != cursor) {
            requireRegistered();
            queue.storeCursor(slot, cursor);
            storedCursor = cursor;
        }
    }

    private boolean isScreened() {
        return senderScreen.matches(memory, view.senderOffset(), view.senderLength())
                || typeScreen.matches(memory, view.typeOffset(), view.typeLength());
    }

    private boolean nextRecordResolved() {
        ensureOpen();
        return SharedQueue.isResolved(queue.markVolatile(cursor), cursor);
    }

    /**
     * Repairs the hole a dead writer left at {@link #cursor}, if that is what stops this reader there. Runs
     * only on slow paths (between sleeps, or when a pop finds nothing) and at most once per
     * {@link #RECLAIM_INTERVAL_NANOS}: it reads the tail, which writers keep busy, and may try owner locks.
     * A position is first only noted; a claim not published by the next look is judged, so a live writer
     * in the middle of an append costs a reader nothing.
     */
    private void repairHole() {
        long now = System.nanoTime();
        if (now - lastRepairNanos < RECLAIM_INTERVAL_NANOS) {
            return;
        }
        lastRepairNanos = now;
        requireRegistered(); // an evicted reader must hear that, not about a damaged queue
        if (stuckAt != cursor) {
            if (queue.tailVolatile() > cursor) {
                stuckAt = cursor;
            }
            return;
        }
        try {
            recovery.repairHole(cursor, slot);
        } catch (IncompatibleQueueException lappedOrDamaged) {
            requireRegistered(); // evicted meanwhile and lapped: say that, not "damaged"
            throw lappedOrDamaged;
        }
    }

    // ----------------------------------------------------------------------------------------------------
    // Health

    /**
     * Bytes read from the ring are valid if this registration still held its cursor after they were read:
     * writers reuse them only once it no longer counts. The fence keeps the reads before the check, as in a
     * seqlock. (Only a registration evicted by an operator, or of a removed queue, can fail here.)
     */
    private void requireStillRegisteredAfterReading() {
        VarHandle.acquireFence();
        requireRegistered();
    }

    private void requireRegistered() {
        if (readers.slotWordVolatile(slot) != slotWord) {
            throw registrationLost();
        }
    }

    private RegistrationLostException registrationLost() {
        if (queue.isRemoved()) {
            return new RegistrationLostException("queue '" + queueName + "' was removed (jsyncq rm --force) while "
                    + "this process was registered on it; create or open it again to go on");
        }
        if (ReaderSlotLayout.state(readers.slotWordVolatile(slot)) == ReaderSlotLayout.STATE_EVICTED) {
            return new RegistrationLostException("this registration on queue '" + queueName + "' was evicted "
                    + "(jsyncq evict): it held writers back. Its unread messages are dropped; open the queue "
                    + "again to go on");
        }
        return new RegistrationLostException("this registration on queue '" + queueName + "' is gone: its "
                + "slot in the queue file was changed by another process. Open the queue again to go on");
    }

    // ----------------------------------------------------------------------------------------------------
    // Closing. The handle counts itself and every operation in progress as users of the mapping; close()
    // drops the handle's count and wakes this process's sleepers, and whichever user leaves last unregisters
    // and unmaps. So closing from any thread, even from inside a handler, never pulls the memory from under
    // an append or a pop, and never waits for one.

    public boolean isClosed() {
        return closing;
    }

    private void enter() {
        if (!tryEnter()) {
            throw closedException();
        }
    }

    private boolean tryEnter() {
        while (true) {
            int current = users.get();
            if (current == 0 || closing) {
                return false;
            }
            if (users.compareAndSet(current, current + 1)) {
                return true;
            }
        }
    }

    private void exit() {
        if (users.decrementAndGet() == 0) {
            release();
        }
    }

    private void ensureOpen() {
        if (closing) {
            throw closedException();
        }
    }

    private QueueClosedException closedException() {
        return new QueueClosedException("this registration on queue '" + queueName + "' is closed; "
                + "open the queue again to go on");
    }

    /**
     * Unregisters (this registration's unread messages stop holding space) and unmaps once no operation is
     * in progress; the last registration to close removes the file, unless the queue was created to be kept.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closing) {
                return;
            }
            closing = true;
        }
        queue.messages().wakeAll();
        queue.space().wakeAll();
        exit();
    }

    /**
     * Under the name's lock: reclaims the dead (so that a queue whose other users were all killed is removed
     * by the last clean close), frees the slot, and if no slot is taken any more, removes the queue (and,
     * releasing the lock, its lock file). Nobody takes a slot without the name lock, so "none taken" cannot
     * change under it. Unmapping closes the file, which drops the slot's owner lock. If the name
     * lock cannot be had (a stopped process holds it), the registration still leaves, but the file is kept:
     * removing it without the lock could remove a queue another process is joining.
     */
    @SuppressWarnings("try") // the name lock is held, not used, in the body
    private void release() {
        try (NameLock lock = NameLock.acquire(directory, queueName, NameLock.DEFAULT_WAIT_NANOS)) {
            recovery.reclaimDeadReaders(slot);
            if (freeOwnSlot() && !keepWhenUnused && queue.registrationCount() == 0 && queue.markRemoved()) {
                file.unlink();
            }
        } catch (SyncQueueException lockNotHad) {
            freeOwnSlot();
        } finally {
            file.unmap();
        }
    }

    /**
     * Frees this registration's slot, active or evicted. An eviction can land between reading the word and
     * the compare-and-set; then the word is read again, as long as it is still this registration's.
     *
     * @return false if the slot no longer held this registration (a damaged file)
     */
    private boolean freeOwnSlot() {
        while (true) {
            long word = readers.slotWordVolatile(slot);
            if (ReaderSlotLayout.generation(word) != ReaderSlotLayout.generation(slotWord)
                    || ReaderSlotLayout.state(word) == ReaderSlotLayout.STATE_FREE) {
                return false;
            }
            if (queue.unregisterReader(slot, word)) {
                return true;
            }
        }
    }
}
