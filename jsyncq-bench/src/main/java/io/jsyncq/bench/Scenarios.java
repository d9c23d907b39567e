package io.jsyncq.bench;

import io.jsyncq.MessageHandler;
import io.jsyncq.SyncQueue;
import org.HdrHistogram.Histogram;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/** What a worker runs for each kind of task. Each returns this rank's figures. */
final class Scenarios {

    private static final VarHandle LONG_IN_BYTES =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    static final long END = -1;
    static final long END_OF_WARMUP = -2;
    /** A raw round-trip phase stops after this long even if it has fewer samples (a pre-empted machine). */
    private static final long RAW_MAX_NANOS = 500_000_000L;

    private Scenarios() {
    }

    static Map<String, Double> run(Task task, Consumer<String> progress) {
        return switch (task.param("kind")) {
            case "rtt" -> rawRoundTrip(task);
            case "memcpy" -> memcpy(task);
            case "pingpong" -> pingPong(task);
            case "throughput" -> throughput(task);
            case "echo8" -> echo8(task, progress);
            default -> throw new IllegalArgumentException("unknown task kind " + task.param("kind"));
        };
    }

    static void putLong(byte[] body, long value) {
        LONG_IN_BYTES.set(body, 0, value);
    }

    static long getLong(byte[] body) {
        return (long) LONG_IN_BYTES.get(body, 0);
    }

    // ------------------------------------------------------------------------------------------ hardware

    /** Ranks 0 and 1 bounce a cache line; every other rank of the task only meets them at the barriers. */
    private static Histogram rawPhase(Task task, int samples) {
        task.barrier();
        Histogram histogram = task.rank <= 1 ? task.ctl.rawRoundTrips(task.rank, samples, RAW_MAX_NANOS) : null;
        task.barrier();
        return histogram;
    }

    private static Map<String, Double> rawRoundTrip(Task task) {
        rawPhase(task, task.intParam("warmup", 10_000));
        Histogram histogram = rawPhase(task, task.intParam("samples", 50_000));
        return histogram == null ? Map.of() : Hist.summary("", histogram);
    }

    /**
     * Single-thread copy bandwidth with {@link MemorySegment#copy}, the call jsyncq copies bodies with:
     * chunks of each size copied from one 4 MiB region to another, chunk after chunk, for a fixed time.
     */
    private static Map<String, Double> memcpy(Task task) {
        long region = 4L << 20;
        long millis = task.longParam("millis", 100);
        Map<String, Double> out = new LinkedHashMap<>();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment from = arena.allocate(region, 4096);
            MemorySegment to = arena.allocate(region, 4096);
            from.fill((byte) 1);
            to.fill((byte) 2);
            String[] sizes = task.param("sizes").split(",");
            for (int pass = 0; pass < 3; pass++) { // warm-up: every size, until the copy loop is compiled
                for (String sizeText : sizes) {
                    copyFor(from, to, Long.parseLong(sizeText), region, Math.max(5, millis / 10));
                }
            }
            for (String sizeText : sizes) {
                long size = Long.parseLong(sizeText);
                long start = System.nanoTime();
                long bytes = copyFor(from, to, size, region, millis);
                double seconds = (System.nanoTime() - start) / 1e9;
                out.put("s" + size + ".mb_per_s", bytes / seconds / 1e6);
            }
        }
        return out;
    }

    private static long copyFor(MemorySegment from, MemorySegment to, long size, long region, long millis) {
        long end = System.nanoTime() + millis * 1_000_000;
        long copied = 0;
        long at = 0;
        int batch = (int) Math.max(1, Math.min(64, (256 << 10) / size)); // read the clock every 256 KiB at most
        while (true) {
            for (int i = 0; i < batch; i++) {
                MemorySegment.copy(from, at, to, at, size);
                at += size;
                if (at + size > region) {
                    at = 0;
                }
            }
            copied += batch * size;
            if (System.nanoTime() - end >= 0) {
                return copied;
            }
        }
    }

    // --------------------------------------------------------------------------------------- ping-pong

    private static Map<String, Double> pingPong(Task task) {
        String contender = task.param("contender");
        Mode mode = Mode.parse(task.param("mode"));
        int size = task.intParam("size", 32);
        int warmup = task.intParam("warmup", 10_000);
        int samples = task.intParam("samples", 50_000);
        long warmupMillis = task.longParam("warmupMillis", 0);
        long maxMillis = task.longParam("maxMillis", 60_000);
        int rawSamples = task.intParam("rawSamples", 20_000);
        Histogram raw = Hist.create();
        Map<String, Double> out = new LinkedHashMap<>();
        long setupStart = System.nanoTime();
        long teardownStart;
        Topology topology = Topology.pingPong();
        try (Link link = Link.open(contender, task, topology, mode, size)) {
            out.put("setup_ms", (System.nanoTime() - setupStart) / 1e6);
            addRaw(raw, rawPhase(task, rawSamples));
            long[] seen = new long[1];
            Link.Sink sink = (body, length) -> seen[0] = getLong(body);
            if (task.rank == 0) {
                Histogram histogram = Hist.create();
                long warmupEnd = System.nanoTime() + warmupMillis * 1_000_000;
                long warmupCap = System.nanoTime() + Math.max(warmupMillis, maxMillis) * 1_000_000;
                long deadline = Long.MAX_VALUE;
                long i = 0;
                for (long measured = 0; measured < samples; i++) {
                    putLong(link.src, i);
                    long start = System.nanoTime();
                    link.send(size);
                    link.receive(sink, 1);
                    long end = System.nanoTime();
                    if (seen[0] != i) {
                        throw new IllegalStateException(contender + ": pong " + seen[0] + " for ping " + i);
                    }
                    if ((i >= warmup && end - warmupEnd >= 0) || end - warmupCap >= 0) {
                        if (measured == 0) {
                            deadline = end + maxMillis * 1_000_000;
                        }
                        histogram.recordValue(Hist.clamp(end - start));
                        measured++;
                        if (end - deadline >= 0) {
                            break; // a pre-empted run would take minutes; the count says how many were taken
                        }
                    }
                }
                putLong(link.src, END);
                link.send(size);
                out.putAll(Hist.summary("", histogram));
            } else if (task.rank < topology.parties()) { // ranks past the topology's only run bridges
                while (true) {
                    link.receive(sink, 1);
                    if (seen[0] == END) {
                        break;
                    }
                    putLong(link.src, seen[0]);
                    link.send(size);
                }
            }
            addRaw(raw, rawPhase(task, rawSamples));
            teardownStart = System.nanoTime();
        }
        out.put("teardown_ms", (System.nanoTime() - teardownStart) / 1e6);
        if (task.rank == 0) {
            out.putAll(Hist.summary("raw.", raw));
        }
        return out;
    }

    private static void addRaw(Histogram total, Histogram part) {
        if (part != null) {
            total.add(part);
        }
    }

    // -------------------------------------------------------------------------------------- throughput

    /**
     * Rank 0 writes for {@code warmupMillis}, sends an end-of-warm-up marker, writes for {@code millis} (or
     * until {@code maxBytes}), then sends an end marker; every reader counts what came between the markers
     * and times it from one marker to the other. 1 → 1 with one reader, fan-out with several.
     */
    private static Map<String, Double> throughput(Task task) {
        String contender = task.param("contender");
        Mode mode = Mode.parse(task.param("mode"));
        int size = task.intParam("size", 32);
        int readers = task.intParam("readers", 1);
        int batch = task.intParam("batch", 64);
        long warmupNanos = task.longParam("warmupMillis", 100) * 1_000_000;
        long nanos = task.longParam("millis", 200) * 1_000_000;
        long maxBytes = task.longParam("maxBytes", 256L << 20);
        int rawSamples = task.intParam("rawSamples", 20_000);
        Histogram raw = Hist.create();
        Map<String, Double> out = new LinkedHashMap<>();
        long setupStart = System.nanoTime();
        long teardownStart;
        Topology topology = Topology.fanOut(readers);
        try (Link link = Link.open(contender, task, topology, mode, size)) {
            out.put("setup_ms", (System.nanoTime() - setupStart) / 1e6);
            addRaw(raw, rawPhase(task, rawSamples));
            if (task.rank == 0) {
                long sent = writeFor(link, size, 0, warmupNanos, maxBytes / 4);
                putLong(link.src, END_OF_WARMUP);
                link.send(size);
                long start = System.nanoTime();
                long measured = writeFor(link, size, sent, nanos, maxBytes) - sent;
                long elapsed = System.nanoTime() - start;
                putLong(link.src, END);
                link.send(size);
                out.put("writer.msgs", (double) measured);
                out.put("writer.msgs_per_s", measured / (elapsed / 1e9));
            } else if (task.rank < topology.parties()) { // ranks past the topology's only run bridges
                Counter counter = new Counter(size);
                while (!counter.done) {
                    link.receive(counter, batch);
                }
                double seconds = (counter.endNanos - counter.startNanos) / 1e9;
                out.put("msgs", (double) counter.count);
                out.put("seconds", seconds);
                out.put("msgs_per_s", counter.count / seconds);
                out.put("mb_per_s", counter.count * (double) size / seconds / 1e6);
                out.put("errors", (double) counter.errors);
            }
            addRaw(raw, rawPhase(task, rawSamples));
            teardownStart = System.nanoTime();
        }
        out.put("teardown_ms", (System.nanoTime() - teardownStart) / 1e6);
        if (task.rank == 0) {
            out.putAll(Hist.summary("raw.", raw));
        }
        return out;
    }

    private static long writeFor(Link link, int size, long firstSeq, long nanos, long maxBytes) {
        long end = System.nanoTime() + nanos;
        long maxMessages = Math.max(1, maxBytes / size);
        long seq = firstSeq;
        long last = firstSeq + maxMessages;
        while (seq < last) {
            for (int i = 0; i < 256 && seq < last; i++) {
                putLong(link.src, seq++);
                link.send(size);
            }
            if (System.nanoTime() - end >= 0) {
                break;
            }
        }
        return seq;
    }

    private static final class Counter implements Link.Sink {
        final int size;
        boolean measuring;
        boolean done;
        long expected = -1;
        long count;
        long errors;
        long startNanos;
        long endNanos;

        Counter(int size) {
            this.size = size;
        }

        @Override
        public void onMessage(byte[] body, int length) {
            long seq = getLong(body);
            if (seq == END_OF_WARMUP) {
                measuring = true;
                startNanos = System.nanoTime();
                return;
            }
            if (seq == END) {
                endNanos = System.nanoTime();
                done = true;
                return;
            }
            if (length != size || (expected >= 0 && seq != expected)) {
                errors++;
            }
            expected = seq + 1;
            if (measuring) {
                count++;
            }
        }
    }

    // ------------------------------------------------------------------------------- pysyncq's shape

    /**
     * pysyncq's own benchmark: 8 processes on one queue; rank 0 (the parent) sends, rank 1 echoes, ranks
     * 2..7 read every message and screen the echoes. The figure is the one-way transfer time: half the time
     * from the parent's append to its pop of the echo. Blocking waits (jsyncq's default), one size after
     * another.
     */
    private static Map<String, Double> echo8(Task task, Consumer<String> progress) {
        int warmup = task.intParam("warmup", 100);
        int samples = task.intParam("samples", 1000);
        String[] sizes = task.param("sizes").split(",");
        int maxSize = 0;
        for (String size : sizes) {
            maxSize = Math.max(maxSize, Integer.parseInt(size));
        }
        String sender = task.rank == 0 ? "parent" : task.rank == 1 ? "echo" : "screen" + task.rank;
        SyncQueue.Builder builder = SyncQueue.builder(task.name("q")).size(task.longParam("ring", 1 << 20)).sender(sender);
        Map<String, Double> out = new LinkedHashMap<>();
        SyncQueue queue = null;
        try {
            if (task.rank == 0) {
                queue = builder.create();
            }
            task.barrier();
            if (task.rank != 0) {
                queue = builder.open();
            }
            task.barrier();
            if (task.rank >= 2) {
                queue.senderScreen().add("echo");
            }
            byte[] src = new byte[Math.max(16, maxSize)];
            byte[] dst = new byte[Math.max(16, maxSize)];
            MemorySegment srcSegment = MemorySegment.ofArray(src);
            MemorySegment dstSegment = MemorySegment.ofArray(dst);
            byte[] endType = "end".getBytes();
            int[] got = new int[1];
            boolean[] end = new boolean[1];
            MessageHandler copy = view -> {
                got[0] = view.bodyLength();
                end[0] = view.typeEquals(endType);
                MemorySegment.copy(view.buffer(), ValueLayout.JAVA_BYTE, view.bodyOffset(), dst, 0, got[0]);
            };
            task.barrier();
            if (task.rank == 0) {
                // A first pass over every size warms up the JIT in all eight JVMs; it is not recorded.
                for (String size : sizes) {
                    echoRoundTrips(queue, src, dst, copy, got, Integer.parseInt(size), warmup, null);
                }
                for (String sizeText : sizes) {
                    int size = Integer.parseInt(sizeText);
                    echoRoundTrips(queue, src, dst, copy, got, size, warmup, null);
                    Histogram histogram = Hist.create();
                    echoRoundTrips(queue, src, dst, copy, got, size, samples, histogram);
                    out.putAll(Hist.summary("s" + size + ".", histogram));
                    progress.accept(String.format("%6d B  p50 %8.2f µs  p99 %8.2f µs", size,
                            histogram.getValueAtPercentile(50) / 1e3, histogram.getValueAtPercentile(99) / 1e3));
                }
                queue.append("end", srcSegment.asSlice(0, 8), SyncQueue.FOREVER);
            } else {
                MemorySegment echo = dstSegment.asSlice(0, 0);
                while (true) {
                    if (!queue.pop(copy, SyncQueue.FOREVER)) {
                        throw new IllegalStateException("echo8: a pop without a time limit returned nothing");
                    }
                    if (end[0]) {
                        break;
                    }
                    if (task.rank == 1) {
                        if (echo.byteSize() != got[0]) {
                            echo = dstSegment.asSlice(0, got[0]);
                        }
                        queue.append("m", echo, SyncQueue.FOREVER);
                    }
                }
            }
            task.barrier();
        } finally {
            if (queue != null) {
                queue.close();
            }
        }
        return out;
    }

    /** The parent's side: {@code count} round trips through the echo child, one-way times into the histogram. */
    private static void echoRoundTrips(SyncQueue queue, byte[] src, byte[] dst, MessageHandler copy, int[] got,
                                       int size, int count, Histogram histogram) {
        MemorySegment body = MemorySegment.ofArray(src).asSlice(0, size);
        for (long i = 0; i < count; i++) {
            if (size >= 8) {
                putLong(src, i);
            }
            long start = System.nanoTime();
            queue.append("m", body, SyncQueue.FOREVER);
            if (!queue.pop(copy, SyncQueue.FOREVER) || got[0] != size) {
                throw new IllegalStateException("echo8: wrong echo for a body of " + size + " bytes");
            }
            long oneWay = (System.nanoTime() - start) / 2;
            if (size >= 8 && getLong(dst) != i) {
                throw new IllegalStateException("echo8: echo " + getLong(dst) + " for message " + i);
            }
            if (histogram != null) {
                histogram.recordValue(Hist.clamp(oneWay));
            }
        }
    }
}
