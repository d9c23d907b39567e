package io.jsyncq.internal;

import io.jsyncq.SyncQueueException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;

/**
 * The lock that serialises everything that changes what a queue name refers to: creating the file,
 * counting a registration in, and the last close (or {@code rm}) that unlinks it. Holding it, a process
 * knows the name cannot be unlinked or re-created under it, so every registration of a name maps one file.
 *
 * <p>It is an exclusive {@code flock} on a hidden file beside the queue, {@code .NAME.jsyncq-lock} (no queue
 * name starts with a dot, so it cannot clash with one). The kernel drops it when its holder dies, and keeps
 * it while its holder is stopped: a stopped holder delays the others, a dead one never wedges them.
 *
 * <p>The lock file lives as long as its queue: releasing the lock deletes it first when the queue's name
 * no longer exists (removed, never created, or a creation that failed). A process that was waiting on the
 * deleted file then holds a lock on a file without a name, which protects nothing; so after every
 * acquisition the holder checks that the name still refers to the file it locked, and starts again if
 * not. Deleting the lock file is safe for exactly that reason, provided it is the holder's last step
 * before releasing: a newcomer may lock a new lock file at once.
 */
public final class NameLock implements AutoCloseable {

    private static final String SUFFIX = ".jsyncq-lock";
    /** Readable by the group, so that group members of a group-access queue can take it. */
    private static final int MODE = 0640;
    private static final long RETRY_NANOS = 1_000_000;
    /** How long a lifecycle step waits for another to finish before it says who may be stuck. */
    public static final long DEFAULT_WAIT_NANOS = 10_000_000_000L;

    private final Path path;
    private final Path queue;
    private final int fd;
    private boolean closed;

    private NameLock(Path path, Path queue, int fd) {
        this.path = path;
        this.queue = queue;
        this.fd = fd;
    }

    /** The lock file of queue {@code name} in {@code directory}. */
    public static Path lockFile(Path directory, String name) {
        return directory.resolve("." + name + SUFFIX);
    }

    /** True for the name of a lock file: listings leave these out. */
    public static boolean isLockFileName(String fileName) {
        return fileName.startsWith(".") && fileName.endsWith(SUFFIX);
    }

    /**
     * Takes the lock of queue {@code name}, waiting up to {@code waitNanos} for a holder to finish.
     *
     * @throws SyncQueueException if another process has held it that long (it is stopped, or very slow)
     */
    public static NameLock acquire(Path directory, String name, long waitNanos) {
        Path path = lockFile(directory, name);
        long deadline = System.nanoTime() + waitNanos;
        while (true) {
            int fd = open(path);
            boolean keep = false;
            try {
                while (!Posix.tryFlock(fd)) {
                    requireBefore(deadline, name, path, waitNanos);
                    LockSupport.parkNanos(RETRY_NANOS);
                }
                if (refersTo(path, fd)) {
                    keep = true;
                    return new NameLock(path, directory.resolve(name), fd);
                }
                // The holder before us removed the queue and deleted this lock file: lock the new one.
            } finally {
                if (!keep) {
                    Posix.close(fd);
                }
            }
            requireBefore(deadline, name, path, waitNanos);
            LockSupport.parkNanos(RETRY_NANOS);
        }
    }

    private static void requireBefore(long deadline, String name, Path path, long waitNanos) {
        if (System.nanoTime() - deadline > 0) {
            throw new SyncQueueException("queue '" + name + "' is locked by another process that is creating, "
                    + "joining or removing it, and has been for " + waitNanos / 1_000_000 + " ms: that process "
                    + "may be stopped (" + path + "; fuser shows who holds it). Resume or end it, then try again");
        }
    }

    private static int open(Path path) {
        String file = path.toString();
        try {
            int fd = Posix.openOrCreate(file, Posix.O_RDWR | Posix.O_CLOEXEC | Posix.O_NOFOLLOW, MODE);
            setModeIfOwned(path); // the umask may have narrowed it, and group members must be able to open it
            return fd;
        } catch (PosixException e) {
            if (e.errno() == Posix.EACCES) {
                try {
                    return Posix.open(file, Posix.O_RDONLY | Posix.O_CLOEXEC | Posix.O_NOFOLLOW); // flock needs no write access
                } catch (PosixException readOnly) {
                    throw AccessDenied.of("lock file", path, readOnly);
                }
            }
            if (e.errno() == Posix.ENOENT) {
                throw new SyncQueueException("queue directory " + path.getParent() + " does not exist", e);
            }
            throw new SyncQueueException("cannot open the lock file " + path + ": " + e.describe(), e);
        }
    }

    private static void setModeIfOwned(Path path) {
        try {
            if ((Integer) Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS) == Posix.geteuid()) {
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-r-----"));
            }
        } catch (IOException | RuntimeException ignored) {
            // gone meanwhile, or another user's: its owner chose its mode
        }
    }

    /** True if {@code path} names the file open at {@code fd} (same device and inode). */
    private static boolean refersTo(Path path, int fd) {
        try {
            Object named = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
            Object locked = Files.readAttributes(Path.of("/proc/self/fd/" + fd), BasicFileAttributes.class).fileKey();
            return Objects.equals(named, locked);
        } catch (NoSuchFileException deleted) {
            return false;
        } catch (IOException e) {
            throw new SyncQueueException("cannot check the lock file " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * Releases the lock (closing the descriptor drops the flock), deleting the lock file first if the queue
     * has no name any more.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (!Files.exists(queue, LinkOption.NOFOLLOW_LINKS)) {
                Files.deleteIfExists(path);
            }
        } catch (IOException ignored) {
            // A lock file left behind costs an empty inode; the next user of the name reuses it.
        } finally {
            Posix.close(fd);
        }
    }
}
