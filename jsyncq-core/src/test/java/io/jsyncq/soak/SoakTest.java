package io.jsyncq.soak;

import io.jsyncq.QueueAdmin;
import io.jsyncq.QueueInfo;
import io.jsyncq.QueueMonitor;
import io.jsyncq.SyncQueue;
import io.jsyncq.testing.ChildJvm;
import io.jsyncq.testing.TestQueues;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Processes join, leave and are killed at random while all of them write and read one queue. The default
 * suite runs it for 15 seconds; the soak proper runs for as long as asked:
 * {@code bin/test -pl jsyncq-core -Dtest=SoakTest -Djsyncq.soak.minutes=10}.
 */
class SoakTest {

    private static final int MAX_PEERS = 5;
    private static final int MIN_PEERS = 2;

    private record Peer(String id, ChildJvm process, Path stopFile, Path resultFile) {
    }

    @Test
    void processesJoiningLeavingAndDyingLoseNoMessage() throws Exception {
        Duration duration = Duration.ofSeconds(Math.round(
                Double.parseDouble(System.getProperty("jsyncq.soak.minutes", "0.25")) * 60));
        String name = TestQueues.uniqueName("soak");
        Path work = Files.createTempDirectory("jsyncq-soak");
        Random random = new Random();
        List<Peer> peers = new ArrayList<>();
        List<Path> results = new ArrayList<>();
        int started = 0;
        int killed = 0;
        int left = 0;
        double rateSum = 0;
        int rateSamples = 0;
        QueueAdmin.create(SyncQueue.defaultDirectory(), name, 1 << 18, 64, true, false);
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        long nextReport = start + 10_000_000_000L;
        try (QueueMonitor monitor = QueueMonitor.open(SyncQueue.defaultDirectory(), name)) {
            monitor.snapshot(false);
            while (System.nanoTime() < end) {
                int action = random.nextInt(10);
                if (peers.size() < MIN_PEERS || (peers.size() < MAX_PEERS && action < 4)) {
                    String id = "peer-" + (++started);
                    Peer peer = new Peer(id, null, work.resolve(id + ".stop"), work.resolve(id + ".result"));
                    peers.add(new Peer(id, ChildJvm.start(SoakPeer.class, name, id, peer.stopFile().toString(),
                            peer.resultFile().toString()), peer.stopFile(), peer.resultFile()));
                } else if (action < 7) {
                    Peer peer = peers.remove(random.nextInt(peers.size()));
                    Files.writeString(peer.stopFile(), "stop");
                    peer.process().waitForSuccess(Duration.ofSeconds(60));
                    results.add(peer.resultFile());
                    left++;
                } else {
                    Peer peer = peers.remove(random.nextInt(peers.size()));
                    peer.process().process().destroyForcibly().waitFor(); // SIGKILL
                    peer.process().close();
                    killed++;
                }
                Thread.sleep(500 + random.nextInt(2000));
                QueueInfo.Rates rates = monitor.snapshot(true).rates();
                if (rates != null && !Double.isNaN(rates.messagesPerSecond())) {
                    rateSum += rates.messagesPerSecond();
                    rateSamples++;
                }
                if (System.nanoTime() > nextReport) {
                    nextReport += 10_000_000_000L;
                    System.out.printf("soak: %ds, %d peers running, %d started, %d left, %d killed%n",
                            (System.nanoTime() - start) / 1_000_000_000L, peers.size(), started, left, killed);
                }
            }
            for (Peer peer : peers) {
                Files.writeString(peer.stopFile(), "stop");
            }
            for (Peer peer : peers) {
                peer.process().waitForSuccess(Duration.ofSeconds(60));
                results.add(peer.resultFile());
                peer.process().close();
                left++;
            }
            QueueInfo last = monitor.snapshot(false);
            long verified = 0;
            long lost = 0;
            long torn = 0;
            int registrationsLost = 0;
            Pattern line = Pattern.compile("verified (\\d+) lost (\\d+) torn (\\d+) sent (\\d+) (\\w+)");
            for (Path result : results) {
                Matcher m = line.matcher(Files.readString(result));
                assertThat(m.find()).as(result.toString()).isTrue();
                verified += Long.parseLong(m.group(1));
                lost += Long.parseLong(m.group(2));
                torn += Long.parseLong(m.group(3));
                registrationsLost += m.group(5).equals("reclaimed") ? 1 : 0;
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("soak summary: %.0f s, %d processes started, %d left, %d killed with SIGKILL;"
                            + " %.0f messages/s appended; %d readers reclaimed, %d holes recovered;"
                            + " %d messages verified, %d lost, %d torn%n",
                    seconds, started, left, killed, rateSamples == 0 ? 0 : rateSum / rateSamples,
                    last.readersReclaimed(), last.holesRepaired(), verified, lost, torn);
            assertThat(lost).as("messages lost").isZero();
            assertThat(torn).as("messages torn").isZero();
            assertThat(registrationsLost).as("live peers that lost their registration").isZero();
            assertThat(verified).isPositive();
        } finally {
            peers.forEach(peer -> peer.process().close());
            TestQueues.deleteIfLeft(name);
        }
    }
}
