package io.jsyncq.internal;

import io.jsyncq.QueueInterruptedException;

import java.util.function.BooleanSupplier;

/**
 * Waits for a condition on shared memory: a short spin, then sleeps on a {@link WakeChannel}.
 *
 * <p>Deadlines are {@link System#nanoTime()} values, with {@link #NO_DEADLINE} for "for ever", so that a
 * timeout is a total across however many wake-ups it takes. A sleep lasts at most {@link #MAX_SLEEP_NANOS}:
 * a Java interrupt cannot end a futex call, so the thread looks at its interrupt flag at least that often,
 * and runs the caller's housekeeping (crash repair) between sleeps.
 *
 * <p><b>Adaptive spinning.</b> A spin pays only when what it waits for comes within the spin: on a machine
 * with more waiting processes than cores (pysyncq's benchmark shape, eight processes on two cores), each
 * 20 µs spin of a reader whose message is minutes away takes a core from the process that would have sent
 * it. So each wait that ends after a whole spin's time halves the next spin, and each that ends within it
 * doubles it again, up to the configured spin ({@code Builder.spin}). How long the wait took decides,
 * not whether the spin saw the condition, so a waiter whose spin has shrunk to nothing learns when spinning
 * would pay again. The state is one int per registration, shared by its waiting threads without
 * synchronisation: a lost update only changes one spin's length.
 *
 * <p>Each sleeper is counted twice: on the channel, which wakers read, and in its registration's slot, so
 * that if the process dies asleep a reclaimer can take it off the channel's count. The channel's count
 * goes up first and down last, so a process killed between the two leaves the channel counting one sleeper
 * too many (a spare wake-up call) and never one too few (a lost wake-up).
 */
public final class Waiter {

    public static final long NO_DEADLINE = Long.MAX_VALUE;
    /** The deadline of a call that must not wait: already passed, and known without reading the clock. */
    public static final long NO_WAIT = Long.MIN_VALUE;
    /**
     * Bounds how late an interrupt is noticed; 10 ms is prompt for a person and costs 100 wake-ups/s. The
     * system property {@code jsyncq.maxSleepMillis} changes it: tests of the wake-up protocol set it to a
     * minute, so that a lost wake-up shows as a hang instead of hiding behind a 10 ms poll.
     */
    public static final long MAX_SLEEP_NANOS = Long.getLong("jsyncq.maxSleepMillis", 10) * 1_000_000L;
    private static final int SPINS_BETWEEN_CLOCK_READS = 64;
    private static final long FOREVER_NANOS = Long.MAX_VALUE / 4;
    /** After this many halvings a spin is at most spinNanos / 2^10: 20 ns of a 20 µs spin, nothing really. */
    private static final int MAX_SPIN_SHIFT = 10;

    private final long spinNanos;
    private final ReaderTable readers;
    private final int slot;
    /** The current spin is {@code spinNanos >> spinShift} (see the class notes). */
    private int spinShift;

    /**
     * @param spinNanos how long to spin before sleeping; {@link Long#MAX_VALUE} spins and never sleeps
     * @param readers   the table holding the sleeping registration's slot
     * @param slot      that slot
     */
    public Waiter(long spinNanos, ReaderTable readers, int slot) {
        this.spinNanos = spinNanos;
        this.readers = readers;
        this.slot = slot;
    }

    /** The deadline {@code timeoutNanos} from now; a timeout of 73 years or more means never. */
    public static long deadlineAfter(long timeoutNanos) {
        if (timeoutNanos <= 0) {
            return NO_WAIT;
        }
        return timeoutNanos >= FOREVER_NANOS ? NO_DEADLINE : System.nanoTime() + timeoutNanos;
    }

    /** True if a call with this deadline must not wait (any more). Reads the clock only for a real deadline. */
    public static boolean expired(long deadline) {
        return deadline == NO_WAIT || (deadline != NO_DEADLINE && deadline - System.nanoTime() <= 0);
    }

    /**
     * Waits until {@code condition} holds or the deadline passes.
     *
     * @param betweenSleeps run before each sleep, for housekeeping that must not wait for a wake-up
     * @return true if the condition holds; false if the deadline passed first
     * @throws QueueInterruptedException if the thread was interrupted, with its interrupt flag set again
     */
    public boolean await(BooleanSupplier condition, WakeChannel channel, boolean forSpace, Runnable betweenSleeps,
                         long deadline) {
        return await(condition, channel, channel, forSpace, betweenSleeps, deadline);
    }

    /**
     * Where a wait sleeps: a channel's futex word (writers waiting for room), or the sleeping reader's own
     * slot (readers waiting for a record, so that writers wake only the readers that will read it).
     */
    public interface Bed {
        /** The futex word's value, read before the sleeper counts itself. */
        int sequence();

        /** Says the sleeper is about to sleep: after it counted itself, before its last look. */
        void arm();

        /** Sleeps unless the word moved from {@code sequence}; returns early in every doubtful case. */
        void sleep(int sequence, long nanos);
    }

    /**
     * Waits until {@code condition} holds or the deadline passes, counted on {@code channel} (so that wakers
     * know someone sleeps) and sleeping in {@code bed}.
     */
    public boolean await(BooleanSupplier condition, WakeChannel channel, Bed bed, boolean forSpace,
                         Runnable betweenSleeps, long deadline) {
        if (condition.getAsBoolean()) {
            return true;
        }
        long start = System.nanoTime();
        if (spinNanos >= FOREVER_NANOS) {
            return spinThenSleep(condition, channel, bed, forSpace, betweenSleeps, deadline, deadline);
        }
        long spin = spinNanos >> spinShift;
        try {
            return spinThenSleep(condition, channel, bed, forSpace, betweenSleeps, deadline, Math.min(deadline, start + spin));
        } finally {
            adapt(System.nanoTime() - start);
        }
    }

    /** A wait that a whole spin would have covered makes the next spin longer; a longer one, shorter. */
    private void adapt(long waitedNanos) {
        int shift = spinShift;
        spinShift = waitedNanos <= spinNanos ? Math.max(0, shift - 1) : Math.min(MAX_SPIN_SHIFT, shift + 1);
    }

    private boolean spinThenSleep(BooleanSupplier condition, WakeChannel channel, Bed bed, boolean forSpace,
                                  Runnable betweenSleeps, long deadline, long spinEnd) {
        int spins = 0;
        while (true) {
            Thread.onSpinWait();
            if (condition.getAsBoolean()) {
                return true;
            }
            if (++spins % SPINS_BETWEEN_CLOCK_READS == 0) {
                checkInterrupt();
                long now = System.nanoTime();
                if (deadline != NO_DEADLINE && now - deadline >= 0) {
                    return false;
                }
                if (spinEnd != NO_DEADLINE && now - spinEnd >= 0) {
                    break;
                }
                if (spins % (SPINS_BETWEEN_CLOCK_READS * 1024) == 0) {
                    betweenSleeps.run(); // a waiter that only spins must repair crashes too
                }
            }
        }
        while (true) {
            checkInterrupt();
            betweenSleeps.run();
            int sequence = bed.sequence();
            channel.addWaiter(1);
            readers.addSleeper(slot, forSpace, 1);
            bed.arm();
            try {
                if (condition.getAsBoolean()) {
                    return true;
                }
                long remaining = deadline == NO_DEADLINE ? MAX_SLEEP_NANOS : deadline - System.nanoTime();
                if (remaining <= 0) {
                    return false;
                }
                bed.sleep(sequence, Math.min(remaining, MAX_SLEEP_NANOS));
            } finally {
                readers.addSleeper(slot, forSpace, -1);
                channel.addWaiter(-1);
            }
        }
    }

    private static void checkInterrupt() {
        if (Thread.interrupted()) {
            Thread.currentThread().interrupt();
            throw new QueueInterruptedException("interrupted while waiting on the queue");
        }
    }
}
