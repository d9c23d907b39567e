"""MessageReader and MessageView: one registration's read path (design.md sections 3, 4 and 8): its
cursor, its screens, waiting on the message channel with its own bit, and repairing holes in its way.
One thread at a time reads through a registration."""

import threading
import time

from . import layout as L
from .errors import IncompatibleQueueError, damaged
from .native import check_wait, ffi, lib, read_bytes, view
from .names import name_hash, to_bytes
from .screen import Screen
from .shared import is_resolved
from .waiting import expired

REPAIR_INTERVAL_NANOS = 10_000_000


def _pack(names):
    """A screen's names as jq_next takes them: a length byte, then the bytes, for each name a record can carry
    (a name longer than 255 bytes can never match one, so it is left out)."""
    return b"".join(bytes((len(n),)) + n for n in names if len(n) <= L.MAX_NAME_BYTES)


class MessageView:
    """A message in place in the ring, valid only until the handler it is given to returns (then its
    memoryview is released, and the record's bytes may be reused by writers)."""

    __slots__ = ("sender", "type", "_address", "_length", "_view")

    def __init__(self, sender, type_, address, length):
        self.sender = sender
        self.type = type_
        self._address = address
        self._length = length
        self._view = None

    @property
    def body(self):
        """The body as a read-only memoryview of the shared mapping: no copy."""
        if self._view is None:
            self._view = view(self._address, self._length).toreadonly()
        return self._view

    def body_bytes(self):
        return read_bytes(self._address, self._length)

    def __len__(self):
        return self._length

    def _release(self):
        if self._view is not None:
            try:
                self._view.release()
            except (BufferError, ValueError):
                pass  # exported further by the handler: the caller was told it is valid only inside
            self._view = None


class MessageReader:
    def __init__(self, registration, queue, recovery, waiter, slot, write_only):
        self.registration = registration
        self.queue = queue
        self.recovery = recovery
        self.waiter = waiter
        self.slot = slot
        self.write_only = write_only
        self.sender_screen = Screen(on_change=self.screens_changed)
        self.type_screen = Screen(on_change=self.screens_changed)
        self.cursor = queue.readers.cursor(slot)
        self.stored_cursor = self.cursor
        self._polling_thread = None
        self._skip_lock = threading.Lock()  # a poll, or the append-side skip of screened records
        self._stuck_at = -1
        self._last_repair = time.monotonic_ns() - REPAIR_INTERVAL_NANOS
        self._found = ffi.new("struct jq_found *")
        self._slot_word = queue.base + L.slot_offset(slot) + L.SLOT_WORD_OFFSET
        self._screen_names = (b"", b"")  # the screens packed for jq_next: [length byte, bytes] per name

    def poll(self, handler, limit, deadline):
        """Delivers up to ``limit`` unread, unscreened messages to ``handler(sender, type, address, length)``:
        waits until ``deadline`` for the first, then takes what is there. The cursor is stored once, at
        the end (a pop is a batch of one). If the handler raises, its message stays unread."""
        return self._take(handler, limit, deadline)

    def pop(self, deadline):
        """The next unread, unscreened message as (sender, type, body) bytes, or None by the deadline."""
        return self._take(None, 1, deadline)

    def _take(self, handler, limit, deadline):
        """poll, or with no handler a pop (a copy of one message, returned). Each record is found by the
        shim's jq_next (mark acquire-loaded, skip marks, records the delivery gate holds back and screened
        records passed, every header validated); after its bytes are read, jq_after_read fences and checks
        the registration (and for the batch's last message stores the cursor), as a seqlock's reader does."""
        if self.write_only:
            raise RuntimeError("this registration is write-only: it reads nothing. Open another one, without"
                               " write_only, to read")
        if self._polling_thread is not None:
            raise RuntimeError("a pop from inside a handler of the same handle: pop after returning")
        self._polling_thread = threading.get_ident()
        self._skip_lock.acquire()
        queue, registration = self.queue, self.registration
        qc, slot, word, found = queue.c, self.slot, registration.word, self._found
        delivered = 0
        taken = None
        try:
            if lib.jq_load64(self._slot_word) != word:
                raise registration.registration_lost()
            while delivered < limit:
                senders, types = self._screen_names
                result = lib.jq_next(qc, slot, self.cursor, senders, len(senders), types, len(types), found)
                self.cursor = found.position
                if result == 1:
                    names, sender_length = found.names, found.sender_length
                    name_bytes = read_bytes(names, sender_length + found.type_length)
                    body_address = names + sender_length + found.type_length
                    if handler is None:
                        taken = (name_bytes[:sender_length], name_bytes[sender_length:],
                                 read_bytes(body_address, found.body_length))
                    else:
                        handler(name_bytes[:sender_length], name_bytes[sender_length:], body_address,
                                found.body_length)
                    delivered += 1
                    last = delivered == limit
                    if lib.jq_after_read(qc, slot, word, found.next, last) < 0:
                        raise registration.registration_lost()
                    self.cursor = found.next
                    if last:
                        self.stored_cursor = found.next
                    continue
                if result < 0:
                    self._require_registered_after_reading()  # if evicted, writers may have reused these bytes
                    why = "has an impossible header" if result == -1 else "runs past the tail"
                    raise damaged(queue.file.path, f"the record at position {found.position} {why}")
                if self.stored_cursor != self.cursor:  # hand back what was read or screened before waiting
                    if lib.jq_after_read(qc, slot, word, self.cursor, 1) < 0:  # check, store, wake writers
                        raise registration.registration_lost()
                    self.stored_cursor = self.cursor
                if delivered:
                    break
                if expired(deadline):
                    self.repair_hole()  # a reader that never waits must not stop at a crashed writer's hole
                    break
                if not self.waiter.wait_fused(self._ready, self._sleep_once, self.repair_hole, deadline):
                    break
            return taken if handler is None else delivered
        finally:
            self._polling_thread = None
            self._skip_lock.release()
            if self.stored_cursor != self.cursor and not registration.closing and registration.is_registered():
                self._flush_cursor()

    def _ready(self):
        """The record at the cursor is resolved (Waiter's condition; raises if closed or evicted)."""
        registration = self.registration
        registration.ensure_open()
        ready = lib.jq_ready(self.queue.c, self.slot, registration.word, self.cursor)
        if ready < 0:
            raise registration.registration_lost()
        return ready == 1

    def _sleep_once(self, nanos):
        """One sleep of the reader on its bit (the shim's jq_reader_sleep: count, arm, check, sleep, uncount).
        1: the record is resolved; 0: look again; 2: not resolved and no time left."""
        registration = self.registration
        registration.ensure_open()
        result = lib.jq_reader_sleep(self.queue.c, self.slot, registration.word, self.cursor, nanos)
        if result == -1:
            raise registration.registration_lost()
        if result < 0:
            check_wait(-result)
        return result

    def _flush_cursor(self):
        if self.stored_cursor != self.cursor:
            self.registration.require_registered()
            self.queue.store_cursor(self.slot, self.cursor)
            self.stored_cursor = self.cursor

    def flush_if_polling_here(self):
        """For an append from a poll handler that finds no room: its own batch may hold the room."""
        if self._polling_thread == threading.get_ident() and self.stored_cursor != self.cursor \
                and self.registration.is_registered():
            self._flush_cursor()
            return True
        return False

    def skip_screened_for_own_append(self):
        """Python-only (not in Java): for an append of this registration that finds no room, moves the
        cursor over the resolved records its pops would skip anyway (screened, held back by the delivery
        gate, skip marks), up to the first one it would deliver, and stores it. Without this, a process
        blocked in an append with only screened records unread in front of it holds the room it waits for
        (pysyncq's echo benchmark on two cores wedges so). Nothing it would read is passed. Only when no pop
        of this registration is in progress on another thread. Returns True if the cursor moved."""
        me = threading.get_ident()
        if self.write_only or (self._polling_thread is not None and self._polling_thread != me):
            return False
        if not self._skip_lock.acquire(blocking=False):
            return False
        try:
            queue = self.queue
            gate = queue.readers.delivery_gate
            cursor = self.cursor
            for _ in range(queue.capacity // L.GRANULE):  # at most one lap
                mark = queue.mark_acquire(cursor)
                if not is_resolved(mark, cursor):
                    break
                if mark == cursor | L.MARK_SKIP_GRANULE:
                    cursor += L.GRANULE
                    continue
                address = queue.record_address(cursor)
                lengths = lib.jq_read64(address)
                writer = lib.jq_read64(address + 8)
                record_length = L.to_i32(lengths)
                sender_length = (writer >> 48) & 0xFF
                type_length = (writer >> 56) & 0xFF
                if not L.RECORD_HEADER_LENGTH + sender_length + type_length <= record_length <= queue.capacity:
                    break  # damaged: the next pop says so
                if mark != cursor | L.MARK_SKIP_RECORD and not gate.passes_over(self.slot, (writer >> 32) & 0xFFFF,
                                                                                 cursor):
                    names = read_bytes(address + L.RECORD_HEADER_LENGTH, sender_length + type_length)
                    if not (set.__contains__(self.sender_screen, names[:sender_length])
                            or set.__contains__(self.type_screen, names[sender_length:])):
                        break  # a message it reads: stays unread
                cursor += L.aligned_length(record_length)
            lib.jq_fence()
            if cursor == self.cursor or not self.registration.is_registered():
                return False
            self.cursor = cursor
            self._flush_cursor()
            return True
        finally:
            self._skip_lock.release()

    def screens_changed(self):
        """Publishes the summary, then wakes this registration's sleeping reader (that order: a record
        handed on as screened may be one it reads now; model/wakefilter_editfirst.pml)."""
        self._screen_names = (_pack(self.sender_screen), _pack(self.type_screen))
        if self.write_only or self.registration.closing:
            return
        sender_hashes = self.sender_screen.hashes()
        # Its own records all carry its name: screening the name is skipping its own records, which the
        # summary says too (as a Java reader's does), so that its own appends never wake it.
        skips_own = name_hash(to_bytes(self.registration.sender)) in sender_hashes
        self.queue.readers.publish_screens(self.slot, sender_hashes, self.type_screen.hashes(), skips_own)
        self.queue.wake_reader(self.slot)

    def _next_record_resolved(self):
        self.registration.ensure_open()
        self.registration.require_registered()  # an evicted or removed registration learns it while it waits
        return is_resolved(self.queue.mark_volatile(self.cursor), self.cursor)

    def repair_hole(self):
        """On slow paths only, at most every 10 ms: a position is first noted, judged on the next look."""
        now = time.monotonic_ns()
        if now - self._last_repair < REPAIR_INTERVAL_NANOS:
            return
        self._last_repair = now
        self.registration.require_registered()
        if self._stuck_at != self.cursor:
            if self.queue.tail() > self.cursor:
                self._stuck_at = self.cursor
            return
        try:
            self.recovery.repair_hole(self.cursor, self.slot)
        except IncompatibleQueueError:
            self.registration.require_registered()  # evicted and lapped: say that, not "damaged"
            raise

    def _require_registered_after_reading(self):
        """Bytes read are valid if the registration still held its cursor after reading them (a seqlock's
        check); the fence keeps the reads before the check (Java: VarHandle.acquireFence)."""
        lib.jq_fence()
        self.registration.require_registered()
