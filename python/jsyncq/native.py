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
