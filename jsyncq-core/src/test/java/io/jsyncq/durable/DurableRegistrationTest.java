package io.jsyncq.durable;

import io.jsyncq.QueueAdmin;
import io.jsyncq.QueueFullException;
import io.jsyncq.QueueInUseException;
import io.jsyncq.ReaderInfo;
import io.jsyncq.SyncQueue;
import io.jsyncq.testing.ChildJvm;
import io.jsyncq.testing.TestQueues;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Durable registrations, with real processes killed by SIGKILL: parked at death with their position still
 * holding space, resumed by name, given up by an operator.
 */
@Timeout(180)
class DurableRegistrationTest {

    private final String name = TestQueues.uniqueName("durable");
    private final List<ChildJvm> children = new ArrayList<>();

    @AfterEach
    void cleanUp() {
        children.forEach(ChildJvm::close);
        TestQueues.deleteIfLeft(name);
    }

    private ChildJvm start(String... args) {
        ChildJvm child = ChildJvm.start(DurableReader.class, args);
        children.add(child);
        return child;
    }

    private static void awaitLine(ChildJvm child, String line) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!child.stdoutLines().contains(line)) {
            assertThat(child.isAlive()).as(child.description() + " ended: " + child.stdout() + child.stderr()).isTrue();
            assertThat(System.nanoTime()).as("no '" + line + "' from " + child.description()).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    private static List<String> bodies(int from, int to) {
        return IntStream.range(from, to).mapToObj(i -> "m-" + i).toList();
    }

    private ReaderInfo audit() {
        return QueueAdmin.inspect(SyncQueue.defaultDirectory(), name).readers().stream()
                .filter(reader -> reader.sender().equals("audit")).findFirst().orElseThrow();
    }

    @Test
    void aKilledDurableReaderIsParkedHoldsItsMessagesAndIsResumedWhereItStopped() throws Exception {
        try (SyncQueue writer = SyncQueue.builder(name).size(4096).sender("writer").writeOnly().create()) {
            ChildJvm first = start(name, "read", "5");
            awaitLine(first, "resumed=false");
            for (int i = 0; i < 10; i++) {
                writer.append("t", "m-" + i); // 64-byte records: 64 fit in 4 KiB
            }
            awaitLine(first, "done");
            assertThat(first.stdoutLines()).containsSubsequence(bodies(0, 5));
            first.signal("KILL");
            first.waitFor(Duration.ofSeconds(10));

            // While it is down, its unread messages and everything appended since stay: writers fill the ring
            // up to its position and no further, and say who holds them.
            int appended = 10;
            while (writer.tryAppend("t", "m-" + appended)) {
                appended++;
            }
            assertThat(appended).isEqualTo(5 + 64);
            assertThatThrownBy(() -> writer.append("t", "one too many"))
                    .isInstanceOf(QueueFullException.class)
                    .hasMessageContaining("durable registration 'audit', parked");
            assertThat(audit().parked()).isTrue();
            assertThat(audit().alive()).isFalse();

            ChildJvm second = start(name, "read", Integer.toString(appended - 5));
            awaitLine(second, "done");
            List<String> lines = second.stdoutLines();
            assertThat(lines.getFirst()).isEqualTo("resumed=true");
            assertThat(lines.subList(2, lines.size() - 1)).containsExactlyElementsOf(bodies(5, appended));
            assertThat(audit().parked()).isFalse();
            assertThat(audit().durable()).isTrue();
        }
    }

    @Test
    void oneProcessAtATimeHoldsADurableName() throws Exception {
        try (SyncQueue writer = SyncQueue.builder(name).size(4096).sender("writer").writeOnly().create()) {
            ChildJvm holder = start(name, "read", "1");
            awaitLine(holder, "resumed=false");
            assertThatThrownBy(() -> SyncQueue.builder(name).sender("audit").durable().open())
                    .isInstanceOf(QueueInUseException.class)
                    .hasMessageContaining("'audit'").hasMessageContaining("pid " + holder.pid());
            writer.append("t", "m-0");
            awaitLine(holder, "done");
        }
    }

    @Test
    void evictGivesUpAParkedRegistrationAndItsMessages() throws Exception {
        try (SyncQueue writer = SyncQueue.builder(name).size(4096).sender("writer").writeOnly().create()) {
            ChildJvm first = start(name, "read", "0", "close"); // a clean close parks it too
            first.waitForSuccess(Duration.ofSeconds(60));
            for (int i = 0; i < 64; i++) {
                writer.append("t", "m-" + i);
            }
            assertThat(writer.tryAppend("t", "full")).isFalse();
            QueueAdmin.evict(SyncQueue.defaultDirectory(), name, audit().slot());
            assertThat(writer.tryAppend("t", "room again")).isTrue();
            try (SyncQueue fresh = SyncQueue.builder(name).sender("audit").durable().open()) {
                assertThat(fresh.isResumed()).isFalse();
                assertThat(fresh.pop()).isEmpty(); // it starts at the tail, as any new registration
            }
        }
    }

    @Test
    void byHandAResumedRegistrationReadsAgainWhatWasNotAcknowledged() throws Exception {
        try (SyncQueue writer = SyncQueue.builder(name).size(4096).sender("writer").writeOnly().create()) {
            ChildJvm first = start(name, "read-ack", "8", "3"); // reads 8, acknowledges the first 3
            awaitLine(first, "resumed=false");
            for (int i = 0; i < 10; i++) {
                writer.append("t", "m-" + i);
            }
            awaitLine(first, "done");
            first.signal("KILL");
            first.waitFor(Duration.ofSeconds(10));
            ChildJvm second = start(name, "read", "7");
            awaitLine(second, "done");
            List<String> lines = second.stdoutLines();
            assertThat(lines.subList(2, lines.size() - 1)).containsExactlyElementsOf(bodies(3, 10));
        }
    }

    @Test
    void aResumedRegistrationLearnsWhetherTheAppendItsProcessDiedInWasPublished() throws Exception {
        try (SyncQueue reader = SyncQueue.builder(name).size(4096).sender("reader").create()) {
            ChildJvm published = start(name, "append-die", "0");
            published.waitFor(Duration.ofSeconds(30));
            assertThat(published.stdoutLines()).contains("published");
            long appended = number(published, "appended=");
            assertThat(appended).isGreaterThan(number(published, "noted="));
            ChildJvm resumed = start(name, "read", "0", "close");
            resumed.waitForSuccess(Duration.ofSeconds(60));
            assertThat(resumed.stdoutLines()).contains("resumed=true", "lastAppend=" + appended);
            assertThat(reader.pop(Duration.ofSeconds(10)).orElseThrow().text()).isEqualTo("sure");
            assertThat(reader.pop(Duration.ofSeconds(10)).orElseThrow().text()).isEqualTo("in doubt");

            ChildJvm claimed = start(name, "append-die", "0", "claim");
            claimed.waitFor(Duration.ofSeconds(30));
            long noted = number(claimed, "noted=");
            ChildJvm resumedAgain = start(name, "read", "0", "close");
            resumedAgain.waitForSuccess(Duration.ofSeconds(60));
            // The last claim was never published: the resumed registration must append that message again.
            assertThat(resumedAgain.stdoutLines()).contains("resumed=true", "lastAppend=none");
            assertThat(reader.pop(Duration.ofSeconds(10)).orElseThrow().text()).isEqualTo("sure");
            assertThat(reader.pop(Duration.ofSeconds(1))).isEmpty(); // the dead claim is a hole, skipped
            assertThat(noted).isGreaterThan(appended);
        }
    }

    @Test
    void aResumedRegistrationSkipsWhatItsEarlierProcessesAppendedAndNeverRead() throws Exception {
        try (SyncQueue writer = SyncQueue.builder(name).size(4096).sender("writer").writeOnly().create();
             SyncQueue watcher = SyncQueue.builder(name).sender("watcher").open()) {
            // Two processes of one durable registration relay messages under "peer" (as a bridge's inbound
            // side does) and read none of them: the first is killed, the second, resumed, closes.
            ChildJvm killed = start(name, "relay", "3", "0");
            awaitLine(killed, "appended");
            killed.signal("KILL");
            killed.waitFor(Duration.ofSeconds(10));
            ChildJvm closed = start(name, "relay", "3", "3", "close");
            closed.waitForSuccess(Duration.ofSeconds(60));
            assertThat(killed.stdoutLines().getFirst()).isEqualTo("resumed=false");
            assertThat(closed.stdoutLines().getFirst()).isEqualTo("resumed=true");
            writer.append("t", "m-6");
            List<String> all = new ArrayList<>();
            for (int i = 0; i < 13; i++) {
                all.add(watcher.pop(Duration.ofSeconds(10)).orElseThrow().text());
            }
            assertThat(all).containsExactly("r-0", "m-0", "r-1", "m-1", "r-2", "m-2", "r-3", "m-3", "r-4", "m-4",
                    "r-5", "m-5", "m-6");

            // The third process resumes where the first began, before every relayed message: it filters itself,
            // and those are its registration's own, whichever of its processes wrote them.
            ChildJvm resumed = start(name, "read", "7");
            awaitLine(resumed, "done");
            List<String> lines = resumed.stdoutLines();
            assertThat(lines.getFirst()).isEqualTo("resumed=true");
            assertThat(lines.subList(2, lines.size() - 1)).containsExactlyElementsOf(bodies(0, 7));
        }
    }

    private static long number(ChildJvm child, String prefix) {
        return child.stdoutLines().stream().filter(line -> line.startsWith(prefix)).findFirst()
                .map(line -> Long.parseLong(line.substring(prefix.length()))).orElseThrow();
    }
}
