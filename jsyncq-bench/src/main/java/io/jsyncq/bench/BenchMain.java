package io.jsyncq.bench;

import io.jsyncq.cli.Units;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code jsyncq bench}: measures jsyncq against the hardware and its peers in one run, and writes a table
 * to the terminal, the raw figures as JSON and an HTML report with charts.
 *
 * <pre>
 * BenchMain [--full] [--rounds N] [--out DIR] [--only PARTS] [--contenders NAMES] [--no-html]
 * </pre>
 * Every measurement between processes runs in worker JVMs that this process starts and feeds with tasks;
 * every task between two processes also times a raw cache-line round trip between the same two processes,
 * before and after, so that each figure can be read against the machine's state at that moment.
 */
public final class BenchMain {

    static final List<String> PARTS = List.of("jmh", "hardware", "pingpong", "throughput", "fanout", "echo8", "bridge");

    private final Settings settings;
    private final Set<String> parts;
    private final List<String> contenders;
    private final Path out;
    private final PrintStream progressOut;
    private final Results results = new Results();
    private final Progress progress;
    private final String run;
    private final String stamp;
    private final List<JmhPhase.Figure> jmh = new ArrayList<>();

    private BenchMain(Settings settings, Set<String> parts, List<String> contenders, Path out, PrintStream progressOut) {
        this.settings = settings;
        this.parts = parts;
        this.contenders = contenders;
        this.out = out;
        this.progressOut = progressOut;
        this.stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        this.run = Long.toString(ProcessHandle.current().pid(), 36) + Long.toString(System.nanoTime() & 0xffffff, 36);
        this.progress = new Progress(progressOut, countSteps());
    }

    public static void main(String[] args) {
        Locale.setDefault(Locale.ROOT);
        Settings settings = List.of(args).contains("--full") ? Settings.full() : Settings.quick();
        Set<String> parts = new HashSet<>(PARTS);
        List<String> contenders = Results.CONTENDERS;
        Path out = Path.of("results");
        boolean html = true;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--full" -> {
                    // read before the loop, so that --rounds and --modes apply whatever their place
                }
                case "--rounds" -> settings = settings.withRounds(Integer.parseInt(value(args, ++i, arg)));
                case "--out" -> out = Path.of(value(args, ++i, arg));
                case "--only" -> parts = new HashSet<>(checked(List.of(value(args, ++i, arg).split(",")), PARTS, arg));
                case "--contenders" -> contenders = checked(List.of(value(args, ++i, arg).split(",")),
                        Results.CONTENDERS, arg);
                case "--modes" -> settings = settings.withThroughputModes(
                        List.of(value(args, ++i, arg).split(",")).stream().map(Mode::parse).toList());
                case "--no-html" -> html = false;
                case "-h", "--help" -> {
                    usage(System.out);
                    return;
                }
                default -> {
                    System.err.println("jsyncq bench: unknown argument " + arg);
                    usage(System.err);
                    System.exit(2);
                }
            }
        }
        if (!contenders.contains("jsyncq")) {
            List<String> withUs = new ArrayList<>(List.of("jsyncq"));
            withUs.addAll(contenders);
            contenders = withUs;
        }
        int status = new BenchMain(settings, parts, contenders, out, System.err).run(html);
        System.exit(status);
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            System.err.println("jsyncq bench: " + option + " needs a value");
            System.exit(2);
        }
        return args[i];
    }

    private static List<String> checked(List<String> given, List<String> allowed, String option) {
        for (String name : given) {
            if (!allowed.contains(name)) {
                System.err.println("jsyncq bench: " + option + " takes " + String.join(",", allowed) + ", not " + name);
                System.exit(2);
            }
        }
        return given;
    }

    static void usage(PrintStream out) {
        out.println("""
                Usage: jsyncq bench [--full] [--rounds N] [--out DIR] [--only PARTS] [--contenders NAMES] [--no-html]

                Measures jsyncq against the hardware and its peers (Aeron IPC, Chronicle Queue, Agrona's
                OneToOneRingBuffer) between separate JVM processes, and in one process with JMH.

                  --full             the full run (about 15 minutes); the default is the quick run (about 5 minutes)
                  --rounds N         rounds of every contender, in alternating order (quick 3, full 5)
                  --out DIR          where the JSON and HTML reports go (default: results)
                  --only PARTS       a comma list of: jmh,hardware,pingpong,throughput,fanout,echo8,bridge
                  --contenders NAMES a comma list of: jsyncq,aeron,aeron-exclusive,chronicle,agrona (jsyncq is always in)
                  --modes MODES      waiting modes of the throughput runs: spin,block (quick: block; full: both)
                  --no-html          skip the HTML report

                bridge: two "hosts" (a queue directory each, a jsyncq bridge process each, on 127.0.0.1) against
                Aeron UDP used directly between two processes: ping-pong round trip and 1 → 1 throughput.

                The terminal gets a table of medians over the rounds and the ratios jsyncq ÷ each peer and
                jsyncq ÷ the hardware limit. Figures from a 2-core machine shared with other work are noisy:
                compare ratios from one run, not figures from different runs.""");
    }

    // ------------------------------------------------------------------------------------------- the run

    private int countSteps() {
        int steps = 0;
        if (parts.contains("jmh")) {
            steps += 4;
        }
        int perRound = 0;
        if (parts.contains("hardware")) {
            perRound += 2;
        }
        if (parts.contains("pingpong")) {
            perRound += 2 * pingPongContenders(contenders).size();
        }
        if (parts.contains("throughput")) {
            perRound += settings.throughputModes().size() * settings.throughputSizes().size() * contenders.size();
            steps -= settings.throughputModes().size() * (settings.throughputSizes().size() - 1) * contenders.size();
        }
        if (parts.contains("fanout")) {
            perRound += (int) contenders.stream().filter(Link::fansOut).count();
        }
        steps += perRound * (settings.rounds() + 1) - (parts.contains("hardware") ? 2 : 0);
        if (parts.contains("echo8")) {
            steps += 1;
        }
        if (parts.contains("bridge")) {
            int contenders = Results.BRIDGE_CONTENDERS.size();
            steps += contenders * (settings.rounds() + 1) // ping-pong
                    + contenders * (bridgeSizes(settings).size() * settings.rounds() + bridgeSizes(settings.warmUpRound()).size());
        }
        return steps;
    }

    private int run(boolean html) {
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            System.err.println("jsyncq bench: cannot create " + out + ": " + e.getMessage());
            return 1;
        }
        Path logDir = out.resolve("bench-" + stamp + "-logs");
        progressOut.printf("jsyncq bench: %s run, %d rounds, contenders %s; results in %s%n", settings.name(),
                settings.rounds(), String.join(", ", contenders), out.toAbsolutePath());
        if (parts.contains("jmh")) {
            runJmh();
        }
        Path ctlPath = Shm.path(run + "-ctl");
        boolean multiProcess = parts.stream().anyMatch(p -> !p.equals("jmh"));
        if (multiProcess) {
            try {
                Files.createDirectories(logDir);
            } catch (IOException e) {
                System.err.println("jsyncq bench: cannot create " + logDir + ": " + e.getMessage());
                return 1;
            }
            try (Ctl ctl = Ctl.create(ctlPath); Workers workers = new Workers(run, ctl, ctlPath, logDir)) {
                Thread cleanup = new Thread(() -> {
                    workers.close();
                    Shm.sweep(run);
                });
                Runtime.getRuntime().addShutdownHook(cleanup);
                progressOut.println("starting worker JVMs ...");
                workers.ensure(parts.contains("fanout") ? 1 + Settings.FAN_OUT_READERS
                        : parts.contains("bridge") ? 2 + BridgeLink.HOSTS : 2);
                for (int round = 0; round <= settings.rounds(); round++) {
                    runRound(workers, round);
                }
                if (parts.contains("echo8")) {
                    runEcho8(workers);
                }
                workers.close();
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } finally {
                Shm.sweep(run);
            }
        }
        Report report = new Report(settings, contenders, results, jmh, stamp);
        String table = report.text();
        System.out.println(table);
        try {
            Path json = out.resolve("bench-" + stamp + ".json");
            Files.writeString(json, report.json(), StandardCharsets.UTF_8);
            Files.writeString(out.resolve("latest.json"), report.json(), StandardCharsets.UTF_8);
            progressOut.println("raw figures: " + json.toAbsolutePath());
            if (html) {
                Path page = out.resolve("bench-" + stamp + ".html");
                String text = report.html();
                Files.writeString(page, text, StandardCharsets.UTF_8);
                Files.writeString(out.resolve("latest.html"), text, StandardCharsets.UTF_8);
                progressOut.println("report:      " + page.toAbsolutePath());
            }
            if (logDir.toFile().isDirectory()) {
                try (var logs = Files.list(logDir)) {
                    for (Path log : logs.toList()) {
                        if (Files.size(log) == 0) {
                            Files.delete(log);
                        }
                    }
                }
                try (var left = Files.list(logDir)) {
                    if (left.findAny().isEmpty()) {
                        Files.delete(logDir);
                    }
                }
            }
        } catch (IOException e) {
            System.err.println("jsyncq bench: cannot write the report: " + e.getMessage());
            return 1;
        }
        long failures = results.all.stream().filter(m -> !m.ok()).count();
        if (failures > 0) {
            progressOut.println(failures + " task(s) failed: see the table and " + logDir);
        }
        return 0;
    }

    private void runJmh() {
        for (String path : List.of("zeroCopy", "string")) {
            for (String size : List.of("32", "1024")) {
                progress.start("JMH one process: " + path + " append+pop " + size + " B");
                try {
                    List<JmhPhase.Figure> figures = JmhPhase.run(path, new String[] {size}, settings.jmhForks(),
                            settings.jmhWarmups(), settings.jmhIterations(), settings.jmhMillis(), true);
                    for (JmhPhase.Figure figure : figures) {
                        jmh.add(figure);
                        Map<String, Double> values = new LinkedHashMap<>();
                        values.put("ns_per_op", figure.nsPerOp());
                        values.put("ns_error", figure.nsError());
                        values.put("alloc_b_per_op", figure.allocBytesPerOp());
                        results.add(new Measurement("jmh", "jsyncq", figure.path(), figure.size(), 1, values, null));
                        progress.done(String.format("%.1f ns/op, %.1f B/op", figure.nsPerOp(), figure.allocBytesPerOp()));
                    }
                } catch (Exception e) {
                    results.add(new Measurement("jmh", "jsyncq", path, Integer.parseInt(size), 1, Map.of(),
                            String.valueOf(e.getMessage())));
                    progress.done("FAILED: " + e.getMessage());
                }
            }
        }
    }

    /**
     * The ping-pong runs jsyncq twice: as one shared queue (its own shape), and as one queue per direction
     * (the shape of Aeron's and Agrona's ping-pong), right after it.
     */
    static List<String> pingPongContenders(List<String> contenders) {
        List<String> withSplit = new ArrayList<>();
        for (String contender : contenders) {
            withSplit.add(contender);
            if (contender.equals("jsyncq")) {
                withSplit.add(Results.JSYNCQ_SPLIT);
            }
        }
        return withSplit;
    }

    /** Contender order for a round: rotated by the round and reversed every other round. */
    private List<String> order(int round) {
        List<String> order = new ArrayList<>(contenders);
        java.util.Collections.rotate(order, round - 1);
        if (round % 2 == 0) {
            java.util.Collections.reverse(order);
        }
        return order;
    }

    /** Round 0 is the warm-up round: shorter, and its figures are not recorded. */
    private void runRound(Workers workers, int round) {
        List<String> order = order(round);
        Settings s = round == 0 ? settings.warmUpRound() : settings;
        String roundText = round == 0 ? "warm-up   " : "round " + round + "/" + settings.rounds();
        if (parts.contains("hardware") && round > 0) {
            task(workers, roundText + "  hardware memcpy", 1,
                    params("kind", "memcpy", "sizes", joinSizes(memcpySizes()), "millis", settings.memcpyMillis()),
                    30, r -> {
                        Measurement m = new Measurement("memcpy", "hardware", "-", 0, round, r.getFirst(), null);
                        results.add(m);
                        return String.format("64 KiB: %.0f MB/s", m.get("s65536.mb_per_s"));
                    }, "memcpy", "hardware", "-", 0, round);
            task(workers, roundText + "  hardware cache-line RTT", 2,
                    params("kind", "rtt", "warmup", settings.rawSamples(), "samples", settings.rawSamples() * 5),
                    30, r -> {
                        Measurement m = new Measurement("rtt", "hardware", "spin", 64, round, r.getFirst(), null);
                        results.add(m);
                        return String.format("p50 %s  p99 %s", Report.ns(m.get("p50")), Report.ns(m.get("p99")));
                    }, "rtt", "hardware", "spin", 64, round);
        }
        if (parts.contains("pingpong")) {
            for (Mode mode : List.of(Mode.SPIN, Mode.BLOCK)) {
                for (String contender : pingPongContenders(order)) {
                    pingPongTask(workers, s, roundText, "pingpong", contender, mode, round);
                }
            }
        }
        if (parts.contains("throughput")) {
            for (Mode mode : settings.throughputModes()) {
                for (int size : s.throughputSizes()) {
                    for (String contender : order) {
                        throughputTask(workers, s, roundText, "throughput", contender, mode, size, 1,
                                s.throughputMillis(), round);
                    }
                }
            }
        }
        if (parts.contains("fanout")) {
            for (String contender : order) {
                if (Link.fansOut(contender)) {
                    throughputTask(workers, s, roundText, "fanout", contender, Mode.BLOCK, Settings.FAN_OUT_SIZE,
                            Settings.FAN_OUT_READERS, s.fanOutMillis(), round);
                }
            }
        }
        if (parts.contains("bridge")) {
            // Blocking only: four processes (two applications, two bridges with a media driver each) share two cores.
            List<String> bridgeOrder = new ArrayList<>(Results.BRIDGE_CONTENDERS);
            if (round % 2 == 0) {
                java.util.Collections.reverse(bridgeOrder);
            }
            for (String contender : bridgeOrder) {
                pingPongTask(workers, s, roundText, "bridge-pingpong", contender, Mode.BLOCK, round);
            }
            for (int size : bridgeSizes(s)) {
                for (String contender : bridgeOrder) {
                    throughputTask(workers, s, roundText, "bridge-throughput", contender, Mode.BLOCK, size, 1,
                            s.throughputMillis(), round);
                }
            }
        }
    }

    /** The bridge's throughput sizes: the run's throughput sizes up to 1 KiB (its messages are small ones). */
    static List<Integer> bridgeSizes(Settings s) {
        return s.throughputSizes().stream().filter(size -> size <= 1024).toList();
    }

    private void pingPongTask(Workers workers, Settings s, String roundText, String scenario, String contender,
                              Mode mode, int round) {
        int samples = mode == Mode.SPIN ? s.pingSpinSamples() : s.pingBlockSamples();
        String label = scenario.equals("pingpong")
                ? String.format("%s  ping-pong %-9s %-9s", roundText, mode.label, contender)
                : String.format("%s  two hosts: ping-pong %-13s", roundText, contender);
        task(workers, label, 2 + Link.bridgeProcesses(contender),
                network(contender, params("kind", "pingpong", "contender", contender, "mode", mode.key(),
                        "size", Settings.PING_SIZE, "ring", Settings.PING_RING,
                        "warmup", s.pingWarmup(), "samples", samples,
                        "maxMillis", s.pingMaxMillis(),
                        "rawSamples", s.rawSamples())),
                120, r -> {
                    Measurement m = new Measurement(scenario, contender, mode.key(), Settings.PING_SIZE,
                            round, r.getFirst(), null);
                    results.add(m);
                    return String.format("p50 %s  p99 %s  p99.9 %s  (raw %s)", Report.ns(m.get("p50")),
                            Report.ns(m.get("p99")), Report.ns(m.get("p99.9")), Report.ns(m.get("raw.p50")));
                }, scenario, contender, mode.key(), Settings.PING_SIZE, round);
    }

    /** A task over UDP gets free loopback ports, one per "host" (rank 0's first). */
    private static Map<String, String> network(String contender, Map<String, String> params) {
        if (Link.overUdp(contender)) {
            params.put("ports", Ports.freeLoopbackUdp(BridgeLink.HOSTS));
        }
        return params;
    }

    private void throughputTask(Workers workers, Settings s, String roundText, String scenario, String contender,
                                Mode mode, int size, int readers, long millis, int round) {
        String label = switch (scenario) {
            case "fanout" -> String.format("%s  fan-out 1→%d %-9s %-9s", roundText, readers, mode.label, contender);
            case "bridge-throughput" -> String.format("%s  two hosts: 1→1 %6s %-13s", roundText, Units.bytes(size),
                    contender);
            default -> String.format("%s  1→1 %-9s %6s %-9s", roundText, mode.label, Units.bytes(size), contender);
        };
        task(workers, label, 1 + readers + Link.bridgeProcesses(contender),
                network(contender, params("kind", "throughput", "contender", contender, "mode", mode.key(), "size", size,
                        "readers", readers, "ring", Settings.THROUGHPUT_RING,
                        "warmupMillis", s.throughputWarmupMillis(), "millis", millis,
                        "maxBytes", s.throughputMaxBytes(), "rawSamples", s.rawSamples())),
                120, r -> {
                    Map<String, Double> values = new LinkedHashMap<>();
                    Map<String, Double> slowest = null;
                    double errors = 0;
                    for (Map<String, Double> reader : r.subList(1, 1 + readers)) {
                        errors += reader.getOrDefault("errors", 0.0);
                        if (slowest == null || reader.get("msgs_per_s") < slowest.get("msgs_per_s")) {
                            slowest = reader;
                        }
                    }
                    values.putAll(slowest);
                    values.put("errors", errors);
                    values.putAll(r.getFirst());
                    Measurement m = new Measurement(scenario, contender, mode.key(), size, round, values,
                            errors > 0 ? errors + " messages out of order or of the wrong length" : null);
                    results.add(m);
                    return String.format("%s msgs/s  %s MB/s", Report.count(m.get("msgs_per_s")),
                            Report.count(m.get("mb_per_s")));
                }, scenario, contender, mode.key(), size, round);
    }

    private void runEcho8(Workers workers) {
        List<Integer> sizes = Settings.echoSizes();
        task(workers, "pysyncq's shape: 8 processes, 1 echo, 6 screening, blocking, 2 B .. 64 KiB",
                Settings.ECHO_PROCESSES,
                params("kind", "echo8", "sizes", joinSizes(sizes), "ring", Settings.ECHO_RING,
                        "warmup", settings.echoWarmup(), "samples", settings.echoSamples()),
                600, r -> {
                    Map<String, Double> all = r.getFirst();
                    for (int size : sizes) {
                        Map<String, Double> values = new LinkedHashMap<>();
                        String prefix = "s" + size + ".";
                        all.forEach((k, v) -> {
                            if (k.startsWith(prefix)) {
                                values.put(k.substring(prefix.length()), v);
                            }
                        });
                        results.add(new Measurement("echo8", "jsyncq", "block", size, 1, values, null));
                    }
                    return "done";
                }, "echo8", "jsyncq", "block", 0, 1);
        workers.stopFrom(1 + Settings.FAN_OUT_READERS);
        StringBuilder whyNotPysyncq = new StringBuilder();
        StringBuilder whyNotJsyncqPython = new StringBuilder();
        StringBuilder whyNotJsyncqPythonJava = new StringBuilder();
        PysyncqPeer[] peers = {PysyncqPeer.find(whyNotPysyncq), PysyncqPeer.findJsyncqPython(whyNotJsyncqPython),
                PysyncqPeer.findJsyncqPythonWithJavaEcho(whyNotJsyncqPythonJava)};
        String[] whyNot = {whyNotPysyncq.toString(), whyNotJsyncqPython.toString(), whyNotJsyncqPythonJava.toString()};
        String[] what = {"pysyncq itself", "jsyncq's Python package",
                "jsyncq's Python package with a Java echo process (Python↔Java)"};
        for (int i = 0; i < peers.length; i++) {
            if (peers[i] == null) {
                progressOut.println("pysyncq's shape: " + what[i] + " not run: " + whyNot[i]);
                continue;
            }
            progressOut.println("pysyncq's shape: " + what[i] + ", 8 processes, same sizes");
            peers[i].run(sizes, settings.echoWarmup(), Math.min(settings.echoSamples(), 500), run,
                    line -> progressOut.println("  " + line)).forEach(results::add);
        }
    }

    static List<Integer> memcpySizes() {
        List<Integer> sizes = new ArrayList<>(List.of(32, 256, 1024, 4096, 16384, 65536));
        sizes.add(4 << 20);
        return sizes;
    }

    private static String joinSizes(List<Integer> sizes) {
        return String.join(",", sizes.stream().map(String::valueOf).toList());
    }

    private static Map<String, String> params(Object... keyValues) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            out.put(String.valueOf(keyValues[i]), String.valueOf(keyValues[i + 1]));
        }
        return out;
    }

    private interface Outcome {
        String record(List<Map<String, Double>> perRank);
    }

    private void task(Workers workers, String label, int parties, Map<String, String> params, long timeoutSeconds,
                      Outcome outcome, String scenario, String contender, String mode, int size, int round) {
        progress.start(label);
        try {
            List<Map<String, Double>> perRank = workers.run(parties, params, timeoutSeconds, progress::note);
            progress.done(outcome.record(perRank));
        } catch (Workers.TaskFailedException e) {
            results.add(new Measurement(scenario, contender, mode, size, round, Map.of(), e.getMessage()));
            progress.done("FAILED: " + e.getMessage());
        } catch (RuntimeException e) {
            results.add(new Measurement(scenario, contender, mode, size, round, Map.of(), String.valueOf(e)));
            progress.done("FAILED: " + e);
        } finally {
            Shm.sweep(run + "-t");
        }
    }
}
