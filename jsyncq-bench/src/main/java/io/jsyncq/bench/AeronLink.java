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
 * Aeron, over IPC or over UDP.
 *
 * <p>IPC: rank 0 runs an embedded media driver (shared threading mode, its default backing-off idle
 * strategy: on two cores a busy driver thread would take a core from the measured processes), every rank a
 * client; one exclusive publication per channel, one subscription per reader. Term length = the task's ring
 * size, pre-touched; IPC MTU at its maximum so that large bodies travel in as few fragments as Aeron allows.
 *
 * <p>UDP ({@code aeron-udp}, Aeron used directly between two "hosts" on loopback): every rank is a host with
 * its own embedded media driver, set up as jsyncq's bridge sets up its own (see {@link #udpDriver}); a rank
 * subscribes on {@code 127.0.0.1:ports[rank]} and publishes each channel it writes to its reader's endpoint.
 * One reader per channel (no multicast).
 *
 * <p>BLOCK is Agrona's {@link BackoffIdleStrategy}: Aeron has no blocking wait.
 */
final class AeronLink extends Link {

    private static final String CHANNEL = "aeron:ipc";
    private static final int STREAM_BASE = 1001;
    private static final int MAX_IPC_MTU = 65504;
    static final String LOOPBACK = "127.0.0.1";

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
     * @param udp       each rank its own driver, the channels over UDP on loopback (task parameter {@code ports})
     */
    AeronLink(Task task, Topology topology, Mode mode, int maxLength, boolean exclusive, boolean udp) {
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
        String dir = task.shmPath(udp ? "aeron-" + task.rank : "aeron").toString();
        try {
            if (udp) {
                driver = MediaDriver.launch(udpDriver(dir, (int) task.longParam("ring", 1 << 20)));
            } else if (task.rank == 0) {
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
            aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(dir).preTouchMappedMemory(!udp));
            int writes = topology.writes(task.rank);
            int reads = topology.reads(task.rank);
            if (writes >= 0) {
                String channel = udp ? udpChannel(task, onlyReader(topology, writes)) : CHANNEL;
                publication = exclusive ? aeron.addExclusivePublication(channel, STREAM_BASE + writes)
                        : aeron.addPublication(channel, STREAM_BASE + writes);
            }
            if (reads >= 0) {
                subscription = aeron.addSubscription(udp ? udpChannel(task, task.rank) : CHANNEL, STREAM_BASE + reads);
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

    /**
     * The driver of one "host", as {@code Bridge} launches its embedded one: shared threading mode backing off
     * ({@link BackoffIdleStrategy}'s defaults), sparse term files of the given length, its directory deleted on
     * start and on shutdown.
     */
    static MediaDriver.Context udpDriver(String dir, int termLength) {
        return new MediaDriver.Context()
                .aeronDirectoryName(dir)
                .threadingMode(ThreadingMode.SHARED)
                .sharedIdleStrategy(new BackoffIdleStrategy())
                .dirDeleteOnStart(true)
                .dirDeleteOnShutdown(true)
                .termBufferSparseFile(true)
                .publicationTermBufferLength(termLength)
                .ipcTermBufferLength(termLength)
                .warnIfDirectoryExists(false);
    }

    /** The UDP port of a rank's "host", from the task's {@code ports} (one per host, in rank order). */
    static int port(Task task, int host) {
        return Integer.parseInt(task.param("ports").split(",")[host]);
    }

    private static String udpChannel(Task task, int rank) {
        return "aeron:udp?endpoint=" + LOOPBACK + ":" + port(task, rank);
    }

    private static int onlyReader(Topology topology, int channel) {
        if (topology.readerCount(channel) != 1) {
            throw new IllegalArgumentException("aeron-udp: one reader per channel (no multicast), not "
                    + topology.readerCount(channel));
        }
        return topology.readers()[channel][0];
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
