package io.jsyncq;

import io.jsyncq.internal.Platform;
import io.jsyncq.internal.QueueInspector;
import io.jsyncq.internal.QueueStatus;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Watches a queue without registering on it: it holds no space and moves no cursor, so watching never
 * slows a writer. Each {@link #snapshot()} reads the header and the reader table; from the second one on,
 * it also reports the traffic since the one before.
 *
 * <pre>{@code
 * try (QueueMonitor monitor = QueueMonitor.open(SyncQueue.defaultDirectory(), "prices")) {
 *     monitor.snapshot();
 *     Thread.sleep(1000);
 *     QueueInfo info = monitor.snapshot();
 *     System.out.println(info.rates().messagesPerSecond() + " messages/s");
 * }
 * }</pre>
 *
 * <p>A monitor is for one thread at a time. It needs native access, as {@link SyncQueue} does.
 */
public final class QueueMonitor implements AutoCloseable {

    private final String name;
    private final QueueInspector inspector;
    private final Object fileKey;
    private long previousTail = -1;
    private long previousNanos;
    private double previousMessagesPerByte = Double.NaN;
    /** Per registration (slot word), the cursor it had when this monitor first saw it behind, and when. */
    private Map<Long, long[]> stuckSince = new HashMap<>();

    private QueueMonitor(String name, QueueInspector inspector, Object fileKey) {
        this.name = name;
        this.inspector = inspector;
        this.fileKey = fileKey;
    }

    /**
     * Maps the queue {@code name} in {@code directory} to watch it.
     *
     * @param directory the directory that holds the queue file, such as {@link SyncQueue#defaultDirectory()}
     * @param name      the queue name
     * @return a monitor, to close when done: it keeps the file mapped
     * @throws NoSuchQueueException        if there is none
     * @throws IncompatibleQueueException  if the file is not a jsyncq queue of this layout version
     */
    public static QueueMonitor open(Path directory, String name) {
        Objects.requireNonNull(directory, "directory");
        Platform.requireUsable();
        QueueInspector inspector = QueueInspector.attach(directory, name);
        try {
            return new QueueMonitor(name, inspector, fileKey(inspector.path()));
        } catch (RuntimeException e) {
            inspector.close();
            throw e;
        }
    }

    /**
     * Maps the queue {@code name} in the default directory ({@link SyncQueue#defaultDirectory()}).
     *
     * @param name the queue name
     * @return a monitor, to close when done: it keeps the file mapped
     * @throws NoSuchQueueException        if there is none
     * @throws IncompatibleQueueException  if the file is not a jsyncq queue of this layout version
     */
    public static QueueMonitor open(String name) {
        return open(SyncQueue.defaultDirectory(), name);
    }

    /**
     * The name of the queue watched.
     *
     * @return the queue name given to {@link #open}
     */
    public String name() {
        return name;
    }

    /**
     * A snapshot that counts each reader's lag in messages, by walking the records it has not read.
     *
     * @return the queue as it is now; its {@link QueueInfo#rates()} is null on this monitor's first snapshot
     * @throws NoSuchQueueException if the queue has been removed since this monitor opened it
     */
    public QueueInfo snapshot() {
        return snapshot(true);
    }

    /**
     * A snapshot of the queue now.
     *
     * @param countMessages whether to count each reader's lag in messages (a walk over up to one ring of
     *                      record headers) and the messages appended since the previous snapshot
     * @return the queue as it is now; its {@link QueueInfo#rates()} is null on this monitor's first snapshot
     * @throws NoSuchQueueException if the queue has been removed since this monitor opened it
     */
    public QueueInfo snapshot(boolean countMessages) {
        if (inspector.isRemoved() || !Objects.equals(fileKey, fileKey(inspector.path()))) {
            throw new NoSuchQueueException("queue '" + name + "' has been removed");
        }
        long nanos = System.nanoTime();
        // Cursors first, then the tail: every cursor read is then at or before the tail read.
        List<QueueStatus.Reader> slots = inspector.readers();
        long tail = inspector.tail();
        long capacity = inspector.capacity();
        long head = tail;
        for (QueueStatus.Reader slot : slots) {
            if (!slot.evicted() && !slot.writeOnly()) {
                head = Math.min(head, slot.cursor());
            }
        }
        long used = Math.clamp(tail - head, 0, capacity);

        long[] cursors = slots.stream().filter(slot -> !slot.writeOnly()).mapToLong(QueueStatus.Reader::cursor)
                .sorted().distinct().toArray();
        QueueInspector.Walk lagWalk = countMessages && cursors.length > 0
                ? inspector.walk(cursors[0], tail, cursors) : null;
        List<ReaderInfo> readers = new ArrayList<>(slots.size());
        Map<Long, long[]> stillStuck = new HashMap<>();
        for (QueueStatus.Reader slot : slots) {
            Duration behindFor = Duration.ZERO;
            if (slot.cursor() < tail && !slot.writeOnly()) {
                long[] since = stuckSince.get(slot.word());
                if (since == null || since[0] != slot.cursor()) {
                    since = new long[] {slot.cursor(), nanos};
                }
                stillStuck.put(slot.word(), since);
                behindFor = Duration.ofNanos(nanos - since[1]);
            }
            long lagMessages = -1;
            boolean exact = false;
            if (lagWalk != null && !slot.writeOnly()) {
                long before = lagWalk.messagesAt()[Arrays.binarySearch(cursors, slot.cursor())];
                if (before >= 0) {
                    lagMessages = lagWalk.messages() - before;
                    exact = lagWalk.complete();
                }
            }
            readers.add(new ReaderInfo(slot.slot(), slot.sender(), slot.pid(), slot.alive(), slot.evicted(),
                    slot.stopped(), slot.writeOnly(), slot.durable(), slot.parked(), behindFor, slot.cursor(),
                    slot.writeOnly() ? 0 : Math.max(0, tail - slot.cursor()), lagMessages, exact));
        }
        stuckSince = stillStuck;
        if (lagWalk != null && lagWalk.reached() > cursors[0]) {
            previousMessagesPerByte = (double) lagWalk.messages() / (lagWalk.reached() - cursors[0]);
        }

        QueueInfo.Rates rates = null;
        if (previousTail >= 0) {
            long bytes = Math.max(0, tail - previousTail);
            long messages = -1;
            boolean estimated = false;
            if (bytes == 0) {
                messages = 0;
            } else if (countMessages) {
                QueueInspector.Walk walk = inspector.walk(previousTail, tail, new long[0]);
                long walked = walk.reached() - previousTail;
                if (walk.complete()) {
                    messages = walk.messages();
                } else if (walked > 0) {
                    messages = Math.round((double) walk.messages() * bytes / walked);
                    estimated = true;
                } else if (!Double.isNaN(previousMessagesPerByte)) {
                    messages = Math.round(previousMessagesPerByte * bytes);
                    estimated = true;
                }
            }
            rates = new QueueInfo.Rates(Duration.ofNanos(nanos - previousNanos), bytes, messages, estimated);
        }
        previousTail = tail;
        previousNanos = nanos;
        return new QueueInfo(name, inspector.path(), capacity, inspector.maxReaders(), inspector.keep(),
                inspector.registrations(), tail, used, capacity - used, inspector.readersReclaimed(),
                inspector.holesRepaired(), inspector.deliveryGate(), readers, rates);
    }

    /** Unmaps the queue. */
    @Override
    public void close() {
        inspector.close();
    }

    private static Object fileKey(Path path) {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        } catch (IOException e) {
            return null; // removed: a null key never matches the key of a file that exists
        }
    }
}
