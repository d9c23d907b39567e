package io.jsyncq.bench;

import io.jsyncq.MessageHandler;
import io.jsyncq.MessageView;
import io.jsyncq.SyncQueue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * jsyncq, in one of two shapes. Shared (contender {@code jsyncq}): every channel of the task is the one
 * queue, as jsyncq is meant to be used (a broadcast queue that each registration reads and writes; a
 * registration screens its own messages). Split ({@code jsyncq-split}): one queue per channel, written by
 * one write-only registration and read by the others, the shape Aeron and Agrona give each direction of a
 * ping-pong. Bodies go in from a {@link MemorySegment} over {@link #src} and come out through the
 * zero-copy view: no allocation per message.
 */
class JsyncqLink extends Link {

    private static final String TYPE = "m";

    /** The queue this rank appends to, or null; the queue it reads, or null (the same one when shared). */
    private final SyncQueue out;
    private final SyncQueue in;
    private final MemorySegment srcSegment;
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

    JsyncqLink(Task task, Topology topology, Mode mode, int maxLength, boolean queuePerChannel) {
        super(maxLength);
        this.srcSegment = MemorySegment.ofArray(src);
        this.slice = srcSegment.asSlice(0, 0);
        int writes = topology.writes(task.rank);
        int reads = topology.reads(task.rank);
        List<SyncQueue> opened = new ArrayList<>();
        try {
            if (queuePerChannel) {
                // A writer creates its channel's queue, write-only; its readers join before anything is sent.
                if (writes >= 0) {
                    opened.add(builder(task, mode, "q-c" + writes).writeOnly().create());
                }
                task.barrier();
                if (reads >= 0) {
                    opened.add(builder(task, mode, "q-c" + reads).open());
                }
                task.barrier();
                this.out = writes >= 0 ? opened.getFirst() : null;
                this.in = reads >= 0 ? opened.getLast() : null;
                preTouch(out, in, 1);
            } else {
                // A rank that writes and never reads registers write-only: it holds no space, drains nothing.
                SyncQueue.Builder builder = builder(task, mode, "q");
                if (writes >= 0 && reads < 0) {
                    builder.writeOnly();
                }
                if (task.rank == 0) {
                    opened.add(builder.create());
                }
                task.barrier();
                if (task.rank != 0) {
                    opened.add(builder.open());
                }
                task.barrier();
                SyncQueue queue = opened.getFirst();
                this.out = writes >= 0 ? queue : null;
                this.in = reads >= 0 ? queue : null;
                preTouch(queue, reads >= 0 ? queue : null, task.parties - 1);
            }
            task.barrier();
        } catch (RuntimeException e) {
            opened.forEach(SyncQueue::close);
            throw e;
        }
    }

    /** Over queues opened elsewhere ({@link BridgeLink}): {@code out} to append to, {@code in} to read; either may be null. */
    JsyncqLink(int maxLength, SyncQueue out, SyncQueue in) {
        super(maxLength);
        this.srcSegment = MemorySegment.ofArray(src);
        this.slice = srcSegment.asSlice(0, 0);
        this.out = out;
        this.in = in;
    }

    static SyncQueue.Builder builder(Task task, Mode mode, String queue) {
        SyncQueue.Builder builder = SyncQueue.builder(task.name(queue))
                .size(task.longParam("ring", 1 << 20))
                .sender("w" + task.rank);
        if (mode == Mode.SPIN) {
            builder.spin(SyncQueue.FOREVER);
        }
        return builder;
    }

    /**
     * Touches every page of this process's mappings before measuring: every writing rank appends one
     * message, then every reading rank reads {@code expected} of them, and the first handler call reads one
     * byte of every page of the mapped file. (A write-only registration touches the pages it writes as it
     * writes them.)
     */
    static void preTouch(SyncQueue out, SyncQueue in, int expected) {
        if (out != null) {
            out.append("touch", new byte[8], Duration.ofSeconds(10));
        }
        if (in == null) {
            return;
        }
        boolean[] touched = {false};
        MessageHandler handler = view -> {
            if (!touched[0]) {
                Shm.preTouch(view.buffer());
                touched[0] = true;
            }
        };
        for (int got = 0; got < expected; got++) {
            if (!in.pop(handler, Duration.ofSeconds(30))) {
                throw new IllegalStateException("jsyncq: a worker's touch message did not arrive");
            }
        }
    }

    @Override
    void send(int length) {
        if (slice.byteSize() != length) {
            slice = srcSegment.asSlice(0, length);
        }
        out.append(TYPE, slice, SyncQueue.FOREVER);
    }

    /**
     * A batch of up to {@code max} messages per call, through {@code poll(handler, max, FOREVER)}: it waits
     * for the first without reading the clock, takes the rest that are there, and stores the read position
     * once for the batch.
     */
    @Override
    int receive(Sink sink, int max) {
        copier.sink = sink;
        int received = in.poll(copier, max, SyncQueue.FOREVER);
        if (received == 0) {
            throw new IllegalStateException("jsyncq: a poll without a time limit returned nothing");
        }
        return received;
    }

    @Override
    public void close() {
        if (out != null) {
            out.close();
        }
        if (in != null && in != out) {
            in.close();
        }
    }
}
