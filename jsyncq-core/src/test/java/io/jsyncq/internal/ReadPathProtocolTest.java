package io.jsyncq.internal;

import io.jsyncq.SyncQueue;
import io.jsyncq.testing.TestQueues;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static io.jsyncq.internal.QueueLayout.GRANULE;
import static io.jsyncq.internal.QueueLayout.MARK_SKIP_GRANULE;
import static io.jsyncq.internal.QueueLayout.MARK_SKIP_RECORD;
import static io.jsyncq.internal.QueueLayout.NO_MARK;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The rules a reader relies on, one at a time and stepped by hand, in one JVM on a real queue file: what a
 * mark may say, which headers a reader refuses, and when a batch hands its space back.
 */
@Timeout(60)
class ReadPathProtocolTest {

    private static final Path DIR = SyncQueue.defaultDirectory();
    private static final long CAPACITY = 4096;

    private final String name = TestQueues.uniqueName("readpath");
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAndRemove() throws Exception {
        for (AutoCloseable closeable : open.reversed()) {
            closeable.close();
        }
        TestQueues.deleteIfLeft(name);
    }

    private SharedQueue process() {
        QueueFile file = open.isEmpty()
                ? QueueFile.create(DIR, name, CAPACITY, 8, QueueLayout.FLAG_KEEP, false)
                : QueueFile.attach(DIR, name);
        open.add(file::unmap);
        return new SharedQueue(file);
    }

    @Test
    void aMarkResolvesOnlyTheRecordOfItsOwnLap() {
        long position = 3 * CAPACITY + 5 * GRANULE;
        assertThat(SharedQueue.isResolved(position, position)).as("published").isTrue();
        assertThat(SharedQueue.isResolved(position | MARK_SKIP_RECORD, position)).as("abandoned").isTrue();
        assertThat(SharedQueue.isResolved(position | MARK_SKIP_GRANULE, position)).as("repaired").isTrue();
        assertThat(SharedQueue.isResolved(position - CAPACITY, position)).as("the lap before").isFalse();
        assertThat(SharedQueue.isResolved((position - CAPACITY) | MARK_SKIP_RECORD, position)).isFalse();
        assertThat(SharedQueue.isResolved(position + CAPACITY, position)).as("a newer lap").isFalse();
        assertThat(SharedQueue.isResolved(NO_MARK, position)).as("never written").isFalse();
        assertThat(SharedQueue.isResolved(position | 1, position)).as("no such state").isFalse();
    }

    @Test
    void aPublishedMarkSurvivesTheWholeLapAndOnlyTheNextClaimOfItsGranuleReplacesIt() {
        SharedQueue queue = process();
        ReaderTable.Taken writer = queue.register(ProcessIdentity.current(), "w".getBytes(), true);
        long first = queue.tryClaim(GRANULE, writer.slot(), 0);
        queue.publishAndEndClaim(first, 0, 0, writer.slot(), 0);
        for (long position = first + GRANULE; position < first + CAPACITY; position += GRANULE) {
            assertThat(queue.tryClaim(GRANULE, writer.slot(), 0)).isEqualTo(position);
            queue.publishAndEndClaim(position, 0, 0, writer.slot(), 0);
            assertThat(queue.markAcquire(first)).isEqualTo(first);
        }
        long nextLap = queue.tryClaim(GRANULE, writer.slot(), 0);
        assertThat(nextLap).isEqualTo(first + CAPACITY);
        assertThat(SharedQueue.isResolved(queue.markAcquire(nextLap), nextLap)).as("claimed, not yet published")
                .isFalse();
        queue.skipOwnRecordAndEndClaim(nextLap, writer.slot(), 0);
        assertThat(queue.markAcquire(first)).isEqualTo(nextLap | MARK_SKIP_RECORD);
        assertThat(queue.readers().lowestFloor(writer.slot())).isEqualTo(ReaderSlotLayout.NO_FLOOR);
    }

    @Test
    void aReaderRefusesEveryHeaderThatDisagreesWithItself() {
        SharedQueue queue = process();
        RecordView view = new RecordView(queue.memory(), CAPACITY);
        long offset = queue.recordOffset(0);
        int sender = 3;
        int type = 2;
        int body = 40;
        int length = RecordLayout.HEADER_LENGTH + sender + type + body;

        header(queue, offset, length, body, sender, type);
        assertThat(view.wrap(offset)).isTrue();
        assertThat(view.recordLength()).isEqualTo(length);
        assertThat(view.bodyLength()).isEqualTo(body);
        assertThat(view.senderLength()).isEqualTo(sender);
        assertThat(view.typeLength()).isEqualTo(type);
        assertThat(view.bodyOffset()).isEqualTo(offset + RecordLayout.HEADER_LENGTH + sender + type);

        header(queue, offset, RecordLayout.HEADER_LENGTH - 1, 0, 0, 0);
        assertThat(view.wrap(offset)).as("shorter than a header").isFalse();
        header(queue, offset, (int) CAPACITY + 1, (int) CAPACITY + 1 - RecordLayout.HEADER_LENGTH, 0, 0);
        assertThat(view.wrap(offset)).as("longer than the ring").isFalse();
        header(queue, offset, length, -1, sender, type);
        assertThat(view.wrap(offset)).as("a negative body").isFalse();
        header(queue, offset, length, body + 1, sender, type);
        assertThat(view.wrap(offset)).as("parts longer than the record").isFalse();
        header(queue, offset, length, body, sender + 1, type);
        assertThat(view.wrap(offset)).as("a sender longer than the record has room for").isFalse();
    }

    private static void header(SharedQueue queue, long offset, int length, int body, int sender, int type) {
        queue.memory().set(ValueLayout.JAVA_LONG, offset, RecordLayout.lengthsWord(length, body));
        queue.memory().set(ValueLayout.JAVA_LONG, offset + RecordLayout.WRITER_GENERATION_OFFSET,
                RecordLayout.writerWord(7, 1, sender, type));
    }

    @Test
    void aBatchHandsItsSpaceBackOnceAtItsEndAndASinglePopAtItsReturn() {
        SyncQueue writer = SyncQueue.builder(name).directory(DIR).size(CAPACITY).sender("w").create();
        open.add(writer);
        SyncQueue reader = SyncQueue.builder(name).directory(DIR).sender("r").open();
        open.add(reader);
        SharedQueue observer = process();
        int readerSlot = QueueStatus.readers(observer).stream().filter(r -> r.sender().equals("r")).findFirst()
                .orElseThrow().slot();
        for (int i = 0; i < 5; i++) {
            writer.append("t", "message " + i);
        }
        long start = observer.readers().cursorVolatile(readerSlot);
        List<Long> storedDuringBatch = new ArrayList<>();
        int delivered = reader.poll(view -> storedDuringBatch.add(observer.readers().cursorVolatile(readerSlot)), 3);
        assertThat(delivered).isEqualTo(3);
        assertThat(storedDuringBatch).as("nothing stored inside the batch").containsOnly(start);
        long afterBatch = observer.readers().cursorVolatile(readerSlot);
        assertThat(afterBatch).as("three records of one granule each").isEqualTo(start + 3 * GRANULE);

        long[] storedDuringPop = new long[1];
        assertThat(reader.pop(view -> storedDuringPop[0] = observer.readers().cursorVolatile(readerSlot))).isTrue();
        assertThat(storedDuringPop[0]).isEqualTo(afterBatch);
        assertThat(observer.readers().cursorVolatile(readerSlot)).as("a pop is a batch of one")
                .isEqualTo(afterBatch + GRANULE);
    }

    /**
     * A registration that skips its own records skips every record written under its slot, whatever the
     * generation in the record's header: a resumed durable registration has a new generation, and what its
     * earlier processes appended and never read lies ahead of it. A record of another slot is delivered.
     */
    @Test
    void aReaderSkipsEveryRecordOfItsOwnSlotWhateverItsGeneration() {
        SyncQueue reader = SyncQueue.builder(name).directory(DIR).size(CAPACITY).sender("r").create();
        open.add(reader);
        SharedQueue observer = process();
        int readerSlot = QueueStatus.readers(observer).stream().filter(r -> r.sender().equals("r")).findFirst()
                .orElseThrow().slot();
        int writerSlot = observer.register(ProcessIdentity.current(), "w".getBytes(), true).slot();
        writeAndPublish(observer, writerSlot, readerSlot, 1, "an earlier process of r's");
        writeAndPublish(observer, writerSlot, writerSlot, 1, "another writer's");
        writeAndPublish(observer, writerSlot, readerSlot, 99, "a later generation of r's");
        List<String> read = new ArrayList<>();
        while (reader.poll(view -> read.add(view.sender()), 10) > 0) {
            // until nothing is left
        }
        assertThat(read).containsExactly("another writer's");
    }

    /** Claims a granule as {@code claimer} and publishes a record whose header names {@code slot} and {@code generation}. */
    private static void writeAndPublish(SharedQueue queue, int claimer, int slot, int generation, String senderName) {
        byte[] sender = senderName.getBytes();
        long position = queue.tryClaim(GRANULE, claimer, 0);
        long offset = queue.recordOffset(position);
        queue.memory().set(ValueLayout.JAVA_LONG, offset + RecordLayout.LENGTH_OFFSET,
                RecordLayout.lengthsWord(RecordLayout.HEADER_LENGTH + sender.length, 0));
        queue.memory().set(ValueLayout.JAVA_LONG, offset + RecordLayout.WRITER_GENERATION_OFFSET,
                RecordLayout.writerWord(generation, slot, sender.length, 0));
        MemorySegment.copy(sender, 0, queue.memory(), ValueLayout.JAVA_BYTE, offset + RecordLayout.HEADER_LENGTH,
                sender.length);
        queue.publishAndEndClaim(position, NameHash.of(sender), NameHash.of(new byte[0]), claimer, 0);
    }
}
