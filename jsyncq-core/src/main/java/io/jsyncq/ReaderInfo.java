package io.jsyncq;

/**
 * One registration on a queue, as {@link QueueMonitor} saw it at one moment.
 *
 * @param slot        its slot in the queue's reader table
 * @param sender      its sender name
 * @param pid         the process that registered it
 * @param alive       false once the registering process is known to be dead: its pid is gone or now
 *                    belongs to a process that started at another time, or (for a process in another pid
 *                    namespace) its heartbeat lease has run out
 * @param position    its cursor: the position of the next record it reads
 * @param lagBytes    bytes between its cursor and the tail: the space it holds
 * @param lagMessages messages between its cursor and the tail, or -1 when they were not counted
 * @param lagExact    false if {@code lagMessages} is a lower bound (the count stopped at a record that was
 *                    still being written, or was not made)
 */
public record ReaderInfo(int slot, String sender, int pid, boolean alive, long position, long lagBytes,
                         long lagMessages, boolean lagExact) {
}
