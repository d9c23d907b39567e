package io.jsyncq.cli;

import io.jsyncq.QueueAdmin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code jsyncq bridge} as a user runs it: two "hosts" (two queue directories) on loopback, the real command
 * for the bridges, {@code send}, {@code tail} and {@code stat}.
 */
@Timeout(180)
class BridgeCommandTest {

    private final Path root = Path.of("/dev/shm", "jsyncq-cli-bridge-" + UUID.randomUUID());
    private final String a = root.resolve("a").toString();
    private final String b = root.resolve("b").toString();

    @AfterEach
    void removeHosts() throws IOException {
        if (Files.exists(root)) {
            try (Stream<Path> files = Files.walk(root)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    @Test
    void twoHostsShareAQueueAndStatShowsTheBridgeAndItsPeer() throws Exception {
        Files.createDirectories(Path.of(a));
        Files.createDirectories(Path.of(b));
        String onA = "127.0.0.1:" + freeUdpPort();
        String onB = "127.0.0.1:" + freeUdpPort();
        try (Cli bridgeA = Cli.start("--dir", a, "bridge", "orders", "--size", "64k", "--listen", onA, "--peer", onB);
             Cli bridgeB = Cli.start("--dir", b, "bridge", "orders", "--size", "64k", "--listen", onB, "--peer", onA)) {
            await(() -> bridgeA.stderrSoFar().contains("connected to peer " + onB)
                    && bridgeB.stderrSoFar().contains("connected to peer " + onA), bridgeA, bridgeB);
            try (Cli tail = Cli.start("--dir", b, "tail", "orders", "--count", "2", "--timeout", "60s")) {
                // Only messages appended after the tail registered are its: wait until it has.
                await(() -> QueueAdmin.inspect(Path.of(b), "orders").readers().size() == 2, bridgeA, bridgeB);
                assertThat(Cli.run("--dir", a, "send", "orders", "--sender", "alice", "--type", "order", "buy 1")
                        .exitCode()).isZero();
                assertThat(Cli.run("--dir", b, "send", "orders", "--sender", "bob", "sell 2").exitCode()).isZero();
                Cli.Result tailed = tail.await(Duration.ofSeconds(60));
                assertThat(tailed.lines()).as(tailed.toString()).containsExactly("alice order buy 1", "bob - sell 2");
            }
            await(() -> Cli.run("--dir", a, "stat", "orders").stdout().contains("sent 1  acknowledged up to 1  NOT delivered 0"),
                    bridgeA, bridgeB);
            Cli.Result stat = Cli.run("--dir", a, "stat", "orders");
            assertThat(stat.stdout()).contains("bridge " + onA + "  ", "durable", "peer " + onB + "  connected");

            Cli.Result second = Cli.run("--dir", a, "bridge", "orders", "--listen", "127.0.0.1:" + freeUdpPort(),
                    "--peer", onB);
            assertThat(second.exitCode()).isEqualTo(1);
            assertThat(second.stderr()).contains("already has a bridge").doesNotContain("Exception");

            bridgeA.terminate();
            Cli.Result stopped = bridgeA.await(Duration.ofSeconds(30));
            assertThat(stopped.stderr()).contains("stopped after relaying 1 messages out and 1 in");
            assertThat(Cli.run("--dir", a, "stat", "orders").stdout()).as("a stopped bridge keeps its place")
                    .contains("parked", "bridge " + onA + " is stopped and keeps its place",
                            "jsyncq bridge orders --listen " + onA + " --forget");
            Cli.Result forgot = Cli.run("--dir", a, "bridge", "orders", "--listen", onA, "--forget");
            assertThat(forgot.exitCode()).as(forgot.toString()).isZero();
            assertThat(forgot.stdout()).contains("forgot the bridge " + onA);
            assertThat(Cli.run("--dir", a, "stat", "orders").exitCode()).isNotZero(); // the last registration left
            try (Stream<Path> left = Files.list(Path.of(a))) {
                assertThat(left.map(Path::toString)).as("its outbox and inbox are gone").noneMatch(f -> f.contains("box"));
            }
            Cli.Result running = Cli.run("--dir", b, "bridge", "orders", "--listen", onB, "--forget");
            assertThat(running.errorLines()).singleElement().asString().contains("is running", "stop it first");
            bridgeB.terminate(); // a clean stop, which also removes its driver's directory
            assertThat(bridgeB.await(Duration.ofSeconds(30)).stderr()).contains("stopped after relaying");
        }
    }

    /**
     * Sequencer mode from the command line: host b's own message reaches b's tail only back from the
     * sequencer on a, and stat on b says that its delivery is gated and by which bridge.
     */
    @Test
    void withASequencerAHostReadsItsOwnMessagesBackFromTheSequencer() throws Exception {
        Files.createDirectories(Path.of(a));
        Files.createDirectories(Path.of(b));
        String onA = "127.0.0.1:" + freeUdpPort();
        String onB = "127.0.0.1:" + freeUdpPort();
        try (Cli sequencer = Cli.start("--dir", a, "bridge", "orders", "--size", "64k", "--listen", onA, "--peer", onB,
                "--sequencer", onA);
             Cli member = Cli.start("--dir", b, "bridge", "orders", "--size", "64k", "--listen", onB,
                     "--sequencer", onA)) {
            await(() -> sequencer.stderrSoFar().contains("connected to peer " + onB)
                    && member.stderrSoFar().contains("connected to peer " + onA), sequencer, member);
            assertThat(member.stderrSoFar()).contains("sequenced by " + onA);
            try (Cli tail = Cli.start("--dir", b, "tail", "orders", "--count", "2", "--timeout", "60s")) {
                await(() -> QueueAdmin.inspect(Path.of(b), "orders").readers().size() == 2, sequencer, member);
                assertThat(Cli.run("--dir", b, "send", "orders", "--sender", "bob", "local").exitCode()).isZero();
                assertThat(Cli.run("--dir", a, "send", "orders", "--sender", "alice", "remote").exitCode()).isZero();
                Cli.Result tailed = tail.await(Duration.ofSeconds(60));
                assertThat(tailed.lines()).as(tailed.toString()).containsExactlyInAnyOrder("bob - local", "alice - remote");
            }
            assertThat(QueueAdmin.inspect(Path.of(b), "orders").tail())
                    .as("three records in b's queue: bob's as sent and as it came back, and alice's")
                    .isEqualTo(3 * 64);
            await(() -> Cli.run("--dir", b, "stat", "orders").stdout().contains("sequenced by " + onA), sequencer, member);
            assertThat(Cli.run("--dir", b, "stat", "orders").stdout())
                    .contains("gated", "readers deliver only what 'bridge " + onB + "', slot");
            await(() -> Cli.run("--dir", a, "stat", "orders").stdout().contains("the sequencer: every host reads this"
                    + " host's order"), sequencer, member);
            sequencer.terminate();
            member.terminate();
            assertThat(sequencer.await(Duration.ofSeconds(30)).stderr()).contains("stopped after relaying 2 messages out and 1 in");
            assertThat(member.await(Duration.ofSeconds(30)).stderr()).contains("stopped after relaying 1 messages out and 2 in");
            assertThat(Cli.run("--dir", a, "bridge", "orders", "--listen", onA, "--forget").exitCode()).isZero();
            assertThat(Cli.run("--dir", b, "bridge", "orders", "--listen", onB, "--forget").exitCode()).isZero();
        }
    }

    @Test
    void wrongSettingsAreOneLineErrors() {
        Cli.Result noPeer = Cli.run("--dir", "/dev/shm", "bridge", "q", "--listen", "127.0.0.1:40999");
        assertThat(noPeer.exitCode()).isEqualTo(2);
        assertThat(noPeer.stderr()).contains("--peer");
        Cli.Result badEndpoint = Cli.run("bridge", "q", "--listen", "localhost", "--peer", "127.0.0.1:1");
        assertThat(badEndpoint.exitCode()).isEqualTo(1);
        assertThat(badEndpoint.errorLines()).containsExactly("jsyncq: 'localhost' is not HOST:PORT (such as 10.0.0.2:40123)");
        Cli.Result itself = Cli.run("bridge", "q", "--listen", "127.0.0.1:5000", "--peer", "127.0.0.1:5000");
        assertThat(itself.errorLines()).containsExactly("jsyncq: peer 127.0.0.1:5000 is this bridge's own endpoint");
        Cli.Result notAPeer = Cli.run("bridge", "q", "--listen", "127.0.0.1:5000", "--peer", "127.0.0.1:5001",
                "--sequencer", "127.0.0.1:5002");
        assertThat(notAPeer.errorLines()).singleElement().asString()
                .contains("the sequencer 127.0.0.1:5002 is not among the peers");
        Cli.Result sequencerAlone = Cli.run("--dir", "/dev/shm", "bridge", "q", "--listen", "127.0.0.1:5000",
                "--sequencer", "127.0.0.1:5000");
        assertThat(sequencerAlone.exitCode()).isEqualTo(2);
        assertThat(sequencerAlone.stderr()).contains("--peer");
    }

    private static void await(Supplier<Boolean> condition, Cli... bridges) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.get()) {
            for (Cli bridge : bridges) {
                assertThat(bridge.isAlive()).as("bridge died: " + bridge.stderrSoFar()).isTrue();
            }
            assertThat(System.nanoTime()).as("waited 60 s; bridges said: "
                    + Stream.of(bridges).map(Cli::stderrSoFar).toList()).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    private static int freeUdpPort() {
        try (DatagramSocket socket = new DatagramSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
