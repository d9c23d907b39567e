package io.jsyncq.bench;

import java.util.Map;

/**
 * One figure set from one task of one round. {@code scenario}: pingpong, throughput, fanout, echo8, memcpy,
 * rtt, jmh, bridge-pingpong or bridge-throughput; {@code contender}: jsyncq, aeron, chronicle, agrona, hardware,
 * jsyncq-bridge or aeron-udp; {@code mode}: spin, block, or
 * for JMH the path (string, zeroCopy); {@code values} in ns, msgs/s, MB/s, B/op as their names say.
 */
record Measurement(String scenario, String contender, String mode, int size, int round, Map<String, Double> values,
                   String error) {

    boolean ok() {
        return error == null;
    }

    double get(String key) {
        Double value = values.get(key);
        return value == null ? Double.NaN : value;
    }

    boolean same(String scenario, String contender, String mode, int size) {
        return this.scenario.equals(scenario) && this.contender.equals(contender) && this.mode.equals(mode)
                && this.size == size;
    }
}
