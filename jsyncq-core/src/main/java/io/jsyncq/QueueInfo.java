package io.jsyncq;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A queue as {@link QueueMonitor} or {@link QueueAdmin} saw it at one moment, without registering on it.
 *
 * @param name          the queue name
 * @param path          its file
 * @param capacity      the ring size in bytes
 * @param maxReaders    how many registrations it can hold at once
 * @param keep          true if the file stays when its last registration closes
 * @param registrations registrations counted in the queue (a process that died without closing stays
 *                      counted until it is reclaimed)
 * @param tail          the tail position: bytes ever claimed, headers and padding included
 * @param usedBytes     bytes held by the slowest registration, not yet free for new messages
 * @param freeBytes     {@code capacity - usedBytes}
 * @param readersReclaimed registrations of dead processes reclaimed over the queue's life
 * @param holesRepaired    claims of dead or stalled writers skipped over the queue's life
 * @param deliveryGate     the slot of the registration whose messages alone the others deliver
 *                         ({@link SyncQueue#gateDelivery()}), or -1
 * @param readers       the registrations' reader slots, in slot order
 * @param rates         the traffic since the previous snapshot of the same monitor; null on a first
 *                      snapshot
 */
public record QueueInfo(String name, Path path, long capacity, int maxReaders, boolean keep, int registrations,
                        long tail, long usedBytes, long freeBytes, long readersReclaimed, long holesRepaired,
                        int deliveryGate, List<ReaderInfo> readers, Rates rates) {

    /**
     * Copies {@code readers}, so that the snapshot never changes.
     *
     * @throws NullPointerException if {@code readers} or one of its elements is null
     */
    public QueueInfo {
        readers = List.copyOf(readers);
    }

    /**
     * How many registered processes are alive.
     *
     * @return the number of {@link #readers()} whose process is alive
     */
    public long liveReaders() {
        return readers.stream().filter(ReaderInfo::alive).count();
    }

    /**
     * Traffic over an interval between two snapshots.
     *
     * @param interval  the time between the snapshots
     * @param bytes     ring bytes claimed (headers and padding included)
     * @param messages  messages appended, or -1 when they could not be counted
     * @param estimated true if {@code messages} was extrapolated from part of the interval, because the
     *                  rest had already been overwritten or was still being written
     */
    public record Rates(Duration interval, long bytes, long messages, boolean estimated) {

        /**
         * Ring bytes claimed per second, headers and padding included.
         *
         * @return {@code bytes} over the interval in seconds; 0 when the interval is zero or negative
         */
        public double bytesPerSecond() {
            return perSecond(bytes);
        }

        /**
         * Messages per second, or NaN when they could not be counted.
         *
         * @return {@code messages} over the interval in seconds; NaN when {@code messages} is -1, and 0 when the
         *         interval is zero or negative
         */
        public double messagesPerSecond() {
            return messages < 0 ? Double.NaN : perSecond(messages);
        }

        private double perSecond(long count) {
            long nanos = interval.toNanos();
            return nanos <= 0 ? 0 : count * 1e9 / nanos;
        }
    }
}
