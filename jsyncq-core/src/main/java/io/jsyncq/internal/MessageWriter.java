package io.jsyncq.internal;

import io.jsyncq.MessageTooLargeException;
import io.jsyncq.QueueFullException;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;

/**
 * A registration's write path: claim (with a claim floor), write the record, publish it (design.md §3).
 * Safe from any number of threads at once.
 */
final class MessageWriter {

    /**
     * How often a writer that finds no room looks for dead registrations: each look tries a lock per
     * registration, a system call, so a writer failing in a loop must not make one per failure.
     */
    private static final long RECLAIM_INTERVAL_NANOS = 10_000_000;

    private final Registration registration;
    private final SharedQueue queue;
    private final MemorySegment memory;
    private final CrashRecovery recovery;
    private final Waiter waiter;
    private final int slot;
    private final int generation;
    private final EncodedName ownSender;
    private final ClaimFloors floors = new ClaimFloors();
    /** A durable registration records each claim in its slot, for the process that may resume it. */
    private final boolean durable;
    private final Runnable reclaimDeadReaders = this::reclaimDeadReadersNow;
    private final NameCache types = new NameCache("message type", EncodedName.of("message type", ""));
    private final NameCache relayedSenders;
    private volatile long lastReclaimNanos = System.nanoTime() - RECLAIM_INTERVAL_NANOS;

    /** A sender or type name with its UTF-8 form and hash. */
    private record EncodedName(String name, byte[] bytes, long hash) {
        static EncodedName of(String what, String name) {
            byte[] bytes = Names.encodeRecordName(what, name);
            return new EncodedName(name, bytes, NameHash.of(bytes));
        }
    }

    /**
     * The last name of one kind encoded, reused while it repeats: a writer's names rarely change from one
     * append to the next. Racy by design: appending threads may each encode a name once more.
     */
    private static final class NameCache {
        private final String what;
        private volatile EncodedName last;

        NameCache(String what, EncodedName first) {
            this.what = what;
            this.last = first;
        }

        EncodedName encode(String name) {
            EncodedName cached = last;
            if (cached.name.equals(name)) {
                return cached;
            }
            EncodedName encoded = EncodedName.of(what, name);
            last = encoded;
            return encoded;
        }
    }

    MessageWriter(Registration registration, SharedQueue queue, CrashRecovery recovery, Waiter waiter, int slot,
                  long slotWord, byte[] senderBytes, boolean durable) {
        this.registration = registration;
        this.queue = queue;
        this.memory = queue.memory();
        this.recovery = recovery;
        this.waiter = waiter;
        this.slot = slot;
        this.generation = ReaderSlotLayout.generation(slotWord);
        this.ownSender = new EncodedName(new String(senderBytes, StandardCharsets.UTF_8), senderBytes,
                NameHash.of(senderBytes));
        this.relayedSenders = new NameCache("sender name", ownSender);
        this.durable = durable;
    }

    /** The largest body that fits, for this sender and a type of {@code typeBytes} bytes. */
    long maxBodyLength(int typeBytes) {
        return maxBodyLength(ownSender.bytes.length, typeBytes);
    }

    private long maxBodyLength(int senderBytes, int typeBytes) {
        return queue.capacity() - RecordLayout.HEADER_LENGTH - senderBytes - typeBytes;
    }

    /**
     * Appends one message.
     *
     * @param deadline a {@link Waiter} deadline; {@link Waiter#NO_WAIT} or a deadline already passed means
     *                 "do not wait"
     */
    void append(String type, MemorySegment body, long deadline) {
        append(ownSender, type, body, deadline, false);
    }

    /**
     * Appends one message under another sender's name (a relay's). The record is still this registration's:
     * its writer slot is this one's, so this registration's own reads skip it when it filters itself.
     *
     * @return the message's position
     */
    long appendAs(String sender, String type, MemorySegment body, long deadline) {
        return append(relayedSenders.encode(sender), type, body, deadline, false);
    }

    /**
     * Appends one message if there is room now; returns false (building no exception) if there is not. Every
     * other failure still throws.
     */
    boolean tryAppend(String type, MemorySegment body) {
        return append(ownSender, type, body, Waiter.NO_WAIT, true) >= 0;
    }

    /** @return the message's position; -1 if there was no room and {@code quietWhenFull} (else a full queue throws) */
    private long append(EncodedName sender, String type, MemorySegment body, long deadline, boolean quietWhenFull) {
        int lane = -1;
        boolean claimEnded = true; // until a floor is set: from claim() to publishing or skipping
        try {
            EncodedName encodedType = types.encode(type);
            byte[] typeBytes = encodedType.bytes;
            requireReadable(body);
            long bodyLength = body.byteSize();
            byte[] senderBytes = sender.bytes;
            long recordLength = (long) RecordLayout.HEADER_LENGTH + senderBytes.length + typeBytes.length + bodyLength;
            if (recordLength > queue.capacity()) {
                throw new MessageTooLargeException("a message of " + bodyLength + " body bytes can never fit in "
                        + "queue '" + registration.queueName() + "': with this sender and type the largest body is "
                        + maxBodyLength(senderBytes.length, typeBytes.length) + " bytes of its " + queue.capacity()
                        + ". Create the queue larger, or split the message");
            }
            lane = floors.take(deadline);
            if (lane < 0) { // every lane held by appends waiting for room: this one would wait too
                if (quietWhenFull) {
                    return -1;
                }
                throw queueFull(RecordLayout.alignedLength(recordLength));
            }
            long alignedLength = RecordLayout.alignedLength(recordLength);
            claimEnded = false;
            long position = claim(alignedLength, lane, deadline);
            claimEnded = position < 0; // a claim without room leaves its floor clear
            if (position < 0) {
                if (quietWhenFull) {
                    return -1;
                }
                throw queueFull(alignedLength);
            }
            if (durable) {
                queue.readers().setLastClaimRelease(slot, position);
            }
            if (StallHook.ENABLED) {
                StallHook.reached(Registration.StallPoint.AFTER_CLAIM);
            }
            long offset = queue.recordOffset(position);
            writeHeader(offset, (int) recordLength, (int) bodyLength, senderBytes.length, typeBytes.length);
            if (StallHook.ENABLED) {
                StallHook.reached(Registration.StallPoint.AFTER_HEADER);
            }
            try {
                writeStrings(offset, senderBytes, typeBytes, body);
                registration.requireRegistered(); // evicted meanwhile: the message is not delivered, and we say so
            } catch (Throwable failure) {
                // Readers wait at this position until it is resolved: never leave it claimed.
                queue.skipOwnRecordAndEndClaim(position, slot, lane);
                claimEnded = true;
                throw failure;
            }
            queue.publishAndEndClaim(position, sender.hash, encodedType.hash, slot, lane);
            claimEnded = true;
            return position;
        } finally {
            if (lane >= 0) {
                if (!claimEnded && !registration.isClosed()) {
                    // Failed with the floor set (a damaged tail, an interrupted wait): clear it, or it would
                    // hold the ring. A claim made is then a hole, which readers skip as a dead writer's.
                    queue.clearFloor(slot, lane);
                }
                floors.give(lane);
            }
        }
    }

    /** Two 8-byte stores, not six narrow ones: each access through a segment pays for its checks. */
    private void writeHeader(long offset, int recordLength, int bodyLength, int senderLength, int typeLength) {
        memory.set(ValueLayout.JAVA_LONG, offset + RecordLayout.LENGTH_OFFSET,
                RecordLayout.lengthsWord(recordLength, bodyLength));
        memory.set(ValueLayout.JAVA_LONG, offset + RecordLayout.WRITER_GENERATION_OFFSET,
                RecordLayout.writerWord(generation, slot, senderLength, typeLength));
    }

    private void writeStrings(long offset, byte[] senderBytes, byte[] typeBytes, MemorySegment body) {
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
        queue.wakeReadersHoldingScreened(); // screened records handed on past a sleeping reader hold its cursor
        if (MessageReader.flushBatchesOfThisThread()) { // appending from a handler: its thread's batches may hold the room
            if ((position = queue.tryClaim(alignedLength, slot, lane)) >= 0) {
                return position;
            }
        }
        if (reclaimDeadReaders() > 0 && (position = queue.tryClaim(alignedLength, slot, lane)) >= 0) {
            return position;
        }
        long[] claimed = {-1};
        BooleanSupplier claimedSpace = () -> {
            registration.ensureOpen();
            registration.requireRegistered();
            return (claimed[0] = queue.tryClaim(alignedLength, slot, lane)) >= 0;
        };
        if (Waiter.expired(deadline)) {
            return -1;
        }
        SpaceWaitEvent waited = new SpaceWaitEvent();
        waited.begin();
        boolean got = waiter.await(claimedSpace, queue.space(), true, reclaimDeadReaders, deadline);
        waited.end();
        if (waited.shouldCommit()) {
            waited.queue = registration.queueName();
            waited.needed = alignedLength;
            waited.gotRoom = got;
            int slowest = QueueStatus.slowestReaderSlot(queue);
            if (slowest >= 0) {
                waited.slowestReader = queue.readers().sender(slowest);
                waited.slowestReaderPid = queue.readers().pid(slowest);
            }
            waited.commit();
        }
        return got ? claimed[0] : -1;
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
        return new QueueFullException("queue '" + registration.queueName() + "' is full: the message needs " + alignedLength
                + " bytes and " + free + " of " + queue.capacity() + " are free. " + QueueStatus.slowestReader(queue, slot)
                + "; pop more often, wait with a timeout, or create the queue larger");
    }
}
