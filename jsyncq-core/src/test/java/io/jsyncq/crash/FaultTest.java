package io.jsyncq.crash;

import io.jsyncq.QueueAdmin;
import io.jsyncq.SyncQueue;
import io.jsyncq.testing.ChildJvm;
import io.jsyncq.testing.TestQueues;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Four processes exchange over a million messages while two are killed with SIGKILL at random moments:
 * the survivors must still receive everything, in the same order, and the queue must go on working.
 */
class FaultTest {

    private static final int PEERS = 4;
    private static final int MESSAGES_PER_PEER = 500_000;

    @Test
    void survivorsOfSigkilledPeersReceiveCompleteIdenticalStreams() throws Exception {
        String name = TestQueues.uniqueName("faults");
        Path results = Files.createTempDirectory("jsyncq-faults");
        List<ChildJvm> peers = new ArrayList<>();
        try {
            try (SyncQueue control = SyncQueue.builder(name).size(1 << 18).sender("control").create()) {
                for (int id = 0; id < PEERS; id++) {
                    peers.add(ChildJvm.start(FaultPeer.class, name, "" + id, "" + MESSAGES_PER_PEER,
                            results.resolve("p" + id).toString()));
                }
                for (ChildJvm peer : peers) {
                    awaitLine(peer, "READY", Duration.ofSeconds(60));
                }
                control.append("go", "");
            } // closing: its unread messages must not hold the peers back
            // Each kill lands at a random point of the traffic, measured by the tail rather than by a clock, so
            // that a fast or a loaded machine kills both mid-stream: p2 within the first 5-25% of all the
            // messages, p3 within 30-50% (by then each peer has sent well under its share).
            ThreadLocalRandom random = ThreadLocalRandom.current();
            long totalBytes = (long) PEERS * MESSAGES_PER_PEER * 128; // records take 64 to 256 bytes, ~160 on average
            awaitTail(name, totalBytes * (5 + random.nextInt(21)) / 100);
            peers.get(2).process().destroyForcibly(); // SIGKILL, at a random point of its appends and pops
            awaitTail(name, totalBytes * (30 + random.nextInt(21)) / 100);
            peers.get(3).process().destroyForcibly();
            for (int id = 2; id < 4; id++) {
                peers.get(id).process().waitFor();
            }
            for (int id = 0; id < 2; id++) {
                awaitLine(peers.get(id), "SENT", Duration.ofSeconds(240));
            }
            // A process that registers now, after the kills, can use the queue.
            try (SyncQueue newcomer = SyncQueue.builder(name).sender("newcomer").open()) {
                newcomer.append("stop", "", Duration.ofSeconds(30));
            }
            for (int id = 0; id < 2; id++) {
                peers.get(id).waitForSuccess(Duration.ofSeconds(120));
            }
            String first = Files.readString(results.resolve("p0"));
            String second = Files.readString(results.resolve("p1"));
            assertThat(first).isEqualTo(second);
            assertThat(first).contains("p0=" + MESSAGES_PER_PEER).contains("p1=" + MESSAGES_PER_PEER);
            Matcher received = Pattern.compile("received (\\d+)").matcher(first);
            assertThat(received.find() && Long.parseLong(received.group(1)) >= 1_000_000).as(first).isTrue();
            Matcher killed = Pattern.compile("p2=(\\d+) p3=(\\d+)").matcher(first);
            assertThat(killed.find()).as(first).isTrue();
            assertThat(Integer.parseInt(killed.group(1))).as("p2 was killed mid-stream").isLessThan(MESSAGES_PER_PEER);
            assertThat(Integer.parseInt(killed.group(2))).as("p3 was killed mid-stream").isLessThan(MESSAGES_PER_PEER);
            System.out.println("fault test: survivors agree on " + first);
        } finally {
            peers.forEach(ChildJvm::close);
            TestQueues.deleteIfLeft(name);
        }
        // The dead peers' registrations were cleared, so the last survivor's close removed the file.
        assertThat(TestQueues.exists(name)).isFalse();
    }

    private static void awaitTail(String name, long position) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(240).toNanos();
        while (QueueAdmin.inspect(SyncQueue.defaultDirectory(), name).tail() < position) {
            assertThat(System.nanoTime()).as("the tail never reached " + position).isLessThan(deadline);
            Thread.sleep(2);
        }
    }

    private static void awaitLine(ChildJvm child, String line, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (child.stdoutLines().contains(line)) {
                return;
            }
            if (!child.process().isAlive()) {
                throw new AssertionError("child exited before printing " + line + ": " + child.stderr());
            }
            Thread.sleep(20);
        }
        throw new AssertionError("child never printed " + line + "; stderr: " + child.stderr());
    }
}
