"""DeliveryGate: the queue's delivery gate (design.md 11), in the header at 896. While a registration holds it,
every other registration passes over, unread, the records that any other registration writes at or after the
gate's start, and delivers only the holder's. A Java bridge in sequencer mode holds it on every host but the
sequencer's: it reads what local writers append, sends it to the sequencer, and appends it back in the order
every host shares.

    +0   state (i64): the number of takes so far (high 32 bits) | a code (low 32 bits): 0 never gated;
         1 + slot while that slot holds it; -(1 + slot) once it ended; TAKING while a registration writes
         the window
    +8   start (i64): the holder's read position when it took the gate
    +16  end (i64): HELD while held; the holder's read position when its slot was freed

A window, not a flag: records before the start are ones the holder never reads, so the others deliver them as
usual; when the holder's slot is freed, what it read went out to be ordered and may come back, so a reader
still behind must not deliver it a second time, while what lies after its last read position is delivered
as usual. A registration takes the gate under the queue name's lock, so takes never overlap: it sets TAKING
(with the count of takes one up), writes the window, then publishes ``1 + slot``; a TAKING state found under the
lock was left by a taker that died (the kernel drops its lock), and is taken over. The free writes ``end``
before it turns the code negative. A
reader reads the state, the window and the state again, and starts over if the state moved; the count is
what makes "the state did not move" true when a slot takes the gate again and is freed again between a
reader's two reads (model/gate.pml). The shim's jq_next does the same reading (passes_over) on the fast path.
"""

from . import layout as L
from .native import lib

TAKING = -(1 << 31)  # the code while a registration writes its window: readers treat the queue as not gated
ONE_TAKE = 1 << 32
STATE_OFFSET = L.DELIVERY_GATE_OFFSET
START_OFFSET = L.DELIVERY_GATE_OFFSET + 8
END_OFFSET = START_OFFSET + 8
HELD = (1 << 63) - 1  # Long.MAX_VALUE


def code(state):
    """The code of a state: 0, 1 + slot (held), -(1 + slot) (ended) or TAKING."""
    return L.to_i32(state)


def with_code(state, new_code):
    return L.to_i64((state & -ONE_TAKE) | (new_code & 0xFFFF_FFFF))


class DeliveryGate:
    __slots__ = ("_state", "_start", "_end")

    def __init__(self, base):
        self._state = base + STATE_OFFSET
        self._start = base + START_OFFSET
        self._end = base + END_OFFSET

    def holder(self):
        """The slot holding the gate, or -1."""
        held = code(lib.jq_load64(self._state))
        return held - 1 if held > 0 else -1

    def take(self, slot, start):
        """Gives the gate to ``slot``, whose read position is ``start``, unless another slot holds it; the caller
        holds the queue name's lock. Returns the slot that holds the gate now (``slot`` if it held it already)."""
        state = lib.jq_load64(self._state)
        if code(state) > 0:
            return code(state) - 1
        taking = with_code(state + ONE_TAKE, TAKING)
        lib.jq_store64(self._state, taking)
        lib.jq_store64(self._start, start)
        lib.jq_store64(self._end, HELD)
        lib.jq_store64(self._state, with_code(taking, slot + 1))
        return slot

    def end_if_held_by(self, slot, read_position):
        """After ``slot`` was freed: if it held the gate, closes the window at its last read position."""
        state = lib.jq_load64(self._state)
        if code(state) == slot + 1:
            lib.jq_store64(self._end, read_position)
            lib.jq_cas64(self._state, state, with_code(state, -(slot + 1)))

    def passes_over(self, reader_slot, writer_slot, position):
        """True if the reader in ``reader_slot`` passes over the record at ``position`` written by
        ``writer_slot``: the gate's window holds the position, and neither is the gate's slot."""
        while True:
            state = lib.jq_load64(self._state)
            gate_code = code(state)
            if gate_code == 0 or gate_code == TAKING:
                return False
            start = lib.jq_load64(self._start)
            end = lib.jq_load64(self._end)
            if lib.jq_load64(self._state) != state:
                continue  # a new window meanwhile: read it again
            gate_slot = abs(gate_code) - 1
            holder_reads = gate_code > 0 and reader_slot == gate_slot
            return not holder_reads and writer_slot != gate_slot and start <= position < end
