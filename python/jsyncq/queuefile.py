"""QueueFile: creating a queue file atomically, attaching to one after checking every header field, and
mapping it with the ring twice, back to back (design.md sections 1, 7 and 9)."""

import errno
import glob
import os
import stat
import struct

from . import layout as L
from .errors import (IncompatibleQueueError, InsufficientSpaceError, InvalidSizeError, NoSuchQueueError,
                     QueueExistsError, SyncQueueError, damaged)
from .native import lib, map_header, map_queue, read_bytes, unmap

BUILDING_PREFIX = ".jsyncq-creating-"
_ZERO_CHUNK = 1 << 20


def validate_sizes(capacity, max_readers):
    if not L.is_valid_capacity(capacity):
        raise InvalidSizeError(f"queue size {capacity} is not allowed: use a power of two from {L.min_capacity()} "
                               f"to {L.MAX_CAPACITY} (1g) bytes, such as 64k or 1m")
    if not 1 <= max_readers <= L.MAX_READERS_LIMIT:
        raise InvalidSizeError(f"max readers {max_readers} is not allowed: use 1 to {L.MAX_READERS_LIMIT}")


class QueueFile:
    """An open queue file and its mapping. ``base`` is the mapping's address; the open descriptor carries
    this process's owner lock (its open file description), which unmapping (closing it) releases."""

    def __init__(self, path, fd, base, geometry):
        self.path = path
        self.fd = fd
        self.base = base
        self.geometry = geometry
        self.length = geometry.file_length + geometry.capacity

    @property
    def is_mapped(self):
        return self.base != 0

    def unmap(self):
        """Unmaps and closes the file, releasing every owner lock taken through it."""
        if self.base:
            base, self.base = self.base, 0
            try:
                unmap(base, self.length)
            finally:
                os.close(self.fd)

    def unlink(self):
        """Removes the name; processes that have the file mapped keep using it until they unmap."""
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
        except OSError as e:
            raise SyncQueueError(f"could not remove queue file {self.path}: {e.strerror}") from e

    def _write_header(self, flags):
        """Writes the static header and initial state, before the file has a name: marks all -1, magic last."""
        g, base = self.geometry, self.base
        for i in range(0, g.marks_length, _ZERO_CHUNK):  # every mark = NO_MARK
            n = min(_ZERO_CHUNK, g.marks_length - i)
            lib.jq_copy_in(base + g.marks_offset + i, b"\xff" * n, n)
        lib.jq_store32(base + L.VERSION_OFFSET, L.LAYOUT_VERSION)
        lib.jq_store32(base + L.FLAGS_OFFSET, flags)
        lib.jq_store64(base + L.CAPACITY_OFFSET, g.capacity)
        lib.jq_store32(base + L.MAX_READERS_OFFSET, g.max_readers)
        lib.jq_store32(base + L.READER_SLOT_LENGTH_OFFSET, L.SLOT_LENGTH)
        lib.jq_store64(base + L.READER_TABLE_OFFSET_OFFSET, L.READER_TABLE_OFFSET)
        lib.jq_store64(base + L.MARKS_OFFSET_OFFSET, g.marks_offset)
        lib.jq_store64(base + L.RING_OFFSET_OFFSET, g.ring_offset)
        lib.jq_store64(base + L.FILE_LENGTH_OFFSET, g.file_length)
        lib.jq_store32(base + L.PAGE_SIZE_OFFSET, g.page_size)
        lib.jq_store64(base + L.MAGIC_OFFSET, L.MAGIC)


def create(directory, name, capacity, max_readers, flags, group_access=False):
    """Creates the queue file ``name``; the caller holds the name's NameLock. Built under a hidden name,
    zero-filled (a full /dev/shm fails here, not with SIGBUS later), given its header, then linked."""
    validate_sizes(capacity, max_readers)
    path = os.path.join(directory, name)
    geometry = L.Geometry(capacity, max_readers)
    _require_free_space(directory, geometry.file_length)
    _remove_abandoned_builds(directory, name)
    if os.path.lexists(path):
        existing = attach_under_lock(directory, name)  # None: a dead remover's leftover, now gone
        if existing is not None:
            existing.unmap()
            raise QueueExistsError(f"queue '{name}' already exists ({path}); attach to it, or remove it first")
    building = os.path.join(directory, f"{BUILDING_PREFIX}{name}-{os.getpid()}-{os.urandom(6).hex()}")
    mode = 0o660 if group_access else 0o600
    try:
        fd = os.open(building, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | os.O_NOFOLLOW, mode)
        try:
            os.fchmod(fd, mode)  # the umask reduced it
            _fill_with_zeros(fd, geometry.file_length, directory)
            file = _map_fd(building, fd, geometry)
        except BaseException:
            os.close(fd)
            raise
        try:
            file._write_header(flags)
            os.link(building, path)
        except FileExistsError:
            file.unmap()
            raise QueueExistsError(f"queue '{name}' already exists ({path}); attach to it, or remove it first")
        except BaseException:
            file.unmap()
            raise
        file.path = path
        return file
    except OSError as e:
        if isinstance(e, SyncQueueError):
            raise
        raise SyncQueueError(f"could not create queue file {path}: {e.strerror or e}") from e
    finally:
        try:
            os.unlink(building)
        except OSError:
            pass


def attach_under_lock(directory, name):
    """Attaches for a process holding the name lock, or returns None if there is no queue. A file marked
    removed can only be a dead remover's (marking and unlinking both happen under the lock): unlinked here."""
    try:
        file = attach(directory, name)
    except NoSuchQueueError:
        return None
    if lib.jq_load32(file.base + L.LIFECYCLE_OFFSET) & L.LIFECYCLE_REMOVED:
        try:
            file.unlink()
        finally:
            file.unmap()
        return None
    return file


def attach(directory, name):
    """Opens with O_NOFOLLOW, refuses what is not a trusted regular file, checks the header page alone,
    and only then maps the whole file."""
    path = os.path.join(directory, name)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CLOEXEC | os.O_NOFOLLOW)
    except FileNotFoundError:
        raise NoSuchQueueError(f"no queue named '{name}' in {directory}; create it first") from None
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise _not_a_queue(path, "it is a symbolic link; remove it") from None
        if e.errno == errno.EISDIR:
            raise _not_a_queue(path, "it is a directory; remove or rename it, or choose another queue name") from None
        if e.errno in (errno.EACCES, errno.EPERM):
            raise SyncQueueError(f"no access to queue file {path}: {e.strerror}; ask its owner, or create the "
                                 "queue with group access") from None
        raise SyncQueueError(f"could not open queue file {path}: {e.strerror}") from None
    mapped = False
    try:
        _require_trusted_file(path, fd)
        file_length = os.fstat(fd).st_size
        geometry = _read_and_check_header(path, fd, file_length)
        file = _map_fd(path, fd, geometry)
        mapped = True
        return file
    except OSError as e:
        if isinstance(e, SyncQueueError):
            raise
        raise SyncQueueError(f"could not read or map queue file {path}: {e.strerror or e}") from e
    finally:
        if not mapped:
            os.close(fd)


def _require_trusted_file(path, fd):
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        raise _not_a_queue(path, "it is not a regular file; remove or rename it, or choose another queue name")
    if st.st_uid != os.geteuid() and st.st_uid != 0 and st.st_mode & 0o007:
        raise SyncQueueError(f"queue file {path} belongs to another user (uid {st.st_uid}) and is open to everyone "
                             f"(mode {oct(st.st_mode & 0o777)[2:]}): it may have been planted. Remove it, or ask "
                             "its owner to create the queue with group access")


def _read_and_check_header(path, fd, file_length):
    """Validates the static header before anything else is trusted (QueueFile.readAndCheckHeader)."""
    if file_length < L.HEADER_LENGTH:
        raise _not_a_queue(path, f"it is {file_length} bytes long, shorter than a queue header; remove "
                                 "it, or choose another queue name")
    address = map_header(fd, L.HEADER_LENGTH)
    try:
        header = read_bytes(address, 72)
    finally:
        unmap(address, L.HEADER_LENGTH)
    (magic, version, _flags, capacity, max_readers, slot_length, table_offset, marks_offset, ring_offset,
     length, page_size) = struct.unpack_from("<qiiqiiqqqqi", header, 0)
    if magic != L.MAGIC:
        raise _not_a_queue(path, "it does not start with the jsyncq magic number; remove or rename "
                                 "it, or choose another queue name")
    if version != L.LAYOUT_VERSION:
        raise IncompatibleQueueError(f"queue file {path} has layout version {version}; this jsyncq reads version "
                                     f"{L.LAYOUT_VERSION}. Use the jsyncq release that created it, or remove and "
                                     "re-create the queue")
    if not L.is_valid_capacity(capacity) or not 1 <= max_readers <= L.MAX_READERS_LIMIT:
        raise damaged(path, f"its header holds capacity {capacity} and max readers {max_readers}")
    if page_size != L.SYSTEM_PAGE_SIZE:
        raise IncompatibleQueueError(f"queue file {path} was laid out for {page_size}-byte pages but this machine's "
                                     f"pages are {L.SYSTEM_PAGE_SIZE} bytes; create the queue again on this machine")
    geometry = L.Geometry(capacity, max_readers, page_size)
    if (slot_length != L.SLOT_LENGTH or table_offset != L.READER_TABLE_OFFSET
            or marks_offset != geometry.marks_offset or ring_offset != geometry.ring_offset
            or length != geometry.file_length):
        raise damaged(path, "the offsets in its header do not match its sizes")
    if file_length != geometry.file_length:
        raise damaged(path, f"it is {file_length} bytes long but its header says {geometry.file_length}")
    return geometry


def _map_fd(path, fd, geometry):
    try:
        base = map_queue(fd, geometry.file_length, geometry.ring_offset, geometry.capacity)
    except OSError as e:
        raise SyncQueueError(f"could not map queue file {path}: {e.strerror}") from e
    return QueueFile(path, fd, base, geometry)


def _remove_abandoned_builds(directory, name):
    """Half-built files of this name: their builders held the name lock, which the caller holds now, so dead."""
    prefix = os.path.join(directory, BUILDING_PREFIX + name + "-")
    for entry in glob.glob(glob.escape(prefix) + "*"):
        parts = os.path.basename(entry)[len(BUILDING_PREFIX):].split("-")
        if len(parts) >= 3 and "-".join(parts[:-2]) == name:
            try:
                os.unlink(entry)
            except OSError:
                pass


def _fill_with_zeros(fd, length, directory):
    zeros = bytes(min(_ZERO_CHUNK, length))
    written = 0
    try:
        while written < length:
            written += os.pwrite(fd, zeros[:min(_ZERO_CHUNK, length - written)], written)
    except OSError as e:
        raise InsufficientSpaceError(f"could not reserve {length} bytes for the queue in {directory} ({e.strerror}); "
                                     "free space there or choose a smaller size") from e


def _require_free_space(directory, length):
    try:
        st = os.statvfs(directory)
    except FileNotFoundError:
        raise SyncQueueError(f"queue directory {directory} does not exist") from None
    usable = st.f_bavail * st.f_frsize
    if usable < length:
        raise InsufficientSpaceError(f"a queue of this size needs {length} bytes in {directory} but only {usable} are "
                                     "free; free space there or choose a smaller size")


def _not_a_queue(path, why):
    return IncompatibleQueueError(f"{path} is not a jsyncq queue: {why}")
