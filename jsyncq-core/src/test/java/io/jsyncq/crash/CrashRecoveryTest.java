package io.jsyncq.crash;

import io.jsyncq.Message;
import io.jsyncq.QueueFullException;
import io.jsyncq.SyncQueue;
import io.jsyncq.QueueAdmin;
import io.jsyncq.testing.ChildJvm;
import io.jsyncq.testing.TestQueues;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Processes that die or exit without closing: none of them may wedge the queue, or leave it behind. */
class CrashRecoveryTest {

    static final Duration CHILD_TIMEOUT = Duration.ofSeconds(60);
    private final String name = TestQueues.uniqueName("crash");

    @AfterEach
    void removeLeftovers() {
        TestQueues.deleteIfLeft(name);
    }

    @Test
    void aKilledReaderStopsHoldingBackWritersWithinASecond() throws Exception {
        assertDeadReaderIsReclaimed("kill");
    }

    @Test
    void aReaderThatExitsWithoutClosingIsReclaimedToo() throws Exception {
        assertDeadReaderIsReclaimed("halt");
    }

    private void assertDeadReaderIsReclaimed(String howItDies) throws Exception {
        SyncQueue writer = SyncQueue.builder(name).size(4096).sender("writer").create();
        try (ChildJvm reader = ChildJvm.start(CrashChildren.IdleReader.class, name, howItDies)) {
            awaitLine(reader, "registered");
            byte[] body = new byte[500];
            fill(writer, body);
            assertThatThrownBy(() -> writer.append("t", body)).isInstanceOf(QueueFullException.class)
                    .hasMessageContaining("'idle'");
            if (howItDies.equals("kill")) {
                reader.process().destroyForcibly(); // SIGKILL
            } else {
                reader.process().getOutputStream().write('\n'); // it exits at once, without closing
                reader.process().getOutputStream().flush();
            }
            reader.process().waitFor(30, TimeUnit.SECONDS);
            long start = System.nanoTime();
            writer.append("t", body, Duration.ofSeconds(10));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
        } finally {
            writer.close();
        }
        // The dead registration was taken off the count too, so the last close removed the file.
        assertThat(TestQueues.exists(name)).isFalse();
    }

    @Test
    void aWriterThatDiedAfterWritingItsHeaderIsSkippedAtOnceAndNothingElseIsLost() throws Exception {
        try (SyncQueue reader = SyncQueue.builder(name).size(1 << 16).sender("reader").create()) {
            try (ChildJvm writer = ChildJvm.start(CrashChildren.StallingWriter.class, name, "AFTER_HEADER", "-1", "5")) {
                assertThat(writer.waitFor(CHILD_TIMEOUT)).isEqualTo(99); // halted between claim and publish
            }
            try (SyncQueue other = SyncQueue.builder(name).sender("other").open()) {
                other.append("t", "after the hole");
            }
            long start = System.nanoTime();
            List<String> read = texts(reader, 6);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
            assertThat(read).containsExactly("before-0", "before-1", "before-2", "before-3", "before-4", "after the hole");
            assertThat(reader.pop()).isEmpty();
        }
    }

    @Test
    void aWriterThatDiedBeforeItsHeaderIsSkippedAtOnceToo() throws Exception {
        // Its claim floor names it from the tail's compare-and-set on, so no timeout is needed.
        try (SyncQueue reader = SyncQueue.builder(name).size(1 << 16).sender("reader").create()) {
            try (ChildJvm writer = ChildJvm.start(CrashChildren.StallingWriter.class, name, "AFTER_CLAIM", "-1", "3")) {
                assertThat(writer.waitFor(CHILD_TIMEOUT)).isEqualTo(99);
            }
            try (SyncQueue other = SyncQueue.builder(name).sender("other").open()) {
                other.append("t", "after the hole");
            }
            long start = System.nanoTime();
            List<String> read = texts(reader, 4);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
            assertThat(read).containsExactly("before-0", "before-1", "before-2", "after the hole");
            assertThat(reader.pop()).isEmpty();
            assertThat(QueueAdmin.inspect(SyncQueue.defaultDirectory(), name).holesRepaired()).isEqualTo(1);
        }
    }

    @Test
    void aSlowLiveWriterWhoseHeaderIsWrittenIsNeverSkipped() throws Exception {
        assertSlowLiveWriterIsNeverSkipped("AFTER_HEADER");
    }

    @Test
    void aSlowLiveWriterStalledBeforeItsHeaderIsNeverSkippedEither() throws Exception {
        assertSlowLiveWriterIsNeverSkipped("AFTER_CLAIM");
    }

    private void assertSlowLiveWriterIsNeverSkipped(String stallPoint) throws Exception {
        try (SyncQueue reader = SyncQueue.builder(name).size(1 << 16).sender("reader").create();
             ChildJvm writer = ChildJvm.start(CrashChildren.StallingWriter.class, name, stallPoint, "1500", "1")) {
            List<String> read = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                reader.pop(Duration.ofSeconds(20)).map(Message::text).ifPresent(read::add);
            }
            assertThat(read).containsExactly("before-0", "stalled", "after");
            writer.waitForSuccess(CHILD_TIMEOUT);
            assertThat(writer.stdoutLines()).contains("delivered", "done");
            assertThat(QueueAdmin.inspect(SyncQueue.defaultDirectory(), name).holesRepaired()).isZero();
        }
    }

    @Test
    void killingOneOfTwoRegistrationsThenClosingTheOtherRemovesTheQueue() throws Exception {
        SyncQueue survivor = SyncQueue.builder(name).size(4096).sender("survivor").create();
        try (ChildJvm victim = ChildJvm.start(CrashChildren.IdleReader.class, name)) {
            awaitLine(victim, "registered");
            victim.signal("KILL");
            victim.waitFor(CHILD_TIMEOUT);
        } finally {
            survivor.close(); // appends nothing: the close itself reclaims the dead
        }
        assertThat(TestQueues.exists(name)).isFalse();
        assertThat(TestQueues.lockFileExists(name)).isFalse();
    }

    /**
     * Appends until the queue is full with messages only other readers hold: the writer's own are drained.
     * Bounded, because a reader reclaimed meanwhile would free room for ever.
     */
    static void fill(SyncQueue writer, byte[] body) {
        for (long appended = 0; appended <= writer.capacity() / body.length + 1; appended++) {
            try {
                writer.append("t", body);
            } catch (QueueFullException full) {
                writer.stream().count(); // its own messages: only the other reader holds space now
                try {
                    writer.append("t", body);
                } catch (QueueFullException stillFull) {
                    return;
                }
            }
        }
    }

    /** Pops {@code count} messages, each waited for up to 10 s; fewer if one does not come. */
    static List<String> texts(SyncQueue reader, int count) {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            reader.pop(Duration.ofSeconds(10)).map(Message::text).ifPresent(texts::add);
        }
        return texts;
    }

    static void awaitLine(ChildJvm child, String prefix) throws InterruptedException {
        long deadline = System.nanoTime() + CHILD_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (child.stdoutLines().stream().anyMatch(line -> line.startsWith(prefix))) {
                return;
            }
            if (!child.process().isAlive()) {
                throw new AssertionError("child exited before printing '" + prefix + "': " + child.stderr());
            }
            Thread.sleep(20);
        }
        throw new AssertionError("child never printed '" + prefix + "'");
    }
}
