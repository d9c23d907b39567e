package io.jsyncq.cli;

import io.jsyncq.QueueAdmin;
import io.jsyncq.QueueInfo;
import io.jsyncq.SyncQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** Each command run as a process: help, exit codes, one-line failures, and create / ls / stat / rm. */
class CommandsTest {

    @RegisterExtension
    final ShmQueues queues = new ShmQueues();

    /** A failure is one line, "jsyncq: ...", with no stack trace. */
    private static void assertOneLineFailure(Cli.Result result, int exitCode, String... fragments) {
        assertThat(result.exitCode()).as(result.toString()).isEqualTo(exitCode);
        assertThat(result.errorLines()).as(result.toString()).hasSize(1);
        assertThat(result.stderr()).startsWith("jsyncq: ").doesNotContain("\tat ", "Exception");
        assertThat(result.stderr()).contains(fragments);
        assertThat(result.stdout()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "create", "send", "tail", "stat", "ls", "rm", "evict", "demo"})
    void everyCommandHasHelp(String command) {
        Cli.Result result = command.isEmpty() ? Cli.run("--help") : Cli.run(command, "--help");
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.stdout()).contains("Usage: jsyncq" + (command.isEmpty() ? " " : " " + command + " "));
        assertThat(result.stderr()).isEmpty();
    }

    @Test
    void topLevelHelpListsTheCommandsAndExitCodes() {
        Cli.Result result = Cli.run("--help");
        assertThat(result.stdout()).contains("create", "send", "tail", "stat", "ls", "rm", "evict", "demo", "Exit codes");
        assertThat(result.stdout()).doesNotContain("demo-child");
    }

    /** Only the named subcommand is built (for start-up); how the command line is read must not change. */
    @Test
    void theSubcommandIsFoundWhereverTheCommonOptionsStand(@TempDir Path directory) {
        String queue = "found";
        assertThat(Cli.run("--dir", directory.toString(), "create", queue).exitCode()).isZero();
        Cli.Result before = Cli.run("--dir", directory.toString(), "ls");
        Cli.Result after = Cli.run("ls", "--dir", directory.toString());
        Cli.Result inline = Cli.run("--dir=" + directory, "-v", "ls");
        assertThat(before.stdout()).as(before.toString()).contains(queue);
        assertThat(after.stdout()).isEqualTo(before.stdout());
        assertThat(inline.stdout()).isEqualTo(before.stdout());
        Cli.Result help = Cli.run("help", "send");
        assertThat(help.stdout()).as(help.toString()).contains("Usage: jsyncq send ");
    }

    @Test
    void usageErrorsExitWithTwoAndOneLine() {
        assertOneLineFailure(Cli.run(), 2, "a command is required");
        assertOneLineFailure(Cli.run("frobnicate"), 2, "frobnicate");
        assertOneLineFailure(Cli.run("send"), 2, "NAME", "jsyncq send --help");
        assertOneLineFailure(Cli.run("ls", "--bogus"), 2, "--bogus");
        assertOneLineFailure(Cli.run("create", "q", "--size", "3k"), 2, "'3k' is not a queue size");
        assertOneLineFailure(Cli.run("create", "q", "--size", "64x"), 2, "'64x'");
        assertOneLineFailure(Cli.run("create", "q", "--max-readers", "0"), 2, "--max-readers");
        assertOneLineFailure(Cli.run("tail", "q", "--timeout", "soon"), 2, "'soon' is not a duration");
        assertOneLineFailure(Cli.run("tail", "q", "--follow", "--count", "3"), 2, "--follow");
        assertOneLineFailure(Cli.run("create", "../etc"), 2, "queue name");
    }

    @Test
    void runtimeFailuresExitWithOneAndOneLineUnlessVerbose() {
        String name = queues.newName("missing");
        assertOneLineFailure(Cli.run("send", name, "hello"), 1, "no queue named '" + name + "'");
        assertOneLineFailure(Cli.run("tail", name, "--count", "1"), 1, "no queue named");
        assertOneLineFailure(Cli.run("stat", name), 1, "no queue named");
        assertOneLineFailure(Cli.run("rm", name), 1, "no queue named");

        Cli.Result verbose = Cli.run("stat", name, "--verbose");
        assertThat(verbose.exitCode()).isEqualTo(1);
        assertThat(verbose.errorLines().getFirst()).startsWith("jsyncq: no queue named");
        assertThat(verbose.stderr()).contains("NoSuchQueueException", "\tat ");
    }

    /** Parsed line by line as a scraper would: every sample has its HELP and TYPE, and the values are the queue's. */
    @Test
    void statPrintsThePrometheusTextFormat() {
        String name = queues.newName("prom");
        try (SyncQueue writer = SyncQueue.builder(name).size(4096).sender("w").writeOnly().create();
             SyncQueue reader = SyncQueue.builder(name).sender("say \"hi\"").open()) {
            for (int i = 0; i < 5; i++) {
                writer.append("t", "message " + i); // 64-byte records
            }
            Cli.Result result = Cli.run("stat", name, "--prometheus", "--sample", "0");
            assertThat(result.exitCode()).as(result.toString()).isZero();
            java.util.Map<String, String> types = new java.util.HashMap<>();
            java.util.Map<String, Double> samples = new java.util.LinkedHashMap<>();
            for (String line : result.stdout().split("\n")) {
                if (line.startsWith("# TYPE ")) {
                    String[] parts = line.split(" ");
                    types.put(parts[2], parts[3]);
                } else if (!line.startsWith("#") && !line.isBlank()) {
                    int space = line.lastIndexOf(' ');
                    samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
                    assertThat(types).containsKey(line.substring(0, line.indexOf('{')));
                }
            }
            String queue = "{queue=\"" + name + "\"}";
            assertThat(samples).containsEntry("jsyncq_queue_capacity_bytes" + queue, 4096.0)
                    .containsEntry("jsyncq_queue_used_bytes" + queue, 5 * 64.0)
                    .containsEntry("jsyncq_queue_registrations" + queue, 2.0)
                    .containsEntry("jsyncq_queue_appended_bytes_total" + queue, 5 * 64.0)
                    .containsEntry("jsyncq_reader_lag_bytes{queue=\"" + name + "\",slot=\"1\",sender=\"say \\\"hi\\\"\"}", 5 * 64.0);
            assertThat(types).containsEntry("jsyncq_queue_appended_bytes_total", "counter")
                    .containsEntry("jsyncq_queue_free_bytes", "gauge");
            assertThat(reader.pop()).isPresent();
        }
        assertOneLineFailure(Cli.run("stat", name, "--prometheus", "--json"), 2, "--prometheus");
    }

    @Test
    void createLsStatRm() {
        String name = queues.newName("admin");
        Cli.Result created = Cli.run("create", name, "--size", "64k", "--keep", "--max-readers", "8");
        assertThat(created.exitCode()).as(created.toString()).isZero();
        assertThat(ShmQueues.exists(name)).isTrue();

        assertOneLineFailure(Cli.run("create", name), 1, "already exists");

        Cli.Result ls = Cli.run("ls");
        assertThat(ls.exitCode()).as(ls.toString()).isZero();
        assertThat(ls.lines().getFirst()).startsWith("NAME").contains("SIZE", "READERS");
        assertThat(ls.lines()).anySatisfy(line -> assertThat(line).startsWith(name + " ").contains("64k"));

        Cli.Result lsJson = Cli.run("ls", "--json");
        assertThat(lsJson.stdout()).startsWith("[").contains("{\"name\":\"" + name + "\"", "\"capacity\":65536",
                "\"keep\":true");

        Cli.Result stat = Cli.run("stat", name, "--sample", "0");
        assertThat(stat.exitCode()).as(stat.toString()).isZero();
        assertThat(stat.stdout()).contains("64 KiB (65536 bytes), max readers 8, kept when unused",
                "free      64 KiB", "readers   0 registered");

        Cli.Result statJson = Cli.run("stat", name, "--json");
        assertThat(statJson.lines()).hasSize(1);
        assertThat(statJson.stdout()).contains("\"name\":\"" + name + "\"", "\"capacity\":65536",
                "\"maxReaders\":8", "\"readers\":[]", "\"messagesPerSecond\":0");

        Cli.Result rm = Cli.run("rm", name);
        assertThat(rm.exitCode()).as(rm.toString()).isZero();
        assertThat(ShmQueues.exists(name)).isFalse();
        assertThat(Cli.run("ls").stdout()).doesNotContain(name);
    }

    @Test
    void aQueueCreatedWithoutKeepGoesWithTheLastProcessThatUsedIt() {
        String name = queues.newName("transient");
        assertThat(Cli.run("create", name, "--size", "4k").exitCode()).isZero();
        assertThat(ShmQueues.exists(name)).isTrue(); // nobody has registered yet
        Cli.Result send = Cli.run("send", name, "hello");
        assertThat(send.exitCode()).as(send.toString()).isZero();
        assertThat(ShmQueues.exists(name)).isFalse(); // the sender was the last to close
    }

    @Test
    void rmRefusesWhileALiveReaderIsRegisteredUnlessForced() throws InterruptedException {
        String name = queues.newName("rm");
        assertThat(Cli.run("create", name, "--keep").exitCode()).isZero();
        try (Cli tail = Cli.start("tail", name, "--sender", "watcher")) {
            ShmQueues.awaitState(name, info -> info.readers().size() == 1);

            assertOneLineFailure(Cli.run("rm", name), 1, "1 live reader", "'watcher'", "--force");
            assertThat(ShmQueues.exists(name)).isTrue();

            Cli.Result forced = Cli.run("rm", "--force", name);
            assertThat(forced.exitCode()).as(forced.toString()).isZero();
            assertThat(ShmQueues.exists(name)).isFalse();
            // The waiting tail learns at once that its queue is gone, instead of waiting on it for ever.
            Cli.Result ended = tail.await(Duration.ofSeconds(20));
            assertOneLineFailure(ended, 1, "was removed");
        }
    }

    @Test
    void aStoppedReaderShowsInStatAndEvictFreesTheSpaceItHolds() throws InterruptedException {
        String name = queues.newName("evict");
        try (SyncQueue writer = SyncQueue.builder(name).size(4096).sender("writer").create();
             Cli tail = Cli.start("tail", name, "--sender", "stuck")) {
            ShmQueues.awaitState(name, info -> info.readers().size() == 2);
            tail.signal("STOP");
            for (int i = 0; i < 64; i++) {
                writer.append("t", "x".repeat(40), Duration.ofSeconds(5)); // 64-byte records: a ring's worth
                writer.drain(Duration.ZERO).forEach(m -> { });
            }
            Cli.Result stat = Cli.run("stat", name, "--sample", "300ms"); // two looks: how long it stood still
            assertThat(stat.lines()).as(stat.toString()).anySatisfy(line -> assertThat(line.trim())
                    .contains(" stuck ").contains(" stopped ").containsPattern(" stopped +[0-9.]+ ?m?s "));
            String slot = stat.lines().stream().filter(line -> line.contains("stuck")).findFirst().orElseThrow()
                    .trim().split(" +")[0];
            assertThat(Cli.run("stat", name, "--json").stdout()).contains("\"stopped\":true");

            Cli.Result evicted = Cli.run("evict", name, "--reader", slot);
            assertThat(evicted.exitCode()).as(evicted.toString()).isZero();
            writer.append("t", "room again"); // at once: nothing holds the ring now
            assertOneLineFailure(Cli.run("evict", name, "--reader", "63"), 1, "no active registration");

            tail.signal("CONT");
            Cli.Result ended = tail.await(Duration.ofSeconds(20));
            assertThat(ended.exitCode()).as(ended.toString()).isEqualTo(1);
            assertThat(ended.stderr()).startsWith("jsyncq: ").contains("evicted");
        }
    }

    @Test
    void statShowsReadersWithTheirLagInBytesAndMessagesAndTheRates() throws InterruptedException {
        String name = queues.newName("stat");
        try (SyncQueue idle = SyncQueue.builder(name).size(64 * 1024).sender("idle-reader").create();
             SyncQueue writer = SyncQueue.open(name)) {
            for (int i = 0; i < 10; i++) {
                writer.append("t", "message " + i);
            }
            Thread appender = Thread.ofPlatform().start(() -> {
                long end = System.nanoTime() + Duration.ofMillis(1500).toNanos();
                try {
                    while (System.nanoTime() < end) {
                        writer.pop(); // frees the writer's own messages
                        idle.pop();
                        writer.append("t", "more");
                        Thread.sleep(5);
                    }
                } catch (InterruptedException ignored) {
                    // done
                }
            });
            Cli.Result stat;
            try {
                stat = Cli.run("stat", name, "--json", "--sample", "500ms");
            } finally {
                appender.join();
            }
            assertThat(stat.exitCode()).as(stat.toString()).isZero();
            assertThat(stat.stdout()).contains("\"sender\":\"idle-reader\"", "\"pid\":" + ProcessHandle.current().pid(),
                    "\"alive\":true", "\"lagExact\":true");
            assertThat(stat.stdout()).containsPattern("\"messagesPerSecond\":[1-9]");
            assertThat(stat.stdout()).containsPattern("\"bytesPerSecond\":[1-9]");

            // Now still: the idle reader holds exactly the messages since its last pop.
            idle.pop(Duration.ofMillis(100)); // one consumed; the rest stay
            for (int i = 0; i < 2; i++) {
                writer.append("t", "late " + i);
            }
            QueueInfo info = QueueAdmin.inspect(ShmQueues.SHM, name);
            long expected = info.readers().stream().filter(r -> r.sender().equals("idle-reader")).findFirst()
                    .orElseThrow().lagMessages();
            Cli.Result text = Cli.run("stat", name, "--sample", "0");
            assertThat(text.stdout()).contains("SLOT", "SENDER", "STATE", "LAG MESSAGES", "readers   2 registered, 2 alive");
            assertThat(text.lines()).anySatisfy(line -> assertThat(line.trim())
                    .contains(" idle-reader ").contains(" alive ").endsWith(" " + expected));
            assertThat(expected).isGreaterThanOrEqualTo(2);
        }
    }
}
