package io.jsyncq.bench;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The multi-process harness end to end, with tiny counts: worker JVMs, barriers, the raw round trip, and
 * jsyncq plus one peer through ping-pong, throughput and fan-out; a failing task; nothing left in /dev/shm.
 */
class WorkersTest {

    private static final String RUN = "test" + Long.toString(ProcessHandle.current().pid(), 36);
    @TempDir
    static Path logs;
    private static Ctl ctl;
    private static Workers workers;

    @BeforeAll
    static void start() {
        Path ctlPath = Shm.path(RUN + "-ctl");
        ctl = Ctl.create(ctlPath);
        workers = new Workers(RUN, ctl, ctlPath, logs);
    }

    @AfterAll
    static void stop() throws IOException {
        workers.close();
        ctl.close();
        Shm.sweep(RUN);
        try (var left = Files.list(Shm.DIR)) {
            assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(Shm.PREFIX + RUN));
        }
    }

    private static Map<String, String> params(Object... keyValues) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            out.put(String.valueOf(keyValues[i]), String.valueOf(keyValues[i + 1]));
        }
        return out;
    }

    private static List<Map<String, Double>> run(int parties, Map<String, String> params) throws Exception {
        try {
            return workers.run(parties, params, 60, text -> { });
        } finally {
            Shm.sweep(RUN + "-t");
        }
    }

    @Test
    void pingPongAndThroughputOfJsyncqAndAgrona() throws Exception {
        for (String contender : List.of("jsyncq", "agrona")) {
            Mode mode = contender.equals("jsyncq") ? Mode.BLOCK : Mode.SPIN;
            long start = System.nanoTime();
            List<Map<String, Double>> ping = run(2, params("kind", "pingpong", "contender", contender,
                    "mode", mode.key(), "size", 32, "warmup", 100, "samples", 500, "rawSamples", 200));
            assertThat(ping.getFirst().get("count")).isEqualTo(500.0);
            assertThat(ping.getFirst().get("p50")).isPositive();
            // the raw phases stop early on a machine that pre-empts them; they never take more than asked
            assertThat(ping.getFirst().get("raw.count")).isBetween(2.0, 400.0);
            System.out.printf("%s ping-pong: %d ms%n", contender, (System.nanoTime() - start) / 1_000_000);
            start = System.nanoTime();
            List<Map<String, Double>> flow = run(2, params("kind", "throughput", "contender", contender,
                    "mode", "block", "size", 1024, "warmupMillis", 20, "millis", 50, "rawSamples", 500));
            assertThat(flow.get(1).get("msgs")).isPositive();
            assertThat(flow.get(1).get("errors")).isZero();
            assertThat(flow.get(1).get("msgs")).isEqualTo(flow.getFirst().get("writer.msgs"));
            System.out.printf("%s throughput: %d ms%n", contender, (System.nanoTime() - start) / 1_000_000);
        }
    }

    /** Two "hosts" through jsyncq's bridge (four workers: two applications, two bridges) and over Aeron UDP. */
    @Test
    void pingPongAndThroughputAcrossTwoHosts() throws Exception {
        for (String contender : Results.BRIDGE_CONTENDERS) {
            int parties = 2 + Link.bridgeProcesses(contender);
            List<Map<String, Double>> ping = run(parties, params("kind", "pingpong", "contender", contender,
                    "mode", "block", "size", 32, "warmup", 50, "samples", 200, "rawSamples", 200,
                    "ports", Ports.freeLoopbackUdp(2)));
            assertThat(ping.getFirst().get("count")).as(contender).isEqualTo(200.0);
            assertThat(ping.getFirst().get("p50")).isPositive();
            List<Map<String, Double>> flow = run(parties, params("kind", "throughput", "contender", contender,
                    "mode", "block", "size", 32, "warmupMillis", 20, "millis", 50, "rawSamples", 200,
                    "ports", Ports.freeLoopbackUdp(2)));
            assertThat(flow.get(1).get("msgs")).as(contender).isPositive();
            assertThat(flow.get(1).get("errors")).isZero();
            assertThat(flow.get(1).get("msgs")).isEqualTo(flow.getFirst().get("writer.msgs"));
        }
    }

    @Test
    void fanOutDeliversEveryMessageToEveryReader() throws Exception {
        List<Map<String, Double>> flow = run(4, params("kind", "throughput", "contender", "jsyncq", "mode", "block",
                "size", 32, "readers", 3, "warmupMillis", 20, "millis", 50, "rawSamples", 200));
        double sent = flow.getFirst().get("writer.msgs");
        assertThat(sent).isPositive();
        for (Map<String, Double> reader : flow.subList(1, 4)) {
            assertThat(reader.get("msgs")).isEqualTo(sent);
            assertThat(reader.get("errors")).isZero();
        }
    }

    @Test
    void aFailedTaskIsReportedAndTheWorkersComeBack() throws Exception {
        assertThatThrownBy(() -> run(2, params("kind", "pingpong", "contender", "nonesuch", "mode", "spin")))
                .isInstanceOf(Workers.TaskFailedException.class)
                .hasMessageContaining("unknown contender");
        List<Map<String, Double>> rtt = run(2, params("kind", "rtt", "warmup", 100, "samples", 1000));
        assertThat(rtt.getFirst().get("count")).isBetween(1.0, 1000.0);
        assertThat(rtt.getFirst().get("p50")).isPositive();
    }
}
