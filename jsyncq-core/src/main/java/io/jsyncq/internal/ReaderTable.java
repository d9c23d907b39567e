package io.jsyncq.internal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;

import static io.jsyncq.internal.QueueLayout.REGISTRATION_EPOCH_OFFSET;
import static io.jsyncq.internal.QueueLayout.SLOT_HIGH_WATER_OFFSET;
import static io.jsyncq.internal.ReaderSlotLayout.*;

/**
 * The reader slots of one queue: taking and freeing them, the cursors writers scan, and the identity and
 * health fields that tell a live owner from a dead one. The registration protocol and why it is safe are
 * in {@link SharedQueue}'s notes.
 */
public final class ReaderTable {

    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private static final long CURSOR_TAG_MASK = QueueLayout.GRANULE - 1;

    private final MemorySegment memory;
    private final int maxReaders;

    ReaderTable(MemorySegment memory, int maxReaders) {
        this.memory = memory;
        this.maxReaders = maxReaders;
    }

    public int maxReaders() {
        return maxReaders;
    }

    /** Slots at or above this index have never been taken: scans stop here. */
    public int highWater() {
        return Math.clamp((int) INT.getVolatile(memory, SLOT_HIGH_WATER_OFFSET), 0, maxReaders);
    }

    public long slotWordVolatile(int slot) {
        return (long) LONG.getVolatile(memory, slotOffset(slot) + SLOT_WORD_OFFSET);
    }

    /** The position in a slot's cursor word (see {@link #cursorWord}). */
    public long cursorVolatile(int slot) {
        return cursorWordVolatile(slot) & ~CURSOR_TAG_MASK;
    }

    long cursorWordVolatile(int slot) {
        return (long) LONG.getVolatile(memory, slotOffset(slot) + CURSOR_OFFSET);
    }

    /**
     * A cursor word: the position, which is a multiple of the granule, with the low bits of the owner's
     * generation in its low bits. An owner moves its cursor by compare-and-set from the word it last stored,
     * so one whose slot was reclaimed and taken again (possible only when a lease misjudged it) fails, instead
     * of writing into the new owner's cursor.
     */
    static long cursorWord(long position, long slotWord) {
        return position | (generation(slotWord) & CURSOR_TAG_MASK);
    }

    /** Moves the owner's cursor; the caller then wakes writers waiting for room. */
    boolean casCursor(int slot, long expectedWord, long newWord) {
        return LONG.compareAndSet(memory, slotOffset(slot) + CURSOR_OFFSET, expectedWord, newWord);
    }

    /**
     * Takes a free slot and makes it active at the current tail (see {@link SharedQueue#registerReader}).
     *
     * @return the slot and its word, or null when every slot is taken
     */
    Taken register(SharedQueue queue, ProcessIdentity identity, byte[] sender, long leaseNanos) {
        for (int slot = 0; slot < maxReaders; slot++) {
            long slotOffset = slotOffset(slot);
            long word = slotWordVolatile(slot);
            if (state(word) != STATE_FREE) {
                continue;
            }
            int generation = generation(word) + 1;
            if (!LONG.compareAndSet(memory, slotOffset + SLOT_WORD_OFFSET, word, slotWord(generation, STATE_CLAIMED))) {
                continue;
            }
            raiseHighWater(slot + 1);
            writeIdentity(slotOffset, identity, sender, leaseNanos);
            long active = slotWord(generation, STATE_ACTIVE);
            // Until the tail is read below, hold a position no later than anything still unfreed.
            LONG.setVolatile(memory, slotOffset + CURSOR_OFFSET,
                    cursorWord(queue.headCacheVolatile() & ~CURSOR_TAG_MASK, active));
            LONG.setVolatile(memory, slotOffset + SLOT_WORD_OFFSET, active);
            INT.getAndAdd(memory, REGISTRATION_EPOCH_OFFSET, 1);
            LONG.setVolatile(memory, slotOffset + CURSOR_OFFSET, cursorWord(queue.checkedTailVolatile(), active));
            return new Taken(slot, active);
        }
        return null;
    }

    /** A slot taken by a registration, and the slot word that names that registration. */
    public record Taken(int slot, long word) {
    }

    private void writeIdentity(long slotOffset, ProcessIdentity identity, byte[] sender, long leaseNanos) {
        memory.set(ValueLayout.JAVA_INT, slotOffset + PID_OFFSET, identity.pid());
        memory.set(ValueLayout.JAVA_LONG, slotOffset + START_TIME_OFFSET, identity.startTime());
        memory.set(ValueLayout.JAVA_LONG, slotOffset + PID_NAMESPACE_OFFSET, identity.pidNamespace());
        memory.set(ValueLayout.JAVA_LONG, slotOffset + LEASE_OFFSET, leaseNanos);
        memory.set(ValueLayout.JAVA_INT, slotOffset + MESSAGE_SLEEPERS_OFFSET, 0);
        memory.set(ValueLayout.JAVA_INT, slotOffset + SPACE_SLEEPERS_OFFSET, 0);
        int senderLength = Math.min(sender.length, MAX_SENDER_BYTES);
        MemorySegment.copy(sender, 0, memory, ValueLayout.JAVA_BYTE, slotOffset + SENDER_OFFSET, senderLength);
        memory.set(ValueLayout.JAVA_INT, slotOffset + SENDER_LENGTH_OFFSET, senderLength);
        LONG.setVolatile(memory, slotOffset + HEARTBEAT_OFFSET, System.nanoTime());
    }

    /**
     * Frees a slot if it still holds the registration {@code expectedWord} names.
     *
     * @return true if this call freed it; false if it had already been freed or reclaimed
     */
    boolean free(int slot, long expectedWord) {
        long freed = slotWord(generation(expectedWord) + 1, STATE_FREE);
        return LONG.compareAndSet(memory, slotOffset(slot) + SLOT_WORD_OFFSET, expectedWord, freed);
    }

    /** Renews the owner's lease. */
    void heartbeat(int slot) {
        LONG.setRelease(memory, slotOffset(slot) + HEARTBEAT_OFFSET, System.nanoTime());
    }

    /** Counts a sleeper of this slot, so that a reclaimer can take it off the shared count if the owner dies. */
    void addSleeper(int slot, boolean forSpace, int delta) {
        INT.getAndAdd(memory, slotOffset(slot) + (forSpace ? SPACE_SLEEPERS_OFFSET : MESSAGE_SLEEPERS_OFFSET), delta);
    }

    int sleepers(int slot, boolean forSpace) {
        return (int) INT.getVolatile(memory, slotOffset(slot) + (forSpace ? SPACE_SLEEPERS_OFFSET : MESSAGE_SLEEPERS_OFFSET));
    }

    public int pid(int slot) {
        return memory.get(ValueLayout.JAVA_INT, slotOffset(slot) + PID_OFFSET);
    }

    public long startTime(int slot) {
        return memory.get(ValueLayout.JAVA_LONG, slotOffset(slot) + START_TIME_OFFSET);
    }

    public long pidNamespace(int slot) {
        return memory.get(ValueLayout.JAVA_LONG, slotOffset(slot) + PID_NAMESPACE_OFFSET);
    }

    public long heartbeatAcquire(int slot) {
        return (long) LONG.getAcquire(memory, slotOffset(slot) + HEARTBEAT_OFFSET);
    }

    public long lease(int slot) {
        return memory.get(ValueLayout.JAVA_LONG, slotOffset(slot) + LEASE_OFFSET);
    }

    public String sender(int slot) {
        long slotOffset = slotOffset(slot);
        int length = Math.clamp(memory.get(ValueLayout.JAVA_INT, slotOffset + SENDER_LENGTH_OFFSET), 0, MAX_SENDER_BYTES);
        byte[] bytes = new byte[length];
        MemorySegment.copy(memory, ValueLayout.JAVA_BYTE, slotOffset + SENDER_OFFSET, bytes, 0, length);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private void raiseHighWater(int candidate) {
        while (true) {
            int current = (int) INT.getVolatile(memory, SLOT_HIGH_WATER_OFFSET);
            if (candidate <= current || INT.compareAndSet(memory, SLOT_HIGH_WATER_OFFSET, current, candidate)) {
                return;
            }
        }
    }
}
