"""jsyncq for Python: the Python peer of jsyncq (a broadcast message queue in named shared memory), with
pysyncq's API. Python and Java processes share one queue file: same layout (version 7), same protocol.

    from jsyncq import PySyncQ      # instead of: from pysyncq import PySyncQ
"""

from importlib.metadata import PackageNotFoundError, version as _version

from .api import DEFAULT_DIRECTORY, PySyncQ, default_directory, queue_size
from .errors import (IncompatibleQueueError, InsufficientSpaceError, InvalidNameError, InvalidSizeError,
                     MessageTooLargeError, NoSuchQueueError, QueueClosedError, QueueExistsError, QueueFullError,
                     RegistrationLostError, SyncQueueError)
from .reader import MessageView
from .registration import create_queue

try:
    __version__ = _version("jsyncq")
except PackageNotFoundError:  # imported from a source tree: there is no built shim there anyway
    __version__ = "0+unknown"

__all__ = ["PySyncQ", "MessageView", "create_queue", "default_directory", "queue_size", "DEFAULT_DIRECTORY",
           "SyncQueueError", "NoSuchQueueError", "QueueExistsError", "IncompatibleQueueError", "InvalidNameError",
           "InvalidSizeError", "MessageTooLargeError", "QueueFullError", "QueueClosedError",
           "RegistrationLostError", "InsufficientSpaceError"]
