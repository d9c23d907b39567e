"""Writes the Python-made golden vectors of testdata/golden (see its README): small queue files made by the
real package, each with a JSON manifest of what it holds. Java's GoldenVectors (jsyncq-core, test scope)
makes the same two files from the same steps; both languages' tests read every vector, and regenerate
their own and compare them byte for byte (less the bytes the manifest lists as ignored: the owners' pids,
start times and pid namespaces).

    target/python-venv/bin/python python/tests/golden_vectors.py testdata/golden

(with the package installed, as bin/python-check does; run from anywhere but python/). Every expected
position in a manifest is worked out here from the record lengths (header 16 bytes + sender + type + body,
rounded up to 64), not read back from the file, so a manifest is a statement about the layout that the
file is then checked against.
"""
import json
import os
import shutil
import sys
import tempfile

from jsyncq import PySyncQ, RegistrationLostError
from jsyncq import layout as L
from jsyncq.gate import HELD
from jsyncq.queuefile import attach
from jsyncq.shared import SharedQueue

CAPACITY = 4096
MAX_READERS = 4
MAX_SENDER = "x" + "\u00e9" * 127  # 255 UTF-8 bytes: the longest sender
GENERATOR = "python/tests/golden_vectors.py"

RECORDS_DESCRIPTION = ("records of several sizes after a lap of the ring, one of them running over the ring's end; "
                       "empty body, empty type, UTF-8 and binary bodies, the longest sender; a reader with screens "
                       "(by sender and by type), two write-only registrations")
GATE_DESCRIPTION = ("the delivery gate held by a registration: a record appended before the holder registered "
                    "(delivered as usual), one another registration appended within the gate's window (passed over "
                    "by the others), one the holder appended (delivered)")
REPAIRS_DESCRIPTION = ("a hole left by a writer that closed between its claim and its publish, repaired by a reader "
                       "(skip-granule marks); a record abandoned by an evicted writer (a skip-record mark); an "
                       "evicted registration; a slot freed and taken again")


def record_length(sender, type_, body_length):
    return L.RECORD_HEADER_LENGTH + len(sender.encode()) + len(type_.encode()) + body_length


class Vector:
    """What a vector holds, worked out from its steps; saved as the manifest beside a copy of the file."""

    def __init__(self, name, description):
        self.name = name
        self.description = description
        self.tail = 0
        self.read_from = 0
        self.high_water = 0
        self.epoch = 0
        self.holes_repaired = 0
        self.gate_takes = 0
        self.gate_code = 0
        self.gate_start = 0
        self.gate_end = 0
        self.records = []
        self.registrations = []

    def gate(self, takes, code, start, end):
        """The delivery gate's state (takes so far, and the code 0, 1 + slot or -(1 + slot)) and window."""
        self.gate_takes, self.gate_code, self.gate_start, self.gate_end = takes, code, start, end

    def passed(self, sender, type_, body_length):
        self.tail += L.aligned_length(record_length(sender, type_, body_length))

    def message(self, slot, generation, queue, type_, body, delivered):
        queue.append(type_, body)
        self.records.append(self._record("message", slot, generation, queue.sender.decode(), type_, body, delivered))

    def skip_record(self, slot, generation, sender, type_, body):
        self.records.append(self._record("skip-record", slot, generation, sender, type_, body, False))

    def _record(self, mark, slot, generation, sender, type_, body, delivered):
        record = {"position": self.tail, "mark": mark, "writer_slot": slot, "writer_generation": generation,
                  "sender": sender, "type": type_, "body_hex": body.hex(), "delivered_to_slot_0": delivered}
        self.tail += L.aligned_length(record_length(sender, type_, len(body)))
        return record

    def hole(self, length):
        for at in range(self.tail, self.tail + length, L.GRANULE):
            self.records.append({"position": at, "mark": "skip-granule"})
        self.tail += length

    def active(self, slot, generation, cursor, sender, senders, types):
        r = self._registration(slot, "active", generation, cursor, sender)
        r["screened_senders"] = list(senders)
        r["screened_types"] = list(types)
        self.registrations.append(r)

    def write_only(self, slot, generation, cursor, sender):
        self.registrations.append(self._registration(slot, "writer", generation, cursor, sender))

    def evicted(self, slot, generation, cursor, sender):
        self.registrations.append(self._registration(slot, "evicted", generation, cursor, sender))

    @staticmethod
    def _registration(slot, state, generation, cursor, sender):
        encoded = sender.encode()
        kept = min(len(encoded), L.MAX_SENDER_BYTES)
        while 0 < kept < len(encoded) and encoded[kept] & 0xC0 == 0x80:
            kept -= 1  # the slot keeps whole UTF-8 characters
        return {"slot": slot, "state": state, "generation": generation, "cursor": cursor, "sender": sender,
                "sender_in_slot": encoded[:kept].decode(), "sender_cut": kept < len(encoded)}

    def save(self, queue_file, out):
        geometry = L.Geometry(CAPACITY, MAX_READERS)
        ignored = []
        for slot in range(self.high_water):
            base = L.slot_offset(slot)
            ignored += [{"offset": base + L.PID_OFFSET, "length": 4, "what": f"slot {slot} owner pid"},
                        {"offset": base + L.START_TIME_OFFSET, "length": 8, "what": f"slot {slot} owner start time"},
                        {"offset": base + L.PID_NAMESPACE_OFFSET, "length": 8,
                         "what": f"slot {slot} owner pid namespace"}]
        manifest = {
            "name": self.name,
            "made_by": "python",
            "generator": GENERATOR,
            "description": self.description,
            "file": self.name + ".jsyncq",
            "header": {"magic": "JSYNCQ", "layout_version": L.LAYOUT_VERSION, "flags": L.FLAG_KEEP,
                       "capacity": CAPACITY, "max_readers": MAX_READERS, "reader_slot_length": L.SLOT_LENGTH,
                       "reader_table_offset": L.READER_TABLE_OFFSET, "marks_offset": geometry.marks_offset,
                       "ring_offset": geometry.ring_offset, "file_length": geometry.file_length,
                       "page_size": geometry.page_size},
            "state": {"tail": self.tail, "removed": False, "registration_epoch": self.epoch,
                      "slot_high_water": self.high_water, "readers_reclaimed": 0,
                      "holes_repaired": self.holes_repaired, "gate_takes": self.gate_takes,
                      "gate_code": self.gate_code, "gate_start": self.gate_start, "gate_end": self.gate_end},
            "registrations": self.registrations,
            "read_from": self.read_from,
            "records": self.records,
            "ignored_bytes": ignored,
        }
        with open(queue_file, "rb") as source:  # while everyone is registered
            data = source.read()
        with open(os.path.join(out, self.name + ".jsyncq"), "wb") as copy:
            copy.write(data)
        with open(os.path.join(out, self.name + ".json"), "w", encoding="utf-8") as text:
            text.write(json.dumps(manifest, indent=2) + "\n")
        return [self.name + ".jsyncq", self.name + ".json"]


def _open(name, work, sender, **options):
    queue = PySyncQ(name, create=False, directory=work)
    queue.open(sender, **options)
    return queue


def records(work, out):
    name = "golden-records"
    v = Vector("python-records", RECORDS_DESCRIPTION)
    reader = PySyncQ(name, create=True, size=CAPACITY, directory=work, keep=True, max_readers=MAX_READERS)
    handles = [reader]
    try:
        reader.open("golden-reader")
        reader.scrnsend.add("noise")
        reader.scrntype.add("ping")
        writer = _open(name, work, "golden-writer", write_only=True)
        handles.append(writer)
        for i in range(6):
            writer.append("fill", bytes([i]) * 400)
            v.passed("golden-writer", "fill", 400)  # before the reader's cursor: not listed
        for i in range(6):
            fill = reader.pop(decode=False)
            if fill is None or fill[2][0] != i:
                raise RuntimeError(f"the reader did not get fill message {i}")
        v.read_from = v.tail
        v.message(1, 1, writer, "empty-body", b"", True)
        v.message(1, 1, writer, "", b"no type", True)
        v.message(1, 1, writer, "text", "h\u00e9llo, w\u00f6rld \u2713".encode(), True)
        v.message(1, 1, writer, "ping", b"screened by the reader's type screen", False)
        v.message(1, 1, writer, "bytes", bytes(range(256)), True)
        v.message(1, 1, writer, "wrap", bytes((i * 7) & 0xFF for i in range(1000)), True)  # runs over the ring's end
        noise_cursor = v.tail
        noise = _open(name, work, "noise")
        handles.append(noise)
        v.message(2, 1, noise, "chatter", b"screened by the reader's sender screen", False)
        max_cursor = v.tail
        longest = _open(name, work, MAX_SENDER, write_only=True)
        handles.append(longest)
        v.message(3, 1, longest, "max", b"m", True)
        v.high_water = 4
        v.epoch = 4
        v.active(0, 1, v.read_from, "golden-reader", ["golden-reader", "noise"], ["ping"])
        v.write_only(1, 1, 0, "golden-writer")
        v.active(2, 1, noise_cursor, "noise", ["noise"], [])
        v.write_only(3, 1, max_cursor, MAX_SENDER)
        return v.save(os.path.join(work, name), out)
    finally:
        for handle in reversed(handles):
            handle.close()


def repairs(work, out):
    name = "golden-repairs"
    v = Vector("python-repairs", REPAIRS_DESCRIPTION)
    reader = PySyncQ(name, create=True, size=CAPACITY, directory=work, keep=True, max_readers=MAX_READERS)
    handles = [reader]
    try:
        reader.open("golden-reader")
        writer = _open(name, work, "golden-writer")
        handles.append(writer)
        v.read_from = 0
        v.message(1, 1, writer, "before", b"before the hole", True)
        crasher = _open(name, work, "golden-crasher")  # slot 2, generation 1
        second = attach(work, name)
        try:
            claimed = SharedQueue(second).try_claim(2 * L.GRANULE, 2, 0)  # as its append would
            if claimed != v.tail:
                raise RuntimeError(f"claimed at {claimed}, expected {v.tail}")
        finally:
            second.unmap()
        crasher.close()  # slot 2 free, generation 2; its floor is cleared: the claim is a hole now
        v.hole(2 * L.GRANULE)
        v.message(1, 1, writer, "after", b"after the hole", True)
        evicted_cursor = v.tail
        evicted = _open(name, work, "golden-evicted")  # slot 2 again, generation 3
        handles.append(evicted)
        inspector = attach(work, name)
        try:
            queue = SharedQueue(inspector)
            if not queue.evict(2, queue.readers.slot_word(2)):
                raise RuntimeError("could not evict slot 2")
        finally:
            inspector.unmap()
        try:
            evicted.append("lost", b"never delivered")
            raise RuntimeError("an evicted registration appended")
        except RegistrationLostError:
            v.skip_record(2, 3, "golden-evicted", "lost", b"never delivered")
        v.message(1, 1, writer, "last", b"after the skipped record", True)
        if writer.pop(block=True, timer=0.3) is not None:  # passes its own messages, repairing the hole
            raise RuntimeError("the writer read a message of its own")
        v.high_water = 3
        v.epoch = 4
        v.holes_repaired = 1
        v.active(0, 1, 0, "golden-reader", ["golden-reader"], [])
        v.active(1, 1, v.tail, "golden-writer", ["golden-writer"], [])
        v.evicted(2, 3, evicted_cursor, "golden-evicted")
        return v.save(os.path.join(work, name), out)
    finally:
        for handle in reversed(handles):
            handle.close()


def gate(work, out):
    name = "golden-gate"
    v = Vector("python-gate", GATE_DESCRIPTION)
    reader = PySyncQ(name, create=True, size=CAPACITY, directory=work, keep=True, max_readers=MAX_READERS)
    handles = [reader]
    try:
        reader.open("golden-reader")
        writer = _open(name, work, "golden-writer", write_only=True)
        handles.append(writer)
        v.read_from = 0
        v.message(1, 1, writer, "before", b"before the holder", True)
        bridge_cursor = v.tail
        bridge = _open(name, work, "golden-bridge")  # slot 2, at the tail
        handles.append(bridge)
        bridge.gate_delivery()  # its read position starts the window
        v.gate(1, 3, bridge_cursor, HELD)  # the first take; code 1 + slot 2
        v.message(1, 1, writer, "local", b"passed over by the gate", False)
        v.message(2, 1, bridge, "sequenced", b"relayed by the bridge", True)
        v.high_water = 3
        v.epoch = 3
        v.active(0, 1, 0, "golden-reader", ["golden-reader"], [])
        v.write_only(1, 1, 0, "golden-writer")
        v.active(2, 1, bridge_cursor, "golden-bridge", ["golden-bridge"], [])
        return v.save(os.path.join(work, name), out)
    finally:
        for handle in reversed(handles):
            handle.close()


def write(out):
    """Writes python-records, python-repairs and python-gate (each .jsyncq and .json) into ``out``; returns the
    file names."""
    work = tempfile.mkdtemp(prefix="jsyncq-golden-", dir="/dev/shm")
    try:
        return records(work, out) + repairs(work, out) + gate(work, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    target = sys.argv[1] if len(sys.argv) > 1 else "testdata/golden"
    os.makedirs(target, exist_ok=True)
    for written in write(target):
        print("wrote", os.path.join(target, written))
