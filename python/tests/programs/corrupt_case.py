"""One damaged-file case, in a process of its own (a crash is then a failed case, not a dead test run):
builds a valid queue in DIR, damages it the way CASE says, then uses it (the reader registered before the
damage drains, its writer appends, a newcomer attaches, appends, drains and closes). Prints one JSON line:
{"case", "steps": [...], "error": null or {"type", "message", "step"}}. A jsyncq exception ends the case
there and is the result; any other exception escapes (traceback, exit code 1), which the test counts as a
failure, as it does a signal or a time-out.

usage: corrupt_case.py CASE DIR        corrupt_case.py --list
"""
import json
import os
import struct
import sys

from jsyncq import PySyncQ, SyncQueueError
from jsyncq import layout as L

NAME = "damaged"
WAIT = 0.05  # every pop and append here waits at most this long


class Case:
    def __init__(self, directory, capacity=4096):
        self.directory = directory
        self.path = os.path.join(directory, NAME)
        self.capacity = capacity
        self.reader = None
        self.writer = None
        self.steps = []
        self.unread = []  # (position, record length) of the reader's unread records, oldest first
        self.writer_first = False  # the open writer appends before the open reader drains

    # ---- a valid queue ---------------------------------------------------------------------------------
    def build(self, bodies=(b"", b"a" * 10, b"b" * 300, b"c" * 1000)):
        self.reader = PySyncQ(NAME, create=True, size=self.capacity, directory=self.directory, keep=True,
                              max_readers=4)
        self.reader.open("reader")
        self.writer = PySyncQ(NAME, create=False, directory=self.directory)
        self.writer.open("writer", write_only=True)
        position = 0
        for body in bodies:
            self.writer.append("t", body)
            length = L.RECORD_HEADER_LENGTH + len("writer") + 1 + len(body)
            self.unread.append((position, length))
            position += L.aligned_length(length)
        return self

    def close_handles(self):
        """Before the file is shrunk or replaced: touching a mapping past the end of its file is SIGBUS."""
        for handle in (self.writer, self.reader):
            if handle is not None:
                handle.close()
        self.writer = self.reader = None

    # ---- damage ----------------------------------------------------------------------------------------
    def put(self, offset, fmt, value):
        with open(self.path, "r+b") as f:
            f.seek(offset)
            f.write(struct.pack("<" + fmt, value))

    def get(self, offset, fmt):
        with open(self.path, "rb") as f:
            f.seek(offset)
            return struct.unpack("<" + fmt, f.read(struct.calcsize(fmt)))[0]

    def ring_offset(self):
        return self.get(L.RING_OFFSET_OFFSET, "q")

    def record(self, index):
        """File offset of the reader's index-th unread record (before any lap, so no wrap)."""
        return self.ring_offset() + self.unread[index][0]

    # ---- use -------------------------------------------------------------------------------------------
    def step(self, what, action):
        self.steps.append(what)
        return action()

    def drain(self, queue, what):
        for _ in range(1000):
            message = self.step(what, lambda: queue.pop(block=True, timer=WAIT, decode=False))
            if message is None:
                return

    def exercise(self):
        if self.writer is not None and self.writer_first:
            self.step("writer.append", lambda: self.writer.append("t", b"w" * 200, block=True, timer=WAIT))
        if self.reader is not None:
            self.drain(self.reader, "reader.pop")
        if self.writer is not None and not self.writer_first:
            self.step("writer.append", lambda: self.writer.append("t", b"w" * 200, block=True, timer=WAIT))
        newcomer = PySyncQ(NAME, create=False, directory=self.directory)
        self.step("newcomer.open", lambda: newcomer.open("newcomer"))
        try:
            self.step("newcomer.append", lambda: newcomer.append("t", b"n" * 100, block=True, timer=WAIT))
            self.drain(newcomer, "newcomer.pop")
        finally:
            self.step("newcomer.close", newcomer.close)
        if self.reader is not None:
            self.drain(self.reader, "reader.pop-again")


def header_field(offset, fmt, value):
    def damage(directory):
        case = Case(directory).build()
        case.put(offset, fmt, value)
        return case
    return damage


def resized_geometry(directory):
    """A header that consistently describes a 1 GiB ring over a 12 KiB file."""
    case = Case(directory).build()
    case.close_handles()
    g = L.Geometry(1 << 30, 4)
    case.put(L.CAPACITY_OFFSET, "q", g.capacity)
    case.put(L.MARKS_OFFSET_OFFSET, "q", g.marks_offset)
    case.put(L.RING_OFFSET_OFFSET, "q", g.ring_offset)
    case.put(L.FILE_LENGTH_OFFSET, "q", g.file_length)
    return case


def resize_file(delta):
    def damage(directory):
        case = Case(directory).build()
        case.close_handles()
        length = os.path.getsize(case.path)
        os.truncate(case.path, length + delta)
        return case
    return damage


def truncated_to(length):
    def damage(directory):
        case = Case(directory).build()
        case.close_handles()
        os.truncate(case.path, length)
        return case
    return damage


def replaced_by(make):
    def damage(directory):
        case = Case(directory)
        target = case.path
        make(target, directory)
        return case
    return damage


def symlink_to_queue(target, directory):
    real = PySyncQ("real-queue", create=True, size=4096, directory=directory, keep=True)
    real.close()
    os.symlink(os.path.join(directory, "real-queue"), target)


def record_field(index, offset, fmt, value):
    def damage(directory):
        case = Case(directory).build()
        case.put(case.record(index) + offset, fmt, value)
        return case
    return damage


def record_past_tail(directory):
    """The last record (longer than 4 KiB) claims 4 KiB more than was written: consistent lengths, past the tail."""
    case = Case(directory, capacity=16384).build(bodies=(b"x" * 10, b"y" * 5000))
    at = case.record(1)
    length, body = case.get(at, "i"), case.get(at + 4, "i")
    case.put(at, "i", length + 4096)
    case.put(at + 4, "i", body + 4096)
    return case


def tail(value_of, writer_first=False):
    def damage(directory):
        case = Case(directory).build()
        case.put(L.TAIL_POSITION_OFFSET, "q", value_of(case.get(L.TAIL_POSITION_OFFSET, "q")))
        case.writer_first = writer_first
        return case
    return damage


def head_cache(value, writer_first=True):
    def damage(directory):
        case = Case(directory).build()
        case.put(L.HEAD_CACHE_OFFSET, "q", value)
        case.writer_first = writer_first
        return case
    return damage


def slots(change):
    """Registrations of dead processes (the builder's handles are closed) with damaged slots."""
    def damage(directory):
        case = Case(directory).build()
        case.close_handles()
        for slot in range(4):
            change(case, L.slot_offset(slot))
        case.put(L.SLOT_HIGH_WATER_OFFSET, "i", 4)
        return case
    return damage


def live_slot(offset, fmt, value):
    """The open reader's own slot, damaged under it."""
    def damage(directory):
        case = Case(directory).build()
        case.put(L.slot_offset(0) + offset, fmt, value)
        return case
    return damage


def every_mark(value):
    def damage(directory):
        case = Case(directory).build()
        marks_offset, count = case.get(L.MARKS_OFFSET_OFFSET, "q"), case.capacity // L.GRANULE
        with open(case.path, "r+b") as f:
            f.seek(marks_offset)
            f.write(struct.pack("<q", value) * count)
        return case
    return damage


def wake_words(value):
    def damage(directory):
        case = Case(directory).build()
        for offset in (L.MESSAGE_FUTEX_OFFSET, L.MESSAGE_WAITERS_OFFSET, L.MESSAGE_ARMED_OFFSET,
                       L.SPACE_FUTEX_OFFSET, L.SPACE_WAITERS_OFFSET, L.SPACE_ARMED_OFFSET):
            case.put(offset, "i", value)
        return case
    return damage


def lock_file_directory(directory):
    case = Case(directory).build()
    case.close_handles()
    lock = os.path.join(directory, f".{NAME}.jsyncq-lock")
    if os.path.exists(lock):
        os.unlink(lock)
    os.mkdir(lock)
    return case


def no_build(make):
    def damage(directory):
        case = Case(directory)
        make(case.path)
        return case
    return damage


CASES = {
    # the file itself
    "empty-file": no_build(lambda path: open(path, "wb").close()),
    "truncated-inside-header": truncated_to(100),
    "truncated-inside-ring": resize_file(-4096),
    "extended": resize_file(4096),
    "not-a-queue": no_build(lambda path: open(path, "wb").write(os.urandom(3) * 4096)),
    "symlink-to-a-queue": replaced_by(symlink_to_queue),
    "dangling-symlink": replaced_by(lambda target, d: os.symlink(os.path.join(d, "nowhere"), target)),
    "fifo": replaced_by(lambda target, d: os.mkfifo(target)),
    "directory": replaced_by(lambda target, d: os.mkdir(target)),
    "lock-file-is-a-directory": lock_file_directory,
    # the static header
    "wrong-magic": header_field(L.MAGIC_OFFSET, "q", 0x1122334455667788),
    "older-version": header_field(L.VERSION_OFFSET, "i", L.LAYOUT_VERSION - 1),
    "newer-version": header_field(L.VERSION_OFFSET, "i", L.LAYOUT_VERSION + 1),
    "capacity-not-a-power-of-two": header_field(L.CAPACITY_OFFSET, "q", 5000),
    "capacity-negative": header_field(L.CAPACITY_OFFSET, "q", -4096),
    "capacity-lies": header_field(L.CAPACITY_OFFSET, "q", 8192),
    "resized-geometry": resized_geometry,
    "max-readers-zero": header_field(L.MAX_READERS_OFFSET, "i", 0),
    "max-readers-absurd": header_field(L.MAX_READERS_OFFSET, "i", 0x7FFF_FFFF),
    "slot-length-lies": header_field(L.READER_SLOT_LENGTH_OFFSET, "i", 128),
    "table-offset-lies": header_field(L.READER_TABLE_OFFSET_OFFSET, "q", 0),
    "marks-offset-lies": header_field(L.MARKS_OFFSET_OFFSET, "q", 1 << 40),
    "ring-offset-lies": header_field(L.RING_OFFSET_OFFSET, "q", -8192),
    "file-length-lies": header_field(L.FILE_LENGTH_OFFSET, "q", 1 << 62),
    "page-size-lies": header_field(L.PAGE_SIZE_OFFSET, "i", 65536),
    # positions
    "tail-not-a-multiple-of-64": tail(lambda t: t + 8),
    "tail-negative": tail(lambda t: -64),
    "tail-at-the-end-of-positions": tail(lambda t: (1 << 63) - 64),
    "tail-laps-ahead-of-the-reader": tail(lambda t: t + 10 * 4096),
    "tail-not-a-multiple-of-64-writer-first": tail(lambda t: t + 8, writer_first=True),
    "tail-at-the-end-of-positions-writer-first": tail(lambda t: (1 << 63) - 64, writer_first=True),
    "tail-laps-ahead-writer-first": tail(lambda t: t + 10 * 4096, writer_first=True),
    "head-cache-ahead-of-the-tail": head_cache((1 << 63) - 1),
    "head-cache-negative": head_cache(-(1 << 62)),
    # records the reader has not read yet
    "record-length-below-header": record_field(1, L.RECORD_LENGTH_OFFSET, "i", 3),
    "record-length-beyond-ring": record_field(1, L.RECORD_LENGTH_OFFSET, "i", 0x7FFF_FFFF),
    "record-length-negative": record_field(1, L.RECORD_LENGTH_OFFSET, "i", -1),
    "record-body-length-negative": record_field(2, L.RECORD_BODY_LENGTH_OFFSET, "i", -1),
    "record-lengths-disagree": record_field(2, L.RECORD_SENDER_LENGTH_OFFSET, "B", 200),
    "record-runs-past-the-tail": record_past_tail,
    "every-mark-garbage": every_mark(0x5A5A_5A5A_5A5A_5A40),
    "every-mark-negative": every_mark(-64),
    # the reader table and the shared counters
    "slot-high-water-absurd": header_field(L.SLOT_HIGH_WATER_OFFSET, "i", 0x7FFF_FFFF),
    "slot-high-water-negative": header_field(L.SLOT_HIGH_WATER_OFFSET, "i", -7),
    "dead-slots-with-garbage-words": slots(lambda c, at: c.put(at + L.SLOT_WORD_OFFSET, "q", 0x7A7A_7A7A_0000_0003)),
    "dead-slots-with-garbage-floors": slots(lambda c, at: c.put(at + L.FLOORS_OFFSET, "q", -1)),
    "dead-slots-with-garbage-cursors": slots(lambda c, at: c.put(at + L.CURSOR_OFFSET, "q", -(1 << 62))),
    "dead-slots-with-garbage-sleepers": slots(lambda c, at: (c.put(at + L.MESSAGE_SLEEPERS_OFFSET, "i", -(1 << 31)),
                                                             c.put(at + L.SPACE_SLEEPERS_OFFSET, "i", 0x7FFF_FFFF))),
    "dead-slots-with-garbage-senders": slots(lambda c, at: c.put(at + L.SENDER_LENGTH_OFFSET, "i", 0x7FFF_FFFF)),
    "dead-slots-with-garbage-summaries": slots(lambda c, at: c.put(at + L.SUMMARY_OFFSET, "i", 0x7F7F)),
    "live-slot-word-changed": live_slot(L.SLOT_WORD_OFFSET, "q", 0x0000_0009_0000_0002),
    "live-slot-cursor-garbage": live_slot(L.CURSOR_OFFSET, "q", -(1 << 62)),
    "live-slot-summary-garbage": live_slot(L.SUMMARY_OFFSET, "i", 0x7F7F),
    "wake-words-garbage": wake_words(0x7FFF_FFFF),
    "wake-words-negative": wake_words(-3),
    "removed-bit-set": header_field(L.LIFECYCLE_OFFSET, "i", L.LIFECYCLE_REMOVED),
}


def main():
    if sys.argv[1] == "--list":
        print("\n".join(CASES))
        return
    name, directory = sys.argv[1], sys.argv[2]
    case = None
    error = None
    try:
        case = CASES[name](directory)
        case.steps.append("damaged")
        case.exercise()
    except SyncQueueError as e:
        error = {"type": type(e).__name__, "message": str(e), "step": case.steps[-1] if case and case.steps else None}
    finally:
        if case is not None:
            try:
                case.close_handles()
            except SyncQueueError:
                pass
    print(json.dumps({"case": name, "steps": case.steps if case else [], "error": error}), flush=True)


if __name__ == "__main__":
    main()
