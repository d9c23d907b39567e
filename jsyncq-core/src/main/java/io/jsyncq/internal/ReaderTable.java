package io.jsyncq.internal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;

import static io.jsyncq.internal.QueueLayout.REGISTRATION_EPOCH_OFFSET;
import static io.jsyncq.internal.QueueLayout.SLOT_HIGH_WATER_OFFSET;
import static io.jsyncq.internal.ReaderSlotLayout.*;

/**
 * The reader slots of one queue: taking and freeing them, the cursors and claim floors writers scan, and
 * the identity fields {@code stat} shows. Who may change a slot, and why that is safe, is in
 * {@code docs/design.md} (section "Registrations and their owner locks").
 */
public final class ReaderTable {

    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private final MemorySegment memory;
    private final int maxReaders;
    private final DeliveryGate deliveryGate;

    ReaderTable(MemorySegment memory, int maxReaders) {
        this.memory = memory;
        this.maxReaders = maxReaders;
        this.deliveryGate = new DeliveryGate(memory);
    }

    public int maxReaders() {
        return maxReaders;
    }

    /** Slots at or above this index have never been taken: scans stop here. */
    public int highWater() {
        return Math.clamp((int) INT.getVolatile(memory, SLOT_HIGH_WATER_OFFSET), 0, maxReaders);
    }

    /** What a scan of the taken slots does with each: return false to stop the scan there. */
    @FunctionalInterface
    public interface TakenSlotVisitor {
        boolean visit(int slot, long slotWord);
    }

    /**
     * Visits every taken slot (active, write-only or evicted) below the high-water mark, in index order,
     * with the slot word read once; free slots hold nothing a scan needs (their floors and cursor were
     * cleared before they were freed).
     *
     * @return false if the visitor stopped the scan
     */
    public boolean forEachTaken(TakenSlotVisitor visitor) {
        int slots = highWater();
        for (int slot = 0; slot < slots; slot++) {
            long word = slotWordVolatile(slot);
            if (state(word) != STATE_FREE && !visitor.visit(slot, word)) {
                return false;
            }
        }
        return true;
    }

    public long slotWordVolatile(int slot) {
        return (long) LONG.getVolatile(memory, slotOffset(slot) + SLOT_WORD_OFFSET);
    }

    public long cursorVolatile(int slot) {
        return (long) LONG.getVolatile(memory, slotOffset(slot) + CURSOR_OFFSET);
    }

    /** Stores the owner's cursor; the caller then wakes writers waiting for room. */
    void storeCursorVolatile(int slot, long position) {
        LONG.setVolatile(memory, slotOffset(slot) + CURSOR_OFFSET, position);
    }

    /**
     * Declares that the owner's append in {@code lane} claims at or after {@code position}: stored before
     * the claiming compare-and-set, whose release makes it visible to whoever sees the claim.
     */
    void setFloorRelease(int slot, int lane, long position) {
        LONG.setRelease(memory, floorOffset(slot, lane), position);
    }

    /** The lowest claim floor of a slot, or {@link ReaderSlotLayout#NO_FLOOR}. */
    long lowestFloor(int slot) {
        long lowest = NO_FLOOR;
        for (int lane = 0; lane < FLOOR_LANES; lane++) {
            lowest = Math.min(lowest, (long) LONG.getAcquire(memory, floorOffset(slot, lane)));
        }
        return lowest;
    }

    /** The lowest claim floor of a slot above {@code position}, or {@link ReaderSlotLayout#NO_FLOOR}. */
    long lowestFloorAbove(int slot, long position) {
        long lowest = NO_FLOOR;
        for (int lane = 0; lane < FLOOR_LANES; lane++) {
            long floor = (long) LONG.getAcquire(memory, floorOffset(slot, lane));
            if (floor > position) {
                lowest = Math.min(lowest, floor);
            }
        }
        return lowest;
    }

    /** Clears every floor of a slot whose owner lock the caller holds (its owner is dead, or it is the owner). */
    void clearFloors(int slot) {
        for (int lane = 0; lane < FLOOR_LANES; lane++) {
            LONG.setRelease(memory, floorOffset(slot, lane), NO_FLOOR);
        }
    }

    /**
     * Takes a free slot and makes it active at the current tail. For each candidate the owner lock comes
     * first: once held, the slot is this process's alone until it closes or dies, and a reclaimer that
     * reads the slot word after that sees a live owner.
     *
     * @return the slot and its word, or null when every slot is taken
     */
    Taken register(SharedQueue queue, SlotLocks locks, ProcessIdentity identity, byte[] sender, int state) {
        for (int slot = 0; slot < maxReaders; slot++) {
            if (state(slotWordVolatile(slot)) != STATE_FREE || !locks.tryLock(slot)) {
                continue;
            }
            long word = slotWordVolatile(slot); // again, under the lock: a slot freed since can only be FREE
            if (state(word) != STATE_FREE) {
                locks.unlock(slot); // a dead owner's, not yet reclaimed: the caller reclaims those first
                continue;
            }
            long slotOffset = slotOffset(slot);
            clearFloors(slot);
            writeIdentity(slotOffset, identity, sender);
            LONG.setRelease(memory, slotOffset + LAST_CLAIM_OFFSET, -1L);
            raiseHighWater(slot + 1);
            long active = slotWord(generation(word) + 1, state);
            // Until the tail is read below, hold a position no later than anything still unfreed.
            LONG.setVolatile(memory, slotOffset + CURSOR_OFFSET, queue.headCacheVolatile());
            LONG.setVolatile(memory, slotOffset + SLOT_WORD_OFFSET, active);
            INT.getAndAdd(memory, REGISTRATION_EPOCH_OFFSET, 1);
            LONG.setVolatile(memory, slotOffset + CURSOR_OFFSET, queue.checkedTailVolatile());
            return new Taken(slot, active, false);
        }
        return null;
    }

    /**
     * The slot of the durable registration named {@code sender}, parked or live, or -1 if there is none.
     * Only durable names are compared; they are never longer than a slot keeps.
     */
    int findDurable(byte[] sender) {
        int slots = highWater();
        for (int slot = 0; slot < slots; slot++) {
            int state = state(slotWordVolatile(slot));
            if ((state == STATE_PARKED || state == STATE_DURABLE) && senderIs(slot, sender)) {
                return slot;
            }
        }
        return -1;
    }

    /**
     * Resumes the parked registration in {@code slot}, whose owner lock the caller holds: a new identity, the
     * next generation, and the same cursor, which has held its space all along (so, unlike a new
     * registration, nothing about the head changes and the registration epoch stays).
     *
     * @return the slot and its new word, or null if the slot is no longer parked (an operator evicted it)
     */
    Taken resume(int slot, ProcessIdentity identity, byte[] sender) {
        long word = slotWordVolatile(slot);
        if (state(word) != STATE_PARKED) {
            return null;
        }
        writeIdentity(slotOffset(slot), identity, sender);
        long durable = slotWord(generation(word) + 1, STATE_DURABLE);
        if (!LONG.compareAndSet(memory, slotOffset(slot) + SLOT_WORD_OFFSET, word, durable)) {
            return null;
        }
        return new Taken(slot, durable, true);
    }

    /**
     * Parks the durable registration {@code durableWord} names, whose owner is dead or closing: the caller
     * holds the owner lock and has cleared its floors and sleepers. Its cursor goes on holding space.
     *
     * @return true if this call parked it
     */
    boolean park(int slot, long durableWord) {
        return state(durableWord) == STATE_DURABLE && LONG.compareAndSet(memory,
                slotOffset(slot) + SLOT_WORD_OFFSET, durableWord, slotWord(generation(durableWord), STATE_PARKED));
    }

    /** A durable registration's latest claim; -1 before any. */
    long lastClaimAcquire(int slot) {
        return (long) LONG.getAcquire(memory, slotOffset(slot) + LAST_CLAIM_OFFSET);
    }

    /** Records a durable registration's claim, after its tail compare-and-set won it. */
    void setLastClaimRelease(int slot, long position) {
        LONG.setRelease(memory, slotOffset(slot) + LAST_CLAIM_OFFSET, position);
    }

    private boolean senderIs(int slot, byte[] sender) {
        long slotOffset = slotOffset(slot);
        return memory.get(ValueLayout.JAVA_INT, slotOffset + SENDER_LENGTH_OFFSET) == sender.length
                && RecordView.bytesEqual(memory, slotOffset + SENDER_OFFSET, sender.length, sender);
    }

    /**
     * A slot taken by a registration, the slot word that names that registration, and whether it resumed a
     * parked durable registration (keeping its cursor) rather than starting at the tail.
     */
    public record Taken(int slot, long word, boolean resumed) {
    }

    private void writeIdentity(long slotOffset, ProcessIdentity identity, byte[] sender) {
        memory.set(ValueLayout.JAVA_INT, slotOffset + PID_OFFSET, identity.pid());
        memory.set(ValueLayout.JAVA_LONG, slotOffset + START_TIME_OFFSET, identity.startTime());
        memory.set(ValueLayout.JAVA_LONG, slotOffset + PID_NAMESPACE_OFFSET, identity.pidNamespace());
        memory.set(ValueLayout.JAVA_INT, slotOffset + MESSAGE_SLEEPERS_OFFSET, 0);
        memory.set(ValueLayout.JAVA_INT, slotOffset + SPACE_SLEEPERS_OFFSET, 0);
        memory.set(ValueLayout.JAVA_LONG, slotOffset + WAIT_AT_OFFSET, NOT_WAITING);
        memory.set(ValueLayout.JAVA_INT, slotOffset + ARMED_OFFSET, 0);
        memory.set(ValueLayout.JAVA_INT, slotOffset + SUMMARY_OFFSET, 0); // screens nothing, until it says
        // The slot keeps what fits, cut where a character starts, and says so: stat shows the name with "…".
        int kept = Math.min(sender.length, MAX_SENDER_BYTES);
        while (kept < sender.length && kept > 0 && (sender[kept] & 0xC0) == 0x80) {
            kept--; // a UTF-8 continuation byte: the character began before it
        }
        MemorySegment.copy(sender, 0, memory, ValueLayout.JAVA_BYTE, slotOffset + SENDER_OFFSET, kept);
        memory.set(ValueLayout.JAVA_INT, slotOffset + SENDER_LENGTH_OFFSET,
                kept | (kept < sender.length ? SENDER_CUT : 0));
    }

    /**
     * Frees a slot if it still holds the registration {@code expectedWord} names (active or evicted). The
     * caller holds the slot's owner lock: it is the owner closing, or a reclaimer of a dead owner.
     *
     * @return true if this call freed it
     */
    boolean free(int slot, long expectedWord) {
        long freed = slotWord(generation(expectedWord) + 1, STATE_FREE);
        if (!LONG.compareAndSet(memory, slotOffset(slot) + SLOT_WORD_OFFSET, expectedWord, freed)) {
            return false;
        }
        deliveryGate.endIfHeldBy(slot, cursorVolatile(slot)); // the gate ends with its registration
        return true;
    }

    /** The queue's delivery gate, which a freed slot's registration gives up. */
    DeliveryGate deliveryGate() {
        return deliveryGate;
    }

    /**
     * Frees a parked registration for an operator who gives up its messages; the caller holds its owner lock.
     *
     * @return true if this call freed it
     */
    boolean freeParked(int slot, long parkedWord) {
        return state(parkedWord) == STATE_PARKED && free(slot, parkedWord);
    }

    /**
     * Evicts the registration {@code liveWord} names (active or write-only): its cursor stops holding space at
     * once. Its generation stays, so a record it is writing still names it, and its process, which keeps the
     * owner lock, still holds its claims until it finishes or dies.
     *
     * @return true if this call evicted it
     */
    boolean evict(int slot, long liveWord) {
        return isLive(state(liveWord)) && LONG.compareAndSet(memory, slotOffset(slot) + SLOT_WORD_OFFSET,
                liveWord, slotWord(generation(liveWord), STATE_EVICTED));
    }

    /** How many slots are taken (active, write-only or evicted). */
    int takenSlots() {
        int[] taken = {0};
        forEachTaken((slot, word) -> ++taken[0] > 0);
        return taken[0];
    }

    // ----------------------------------------------------------------------------------------------------
    // Waking only the readers that will read (design.md §5)

    long waitAtVolatile(int slot) {
        return (long) LONG.getVolatile(memory, slotOffset(slot) + WAIT_AT_OFFSET);
    }

    /** The sleeping reader's own store, before it arms. */
    void setWaitAtVolatile(int slot, long position) {
        LONG.setVolatile(memory, slotOffset(slot) + WAIT_AT_OFFSET, position);
    }

    /** A writer handing a screened record on: moves the wait from {@code from} to {@code to}, if still there. */
    boolean moveWaitAt(int slot, long from, long to) {
        return LONG.compareAndSet(memory, slotOffset(slot) + WAIT_AT_OFFSET, from, to);
    }

    /** Says a reader of the slot is about to sleep: after it stored its wait position, before its last look. */
    void armVolatile(int slot) {
        INT.setVolatile(memory, slotOffset(slot) + ARMED_OFFSET, 1);
    }

    boolean isArmed(int slot) {
        return (int) INT.getVolatile(memory, slotOffset(slot) + ARMED_OFFSET) != 0;
    }

    /** Clears the armed flag; the one caller that does makes the wake call for the round. */
    boolean disarm(int slot) {
        return INT.compareAndSet(memory, slotOffset(slot) + ARMED_OFFSET, 1, 0);
    }

    /**
     * Publishes what the owner screens: the hashes, then the count (volatile), so a writer that reads the
     * count sees the hashes it counts. More than {@link ReaderSlotLayout#SUMMARY_HASHES} of a kind: unfiltered.
     */
    void publishScreens(int slot, long[] senderHashes, long[] typeHashes, boolean skipsOwn) {
        long slotOffset = slotOffset(slot);
        if (senderHashes.length > SUMMARY_HASHES || typeHashes.length > SUMMARY_HASHES) {
            INT.setVolatile(memory, slotOffset + SUMMARY_OFFSET, SUMMARY_UNFILTERED);
            return;
        }
        INT.setVolatile(memory, slotOffset + SUMMARY_OFFSET, SUMMARY_UNFILTERED); // no half-written summary
        for (int i = 0; i < senderHashes.length; i++) {
            memory.set(ValueLayout.JAVA_LONG, slotOffset + SENDER_HASHES_OFFSET + (long) i * Long.BYTES, senderHashes[i]);
        }
        for (int i = 0; i < typeHashes.length; i++) {
            memory.set(ValueLayout.JAVA_LONG, slotOffset + TYPE_HASHES_OFFSET + (long) i * Long.BYTES, typeHashes[i]);
        }
        INT.setVolatile(memory, slotOffset + SUMMARY_OFFSET,
                senderHashes.length | typeHashes.length << 8 | (skipsOwn ? SUMMARY_SKIPS_OWN : 0));
    }

    /**
     * True if the slot's reader screens a record of this sender or type, or written by this writer, as far
     * as its summary says.
     */
    boolean screens(int slot, long senderHash, long typeHash, long writerIdentity) {
        long slotOffset = slotOffset(slot);
        int summary = (int) INT.getVolatile(memory, slotOffset + SUMMARY_OFFSET);
        if (summary == SUMMARY_UNFILTERED) {
            return false;
        }
        if ((summary & SUMMARY_SKIPS_OWN) != 0
                && writerIdentity == RecordLayout.writerIdentity(generation(slotWordVolatile(slot)), slot)) {
            // A record of its own registration, which it skips: a relay's relayed record. Its reader skips
            // by slot alone, so also an earlier process's record of a resumed durable registration: this
            // compares the current generation and wakes it for those, a spare wake-up, never a lost one.
            return true;
        }
        int senders = Math.min(summary & 0xFF, SUMMARY_HASHES);
        for (int i = 0; i < senders; i++) {
            if (memory.get(ValueLayout.JAVA_LONG, slotOffset + SENDER_HASHES_OFFSET + (long) i * Long.BYTES) == senderHash) {
                return true;
            }
        }
        int types = Math.min((summary >>> 8) & 0xFF, SUMMARY_HASHES);
        for (int i = 0; i < types; i++) {
            if (memory.get(ValueLayout.JAVA_LONG, slotOffset + TYPE_HASHES_OFFSET + (long) i * Long.BYTES) == typeHash) {
                return true;
            }
        }
        return false;
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

    /** The registration's sender name, ending in "…" if it was longer than its slot keeps. */
    public String sender(int slot) {
        long slotOffset = slotOffset(slot);
        int field = memory.get(ValueLayout.JAVA_INT, slotOffset + SENDER_LENGTH_OFFSET);
        int length = Math.clamp(field & ~SENDER_CUT, 0, MAX_SENDER_BYTES);
        byte[] bytes = new byte[length];
        MemorySegment.copy(memory, ValueLayout.JAVA_BYTE, slotOffset + SENDER_OFFSET, bytes, 0, length);
        return new String(bytes, StandardCharsets.UTF_8) + ((field & SENDER_CUT) != 0 ? "…" : "");
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
