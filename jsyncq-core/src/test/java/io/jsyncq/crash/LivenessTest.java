package io.jsyncq.crash;

import io.jsyncq.Message;
import io.jsyncq.QueueAdmin;
import io.jsyncq.QueueFullException;
import io.jsyncq.QueueInfo;
import io.jsyncq.ReaderInfo;
import io.jsyncq.RegistrationLostException;
import io.jsyncq.SyncQueue;
import io.jsyncq.testing.ChildJvm;
import io.jsyncq.testing.TestQueues;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static io.jsyncq.crash.CrashRecoveryTest.CHILD_TIMEOUT;
import static io.jsyncq.crash.CrashRecoveryTest.awaitLine;
import static io.jsyncq.crash.CrashRecoveryTest.fill;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Processes that are alive but stopped, frozen or slow: none of them may be taken for dead, whatever their
 * pid namespace, and none of the lifecycle steps may split a queue in two. Each child is a separate JVM;
 * stops are real SIGSTOPs; pid namespaces are real ({@code unshare}, where the machine allows it: as root).
 */
class LivenessTest {

    private static final Path DIR = SyncQueue.defaultDirectory();
    /** Joins and leaves per churning process: 1,000 in the default suite; -Djsyncq.churn.cycles for more. */
    private static final int CHURN_CYCLES = Integer.getInteger("jsyncq.churn.cycles", 1_000);
    private final String name = TestQueues.uniqueName("liveness");

    @AfterEach
    void removeLeftovers() {
        TestQueues.deleteIfLeft(name);
    }

    @Test
    void aReaderInAnotherPidNamespaceStoppedForFiveSecondsGetsEveryMessageInOrderAfterResuming() throws Exception {
        assumeTrue(ChildJvm.canMakePidNamespaces(), "needs root and unshare to make a pid namespace");
        int count = 2_000; // about four rings of 64-byte records: the writer must wait for the stopped reader
        try (SyncQueue writer = SyncQueue.builder(name).size(1 << 16).sender("writer").create();
             ChildJvm reader = ChildJvm.startInOwnPidNamespace(CrashChildren.SequenceReader.class, name,
                     Integer.toString(count))) {
            awaitLine(reader, "registered");
            reader.signal("STOP");
            CompletableFuture<Void> appending = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < count; i++) {
                    writer.append("t", "m-" + i, Duration.ofSeconds(60));
                    writer.drain(Duration.ZERO).forEach(m -> { }); // its own: only the stopped reader holds space
                }
            });
            Thread.sleep(5_000);
            assertThat(appending).as("the writer is held back by the stopped reader").isNotDone();
            QueueInfo info = QueueAdmin.inspect(DIR, name);
            ReaderInfo stopped = info.readers().stream().filter(r -> r.sender().equals("sequence-reader")).findFirst()
                    .orElseThrow();
            assertThat(stopped.alive()).isTrue();
            assertThat(stopped.evicted()).isFalse();
            reader.signal("CONT");
            appending.get(60, TimeUnit.SECONDS);
            reader.waitForSuccess(CHILD_TIMEOUT);
            assertThat(reader.stdoutLines()).contains("ok " + count);
            assertThat(QueueAdmin.inspect(DIR, name).readersReclaimed()).isZero();
        }
    }

    @Test
    void aStoppedReaderHoldsWritersBackUntilAnOperatorEvictsItAndThenItIsToldSo() throws Exception {
        try (SyncQueue writer = SyncQueue.builder(name).size(4096).sender("writer").create();
             ChildJvm reader = ChildJvm.start(CrashChildren.UntilLost.class, name)) {
            awaitLine(reader, "registered");
            reader.signal("STOP");
            byte[] body = new byte[500];
            fill(writer, body);
            assertThatThrownBy(() -> writer.append("t", body, Duration.ofSeconds(2)))
                    .as("a stopped process is alive: nobody reclaims it").isInstanceOf(QueueFullException.class)
                    .hasMessageContaining("'until-lost'");
            ReaderInfo stopped = QueueAdmin.inspect(DIR, name).readers().stream()
                    .filter(r -> r.sender().equals("until-lost")).findFirst().orElseThrow();
            assertThat(stopped.alive()).isTrue();
            assertThat(stopped.stopped()).isTrue();

            QueueAdmin.evict(DIR, name, stopped.slot());
            writer.append("t", body, Duration.ofSeconds(2)); // room at once
            assertThat(QueueAdmin.inspect(DIR, name).readers()).filteredOn(ReaderInfo::evicted).hasSize(1);

            reader.signal("CONT");
            assertThat(reader.waitFor(CHILD_TIMEOUT)).as(reader.stdout() + reader.stderr()).isEqualTo(3);
            assertThat(reader.stdout()).contains("lost: ").contains("evicted");
            assertThat(QueueAdmin.inspect(DIR, name).readers()).extracting(ReaderInfo::sender).containsExactly("writer");
        }
    }

    /**
     * A writer stopped between its claim and its first byte, for longer than any lease, in another pid
     * namespace where possible: its claim floor holds the ring, so no other writer laps its claim, and
     * when it resumes every record, its own and the others', reaches the reader whole.
     */
    @Test
    void aWriterStoppedInTheMiddleOfAnAppendIsNeitherSkippedNorOverwritten() throws Exception {
        int count = 3_000; // several rings of the others' messages must wait behind the stopped claim
        try (SyncQueue reader = SyncQueue.builder(name).size(1 << 16).sender("reader").create();
             SyncQueue other = SyncQueue.builder(name).sender("other").open()) {
            ChildJvm stalling = ChildJvm.canMakePidNamespaces()
                    ? ChildJvm.startInOwnPidNamespace(CrashChildren.StallingWriter.class, name, "AFTER_CLAIM", "500", "1")
                    : ChildJvm.start(CrashChildren.StallingWriter.class, name, "AFTER_CLAIM", "500", "1");
            try (stalling) {
                awaitLine(stalling, "stalling");
                stalling.signal("STOP"); // inside its 500 ms stall, claim made, nothing written
                CompletableFuture<Void> appending = CompletableFuture.runAsync(() -> {
                    for (int i = 0; i < count; i++) {
                        other.append("t", "m-" + i, Duration.ofSeconds(60));
                        other.drain(Duration.ZERO).forEach(m -> { }); // its own and the stalled writer's
                    }
                });
                List<String> read = new ArrayList<>();
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
                while (System.nanoTime() < until) {
                    reader.pop(Duration.ofMillis(100)).map(Message::text).ifPresent(read::add);
                }
                assertThat(appending).as("the others wait behind the stopped claim").isNotDone();
                stalling.signal("CONT");
                while (read.size() < count + 3) {
                    String text = reader.pop(Duration.ofSeconds(30)).map(Message::text).orElse(null);
                    if (text == null) {
                        throw new AssertionError("no message " + read.size() + " for 30 s, after "
                                + read.subList(Math.max(0, read.size() - 3), read.size()) + "; the other writer: "
                                + (appending.isDone() ? appending.handle((ok, failed) -> "stopped: " + failed).join() : "appending")
                                + "; the stalled one said: " + stalling.stdout() + stalling.stderr()
                                + "; queue: " + QueueAdmin.inspect(DIR, name));
                    }
                    read.add(text);
                }
                appending.get(60, TimeUnit.SECONDS);
                stalling.waitForSuccess(CHILD_TIMEOUT);
                assertThat(read).startsWith("before-0").contains("stalled", "after");
                assertThat(read.stream().filter(t -> t.startsWith("m-")).toList())
                        .containsExactlyElementsOf(IntStream.range(0, count).mapToObj(i -> "m-" + i).toList());
                assertThat(reader.pop()).isEmpty();
                QueueInfo info = QueueAdmin.inspect(DIR, name);
                assertThat(info.holesRepaired()).isZero();
                assertThat(info.readersReclaimed()).isZero();
            }
        }
    }

    /**
     * A writer stopped in the middle of an append and then evicted holds no cursor, and readers that joined
     * after its claim are past it: only its claim floor stops the ring from coming round over its claim.
     * When it resumes it must not land in newer records: it is told it was evicted, its message is skipped,
     * and every other record arrives whole and in order.
     */
    @Test
    void anEvictedWriterStoppedMidAppendStillHoldsItsClaimSoNothingNewerIsOverwritten() throws Exception {
        int count = 3_000;
        SyncQueue keeper = SyncQueue.builder(name).size(1 << 16).sender("keeper").create();
        try (ChildJvm stalling = ChildJvm.start(CrashChildren.StallingWriter.class, name, "AFTER_HEADER", "500", "0")) {
            try {
                awaitLine(stalling, "stalling");
                stalling.signal("STOP"); // header written, body not yet
            } finally {
                keeper.close(); // its cursor would pin the ring too
            }
            ReaderInfo writer = QueueAdmin.inspect(DIR, name).readers().getFirst();
            QueueAdmin.evict(DIR, name, writer.slot());
            try (SyncQueue reader = SyncQueue.builder(name).sender("reader").open();
                 SyncQueue other = SyncQueue.builder(name).sender("other").open()) {
                CompletableFuture<Void> appending = CompletableFuture.runAsync(() -> {
                    for (int i = 0; i < count; i++) {
                        other.append("t", "m-" + i, Duration.ofSeconds(60));
                        other.drain(Duration.ZERO).forEach(m -> { });
                    }
                });
                List<String> read = new ArrayList<>();
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
                while (System.nanoTime() < until) {
                    reader.pop(Duration.ofMillis(100)).map(Message::text).ifPresent(read::add);
                }
                assertThat(appending).as("the ring cannot come round over the stopped claim").isNotDone();
                stalling.signal("CONT");
                assertThat(stalling.waitFor(CHILD_TIMEOUT)).as(stalling.stdout()).isEqualTo(3);
                assertThat(stalling.stdout()).contains("evicted");
                while (read.size() < count) {
                    String text = reader.pop(Duration.ofSeconds(30)).map(Message::text).orElse(null);
                    assertThat(text).as("message " + read.size()).isNotNull();
                    read.add(text);
                }
                appending.get(60, TimeUnit.SECONDS);
                assertThat(read).containsExactlyElementsOf(
                        IntStream.range(0, count).mapToObj(i -> "m-" + i).toList());
                assertThat(reader.pop()).isEmpty();
            }
        }
        assertThat(TestQueues.exists(name)).isFalse();
    }

    /**
     * With no reader behind it, a claim in progress is all that holds the ring: when it ends, a writer waiting
     * for that room must be woken. The waiter sleeps in slices of a minute, so a lost wake-up shows as a wait
     * of tens of seconds, not the 10 ms the default slice would hide it behind.
     */
    @Test
    void aWriterWaitingOnlyForAnotherWritersClaimIsWokenWhenThatClaimEnds() throws Exception {
        QueueAdmin.create(DIR, name, 1 << 16, 8, true, false); // no registration reads: only floors hold room
        try (ChildJvm staller = ChildJvm.start(CrashChildren.WriteOnlyStaller.class, name, "40000", "1500")) {
            awaitLine(staller, "stalling");
            Thread.sleep(200); // inside its stall: its claim holds 40 KB of the ring
            try (ChildJvm waiter = ChildJvm.start(List.of("--enable-native-access=ALL-UNNAMED",
                    "-Djsyncq.maxSleepMillis=60000"), CrashChildren.WriteOnlyWaiter.class, name, "30000")) {
                assertThat(waiter.waitFor(Duration.ofSeconds(60))).as(waiter.stdout() + waiter.stderr()).isZero();
                String waited = waiter.stdoutLines().stream().filter(line -> line.startsWith("waited ")).findFirst()
                        .orElseThrow();
                assertThat(Long.parseLong(waited.split(" ")[1])).as("woken when the claim ended, not by a timeout")
                        .isLessThan(10_000);
            }
            assertThat(staller.stdoutLines()).contains("appended");
        } finally {
            QueueAdmin.remove(DIR, name, true);
        }
    }

    @Test
    void removingAQueueByForceEndsTheWaitOfARegistrationOnItWithAClearError() throws Exception {
        try (SyncQueue keeper = SyncQueue.builder(name).size(4096).sender("keeper").create();
             ChildJvm waiting = ChildJvm.start(CrashChildren.UntilLost.class, name)) {
            awaitLine(waiting, "registered");
            QueueAdmin.remove(DIR, name, true);
            assertThat(waiting.waitFor(Duration.ofSeconds(20))).as(waiting.stdout() + waiting.stderr()).isEqualTo(3);
            assertThat(waiting.stdout()).contains("lost: ").contains("was removed");
            assertThatThrownBy(() -> keeper.append("t", "x")).isInstanceOf(RegistrationLostException.class);
        }
        assertThat(TestQueues.exists(name)).isFalse();
        assertThat(TestQueues.lockFileExists(name)).isFalse();
    }

    /**
     * A process stopped in the middle of a lifecycle step (standing in: it holds the name's lock) makes
     * others wait; it never makes them create a second queue beside the first. Killed, it frees them at once.
     */
    @Test
    void aStoppedLifecycleStepMakesOthersWaitAndNeverSplitsTheQueue() throws Exception {
        try (SyncQueue first = SyncQueue.builder(name).size(4096).sender("first").create();
             ChildJvm holder = ChildJvm.start(CrashChildren.NameLockHolder.class, name)) {
            awaitLine(holder, "locked");
            holder.signal("STOP");
            CompletableFuture<SyncQueue> joining = CompletableFuture.supplyAsync(
                    () -> SyncQueue.builder(name).size(4096).sender("second").openOrCreate());
            Thread.sleep(1_000);
            assertThat(joining).as("waits for the name's lock").isNotDone();
            holder.signal("KILL");
            try (SyncQueue second = joining.get(10, TimeUnit.SECONDS)) {
                second.append("t", "one queue");
                assertThat(first.pop(Duration.ofSeconds(5)).map(Message::text)).contains("one queue");
            }
        }
        assertThat(TestQueues.exists(name)).isFalse();
    }

    /**
     * Many short registrations join and leave beside long ones: no live registration is ever taken, the
     * long-lived reader receives every message of the long-lived writer in order, and nobody is reclaimed.
     */
    @Test
    void joiningAndLeavingInALoopNeverTakesALiveRegistration() throws Exception {
        int count = 20_000;
        try (SyncQueue writer = SyncQueue.builder(name).size(1 << 16).sender("writer").create();
             ChildJvm reader = ChildJvm.start(CrashChildren.SequenceReader.class, name, Integer.toString(count))) {
            awaitLine(reader, "registered");
            List<ChildJvm> churners = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    churners.add(ChildJvm.start(CrashChildren.Churner.class, name, Integer.toString(i),
                            Integer.toString(CHURN_CYCLES)));
                }
                for (int i = 0; i < count; i++) {
                    // A writer is a reader too: it waits for room it holds itself unless it drains between tries.
                    while (true) {
                        writer.drain(Duration.ZERO).forEach(m -> { }); // the churners' messages
                        try {
                            writer.append("t", "m-" + i);
                            break;
                        } catch (QueueFullException full) {
                            Thread.onSpinWait();
                        }
                    }
                }
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3 + CHURN_CYCLES / 1_000);
                while (churners.stream().anyMatch(ChildJvm::isAlive) && System.nanoTime() < deadline) {
                    writer.drain(Duration.ofMillis(10)).forEach(m -> { }); // keep reading while they churn
                }
                for (ChildJvm churner : churners) {
                    churner.waitForSuccess(Duration.ofSeconds(10));
                    assertThat(churner.stdoutLines()).contains("ok");
                }
                reader.waitForSuccess(CHILD_TIMEOUT);
                assertThat(reader.stdoutLines()).contains("ok " + count);
                assertThat(QueueAdmin.inspect(DIR, name).readersReclaimed()).isZero();
            } finally {
                churners.forEach(ChildJvm::close);
            }
        }
        assertThat(TestQueues.exists(name)).isFalse();
    }
}
