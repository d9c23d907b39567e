"""pysyncq's own example programs, in their shapes, on jsyncq: the demo (a parent and children chatting,
the queue handed to the children as multiprocessing arguments) and the benchmark (eight processes, seven
echoing the parent's messages, screens on types and senders, blocking without timers)."""
import multiprocessing as mp
import os
import time

import pytest

from jsyncq import PySyncQ

from conftest import await_registrations


def demo_child(queue, name, opened, results):
    queue.open(name)
    opened.wait()
    start = queue.pop(block=True, timer=30)
    sentences = 0
    stopped = False
    while not stopped:
        try:
            queue.append("sentence", f"{name} says hello", block=True)
        except MemoryError:
            pass  # full for half a second: pysyncq's demo skips the sentence too
        for message in queue(block=True, timer=0.2):
            match message:
                case ["parent", "user", "stop"]:
                    stopped = True
                    break
                case [_, "sentence", _]:
                    sentences += 1
    results.put((name, start, sentences))
    queue.close()


@pytest.mark.parametrize("start_method", ["fork", "spawn"])
def test_the_demo_shape_children_chat_until_the_parent_says_stop(queue_dir, start_method):
    context = mp.get_context(start_method)
    queue = PySyncQ("pqdemo", create=True, size=256)  # pysyncq's size: rounded up to the smallest queue
    children = 4
    opened = context.Barrier(children + 1)
    results = context.Queue()
    processes = [context.Process(target=demo_child, args=(queue, f"Child-{i}", opened, results))
                 for i in range(children)]
    for process in processes:
        process.start()
    queue.open("parent")
    opened.wait(timeout=60)
    queue.append(msgtype="user", msg="start")
    until = time.monotonic() + 2.0
    while time.monotonic() < until:
        for _ in queue:
            pass
        time.sleep(0.01)
    queue.append("user", "stop", block=True, timer=30)
    outcome = sorted(results.get(timeout=60) for _ in processes)
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    queue.close()
    assert [name for name, _, _ in outcome] == [f"Child-{i}" for i in range(children)]
    for name, start, sentences in outcome:
        assert start == ("parent", "user", "start"), name
        assert sentences > 0, f"{name} heard nobody"
    assert not os.path.exists(os.path.join(os.environ["JSYNCQ_DIR"], "pqdemo")), "the last close removes it"


def echo_child(queue, name):
    queue.open(name)
    queue.scrntype.add("echo")
    for _, message_type, message in queue(block=True, timer=None):
        if message_type == "kill":
            break
        queue.append("echo", message, block=True, timer=None)
    queue.close()


def test_the_benchmark_shape_seven_children_echo_every_message_of_the_parent(queue_dir):
    processes_in_all = 8
    # Every child echoes, so a child that falls a whole ring behind and then waits for room for its echo
    # waits for itself: pysyncq's semantics, and pysyncq's own benchmark has the same hazard. A ring larger
    # than all the messages of one size (8 per transfer) rules it out, so the test cannot hang by chance.
    queue = PySyncQ(name="transtime", create=True, size=4 << 20)
    children = [mp.Process(target=echo_child, args=(queue, f"child-{i}")) for i in range(processes_in_all - 1)]
    for child in children:
        child.start()
    queue.open("parent")
    await_registrations("transtime", processes_in_all)  # pysyncq's benchmark sleeps 0.1 s instead
    for i in range(1, processes_in_all - 1):
        queue.scrnsend.add(f"child-{i}")
    timings = {}
    for power in (1, 6, 10):
        body = bytes(2 ** power)
        started = time.perf_counter()
        for _ in range(200):
            queue.append("origin", body, block=True, timer=None)
            echoed = queue.pop(block=True, timer=30, decode=False)
            assert echoed is not None, "child-0's echo did not come back"
            assert echoed == (b"child-0", b"echo", body), "decode=False gives bytes, as pysyncq's pop does"
            for _ in queue:
                pass
        timings[2 ** power] = (time.perf_counter() - started) / 400
    queue.append("kill")
    queue.close()
    for child in children:
        child.join(timeout=60)
        assert child.exitcode == 0
    print("transfer time per message (ms):", {size: round(t * 1e3, 4) for size, t in timings.items()})
