package io.jsyncq.bench;

import io.aeron.Aeron;
import io.aeron.FragmentAssembler;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.aeron.logbuffer.FragmentHandler;
import org.agrona.CloseHelper;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Aeron IPC: rank 0 runs an embedded media driver (shared threading mode, its default backing-off idle
 * strategy: on two cores a busy driver thread would take a core from the measured processes), every rank a
 * client; one exclusive publication per channel, one subscription per reader. Term length = the task's ring
 * size, pre-touched; IPC MTU at its maximum so that large bodies travel in as few fragments as Aeron allows.
 * BLOCK is Agrona's {@link BackoffIdleStrategy}: Aeron has no blocking wait.
 */
final class AeronLink extends Link {

    private static final String CHANNEL = "aeron:ipc";
    private static final int STREAM_BASE = 1001;
    private static final int MAX_IPC_MTU = 65504;

    private MediaDriver driver;
    private Aeron aeron;
    private Publication publication;
    private Subscription subscription;
    private final Task task;
    private final UnsafeBuffer srcBuffer;
    private final IdleStrategy idle;
    private Sink sink;
    private int delivered;
    private final FragmentAssembler assembler;
    private boolean ready;

    /**
     * @param exclusive an {@code ExclusivePublication} (one writer thread, no CAS on the tail) instead of the
     *                  default concurrent {@code Publication} (any number of writers, as jsyncq's queue)
     */
    AeronLink(Task task, Topology topology, Mode mode, int maxLength, boolean exclusive) {
        super(maxLength);
        this.task = task;
        srcBuffer = new UnsafeBuffer(src);
        idle = mode == Mode.SPIN ? new BusySpinIdleStrategy() : new BackoffIdleStrategy();
        FragmentHandler handler = (buffer, offset, length, header) -> {
            buffer.getBytes(offset, dst, 0, length);
            sink.onMessage(dst, length);
            delivered++;
        };
        assembler = new FragmentAssembler(handler);
        String dir = task.shmPath("aeron").toString();
        try {
            if (task.rank == 0) {
                driver = MediaDriver.launch(new MediaDriver.Context()
                        .aeronDirectoryName(dir)
                        .dirDeleteOnStart(true)
                        .dirDeleteOnShutdown(true)
                        .threadingMode(ThreadingMode.SHARED)
                        .ipcTermBufferLength((int) task.longParam("ring", 1 << 20))
                        .ipcMtuLength(MAX_IPC_MTU)
                        .termBufferSparseFile(false)
                        .spiesSimulateConnection(false)
                        .warnIfDirectoryExists(false));
            }
            task.barrier();
            aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(dir).preTouchMappedMemory(true));
            int writes = topology.writes(task.rank);
            int reads = topology.reads(task.rank);
            if (writes >= 0) {
                publication = exclusive ? aeron.addExclusivePublication(CHANNEL, STREAM_BASE + writes)
                        : aeron.addPublication(CHANNEL, STREAM_BASE + writes);
            }
            if (reads >= 0) {
                subscription = aeron.addSubscription(CHANNEL, STREAM_BASE + reads);
            }
            task.barrier();
            long deadline = System.nanoTime() + 30_000_000_000L;
            while ((subscription != null && subscription.imageCount() == 0)
                    || (publication != null && !publication.isConnected())) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("aeron: publication and subscription did not connect");
                }
                Thread.sleep(1);
            }
            task.barrier();
            ready = true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new IllegalStateException(e);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    @Override
    void send(int length) {
        long result;
        while ((result = publication.offer(srcBuffer, 0, length)) < 0) {
            if (result == Publication.CLOSED || result == Publication.MAX_POSITION_EXCEEDED) {
                throw new IllegalStateException("aeron: offer failed with " + Publication.errorString(result));
            }
            idle.idle();
        }
        idle.reset();
    }

    @Override
    int receive(Sink sink, int max) {
        this.sink = sink;
        delivered = 0;
        while (true) {
            int fragments = subscription.poll(assembler, max);
            if (delivered > 0) {
                idle.reset();
                return delivered;
            }
            if (fragments == 0) {
                idle.idle();
            }
        }
    }

    @Override
    public void close() {
        CloseHelper.quietCloseAll(publication, subscription, aeron);
        try {
            if (ready) {
                task.barrier(); // every client has gone before the driver goes
            }
        } finally {
            CloseHelper.quietClose(driver);
        }
    }
}
