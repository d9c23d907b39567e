package io.jsyncq.fuzz;

import io.jsyncq.SyncQueue;
import io.jsyncq.internal.ProcessIdentity;
import io.jsyncq.internal.QueueGeometry;
import io.jsyncq.internal.QueueLayout;
import io.jsyncq.internal.ReaderSlotLayout;
import io.jsyncq.internal.RecordLayout;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static io.jsyncq.internal.QueueLayout.*;

/**
 * Damages a queue file the way its case's kind says, and logs every change ({@code field@offset: old ->
 * new}) so that a failure can be reproduced and understood. Offsets come from the layout classes, so the
 * damage lands on the fields it names.
 */
final class Corruptor {

    /** The ways a file is damaged, with their weights in the mix. */
    enum Kind {
        /** No damage: a control case, whose open reader must get exactly its unread messages. */
        NONE(3, false),
        /** The static header: magic, version, sizes, offsets, page size, flags. */
        STATIC_HEADER(10, false),
        /** The hot header lines: tail, head cache, lifecycle, epoch, slot high water, futex words, waiters. */
        HOT_HEADER(14, false),
        /** Reader slots: cursors, slot words, claim floors, pids, start times, sleepers, sender names. */
        READER_TABLE(13, false),
        /** The publication marks. */
        MARKS(12, false),
        /** Record headers: lengths, writer, sender and type lengths. */
        RECORD_HEADER(12, false),
        /** Record bytes after the header: sender, type, body. */
        RECORD_BODY(5, false),
        /** The whole ring and every mark at once. */
        RING_AND_MARKS(4, false),
        /** Several in-place corruptions together. */
        MULTIPLE(9, false),
        /** A header that consistently describes another capacity and reader count, the file resized to match. */
        RESIZED_GEOMETRY(3, true),
        /** The file cut short. */
        TRUNCATED(6, true),
        /** The file made longer. */
        EXTENDED(3, false),
        /** The file replaced by one that is not a queue, or a valid header over garbage. */
        GARBAGE_FILE(4, true),
        /** A valid file of another layout version. */
        OTHER_VERSION(3, false),
        /** The name is a directory, a fifo, a device, a dangling or looping symlink, or a link to a queue. */
        NOT_A_FILE(2, true);

        private static final int TOTAL_WEIGHT;

        static {
            int total = 0;
            for (Kind kind : values()) {
                total += kind.weight;
            }
            TOTAL_WEIGHT = total;
        }

        final int weight;
        /** Shrinking or replacing a file under a live mapping is SIGBUS by design: close the setup's handles first. */
        final boolean replacesFile;

        Kind(int weight, boolean replacesFile) {
            this.weight = weight;
            this.replacesFile = replacesFile;
        }

        static Kind pick(SplittableRandom rng) {
            int choice = rng.nextInt(TOTAL_WEIGHT);
            for (Kind kind : values()) {
                choice -= kind.weight;
                if (choice < 0) {
                    return kind;
                }
            }
            throw new AssertionError();
        }
    }

    private record Field(String name, long offset, int width) {
    }

    private static final Field[] STATIC_FIELDS = {
            new Field("magic", MAGIC_OFFSET, 8), new Field("version", VERSION_OFFSET, 4),
            new Field("flags", FLAGS_OFFSET, 4), new Field("capacity", CAPACITY_OFFSET, 8),
            new Field("maxReaders", MAX_READERS_OFFSET, 4),
            new Field("slotLength", READER_SLOT_LENGTH_OFFSET, 4),
            new Field("tableOffset", READER_TABLE_OFFSET_OFFSET, 8), new Field("marksOffset", MARKS_OFFSET_OFFSET, 8),
            new Field("ringOffset", RING_OFFSET_OFFSET, 8), new Field("fileLength", FILE_LENGTH_OFFSET, 8),
            new Field("pageSize", PAGE_SIZE_OFFSET, 4)};

    private static final Field TAIL = new Field("tail", TAIL_POSITION_OFFSET, 8);
    private static final Field HEAD_CACHE = new Field("headCache", HEAD_CACHE_OFFSET, 8);
    private static final Field LIFECYCLE = new Field("lifecycle", LIFECYCLE_OFFSET, 4);
    private static final Field EPOCH = new Field("epoch", REGISTRATION_EPOCH_OFFSET, 4);
    private static final Field HIGH_WATER = new Field("slotHighWater", SLOT_HIGH_WATER_OFFSET, 4);
    private static final Field[] WAKE_FIELDS = {
            new Field("messageFutex", MESSAGE_FUTEX_OFFSET, 4), new Field("messageWaiters", MESSAGE_WAITERS_OFFSET, 4),
            new Field("spaceFutex", SPACE_FUTEX_OFFSET, 4), new Field("spaceWaiters", SPACE_WAITERS_OFFSET, 4)};

    private static final Field[] SLOT_FIELDS = {
            new Field("cursor", ReaderSlotLayout.CURSOR_OFFSET, 8),
            new Field("slotWord", ReaderSlotLayout.SLOT_WORD_OFFSET, 8),
            new Field("pid", ReaderSlotLayout.PID_OFFSET, 4),
            new Field("senderLength", ReaderSlotLayout.SENDER_LENGTH_OFFSET, 4),
            new Field("startTime", ReaderSlotLayout.START_TIME_OFFSET, 8),
            new Field("pidNamespace", ReaderSlotLayout.PID_NAMESPACE_OFFSET, 8),
            new Field("floor0", ReaderSlotLayout.FLOORS_OFFSET, 8),
            new Field("floor7", ReaderSlotLayout.FLOORS_OFFSET + 7 * Long.BYTES, 8),
            new Field("messageSleepers", ReaderSlotLayout.MESSAGE_SLEEPERS_OFFSET, 4),
            new Field("spaceSleepers", ReaderSlotLayout.SPACE_SLEEPERS_OFFSET, 4)};

    private static final Field[] RECORD_FIELDS = {
            new Field("recordLength", RecordLayout.LENGTH_OFFSET, 4),
            new Field("bodyLength", RecordLayout.BODY_LENGTH_OFFSET, 4),
            new Field("writerGeneration", RecordLayout.WRITER_GENERATION_OFFSET, 4),
            new Field("writerSlot", RecordLayout.WRITER_SLOT_OFFSET, 2),
            new Field("senderLength", RecordLayout.SENDER_LENGTH_OFFSET, 1),
            new Field("typeLength", RecordLayout.TYPE_LENGTH_OFFSET, 1)};

    private final FuzzCase c;
    private final SplittableRandom rng;
    private final long capacity;
    private final int maxReaders;
    private final QueueGeometry geometry;
    private final long pageSize = QueueGeometry.SYSTEM_PAGE_SIZE;

    Corruptor(FuzzCase fuzzCase) {
        this.c = fuzzCase;
        this.rng = fuzzCase.rng;
        this.capacity = fuzzCase.capacity;
        this.maxReaders = fuzzCase.maxReaders;
        this.geometry = QueueGeometry.of(capacity, maxReaders);
    }

    void apply() throws IOException, InterruptedException {
        Kind kind = c.kind;
        if (kind.replacesFile) {
            c.closeSetupHandles();
        }
        switch (kind) {
            case NONE -> c.log("no damage");
            case STATIC_HEADER -> inPlace(this::staticHeader);
            case HOT_HEADER -> inPlace(this::hotHeader);
            case READER_TABLE -> inPlace(this::readerTable);
            case MARKS -> inPlace(this::marks);
            case RECORD_HEADER -> inPlace(this::recordHeader);
            case RECORD_BODY -> inPlace(this::recordBody);
            case RING_AND_MARKS -> inPlace(this::ringAndMarks);
            case MULTIPLE -> inPlace(this::multiple);
            case RESIZED_GEOMETRY -> inPlace(this::resizedGeometry);
            case TRUNCATED -> inPlace(this::truncate);
            case EXTENDED -> inPlace(this::extend);
            case GARBAGE_FILE -> garbageFile();
            case OTHER_VERSION -> inPlace(this::otherVersion);
            case NOT_A_FILE -> notAFile();
        }
    }

    @FunctionalInterface
    private interface Damage {
        void apply(FileImage file) throws IOException;
    }

    private void inPlace(Damage damage) throws IOException {
        try (FileImage file = FileImage.open(c.path)) {
            damage.apply(file);
        }
    }

    // ------------------------------------------------------------------------------------------ headers

    private void staticHeader(FileImage f) throws IOException {
        switch (rng.nextInt(6)) {
            case 0, 1, 2 -> {
                Field field = STATIC_FIELDS[rng.nextInt(STATIC_FIELDS.length)];
                set(f, field, 0, staticValue(f, field));
            }
            case 3 -> flipBits(f, "static header", 0, PAGE_SIZE_OFFSET + 4, 1 + rng.nextInt(8));
            case 4 -> randomBytes(f, "static header", rng.nextInt(128), 1 + rng.nextInt(16), 128);
            default -> set(f, STATIC_FIELDS[2], 0, rng.nextInt(4) == 0 ? rng.nextInt() : rng.nextInt(4));
        }
    }

    private long staticValue(FileImage f, Field field) throws IOException {
        long current = get(f, field, 0);
        return switch (field.name()) {
            case "version" -> pickInt(0, 1, 3, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, LAYOUT_VERSION + 1 + rng.nextInt(100));
            case "capacity" -> switch (rng.nextInt(6)) {
                case 0 -> 1L << (12 + rng.nextInt(19)); // another valid size
                case 1 -> 1L << (31 + rng.nextInt(32));
                case 2 -> current + (rng.nextBoolean() ? 1 : -1) * (1 + rng.nextInt(64));
                case 3 -> current * 2;
                default -> interestingLong(current);
            };
            case "maxReaders" -> pickInt(0, -1, MAX_READERS_LIMIT + 1, maxReaders + 1, maxReaders - 1,
                    Integer.MAX_VALUE, Integer.MIN_VALUE, rng.nextInt());
            case "slotLength" -> pickInt(0, 128, 255, 257, 512, -256, rng.nextInt());
            case "pageSize" -> pickInt(0, 1, 4095, 8192, 16384, 65536, -4096, rng.nextInt());
            default -> field.width() == 8
                    ? (rng.nextBoolean() ? current + (rng.nextBoolean() ? pageSize : -pageSize) * (1 + rng.nextInt(4))
                    : interestingLong(current))
                    : interestingInt((int) current);
        };
    }

    private void hotHeader(FileImage f) throws IOException {
        int choice = rng.nextInt(100);
        if (choice < 35) {
            tail(f);
        } else if (choice < 55) {
            long tail = f.getLong(TAIL.offset());
            long current = f.getLong(HEAD_CACHE.offset());
            long value = switch (rng.nextInt(5)) {
                case 0 -> tail + GRANULE * (1 + rng.nextInt(64));
                case 1 -> tail + capacity * (1 + rng.nextInt(4));
                case 2 -> tail - capacity - GRANULE * rng.nextInt(64);
                case 3 -> current + 1 + rng.nextInt(63);
                default -> interestingLong(current);
            };
            set(f, HEAD_CACHE, 0, value);
        } else if (choice < 70) {
            int current = f.getInt(LIFECYCLE.offset());
            set(f, LIFECYCLE, 0, pickInt(LIFECYCLE_REMOVED | current, LIFECYCLE_REMOVED, 0, 0x7FFF_FFFF,
                    -1, current + 1000, current - 5, rng.nextInt()));
        } else if (choice < 75) {
            set(f, EPOCH, 0, rng.nextInt());
        } else if (choice < 83) {
            set(f, HIGH_WATER, 0, pickInt(0, -1, maxReaders + 1, Integer.MAX_VALUE, Integer.MIN_VALUE,
                    rng.nextInt(maxReaders + 1), rng.nextInt()));
        } else if (choice < 93) {
            Field field = WAKE_FIELDS[rng.nextInt(WAKE_FIELDS.length)];
            set(f, field, 0, pickInt(-1, 1, 2, Integer.MAX_VALUE, Integer.MIN_VALUE, rng.nextInt()));
        } else if (rng.nextBoolean()) {
            randomBytes(f, "hot header", TAIL_POSITION_OFFSET + rng.nextInt(896), 1 + rng.nextInt(16), HEADER_LENGTH);
        } else {
            flipBits(f, "hot header", TAIL_POSITION_OFFSET, 1024, 1 + rng.nextInt(8));
        }
    }

    /** Moves the tail: back to a record (fresh registrations then read old records), or anywhere at all. */
    private void tail(FileImage f) throws IOException {
        long current = f.getLong(TAIL.offset());
        long value = switch (rng.nextInt(10)) {
            case 0, 1 -> c.records.isEmpty() ? 0 : c.records.get(rng.nextInt(c.records.size())).position();
            case 2 -> current - GRANULE * (1 + rng.nextLong(2 * capacity / GRANULE));
            case 3 -> current + (rng.nextBoolean() ? 1 : -1) * (1 + rng.nextInt(63));
            case 4 -> current + capacity * (1 + rng.nextInt(3)) + (rng.nextBoolean() ? 0 : 1 + rng.nextInt(63));
            case 5 -> current + (1L << (32 + rng.nextInt(30)));
            case 6 -> pickLong(-1, -GRANULE, Long.MIN_VALUE, Long.MIN_VALUE + GRANULE, Long.MAX_VALUE,
                    Long.MAX_VALUE - GRANULE + 1, Long.MAX_VALUE & -GRANULE);
            default -> interestingLong(current);
        };
        set(f, TAIL, 0, value);
    }

    /** Rewinds the tail to {@code position} so that a fresh registration starts reading there. */
    private void maybeRewindTo(FileImage f, long position) throws IOException {
        if (rng.nextBoolean()) {
            set(f, TAIL, 0, position);
        }
    }

    // ------------------------------------------------------------------------------------------ readers

    private void readerTable(FileImage f) throws IOException {
        int choice = rng.nextInt(100);
        int slot = rng.nextInt(100) < 70 ? rng.nextInt(Math.min(3, maxReaders)) : rng.nextInt(maxReaders);
        long slotOffset = ReaderSlotLayout.slotOffset(slot);
        if (choice < 40) {
            Field field = SLOT_FIELDS[rng.nextInt(SLOT_FIELDS.length)];
            long current = get(f, field, slotOffset);
            long value = switch (field.name()) {
                case "slotWord" -> rng.nextBoolean()
                        ? ReaderSlotLayout.slotWord(rng.nextInt(), pickInt(ReaderSlotLayout.STATE_ACTIVE,
                        ReaderSlotLayout.STATE_EVICTED, ReaderSlotLayout.STATE_FREE, 1, -1, rng.nextInt()))
                        : interestingLong(current);
                case "senderLength" -> pickInt(-1, 0, ReaderSlotLayout.MAX_SENDER_BYTES + 1, 4096, Integer.MAX_VALUE,
                        Integer.MIN_VALUE, rng.nextInt());
                case "pid" -> pickInt(0, -1, 1, Integer.MAX_VALUE, Integer.MIN_VALUE, (int) ProcessHandle.current().pid(),
                        4_000_000 + rng.nextInt(100_000), rng.nextInt());
                default -> field.width() == 8 ? interestingLong(current) : interestingInt((int) current);
            };
            set(f, field, slotOffset, value);
        } else if (choice < 65) {
            registerFake(f, slot);
        } else if (choice < 72) {
            int current = f.getInt(HIGH_WATER.offset());
            for (int s = 0; s < maxReaders; s++) {
                writeOwner(f, s, ReaderSlotLayout.STATE_ACTIVE, interestingLong(c.tail));
            }
            c.log("every slot active, owned by processes that hold no owner lock (dead)");
            if (current < maxReaders) {
                set(f, HIGH_WATER, 0, maxReaders);
            }
        } else if (choice < 80) {
            byte[] sender = c.randomBytes(ReaderSlotLayout.MAX_SENDER_BYTES);
            f.put(slotOffset + ReaderSlotLayout.SENDER_OFFSET, sender);
            c.log("slot " + slot + " sender bytes@" + (slotOffset + ReaderSlotLayout.SENDER_OFFSET) + " := random");
            set(f, SLOT_FIELDS[3], slotOffset, rng.nextInt(ReaderSlotLayout.MAX_SENDER_BYTES + 1));
        } else if (choice < 90) {
            long tableLength = QueueLayout.readerTableLength(maxReaders);
            randomBytes(f, "reader table", READER_TABLE_OFFSET + rng.nextLong(tableLength),
                    1 + rng.nextInt(rng.nextBoolean() ? 16 : 1024), READER_TABLE_OFFSET + tableLength);
        } else {
            flipBits(f, "slot " + slot, slotOffset, slotOffset + ReaderSlotLayout.SLOT_LENGTH, 1 + rng.nextInt(8));
        }
    }

    /**
     * Makes a slot look taken by a registration (active or evicted) at a cursor and with claim floors of
     * the seed's choosing. Its owner lock is free, as a dead process's is: file bytes cannot hold a kernel
     * lock, so a fake owner is always dead.
     */
    private void registerFake(FileImage f, int slot) throws IOException {
        int state = rng.nextInt(4) == 0 ? ReaderSlotLayout.STATE_EVICTED : ReaderSlotLayout.STATE_ACTIVE;
        long tail = f.getLong(TAIL.offset());
        long cursor = switch (rng.nextInt(6)) {
            case 0 -> tail - capacity - GRANULE * rng.nextInt(64);
            case 1 -> tail + GRANULE * rng.nextInt(64);
            case 2 -> tail - 1 - rng.nextInt(63);
            default -> interestingLong(tail);
        };
        writeOwner(f, slot, state, cursor);
        if (rng.nextInt(4) != 0 && f.getInt(HIGH_WATER.offset()) <= slot) {
            set(f, HIGH_WATER, 0, slot + 1);
        }
    }

    private void writeOwner(FileImage f, int slot, int state, long cursor) throws IOException {
        long slotOffset = ReaderSlotLayout.slotOffset(slot);
        ProcessIdentity me = ProcessIdentity.current();
        int generation = ReaderSlotLayout.generation(f.getLong(slotOffset + ReaderSlotLayout.SLOT_WORD_OFFSET)) + 1;
        long floor = rng.nextInt(3) == 0 ? interestingLong(cursor) : ReaderSlotLayout.NO_FLOOR;
        f.putLong(slotOffset + ReaderSlotLayout.CURSOR_OFFSET, cursor);
        f.putInt(slotOffset + ReaderSlotLayout.PID_OFFSET, rng.nextBoolean() ? me.pid() : 4_000_000 + rng.nextInt(100_000));
        f.putLong(slotOffset + ReaderSlotLayout.START_TIME_OFFSET, me.startTime());
        f.putLong(slotOffset + ReaderSlotLayout.PID_NAMESPACE_OFFSET, me.pidNamespace());
        for (int lane = 0; lane < ReaderSlotLayout.FLOOR_LANES; lane++) {
            f.putLong(ReaderSlotLayout.floorOffset(slot, lane), lane == 0 ? floor : ReaderSlotLayout.NO_FLOOR);
        }
        int sleepers = rng.nextInt(4) == 0 ? pickInt(1, 1000, -1, Integer.MAX_VALUE, Integer.MIN_VALUE) : 0;
        f.putInt(slotOffset + ReaderSlotLayout.MESSAGE_SLEEPERS_OFFSET, sleepers);
        f.putInt(slotOffset + ReaderSlotLayout.SPACE_SLEEPERS_OFFSET, sleepers);
        f.putLong(slotOffset + ReaderSlotLayout.SLOT_WORD_OFFSET, ReaderSlotLayout.slotWord(generation, state));
        c.log("slot " + slot + " := fake " + (state == ReaderSlotLayout.STATE_ACTIVE ? "active" : "evicted")
                + " registration of a dead process, cursor " + cursor + ", floor " + floor + ", sleepers " + sleepers);
    }

    // ------------------------------------------------------------------------------------------ marks

    /** A mark state no writer makes (the claimed state of layout version 2): corrupt input now. */
    private static final long MARK_STATE_NONE_MAKES = 1;

    private long markOffset(long position) {
        return geometry.marksOffset() + QueueLayout.markIndex(position, capacity / GRANULE) * MARK_LENGTH;
    }

    private void marks(FileImage f) throws IOException {
        long tail = f.getLong(TAIL.offset());
        int choice = rng.nextInt(100);
        if (choice < 60) {
            int targetChoice = rng.nextInt(3);
            long position = targetChoice == 0 || c.records.isEmpty() ? tail
                    : targetChoice == 1 ? c.records.get(rng.nextInt(c.records.size())).position()
                    : (tail + GRANULE * rng.nextLong(capacity / GRANULE)) & -GRANULE;
            long value = switch (rng.nextInt(12)) {
                case 0, 1 -> position;
                case 2 -> position | MARK_STATE_NONE_MAKES;
                case 3 -> position | MARK_SKIP_RECORD;
                case 4 -> position | MARK_SKIP_GRANULE;
                case 5 -> position + capacity;
                case 6 -> position - capacity;
                case 7 -> position + GRANULE;
                case 8 -> NO_MARK;
                default -> interestingLong(position);
            };
            setMark(f, position, value);
            if (targetChoice == 1 && value == position) {
                maybeRewindTo(f, position);
            }
        } else if (choice < 75) {
            long marksLength = geometry.marksLength();
            randomBytes(f, "marks", geometry.marksOffset() + rng.nextLong(marksLength), 1 + rng.nextInt(256),
                    geometry.marksOffset() + marksLength);
        } else if (choice < 85) {
            long state = pickLong(MARK_STATE_NONE_MAKES, MARK_SKIP_RECORD, MARK_SKIP_GRANULE, 0);
            long from = Math.max(0, tail - capacity);
            fillMarks(f, from, tail, state);
            c.log("marks of [" + from + ", " + tail + ") := position | " + state);
            if (rng.nextBoolean() && from < tail) {
                set(f, TAIL, 0, from);
            }
        } else if (choice < 92) {
            writeAllMarks(f, p -> NO_MARK);
            c.log("every mark := -1");
        } else {
            flipBits(f, "marks", geometry.marksOffset(), geometry.marksOffset() + geometry.marksLength(),
                    1 + rng.nextInt(8));
        }
    }

    private void setMark(FileImage f, long position, long value) throws IOException {
        long offset = markOffset(position);
        long old = f.getLong(offset);
        f.putLong(offset, value);
        c.log("mark of " + position + "@" + offset + ": " + old + " -> " + value);
    }

    /** Sets the mark of every granule in [from, to) to its own position plus {@code state}. */
    private void fillMarks(FileImage f, long from, long to, long state) throws IOException {
        for (long p = from & -GRANULE; p < to; p += GRANULE) {
            f.putLong(markOffset(p), p | state);
        }
    }

    private interface MarkValue {
        long of(long index);
    }

    private void writeAllMarks(FileImage f, MarkValue value) throws IOException {
        int count = (int) (capacity / GRANULE);
        byte[] all = new byte[count * MARK_LENGTH];
        ByteBuffer buffer = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        for (int granule = 0; granule < count; granule++) { // value.of takes the granule's number in the ring
            long entry = QueueLayout.markIndex((long) granule * GRANULE, count);
            buffer.putLong((int) entry * MARK_LENGTH, value.of(granule));
        }
        f.put(geometry.marksOffset(), all);
    }

    // ------------------------------------------------------------------------------------------ records

    private FuzzCase.RecordInfo pickRecord() {
        int from = rng.nextInt(100) < 70 ? Math.max(0, c.records.size() - c.batchRecords) : 0;
        return c.records.get(from + rng.nextInt(c.records.size() - from));
    }

    private void recordHeader(FileImage f) throws IOException {
        if (c.records.isEmpty()) {
            hotHeader(f);
            return;
        }
        FuzzCase.RecordInfo record = pickRecord();
        int choice = rng.nextInt(100);
        if (choice < 45) {
            Field field = RECORD_FIELDS[rng.nextInt(RECORD_FIELDS.length)];
            long current = ringGet(f, record.position() + field.offset(), field.width());
            long value = switch (field.name()) {
                case "recordLength" -> pickInt(0, 15, 16, (int) capacity, (int) capacity + 1, -1, Integer.MAX_VALUE,
                        Integer.MIN_VALUE, (int) current + 1, (int) current - 1, (int) current + GRANULE, rng.nextInt());
                case "bodyLength" -> pickInt(-1, 0, Integer.MAX_VALUE, Integer.MIN_VALUE, (int) capacity,
                        (int) current + 1, (int) current - 1, rng.nextInt());
                case "writerSlot" -> pickInt(0, 1, maxReaders - 1, maxReaders, 0xFFFF, rng.nextInt(1 << 16));
                case "senderLength", "typeLength" -> rng.nextInt(256);
                default -> interestingInt((int) current);
            };
            ringSet(f, "record@" + record.position() + " " + field.name(), record.position() + field.offset(),
                    field.width(), value);
        } else if (choice < 75) {
            // A consistent lie: the lengths add up, but the record claims more (or less) than it has.
            int s = rng.nextInt(256);
            int t = rng.nextInt(256);
            long body = switch (rng.nextInt(4)) {
                case 0 -> capacity - RecordLayout.HEADER_LENGTH - s - t;
                case 1 -> capacity - RecordLayout.HEADER_LENGTH - s - t + 1;
                case 2 -> rng.nextLong(capacity);
                default -> Math.max(0, record.bodyLength() + rng.nextInt(129) - 64);
            };
            long length = RecordLayout.HEADER_LENGTH + s + t + body;
            ringSet(f, "record@" + record.position() + " senderLength", record.position() + RecordLayout.SENDER_LENGTH_OFFSET, 1, s);
            ringSet(f, "record@" + record.position() + " typeLength", record.position() + RecordLayout.TYPE_LENGTH_OFFSET, 1, t);
            ringSet(f, "record@" + record.position() + " bodyLength", record.position() + RecordLayout.BODY_LENGTH_OFFSET, 4, body);
            ringSet(f, "record@" + record.position() + " recordLength", record.position() + RecordLayout.LENGTH_OFFSET, 4, length);
        } else if (choice < 90) {
            byte[] bytes = c.randomBytes(RecordLayout.HEADER_LENGTH);
            ringPut(f, record.position(), bytes);
            c.log("record@" + record.position() + " header := random bytes");
        } else {
            long position = record.position() + rng.nextInt(RecordLayout.HEADER_LENGTH);
            int bit = rng.nextInt(8);
            long old = ringGet(f, position, 1);
            ringSet(f, "record byte@" + position, position, 1, old ^ (1 << bit));
        }
        if (rng.nextInt(4) == 0) {
            setMark(f, record.position(), record.position() | pickLong(MARK_STATE_NONE_MAKES, MARK_SKIP_RECORD));
        }
        maybeRewindTo(f, record.position());
    }

    private void recordBody(FileImage f) throws IOException {
        if (c.records.isEmpty()) {
            marks(f);
            return;
        }
        FuzzCase.RecordInfo record = pickRecord();
        int extra = record.recordLength() - RecordLayout.HEADER_LENGTH;
        if (extra > 0) {
            long at = record.position() + RecordLayout.HEADER_LENGTH + rng.nextInt(extra);
            int length = 1 + rng.nextInt(Math.min(extra, 64));
            ringPut(f, at, c.randomBytes(length));
            c.log("record@" + record.position() + " bytes at position " + at + " (" + length + ") := random");
        } else {
            long at = record.position() + RecordLayout.alignedLength(record.recordLength()) - 1 - rng.nextInt(16);
            ringPut(f, at, c.randomBytes(1));
            c.log("record@" + record.position() + " padding byte at position " + at + " := random");
        }
        maybeRewindTo(f, record.position());
    }

    private void ringAndMarks(FileImage f) throws IOException {
        long tail = f.getLong(TAIL.offset());
        long from = tail - capacity;
        int content = rng.nextInt(4);
        switch (content) {
            case 0 -> {
                f.put(geometry.ringOffset(), c.randomBytes((int) capacity));
                c.log("ring := random bytes");
            }
            case 1 -> {
                f.put(geometry.ringOffset(), new byte[(int) capacity]);
                c.log("ring := zeros");
            }
            case 2 -> {
                // One plausible header, repeated every granule: lengths of the seed's choosing.
                int s = rng.nextInt(256);
                int t = rng.nextInt(256);
                int body = rng.nextBoolean() ? rng.nextInt(48) : rng.nextInt((int) capacity);
                int length = rng.nextInt(4) == 0 ? rng.nextInt() : RecordLayout.HEADER_LENGTH + s + t + body;
                ByteBuffer ring = ByteBuffer.allocate((int) capacity).order(ByteOrder.LITTLE_ENDIAN);
                for (int at = 0; at < capacity; at += GRANULE) {
                    ring.putInt(at, length).putInt(at + 4, body).putInt(at + 8, rng.nextInt(3))
                            .putShort(at + 12, (short) rng.nextInt(maxReaders + 1))
                            .put(at + 14, (byte) s).put(at + 15, (byte) t);
                }
                f.put(geometry.ringOffset(), ring.array());
                c.log("ring := header {length " + length + ", body " + body + ", sender " + s + ", type " + t
                        + "} every granule");
            }
            default -> c.log("ring unchanged");
        }
        switch (rng.nextInt(4)) {
            case 0 -> {
                long state = rng.nextInt(3) == 0 ? pickLong(MARK_STATE_NONE_MAKES, MARK_SKIP_RECORD, MARK_SKIP_GRANULE) : 0;
                writeAllMarks(f, i -> positionOfGranule(from, i) | state);
                c.log("every mark := its position in [" + from + ", " + tail + ") | " + state);
                set(f, TAIL, 0, from);
            }
            case 1 -> {
                writeAllMarks(f, i -> rng.nextLong());
                c.log("every mark := random");
            }
            case 2 -> {
                writeAllMarks(f, i -> positionOfGranule(from, i) | rng.nextLong(4));
                c.log("every mark := its position in [" + from + ", " + tail + ") | random state");
                set(f, TAIL, 0, rng.nextBoolean() ? from : tail);
            }
            default -> c.log("marks unchanged");
        }
    }

    /** The position in [from, from + capacity) of the granule numbered {@code index} in the ring. */
    private long positionOfGranule(long from, long index) {
        long base = from & -GRANULE;
        long offset = ((index * GRANULE) - (base & (capacity - 1))) & (capacity - 1);
        return base + offset;
    }

    private void multiple(FileImage f) throws IOException {
        int count = 2 + rng.nextInt(5);
        for (int i = 0; i < count; i++) {
            switch (rng.nextInt(13)) {
                case 0 -> staticHeader(f);
                case 1, 2 -> hotHeader(f);
                case 3, 4, 5 -> readerTable(f);
                case 6, 7 -> marks(f);
                case 8, 9, 10 -> recordHeader(f);
                default -> recordBody(f);
            }
        }
    }

    // ------------------------------------------------------------------------------------------ files

    private void resizedGeometry(FileImage f) throws IOException {
        long newCapacity;
        do {
            // Now and then the largest ring there is: the file grows sparse, tmpfs spends only what is written.
            newCapacity = rng.nextInt(20) == 0 ? MAX_CAPACITY : QueueGeometry.minCapacity() << rng.nextInt(9);
        } while (newCapacity == capacity && rng.nextInt(4) != 0);
        int newReaders = pickInt(1, 2, 4, 16, 64, 1 + rng.nextInt(MAX_READERS_LIMIT));
        QueueGeometry other = QueueGeometry.of(newCapacity, newReaders);
        set(f, STATIC_FIELDS[3], 0, newCapacity);
        set(f, STATIC_FIELDS[4], 0, newReaders);
        set(f, STATIC_FIELDS[7], 0, other.marksOffset());
        set(f, STATIC_FIELDS[8], 0, other.ringOffset());
        set(f, STATIC_FIELDS[9], 0, other.fileLength());
        if (rng.nextInt(4) != 0) {
            resize(f, other.fileLength());
            if (rng.nextInt(3) == 0) {
                publishFakeRecord(f, other);
            }
        }
    }

    /**
     * Publishes, at the tail of a file laid out as {@code other}, a record whose lengths are consistent
     * and as large as the ring allows: a fresh registration reads it first, and must not need more memory
     * than the damage can justify.
     */
    private void publishFakeRecord(FileImage f, QueueGeometry other) throws IOException {
        long tail = f.getLong(TAIL.offset()) & -GRANULE;
        long ringCapacity = other.capacity();
        int s = rng.nextInt(256);
        int t = rng.nextInt(256);
        long body = rng.nextBoolean() ? ringCapacity - RecordLayout.HEADER_LENGTH - s - t : rng.nextLong(ringCapacity / 2);
        long length = RecordLayout.HEADER_LENGTH + s + t + body;
        long at = other.ringOffset() + (tail & (ringCapacity - 1));
        f.putInt(at + RecordLayout.LENGTH_OFFSET, (int) length);
        f.putInt(at + RecordLayout.BODY_LENGTH_OFFSET, (int) body);
        f.put(at + RecordLayout.SENDER_LENGTH_OFFSET, new byte[] {(byte) s, (byte) t});
        long markAt = other.marksOffset() + ((tail >>> GRANULE_SHIFT) & (ringCapacity / GRANULE - 1)) * MARK_LENGTH;
        f.putLong(markAt, tail);
        set(f, TAIL, 0, tail);
        c.log("record at " + tail + " := published, length " + length + " (body " + body + ", sender " + s
                + ", type " + t + ")");
    }

    private void truncate(FileImage f) throws IOException {
        long length = switch (rng.nextInt(12)) {
            case 0 -> 0;
            case 1 -> 1 + rng.nextInt((int) HEADER_LENGTH - 1);
            case 2 -> HEADER_LENGTH;
            case 3 -> HEADER_LENGTH + 1 + rng.nextInt(4096);
            case 4 -> geometry.marksOffset() + rng.nextInt(64);
            case 5 -> geometry.ringOffset() - 1 - rng.nextInt(64);
            case 6 -> geometry.ringOffset();
            case 7 -> geometry.ringOffset() + 1 + rng.nextLong(capacity - 1);
            case 8 -> geometry.fileLength() - 1;
            case 9 -> geometry.fileLength() - pageSize;
            default -> rng.nextLong(geometry.fileLength());
        };
        resize(f, length);
    }

    private void extend(FileImage f) throws IOException {
        long length = geometry.fileLength() + switch (rng.nextInt(5)) {
            case 0 -> 1;
            case 1 -> 1 + rng.nextInt(63);
            case 2 -> pageSize;
            case 3 -> capacity;
            default -> 1 + rng.nextInt(1 << 20);
        };
        resize(f, length);
    }

    private void resize(FileImage f, long length) throws IOException {
        long old = f.size();
        if (length < old) {
            f.truncate(length);
        } else {
            f.extend(length);
        }
        c.log("file length: " + old + " -> " + length);
    }

    private void otherVersion(FileImage f) throws IOException {
        int version = pickInt(1, 1, 1, 0, LAYOUT_VERSION + 1, 99, -1, Integer.MAX_VALUE);
        set(f, STATIC_FIELDS[1], 0, version);
        if (rng.nextInt(5) == 0) {
            Field field = STATIC_FIELDS[3 + rng.nextInt(STATIC_FIELDS.length - 3)];
            set(f, field, 0, staticValue(f, field));
        }
    }

    private void garbageFile() throws IOException {
        byte[] header;
        try (FileImage f = FileImage.open(c.path)) {
            header = f.get(0, 128);
        }
        Files.delete(c.path);
        long validLength = geometry.fileLength();
        byte[] content = switch (rng.nextInt(8)) {
            case 0 -> new byte[0];
            case 1 -> c.randomBytes(1 + rng.nextInt((int) HEADER_LENGTH - 1));
            case 2 -> c.randomBytes((int) HEADER_LENGTH);
            case 3 -> c.randomBytes((int) validLength);
            case 4 -> new byte[(int) validLength];
            case 5 -> "this is not a jsyncq queue\n".repeat(1 + rng.nextInt(400)).getBytes(StandardCharsets.US_ASCII);
            default -> {
                // The original static header over garbage: the file attaches, and everything else is random.
                byte[] bytes = c.randomBytes((int) (rng.nextInt(4) == 0 ? validLength + rng.nextInt(4096) - 2048 : validLength));
                System.arraycopy(header, 0, bytes, 0, Math.min(header.length, bytes.length));
                yield bytes;
            }
        };
        Files.write(c.path, content);
        c.log("file replaced by " + content.length + " bytes" + (content.length >= 128
                && Arrays.equals(header, 0, 128, content, 0, 128) ? " (valid static header, then random)" : ""));
    }

    private void notAFile() throws IOException, InterruptedException {
        Files.delete(c.path);
        switch (rng.nextInt(7)) {
            case 0 -> {
                Files.createDirectory(c.path);
                c.log("name := an empty directory");
            }
            case 1 -> {
                Files.createSymbolicLink(c.path, Path.of("/dev/zero"));
                c.log("name := symlink to /dev/zero");
            }
            case 2 -> {
                Files.createSymbolicLink(c.path, Path.of("/dev/null"));
                c.log("name := symlink to /dev/null");
            }
            case 3 -> {
                Files.createSymbolicLink(c.path, c.path.resolveSibling(c.name + "-missing"));
                c.log("name := dangling symlink");
            }
            case 4 -> {
                Files.createSymbolicLink(c.path, c.path);
                c.log("name := symlink to itself");
            }
            case 5 -> {
                Process mkfifo = new ProcessBuilder("mkfifo", c.path.toString()).redirectErrorStream(true).start();
                if (mkfifo.waitFor() == 0) {
                    c.log("name := a fifo");
                } else {
                    Files.createDirectory(c.path);
                    c.log("name := an empty directory (mkfifo failed)");
                }
            }
            default -> {
                // Rebuild a valid queue under another name and point the name at it: a valid queue via a link.
                Path target = c.path.resolveSibling(c.name + "-target");
                c.extraPaths.add(target);
                try (var queue = SyncQueue.builder(target.getFileName().toString()).directory(FuzzCase.SHM)
                        .size(capacity).keep(true).create()) {
                    queue.append("t", "to a link");
                }
                Files.createSymbolicLink(c.path, target);
                c.log("name := symlink to a valid queue");
            }
        }
    }

    // ------------------------------------------------------------------------------------------ helpers

    private long get(FileImage f, Field field, long base) throws IOException {
        long offset = base + field.offset();
        return switch (field.width()) {
            case 8 -> f.getLong(offset);
            case 4 -> f.getInt(offset);
            case 2 -> Short.toUnsignedInt((short) (f.getInt(offset) & 0xFFFF));
            default -> Byte.toUnsignedInt(f.get(offset, 1)[0]);
        };
    }

    private void set(FileImage f, Field field, long base, long value) throws IOException {
        long offset = base + field.offset();
        long old = get(f, field, base);
        switch (field.width()) {
            case 8 -> f.putLong(offset, value);
            case 4 -> f.putInt(offset, (int) value);
            case 2 -> f.putShort(offset, (short) value);
            default -> f.put(offset, new byte[] {(byte) value});
        }
        String where = base == 0 ? "" : base >= READER_TABLE_OFFSET && base < geometry.marksOffset()
                ? "slot " + (base - READER_TABLE_OFFSET) / ReaderSlotLayout.SLOT_LENGTH + " " : "@" + base + " ";
        c.log(where + field.name() + "@" + offset + ": " + old + " -> " + narrow(field, value));
    }

    private static long narrow(Field field, long value) {
        return switch (field.width()) {
            case 8 -> value;
            case 4 -> (int) value;
            case 2 -> Short.toUnsignedInt((short) value);
            default -> Byte.toUnsignedInt((byte) value);
        };
    }

    /** The file offset of the ring byte at {@code position}. */
    private long ringOffsetOf(long position) {
        return geometry.ringOffset() + (position & (capacity - 1));
    }

    private void ringPut(FileImage f, long position, byte[] bytes) throws IOException {
        for (int i = 0; i < bytes.length; i++) {
            f.put(ringOffsetOf(position + i), new byte[] {bytes[i]});
        }
    }

    private long ringGet(FileImage f, long position, int width) throws IOException {
        long value = 0;
        for (int i = width - 1; i >= 0; i--) {
            value = (value << 8) | Byte.toUnsignedInt(f.get(ringOffsetOf(position + i), 1)[0]);
        }
        return width == 4 ? (int) value : width == 2 ? (short) value : value;
    }

    private void ringSet(FileImage f, String what, long position, int width, long value) throws IOException {
        long old = ringGet(f, position, width);
        byte[] bytes = new byte[width];
        for (int i = 0; i < width; i++) {
            bytes[i] = (byte) (value >>> (8 * i));
        }
        ringPut(f, position, bytes);
        c.log(what + "@ring+" + (position & (capacity - 1)) + ": " + old + " -> "
                + (width == 4 ? (int) value : width == 2 ? Short.toUnsignedInt((short) value) : width == 1
                ? Byte.toUnsignedInt((byte) value) : value));
    }

    private void flipBits(FileImage f, String what, long from, long to, int bits) throws IOException {
        StringBuilder log = new StringBuilder(what + " bits flipped at");
        for (int i = 0; i < bits; i++) {
            long offset = from + rng.nextLong(to - from);
            int bit = rng.nextInt(8);
            byte old = f.get(offset, 1)[0];
            f.put(offset, new byte[] {(byte) (old ^ (1 << bit))});
            log.append(' ').append(offset).append('.').append(bit);
        }
        c.log(log.toString());
    }

    private void randomBytes(FileImage f, String what, long offset, int length, long limit) throws IOException {
        int n = (int) Math.max(0, Math.min(length, limit - offset));
        f.put(offset, c.randomBytes(n));
        c.log(what + " bytes [" + offset + ", " + (offset + n) + ") := random");
    }

    private int pickInt(int... values) {
        return values[rng.nextInt(values.length)];
    }

    private long pickLong(long... values) {
        return values[rng.nextInt(values.length)];
    }

    private long interestingLong(long current) {
        return switch (rng.nextInt(14)) {
            case 0 -> 0;
            case 1 -> -1;
            case 2 -> Long.MIN_VALUE;
            case 3 -> Long.MAX_VALUE;
            case 4 -> current + 1 + rng.nextInt(63);
            case 5 -> current - 1 - rng.nextInt(63);
            case 6 -> current + capacity * (1 + rng.nextInt(3));
            case 7 -> current - capacity * (1 + rng.nextInt(3));
            case 8 -> current ^ (1L << rng.nextInt(64));
            case 9 -> rng.nextLong();
            case 10 -> rng.nextLong() & -GRANULE;
            case 11 -> 1L << (20 + rng.nextInt(43));
            case 12 -> pickLong(Integer.MAX_VALUE, Integer.MIN_VALUE, 0xFFFF_FFFFL, 1L << 32);
            default -> current + (rng.nextBoolean() ? 1 : -1) * GRANULE * (1 + rng.nextInt(1 << 12));
        };
    }

    private int interestingInt(int current) {
        return switch (rng.nextInt(10)) {
            case 0 -> pickInt(0, 1, 2, 3, 4);
            case 1 -> -1;
            case 2 -> Integer.MAX_VALUE;
            case 3 -> Integer.MIN_VALUE;
            case 4 -> pickInt(255, 256, 4095, 4096, 4097, 65535, 65536);
            case 5 -> current + 1;
            case 6 -> current - 1;
            case 7 -> current ^ (1 << rng.nextInt(32));
            default -> rng.nextInt();
        };
    }
}
