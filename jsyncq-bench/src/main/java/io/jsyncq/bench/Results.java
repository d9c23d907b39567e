package io.jsyncq.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.ToDoubleFunction;

/** Every measurement of a run, and the medians and ratios the report shows. */
final class Results {

    /** "aeron" is its concurrent publication (several writers may offer, as to jsyncq's queue): the reference. */
    static final List<String> CONTENDERS = List.of("jsyncq", "aeron", "aeron-exclusive", "chronicle", "agrona");
    /** jsyncq with one queue per direction, as Aeron and Agrona run a ping-pong: measured in the ping-pong only. */
    static final String JSYNCQ_SPLIT = "jsyncq-split";
    static final List<String> PEERS = List.of("aeron", "chronicle", "agrona");
    /** Two "hosts" joined by jsyncq's Aeron bridge, and Aeron UDP used directly between two processes. */
    static final String JSYNCQ_BRIDGE = "jsyncq-bridge";
    static final String AERON_UDP = "aeron-udp";
    /** The bridge part's contenders: jsyncq's bridge and its reference. */
    static final List<String> BRIDGE_CONTENDERS = List.of(JSYNCQ_BRIDGE, AERON_UDP);

    final List<Measurement> all = new ArrayList<>();

    /** Records a measurement; those of round 0, the unrecorded warm-up round, are dropped. */
    synchronized void add(Measurement measurement) {
        if (measurement.round() != 0) {
            all.add(measurement);
        }
    }

    List<Measurement> of(String scenario, String contender, String mode, int size) {
        return all.stream().filter(m -> m.ok() && m.same(scenario, contender, mode, size)).toList();
    }

    /** How many tasks of this kind failed, with the first error. */
    Optional<String> failure(String scenario, String contender, String mode, int size) {
        List<Measurement> failed = all.stream().filter(m -> !m.ok() && m.same(scenario, contender, mode, size)).toList();
        return failed.isEmpty() ? Optional.empty()
                : Optional.of(failed.size() + " failed: " + failed.getFirst().error());
    }

    /** The median over rounds of one value. NaN if there is none. */
    double median(String scenario, String contender, String mode, int size, String key) {
        return median(of(scenario, contender, mode, size).stream().mapToDouble(m -> m.get(key)).toArray());
    }

    /** The median over rounds of a function of each measurement (e.g. p50 ÷ the raw round trip measured with it). */
    double median(String scenario, String contender, String mode, int size, ToDoubleFunction<Measurement> f) {
        return median(of(scenario, contender, mode, size).stream().mapToDouble(f).toArray());
    }

    /**
     * The median over rounds of jsyncq's value ÷ the peer's value in the same round: ratios from one round
     * compare figures taken minutes apart at most, under the same machine weather.
     */
    double ratio(String scenario, String peer, String mode, int size, String key) {
        return ratio(scenario, "jsyncq", peer, mode, size, key);
    }

    /** The median over rounds of {@code ours}'s value ÷ the peer's value in the same round. */
    double ratio(String scenario, String ours, String peer, String mode, int size, String key) {
        List<Measurement> oursMeasured = of(scenario, ours, mode, size);
        List<Measurement> theirs = of(scenario, peer, mode, size);
        double[] ratios = oursMeasured.stream().flatMapToDouble(o -> theirs.stream()
                .filter(t -> t.round() == o.round())
                .mapToDouble(t -> o.get(key) / t.get(key))).toArray();
        return median(ratios);
    }

    static double median(double[] values) {
        double[] sorted = Arrays.stream(values).filter(v -> !Double.isNaN(v)).sorted().toArray();
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
