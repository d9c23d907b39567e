package io.jsyncq.bench;

import io.jsyncq.MessageHandler;
import io.jsyncq.MessageView;
import io.jsyncq.SyncQueue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;

/**
 * jsyncq: every channel of the task is the one queue, as jsyncq is meant to be used (a broadcast queue that
 * each registration reads and writes; a registration screens its own messages). Bodies go in from a
 * {@link MemorySegment} over {@link #src} and come out through the zero-copy view: no allocation per message.
 */
final class JsyncqLink extends Link {

    private static final String TYPE = "m";

    private final SyncQueue queue;
    private final MemorySegment srcSegment;
    /**
     * A rank that writes and never reads must still consume its own (screened) messages, or they fill the
     * queue. It does so once a quarter of the ring has gone by, not after every append: a pop per append
     * costs more than the append (about 3× the throughput at 32 B), and a quarter ring of its own messages can
     * never be what a full queue waits for, so this cannot deadlock.
     */
    private final boolean writeOnly;
    private final long drainEvery;
    private long sinceDrain;
    private final MessageHandler drainOwn = view -> { };
    private final Copier copier = new Copier();
    private MemorySegment slice;

    private final class Copier implements MessageHandler {
        Sink sink;

        @Override
        public void onMessage(MessageView view) {
            int length = view.bodyLength();
            MemorySegment.copy(view.buffer(), ValueLayout.JAVA_BYTE, view.bodyOffset(), dst, 0, length);
            sink.onMessage(dst, length);
        }
    }

    JsyncqLink(Task task, Topology topology, Mode mode, int maxLength) {
        super(maxLength);
        this.srcSegment = MemorySegment.ofArray(src);
        this.slice = srcSegment.asSlice(0, 0);
        this.writeOnly = topology.writes(task.rank) >= 0 && topology.reads(task.rank) < 0;
        SyncQueue.Builder builder = SyncQueue.builder(task.name("q"))
                .size(task.longParam("ring", 1 << 20))
                .sender("w" + task.rank);
        if (mode == Mode.SPIN) {
            builder.spin(SyncQueue.FOREVER);
        }
        SyncQueue opened = null;
        try {
            if (task.rank == 0) {
                opened = builder.create();
            }
            task.barrier();
            if (task.rank != 0) {
                opened = builder.open();
            }
            task.barrier();
            preTouch(opened, task.parties);
            task.barrier();
        } catch (RuntimeException e) {
            if (opened != null) {
                opened.close();
            }
            throw e;
        }
        this.queue = opened;
        this.drainEvery = opened.capacity() / 4;
    }

    /**
     * Touches every page of this process's mapping before measuring: every rank appends one message, then
     * reads the others', and the first handler call reads one byte of every page of the mapped file.
     */
    private static void preTouch(SyncQueue queue, int parties) {
        queue.append("touch", new byte[8], Duration.ofSeconds(10));
        boolean[] touched = {false};
        MessageHandler handler = view -> {
            if (!touched[0]) {
                Shm.preTouch(view.buffer());
                touched[0] = true;
            }
        };
        for (int got = 0; got < parties - 1; got++) {
            if (!queue.pop(handler, Duration.ofSeconds(30))) {
                throw new IllegalStateException("jsyncq: a worker's touch message did not arrive");
            }
        }
    }

    @Override
    void send(int length) {
        if (slice.byteSize() != length) {
            slice = srcSegment.asSlice(0, length);
        }
        queue.append(TYPE, slice, SyncQueue.FOREVER);
        if (writeOnly && (sinceDrain += length + 64) >= drainEvery) {
            queue.pop(drainOwn);
            sinceDrain = 0;
        }
    }

    /**
     * One message per call, always through {@code pop(handler, FOREVER)}: a pop without a timeout reads the
     * clock to make its (past) deadline, which a pop that waits for ever does not, so batching with
     * non-waiting pops would only be slower.
     */
    @Override
    int receive(Sink sink, int max) {
        copier.sink = sink;
        if (!queue.pop(copier, SyncQueue.FOREVER)) {
            throw new IllegalStateException("jsyncq: a pop without a time limit returned nothing");
        }
        return 1;
    }

    @Override
    public void close() {
        queue.close();
    }
}
