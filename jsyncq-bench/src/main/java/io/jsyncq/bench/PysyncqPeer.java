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
 * pysyncq's API in the echo8 shape, in the same run, in two implementations: pysyncq itself
 * ({@link #CONTENDER}, the unmodified copy in {@code peers/pysyncq}, GPL-3.0, run as a separate program)
 * and jsyncq's Python package ({@link #JSYNCQ_PYTHON}, as installed by {@code bin/python-check} in
 * {@code target/python-venv}); and the package again with a Java echo process ({@link #JSYNCQ_PYTHON_JAVA}). {@code src/main/python/python_echo8.py} drives either, one body size per
 * run, each bounded by a time limit, since pysyncq is known to stall at some sizes: a size that does not
 * finish is recorded as stalled, not waited for.
 */
final class PysyncqPeer {

    static final String CONTENDER = "pysyncq";
    static final String JSYNCQ_PYTHON = "jsyncq-python";
    /** jsyncq's Python package with a Java echo process ({@link JavaEcho}): every message crosses Python↔Java. */
    static final String JSYNCQ_PYTHON_JAVA = "jsyncq-python-java";
    private static final Pattern FIGURE = Pattern.compile("\"([a-z0-9.]+)\":\\s*([0-9.eE+-]+)");
    private static final long LIMIT_SECONDS = 60;

    private final String contender;
    private final String python;
    private final String implementation;
    private final Path driver;
    private final Path peers;
    private final List<String> extraArguments;

    private PysyncqPeer(String contender, String python, String implementation, Path driver, Path peers,
                        List<String> extraArguments) {
        this.contender = contender;
        this.python = python;
        this.implementation = implementation;
        this.driver = driver;
        this.peers = peers;
        this.extraArguments = extraArguments;
    }

    /** pysyncq, if the bench module's directory is known and python3 can run it; else null, with the reason. */
    static PysyncqPeer find(StringBuilder whyNot) {
        Path module = module(whyNot);
        if (module == null) {
            return null;
        }
        Path peers = module.resolve("peers").resolve("pysyncq");
        if (!Files.isDirectory(peers.resolve("pysyncq"))) {
            whyNot.append("no pysyncq copy under ").append(peers);
            return null;
        }
        return runs("python3", whyNot)
                ? new PysyncqPeer(CONTENDER, "python3", "pysyncq", driver(module), peers, List.of()) : null;
    }

    /** jsyncq's Python package, if {@code bin/python-check} installed it; else null, with the reason. */
    static PysyncqPeer findJsyncqPython(StringBuilder whyNot) {
        Path module = module(whyNot);
        if (module == null) {
            return null;
        }
        Path python = module.resolveSibling("target").resolve("python-venv").resolve("bin").resolve("python");
        if (!Files.isExecutable(python)) {
            whyNot.append("jsyncq's Python package is not installed in ").append(python.getParent().getParent())
                    .append(" (bin/python-check installs it)");
            return null;
        }
        return runs(python.toString(), whyNot)
                ? new PysyncqPeer(JSYNCQ_PYTHON, python.toString(), "jsyncq", driver(module), module, List.of()) : null;
    }

    /**
     * jsyncq's Python package with the echo child replaced by a Java process ({@link JavaEcho}, run with this
     * JVM's java command and class path), if the package is installed; else null, with the reason.
     */
    static PysyncqPeer findJsyncqPythonWithJavaEcho(StringBuilder whyNot) {
        PysyncqPeer python = findJsyncqPython(whyNot);
        if (python == null) {
            return null;
        }
        String java = ProcessHandle.current().info().command().orElse(null);
        if (java == null) {
            whyNot.append("this JVM's java command is unknown");
            return null;
        }
        return new PysyncqPeer(JSYNCQ_PYTHON_JAVA, python.python, "jsyncq-java-echo", python.driver, python.peers,
                List.of(java, System.getProperty("java.class.path")));
    }

    private static Path module(StringBuilder whyNot) {
        String module = System.getProperty("jsyncq.bench.module");
        if (module == null) {
            whyNot.append("the bench module's directory is unknown (run through bin/jsyncq bench)");
            return null;
        }
        return Path.of(module).toAbsolutePath();
    }

    private static Path driver(Path module) {
        return module.resolve("src").resolve("main").resolve("python").resolve("python_echo8.py");
    }

    private static boolean runs(String python, StringBuilder whyNot) {
        try {
            Process probe = new ProcessBuilder(python, "--version").redirectErrorStream(true).start();
            if (!probe.waitFor(10, TimeUnit.SECONDS) || probe.exitValue() != 0) {
                whyNot.append(python).append(" does not run");
                return false;
            }
            return true;
        } catch (IOException | InterruptedException e) {
            whyNot.append(python).append(" is not installed");
            return false;
        }
    }

    String contender() {
        return contender;
    }

    /** Runs every size; one measurement each, with the error "stalled" for a size past the time limit. */
    List<Measurement> run(List<Integer> sizes, int warmup, int samples, String runId, java.util.function.Consumer<String> progress) {
        return sizes.stream().map(size -> runOne(size, warmup, samples, runId, progress)).toList();
    }

    private Measurement runOne(int size, int warmup, int samples, String runId, java.util.function.Consumer<String> progress) {
        String queueName = Shm.PREFIX + runId + "-" + contender + "-" + size;
        Process process = null;
        try {
            List<String> command = new java.util.ArrayList<>(List.of(python, driver.toString(), implementation,
                    peers.toString(), queueName, Integer.toString(size), Integer.toString(warmup),
                    Integer.toString(samples)));
            command.addAll(extraArguments);
            process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            if (!process.waitFor(LIMIT_SECONDS, TimeUnit.SECONDS)) {
                progress.accept(String.format("%6d B  %s stalled (no result in %d s)", size, contender, LIMIT_SECONDS));
                return failed(size, "stalled: no result in " + LIMIT_SECONDS + " s");
            }
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            Map<String, Double> values = new LinkedHashMap<>();
            Matcher matcher = FIGURE.matcher(output);
            while (matcher.find()) {
                values.put(matcher.group(1), Double.parseDouble(matcher.group(2)));
            }
            if (process.exitValue() != 0 || !values.containsKey("p50")) {
                return failed(size, contender + "'s driver failed (exit " + process.exitValue() + ")");
            }
            progress.accept(String.format("%6d B  %s p50 %8.2f µs  p99 %8.2f µs", size, contender,
                    values.get("p50") / 1e3, values.get("p99") / 1e3));
            return new Measurement("echo8", contender, "block", size, 1, values, null);
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
                Files.deleteIfExists(Shm.DIR.resolve("." + queueName + ".jsyncq-lock"));
            } catch (IOException ignored) {
                // nothing more to do
            }
        }
    }

    private Measurement failed(int size, String error) {
        return new Measurement("echo8", contender, "block", size, 1, Map.of(), error);
    }
}
