package io.jsyncq.aeron;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The frame layout's checks on bytes from the network, and the backlog's numbering, in one JVM. */
@Timeout(30)
class RelayFrameAndBacklogTest {

    private static UnsafeBuffer frame(long sequence, String sender, String type, int bodyLength) {
        byte[] senderBytes = sender.getBytes(StandardCharsets.UTF_8);
        byte[] typeBytes = type.getBytes(StandardCharsets.UTF_8);
        UnsafeBuffer buffer = new UnsafeBuffer(new byte[RelayFrame.HEADER_LENGTH + senderBytes.length + typeBytes.length
                + bodyLength]);
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
        assertThat(RelayFrame.sender(good, 0)).isEqualTo("alice");
        assertThat(RelayFrame.type(good, 0)).isEqualTo("order");
        assertThat(new String(RelayFrame.body(good, 0, good.capacity()).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE),
                StandardCharsets.UTF_8)).isEqualTo("hello");

        assertThat(RelayFrame.isWellFormed(good, 0, RelayFrame.HEADER_LENGTH - 1)).as("shorter than a header").isFalse();
        assertThat(RelayFrame.isWellFormed(good, 0, good.capacity() - 1)).as("one byte short").isFalse();
        UnsafeBuffer negative = frame(1, "a", "", 3);
        negative.putInt(RelayFrame.BODY_LENGTH_OFFSET, -1, ByteOrder.LITTLE_ENDIAN);
        assertThat(RelayFrame.isWellFormed(negative, 0, negative.capacity())).as("negative body").isFalse();
        UnsafeBuffer lying = frame(1, "a", "", 3);
        lying.putByte(RelayFrame.SENDER_LENGTH_OFFSET, (byte) 200);
        assertThat(RelayFrame.isWellFormed(lying, 0, lying.capacity())).as("sender longer than the frame").isFalse();
        UnsafeBuffer huge = frame(1, "a", "", 3);
        huge.putInt(RelayFrame.BODY_LENGTH_OFFSET, Integer.MAX_VALUE, ByteOrder.LITTLE_ENDIAN);
        assertThat(RelayFrame.isWellFormed(huge, 0, huge.capacity())).as("no overflow into a match").isFalse();
    }

    @Test
    void theBacklogNumbersFramesByOriginSequenceAcrossGrowthAndRelease() {
        Backlog backlog = new Backlog();
        assertThat(backlog.isEmpty()).isTrue();
        assertThat(backlog.end()).isEqualTo(1);
        for (int sequence = 1; sequence <= 200; sequence++) { // beyond the first array of 64: it grows twice
            backlog.add(frame(sequence, "s", "", sequence % 7), RelayFrame.HEADER_LENGTH + 1 + sequence % 7);
        }
        backlog.add(null, 999_999); // a message no stream carries: a placeholder, counted as no bytes
        assertThat(backlog.start()).isEqualTo(1);
        assertThat(backlog.end()).isEqualTo(202);
        UnsafeBuffer kept = new UnsafeBuffer(new byte[0]);
        for (int sequence = 1; sequence <= 200; sequence++) {
            backlog.wrap(sequence, kept);
            assertThat(RelayFrame.sequence(kept, 0)).isEqualTo(sequence);
            assertThat(RelayFrame.isWellFormed(kept, 0, kept.capacity())).isTrue();
        }
        assertThat(backlog.isPlaceholder(201)).isTrue();
        long bytes = backlog.bytes();
        backlog.releaseBefore(101);
        assertThat(backlog.start()).isEqualTo(101);
        assertThat(backlog.bytes()).isLessThan(bytes);
        assertThatThrownBy(() -> backlog.skipTo(300)).isInstanceOf(IllegalStateException.class);
        backlog.releaseBefore(202);
        assertThat(backlog.isEmpty()).isTrue();
        assertThat(backlog.bytes()).isZero();
        backlog.skipTo(300);
        assertThat(backlog.start()).isEqualTo(300);
        assertThat(backlog.end()).isEqualTo(300);
    }

    /**
     * The frames' bytes share one array used as a ring: a window of frames sliding through many laps of it
     * keeps every held frame intact (none overwritten by a later one, none split at the array's end), and
     * the array grows only while the window does.
     */
    @Test
    void framesSlidingThroughTheRingStayIntactAcrossLapsAndGrowth() {
        Backlog backlog = new Backlog();
        java.util.SplittableRandom random = new java.util.SplittableRandom(11);
        UnsafeBuffer kept = new UnsafeBuffer(new byte[0]);
        int window = 10;
        for (long sequence = 1; sequence <= 20_000; sequence++) {
            if (sequence == 10_000) {
                window = 200; // the peer falls behind: the ring must grow, keeping what it holds
            }
            int bodyLength = random.nextInt(3_000);
            UnsafeBuffer frame = frame(sequence, "s" + sequence % 3, "t", bodyLength);
            frame.setMemory(frame.capacity() - bodyLength, bodyLength, (byte) sequence);
            backlog.add(frame, frame.capacity());
            backlog.releaseBefore(sequence - window + 1);
            for (long held = backlog.start(); held < backlog.end(); held += 7) {
                backlog.wrap(held, kept);
                assertThat(RelayFrame.isWellFormed(kept, 0, kept.capacity())).as("frame %d at %d", held, sequence).isTrue();
                assertThat(RelayFrame.sequence(kept, 0)).isEqualTo(held);
                if (kept.capacity() > RelayFrame.HEADER_LENGTH + 4) {
                    assertThat(kept.getByte(kept.capacity() - 1)).isEqualTo((byte) held);
                }
            }
        }
        assertThat(backlog.end() - backlog.start()).isEqualTo(200);
    }
}
