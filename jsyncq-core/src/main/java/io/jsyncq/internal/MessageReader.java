package io.jsyncq.internal;

import io.jsyncq.IncompatibleQueueException;
import io.jsyncq.MessageHandler;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;
import java.util.function.BooleanSupplier;

import static io.jsyncq.internal.QueueLayout.GRANULE;
import static io.jsyncq.internal.QueueLayout.MARK_SKIP_GRANULE;
import static io.jsyncq.internal.QueueLayout.MARK_SKIP_RECORD;

/**
 * A registration's read path: its cursor, its screens, batches, and the repair of holes it finds in its
 * way (design.md §3, §4, §8). One thread at a time: the cursor and the record view are its own.
 */
final class MessageReader {

    /**
     * How often a reader stuck at a hole looks at it: a look reads the tail, which writers keep busy, and
     * may try owner locks.
     */
    private static final long REPAIR_INTERVAL_NANOS = 10_000_000;
    /**
     * Records longer than this are checked to end before the tail before anything is copied, so a damaged
     * length cannot make a pop allocate a ring's worth. Shorter ones are not: the check reads the tail's
     * cache line, which writers keep busy, and a short copy is cheap whatever it holds.
     */
    private static final int LARGE_RECORD = 4096;

    private final Registration registration;
    private final SharedQueue queue;
    private final MemorySegment memory;
    private final CrashRecovery recovery;
    private final Waiter waiter;
    private final int slot;
    private final boolean writeOnly;
    private final RecordView view;
    private final Screen senderScreen = new Screen(this::screensChanged);
    private final Screen typeScreen = new Screen(this::screensChanged);
    /** Read for every record looked at, so a gate taken while this reader waits applies to the next one. */
    private final DeliveryGate gate;
    /** The cursor is stored only by {@link #acknowledge}, never at the end of a batch. */
    private final boolean manualAcknowledge;
    /** This registration's slot once it skips its own records, or -1 (no record's) to read them. */
    private int skippedWriterSlot = -1; // set before the handle is published
    private final BooleanSupplier nextRecordResolved = this::nextRecordResolved;
    private final Runnable repairHole = this::repairHole;

    /** Read and written only by the popping thread; the shared cursor trails it. */
    private long cursor;
    /** The end of the message being handed to a handler (popping thread only): it may acknowledge up to there. */
    private long delivering;
    /** The cursor last stored in the slot (popping thread only): a batch stores once, at its end. */
    private long storedCursor;
    /**
     * The readers inside {@link #poll} on this thread, innermost last: an append from a handler (through any
     * handle) that finds no room first stores their cursors, or it could wait for room that the batches of
     * its own thread hold.
     */
    private static final ThreadLocal<ArrayDeque<MessageReader>> POLLING = ThreadLocal.withInitial(ArrayDeque::new);
    /** Where the popping thread last found a claim unpublished: a hole is judged only on a second look. */
    private long stuckAt = -1;
    private long lastRepairNanos = System.nanoTime() - REPAIR_INTERVAL_NANOS;

    MessageReader(Registration registration, SharedQueue queue, CrashRecovery recovery, Waiter waiter, int slot,
                  boolean writeOnly, boolean manualAcknowledge) {
        this.registration = registration;
        this.queue = queue;
        this.memory = queue.memory();
        this.recovery = recovery;
        this.waiter = waiter;
        this.slot = slot;
        this.writeOnly = writeOnly;
        this.manualAcknowledge = manualAcknowledge;
        this.view = new RecordView(memory, queue.capacity());
        this.gate = queue.readers().deliveryGate();
        this.cursor = queue.readers().cursorVolatile(slot);
        this.storedCursor = cursor;
    }

    /**
     * Skips, from now on, every record this registration wrote, whatever sender name it carries (a relay's
     * {@link MessageWriter#appendAs}), as well as those its sender screen skips; for a resumed durable
     * registration, those its earlier processes wrote too.
     *
     * <p>Why by writer slot alone, not slot and generation: a resumed durable registration has the next
     * generation, and what its earlier processes appended and never read lies ahead of its cursor (a relay
     * would echo it). And no other registration's record of this slot lies at or after the cursor: a slot is
     * freed only once its owner is dead or closed, so all that owner's claims came before the free; a new
     * registration takes a free slot and then reads the tail as its first position, past all of them; and
     * while this registration lasts, its slot is nobody else's, parked or not (only the next process of a
     * durable name takes a parked slot; an operator's evict frees it, and the name starts anew at the tail).
     * Skipped records and repaired holes are passed by their marks, before any header is read.
     */
    void skipOwnRecords() {
        skippedWriterSlot = slot;
        screensChanged(); // its writer may now hand its wait on past its own records
    }

    Screen senderScreen() {
        return senderScreen;
    }

    Screen typeScreen() {
        return typeScreen;
    }

    /**
     * Stores the cursors of every batch in progress on this thread that has progress not yet stored: for an
     * append from a handler that finds no room.
     *
     * @return true if it stored something
     */
    static boolean flushBatchesOfThisThread() {
        boolean stored = false;
        for (MessageReader reader : POLLING.get()) {
            if (reader.storedCursor != reader.cursor && !reader.registration.isClosed()
                    && reader.registration.isRegistered()) {
                reader.flushCursor();
                stored = true;
            }
        }
        return stored;
    }

    /**
     * Delivers the next unread, unscreened message to {@code handler}, waiting until {@code deadline} for
     * one. Screened messages and skipped records are consumed on the way. If the handler throws, its
     * message stays unread.
     *
     * @return true if a message was delivered
     */
    boolean poll(MessageHandler handler, long deadline) {
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
    int poll(MessageHandler handler, int limit, long deadline) {
        if (writeOnly) {
            throw new UnsupportedOperationException("this registration on queue '" + registration.queueName() + "' is write-only: "
                    + "it reads nothing. Open another registration, without writeOnly, to read");
        }
        ArrayDeque<MessageReader> polling = POLLING.get();
        if (polling.contains(this)) {
            throw new IllegalStateException("a pop from inside a handler of the same handle: its position is "
                    + "the outer pop's until that handler returns; pop through another handle, or after returning");
        }
        polling.addLast(this);
        int delivered = 0;
        try {
            registration.requireRegistered();
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
                    MessageWaitEvent waited = new MessageWaitEvent();
                    waited.begin();
                    boolean got = waiter.await(nextRecordResolved, queue.messages(), queue.readerBed(slot, cursor), false,
                            repairHole, deadline);
                    waited.end();
                    if (waited.shouldCommit()) {
                        waited.queue = registration.queueName();
                        waited.gotMessage = got;
                        waited.commit();
                    }
                    if (!got) {
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
                    throw QueueFile.damaged(queue.file().path(), "the record at position " + cursor
                            + " has an impossible header");
                }
                long next = cursor + RecordLayout.alignedLength(view.recordLength());
                if (view.recordLength() > LARGE_RECORD && next > queue.tailVolatile()) {
                    requireStillRegisteredAfterReading();
                    throw QueueFile.damaged(queue.file().path(), "the record at position " + cursor
                            + " runs past the tail");
                }
                if (mark == (cursor | MARK_SKIP_RECORD) || isScreened()) {
                    cursor = next;
                    continue;
                }
                view.endPosition(next);
                delivering = next;
                handler.onMessage(view);
                delivered++;
                if (registration.isClosed()) {
                    return delivered; // by the handler, or by another thread: the message was delivered
                }
                requireStillRegisteredAfterReading();
                cursor = next;
            }
            return delivered;
        } finally {
            delivering = 0; // a handler that threw without acknowledging leaves its message unread
            polling.removeLast();
            if (!registration.isClosed() && registration.isRegistered()) {
                flushCursor(); // a lost registration's cursor means nothing: do not throw over the failure
            }
        }
    }

    /**
     * Stores the cursor in the slot if it moved since the last store, and wakes writers waiting for room.
     * Popping thread only.
     */
    private void flushCursor() {
        if (storedCursor != cursor && !manualAcknowledge) {
            registration.requireRegistered();
            queue.storeCursor(slot, cursor);
            storedCursor = cursor;
        }
    }

    /** Where the next read starts. Popping thread only. */
    long readPosition() {
        return cursor;
    }

    /**
     * Stores {@code position} as the cursor: a position this reader reached (a message's end position, or
     * its read position), not before the cursor stored last. Popping thread only.
     */
    void acknowledge(long position) {
        long reached = Math.max(cursor, delivering);
        if (position < storedCursor || position > reached || (position & (GRANULE - 1)) != 0) {
            throw new IllegalArgumentException("position " + position + " is not one this registration can "
                    + "acknowledge: give a message's endPosition() or the readPosition(), from " + storedCursor
                    + " (acknowledged already) to " + reached + " (read so far)");
        }
        if (position > cursor) {
            cursor = position; // the message being delivered: consumed now, even if its handler throws after this
        }
        if (position != storedCursor) {
            registration.requireRegistered();
            queue.storeCursor(slot, position);
            storedCursor = position;
        }
    }

    /**
     * Publishes the screens for writers, then wakes this registration's sleeping reader, if any: a record a
     * writer handed on past it as screened may be one it reads now (summary first, then the wake; the other
     * order is caught by {@code model/wakefilter_editfirst.pml}).
     */
    private void screensChanged() {
        if (writeOnly || registration.isClosed()) {
            return;
        }
        try {
            queue.readers().publishScreens(slot, senderScreen.hashes(), typeScreen.hashes(), skippedWriterSlot >= 0);
            queue.wakeReader(slot);
        } catch (IllegalStateException closedMeanwhile) {
            if (!registration.isClosed()) {
                throw closedMeanwhile;
            }
        }
    }

    private boolean isScreened() {
        return view.writerSlot() == skippedWriterSlot
                || gate.passesOver(slot, view.writerSlot(), cursor)
                || senderScreen.matches(memory, view.senderOffset(), view.senderLength())
                || typeScreen.matches(memory, view.typeOffset(), view.typeLength());
    }

    private boolean nextRecordResolved() {
        registration.ensureOpen();
        return SharedQueue.isResolved(queue.markVolatile(cursor), cursor);
    }

    /**
     * Repairs the hole a dead writer left at {@link #cursor}, if that is what stops this reader there. Runs
     * only on slow paths (between sleeps, or when a pop finds nothing) and at most once per
     * {@link #REPAIR_INTERVAL_NANOS}: it reads the tail, which writers keep busy, and may try owner locks.
     * A position is first only noted; a claim not published by the next look is judged, so a live writer
     * in the middle of an append costs a reader nothing.
     */
    private void repairHole() {
        long now = System.nanoTime();
        if (now - lastRepairNanos < REPAIR_INTERVAL_NANOS) {
            return;
        }
        lastRepairNanos = now;
        registration.requireRegistered(); // an evicted reader must hear that, not about a damaged queue
        if (stuckAt != cursor) {
            if (queue.tailVolatile() > cursor) {
                stuckAt = cursor;
            }
            return;
        }
        try {
            recovery.repairHole(cursor, slot);
        } catch (IncompatibleQueueException lappedOrDamaged) {
            registration.requireRegistered(); // evicted meanwhile and lapped: say that, not "damaged"
            throw lappedOrDamaged;
        }
    }

    /**
     * Bytes read from the ring are valid if this registration still held its cursor after they were read:
     * writers reuse them only once it no longer counts. The fence keeps the reads before the check, as in a
     * seqlock. (Only a registration evicted by an operator, or of a removed queue, can fail here.)
     */
    private void requireStillRegisteredAfterReading() {
        VarHandle.acquireFence();
        registration.requireRegistered();
    }
}
