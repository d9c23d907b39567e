"""The C shim (jsyncq._shim, built by cffi at install time) and the few helpers around it.

The protocol modules call ``lib.jq_*`` directly with absolute addresses (mapping base + offset): one
cffi call per memory operation, each with the ordering its Java counterpart has (``jq_load64`` is a
VarHandle getVolatile, ``jq_load64_acquire`` a getAcquire, ``jq_store64_release`` a setRelease...).
"""

import errno
import os

from .errors import SyncQueueError

try:
    from ._shim import ffi, lib
except ImportError as missing:  # pragma: no cover - only when the package was not installed with pip
    raise ImportError("jsyncq's C shim is not built: install the package with 'pip install ./python' "
                      "(it compiles jsyncq/_shim_src.c with cffi)") from missing

def _check_shim_layout():
    """The fused fast paths in the shim hard-code layout.py's offsets: they must agree, or nothing works."""
    from . import layout as L
    from .gate import END_OFFSET, START_OFFSET, STATE_OFFSET, TAKING
    expected = [L.TAIL_POSITION_OFFSET, L.HEAD_CACHE_OFFSET, L.SLOT_HIGH_WATER_OFFSET, L.MESSAGE_FUTEX_OFFSET,
                L.MESSAGE_WAITERS_OFFSET, L.SPACE_FUTEX_OFFSET, L.SPACE_WAITERS_OFFSET, L.SPACE_ARMED_OFFSET,
                L.READER_TABLE_OFFSET, L.SLOT_LENGTH, L.CURSOR_OFFSET, L.SLOT_WORD_OFFSET, L.FLOORS_OFFSET,
                L.MESSAGE_SLEEPERS_OFFSET, L.WAIT_AT_OFFSET, L.ARMED_OFFSET, L.SUMMARY_OFFSET,
                L.SENDER_HASHES_OFFSET, L.TYPE_HASHES_OFFSET, L.SUMMARY_HASHES, L.RECORD_HEADER_LENGTH, L.GRANULE,
                L.MARK_SKIP_RECORD, L.MARK_SKIP_GRANULE, L.LARGE_RECORD, STATE_OFFSET, START_OFFSET,
                END_OFFSET, TAKING]
    actual = [lib.jq_layout_value(i) for i in range(len(expected) + 1)]
    if actual != expected + [-1]:
        raise ImportError(f"jsyncq's C shim was built for another layout ({actual[:-1]} != {expected}); "
                          "reinstall the package: pip install ./python")


_check_shim_layout()

#: errnos a futex wait returns that only mean "look again"
BENIGN_WAIT_ERRORS = frozenset((0, errno.EAGAIN, errno.ETIMEDOUT, errno.EINTR))


def check_wait(error):
    """Raises for a futex failure that is not a wake-up, timeout, signal or changed word."""
    if error not in BENIGN_WAIT_ERRORS:
        raise SyncQueueError(f"futex wait failed with errno {error} ({os.strerror(error)}); the queue's "
                             "shared memory cannot be waited on here")


def map_header(fd, length):
    """Maps the first ``length`` bytes of the file alone, to check the header before trusting it."""
    err = ffi.new("int *")
    base = lib.jq_map(fd, length, err)
    if not base:
        raise OSError(err[0], os.strerror(err[0]))
    return base


def map_queue(fd, file_length, ring_offset, capacity):
    """The double mapping (QueueFile.mapFd): returns the base address; the mapping is file_length + capacity."""
    err = ffi.new("int *")
    base = lib.jq_map_queue(fd, file_length, ring_offset, capacity, err)
    if not base:
        raise OSError(err[0], os.strerror(err[0]))
    return base


def unmap(base, length):
    error = lib.jq_unmap(base, length)
    if error:
        raise OSError(error, os.strerror(error))


def read_bytes(address, length):
    """A copy of ``length`` bytes at ``address``."""
    if length <= 0:
        return b""
    return ffi.unpack(ffi.cast("char *", address), length)


def view(address, length):
    """A writable memoryview of ``length`` bytes at ``address``, without copying (valid while mapped)."""
    return memoryview(ffi.buffer(ffi.cast("char *", address), length))
