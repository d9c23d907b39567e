package io.jsyncq;

import io.jsyncq.internal.RecordLayout;
import io.jsyncq.testing.ChildJvm;
import io.jsyncq.testing.TestQueues;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The roles beyond pysyncq: write-only registrations, appends that do not throw, batch reads. */
@Timeout(120)
class RolesTest {

    private final String name = TestQueues.uniqueName("roles");

    @AfterEach
    void removeLeftovers() {
        TestQueues.deleteIfLeft(name);
    }

    private static List<String> texts(SyncQueue reader, int count) {
        List<String> texts = new ArrayList<>();
        while (texts.size() < count) {
            int got = reader.poll(view -> texts.add(view.toMessage().text()), count - texts.size(), Duration.ofSeconds(30));
            assertThat(got).as("after " + texts.size() + " messages").isPositive();
        }
        return texts;
    }

    @Test
    void aWriteOnlyProducerHoldsNoSpaceAndNeverDrains() throws Exception {
        int count = 2_000; // 64-byte records: about thirty rings of 4 KiB
        try (SyncQueue reader = SyncQueue.builder(name).size(4096).sender("reader").create();
             SyncQueue producer = SyncQueue.builder(name).sender("producer").writeOnly().open()) {
            CompletableFuture<Void> producing = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < count; i++) {
                    producer.append("t", "m-" + i, Duration.ofSeconds(30)); // and never a pop
                }
            });
            assertThat(texts(reader, count)).containsExactlyElementsOf(
                    IntStream.range(0, count).mapToObj(i -> "m-" + i).toList());
            producing.get(30, TimeUnit.SECONDS);

            ReaderInfo info = QueueAdmin.inspect(SyncQueue.defaultDirectory(), name).readers().stream()
                    .filter(r -> r.sender().equals("producer")).findFirst().orElseThrow();
            assertThat(info.writeOnly()).isTrue();
            assertThat(info.lagBytes()).isZero();
            assertThatThrownBy(producer::pop).isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("write-only");
        }
        assertThat(TestQueues.exists(name)).isFalse();
    }

    @Test
    void aRelayKeepsTheSendersItCarriesScreensApplyAndItNeverReadsItsRelaysBack() throws Exception {
        try (SyncQueue relay = SyncQueue.builder(name).size(1 << 16).sender("relay").create();
             SyncQueue reader = SyncQueue.builder(name).sender("reader").open();
             SyncQueue screening = SyncQueue.builder(name).sender("screening").open();
             SyncQueue seesItsOwn = SyncQueue.builder(name).sender("sees-its-own").filterSelf(false).open()) {
            screening.senderScreen().add("alice");
            // The screening reader sleeps at the first record, so the relayed sender's name also decides
            // whom the writer wakes: a wrong name here would leave it asleep at "bob" for its whole wait.
            CompletableFuture<Message> screened = CompletableFuture.supplyAsync(
                    () -> screening.pop(Duration.ofSeconds(30)).orElseThrow());
            Thread.sleep(100);
            relay.appendAs("alice", "quote", MemorySegment.ofArray("from alice".getBytes(UTF_8)), Duration.ZERO);
            relay.appendAs("bob", "quote", MemorySegment.ofArray("from bob".getBytes(UTF_8)), Duration.ZERO);
            relay.append("own", "the relay's own");
            seesItsOwn.appendAs("carol", "t", MemorySegment.ofArray("carol via sees-its-own".getBytes(UTF_8)),
                    Duration.ZERO);

            assertThat(reader.stream().map(m -> m.sender() + "/" + m.type() + "/" + m.text()).toList())
                    .containsExactly("alice/quote/from alice", "bob/quote/from bob", "relay/own/the relay's own",
                            "carol/t/carol via sees-its-own");
            assertThat(screened.get(30, TimeUnit.SECONDS).sender()).isEqualTo("bob");
            assertThat(relay.stream().map(Message::text).toList()).containsExactly("carol via sees-its-own");
            assertThat(seesItsOwn.stream().map(Message::sender).toList()).containsExactly("alice", "bob", "relay", "carol");
            assertThatThrownBy(() -> relay.appendAs("x".repeat(256), "t", MemorySegment.ofArray(new byte[1]), Duration.ZERO))
                    .isInstanceOf(InvalidNameException.class).hasMessageContaining("255");
        }
    }

    @Test
    void tryAppendSaysFullWithoutAnExceptionAndEveryOtherFailureStillThrows() {
        try (SyncQueue reader = SyncQueue.builder(name).size(4096).sender("reader").create();
             SyncQueue producer = SyncQueue.builder(name).sender("producer").writeOnly().open()) {
            byte[] body = new byte[1024 - RecordLayout.HEADER_LENGTH - "producer".length() - "t".length()]; // 1,024-byte records
            int appended = 0;
            while (producer.tryAppend("t", body)) {
                appended++;
            }
            assertThat(appended).isEqualTo(4); // they fill 4 KiB
            assertThat(producer.tryAppend("t", "x")).isFalse();
            assertThat(reader.poll(view -> { }, 10)).isEqualTo(4);
            assertThat(producer.tryAppend("t", "room again")).isTrue();
            assertThatThrownBy(() -> producer.tryAppend("t", new byte[5000]))
                    .isInstanceOf(MessageTooLargeException.class);
            producer.close();
            assertThatThrownBy(() -> producer.tryAppend("t", "x")).isInstanceOf(QueueClosedException.class);
        }
    }

    @Test
    void pollDeliversABatchAndHandsBackItsSpaceOnceAtTheEnd() {
        try (SyncQueue reader = SyncQueue.builder(name).size(4096).sender("reader").create();
             SyncQueue producer = SyncQueue.builder(name).sender("producer").writeOnly().open()) {
            for (int i = 0; i < 10; i++) {
                producer.append("t", "m-" + i);
            }
            List<String> seen = new ArrayList<>();
            List<Long> lagDuringBatch = new ArrayList<>();
            int got = reader.poll(view -> {
                seen.add(view.toMessage().text());
                lagDuringBatch.add(lagOf("reader"));
            }, 4);
            assertThat(got).isEqualTo(4);
            assertThat(seen).containsExactly("m-0", "m-1", "m-2", "m-3");
            assertThat(lagDuringBatch).as("the position is not stored per message").containsOnly(10 * 64L);
            assertThat(lagOf("reader")).as("but once when the batch ends").isEqualTo(6 * 64L);

            assertThat(reader.poll(view -> seen.add(view.toMessage().text()), 100)).isEqualTo(6);
            assertThat(reader.poll(view -> { }, 100)).isZero();
            long start = System.nanoTime();
            assertThat(reader.poll(view -> { }, 100, Duration.ofMillis(200))).isZero();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(190));
            assertThatThrownBy(() -> reader.poll(view -> { }, 0)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void aHandlerThatThrowsLeavesItsMessageUnreadAndThoseBeforeItRead() {
        try (SyncQueue reader = SyncQueue.builder(name).size(4096).sender("reader").create();
             SyncQueue producer = SyncQueue.builder(name).sender("producer").writeOnly().open()) {
            for (int i = 0; i < 5; i++) {
                producer.append("t", "m-" + i);
            }
            List<String> seen = new ArrayList<>();
            assertThatThrownBy(() -> reader.poll(view -> {
                String text = view.toMessage().text();
                if (text.equals("m-2")) {
                    throw new IllegalStateException("handler failed at " + text);
                }
                seen.add(text);
            }, 10)).isInstanceOf(IllegalStateException.class);
            assertThat(seen).containsExactly("m-0", "m-1");
            assertThat(lagOf("reader")).isEqualTo(3 * 64L);
            assertThat(texts(reader, 3)).containsExactly("m-2", "m-3", "m-4");
        }
    }

    /**
     * A handler that appends while its own batch holds the ring: the batch's unstored progress is handed
     * back before the append waits, or it would wait for room that only its own thread holds.
     */
    @Test
    void aHandlerThatAppendsGetsTheRoomItsOwnBatchHolds() {
        try (SyncQueue relay = SyncQueue.builder(name).size(4096).sender("relay").create();
             SyncQueue producer = SyncQueue.builder(name).sender("producer").writeOnly().open()) {
            byte[] body = new byte[1024 - RecordLayout.HEADER_LENGTH - "producer".length() - "t".length()]; // 1,024-byte records
            int filled = 0;
            while (producer.tryAppend("t", body)) {
                filled++; // fill the ring exactly: only the relay's position holds it
            }
            assertThat(filled).isEqualTo(4);
            int[] handled = {0};
            long start = System.nanoTime();
            int got = relay.poll(view -> {
                if (++handled[0] == 2) { // the first message is read, but its space not yet handed back
                    relay.append("echo", "from the handler", Duration.ofSeconds(5));
                }
            }, 2);
            assertThat(got).isEqualTo(2);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("no wait for its own room")
                    .isLessThan(Duration.ofSeconds(2));
        }
    }

    /** The same through another handle of the same thread (a consume-and-republish handler). */
    @Test
    void aHandlerThatAppendsThroughAnotherHandleGetsTheRoomItsBatchHolds() {
        try (SyncQueue relay = SyncQueue.builder(name).size(4096).sender("relay").create();
             SyncQueue republisher = SyncQueue.builder(name).sender("republisher").writeOnly().open()) {
            byte[] body = new byte[1024 - RecordLayout.HEADER_LENGTH - "republisher".length() - "t".length()];
            while (republisher.tryAppend("t", body)) {
                // fill the ring exactly: only the relay's position holds it
            }
            int[] handled = {0};
            int got = relay.poll(view -> {
                if (++handled[0] == 2) {
                    republisher.append("echo", "from the handler", Duration.ofSeconds(5));
                }
            }, 2);
            assertThat(got).isEqualTo(2);
        }
    }

    @Test
    void aPopFromInsideAHandlerOfTheSameHandleIsRefusedNotInterleaved() {
        try (SyncQueue reader = SyncQueue.builder(name).size(4096).sender("reader").create();
             SyncQueue producer = SyncQueue.builder(name).sender("producer").writeOnly().open()) {
            producer.append("t", "outer");
            producer.append("t", "inner");
            assertThatThrownBy(() -> reader.poll(view -> reader.pop(), 1))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("inside a handler");
            assertThat(texts(reader, 2)).containsExactly("outer", "inner");
        }
    }

    /** An eviction in the middle of a batch: the pop says so, and closing the handle still frees its slot. */
    @Test
    void aReaderEvictedInTheMiddleOfABatchIsToldAndItsCloseStillFreesItsSlot() {
        try (SyncQueue keeper = SyncQueue.builder(name).size(4096).sender("keeper").writeOnly().create()) {
            SyncQueue reader = SyncQueue.builder(name).sender("reader").open();
            keeper.append("t", "one");
            keeper.append("t", "two");
            int slot = QueueAdmin.inspect(SyncQueue.defaultDirectory(), name).readers().stream()
                    .filter(r -> r.sender().equals("reader")).findFirst().orElseThrow().slot();
            int[] handled = {0};
            // Evicted while handling the second message: the first is read, its space not yet handed back.
            assertThatThrownBy(() -> reader.poll(view -> {
                if (++handled[0] == 2) {
                    QueueAdmin.evict(SyncQueue.defaultDirectory(), name, slot);
                }
            }, 10)).isInstanceOf(RegistrationLostException.class).hasMessageContaining("evicted");
            reader.close();
            assertThat(QueueAdmin.inspect(SyncQueue.defaultDirectory(), name).readers())
                    .extracting(ReaderInfo::sender).containsExactly("keeper");
        }
        assertThat(TestQueues.exists(name)).isFalse();
    }

    /** Appends waiting for room hold every lane this thread could use: a non-waiting append still answers at once. */
    @Test
    void tryAppendAnswersAtOnceEvenWhenEveryLaneIsHeldByWaitingAppends() throws Exception {
        try (SyncQueue reader = SyncQueue.builder(name).size(4096).sender("reader").create();
             SyncQueue producer = SyncQueue.builder(name).sender("producer").writeOnly().open()) {
            byte[] body = new byte[1024 - RecordLayout.HEADER_LENGTH - "producer".length() - "t".length()]; // 1,024-byte records
            // Fill from a thread of its own, which takes lane 0 for good: the lanes left are the shared ones.
            Thread filler = Thread.ofPlatform().start(() -> {
                while (producer.tryAppend("t", body)) {
                    // fill the ring exactly
                }
            });
            filler.join(10_000);
            List<Thread> waiting = new ArrayList<>();
            for (int i = 0; i < 7; i++) {
                waiting.add(Thread.ofPlatform().start(() -> {
                    try {
                        producer.append("t", body, Duration.ofSeconds(30));
                    } catch (QueueClosedException | QueueFullException ended) {
                        // the test is over
                    }
                }));
            }
            Thread.sleep(300); // all seven shared lanes are held, by appends asleep waiting for room
            long start = System.nanoTime();
            assertThat(producer.tryAppend("t", "x")).isFalse();
            assertThatThrownBy(() -> producer.append("t", "x", Duration.ofMillis(100)))
                    .isInstanceOf(QueueFullException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
            producer.close(); // ends the waiting appends
            for (Thread thread : waiting) {
                thread.join(10_000);
                assertThat(thread.isAlive()).isFalse();
            }
        }
    }

    /** A producer in another process, write-only, and a reader reading in batches: everything, in order. */
    @Test
    void aWriteOnlyProducerProcessAndABatchReader() throws Exception {
        int count = 20_000;
        try (SyncQueue reader = SyncQueue.builder(name).size(1 << 16).sender("reader").create();
             ChildJvm producer = ChildJvm.start(Producer.class, name, Integer.toString(count))) {
            assertThat(texts(reader, count)).containsExactlyElementsOf(
                    IntStream.range(0, count).mapToObj(i -> "m-" + i).toList());
            producer.waitForSuccess(Duration.ofSeconds(60));
        }
        assertThat(TestQueues.exists(name)).isFalse();
    }

    /** Appends "m-0" ... to queue args[0] as a write-only registration, args[1] messages. */
    public static final class Producer {
        public static void main(String[] args) {
            try (SyncQueue queue = SyncQueue.builder(args[0]).sender("producer").writeOnly().open()) {
                int count = Integer.parseInt(args[1]);
                for (int i = 0; i < count; i++) {
                    queue.append("t", "m-" + i, Duration.ofSeconds(60));
                }
            }
        }
    }

    private long lagOf(String sender) {
        return QueueAdmin.inspect(SyncQueue.defaultDirectory(), name).readers().stream()
                .filter(r -> r.sender().equals(sender)).findFirst().orElseThrow().lagBytes();
    }
}
