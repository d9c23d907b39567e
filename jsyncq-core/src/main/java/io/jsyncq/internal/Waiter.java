package io.jsyncq.internal;

import io.jsyncq.QueueInterruptedException;

import java.util.function.BooleanSupplier;

/**
 * Waits for a condition on shared memory: a short spin, then sleeps on a {@link WakeChannel}.
 *
 * <p>Deadlines are {@link System#nanoTime()} values, with {@link #NO_DEADLINE} for "for ever", so that a
 * timeout is a total across however many wake-ups it takes. A sleep lasts at most {@link #MAX_SLEEP_NANOS}:
 * a Java interrupt cannot end a futex call, so the thread looks at its interrupt flag at least that often.
 */
public final class Waiter {

    public static final long NO_DEADLINE = Long.MAX_VALUE;
    /**
     * Bounds how late an interrupt is noticed; 10 ms is prompt for a person and costs 100 wake-ups/s. The
     * system property {@code jsyncq.maxSleepMillis} changes it: tests of the wake-up protocol set it to a
     * minute, so that a lost wake-up shows as a hang instead of hiding behind a 10 ms poll.
     */
    public static final long MAX_SLEEP_NANOS = Long.getLong("jsyncq.maxSleepMillis", 10) * 1_000_000L;
    private static final int SPINS_BETWEEN_CLOCK_READS = 64;
    private static final long FOREVER_NANOS = Long.MAX_VALUE / 4;

    private final long spinNanos;

    /** @param spinNanos how long to spin before sleeping; {@link Long#MAX_VALUE} spins and never sleeps */
    public Waiter(long spinNanos) {
        this.spinNanos = spinNanos;
    }

    /** The deadline {@code timeoutNanos} from now; a timeout of 73 years or more means never. */
    public static long deadlineAfter(long timeoutNanos) {
        return timeoutNanos >= FOREVER_NANOS ? NO_DEADLINE : System.nanoTime() + Math.max(0, timeoutNanos);
    }

    /**
     * Waits until {@code condition} holds or the deadline passes.
     *
     * @return true if the condition holds; false if the deadline passed first
     * @throws QueueInterruptedException if the thread was interrupted, with its interrupt flag set again
     */
    public boolean await(BooleanSupplier condition, WakeChannel channel, long deadline) {
        if (condition.getAsBoolean()) {
            return true;
        }
        long start = System.nanoTime();
        long spinEnd = spinNanos == Long.MAX_VALUE ? deadline : Math.min(deadline, start + spinNanos);
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
            }
        }
        while (true) {
            checkInterrupt();
            int sequence = channel.sequenceVolatile();
            channel.addWaiter(1);
            try {
                if (condition.getAsBoolean()) {
                    return true;
                }
                long remaining = deadline == NO_DEADLINE ? MAX_SLEEP_NANOS : deadline - System.nanoTime();
                if (remaining <= 0) {
                    return false;
                }
                channel.sleep(sequence, Math.min(remaining, MAX_SLEEP_NANOS));
            } finally {
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
