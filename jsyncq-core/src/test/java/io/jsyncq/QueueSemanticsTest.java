package io.jsyncq;

import io.jsyncq.internal.RecordLayout;
import io.jsyncq.testing.TestQueues;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** pysyncq's behaviour, one registration per handle, in one JVM. */
@Timeout(60)
class QueueSemanticsTest {

    private final String name = TestQueues.uniqueName("semantics");

    @AfterEach
    void removeLeftovers() {
        TestQueues.deleteIfLeft(name);
    }

    private SyncQueue create(String sender) {
        return SyncQueue.builder(name).size(4096).sender(sender).create();
    }

    private SyncQueue attach(String sender) {
        return SyncQueue.builder(name).sender(sender).open();
    }

    @Test
    void aRegistrationReadsOnlyMessagesAppendedAfterItRegistered() {
        try (SyncQueue writer = create("w"); SyncQueue early = attach("early")) {
            writer.append("t", "before");
            try (SyncQueue late = attach("late")) {
                writer.append("t", "after");
                assertThat(early.pop().map(Message::text)).contains("before");
                assertThat(early.pop().map(Message::text)).contains("after");
                assertThat(late.pop().map(Message::text)).contains("after");
                assertThat(late.pop()).isEmpty();
            }
        }
    }

    @Test
    void senderDefaultsToTheProcessIdAndOwnMessagesAreScreenedByDefault() {
        try (SyncQueue self = SyncQueue.builder(name).create();
             SyncQueue other = attach("other")) {
            String pid = Long.toString(ProcessHandle.current().pid());
            assertThat(self.sender()).isEqualTo(pid);
            assertThat(self.senderScreen()).containsExactly(pid);
            self.append("t", "mine");
            assertThat(self.pop()).isEmpty();
            assertThat(other.pop().map(Message::sender)).contains(pid);
        }
    }

    @Test
    void withoutFilterSelfAProcessReadsItsOwnMessages() {
        try (SyncQueue self = SyncQueue.builder(name).sender("me").filterSelf(false).create()) {
            assertThat(self.senderScreen()).isEmpty();
            self.append("t", "echo");
            assertThat(self.pop()).contains(new Message("me", "t", "echo".getBytes(StandardCharsets.UTF_8)));
        }
    }

    @Test
    void screensSkipBySenderAndTypeAndCanBeEditedAtAnyTime() {
        try (SyncQueue a = create("a"); SyncQueue b = attach("b"); SyncQueue reader = attach("reader")) {
            reader.senderScreen().add("a");
            reader.typeScreen().add("noise");
            a.append("data", "from a");
            b.append("noise", "noise from b");
            b.append("data", "from b");
            assertThat(reader.pop().map(Message::text)).contains("from b");
            assertThat(reader.pop()).isEmpty();

            reader.senderScreen().remove("a");
            reader.typeScreen().clear();
            a.append("data", "a again");
            b.append("noise", "noise again");
            assertThat(reader.stream().map(Message::text)).containsExactly("a again", "noise again");
        }
    }

    @Test
    void screenedMessagesCountAsReadAndFreeTheirSpace() {
        try (SyncQueue writer = create("w"); SyncQueue reader = attach("r")) {
            reader.typeScreen().add("skip");
            byte[] body = new byte[1000];
            fillQueue(writer, "skip", body);
            assertThatThrownBy(() -> writer.append("skip", body)).isInstanceOf(QueueFullException.class);
            assertThat(reader.pop()).isEmpty(); // consumes every screened message
            assertThat(writer.pop()).isEmpty(); // the writer's own, self-screened
            writer.append("skip", body);
        }
    }

    @Test
    void aMessageStaysUntilEveryRegisteredReaderHasReadItAndClosingReleasesAReader() {
        try (SyncQueue writer = create("w"); SyncQueue fast = attach("fast")) {
            SyncQueue slow = attach("slow");
            byte[] body = new byte[1000];
            int appended = 0;
            while (true) {
                try {
                    writer.append("t", body);
                    appended++;
                } catch (QueueFullException full) {
                    assertThat(full).hasMessageContaining("slowest reader");
                    break;
                }
                writer.pop();
                fast.pop();
            }
            assertThat(appended).isGreaterThan(1);
            assertThatThrownBy(() -> writer.append("t", body)).isInstanceOf(QueueFullException.class);
            slow.close(); // its unread messages stop holding space
            writer.append("t", body);
            assertThat(fast.pop()).isPresent();
        }
    }

    @Test
    void everyReaderSeesTheSameOrderFromConcurrentWriters() throws Exception {
        try (SyncQueue owner = SyncQueue.builder(name).size(1 << 20).sender("owner").create();
             SyncQueue r1 = attach("r1"); SyncQueue r2 = attach("r2")) {
            List<Thread> writers = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                int id = w;
                writers.add(Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < 500; i++) {
                        owner.append("w" + id, id + ":" + i, Duration.ofSeconds(10));
                    }
                }));
            }
            for (Thread t : writers) {
                t.join();
            }
            List<String> first = r1.stream().map(Message::text).toList();
            List<String> second = r2.stream().map(Message::text).toList();
            assertThat(first).hasSize(2000).isEqualTo(second);
            for (int w = 0; w < 4; w++) {
                String prefix = w + ":";
                List<Integer> sequence = first.stream().filter(s -> s.startsWith(prefix))
                        .map(s -> Integer.parseInt(s.substring(prefix.length()))).toList();
                assertThat(sequence).isSorted().hasSize(500);
            }
        }
    }

    @Test
    void appendFailsAtOnceWhenFullOrWaitsUpToItsTimeout() {
        try (SyncQueue writer = create("w"); SyncQueue reader = attach("r")) {
            byte[] body = new byte[1000];
            fillQueue(writer, "t", body);
            long start = System.nanoTime();
            assertThatThrownBy(() -> writer.append("t", body)).isInstanceOf(QueueFullException.class)
                    .hasMessageContaining("is full");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(100));

            start = System.nanoTime();
            assertThatThrownBy(() -> writer.append("t", body, Duration.ofMillis(200)))
                    .isInstanceOf(QueueFullException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(200), Duration.ofMillis(400));
        }
    }

    @Test
    void aWaitingAppendSucceedsWhenAReaderMakesRoom() throws Exception {
        try (SyncQueue writer = create("w"); SyncQueue reader = attach("r")) {
            byte[] body = new byte[1024 - RecordLayout.HEADER_LENGTH - "w".length() - "t".length()]; // fills 4 KiB exactly
            fillQueue(writer, "t", body);
            long[] poppedAt = new long[1];
            List<String> drained = new java.util.concurrent.CopyOnWriteArrayList<>();
            Thread popper = Thread.ofPlatform().start(() -> {
                sleep(100);
                poppedAt[0] = System.nanoTime();
                reader.stream().map(Message::text).forEach(drained::add);
            });
            writer.stream().count(); // its own messages
            assertThatThrownBy(() -> writer.append("t", body)).as("still full").isInstanceOf(QueueFullException.class);
            writer.append("t", "the one that waited".getBytes(StandardCharsets.UTF_8), SyncQueue.FOREVER);
            long appendedAt = System.nanoTime();
            popper.join();
            assertThat(appendedAt).as("it waited for the reader").isGreaterThan(poppedAt[0]);
            // Room comes with the drain's first pop, so the drain itself may read the message that waited.
            if (!drained.contains("the one that waited")) {
                assertThat(reader.pop(Duration.ofSeconds(5)).map(Message::text)).contains("the one that waited");
            }
            assertThat(drained).hasSizeGreaterThanOrEqualTo(4);
        }
    }

    /** With pysyncq's semantics a registration reads its own (screened) messages too, so it can fill its own queue. */
    @Test
    void aFullQueueSaysSoWhenTheSlowestReaderIsTheCallerItself() {
        try (SyncQueue alone = create("alone")) {
            fillQueue(alone, "t", new byte[500]);
            assertThatThrownBy(() -> alone.append("t", new byte[500])).isInstanceOf(QueueFullException.class)
                    .hasMessageContaining("this registration itself")
                    .hasMessageContaining("screened ones too");
            alone.stream().count(); // pops (skips) its own messages: the room comes back
            alone.append("t", new byte[500]);
        }
    }

    @Test
    void aMessageThatCanNeverFitFailsAtOnceEvenWhenWaitingForever() {
        try (SyncQueue writer = create("w")) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> writer.append("t", new byte[4096], SyncQueue.FOREVER))
                    .isInstanceOf(MessageTooLargeException.class)
                    .hasMessageContaining("largest body is");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
        }
    }

    @Test
    void theLargestMessageThatFitsIsAcceptedAndOneByteMoreIsNot() {
        try (SyncQueue writer = SyncQueue.builder(name).size(4096).sender("w").filterSelf(false).create()) {
            int largest = 4096 - RecordLayout.HEADER_LENGTH - "w".length() - "t".length();
            writer.append("t", "x"); // move the tail off zero so that the big record straddles the end
            assertThat(writer.pop()).isPresent();
            byte[] body = new byte[largest];
            new java.util.Random(1).nextBytes(body);
            writer.append("t", body);
            assertThat(writer.pop().map(Message::body)).hasValueSatisfying(b -> assertThat(b).isEqualTo(body));
            assertThatThrownBy(() -> writer.append("t", new byte[largest + 1])).isInstanceOf(MessageTooLargeException.class);
        }
    }

    @Test
    void popReturnsNothingWhenEmptyAndWaitsUpToItsTimeout() {
        try (SyncQueue reader = create("r")) {
            assertThat(reader.pop()).isEmpty();
            long start = System.nanoTime();
            assertThat(reader.pop(Duration.ofMillis(200))).isEmpty();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(200), Duration.ofMillis(400));
        }
    }

    @Test
    void aPopTimeoutIsATotalAcrossWakeUpsForScreenedMessages() throws Exception {
        try (SyncQueue reader = create("r"); SyncQueue noisy = attach("noisy")) {
            reader.senderScreen().add("noisy");
            Thread noise = Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 30; i++) {
                    noisy.append("t", "noise " + i, Duration.ofSeconds(1));
                    noisy.pop();
                    sleep(20);
                }
            });
            long start = System.nanoTime();
            Optional<Message> message = reader.pop(Duration.ofMillis(200));
            Duration waited = Duration.ofNanos(System.nanoTime() - start);
            noise.join();
            assertThat(message).isEmpty();
            assertThat(waited).isBetween(Duration.ofMillis(200), Duration.ofMillis(400));
        }
    }

    @Test
    void aBlockingPopIsWokenByAnAppend() throws Exception {
        try (SyncQueue reader = create("r"); SyncQueue writer = attach("w")) {
            Thread appender = Thread.ofPlatform().start(() -> {
                sleep(100);
                writer.append("t", "wake up");
            });
            long start = System.nanoTime();
            assertThat(reader.pop(Duration.ofSeconds(30)).map(Message::text)).contains("wake up");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
            appender.join();
        }
    }

    @Test
    void anInterruptEndsAWaitPromptlyWithQueueInterruptedException() throws Exception {
        try (SyncQueue reader = create("r")) {
            Thread.currentThread().interrupt();
            assertThatThrownBy(() -> reader.pop(SyncQueue.FOREVER)).isInstanceOf(QueueInterruptedException.class);
            assertThat(Thread.interrupted()).isTrue();

            Thread main = Thread.currentThread();
            Thread interrupter = Thread.ofPlatform().start(() -> {
                sleep(100);
                main.interrupt();
            });
            long start = System.nanoTime();
            assertThatThrownBy(() -> reader.pop(SyncQueue.FOREVER)).isInstanceOf(QueueInterruptedException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(300));
            assertThat(Thread.interrupted()).isTrue();
            interrupter.join();
        }
    }

    @Test
    void drainingWithIterableAndStream() {
        try (SyncQueue writer = create("w"); SyncQueue reader = attach("r")) {
            for (int i = 0; i < 5; i++) {
                writer.append("t", "m" + i);
            }
            List<String> seen = new ArrayList<>();
            for (Message m : reader) {
                seen.add(m.text());
            }
            assertThat(seen).containsExactly("m0", "m1", "m2", "m3", "m4");
            writer.append("t", "late");
            assertThat(reader.stream(Duration.ofMillis(50)).map(Message::text)).containsExactly("late");
            Thread.ofPlatform().start(() -> {
                sleep(50);
                writer.append("t", "waited for");
            });
            List<String> waited = new ArrayList<>();
            for (Message m : reader.drain(Duration.ofSeconds(2))) {
                waited.add(m.text());
                break;
            }
            assertThat(waited).containsExactly("waited for");
        }
    }

    @Test
    void bodiesAsStringBytesByteBufferAndMemorySegment() {
        try (SyncQueue writer = create("w"); SyncQueue reader = attach("r")) {
            writer.append("s", "héllo wörld");
            writer.append("b", new byte[] {0, 1, 2, (byte) 0xff});
            ByteBuffer buffer = ByteBuffer.allocateDirect(16).put("direct".getBytes(StandardCharsets.UTF_8)).flip();
            writer.append("bb", buffer);
            assertThat(buffer.position()).isZero();
            writer.append("ms", java.lang.foreign.MemorySegment.ofArray("segment".getBytes(StandardCharsets.UTF_8)));
            assertThat(reader.pop().map(Message::text)).contains("héllo wörld");
            assertThat(reader.pop().map(Message::body)).hasValueSatisfying(b -> assertThat(b).containsExactly(0, 1, 2, 0xff));
            assertThat(reader.pop().map(Message::text)).contains("direct");
            Message last = reader.pop().orElseThrow();
            assertThat(last.type()).isEqualTo("ms");
            assertThat(last.bodyBuffer().remaining()).isEqualTo(7);
        }
    }

    @Test
    void theZeroCopyPathReadsInPlace() {
        try (SyncQueue writer = create("w"); SyncQueue reader = attach("r")) {
            writer.append("type", "in place");
            StringBuilder seen = new StringBuilder();
            boolean delivered = reader.pop(view -> {
                seen.append(view.sender()).append('/').append(view.type()).append('/');
                assertThat(view.senderEquals("w".getBytes(StandardCharsets.UTF_8))).isTrue();
                assertThat(view.typeEquals("other".getBytes(StandardCharsets.UTF_8))).isFalse();
                byte[] copy = new byte[view.bodyLength()];
                java.lang.foreign.MemorySegment.copy(view.buffer(), java.lang.foreign.ValueLayout.JAVA_BYTE,
                        view.bodyOffset(), copy, 0, copy.length);
                seen.append(new String(copy, StandardCharsets.UTF_8));
            });
            assertThat(delivered).isTrue();
            assertThat(seen).hasToString("w/type/in place");
            assertThat(reader.pop(view -> { })).isFalse();
        }
    }

    @Test
    void wrapAroundWithBodiesOfManySizes() {
        java.util.Random random = new java.util.Random(42);
        try (SyncQueue writer = SyncQueue.builder(name).size(8192).sender("w").create();
             SyncQueue reader = attach("r")) {
            for (int i = 0; i < 20_000; i++) {
                int size = random.nextInt(i % 7 == 0 ? 8000 : 300);
                byte[] body = new byte[size];
                random.nextBytes(body);
                writer.append("t" + (i % 3), body);
                writer.pop();
                Message m = reader.pop().orElseThrow();
                assertThat(m.body()).isEqualTo(body);
                assertThat(m.type()).isEqualTo("t" + (i % 3));
            }
        }
    }

    @Test
    void closeIsIdempotentAndAClosedHandleRefusesWork() {
        SyncQueue queue = create("w");
        queue.close();
        queue.close();
        assertThat(queue.isClosed()).isTrue();
        assertThatThrownBy(() -> queue.append("t", "x")).isInstanceOf(QueueClosedException.class)
                .hasMessageContaining("closed");
        assertThatThrownBy(queue::pop).isInstanceOf(QueueClosedException.class);
    }

    @Test
    void theLastCloseRemovesTheFileUnlessTheQueueIsKept() {
        SyncQueue first = create("a");
        SyncQueue second = attach("b");
        first.close();
        assertThat(TestQueues.exists(name)).isTrue();
        second.close();
        assertThat(TestQueues.exists(name)).isFalse();

        SyncQueue kept = SyncQueue.builder(name).size(4096).keep(true).create();
        kept.append("t", "left for later");
        kept.close();
        assertThat(TestQueues.exists(name)).isTrue();
        try (SyncQueue again = attach("again")) {
            assertThat(again.pop()).isEmpty(); // registered after the message was appended
        }
        assertThat(TestQueues.exists(name)).isTrue();
    }

    @Test
    void openOrCreateCreatesOnceThenAttaches() {
        try (SyncQueue first = SyncQueue.builder(name).sender("a").openOrCreate();
             SyncQueue second = SyncQueue.builder(name).sender("b").openOrCreate()) {
            first.append("t", "hi");
            assertThat(second.pop().map(Message::text)).contains("hi");
        }
    }

    private static void fillQueue(SyncQueue writer, String type, byte[] body) {
        while (true) {
            try {
                writer.append(type, body);
            } catch (QueueFullException full) {
                return;
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
