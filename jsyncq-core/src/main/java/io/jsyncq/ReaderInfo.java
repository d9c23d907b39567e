package io.jsyncq;

/**
 * One registration on a queue, as {@link QueueMonitor} saw it at one moment.
 *
 * @param slot        its slot in the queue's reader table
 * @param sender      its sender name
 * @param pid         the process that registered it
 * @param alive       false once the registering process is dead: the kernel has dropped the lock it held on
 *                    its slot (a stopped process keeps it, and is alive); a dead registration is reclaimed
 *                    as soon as a writer needs its space
 * @param evicted     an operator evicted it ({@link QueueAdmin#evict}): it no longer holds space, and its
 *                    process learns so on its next call
 * @param stopped     its process is stopped (SIGSTOP, a paused container), as far as this process can see
 *                    in {@code /proc}: why a live reader may hold writers back
 * @param writeOnly   it only writes ({@link SyncQueue.Builder#writeOnly}): it holds no space, and its position
 *                    and lag mean nothing
 * @param durable     it is durable ({@link SyncQueue.Builder#durable}): when its process ends it is parked,
 *                    not freed, and keeps its position for a process that resumes it
 * @param parked      a durable registration whose process ended: its position holds space until a process
 *                    resumes it, or an operator evicts it ({@link QueueAdmin#evict})
 * @param stuckFor    how long its cursor has stood still while messages waited for it, as far as the
 *                    monitor that took this snapshot has seen (zero when it is not behind, or at a
 *                    monitor's first look): with {@code stat --watch}, how long it has held writers back
 * @param position    its cursor: the position of the next record it reads
 * @param lagBytes    bytes between its cursor and the tail: the space it holds
 * @param lagMessages messages between its cursor and the tail, or -1 when they were not counted
 * @param lagExact    false if {@code lagMessages} is a lower bound (the count stopped at a record that was
 *                    still being written, or was not made)
 */
public record ReaderInfo(int slot, String sender, int pid, boolean alive, boolean evicted, boolean stopped,
                         boolean writeOnly, boolean durable, boolean parked, java.time.Duration stuckFor, long position, long lagBytes, long lagMessages, boolean lagExact) {
}
