"""Where everything lives in a queue file: the numbers of QueueLayout, ReaderSlotLayout, RecordLayout and
QueueGeometry (jsyncq-core, io.jsyncq.internal), derived the same way. Offsets only; docs/design.md section 1
has the picture.
"""

import mmap

# ---- QueueLayout --------------------------------------------------------------------------------------

MAGIC = 0x0000_5143_4E59_534A  # "JSYNCQ\0\0" as a little-endian long
LAYOUT_VERSION = 7
CONTENDED_BLOCK = 128  # every field written by several processes has two cache lines to itself

MAGIC_OFFSET = 0
VERSION_OFFSET = MAGIC_OFFSET + 8
FLAGS_OFFSET = VERSION_OFFSET + 4
CAPACITY_OFFSET = FLAGS_OFFSET + 4
MAX_READERS_OFFSET = CAPACITY_OFFSET + 8
READER_SLOT_LENGTH_OFFSET = MAX_READERS_OFFSET + 4
READER_TABLE_OFFSET_OFFSET = READER_SLOT_LENGTH_OFFSET + 4
MARKS_OFFSET_OFFSET = READER_TABLE_OFFSET_OFFSET + 8
RING_OFFSET_OFFSET = MARKS_OFFSET_OFFSET + 8
FILE_LENGTH_OFFSET = RING_OFFSET_OFFSET + 8
PAGE_SIZE_OFFSET = FILE_LENGTH_OFFSET + 8

TAIL_POSITION_OFFSET = CONTENDED_BLOCK
HEAD_CACHE_OFFSET = TAIL_POSITION_OFFSET + CONTENDED_BLOCK
LIFECYCLE_OFFSET = HEAD_CACHE_OFFSET + CONTENDED_BLOCK
REGISTRATION_EPOCH_OFFSET = LIFECYCLE_OFFSET + 4
SLOT_HIGH_WATER_OFFSET = REGISTRATION_EPOCH_OFFSET + 4
MESSAGE_FUTEX_OFFSET = LIFECYCLE_OFFSET + CONTENDED_BLOCK
MESSAGE_WAITERS_OFFSET = MESSAGE_FUTEX_OFFSET + 4
MESSAGE_ARMED_OFFSET = MESSAGE_WAITERS_OFFSET + 4
SPACE_FUTEX_OFFSET = MESSAGE_FUTEX_OFFSET + CONTENDED_BLOCK
SPACE_WAITERS_OFFSET = SPACE_FUTEX_OFFSET + 4
SPACE_ARMED_OFFSET = SPACE_WAITERS_OFFSET + 4
READERS_RECLAIMED_OFFSET = SPACE_FUTEX_OFFSET + CONTENDED_BLOCK
HOLES_REPAIRED_OFFSET = READERS_RECLAIMED_OFFSET + 8
# The delivery gate: its state, window start and window end (three i64); gate.py (DeliveryGate) has its fields.
DELIVERY_GATE_OFFSET = READERS_RECLAIMED_OFFSET + CONTENDED_BLOCK

HEADER_LENGTH = 4096
READER_TABLE_OFFSET = HEADER_LENGTH

FLAG_KEEP = 1
LIFECYCLE_REMOVED = -(1 << 31)  # bit 31 of an i32, as the signed value the shim returns

MAX_POSITION = (1 << 63) - 1  # positions are signed 64-bit byte counts that only grow
MIN_CAPACITY = 4096
MAX_CAPACITY = 1 << 30
MAX_READERS_LIMIT = 4096
DEFAULT_MAX_READERS = 64

GRANULE_SHIFT = 6
GRANULE = 1 << GRANULE_SHIFT
MARK_LENGTH = 8
NO_MARK = -1
MARK_SKIP_RECORD = 2
MARK_SKIP_GRANULE = 3
MARK_STATE_MASK = 3


def mark_index(position, marks):
    """QueueLayout.markIndex: consecutive granules' marks lie on eight different cache lines (stripes)."""
    granule = (position >> GRANULE_SHIFT) & (marks - 1)
    return (granule & 7) * (marks >> 3) + (granule >> 3)


# ---- ReaderSlotLayout ---------------------------------------------------------------------------------

SLOT_LENGTH = 3 * CONTENDED_BLOCK
CURSOR_OFFSET = 0
SLOT_WORD_OFFSET = 8
FLOORS_OFFSET = 16
FLOOR_LANES = 8
LAST_CLAIM_OFFSET = FLOORS_OFFSET + FLOOR_LANES * 8  # a durable registration's latest claim (Java only)
NO_FLOOR = (1 << 63) - 1

PID_OFFSET = CONTENDED_BLOCK
SENDER_LENGTH_OFFSET = PID_OFFSET + 4
START_TIME_OFFSET = SENDER_LENGTH_OFFSET + 4
PID_NAMESPACE_OFFSET = START_TIME_OFFSET + 8
MESSAGE_SLEEPERS_OFFSET = PID_NAMESPACE_OFFSET + 8
SPACE_SLEEPERS_OFFSET = MESSAGE_SLEEPERS_OFFSET + 4
SENDER_OFFSET = SPACE_SLEEPERS_OFFSET + 4
MAX_SENDER_BYTES = 2 * CONTENDED_BLOCK - SENDER_OFFSET
SENDER_CUT = -(1 << 31)

WAIT_AT_OFFSET = 2 * CONTENDED_BLOCK
ARMED_OFFSET = WAIT_AT_OFFSET + 8
SUMMARY_OFFSET = ARMED_OFFSET + 4
SENDER_HASHES_OFFSET = SUMMARY_OFFSET + 4
SUMMARY_HASHES = 6
TYPE_HASHES_OFFSET = SENDER_HASHES_OFFSET + SUMMARY_HASHES * 8
SUMMARY_SKIPS_OWN = 1 << 16  # the reader skips its own registration's records (Python: by its name)
SUMMARY_UNFILTERED = -1
NOT_WAITING = -1

STATE_FREE = 0
STATE_WRITER = 1
STATE_ACTIVE = 2
STATE_EVICTED = 3
STATE_PARKED = 4   # a durable registration whose process ended: its cursor holds space until resumed
STATE_DURABLE = 5  # reads and writes as ACTIVE; parked, not freed, when it ends (Java registrations only)


def slot_offset(slot):
    return READER_TABLE_OFFSET + slot * SLOT_LENGTH


def floor_offset(slot, lane):
    return slot_offset(slot) + FLOORS_OFFSET + lane * 8


def slot_word(generation, state):
    """generation << 32 | state, as the signed i64 stored in the slot."""
    return to_i64(((generation & 0xFFFF_FFFF) << 32) | (state & 0xFFFF_FFFF))


def state_of(word):
    return to_i32(word & 0xFFFF_FFFF)


def generation_of(word):
    return to_i32((word >> 32) & 0xFFFF_FFFF)


def is_live(state):
    return state in (STATE_ACTIVE, STATE_WRITER, STATE_DURABLE)


def reads(state):
    """A registration that pops, and may sleep waiting for a message."""
    return state in (STATE_ACTIVE, STATE_DURABLE)


def cursor_holds_space(state):
    """A slot whose cursor counts in the head: a reader, or a parked durable registration."""
    return state in (STATE_ACTIVE, STATE_DURABLE, STATE_PARKED)


# ---- RecordLayout -------------------------------------------------------------------------------------

RECORD_LENGTH_OFFSET = 0
RECORD_BODY_LENGTH_OFFSET = 4
RECORD_WRITER_GENERATION_OFFSET = 8
RECORD_WRITER_SLOT_OFFSET = 12
RECORD_SENDER_LENGTH_OFFSET = 14
RECORD_TYPE_LENGTH_OFFSET = 15
RECORD_HEADER_LENGTH = 16
MAX_NAME_BYTES = 255
LARGE_RECORD = 4096  # a longer record must end at or before the tail before anything is copied (design.md 9)


def lengths_word(record_length, body_length):
    return to_i64((record_length & 0xFFFF_FFFF) | ((body_length & 0xFFFF_FFFF) << 32))


def writer_word(generation, slot, sender_length, type_length):
    return to_i64((generation & 0xFFFF_FFFF) | ((slot & 0xFFFF) << 32) | ((sender_length & 0xFF) << 48)
                  | ((type_length & 0xFF) << 56))


def aligned_length(record_length):
    return (record_length + GRANULE - 1) & -GRANULE


# ---- QueueGeometry ------------------------------------------------------------------------------------

SYSTEM_PAGE_SIZE = mmap.PAGESIZE


def min_capacity():
    return max(MIN_CAPACITY, SYSTEM_PAGE_SIZE)


def is_valid_capacity(capacity):
    return min_capacity() <= capacity <= MAX_CAPACITY and capacity & (capacity - 1) == 0


class Geometry:
    """The sizes and offsets of one queue file's variable parts (QueueGeometry)."""

    __slots__ = ("capacity", "max_readers", "page_size", "marks_offset", "marks_length", "ring_offset",
                 "file_length")

    def __init__(self, capacity, max_readers, page_size=SYSTEM_PAGE_SIZE):
        self.capacity = capacity
        self.max_readers = max_readers
        self.page_size = page_size
        self.marks_offset = READER_TABLE_OFFSET + max_readers * SLOT_LENGTH
        self.marks_length = (capacity >> GRANULE_SHIFT) * MARK_LENGTH
        end = self.marks_offset + self.marks_length
        self.ring_offset = (end + page_size - 1) // page_size * page_size
        self.file_length = self.ring_offset + capacity


# ---- two's complement helpers: the shim's words are signed, as Java's are ------------------------------

def to_i64(value):
    value &= 0xFFFF_FFFF_FFFF_FFFF
    return value - (1 << 64) if value >= 1 << 63 else value


def to_i32(value):
    value &= 0xFFFF_FFFF
    return value - (1 << 32) if value >= 1 << 31 else value
