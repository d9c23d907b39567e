"""The exceptions, named after jsyncq's (io.jsyncq.*Exception), under one base class.

``QueueFullError`` is also a ``MemoryError``: pysyncq's ``append`` raises ``MemoryError`` when there is no
room, and code written for pysyncq catches that.
"""


class SyncQueueError(Exception):
    """Base class of every jsyncq failure."""


class NoSuchQueueError(SyncQueueError, FileNotFoundError):
    """There is no queue of that name (attach without create)."""


class QueueExistsError(SyncQueueError, FileExistsError):
    """A queue of that name exists already (create)."""


class IncompatibleQueueError(SyncQueueError):
    """The file is not a jsyncq queue, another layout version, or damaged (its bytes make no sense)."""


class InvalidNameError(SyncQueueError, ValueError):
    """A queue, sender or type name that is not allowed."""


class InvalidSizeError(SyncQueueError, ValueError):
    """A ring size or reader count out of range."""


class MessageTooLargeError(SyncQueueError, ValueError):
    """A message that can never fit in this queue, however empty."""


class QueueFullError(SyncQueueError, MemoryError):
    """No room for the message within the wait (pysyncq raises MemoryError here)."""


class QueueClosedError(SyncQueueError):
    """The handle was closed."""


class RegistrationLostError(SyncQueueError):
    """The registration was evicted (jsyncq evict) or its queue removed (jsyncq rm --force)."""


class InsufficientSpaceError(SyncQueueError):
    """The queue directory has no room for a queue of that size."""


def damaged(path, why):
    """The one message for a queue file whose contents make no sense (QueueFile.damaged)."""
    return IncompatibleQueueError(f"queue file {path} is damaged: {why}; remove it and create the queue again")
