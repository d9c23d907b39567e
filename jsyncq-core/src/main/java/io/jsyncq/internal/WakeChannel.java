package io.jsyncq.internal;

import io.jsyncq.SyncQueueException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * A futex word, a count of the processes sleeping on it and an "armed" flag, all in shared memory: the
 * place where one kind of waiter sleeps. Readers sleep on their channel's word each with a bit of its own
 * and an armed flag in its own slot, so that a writer wakes only those that will read, all in one call
 * (see {@link SharedQueue#readerBed}); the channel's own flag is then unused. The
 * protocol that makes it free of lost wake-ups is in {@link SharedQueue}'s notes; {@link Waiter} drives the
 * sleeping side.
 *
 * <pre>
 *  0  futex sequence (i32): bumped before every wake
 *  4  waiter count (i32): sleepers between their check and their wake-up
 *  8  armed (i32): 1 once a sleeper is about to sleep; the waker that clears it makes the one wake call
 * </pre>
 *
 * <p>The flag is what keeps a burst of messages from costing a system call each: sleepers take a few
 * microseconds to wake and uncount themselves, and without it every publish in that time would call
 * {@code FUTEX_WAKE} again. A sleeper reads the sequence, then arms, then checks its condition; a waker makes
 * its change, then clears the flag with a compare-and-set and, only if that succeeded, bumps the sequence
 * and wakes everyone. A sleeper that armed before the clear is woken by it (or finds the sequence bumped);
 * one that armed after it re-armed a cleared flag, which the next waker clears again.
 */
public final class WakeChannel implements Waiter.Bed {

    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    /** Per-thread scratch memory for the futex call, so that sleeping allocates nothing. */
    private static final ThreadLocal<MemorySegment[]> SCRATCH = ThreadLocal.withInitial(() -> {
        Arena arena = Arena.ofAuto();
        return new MemorySegment[] {arena.allocate(Posix.TIMESPEC_SIZE, 8), arena.allocate(Posix.callStateSize(), 8)};
    });

    private final MemorySegment memory;
    private final long sequenceOffset;
    private final long waitersOffset;
    private final long armedOffset;
    /** The futex word's address, not a segment: see {@link Posix#futexWait}. */
    private final long futexWordAddress;

    WakeChannel(MemorySegment memory, long sequenceOffset, long waitersOffset, long armedOffset) {
        this.memory = memory;
        this.sequenceOffset = sequenceOffset;
        this.waitersOffset = waitersOffset;
        this.armedOffset = armedOffset;
        this.futexWordAddress = memory.address() + sequenceOffset;
    }

    @Override
    public int sequence() {
        return sequenceVolatile();
    }

    public int sequenceVolatile() {
        return (int) INT.getVolatile(memory, sequenceOffset);
    }

    public void addWaiter(int delta) {
        INT.getAndAdd(memory, waitersOffset, delta);
    }

    public int waitersVolatile() {
        return (int) INT.getVolatile(memory, waitersOffset);
    }

    /** Says a sleeper is about to sleep: call after reading the sequence, before checking the condition. */
    @Override
    public void arm() {
        INT.setVolatile(memory, armedOffset, 1);
    }

    /**
     * Call after making a change visible with a volatile store or a compare-and-set. Costs one load when
     * nobody sleeps, and makes one wake call per round of sleepers, not one per change.
     */
    public void wakeIfWaiting() {
        if (waitersVolatile() != 0 && (int) INT.getVolatile(memory, armedOffset) != 0
                && INT.compareAndSet(memory, armedOffset, 1, 0)) {
            wakeAll();
        }
    }

    /** Wakes every sleeper, whether or not the waiter count says there is one (for closing). */
    public void wakeAll() {
        INT.getAndAdd(memory, sequenceOffset, 1);
        Posix.futexWakeAll(futexWordAddress, SCRATCH.get()[1]);
    }

    /**
     * Sleeps until woken, for at most {@code nanos}, unless the sequence no longer equals {@code sequence}.
     * Returns early, without error, on a wake-up, a changed sequence, a timeout, a signal or an unmapping:
     * the caller checks its condition again in every case.
     */
    @Override
    public void sleep(int sequence, long nanos) {
        MemorySegment[] scratch = SCRATCH.get();
        MemorySegment timespec = scratch[0];
        timespec.set(ValueLayout.JAVA_LONG, 0, nanos / NANOS_PER_SECOND);
        timespec.set(ValueLayout.JAVA_LONG, 8, nanos % NANOS_PER_SECOND);
        checkWait(Posix.futexWait(futexWordAddress, sequence, timespec, scratch[1]));
    }

    /**
     * Bumps the sequence and wakes the sleepers of {@link #sleepOnBits} whose bits meet {@code bits} (not
     * 0), in one call however many they are: how a writer wakes the readers it chose (design.md §5).
     */
    public void wakeBits(int bits) {
        INT.getAndAdd(memory, sequenceOffset, 1);
        Posix.futexWakeBits(futexWordAddress, bits, SCRATCH.get()[1]);
    }

    /** As {@link #sleep}, but woken only by {@link #wakeAll} or a {@link #wakeBits} that includes {@code bits}. */
    public void sleepOnBits(int sequence, long nanos, int bits) {
        MemorySegment[] scratch = SCRATCH.get();
        checkWait(Posix.futexWaitBits(futexWordAddress, sequence, nanos, bits, scratch[0], scratch[1]));
    }

    private void checkWait(int error) {
        if (error == Posix.EFAULT && !memory.scope().isAlive()) {
            return; // unmapped by a close from another thread: the caller's next look says so
        }
        if (error != 0 && error != Posix.EAGAIN && error != Posix.ETIMEDOUT && error != Posix.EINTR) {
            throw new SyncQueueException("futex wait failed with errno " + error
                    + "; the queue's shared memory cannot be waited on here");
        }
    }
}
