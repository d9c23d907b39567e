package io.jsyncq.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * pysyncq itself, in the echo8 shape, in the same run: {@code src/main/python/pysyncq_echo8.py} drives the
 * unmodified copy in {@code peers/pysyncq} (GPL-3.0, run as a separate program), one body size per run,
 * each bounded by a time limit, since pysyncq is known to stall at some sizes: a size that does not
 * finish is recorded as stalled, not waited for.
 */
final class PysyncqPeer {

    static final String CONTENDER = "pysyncq";
    private static final Pattern FIGURE = Pattern.compile("\"([a-z0-9.]+)\":\\s*([0-9.eE+-]+)");
    private static final long LIMIT_SECONDS = 60;

    private final Path driver;
    private final Path peers;

    private PysyncqPeer(Path driver, Path peers) {
        this.driver = driver;
        this.peers = peers;
    }

    /** The peer, if the bench module's directory is known and python3 can run it; else null, with the reason. */
    static PysyncqPeer find(StringBuilder whyNot) {
        String module = System.getProperty("jsyncq.bench.module");
        if (module == null) {
            whyNot.append("the bench module's directory is unknown (run through bin/jsyncq bench)");
            return null;
        }
        Path driver = Path.of(module, "src", "main", "python", "pysyncq_echo8.py");
        Path peers = Path.of(module, "peers", "pysyncq");
        if (!Files.isRegularFile(driver) || !Files.isDirectory(peers.resolve("pysyncq"))) {
            whyNot.append("no pysyncq copy under ").append(peers);
            return null;
        }
        try {
            Process probe = new ProcessBuilder("python3", "--version").redirectErrorStream(true).start();
            if (!probe.waitFor(10, TimeUnit.SECONDS) || probe.exitValue() != 0) {
                whyNot.append("python3 does not run");
                return null;
            }
        } catch (IOException | InterruptedException e) {
            whyNot.append("python3 is not installed");
            return null;
        }
        return new PysyncqPeer(driver, peers);
    }

    /** Runs every size; one measurement each, with the error "stalled" for a size past the time limit. */
    List<Measurement> run(List<Integer> sizes, int warmup, int samples, String runId, java.util.function.Consumer<String> progress) {
        return sizes.stream().map(size -> runOne(size, warmup, samples, runId, progress)).toList();
    }

    private Measurement runOne(int size, int warmup, int samples, String runId, java.util.function.Consumer<String> progress) {
        String queueName = Shm.PREFIX + runId + "-pysyncq-" + size;
        Process process = null;
        try {
            process = new ProcessBuilder("python3", driver.toString(), peers.toString(), queueName,
                    Integer.toString(size), Integer.toString(warmup), Integer.toString(samples))
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            if (!process.waitFor(LIMIT_SECONDS, TimeUnit.SECONDS)) {
                progress.accept(String.format("%6d B  pysyncq stalled (no result in %d s)", size, LIMIT_SECONDS));
                return failed(size, "stalled: no result in " + LIMIT_SECONDS + " s");
            }
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            Map<String, Double> values = new LinkedHashMap<>();
            Matcher matcher = FIGURE.matcher(output);
            while (matcher.find()) {
                values.put(matcher.group(1), Double.parseDouble(matcher.group(2)));
            }
            if (process.exitValue() != 0 || !values.containsKey("p50")) {
                return failed(size, "pysyncq's driver failed (exit " + process.exitValue() + ")");
            }
            progress.accept(String.format("%6d B  pysyncq p50 %8.2f µs  p99 %8.2f µs", size, values.get("p50") / 1e3,
                    values.get("p99") / 1e3));
            return new Measurement("echo8", CONTENDER, "block", size, 1, values, null);
        } catch (IOException e) {
            return failed(size, "could not run python3: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return failed(size, "interrupted");
        } finally {
            if (process != null) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
            try {
                Files.deleteIfExists(Shm.DIR.resolve(queueName)); // left behind by a stalled run
            } catch (IOException ignored) {
                // nothing more to do
            }
        }
    }

    private static Measurement failed(int size, String error) {
        return new Measurement("echo8", CONTENDER, "block", size, 1, Map.of(), error);
    }
}
