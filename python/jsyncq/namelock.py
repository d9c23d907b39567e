"""NameLock: the exclusive flock on ``.NAME.jsyncq-lock`` under which a name is created, joined, left
for the last time and removed (design.md section 7)."""

import errno
import fcntl
import os
import stat
import time

from .errors import SyncQueueError

SUFFIX = ".jsyncq-lock"
MODE = 0o640
RETRY_SECONDS = 0.001
DEFAULT_WAIT_SECONDS = 10.0


def lock_file(directory, name):
    return os.path.join(directory, "." + name + SUFFIX)


class NameLock:
    """Held from ``acquire`` to ``close``; a context manager."""

    def __init__(self, path, queue, fd):
        self._path = path
        self._queue = queue
        self._fd = fd

    @classmethod
    def acquire(cls, directory, name, wait_seconds=DEFAULT_WAIT_SECONDS):
        """Takes the lock, waiting up to ``wait_seconds``; then checks that the name still refers to the
        file locked (a holder before us may have deleted it), and starts again if not."""
        path = lock_file(directory, name)
        deadline = time.monotonic() + wait_seconds
        while True:
            fd = _open(path)
            keep = False
            try:
                while True:
                    try:
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        _require_before(deadline, name, path, wait_seconds)
                        time.sleep(RETRY_SECONDS)
                if _refers_to(path, fd):
                    keep = True
                    return cls(path, os.path.join(directory, name), fd)
            finally:
                if not keep:
                    os.close(fd)
            _require_before(deadline, name, path, wait_seconds)
            time.sleep(RETRY_SECONDS)

    def close(self):
        """Releases the lock, deleting the lock file first if the queue has no name any more."""
        if self._fd < 0:
            return
        try:
            if not os.path.lexists(self._queue):
                try:
                    os.unlink(self._path)
                except OSError:
                    pass  # a lock file left behind costs an empty inode
        finally:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _require_before(deadline, name, path, wait_seconds):
    if time.monotonic() > deadline:
        raise SyncQueueError(f"queue '{name}' is locked by another process that is creating, joining or removing "
                             f"it, and has been for {int(wait_seconds * 1000)} ms: that process may be stopped "
                             f"({path}; fuser shows who holds it). Resume or end it, then try again")


def _open(path):
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, MODE)
        try:
            if os.fstat(fd).st_uid == os.geteuid():
                os.fchmod(fd, MODE)  # the umask may have narrowed it; group members must be able to open it
        except OSError:
            pass
        return fd
    except PermissionError:
        try:
            return os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW)  # flock needs no write access
        except OSError as e:
            raise SyncQueueError(f"no access to the lock file {path}: {e.strerror}") from e
    except FileNotFoundError as e:
        raise SyncQueueError(f"queue directory {os.path.dirname(path)} does not exist") from e
    except OSError as e:
        raise SyncQueueError(f"cannot open the lock file {path}: {e.strerror}. jsyncq makes it an empty regular "
                             "file; if it is anything else, remove it") from e


def _refers_to(path, fd):
    try:
        named = os.lstat(path)
    except FileNotFoundError:
        return False
    locked = os.fstat(fd)
    return stat.S_ISREG(named.st_mode) and (named.st_dev, named.st_ino) == (locked.st_dev, locked.st_ino)
