package io.jsyncq.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Reads who is registered on a queue and how far behind each is: for error messages and for {@code stat}. */
public final class QueueStatus {

    /** One active reader slot as seen at one moment. */
    public record Reader(int slot, String sender, int pid, long startTime, long cursor, boolean alive) {
    }

    private QueueStatus() {
    }

    public static List<Reader> readers(SharedQueue queue) {
        ReaderTable table = queue.readers();
        List<Reader> readers = new ArrayList<>();
        for (int slot = 0; slot < table.highWater(); slot++) {
            if (ReaderSlotLayout.state(table.slotWordVolatile(slot)) != ReaderSlotLayout.STATE_ACTIVE) {
                continue;
            }
            readers.add(new Reader(slot, table.sender(slot), table.pid(slot), table.startTime(slot),
                    table.cursorVolatile(slot), !Liveness.isDead(table, slot)));
        }
        return readers;
    }

    /** A sentence naming the reader that holds the most space, for a "queue full" message. */
    public static String slowestReader(SharedQueue queue) {
        long tail = queue.tailVolatile();
        return readers(queue).stream()
                .min(Comparator.comparingLong(Reader::cursor))
                .map(r -> "The slowest reader is '" + r.sender() + "' (pid " + r.pid() + "), "
                        + (tail - r.cursor()) + " bytes behind")
                .orElse("No reader is registered");
    }
}
