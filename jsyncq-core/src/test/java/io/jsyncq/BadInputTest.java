package io.jsyncq;

import io.jsyncq.testing.ChildJvm;
import io.jsyncq.testing.TestQueues;
import io.jsyncq.testing.TryJoin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every refusal has a named exception and a message that says what to do; nothing is touched first. */
@Timeout(60)
class BadInputTest {

    private final String name = TestQueues.uniqueName("bad-input");

    @AfterEach
    void removeLeftovers() {
        TestQueues.deleteIfLeft(name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "../x", "a/b", ".hidden", "..", "nul\0byte", "tab\tname", "bell\u0007", "sp ace", "ünï"})
    void invalidQueueNamesAreRefusedBeforeAnyFileIsTouched(String badName) throws IOException {
        Path parent = Files.createTempDirectory(TestQueues.SHM, "jsyncq-test-names-");
        Path directory = Files.createDirectory(parent.resolve("queues"));
        try {
            assertThatThrownBy(() -> SyncQueue.builder(badName).directory(directory).size(4096).create())
                    .isInstanceOf(InvalidNameException.class).hasMessageContaining("queue name");
            assertThatThrownBy(() -> SyncQueue.builder(badName).directory(directory).open())
                    .isInstanceOf(InvalidNameException.class);
            assertThat(listNames(directory)).isEmpty();
            assertThat(listNames(parent)).containsExactly("queues");
        } finally {
            Files.delete(directory);
            Files.delete(parent);
        }
    }

    /**
     * In a world-writable directory another user can create a file under a queue's name before its owner
     * does. A queue file of another user that is open to everyone is refused; a group-only one (a team
     * mate's group-access queue) is accepted. Needs root, to give the file away.
     */
    @Test
    void aWorldOpenQueueFileOfAnotherUserIsRefusedAsPossiblyPlanted() throws IOException {
        SyncQueue.builder(name).size(4096).keep(true).create().close();
        Path file = TestQueues.SHM.resolve(name);
        try {
            Files.setAttribute(file, "unix:uid", 12345);
        } catch (IOException | UnsupportedOperationException | SecurityException notRoot) {
            org.junit.jupiter.api.Assumptions.abort("needs root to give a file to another user");
        }
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-rw-"));
        assertThatThrownBy(() -> SyncQueue.open(name)).isInstanceOf(SyncQueueException.class)
                .hasMessageContaining("belongs to another user (uid 12345)").hasMessageContaining("planted");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw----"));
        try (SyncQueue queue = SyncQueue.open(name)) {
            assertThat(queue.capacity()).isEqualTo(4096);
        }
    }

    @Test
    void aNameOf201CharactersIsRefusedAnd200AreAccepted() {
        assertThatThrownBy(() -> SyncQueue.create("n".repeat(201), 4096)).isInstanceOf(InvalidNameException.class)
                .hasMessageContaining("201 characters");
        String longest = (name + "-" + "n".repeat(200)).substring(0, 200);
        try (SyncQueue queue = SyncQueue.create(longest, 4096)) {
            assertThat(queue.name()).hasSize(200);
        } finally {
            TestQueues.deleteIfLeft(longest);
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {0, -1, -4096, 1000, 4095, 6000, 1L << 31, Long.MAX_VALUE})
    void sizesTheFormatCannotHoldAreRefused(long size) {
        assertThatThrownBy(() -> SyncQueue.create(name, size)).isInstanceOf(InvalidSizeException.class)
                .hasMessageContaining("power of two");
        assertThat(TestQueues.exists(name)).isFalse();
    }

    @Test
    void maxReadersOutOfRangeIsRefused() {
        assertThatThrownBy(() -> SyncQueue.builder(name).maxReaders(0).create()).isInstanceOf(InvalidSizeException.class);
        assertThatThrownBy(() -> SyncQueue.builder(name).maxReaders(100_000).create()).isInstanceOf(InvalidSizeException.class);
    }

    /** On a 1 MiB tmpfs of its own (a mount namespace: needs root), a 4 MiB queue cannot be created. */
    @Test
    void aSizeLargerThanTheFreeSpaceIsRefusedClearly() throws IOException {
        Path small = Files.createTempDirectory("jsyncq-test-small-");
        try (ChildJvm child = ChildJvm.startUnder(List.of("unshare", "--mount", "sh", "-c",
                "mount -t tmpfs -o size=1m tmpfs '" + small + "' && exec \"$0\" \"$@\""),
                TryJoin.class, "create", name, small.toString(), Long.toString(4 << 20))) {
            child.waitFor(Duration.ofSeconds(60));
            org.junit.jupiter.api.Assumptions.assumeTrue(child.stdout().startsWith("OK") || child.stdout().startsWith("FAILED"),
                    "needs root to mount a small tmpfs: " + child.stderr());
            assertThat(child.stdout()).startsWith("FAILED InsufficientSpaceException: ")
                    .contains("but only 1048576 are free").contains("free space there or choose a smaller size");
        } finally {
            Files.deleteIfExists(small);
        }
    }

    /** Another user (setpriv to nobody: needs root) is told whose file it is and what to do, not an errno. */
    @Test
    void aQueueOfAnotherUserThatGrantsNothingIsRefusedWithItsOwnerAndMode() {
        try (SyncQueue owned = SyncQueue.builder(name).size(4096).create();
             ChildJvm child = ChildJvm.startUnder(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"),
                     TryJoin.class, "open", name, TestQueues.SHM.toString())) {
            child.waitFor(Duration.ofSeconds(60));
            org.junit.jupiter.api.Assumptions.assumeTrue(child.stdout().startsWith("OK") || child.stdout().startsWith("FAILED"),
                    "needs root to run a child as another user: " + child.stderr());
            assertThat(child.stdout()).startsWith("FAILED QueueAccessDeniedException: permission denied for the ")
                    .contains("(uid 0) with mode 0", "this process runs as uid 65534", "group access")
                    .doesNotContain("errno");
            assertThat(owned.capacity()).isEqualTo(4096);
        }
    }

    /** Messages carry a sender name of up to 255 bytes whole; the slot (what stat shows) keeps 96, cut at a character. */
    @Test
    void aLongSenderNameIsWholeInMessagesAndCutAtACharacterInTheReaderTable() {
        String sender = "é".repeat(100); // 200 UTF-8 bytes
        try (SyncQueue writer = SyncQueue.builder(name).size(4096).sender(sender).create();
             SyncQueue reader = SyncQueue.builder(name).sender("r").open()) {
            writer.append("t", "hello");
            assertThat(reader.pop().map(Message::sender)).contains(sender);
            ReaderInfo info = QueueAdmin.inspect(SyncQueue.defaultDirectory(), name).readers().stream()
                    .filter(r -> r.sender().startsWith("é")).findFirst().orElseThrow();
            assertThat(info.sender()).isEqualTo("é".repeat(48) + "…");
        }
    }

    @Test
    void aDirectoryUnderTheQueueNameIsRefusedAsNotAQueue() throws IOException {
        Path directory = TestQueues.SHM.resolve(name);
        Files.createDirectory(directory);
        try {
            assertThatThrownBy(() -> SyncQueue.open(name)).isInstanceOf(IncompatibleQueueException.class)
                    .hasMessageContaining("is a directory").hasMessageNotContaining("errno");
        } finally {
            Files.delete(directory);
        }
    }

    @Test
    void overLongSenderAndTypeNamesAreRefused() {
        assertThatThrownBy(() -> SyncQueue.builder(name).sender("s".repeat(256)).create())
                .isInstanceOf(InvalidNameException.class).hasMessageContaining("sender");
        assertThat(TestQueues.exists(name)).isFalse();
        try (SyncQueue queue = SyncQueue.create(name, 4096)) {
            assertThatThrownBy(() -> queue.append("t".repeat(256), "body"))
                    .isInstanceOf(InvalidNameException.class).hasMessageContaining("message type");
            queue.append("t".repeat(255), "body");
        }
    }

    @Test
    void attachingToAMissingQueueSaysSo() {
        assertThatThrownBy(() -> SyncQueue.open(name)).isInstanceOf(NoSuchQueueException.class)
                .hasMessageContaining(name).hasMessageContaining("create it");
    }

    @Test
    void creatingAnExistingQueueSaysSo() {
        try (SyncQueue first = SyncQueue.create(name, 4096)) {
            assertThatThrownBy(() -> SyncQueue.create(name, 4096)).isInstanceOf(QueueExistsException.class)
                    .hasMessageContaining("already exists");
            first.append("t", "still works");
        }
    }

    @Test
    void aFileThatIsNotAQueueIsRefused() throws IOException {
        Path file = TestQueues.SHM.resolve(name);
        Files.write(file, "just some text, not a queue".repeat(400).getBytes());
        assertThatThrownBy(() -> SyncQueue.open(name)).isInstanceOf(IncompatibleQueueException.class)
                .hasMessageContaining("not a jsyncq queue");
        Files.write(file, new byte[10]);
        assertThatThrownBy(() -> SyncQueue.open(name)).isInstanceOf(IncompatibleQueueException.class)
                .hasMessageContaining("shorter than a queue header");
        Files.write(file, new byte[0]);
        assertThatThrownBy(() -> SyncQueue.open(name)).isInstanceOf(IncompatibleQueueException.class);
    }

    /**
     * Counters no sound file can hold: a writer refuses them as damage instead of lapping unread records or
     * reporting negative room (the same checks as the Python package's).
     */
    @Test
    void aHeadCacheAheadOfTheTailOrATailARingAheadOfEveryReaderIsRefusedAsDamage() throws IOException {
        long tailOffset = io.jsyncq.internal.QueueLayout.TAIL_POSITION_OFFSET;
        long headOffset = io.jsyncq.internal.QueueLayout.HEAD_CACHE_OFFSET;
        for (long[] damage : new long[][] {{headOffset, 1L << 20}, {tailOffset, 3 * 4096}, {tailOffset, Long.MAX_VALUE & -64}}) {
            try (SyncQueue reader = SyncQueue.builder(name).size(4096).sender("reader").create()) {
                reader.append("t", "x"); // the reader's own: it filters itself, but its position holds it
                try (var channel = java.nio.channels.FileChannel.open(TestQueues.SHM.resolve(name),
                        java.nio.file.StandardOpenOption.WRITE)) {
                    channel.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, damage[1]), damage[0]);
                }
                assertThatThrownBy(() -> reader.append("t", new byte[100]))
                        .as("damage %d at %d", damage[1], damage[0])
                        .isInstanceOf(IncompatibleQueueException.class)
                        .hasMessageContaining("damaged");
            }
            TestQueues.deleteIfLeft(name);
        }
    }

    @Test
    void aQueueOfAnotherLayoutVersionOrWithAWrongLengthIsRefused() throws IOException {
        try (SyncQueue queue = SyncQueue.builder(name).size(4096).keep(true).create()) {
            queue.append("t", "x");
        }
        Path file = TestQueues.SHM.resolve(name);
        byte[] original = Files.readAllBytes(file);

        byte[] otherVersion = original.clone();
        ByteBuffer.wrap(otherVersion).order(ByteOrder.LITTLE_ENDIAN).putInt(8, 99);
        Files.write(file, otherVersion);
        assertThatThrownBy(() -> SyncQueue.open(name)).isInstanceOf(IncompatibleQueueException.class)
                .hasMessageContaining("layout version 99");

        Files.write(file, java.util.Arrays.copyOf(original, original.length - 4096));
        assertThatThrownBy(() -> SyncQueue.open(name)).isInstanceOf(IncompatibleQueueException.class)
                .hasMessageContaining("damaged");

        byte[] hugeCapacity = original.clone();
        ByteBuffer.wrap(hugeCapacity).order(ByteOrder.LITTLE_ENDIAN).putLong(16, 1L << 40);
        Files.write(file, hugeCapacity);
        assertThatThrownBy(() -> SyncQueue.open(name)).isInstanceOf(IncompatibleQueueException.class)
                .hasMessageContaining("damaged");
    }

    @Test
    void aSymbolicLinkOrAFifoAtTheNameIsRefusedAndOpenOrCreateDoesNotLoop() throws Exception {
        Path link = TestQueues.SHM.resolve(name);
        Files.createSymbolicLink(link, TestQueues.SHM.resolve(name + "-nowhere"));
        assertThatThrownBy(() -> SyncQueue.open(name)).isInstanceOf(IncompatibleQueueException.class)
                .hasMessageContaining("symbolic link");
        assertThatThrownBy(() -> SyncQueue.builder(name).openOrCreate()).isInstanceOf(SyncQueueException.class);
        Files.delete(link);
        Process mkfifo = new ProcessBuilder("mkfifo", link.toString()).start();
        assertThat(mkfifo.waitFor()).isZero();
        assertThatThrownBy(() -> SyncQueue.open(name)).isInstanceOf(IncompatibleQueueException.class)
                .hasMessageContaining("not a regular file");
    }

    @Test
    void queueFilesAreOwnerOnlyUnlessGroupAccessIsAsked() throws IOException {
        try (SyncQueue queue = SyncQueue.create(name, 4096)) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(TestQueues.SHM.resolve(name))))
                    .isEqualTo("rw-------");
        }
        try (SyncQueue queue = SyncQueue.builder(name).size(4096).groupAccess(true).create()) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(TestQueues.SHM.resolve(name))))
                    .isEqualTo("rw-rw----");
        }
    }

    @Test
    void negativeTimeoutsAreRefused() {
        try (SyncQueue queue = SyncQueue.create(name, 4096)) {
            assertThatThrownBy(() -> queue.pop(java.time.Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class);
        }
    }

    private static java.util.List<String> listNames(Path directory) throws IOException {
        try (var files = Files.list(directory)) {
            return files.map(p -> p.getFileName().toString()).toList();
        }
    }
}
