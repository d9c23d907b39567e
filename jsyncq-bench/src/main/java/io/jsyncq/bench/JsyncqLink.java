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
    /** A rank that writes and never reads registers write-only: it holds no space, and drains nothing. */
    private final boolean writeOnly;
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
        if (writeOnly) {
            builder.writeOnly();
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
            preTouch(opened, task.parties, writeOnly);
            task.barrier();
        } catch (RuntimeException e) {
            if (opened != null) {
                opened.close();
            }
            throw e;
        }
        this.queue = opened;
    }

    /**
     * Touches every page of this process's mapping before measuring: every rank appends one message, then
     * every reading rank reads the others', and the first handler call reads one byte of every page of the
     * mapped file. (A write-only rank touches the pages it writes as it writes them.)
     */
    private static void preTouch(SyncQueue queue, int parties, boolean writeOnly) {
        queue.append("touch", new byte[8], Duration.ofSeconds(10));
        if (writeOnly) {
            return;
        }
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
    }

    /**
     * A batch of up to {@code max} messages per call, through {@code poll(handler, max, FOREVER)}: it waits
     * for the first without reading the clock, takes the rest that are there, and stores the read position
     * once for the batch.
     */
    @Override
    int receive(Sink sink, int max) {
        copier.sink = sink;
        int received = queue.poll(copier, max, SyncQueue.FOREVER);
        if (received == 0) {
            throw new IllegalStateException("jsyncq: a poll without a time limit returned nothing");
        }
        return received;
    }

    @Override
    public void close() {
        queue.close();
    }
}
