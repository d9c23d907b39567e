package io.jsyncq.internal;

import io.jsyncq.IncompatibleQueueException;
import io.jsyncq.MessageHandler;
import io.jsyncq.MessageTooLargeException;
import io.jsyncq.NoSuchQueueException;
import io.jsyncq.QueueClosedException;
import io.jsyncq.QueueFullException;
import io.jsyncq.SyncQueueException;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

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

    private final String queueName;
    private final QueueFile file;
    private final SharedQueue queue;
    private final MemorySegment memory;
    private final int slot;
    private final boolean keepWhenUnused;
    private final String sender;
    private final byte[] senderBytes;
    private final int writerPid;
    private final Screen senderScreen = new Screen();
    private final Screen typeScreen = new Screen();
    private final Waiter waiter;
    private final RecordView view;
    private final BooleanSupplier nextRecordPublished = this::nextRecordPublished;
    /** The handle itself (until closed) plus each append or pop in progress. */
    private final AtomicInteger users = new AtomicInteger(1);
    private volatile boolean closing;
    private volatile EncodedName lastType = new EncodedName("", new byte[0]);

    /** Read and written only by the popping thread; the shared cursor trails it. */
    private long cursor;

    private record EncodedName(String name, byte[] bytes) {
    }

    private Registration(String queueName, QueueFile file, SharedQueue queue, int slot, String sender,
                         byte[] senderBytes, long spinNanos) {
        this.queueName = queueName;
        this.file = file;
        this.queue = queue;
        this.memory = queue.memory();
        this.slot = slot;
        this.keepWhenUnused = (queue.flags() & QueueLayout.FLAG_KEEP) != 0;
        this.sender = sender;
        this.senderBytes = senderBytes;
        this.writerPid = ProcessIdentity.current().pid();
        this.waiter = new Waiter(spinNanos);
        this.view = new RecordView(memory, queue.capacity());
        this.cursor = queue.cursorVolatile(slot);
    }

    /** Creates a queue file and registers on it. */
    public static Registration create(Path directory, String name, long capacity, int maxReaders, boolean keep,
                                      boolean groupAccess, String sender, long spinNanos) {
        Names.requireValidQueueName(name);
        byte[] senderBytes = Names.encodeRecordName("sender name", sender);
        QueueFile.validateSizes(capacity, maxReaders);
        QueueFile file = QueueFile.create(directory, name, capacity, maxReaders, keep ? QueueLayout.FLAG_KEEP : 0,
                groupAccess);
        return register(name, file, true, sender, senderBytes, spinNanos);
    }

    /** Attaches to an existing queue file and registers on it. */
    public static Registration attach(Path directory, String name, String sender, long spinNanos) {
        Names.requireValidQueueName(name);
        byte[] senderBytes = Names.encodeRecordName("sender name", sender);
        for (int attempt = 0; attempt < ATTACH_ATTEMPTS; attempt++) {
            QueueFile file = QueueFile.attach(directory, name);
            Registration registration = register(name, file, false, sender, senderBytes, spinNanos);
            if (registration != null) {
                return registration;
            }
            // Its last registration is removing it: the name will be gone in a moment.
            LockSupport.parkNanos(ATTACH_RETRY_NANOS);
        }
        throw new NoSuchQueueException("queue '" + name + "' is being removed by its last registration; "
                + "create it again");
    }

    /**
     * @param counted true for the creator, whose registration the new file already counts
     * @return null if the queue was marked removed before this process could count itself in
     */
    private static Registration register(String name, QueueFile file, boolean counted, String sender,
                                         byte[] senderBytes, long spinNanos) {
        SharedQueue queue = new SharedQueue(file);
        if (!counted && !queue.tryAddRegistration()) {
            file.unmap();
            return null;
        }
        int slot = queue.registerReader(ProcessIdentity.current(), senderBytes);
        if (slot < 0) {
            queue.removeRegistration(true); // the other registrations hold the file
            file.unmap();
            throw new SyncQueueException("queue '" + name + "' has no free reader slot: all "
                    + queue.maxReaders() + " are registered. Close a registration, or create the queue "
                    + "with more max readers");
        }
        return new Registration(name, file, queue, slot, sender, senderBytes, spinNanos);
    }

    public String queueName() {
        return queueName;
    }

    public String sender() {
        return sender;
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

    public SharedQueue queue() {
        return queue;
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
     * @param deadline a {@link Waiter} deadline; a deadline already passed means "do not wait"
     */
    public void append(String type, MemorySegment body, long deadline) {
        enter();
        try {
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
            try {
                writeRecord(queue.recordOffset(position), (int) recordLength, typeBytes, body);
            } catch (Throwable failure) {
                // Readers wait at this position until something is published there: never leave it empty.
                writeSkipRecord(queue.recordOffset(position), RecordLayout.alignedLength(recordLength));
                queue.publish(position);
                throw failure;
            }
            queue.publish(position);
        } finally {
            exit();
        }
    }

    private void writeRecord(long offset, int recordLength, byte[] typeBytes, MemorySegment body) {
        writeHeader(offset, recordLength, (int) body.byteSize(), senderBytes.length, typeBytes.length,
                RecordLayout.KIND_MESSAGE);
        long at = offset + RecordLayout.HEADER_LENGTH;
        MemorySegment.copy(senderBytes, 0, memory, ValueLayout.JAVA_BYTE, at, senderBytes.length);
        at += senderBytes.length;
        MemorySegment.copy(typeBytes, 0, memory, ValueLayout.JAVA_BYTE, at, typeBytes.length);
        at += typeBytes.length;
        MemorySegment.copy(body, 0, memory, at, body.byteSize());
    }

    /** A record that readers step over: its body is whatever the claim held. */
    private void writeSkipRecord(long offset, long alignedLength) {
        int length = (int) alignedLength;
        writeHeader(offset, length, length - RecordLayout.HEADER_LENGTH, 0, 0, RecordLayout.KIND_SKIP);
    }

    private void writeHeader(long offset, int recordLength, int bodyLength, int senderLength, int typeLength,
                             short kind) {
        memory.set(ValueLayout.JAVA_INT, offset + RecordLayout.LENGTH_OFFSET, recordLength);
        memory.set(ValueLayout.JAVA_INT, offset + RecordLayout.WRITER_PID_OFFSET, writerPid);
        memory.set(ValueLayout.JAVA_INT, offset + RecordLayout.BODY_LENGTH_OFFSET, bodyLength);
        memory.set(ValueLayout.JAVA_BYTE, offset + RecordLayout.SENDER_LENGTH_OFFSET, (byte) senderLength);
        memory.set(ValueLayout.JAVA_BYTE, offset + RecordLayout.TYPE_LENGTH_OFFSET, (byte) typeLength);
        memory.set(ValueLayout.JAVA_SHORT, offset + RecordLayout.KIND_OFFSET, kind);
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
        long[] claimed = {-1};
        BooleanSupplier claimedSpace = () -> {
            ensureOpen();
            return (claimed[0] = queue.tryClaim(alignedLength)) >= 0;
        };
        if (deadline - System.nanoTime() > 0 && waiter.await(claimedSpace, queue.space(), deadline)) {
            return claimed[0];
        }
        throw queueFull(alignedLength);
    }

    private QueueFullException queueFull(long alignedLength) {
        long free = queue.freeSpace();
        return new QueueFullException("queue '" + queueName + "' is full: the message needs " + alignedLength
                + " bytes and " + free + " of " + queue.capacity() + " are free. " + QueueStatus.slowestReader(queue)
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
     * one. Screened messages and skip records are consumed on the way. If the handler throws, its message
     * stays unread.
     *
     * @return true if a message was delivered
     */
    public boolean poll(MessageHandler handler, long deadline) {
        enter();
        long published = cursor;
        try {
            while (true) {
                if (!queue.isPublishedAcquire(cursor)) {
                    if (published != cursor) {
                        queue.storeCursor(slot, cursor); // hand back what was screened before sleeping
                        published = cursor;
                    }
                    if (deadline - System.nanoTime() <= 0
                            || !waiter.await(nextRecordPublished, queue.messages(), deadline)) {
                        return false;
                    }
                }
                if (!view.wrap(queue.recordOffset(cursor))) {
                    throw new IncompatibleQueueException("queue '" + queueName + "' is damaged: the record at "
                            + "position " + cursor + " has an impossible header; remove the queue and create it again");
                }
                long next = cursor + RecordLayout.alignedLength(view.recordLength());
                if (view.isSkip() || isScreened()) {
                    cursor = next;
                    continue;
                }
                if (published != cursor) {
                    // A handler may append; the space it waits for must not be held by what was screened.
                    queue.storeCursor(slot, cursor);
                    published = cursor;
                }
                handler.onMessage(view);
                cursor = next;
                return true;
            }
        } finally {
            if (published != cursor && !closing) {
                queue.storeCursor(slot, cursor);
            }
            exit();
        }
    }

    private boolean isScreened() {
        return senderScreen.matches(memory, view.senderOffset(), view.senderLength())
                || typeScreen.matches(memory, view.typeOffset(), view.typeLength());
    }

    private boolean nextRecordPublished() {
        ensureOpen();
        return queue.isPublishedVolatile(cursor);
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
        while (true) {
            int current = users.get();
            if (current == 0 || closing) {
                throw closedException();
            }
            if (users.compareAndSet(current, current + 1)) {
                return;
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
        if (closing) {
            return;
        }
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
        try {
            queue.unregisterReader(slot);
            if (queue.removeRegistration(keepWhenUnused)) {
                file.unlink();
            }
        } finally {
            file.unmap();
        }
    }
}
