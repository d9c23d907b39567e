package io.jsyncq.fuzz;

import io.jsyncq.Message;
import io.jsyncq.MessageTooLargeException;
import io.jsyncq.QueueFullException;
import io.jsyncq.SyncQueue;
import io.jsyncq.SyncQueueException;
import io.jsyncq.internal.NameLock;
import io.jsyncq.internal.QueueGeometry;
import io.jsyncq.internal.QueueLayout;
import io.jsyncq.internal.RecordLayout;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One fuzz case: builds a valid queue in {@code /dev/shm} (a few messages of varied sizes, sometimes a
 * wrapped ring, sometimes registrations left open), corrupts the file one way, then attaches to it, reads
 * everything, appends and closes. Every operation is classified: it returns normally, or throws a jsyncq
 * exception ({@link SyncQueueException} or a subclass), or does anything else, which is a failure.
 */
final class FuzzCase {

    static final Path SHM = Path.of("/dev/shm");
    static final String PREFIX = "jsyncq-fuzz-";

    private static final Duration POP_WAIT = Duration.ofMillis(5);
    private static final Duration APPEND_WAIT = Duration.ofMillis(5);
    /** An operation whose own timeout is 5 ms (or none) and still takes this long has hung. */
    private static final long OP_LIMIT_NANOS = 3_000_000_000L;
    /** Attaching may retry for about 200 ms on a queue marked removed; anything near this is a hang. */
    private static final long OPEN_LIMIT_NANOS = 5_000_000_000L;
    /** Rings up to this size get appends of their largest and of too large a message. */
    private static final long MAX_APPEND_RING = 1 << 20;
    /** A drain of a queue with no writer running must end well within this. */
    private static final long DRAIN_BUDGET_NANOS = 2_000_000_000L;

    final long seed;
    final int index;
    final SplittableRandom rng;
    final String name;
    final Path path;
    final Corruptor.Kind kind;

    /** What was done to the file, in order: for reports. */
    final List<String> corruption = new CopyOnWriteArrayList<>();
    /** Every jsyncq exception, by simple class name, in the order they were thrown. */
    final List<String> exceptions = new ArrayList<>();
    final List<Failure> failures = new CopyOnWriteArrayList<>();
    /** Other paths this case created (symlink targets), removed with the queue file. */
    final Set<Path> extraPaths = Collections.synchronizedSet(new LinkedHashSet<>());
    volatile String currentOp = "setup";

    // The valid queue built before the corruption
    long capacity;
    int maxReaders;
    boolean wrapped;
    boolean readerLeftOpen;
    boolean writerLeftOpen;
    SyncQueue writer;
    SyncQueue reader;
    String writerSender;
    /** The messages the open reader had not read when the file was corrupted, in order. */
    final List<Message> batch = new ArrayList<>();
    /** Records still in the ring (the last lap), oldest first; the final batch is at the end. */
    final List<RecordInfo> records = new ArrayList<>();
    /** Every message appended by anyone in this case: a message read that is not one of these was altered. */
    final Set<Message> appended = new HashSet<>();
    /** The tail, counted from the appends: where the next record goes. */
    long tail;
    int batchRecords;

    int messagesRead;
    int messagesIntact;
    private int attachments;

    record RecordInfo(long position, int recordLength, int senderLength, int typeLength, int bodyLength) {
        long alignedLength() {
            return RecordLayout.alignedLength(recordLength);
        }
    }

    record Failure(String op, String description, Throwable thrown) {
        boolean isOutOfMemory() {
            return thrown instanceof OutOfMemoryError;
        }
    }

    @FunctionalInterface
    interface Action {
        void run() throws Exception;
    }

    FuzzCase(long seed, int index, long pid) {
        this.seed = seed;
        this.index = index;
        this.rng = new SplittableRandom(mix(seed, index));
        this.name = PREFIX + pid + "-" + index;
        this.path = SHM.resolve(name);
        this.kind = Corruptor.Kind.pick(rng);
    }

    private static long mix(long seed, int index) {
        long z = seed * 0x9E3779B97F4A7C15L + (index + 1L) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    // ------------------------------------------------------------------------------------------- the case

    /**
     * Builds, damages and exercises the queue, then removes every file of the case.
     *
     * @param corrupted told once the damage is done, before anything attaches, so that the damage of a case
     *                  that crashes the JVM is already printed
     */
    void run(Runnable corrupted) {
        try {
            if (!setUp()) {
                return;
            }
            currentOp = "corrupt";
            new Corruptor(this).apply();
            corrupted.run();
            exercise();
        } catch (Throwable t) {
            failures.add(new Failure(currentOp, "the fuzz harness itself failed", t));
        } finally {
            currentOp = "cleanup";
            closeQuietly("setup-writer.close", writer);
            closeQuietly("setup-reader.close", reader);
            writer = null;
            reader = null;
            cleanUp();
        }
    }

    void log(String step) {
        corruption.add(step);
    }

    String scenario() {
        return "capacity=" + capacity + " maxReaders=" + maxReaders + " wrapped=" + wrapped
                + " readerLeftOpen=" + readerLeftOpen + " writerLeftOpen=" + writerLeftOpen
                + " records=" + records.size() + " batch=" + batchRecords + " tail=" + tail;
    }

    // ------------------------------------------------------------------------------------------- set up

    /** Builds the valid queue. Anything but success here is a failure: the file is not corrupt yet. */
    private boolean setUp() {
        long minimum = QueueGeometry.minCapacity();
        int sizeChoice = rng.nextInt(100);
        capacity = sizeChoice < 40 ? minimum : sizeChoice < 65 ? minimum * 2 : sizeChoice < 83 ? minimum * 4
                : sizeChoice < 97 ? minimum * 16 : minimum * 256;
        int readersChoice = rng.nextInt(100);
        maxReaders = readersChoice < 5 ? 1 : readersChoice < 15 ? 2 : readersChoice < 40 ? 4 : readersChoice < 60 ? 8
                : readersChoice < 98 ? 64 : QueueLayout.MAX_READERS_LIMIT;
        writerSender = "w" + randomName(0, 20);
        boolean withReader = maxReaders >= 2 && rng.nextInt(100) < 50;
        readerLeftOpen = withReader;
        wrapped = rng.nextInt(100) < 35;

        if (op("setup.create", OPEN_LIMIT_NANOS, () -> writer = SyncQueue.builder(name).directory(SHM).size(capacity)
                .maxReaders(maxReaders).keep(true).sender(writerSender).create(), true) != null) {
            return false;
        }
        if (withReader) {
            SyncQueue.Builder builder = SyncQueue.builder(name).directory(SHM).sender("r" + randomName(0, 20));
            if (op("setup.reader.open", OPEN_LIMIT_NANOS, () -> reader = builder.open(), true) != null) {
                return false;
            }
        }
        if (wrapped) {
            long target = capacity + rng.nextLong(2 * capacity);
            while (tail < target) {
                if (!setUpAppend(capacity / 4) || !setUpDrain()) {
                    return false;
                }
            }
        }
        int count = 1 + rng.nextInt(10);
        long room = capacity;
        for (int i = 0; i < count; i++) {
            int typeLength = rng.nextInt(100) < 70 ? rng.nextInt(12) : rng.nextInt(RecordLayout.MAX_NAME_BYTES + 1);
            long largest = room - RecordLayout.HEADER_LENGTH - writerSender.length() - typeLength;
            if (largest < 0) {
                break;
            }
            int bodyLength = (int) Math.min(largest, bodyLength(capacity / 2));
            long needed = RecordLayout.alignedLength(RecordLayout.HEADER_LENGTH + writerSender.length() + typeLength + bodyLength);
            if (needed > room) {
                break;
            }
            Message message = new Message(writerSender, randomName(typeLength, typeLength), randomBytes(bodyLength));
            if (!append("setup", writer, message)) {
                return false;
            }
            room -= needed;
            batch.add(message);
            batchRecords++;
        }
        if (reader == null) {
            batch.clear(); // nobody registered before these messages: only a rewound tail can reach them
        }
        writerLeftOpen = rng.nextInt(100) >= 65;
        if (!writerLeftOpen) {
            SyncQueue closing = writer;
            writer = null;
            if (op("setup.writer.close", OP_LIMIT_NANOS, closing::close, true) != null) {
                return false;
            }
        }
        return checkTail();
    }

    private boolean setUpAppend(long maxBody) {
        int typeLength = rng.nextInt(12);
        Message message = new Message(writerSender, randomName(typeLength, typeLength), randomBytes(bodyLength(maxBody)));
        return append("setup.wrap", writer, message);
    }

    /** The writer passes its own (screened) messages; the reader reads them: the space is free again. */
    private boolean setUpDrain() {
        if (op("setup.writer.pop", OP_LIMIT_NANOS, () -> writer.pop(), true) != null) {
            return false;
        }
        if (reader != null) {
            boolean[] more = {true};
            while (more[0]) {
                if (op("setup.reader.pop", OP_LIMIT_NANOS, () -> more[0] = reader.pop().isPresent(), true) != null) {
                    return false;
                }
            }
        }
        return true;
    }

    private boolean append(String who, SyncQueue queue, Message message) {
        if (op(who + ".append", OP_LIMIT_NANOS, () -> queue.append(message.type(), message.body()), true) != null) {
            return false;
        }
        int senderLength = message.sender().getBytes(StandardCharsets.UTF_8).length;
        int typeLength = message.type().getBytes(StandardCharsets.UTF_8).length;
        int recordLength = RecordLayout.HEADER_LENGTH + senderLength + typeLength + message.body().length;
        RecordInfo record = new RecordInfo(tail, recordLength, senderLength, typeLength, message.body().length);
        records.add(record);
        tail += record.alignedLength();
        while (records.getFirst().position() < tail - capacity) {
            records.removeFirst();
        }
        appended.add(message);
        return true;
    }

    /** The tail in the file must be the one counted, or the corruptions would miss their targets. */
    private boolean checkTail() {
        try (FileImage file = FileImage.open(path)) {
            long inFile = file.getLong(QueueLayout.TAIL_POSITION_OFFSET);
            if (inFile != tail) {
                failures.add(new Failure("setup", "the tail in the file is " + inFile + " but " + tail
                        + " was appended", null));
                return false;
            }
            return true;
        } catch (IOException e) {
            failures.add(new Failure("setup", "could not read the queue file", e));
            return false;
        }
    }

    /** Closes the registrations left open, where a corruption replaces or shrinks the file under them. */
    void closeSetupHandles() {
        SyncQueue w = writer;
        SyncQueue r = reader;
        writer = null;
        reader = null;
        if (w != null) {
            op("setup.writer.close", OP_LIMIT_NANOS, w::close, true);
        }
        if (r != null) {
            op("setup.reader.close", OP_LIMIT_NANOS, r::close, true);
            batch.clear();
        }
    }

    // ------------------------------------------------------------------------------------------- exercise

    /** Attaches, reads, appends and closes, in an order the seed chooses. */
    private void exercise() {
        List<Runnable> phases = new ArrayList<>();
        phases.add(this::attachPhase);
        if (reader != null) {
            phases.add(this::readerPhase);
        }
        if (writer != null) {
            phases.add(this::writerPhase);
        }
        for (int i = phases.size() - 1; i > 0; i--) {
            Collections.swap(phases, i, rng.nextInt(i + 1));
        }
        phases.forEach(Runnable::run);
        if (rng.nextInt(4) == 0) {
            attachPhase(); // once everything else has closed
        }
    }

    private void attachPhase() {
        String who = "attach" + (++attachments);
        boolean orCreate = rng.nextInt(4) == 0;
        SyncQueue.Builder builder = SyncQueue.builder(name).directory(SHM).sender("a" + randomName(0, 20))
                .filterSelf(rng.nextBoolean());
        if (rng.nextInt(4) == 0) {
            builder.spin(Duration.ZERO);
        }
        if (orCreate) {
            builder.size(capacity).keep(rng.nextBoolean());
        }
        SyncQueue[] queue = {null};
        if (op(who + (orCreate ? ".openOrCreate" : ".open"), OPEN_LIMIT_NANOS,
                () -> queue[0] = orCreate ? builder.openOrCreate() : builder.open(), false) != null) {
            return;
        }
        try {
            use(who, queue[0], null);
        } finally {
            op(who + ".close", OP_LIMIT_NANOS, queue[0]::close, false);
        }
    }

    private void readerPhase() {
        SyncQueue queue = reader;
        reader = null;
        try {
            use("reader", queue, batch);
        } finally {
            op("reader.close", OP_LIMIT_NANOS, queue::close, false);
        }
    }

    private void writerPhase() {
        SyncQueue queue = writer;
        writer = null;
        try {
            use("writer", queue, null);
        } finally {
            op("writer.close", OP_LIMIT_NANOS, queue::close, false);
        }
    }

    /** Reads everything, appends a few messages, reads again. Stops at the first exception but a full queue. */
    private void use(String who, SyncQueue queue, List<Message> expectedFirst) {
        if (!drain(who, queue, expectedFirst)) {
            return;
        }
        int appends = rng.nextInt(5);
        for (int i = 0; i < appends; i++) {
            Throwable thrown = op(who + ".append", OP_LIMIT_NANOS, () -> appendRandom(queue), false);
            if (thrown != null && !(thrown instanceof QueueFullException) && !(thrown instanceof MessageTooLargeException)) {
                return;
            }
        }
        drain(who, queue, null);
    }

    private void appendRandom(SyncQueue queue) {
        int choice = rng.nextInt(100);
        long limit = queue.capacity();
        // The harness's own bodies stay small: a damaged header may claim a ring of 1 GiB.
        boolean small = limit <= MAX_APPEND_RING;
        int bodyLength = choice < 3 && small ? (int) limit + 1
                : choice < 6 && small ? (int) Math.max(0, limit - RecordLayout.HEADER_LENGTH - 40)
                : bodyLength(Math.min(limit, MAX_APPEND_RING) / 2);
        String type = randomName(0, 12);
        byte[] body = randomBytes(bodyLength);
        Duration timeout = rng.nextBoolean() ? Duration.ZERO : APPEND_WAIT;
        String sender = queue.sender();
        if (rng.nextInt(4) == 0) {
            ByteBuffer direct = ByteBuffer.allocateDirect(body.length).put(body).flip();
            queue.append(type, direct, timeout);
        } else {
            queue.append(type, body, timeout);
        }
        appended.add(new Message(sender, type, body));
    }

    /**
     * Pops until nothing is left. A queue with no writer running has at most one lap of records to give, so
     * a drain that delivers more than two laps' worth, or takes longer than its budget, has run away.
     */
    private boolean drain(String who, SyncQueue queue, List<Message> expectedFirst) {
        long deadline = System.nanoTime() + DRAIN_BUDGET_NANOS;
        long limit = 2 * (queue.capacity() / QueueLayout.GRANULE) + 64;
        List<Message> got = new ArrayList<>();
        while (true) {
            if (got.size() > limit) {
                failures.add(new Failure(who + ".drain", "delivered more than " + limit
                        + " messages from a queue of " + queue.capacity() + " bytes with no writer running", null));
                return false;
            }
            if (System.nanoTime() - deadline > 0) {
                failures.add(new Failure(who + ".drain", "still delivering after "
                        + DRAIN_BUDGET_NANOS / 1_000_000 + " ms (" + got.size() + " messages)", null));
                return false;
            }
            Message[] message = {null};
            int mode = rng.nextInt(3);
            if (op(who + ".pop", OP_LIMIT_NANOS, () -> message[0] = pop(queue, mode), false) != null) {
                return false;
            }
            if (message[0] == null) {
                break;
            }
            got.add(message[0]);
            messagesRead++;
            if (appended.contains(message[0])) {
                messagesIntact++;
            }
        }
        if (expectedFirst != null && kind == Corruptor.Kind.NONE) {
            List<Message> prefix = got.subList(0, Math.min(got.size(), expectedFirst.size()));
            if (!prefix.equals(expectedFirst)) {
                failures.add(new Failure(who + ".drain", "an uncorrupted queue gave " + got + " to a reader that "
                        + "had " + expectedFirst + " to read", null));
                return false;
            }
        }
        return true;
    }

    private Message pop(SyncQueue queue, int mode) {
        return switch (mode) {
            case 0 -> queue.pop().orElse(null);
            case 1 -> queue.pop(POP_WAIT).orElse(null);
            default -> {
                Message[] copy = {null};
                queue.pop(view -> {
                    MemorySegment body = view.body();
                    if (body.byteSize() != view.bodyLength()) {
                        throw new AssertionError("body slice of " + body.byteSize() + " bytes for a body length of "
                                + view.bodyLength());
                    }
                    if (body.byteSize() > 0) {
                        body.get(ValueLayout.JAVA_BYTE, 0);
                        body.get(ValueLayout.JAVA_BYTE, body.byteSize() - 1);
                    }
                    view.senderEquals(writerSender.getBytes(StandardCharsets.UTF_8));
                    view.typeEquals(new byte[0]);
                    view.bodyText();
                    copy[0] = new Message(view.sender(), view.type(), view.bodyBytes());
                }, rng.nextBoolean() ? Duration.ZERO : POP_WAIT);
                yield copy[0];
            }
        };
    }

    // ------------------------------------------------------------------------------------------- classify

    /**
     * Runs one operation on the queue and classifies its outcome.
     *
     * @param setup true while the file is still valid: then any exception at all is a failure
     * @return what it threw, or null
     */
    Throwable op(String op, long limitNanos, Action action, boolean setup) {
        currentOp = op;
        long start = System.nanoTime();
        Throwable thrown = null;
        try {
            action.run();
        } catch (SyncQueueException e) {
            thrown = e;
            if (setup) {
                failures.add(new Failure(op, "a valid queue threw", e));
            } else {
                exceptions.add(e.getClass().getSimpleName());
            }
        } catch (Throwable t) {
            thrown = t;
            failures.add(new Failure(op, "not a jsyncq exception", t));
        }
        long took = System.nanoTime() - start;
        if (took > limitNanos) {
            failures.add(new Failure(op, "took " + took / 1_000_000 + " ms; the limit is " + limitNanos / 1_000_000
                    + " ms", null));
        }
        return thrown;
    }

    private void closeQuietly(String op, SyncQueue queue) {
        if (queue != null) {
            op(op, OP_LIMIT_NANOS, queue::close, false);
        }
    }

    // ------------------------------------------------------------------------------------------- clean up

    /** Removes every path this case made, whatever it is now (file, directory, link, fifo). */
    void cleanUp() {
        List<Path> paths = new ArrayList<>(extraPaths);
        paths.add(path);
        paths.add(NameLock.lockFile(SHM, name)); // the queue file was deleted here, not by a last close
        for (Path p : paths) {
            deleteQuietly(p);
        }
        String building = ".jsyncq-creating-" + name + "-";
        try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(SHM, building + "*")) {
            for (Path p : leftovers) {
                deleteQuietly(p);
            }
        } catch (IOException ignored) {
            // nothing to remove
        }
    }

    static void deleteQuietly(Path p) {
        try {
            if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                try (DirectoryStream<Path> entries = Files.newDirectoryStream(p)) {
                    for (Path entry : entries) {
                        Files.deleteIfExists(entry);
                    }
                }
            }
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // best effort; the test's own sweep reports what is left
        }
    }

    // ------------------------------------------------------------------------------------------- random

    /** Body lengths: many tiny, some small, a few large. */
    int bodyLength(long max) {
        int choice = rng.nextInt(100);
        long length = choice < 10 ? 0 : choice < 50 ? 1 + rng.nextInt(64) : choice < 80 ? 65 + rng.nextInt(960)
                : rng.nextLong(Math.max(1, max) + 1);
        return (int) Math.min(length, max);
    }

    byte[] randomBytes(int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) rng.nextInt(256);
        }
        return bytes;
    }

    /** ASCII letters and digits, {@code min} to {@code max} of them. */
    String randomName(int min, int max) {
        int length = min + (max > min ? rng.nextInt(max - min + 1) : 0);
        StringBuilder name = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            name.append("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".charAt(rng.nextInt(62)));
        }
        return name.toString();
    }

    static String stackTrace(Throwable t) {
        StringWriter text = new StringWriter();
        t.printStackTrace(new PrintWriter(text));
        return text.toString();
    }
}
