"""CrashRecovery: reclaiming dead registrations (their owner lock is free) and skipping dead writers'
holes (design.md sections 6 and 8). Never touches what a live process, however stopped, still owns."""

from . import layout as L
from .errors import damaged
from .shared import is_resolved


class CrashRecovery:
    def __init__(self, queue):
        self.queue = queue
        self.readers = queue.readers
        self.locks = queue.locks

    def reclaim_dead_readers(self, own_slot):
        """Reclaims every registration whose process is dead; ``own_slot`` (-1 for none) is never judged."""
        return sum(1 for slot, _ in list(self.readers.taken()) if slot != own_slot and self.reclaim_if_dead(slot))

    def reclaim_if_dead(self, slot):
        if not self.locks.try_lock(slot):
            return False
        try:
            word = self.readers.slot_word(slot)
            if L.state_of(word) in (L.STATE_FREE, L.STATE_PARKED):
                return False  # closed by its owner after we looked, or parked already: nothing to clear
            if not self.clear_and_free(slot, L.generation_of(word)):
                return False
            self.queue.count_reader_reclaimed()
        finally:
            self.locks.unlock(slot)
        return True

    def clear_and_free(self, slot, generation):
        """Clears the registration's floors and its sleepers in the waiter counts, and frees the slot; the
        caller holds the owner lock. Returns False if the slot no longer holds that registration."""
        readers, queue = self.readers, self.queue
        while True:
            word = readers.slot_word(slot)
            state = L.state_of(word)
            if state in (L.STATE_FREE, L.STATE_PARKED) or L.generation_of(word) != generation:
                return False
            message_sleepers = max(0, readers.sleepers(slot, False))
            space_sleepers = max(0, readers.sleepers(slot, True))
            readers.clear_floors(slot)
            # A durable (Java) registration is parked, not freed: its cursor keeps holding space for the
            # process that resumes it.
            released = readers.park(slot, word) if state == L.STATE_DURABLE else readers.free(slot, word)
            if released:
                readers.add_sleeper(slot, False, -message_sleepers)
                readers.add_sleeper(slot, True, -space_sleepers)
                queue.messages.add_waiter(-message_sleepers)
                queue.space.add_waiter(-space_sleepers)
                queue.space.wake_if_waiting()
                return True

    def repair_hole(self, position, own_slot):
        """For a reader stuck at ``position``, below the tail and unresolved. True if it can move on."""
        queue, readers = self.queue, self.readers
        tail = queue.tail()  # first: every claim below it has its floor visible to us
        mark = queue.mark_volatile(position)
        if is_resolved(mark, position):
            return True
        if position >= tail:
            return False  # nothing claimed here yet
        if tail - position > queue.capacity:
            raise damaged(queue.file.path, f"its tail is {tail - position} bytes ahead of a reader in a ring of "
                                           f"{queue.capacity}")
        end = tail
        for slot, _ in readers.taken():
            if readers.lowest_floor(slot) <= position:
                # Its owner may own this claim: wait for it if it lives; if dead, its floors are cleared now.
                if slot == own_slot or not self.reclaim_if_dead(slot):
                    return False
                continue
            end = min(end, readers.lowest_floor_above(slot, position))
        self._skip_granules(position, end)
        return True

    def _skip_granules(self, position, end):
        queue = self.queue
        granule = position
        while granule < end:
            mark = queue.mark_volatile(granule)
            mark_position = mark & ~L.MARK_STATE_MASK
            if mark_position > granule:
                break  # a later lap: this reader was evicted and lapped; it learns so on its next check
            if mark_position < granule:  # stale: part of a dead claim
                if queue.skip_granule(granule, mark):
                    if granule == position:
                        queue.count_hole_repaired()
                    granule += L.GRANULE
                continue  # on a lost race, look at the new mark again
            if mark != granule | L.MARK_SKIP_GRANULE:
                break  # a resolved record start: the hole ends here
            granule += L.GRANULE  # another reader is repairing the same hole
        queue.wake_all_readers()
