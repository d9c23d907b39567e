package io.jsyncq.internal;

import io.jsyncq.Message;
import io.jsyncq.SyncQueue;
import io.jsyncq.testing.TestQueues;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static io.jsyncq.internal.QueueLayout.GRANULE;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Waking only the readers that will read, stepped by hand on a real queue file (the rules of
 * {@code model/wakefilter.pml}): a writer acts only on a reader waiting at its record, wakes it if it reads
 * the record, hands the wait on if it screens it, and takes on a next record already published.
 */
@Timeout(60)
class WakeFilterProtocolTest {

    private static final Path DIR = SyncQueue.defaultDirectory();
    private static final byte[] NOISE = "noise".getBytes();
    private static final byte[] WANTED = "wanted".getBytes();
    private static final byte[] TYPE = "t".getBytes();

    private final String name = TestQueues.uniqueName("wakefilter");
    private final List<AutoCloseable> open = new ArrayList<>();
    private SharedQueue queue;
    private int writer;
    private int reader;

    @AfterEach
    void closeAndRemove() throws Exception {
        for (AutoCloseable closeable : open.reversed()) {
            closeable.close();
        }
        TestQueues.deleteIfLeft(name);
    }

    /** A queue with a write-only writer and a reader that screens the sender "noise". */
    private void setUp() {
        QueueFile file = QueueFile.create(DIR, name, 4096, 8, QueueLayout.FLAG_KEEP, false);
        open.add(file::unmap);
        queue = new SharedQueue(file);
        writer = queue.register(ProcessIdentity.current(), "w".getBytes(), true).slot();
        reader = queue.register(ProcessIdentity.current(), "r".getBytes(), false).slot();
        queue.readers().publishScreens(reader, new long[] {NameHash.of(NOISE)}, new long[0], false);
    }

    /** The reader's side of going to sleep at {@code position}, up to the futex call: the word it would sleep on. */
    private int sleepAt(long position) {
        return sleepAt(reader, position);
    }

    private int sleepAt(int slot, long position) {
        Waiter.Bed bed = queue.readerBed(slot, position);
        int sequence = bed.sequence();
        queue.messages().addWaiter(1);
        bed.arm();
        return sequence;
    }

    private long claimAndWrite(int lane, byte[] sender) {
        return claimAndWrite(writer, 1, lane, sender);
    }

    private long claimAndWrite(int writer, int generation, int lane, byte[] sender) {
        long position = queue.tryClaim(GRANULE, writer, lane);
        MemorySegment memory = queue.memory();
        long offset = queue.recordOffset(position);
        int length = RecordLayout.HEADER_LENGTH + sender.length + TYPE.length;
        memory.set(ValueLayout.JAVA_LONG, offset + RecordLayout.LENGTH_OFFSET, RecordLayout.lengthsWord(length, 0));
        memory.set(ValueLayout.JAVA_LONG, offset + RecordLayout.WRITER_GENERATION_OFFSET,
                RecordLayout.writerWord(generation, writer, sender.length, TYPE.length));
        MemorySegment.copy(sender, 0, memory, ValueLayout.JAVA_BYTE, offset + RecordLayout.HEADER_LENGTH, sender.length);
        MemorySegment.copy(TYPE, 0, memory, ValueLayout.JAVA_BYTE, offset + RecordLayout.HEADER_LENGTH + sender.length,
                TYPE.length);
        return position;
    }

    private void publish(long position, byte[] sender, int lane) {
        queue.publishAndEndClaim(position, NameHash.of(sender), NameHash.of(TYPE), writer, lane);
    }

    private boolean asleep(int sequence) {
        return queue.readers().isArmed(reader) && queue.messages().sequenceVolatile() == sequence;
    }

    @Test
    void aRecordTheReaderDoesNotWaitAtWakesNobody() {
        setUp();
        long first = claimAndWrite(0, WANTED);
        long second = claimAndWrite(1, WANTED);
        int sequence = sleepAt(first);
        publish(second, WANTED, 1);
        assertThat(asleep(sequence)).as("its condition is the first record, not the second").isTrue();
        publish(first, WANTED, 0);
        assertThat(asleep(sequence)).isFalse();
        assertThat(queue.messages().sequenceVolatile()).isEqualTo(sequence + 1);
    }

    @Test
    void aScreenedRecordHandsTheWaitOnInsteadOfWakingTheReader() {
        setUp();
        long noise = claimAndWrite(0, NOISE);
        int sequence = sleepAt(noise);
        publish(noise, NOISE, 0);
        assertThat(asleep(sequence)).isTrue();
        assertThat(queue.readers().waitAtVolatile(reader)).isEqualTo(noise + GRANULE);

        long wanted = claimAndWrite(0, WANTED);
        publish(wanted, WANTED, 0);
        assertThat(asleep(sequence)).as("the writer of the next record saw the wait handed on to it").isFalse();
    }

    /**
     * A relay's reader skips every record its own registration wrote (under whatever sender name), and says
     * so in its summary: its own appends hand its wait on instead of waking it, another writer's wakes it.
     */
    @Test
    void aRelaysOwnRecordHandsItsWaitOnAndAnotherWritersWakesIt() {
        setUp();
        ReaderTable.Taken relay = queue.register(ProcessIdentity.current(), "relay".getBytes(), false);
        queue.readers().publishScreens(relay.slot(), new long[0], new long[0], true);
        int generation = ReaderSlotLayout.generation(relay.word());
        long own = claimAndWrite(relay.slot(), generation, 0, WANTED); // relayed under another sender's name
        int sequence = sleepAt(relay.slot(), own);
        queue.publishAndEndClaim(own, NameHash.of(WANTED), NameHash.of(TYPE), relay.slot(), 0);
        assertThat(queue.readers().isArmed(relay.slot())).as("its own record did not wake it").isTrue();
        assertThat(queue.messages().sequenceVolatile()).isEqualTo(sequence);
        assertThat(queue.readers().waitAtVolatile(relay.slot())).isEqualTo(own + GRANULE);

        long others = claimAndWrite(0, WANTED);
        publish(others, WANTED, 0);
        assertThat(queue.readers().isArmed(relay.slot())).as("another writer's record woke it").isFalse();
    }

    /** The case the naive filter gets wrong (model/wakefilter_naive.pml): published out of order. */
    @Test
    void whoeverHandsTheWaitOnToARecordAlreadyPublishedWakesTheReaderForIt() {
        setUp();
        long noise = claimAndWrite(0, NOISE);
        long wanted = claimAndWrite(1, WANTED);
        int sequence = sleepAt(noise);
        publish(wanted, WANTED, 1); // its writer looks: the reader waits at the record before
        assertThat(asleep(sequence)).isTrue();
        publish(noise, NOISE, 0); // screened: handed on, onto a record already published and wanted
        assertThat(asleep(sequence)).isFalse();
        assertThat(queue.readers().waitAtVolatile(reader)).isEqualTo(wanted);
    }

    @Test
    void aWriterShortOfRoomWakesAReaderThatScreenedRecordsWereHandedOnPast() {
        setUp();
        long noise = claimAndWrite(0, NOISE);
        int sequence = sleepAt(noise);
        publish(noise, NOISE, 0);
        assertThat(asleep(sequence)).isTrue();
        queue.wakeReadersHoldingScreened(); // its cursor is still at the screened record, holding its space
        assertThat(asleep(sequence)).isFalse();
    }

    @Test
    void aReaderWithoutAFittingSummaryIsWokenForEverything() {
        setUp();
        long[] many = new long[ReaderSlotLayout.SUMMARY_HASHES + 1];
        for (int i = 0; i < many.length; i++) {
            many[i] = NameHash.of(("screened-" + i).getBytes());
        }
        many[0] = NameHash.of(NOISE);
        queue.readers().publishScreens(reader, many, new long[0], false);
        long noise = claimAndWrite(0, NOISE);
        int sequence = sleepAt(noise);
        publish(noise, NOISE, 0);
        assertThat(asleep(sequence)).isFalse();
    }

    /** The gathered wake-up (model/wakebits.pml): every chosen reader in one bump of the word, no other. */
    @Test
    void oneWakeUpServesEveryReaderWaitingAtTheRecordAndNoOther() {
        setUp();
        int second = queue.register(ProcessIdentity.current(), "r2".getBytes(), false).slot();
        int third = queue.register(ProcessIdentity.current(), "r3".getBytes(), false).slot();
        long first = claimAndWrite(0, WANTED);
        long later = claimAndWrite(1, WANTED);
        int sequence = sleepAt(reader, first);
        sleepAt(second, first);
        sleepAt(third, later);
        publish(first, WANTED, 0);
        assertThat(queue.readers().isArmed(reader)).isFalse();
        assertThat(queue.readers().isArmed(second)).isFalse();
        assertThat(queue.readers().isArmed(third)).as("it waits for the later record").isTrue();
        assertThat(queue.messages().sequenceVolatile()).as("one wake-up for both").isEqualTo(sequence + 1);
    }

    /** The kernel's side of the bits, with real sleeping threads: a wake-up reaches only the sleepers it names. */
    @Test
    void aWakeUpForOneReadersBitLeavesAnotherReaderAsleep() throws Exception {
        setUp();
        int other = queue.register(ProcessIdentity.current(), "r2".getBytes(), false).slot();
        long position = claimAndWrite(0, WANTED);
        Waiter.Bed bed = queue.readerBed(reader, position);
        Waiter.Bed otherBed = queue.readerBed(other, position);
        int sequence = bed.sequence();
        ExecutorService threads = Executors.newFixedThreadPool(2); // the common pool may have only one
        open.add(threads::shutdownNow);
        CompletableFuture<Void> sleeper = CompletableFuture.runAsync(
                () -> bed.sleep(sequence, TimeUnit.SECONDS.toNanos(30)), threads);
        CompletableFuture<Void> otherSleeper = CompletableFuture.runAsync(
                () -> otherBed.sleep(sequence, TimeUnit.SECONDS.toNanos(30)), threads);
        Thread.sleep(200); // both inside futex_wait by now, or they see the bumped word and return: either passes
        queue.readers().armVolatile(other);
        queue.wakeReader(other);
        otherSleeper.get(10, TimeUnit.SECONDS);
        Thread.sleep(200);
        assertThat(sleeper).as("the word changed, but its bit was not woken").isNotDone();
        queue.readers().armVolatile(reader);
        queue.wakeReader(reader);
        sleeper.get(10, TimeUnit.SECONDS);
    }

    /**
     * Through the API, with a real sleeping thread: records it screens do not wake it (the message futex word does
     * not move; it still looks once per sleep cap, and skips them then), and once the screen is removed it
     * reads that sender's records again.
     */
    @Test
    void unscreeningWakesTheReaderToReadWhatItScreenedWhileAsleep() throws Exception {
        SyncQueue readerHandle = SyncQueue.builder(name).directory(DIR).size(4096).sender("r").create();
        open.add(readerHandle);
        SyncQueue noisy = SyncQueue.builder(name).directory(DIR).sender("noise").open();
        open.add(noisy);
        QueueFile observerFile = QueueFile.attach(DIR, name);
        open.add(observerFile::unmap);
        SharedQueue observer = new SharedQueue(observerFile);
        int readerSlot = QueueStatus.readers(observer).stream().filter(r -> r.sender().equals("r")).findFirst()
                .orElseThrow().slot();
        readerHandle.senderScreen().add("noise");
        CompletableFuture<Optional<Message>> popped = CompletableFuture.supplyAsync(
                () -> readerHandle.pop(Duration.ofSeconds(30)));
        while (!observer.readers().isArmed(readerSlot)) {
            Thread.sleep(1);
        }
        int words = observer.messages().sequenceVolatile();
        for (int i = 0; i < 3; i++) {
            noisy.append("t", "noise " + i);
        }
        Thread.sleep(100);
        assertThat(popped).isNotDone();
        assertThat(observer.messages().sequenceVolatile()).as("no wake-up for screened records").isEqualTo(words);

        readerHandle.senderScreen().remove("noise");
        noisy.append("t", "after");
        assertThat(popped.get(10, TimeUnit.SECONDS).map(Message::sender)).contains("noise");
    }
}
