package io.jsyncq.internal;

import io.jsyncq.MessageHandler;
import io.jsyncq.NoSuchQueueException;
import io.jsyncq.QueueClosedException;
import io.jsyncq.RegistrationLostException;
import io.jsyncq.SyncQueueException;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * One process's registration on a queue: joining it (under the name's lock), its slot, and leaving it. Its write and read paths
 * are {@link MessageWriter} and {@link MessageReader}. {@link io.jsyncq.SyncQueue} is the public face of
 * this class.
 *
 * <p>Appends may come from any thread. Pops must come from one thread at a time: the cursor and the record
 * view are the read path's own, unshared state.
 */
public final class Registration implements AutoCloseable {

    private final Path directory;
    private final String queueName;
    private final QueueFile file;
    private final SharedQueue queue;
    private final ReaderTable readers;
    private final CrashRecovery recovery;
    private final int slot;
    private final long slotWord;
    private final boolean keepWhenUnused;
    private final RegistrationSettings settings;
    private final MessageReader reader;
    private final MessageWriter writer;
    private final boolean resumed;
    /** A resumed registration's previous process's last append, if it was published; else -1. */
    private final long lastAppendBeforeResume;

    private volatile boolean closing;

    private Registration(Path directory, String queueName, QueueFile file, SharedQueue queue,
                         ReaderTable.Taken taken, RegistrationSettings settings, byte[] senderBytes) {
        this.directory = directory;
        this.queueName = queueName;
        this.file = file;
        this.queue = queue;
        this.readers = queue.readers();
        this.recovery = new CrashRecovery(queue);
        this.slot = taken.slot();
        this.slotWord = taken.word();
        this.keepWhenUnused = (queue.flags() & QueueLayout.FLAG_KEEP) != 0;
        this.settings = settings;
        Waiter waiter = new Waiter(settings.spinNanos(), readers, slot);
        this.resumed = taken.resumed();
        // Its slot was parked since, so the last claim is final; and the cursor, not past it unless the owner
        // acknowledged past it, keeps its record from being reused: the mark still tells whether it was published.
        long lastClaim = resumed ? readers.lastClaimAcquire(slot) : -1;
        this.lastAppendBeforeResume = lastClaim >= 0 && queue.markVolatile(lastClaim) == lastClaim ? lastClaim : -1;
        this.reader = new MessageReader(this, queue, recovery, waiter, slot, settings.writeOnly(),
                settings.manualAcknowledge());
        this.writer = new MessageWriter(this, queue, recovery, waiter, slot, slotWord, senderBytes, settings.durable());
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
            ReaderTable.Taken taken = settings.durable()
                    ? queue.registerDurable(ProcessIdentity.current(), senderBytes, name)
                    : queue.register(ProcessIdentity.current(), senderBytes, settings.writeOnly());
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

    /** True if this registration resumed a parked durable one, and reads on from its position. */
    public boolean isResumed() {
        return resumed;
    }

    /**
     * For a resumed registration: the position of the last message its previous process began to append, if
     * that message was published; -1 if it was not, or none was begun, or this registration was not resumed.
     */
    public long lastAppendBeforeResume() {
        return lastAppendBeforeResume;
    }

    /** Where the next read starts: every record before it has been read or skipped by this registration. */
    public long readPosition() {
        return reader.readPosition();
    }

    /** Stores {@code position} as this registration's cursor: its messages before it stop holding space. */
    public void acknowledge(long position) {
        ensureOpen();
        try {
            reader.acknowledge(position);
        } catch (RuntimeException failure) {
            throw closedOr(failure);
        }
    }

    public long capacity() {
        return queue.capacity();
    }

    /**
     * Makes the other registrations deliver only the records this one writes, until it ends.
     *
     * @throws IllegalStateException if this registration reads nothing, or another one holds the gate
     */
    public void gateDelivery() {
        ensureOpen();
        requireRegistered();
        if (settings.writeOnly()) {
            throw new IllegalStateException("a write-only registration reads nothing, so it cannot carry what the"
                    + " others append: it cannot gate the queue's delivery");
        }
        int holder;
        try (NameLock ignored = NameLock.acquire(directory, queueName, NameLock.DEFAULT_WAIT_NANOS)) {
            holder = readers.deliveryGate().take(slot, reader.readPosition());
        }
        if (holder != slot) {
            throw new IllegalStateException("the delivery of queue '" + queueName() + "' is gated already, by '"
                    + readers.sender(holder) + "' (slot " + holder + ", pid " + readers.pid(holder) + ")");
        }
        queue.wakeAllReaders(); // a reader asleep at a record it now skips
    }

    /** Skips every record this registration wrote from now on, whatever sender name it carries. */
    public void skipOwnRecords() {
        reader.skipOwnRecords();
    }

    public Screen senderScreen() {
        return reader.senderScreen();
    }

    public Screen typeScreen() {
        return reader.typeScreen();
    }

    /** The largest body that fits, for this sender and a type of {@code typeBytes} bytes. */
    public long maxBodyLength(int typeBytes) {
        return writer.maxBodyLength(typeBytes);
    }

    // ----------------------------------------------------------------------------------------------------
    // Writing and reading: each path has its own class

    /**
     * Appends one message.
     *
     * @param deadline a {@link Waiter} deadline; {@link Waiter#NO_WAIT} or a deadline already passed means
     *                 "do not wait"
     */
    public void append(String type, MemorySegment body, long deadline) {
        ensureOpen();
        try {
            writer.append(type, body, deadline);
        } catch (RuntimeException failure) {
            throw closedOr(failure);
        }
    }

    /** Appends one message under another sender's name: the relay's path (see {@link MessageWriter#appendAs}). */
    public long appendAs(String sender, String type, MemorySegment body, long deadline) {
        ensureOpen();
        try {
            return writer.appendAs(sender, type, body, deadline);
        } catch (RuntimeException failure) {
            throw closedOr(failure);
        }
    }

    /**
     * Appends one message if there is room now; returns false (building no exception) if there is not. Every
     * other failure still throws.
     */
    public boolean tryAppend(String type, MemorySegment body) {
        ensureOpen();
        try {
            return writer.tryAppend(type, body);
        } catch (RuntimeException failure) {
            throw closedOr(failure);
        }
    }

    /** Where a test stalls or kills this process in the middle of an append. */
    public enum StallPoint { AFTER_CLAIM, AFTER_HEADER }

    /**
     * A test hook, not exported from the module, and off unless the JVM runs with
     * {@code -Djsyncq.testing.stalls=true}: appends, but at {@code point} halts the JVM as a process killed in
     * the middle of an append would ({@code stallMillis < 0}), or stalls for that long as a preempted or
     * stopped writer would, then goes on.
     */
    public void appendStallingAt(String type, MemorySegment body, StallPoint point, long stallMillis) {
        StallHook.arm(point, stallMillis);
        try {
            writer.append(type, body, Waiter.deadlineAfter(Long.MAX_VALUE));
        } finally {
            StallHook.disarm();
        }
    }

    /** {@link MessageReader#poll(MessageHandler, long)}: one message, waiting until the deadline. */
    public boolean poll(MessageHandler handler, long deadline) {
        return poll(handler, 1, deadline) == 1;
    }

    /** {@link MessageReader#poll(MessageHandler, int, long)}: a batch of up to {@code limit} messages. */
    public int poll(MessageHandler handler, int limit, long deadline) {
        ensureOpen();
        try {
            return reader.poll(handler, limit, deadline);
        } catch (RuntimeException failure) {
            throw closedOr(failure);
        }
    }

    // ----------------------------------------------------------------------------------------------------
    // Health

    /** True while this registration still holds its slot (it was not evicted, nor its queue removed). */
    boolean isRegistered() {
        return readers.slotWordVolatile(slot) == slotWord;
    }

    /** Throws unless this registration still holds its slot (it was not evicted, nor its queue removed). */
    void requireRegistered() {
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
    // Closing. Appends and pops are not counted: close() unmaps first, and the shared arena's close waits for
    // every access in progress and fails every later one (see QueueFile#unmapAndRemap). Only then does the
    // registration leave, through a fresh mapping, as a reclaimer leaves for a dead process: from the
    // queue's side, a handle closed in the middle of an append is a writer that died there.

    public boolean isClosed() {
        return closing;
    }

    void ensureOpen() {
        if (closing) {
            throw closedException();
        }
    }

    /**
     * What a failure inside an append or pop means: if this handle's mapping was closed under it (by
     * {@link #close()} from another thread, or from a handler), the handle is closed; anything else is
     * rethrown as it is.
     */
    RuntimeException closedOr(RuntimeException failure) {
        if (closing && !file.isMapped()) {
            QueueClosedException closed = closedException();
            closed.initCause(failure);
            return closed;
        }
        return failure;
    }

    private QueueClosedException closedException() {
        return new QueueClosedException("this registration on queue '" + queueName + "' is closed; "
                + "open the queue again to go on");
    }

    /**
     * Unregisters (this registration's unread messages stop holding space) and unmaps; the last
     * registration to close removes the file, unless the queue was created to be kept. Safe from any
     * thread, and from a handler: an append or pop in progress on another thread ends with
     * {@link QueueClosedException}.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closing) {
                return;
            }
            closing = true;
        }
        queue.wakeReader(slot); // this handle's sleepers see it closed at once
        queue.space().wakeAll();
        QueueFile leaving;
        try {
            leaving = file.unmapAndRemap();
        } catch (RuntimeException | Error cannotMap) {
            // Closing the file drops the owner lock: the slot is then reclaimed as a dead process's.
            Posix.close(file.fd());
            throw cannotMap;
        }
        release(new SharedQueue(leaving), leaving);
    }

    /**
     * Under the name's lock: reclaims the dead (so that a queue whose other users were all killed is removed
     * by the last clean close), clears and frees the slot, and if no slot is taken any more, removes the
     * queue (and, releasing the lock, its lock file). Nobody takes a slot without the name lock, so "none
     * taken" cannot change under it. Unmapping closes the file, which drops the slot's owner lock. If the
     * name lock cannot be had (a stopped process holds it), the registration still leaves, but the file is
     * kept: removing it without the lock could remove a queue another process is joining.
     */
    @SuppressWarnings("try") // the name lock is held, not used, in the body
    private void release(SharedQueue leavingQueue, QueueFile leaving) {
        CrashRecovery leavingRecovery = new CrashRecovery(leavingQueue);
        NameLock lock;
        try {
            lock = NameLock.acquire(directory, queueName, NameLock.DEFAULT_WAIT_NANOS);
        } catch (SyncQueueException lockNotHad) {
            try {
                leave(leavingQueue, leavingRecovery);
            } finally {
                leaving.unmap();
            }
            return;
        }
        try (lock) {
            try {
                leavingRecovery.reclaimDeadReaders(slot);
                if (leave(leavingQueue, leavingRecovery) && !keepWhenUnused && leavingQueue.registrationCount() == 0) {
                    removeFile(leavingQueue);
                }
            } finally {
                leaving.unmap(); // inside the name lock: a joiner finds this slot's owner lock already free
            }
        }
    }

    /**
     * Frees this registration's slot, active or evicted, with whatever an append cut short by the close
     * left in it, and wakes this process's sleepers, if any are still asleep on the old mapping.
     *
     * @return false if the slot no longer held this registration (a damaged file)
     */
    private boolean leave(SharedQueue leavingQueue, CrashRecovery leavingRecovery) {
        try {
            return leavingRecovery.release(slot, ReaderSlotLayout.generation(slotWord));
        } finally {
            leavingQueue.wakeReader(slot);
            leavingQueue.space().wakeAll();
        }
    }

    /**
     * Removes the file of a queue nobody holds any more: unlinks it, then marks it removed for any process
     * that still has it open. If it cannot be unlinked (another user's file in a sticky directory, such as a
     * group-access queue in {@code /dev/shm}), it is left whole and usable, as a kept queue is.
     */
    private void removeFile(SharedQueue leavingQueue) {
        try {
            file.unlink();
        } catch (SyncQueueException notOurs) {
            return;
        }
        leavingQueue.markRemoved();
        LifecycleEvent.record(file.path(), false, leavingQueue.capacity());
    }
}
