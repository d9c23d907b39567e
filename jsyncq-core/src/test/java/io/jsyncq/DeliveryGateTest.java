package io.jsyncq;

import io.jsyncq.testing.TestQueues;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The delivery gate: while one registration holds it, the others deliver only what it appends of what lies
 * past its read position when it took the gate, and it reads what they append; the gate outlives a parked
 * durable holder, and a freed holder leaves what it read gated and the rest delivered as usual.
 */
@Timeout(60)
class DeliveryGateTest {

    private final String name = TestQueues.uniqueName("gate");

    @AfterEach
    void removeLeftovers() {
        TestQueues.deleteIfLeft(name);
    }

    private SyncQueue.Builder builder(String sender) {
        return SyncQueue.builder(name).sender(sender);
    }

    /** Everything there is to read now, as "sender:text". */
    private static List<String> drain(SyncQueue reader) {
        List<String> read = new ArrayList<>();
        while (reader.poll(view -> read.add(view.sender() + ":" + view.bodyText()), 100) > 0) {
            // until nothing is left
        }
        return read;
    }

    private int gate() {
        return QueueAdmin.inspect(SyncQueue.defaultDirectory(), name).deliveryGate();
    }

    @Test
    void othersDeliverOnlyWhatTheHolderAppendsWhileTheHolderReadsTheRest() {
        try (SyncQueue reader = builder("reader").size(1 << 16).create();
             SyncQueue writer = builder("writer").open()) {
            writer.append("t", "before the holder");
            SyncQueue holder = builder("holder").open();
            writer.append("t", "before the gate");
            holder.gateDelivery();
            assertThat(gate()).isEqualTo(QueueAdmin.inspect(SyncQueue.defaultDirectory(), name).readers().stream()
                    .filter(r -> r.sender().equals("holder")).findFirst().orElseThrow().slot());
            writer.append("t", "local");
            holder.appendAs("origin", "t", MemorySegment.ofArray("relayed".getBytes()), Duration.ZERO);
            writer.append("t", "local again");

            assertThat(drain(reader)).as("what the holder will never read is delivered as usual")
                    .containsExactly("writer:before the holder", "origin:relayed");
            assertThat(drain(writer)).as("the writer too reads only through the gate")
                    .containsExactly("origin:relayed");
            assertThat(drain(holder)).as("the holder reads the others' from its read position, not its own")
                    .containsExactly("writer:before the gate", "writer:local", "writer:local again");
            holder.close();
        }
    }

    @Test
    void aFreedHolderLeavesWhatItReadGatedAndTheRestIsDeliveredAsUsual() {
        try (SyncQueue reader = builder("reader").size(1 << 16).create();
             SyncQueue writer = builder("writer").open()) {
            SyncQueue holder = builder("holder").open();
            holder.gateDelivery();
            writer.append("t", "read by the holder");
            assertThat(drain(holder)).containsExactly("writer:read by the holder");
            holder.appendAs("writer", "t", MemorySegment.ofArray("read by the holder".getBytes()), Duration.ZERO);
            writer.append("t", "never read by the holder");
            holder.close(); // not durable: freed, and the gate ends
            assertThat(gate()).isEqualTo(-1);
            writer.append("t", "after");
            assertThat(drain(reader)).as("the first once, through the holder; the others as usual").containsExactly(
                    "writer:read by the holder", "writer:never read by the holder", "writer:after");
        }
    }

    @Test
    void aParkedDurableHolderKeepsTheGateForItsNextProcessAndForgettingItEndsIt() {
        try (SyncQueue reader = builder("reader").size(1 << 16).create();
             SyncQueue writer = builder("writer").open()) {
            SyncQueue holder = builder("relay").durable().open();
            holder.gateDelivery();
            int slot = gate();
            holder.close(); // parked: it keeps its place, and the gate
            writer.append("t", "while the relay is down");
            assertThat(gate()).isEqualTo(slot);
            assertThat(drain(reader)).isEmpty();

            try (SyncQueue resumed = builder("relay").durable().open()) {
                assertThat(resumed.isResumed()).isTrue();
                resumed.gateDelivery(); // its own already
                assertThat(drain(resumed)).containsExactly("writer:while the relay is down");
                resumed.appendAs("writer", "t", MemorySegment.ofArray("while the relay is down".getBytes()), Duration.ZERO);
                assertThat(drain(reader)).containsExactly("writer:while the relay is down");
            }
            QueueAdmin.evict(SyncQueue.defaultDirectory(), name, slot); // an operator gives the parked relay up
            assertThat(gate()).isEqualTo(-1);
            writer.append("t", "ungated");
            assertThat(drain(reader)).containsExactly("writer:ungated");
        }
    }

    /**
     * A taker that died between "taking" and publishing its window (written here into the file as it would
     * have left it) neither gates the queue nor keeps the next taker waiting: that one takes over, under the
     * name lock the dead one no longer holds.
     */
    @Test
    void aTakeThatDiedHalfWayGatesNothingAndTheNextTakerTakesOver() throws Exception {
        try (SyncQueue reader = builder("reader").size(1 << 16).create();
             SyncQueue writer = builder("writer").open();
             SyncQueue holder = builder("holder").open()) {
            long takingLeftByTheDead = 1L << 32 | 0x8000_0000L; // one take so far, its code "taking"
            try (FileChannel file = FileChannel.open(SyncQueue.defaultDirectory().resolve(name), StandardOpenOption.WRITE)) {
                ByteBuffer state = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).putLong(0, takingLeftByTheDead);
                assertThat(file.write(state, 896)).isEqualTo(Long.BYTES);
            }
            writer.append("t", "while a dead take lies there");
            assertThat(drain(reader)).containsExactly("writer:while a dead take lies there");
            assertThat(gate()).isEqualTo(-1);

            holder.gateDelivery();
            writer.append("t", "gated");
            holder.appendAs("origin", "t", MemorySegment.ofArray("relayed".getBytes()), Duration.ZERO);
            assertThat(drain(reader)).containsExactly("origin:relayed");
        }
    }

    @Test
    void aSecondHolderAndAWriteOnlyRegistrationAreRefused() {
        try (SyncQueue holder = builder("holder").size(1 << 16).create();
             SyncQueue other = builder("other").open();
             SyncQueue producer = builder("producer").writeOnly().open()) {
            holder.gateDelivery();
            holder.gateDelivery(); // taking it again is harmless
            assertThatThrownBy(other::gateDelivery).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("gated already, by 'holder'");
            assertThatThrownBy(producer::gateDelivery).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("write-only");
        }
    }

    @Test
    void aReaderAsleepWhenTheGateIsTakenWakesAndPassesOverWhatItNoLongerDelivers() throws Exception {
        try (SyncQueue reader = builder("reader").size(1 << 16).create();
             SyncQueue writer = builder("writer").open();
             SyncQueue holder = builder("holder").open()) {
            List<String> read = new ArrayList<>();
            Thread waiting = Thread.ofPlatform().start(() ->
                    reader.poll(view -> read.add(view.sender() + ":" + view.bodyText()), 1, Duration.ofSeconds(30)));
            Thread.sleep(200); // asleep by now (nothing proves it; a late sleeper only finds both records there)
            holder.gateDelivery();
            writer.append("t", "local");
            holder.appendAs("origin", "t", MemorySegment.ofArray("relayed".getBytes()), Duration.ZERO);
            waiting.join(30_000);
            assertThat(read).containsExactly("origin:relayed");
        }
    }
}
