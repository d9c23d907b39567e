package io.jsyncq.bench;

import io.jsyncq.bench.jmh.QueueBenchmark;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Runs {@link QueueBenchmark} with JMH's GC profiler and turns its results into measurements. */
final class JmhPhase {

    private JmhPhase() {
    }

    /** One benchmark's figures: mean ns per append + pop, and bytes allocated per append + pop. */
    record Figure(String path, int size, double nsPerOp, double nsError, double allocBytesPerOp) {
    }

    static List<Figure> run(String methodRegex, String[] sizes, int forks, int warmups, int iterations,
                            long iterationMillis, boolean quiet) throws RunnerException {
        ChainedOptionsBuilder options = new OptionsBuilder()
                .include(QueueBenchmark.class.getName() + "\\." + methodRegex + "$")
                .param("size", sizes)
                .forks(forks)
                .warmupIterations(warmups)
                .warmupTime(TimeValue.milliseconds(iterationMillis))
                .measurementIterations(iterations)
                .measurementTime(TimeValue.milliseconds(iterationMillis))
                .jvmArgsAppend("--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-Xmx512m")
                .addProfiler(GCProfiler.class)
                .shouldFailOnError(true)
                .verbosity(quiet ? VerboseMode.SILENT : VerboseMode.NORMAL);
        Collection<RunResult> results = new Runner(options.build()).run();
        List<Figure> figures = new ArrayList<>();
        for (RunResult result : results) {
            String method = result.getParams().getBenchmark();
            String path = method.substring(method.lastIndexOf('.') + 1);
            int size = Integer.parseInt(result.getParams().getParam("size"));
            Result<?> primary = result.getPrimaryResult();
            figures.add(new Figure(path, size, primary.getScore(), primary.getScoreError(),
                    allocationPerOp(result.getSecondaryResults())));
        }
        return figures;
    }

    /** JMH names the figure "gc.alloc.rate.norm" (1.37) or "·gc.alloc.rate.norm" (older versions). */
    static double allocationPerOp(Map<String, Result> secondary) {
        for (Map.Entry<String, Result> entry : new LinkedHashMap<>(secondary).entrySet()) {
            if (entry.getKey().endsWith("gc.alloc.rate.norm")) {
                return entry.getValue().getScore();
            }
        }
        return Double.NaN;
    }
}
