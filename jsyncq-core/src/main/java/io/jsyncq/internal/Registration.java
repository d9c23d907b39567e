package io.jsyncq.internal;

import io.jsyncq.MessageHandler;
import io.jsyncq.NoSuchQueueException;
import io.jsyncq.QueueClosedException;
import io.jsyncq.RegistrationLostException;
import io.jsyncq.SyncQueueException;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One process's registration on a queue: joining it (under the name's lock), its slot, and leaving it, with
 * the count of operations in progress that makes closing safe from any thread. Its write and read paths
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

    /** The handle itself (until closed) plus each append or pop in progress. */
    private final AtomicInteger users = new AtomicInteger(1);
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
        this.reader = new MessageReader(this, queue, recovery, waiter, slot, settings.writeOnly());
        this.writer = new MessageWriter(this, queue, recovery, waiter, slot, slotWord, senderBytes);
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
        writer.append(type, body, deadline);
    }

    /**
     * Appends one message if there is room now; returns false (building no exception) if there is not. Every
     * other failure still throws.
     */
    public boolean tryAppend(String type, MemorySegment body) {
        return writer.tryAppend(type, body);
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
        return reader.poll(handler, deadline);
    }

    /** {@link MessageReader#poll(MessageHandler, int, long)}: a batch of up to {@code limit} messages. */
    public int poll(MessageHandler handler, int limit, long deadline) {
        return reader.poll(handler, limit, deadline);
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
    // Closing. The handle counts itself and every operation in progress as users of the mapping; close()
    // drops the handle's count and wakes this process's sleepers, and whichever user leaves last unregisters
    // and unmaps. So closing from any thread, even from inside a handler, never pulls the memory from under
    // an append or a pop, and never waits for one.

    public boolean isClosed() {
        return closing;
    }

    void enter() {
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

    void exit() {
        if (users.decrementAndGet() == 0) {
            release();
        }
    }

    void ensureOpen() {
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
        NameLock lock;
        try {
            lock = NameLock.acquire(directory, queueName, NameLock.DEFAULT_WAIT_NANOS);
        } catch (SyncQueueException lockNotHad) {
            try {
                freeOwnSlot();
            } finally {
                file.unmap();
            }
            return;
        }
        try (lock) {
            try {
                recovery.reclaimDeadReaders(slot);
                if (freeOwnSlot() && !keepWhenUnused && queue.registrationCount() == 0) {
                    removeFile();
                }
            } finally {
                file.unmap(); // inside the name lock: a joiner finds this slot's owner lock already free
            }
        }
    }

    /**
     * Removes the file of a queue nobody holds any more: unlinks it, then marks it removed for any process
     * that still has it open. If it cannot be unlinked (another user's file in a sticky directory, such as a
     * group-access queue in {@code /dev/shm}), it is left whole and usable, as a kept queue is.
     */
    private void removeFile() {
        try {
            file.unlink();
        } catch (SyncQueueException notOurs) {
            return;
        }
        queue.markRemoved();
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
