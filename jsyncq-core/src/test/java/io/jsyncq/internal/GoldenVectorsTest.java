package io.jsyncq.internal;

import io.jsyncq.IncompatibleQueueException;
import io.jsyncq.Message;
import io.jsyncq.SyncQueue;
import io.jsyncq.testing.MiniJson;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * The golden vectors of {@code testdata/golden} (its README says what they are): queue files written by
 * Java ({@link GoldenVectors}) and by the Python package ({@code python/tests/golden_vectors.py}), each with a
 * manifest. Every vector, whichever language made it, must hold exactly what its manifest says, byte field
 * by byte field and through this library's own attach and record reading, and must then be usable: a
 * registration on a copy reclaims the dead owners and a message goes through. The Java generator run now
 * must give the committed Java vectors byte for byte (less the owners' identities the manifests list), so a
 * change of the layout without new vectors fails here; and the Java and Python vectors of the same steps
 * must be the same bytes. The Python tests (test_golden_vectors.py) check the same from the other side.
 */
@Timeout(120)
class GoldenVectorsTest {

    private static final HexFormat HEX = HexFormat.of();
    private static final List<String> NAMES = List.of("java-records", "java-repairs", "java-gate", "python-records",
            "python-repairs", "python-gate");

    private Path work;

    @BeforeEach
    void workDirectory() throws IOException {
        work = Files.createTempDirectory(Path.of("/dev/shm"), "jsyncq-golden-test-");
    }

    @AfterEach
    void removeWorkDirectory() throws IOException {
        try (Stream<Path> entries = Files.list(work)) {
            for (Path entry : entries.toList()) {
                Files.deleteIfExists(entry);
            }
        }
        Files.deleteIfExists(work);
    }

    static Path goldenDirectory() {
        Path module = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
        for (Path at = module; at != null; at = at.getParent()) {
            Path candidate = at.resolve("testdata").resolve("golden");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        throw new AssertionError("no testdata/golden above " + module);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> manifest(Path directory, String name) throws IOException {
        return (Map<String, Object>) MiniJson.parse(Files.readString(directory.resolve(name + ".json")));
    }

    private static long number(Map<String, Object> map, String key) {
        return (Long) map.get(key);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Map<String, Object> map, String key) {
        return (List<Map<String, Object>>) map.get(key);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Map<String, Object> map, String key) {
        return (Map<String, Object>) map.get(key);
    }

    private static void assumeFourKibPages() {
        assumeThat(QueueGeometry.SYSTEM_PAGE_SIZE).as("the vectors are laid out for 4 KiB pages").isEqualTo(4096);
    }

    /** A copy of a vector as the queue {@code golden} in the work directory. */
    private Path copy(String name) throws IOException {
        Path target = work.resolve("golden");
        Files.copy(goldenDirectory().resolve(name + ".jsyncq"), target);
        return target;
    }

    // ------------------------------------------------------------------------------------------- contents

    @Test
    void everyVectorHoldsWhatItsManifestSaysFieldByField() throws IOException {
        assumeFourKibPages();
        for (String name : NAMES) {
            Map<String, Object> manifest = manifest(goldenDirectory(), name);
            ByteBuffer file = ByteBuffer.wrap(Files.readAllBytes(goldenDirectory().resolve(name + ".jsyncq")))
                    .order(ByteOrder.LITTLE_ENDIAN);
            checkHeaderAndState(name, manifest, file);
            checkSlots(name, manifest, file);
            checkRecordsInTheRawBytes(name, manifest, file);
        }
    }

    private static long i64(ByteBuffer file, long offset) {
        return file.getLong(Math.toIntExact(offset));
    }

    private static int i32(ByteBuffer file, long offset) {
        return file.getInt(Math.toIntExact(offset));
    }

    private static void checkHeaderAndState(String name, Map<String, Object> manifest, ByteBuffer file) {
        Map<String, Object> header = object(manifest, "header");
        assertThat(i64(file, QueueLayout.MAGIC_OFFSET)).as(name + " magic").isEqualTo(QueueLayout.MAGIC);
        byte[] magic = new byte[8];
        file.get(0, magic);
        assertThat(new String(magic, 0, 6, StandardCharsets.US_ASCII)).isEqualTo(header.get("magic"));
        assertThat((long) i32(file, QueueLayout.VERSION_OFFSET)).as(name + " version").isEqualTo(number(header, "layout_version"));
        assertThat((long) i32(file, QueueLayout.FLAGS_OFFSET)).as(name + " flags").isEqualTo(number(header, "flags"));
        assertThat(i64(file, QueueLayout.CAPACITY_OFFSET)).as(name).isEqualTo(number(header, "capacity"));
        assertThat((long) i32(file, QueueLayout.MAX_READERS_OFFSET)).as(name).isEqualTo(number(header, "max_readers"));
        assertThat((long) i32(file, QueueLayout.READER_SLOT_LENGTH_OFFSET)).as(name)
                .isEqualTo(number(header, "reader_slot_length"));
        assertThat(i64(file, QueueLayout.READER_TABLE_OFFSET_OFFSET)).as(name)
                .isEqualTo(number(header, "reader_table_offset"));
        assertThat(i64(file, QueueLayout.MARKS_OFFSET_OFFSET)).as(name).isEqualTo(number(header, "marks_offset"));
        assertThat(i64(file, QueueLayout.RING_OFFSET_OFFSET)).as(name).isEqualTo(number(header, "ring_offset"));
        assertThat(i64(file, QueueLayout.FILE_LENGTH_OFFSET)).as(name).isEqualTo(number(header, "file_length"));
        assertThat((long) file.capacity()).as(name + " length").isEqualTo(number(header, "file_length"));
        assertThat((long) i32(file, QueueLayout.PAGE_SIZE_OFFSET)).as(name).isEqualTo(number(header, "page_size"));

        Map<String, Object> state = object(manifest, "state");
        assertThat(i64(file, QueueLayout.TAIL_POSITION_OFFSET)).as(name + " tail").isEqualTo(number(state, "tail"));
        assertThat((i32(file, QueueLayout.LIFECYCLE_OFFSET) & QueueLayout.LIFECYCLE_REMOVED) != 0).as(name)
                .isEqualTo(state.get("removed"));
        assertThat((long) i32(file, QueueLayout.REGISTRATION_EPOCH_OFFSET)).as(name + " epoch")
                .isEqualTo(number(state, "registration_epoch"));
        assertThat((long) i32(file, QueueLayout.SLOT_HIGH_WATER_OFFSET)).as(name + " high water")
                .isEqualTo(number(state, "slot_high_water"));
        assertThat(i64(file, QueueLayout.READERS_RECLAIMED_OFFSET)).as(name)
                .isEqualTo(number(state, "readers_reclaimed"));
        assertThat(i64(file, QueueLayout.HOLES_REPAIRED_OFFSET)).as(name).isEqualTo(number(state, "holes_repaired"));
        assertThat(i64(file, DeliveryGate.STATE_OFFSET)).as(name + " gate state")
                .isEqualTo(gateState(number(state, "gate_takes"), number(state, "gate_code")));
        assertThat(i64(file, DeliveryGate.START_OFFSET)).as(name + " gate start").isEqualTo(number(state, "gate_start"));
        assertThat(i64(file, DeliveryGate.END_OFFSET)).as(name + " gate end").isEqualTo(number(state, "gate_end"));
    }

    private static void checkSlots(String name, Map<String, Object> manifest, ByteBuffer file) {
        int maxReaders = (int) number(object(manifest, "header"), "max_readers");
        long highWater = number(object(manifest, "state"), "slot_high_water");
        List<Map<String, Object>> registrations = list(manifest, "registrations");
        for (int slot = 0; slot < maxReaders; slot++) {
            int at = (int) ReaderSlotLayout.slotOffset(slot);
            long word = file.getLong(at + (int) ReaderSlotLayout.SLOT_WORD_OFFSET);
            int s = slot;
            Optional<Map<String, Object>> registration = registrations.stream()
                    .filter(r -> number(r, "slot") == s).findFirst();
            String what = name + " slot " + slot;
            if (registration.isEmpty()) {
                assertThat(ReaderSlotLayout.state(word)).as(what + " is free").isEqualTo(ReaderSlotLayout.STATE_FREE);
                if (slot >= highWater) {
                    assertThat(word).as(what + " was never taken").isZero();
                }
                continue;
            }
            Map<String, Object> r = registration.get();
            int state = switch ((String) r.get("state")) {
                case "active" -> ReaderSlotLayout.STATE_ACTIVE;
                case "writer" -> ReaderSlotLayout.STATE_WRITER;
                case "evicted" -> ReaderSlotLayout.STATE_EVICTED;
                default -> throw new AssertionError("unknown state " + r.get("state"));
            };
            assertThat(ReaderSlotLayout.state(word)).as(what + " state").isEqualTo(state);
            assertThat((long) ReaderSlotLayout.generation(word)).as(what + " generation").isEqualTo(number(r, "generation"));
            assertThat(file.getLong(at + (int) ReaderSlotLayout.CURSOR_OFFSET)).as(what + " cursor")
                    .isEqualTo(number(r, "cursor"));
            for (int lane = 0; lane < ReaderSlotLayout.FLOOR_LANES; lane++) {
                assertThat(i64(file, ReaderSlotLayout.floorOffset(slot, lane))).as(what + " floor " + lane)
                        .isEqualTo(ReaderSlotLayout.NO_FLOOR);
            }
            byte[] kept = ((String) r.get("sender_in_slot")).getBytes(StandardCharsets.UTF_8);
            int lengthField = file.getInt(at + (int) ReaderSlotLayout.SENDER_LENGTH_OFFSET);
            assertThat(lengthField & ~ReaderSlotLayout.SENDER_CUT).as(what + " sender length").isEqualTo(kept.length);
            assertThat((lengthField & ReaderSlotLayout.SENDER_CUT) != 0).as(what + " sender cut").isEqualTo(r.get("sender_cut"));
            byte[] sender = new byte[kept.length];
            file.get(at + (int) ReaderSlotLayout.SENDER_OFFSET, sender);
            assertThat(sender).as(what + " sender").isEqualTo(kept);
            assertThat(((String) r.get("sender")).getBytes(StandardCharsets.UTF_8)).startsWith(kept);
            if (r.containsKey("screened_senders")) {
                @SuppressWarnings("unchecked") List<String> senders = (List<String>) r.get("screened_senders");
                @SuppressWarnings("unchecked") List<String> types = (List<String>) r.get("screened_types");
                assertThat(file.getInt(at + (int) ReaderSlotLayout.SUMMARY_OFFSET)).as(what + " summary")
                        .isEqualTo(senders.size() | types.size() << 8
                                | (senders.contains((String) r.get("sender")) ? ReaderSlotLayout.SUMMARY_SKIPS_OWN : 0));
                for (int i = 0; i < senders.size(); i++) {
                    assertThat(file.getLong(at + (int) ReaderSlotLayout.SENDER_HASHES_OFFSET + 8 * i))
                            .as(what + " sender hash " + i).isEqualTo(NameHash.of(senders.get(i).getBytes(StandardCharsets.UTF_8)));
                }
                for (int i = 0; i < types.size(); i++) {
                    assertThat(file.getLong(at + (int) ReaderSlotLayout.TYPE_HASHES_OFFSET + 8 * i))
                            .as(what + " type hash " + i).isEqualTo(NameHash.of(types.get(i).getBytes(StandardCharsets.UTF_8)));
                }
            }
        }
    }

    /** Walks the manifest's records in the file's bytes alone: marks by their stripes, records through the ring's end. */
    private static void checkRecordsInTheRawBytes(String name, Map<String, Object> manifest, ByteBuffer file) {
        Map<String, Object> header = object(manifest, "header");
        long capacity = number(header, "capacity");
        int marksOffset = (int) number(header, "marks_offset");
        int ringOffset = (int) number(header, "ring_offset");
        int marks = (int) (capacity / QueueLayout.GRANULE);
        long position = number(manifest, "read_from");
        for (Map<String, Object> record : list(manifest, "records")) {
            String what = name + " record at " + record.get("position");
            assertThat(number(record, "position")).as(what + " follows the one before").isEqualTo(position);
            long mark = i64(file, marksOffset + 8 * QueueLayout.markIndex(position, marks));
            switch ((String) record.get("mark")) {
                case "skip-granule" -> {
                    assertThat(mark).as(what + " mark").isEqualTo(position | QueueLayout.MARK_SKIP_GRANULE);
                    position += QueueLayout.GRANULE;
                    continue;
                }
                case "skip-record" -> assertThat(mark).as(what + " mark").isEqualTo(position | QueueLayout.MARK_SKIP_RECORD);
                case "message" -> assertThat(mark).as(what + " mark").isEqualTo(position);
                default -> throw new AssertionError("unknown mark " + record.get("mark"));
            }
            byte[] sender = ((String) record.get("sender")).getBytes(StandardCharsets.UTF_8);
            byte[] type = ((String) record.get("type")).getBytes(StandardCharsets.UTF_8);
            byte[] body = HEX.parseHex((String) record.get("body_hex"));
            int length = RecordLayout.HEADER_LENGTH + sender.length + type.length + body.length;
            byte[] bytes = new byte[length];
            for (int i = 0; i < length; i++) { // the ring wraps here; the library reads the second mapping
                bytes[i] = file.get(ringOffset + (int) ((position + i) & (capacity - 1)));
            }
            ByteBuffer r = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            assertThat(r.getInt(RecordLayout.LENGTH_OFFSET)).as(what + " length").isEqualTo(length);
            assertThat(r.getInt(RecordLayout.BODY_LENGTH_OFFSET)).as(what + " body length").isEqualTo(body.length);
            assertThat((long) r.getInt(RecordLayout.WRITER_GENERATION_OFFSET)).as(what).isEqualTo(number(record, "writer_generation"));
            assertThat((long) Short.toUnsignedInt(r.getShort(RecordLayout.WRITER_SLOT_OFFSET))).as(what)
                    .isEqualTo(number(record, "writer_slot"));
            assertThat(Byte.toUnsignedInt(r.get(RecordLayout.SENDER_LENGTH_OFFSET))).as(what).isEqualTo(sender.length);
            assertThat(Byte.toUnsignedInt(r.get(RecordLayout.TYPE_LENGTH_OFFSET))).as(what).isEqualTo(type.length);
            int at = RecordLayout.HEADER_LENGTH;
            assertThat(java.util.Arrays.copyOfRange(bytes, at, at + sender.length)).as(what + " sender").isEqualTo(sender);
            at += sender.length;
            assertThat(java.util.Arrays.copyOfRange(bytes, at, at + type.length)).as(what + " type").isEqualTo(type);
            at += type.length;
            assertThat(java.util.Arrays.copyOfRange(bytes, at, length)).as(what + " body").isEqualTo(body);
            position += RecordLayout.alignedLength(length);
        }
        assertThat(position).as(name + ": the records end at the tail").isEqualTo(number(object(manifest, "state"), "tail"));
    }

    @Test
    void everyVectorReadsThroughThisLibrarysAttachAndRecordViewAsTheManifestSays() throws IOException {
        assumeFourKibPages();
        for (String name : NAMES) {
            Map<String, Object> manifest = manifest(goldenDirectory(), name);
            copy(name);
            QueueFile file = QueueFile.attach(work, "golden"); // the header check accepts it
            try {
                SharedQueue queue = new SharedQueue(file);
                RecordView view = new RecordView(queue.memory(), queue.capacity());
                assertThat(queue.tailVolatile()).as(name).isEqualTo(number(object(manifest, "state"), "tail"));
                List<String> seen = new ArrayList<>();
                long position = number(manifest, "read_from");
                while (position < queue.tailVolatile()) {
                    long mark = queue.markAcquire(position);
                    assertThat(SharedQueue.isResolved(mark, position)).as(name + " at " + position).isTrue();
                    if (mark == (position | QueueLayout.MARK_SKIP_GRANULE)) {
                        seen.add(position + " skip-granule");
                        position += QueueLayout.GRANULE;
                        continue;
                    }
                    assertThat(view.wrap(queue.recordOffset(position))).as(name + " header at " + position).isTrue();
                    seen.add(position + (mark == position ? " message " : " skip-record ") + view.sender() + " "
                            + view.type() + " " + HEX.formatHex(view.bodyBytes()));
                    position += RecordLayout.alignedLength(view.recordLength());
                }
                List<String> expected = list(manifest, "records").stream().map(r -> r.get("mark").equals("skip-granule")
                        ? r.get("position") + " skip-granule"
                        : r.get("position") + " " + r.get("mark") + " " + r.get("sender") + " " + r.get("type") + " "
                          + r.get("body_hex")).toList();
                assertThat(seen).as(name).isEqualTo(expected);
            } finally {
                file.unmap();
            }
            Files.delete(work.resolve("golden"));
        }
    }

    @Test
    void aRegistrationOnEveryVectorReclaimsItsDeadOwnersAndPassesMessagesOverTheRingsEnd() throws IOException {
        assumeFourKibPages();
        for (String name : NAMES) {
            Map<String, Object> manifest = manifest(goldenDirectory(), name);
            copy(name);
            int dead = list(manifest, "registrations").size();
            try (SyncQueue reader = SyncQueue.builder("golden").directory(work).sender("checker-reader").open();
                 SyncQueue writer = SyncQueue.builder("golden").directory(work).sender("checker-writer").writeOnly().open()) {
                try (QueueInspector inspector = QueueInspector.attach(work, "golden")) {
                    assertThat(inspector.readersReclaimed()).as(name + ": every owner is dead in a copy").isEqualTo(dead);
                    assertThat(inspector.registrations()).as(name).isEqualTo(2);
                    assertThat(inspector.holesRepaired()).as(name).isEqualTo(number(object(manifest, "state"), "holes_repaired"));
                    assertThat(inspector.deliveryGate()).as(name + ": no gate, or a dead holder's, ended").isEqualTo(-1);
                }
                checkGateAfterReclaim(name, manifest, work.resolve("golden"));
                for (int i = 0; i < 12; i++) { // 12 x 448 bytes: past the ring's end again, from any tail
                    byte[] body = new byte[400];
                    java.util.Arrays.fill(body, (byte) i);
                    writer.append("after", body, Duration.ofSeconds(5));
                    Optional<Message> got = reader.pop(Duration.ofSeconds(5));
                    assertThat(got).as(name + " message " + i).isPresent();
                    assertThat(got.get().sender()).isEqualTo("checker-writer");
                    assertThat(got.get().body()).isEqualTo(body);
                }
            }
            Files.deleteIfExists(work.resolve("golden"));
            Files.deleteIfExists(work.resolve(".golden.jsyncq-lock"));
        }
    }

    /** The gate's state word: the count of takes in the high half, the code in the low one. */
    private static long gateState(long takes, long code) {
        return takes << 32 | (code & 0xFFFF_FFFFL);
    }

    /** A dead holder's gate ended when its slot was freed: the window closed at the holder's read position. */
    private static void checkGateAfterReclaim(String name, Map<String, Object> manifest, Path copy) throws IOException {
        ByteBuffer file = ByteBuffer.wrap(Files.readAllBytes(copy)).order(ByteOrder.LITTLE_ENDIAN);
        Map<String, Object> state = object(manifest, "state");
        long takes = number(state, "gate_takes");
        long code = number(state, "gate_code");
        if (code <= 0) {
            assertThat(i64(file, DeliveryGate.STATE_OFFSET)).as(name + " gate state").isEqualTo(gateState(takes, code));
            assertThat(i64(file, DeliveryGate.END_OFFSET)).as(name + " gate end").isEqualTo(number(state, "gate_end"));
            return;
        }
        long holderCursor = list(manifest, "registrations").stream().filter(r -> number(r, "slot") == code - 1)
                .findFirst().map(r -> number(r, "cursor")).orElseThrow();
        assertThat(i64(file, DeliveryGate.STATE_OFFSET)).as(name + " gate ended").isEqualTo(gateState(takes, -code));
        assertThat(i64(file, DeliveryGate.START_OFFSET)).as(name + " gate start").isEqualTo(number(state, "gate_start"));
        assertThat(i64(file, DeliveryGate.END_OFFSET)).as(name + " gate end: the holder's read position")
                .isEqualTo(holderCursor);
    }

    // ------------------------------------------------------------------------------------------- identity

    /** Every byte but the ranges the manifest lists as ignored. */
    private static void assertSameBytesBut(String what, byte[] expected, byte[] actual, List<Map<String, Object>> ignored) {
        assertThat(actual.length).as(what + " length").isEqualTo(expected.length);
        boolean[] skip = new boolean[expected.length];
        for (Map<String, Object> range : ignored) {
            for (long i = number(range, "offset"); i < number(range, "offset") + number(range, "length"); i++) {
                skip[(int) i] = true;
            }
        }
        List<String> differences = new ArrayList<>();
        for (int i = 0; i < expected.length; i++) {
            if (!skip[i] && expected[i] != actual[i] && differences.size() < 20) {
                differences.add(String.format("offset %d: %02x != %02x", i, expected[i], actual[i]));
            }
        }
        assertThat(differences).as(what + ": bytes that differ (if the layout changed on purpose, regenerate the vectors: "
                + "see testdata/golden/README.md)").isEmpty();
    }

    @Test
    void theJavaGeneratorWritesTheCommittedJavaVectorsAgain() throws IOException {
        assumeFourKibPages();
        Path fresh = work.resolve("fresh");
        Files.createDirectories(fresh);
        try {
            GoldenVectors.write(fresh);
            for (String name : List.of("java-records", "java-repairs", "java-gate")) {
                Map<String, Object> committed = manifest(goldenDirectory(), name);
                assertThat(manifest(fresh, name)).as(name + ".json").isEqualTo(committed);
                assertSameBytesBut(name, Files.readAllBytes(goldenDirectory().resolve(name + ".jsyncq")),
                        Files.readAllBytes(fresh.resolve(name + ".jsyncq")), list(committed, "ignored_bytes"));
            }
        } finally {
            try (Stream<Path> entries = Files.list(fresh)) {
                for (Path entry : entries.toList()) {
                    Files.delete(entry);
                }
            }
            Files.delete(fresh);
        }
    }

    @Test
    void theJavaAndPythonVectorsOfTheSameStepsAreTheSameBytes() throws IOException {
        assumeFourKibPages();
        for (String steps : List.of("records", "repairs", "gate")) {
            Map<String, Object> java = manifest(goldenDirectory(), "java-" + steps);
            Map<String, Object> python = manifest(goldenDirectory(), "python-" + steps);
            for (String own : List.of("name", "made_by", "generator", "file")) {
                java.remove(own);
                python.remove(own);
            }
            assertThat(python).as(steps + " manifests").isEqualTo(java);
            assertSameBytesBut(steps, Files.readAllBytes(goldenDirectory().resolve("java-" + steps + ".jsyncq")),
                    Files.readAllBytes(goldenDirectory().resolve("python-" + steps + ".jsyncq")), list(java, "ignored_bytes"));
        }
    }

    // ------------------------------------------------------------------------------------------- versions

    @Test
    void aQueueOfAnotherLayoutVersionIsRefusedWithAClearError() throws IOException {
        for (int version : new int[]{QueueLayout.LAYOUT_VERSION - 1, QueueLayout.LAYOUT_VERSION + 1}) {
            Path file = copy("python-records");
            ByteBuffer header = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, version);
            try (var channel = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
                channel.write(header, QueueLayout.VERSION_OFFSET);
            }
            assertThatThrownBy(() -> SyncQueue.builder("golden").directory(work).sender("checker").open())
                    .isInstanceOf(IncompatibleQueueException.class)
                    .hasMessageContaining("layout version " + version)
                    .hasMessageContaining("reads version " + QueueLayout.LAYOUT_VERSION)
                    .hasMessageContaining("re-create the queue");
            assertThat(Files.exists(file)).as("a refused file is left alone").isTrue();
            Files.delete(file);
            Files.deleteIfExists(work.resolve(".golden.jsyncq-lock"));
        }
    }
}
