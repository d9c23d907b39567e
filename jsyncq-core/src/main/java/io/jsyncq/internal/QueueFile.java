package io.jsyncq.internal;

import io.jsyncq.IncompatibleQueueException;
import io.jsyncq.InsufficientSpaceException;
import io.jsyncq.InvalidSizeException;
import io.jsyncq.NoSuchQueueException;
import io.jsyncq.QueueExistsException;
import io.jsyncq.SyncQueueException;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.LinkOption;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

import static io.jsyncq.internal.QueueLayout.*;

/**
 * A queue file and its mapping: creating one atomically, attaching to one after checking every field of
 * its header, and mapping it so that the ring appears twice, back to back.
 *
 * <p>A new queue is built under a hidden temporary name, filled (so that tmpfs has allocated every page
 * and a full {@code /dev/shm} fails now with a clear error, not later with SIGBUS), given its header, and
 * only then linked under its real name, so no process ever sees a half-initialised queue. Creating,
 * attaching and removing happen under the name's {@link NameLock}.
 *
 * <p>The file stays open while it is mapped: the open file description carries this process's reader
 * slot owner lock ({@link SlotLocks}), which closing it, or dying, releases.
 */
public final class QueueFile {

    private static final int ZERO_FILL_CHUNK = 1 << 20;
    /** Hidden name of a queue file being built: prefix, queue name, pid, then a nonce, dash-separated. */
    private static final String BUILDING_PREFIX = ".jsyncq-creating-";

    private final Path path;
    private final int fd;
    private final Arena arena;
    private final MemorySegment memory;
    private final QueueGeometry geometry;

    private QueueFile(Path path, int fd, Arena arena, MemorySegment memory, QueueGeometry geometry) {
        this.path = path;
        this.fd = fd;
        this.arena = arena;
        this.memory = memory;
        this.geometry = geometry;
    }

    /** The whole mapping: the file, then the ring's second mapping. */
    public MemorySegment memory() {
        return memory;
    }

    public Path path() {
        return path;
    }

    public QueueGeometry geometry() {
        return geometry;
    }

    /** The open file, whose description holds this process's owner locks. */
    public int fd() {
        return fd;
    }

    /**
     * Unmaps and closes the file, releasing any owner lock taken through it. Any later access through
     * {@link #memory()}, from any thread, fails instead of crashing.
     */
    public void unmap() {
        try {
            arena.close();
        } finally {
            Posix.close(fd);
        }
    }

    /**
     * Unmaps this mapping but keeps the file open, with the owner locks taken through it, and returns a
     * fresh mapping of the same open file. When this returns, no thread of this process is inside an access
     * through {@link #memory()}, and every later one fails ({@link IllegalStateException}) instead of
     * crashing: the shared arena's close waits for accesses in progress. So a registration can be closed
     * from any thread without counting the appends and pops in progress, and then leave through the
     * returned mapping, knowing that nothing it owned is still being written.
     */
    public QueueFile unmapAndRemap() {
        arena.close();
        return mapFd(path, fd, geometry);
    }

    /** False once this mapping is unmapped: an access that failed then failed because of it. */
    public boolean isMapped() {
        return arena.scope().isAlive();
    }

    /** Removes the name; processes that have the file mapped keep using it until they unmap. */
    public void unlink() {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            throw new SyncQueueException("could not remove queue file " + path + ": " + e.getMessage(), e);
        }
    }

    public static void validateSizes(long capacity, int maxReaders) {
        if (!QueueGeometry.isValidCapacity(capacity)) {
            throw new InvalidSizeException("queue size " + capacity + " is not allowed: use a power of two from "
                    + QueueGeometry.minCapacity() + " to " + MAX_CAPACITY + " (1g) bytes, such as 64k or 1m");
        }
        if (maxReaders < 1 || maxReaders > MAX_READERS_LIMIT) {
            throw new InvalidSizeException("max readers " + maxReaders + " is not allowed: use 1 to "
                    + MAX_READERS_LIMIT);
        }
    }

    /** Creates the queue file {@code name}; the caller holds the name's {@link NameLock}. */
    public static QueueFile create(Path directory, String name, long capacity, int maxReaders, int flags,
                                   boolean groupAccess) {
        validateSizes(capacity, maxReaders);
        Path path = directory.resolve(name);
        QueueGeometry geometry = QueueGeometry.of(capacity, maxReaders);
        long fileLength = geometry.fileLength();
        requireFreeSpace(directory, fileLength);
        removeAbandonedBuilds(directory, name);
        if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            QueueFile existing = attachUnderLock(directory, name); // null: a dead remover's leftover, now gone
            if (existing != null) {
                existing.unmap();
                throw new QueueExistsException("queue '" + name + "' already exists (" + path
                        + "); attach to it, or remove it first");
            }
        }
        Path building = directory.resolve(BUILDING_PREFIX + name + "-" + ProcessHandle.current().pid()
                + "-" + Long.toHexString(System.nanoTime()));
        try {
            Set<PosixFilePermission> permissions = PosixFilePermissions.fromString(groupAccess ? "rw-rw----" : "rw-------");
            Files.createFile(building, PosixFilePermissions.asFileAttribute(permissions));
            Files.setPosixFilePermissions(building, permissions); // createFile's mode is reduced by the umask
            fillWithZeros(building, fileLength);
            QueueFile file = map(building, geometry);
            try {
                file.writeHeader(flags);
                Files.createLink(path, building);
                LifecycleEvent.record(path, true, geometry.capacity());
                return new QueueFile(path, file.fd, file.arena, file.memory, geometry);
            } catch (FileAlreadyExistsException e) {
                file.unmap();
                throw new QueueExistsException("queue '" + name + "' already exists (" + path
                        + "); attach to it, or remove it first");
            } catch (RuntimeException | IOException e) {
                file.unmap();
                throw e;
            }
        } catch (IOException e) {
            throw new SyncQueueException("could not create queue file " + path + ": " + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(building);
            } catch (IOException ignored) {
                // Only a hidden name is left behind; the queue itself is complete or absent.
            }
        }
    }

    /**
     * Attaches to the queue {@code name} for a process that holds its {@link NameLock}, or returns null if
     * there is none. A queue marked removed can only be one whose remover died between marking and
     * unlinking it (both happen under the lock): its name is removed here.
     */
    public static QueueFile attachUnderLock(Path directory, String name) {
        QueueFile file;
        try {
            file = attach(directory, name);
        } catch (NoSuchQueueException absent) {
            return null;
        }
        if ((file.memory.get(ValueLayout.JAVA_INT, LIFECYCLE_OFFSET) & LIFECYCLE_REMOVED) != 0) {
            try {
                file.unlink();
            } finally {
                file.unmap();
            }
            return null;
        }
        return file;
    }

    public static QueueFile attach(Path directory, String name) {
        Path path = directory.resolve(name);
        int fd;
        try {
            fd = Posix.open(path.toString(), Posix.O_RDWR | Posix.O_CLOEXEC | Posix.O_NOFOLLOW);
        } catch (PosixException e) {
            if (e.errno() == Posix.ENOENT) {
                throw new NoSuchQueueException("no queue named '" + name + "' in " + directory
                        + "; create it first");
            }
            if (e.errno() == Posix.ELOOP) {
                throw notAQueue(path, "it is a symbolic link; remove it");
            }
            if (e.errno() == Posix.EISDIR) {
                throw notAQueue(path, "it is a directory; remove or rename it, or choose another queue name");
            }
            if (e.errno() == Posix.EACCES || e.errno() == Posix.EPERM) {
                throw AccessDenied.of("queue file", path, e);
            }
            throw new SyncQueueException("could not open queue file " + path + ": " + e.describe(), e);
        }
        boolean mapped = false;
        try {
            requireTrustedFile(path, fd);
            long fileLength = Posix.fileLength(fd);
            QueueFile file = mapFd(path, fd, readAndCheckHeader(path, fd, fileLength));
            mapped = true;
            return file;
        } catch (PosixException e) {
            throw new SyncQueueException("could not read or map queue file " + path + ": " + e.describe(), e);
        } finally {
            if (!mapped) {
                Posix.close(fd);
            }
        }
    }

    /**
     * Refuses what is not a regular file, and a file another user could have planted: in a world-writable
     * directory such as {@code /dev/shm}, anyone can create a file under a queue's name before its owner does.
     * A file of another user is accepted only when it grants nothing to others (a group-access queue of a
     * team mate is mode 0660).
     */
    private static void requireTrustedFile(Path path, int fd) {
        Path open = Path.of("/proc/self/fd/" + fd);
        if (!Files.isRegularFile(open)) {
            throw notAQueue(path, "it is not a regular file; remove or rename it, or choose another queue name");
        }
        try {
            int owner = (Integer) Files.getAttribute(open, "unix:uid");
            int mode = (Integer) Files.getAttribute(open, "unix:mode");
            if (owner != Posix.geteuid() && owner != 0 && (mode & 0007) != 0) {
                throw new SyncQueueException("queue file " + path + " belongs to another user (uid " + owner
                        + ") and is open to everyone (mode " + Integer.toOctalString(mode & 0777) + "): it may "
                        + "have been planted. Remove it, or ask its owner to create the queue with group access");
            }
        } catch (IOException | UnsupportedOperationException e) {
            // Without the unix attribute view the mode cannot be checked; the header checks still apply.
        }
    }

    /** Validates the static header before anything else is trusted. */
    private static QueueGeometry readAndCheckHeader(Path path, int fd, long fileLength) {
        if (fileLength < HEADER_LENGTH) {
            throw notAQueue(path, "it is " + fileLength + " bytes long, shorter than a queue header; remove it, "
                    + "or choose another queue name");
        }
        long address = Posix.mmap(0, HEADER_LENGTH, Posix.PROT_READ_WRITE, Posix.MAP_SHARED, fd, 0);
        try {
            MemorySegment header = MemorySegment.ofAddress(address).reinterpret(HEADER_LENGTH);
            long magic = header.get(ValueLayout.JAVA_LONG, MAGIC_OFFSET);
            if (magic != MAGIC) {
                throw notAQueue(path, "it does not start with the jsyncq magic number; remove or "
                        + "rename it, or choose another queue name");
            }
            int version = header.get(ValueLayout.JAVA_INT, VERSION_OFFSET);
            if (version != LAYOUT_VERSION) {
                throw new IncompatibleQueueException("queue file " + path + " has layout version " + version
                        + "; this jsyncq reads version " + LAYOUT_VERSION
                        + ". Use the jsyncq release that created it, or remove and re-create the queue");
            }
            long capacity = header.get(ValueLayout.JAVA_LONG, CAPACITY_OFFSET);
            int maxReaders = header.get(ValueLayout.JAVA_INT, MAX_READERS_OFFSET);
            int pageSize = header.get(ValueLayout.JAVA_INT, PAGE_SIZE_OFFSET);
            if (!QueueGeometry.isValidCapacity(capacity) || maxReaders < 1 || maxReaders > MAX_READERS_LIMIT) {
                throw damaged(path, "its header holds capacity " + capacity + " and max readers " + maxReaders);
            }
            if (pageSize != QueueGeometry.SYSTEM_PAGE_SIZE) {
                throw new IncompatibleQueueException("queue file " + path + " was laid out for " + pageSize
                        + "-byte pages but this machine's pages are " + QueueGeometry.SYSTEM_PAGE_SIZE
                        + " bytes; create the queue again on this machine");
            }
            QueueGeometry geometry = new QueueGeometry(capacity, maxReaders, pageSize);
            long expectedLength = geometry.fileLength();
            boolean layoutMatches = header.get(ValueLayout.JAVA_INT, READER_SLOT_LENGTH_OFFSET) == ReaderSlotLayout.SLOT_LENGTH
                    && header.get(ValueLayout.JAVA_LONG, READER_TABLE_OFFSET_OFFSET) == READER_TABLE_OFFSET
                    && header.get(ValueLayout.JAVA_LONG, MARKS_OFFSET_OFFSET) == geometry.marksOffset()
                    && header.get(ValueLayout.JAVA_LONG, RING_OFFSET_OFFSET) == geometry.ringOffset()
                    && header.get(ValueLayout.JAVA_LONG, FILE_LENGTH_OFFSET) == expectedLength;
            if (!layoutMatches) {
                throw damaged(path, "the offsets in its header do not match its sizes");
            }
            if (fileLength != expectedLength) {
                throw damaged(path, "it is " + fileLength + " bytes long but its header says " + expectedLength);
            }
            return geometry;
        } finally {
            Posix.munmap(address, HEADER_LENGTH);
        }
    }

    private static QueueFile map(Path path, QueueGeometry geometry) {
        int fd = Posix.open(path.toString(), Posix.O_RDWR | Posix.O_CLOEXEC | Posix.O_NOFOLLOW);
        try {
            return mapFd(path, fd, geometry);
        } catch (RuntimeException | Error e) {
            Posix.close(fd);
            throw e;
        }
    }

    /**
     * Reserves address space for the file plus one more ring, then maps the file at the start and the ring
     * again right after it. A record that runs off the end of the first ring continues, byte for byte, in
     * the second: writers copy and readers view every record as one contiguous range.
     */
    private static QueueFile mapFd(Path path, int fd, QueueGeometry geometry) {
        long capacity = geometry.capacity();
        long fileLength = geometry.fileLength();
        long ringOffset = geometry.ringOffset();
        long totalLength = fileLength + capacity;
        long base;
        try {
            base = Posix.mmap(0, totalLength, Posix.PROT_NONE,
                    Posix.MAP_PRIVATE | Posix.MAP_ANONYMOUS | Posix.MAP_NORESERVE, -1, 0);
        } catch (PosixException e) {
            throw new SyncQueueException("could not reserve " + totalLength + " bytes of address space for queue "
                    + path + ": " + e.describe(), e);
        }
        try {
            Posix.mmap(base, fileLength, Posix.PROT_READ_WRITE, Posix.MAP_SHARED | Posix.MAP_FIXED, fd, 0);
            Posix.mmap(base + fileLength, capacity, Posix.PROT_READ_WRITE, Posix.MAP_SHARED | Posix.MAP_FIXED,
                    fd, ringOffset);
        } catch (PosixException e) {
            Posix.munmap(base, totalLength);
            throw new SyncQueueException("could not map queue file " + path + ": " + e.describe(), e);
        }
        Arena arena = Arena.ofShared();
        MemorySegment memory = MemorySegment.ofAddress(base)
                .reinterpret(totalLength, arena, ignored -> Posix.munmap(base, totalLength));
        return new QueueFile(path, fd, arena, memory, geometry);
    }

    /** Writes the static header and the initial state, before the file has a name. */
    private void writeHeader(int flags) {
        memory.asSlice(geometry.marksOffset(), geometry.marksLength()).fill((byte) 0xFF); // every mark = NO_MARK
        memory.set(ValueLayout.JAVA_INT, VERSION_OFFSET, LAYOUT_VERSION);
        memory.set(ValueLayout.JAVA_INT, FLAGS_OFFSET, flags);
        memory.set(ValueLayout.JAVA_LONG, CAPACITY_OFFSET, geometry.capacity());
        memory.set(ValueLayout.JAVA_INT, MAX_READERS_OFFSET, geometry.maxReaders());
        memory.set(ValueLayout.JAVA_INT, READER_SLOT_LENGTH_OFFSET, ReaderSlotLayout.SLOT_LENGTH);
        memory.set(ValueLayout.JAVA_LONG, READER_TABLE_OFFSET_OFFSET, READER_TABLE_OFFSET);
        memory.set(ValueLayout.JAVA_LONG, MARKS_OFFSET_OFFSET, geometry.marksOffset());
        memory.set(ValueLayout.JAVA_LONG, RING_OFFSET_OFFSET, geometry.ringOffset());
        memory.set(ValueLayout.JAVA_LONG, FILE_LENGTH_OFFSET, geometry.fileLength());
        memory.set(ValueLayout.JAVA_INT, PAGE_SIZE_OFFSET, geometry.pageSize());
        memory.set(ValueLayout.JAVA_LONG, MAGIC_OFFSET, MAGIC);
    }

    /**
     * Deletes half-built files of this queue name: their builders held the name lock while building, and
     * the caller holds it now, so every one of them is dead (a builder that finished removed its own).
     */
    private static void removeAbandonedBuilds(Path directory, String name) {
        try (var entries = Files.newDirectoryStream(directory, BUILDING_PREFIX + name + "-*")) {
            for (Path entry : entries) {
                String[] parts = entry.getFileName().toString().substring(BUILDING_PREFIX.length()).split("-");
                // NAME-PID-NONCE, where NAME may itself hold dashes: match it whole.
                if (parts.length >= 3 && String.join("-", java.util.Arrays.copyOf(parts, parts.length - 2)).equals(name)) {
                    Files.deleteIfExists(entry);
                }
            }
        } catch (IOException ignored) {
            // an unreadable directory fails the creation itself, with a better message
        }
    }

    private static void fillWithZeros(Path file, long length) throws IOException {
        ByteBuffer zeros = ByteBuffer.allocateDirect(ZERO_FILL_CHUNK);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            long written = 0;
            while (written < length) {
                zeros.clear().limit((int) Math.min(ZERO_FILL_CHUNK, length - written));
                written += channel.write(zeros, written);
            }
        } catch (IOException e) {
            throw new InsufficientSpaceException("could not reserve " + length + " bytes for the queue in "
                    + file.getParent() + " (" + e.getMessage() + "); free space there or choose a smaller size", e);
        }
    }

    private static void requireFreeSpace(Path directory, long length) {
        long usable;
        try {
            usable = Files.getFileStore(directory).getUsableSpace();
        } catch (NoSuchFileException e) {
            throw new SyncQueueException("queue directory " + directory + " does not exist");
        } catch (IOException e) {
            throw new SyncQueueException("could not read free space of " + directory + ": " + e.getMessage(), e);
        }
        if (usable < length) {
            throw new InsufficientSpaceException("a queue of this size needs " + length + " bytes in " + directory
                    + " but only " + usable + " are free; free space there or choose a smaller size", null);
        }
    }

    private static IncompatibleQueueException notAQueue(Path path, String why) {
        return new IncompatibleQueueException(path + " is not a jsyncq queue: " + why);
    }

    /** The one message for a queue file whose contents make no sense: what is wrong, and what to do. */
    static IncompatibleQueueException damaged(Path path, String why) {
        return new IncompatibleQueueException("queue file " + path + " is damaged: " + why
                + "; remove it and create the queue again");
    }
}
