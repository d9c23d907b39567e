package io.jsyncq.internal;

import io.jsyncq.QueueInterruptedException;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Hands out this registration's claim-floor lanes to the threads appending through it: one lane per append
 * in progress, so that each floor is exactly the position its append claims (see {@link SharedQueue}).
 *
 * <p>Lane 0 belongs to the first thread that appends, for good: an append never runs inside another on
 * the same thread, so that thread can use it with no atomic operation at all, which is the common case of
 * one producer thread per handle. Other threads share lanes 1 to 7 through a bit set; with more than seven
 * of them appending at once, the extra ones wait for a lane. The state is this process's own, so this is
 * not a lock between processes.
 */
final class ClaimFloors {

    private static final VarHandle OWNER;

    static {
        try {
            OWNER = MethodHandles.lookup().findVarHandle(ClaimFloors.class, "laneZeroOwner", Thread.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final int SHARED_LANES = ReaderSlotLayout.FLOOR_LANES - 1;
    private static final int ALL_BUSY = (1 << SHARED_LANES) - 1;

    private final AtomicInteger busy = new AtomicInteger();
    /** The thread that owns lane 0, once one has appended; written once (see {@link #take}). */
    private volatile Thread laneZeroOwner;

    /**
     * Takes a lane for this thread's append, waiting (spinning, then parking briefly) while every lane is busy,
     * until the append's {@link Waiter} deadline.
     *
     * @return the lane, or -1 if the deadline passed first
     * @throws QueueInterruptedException if the thread is interrupted while it waits
     */
    int take(long deadline) {
        Thread current = Thread.currentThread();
        Thread owner = laneZeroOwner;
        if (owner == current) {
            return 0;
        }
        if (owner == null && OWNER.compareAndSet(this, null, current)) {
            return 0;
        }
        for (int spins = 0; ; spins++) {
            int lanes = busy.get();
            if (lanes != ALL_BUSY) {
                int bit = Integer.numberOfTrailingZeros(~lanes);
                if (busy.compareAndSet(lanes, lanes | (1 << bit))) {
                    return bit + 1;
                }
            } else if (spins > 100) {
                if (Waiter.expired(deadline)) {
                    return -1;
                }
                if (Thread.interrupted()) {
                    Thread.currentThread().interrupt();
                    throw new QueueInterruptedException("interrupted while waiting for an append lane");
                }
                LockSupport.parkNanos(10_000);
            } else {
                Thread.onSpinWait();
            }
        }
    }

    void give(int lane) {
        if (lane != 0) {
            busy.getAndUpdate(lanes -> lanes & ~(1 << (lane - 1)));
        }
    }
}
