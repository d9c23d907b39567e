package io.jsyncq.internal;

import java.util.ArrayList;
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

    /**
     * A sentence naming the reader that holds the most space, for a "queue full" message. Judges nobody's
     * liveness: a writer failing in a loop must not read /proc for each failure.
     */
    public static String slowestReader(SharedQueue queue) {
        ReaderTable table = queue.readers();
        int slowest = -1;
        for (int slot = 0; slot < table.highWater(); slot++) {
            if (ReaderSlotLayout.state(table.slotWordVolatile(slot)) == ReaderSlotLayout.STATE_ACTIVE
                    && (slowest < 0 || table.cursorVolatile(slot) < table.cursorVolatile(slowest))) {
                slowest = slot;
            }
        }
        if (slowest < 0) {
            return "No reader is registered";
        }
        return "The slowest reader is '" + table.sender(slowest) + "' (pid " + table.pid(slowest) + "), "
                + (queue.tailVolatile() - table.cursorVolatile(slowest)) + " bytes behind";
    }
}
