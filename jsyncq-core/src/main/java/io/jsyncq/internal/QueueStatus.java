package io.jsyncq.internal;

import java.util.ArrayList;
import java.util.List;

/** Reads who is registered on a queue and how far behind each is: for error messages and for {@code stat}. */
public final class QueueStatus {

    /**
     * One registration as seen at one moment.
     *
     * @param alive   its process holds the slot's owner lock (the kernel's word, not a guess)
     * @param evicted an operator evicted it; its process has not closed yet
     * @param stopped its process is stopped ({@code SIGSTOP}, a paused container), as far as {@code /proc}
     *                of this pid namespace shows; for display only
     * @param writeOnly it only writes: its cursor holds nothing
     * @param durable   it is parked, not freed, when its process ends
     * @param parked    a durable registration whose process ended: its cursor holds space until it is resumed
     */
    public record Reader(int slot, long word, String sender, int pid, long startTime, long cursor, boolean alive,
                         boolean evicted, boolean stopped, boolean writeOnly, boolean durable, boolean parked) {
    }

    private QueueStatus() {
    }

    /** The slot of the active reader whose cursor is lowest, or -1 if none reads. */
    static int slowestReaderSlot(SharedQueue queue) {
        ReaderTable table = queue.readers();
        int[] slowest = {-1};
        table.forEachTaken((slot, word) -> {
            if (ReaderSlotLayout.cursorHoldsSpace(ReaderSlotLayout.state(word))
                    && (slowest[0] < 0 || table.cursorVolatile(slot) < table.cursorVolatile(slowest[0]))) {
                slowest[0] = slot;
            }
            return true;
        });
        return slowest[0];
    }

    public static List<Reader> readers(SharedQueue queue) {
        ReaderTable table = queue.readers();
        List<Reader> readers = new ArrayList<>();
        table.forEachTaken((slot, word) -> {
            int state = ReaderSlotLayout.state(word);
            boolean alive = queue.locks().isHeldByOther(slot);
            ProcessIdentity owner = new ProcessIdentity(table.pid(slot), table.startTime(slot), table.pidNamespace(slot));
            readers.add(new Reader(slot, word, table.sender(slot), owner.pid(), owner.startTime(),
                    table.cursorVolatile(slot), alive, state == ReaderSlotLayout.STATE_EVICTED,
                    alive && owner.isStoppedAsSeenHere(), state == ReaderSlotLayout.STATE_WRITER,
                    state == ReaderSlotLayout.STATE_DURABLE || state == ReaderSlotLayout.STATE_PARKED,
                    state == ReaderSlotLayout.STATE_PARKED));
            return true;
        });
        return readers;
    }

    /**
     * A sentence naming the reader that holds the most space, for a "queue full" message. Judges nobody's
     * liveness: a writer failing in a loop must not make system calls for each failure.
     */
    public static String slowestReader(SharedQueue queue, int callerSlot) {
        ReaderTable table = queue.readers();
        int slowest = slowestReaderSlot(queue);
        if (slowest < 0) {
            return "No reader is registered";
        }
        long behind = queue.tailVolatile() - table.cursorVolatile(slowest);
        if (slowest == callerSlot) {
            return "The slowest reader is this registration itself, " + behind + " bytes behind: pop its "
                    + "messages (screened ones too) to free the space";
        }
        if (ReaderSlotLayout.state(table.slotWordVolatile(slowest)) == ReaderSlotLayout.STATE_PARKED) {
            return "The slowest reader is the durable registration '" + table.sender(slowest) + "', parked since "
                    + "its process (pid " + table.pid(slowest) + ") ended, " + behind + " bytes behind: it holds its "
                    + "messages until a process resumes it (or jsyncq evict gives them up)";
        }
        return "The slowest reader is '" + table.sender(slowest) + "' (pid " + table.pid(slowest) + "), "
                + behind + " bytes behind";
    }
}
