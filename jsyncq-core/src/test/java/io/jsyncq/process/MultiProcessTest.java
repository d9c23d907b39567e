package io.jsyncq.process;

import io.jsyncq.Message;
import io.jsyncq.SyncQueue;
import io.jsyncq.internal.SharedQueue;
import io.jsyncq.testing.ChildJvm;
import io.jsyncq.testing.TestQueues;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.jsyncq.process.StressProtocol.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The queue between real processes: every participant here is a separate JVM started with
 * {@link ChildJvm}, attaching to the queue by name. Each test removes its queue file and kills its children
 * even when it fails.
 *
 * <p>The children run with a futex sleep slice of a minute instead of 10 ms (see
 * {@link ProcessSupport#CHILD_JVM_OPTIONS}), so a lost wake-up fails these tests instead of costing 10 ms.
 */
class MultiProcessTest {

    private static final int WRITERS = 3;
    private static final int TOTAL_MESSAGES = 100_000;
    private static final int STRESS_QUEUE_SIZE = 64 * 1024;
    /** The late reader's first registration reads this many data messages before it re-registers. */
    private static final int LATE_SWITCH = 20_000;
    private static final Duration STRESS_DEADLINE = Duration.ofMinutes(3);
    private static final Duration GENEROUS_WAKE = Duration.ofSeconds(5);

    // ------------------------------------------------------------------------------------------------------

    /**
     * Three writer JVMs and three reader JVMs: 100,000 messages of 1 B to 8 KiB (about 400 MB) through a
     * 64 KiB queue, so the writers wrap the ring thousands of times and keep blocking on the readers. The
     * readers register before a go message that the writers wait for, so each must see every message; each
     * checks every message's checksum and each writer's sequence numbers as it reads, and writes the order
     * it saw. Those orders must be identical.
     *
     * <p>A fourth JVM re-registers in mid-stream, to check that a registration sees exactly the messages
     * appended after it: a suffix of the one order, starting after what it could not have seen.
     */
    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void threeWriterAndThreeReaderProcessesExchange100000ChecksummedMessagesInOneOrder(@TempDir Path dir)
            throws Exception {
        String name = TestQueues.uniqueName("stress");
        int[] counts = new int[WRITERS];
        for (int writer = 0; writer < WRITERS; writer++) {
            counts[writer] = TOTAL_MESSAGES / WRITERS + (writer < TOTAL_MESSAGES % WRITERS ? 1 : 0);
        }
        String[] bodyModes = {"bytes", "buffer", "segment"};
        String[] readModes = {"copy", "view", "view"};
        List<ChildJvm> readers = new ArrayList<>();
        List<ChildJvm> writers = new ArrayList<>();
        List<ChildJvm> all = new ArrayList<>();
        try {
            ChildJvm late;
            try (SyncQueue control = SyncQueue.builder(name).size(STRESS_QUEUE_SIZE).sender(CONTROL_SENDER).create()) {
                for (int reader = 0; reader < 3; reader++) {
                    readers.add(started(all, ProcessSupport.startChild(StressReader.class, name, "r" + reader,
                            dir.resolve("r" + reader).toString(), Integer.toString(WRITERS), readModes[reader])));
                }
                late = started(all, ProcessSupport.startChild(LateReader.class, name, Integer.toString(WRITERS),
                        Integer.toString(LATE_SWITCH), dir.resolve("late-a").toString(), dir.resolve("late-b").toString()));
                for (int writer = 0; writer < WRITERS; writer++) {
                    writers.add(started(all, ProcessSupport.startChild(StressWriter.class, name, Integer.toString(writer),
                            Integer.toString(counts[writer]), Integer.toString(WRITERS),
                            Long.toString(0x5EED0000L + writer), bodyModes[writer])));
                }
                for (ChildJvm child : all) {
                    assertThat(ProcessSupport.awaitLine(child, 0, Duration.ofSeconds(60), "READY")).isEqualTo("READY");
                }
                // Everyone is registered: from here on every reader must see every message.
                control.append(GO, GO, Duration.ofSeconds(10));
            } // the test process unregisters, so that it holds back no writer

            ProcessSupport.awaitAllSucceed(all, STRESS_DEADLINE);
            for (int writer = 0; writer < WRITERS; writer++) {
                assertThat(writers.get(writer).stdoutLines()).containsExactly("READY", "WROTE " + counts[writer]);
            }

            // Reader 0's order: every writer's messages, each exactly once, in the order written, then its end.
            int[] order = ProcessSupport.readOrder(dir.resolve("r0"));
            assertThat(order).hasSize(TOTAL_MESSAGES + WRITERS);
            for (int writer = 0; writer < WRITERS; writer++) {
                int w = writer;
                int[] fromWriter = Arrays.stream(order).filter(code -> writerOf(code) == w).toArray();
                int[] expected = new int[counts[writer] + 1];
                for (int seq = 0; seq < counts[writer]; seq++) {
                    expected[seq] = code(writer, seq);
                }
                expected[counts[writer]] = code(writer, END_SEQ);
                assertSameSequence("writer " + writer + "'s messages as reader r0 saw them", expected, fromWriter);
            }
            // Every reader saw the same order, and says so in its digest too.
            String digest = readers.getFirst().stdoutLines().getLast();
            assertThat(digest).startsWith("DIGEST data=" + TOTAL_MESSAGES + " ends=" + WRITERS + " ");
            for (int reader = 1; reader < readers.size(); reader++) {
                assertSameSequence("reader r" + reader + "'s order against reader r0's", order,
                        ProcessSupport.readOrder(dir.resolve("r" + reader)));
                assertThat(readers.get(reader).stdoutLines()).containsExactly("READY", digest);
            }

            // The re-registering reader: its first registration saw a prefix of the order, up to its
            // LATE_SWITCH-th data message; its second saw a suffix, with nothing the first had already read,
            // since it registered after that read. While the first was still registered it held back the
            // writers: between its last pop and the second registration at most one queue's worth of records
            // (each with a 16-byte header at least) can have been appended, and the second saw all the rest.
            int[] early = ProcessSupport.readOrder(dir.resolve("late-a"));
            int[] later = ProcessSupport.readOrder(dir.resolve("late-b"));
            assertThat(early).hasSize(LATE_SWITCH);
            assertSameSequence("the late reader's first registration", Arrays.copyOf(order, early.length), early);
            assertThat(later.length).as("messages seen by the second registration")
                    .isLessThanOrEqualTo(order.length - early.length)
                    .isGreaterThanOrEqualTo(order.length - early.length - STRESS_QUEUE_SIZE / 16);
            assertSameSequence("the late reader's second registration",
                    Arrays.copyOfRange(order, order.length - later.length, order.length), later);
            assertThat(late.stdoutLines()).hasSize(3);
        } finally {
            all.forEach(ChildJvm::close);
            TestQueues.deleteIfLeft(name);
        }
    }

    // ------------------------------------------------------------------------------------------------------

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void aBlockingPopInOneProcessIsWokenByAnAppendInAnother() {
        String name = TestQueues.uniqueName("wake-pop");
        try (SyncQueue appender = SyncQueue.builder(name).size(4096).sender("appender").create();
             Agent popper = Agent.start()) {
            assertThat(popper.call("open " + name + " popper")).isEqualTo("OPENED");
            popper.send("pop 30000");
            ProcessSupport.awaitSleeper(name, SharedQueue::messages, Duration.ofSeconds(30));
            assertThat(popper.hasReply()).as("the pop returned before anything was appended").isFalse();

            long appended = System.nanoTime();
            appender.append("wake", "now");
            String reply = popper.reply(Duration.ofSeconds(25));
            Duration wokenAfter = Duration.ofNanos(System.nanoTime() - appended);

            assertThat(reply).isEqualTo("POPPED appender wake now");
            assertThat(wokenAfter).as("time from the append to the pop's return, of its 30 s timeout")
                    .isLessThan(GENEROUS_WAKE);
            assertThat(popper.call("close")).isEqualTo("CLOSED");
            popper.exit();
        } finally {
            TestQueues.deleteIfLeft(name);
        }
    }

    /**
     * Writers wake only the readers that will read: a reader in another process that screens one of two
     * concurrent writers is woken for every record of the other (records published out of order included:
     * a screened record is handed on), and, since the ring is small, writers short of room wake it to skip
     * the screened records its position still holds. With a sleep cap of a minute, a missed wake-up fails.
     */
    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void aReaderScreeningOneOfTwoWritersIsWokenForEveryMessageOfTheOther() throws Exception {
        String name = TestQueues.uniqueName("wake-screen");
        int count = 20_000;
        try (SyncQueue noise = SyncQueue.builder(name).size(16 * 1024).sender("noise").writeOnly().create();
             SyncQueue wanted = SyncQueue.builder(name).sender("wanted").writeOnly().open();
             ChildJvm reader = ProcessSupport.startChild(ScreeningReader.class, name, Integer.toString(count))) {
            assertThat(ProcessSupport.awaitLine(reader, 0, Duration.ofSeconds(60), "READY")).isEqualTo("READY");
            Thread noiseWriter = Thread.ofPlatform().start(() -> {
                byte[] body = new byte[40];
                for (int i = 0; i < 3 * count; i++) {
                    noise.append("n", body, Duration.ofSeconds(60));
                }
            });
            java.nio.ByteBuffer body = java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            for (long i = 0; i < count; i++) {
                body.putLong(0, i);
                wanted.append("w", body, Duration.ofSeconds(60));
                if (i % 64 == 0) {
                    Thread.onSpinWait();
                }
            }
            noiseWriter.join(120_000);
            assertThat(ProcessSupport.awaitLine(reader, 1, Duration.ofSeconds(90), "READ")).isEqualTo("READ " + count);
        } finally {
            TestQueues.deleteIfLeft(name);
        }
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void aWriterBlockedOnAFullQueueIsWokenWhenASlowReaderInAnotherProcessCatchesUp() {
        String name = TestQueues.uniqueName("wake-append");
        int bodyLength = 100;
        try (Agent writer = Agent.start(); Agent reader = Agent.start()) {
            try (SyncQueue creator = SyncQueue.builder(name).size(4096).sender("creator").create()) {
                assertThat(writer.call("open " + name + " writer")).isEqualTo("OPENED");
                assertThat(reader.call("open " + name + " reader")).isEqualTo("OPENED");
            } // the two agents alone are registered now

            String filled = writer.call("fill fill " + bodyLength);
            assertThat(filled).startsWith("FILLED ");
            int count = Integer.parseInt(filled.substring("FILLED ".length()));
            assertThat(count).isGreaterThan(1);
            // The writer consumes its own messages (it screens itself), so only the reader holds the space.
            assertThat(writer.call("drain 0")).isEqualTo("DRAINED 0 -");
            String blocked = QueueAgent.fillBody(count, bodyLength); // same length as each fill message
            assertThat(writer.call("append late " + blocked + " 0")).as("an append that may not wait")
                    .isEqualTo("FULL");

            writer.send("append late " + blocked + " 30000");
            ProcessSupport.awaitSleeper(name, SharedQueue::space, Duration.ofSeconds(30));
            assertThat(writer.hasReply()).as("the append returned while the reader held every byte").isFalse();

            long popped = System.nanoTime();
            assertThat(reader.call("pop 0")).isEqualTo("POPPED writer fill " + QueueAgent.fillBody(0, bodyLength));
            String reply = writer.reply(Duration.ofSeconds(25));
            Duration wokenAfter = Duration.ofNanos(System.nanoTime() - popped);

            assertThat(reply).isEqualTo("APPENDED");
            assertThat(wokenAfter).as("time from the reader's pop to the blocked append's return, of its 30 s timeout")
                    .isLessThan(GENEROUS_WAKE);
            // The rest of the fill, then the message that waited for room.
            assertThat(reader.call("drain 500")).isEqualTo("DRAINED " + count + " late");
            assertThat(writer.call("close")).isEqualTo("CLOSED");
            assertThat(reader.call("close")).isEqualTo("CLOSED");
            assertThat(TestQueues.exists(name)).isFalse();
            writer.exit();
            reader.exit();
        } finally {
            TestQueues.deleteIfLeft(name);
        }
    }

    // ------------------------------------------------------------------------------------------------------

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void theLastProcessToCloseRemovesTheQueueFileAndNotBefore() {
        String name = TestQueues.uniqueName("last-close");
        try (Agent a = Agent.start(); Agent b = Agent.start(); Agent c = Agent.start()) {
            assertThat(a.call("create " + name + " 4096 a false")).isEqualTo("CREATED");
            assertThat(b.call("open " + name + " b")).isEqualTo("OPENED");
            assertThat(c.call("open " + name + " c")).isEqualTo("OPENED");
            assertThat(a.call("append note from-a 0")).isEqualTo("APPENDED");

            assertThat(a.call("close")).isEqualTo("CLOSED");
            assertThat(TestQueues.exists(name)).as("after the creator closed, two processes remain").isTrue();
            assertThat(b.call("close")).isEqualTo("CLOSED");
            assertThat(TestQueues.exists(name)).as("one process remains").isTrue();
            // The one that remains still has a working queue.
            assertThat(c.call("pop 0")).isEqualTo("POPPED a note from-a");
            assertThat(c.call("close")).isEqualTo("CLOSED");
            assertThat(TestQueues.exists(name)).as("after the last process closed").isFalse();
            for (Agent agent : List.of(a, b, c)) {
                agent.exit();
            }
        } finally {
            TestQueues.deleteIfLeft(name);
        }
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void aQueueCreatedToBeKeptStaysAfterEveryProcessHasClosedAndCanBeAttachedAgain() {
        String name = TestQueues.uniqueName("keep");
        try (Agent a = Agent.start(); Agent b = Agent.start()) {
            assertThat(a.call("create " + name + " 4096 a true")).isEqualTo("CREATED");
            assertThat(b.call("open " + name + " b")).isEqualTo("OPENED");
            assertThat(a.call("close")).isEqualTo("CLOSED");
            assertThat(b.call("close")).isEqualTo("CLOSED");
            assertThat(TestQueues.exists(name)).as("a kept queue after every process closed").isTrue();

            // Still a queue: processes attach to it by name again, and it stays after they close.
            assertThat(a.call("open " + name + " a2")).isEqualTo("OPENED");
            assertThat(b.call("open " + name + " b2")).isEqualTo("OPENED");
            assertThat(a.call("append again hello 0")).isEqualTo("APPENDED");
            assertThat(b.call("pop 5000")).isEqualTo("POPPED a2 again hello");
            assertThat(a.call("close")).isEqualTo("CLOSED");
            assertThat(b.call("close")).isEqualTo("CLOSED");
            assertThat(TestQueues.exists(name)).isTrue();
            a.exit();
            b.exit();
        } finally {
            TestQueues.deleteIfLeft(name);
        }
    }

    // ------------------------------------------------------------------------------------------------------

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void anUnrelatedProcessAttachesByNameAndReadsAnothersMessages() {
        String name = TestQueues.uniqueName("attach");
        try (Agent creator = Agent.start(); Agent stranger = Agent.start()) {
            // Siblings: the stranger was not started by the creator, and shares nothing with it but the name.
            assertThat(stranger.jvm().process().toHandle().parent().map(ProcessHandle::pid))
                    .contains(ProcessHandle.current().pid());
            assertThat(creator.call("create " + name + " 65536 creator false")).isEqualTo("CREATED");
            assertThat(stranger.call("open " + name + " stranger")).isEqualTo("OPENED");

            for (int i = 0; i < 5; i++) {
                assertThat(creator.call("append greeting hello-" + i + " 0")).isEqualTo("APPENDED");
            }
            for (int i = 0; i < 5; i++) {
                assertThat(stranger.call("pop 5000")).isEqualTo("POPPED creator greeting hello-" + i);
            }
            assertThat(stranger.call("pop 0")).isEqualTo("EMPTY");
            assertThat(stranger.call("append reply thanks 0")).isEqualTo("APPENDED");
            assertThat(creator.call("pop 5000")).isEqualTo("POPPED stranger reply thanks");

            // A third process, this test's JVM, attaches by name too and reads what comes after it joined.
            try (SyncQueue third = SyncQueue.builder(name).sender("third").open()) {
                assertThat(creator.call("append greeting hello-third 0")).isEqualTo("APPENDED");
                assertThat(third.pop(Duration.ofSeconds(5))).get()
                        .isEqualTo(new Message("creator", "greeting", "hello-third".getBytes()));
                assertThat(third.pop()).isEmpty();
                assertThat(stranger.call("pop 5000")).isEqualTo("POPPED creator greeting hello-third");
            }
            assertThat(creator.call("close")).isEqualTo("CLOSED");
            assertThat(stranger.call("close")).isEqualTo("CLOSED");
            assertThat(TestQueues.exists(name)).isFalse();
            creator.exit();
            stranger.exit();
        } finally {
            TestQueues.deleteIfLeft(name);
        }
    }

    // ------------------------------------------------------------------------------------------------------

    /** Notes a child in the list of those to kill at the end, and returns it. */
    private static ChildJvm started(List<ChildJvm> all, ChildJvm child) {
        all.add(child);
        return child;
    }

    /** Compares two long sequences and, if they differ, says where, without printing 100,000 numbers. */
    private static void assertSameSequence(String what, int[] expected, int[] actual) {
        int common = Math.min(expected.length, actual.length);
        for (int i = 0; i < common; i++) {
            if (expected[i] != actual[i]) {
                fail(what + ": differs first at index " + i + ": expected " + describe(expected, i)
                        + " but got " + describe(actual, i));
            }
        }
        if (expected.length != actual.length) {
            fail(what + ": " + actual.length + " entries where " + expected.length + " were expected; the "
                    + "first " + common + " agree");
        }
    }

    private static String describe(int[] codes, int index) {
        StringBuilder text = new StringBuilder();
        for (int i = Math.max(0, index - 2); i < Math.min(codes.length, index + 3); i++) {
            int seq = seqOf(codes[i]);
            text.append(i == index ? "[" : " ").append('w').append(writerOf(codes[i])).append('#')
                    .append(seq == END_SEQ ? "end" : Integer.toString(seq)).append(i == index ? "]" : " ");
        }
        return text.toString();
    }
}
