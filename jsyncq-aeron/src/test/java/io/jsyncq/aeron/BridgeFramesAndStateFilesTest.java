package io.jsyncq.aeron;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * In one JVM: the frames' checks on bytes from the network, and the bridge's two files (outbox and inbox)
 * kept, numbered, reopened and refused when damaged. What a kill does to them is tested with real processes
 * in {@code BridgeTest}; here a kill between two steps is stood for by reopening the file after the first.
 */
@Timeout(60)
class BridgeFramesAndStateFilesTest {

    private final Path directory = Path.of("/dev/shm", "jsyncq-bridge-files-" + UUID.randomUUID());
    private final List<String> logged = new ArrayList<>();

    @BeforeEach
    void makeDirectory() throws IOException {
        Files.createDirectories(directory);
    }

    @AfterEach
    void removeDirectory() throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.toList()) {
                Files.delete(file);
            }
        }
        Files.delete(directory);
    }

    private static UnsafeBuffer frame(long sequence, String sender, String type, int bodyLength) {
        byte[] senderBytes = sender.getBytes(StandardCharsets.UTF_8);
        byte[] typeBytes = type.getBytes(StandardCharsets.UTF_8);
        UnsafeBuffer buffer = new UnsafeBuffer(new byte[RelayFrame.HEADER_LENGTH + senderBytes.length + typeBytes.length
                + bodyLength]);
        buffer.putLong(RelayFrame.ORIGIN_OFFSET, 77, ByteOrder.LITTLE_ENDIAN);
        buffer.putLong(RelayFrame.SEQUENCE_OFFSET, sequence, ByteOrder.LITTLE_ENDIAN);
        buffer.putInt(RelayFrame.BODY_LENGTH_OFFSET, bodyLength, ByteOrder.LITTLE_ENDIAN);
        buffer.putByte(RelayFrame.SENDER_LENGTH_OFFSET, (byte) senderBytes.length);
        buffer.putByte(RelayFrame.TYPE_LENGTH_OFFSET, (byte) typeBytes.length);
        buffer.putBytes(RelayFrame.HEADER_LENGTH, senderBytes);
        buffer.putBytes(RelayFrame.HEADER_LENGTH + senderBytes.length, typeBytes);
        return buffer;
    }

    @Test
    void aWellFormedFrameDecodesAndADamagedOneIsRefusedBeforeAnyLengthIsUsed() {
        UnsafeBuffer good = frame(42, "alice", "order", 5);
        good.putBytes(RelayFrame.HEADER_LENGTH + 10, "hello".getBytes(StandardCharsets.UTF_8));
        assertThat(RelayFrame.isWellFormed(good, 0, good.capacity())).isTrue();
        assertThat(RelayFrame.sequence(good, 0)).isEqualTo(42);
        assertThat(RelayFrame.origin(good, 0)).isEqualTo(77);
        assertThat(RelayFrame.isGapNotice(good, 0)).isFalse();
        assertThat(RelayFrame.sender(good, 0)).isEqualTo("alice");
        assertThat(RelayFrame.type(good, 0)).isEqualTo("order");
        assertThat(new String(RelayFrame.body(good, 0, good.capacity()).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE),
                StandardCharsets.UTF_8)).isEqualTo("hello");

        assertThat(RelayFrame.isWellFormed(good, 0, RelayFrame.HEADER_LENGTH - 1)).as("shorter than a header").isFalse();
        assertThat(RelayFrame.isWellFormed(good, 0, good.capacity() - 1)).as("one byte short").isFalse();
        UnsafeBuffer negative = frame(1, "a", "", 3);
        negative.putInt(RelayFrame.BODY_LENGTH_OFFSET, -1, ByteOrder.LITTLE_ENDIAN);
        assertThat(RelayFrame.isWellFormed(negative, 0, negative.capacity())).as("negative body").isFalse();
        UnsafeBuffer notice = new UnsafeBuffer(new byte[RelayFrame.HEADER_LENGTH]);
        RelayFrame.encodeGapNotice(notice, 77);
        RelayFrame.setSequence(notice, 9);
        assertThat(RelayFrame.isWellFormed(notice, 0, notice.capacity())).as("a gap notice").isTrue();
        assertThat(RelayFrame.isGapNotice(notice, 0)).isTrue();
        assertThat(RelayFrame.sequence(notice, 0)).isEqualTo(9);
        UnsafeBuffer namedNotice = frame(1, "a", "", 0);
        namedNotice.putInt(RelayFrame.BODY_LENGTH_OFFSET, -1, ByteOrder.LITTLE_ENDIAN);
        assertThat(RelayFrame.isWellFormed(namedNotice, 0, namedNotice.capacity())).as("a notice with a name").isFalse();
        UnsafeBuffer lying = frame(1, "a", "", 3);
        lying.putByte(RelayFrame.SENDER_LENGTH_OFFSET, (byte) 200);
        assertThat(RelayFrame.isWellFormed(lying, 0, lying.capacity())).as("sender longer than the frame").isFalse();
        UnsafeBuffer huge = frame(1, "a", "", 3);
        huge.putInt(RelayFrame.BODY_LENGTH_OFFSET, Integer.MAX_VALUE, ByteOrder.LITTLE_ENDIAN);
        assertThat(RelayFrame.isWellFormed(huge, 0, huge.capacity())).as("no overflow into a match").isFalse();
    }

    @Test
    void anAcknowledgementCarriesEveryOriginAndItsSenderAndADamagedOneIsRefused() {
        try (Inbox inbox = Inbox.open(directory.resolve("inbox"))) {
            inbox.skipTo(11, 5);
            inbox.skipTo(22, 7);
            UnsafeBuffer ack = new UnsafeBuffer(new byte[AckFrame.maxLength()]);
            int length = AckFrame.encode(ack, 99, "10.0.0.1:40123".getBytes(StandardCharsets.US_ASCII), inbox);
            assertThat(AckFrame.isWellFormed(ack, 0, length)).isTrue();
            assertThat(AckFrame.run(ack, 0)).isEqualTo(99);
            assertThat(AckFrame.endpoint(ack, 0)).isEqualTo("10.0.0.1:40123");
            assertThat(AckFrame.newestOf(ack, 0, 11)).isEqualTo(5);
            assertThat(AckFrame.newestOf(ack, 0, 22)).isEqualTo(7);
            assertThat(AckFrame.newestOf(ack, 0, 33)).as("an origin it never heard of").isZero();
            assertThat(AckFrame.isWellFormed(ack, 0, length - 1)).as("one byte short").isFalse();
            assertThat(AckFrame.isWellFormed(ack, 0, 15)).as("shorter than a header").isFalse();
            ack.putInt(AckFrame.COUNT_OFFSET, Integer.MAX_VALUE, ByteOrder.LITTLE_ENDIAN);
            assertThat(AckFrame.isWellFormed(ack, 0, length)).as("no overflow into a match").isFalse();
        }
    }

    /** Adds a frame of this sequence to the outbox, its body filled with the sequence's low byte. */
    private static void add(Outbox outbox, long sequence, int bodyLength, long queuePosition) {
        UnsafeBuffer frame = frame(sequence, "s" + sequence % 3, "t", bodyLength);
        frame.setMemory(frame.capacity() - bodyLength, bodyLength, (byte) sequence);
        MemorySegment reserved = outbox.reserve(frame.capacity());
        assertThat(reserved).as("room for frame %d", sequence).isNotNull();
        MemorySegment.copy(MemorySegment.ofArray(frame.byteArray()), 0, reserved, 0, frame.capacity());
        outbox.commit(queuePosition);
    }

    private static void assertIntact(Outbox outbox, long sequence) {
        UnsafeBuffer kept = new UnsafeBuffer(0, 0);
        outbox.wrap(sequence, kept);
        assertThat(RelayFrame.isWellFormed(kept, 0, kept.capacity())).as("frame %d", sequence).isTrue();
        assertThat(RelayFrame.sequence(kept, 0)).isEqualTo(sequence);
        if (kept.capacity() > RelayFrame.HEADER_LENGTH + 4) {
            assertThat(kept.getByte(kept.capacity() - 1)).isEqualTo((byte) sequence);
        }
    }

    @Test
    void theOutboxNumbersItsFramesAndAReopenedOneHoldsWhatTheClosedOneHeld() {
        Path file = directory.resolve("outbox");
        long origin;
        try (Outbox outbox = Outbox.open(file, 1 << 20, logged::add)) {
            origin = outbox.originId();
            assertThat(outbox.isEmpty()).isTrue();
            assertThat(outbox.end()).isEqualTo(1);
            assertThat(outbox.newestQueuePosition()).isEqualTo(-1);
            for (int sequence = 1; sequence <= 2_000; sequence++) { // beyond the first index of 1,024: it grows
                add(outbox, sequence, sequence % 7, sequence * 64L);
            }
            assertThat(outbox.addPlaceholder(2_001 * 64L)).isTrue();
            outbox.releaseBefore(101);
            assertThat(outbox.start()).isEqualTo(101);
            outbox.reserve(100); // reserved, never committed: as if the bridge were killed before it committed
        }
        try (Outbox reopened = Outbox.open(file, 1 << 20, logged::add)) {
            assertThat(reopened.originId()).isEqualTo(origin);
            assertThat(reopened.start()).isEqualTo(101);
            assertThat(reopened.end()).as("the frame reserved and not committed is not there").isEqualTo(2_002);
            assertThat(reopened.newestQueuePosition()).isEqualTo(2_001 * 64L);
            for (long sequence = 101; sequence <= 2_000; sequence++) {
                assertIntact(reopened, sequence);
            }
            assertThat(reopened.isPlaceholder(2_001)).isTrue();
            reopened.releaseBefore(2_002);
            assertThat(reopened.isEmpty()).isTrue();
            assertThat(reopened.bytes()).isZero();
        }
        try (Outbox empty = Outbox.open(file, 1 << 20, logged::add)) {
            assertThat(empty.isEmpty()).isTrue();
            assertThat(empty.end()).as("an empty outbox still knows its next sequence").isEqualTo(2_002);
            assertThat(empty.newestQueuePosition()).isEqualTo(2_001 * 64L);
            empty.forgetQueuePositions();
            assertThat(empty.newestQueuePosition()).isEqualTo(-1);
        }
    }

    /**
     * A window of frames sliding through many laps of the ring: every frame held stays intact (none
     * overwritten by a later one, none split at the ring's end), a full ring refuses a frame rather than
     * overwrite one, and reopening in the middle of a lap finds the same frames.
     */
    @Test
    void framesSlidingThroughTheRingStayIntactAcrossLapsAndAReopen() {
        Path file = directory.resolve("outbox");
        SplittableRandom random = new SplittableRandom(11);
        Outbox outbox = Outbox.open(file, 1 << 20, logged::add);
        try {
            int window = 10;
            for (long sequence = 1; sequence <= 20_000; sequence++) {
                if (sequence == 10_000) {
                    window = 200;
                    outbox.close();
                    outbox = Outbox.open(file, 1 << 20, logged::add);
                    assertThat(outbox.end()).isEqualTo(sequence);
                }
                add(outbox, sequence, random.nextInt(3_000), sequence);
                outbox.releaseBefore(sequence - window + 1);
                for (long held = outbox.start(); held < outbox.end(); held += 7) {
                    assertIntact(outbox, held);
                }
            }
            assertThat(outbox.end() - outbox.start()).isEqualTo(200);
            assertThat(outbox.reserve(outbox.maxFrameLength() + 8)).as("larger than an entry may be").isNull();
            int filled = 0;
            while (outbox.reserve(100_000) != null) {
                outbox.commit(1);
                filled++;
            }
            assertThat(filled).as("frames of 100,000 bytes that fit beside the 200 held").isBetween(5, 10);
            assertThat(outbox.bytes()).isLessThanOrEqualTo(outbox.capacity());
            assertIntact(outbox, outbox.start());
        } finally {
            outbox.close();
        }
    }

    @Test
    void aDamagedOutboxOrInboxIsRefusedWithWhatToDo() throws IOException {
        Path outbox = directory.resolve("outbox");
        Files.write(outbox, new byte[100]);
        assertThatThrownBy(() -> Outbox.open(outbox, 1 << 20, logged::add)).isInstanceOf(BridgeException.class)
                .hasMessageContaining("damaged").hasMessageContaining("Move it away");
        Files.delete(outbox);
        try (Outbox made = Outbox.open(outbox, 1 << 20, logged::add)) {
            add(made, 1, 10, 64);
        }
        try (FileChannel channel = FileChannel.open(outbox, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(new byte[] {-1, -1, -1, -1}), Outbox.FILE_HEADER_LENGTH); // the entry's length
        }
        assertThatThrownBy(() -> Outbox.open(outbox, 1 << 20, logged::add)).isInstanceOf(BridgeException.class)
                .hasMessageContaining("the entry at 0");
        Path inbox = directory.resolve("inbox");
        Files.write(inbox, new byte[64]);
        assertThatThrownBy(() -> Inbox.open(inbox)).isInstanceOf(BridgeException.class).hasMessageContaining("damaged");
    }

    @Test
    void theInboxKeepsEachOriginsNewestSequenceAndForgetsTheLeastRecentlyUsedBeyondItsBound() throws Exception {
        Path file = directory.resolve("inbox");
        try (Inbox inbox = Inbox.open(file)) {
            inbox.beginAppend(1, 1);
            inbox.endAppend(1, 1, 640);
            inbox.skipTo(2, 50);
            assertThat(inbox.newestAppendPosition()).isEqualTo(640);
        }
        try (Inbox inbox = Inbox.open(file)) {
            assertThat(inbox.newestSequence(1)).isEqualTo(1);
            assertThat(inbox.newestSequence(2)).isEqualTo(50);
            assertThat(inbox.newestSequence(3)).isZero();
            Thread.sleep(2);
            inbox.skipTo(1, 2); // origin 1 is used again: origin 2 is now the least recently used
            Thread.sleep(2);
            for (long origin = 100; origin < 100 + Inbox.MAX_ORIGINS - 1; origin++) {
                inbox.skipTo(origin, 1);
            }
            assertThat(inbox.newestSequence(2)).as("forgotten, to make room").isZero();
            assertThat(inbox.newestSequence(1)).isEqualTo(2);
        }
    }

    /**
     * The append a kill leaves in doubt: it went in exactly when the resumed registration's last append
     * is after the one noted before it; without a resumed registration it cannot be known, and is said so.
     */
    @Test
    void theInboxDecidesTheAppendAKillLeftInDoubt() {
        Path file = directory.resolve("inbox");
        record Case(boolean resumed, OptionalLong lastAppend, long expectedNewest) {
        }
        List<Case> cases = List.of(
                new Case(true, OptionalLong.of(1_280), 2), // the record at 1,280 is after 640: it went in
                new Case(true, OptionalLong.of(640), 1),   // the last published append is the one before
                new Case(true, OptionalLong.empty(), 1),   // begun and never published: no reader sees it
                new Case(false, OptionalLong.of(1_280), 1)); // another registration's positions say nothing
        for (Case c : cases) {
            try (Inbox inbox = Inbox.open(file)) {
                inbox.beginAppend(1, 1);
                inbox.endAppend(1, 1, 640);
                inbox.beginAppend(1, 2); // then killed
            }
            try (Inbox inbox = Inbox.open(file)) {
                logged.clear();
                inbox.recover(c.resumed(), c.lastAppend(), logged::add);
                assertThat(inbox.newestSequence(1)).as(c.toString()).isEqualTo(c.expectedNewest());
                if (!c.resumed()) {
                    assertThat(logged).anyMatch(line -> line.contains("cannot be known"));
                }
            }
            try (Inbox inbox = Inbox.open(file)) {
                inbox.recover(true, OptionalLong.empty(), logged::add);
                assertThat(inbox.newestSequence(1)).as("decided once: " + c).isEqualTo(c.expectedNewest());
            }
            Path reset = file;
            reset.toFile().delete();
        }
    }
}
