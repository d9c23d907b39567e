package io.jsyncq.aeron;

import io.jsyncq.QueueAdmin;
import io.jsyncq.testing.ChildJvm;
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
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Several "hosts" on this machine: each its own queue directory under /dev/shm and its own bridge process,
 * joined over UDP on loopback. Writers and readers are separate JVMs.
 */
@Timeout(600)
class BridgeTest {

    private static final String QUEUE = "bridged";
    private final Path root = Path.of("/dev/shm", "jsyncq-bridge-test-" + UUID.randomUUID());
    private final List<ChildJvm> children = new ArrayList<>();

    @AfterEach
    void cleanUp() throws IOException {
        for (ChildJvm child : children) {
            child.close();
        }
        if (Files.exists(root)) {
            try (Stream<Path> files = Files.walk(root)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    @Test
    void threeHostsDeliverEveryMessageToEveryReaderOnceAndEachOriginInOrder() throws Exception {
        int hosts = 3;
        int perWriter = 33_334; // 100,002 messages in all
        List<Path> directories = new ArrayList<>();
        List<String> endpoints = new ArrayList<>();
        List<String> writers = new ArrayList<>();
        for (int host = 0; host < hosts; host++) {
            Path directory = Files.createDirectories(root.resolve("host-" + host));
            QueueAdmin.create(directory, QUEUE, 1 << 20, 16, true, false);
            directories.add(directory);
            endpoints.add("127.0.0.1:" + freeUdpPort());
            writers.add("writer-" + host);
        }
        List<ChildJvm> readers = new ArrayList<>();
        for (Path directory : directories) {
            readers.add(start(HostReader.class, directory.toString(), QUEUE, String.join(",", writers),
                    Integer.toString(perWriter)));
        }
        for (ChildJvm reader : readers) {
            awaitOutput(reader, line -> line.equals("ready"), "registered");
        }
        List<ChildJvm> bridges = new ArrayList<>();
        for (int host = 0; host < hosts; host++) {
            bridges.add(startBridge(directories.get(host), endpoints.get(host), others(endpoints, host)));
        }
        for (int host = 0; host < hosts; host++) {
            for (String peer : others(endpoints, host)) {
                awaitLog(bridges.get(host), "connected to peer " + peer);
            }
        }

        List<ChildJvm> writing = new ArrayList<>();
        for (int host = 0; host < hosts; host++) {
            writing.add(start(HostWriter.class, directories.get(host).toString(), QUEUE, writers.get(host),
                    Integer.toString(perWriter)));
        }
        for (ChildJvm writer : writing) {
            writer.waitForSuccess(Duration.ofMinutes(5));
        }
        for (ChildJvm reader : readers) {
            assertThat(reader.waitFor(Duration.ofMinutes(5))).as(reader.stdout() + reader.stderr()).isZero();
            assertThat(reader.stdout()).contains("ok " + (long) perWriter * hosts);
        }
        for (ChildJvm bridge : bridges) {
            bridge.process().getOutputStream().close(); // a clean stop
            bridge.waitForSuccess(Duration.ofSeconds(60));
            assertThat(bridge.stderr()).doesNotContain("NOT delivered", "FAILED", "never arrived");
            assertThat(bridge.stdout()).contains("relayed=" + perWriter + ",");
        }
    }

    private static List<String> others(List<String> endpoints, int host) {
        List<String> others = new ArrayList<>(endpoints);
        others.remove(host);
        return others;
    }

    private ChildJvm startBridge(Path directory, String listen, List<String> peers) {
        List<String> args = new ArrayList<>(List.of(directory.toString(), QUEUE, listen, "30000"));
        args.addAll(peers);
        ChildJvm bridge = ChildJvm.start(ChildJvm.NATIVE_ACCESS, null, BridgeHost.class, args.toArray(String[]::new));
        children.add(bridge);
        return bridge;
    }

    private ChildJvm start(Class<?> main, String... args) {
        ChildJvm child = ChildJvm.start(main, args);
        children.add(child);
        return child;
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
