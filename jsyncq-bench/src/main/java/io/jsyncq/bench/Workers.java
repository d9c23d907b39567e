package io.jsyncq.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The orchestrator's side of the worker JVMs: starts them (all with the same flags), hands a task to
 * several at once, and collects their answers. A task that fails or overruns its time kills the workers it
 * ran on; they are started again when next needed.
 */
final class Workers implements AutoCloseable {

    /** Flags every worker gets: native access for jsyncq; what Chronicle and Agrona need on JDK 25. */
    static final List<String> JVM_FLAGS = List.of(
            "--enable-native-access=ALL-UNNAMED",
            "--sun-misc-unsafe-memory-access=allow",
            "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
            "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED",
            "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
            "--add-opens=jdk.compiler/com.sun.tools.javac=ALL-UNNAMED",
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED",
            "-Dchronicle.analytics.disable=true",
            "-Dchronicle.disk.monitor.disable=true",
            "-Djvm.resource.tracing=false",
            "-Dchronicle.announcer.disable=true",
            "-XX:+UseSerialGC",
            "-Xms256m",
            "-Xmx1g");

    private final String run;
    private final Path ctlPath;
    private final Path logDir;
    private final List<Proc> procs = new ArrayList<>();
    private int nextTask = 1;
    private final Ctl ctl;

    private static final class Proc {
        final int index;
        final Process process;
        final Writer in;
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

        Proc(int index, Process process) {
            this.index = index;
            this.process = process;
            this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
            Thread reader = new Thread(() -> {
                try (BufferedReader out = new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = out.readLine()) != null) {
                        lines.add(line);
                    }
                } catch (IOException ignored) {
                    // the worker is gone
                }
                lines.add("EOF");
            }, "worker-" + index + "-stdout");
            reader.setDaemon(true);
            reader.start();
        }

        String next(long deadline) throws InterruptedException {
            long wait = deadline - System.nanoTime();
            String line = wait > 0 ? lines.poll(wait, TimeUnit.NANOSECONDS) : lines.poll();
            return line;
        }
    }

    Workers(String run, Ctl ctl, Path ctlPath, Path logDir) {
        this.run = run;
        this.ctl = ctl;
        this.ctlPath = ctlPath;
        this.logDir = logDir;
    }

    /** Makes sure workers 0 .. count-1 are running, starting the missing ones in parallel. */
    void ensure(int count) {
        List<Proc> started = new ArrayList<>();
        while (procs.size() < count) {
            procs.add(null);
        }
        for (int i = 0; i < count; i++) {
            if (procs.get(i) == null || !procs.get(i).process.isAlive()) {
                Proc proc = start(i);
                procs.set(i, proc);
                started.add(proc);
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        for (Proc proc : started) {
            try {
                String line;
                do {
                    line = proc.next(deadline);
                } while (line != null && !line.equals("READY") && !line.equals("EOF"));
                if (!"READY".equals(line)) {
                    throw new IllegalStateException("worker " + proc.index + " did not start; see " + log(proc.index));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    private Path log(int index) {
        return logDir.resolve("worker-" + index + ".log");
    }

    private Proc start(int index) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JVM_FLAGS);
        String extra = System.getenv("JSYNCQ_BENCH_WORKER_FLAGS"); // for profiling: see the module's README
        if (extra != null && !extra.isBlank()) {
            command.addAll(List.of(extra.trim().split("\\s+")));
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(Worker.class.getName());
        command.add(run);
        command.add(ctlPath.toString());
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.appendTo(log(index).toFile()));
        try {
            return new Proc(index, builder.start());
        } catch (IOException e) {
            throw new IllegalStateException("cannot start a worker JVM: " + e.getMessage(), e);
        }
    }

    /**
     * Runs one task on workers 0 .. parties-1 (rank = worker index) and returns each rank's figures.
     *
     * @throws TaskFailedException if a worker answered ERR, died, or the task overran {@code timeoutSeconds}
     */
    List<Map<String, Double>> run(int parties, Map<String, String> params, long timeoutSeconds,
                                  Consumer<String> progress) throws TaskFailedException {
        ensure(parties);
        int task = nextTask++;
        ctl.resetBarrier(task % Ctl.BARRIER_SLOTS);
        for (int rank = 0; rank < parties; rank++) {
            Map<String, String> words = new LinkedHashMap<>(params);
            words.put("task", Integer.toString(task));
            words.put("rank", Integer.toString(rank));
            words.put("parties", Integer.toString(parties));
            Proc proc = procs.get(rank);
            try {
                proc.in.write(Task.format(words) + "\n");
                proc.in.flush();
            } catch (IOException e) {
                kill(parties);
                throw new TaskFailedException("worker " + rank + " is gone: " + e.getMessage());
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        List<Map<String, Double>> results = new ArrayList<>();
        for (int rank = 0; rank < parties; rank++) {
            results.add(null);
        }
        String failure = null;
        try {
            // Every worker is watched at once: one that fails ends the task now, not when the others give up
            // waiting for it at a barrier.
            int answered = 0;
            while (answered < parties && failure == null) {
                boolean waited = false;
                for (int rank = 0; rank < parties && failure == null; rank++) {
                    if (results.get(rank) != null) {
                        continue;
                    }
                    // Waits (20 ms at most) on the first worker still to answer, and only looks at the others.
                    String line = waited ? procs.get(rank).lines.poll()
                            : procs.get(rank).lines.poll(20, TimeUnit.MILLISECONDS);
                    waited = true;
                    if (line == null) {
                        continue;
                    }
                    if (line.startsWith("PROGRESS ")) {
                        progress.accept(line.substring("PROGRESS ".length()));
                    } else if (line.startsWith("OK")) {
                        results.set(rank, parseFigures(line.substring(2)));
                        answered++;
                    } else if (line.startsWith("ERR")) {
                        failure = "worker " + rank + ": " + line.substring(3).trim();
                    } else if (line.equals("EOF")) {
                        failure = "worker " + rank + " died; see " + log(rank);
                    }
                }
                if (failure == null && answered < parties && System.nanoTime() - deadline > 0) {
                    failure = "timed out after " + timeoutSeconds + " s (worker " + results.indexOf(null) + ")";
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure = "interrupted";
        }
        if (failure != null) {
            kill(parties);
            throw new TaskFailedException(failure);
        }
        return results;
    }

    private static Map<String, Double> parseFigures(String words) {
        Map<String, Double> out = new LinkedHashMap<>();
        Task.parse(words).forEach((k, v) -> out.put(k, Double.parseDouble(v)));
        return out;
    }

    /** Kills workers 0 .. count-1 (they restart on next use) and clears the abort flag. */
    private void kill(int count) {
        ctl.abort();
        for (int i = 0; i < Math.min(count, procs.size()); i++) {
            Proc proc = procs.get(i);
            if (proc != null) {
                proc.process.destroyForcibly();
                try {
                    proc.process.waitFor(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                procs.set(i, null);
            }
        }
        ctl.clearAbort();
    }

    /** Stops the workers with index {@code from} and above (they are started again when needed). */
    void stopFrom(int from) {
        for (int i = from; i < procs.size(); i++) {
            stop(i);
        }
    }

    private void stop(int i) {
        Proc proc = procs.get(i);
        if (proc == null) {
            return;
        }
        try {
            proc.in.close();
            if (!proc.process.waitFor(5, TimeUnit.SECONDS)) {
                proc.process.destroyForcibly();
            }
        } catch (IOException | InterruptedException e) {
            proc.process.destroyForcibly();
        }
        procs.set(i, null);
    }

    @Override
    public void close() {
        for (int i = 0; i < procs.size(); i++) {
            stop(i);
        }
    }

    static final class TaskFailedException extends Exception {
        TaskFailedException(String message) {
            super(message);
        }
    }

    String runId() {
        return run;
    }
}
