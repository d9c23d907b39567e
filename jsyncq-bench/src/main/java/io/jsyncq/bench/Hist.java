package io.jsyncq.bench;

import org.HdrHistogram.Histogram;

import java.util.LinkedHashMap;
import java.util.Map;

/** HdrHistogram settings shared by every latency figure: 1 ns to 60 s, 3 significant digits. */
final class Hist {
    static final long HIGHEST = 60_000_000_000L;

    private Hist() {
    }

    static Histogram create() {
        return new Histogram(HIGHEST, 3);
    }

    static long clamp(long nanos) {
        return Math.max(1, Math.min(HIGHEST, nanos));
    }

    /** p50, p90, p99, p99.9, max (and mean, count) in ns, under the given prefix. */
    static Map<String, Double> summary(String prefix, Histogram h) {
        Map<String, Double> out = new LinkedHashMap<>();
        out.put(prefix + "p50", (double) h.getValueAtPercentile(50));
        out.put(prefix + "p90", (double) h.getValueAtPercentile(90));
        out.put(prefix + "p99", (double) h.getValueAtPercentile(99));
        out.put(prefix + "p99.9", (double) h.getValueAtPercentile(99.9));
        out.put(prefix + "max", (double) h.getMaxValue());
        out.put(prefix + "mean", h.getMean());
        out.put(prefix + "count", (double) h.getTotalCount());
        return out;
    }
}
