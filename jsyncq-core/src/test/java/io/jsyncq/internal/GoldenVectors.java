package io.jsyncq.internal;

import io.jsyncq.Message;
import io.jsyncq.RegistrationLostException;
import io.jsyncq.SyncQueue;
import io.jsyncq.testing.MiniJson;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Writes the Java-made golden vectors of {@code testdata/golden} (see its README): small queue files made
 * by the real library, each with a JSON manifest of what it holds. The Python package's
 * {@code python/tests/golden_vectors.py} makes the same two files from the same steps; both languages'
 * tests read every vector, and regenerate their own and compare them byte for byte (less the bytes the
 * manifest lists as ignored: the owners' pids, start times and pid namespaces).
 *
 * <pre>
 * ./mvnw -B -o -q test-compile -pl jsyncq-core     # then, from the repository root:
 * java --enable-native-access=ALL-UNNAMED -cp jsyncq-core/target/classes:jsyncq-core/target/test-classes \
 *     io.jsyncq.internal.GoldenVectors testdata/golden
 * </pre>
 *
 * Every expected position in a manifest is worked out here from the record lengths (header 16 bytes +
 * sender + type + body, rounded up to 64), not read back from the file, so a manifest is a statement
 * about the layout that the file is then checked against.
 */
public final class GoldenVectors {

    static final long CAPACITY = 4096;
    static final int MAX_READERS = 4;
    static final String MAX_SENDER = "x" + "\u00e9".repeat(127); // 255 UTF-8 bytes: the longest sender
    private static final HexFormat HEX = HexFormat.of();

    private GoldenVectors() {
    }

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args.length > 0 ? args[0] : "testdata/golden");
        Files.createDirectories(out);
        for (String written : write(out)) {
            System.out.println("wrote " + out.resolve(written));
        }
    }

    /** Writes java-records, java-repairs and java-gate (each .jsyncq and .json) into {@code out}; returns the file names. */
    public static List<String> write(Path out) throws IOException {
        Path work = Files.createTempDirectory(Path.of("/dev/shm"), "jsyncq-golden-");
        try {
            List<String> written = new ArrayList<>();
            written.addAll(records(work, out));
            written.addAll(repairs(work, out));
            written.addAll(gate(work, out));
            return written;
        } finally {
            try (var entries = Files.list(work)) {
                for (Path entry : entries.toList()) {
                    Files.deleteIfExists(entry);
                }
            }
            Files.deleteIfExists(work);
        }
    }

    private static SyncQueue.Builder queue(String name, Path dir, String sender) {
        return SyncQueue.builder(name).directory(dir).sender(sender);
    }

    /**
     * Records of several sizes after a wrapped lap, one running over the ring's end, an empty body, an empty
     * type, UTF-8 and binary bodies, the longest sender (cut to 96 bytes in its slot), records screened by
     * type and by sender, a reader with a screen summary, write-only registrations.
     */
    private static List<String> records(Path dir, Path out) throws IOException {
        String name = "golden-records";
        Vector v = new Vector("java-records", "records of several sizes after a lap of the ring, one of them running "
                + "over the ring's end; empty body, empty type, UTF-8 and binary bodies, the longest sender; a reader "
                + "with screens (by sender and by type), two write-only registrations");
        try (SyncQueue reader = queue(name, dir, "golden-reader").size(CAPACITY).maxReaders(MAX_READERS).keep(true)
                .create()) {
            reader.senderScreen().add("noise");
            reader.typeScreen().add("ping");
            try (SyncQueue writer = queue(name, dir, "golden-writer").writeOnly().open()) {
                for (int i = 0; i < 6; i++) {
                    byte[] fill = new byte[400];
                    java.util.Arrays.fill(fill, (byte) i);
                    writer.append("fill", fill);
                    v.pass("golden-writer", "fill", fill.length); // before the reader's cursor: not listed
                }
                for (int i = 0; i < 6; i++) {
                    Optional<Message> fill = reader.pop();
                    if (fill.isEmpty() || fill.get().body()[0] != i) {
                        throw new IllegalStateException("the reader did not get fill message " + i);
                    }
                }
                v.readFrom = v.tail;
                v.message(1, 1, writer, "empty-body", new byte[0], true);
                v.message(1, 1, writer, "", "no type".getBytes(StandardCharsets.UTF_8), true);
                v.message(1, 1, writer, "text", "h\u00e9llo, w\u00f6rld \u2713".getBytes(StandardCharsets.UTF_8), true);
                v.message(1, 1, writer, "ping", "screened by the reader's type screen".getBytes(StandardCharsets.UTF_8),
                        false);
                byte[] all = new byte[256];
                for (int i = 0; i < all.length; i++) {
                    all[i] = (byte) i;
                }
                v.message(1, 1, writer, "bytes", all, true);
                byte[] wrapping = new byte[1000];
                for (int i = 0; i < wrapping.length; i++) {
                    wrapping[i] = (byte) (i * 7);
                }
                v.message(1, 1, writer, "wrap", wrapping, true); // 3328 + 1033 > 4096: runs over the ring's end
                long noiseCursor = v.tail;
                try (SyncQueue noise = queue(name, dir, "noise").open()) {
                    v.message(2, 1, noise, "chatter",
                            "screened by the reader's sender screen".getBytes(StandardCharsets.UTF_8), false);
                    long maxCursor = v.tail;
                    try (SyncQueue longest = queue(name, dir, MAX_SENDER).writeOnly().open()) {
                        v.message(3, 1, longest, "max", "m".getBytes(StandardCharsets.UTF_8), true);
                        v.highWater = 4;
                        v.epoch = 4;
                        v.active(0, 1, v.readFrom, "golden-reader", List.of("golden-reader", "noise"), List.of("ping"));
                        v.writeOnly(1, 1, 0, "golden-writer");
                        v.active(2, 1, noiseCursor, "noise", List.of("noise"), List.of());
                        v.writeOnly(3, 1, maxCursor, MAX_SENDER);
                        return v.save(dir.resolve(name), out);
                    }
                }
            }
        }
    }

    /**
     * A hole left by a writer that closed between its claim and its publish (as a dead one would), repaired
     * by a reader (two skip-granule marks); a record abandoned by an evicted writer (a skip-record mark);
     * an evicted registration; a freed and reused slot.
     */
    private static List<String> repairs(Path dir, Path out) throws IOException {
        String name = "golden-repairs";
        Vector v = new Vector("java-repairs", "a hole left by a writer that closed between its claim and its publish, "
                + "repaired by a reader (skip-granule marks); a record abandoned by an evicted writer (a skip-record "
                + "mark); an evicted registration; a slot freed and taken again");
        try (SyncQueue reader = queue(name, dir, "golden-reader").size(CAPACITY).maxReaders(MAX_READERS).keep(true)
                .create();
             SyncQueue writer = queue(name, dir, "golden-writer").open()) {
            v.readFrom = 0;
            v.message(1, 1, writer, "before", "before the hole".getBytes(StandardCharsets.UTF_8), true);
            SyncQueue crasher = queue(name, dir, "golden-crasher").open(); // slot 2, generation 1
            QueueFile second = QueueFile.attach(dir, name);
            try {
                long claimed = new SharedQueue(second).tryClaim(2 * QueueLayout.GRANULE, 2, 0); // as its append would
                if (claimed != v.tail) {
                    throw new IllegalStateException("claimed at " + claimed + ", expected " + v.tail);
                }
            } finally {
                second.unmap();
            }
            crasher.close(); // slot 2 free, generation 2; its floor is cleared: the claim is a hole now
            v.hole(2 * QueueLayout.GRANULE);
            v.message(1, 1, writer, "after", "after the hole".getBytes(StandardCharsets.UTF_8), true);
            long evictedCursor = v.tail;
            SyncQueue evicted = queue(name, dir, "golden-evicted").open(); // slot 2 again, generation 3
            try {
                try (QueueInspector inspector = QueueInspector.attach(dir, name)) {
                    if (!inspector.evict(2)) {
                        throw new IllegalStateException("could not evict slot 2");
                    }
                }
                byte[] lost = "never delivered".getBytes(StandardCharsets.UTF_8);
                try {
                    evicted.append("lost", lost);
                    throw new IllegalStateException("an evicted registration appended");
                } catch (RegistrationLostException expected) {
                    v.skipRecord(2, 3, "golden-evicted", "lost", lost);
                }
                v.message(1, 1, writer, "last", "after the skipped record".getBytes(StandardCharsets.UTF_8), true);
                if (writer.pop(Duration.ofMillis(300)).isPresent()) { // passes its own messages, repairing the hole
                    throw new IllegalStateException("the writer read a message of its own");
                }
                v.highWater = 3;
                v.epoch = 4;
                v.holesRepaired = 1;
                v.active(0, 1, 0, "golden-reader", List.of("golden-reader"), List.of());
                v.active(1, 1, v.tail, "golden-writer", List.of("golden-writer"), List.of());
                v.evicted(2, 3, evictedCursor, "golden-evicted");
                return v.save(dir.resolve(name), out);
            } finally {
                evicted.close();
            }
        }
    }

    /**
     * The delivery gate held: a record appended before the holder registered (outside the window), one another
     * registration appended after (in the window: passed over by the others), and one of the holder's.
     */
    private static List<String> gate(Path dir, Path out) throws IOException {
        String name = "golden-gate";
        Vector v = new Vector("java-gate", "the delivery gate held by a registration: a record appended before the "
                + "holder registered (delivered as usual), one another registration appended within the gate's "
                + "window (passed over by the others), one the holder appended (delivered)");
        try (SyncQueue reader = queue(name, dir, "golden-reader").size(CAPACITY).maxReaders(MAX_READERS).keep(true)
                .create();
             SyncQueue writer = queue(name, dir, "golden-writer").writeOnly().open()) {
            v.readFrom = 0;
            v.message(1, 1, writer, "before", "before the holder".getBytes(StandardCharsets.UTF_8), true);
            long bridgeCursor = v.tail;
            try (SyncQueue bridge = queue(name, dir, "golden-bridge").open()) { // slot 2, at the tail
                bridge.gateDelivery(); // its read position starts the window
                v.gate(1, 3, bridgeCursor, Long.MAX_VALUE); // the first take; code 1 + slot 2
                v.message(1, 1, writer, "local", "passed over by the gate".getBytes(StandardCharsets.UTF_8), false);
                v.message(2, 1, bridge, "sequenced", "relayed by the bridge".getBytes(StandardCharsets.UTF_8), true);
                v.highWater = 3;
                v.epoch = 3;
                v.active(0, 1, 0, "golden-reader", List.of("golden-reader"), List.of());
                v.writeOnly(1, 1, 0, "golden-writer");
                v.active(2, 1, bridgeCursor, "golden-bridge", List.of("golden-bridge"), List.of());
                return v.save(dir.resolve(name), out);
            }
        }
    }

    /** What a vector holds, worked out from its steps; saved as the manifest beside a copy of the file. */
    private static final class Vector {
        final String name;
        final String description;
        long tail;
        long readFrom;
        int highWater;
        int epoch;
        long holesRepaired;
        long gateTakes;
        int gateCode;
        long gateStart;
        long gateEnd;
        final List<Object> records = new ArrayList<>();
        final List<Object> registrations = new ArrayList<>();

        Vector(String name, String description) {
            this.name = name;
            this.description = description;
        }

        static long recordLength(String sender, String type, int body) {
            return RecordLayout.HEADER_LENGTH + sender.getBytes(StandardCharsets.UTF_8).length
                    + type.getBytes(StandardCharsets.UTF_8).length + body;
        }

        /** The delivery gate's state (takes so far, and the code 0, 1 + slot or -(1 + slot)) and window. */
        void gate(long takes, int code, long start, long end) {
            gateTakes = takes;
            gateCode = code;
            gateStart = start;
            gateEnd = end;
        }

        void pass(String sender, String type, int body) {
            tail += RecordLayout.alignedLength((int) recordLength(sender, type, body));
        }

        void message(int slot, int generation, SyncQueue from, String type, byte[] body, boolean delivered) {
            from.append(type, body);
            records.add(record("message", slot, generation, from.sender(), type, body, delivered));
        }

        void skipRecord(int slot, int generation, String sender, String type, byte[] body) {
            records.add(record("skip-record", slot, generation, sender, type, body, false));
        }

        private Map<String, Object> record(String mark, int slot, int generation, String sender, String type,
                                           byte[] body, boolean delivered) {
            Map<String, Object> record = new LinkedHashMap<>();
            record.put("position", tail);
            record.put("mark", mark);
            record.put("writer_slot", (long) slot);
            record.put("writer_generation", (long) generation);
            record.put("sender", sender);
            record.put("type", type);
            record.put("body_hex", HEX.formatHex(body));
            record.put("delivered_to_slot_0", delivered);
            tail += RecordLayout.alignedLength((int) recordLength(sender, type, body.length));
            return record;
        }

        void hole(long length) {
            for (long at = tail; at < tail + length; at += QueueLayout.GRANULE) {
                Map<String, Object> granule = new LinkedHashMap<>();
                granule.put("position", at);
                granule.put("mark", "skip-granule");
                records.add(granule);
            }
            tail += length;
        }

        void active(int slot, int generation, long cursor, String sender, List<String> senders, List<String> types) {
            Map<String, Object> r = registration(slot, "active", generation, cursor, sender);
            r.put("screened_senders", new ArrayList<Object>(senders));
            r.put("screened_types", new ArrayList<Object>(types));
            registrations.add(r);
        }

        void writeOnly(int slot, int generation, long cursor, String sender) {
            registrations.add(registration(slot, "writer", generation, cursor, sender));
        }

        void evicted(int slot, int generation, long cursor, String sender) {
            registrations.add(registration(slot, "evicted", generation, cursor, sender));
        }

        private static Map<String, Object> registration(int slot, String state, int generation, long cursor,
                                                        String sender) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("slot", (long) slot);
            r.put("state", state);
            r.put("generation", (long) generation);
            r.put("cursor", cursor);
            byte[] bytes = sender.getBytes(StandardCharsets.UTF_8);
            int kept = Math.min(bytes.length, ReaderSlotLayout.MAX_SENDER_BYTES);
            while (kept > 0 && kept < bytes.length && (bytes[kept] & 0xC0) == 0x80) {
                kept--; // the slot keeps whole UTF-8 characters
            }
            r.put("sender", sender);
            r.put("sender_in_slot", new String(bytes, 0, kept, StandardCharsets.UTF_8));
            r.put("sender_cut", kept < bytes.length);
            return r;
        }

        List<String> save(Path queueFile, Path out) throws IOException {
            QueueGeometry geometry = new QueueGeometry(CAPACITY, MAX_READERS, Posix.pageSize());
            Map<String, Object> header = new LinkedHashMap<>();
            header.put("magic", "JSYNCQ");
            header.put("layout_version", (long) QueueLayout.LAYOUT_VERSION);
            header.put("flags", (long) QueueLayout.FLAG_KEEP);
            header.put("capacity", CAPACITY);
            header.put("max_readers", (long) MAX_READERS);
            header.put("reader_slot_length", (long) ReaderSlotLayout.SLOT_LENGTH);
            header.put("reader_table_offset", QueueLayout.READER_TABLE_OFFSET);
            header.put("marks_offset", geometry.marksOffset());
            header.put("ring_offset", geometry.ringOffset());
            header.put("file_length", geometry.fileLength());
            header.put("page_size", (long) geometry.pageSize());
            Map<String, Object> state = new LinkedHashMap<>();
            state.put("tail", tail);
            state.put("removed", false);
            state.put("registration_epoch", (long) epoch);
            state.put("slot_high_water", (long) highWater);
            state.put("readers_reclaimed", 0L);
            state.put("holes_repaired", holesRepaired);
            state.put("gate_takes", gateTakes);
            state.put("gate_code", (long) gateCode);
            state.put("gate_start", gateStart);
            state.put("gate_end", gateEnd);
            List<Object> ignored = new ArrayList<>();
            for (int slot = 0; slot < highWater; slot++) {
                long base = ReaderSlotLayout.slotOffset(slot);
                ignored.add(ignoredBytes(base + ReaderSlotLayout.PID_OFFSET, 4, "slot " + slot + " owner pid"));
                ignored.add(ignoredBytes(base + ReaderSlotLayout.START_TIME_OFFSET, 8,
                        "slot " + slot + " owner start time"));
                ignored.add(ignoredBytes(base + ReaderSlotLayout.PID_NAMESPACE_OFFSET, 8,
                        "slot " + slot + " owner pid namespace"));
            }
            Map<String, Object> manifest = new LinkedHashMap<>();
            manifest.put("name", name);
            manifest.put("made_by", "java");
            manifest.put("generator", "jsyncq-core/src/test/java/io/jsyncq/internal/GoldenVectors.java");
            manifest.put("description", description);
            manifest.put("file", name + ".jsyncq");
            manifest.put("header", header);
            manifest.put("state", state);
            manifest.put("registrations", registrations);
            manifest.put("read_from", readFrom);
            manifest.put("records", records);
            manifest.put("ignored_bytes", ignored);
            Files.write(out.resolve(name + ".jsyncq"), Files.readAllBytes(queueFile)); // while everyone is registered
            Files.writeString(out.resolve(name + ".json"), MiniJson.write(manifest), StandardCharsets.UTF_8);
            return List.of(name + ".jsyncq", name + ".json");
        }

        private static Map<String, Object> ignoredBytes(long offset, int length, String what) {
            Map<String, Object> range = new LinkedHashMap<>();
            range.put("offset", offset);
            range.put("length", (long) length);
            range.put("what", what);
            return range;
        }
    }

    static UncheckedIOException unchecked(IOException e) {
        return new UncheckedIOException(e);
    }
}
