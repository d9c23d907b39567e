package io.jsyncq.bench;

import org.HdrHistogram.Histogram;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.util.concurrent.locks.LockSupport;

/**
 * The run's control file in /dev/shm, mapped by the orchestrator and every worker: an abort flag, barriers
 * for the workers of one task, and two cache lines that the raw round trip bounces between two workers.
 *
 * <pre>
 *    0  abort flag (i64)
 *  128  barrier counter of slot 0 (i64); slot k at 128 + 128 k, 16 slots
 * 4096  raw ping (i64)       written by rank 0
 * 4224  raw pong (i64)       written by rank 1
 * </pre>
 * Every word has two cache lines to itself, as in the queue, so that the raw round trip measures one line
 * going each way and nothing else.
 */
final class Ctl implements AutoCloseable {

    static final long SIZE = 8192;
    private static final long ABORT = 0;
    private static final long BARRIERS = 128;
    static final int BARRIER_SLOTS = 16;
    private static final long PING = 4096;
    private static final long PONG = 4096 + 128;
    private static final long BARRIER_TIMEOUT_NANOS = 120_000_000_000L;
    private static final long MAX_PARK_NANOS = 1_000_000;

    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    private final Shm shm;
    private final MemorySegment m;

    private Ctl(Shm shm) {
        this.shm = shm;
        this.m = shm.segment();
    }

    static Ctl create(Path path) {
        return new Ctl(Shm.create(path, SIZE));
    }

    static Ctl open(Path path) {
        return new Ctl(Shm.open(path));
    }

    /** Called by the orchestrator before it hands out a task: its barrier slot starts from zero. */
    void resetBarrier(int slot) {
        LONG.setVolatile(m, BARRIERS + 128L * slot, 0L);
    }

    void abort() {
        LONG.setVolatile(m, ABORT, 1L);
    }

    void clearAbort() {
        LONG.setVolatile(m, ABORT, 0L);
    }

    boolean aborted() {
        return (long) LONG.getVolatile(m, ABORT) != 0;
    }

    /**
     * A barrier for the {@code parties} workers of one task; {@code generation} counts its calls, from 1. A
     * long wait (a bridge's process waits here while the others measure) parks longer and longer, up to 1 ms,
     * so that it does not wake up to 50,000 times a second beside the measured processes.
     */
    void await(int slot, int parties, int generation) {
        long offset = BARRIERS + 128L * slot;
        long target = (long) generation * parties;
        LONG.getAndAdd(m, offset, 1L);
        long start = System.nanoTime();
        long park = 20_000;
        for (int spins = 0; (long) LONG.getVolatile(m, offset) < target; spins++) {
            if (spins < 2_000) {
                Thread.onSpinWait();
            } else if (spins < 4_000) {
                Thread.yield();
            } else {
                LockSupport.parkNanos(park);
                park = Math.min(MAX_PARK_NANOS, park + park / 8);
                if (aborted()) {
                    throw new IllegalStateException("the run was aborted: another worker of this task failed");
                }
                if (System.nanoTime() - start > BARRIER_TIMEOUT_NANOS) {
                    throw new IllegalStateException("timed out at a barrier of " + parties + " workers");
                }
            }
        }
    }

    /**
     * The raw round trip: rank 0 stores a number in one cache line, rank 1 sees it and stores it in another,
     * rank 0 sees that. Release stores and acquire loads: the least any queue can do. Up to {@code count}
     * round trips, fewer if {@code maxNanos} runs out first (rank 0 then sends -1 to tell rank 1). Returns
     * rank 0's histogram of round trips in ns (rank 1 returns null).
     */
    Histogram rawRoundTrips(int rank, int count, long maxNanos) {
        long base = (long) LONG.getVolatile(m, rank == 0 ? PING : PONG);
        if (rank == 0) {
            Histogram histogram = Hist.create();
            long deadline = System.nanoTime() + maxNanos;
            long last = base;
            for (long i = 1; i <= count; i++) {
                long value = base + i;
                long start = System.nanoTime();
                LONG.setRelease(m, PING, value);
                while ((long) LONG.getAcquire(m, PONG) != value) {
                    Thread.onSpinWait();
                }
                long end = System.nanoTime();
                histogram.recordValue(Hist.clamp(end - start));
                last = value;
                if (end - deadline >= 0 && i < count) {
                    LONG.setRelease(m, PING, -1L); // stop early
                    while ((long) LONG.getAcquire(m, PONG) != -1L) {
                        Thread.onSpinWait();
                    }
                    LONG.setRelease(m, PING, last);
                    LONG.setRelease(m, PONG, last);
                    break;
                }
            }
            return histogram;
        }
        for (long i = 1; i <= count; i++) {
            long value = base + i;
            long seen;
            while ((seen = (long) LONG.getAcquire(m, PING)) != value && seen != -1L) {
                Thread.onSpinWait();
            }
            LONG.setRelease(m, PONG, seen);
            if (seen == -1L) {
                break;
            }
        }
        return null;
    }

    @Override
    public void close() {
        shm.close();
    }

    void closeAndDelete() {
        shm.closeAndDelete();
    }
}
