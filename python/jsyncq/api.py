"""PySyncQ: pysyncq's API over jsyncq's shared-memory protocol, so Python and Java processes share one
queue. ``from jsyncq import PySyncQ`` instead of ``from pysyncq import PySyncQ``."""

import os

from . import layout as L
from .errors import QueueClosedError, SyncQueueError
from .names import encode_record_name, require_valid_queue_name, to_bytes
from .reader import MessageView
from .registration import ATTACH, Registration, create_queue
from .screen import Screen
from .waiting import DEFAULT_SPIN_NANOS, NO_WAIT, deadline_after

DEFAULT_DIRECTORY = "/dev/shm"

_fork_epoch = 0  # how many forks this process is away from the one that imported jsyncq


def _count_fork():
    global _fork_epoch
    _fork_epoch += 1


os.register_at_fork(after_in_child=_count_fork)  # so that every call need not ask the kernel for its pid


def default_directory():
    """``$JSYNCQ_DIR`` if set and not blank, else /dev/shm (SyncQueue.defaultDirectory)."""
    directory = os.environ.get("JSYNCQ_DIR", "")
    return directory if directory.strip() else DEFAULT_DIRECTORY


def queue_size(size):
    """pysyncq takes any size; jsyncq's ring is a power of two from one page (4 KiB) to 1 GiB. A size is
    rounded up to the next power of two, at least a page."""
    size = max(int(size), L.min_capacity())
    return 1 << (size - 1).bit_length()


class PySyncQ:
    """A broadcast queue in named shared memory, with pysyncq's calls.

    ``PySyncQ(name, create=True, size=4096)`` creates the queue file (``create=False`` only names an
    existing one); each process then registers with ``open(sender)``, appends, pops, and ``close()``s.
    The instance may be handed to child processes (fork or spawn) before ``open``, as pysyncq's demo does.
    """

    def __init__(self, name=None, create=True, size=L.MIN_CAPACITY, start=None, *, directory=None, keep=False,
                 max_readers=L.DEFAULT_MAX_READERS, group_access=False, spin=DEFAULT_SPIN_NANOS / 1e9):
        """``start`` (pysyncq's multiprocessing start method) is accepted and ignored: nothing here needs it.
        ``directory`` is Java's Builder.directory (default ``$JSYNCQ_DIR``, else /dev/shm); ``keep``,
        ``max_readers`` and ``group_access`` apply when creating; ``spin`` is seconds of spinning before a
        wait sleeps."""
        if name is None:
            raise SyncQueueError("a queue needs a name: PySyncQ('name', ...)")
        self.name = require_valid_queue_name(name)
        self.directory = os.fspath(directory) if directory is not None else default_directory()
        self.size = queue_size(size)
        self.create = create
        self.start = start
        self.spin_nanos = int(spin * 1e9)
        self.sender = None
        self.scrnsend = Screen()
        self.scrntype = Screen()
        self._registration = None
        self._pid = os.getpid()
        self._epoch = _fork_epoch
        if create:
            create_queue(self.directory, self.name, self.size, max_readers, keep, group_access)

    # ---- passing the instance to child processes ----------------------------------------------------

    def __getstate__(self):
        """A child gets the queue's name and screens, never the parent's registration (nor creates it again)."""
        state = self.__dict__.copy()
        state["_registration"] = None
        state["create"] = False
        state["scrnsend"] = self.scrnsend.in_order()
        state["scrntype"] = self.scrntype.in_order()
        return state

    def __setstate__(self, state):
        state["scrnsend"] = Screen(state["scrnsend"])
        state["scrntype"] = Screen(state["scrntype"])
        self.__dict__.update(state)
        self._pid = os.getpid()
        self._epoch = _fork_epoch

    def _forked(self):
        """After os.fork the child has a copy of the parent's mapping and descriptor, whose owner lock is the
        parent's: forget them (the parent still owns that registration) and keep the screens. A fork is
        noticed by a counter that os.register_at_fork bumps in the child, not by asking the kernel for the
        pid on every call (a system call)."""
        if self._epoch != _fork_epoch:
            registration = self._registration
            self._registration = None
            self._pid = os.getpid()
            self._epoch = _fork_epoch
            if registration is not None:
                self.scrnsend = Screen(self.scrnsend)
                self.scrntype = Screen(self.scrntype)
                try:
                    os.close(registration.file.fd)  # the parent's descriptor stays open in the parent
                except OSError:
                    pass

    # ---- registering and closing --------------------------------------------------------------------

    def open(self, sender=None, filtself=True, *, write_only=False):
        """Registers this process: it reads every message appended from now on. ``sender`` names its
        messages (default: the pid); ``filtself`` adds it to ``scrnsend``, so it skips its own.

        ``write_only=True`` (beyond pysyncq, as Java's ``Builder.writeOnly()``): a producer that never
        reads holds no read position, so it never has to drain its own messages; pops then raise."""
        self._forked()
        if self._registration is not None:
            raise SyncQueueError(f"this PySyncQ is already open on queue '{self.name}'; close it first")
        if sender is None:
            sender = str(os.getpid())
        sender_bytes = encode_record_name("sender name", sender)
        registration = Registration.join(self.directory, self.name, ATTACH, sender_bytes,
                                         write_only=write_only, spin_nanos=self.spin_nanos)
        self.sender = sender_bytes
        reader = registration.reader
        # The registration's screens are these sets: edits republish the summary and wake the own reader.
        reader.sender_screen.update(self.scrnsend)
        reader.type_screen.update(self.scrntype)
        if filtself:
            reader.sender_screen.add(sender_bytes)
        reader.screens_changed()
        self.scrnsend = reader.sender_screen
        self.scrntype = reader.type_screen
        self._registration = registration

    def close(self):
        """Unregisters and unmaps; the last registration to close removes the queue file (unless it was
        created with keep). Safe to call twice."""
        self._forked()
        registration, self._registration = self._registration, None
        if registration is not None:
            registration.close()
            # Detach the screens from the closed registration; they keep their contents.
            self.scrnsend = Screen(self.scrnsend)
            self.scrntype = Screen(self.scrntype)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            if self._registration is not None and self._pid == os.getpid():
                self.close()
        except Exception:
            pass

    @property
    def closed(self):
        return self._registration is None

    def _open_registration(self):
        self._forked()
        registration = self._registration
        if registration is None:
            raise QueueClosedError(f"queue '{self.name}' is not open in this process: call open() first")
        return registration

    # ---- messages -----------------------------------------------------------------------------------

    def append(self, msgtype="", msg="", block=False, timer=0.5):
        """Appends a message of type ``msgtype`` with body ``msg`` (bytes as they are; anything else is
        str()-ed and UTF-8 encoded). Raises MemoryError (QueueFullError) if there is no room, at once, or
        with ``block`` after ``timer`` seconds (``timer=None``: waits for ever)."""
        registration = self._open_registration()
        type_bytes = to_bytes(msgtype)
        body = to_bytes(msg)
        deadline = deadline_after(timer) if block else NO_WAIT
        registration.enter()
        try:
            registration.writer.append(type_bytes, body, deadline)
        finally:
            registration.exit()

    def try_append(self, msgtype="", msg=""):
        """Appends if there is room now; returns False (no exception) if there is not."""
        registration = self._open_registration()
        registration.enter()
        try:
            return registration.writer.append(to_bytes(msgtype), to_bytes(msg), deadline_after(0), True)
        finally:
            registration.exit()

    def pop(self, block=False, timer=0.5, decode=True):
        """The next unread, unscreened message as ``(sender, type, body)`` (str, or bytes with
        ``decode=False``), or None: at once, or with ``block`` after ``timer`` seconds in total
        (``timer=None``: waits for ever)."""
        registration = self._open_registration()
        deadline = deadline_after(timer) if block else NO_WAIT
        registration.enter()
        try:
            message = registration.reader.pop(deadline)
        finally:
            registration.exit()
        if message is None:
            return None
        sender, type_, body = message
        if decode:
            return sender.decode(), type_.decode(), body.decode()
        return sender, type_, body

    def poll(self, handler, limit=1, block=False, timer=0.5):
        """Zero-copy reads: calls ``handler(view)`` for up to ``limit`` messages (waiting, with ``block``,
        only for the first). ``view.sender`` and ``view.type`` are bytes; ``view.body`` is a read-only
        memoryview of the shared memory, valid only until the handler returns. The read position is handed
        back to writers once, after the batch. Returns how many messages were handled."""
        registration = self._open_registration()
        if limit < 1:
            raise ValueError("limit must be at least 1")

        def deliver(sender, type_, address, length):
            message = MessageView(sender, type_, address, length)
            try:
                handler(message)
            finally:
                message._release()

        deadline = deadline_after(timer) if block else deadline_after(0)
        registration.enter()
        try:
            return registration.reader.poll(deliver, limit, deadline)
        finally:
            registration.exit()

    def gate_delivery(self):
        """Java's ``SyncQueue.gateDelivery()`` (beyond pysyncq): from now on every other registration delivers
        only the messages this one appends, and passes over, unread, what any other appends at or after this
        one's read position; this one still reads everything. The gate ends when this registration closes (or
        is reclaimed after its process died). Raises RuntimeError if this registration is write-only, or
        another one holds the gate."""
        registration = self._open_registration()
        registration.enter()
        try:
            registration.gate_delivery()
        finally:
            registration.exit()

    def __call__(self, *args, **kwargs):
        """pysyncq's iteration with pop's arguments: ``for m in q(block=True, timer=1)``; ends at the first
        pop that finds nothing."""
        while (message := self.pop(*args, **kwargs)) is not None:
            yield message

    def __iter__(self):
        return self()

    # ---- information --------------------------------------------------------------------------------

    @property
    def capacity(self):
        return self.size if self._registration is None else self._registration.queue.capacity

    def __str__(self):
        sender = self.sender.decode(errors="replace") if self.sender is not None else None
        position = self._registration.reader.cursor if self._registration is not None else None
        return f"PySyncQ(name={self.name},size={self.size},sender={sender},pos={position})"
