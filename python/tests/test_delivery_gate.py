"""The delivery gate (layout version 7, design.md 11): while a registration holds it, every other one passes
over, unread, what any other registration writes at or after the holder's read position when it took the gate
(the window's start), and delivers the holder's records; the holder reads everything. When the holder's slot
is freed (closed, reclaimed after its process died, or given up by an operator while parked) the window ends
at the holder's last read position: what it read stays passed over, what lies after is delivered as usual.
Parking a durable holder keeps the gate. A Java bridge in sequencer mode takes it (SyncQueue.gateDelivery);
programs/GateHolder.java does the same here, so that Python readers are seen to honour a gate Java took, and
the window Java closes when it frees the holder's slot."""
import queue as queues
import signal
import subprocess
import sys
import threading

import pytest

from jsyncq import PySyncQ

from conftest import finish, java, java_program_start, stat

WAIT = 30  # seconds for anything that should happen at once


class Talker:
    """A started process driven line by line: its stdout read by a thread, so that a wait has a time limit."""

    def __init__(self, process):
        self.process = process
        self.lines = queues.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)  # its stdout ended

    def line(self):
        try:
            line = self.lines.get(timeout=WAIT)
        except queues.Empty:
            raise AssertionError(f"{self.process.args[-3:]} said nothing within {WAIT} s") from None
        if line is None:
            self.process.wait(WAIT)
            raise AssertionError(f"the process ended (exit {self.process.returncode}): {self.process.stderr.read()}")
        return line

    def expect(self, expected):
        assert self.line() == expected

    def say(self, line):
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def end(self):
        """Closes its stdin (GateHolder closes its queue then) and waits; returns its exit code and stderr."""
        self.process.stdin.close()
        self.expect("closed")
        code, _, err = finish(self.process, timeout=WAIT)
        return code, err

    def kill(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(WAIT)


def gate_of(queue):
    """The slot holding the gate, as this package reads it (-1: none)."""
    return queue._registration.readers.delivery_gate.holder()


def open_queue(name, sender, **options):
    queue = PySyncQ(name, create=False)
    queue.open(sender, **options)
    return queue


def slot_of(info, sender):
    return next(reader["slot"] for reader in info["readers"] if reader["sender"] == sender)


def test_python_readers_deliver_only_what_a_java_gate_holder_appends_within_its_window(queue_dir):
    assert java("create", "gated", "--size", "1m").returncode == 0
    reader = open_queue("gated", "py-reader")  # registered before every append below, and reads as they come
    laggard = open_queue("gated", "py-laggard")  # registered as early, reads only after the holder closed
    writer = open_queue("gated", "py-writer", write_only=True)
    holder = None
    try:
        writer.append("t", "py-before")  # before the holder's read position: outside the window
        holder = Talker(java_program_start("GateHolder.java", "gated", "java-bridge"))
        holder.expect("gated")
        info = stat("gated")
        bridge = slot_of(info, "java-bridge")
        assert info["deliveryGate"] == bridge
        assert gate_of(reader) == bridge, "Python reads the gate Java took where Java wrote it"
        assert reader.pop(block=True, timer=WAIT) == ("py-writer", "t", "py-before")

        # A reader asleep when a record the gate holds back comes: woken for it (a spare wake-up), it passes
        # it and sleeps on, until the holder's record comes.
        taken = []
        sleeper = threading.Thread(target=lambda: taken.append(reader.pop(block=True, timer=WAIT)))
        sleeper.start()
        writer.append("t", "py-0")
        holder.say("append java-0")
        holder.expect("appended java-0")
        sleeper.join(WAIT + 5)
        assert taken == [("java-bridge", "t", "java-0")]

        for i in range(1, 5):  # interleaved: each Python record lies between two of the holder's
            writer.append("t", f"py-{i}")
            holder.say(f"append java-{i}")
            holder.expect(f"appended java-{i}")
        assert [reader.pop(block=True, timer=WAIT) for _ in range(4)] == [
            ("java-bridge", "t", f"java-{i}") for i in range(1, 5)]
        assert reader.pop(block=True, timer=0.3) is None, "the Python writer's records are passed over, unread"

        holder.say("drain 5")  # the holder itself reads everything (but its own: it filters itself)
        assert [holder.line() for _ in range(5)] == [f"got py-writer t py-{i}" for i in range(5)]
        writer.append("t", "py-5")  # past the holder's read position: it never reads this one
        assert reader.pop(block=True, timer=0.3) is None, "passed over while the gate is held"

        code, err = holder.end()  # Java frees its slot: the window ends at the holder's last read position
        assert code == 0, err
        assert gate_of(reader) == -1
        assert stat("gated")["deliveryGate"] == -1
        writer.append("t", "py-after")
        assert reader.pop(block=True, timer=WAIT) == ("py-writer", "t", "py-after")
        assert reader.pop() is None

        # Behind, the laggard delivers what the holder never read (before the window, or after its end), and
        # the holder's records, but not what the holder read: that went out, and came back as the holder's.
        assert list(laggard(block=True, timer=0.3)) == (
            [("py-writer", "t", "py-before")] + [("java-bridge", "t", f"java-{i}") for i in range(5)]
            + [("py-writer", "t", "py-5"), ("py-writer", "t", "py-after")])
    finally:
        if holder is not None:
            holder.kill()
        writer.close()
        laggard.close()
        reader.close()


def test_a_parked_durable_java_gate_holder_keeps_the_gate_until_an_operator_gives_it_up(queue_dir):
    assert java("create", "parked", "--size", "1m").returncode == 0
    reader = open_queue("parked", "py-reader")
    writer = open_queue("parked", "py-writer", write_only=True)
    holder = Talker(java_program_start("GateHolder.java", "parked", "java-bridge", "durable"))
    try:
        holder.expect("gated")
        bridge = slot_of(stat("parked"), "java-bridge")
        holder.kill()
        # The next registration reclaims the dead: Python parks a durable (Java) registration, gate and all.
        open_queue("parked", "late-joiner").close()
        info = stat("parked")
        assert next(r for r in info["readers"] if r["slot"] == bridge)["parked"]
        assert info["deliveryGate"] == bridge and gate_of(reader) == bridge
        writer.append("t", "held back")
        assert reader.pop(block=True, timer=0.3) is None, "a parked holder's gate still holds"

        result = java("evict", "parked", "--reader", str(bridge))  # frees the parked slot: the gate ends
        assert result.returncode == 0, result.stderr
        assert gate_of(reader) == -1
        writer.append("t", "through")
        assert reader.pop(block=True, timer=WAIT) == ("py-writer", "t", "through")
    finally:
        holder.kill()
        writer.close()
        reader.close()


def test_a_python_gate_holder_gates_the_others_from_its_read_position_and_its_window_ends_where_it_read_to(
        queue_dir):
    PySyncQ("py-gated", create=True, size=65536)
    reader = open_queue("py-gated", "reader")
    laggard = open_queue("py-gated", "laggard")  # reads only after the holder closed
    writer = open_queue("py-gated", "writer", write_only=True)
    writer.append("t", "w-before-holder")  # the holder never reads it: delivered as usual
    bridge = open_queue("py-gated", "bridge")
    try:
        writer.append("t", "w-before-gate")  # at or after the holder's read position: in the window
        bridge.gate_delivery()
        bridge.gate_delivery()  # held already by this one: nothing to do
        assert gate_of(reader) == bridge._registration.slot
        with pytest.raises(RuntimeError, match="gated already, by 'bridge'"):
            reader.gate_delivery()
        with pytest.raises(RuntimeError, match="write-only"):
            writer.gate_delivery()

        writer.append("t", "w-1")
        bridge.append("t", "b-1")
        writer.append("t", "w-2")
        assert list(reader()) == [("writer", "t", "w-before-holder"), ("bridge", "t", "b-1")]
        assert list(bridge()) == [("writer", "t", "w-before-gate"), ("writer", "t", "w-1"), ("writer", "t", "w-2")]

        open_queue("py-gated", "passer-by").close()  # freeing another slot leaves the gate alone
        assert gate_of(reader) == bridge._registration.slot

        writer.append("t", "w-3")  # past where the holder read to
        assert reader.pop() is None, "passed over while the gate is held"
        bridge.close()
        assert gate_of(reader) == -1
        writer.append("t", "w-4")
        assert list(reader()) == [("writer", "t", "w-4")]
        assert list(laggard()) == [("writer", "t", "w-before-holder"), ("bridge", "t", "b-1"), ("writer", "t", "w-3"),
                                   ("writer", "t", "w-4")]
    finally:
        bridge.close()
        writer.close()
        laggard.close()
        reader.close()


CHILD = """
import sys, time
from jsyncq import PySyncQ
queue = PySyncQ(sys.argv[1], create=False)
queue.open("doomed-bridge")
queue.gate_delivery()
print("gated", flush=True)
time.sleep(600)
"""


def test_the_gate_of_a_dead_holder_ends_when_its_slot_is_reclaimed(queue_dir):
    PySyncQ("reclaimed", create=True, size=65536)
    reader = open_queue("reclaimed", "reader")
    laggard = open_queue("reclaimed", "laggard")  # reads only after the reclaim
    writer = open_queue("reclaimed", "writer", write_only=True)
    child = Talker(subprocess.Popen([sys.executable, "-c", CHILD, "reclaimed"], stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True, cwd="/tmp"))
    try:
        child.expect("gated")
        child.kill()
        assert gate_of(reader) >= 0, "dead, but not reclaimed yet"
        writer.append("t", "passed over")
        assert reader.pop() is None
        open_queue("reclaimed", "late-joiner").close()  # a join reclaims the dead, freeing the slot
        assert gate_of(reader) == -1
        writer.append("t", "delivered")
        assert reader.pop() == ("writer", "t", "delivered")
        # The dead holder never read "passed over": its window ended where it started, so behind, it is delivered.
        assert list(laggard()) == [("writer", "t", "passed over"), ("writer", "t", "delivered")]
    finally:
        child.kill()
        writer.close()
        laggard.close()
        reader.close()
