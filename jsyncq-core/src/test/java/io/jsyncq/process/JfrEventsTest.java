package io.jsyncq.process;

import io.jsyncq.QueueAdmin;
import io.jsyncq.ReaderInfo;
import io.jsyncq.SyncQueue;
import io.jsyncq.testing.TestQueues;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The JFR events, recorded from a real run: a queue created and removed, a pop that waited, an append that
 * waited for room (and who held it), an eviction, and a reader reclaimed after its process was killed.
 */
@Timeout(120)
class JfrEventsTest {

    @Test
    void waitsRepairsAndTheLifecycleAreRecordedWithTheirFields(@TempDir Path dir) throws Exception {
        String name = TestQueues.uniqueName("jfr");
        Path file = dir.resolve("events.jfr");
        try (Recording recording = new Recording()) {
            recording.enable("jsyncq.SpaceWait");
            recording.enable("jsyncq.MessageWait").withThreshold(Duration.ZERO);
            recording.enable("jsyncq.Repair");
            recording.enable("jsyncq.Lifecycle");
            recording.start();
            try (SyncQueue writer = SyncQueue.builder(name).size(4096).sender("w").writeOnly().create();
                 SyncQueue reader = SyncQueue.builder(name).sender("slow").open()) {
                assertThat(reader.pop(Duration.ofMillis(50))).isEmpty();

                byte[] body = new byte[1000];
                while (writer.tryAppend("t", body)) {
                    // fill it: the slow reader holds every byte
                }
                CompletableFuture<Void> waiting = CompletableFuture.runAsync(
                        () -> writer.append("t", body, Duration.ofSeconds(30)));
                Thread.sleep(200);
                reader.stream().count(); // makes room
                waiting.get(30, TimeUnit.SECONDS);

                SyncQueue victim = SyncQueue.builder(name).sender("victim").open();
                int victimSlot = slotOf(name, "victim");
                QueueAdmin.evict(SyncQueue.defaultDirectory(), name, victimSlot);
                victim.close();

                try (Agent dying = Agent.start()) {
                    assertThat(dying.call("open " + name + " dying")).isEqualTo("OPENED");
                    dying.jvm().signal("KILL");
                    dying.jvm().waitFor(Duration.ofSeconds(30));
                }
                SyncQueue.builder(name).sender("joiner").open().close(); // joining reclaims the dead first
            }
            recording.stop();
            recording.dump(file);
        }
        List<RecordedEvent> events = RecordingFile.readAllEvents(file);

        assertThat(of(events, "jsyncq.Lifecycle")).extracting(e -> e.getBoolean("created"))
                .containsExactly(true, false);
        assertThat(of(events, "jsyncq.Lifecycle")).allSatisfy(e -> {
            assertThat(e.getString("file")).endsWith(name);
            assertThat(e.getLong("capacity")).isEqualTo(4096);
        });

        RecordedEvent messageWait = of(events, "jsyncq.MessageWait").getFirst();
        assertThat(messageWait.getString("queue")).isEqualTo(name);
        assertThat(messageWait.getBoolean("gotMessage")).isFalse();
        // Part of the 50 ms timeout goes before the wait begins (the first event of a JVM is slow to make).
        assertThat(messageWait.getDuration()).isPositive().isLessThan(Duration.ofSeconds(5));

        RecordedEvent spaceWait = of(events, "jsyncq.SpaceWait").getFirst();
        assertThat(spaceWait.getBoolean("gotRoom")).isTrue();
        assertThat(spaceWait.getLong("needed")).isEqualTo(1024);
        assertThat(spaceWait.getDuration()).isGreaterThanOrEqualTo(Duration.ofMillis(50)); // room came after 200 ms

        assertThat(of(events, "jsyncq.Repair")).extracting(e -> e.getString("kind") + " " + e.getString("sender"))
                .contains("evicted victim", "reclaimed dying");
    }

    private static List<RecordedEvent> of(List<RecordedEvent> events, String type) {
        return events.stream().filter(e -> e.getEventType().getName().equals(type)).toList();
    }

    private static int slotOf(String name, String sender) {
        return QueueAdmin.inspect(SyncQueue.defaultDirectory(), name).readers().stream()
                .filter(r -> r.sender().equals(sender)).mapToInt(ReaderInfo::slot).findFirst().orElseThrow();
    }
}
