package io.jsyncq.internal;

import io.jsyncq.IncompatibleQueueException;
import io.jsyncq.MessageAbandonedException;
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

    /** Retries, 1 ms apart, of attaching to a queue whose last registration is removing it at that moment. */
    private static final int ATTACH_ATTEMPTS = 200;
    private static final long ATTACH_RETRY_NANOS = 1_000_000;
    /** How often a writer that finds no room checks for dead readers: bounds the cost of reading /proc. */
    private static final long RECLAIM_INTERVAL_NANOS = 10_000_000;
    /**
     * Records longer than this are checked to end before the tail before anything is copied, so a damaged
     * length cannot make a pop allocate a ring's worth. Shorter ones are not: the check reads the tail's
     * cache line, which writers keep busy, and a short copy is cheap whatever it holds.
     */
    private static final int LARGE_RECORD = 4096;

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
    /** The cursor word this registration last stored in its slot: what its next store expects to find. */
    private long storedCursorWord;
    /** When the popping thread first found the record at {@link #stuckAt} claimed but unpublished. */
    private long stuckSince;
    private long stuckAt = -1;
    private long lastRepairNanos = System.nanoTime() - RECLAIM_INTERVAL_NANOS;

    private record EncodedName(String name, byte[] bytes) {
    }

    private Registration(String queueName, QueueFile file, SharedQueue queue, ReaderTable.Taken taken,
                         RegistrationSettings settings, byte[] senderBytes) {
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
        this.storedCursorWord = readers.cursorWordVolatile(slot);
        this.cursor = readers.cursorVolatile(slot);
    }

    /** Creates a queue file and registers on it. */
    public static Registration create(Path directory, String name, long capacity, int maxReaders, boolean keep,
                                      boolean groupAccess, RegistrationSettings settings) {
        Names.requireValidQueueName(name);
        byte[] senderBytes = Names.encodeRecordName("sender name", settings.sender());
        QueueFile.validateSizes(capacity, maxReaders);
        QueueFile file = QueueFile.create(directory, name, capacity, maxReaders, keep ? QueueLayout.FLAG_KEEP : 0,
                groupAccess, true);
        return register(name, file, true, settings, senderBytes);
    }

    /** Attaches to an existing queue file and registers on it. */
    public static Registration attach(Path directory, String name, RegistrationSettings settings) {
        Names.requireValidQueueName(name);
        byte[] senderBytes = Names.encodeRecordName("sender name", settings.sender());
        for (int attempt = 0; attempt < ATTACH_ATTEMPTS; attempt++) {
            QueueFile file = QueueFile.attach(directory, name);
            Registration registration = register(name, file, false, settings, senderBytes);
            if (registration != null) {
                return registration;
            }
            if (attempt == ATTACH_ATTEMPTS - 1) {
                removeIfAbandoned(directory, name);
            }
            // Its last registration is removing it: the name will be gone in a moment.
            LockSupport.parkNanos(ATTACH_RETRY_NANOS);
        }
        throw new NoSuchQueueException("queue '" + name + "' was being removed by its last registration; "
                + "create it again");
    }

    /**
     * A queue marked removed whose name outlives its remover by this long lost its remover to a crash
     * between the mark and the unlink. Remove the name, if it is still that file.
     */
    private static void removeIfAbandoned(Path directory, String name) {
        QueueFile file;
        try {
            file = QueueFile.attach(directory, name);
        } catch (NoSuchQueueException gone) {
            return;
        }
        try {
            if (new SharedQueue(file).isRemoved()) {
                file.unlinkIfSameFile();
            }
        } finally {
            file.unmap();
        }
    }

    /**
     * @param counted true for the creator, whose registration the new file already counts
     * @return null if the queue was marked removed before this process could count itself in
     */
    private static Registration register(String name, QueueFile file, boolean counted,
                                         RegistrationSettings settings, byte[] senderBytes) {
        SharedQueue queue = new SharedQueue(file);
        if (!counted && !queue.tryAddRegistration()) {
            file.unmap();
            return null;
        }
        // Registrations of dead processes hold slots, counts and space: clear them before joining.
        new CrashRecovery(queue).reclaimDeadReaders(-1);
        ReaderTable.Taken taken = queue.registerReader(ProcessIdentity.current(), senderBytes, settings.leaseNanos());
        if (taken == null) {
            queue.removeRegistration(true); // the other registrations hold the file
            file.unmap();
            throw new SyncQueueException("queue '" + name + "' has no free reader slot: all "
                    + queue.maxReaders() + " are registered. Close a registration, or create the queue "
                    + "with more max readers");
        }
        Registration registration = new Registration(name, file, queue, taken, settings, senderBytes);
        Heartbeats.add(registration);
        return registration;
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

    long leaseNanos() {
        return settings.leaseNanos();
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
        append(type, body, deadline, StallPoint.NONE, 0);
    }

    /** Where a test stalls or kills this process in the middle of an append; never reached otherwise. */
    public enum StallPoint { NONE, AFTER_CLAIM, AFTER_HEADER }

    /**
     * A test hook, not exported from the module: appends, but at {@code point} halts the JVM as a process
     * killed in the middle of an append would ({@code stallMillis < 0}), or stalls for that long as a
     * preempted or stopped writer would, then goes on.
     */
    public void appendStallingAt(String type, MemorySegment body, StallPoint point, long stallMillis) {
        append(type, body, Waiter.deadlineAfter(Long.MAX_VALUE), point, stallMillis);
    }

    private void append(String type, MemorySegment body, long deadline, StallPoint stallPoint, long stallMillis) {
        enter();
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
            long position = claim(RecordLayout.alignedLength(recordLength), deadline);
            stallAt(StallPoint.AFTER_CLAIM, stallPoint, stallMillis);
            long offset = queue.recordOffset(position);
            writeHeader(offset, (int) recordLength, (int) bodyLength, typeBytes.length);
            if (!queue.markClaimed(position)) {
                throw abandoned();
            }
            stallAt(StallPoint.AFTER_HEADER, stallPoint, stallMillis);
            try {
                writeStrings(offset, typeBytes, body);
            } catch (Throwable failure) {
                // Readers wait at this position until it is resolved: never leave it claimed.
                queue.skipClaimed(position);
                throw failure;
            }
            if (!queue.publish(position)) {
                throw abandoned();
            }
        } finally {
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

    private long claim(long alignedLength, long deadline) {
        long position = queue.tryClaim(alignedLength);
        if (position >= 0) {
            return position;
        }
        if (reclaimDeadReaders() > 0 && (position = queue.tryClaim(alignedLength)) >= 0) {
            return position;
        }
        long[] claimed = {-1};
        BooleanSupplier claimedSpace = () -> {
            ensureOpen();
            return (claimed[0] = queue.tryClaim(alignedLength)) >= 0;
        };
        if (!Waiter.expired(deadline) && waiter.await(claimedSpace, queue.space(), true, reclaimDeadReaders, deadline)) {
            return claimed[0];
        }
        throw queueFull(alignedLength);
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
                + " bytes and " + free + " of " + queue.capacity() + " are free. " + QueueStatus.slowestReader(queue)
                + "; pop more often, wait with a timeout, or create the queue larger");
    }

    private SyncQueueException abandoned() {
        requireRegistered(); // reclaimed as dead: say so, it matters more
        return new MessageAbandonedException("a message appended to queue '" + queueName + "' was not delivered: "
                + "this process stalled between claiming space and writing the message for longer than the "
                + "readers' abandoned-claim timeout, and they skipped the space. Append it again");
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
        enter();
        long published = cursor;
        try {
            requireRegistered();
            while (true) {
                long mark = queue.markAcquire(cursor);
                if (mark != cursor && !SharedQueue.isResolved(mark, cursor)) {
                    if (published != cursor) {
                        storeCursor(cursor); // hand back what was screened before sleeping
                        published = cursor;
                    }
                    if (Waiter.expired(deadline)) {
                        repairHole(); // a reader that never waits must not stop at a crashed writer's hole
                        return false;
                    }
                    if (!waiter.await(nextRecordResolved, queue.messages(), false, repairHole, deadline)) {
                        return false;
                    }
                    mark = queue.markAcquire(cursor);
                }
                if (mark == (cursor | MARK_SKIP_GRANULE)) {
                    cursor += GRANULE;
                    continue;
                }
                if (!view.wrap(queue.recordOffset(cursor))) {
                    requireStillRegisteredAfterReading(); // if reclaimed, writers may have reused these bytes
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
                if (published != cursor) {
                    // A handler may append; the space it waits for must not be held by what was screened.
                    storeCursor(cursor);
                    published = cursor;
                }
                handler.onMessage(view);
                requireStillRegisteredAfterReading();
                cursor = next;
                return true;
            }
        } finally {
            if (published != cursor && !closing) {
                storeCursor(cursor);
            }
            exit();
        }
    }

    private void storeCursor(long position) {
        requireRegistered();
        long word = ReaderTable.cursorWord(position, slotWord);
        if (!queue.storeCursor(slot, storedCursorWord, word)) {
            requireRegistered(); // reclaimed, and the slot taken again, since the check above
            throw new RegistrationLostException("the cursor of this registration on queue '" + queueName
                    + "' changed under it: it was reclaimed. Open the queue again to go on");
        }
        storedCursorWord = word;
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
     * Repairs the hole a crashed writer left at {@link #cursor}, if that is what stops this reader there.
     * Runs only on slow paths (between sleeps, or when a pop finds nothing) and does nothing more than once
     * per {@link #RECLAIM_INTERVAL_NANOS}: it reads the tail, which writers keep busy, and judging a writer
     * may read /proc. A position is first only noted as claimed; a writer that has not published it by the
     * next look is judged, so a live writer in the middle of an append costs a reader nothing.
     */
    private void repairHole() {
        long now = System.nanoTime();
        if (now - lastRepairNanos < RECLAIM_INTERVAL_NANOS) {
            return;
        }
        lastRepairNanos = now;
        requireRegistered(); // a reader reclaimed while it waited must hear that, not about a damaged queue
        if (stuckAt != cursor) {
            if (queue.tailVolatile() > cursor) {
                stuckAt = cursor; // the abandoned-claim timeout runs from when the claim was first seen
                stuckSince = now;
            }
            return;
        }
        recovery.repairHole(cursor, now - stuckSince, settings.holeTimeoutNanos());
    }

    // ----------------------------------------------------------------------------------------------------
    // Health

    /** Renews this registration's lease; called by {@link Heartbeats}. */
    void heartbeat() {
        if (tryEnter()) {
            try {
                if (readers.slotWordVolatile(slot) == slotWord) {
                    readers.heartbeat(slot);
                }
            } finally {
                exit();
            }
        }
    }

    /**
     * Bytes read from the ring are valid if this registration still held its cursor after they were read:
     * writers reuse them only after reclaiming it. The fence keeps the reads before the check, as in a
     * seqlock. (Only a registration judged dead by its lease while it lived can fail here.)
     */
    private void requireStillRegisteredAfterReading() {
        VarHandle.acquireFence();
        requireRegistered();
    }

    private void requireRegistered() {
        if (readers.slotWordVolatile(slot) != slotWord) {
            throw new RegistrationLostException("this registration on queue '" + queueName + "' was reclaimed: "
                    + "another process judged it dead (no heartbeat for longer than its lease of "
                    + settings.leaseNanos() / 1_000_000 + " ms). Open the queue again to go on");
        }
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

    private void release() {
        Heartbeats.remove(this);
        try {
            if (queue.unregisterReader(slot, slotWord) && queue.removeRegistration(keepWhenUnused)) {
                file.unlink();
            }
        } finally {
            file.unmap();
        }
    }
}
