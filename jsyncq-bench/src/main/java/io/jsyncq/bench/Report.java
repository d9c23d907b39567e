package io.jsyncq.bench;

import io.jsyncq.cli.Json;
import io.jsyncq.cli.Units;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/** Turns a run's {@link Results} into the terminal table, the JSON file and the HTML report. */
final class Report {

    private static final String[] PERCENTILES = {"p50", "p90", "p99", "p99.9", "max"};

    private final Settings settings;
    private final List<String> contenders;
    private final Results results;
    private final List<JmhPhase.Figure> jmh;
    private final String stamp;
    private final Map<String, String> machine = machine();

    Report(Settings settings, List<String> contenders, Results results, List<JmhPhase.Figure> jmh, String stamp) {
        this.settings = settings;
        this.contenders = contenders;
        this.results = results;
        this.jmh = jmh;
        this.stamp = stamp;
    }

    // ------------------------------------------------------------------------------------------ formats

    static String ns(double ns) {
        if (Double.isNaN(ns)) {
            return "—";
        }
        if (ns < 1_000) {
            return String.format("%.0f ns", ns);
        }
        if (ns < 10_000) {
            return String.format("%.2f µs", ns / 1e3);
        }
        if (ns < 1_000_000) {
            return String.format("%.1f µs", ns / 1e3);
        }
        if (ns < 1_000_000_000) {
            return String.format("%.2f ms", ns / 1e6);
        }
        return String.format("%.2f s", ns / 1e9);
    }

    static String count(double v) {
        if (Double.isNaN(v)) {
            return "—";
        }
        if (v >= 1e9) {
            return String.format("%.2f G", v / 1e9);
        }
        if (v >= 1e6) {
            return String.format("%.2f M", v / 1e6);
        }
        if (v >= 1e4) {
            return String.format("%.0f k", v / 1e3);
        }
        return String.format("%.0f", v);
    }

    static String mb(double v) {
        return Double.isNaN(v) ? "—" : v >= 100 ? String.format("%.0f", v) : String.format("%.1f", v);
    }

    static String ratio(double r) {
        return Double.isNaN(r) ? "—" : r >= 10 ? String.format("%.1f×", r) : String.format("%.2f×", r);
    }

    /** How each contender is set up, for the JSON and the HTML report. */
    static final Map<String, String> SETUP = new LinkedHashMap<>();

    static {
        SETUP.put("jsyncq", "One queue per task that every worker registers on (broadcast; each screens its own "
                + "messages). Bodies appended from a MemorySegment and read in place through MessageView, copied out. "
                + "Busy-spin: spin(FOREVER); blocking: the default (spin 20 µs, then futex). A worker that only "
                + "writes registers write-only (it holds no space). Readers read batches with "
                + "poll(handler, max, FOREVER): one cursor store per batch.");
        SETUP.put(Results.JSYNCQ_SPLIT, "Ping-pong only: one queue per direction, created write-only by its "
                + "writer and read by the other worker, as Aeron and Agrona run this test; otherwise as jsyncq.");
        SETUP.put("aeron", "Aeron 1.46.0 IPC: embedded media driver in worker 0 (SHARED threading, default idle), "
                + "a concurrent Publication per channel (any number of writers may offer, as to a jsyncq queue: the "
                + "reference), Subscription with FragmentAssembler; term length = ring size, IPC MTU 65504, "
                + "pre-touched. Busy-spin: BusySpinIdleStrategy; blocking: BackoffIdleStrategy.");
        SETUP.put("aeron-exclusive", "As aeron, with an ExclusivePublication (one writer thread: no compare-and-set "
                + "on the tail), reported beside it.");
        SETUP.put("chronicle", "Chronicle Queue 5.27ea0: one queue directory in /dev/shm per channel, appender "
                + "writingDocument / tailer readingDocument. A journal: the writer never waits, pages are always fresh "
                + "(its pretouch() overflows the stack in this build). Busy-spin: Pauser.busy(); blocking: Pauser.balanced().");
        SETUP.put("agrona", "Agrona OneToOneRingBuffer (from aeron-all 1.46.0) over a pre-touched /dev/shm file per "
                + "channel; one reader only, so no fan-out. Busy-spin: BusySpinIdleStrategy; blocking: BackoffIdleStrategy.");
        SETUP.put(Results.JSYNCQ_BRIDGE, "Two hosts on one machine: each a queue directory of its own under /dev/shm "
                + "(one queue, the ring size) and a jsyncq Bridge in a worker process of its own on 127.0.0.1, as "
                + "`jsyncq bridge` runs one: all its work on one thread (reading its queue, appending what arrives, "
                + "its embedded media driver and Aeron client in invoker mode), backing off when idle "
                + "(BackoffIdleStrategy); sparse terms of the ring size. The application processes append to and pop "
                + "from their own host's queue as jsyncq does (blocking); four worker processes in all.");
        SETUP.put(Results.AERON_UDP, "Aeron UDP used directly, the reference for the bridge: two processes, each a "
                + "host with its own embedded media driver set up as the bridge's (a shared driver would not be two "
                + "hosts), an ExclusivePublication to the other's endpoint on 127.0.0.1 (one writer thread, as the "
                + "bridge's) and a Subscription on its own; BackoffIdleStrategy in the application, as Aeron IPC's "
                + "blocking mode.");
        SETUP.put("hardware", "Raw round trip: one cache line each way between the same two worker processes, release "
                + "store / acquire load, before and after every two-process task. memcpy: MemorySegment.copy between two "
                + "4 MiB off-heap regions, one thread, chunk by chunk.");
    }

    // ------------------------------------------------------------------------------------------- tables

    private List<Table> tables() {
        List<Table> tables = new ArrayList<>();
        if (!jmh.isEmpty() || has("jmh")) {
            tables.add(jmhTable());
        }
        if (has("pingpong")) {
            for (Mode mode : Mode.values()) {
                tables.add(pingPongTable(mode));
            }
        }
        if (has("throughput")) {
            for (Mode mode : settings.throughputModes()) {
                tables.add(throughputTable(mode));
            }
        }
        if (has("fanout")) {
            tables.add(fanOutTable());
        }
        if (has("echo8")) {
            tables.add(echoTable());
        }
        if (has("bridge-pingpong") || has("bridge-throughput")) {
            tables.add(bridgePingPongTable());
            tables.add(bridgeThroughputTable());
        }
        if (has("rtt") || has("memcpy")) {
            tables.add(hardwareTable());
        }
        tables.add(targetsTable());
        return tables;
    }

    private boolean has(String scenario) {
        return results.all.stream().anyMatch(m -> m.scenario().equals(scenario));
    }

    /** Marks a cell whose tasks failed with "*" and says why in the table's notes. */
    private String failed(Table table, String scenario, String contender, String mode, int size) {
        return results.failure(scenario, contender, mode, size).map(f -> {
            table.note("* " + contender + (size > 0 ? " " + Units.bytes(size) : "") + ": " + f);
            return " *";
        }).orElse("");
    }

    private Table jmhTable() {
        Table table = new Table("1. JMH, one process: append + pop of one message (a queue that reads its own messages)",
                "path", "body", "ns/op", "± (99.9%)", "alloc B/op");
        for (String path : List.of("zeroCopy", "string")) {
            for (int size : List.of(32, 1024)) {
                List<Measurement> ms = results.of("jmh", "jsyncq", path, size);
                if (ms.isEmpty()) {
                    table.row(path, Units.bytes(size), "—", "—", "—" + failed(table, "jmh", "jsyncq", path, size));
                    continue;
                }
                Measurement m = ms.getFirst();
                table.row(path, Units.bytes(size), String.format("%.1f", m.get("ns_per_op")),
                        String.format("%.1f", m.get("ns_error")), String.format("%.2f", m.get("alloc_b_per_op")));
            }
        }
        table.note("zeroCopy: append(type, MemorySegment) + pop(MessageHandler) reading the body in place; "
                + "string: append(type, String) + pop() → Message → text(). JMH -prof gc: gc.alloc.rate.norm.");
        return table;
    }

    private Table pingPongTable(Mode mode) {
        Table table = new Table(String.format("2a. Ping-pong round trip, %d B body, two processes, %s (median of %d rounds)",
                Settings.PING_SIZE, mode.label, settings.rounds()),
                "contender", "p50", "p90", "p99", "p99.9", "max", "raw line p50", "p50 ÷ raw",
                "jsyncq ÷ it p50", "p99", "p99.9");
        for (String c : BenchMain.pingPongContenders(contenders)) {
            String key = mode.key();
            double[] p = new double[PERCENTILES.length];
            for (int i = 0; i < p.length; i++) {
                p[i] = results.median("pingpong", c, key, Settings.PING_SIZE, PERCENTILES[i]);
            }
            double raw = results.median("pingpong", c, key, Settings.PING_SIZE, "raw.p50");
            double overRaw = results.median("pingpong", c, key, Settings.PING_SIZE, m -> m.get("p50") / m.get("raw.p50"));
            boolean us = c.equals("jsyncq");
            table.row(c + failed(table, "pingpong", c, key, Settings.PING_SIZE), ns(p[0]), ns(p[1]), ns(p[2]), ns(p[3]),
                    ns(p[4]), ns(raw), ratio(overRaw),
                    us ? "" : ratio(results.ratio("pingpong", c, key, Settings.PING_SIZE, "p50")),
                    us ? "" : ratio(results.ratio("pingpong", c, key, Settings.PING_SIZE, "p99")),
                    us ? "" : ratio(results.ratio("pingpong", c, key, Settings.PING_SIZE, "p99.9")));
        }
        table.note("raw line: a cache line bounced between the same two processes just before and after each "
                + "measurement (the machine's floor at that moment). jsyncq ÷ it < 1: jsyncq is faster.");
        if (contenders.contains("aeron")) {
            String key = mode.key();
            table.note(String.format("jsyncq-split is jsyncq with one queue per direction, as Aeron and Agrona run "
                            + "this test: jsyncq-split ÷ aeron p50 %s, p99 %s, p99.9 %s",
                    ratio(results.ratio("pingpong", Results.JSYNCQ_SPLIT, "aeron", key, Settings.PING_SIZE, "p50")),
                    ratio(results.ratio("pingpong", Results.JSYNCQ_SPLIT, "aeron", key, Settings.PING_SIZE, "p99")),
                    ratio(results.ratio("pingpong", Results.JSYNCQ_SPLIT, "aeron", key, Settings.PING_SIZE, "p99.9"))));
        }
        if (mode == Mode.SPIN) {
            table.note("Maxima of several ms with busy-spin are the 2-core machine pre-empting a spinning process "
                    + "(two spinners and the OS share two cores), not the queue.");
        } else {
            table.note("blocking: jsyncq spins 20 µs then sleeps on a futex; Aeron and Agrona back off to "
                    + "parking 1 µs..1 ms; Chronicle's balanced pauser yields then sleeps. Only jsyncq is woken by the writer.");
        }
        return table;
    }

    private Table throughputTable(Mode mode) {
        Table table = new Table(String.format("2b. One-way throughput, 1 writer → 1 reader, %s (median of %d rounds)",
                mode.label, settings.rounds()),
                "body", "contender", "msgs/s", "MB/s", "jsyncq ÷ it", "÷ memcpy");
        for (int size : settings.throughputSizes()) {
            for (String c : contenders) {
                double msgs = results.median("throughput", c, mode.key(), size, "msgs_per_s");
                double mbs = results.median("throughput", c, mode.key(), size, "mb_per_s");
                table.row(c.equals(contenders.getFirst()) ? Units.bytes(size) : "",
                        c + failed(table, "throughput", c, mode.key(), size), count(msgs), mb(mbs),
                        c.equals("jsyncq") ? "" : ratio(results.ratio("throughput", c, mode.key(), size, "msgs_per_s")),
                        ratio(ratioToMemcpy("throughput", c, mode.key(), size)));
            }
            table.row("", "memcpy", "", mb(memcpy(size)), "", "");
        }
        table.note("Every contender copies the body in (writer) and out (reader): two copies per message. "
                + "memcpy: MemorySegment.copy of chunks of that size in one thread (hardware limit). "
                + "jsyncq ÷ it > 1: jsyncq is faster. Chronicle's writer never waits (a journal); the figure is its reader's rate.");
        return table;
    }

    private Table fanOutTable() {
        Table table = new Table(String.format("2c. Fan-out, 1 writer → %d readers, %d B, blocking (slowest reader; median of %d rounds)",
                Settings.FAN_OUT_READERS, Settings.FAN_OUT_SIZE, settings.rounds()),
                "contender", "msgs/s", "MB/s", "jsyncq ÷ it");
        for (String c : contenders) {
            if (!Link.fansOut(c)) {
                table.row(c, "n/a", "n/a", "");
                continue;
            }
            table.row(c + failed(table, "fanout", c, "block", Settings.FAN_OUT_SIZE),
                    count(results.median("fanout", c, "block", Settings.FAN_OUT_SIZE, "msgs_per_s")),
                    mb(results.median("fanout", c, "block", Settings.FAN_OUT_SIZE, "mb_per_s")),
                    c.equals("jsyncq") ? "" : ratio(results.ratio("fanout", c, "block", Settings.FAN_OUT_SIZE, "msgs_per_s")));
        }
        table.note("4 processes on 2 cores. Agrona's OneToOneRingBuffer has one reader: n/a.");
        return table;
    }

    private Table echoTable() {
        Table table = new Table("2d. pysyncq's benchmark shape: 8 processes on one queue, parent sends, one child echoes, "
                + "six screen the echoes; one-way transfer time, blocking", "body", "p50", "p90", "p99", "p99.9", "max",
                "pysyncq p50", "pysyncq max", "pysyncq ÷ jsyncq", "jsyncq-python p50", "pysyncq ÷ jsyncq-python",
                "jsyncq Python↔Java p50", "pysyncq ÷ Python↔Java");
        boolean pysyncqRan = results.all.stream().anyMatch(m -> m.contender().equals(PysyncqPeer.CONTENDER));
        for (int size : Settings.echoSizes()) {
            List<String> row = new ArrayList<>();
            row.add(Units.bytes(size) + failed(table, "echo8", "jsyncq", "block", size));
            for (String p : PERCENTILES) {
                row.add(ns(results.median("echo8", "jsyncq", "block", size, p)));
            }
            String stalled = pysyncqError(size);
            row.add(stalled != null ? stalled : ns(results.median("echo8", PysyncqPeer.CONTENDER, "block", size, "p50")));
            row.add(stalled != null ? "" : ns(results.median("echo8", PysyncqPeer.CONTENDER, "block", size, "max")));
            row.add(stalled != null ? "" : ratio(pysyncqTimesSlower(size)));
            String pythonFailed = pythonError(PysyncqPeer.JSYNCQ_PYTHON, size);
            row.add(pythonFailed != null ? pythonFailed
                    : ns(results.median("echo8", PysyncqPeer.JSYNCQ_PYTHON, "block", size, "p50")));
            row.add(stalled != null || pythonFailed != null ? "" : ratio(pysyncqTimesSlowerThanJsyncqPython(size)));
            String mixedFailed = pythonError(PysyncqPeer.JSYNCQ_PYTHON_JAVA, size);
            row.add(mixedFailed != null ? mixedFailed
                    : ns(results.median("echo8", PysyncqPeer.JSYNCQ_PYTHON_JAVA, "block", size, "p50")));
            row.add(stalled != null || mixedFailed != null ? "" : ratio(pysyncqTimesSlowerThan(PysyncqPeer.JSYNCQ_PYTHON_JAVA, size)));
            table.row(row.toArray(String[]::new));
        }
        table.note(pysyncqRan
                ? "pysyncq: the unmodified copy in jsyncq-bench/peers/pysyncq, 8 Python processes in the same shape, in "
                  + "this run (src/main/python/python_echo8.py). pysyncq ÷ jsyncq: how many times longer pysyncq's p50 is. "
                  + "One-way = half the parent's append-to-echo round trip."
                : "pysyncq itself did not run (python3 or its copy missing). One-way = half the parent's append-to-echo round trip.");
        table.note("jsyncq-python: jsyncq's Python package (python/, installed by bin/python-check), the same Python "
                + "program as pysyncq's with only the import changed.");
        table.note("jsyncq Python↔Java: the same Python program on jsyncq's Python package, but its echo child is a Java "
                + "process (JavaEcho, the public API): each message goes Python → Java → Python.");
        return table;
    }

    private Table bridgePingPongTable() {
        Table table = new Table(String.format("2f. Two hosts (loopback UDP): ping-pong round trip, %d B body, blocking "
                        + "(median of %d rounds)", Settings.PING_SIZE, settings.rounds()),
                "contender", "p50", "p90", "p99", "p99.9", "max", "bridge ÷ it p50", "p99", "p99.9");
        for (String c : Results.BRIDGE_CONTENDERS) {
            double[] p = new double[PERCENTILES.length];
            for (int i = 0; i < p.length; i++) {
                p[i] = results.median("bridge-pingpong", c, "block", Settings.PING_SIZE, PERCENTILES[i]);
            }
            boolean us = c.equals(Results.JSYNCQ_BRIDGE);
            table.row(c + failed(table, "bridge-pingpong", c, "block", Settings.PING_SIZE), ns(p[0]), ns(p[1]),
                    ns(p[2]), ns(p[3]), ns(p[4]),
                    us ? "" : ratio(bridgeRatio("bridge-pingpong", c, Settings.PING_SIZE, "p50")),
                    us ? "" : ratio(bridgeRatio("bridge-pingpong", c, Settings.PING_SIZE, "p99")),
                    us ? "" : ratio(bridgeRatio("bridge-pingpong", c, Settings.PING_SIZE, "p99.9")));
        }
        table.note("jsyncq-bridge: host A's process appends to A's queue; A's bridge sends it to B's bridge, which "
                + "appends it to B's queue; B's process pops it and appends the reply, which goes back the same way. "
                + "aeron-udp: the same round trip with an Aeron publication and subscription in each process. "
                + "bridge ÷ it < 1: the bridge is faster. Target: the bridge's round trip ≤ 1.5× raw Aeron UDP's.");
        return table;
    }

    private Table bridgeThroughputTable() {
        Table table = new Table(String.format("2g. Two hosts (loopback UDP): one-way throughput, 1 writer on host A → "
                + "1 reader on host B, blocking (median of %d rounds)", settings.rounds()),
                "body", "contender", "msgs/s", "MB/s", "bridge ÷ it");
        for (int size : BenchMain.bridgeSizes(settings)) {
            for (String c : Results.BRIDGE_CONTENDERS) {
                boolean us = c.equals(Results.JSYNCQ_BRIDGE);
                table.row(us ? Units.bytes(size) : "", c + failed(table, "bridge-throughput", c, "block", size),
                        count(results.median("bridge-throughput", c, "block", size, "msgs_per_s")),
                        mb(results.median("bridge-throughput", c, "block", size, "mb_per_s")),
                        us ? "" : ratio(bridgeRatio("bridge-throughput", c, size, "msgs_per_s")));
            }
        }
        table.note("The reader's rate between two markers the writer sends; every message checked for order and length. "
                + "bridge ÷ it > 1: the bridge is faster. Target: ≥ 0.7× raw Aeron UDP's.");
        return table;
    }

    private double bridgeRatio(String scenario, String peer, int size, String key) {
        return results.ratio(scenario, Results.JSYNCQ_BRIDGE, peer, "block", size, key);
    }

    /** How many times longer pysyncq's p50 one-way time is than jsyncq's, at one size. */
    private double pysyncqTimesSlower(int size) {
        return results.median("echo8", PysyncqPeer.CONTENDER, "block", size, "p50")
                / results.median("echo8", "jsyncq", "block", size, "p50");
    }

    /** The least of a figure over the echo sizes that have it (NaN where a size did not run), or NaN. */
    private static double leastOverEchoSizes(java.util.function.IntToDoubleFunction figure) {
        return Settings.echoSizes().stream().mapToDouble(figure::applyAsDouble).filter(v -> !Double.isNaN(v))
                .min().orElse(Double.NaN);
    }

    /** How many times longer pysyncq's p50 one-way time is than jsyncq's Python package's, at one size. */
    private double pysyncqTimesSlowerThanJsyncqPython(int size) {
        return pysyncqTimesSlowerThan(PysyncqPeer.JSYNCQ_PYTHON, size);
    }

    /** How many times longer pysyncq's p50 one-way time is than another contender's in its shape, at one size. */
    private double pysyncqTimesSlowerThan(String contender, int size) {
        return results.median("echo8", PysyncqPeer.CONTENDER, "block", size, "p50")
                / results.median("echo8", contender, "block", size, "p50");
    }

    /** "stalled" (or the failure) if pysyncq did not finish this size, else null. */
    private String pysyncqError(int size) {
        return pythonError(PysyncqPeer.CONTENDER, size);
    }

    private String pythonError(String contender, int size) {
        return results.all.stream()
                .filter(m -> m.same("echo8", contender, "block", size) && !m.ok())
                .map(m -> m.error().startsWith("stalled") ? "stalled" : "failed")
                .findFirst().orElse(null);
    }

    private Table hardwareTable() {
        Table table = new Table("2e. The hardware in the same run (median of rounds)", "figure", "value");
        String[] labels = {"p50", "p90", "p99", "p99.9", "max"};
        StringBuilder rtt = new StringBuilder();
        for (String p : labels) {
            rtt.append(p).append(' ').append(ns(results.median("rtt", "hardware", "spin", 64, p))).append("  ");
        }
        table.row("cache-line round trip between two processes", rtt.toString().trim());
        for (int size : BenchMain.memcpySizes()) {
            table.row("memcpy, one thread, " + Units.bytes(size) + " chunks", mb(memcpy(size)) + " MB/s");
        }
        table.note("On this 2-core VM the raw round trip moves between about 130 ns and 410 ns from one pair of "
                + "processes to the next; each measurement's own raw figure is in its table.");
        return table;
    }

    /** The performance targets, each with its figure from this run. */
    private Table targetsTable() {
        Table table = new Table("Targets, from this run", "target", "figure", "verdict");
        if (has("pingpong")) {
            double r = results.ratio("pingpong", "aeron", "spin", Settings.PING_SIZE, "p50");
            table.row("ping-pong p50, busy-spin, one shared queue ≤ 1.3× Aeron IPC's", "jsyncq ÷ Aeron " + ratio(r),
                    verdict(r <= 1.3, r, 1.3, true));
            double split = results.ratio("pingpong", Results.JSYNCQ_SPLIT, "aeron", "spin", Settings.PING_SIZE, "p50");
            table.row("ping-pong p50, busy-spin, a queue per direction ≤ Aeron IPC's",
                    "jsyncq-split ÷ Aeron " + ratio(split), verdict(split <= 1, split, 1, true));
            double p999 = results.median("pingpong", "jsyncq", "spin", Settings.PING_SIZE, "p99.9");
            table.row("ping-pong p99.9, busy-spin < 2 µs", ns(p999), verdict(p999 < 2000, p999, 2000, true));
            double block = results.median("pingpong", "jsyncq", "block", Settings.PING_SIZE, "p50");
            table.row("ping-pong p50, blocking < 30 µs", ns(block), verdict(block < 30_000, block, 30_000, true));
        }
        if (has("throughput")) {
            for (Mode mode : settings.throughputModes()) {
                double r = results.ratio("throughput", "aeron", mode.key(), 32, "msgs_per_s");
                table.row("throughput 32 B 1→1 ≥ Aeron IPC's (" + mode.label + ")", "jsyncq ÷ Aeron " + ratio(r),
                        verdict(r >= 1, r, 1, false));
                double m = ratioToMemcpy("throughput", "jsyncq", mode.key(), 65536);
                table.row("throughput 64 KiB ≥ ½ memcpy (" + mode.label + ")", "jsyncq ÷ memcpy " + ratio(m),
                        verdict(m >= 0.5, m, 0.5, false));
            }
        }
        if (has("bridge-pingpong")) {
            double[] r = new double[3];
            String[] keys = {"p50", "p99", "p99.9"};
            for (int i = 0; i < keys.length; i++) {
                r[i] = bridgeRatio("bridge-pingpong", Results.AERON_UDP, Settings.PING_SIZE, keys[i]);
            }
            table.row("two hosts: bridge ping-pong round trip ≤ 1.5× raw Aeron UDP's (p50)",
                    String.format("bridge ÷ Aeron UDP p50 %s (p99 %s, p99.9 %s)", ratio(r[0]), ratio(r[1]), ratio(r[2])),
                    verdict(r[0] <= 1.5, r[0], 1.5, true));
        }
        if (has("bridge-throughput")) {
            for (int size : BenchMain.bridgeSizes(settings)) {
                double r = bridgeRatio("bridge-throughput", Results.AERON_UDP, size, "msgs_per_s");
                table.row("two hosts: bridge throughput " + Units.bytes(size) + " 1→1 ≥ 0.7× raw Aeron UDP's",
                        "bridge ÷ Aeron UDP " + ratio(r), verdict(r >= 0.7, r, 0.7, false));
            }
        }
        if (has("echo8")) {
            double worst = 0;
            for (int size : Settings.echoSizes()) {
                if (size <= 4096) {
                    worst = Math.max(worst, results.median("echo8", "jsyncq", "block", size, "p50"));
                }
            }
            table.row("pysyncq's shape < 6 µs per transfer up to 4 KiB (p50)", "worst p50 " + ns(worst),
                    verdict(worst < 6000, worst, 6000, true));
            boolean stalled = results.all.stream().anyMatch(m -> m.scenario().equals("echo8") && m.contender().equals("jsyncq") && !m.ok());
            double worstMax = 0;
            for (int size : Settings.echoSizes()) {
                worstMax = Math.max(worstMax, results.median("echo8", "jsyncq", "block", size, "max"));
            }
            table.row("pysyncq's shape: no stall at any size", stalled ? "failed" : "all 16 sizes done, worst max " + ns(worstMax),
                    stalled ? "MISSED" : "met");
            double least = leastOverEchoSizes(this::pysyncqTimesSlower);
            if (!Double.isNaN(least)) {
                table.row("pysyncq's shape ≥ 10× faster than pysyncq in the same run (p50, every size it finished)",
                        "at least " + ratio(least), verdict(least >= 10, least, 10, false));
            }
            double leastPython = leastOverEchoSizes(this::pysyncqTimesSlowerThanJsyncqPython);
            if (!Double.isNaN(leastPython)) {
                table.row("jsyncq's Python package ≥ 20× faster than pysyncq in pysyncq's shape (p50, every size)",
                        "at least " + ratio(leastPython), verdict(leastPython >= 20, leastPython, 20, false));
            }
        }
        return table;
    }

    private static String verdict(boolean met, double value, double target, boolean lowerIsBetter) {
        if (Double.isNaN(value)) {
            return "no figure";
        }
        if (met) {
            return "met";
        }
        double by = lowerIsBetter ? value / target : target / value;
        return String.format("MISSED by %.2f×", by);
    }

    double memcpy(int size) {
        return results.median("memcpy", "hardware", "-", 0, "s" + size + ".mb_per_s");
    }

    /** A contender's MB/s ÷ the memcpy bandwidth at the same size in the same round, median over rounds. */
    double ratioToMemcpy(String scenario, String contender, String mode, int size) {
        List<Measurement> ours = results.of(scenario, contender, mode, size);
        double[] ratios = ours.stream().flatMapToDouble(o -> results.all.stream()
                .filter(m -> m.ok() && m.scenario().equals("memcpy") && m.round() == o.round())
                .mapToDouble(m -> o.get("mb_per_s") / m.get("s" + size + ".mb_per_s"))).toArray();
        return Results.median(ratios);
    }

    // -------------------------------------------------------------------------------------------- text

    String text() {
        StringBuilder out = new StringBuilder();
        out.append('\n').append(headline()).append("\n\n");
        for (Table table : tables()) {
            out.append(table.text()).append('\n');
        }
        return out.toString();
    }

    private String headline() {
        return String.format("jsyncq bench, %s run of %s: %s × %s cores, %s, JDK %s. Medians of %d rounds; "
                        + "ratios are medians of per-round ratios.", settings.name(), stamp, machine.get("cpu"),
                machine.get("cores"), machine.get("kernel"), machine.get("jdk"), settings.rounds());
    }

    private static Map<String, String> machine() {
        Map<String, String> out = new LinkedHashMap<>();
        String cpu = "unknown CPU";
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse(cpu);
        } catch (IOException ignored) {
            // not Linux: keep the placeholder
        }
        out.put("cpu", cpu);
        out.put("cores", Integer.toString(Runtime.getRuntime().availableProcessors()));
        out.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        out.put("kernel", "Linux " + System.getProperty("os.version"));
        out.put("jdk", System.getProperty("java.runtime.version"));
        out.put("jvm_flags", String.join(" ", Workers.JVM_FLAGS));
        return out;
    }

    // -------------------------------------------------------------------------------------------- json

    String json() {
        StringBuilder out = new StringBuilder();
        out.append("{\n  \"tool\": \"jsyncq-bench\",\n  \"run\": ").append(Json.quoted(stamp))
                .append(",\n  \"settings\": ");
        out.append(settingsJson()).append(",\n  \"rounds\": ").append(settings.rounds());
        out.append(",\n  \"machine\": {");
        out.append(machine.entrySet().stream().map(e -> Json.quoted(e.getKey()) + ": " + Json.quoted(e.getValue()))
                .collect(Collectors.joining(", ")));
        out.append("},\n  \"setup\": {");
        out.append(SETUP.entrySet().stream().map(e -> Json.quoted(e.getKey()) + ": " + Json.quoted(e.getValue()))
                .collect(Collectors.joining(", ")));
        out.append("},\n  \"measurements\": [\n");
        List<String> rows = new ArrayList<>();
        for (Measurement m : results.all) {
            rows.add("    " + measurementJson(m));
        }
        out.append(String.join(",\n", rows)).append("\n  ],\n  \"medians\": [\n");
        rows.clear();
        Set<String> groups = new LinkedHashSet<>();
        for (Measurement m : results.all) {
            String group = m.scenario() + "|" + m.contender() + "|" + m.mode() + "|" + m.size();
            if (!groups.add(group)) {
                continue;
            }
            List<Measurement> same = results.of(m.scenario(), m.contender(), m.mode(), m.size());
            Set<String> keys = new LinkedHashSet<>();
            same.forEach(s -> keys.addAll(s.values().keySet()));
            Map<String, Double> medians = new LinkedHashMap<>();
            for (String key : keys) {
                medians.put(key, results.median(m.scenario(), m.contender(), m.mode(), m.size(), key));
            }
            rows.add("    {\"scenario\": " + Json.quoted(m.scenario()) + ", \"contender\": " + Json.quoted(m.contender())
                    + ", \"mode\": " + Json.quoted(m.mode()) + ", \"size\": " + m.size() + ", \"rounds\": " + same.size()
                    + ", \"values\": " + values(medians) + "}");
        }
        out.append(String.join(",\n", rows)).append("\n  ],\n  \"targets\": [\n");
        rows.clear();
        for (List<String> row : targetsTable().rows) {
            rows.add("    {\"target\": " + Json.quoted(row.get(0)) + ", \"figure\": " + Json.quoted(row.get(1)) + ", \"verdict\": "
                    + Json.quoted(row.get(2)) + "}");
        }
        out.append(String.join(",\n", rows)).append("\n  ]\n}\n");
        return out.toString();
    }

    /** The settings record as a JSON object: numbers, strings and lists of them. */
    private String settingsJson() {
        List<String> fields = new ArrayList<>();
        for (java.lang.reflect.RecordComponent component : Settings.class.getRecordComponents()) {
            try {
                Object value = component.getAccessor().invoke(settings);
                String json = value instanceof Number n ? n.toString()
                        : value instanceof List<?> list ? list.stream()
                                .map(v -> v instanceof Number n ? n.toString() : Json.quoted(String.valueOf(v).toLowerCase()))
                                .collect(Collectors.joining(", ", "[", "]"))
                        : Json.quoted(String.valueOf(value));
                fields.add(Json.quoted(component.getName()) + ": " + json);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
        return fields.stream().collect(Collectors.joining(", ", "{", "}"));
    }

    private static String measurementJson(Measurement m) {
        return "{\"scenario\": " + Json.quoted(m.scenario()) + ", \"contender\": " + Json.quoted(m.contender())
                + ", \"mode\": " + Json.quoted(m.mode()) + ", \"size\": " + m.size() + ", \"round\": " + m.round()
                + ", \"values\": " + values(m.values()) + (m.error() == null ? "" : ", \"error\": " + Json.quoted(m.error())) + "}";
    }

    private static String values(Map<String, Double> values) {
        return values.entrySet().stream().map(e -> Json.quoted(e.getKey()) + ": "
                        + (e.getValue() == null ? "null" : Json.number(e.getValue())))
                .collect(Collectors.joining(", ", "{", "}"));
    }

    // -------------------------------------------------------------------------------------------- html

    String html() {
        StringBuilder out = new StringBuilder();
        out.append("""
                <!DOCTYPE html>
                <html lang="en"><head><meta charset="utf-8"><title>jsyncq bench</title>
                <style>
                body { font-family: sans-serif; margin: 2em auto; max-width: 1480px; padding: 0 1em; color: #222; }
                .charts { display: flex; flex-wrap: wrap; gap: 10px; }
                table { border-collapse: collapse; margin: 0.5em 0; }
                th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; font-variant-numeric: tabular-nums; }
                th { background: #f3f3f3; } td.l { text-align: left; }
                .note { color: #555; font-size: 0.9em; margin: 0.2em 0; }
                .charts svg { border: 1px solid #eee; }
                </style></head><body>
                <h1>jsyncq bench</h1>
                """);
        out.append("<p>").append(Svg.esc(headline())).append("</p>\n");
        out.append("<p class='note'>Noisy 2-core machine: compare ratios measured in this run, not absolute figures "
                + "across runs. Every measurement between two processes is bracketed by a raw cache-line round trip "
                + "between the same two processes.</p>\n");
        out.append("<div class='charts'>\n");
        for (String chart : charts()) {
            out.append(chart).append('\n');
        }
        out.append("</div>\n");
        for (Table table : tables()) {
            out.append(table.html());
        }
        out.append("<h3>How each contender is set up</h3>\n<ul>\n");
        SETUP.forEach((name, text) -> out.append("<li><b>").append(name).append("</b>: ").append(Svg.esc(text)).append("</li>\n"));
        out.append("</ul>\n</body></html>\n");
        return out.toString();
    }

    private List<String> charts() {
        List<String> charts = new ArrayList<>();
        if (has("pingpong")) {
            double[] xs = {0, 1, 2, 3, 4};
            for (Mode mode : Mode.values()) {
                List<Svg.Series> series = new ArrayList<>();
                for (String c : contenders) {
                    double[] ys = new double[PERCENTILES.length];
                    for (int i = 0; i < ys.length; i++) {
                        ys[i] = results.median("pingpong", c, mode.key(), Settings.PING_SIZE, PERCENTILES[i]);
                    }
                    series.add(new Svg.Series(c, Svg.color(c), xs, ys, false));
                }
                if (has("rtt")) {
                    double[] ys = new double[PERCENTILES.length];
                    for (int i = 0; i < ys.length; i++) {
                        ys[i] = results.median("rtt", "hardware", "spin", 64, PERCENTILES[i]);
                    }
                    series.add(new Svg.Series("raw cache line", Svg.color("hardware"), xs, ys, true));
                }
                charts.add(Svg.lineChart("Ping-pong round trip, 32 B, " + mode.label, "percentile", "round trip",
                        series, false, xs, PERCENTILES, Report::ns, List.of()));
            }
        }
        if (has("echo8")) {
            List<Integer> sizes = Settings.echoSizes();
            double[] xs = sizes.stream().mapToDouble(Integer::doubleValue).toArray();
            String[] labels = sizes.stream().map(s -> s >= 1024 ? (s >> 10) + "K" : Integer.toString(s)).toArray(String[]::new);
            List<Svg.Series> series = new ArrayList<>();
            for (String p : List.of("p50", "p99")) {
                double[] ys = sizes.stream().mapToDouble(s -> results.median("echo8", "jsyncq", "block", s, p)).toArray();
                series.add(new Svg.Series("jsyncq " + p, Svg.color("jsyncq"), xs, ys, p.equals("p99")));
            }
            charts.add(Svg.lineChart("pysyncq's shape (8 processes, echo): one-way transfer time by body size",
                    "body size (bytes)", "one-way transfer", series, true, xs, labels, Report::ns,
                    List.of(new Svg.Band(200_000, 740_000, "pysyncq: 200–740 µs (stalled at 8 KiB / 32 KiB)", "#ff7f0e"))));
        }
        if (has("throughput")) {
            List<Integer> sizes = settings.throughputSizes();
            double[] xs = sizes.stream().mapToDouble(Integer::doubleValue).toArray();
            String[] labels = sizes.stream().map(s -> Units.bytes(s)).toArray(String[]::new);
            for (Mode mode : settings.throughputModes()) {
                List<Svg.Series> series = new ArrayList<>();
                for (String c : contenders) {
                    double[] ys = sizes.stream().mapToDouble(s -> results.median("throughput", c, mode.key(), s, "mb_per_s")).toArray();
                    series.add(new Svg.Series(c, Svg.color(c), xs, ys, false));
                }
                if (has("memcpy")) {
                    series.add(new Svg.Series("memcpy (1 thread)", Svg.color("hardware"), xs,
                            sizes.stream().mapToDouble(this::memcpy).toArray(), true));
                }
                charts.add(Svg.lineChart("One-way throughput 1→1 by body size, " + mode.label, "body size", "MB/s",
                        series, true, xs, labels, v -> count(v), List.of()));
            }
        }
        if (has("fanout")) {
            List<String> names = new ArrayList<>();
            List<String> colors = new ArrayList<>();
            List<Double> values = new ArrayList<>();
            for (String c : contenders) {
                if (Link.fansOut(c)) {
                    names.add(c);
                    colors.add(Svg.color(c));
                    values.add(results.median("fanout", c, "block", Settings.FAN_OUT_SIZE, "msgs_per_s"));
                }
            }
            charts.add(Svg.barChart("Fan-out 1→3, 32 B, blocking: messages/s (slowest reader)", "messages/s", names,
                    values.stream().mapToDouble(Double::doubleValue).toArray(), colors, Report::count));
        }
        return charts;
    }
}
