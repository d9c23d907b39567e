"""MessageWriter and ClaimFloors: one registration's write path (design.md section 3). Claim with a
claim floor, write the record with plain stores, publish its mark; wait for room on the space channel."""

import struct
import threading
import time

from . import layout as L
from .errors import MessageTooLargeError, QueueFullError
from .names import encode_record_name, name_hash
from .native import ffi, lib
from .waiting import expired

RECLAIM_INTERVAL_NANOS = 10_000_000  # a writer without room looks for dead registrations at most this often
_HEADER = struct.Struct("<iiiHBB")


class ClaimFloors:
    """Hands out the registration's eight floor lanes, one per append in progress. Lane 0 is the first
    appending thread's for good; other threads share lanes 1-7 (this process's own state, not shared)."""

    def __init__(self):
        self._lane_zero_owner = None
        self._busy = 0
        self._lock = threading.Lock()

    def take(self, deadline):
        me = threading.get_ident()
        if self._lane_zero_owner == me:
            return 0
        with self._lock:
            if self._lane_zero_owner is None:
                self._lane_zero_owner = me
                return 0
        while True:
            with self._lock:
                for lane in range(1, L.FLOOR_LANES):
                    if not self._busy & (1 << lane):
                        self._busy |= 1 << lane
                        return lane
            if expired(deadline):
                return -1
            time.sleep(0.00001)

    def give(self, lane):
        if lane:
            with self._lock:
                self._busy &= ~(1 << lane)


class MessageWriter:
    def __init__(self, registration, queue, recovery, waiter, slot, word, sender):
        self.registration = registration
        self.queue = queue
        self.recovery = recovery
        self.waiter = waiter
        self.slot = slot
        self.generation = L.generation_of(word)
        self.word = word
        self.sender = sender
        self.sender_hash = name_hash(sender)
        self.floors = ClaimFloors()
        self._types = {}  # type bytes -> hash: types repeat
        self._last_reclaim = time.monotonic_ns() - RECLAIM_INTERVAL_NANOS

    def max_body_length(self, type_length):
        return self.queue.capacity - L.RECORD_HEADER_LENGTH - len(self.sender) - type_length

    def append(self, type_bytes, body, deadline, quiet_when_full=False):
        """Appends one message; raises QueueFullError (a MemoryError) without room by the deadline, or
        returns False then if ``quiet_when_full``."""
        queue, slot = self.queue, self.slot
        if len(type_bytes) > L.MAX_NAME_BYTES:
            encode_record_name("message type", type_bytes)  # raises, with the message
        type_hash = self._types.get(type_bytes)
        if type_hash is None:
            type_hash = self._types.setdefault(type_bytes, name_hash(type_bytes))
        record_length = L.RECORD_HEADER_LENGTH + len(self.sender) + len(type_bytes) + len(body)
        if record_length > queue.capacity:
            raise MessageTooLargeError(
                f"a message of {len(body)} body bytes can never fit in queue '{self.registration.name}': with this "
                f"sender and type the largest body is {self.max_body_length(len(type_bytes))} bytes of its "
                f"{queue.capacity}. Create the queue larger, or split the message")
        aligned = L.aligned_length(record_length)
        lane = -1
        claim_ended = True  # until a floor is set: from the claim to publishing or skipping
        try:
            lane = self.floors.take(deadline)
            if lane < 0:
                return self._full(aligned, quiet_when_full)
            claim_ended = False
            # The common case in one call to the shim: claim with the head cache as it is, write, check the
            # registration, publish, wake (SharedQueue.try_claim + the copies + publish_and_end_claim, in
            # that order). Nothing in Python runs between its claim and its publish.
            position = lib.jq_append(queue.c, slot, lane, self.word, self.generation, self.sender,
                                     len(self.sender), self.sender_hash, type_bytes, len(type_bytes), type_hash,
                                     body if type(body) is bytes else ffi.from_buffer(body), len(body))
            if position >= 0:
                claim_ended = True
                return True
            if position < -1:  # claimed and written, but evicted meanwhile: not delivered, and we say so
                queue.skip_own_record_and_end_claim(-position - 2, slot, lane)
                claim_ended = True
                self.registration.require_registered()
                raise self.registration.registration_lost()
            # No room as far as the head cache knows, or a tail to check: the floor is clear, nothing claimed.
            position = self._claim(aligned, lane, deadline)
            claim_ended = position < 0  # a claim without room leaves its floor clear
            if position < 0:
                return self._full(aligned, quiet_when_full)
            address = queue.record_address(position)
            try:
                head = _HEADER.pack(record_length, len(body), self.generation, slot, len(self.sender),
                                    len(type_bytes)) + self.sender + type_bytes
                lib.jq_copy_in(address, head, len(head))
                if body:
                    lib.jq_copy_in(address + len(head), ffi.from_buffer(body), len(body))
                self.registration.require_registered()  # evicted meanwhile: not delivered, and we say so
            except BaseException:
                queue.skip_own_record_and_end_claim(position, slot, lane)  # never leave it claimed
                claim_ended = True
                raise
            queue.publish_and_end_claim(position, self.sender_hash, type_hash, slot, lane)
            claim_ended = True
            return True
        finally:
            if lane >= 0:
                if not claim_ended:
                    # Failed with the floor set (a damaged tail, an interrupted wait): a claim made is then a
                    # hole, which readers skip as a dead writer's.
                    queue.clear_floor(slot, lane)
                self.floors.give(lane)

    def _claim(self, aligned, lane, deadline):
        queue, slot = self.queue, self.slot
        position = queue.try_claim(aligned, slot, lane)
        if position >= 0:
            return position
        queue.wake_readers_holding_screened()  # screened records handed on past a sleeper hold its cursor
        if self.registration.reader.flush_if_polling_here():  # appending from a poll handler
            position = queue.try_claim(aligned, slot, lane)
            if position >= 0:
                return position
        if self.registration.reader.skip_screened_for_own_append():  # Python-only: see the reader
            position = queue.try_claim(aligned, slot, lane)
            if position >= 0:
                return position
        if self._reclaim_dead_readers() > 0:
            position = queue.try_claim(aligned, slot, lane)
            if position >= 0:
                return position
        if expired(deadline):
            return -1
        claimed = [-1]
        registration = self.registration

        def room():
            registration.ensure_open()
            registration.require_registered()
            claimed[0] = queue.try_claim(aligned, slot, lane)
            return claimed[0] >= 0

        got = self.waiter.wait(room, queue.space, queue.space, True, self._between_sleeps, deadline)
        return claimed[0] if got else -1

    def _between_sleeps(self):
        """Housekeeping before each sleep for room: reclaim the dead (throttled), and, unlike Java, which
        does it once before waiting, wake again the sleeping readers whose screened records hold the room:
        records handed on past them while this writer slept would otherwise wait for their next sleep slice
        (a spare wake-up at worst; one load when no reader sleeps)."""
        self._reclaim_dead_readers()
        self.queue.wake_readers_holding_screened()
        self.registration.reader.skip_screened_for_own_append()

    def _reclaim_dead_readers(self):
        now = time.monotonic_ns()
        if now - self._last_reclaim < RECLAIM_INTERVAL_NANOS:
            return 0
        self._last_reclaim = now
        return self.recovery.reclaim_dead_readers(self.slot)

    def _full(self, aligned, quiet):
        if quiet:
            return False
        queue = self.queue
        raise QueueFullError(f"queue '{self.registration.name}' is full: the message needs {aligned} bytes and "
                             f"{queue.free_space()} of {queue.capacity} are free; pop more often, wait with a "
                             "timer, or create the queue larger")
