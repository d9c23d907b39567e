"""Registration: joining a queue under its name lock, the slot, and leaving (design.md sections 6-7).
The last registration to close removes the file (unless the queue was created with keep).

Closing differs from Java in one way: Java unmaps first (its shared arena's close waits for every access
in progress) and leaves through a fresh mapping. Python cannot fail an access to unmapped memory, so here
calls are counted in and out of the handle: ``close`` marks the handle closing, wakes its sleepers (which
see it within one sleep slice), waits for calls in progress on other threads to end, and only then
leaves and unmaps. A close from inside a call on the same thread (a poll handler) is finished by that
call when it returns.
"""

import threading

from . import identity
from . import layout as L
from .errors import NoSuchQueueError, QueueClosedError, RegistrationLostError, SyncQueueError
from .namelock import NameLock
from .queuefile import attach_under_lock, create, validate_sizes
from .reader import MessageReader
from .recovery import CrashRecovery
from .shared import SharedQueue
from .waiting import DEFAULT_SPIN_NANOS, Waiter
from .writer import MessageWriter

CREATE, ATTACH, ATTACH_OR_CREATE = "create", "attach", "attach-or-create"


def create_queue(directory, name, capacity, max_readers=L.DEFAULT_MAX_READERS, keep=False, group_access=False):
    """Creates a queue without registering on it (``jsyncq create``); it is removed by the last
    registration to close later, unless ``keep``."""
    validate_sizes(capacity, max_readers)
    with NameLock.acquire(directory, name):
        create(directory, name, capacity, max_readers, L.FLAG_KEEP if keep else 0, group_access).unmap()


class Registration:
    def __init__(self, directory, name, file, queue, taken, sender, write_only, spin_nanos):
        self.directory = directory
        self.name = name
        self.file = file
        self.queue = queue
        self.readers = queue.readers
        self.recovery = CrashRecovery(queue)
        self.slot, self.word = taken
        self.keep_when_unused = bool(queue.flags() & L.FLAG_KEEP)
        self.sender = sender
        self._slot_word_address = file.base + L.slot_offset(self.slot) + L.SLOT_WORD_OFFSET
        waiter = Waiter(file.base, self.slot, spin_nanos)
        self.reader = MessageReader(self, queue, self.recovery, waiter, self.slot, write_only)
        self.writer = MessageWriter(self, queue, self.recovery, waiter, self.slot, self.word, sender)
        self.closing = False
        self._calls = 0
        self._callers = set()
        self._leave_on_exit = False
        self._left = False
        self._lock = threading.Lock()
        self._state = threading.Condition(self._lock)  # the same lock, for close() to wait on

    @classmethod
    def join(cls, directory, name, how, sender, capacity=None, max_readers=L.DEFAULT_MAX_READERS, keep=False,
             group_access=False, write_only=False, spin_nanos=DEFAULT_SPIN_NANOS):
        """Registers on queue ``name``, holding its name lock throughout: the file registered on is the one
        the name refers to, and stays so until the last registration closes."""
        if how != ATTACH:
            validate_sizes(capacity, max_readers)
        with NameLock.acquire(directory, name):
            file = None if how == CREATE else attach_under_lock(directory, name)
            if file is None and how == ATTACH:
                raise NoSuchQueueError(f"no queue named '{name}' in {directory}; create it first")
            if file is None:
                file = create(directory, name, capacity, max_readers, L.FLAG_KEEP if keep else 0, group_access)
            try:
                queue = SharedQueue(file)
                CrashRecovery(queue).reclaim_dead_readers(-1)  # the dead hold slots and space: clear them first
                taken = queue.register(identity.current(), sender, write_only)
                if taken is None:
                    raise SyncQueueError(f"queue '{name}' has no free reader slot: all {queue.readers.max_readers} "
                                         "are registered. Close a registration, or create the queue with more "
                                         "max readers")
                return cls(directory, name, file, queue, taken, sender, write_only, spin_nanos)
            except BaseException:
                file.unmap()
                raise

    # ---- calls in progress ------------------------------------------------------------------------------

    def enter(self):
        """Counts a call in; raises QueueClosedError on a closed handle."""
        with self._lock:
            if self.closing:
                raise QueueClosedError(f"this registration on queue '{self.name}' is closed; open the queue again")
            self._calls += 1
            self._callers.add(threading.get_ident())

    def exit(self):
        leave = False
        with self._lock:
            self._calls -= 1
            self._callers.discard(threading.get_ident())
            if self._calls == 0 and self.closing:  # only a close waits for the calls to end
                self._state.notify_all()
                leave = self._leave_on_exit and not self._left
                if leave:
                    self._left = True
        if leave:
            self._release()

    # ---- health -----------------------------------------------------------------------------------------

    def is_registered(self):
        return L.to_i64(self.readers.slot_word(self.slot)) == self.word

    def require_registered(self):
        if self.readers.slot_word(self.slot) != self.word:
            raise self._registration_lost()

    def registration_lost(self):
        """The RegistrationLostError that says why this registration no longer holds its slot."""
        return self._registration_lost()

    def ensure_open(self):
        if self.closing:
            raise QueueClosedError(f"this registration on queue '{self.name}' is closed; open the queue again")

    def _registration_lost(self):
        if self.queue.is_removed():
            return RegistrationLostError(f"queue '{self.name}' was removed (jsyncq rm --force) while this process "
                                         "was registered on it; create or open it again to go on")
        if L.state_of(self.readers.slot_word(self.slot)) == L.STATE_EVICTED:
            return RegistrationLostError(f"this registration on queue '{self.name}' was evicted (jsyncq evict): it "
                                         "held writers back. Its unread messages are dropped; open the queue again")
        return RegistrationLostError(f"this registration on queue '{self.name}' is gone: its slot in the queue file "
                                     "was changed by another process. Open the queue again to go on")

    # ---- the delivery gate (design.md 11) ----------------------------------------------------------------

    def gate_delivery(self):
        """Makes the other registrations deliver only the records this one writes, of those at or after its
        read position, until it ends (its slot is freed: ReaderTable.free closes the gate's window).
        Registration.gateDelivery: refused for a write-only registration (it could not carry what the others
        append) and while another slot holds the gate."""
        self.ensure_open()
        self.require_registered()
        if self.reader.write_only:
            raise RuntimeError("a write-only registration reads nothing, so it cannot carry what the others "
                               "append: it cannot gate the queue's delivery")
        with NameLock.acquire(self.directory, self.name):
            holder = self.readers.delivery_gate.take(self.slot, self.reader.cursor)
        if holder != self.slot:
            raise RuntimeError(f"the delivery of queue '{self.name}' is gated already, by "
                               f"'{self.readers.sender(holder)}' (slot {holder}, pid {self.readers.pid(holder)})")
        self.queue.wake_all_readers()  # a reader asleep at a record it now skips

    # ---- closing ----------------------------------------------------------------------------------------

    def close(self):
        """Unregisters (unread messages stop holding space) and unmaps; the last registration to close
        removes the file, unless the queue was created to be kept."""
        with self._state:
            if self.closing:
                return
            self.closing = True
        self.queue.wake_reader(self.slot)  # this handle's sleepers see it closed at once
        self.queue.space.wake_all()
        with self._state:
            if threading.get_ident() in self._callers:
                self._leave_on_exit = True  # closed from inside a call: that call leaves when it returns
                return
            while self._calls:
                self._state.wait(0.05)
                self.queue.wake_reader(self.slot)
                self.queue.space.wake_all()
            if self._left:
                return
            self._left = True
        self._release()

    def _release(self):
        """Under the name lock: reclaims the dead, frees the slot, removes the file if no slot is taken any
        more. Unmapping (closing the descriptor, which drops the owner lock) happens inside the lock, so a
        joiner never finds this slot free but still locked. Without the lock (a stopped holder), it still
        leaves, but never unlinks."""
        try:
            lock = NameLock.acquire(self.directory, self.name)
        except SyncQueueError:
            try:
                self._leave()
            finally:
                self.file.unmap()
            return
        with lock:
            try:
                self.recovery.reclaim_dead_readers(self.slot)
                if self._leave() and not self.keep_when_unused and self.queue.registration_count() == 0:
                    try:
                        self.file.unlink()
                    except SyncQueueError:
                        pass  # another user's file in a sticky directory: left whole, as a kept queue
                    else:
                        self.queue.mark_removed()
            finally:
                self.file.unmap()

    def _leave(self):
        try:
            return self.recovery.clear_and_free(self.slot, L.generation_of(self.word))
        finally:
            self.queue.wake_reader(self.slot)
            self.queue.space.wake_all()
