package io.jsyncq.cli;

import io.jsyncq.QueueAdmin;
import io.jsyncq.QueueInfo;
import io.jsyncq.SyncQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** send and tail as processes: pipes, full queues, formats, and a clean close on SIGTERM. */
class SendTailTest {

    @RegisterExtension
    final ShmQueues queues = new ShmQueues();

    private static final String SEQ_1_TO_1000 = IntStream.rangeClosed(1, 1000).mapToObj(Integer::toString)
            .collect(Collectors.joining("\n", "", "\n"));

    /** {@code jsyncq tail q --count 1000} while {@code seq 1 1000 | jsyncq send q} runs. */
    private void pipeThousandLines(String name, String... sendOptions) throws InterruptedException {
        try (Cli tail = Cli.start("tail", name, "--count", "1000", "--timeout", "30s")) {
            ShmQueues.awaitState(name, info -> info.readers().size() == 1);
            String[] args = new String[2 + sendOptions.length];
            args[0] = "send";
            args[1] = name;
            System.arraycopy(sendOptions, 0, args, 2, sendOptions.length);
            Cli.Result send = Cli.runWithInput(SEQ_1_TO_1000, args);
            assertThat(send.exitCode()).as(send.toString()).isZero();
            assertThat(send.stdout()).isEmpty();

            Cli.Result tailed = tail.await(Duration.ofSeconds(60));
            assertThat(tailed.exitCode()).as(tailed.toString()).isZero();
            List<String> lines = tailed.lines();
            assertThat(lines).hasSize(1000);
            assertThat(lines).allSatisfy(line -> assertThat(line).matches("\\S+ - \\d+"));
            assertThat(lines.stream().map(line -> line.substring(line.lastIndexOf(' ') + 1)).toList())
                    .isEqualTo(IntStream.rangeClosed(1, 1000).mapToObj(Integer::toString).toList());
        }
        assertThat(ShmQueues.exists(name)).as("the last process to close removes the queue").isFalse();
    }

    @Test
    void seqPipedIntoSendReachesATailInOrder() throws InterruptedException {
        String name = queues.newName("pipe");
        assertThat(Cli.run("create", name).exitCode()).isZero(); // 1m by default
        pipeThousandLines(name);
    }

    @Test
    void throughAQueueMuchSmallerThanTheTrafficSendWaitsWithATimeout() throws InterruptedException {
        String name = queues.newName("pipe-small");
        assertThat(Cli.run("create", name, "--size", "4k").exitCode()).isZero(); // room for 64 of the 1000
        pipeThousandLines(name, "--timeout", "20s", "--sender", "seq");
    }

    @Test
    void byDefaultSendWaitsForRoomAsAPipeDoes() throws InterruptedException {
        String name = queues.newName("pipe-wait");
        assertThat(Cli.run("create", name, "--size", "4k").exitCode()).isZero(); // room for 64 of the 1000
        pipeThousandLines(name, "--sender", "seq");
    }

    @Test
    void noWaitAndTimeoutTogetherAreAUsageError() {
        Cli.Result both = Cli.run("send", queues.newName("both"), "--no-wait", "--timeout", "1s", "x");
        assertThat(both.exitCode()).as(both.toString()).isEqualTo(2);
        assertThat(both.stderr()).contains("--no-wait and --timeout");
    }

    @Test
    void withNoWaitAFullQueueFailsAtOnce() {
        String name = queues.newName("full");
        try (SyncQueue stuck = SyncQueue.builder(name).size(4096).sender("stuck").create()) {
            long started = System.nanoTime();
            Cli.Result send = Cli.runWithInput(SEQ_1_TO_1000, "send", name, "--no-wait");
            assertThat(send.exitCode()).as(send.toString()).isEqualTo(1);
            assertThat(send.errorLines()).hasSize(1);
            assertThat(send.stderr()).startsWith("jsyncq: line ").contains("is full", "'stuck'")
                    .doesNotContain("\tat ");

            Cli.Result waited = Cli.runWithInput("one more\n", "send", name, "--timeout", "300ms");
            assertThat(waited.exitCode()).as(waited.toString()).isEqualTo(1);
            assertThat(waited.stderr()).contains("is full");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(20));

            // The messages that fitted reached the queue, in order.
            assertThat(stuck.pop().orElseThrow().text()).isEqualTo("1");
            assertThat(stuck.pop().orElseThrow().text()).isEqualTo("2");
        }
    }

    @Test
    void sendWaitsForRoomThatAReaderMakesLater() throws InterruptedException {
        String name = queues.newName("room");
        try (SyncQueue reader = SyncQueue.builder(name).size(4096).sender("slow").create()) {
            for (int i = 0; i < 64; i++) {
                reader.append("fill", new byte[0]); // 64 records of 64 bytes: full; screened as its own
            }
            try (Cli send = Cli.start("send", name, "--timeout", "10s", "--type", "late", "made it")) {
                Thread.sleep(500);
                assertThat(send.isAlive()).isTrue(); // waiting for room
                reader.pop(); // consumes the screened records: room
                Cli.Result result = send.await(Duration.ofSeconds(20));
                assertThat(result.exitCode()).as(result.toString()).isZero();
            }
            var message = reader.pop(Duration.ofSeconds(5)).orElseThrow();
            assertThat(message.type()).isEqualTo("late");
            assertThat(message.text()).isEqualTo("made it");
        }
    }

    @Test
    void tailPrintsTextOrJsonAndAppliesScreens() throws InterruptedException {
        String name = queues.newName("formats");
        assertThat(Cli.run("create", name, "--keep").exitCode()).isZero();
        try (Cli text = Cli.start("tail", name, "--count", "3", "--timeout", "30s", "--skip-type", "noise");
             Cli json = Cli.start("tail", name, "--json", "--count", "4", "--timeout", "30s",
                     "--skip-sender", "nobody")) {
            ShmQueues.awaitState(name, info -> info.readers().size() == 2);
            try (SyncQueue writer = SyncQueue.builder(name).sender("w").open()) {
                writer.append("greeting", "héllo \"world\"");
                writer.append("", "two\nlines");
                writer.append("noise", "skipped by the text tail");
                writer.append("bin", new byte[] {(byte) 0xff, 0, 1});
            }
            Cli.Result textResult = text.await(Duration.ofSeconds(30));
            assertThat(textResult.exitCode()).as(textResult.toString()).isZero();
            assertThat(textResult.lines()).containsExactly("w greeting héllo \"world\"", "w - two\\nlines",
                    "w bin \uFFFD\u0000\u0001");

            Cli.Result jsonResult = json.await(Duration.ofSeconds(30));
            assertThat(jsonResult.exitCode()).as(jsonResult.toString()).isZero();
            assertThat(jsonResult.lines()).containsExactly(
                    "{\"sender\":\"w\",\"type\":\"greeting\",\"body\":\"héllo \\\"world\\\"\"}",
                    "{\"sender\":\"w\",\"type\":\"\",\"body\":\"two\\nlines\"}",
                    "{\"sender\":\"w\",\"type\":\"noise\",\"body\":\"skipped by the text tail\"}",
                    "{\"sender\":\"w\",\"type\":\"bin\",\"body\":\"/wAB\",\"base64\":true}");
        } finally {
            Cli.run("rm", "--force", name);
        }
    }

    @Test
    void tailEndsAfterTheTimeoutWithNoMessage() {
        String name = queues.newName("timeout");
        assertThat(Cli.run("create", name, "--keep").exitCode()).isZero();
        Cli.Result idle = Cli.run("tail", name, "--timeout", "300ms");
        assertThat(idle.exitCode()).as(idle.toString()).isZero();
        assertThat(idle.stdout()).isEmpty();

        Cli.Result shortOfCount = Cli.run("tail", name, "--timeout", "300ms", "--count", "2");
        assertThat(shortOfCount.exitCode()).isEqualTo(1);
        assertThat(shortOfCount.stderr()).startsWith("jsyncq: timed out").contains("0 of the 2");
        assertThat(shortOfCount.errorLines()).hasSize(1);

        QueueInfo info = QueueAdmin.inspect(ShmQueues.SHM, name);
        assertThat(info.readers()).isEmpty();
        assertThat(info.registrations()).isZero();
        assertThat(Cli.run("rm", name).exitCode()).isZero();
    }

    @Test
    void sigtermClosesTheRegistrationCleanly() throws InterruptedException {
        String name = queues.newName("sigterm");
        assertThat(Cli.run("create", name, "--keep").exitCode()).isZero();
        try (Cli tail = Cli.start("tail", name, "--follow", "--sender", "follower")) {
            ShmQueues.awaitState(name, info -> info.readers().size() == 1);
            try (SyncQueue writer = SyncQueue.builder(name).sender("w").open()) {
                writer.append("t", "seen");
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (!tail.stdoutSoFar().contains("seen") && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertThat(tail.stdoutSoFar()).isEqualTo("w t seen\n");
                writer.append("t", "unread"); // held by the tail until it closes
                tail.terminate();
                Cli.Result result = tail.await(Duration.ofSeconds(20));
                assertThat(result.stderr()).isEmpty();
                QueueInfo info = QueueAdmin.inspect(ShmQueues.SHM, name);
                assertThat(info.readers()).extracting(r -> r.sender()).containsExactly("w");
                assertThat(info.registrations()).isEqualTo(1);
            }
        }
        assertThat(Cli.run("rm", name).exitCode()).isZero();
    }

    @Test
    void bodyArgumentsAreJoinedAndSenderAndTypeAreUsed() {
        String name = queues.newName("args");
        try (SyncQueue reader = SyncQueue.builder(name).size(4096).sender("r").create()) {
            Cli.Result send = Cli.run("send", name, "--sender", "me", "--type", "note", "hello", "there");
            assertThat(send.exitCode()).as(send.toString()).isZero();
            var message = reader.pop().orElseThrow();
            assertThat(message.sender()).isEqualTo("me");
            assertThat(message.type()).isEqualTo("note");
            assertThat(new String(message.body(), StandardCharsets.UTF_8)).isEqualTo("hello there");
            assertThat(reader.pop()).isEmpty();
        }
    }
}
