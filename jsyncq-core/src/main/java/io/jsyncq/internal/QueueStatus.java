package io.jsyncq.internal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Reads who is registered on a queue and how far behind each is: for error messages and for {@code stat}. */
public final class QueueStatus {

    /** One active reader slot as seen at one moment. */
    public record Reader(int slot, String sender, int pid, long startTime, long cursor) {
    }

    private QueueStatus() {
    }

    public static List<Reader> readers(SharedQueue queue) {
        MemorySegment memory = queue.memory();
        List<Reader> readers = new ArrayList<>();
        for (int slot = 0; slot < queue.slotHighWater(); slot++) {
            if (queue.slotStateVolatile(slot) != ReaderSlotLayout.STATE_ACTIVE) {
                continue;
            }
            long slotOffset = ReaderSlotLayout.slotOffset(slot);
            int senderLength = Math.clamp(memory.get(ValueLayout.JAVA_INT,
                    slotOffset + ReaderSlotLayout.SENDER_LENGTH_OFFSET), 0, ReaderSlotLayout.MAX_SENDER_BYTES);
            byte[] sender = new byte[senderLength];
            MemorySegment.copy(memory, ValueLayout.JAVA_BYTE, slotOffset + ReaderSlotLayout.SENDER_OFFSET,
                    sender, 0, senderLength);
            readers.add(new Reader(slot, new String(sender, StandardCharsets.UTF_8),
                    memory.get(ValueLayout.JAVA_INT, slotOffset + ReaderSlotLayout.PID_OFFSET),
                    memory.get(ValueLayout.JAVA_LONG, slotOffset + ReaderSlotLayout.START_TIME_OFFSET),
                    queue.cursorVolatile(slot)));
        }
        return readers;
    }

    /** A sentence naming the reader that holds the most space, for a "queue full" message. */
    public static String slowestReader(SharedQueue queue) {
        long tail = queue.tailVolatile();
        return readers(queue).stream()
                .min(java.util.Comparator.comparingLong(Reader::cursor))
                .map(r -> "The slowest reader is '" + r.sender() + "' (pid " + r.pid() + "), "
                        + (tail - r.cursor()) + " bytes behind")
                .orElse("No reader is registered");
    }
}
