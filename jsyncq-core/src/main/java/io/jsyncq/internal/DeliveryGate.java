package io.jsyncq.internal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

import static io.jsyncq.internal.QueueLayout.DELIVERY_GATE_OFFSET;

/**
 * The queue's delivery gate (design.md §11): while a registration holds it, every other registration
 * passes over, unread, the records that any other registration writes at or after the gate's start, and
 * delivers only the holder's. A bridge in sequencer mode holds it on every host but the sequencer's: it
 * reads what local writers append, sends it to the sequencer, and appends it back in the order every host
 * shares.
 *
 * <pre>
 *  +0   state (i64): the number of takes so far (high 32 bits) | a code (low 32 bits): 0 never
 *       gated; 1 + slot while that slot holds it; -(1 + slot) once it ended; {@link #TAKING} while a
 *       registration writes the window
 *  +8   start (i64): the holder's read position when it took the gate
 *  +16  end (i64): {@link Long#MAX_VALUE} while held; the holder's read position when its slot was freed
 * </pre>
 *
 * <p><b>Why a window, not a flag.</b> The gate is applied when a record is read, not when it is appended.
 * Records before the start are ones the holder never reads, so the others deliver them as usual. Records
 * in the window that the holder read went out to be ordered, and come back as the holder's records; when
 * the holder ends for good (an operator frees it), a reader still behind must not deliver those a second
 * time, so the window closes at the holder's stored read position instead of vanishing. Records after it,
 * which the holder never read, are delivered as usual.
 *
 * <p><b>Consistency</b> ({@code model/gate.pml}). A registration takes the gate under the queue name's
 * lock, so takes never overlap: it sets {@code TAKING} (with the count of takes one up), writes the window,
 * then publishes {@code 1 + slot}. The lock is a kernel lock, dropped when its holder dies, so a taker that
 * dies mid-take leaves {@code TAKING} to the next taker, which takes over (without the lock, the next taker
 * could not tell a dead taker from a slow one, and would wait for ever). The holder's slot is freed only after
 * its owner is gone, and the free writes {@code end} before it turns the code negative. Readers take no
 * lock: a reader reads the state, the window, and the state again, and starts over if the state moved, so
 * it never applies one holder's slot with another's window. The count is what makes "the state did not
 * move" true: without it, a slot that takes the gate again and is freed again between a reader's two reads
 * shows the same ended code with a window still open (SPIN finds this).
 */
final class DeliveryGate {

    /** The code while a registration writes its window: readers treat the queue as not gated. */
    static final int TAKING = Integer.MIN_VALUE;
    private static final long ONE_TAKE = 1L << 32;
    static final long STATE_OFFSET = DELIVERY_GATE_OFFSET;
    static final long START_OFFSET = DELIVERY_GATE_OFFSET + Long.BYTES;
    static final long END_OFFSET = START_OFFSET + Long.BYTES;
    private static final long HELD = Long.MAX_VALUE;

    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    private final MemorySegment memory;

    DeliveryGate(MemorySegment memory) {
        this.memory = memory;
    }

    private long stateVolatile() {
        return (long) LONG.getVolatile(memory, STATE_OFFSET);
    }

    /** The code of a state: 0, 1 + slot (held), -(1 + slot) (ended) or {@link #TAKING}. */
    private static int code(long state) {
        return (int) state;
    }

    private static long withCode(long state, int code) {
        return (state & -ONE_TAKE) | (code & 0xFFFF_FFFFL);
    }

    /** The slot holding the gate, or -1. */
    int holder() {
        int code = code(stateVolatile());
        return code > 0 ? code - 1 : -1;
    }

    /**
     * Gives the gate to {@code slot}, whose read position is {@code start}, unless another slot holds it.
     * The caller holds the queue name's lock ({@link NameLock}): a {@code TAKING} state found now was left by a
     * taker that died, and is taken over. Only a free of the holder's slot changes the state meanwhile, and
     * only a held one.
     *
     * @return the slot that holds the gate now ({@code slot} if it held it already)
     */
    int take(int slot, long start) {
        long state = stateVolatile();
        if (code(state) > 0) {
            return code(state) - 1;
        }
        long taking = withCode(state + ONE_TAKE, TAKING);
        LONG.setVolatile(memory, STATE_OFFSET, taking);
        LONG.setVolatile(memory, START_OFFSET, start);
        LONG.setVolatile(memory, END_OFFSET, HELD);
        LONG.setVolatile(memory, STATE_OFFSET, withCode(taking, slot + 1));
        return slot;
    }

    /** After {@code slot} was freed: if it held the gate, closes the window at its stored read position. */
    void endIfHeldBy(int slot, long readPosition) {
        long state = stateVolatile();
        if (code(state) == slot + 1) {
            LONG.setVolatile(memory, END_OFFSET, readPosition);
            LONG.compareAndSet(memory, STATE_OFFSET, state, withCode(state, -(slot + 1)));
        }
    }

    /**
     * True if the reader in {@code readerSlot} passes over the record at {@code position} written by
     * {@code writerSlot}: the gate's window holds the position, and neither is the gate's slot.
     */
    boolean passesOver(int readerSlot, int writerSlot, long position) {
        while (true) {
            long state = stateVolatile();
            int code = code(state);
            if (code == 0 || code == TAKING) {
                return false;
            }
            long start = (long) LONG.getVolatile(memory, START_OFFSET);
            long end = (long) LONG.getVolatile(memory, END_OFFSET);
            if (stateVolatile() != state) {
                continue; // a new window meanwhile: read it again
            }
            int gateSlot = Math.abs(code) - 1;
            boolean holderReads = code > 0 && readerSlot == gateSlot;
            return !holderReads && writerSlot != gateSlot && position >= start && position < end;
        }
    }
}
