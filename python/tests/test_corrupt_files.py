"""Damaged queue files (design.md section 9), the cases of Java's CorruptFileFuzzTest that apply to the
Python package: each is built, damaged and used in a process of its own (programs/corrupt_case.py), so a
segfault or SIGBUS is a failed case with its name, and each has a time limit, so a hang is one too. A case
must end with the named jsyncq exception given here and a message that says what to do, or, where the
damage leaves a queue the package can still use (a dead registration's slot, a counter, the wake-up
words), with no exception at all."""
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import PROGRAMS
from jsyncq import layout as L

CASE_PROGRAM = PROGRAMS / "corrupt_case.py"
LIMIT_SECONDS = 20  # a case takes well under a second; only a hang comes near this

DAMAGED = ("IncompatibleQueueError", "remove it and create the queue again")
NOT_A_QUEUE = ("IncompatibleQueueError", "is not a jsyncq queue")
USABLE = (None, None)

#: case -> (exception class name or None, text its message must contain)
EXPECTED = {
    "empty-file": ("IncompatibleQueueError", "shorter than a queue header"),
    "truncated-inside-header": ("IncompatibleQueueError", "shorter than a queue header"),
    "truncated-inside-ring": ("IncompatibleQueueError", "bytes long but its header says"),
    "extended": ("IncompatibleQueueError", "bytes long but its header says"),
    "not-a-queue": ("IncompatibleQueueError", "does not start with the jsyncq magic number"),
    "symlink-to-a-queue": ("IncompatibleQueueError", "it is a symbolic link; remove it"),
    "dangling-symlink": ("IncompatibleQueueError", "it is a symbolic link; remove it"),
    "fifo": ("IncompatibleQueueError", "it is not a regular file"),
    "directory": ("IncompatibleQueueError", "it is a directory; remove or rename it"),
    "lock-file-is-a-directory": ("SyncQueueError", "if it is anything else, remove it"),
    "wrong-magic": ("IncompatibleQueueError", "does not start with the jsyncq magic number"),
    "older-version": ("IncompatibleQueueError",
                      f"has layout version {L.LAYOUT_VERSION - 1}; this jsyncq reads version {L.LAYOUT_VERSION}"),
    "newer-version": ("IncompatibleQueueError",
                      f"has layout version {L.LAYOUT_VERSION + 1}; this jsyncq reads version {L.LAYOUT_VERSION}"),
    "capacity-not-a-power-of-two": ("IncompatibleQueueError", "its header holds capacity 5000"),
    "capacity-negative": ("IncompatibleQueueError", "its header holds capacity -4096"),
    "capacity-lies": ("IncompatibleQueueError", "the offsets in its header do not match its sizes"),
    "resized-geometry": ("IncompatibleQueueError", "it is 12288 bytes long but its header says"),
    "max-readers-zero": ("IncompatibleQueueError", "max readers 0"),
    "max-readers-absurd": ("IncompatibleQueueError", "max readers 2147483647"),
    "slot-length-lies": ("IncompatibleQueueError", "the offsets in its header do not match its sizes"),
    "table-offset-lies": ("IncompatibleQueueError", "the offsets in its header do not match its sizes"),
    "marks-offset-lies": ("IncompatibleQueueError", "the offsets in its header do not match its sizes"),
    "ring-offset-lies": ("IncompatibleQueueError", "the offsets in its header do not match its sizes"),
    "file-length-lies": ("IncompatibleQueueError", "the offsets in its header do not match its sizes"),
    "page-size-lies": ("IncompatibleQueueError", "laid out for 65536-byte pages"),
    "tail-not-a-multiple-of-64": ("IncompatibleQueueError", "is not a record boundary"),
    "tail-negative": ("IncompatibleQueueError", "its tail position -64 is not a record boundary"),
    "tail-at-the-end-of-positions": ("IncompatibleQueueError", "ahead of a reader in a ring of 4096"),
    "tail-laps-ahead-of-the-reader": ("IncompatibleQueueError", "its tail is 40960 bytes ahead of a reader"),
    "tail-not-a-multiple-of-64-writer-first": ("IncompatibleQueueError", "is not a record boundary"),
    "tail-at-the-end-of-positions-writer-first": ("IncompatibleQueueError", "is not a record boundary"),
    "tail-laps-ahead-writer-first": ("IncompatibleQueueError", "more than a ring (4096 bytes) ahead"),
    "head-cache-ahead-of-the-tail": ("IncompatibleQueueError", "its head cache 9223372036854775807 is ahead of its tail"),
    "head-cache-negative": USABLE,  # the next refresh of the head cache replaces it (a CAS-max)
    "record-length-below-header": ("IncompatibleQueueError", "the record at position 64 has an impossible header"),
    "record-length-beyond-ring": ("IncompatibleQueueError", "the record at position 64 has an impossible header"),
    "record-length-negative": ("IncompatibleQueueError", "the record at position 64 has an impossible header"),
    "record-body-length-negative": ("IncompatibleQueueError", "the record at position 128 has an impossible header"),
    "record-lengths-disagree": ("IncompatibleQueueError", "the record at position 128 has an impossible header"),
    "record-runs-past-the-tail": ("IncompatibleQueueError", "the record at position 64 runs past the tail"),
    # marks that resolve nothing: the reader sees no message there (as Java's), and nothing else breaks
    "every-mark-garbage": USABLE,
    "every-mark-negative": USABLE,
    "slot-high-water-absurd": USABLE,  # clamped to the reader count
    "slot-high-water-negative": USABLE,
    "dead-slots-with-garbage-words": USABLE,  # the owner lock, which bytes cannot forge, says dead: reclaimed
    "dead-slots-with-garbage-floors": USABLE,
    "dead-slots-with-garbage-cursors": USABLE,
    "dead-slots-with-garbage-sleepers": USABLE,
    "dead-slots-with-garbage-senders": USABLE,
    "dead-slots-with-garbage-summaries": USABLE,
    "live-slot-word-changed": ("RegistrationLostError", "was changed by another process. Open the queue again"),
    "live-slot-cursor-garbage": USABLE,  # the owner's cursor lives in the process; the file's is rewritten
    "live-slot-summary-garbage": USABLE,  # costs spare or handed-on wake-ups, never a missed deadline
    "wake-words-garbage": USABLE,
    "wake-words-negative": USABLE,
    "removed-bit-set": ("NoSuchQueueError", "create it first"),  # a dead remover's file: removed under the lock
}
HINTS = ("remove it", "re-create", "create the queue again", "create it first", "open the queue again",
         "remove or rename it")


def cases():
    listed = subprocess.run([sys.executable, str(CASE_PROGRAM), "--list"], capture_output=True, text=True,
                            timeout=60, cwd="/tmp")
    assert listed.returncode == 0, listed.stderr
    return listed.stdout.split()


def run_case(name):
    directory = tempfile.mkdtemp(prefix="jsyncq-corrupt-", dir="/dev/shm")
    start = time.monotonic()
    try:
        process = subprocess.run([sys.executable, str(CASE_PROGRAM), name, directory], capture_output=True,
                                 text=True, timeout=LIMIT_SECONDS, cwd="/tmp")
        return name, process.returncode, process.stdout, process.stderr, time.monotonic() - start
    except subprocess.TimeoutExpired as e:
        return name, "hang", e.stdout or "", e.stderr or "", time.monotonic() - start
    finally:
        subprocess.run(["rm", "-rf", directory], timeout=30)


@pytest.fixture(scope="module")
def outcomes():
    names = cases()
    with ThreadPoolExecutor(max_workers=4) as pool:
        return {name: result for name, *result in pool.map(run_case, names)}


def test_every_case_has_an_expectation_and_every_expectation_a_case():
    assert sorted(cases()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_damaged_file_gives_a_named_exception_that_says_what_to_do_never_a_crash_or_hang(name, outcomes):
    code, out, err, seconds = outcomes[name]
    assert code != "hang", f"{name} did not end within {LIMIT_SECONDS} s:\n{err[-3000:]}"
    assert code >= 0, f"{name} was killed by signal {-code} (a crash):\n{err[-3000:]}"
    assert code == 0, f"{name} raised something other than a jsyncq exception:\n{err[-3000:]}"
    result = json.loads(out.strip().splitlines()[-1])
    expected_type, expected_text = EXPECTED[name]
    error = result["error"]
    if expected_type is None:
        assert error is None, f"{name}: {error}"
        assert "newcomer.close" in result["steps"], f"{name} stopped early: {result['steps']}"
    else:
        assert error is not None, f"{name} raised nothing; steps {result['steps']}"
        assert error["type"] == expected_type, f"{name}: {error}"
        assert expected_text in error["message"], f"{name}: {error['message']}"
        assert any(hint in error["message"].lower() for hint in HINTS), f"{name} does not say what to do: {error['message']}"
    assert seconds < LIMIT_SECONDS / 2, f"{name} took {seconds:.1f} s"
