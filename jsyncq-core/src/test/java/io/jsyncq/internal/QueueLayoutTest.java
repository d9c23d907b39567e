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
}
