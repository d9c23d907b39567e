package io.jsyncq.internal;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Hands out this registration's claim-floor lanes to the threads appending through it: one lane per append
 * in progress, so that each floor is exactly the position its append claims (see {@link SharedQueue}).
 * With more than {@link ReaderSlotLayout#FLOOR_LANES} threads appending through one handle at once, the
 * extra ones wait for a lane; the state is this process's own, so this is not a lock between processes.
 */
final class ClaimFloors {

    private static final int ALL_BUSY = (1 << ReaderSlotLayout.FLOOR_LANES) - 1;

    private final AtomicInteger busy = new AtomicInteger();

    /** Takes a free lane, waiting (spinning, then parking briefly) while every lane is busy. */
    int take() {
        for (int spins = 0; ; spins++) {
            int lanes = busy.get();
            if (lanes != ALL_BUSY) {
                int lane = Integer.numberOfTrailingZeros(~lanes);
                if (busy.compareAndSet(lanes, lanes | (1 << lane))) {
                    return lane;
                }
            } else if (spins > 100) {
                LockSupport.parkNanos(10_000);
            } else {
                Thread.onSpinWait();
            }
        }
    }

    void give(int lane) {
        busy.getAndUpdate(lanes -> lanes & ~(1 << lane));
    }
}
