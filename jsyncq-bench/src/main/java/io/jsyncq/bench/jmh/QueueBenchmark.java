package io.jsyncq.bench.jmh;

import io.jsyncq.MessageHandler;
import io.jsyncq.MessageView;
import io.jsyncq.SyncQueue;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;

/**
 * One append and one pop in one thread, on a queue that reads its own messages: the cost of the two calls
 * with no other process involved. {@code string}: a String body in, a {@link io.jsyncq.Message} out and
 * decoded. {@code zeroCopy}: a {@link MemorySegment} body in, read in place through a {@link MessageView}
 * out; with {@code -prof gc} it allocates nothing.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class QueueBenchmark {

    @Param({"32", "1024"})
    public int size;

    private SyncQueue queue;
    private Arena arena;
    private MemorySegment body;
    private String text;
    private final Reader reader = new Reader();

    /** Reads the first and last eight bytes of each body in place, so that the read is not optimised away. */
    private static final class Reader implements MessageHandler {
        long sum;

        @Override
        public void onMessage(MessageView view) {
            MemorySegment buffer = view.buffer();
            long at = view.bodyOffset();
            sum += buffer.get(ValueLayout.JAVA_LONG_UNALIGNED, at)
                    + buffer.get(ValueLayout.JAVA_LONG_UNALIGNED, at + view.bodyLength() - 8);
        }
    }

    @Setup(Level.Trial)
    public void open() {
        String name = "jsyncq-bench-jmh-" + ProcessHandle.current().pid() + "-" + Long.toHexString(System.nanoTime());
        queue = SyncQueue.builder(name).size(1 << 20).sender("jmh").filterSelf(false).create();
        arena = Arena.ofShared();
        body = arena.allocate(size, 8);
        for (int i = 0; i < size; i++) {
            body.set(ValueLayout.JAVA_BYTE, i, (byte) ('a' + i % 26));
        }
        text = "x".repeat(size);
    }

    @TearDown(Level.Trial)
    public void close() {
        queue.close();
        arena.close();
    }

    @Benchmark
    public String string() {
        queue.append("m", text);
        return queue.pop().orElseThrow().text();
    }

    @Benchmark
    public long zeroCopy() {
        queue.append("m", body);
        if (!queue.pop(reader)) {
            throw new IllegalStateException("nothing to pop");
        }
        return reader.sum;
    }
}
