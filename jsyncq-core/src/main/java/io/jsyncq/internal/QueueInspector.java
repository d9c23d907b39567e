package io.jsyncq.internal;

import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * A mapping of a queue that does not register on it: what {@code stat}, {@code ls} and {@code rm} look
 * through. It never moves a cursor or claims space, so a process inspecting a queue holds nothing back.
 *
 * <p>Counting messages walks record headers from a position towards the tail. Every header is treated
 * as untrusted: a record is counted only once its mark says it is published, its header is
 * self-consistent, and the tail read after the header shows that no writer can have claimed its bytes
 * again meanwhile (seqlock-style validation). The walk stops at the first record that fails any check, and
 * says so; it never loops for ever, since every step moves forward by at least one granule and the walk is
 * bounded by one ring. A skipped record or granule is stepped over and not counted; a record still being
 * written ends the walk (its length is not yet trustworthy), so the count is then a lower bound.
 */
public final class QueueInspector implements AutoCloseable {

    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private final QueueFile file;
    private final SharedQueue queue;
    private final RecordView view;

    private QueueInspector(QueueFile file) {
        this.file = file;
        this.queue = new SharedQueue(file);
        this.view = new RecordView(queue.memory(), queue.capacity());
    }

    /** Maps the queue {@code name} in {@code directory}, after checking its header, without registering. */
    public static QueueInspector attach(Path directory, String name) {
        Names.requireValidQueueName(name);
        return new QueueInspector(QueueFile.attach(directory, name));
    }

    public Path path() {
        return file.path();
    }

    public long capacity() {
        return queue.capacity();
    }

    public int maxReaders() {
        return queue.maxReaders();
    }

    public boolean keep() {
        return (queue.flags() & QueueLayout.FLAG_KEEP) != 0;
    }

    public long tail() {
        return queue.tailVolatile();
    }

    /** Registrations counted in the lifecycle word (crashed processes stay counted until reclaimed). */
    public int registrations() {
        return queue.registrationCount();
    }

    /** True once the last registration, or {@code rm}, has marked the queue for removal. */
    public long readersReclaimed() {
        return queue.readersReclaimed();
    }

    public long holesRepaired() {
        return queue.holesRepaired();
    }

    /** The slot holding the delivery gate, or -1. */
    public int deliveryGate() {
        return queue.readers().deliveryGate().holder();
    }

    public boolean isRemoved() {
        return queue.isRemoved();
    }

    public List<QueueStatus.Reader> readers() {
        return QueueStatus.readers(queue);
    }

    /**
     * Removes the queue for {@code rm}; the caller holds the name's lock. Marks it removed (nobody can
     * register any more), evicts every registration still open (each learns on its next call, or while it
     * waits, that the queue is gone, instead of going on for ever on a file nobody else can reach), and
     * unlinks the file.
     */
    public void remove() {
        queue.markRemoved();
        ReaderTable table = queue.readers();
        table.forEachTaken((slot, word) -> {
            queue.evict(slot, word); // does nothing to a slot that is not live
            return true;
        });
        file.unlink();
        LifecycleEvent.record(file.path(), false, queue.capacity());
    }

    /**
     * Evicts the registration in {@code slot}, for an operator.
     *
     * @return false if there was no active registration in that slot
     */
    public boolean evict(int slot) {
        if (slot < 0 || slot >= queue.readers().highWater()) {
            return false;
        }
        CrashRecovery recovery = new CrashRecovery(queue);
        long before = queue.readers().slotWordVolatile(slot);
        recovery.reclaimDeadReaders(-1); // a dead registration is not evicted but reclaimed: a durable one parked
        long word = queue.readers().slotWordVolatile(slot);
        if (word != before && ReaderSlotLayout.state(word) == ReaderSlotLayout.STATE_FREE) {
            return true; // it was dead, and is gone
        }
        if (ReaderSlotLayout.state(word) == ReaderSlotLayout.STATE_PARKED) {
            return recovery.freeParked(slot);
        }
        return queue.evict(slot, word);
    }

    /**
     * The result of a walk over the records in {@code [from, to)}.
     *
     * @param messages      message records counted (skip records are stepped over, not counted)
     * @param reached       the position where the walk stopped: {@code to} when it was complete
     * @param complete      false if it stopped early: at a claim without a header yet, a damaged header, or
     *                      bytes a writer may have reused while they were read
     * @param messagesAt    for each position asked about (see {@link #walk(long, long, long[])}), the number of
     *                      messages counted before the walk reached it, or -1 if it never did
     */
    public record Walk(long messages, long reached, boolean complete, long[] messagesAt) {
    }

    /**
     * Counts the message records from {@code from} (a record boundary, such as a cursor or a former tail) up
     * to {@code to}, noting how many were counted before each of the sorted positions in {@code stops} (such as
     * reader cursors).
     */
    public Walk walk(long from, long to, long[] stops) {
        long capacity = queue.capacity();
        long[] messagesAt = new long[stops.length];
        Arrays.fill(messagesAt, -1);
        int nextStop = 0;
        long position = Math.max(from, to - capacity);
        long messages = 0;
        if (position != from) {
            return new Walk(0, from, false, messagesAt); // the start is more than a ring behind: reused
        }
        boolean complete = true;
        while (position < to) {
            while (nextStop < stops.length && stops[nextStop] <= position) {
                messagesAt[nextStop++] = messages;
            }
            long mark = queue.markAcquire(position);
            if (mark == (position | QueueLayout.MARK_SKIP_GRANULE)) {
                position += QueueLayout.GRANULE; // part of a claim that never got a header
                continue;
            }
            boolean message = mark == position;
            boolean skip = mark == (position | QueueLayout.MARK_SKIP_RECORD);
            if (!message && !skip || !view.wrap(queue.recordOffset(position))) {
                complete = false;
                break;
            }
            int recordLength = view.recordLength();
            VarHandle.acquireFence();
            if (queue.tailVolatile() - capacity > position) {
                complete = false; // a writer may have overwritten the header while it was read
                break;
            }
            if (message) {
                messages++;
            }
            position += RecordLayout.alignedLength(recordLength);
        }
        if (complete) {
            position = Math.max(position, to);
            while (nextStop < stops.length && stops[nextStop] <= position) {
                messagesAt[nextStop++] = messages;
            }
        }
        return new Walk(messages, position, complete, messagesAt);
    }

    /** Unmaps. */
    @Override
    public void close() {
        file.unmap();
    }
}
