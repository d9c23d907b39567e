"""The reader slots (ReaderTable) and their owner locks (SlotLocks): taking and freeing slots, the cursors
and claim floors writers scan, the wake-up fields, and the identity ``jsyncq stat`` shows (design.md 4-6)."""

import errno
import os

from . import layout as L
from .errors import SyncQueueError
from .gate import DeliveryGate
from .native import lib, read_bytes


class SlotLocks:
    """Owner locks through one open file description: OFD write lock on the first byte of each slot."""

    __slots__ = ("fd",)

    def __init__(self, fd):
        self.fd = fd

    def try_lock(self, slot):
        """Takes the slot's lock if nobody else holds it: its owner, if any, is then dead."""
        error = lib.jq_ofd_lock(self.fd, L.slot_offset(slot), 1, 0)
        if error == 0:
            return True
        if error in (errno.EAGAIN, errno.EACCES):
            return False
        raise SyncQueueError(f"fcntl(F_OFD_SETLK) failed: {os.strerror(error)}")

    def unlock(self, slot):
        error = lib.jq_ofd_unlock(self.fd, L.slot_offset(slot), 1)
        if error:
            raise SyncQueueError(f"fcntl(F_OFD_SETLK, F_UNLCK) failed: {os.strerror(error)}")

    def is_held_by_other(self, slot):
        held = lib.jq_ofd_held_by_other(self.fd, L.slot_offset(slot), 1)
        if held < 0:
            raise SyncQueueError(f"fcntl(F_OFD_GETLK) failed: {os.strerror(-held)}")
        return held == 1


class ReaderTable:
    def __init__(self, base, max_readers):
        self.base = base
        self.max_readers = max_readers
        #: the queue's delivery gate, which a freed slot's registration gives up
        self.delivery_gate = DeliveryGate(base)

    def _slot(self, slot):
        return self.base + L.slot_offset(slot)

    def high_water(self):
        """Slots at or above it were never taken: scans stop there (clamped: the file may lie)."""
        return min(max(lib.jq_load32(self.base + L.SLOT_HIGH_WATER_OFFSET), 0), self.max_readers)

    def taken(self):
        """(slot, slot word) of every taken slot below the high-water mark, the word read once."""
        load = lib.jq_load64
        base = self.base + L.READER_TABLE_OFFSET + L.SLOT_WORD_OFFSET
        for slot in range(self.high_water()):
            word = load(base + slot * L.SLOT_LENGTH)
            if word & 0xFFFF_FFFF != L.STATE_FREE:
                yield slot, word

    def slot_word(self, slot):
        return lib.jq_load64(self._slot(slot) + L.SLOT_WORD_OFFSET)

    def cursor(self, slot):
        return lib.jq_load64(self._slot(slot) + L.CURSOR_OFFSET)

    def store_cursor(self, slot, position):
        lib.jq_store64(self._slot(slot) + L.CURSOR_OFFSET, position)

    def set_floor_release(self, slot, lane, position):
        lib.jq_store64_release(self.base + L.floor_offset(slot, lane), position)

    def lowest_floor(self, slot):
        at = self.base + L.floor_offset(slot, 0)
        return min(lib.jq_load64_acquire(at + 8 * lane) for lane in range(L.FLOOR_LANES))

    def lowest_floor_above(self, slot, position):
        at = self.base + L.floor_offset(slot, 0)
        lowest = L.NO_FLOOR
        for lane in range(L.FLOOR_LANES):
            floor = lib.jq_load64_acquire(at + 8 * lane)
            if position < floor < lowest:
                lowest = floor
        return lowest

    def clear_floors(self, slot):
        at = self.base + L.floor_offset(slot, 0)
        for lane in range(L.FLOOR_LANES):
            lib.jq_store64_release(at + 8 * lane, L.NO_FLOOR)

    def register(self, queue, locks, identity, sender, write_only):
        """Takes a free slot and makes it active at the current tail; the owner lock comes first, so a
        reclaimer reading the slot word after that sees a live owner. Returns (slot, word) or None."""
        for slot in range(self.max_readers):
            if L.state_of(self.slot_word(slot)) != L.STATE_FREE or not locks.try_lock(slot):
                continue
            word = self.slot_word(slot)  # again, under the lock
            if L.state_of(word) != L.STATE_FREE:
                locks.unlock(slot)  # a dead owner's, not yet reclaimed
                continue
            at = self._slot(slot)
            self.clear_floors(slot)
            lib.jq_store64(at + L.LAST_CLAIM_OFFSET, -1)  # as Java: a durable registration's, else unused
            self._write_identity(at, identity, sender)
            self._raise_high_water(slot + 1)
            active = L.slot_word(L.generation_of(word) + 1, L.STATE_WRITER if write_only else L.STATE_ACTIVE)
            # Until the tail is read below, hold a position no later than anything still unfreed.
            lib.jq_store64(at + L.CURSOR_OFFSET, queue.head_cache())
            lib.jq_store64(at + L.SLOT_WORD_OFFSET, active)
            lib.jq_fetch_add32(self.base + L.REGISTRATION_EPOCH_OFFSET, 1)
            lib.jq_store64(at + L.CURSOR_OFFSET, queue.checked_tail())
            return slot, active
        return None

    def _write_identity(self, at, identity, sender):
        pid, start_time, namespace = identity
        lib.jq_store32(at + L.PID_OFFSET, L.to_i32(pid))
        lib.jq_store64(at + L.START_TIME_OFFSET, start_time)
        lib.jq_store64(at + L.PID_NAMESPACE_OFFSET, namespace)
        lib.jq_store32(at + L.MESSAGE_SLEEPERS_OFFSET, 0)
        lib.jq_store32(at + L.SPACE_SLEEPERS_OFFSET, 0)
        lib.jq_store64(at + L.WAIT_AT_OFFSET, L.NOT_WAITING)
        lib.jq_store32(at + L.ARMED_OFFSET, 0)
        lib.jq_store32(at + L.SUMMARY_OFFSET, 0)  # screens nothing, until it says
        kept = min(len(sender), L.MAX_SENDER_BYTES)
        while 0 < kept < len(sender) and sender[kept] & 0xC0 == 0x80:
            kept -= 1  # cut where a UTF-8 character starts
        lib.jq_copy_in(at + L.SENDER_OFFSET, sender, kept)
        lib.jq_store32(at + L.SENDER_LENGTH_OFFSET, kept | (L.SENDER_CUT if kept < len(sender) else 0))

    def _raise_high_water(self, candidate):
        address = self.base + L.SLOT_HIGH_WATER_OFFSET
        while True:
            current = lib.jq_load32(address)
            if candidate <= current or lib.jq_cas32(address, current, candidate):
                return

    def free(self, slot, expected_word):
        """Frees the slot if it still holds that registration; the caller holds its owner lock. Every way a
        slot is freed (close, reclaim of a dead owner) comes here, so a delivery gate the slot held ends, its
        window closed at the slot's last read position; parking (below) keeps it, for the Java process that
        resumes the durable registration."""
        freed = L.slot_word(L.generation_of(expected_word) + 1, L.STATE_FREE)
        if not lib.jq_cas64(self._slot(slot) + L.SLOT_WORD_OFFSET, expected_word, freed):
            return False
        self.delivery_gate.end_if_held_by(slot, self.cursor(slot))  # the gate ends with its registration
        return True

    def park(self, slot, durable_word):
        """Parks a dead durable registration (the caller holds its owner lock, and cleared its floors): its
        cursor goes on holding space for the Java process that resumes it."""
        if L.state_of(durable_word) != L.STATE_DURABLE:
            return False
        parked = L.slot_word(L.generation_of(durable_word), L.STATE_PARKED)
        return bool(lib.jq_cas64(self._slot(slot) + L.SLOT_WORD_OFFSET, durable_word, parked))

    def evict(self, slot, live_word):
        """For an operator (ReaderTable.evict): active(g) or writer(g) becomes evicted(g), by a CAS from the
        word read, so a later registration of the slot is never evicted by mistake."""
        return L.is_live(L.state_of(live_word)) and bool(lib.jq_cas64(
            self._slot(slot) + L.SLOT_WORD_OFFSET, live_word, L.slot_word(L.generation_of(live_word), L.STATE_EVICTED)))

    def taken_count(self):
        return sum(1 for _ in self.taken())

    # -- waking only the readers that will read (design.md 5)
    def wait_at(self, slot):
        return lib.jq_load64(self._slot(slot) + L.WAIT_AT_OFFSET)

    def move_wait_at(self, slot, old, new):
        return bool(lib.jq_cas64(self._slot(slot) + L.WAIT_AT_OFFSET, old, new))

    def is_armed(self, slot):
        return lib.jq_load32(self._slot(slot) + L.ARMED_OFFSET) != 0

    def disarm(self, slot):
        return bool(lib.jq_cas32(self._slot(slot) + L.ARMED_OFFSET, 1, 0))

    def publish_screens(self, slot, sender_hashes, type_hashes, skips_own=False):
        """The hashes, then the count (volatile): a writer that reads the count sees the hashes it counts."""
        at = self._slot(slot)
        lib.jq_store32(at + L.SUMMARY_OFFSET, L.SUMMARY_UNFILTERED)  # no half-written summary
        if len(sender_hashes) > L.SUMMARY_HASHES or len(type_hashes) > L.SUMMARY_HASHES:
            return
        for i, h in enumerate(sender_hashes):
            lib.jq_store64(at + L.SENDER_HASHES_OFFSET + 8 * i, h)
        for i, h in enumerate(type_hashes):
            lib.jq_store64(at + L.TYPE_HASHES_OFFSET + 8 * i, h)
        lib.jq_store32(at + L.SUMMARY_OFFSET,
                       len(sender_hashes) | len(type_hashes) << 8 | (L.SUMMARY_SKIPS_OWN if skips_own else 0))

    def screens(self, slot, sender_hash, type_hash):
        """True if the slot's reader screens a record of this sender or type, as far as its summary says."""
        at = self._slot(slot)
        summary = lib.jq_load32(at + L.SUMMARY_OFFSET)
        if summary == L.SUMMARY_UNFILTERED:
            return False
        for i in range(min(summary & 0xFF, L.SUMMARY_HASHES)):
            if lib.jq_read64(at + L.SENDER_HASHES_OFFSET + 8 * i) == sender_hash:
                return True
        for i in range(min((summary >> 8) & 0xFF, L.SUMMARY_HASHES)):
            if lib.jq_read64(at + L.TYPE_HASHES_OFFSET + 8 * i) == type_hash:
                return True
        return False

    def add_sleeper(self, slot, for_space, delta):
        lib.jq_fetch_add32(self._slot(slot) + (L.SPACE_SLEEPERS_OFFSET if for_space else L.MESSAGE_SLEEPERS_OFFSET),
                           delta)

    def sleepers(self, slot, for_space):
        return lib.jq_load32(self._slot(slot) + (L.SPACE_SLEEPERS_OFFSET if for_space else L.MESSAGE_SLEEPERS_OFFSET))

    def pid(self, slot):
        return lib.jq_load32(self._slot(slot) + L.PID_OFFSET)

    def sender(self, slot):
        at = self._slot(slot)
        field = lib.jq_load32(at + L.SENDER_LENGTH_OFFSET)
        length = min(max(field & 0x7FFF_FFFF, 0), L.MAX_SENDER_BYTES)
        text = read_bytes(at + L.SENDER_OFFSET, length).decode("utf-8", "replace")
        return text + ("…" if field & L.SENDER_CUT else "")
