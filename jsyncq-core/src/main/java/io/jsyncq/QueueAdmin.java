package io.jsyncq;

import io.jsyncq.internal.NameLock;
import io.jsyncq.internal.Names;
import io.jsyncq.internal.Platform;
import io.jsyncq.internal.QueueFile;
import io.jsyncq.internal.QueueInspector;
import io.jsyncq.internal.QueueLayout;
import io.jsyncq.internal.QueueStatus;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Creating, listing, inspecting and removing queues without registering on them: what the {@code jsyncq}
 * command's {@code create}, {@code ls}, {@code stat} and {@code rm} do. Nothing here holds space in a queue
 * or moves a cursor. Like {@link SyncQueue}, these map the queue file and need native access.
 */
public final class QueueAdmin {

    private QueueAdmin() {
    }

    /**
     * Creates a queue file without registering on it. Unless {@code keep} is set, the queue is removed when
     * the last of the registrations made on it later closes; with {@code keep}, it stays until
     * {@link #remove removed}.
     *
     * @param directory   the directory to create the file in, such as {@link SyncQueue#defaultDirectory()}; it
     *                    must exist
     * @param name        the queue name, which becomes the file name
     * @param size        the ring size in bytes: a power of two from one page (4 KiB on most machines) to 1 GiB
     * @param maxReaders  how many registrations may be open at once, from 1 to 4096
     * @param keep        true to keep the file when its last registration closes
     * @param groupAccess true to make the file readable and writable by its group too (0660), not by its owner
     *                    only (0600)
     * @return the queue file
     * @throws QueueExistsException  if there is already a queue of that name
     * @throws InvalidSizeException  if {@code size} is not a power of two from 4 KiB to 1 GiB, or
     *                               {@code maxReaders} is out of range
     * @throws InvalidNameException  if the name is not 1–200 characters of {@code [A-Za-z0-9._-]}
     * @throws InsufficientSpaceException if the file system of {@code directory} has too little free space
     */
    @SuppressWarnings("try") // the name lock is held, not used, in the body
    public static Path create(Path directory, String name, long size, int maxReaders, boolean keep,
                              boolean groupAccess) {
        Objects.requireNonNull(directory, "directory");
        Platform.requireUsable();
        Names.requireValidQueueName(name);
        QueueFile.validateSizes(size, maxReaders);
        try (NameLock lock = NameLock.acquire(directory, name, NameLock.DEFAULT_WAIT_NANOS)) {
            QueueFile file = QueueFile.create(directory, name, size, maxReaders, keep ? QueueLayout.FLAG_KEEP : 0,
                    groupAccess);
            file.unmap();
            return file.path();
        }
    }

    /**
     * Evicts the registration in reader slot {@code slot} of queue {@code name} (the slot {@code stat}
     * shows): its unread messages stop holding space at once, and its process is told on its next call, or
     * while it waits, with {@link RegistrationLostException}. For a process that is alive but holds writers
     * back (stopped, hung, or just too slow); a dead one is reclaimed without being asked. A message the
     * evicted process is writing at that moment is either delivered whole or not at all (it is told).
     *
     * @param directory the directory that holds the queue file, such as {@link SyncQueue#defaultDirectory()}
     * @param name      the queue name
     * @param slot      the reader slot, as {@link ReaderInfo#slot()} gives it
     * @throws NoSuchQueueException if there is no such queue
     * @throws IllegalArgumentException if no registration is active in that slot
     */
    public static void evict(Path directory, String name, int slot) {
        Objects.requireNonNull(directory, "directory");
        Platform.requireUsable();
        try (QueueInspector inspector = QueueInspector.attach(directory, name)) {
            if (!inspector.evict(slot)) {
                throw new IllegalArgumentException("queue '" + name + "' has no active registration in reader slot "
                        + slot + "; jsyncq stat " + name + " lists them");
            }
        }
    }

    /**
     * A snapshot of the queue {@code name}: sizes, tail, and each registration with its lag in bytes and
     * messages. For rates, take two snapshots with one {@link QueueMonitor}.
     *
     * @param directory the directory that holds the queue file, such as {@link SyncQueue#defaultDirectory()}
     * @param name      the queue name
     * @return the snapshot; its {@link QueueInfo#rates()} is null
     * @throws NoSuchQueueException       if there is no such queue
     * @throws IncompatibleQueueException if the file is not a jsyncq queue of this layout version
     */
    public static QueueInfo inspect(Path directory, String name) {
        try (QueueMonitor monitor = QueueMonitor.open(directory, name)) {
            return monitor.snapshot(true);
        }
    }

    /**
     * The jsyncq queues in {@code directory}, by name. Files that are not jsyncq queues (other programs'
     * shared memory) are left out, and so are queues this process may not open or of another layout version.
     * Lag is given in bytes only ({@link ReaderInfo#lagMessages()} is -1).
     *
     * @param directory the directory to look in, such as {@link SyncQueue#defaultDirectory()}
     * @return a snapshot of each queue, sorted by name; empty if there is none
     * @throws SyncQueueException if the directory does not exist or cannot be read
     */
    public static List<QueueInfo> list(Path directory) {
        Objects.requireNonNull(directory, "directory");
        Platform.requireUsable();
        List<QueueInfo> queues = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (!isValidName(name) || !Files.isRegularFile(entry, LinkOption.NOFOLLOW_LINKS)
                        || !startsWithMagic(entry)) {
                    continue;
                }
                try (QueueMonitor monitor = QueueMonitor.open(directory, name)) {
                    queues.add(monitor.snapshot(false));
                } catch (SyncQueueException unreadable) {
                    // removed meanwhile, another layout version, or not ours to open
                }
            }
        } catch (NoSuchFileException e) {
            throw new SyncQueueException("queue directory " + directory + " does not exist");
        } catch (IOException e) {
            throw new SyncQueueException("could not list " + directory + ": " + e.getMessage(), e);
        }
        queues.sort(Comparator.comparing(QueueInfo::name));
        return queues;
    }

    /**
     * Removes the queue {@code name}. First it is marked removed, so that no process can register on it any
     * more; registrations still open (only with {@code force}) are evicted and learn on their next call that
     * the queue is gone; then its file is unlinked.
     *
     * @param directory the directory that holds the queue file, such as {@link SyncQueue#defaultDirectory()}
     * @param name      the queue name
     * @param force     remove it even while live processes are registered; and remove a file of that name
     *                  that is not a readable jsyncq queue (damaged, or of another layout version)
     * @throws QueueInUseException          if live processes are registered and {@code force} is not set
     * @throws NoSuchQueueException         if there is no such queue
     * @throws IncompatibleQueueException   if the file is not a jsyncq queue and {@code force} is not set
     */
    @SuppressWarnings("try") // the name lock is held, not used, in the body
    public static void remove(Path directory, String name, boolean force) {
        Objects.requireNonNull(directory, "directory");
        Platform.requireUsable();
        Names.requireValidQueueName(name);
        try (NameLock lock = NameLock.acquire(directory, name, NameLock.DEFAULT_WAIT_NANOS)) {
            removeUnderLock(directory, name, force);
        }
    }

    private static void removeUnderLock(Path directory, String name, boolean force) {
        QueueInspector inspector;
        try {
            inspector = QueueInspector.attach(directory, name);
        } catch (IncompatibleQueueException notReadable) {
            if (!force) {
                throw new IncompatibleQueueException(notReadable.getMessage()
                        + "; force the removal to delete the file anyway");
            }
            deleteFile(directory.resolve(name));
            return;
        }
        try {
            if (!force) {
                List<QueueStatus.Reader> live = inspector.readers().stream().filter(QueueStatus.Reader::alive).toList();
                if (!live.isEmpty()) {
                    throw new QueueInUseException("queue '" + name + "' has " + live.size() + " live reader"
                            + (live.size() == 1 ? "" : "s") + " ("
                            + live.stream().map(r -> "'" + r.sender() + "' pid " + r.pid())
                                    .collect(Collectors.joining(", "))
                            + "); stop them first, or force the removal");
                }
            }
            inspector.remove();
        } finally {
            inspector.close();
        }
    }

    private static void deleteFile(Path path) {
        try {
            if (!Files.deleteIfExists(path)) {
                throw new NoSuchQueueException("no queue named '" + path.getFileName() + "' in " + path.getParent());
            }
        } catch (IOException e) {
            throw new SyncQueueException("could not remove " + path + ": " + e.getMessage(), e);
        }
    }

    private static boolean isValidName(String name) {
        try {
            Names.requireValidQueueName(name);
            return true;
        } catch (InvalidNameException e) {
            return false;
        }
    }

    /** Reads the first 8 bytes with plain file I/O, so that other programs' files are never mapped. */
    private static boolean startsWithMagic(Path file) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer magic = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.nativeOrder());
            while (magic.hasRemaining()) {
                if (channel.read(magic) < 0) {
                    return false;
                }
            }
            return magic.flip().getLong() == QueueLayout.MAGIC;
        } catch (IOException | SecurityException e) {
            return false;
        }
    }
}
