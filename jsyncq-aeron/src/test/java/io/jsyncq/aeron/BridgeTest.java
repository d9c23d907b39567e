package io.jsyncq.aeron;

import io.jsyncq.QueueAdmin;
import io.jsyncq.SyncQueue;
import io.jsyncq.testing.ChildJvm;
import org.agrona.IoUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.function.IntFunction;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Several "hosts" on this machine: each its own queue directory under /dev/shm and its own bridge process,
 * joined over UDP on loopback. Writers and readers are separate JVMs.
 */
@Timeout(600)
class BridgeTest {

    private static final String QUEUE = "bridged";
    private final Path root = Path.of("/dev/shm", "jsyncq-bridge-test-" + UUID.randomUUID());
    private final List<ChildJvm> children = new ArrayList<>();
    private final List<Host> bridgeHosts = new ArrayList<>();

    @AfterEach
    void cleanUp() throws IOException {
        for (ChildJvm child : children) {
            child.close();
        }
        for (Host host : bridgeHosts) { // a bridge killed and not restarted leaves its media driver's files
            IoUtil.delete(Bridge.embeddedDriverDirectory(host.directory(), QUEUE, Endpoint.parse(host.endpoint())).toFile(), true);
        }
        if (Files.exists(root)) {
            try (Stream<Path> files = Files.walk(root)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    /** One "host": a queue directory, where its bridge listens, and what its bridge's command runs under. */
    private record Host(Path directory, String endpoint, List<String> prefix) {
    }

    @Test
    void threeHostsDeliverEveryMessageToEveryReaderOnceAndEachOriginInOrder() throws Exception {
        List<Host> hosts = new ArrayList<>();
        for (int host = 0; host < 3; host++) {
            hosts.add(new Host(root.resolve("host-" + host), "127.0.0.1:" + freeUdpPort(), List.of()));
        }
        exchange(hosts, 33_334, Disruption.NONE); // 100,002 messages in all
    }

    /**
     * With a sequencer, every reader on every host reads all 60,000 messages of the three hosts' writers in
     * one and the same order (equal digests of the order), its own host's messages included: those reach it
     * only back from the sequencer. Without one, the hosts' orders differ (each reads its own writer's
     * messages first), so equal digests are the sequencer's doing.
     */
    @Test
    void withASequencerEveryReaderOnEveryHostReadsTheSameOrder() throws Exception {
        List<Host> hosts = new ArrayList<>();
        for (int host = 0; host < 3; host++) {
            hosts.add(new Host(root.resolve("host-" + host), "127.0.0.1:" + freeUdpPort(), List.of()));
        }
        List<String> orders = exchange(hosts, 20_000, Disruption.NONE, 1);
        assertThat(orders).hasSize(3);
        assertThat(orders.stream().distinct()).as("the order digests of the three hosts' readers").hasSize(1);
    }

    /**
     * Two of three hosts' bridges are killed with SIGKILL in the middle of the stream, one after the other,
     * and restarted: their writers go on appending while they are down, frames are in flight both ways, and
     * appends of theirs are in progress. Every reader on every host still receives every message once, each
     * origin in order: what was appended while a bridge was down waits in its queue for it (its registration
     * is durable), what it had read waits in its outbox, and what arrives again is dropped.
     */
    @Test
    void bridgesKilledAndRestartedMidStreamLoseAndDuplicateNothing() throws Exception {
        List<Host> hosts = new ArrayList<>();
        for (int host = 0; host < 3; host++) {
            hosts.add(new Host(root.resolve("host-" + host), "127.0.0.1:" + freeUdpPort(), List.of()));
        }
        long[] tailAtKill = new long[2];
        exchange(hosts, 30_000, (bridges, restart) -> {
            for (int victim = 0; victim < 2; victim++) {
                Path directory = hosts.get(victim).directory();
                awaitAppended(directory, QueueAdmin.inspect(directory, QUEUE).tail() + (256 << 10)); // flowing now
                ChildJvm killed = bridges.get(victim);
                killed.signal("KILL");
                tailAtKill[victim] = QueueAdmin.inspect(directory, QUEUE).tail();
                assertThat(killed.waitFor(Duration.ofSeconds(30))).isNotZero();
                Thread.sleep(1_000); // its writer goes on appending, its peers go on sending
                ChildJvm restarted = restart.apply(victim);
                awaitLog(restarted, "resuming from where the previous bridge left off");
                for (Host peer : hosts) {
                    if (peer != hosts.get(victim)) {
                        awaitLog(restarted, "connected to peer " + peer.endpoint());
                    }
                }
            }
        });
        for (int victim = 0; victim < 2; victim++) {
            assertThat(QueueAdmin.inspect(hosts.get(victim).directory(), QUEUE).tail())
                    .as("messages went on arriving at host %d after its bridge was killed: a kill mid-stream", victim)
                    .isGreaterThan(tailAtKill[victim]);
        }
    }

    /**
     * A bridge killed that will not come back is given up with {@code forget}: its parked registration ends,
     * and its outbox, its inbox and the directory its media driver left are removed.
     */
    @Test
    void forgettingAKilledBridgeRemovesEverythingItLeft() throws Exception {
        Host a = new Host(root.resolve("host-a"), "127.0.0.1:" + freeUdpPort(), List.of());
        Files.createDirectories(a.directory());
        QueueAdmin.create(a.directory(), QUEUE, 1 << 20, 16, true, false);
        ChildJvm bridge = startBridge(a, List.of("127.0.0.1:" + freeUdpPort()));
        awaitLog(bridge, "bridging queue");
        Path driverFiles = Bridge.embeddedDriverDirectory(a.directory(), QUEUE, Endpoint.parse(a.endpoint()));
        assertThat(driverFiles).isDirectory();
        bridge.signal("KILL");
        assertThat(bridge.waitFor(Duration.ofSeconds(30))).isNotZero();
        assertThat(driverFiles).as("a killed bridge leaves its driver's files").isDirectory();

        assertThat(Bridge.forget(a.directory(), QUEUE, Endpoint.parse(a.endpoint()))).isZero();
        assertThat(driverFiles).doesNotExist();
        assertThat(QueueAdmin.inspect(a.directory(), QUEUE).readers()).isEmpty();
        try (Stream<Path> left = Files.list(a.directory())) {
            assertThat(left.map(path -> path.getFileName().toString())).noneMatch(name -> name.contains("jsyncq-bridge"));
        }
    }

    /**
     * A host that comes back with nothing (its bridge killed, its queue directory wiped and the queue made
     * afresh, as after a reboot) re-joins by itself: its peer sees the new run of its bridge and sends from
     * what it still holds for it (nothing, here: all it sent before was acknowledged), and each side appends
     * the other's messages again, once each, in order.
     */
    @Test
    void aPeerRestartedWithAnEmptyQueueRejoinsByItself() throws Exception {
        Host a = new Host(root.resolve("host-a"), "127.0.0.1:" + freeUdpPort(), List.of());
        Host b = new Host(root.resolve("host-b"), "127.0.0.1:" + freeUdpPort(), List.of());
        for (Host host : List.of(a, b)) {
            Files.createDirectories(host.directory());
            QueueAdmin.create(host.directory(), QUEUE, 1 << 20, 16, true, false);
        }
        ChildJvm firstReader = start(HostReader.class, b.directory().toString(), QUEUE, "writer-a", "500");
        awaitOutput(firstReader, line -> line.equals("ready"), "registered");
        ChildJvm bridgeA = startBridge(a, List.of(b.endpoint()));
        ChildJvm bridgeB = startBridge(b, List.of(a.endpoint()));
        awaitLog(bridgeA, "connected to peer " + b.endpoint());
        start(HostWriter.class, a.directory().toString(), QUEUE, "writer-a", "500").waitForSuccess(Duration.ofMinutes(1));
        firstReader.waitForSuccess(Duration.ofMinutes(1));
        awaitStatus(a, "0 bytes kept for peers"); // b acknowledged all of it

        bridgeB.signal("KILL");
        assertThat(bridgeB.waitFor(Duration.ofSeconds(30))).isNotZero();
        try (Stream<Path> files = Files.walk(b.directory())) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
        Files.createDirectories(b.directory());
        QueueAdmin.create(b.directory(), QUEUE, 1 << 20, 16, true, false);
        ChildJvm readerOnB = start(HostReader.class, b.directory().toString(), QUEUE, "writer-a2,writer-b", "300");
        ChildJvm readerOnA = start(HostReader.class, a.directory().toString(), QUEUE, "writer-a2,writer-b", "300");
        awaitOutput(readerOnB, line -> line.equals("ready"), "registered");
        awaitOutput(readerOnA, line -> line.equals("ready"), "registered");
        ChildJvm newBridgeB = startBridge(b, List.of(a.endpoint()));
        awaitLog(newBridgeB, "from the queue's tail");
        awaitLog(bridgeA, "peer " + b.endpoint() + " restarted");
        ChildJvm writerA = start(HostWriter.class, a.directory().toString(), QUEUE, "writer-a2", "300");
        ChildJvm writerB = start(HostWriter.class, b.directory().toString(), QUEUE, "writer-b", "300");
        writerA.waitForSuccess(Duration.ofMinutes(1));
        writerB.waitForSuccess(Duration.ofMinutes(1));
        assertThat(readerOnB.waitFor(Duration.ofMinutes(1))).as(readerOnB.stdout() + newBridgeB.stderr()).isZero();
        assertThat(readerOnA.waitFor(Duration.ofMinutes(1))).as(readerOnA.stdout() + bridgeA.stderr()).isZero();
        for (ChildJvm bridge : List.of(bridgeA, newBridgeB)) {
            bridge.process().getOutputStream().close();
            bridge.waitForSuccess(Duration.ofSeconds(60));
            assertThat(bridge.stderr()).doesNotContain("NOT delivered", "FAILED");
        }
    }

    /** Something done to the bridges while the writers write: given them, and a way to restart one. */
    @FunctionalInterface
    private interface Disruption {
        Disruption NONE = (bridges, restart) -> {
        };

        void during(List<ChildJvm> bridges, IntFunction<ChildJvm> restart) throws Exception;
    }

    /**
     * Two hosts in network namespaces of their own, joined by a veth pair: the bridges' traffic really
     * crosses an interface, as between machines.
     */
    @Test
    void twoHostsInTheirOwnNetworkNamespacesExchangeOverAVethPair() throws Exception {
        assumeTrue(NetworkNamespaces.available(), "making network namespaces needs root and iproute2 (ip netns)");
        try (NetworkNamespaces pair = NetworkNamespaces.vethPair()) {
            List<Host> hosts = List.of(
                    new Host(root.resolve("host-a"), pair.firstAddress() + ":40123", pair.execIn(0)),
                    new Host(root.resolve("host-b"), pair.secondAddress() + ":40123", pair.execIn(1)));
            int perWriter = 20_000;
            exchange(hosts, perWriter, Disruption.NONE);
            assertThat(pair.bytesSentByFirst()).as("bytes the first namespace sent through its veth")
                    .isGreaterThan((long) perWriter * TrafficProtocol.HEADER);
        }
    }

    /**
     * A peer that takes nothing for the peer timeout (its bridge stopped with SIGSTOP) is cut off: the origin
     * says so, counts every message it does not deliver, and delivers again once the peer is back. Nothing
     * is lost silently: what the peer's reader got plus what the origin counted is everything appended.
     */
    @Test
    void aStoppedPeerIsCutOffAndEveryMessageItMissesIsCountedNotLostSilently() throws Exception {
        Host a = new Host(root.resolve("host-a"), "127.0.0.1:" + freeUdpPort(), List.of());
        Host b = new Host(root.resolve("host-b"), "127.0.0.1:" + freeUdpPort(), List.of());
        for (Host host : List.of(a, b)) {
            Files.createDirectories(host.directory());
            QueueAdmin.create(host.directory(), QUEUE, 1 << 20, 16, true, false);
        }
        ChildJvm reader = start(CountingReader.class, b.directory().toString(), QUEUE, "writer-a");
        awaitOutput(reader, line -> line.equals("ready"), "registered");
        ChildJvm bridgeA = startBridge(a, List.of(b.endpoint()), 2_000);
        ChildJvm bridgeB = startBridge(b, List.of(a.endpoint()), 30_000);
        awaitLog(bridgeA, "connected to peer " + b.endpoint());
        awaitLog(bridgeB, "connected to peer " + a.endpoint());

        SplittableRandom random = new SplittableRandom(7);
        int appended = 0;
        try (SyncQueue writer = SyncQueue.builder(QUEUE).directory(a.directory()).sender("writer-a").writeOnly().open()) {
            while (appended < 100) {
                writer.append(TrafficProtocol.DATA, TrafficProtocol.message(++appended, random), Duration.ofSeconds(30));
            }
            awaitOutput(reader, line -> line.startsWith("count 100 "), "read the first 100");
            bridgeB.signal("STOP");
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!bridgeA.stderr().contains("PEER CUT OFF")) { // until the stopped peer's stream is full, then 2 s
                assertThat(System.nanoTime()).as("never cut off: " + bridgeA.stderr()).isLessThan(deadline);
                writer.append(TrafficProtocol.DATA, TrafficProtocol.message(++appended, random), Duration.ofSeconds(30));
                Thread.sleep(1);
            }
            for (int i = 0; i < 50; i++) { // while it is cut off
                writer.append(TrafficProtocol.DATA, TrafficProtocol.message(++appended, random), Duration.ofSeconds(30));
            }
            bridgeB.signal("CONT");
            awaitLog(bridgeA, "takes messages again");
            for (int i = 0; i < 20; i++) { // delivered again
                writer.append(TrafficProtocol.DATA, TrafficProtocol.message(++appended, random), Duration.ofSeconds(30));
                Thread.sleep(10);
            }
            writer.append("end", "");
        }
        assertThat(reader.waitFor(Duration.ofSeconds(60))).as(reader.stdout()).isZero();
        long received = reader.stdoutLines().stream().filter(line -> line.startsWith("final ")).findFirst()
                .map(line -> Long.parseLong(line.split(" ")[1])).orElseThrow();
        bridgeA.process().getOutputStream().close();
        bridgeA.waitForSuccess(Duration.ofSeconds(60));
        bridgeB.process().getOutputStream().close(); // a clean stop, which also removes its driver's directory
        bridgeB.waitForSuccess(Duration.ofSeconds(60));
        Matcher undelivered = Pattern.compile("undelivered=(\\d+)").matcher(bridgeA.stdout());
        assertThat(undelivered.find()).as(bridgeA.stdout()).isTrue();
        long counted = Long.parseLong(undelivered.group(1));
        assertThat(counted).as("messages counted as not delivered").isPositive();
        assertThat(received + counted).as("received " + received + " + counted " + counted).isEqualTo(appended);
        assertThat(bridgeA.stderr()).contains("were NOT delivered to it");
        assertThat(bridgeB.stderr()).contains("will not arrive");
    }

    private void exchange(List<Host> hosts, int perWriter, Disruption disruption) throws Exception {
        exchange(hosts, perWriter, disruption, -1);
    }

    /**
     * Writers on every host, a reader on every host, the bridges between; with {@code sequencer} the index of
     * the sequencer host, or -1 for none.
     *
     * @return each reader's digest of the order it read the messages in
     */
    private List<String> exchange(List<Host> hosts, int perWriter, Disruption disruption, int sequencer) throws Exception {
        List<String> writers = new ArrayList<>();
        for (int host = 0; host < hosts.size(); host++) {
            Files.createDirectories(hosts.get(host).directory());
            QueueAdmin.create(hosts.get(host).directory(), QUEUE, 1 << 20, 16, true, false);
            writers.add("writer-" + host);
        }
        List<ChildJvm> readers = new ArrayList<>();
        for (Host host : hosts) {
            readers.add(start(HostReader.class, host.directory().toString(), QUEUE, String.join(",", writers),
                    Integer.toString(perWriter)));
        }
        for (ChildJvm reader : readers) {
            awaitOutput(reader, line -> line.equals("ready"), "registered");
        }
        List<String> endpoints = hosts.stream().map(Host::endpoint).toList();
        List<ChildJvm> bridges = new ArrayList<>();
        for (int host = 0; host < hosts.size(); host++) {
            bridges.add(startBridge(hosts.get(host), bridgeArguments(endpoints, host, sequencer)));
        }
        for (int host = 0; host < hosts.size(); host++) {
            for (String peer : linkedPeers(endpoints, host, sequencer)) {
                awaitLog(bridges.get(host), "connected to peer " + peer);
            }
        }

        List<ChildJvm> writing = new ArrayList<>();
        for (int host = 0; host < hosts.size(); host++) {
            writing.add(start(HostWriter.class, hosts.get(host).directory().toString(), QUEUE, writers.get(host),
                    Integer.toString(perWriter)));
        }
        List<Boolean> restarted = new ArrayList<>(java.util.Collections.nCopies(hosts.size(), false));
        disruption.during(bridges, host -> {
            restarted.set(host, true);
            ChildJvm bridge = startBridge(hosts.get(host), bridgeArguments(endpoints, host, sequencer));
            bridges.set(host, bridge);
            return bridge;
        });
        for (ChildJvm writer : writing) {
            writer.waitForSuccess(Duration.ofMinutes(5));
        }
        for (ChildJvm reader : readers) {
            int exit = reader.waitFor(Duration.ofMinutes(5));
            if (exit != 0) {
                StringBuilder logs = new StringBuilder();
                for (ChildJvm bridge : children.stream().filter(child -> child.description().startsWith("BridgeHost")).toList()) {
                    logs.append("\n--- ").append(bridge.description()).append(":\n").append(bridge.stderr());
                }
                assertThat(exit).as(reader.stdout() + reader.stderr() + logs).isZero();
            }
            assertThat(reader.stdout()).contains("ok " + (long) perWriter * hosts.size());
        }
        List<String> orders = new ArrayList<>();
        for (ChildJvm reader : readers) {
            Matcher order = Pattern.compile("order (\\p{XDigit}+)").matcher(reader.stdout());
            assertThat(order.find()).as(reader.stdout()).isTrue();
            orders.add(order.group(1));
        }
        for (int host = 0; host < hosts.size(); host++) {
            ChildJvm bridge = bridges.get(host);
            bridge.process().getOutputStream().close(); // a clean stop
            bridge.waitForSuccess(Duration.ofSeconds(60));
            assertThat(bridge.stderr()).doesNotContain("NOT delivered", "FAILED", "will not arrive");
            if (!restarted.get(host)) {
                long relayed = host == sequencer ? (long) perWriter * hosts.size() : perWriter; // the sequencer relays all
                assertThat(bridge.stdout()).contains("relayed=" + relayed + ",");
            }
        }
        return orders;
    }

    /** The peers a host's bridge links to: every other host, or in sequencer mode the sequencer alone. */
    private static List<String> linkedPeers(List<String> endpoints, int host, int sequencer) {
        return sequencer < 0 || host == sequencer ? others(endpoints, host) : List.of(endpoints.get(sequencer));
    }

    private static List<String> bridgeArguments(List<String> endpoints, int host, int sequencer) {
        List<String> arguments = new ArrayList<>(linkedPeers(endpoints, host, sequencer));
        if (sequencer >= 0) {
            arguments.add("sequencer=" + endpoints.get(sequencer));
        }
        return arguments;
    }

    private static List<String> others(List<String> endpoints, int host) {
        List<String> others = new ArrayList<>(endpoints);
        others.remove(host);
        return others;
    }

    private ChildJvm startBridge(Host host, List<String> peers) {
        return startBridge(host, peers, 30_000);
    }

    private ChildJvm startBridge(Host host, List<String> peers, long peerTimeoutMillis) {
        List<String> args = new ArrayList<>(List.of(host.directory().toString(), QUEUE, host.endpoint(),
                Long.toString(peerTimeoutMillis)));
        args.addAll(peers);
        bridgeHosts.add(host);
        ChildJvm bridge = ChildJvm.startUnder(host.prefix(), BridgeHost.class, args.toArray(String[]::new));
        children.add(bridge);
        return bridge;
    }

    private ChildJvm start(Class<?> main, String... args) {
        ChildJvm child = ChildJvm.start(main, args);
        children.add(child);
        return child;
    }

    /** Until the host's bridge status has a line containing {@code text}. */
    private static void awaitStatus(Host host, String text) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (BridgeStatusFile.read(host.directory(), QUEUE).stream().noneMatch(line -> line.contains(text))) {
            assertThat(System.nanoTime() - deadline).as("the bridge of " + host + " never said '" + text + "': "
                    + BridgeStatusFile.read(host.directory(), QUEUE)).isNegative();
            Thread.sleep(50);
        }
    }

    /** Until the queue in {@code directory} has had {@code position} bytes appended in all. */
    private static void awaitAppended(Path directory, long position) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (QueueAdmin.inspect(directory, QUEUE).tail() < position) {
            assertThat(System.nanoTime() - deadline).as("no traffic in " + directory).isNegative();
            Thread.sleep(5);
        }
    }

    private static void awaitLog(ChildJvm child, String text) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!child.stderr().contains(text)) {
            assertThat(child.isAlive()).as(child.description() + " died: " + child.stderr()).isTrue();
            assertThat(System.nanoTime() - deadline).as(child.description() + " never logged '" + text + "': "
                    + child.stderr()).isNegative();
            Thread.sleep(50);
        }
    }

    private static void awaitOutput(ChildJvm child, Predicate<String> line, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (child.stdoutLines().stream().noneMatch(line)) {
            assertThat(child.isAlive()).as(child.description() + " died: " + child.stderr()).isTrue();
            assertThat(System.nanoTime() - deadline).as(child.description() + " never " + what).isNegative();
            Thread.sleep(50);
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
