package io.jsyncq.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.BitSet;

import static io.jsyncq.internal.QueueLayout.GRANULE;
import static org.assertj.core.api.Assertions.assertThat;

@Timeout(60)
class QueueLayoutTest {

    @Test
    void everyGranuleOfTheRingHasAMarkOfItsOwnAndLapsShareIt() {
        for (long capacity = QueueLayout.MIN_CAPACITY; capacity <= 1 << 22; capacity <<= 1) {
            long marks = capacity / GRANULE;
            BitSet used = new BitSet();
            for (long position = 0; position < capacity; position += GRANULE) {
                long index = QueueLayout.markIndex(position, marks);
                assertThat(index).isBetween(0L, marks - 1);
                assertThat(used.get((int) index)).as("granule %d of a ring of %d", position / GRANULE, capacity).isFalse();
                used.set((int) index);
                assertThat(QueueLayout.markIndex(position + 5 * capacity, marks)).isEqualTo(index);
            }
        }
    }

    @Test
    void consecutiveGranulesHaveTheirMarksOnDifferentCacheLines() {
        long marks = (1 << 20) / GRANULE;
        int marksPerLine = 64 / QueueLayout.MARK_LENGTH;
        for (long position = 0; position < 64 * GRANULE; position += GRANULE) {
            long line = QueueLayout.markIndex(position, marks) / marksPerLine;
            for (int ahead = 1; ahead < marksPerLine; ahead++) {
                assertThat(QueueLayout.markIndex(position + ahead * GRANULE, marks) / marksPerLine).isNotEqualTo(line);
            }
        }
    }

    /** The offsets are derived from one another; these are the numbers docs/design.md draws. */
    @Test
    void theDerivedOffsetsAreTheOnesTheDesignDocumentDraws() {
        assertThat(new long[] {QueueLayout.VERSION_OFFSET, QueueLayout.FLAGS_OFFSET, QueueLayout.CAPACITY_OFFSET,
                QueueLayout.MAX_READERS_OFFSET, QueueLayout.READER_SLOT_LENGTH_OFFSET, QueueLayout.READER_TABLE_OFFSET_OFFSET,
                QueueLayout.MARKS_OFFSET_OFFSET, QueueLayout.RING_OFFSET_OFFSET, QueueLayout.FILE_LENGTH_OFFSET,
                QueueLayout.PAGE_SIZE_OFFSET}).containsExactly(8, 12, 16, 24, 28, 32, 40, 48, 56, 64);
        assertThat(new long[] {QueueLayout.TAIL_POSITION_OFFSET, QueueLayout.HEAD_CACHE_OFFSET, QueueLayout.LIFECYCLE_OFFSET,
                QueueLayout.MESSAGE_FUTEX_OFFSET, QueueLayout.SPACE_FUTEX_OFFSET, QueueLayout.READERS_RECLAIMED_OFFSET})
                .containsExactly(128, 256, 384, 512, 640, 768);
        assertThat(ReaderSlotLayout.FLOORS_OFFSET + ReaderSlotLayout.FLOOR_LANES * Long.BYTES)
                .as("the owner's hot words fit its first block").isLessThanOrEqualTo(ReaderSlotLayout.PID_OFFSET);
        assertThat(ReaderSlotLayout.PID_OFFSET).isEqualTo(128);
        assertThat(ReaderSlotLayout.SENDER_OFFSET + ReaderSlotLayout.MAX_SENDER_BYTES).isEqualTo(ReaderSlotLayout.WAIT_AT_OFFSET);
        assertThat(ReaderSlotLayout.TYPE_HASHES_OFFSET + ReaderSlotLayout.SUMMARY_HASHES * Long.BYTES)
                .isLessThanOrEqualTo(ReaderSlotLayout.SLOT_LENGTH);
    }
}
