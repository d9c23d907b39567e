"""A process of either language killed with SIGKILL in the middle of a stream of appends does not wedge
the readers of the other: they go on receiving what comes after, and the dead registration is reclaimed."""
import json
import os
import signal
import sys
import threading
import time

import pytest

from conftest import PROGRAMS, await_registrations, finish, java, java_start, python_start, stat

sys.path.insert(0, str(PROGRAMS))
import checksums  # noqa: E402


def read_until(process, predicate, timeout):
    """Reads JSON lines from a started process until one satisfies predicate; returns them all."""
    lines = []
    done = threading.Event()

    def pump():
        for line in process.stdout:
            line = line.strip()
            if not line or line == "ready":
                continue
            message = json.loads(line)
            lines.append(message)
            if predicate(message):
                done.set()
                return

    threading.Thread(target=pump, daemon=True).start()
    assert done.wait(timeout), f"not seen within {timeout} s; last of {len(lines)}: {lines[-1:]}"
    return lines


def test_a_python_writer_killed_mid_stream_does_not_wedge_a_java_reader(queue_dir):
    assert java("create", "crash-py", "--size", "64k").returncode == 0  # small: the stream laps the ring
    reader = java_start("tail", "crash-py", "--sender", "java-reader", "--follow", "--json")
    try:
        await_registrations("crash-py", 1)
        writer = python_start("writer.py", "crash-py", "doomed", 0, 7, "forever")
        assert writer.stdout.readline().strip() == "ready"
        time.sleep(1.0)
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait()
        assert java("send", "crash-py", "--sender", "survivor", "--type", "t", "after the kill").returncode == 0
        seen = read_until(reader, lambda m: m["body"] == "after the kill", timeout=60)
    finally:
        reader.kill()
        reader.wait()
    doomed = [m for m in seen if m["sender"] == "doomed"]
    assert len(doomed) > 100, "the writer was killed mid-stream, not before it began"
    assert [checksums.parse(m["body"])[1] for m in doomed] == list(range(len(doomed)))
    deadline = time.monotonic() + 30
    while stat("crash-py")["readersReclaimed"] < 1:
        assert time.monotonic() < deadline, "the dead Python registration was not reclaimed"
        time.sleep(0.2)


def test_a_java_writer_killed_mid_stream_does_not_wedge_a_python_reader(queue_dir):
    assert java("create", "crash-java", "--size", "64k").returncode == 0
    reader = python_start("follower.py", "crash-java", "py-reader", 60)
    assert reader.stdout.readline().strip() == "ready"
    writer = java_start("send", "crash-java", "--sender", "doomed", "--type", "t", stdin=-1)
    feeding = threading.Event()

    def feed():
        rng_bodies = checksums.bodies("doomed", 200_000, seed=3)
        try:
            for line in rng_bodies:
                writer.stdin.write(line + "\n")
                feeding.set()
            writer.stdin.close()
        except (BrokenPipeError, ValueError, OSError):
            pass  # killed: that is the point

    threading.Thread(target=feed, daemon=True).start()
    try:
        seen = read_until(reader, lambda m: m["sender"] == "doomed" and checksums.parse(m["body"])[1] >= 2000,
                          timeout=60)
        os.kill(writer.pid, signal.SIGKILL)  # bin/jsyncq execs the JVM: this pid is the Java process
        writer.wait()
        from jsyncq import PySyncQ
        with PySyncQ("crash-java", create=False) as survivor:
            survivor.open("survivor")
            survivor.append("t", "stop", block=True, timer=30)
        seen += read_until(reader, lambda m: m["body"] == "stop", timeout=60)
        code, _, err = finish(reader, timeout=30)
        assert code == 0, err
    finally:
        reader.kill()
        writer.kill()
    doomed = [m for m in seen if m["sender"] == "doomed"]
    assert [checksums.parse(m["body"])[1] for m in doomed] == list(range(len(doomed)))



def test_a_python_writer_parks_a_killed_durable_java_reader_which_resumes_without_losing_a_message(queue_dir):
    """A durable registration (a Java feature) outlives its process: a Python writer that finds its owner dead
    parks its slot instead of freeing it, so its position goes on holding every message after it, and the
    next durable registration of that name reads on from there."""
    from jsyncq import PySyncQ

    assert java("create", "durable-py", "--size", "4k", "--keep").returncode == 0  # 64 records of 64 bytes
    tail = java_start("tail", "durable-py", "--sender", "audit", "--durable", "--follow", "--json")
    try:
        await_registrations("durable-py", 1)
        with PySyncQ("durable-py", create=False) as queue:
            queue.open("py-writer", write_only=True)
            for i in range(10):
                queue.append("t", f"m-{i}")
            read_until(tail, lambda m: m["body"] == "m-9", timeout=60)
            os.kill(tail.pid, signal.SIGKILL)
            tail.wait()
            # The dead tail's position holds the ring now. The append that finds no room looks for dead
            # registrations and parks this one (it stays counted), so it fails after its timer rather than
            # overwriting what the tail has not read.
            appended = 10
            with pytest.raises(MemoryError):
                while appended < 1000:
                    queue.append("t", f"m-{appended}", block=True, timer=0.5)
                    appended += 1
            assert appended == 10 + 64, "the parked position holds exactly one ring of messages"
            audit = [r for r in stat("durable-py")["readers"] if r["sender"] == "audit"]
            assert [(r["parked"], r["alive"]) for r in audit] == [(True, False)]
        resumed = java_start("tail", "durable-py", "--sender", "audit", "--durable", "--count", "64", "--json")
        lines = read_until(resumed, lambda m: m["body"] == f"m-{appended - 1}", timeout=60)
        assert [m["body"] for m in lines] == [f"m-{i}" for i in range(10, appended)]
        assert resumed.wait(timeout=60) == 0
    finally:
        if tail.poll() is None:
            tail.kill()
    assert java("rm", "durable-py", "--force").returncode == 0
