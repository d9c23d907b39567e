"""SharedQueue: the lock-free protocol over one mapped queue (design.md sections 3-5): claiming with a
claim floor, publishing marks, skipping, the head cache, and waking only the readers that will read."""

from . import layout as L
from .errors import damaged
from .native import ffi, lib
from .readertable import ReaderTable, SlotLocks
from .waiting import ReaderBed, WakeChannel


def is_resolved(mark, position):
    """The mark says the record at ``position`` is published, or is to be skipped."""
    return mark == position or mark == position | L.MARK_SKIP_RECORD or mark == position | L.MARK_SKIP_GRANULE


def reader_bit(slot):
    """A reader's bit on the message futex: slots 32 apart share one (a spare wake-up, never a lost one)."""
    return 1 << (slot & 31)


class SharedQueue:
    def __init__(self, file):
        g = file.geometry
        self.file = file
        self.base = file.base
        self.capacity = g.capacity
        self.ring_mask = g.capacity - 1
        self.ring = file.base + g.ring_offset
        self.marks_address = file.base + g.marks_offset
        self.marks = g.capacity >> L.GRANULE_SHIFT
        self.readers = ReaderTable(file.base, g.max_readers)
        self.locks = SlotLocks(file.fd)
        self.messages = WakeChannel(file.base, L.MESSAGE_FUTEX_OFFSET, L.MESSAGE_WAITERS_OFFSET, L.MESSAGE_ARMED_OFFSET)
        self.space = WakeChannel(file.base, L.SPACE_FUTEX_OFFSET, L.SPACE_WAITERS_OFFSET, L.SPACE_ARMED_OFFSET)
        self._tail = file.base + L.TAIL_POSITION_OFFSET
        self._head = file.base + L.HEAD_CACHE_OFFSET
        #: what the shim's fused fast paths (jq_append, jq_next, jq_after_read, jq_reader_sleep) know of it
        self.c = ffi.new("struct jq_queue *", {
            "base": file.base, "ring": self.ring, "marks": self.marks_address, "capacity": g.capacity,
            "nmarks": self.marks, "max_readers": g.max_readers, "large_record": L.LARGE_RECORD})

    def flags(self):
        return lib.jq_load32(self.base + L.FLAGS_OFFSET)

    def record_address(self, position):
        return self.ring + (position & self.ring_mask)

    # ---- claim, publish, skip ---------------------------------------------------------------------------

    def tail(self):
        return lib.jq_load64(self._tail)

    def checked_tail(self):
        """The tail, refused unless some record could start there (untrusted bytes, design.md 9). Python also
        refuses a tail within a ring of 2**63, which no queue reaches (29 years at 10 GB/s): a claim there
        would overflow the 64-bit position, which Java wraps and the shim refuses."""
        tail = lib.jq_load64(self._tail)
        if tail < 0 or tail & (L.GRANULE - 1) or tail > L.MAX_POSITION - self.capacity:
            raise damaged(self.file.path, f"its tail position {tail} is not a record boundary")
        return tail

    def try_claim(self, length, slot, lane):
        """Claims ``length`` (aligned) bytes at the tail if the head cache leaves room, declaring the claim's
        floor first (release), then CAS on the tail. Returns the position, or -1 without room (lane clear).

        Python only, on the slow paths: a head cache ahead of a tail read after it, or a tail more than a
        ring ahead of a head read after it, cannot happen in a sound file (every claim keeps tail - head
        within a ring, and the head cache is a minimum taken below a tail read before it); such bytes are
        damage, refused here instead of letting writers lap unread records or report negative room."""
        readers = self.readers
        while True:
            tail = self.checked_tail()
            head = lib.jq_load64(self._head)
            if head > tail and head > self.checked_tail():
                raise damaged(self.file.path, f"its head cache {head} is ahead of its tail {self.tail()}")
            if tail + length - head > self.capacity:
                readers.set_floor_release(slot, lane, L.NO_FLOOR)
                head = self.refresh_head_cache()
                if tail + length - head > self.capacity:
                    if tail - head > self.capacity:
                        raise damaged(self.file.path, f"its tail {tail} is more than a ring ({self.capacity} bytes) "
                                                      f"ahead of the position every reader has passed ({head})")
                    return -1
            readers.set_floor_release(slot, lane, tail)
            if lib.jq_cas64(self._tail, tail, tail + length):
                return tail

    def clear_floor(self, slot, lane):
        """Ends an append that neither published nor skipped its claim; wakes writers (a floor can hold the head)."""
        self.readers.set_floor_release(slot, lane, L.NO_FLOOR)
        lib.jq_fence()
        self.space.wake_if_waiting()

    def publish_and_end_claim(self, position, sender_hash, type_hash, slot, lane):
        """Mark release-stored, then floor cleared, then one full fence, then the waiter-count loads."""
        lib.jq_store64_release(self._mark_address(position), position)
        self._end_claim(slot, lane)
        if self.messages.waiters_volatile() != 0:
            self._wake_readers_waiting_at(position, sender_hash, type_hash, False)

    def skip_own_record_and_end_claim(self, position, slot, lane):
        """For a writer that failed, or was evicted, between claiming and publishing: readers skip the record."""
        lib.jq_store64_release(self._mark_address(position), position | L.MARK_SKIP_RECORD)
        self._end_claim(slot, lane)
        if self.messages.waiters_volatile() != 0:
            self._wake_readers_waiting_at(position, 0, 0, True)

    def _end_claim(self, slot, lane):
        self.readers.set_floor_release(slot, lane, L.NO_FLOOR)
        lib.jq_fence()
        self.space.wake_if_waiting()

    # ---- waking only the readers that will read (design.md 5, model/wakefilter.pml) ------------------

    def _wake_readers_waiting_at(self, position, sender_hash, type_hash, wake_anyway):
        readers = self.readers
        bits = 0
        for slot, _ in readers.taken():
            if readers.is_armed(slot) and readers.wait_at(slot) == position:
                bits |= self._wake_or_hand_on(slot, position, sender_hash, type_hash, wake_anyway)
        if bits:
            self.messages.wake_bits(bits)

    def _wake_or_hand_on(self, slot, position, sender, type_, any_):
        """The reader's bit if it reads the record at ``position``; else hands its wait on to the next
        record (CAS), and if that one is resolved already, decides for it too (its writer may have looked
        before the move)."""
        readers = self.readers
        at = position
        while True:
            nxt = -1 if any_ or not readers.screens(slot, sender, type_) else self._next_record(at)
            if nxt < 0:
                return reader_bit(slot) if readers.disarm(slot) else 0
            if not readers.move_wait_at(slot, at, nxt):
                return 0  # it woke and waits elsewhere, or another writer moved it
            mark = lib.jq_load64(self._mark_address(nxt))
            if not is_resolved(mark, nxt):
                return 0  # that record's writer will see the reader waiting at it
            at = nxt
            any_ = mark != nxt  # a record to skip: the reader's to skip, so wake it
            if not any_:
                record = self.record_address(at)
                writer = lib.jq_read64(record + 8)
                sender_length = (writer >> 48) & 0xFF
                type_length = (writer >> 56) & 0xFF
                names = record + L.RECORD_HEADER_LENGTH
                sender = lib.jq_fnv1a64(names, sender_length)
                type_ = lib.jq_fnv1a64(names + sender_length, type_length)

    def _next_record(self, position):
        length = L.to_i32(lib.jq_read64(self.record_address(position)))
        if length < L.RECORD_HEADER_LENGTH or length > self.capacity:
            return -1  # damaged: let the reader find out
        return position + L.aligned_length(length)

    def wake_reader(self, slot):
        """Wakes the reader sleeping in ``slot``, if armed: whoever disarms it makes the call."""
        if self.readers.disarm(slot):
            self.messages.wake_bits(reader_bit(slot))

    def wake_all_readers(self):
        """For closing, eviction, removal, repaired holes."""
        bits = 0
        for slot, _ in self.readers.taken():
            if self.readers.disarm(slot):
                bits |= reader_bit(slot)
        if bits:
            self.messages.wake_bits(bits)

    def wake_readers_holding_screened(self):
        """A writer short of room wakes every sleeping reader whose wait is ahead of its cursor: the screened
        records handed on past it hold its cursor back."""
        if self.messages.waiters_volatile() == 0:
            return
        readers = self.readers
        bits = 0
        for slot, word in readers.taken():
            if (L.reads(L.state_of(word)) and readers.is_armed(slot)
                    and readers.wait_at(slot) > readers.cursor(slot) and readers.disarm(slot)):
                bits |= reader_bit(slot)
        if bits:
            self.messages.wake_bits(bits)

    def reader_bed(self, slot, wait_at):
        return ReaderBed(self.messages, self.base, slot, wait_at)

    # ---- marks --------------------------------------------------------------------------------------

    def _mark_address(self, position):
        return self.marks_address + L.mark_index(position, self.marks) * L.MARK_LENGTH

    def mark_acquire(self, position):
        return lib.jq_load64_acquire(self._mark_address(position))

    def mark_volatile(self, position):
        return lib.jq_load64(self._mark_address(position))

    def skip_granule(self, position, stale):
        """A dead writer's granule, if its mark is still ``stale`` (another repairer may have done it)."""
        return bool(lib.jq_cas64(self._mark_address(position), stale, position | L.MARK_SKIP_GRANULE))

    # ---- freeing space ------------------------------------------------------------------------------

    def head_cache(self):
        return lib.jq_load64(self._head)

    def free_space(self):
        return self.capacity - (self.tail() - self.refresh_head_cache())

    def refresh_head_cache(self):
        """Min of active cursors and all floors, tail read first; repeated if a reader registered meanwhile."""
        readers = self.readers
        epoch_address = self.base + L.REGISTRATION_EPOCH_OFFSET
        while True:
            epoch = lib.jq_load32(epoch_address)
            minimum = self.tail()
            for slot, word in readers.taken():
                if L.cursor_holds_space(L.state_of(word)):
                    minimum = min(minimum, readers.cursor(slot))
                minimum = min(minimum, readers.lowest_floor(slot))
            if epoch == lib.jq_load32(epoch_address):
                break
        while True:  # CAS-max: a stale rescan never undoes a newer one
            current = lib.jq_load64(self._head)
            if minimum <= current:
                return current
            if lib.jq_cas64(self._head, current, minimum):
                return minimum

    def store_cursor(self, slot, position):
        """Moves a reader's shared cursor forward and wakes writers waiting for room."""
        self.readers.store_cursor(slot, position)
        self.space.wake_if_waiting()

    def register(self, identity, sender, write_only):
        return self.readers.register(self, self.locks, identity, sender, write_only)

    def evict(self, slot, live_word):
        """Evicts the registration in ``slot`` if it still holds ``live_word`` (SharedQueue.evict, for
        ``jsyncq evict``), and wakes everyone: its sleepers learn it, writers may have room now."""
        if not self.readers.evict(slot, live_word):
            return False
        self.wake_all_readers()
        self.space.wake_all()
        return True

    # ---- lifecycle and statistics -------------------------------------------------------------------

    def mark_removed(self):
        address = self.base + L.LIFECYCLE_OFFSET
        while True:
            lifecycle = lib.jq_load32(address)
            if lifecycle & L.LIFECYCLE_REMOVED:
                return False
            if lib.jq_cas32(address, lifecycle, L.to_i32(lifecycle | L.LIFECYCLE_REMOVED)):
                return True

    def is_removed(self):
        return bool(lib.jq_load32(self.base + L.LIFECYCLE_OFFSET) & L.LIFECYCLE_REMOVED)

    def registration_count(self):
        return self.readers.taken_count()

    def count_reader_reclaimed(self):
        lib.jq_fetch_add64(self.base + L.READERS_RECLAIMED_OFFSET, 1)

    def count_hole_repaired(self):
        lib.jq_fetch_add64(self.base + L.HOLES_REPAIRED_OFFSET, 1)
