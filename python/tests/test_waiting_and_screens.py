"""Blocking with timers on both sides, wake-ups across the two languages, and screens."""
import json
import os
import signal
import time

import pytest

from jsyncq import PySyncQ

from conftest import await_registrations, finish, java, java_start, python_start, stat


def test_a_pop_on_an_empty_queue_waits_for_its_timer_then_returns_none(queue_dir):
    with PySyncQ("empty", create=True, size=4096) as queue:
        queue.open("alone")
        assert queue.pop() is None
        started = time.monotonic()
        assert queue.pop(block=True, timer=0.3) is None
        waited = time.monotonic() - started
        assert 0.29 <= waited < 5


def test_an_append_to_a_queue_a_stopped_java_reader_holds_full_raises_memory_error_after_its_timer(queue_dir):
    assert java("create", "held", "--size", "4k").returncode == 0
    holder = java_start("tail", "held", "--sender", "holder", "--follow")
    try:
        await_registrations("held", 1)
        os.kill(holder.pid, signal.SIGSTOP)  # alive, registered, reading nothing: its cursor holds the space
        with PySyncQ("held", create=False) as queue:
            queue.open("filler")
            with pytest.raises(MemoryError):
                for _ in range(1000):
                    queue.append("t", "x" * 100)
            started = time.monotonic()
            with pytest.raises(MemoryError):
                queue.append("t", "x" * 100, block=True, timer=0.3)
            assert 0.29 <= time.monotonic() - started < 5
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait()


def test_a_sleeping_java_reader_is_woken_by_a_python_append(queue_dir):
    assert java("create", "wake-java", "--size", "64k").returncode == 0
    reader = java_start("tail", "wake-java", "--count", "1", "--timeout", "60s", "--json")
    await_registrations("wake-java", 1)
    time.sleep(1.0)  # past its spin: asleep in futex_wait
    with PySyncQ("wake-java", create=False) as queue:
        queue.open("py")
        sent = time.monotonic()
        queue.append("t", "wake up")
        code, out, err = finish(reader, timeout=60)
    assert code == 0, err
    assert json.loads(out) == {"sender": "py", "type": "t", "body": "wake up"}
    assert time.monotonic() - sent < 10


def test_a_sleeping_python_reader_is_woken_by_a_java_send(queue_dir):
    assert java("create", "wake-python", "--size", "64k").returncode == 0
    reader = python_start("reader.py", "wake-python", "py-reader", 1, 60)
    assert reader.stdout.readline().strip() == "ready"
    time.sleep(1.0)
    assert java("send", "wake-python", "--sender", "java", "--type", "t", "from java").returncode == 0
    code, out, err = finish(reader, timeout=60)
    assert code == 0, err
    assert json.loads(out) == {"sender": "java", "type": "t", "body": "from java"}


def test_screens_work_the_same_on_both_sides(queue_dir):
    assert java("create", "screens", "--size", "64k").returncode == 0
    java_reader = java_start("tail", "screens", "--sender", "jr", "--skip-sender", "py-noise", "--skip-sender",
                             "java-noise", "--count", "2", "--timeout", "30s", "--json")
    python_reader = python_start("reader.py", "screens", "pr", 2, 30, "java-noise", "py-noise")
    assert python_reader.stdout.readline().strip() == "ready"
    await_registrations("screens", 2)
    with PySyncQ("screens", create=False) as noise:
        noise.open("py-noise")
        for i in range(50):
            noise.append("t", f"noise {i}")
    noise_lines = "".join(f"noise {i}\n" for i in range(50))
    assert java("send", "screens", "--sender", "java-noise", "--type", "t", input=noise_lines).returncode == 0
    with PySyncQ("screens", create=False) as wanted:
        wanted.open("py-wanted")
        wanted.append("t", "for both")
    assert java("send", "screens", "--sender", "java-wanted", "--type", "t", "also for both").returncode == 0
    java_code, java_out, java_err = finish(java_reader)
    python_code, python_out, python_err = finish(python_reader)
    assert java_code == 0, java_err
    assert python_code == 0, python_err
    java_bodies = [json.loads(line)["body"] for line in java_out.splitlines()]
    python_bodies = [json.loads(line)["body"] for line in python_out.splitlines()]
    assert java_bodies == ["for both", "also for both"]
    assert python_bodies == ["for both", "also for both"]


def test_a_write_only_producer_never_drains_and_holds_no_space(queue_dir):
    assert java("create", "producer", "--size", "4k").returncode == 0
    reader = python_start("reader.py", "producer", "consumer", 200, 30)
    assert reader.stdout.readline().strip() == "ready"
    with PySyncQ("producer", create=False) as producer:
        producer.open("producer", write_only=True)
        for i in range(200):  # 200 x 64 B through a 4 KiB ring: only the consumer's reading makes room
            producer.append("t", f"message {i}", block=True, timer=30)
        with pytest.raises(RuntimeError, match="write-only"):
            producer.pop()
        writer_slot = [r for r in stat("producer")["readers"] if r["sender"] == "producer"][0]
        assert writer_slot["writeOnly"]
    code, out, err = finish(reader, timeout=60)
    assert code == 0, err
    assert [json.loads(line)["body"] for line in out.splitlines()] == [f"message {i}" for i in range(200)]
