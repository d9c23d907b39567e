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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * One process's registration on a queue: its reader slot and cursor, its screens, and the write and read
 * paths that go through them. {@link io.jsyncq.SyncQueue} is the public face of this class.
 *
 * <p>Appends may come from any thread. Pops must come from one thread at a time: the cursor and the record
 * view are this registration's own, unshared state.
 */
public final class Registration implements AutoCloseable {

    /** How often to retry attaching to a queue whose last registration is removing it at that moment. */
    private static final int ATTACH_ATTEMPTS = 100;

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
    private final AtomicBoolean closed = new AtomicBoolean();
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
        Registration registration = register(name, file, sender, senderBytes, spinNanos);
        if (registration == null) {
            throw new NoSuchQueueException("queue '" + name + "' was removed while it was being created");
        }
        return registration;
    }

    /** Attaches to an existing queue file and registers on it. */
    public static Registration attach(Path directory, String name, String sender, long spinNanos) {
        Names.requireValidQueueName(name);
        byte[] senderBytes = Names.encodeRecordName("sender name", sender);
        for (int attempt = 0; attempt < ATTACH_ATTEMPTS; attempt++) {
            QueueFile file = QueueFile.attach(directory, name);
            Registration registration = register(name, file, sender, senderBytes, spinNanos);
            if (registration != null) {
                return registration;
            }
            Thread.onSpinWait(); // its last registration is removing it; the name will be gone in a moment
        }
        throw new NoSuchQueueException("queue '" + name + "' is being removed by its last registration");
    }

    /** @return null if the queue was marked removed before this process could count itself in */
    private static Registration register(String name, QueueFile file, String sender, byte[] senderBytes,
                                         long spinNanos) {
        SharedQueue queue = new SharedQueue(file);
        if (!queue.tryAddRegistration()) {
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
        ensureOpen();
        byte[] typeBytes = encodeType(type);
        long recordLength = (long) RecordLayout.HEADER_LENGTH + senderBytes.length + typeBytes.length + body.byteSize();
        if (recordLength > queue.capacity()) {
            throw new MessageTooLargeException("a message of " + body.byteSize() + " body bytes can never fit in queue '"
                    + queueName + "': with this sender and type the largest body is "
                    + maxBodyLength(typeBytes.length) + " bytes of its " + queue.capacity()
                    + ". Create the queue larger, or split the message");
        }
        long alignedLength = RecordLayout.alignedLength(recordLength);
        long position = claim(alignedLength, deadline);
        long offset = queue.recordOffset(position);
        memory.set(ValueLayout.JAVA_INT, offset + RecordLayout.LENGTH_OFFSET, (int) recordLength);
        memory.set(ValueLayout.JAVA_INT, offset + RecordLayout.WRITER_PID_OFFSET, writerPid);
        memory.set(ValueLayout.JAVA_INT, offset + RecordLayout.BODY_LENGTH_OFFSET, (int) body.byteSize());
        memory.set(ValueLayout.JAVA_BYTE, offset + RecordLayout.SENDER_LENGTH_OFFSET, (byte) senderBytes.length);
        memory.set(ValueLayout.JAVA_BYTE, offset + RecordLayout.TYPE_LENGTH_OFFSET, (byte) typeBytes.length);
        memory.set(ValueLayout.JAVA_SHORT, offset + RecordLayout.KIND_OFFSET, RecordLayout.KIND_MESSAGE);
        long at = offset + RecordLayout.HEADER_LENGTH;
        MemorySegment.copy(senderBytes, 0, memory, ValueLayout.JAVA_BYTE, at, senderBytes.length);
        at += senderBytes.length;
        MemorySegment.copy(typeBytes, 0, memory, ValueLayout.JAVA_BYTE, at, typeBytes.length);
        at += typeBytes.length;
        MemorySegment.copy(body, 0, memory, at, body.byteSize());
        queue.publish(position);
    }

    private long claim(long alignedLength, long deadline) {
        long position = queue.tryClaim(alignedLength);
        if (position >= 0) {
            return position;
        }
        long[] claimed = {-1};
        BooleanSupplier claimedSpace = () -> (claimed[0] = queue.tryClaim(alignedLength)) >= 0;
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
     * one. Screened messages and skip records are consumed on the way.
     *
     * @return true if a message was delivered
     */
    public boolean poll(MessageHandler handler, long deadline) {
        ensureOpen();
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
                long offset = queue.recordOffset(cursor);
                if (!view.wrap(offset)) {
                    throw new IncompatibleQueueException("queue '" + queueName + "' is damaged: the record at "
                            + "position " + cursor + " has an impossible header; remove the queue and create it again");
                }
                long next = cursor + RecordLayout.alignedLength(view.recordLength());
                if (view.isSkip() || isScreened()) {
                    cursor = next;
                    continue;
                }
                handler.onMessage(view);
                cursor = next;
                return true;
            }
        } finally {
            if (published != cursor) {
                queue.storeCursor(slot, cursor);
            }
        }
    }

    private boolean isScreened() {
        return senderScreen.matches(memory, view.senderOffset(), view.senderLength())
                || typeScreen.matches(memory, view.typeOffset(), view.typeLength());
    }

    private boolean nextRecordPublished() {
        return queue.isPublishedVolatile(cursor);
    }

    // ----------------------------------------------------------------------------------------------------
    // Closing

    public boolean isClosed() {
        return closed.get();
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new QueueClosedException("this registration on queue '" + queueName + "' is closed; "
                    + "open the queue again to go on");
        }
    }

    /**
     * Unregisters (this registration's unread messages stop holding space) and unmaps; the last
     * registration to close removes the file, unless the queue was created to be kept.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
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
