"""The golden vectors of testdata/golden (its README says what they are): queue files written by Java
(GoldenVectors, jsyncq-core test scope) and by this package (golden_vectors.py), each with a manifest.
Every vector, whichever language made it, must hold exactly what its manifest says, field by field in its
bytes and through this package's own attach and record reading, and must then be usable: a registration on
a copy reclaims the dead owners and messages go through. golden_vectors.py run now must give the committed
Python vectors byte for byte (less the owners' identities the manifests list), so a layout change without
new vectors fails here; the Java and Python vectors of the same steps must be the same bytes. Java's
GoldenVectorsTest checks the same from the other side."""
import json
import mmap
import os
import shutil
import struct
import subprocess
import sys

import pytest

from conftest import ROOT, java
from jsyncq import IncompatibleQueueError, PySyncQ
from jsyncq import layout as L
from jsyncq.gate import END_OFFSET, START_OFFSET, STATE_OFFSET
from jsyncq.names import name_hash
from jsyncq.native import lib, read_bytes
from jsyncq.queuefile import attach
from jsyncq.shared import SharedQueue, is_resolved

GOLDEN = ROOT / "testdata" / "golden"
NAMES = ["java-records", "java-repairs", "java-gate", "python-records", "python-repairs", "python-gate"]
GENERATOR = ROOT / "python" / "tests" / "golden_vectors.py"

pytestmark = pytest.mark.skipif(mmap.PAGESIZE != 4096, reason="the vectors are laid out for 4 KiB pages")


def manifest(directory, name):
    with open(os.path.join(directory, name + ".json"), encoding="utf-8") as text:
        return json.load(text)


def vector_bytes(directory, name):
    with open(os.path.join(directory, name + ".jsyncq"), "rb") as data:
        return data.read()


def i64(data, offset):
    return struct.unpack_from("<q", data, offset)[0]


def i32(data, offset):
    return struct.unpack_from("<i", data, offset)[0]


def copy(name, queue_dir):
    target = os.path.join(queue_dir, "golden")
    shutil.copyfile(GOLDEN / (name + ".jsyncq"), target)
    return target


def gate_state(takes, code):
    """The delivery gate's state word: the count of takes in the high half, the code in the low one."""
    return L.to_i64(takes << 32 | code & 0xFFFF_FFFF)


STATES = {"active": L.STATE_ACTIVE, "writer": L.STATE_WRITER, "evicted": L.STATE_EVICTED}


@pytest.mark.parametrize("name", NAMES)
def test_every_vector_holds_what_its_manifest_says_field_by_field(name):
    m = manifest(GOLDEN, name)
    data = vector_bytes(GOLDEN, name)
    h, s = m["header"], m["state"]
    assert data[:6].decode("ascii") == h["magic"] and i64(data, L.MAGIC_OFFSET) == L.MAGIC
    assert i32(data, L.VERSION_OFFSET) == h["layout_version"]
    assert i32(data, L.FLAGS_OFFSET) == h["flags"]
    assert i64(data, L.CAPACITY_OFFSET) == h["capacity"]
    assert i32(data, L.MAX_READERS_OFFSET) == h["max_readers"]
    assert i32(data, L.READER_SLOT_LENGTH_OFFSET) == h["reader_slot_length"]
    assert i64(data, L.READER_TABLE_OFFSET_OFFSET) == h["reader_table_offset"]
    assert i64(data, L.MARKS_OFFSET_OFFSET) == h["marks_offset"]
    assert i64(data, L.RING_OFFSET_OFFSET) == h["ring_offset"]
    assert i64(data, L.FILE_LENGTH_OFFSET) == h["file_length"] == len(data)
    assert i32(data, L.PAGE_SIZE_OFFSET) == h["page_size"]
    assert i64(data, L.TAIL_POSITION_OFFSET) == s["tail"]
    assert bool(i32(data, L.LIFECYCLE_OFFSET) & L.LIFECYCLE_REMOVED) == s["removed"]
    assert i32(data, L.REGISTRATION_EPOCH_OFFSET) == s["registration_epoch"]
    assert i32(data, L.SLOT_HIGH_WATER_OFFSET) == s["slot_high_water"]
    assert i64(data, L.READERS_RECLAIMED_OFFSET) == s["readers_reclaimed"]
    assert i64(data, L.HOLES_REPAIRED_OFFSET) == s["holes_repaired"]
    assert i64(data, STATE_OFFSET) == gate_state(s["gate_takes"], s["gate_code"])
    assert i64(data, START_OFFSET) == s["gate_start"]
    assert i64(data, END_OFFSET) == s["gate_end"]

    registrations = {r["slot"]: r for r in m["registrations"]}
    for slot in range(h["max_readers"]):
        at = L.slot_offset(slot)
        word = i64(data, at + L.SLOT_WORD_OFFSET)
        r = registrations.get(slot)
        if r is None:
            assert L.state_of(word) == L.STATE_FREE, f"slot {slot} is free"
            if slot >= s["slot_high_water"]:
                assert word == 0, f"slot {slot} was never taken"
            continue
        assert L.state_of(word) == STATES[r["state"]], f"slot {slot} state"
        assert L.generation_of(word) == r["generation"], f"slot {slot} generation"
        assert i64(data, at + L.CURSOR_OFFSET) == r["cursor"], f"slot {slot} cursor"
        for lane in range(L.FLOOR_LANES):
            assert i64(data, L.floor_offset(slot, lane)) == L.NO_FLOOR, f"slot {slot} floor {lane}"
        kept = r["sender_in_slot"].encode()
        field = i32(data, at + L.SENDER_LENGTH_OFFSET)
        assert field & 0x7FFF_FFFF == len(kept) and bool(field & L.SENDER_CUT) == r["sender_cut"]
        assert data[at + L.SENDER_OFFSET:at + L.SENDER_OFFSET + len(kept)] == kept
        assert r["sender"].encode().startswith(kept)
        if "screened_senders" in r:
            senders, types = r["screened_senders"], r["screened_types"]
            skips_own = L.SUMMARY_SKIPS_OWN if r["sender"] in senders else 0  # it filters itself
            assert i32(data, at + L.SUMMARY_OFFSET) == len(senders) | len(types) << 8 | skips_own
            for i, sender in enumerate(senders):
                assert i64(data, at + L.SENDER_HASHES_OFFSET + 8 * i) == name_hash(sender.encode())
            for i, type_ in enumerate(types):
                assert i64(data, at + L.TYPE_HASHES_OFFSET + 8 * i) == name_hash(type_.encode())

    # the records, in the bytes alone: marks by their stripes, records through the ring's end
    capacity, ring, marks = h["capacity"], h["ring_offset"], h["capacity"] // L.GRANULE
    position = m["read_from"]
    for record in m["records"]:
        assert record["position"] == position, "each record follows the one before"
        mark = i64(data, h["marks_offset"] + 8 * L.mark_index(position, marks))
        if record["mark"] == "skip-granule":
            assert mark == position | L.MARK_SKIP_GRANULE
            position += L.GRANULE
            continue
        assert mark == (position if record["mark"] == "message" else position | L.MARK_SKIP_RECORD)
        sender, type_ = record["sender"].encode(), record["type"].encode()
        body = bytes.fromhex(record["body_hex"])
        length = L.RECORD_HEADER_LENGTH + len(sender) + len(type_) + len(body)
        raw = bytes(data[ring + ((position + i) & (capacity - 1))] for i in range(length))
        record_length, body_length, generation, slot, sender_length, type_length = struct.unpack_from("<iiiHBB", raw)
        assert (record_length, body_length) == (length, len(body))
        assert (generation, slot) == (record["writer_generation"], record["writer_slot"])
        assert (sender_length, type_length) == (len(sender), len(type_))
        assert raw[L.RECORD_HEADER_LENGTH:] == sender + type_ + body
        position += L.aligned_length(length)
    assert position == s["tail"], "the records end at the tail"

    # what the reader in slot 0 would be given follows from its screens and the delivery gate's window
    screens = registrations[0]
    gate_slot = abs(s["gate_code"]) - 1  # -1: never gated
    for record in m["records"]:
        if record["mark"] == "message":
            screened = record["sender"] in screens["screened_senders"] or record["type"] in screens["screened_types"]
            gated = (gate_slot >= 0 and not (s["gate_code"] > 0 and gate_slot == 0)
                     and record["writer_slot"] != gate_slot and s["gate_start"] <= record["position"] < s["gate_end"])
            assert record["delivered_to_slot_0"] == (not screened and not gated)


@pytest.mark.parametrize("name", NAMES)
def test_every_vector_reads_through_this_packages_attach_and_record_reading(name, queue_dir):
    m = manifest(GOLDEN, name)
    copy(name, queue_dir)
    file = attach(queue_dir, "golden")  # the header check accepts it
    try:
        queue = SharedQueue(file)
        assert queue.tail() == m["state"]["tail"]
        seen = []
        position = m["read_from"]
        while position < queue.tail():
            mark = queue.mark_acquire(position)
            assert is_resolved(mark, position)
            if mark == position | L.MARK_SKIP_GRANULE:
                seen.append(f"{position} skip-granule")
                position += L.GRANULE
                continue
            address = queue.record_address(position)  # one range, through the second mapping at the ring's end
            lengths, writer = lib.jq_read64(address), lib.jq_read64(address + 8)
            record_length, body_length = L.to_i32(lengths), L.to_i32(lengths >> 32)
            sender_length, type_length = (writer >> 48) & 0xFF, (writer >> 56) & 0xFF
            names = read_bytes(address + L.RECORD_HEADER_LENGTH, sender_length + type_length)
            body = read_bytes(address + L.RECORD_HEADER_LENGTH + sender_length + type_length, body_length)
            kind = "message" if mark == position else "skip-record"
            seen.append(f"{position} {kind} {names[:sender_length].decode()} {names[sender_length:].decode()} {body.hex()}")
            position += L.aligned_length(record_length)
    finally:
        file.unmap()
    expected = [f"{r['position']} skip-granule" if r["mark"] == "skip-granule"
                else f"{r['position']} {r['mark']} {r['sender']} {r['type']} {r['body_hex']}" for r in m["records"]]
    assert seen == expected


@pytest.mark.parametrize("name", NAMES)
def test_a_registration_on_every_vector_reclaims_its_dead_owners_and_passes_messages_over_the_rings_end(name, queue_dir):
    m = manifest(GOLDEN, name)
    path = copy(name, queue_dir)
    reader = PySyncQ("golden", create=False, directory=queue_dir)
    writer = PySyncQ("golden", create=False, directory=queue_dir)
    reader.open("checker-reader")
    writer.open("checker-writer", write_only=True)
    try:
        with open(path, "rb") as f:
            header = f.read(4096)
        assert i64(header, L.READERS_RECLAIMED_OFFSET) == len(m["registrations"]), "every owner is dead in a copy"
        assert i64(header, L.HOLES_REPAIRED_OFFSET) == m["state"]["holes_repaired"]
        # A dead holder's gate ended when its slot was freed: the window closed at the holder's read position.
        s = m["state"]
        if s["gate_code"] > 0:
            holder = next(r for r in m["registrations"] if r["slot"] == s["gate_code"] - 1)
            assert (i64(header, STATE_OFFSET), i64(header, START_OFFSET), i64(header, END_OFFSET)) == (
                gate_state(s["gate_takes"], -s["gate_code"]), s["gate_start"], holder["cursor"])
        else:
            assert (i64(header, STATE_OFFSET), i64(header, END_OFFSET)) == (
                gate_state(s["gate_takes"], s["gate_code"]), s["gate_end"])
        assert reader._registration.readers.delivery_gate.holder() == -1
        for i in range(12):  # 12 x 448 bytes: past the ring's end again, from any tail
            body = bytes([i]) * 400
            writer.append("after", body, block=True, timer=5)
            assert reader.pop(block=True, timer=5, decode=False) == (b"checker-writer", b"after", body)
    finally:
        writer.close()
        reader.close()


def same_bytes_but(expected, actual, ignored):
    assert len(actual) == len(expected)
    skip = bytearray(len(expected))
    for r in ignored:
        skip[r["offset"]:r["offset"] + r["length"]] = b"\x01" * r["length"]
    differences = [f"offset {i}: {expected[i]:02x} != {actual[i]:02x}"
                   for i in range(len(expected)) if not skip[i] and expected[i] != actual[i]]
    assert not differences[:20], ("bytes that differ (if the layout changed on purpose, regenerate the vectors: "
                                  "see testdata/golden/README.md)")


def test_the_python_generator_writes_the_committed_python_vectors_again(tmp_path):
    result = subprocess.run([sys.executable, str(GENERATOR), str(tmp_path)], capture_output=True, text=True,
                            timeout=60, cwd="/tmp")
    assert result.returncode == 0, result.stderr
    for name in ("python-records", "python-repairs", "python-gate"):
        committed = manifest(GOLDEN, name)
        assert manifest(tmp_path, name) == committed
        same_bytes_but(vector_bytes(GOLDEN, name), vector_bytes(tmp_path, name), committed["ignored_bytes"])


@pytest.mark.parametrize("steps", ["records", "repairs", "gate"])
def test_the_java_and_python_vectors_of_the_same_steps_are_the_same_bytes(steps):
    made_by_java, made_by_python = manifest(GOLDEN, "java-" + steps), manifest(GOLDEN, "python-" + steps)
    for own in ("name", "made_by", "generator", "file"):
        del made_by_java[own], made_by_python[own]
    assert made_by_python == made_by_java
    same_bytes_but(vector_bytes(GOLDEN, "java-" + steps), vector_bytes(GOLDEN, "python-" + steps),
                   made_by_java["ignored_bytes"])


@pytest.mark.parametrize("version", [L.LAYOUT_VERSION - 1, L.LAYOUT_VERSION + 1])
def test_a_queue_of_another_layout_version_is_refused_by_both_languages_with_a_clear_error(version, queue_dir):
    path = copy("java-records", queue_dir)
    with open(path, "r+b") as f:
        f.seek(L.VERSION_OFFSET)
        f.write(struct.pack("<i", version))
    queue = PySyncQ("golden", create=False, directory=queue_dir)
    with pytest.raises(IncompatibleQueueError) as refused:
        queue.open("checker")
    message = str(refused.value)
    assert f"layout version {version}" in message and f"reads version {L.LAYOUT_VERSION}" in message
    assert "re-create the queue" in message
    result = java("stat", "golden")  # JSYNCQ_DIR is queue_dir
    assert result.returncode != 0
    assert f"layout version {version}" in result.stderr, result.stderr
    assert os.path.exists(path), "a refused file is left alone"
