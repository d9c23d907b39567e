package io.jsyncq.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

class DemoTest {

    @RegisterExtension
    final ShmQueues queues = new ShmQueues();

    @Test
    void childrenInSeparateJvmsReadEachOtherAndLeaveNoFileBehind() {
        int children = 3;
        try (Cli demo = Cli.start("demo", "--children", Integer.toString(children), "--duration", "3s",
                "--min-pause", "100ms", "--max-pause", "400ms")) {
            String queue = "jsyncq-demo-" + demo.pid();
            queues.track(queue);
            Cli.Result result = demo.await(Duration.ofSeconds(120));
            assertThat(result.exitCode()).as(result.toString()).isZero();
            assertThat(result.stderr()).isEmpty();
            assertThat(ShmQueues.exists(queue)).as("the queue file is gone").isFalse();

            List<String> lines = result.lines();
            int summary = lines.indexOf("summary (messages sent and read by each process):");
            assertThat(summary).as(result.toString()).isPositive();
            assertThat(lines.subList(0, summary - 1)).allSatisfy(line ->
                    assertThat(line).matches("\\[(parent |child-\\d) pid \\d+] .+"));
            assertThat(lines).anySatisfy(line -> assertThat(line).contains("the last process to close removed"));

            Pattern row = Pattern.compile("\\s*child-(\\d)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(.*)");
            int rows = 0;
            for (String line : lines.subList(summary + 2, lines.size())) {
                Matcher m = row.matcher(line);
                if (!m.matches()) {
                    continue;
                }
                rows++;
                int id = Integer.parseInt(m.group(1));
                assertThat(Integer.parseInt(m.group(3))).as("sent by child-" + id).isPositive();
                Map<String, Integer> readFrom = DemoCommand.parseReadFrom("read=" + m.group(5)
                        .replace(", ", ",").replace(" ", ":"));
                for (int other = 1; other <= children; other++) {
                    if (other != id) {
                        assertThat(readFrom).as("child-" + id + " read from child-" + other + "\n" + result)
                                .containsKey("child-" + other);
                        assertThat(readFrom.get("child-" + other)).isPositive();
                    }
                }
                assertThat(readFrom).doesNotContainKey("child-" + id);
            }
            assertThat(rows).as(result.toString()).isEqualTo(children);
        }
    }

    @Test
    void acrossThreeHostsJoinedByBridgesEveryChildReadsEveryOther() {
        int children = 3;
        try (Cli demo = Cli.start("demo", "--hosts", "3", "--children", Integer.toString(children), "--duration", "4s",
                "--min-pause", "100ms", "--max-pause", "400ms")) {
            String queue = "jsyncq-demo-" + demo.pid();
            queues.track(queue);
            Cli.Result result = demo.await(Duration.ofSeconds(180));
            assertThat(result.exitCode()).as(result.toString()).isZero();
            List<String> lines = result.lines();
            assertThat(lines).anySatisfy(line -> assertThat(line).contains("the 3 hosts are joined"));
            for (int host = 1; host <= 3; host++) {
                String bridge = "[bridge-" + host + " pid ";
                assertThat(lines).anySatisfy(line -> assertThat(line).startsWith(bridge).contains("stopped after relaying"));
            }
            int summary = lines.indexOf("summary (messages sent and read by each process):");
            Pattern row = Pattern.compile("\\s*child-(\\d)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(.*)");
            int rows = 0;
            for (String line : lines.subList(summary + 2, lines.size())) {
                Matcher m = row.matcher(line);
                if (m.matches()) {
                    rows++;
                    Map<String, Integer> readFrom = DemoCommand.parseReadFrom("read=" + m.group(5)
                            .replace(", ", ",").replace(" ", ":"));
                    assertThat(readFrom.keySet()).as(line + "\n" + result).hasSize(children - 1); // each on another host
                }
            }
            assertThat(rows).as(result.toString()).isEqualTo(children);
            assertThat(java.nio.file.Files.exists(ShmQueues.SHM.resolve(queue + "-hosts"))).isFalse();
        }
    }
}
