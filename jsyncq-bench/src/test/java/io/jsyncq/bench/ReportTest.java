package io.jsyncq.bench;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Medians, per-round ratios and the three renderings, from made-up figures. */
class ReportTest {

    private static Results results() {
        Results results = new Results();
        for (int round = 1; round <= 3; round++) {
            results.add(new Measurement("pingpong", "jsyncq", "spin", 32, round,
                    Map.of("p50", 400.0 + round, "p99", 900.0, "p99.9", 1500.0, "max", 3e6, "p90", 500.0, "raw.p50", 200.0), null));
            results.add(new Measurement("pingpong", "aeron", "spin", 32, round,
                    Map.of("p50", 800.0 + 2 * round, "p99", 1800.0, "p99.9", 3000.0, "max", 4e6, "p90", 900.0, "raw.p50", 200.0), null));
            results.add(new Measurement("throughput", "jsyncq", "block", 65536, round,
                    Map.of("msgs_per_s", 100_000.0, "mb_per_s", 6553.6), null));
            results.add(new Measurement("memcpy", "hardware", "-", 0, round, Map.of("s65536.mb_per_s", 10_000.0), null));
        }
        for (int round = 1; round <= 3; round++) {
            results.add(new Measurement("bridge-pingpong", "jsyncq-bridge", "block", 32, round,
                    Map.of("p50", 300_000.0, "p99", 900_000.0, "p99.9", 1e6), null));
            results.add(new Measurement("bridge-pingpong", "aeron-udp", "block", 32, round,
                    Map.of("p50", 100_000.0, "p99", 300_000.0, "p99.9", 5e5), null));
            results.add(new Measurement("bridge-throughput", "jsyncq-bridge", "block", 32, round,
                    Map.of("msgs_per_s", 800_000.0, "mb_per_s", 25.6), null));
            results.add(new Measurement("bridge-throughput", "aeron-udp", "block", 32, round,
                    Map.of("msgs_per_s", 1_000_000.0, "mb_per_s", 32.0), null));
        }
        results.add(new Measurement("pingpong", "chronicle", "spin", 32, 1, Map.of(), "worker 0: boom"));
        return results;
    }

    @Test
    void mediansAndRatiosAreTakenPerRound() {
        Results results = results();
        assertThat(results.median("pingpong", "jsyncq", "spin", 32, "p50")).isEqualTo(402.0);
        assertThat(results.ratio("pingpong", "aeron", "spin", 32, "p50")).isCloseTo(402.0 / 804.0, within(1e-9));
        assertThat(results.median("pingpong", "chronicle", "spin", 32, "p50")).isNaN();
        assertThat(results.failure("pingpong", "chronicle", "spin", 32)).hasValueSatisfying(f -> assertThat(f).contains("boom"));
    }

    @Test
    void rendersTextJsonAndSelfContainedHtml() {
        Report report = new Report(Settings.quick(), List.of("jsyncq", "aeron", "chronicle", "agrona"), results(),
                List.of(), "20250101-000000");
        assertThat(report.ratioToMemcpy("throughput", "jsyncq", "block", 65536)).isCloseTo(0.65536, within(1e-9));

        String text = report.text();
        assertThat(text).contains("Ping-pong round trip", "402 ns", "0.50×", "pre-empting", "boom",
                "ping-pong p50, busy-spin, one shared queue ≤ 1.3× Aeron IPC's", "met", "jsyncq-split",
                "Two hosts (loopback UDP): ping-pong", "bridge ÷ Aeron UDP p50 3.00× (p99 3.00×, p99.9 2.00×)",
                "MISSED by 2.00×", "bridge throughput 32 B 1→1 ≥ 0.7× raw Aeron UDP's", "bridge ÷ Aeron UDP 0.80×");

        String json = report.json();
        assertThat(json).startsWith("{").contains("\"measurements\"", "\"medians\"", "\"targets\"", "\"error\": \"worker 0: boom\"");

        String html = report.html();
        assertThat(html).contains("<svg", "Ping-pong round trip, 32 B, busy-spin", "<table>")
                .doesNotContain("<script", "<link", "src=", "href=");
    }
}
