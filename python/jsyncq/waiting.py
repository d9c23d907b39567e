"""Waiting and waking (design.md section 5): WakeChannel (a futex word, a waiter count, an armed flag in
the shared file) and Waiter (spin, then sleep on a bed, with a deadline and housekeeping between sleeps).

Deadlines are ``time.monotonic_ns()`` values; ``None`` waits for ever and ``NO_WAIT`` does not wait.
"""

import os
import time

from . import layout as L
from .errors import QueueClosedError
from .native import check_wait, lib

NO_WAIT = 0  # monotonic_ns() is never 0 here: a deadline that has always passed
#: Longest single sleep: crashes are repaired and eviction/close noticed between sleeps (Java's
#: jsyncq.maxSleepMillis; here the environment variable JSYNCQ_MAX_SLEEP_MILLIS).
MAX_SLEEP_NANOS = int(os.environ.get("JSYNCQ_MAX_SLEEP_MILLIS", "10")) * 1_000_000
DEFAULT_SPIN_NANOS = 20_000
_MAX_SPIN_SHIFT = 10
_ONE_LOOK_NANOS = 1_000  # about what one look at the queue costs in Python


def deadline_after(seconds):
    """pysyncq's ``timer``: None waits for ever, 0 or less does not wait."""
    if seconds is None:
        return None
    if seconds <= 0:
        return NO_WAIT
    return time.monotonic_ns() + int(seconds * 1e9)


def expired(deadline):
    return deadline is not None and (deadline == NO_WAIT or time.monotonic_ns() >= deadline)


class WakeChannel:
    """One kind of waiter's futex word (+0), waiter count (+4) and armed flag (+8)."""

    __slots__ = ("word", "waiters", "armed")

    def __init__(self, base, sequence_offset, waiters_offset, armed_offset):
        self.word = base + sequence_offset
        self.waiters = base + waiters_offset
        self.armed = base + armed_offset

    # -- the Bed protocol: sequence, arm, sleep
    def sequence(self):
        return lib.jq_load32(self.word)

    def arm(self):
        lib.jq_store32(self.armed, 1)

    def sleep(self, sequence, nanos):
        check_wait(lib.jq_futex_wait(self.word, sequence, nanos))

    # -- counting and waking
    def add_waiter(self, delta):
        lib.jq_fetch_add32(self.waiters, delta)

    def waiters_volatile(self):
        return lib.jq_load32(self.waiters)

    def wake_if_waiting(self):
        """After a change made visible (volatile store or CAS): one load when nobody sleeps; one wake call
        per round of sleepers (the armed flag), not one per change."""
        if lib.jq_load32(self.waiters) != 0 and lib.jq_load32(self.armed) != 0 and lib.jq_cas32(self.armed, 1, 0):
            self.wake_all()

    def wake_all(self):
        """Bump, then wake: waking first would miss a sleeper between its read of the word and futex_wait."""
        lib.jq_fetch_add32(self.word, 1)
        lib.jq_futex_wake(self.word)

    def wake_bits(self, bits):
        """Bump once and wake, in one FUTEX_WAKE_BITSET call, every reader whose bit is in ``bits``."""
        lib.jq_fetch_add32(self.word, 1)
        lib.jq_futex_wake_bitset(self.word, bits & 0xFFFF_FFFF)

    def sleep_on_bits(self, sequence, nanos, bits):
        check_wait(lib.jq_futex_wait_bitset(self.word, sequence, nanos, bits & 0xFFFF_FFFF))


class ReaderBed:
    """Where a reader sleeps for the record at ``wait_at`` (SharedQueue.readerBed): the message channel's word
    with its slot's bit, after storing its wait position and arming its slot."""

    __slots__ = ("channel", "wait_at_address", "armed_address", "wait_at", "bit")

    def __init__(self, channel, base, slot, wait_at):
        self.channel = channel
        offset = base + L.slot_offset(slot)
        self.wait_at_address = offset + L.WAIT_AT_OFFSET
        self.armed_address = offset + L.ARMED_OFFSET
        self.wait_at = wait_at
        self.bit = 1 << (slot & 31)

    def sequence(self):
        return self.channel.sequence()

    def arm(self):
        lib.jq_store64(self.wait_at_address, self.wait_at)
        lib.jq_store32(self.armed_address, 1)

    def sleep(self, sequence, nanos):
        self.channel.sleep_on_bits(sequence, nanos, self.bit)


class Waiter:
    """Waits for a condition on shared memory: an adaptive spin, then sleeps of at most MAX_SLEEP_NANOS.
    Each sleeper is counted on the channel (up first, down last) and in its own slot (for reclaimers)."""

    def __init__(self, base, slot, spin_nanos=DEFAULT_SPIN_NANOS):
        self.spin_nanos = spin_nanos
        slot_base = base + L.slot_offset(slot)
        self._sleepers = {False: slot_base + L.MESSAGE_SLEEPERS_OFFSET, True: slot_base + L.SPACE_SLEEPERS_OFFSET}
        self._spin_shift = 0

    def wait(self, condition, channel, bed, for_space, between_sleeps, deadline):
        """True once ``condition()`` holds; False if the deadline passed first."""
        return self._spin_then(condition, deadline,
                               lambda: self._sleep_rounds(condition, channel, bed, for_space, between_sleeps, deadline))

    def wait_fused(self, condition, sleep_once, between_sleeps, deadline):
        """``wait`` for a reader, whose sleeping round (sequence, counts, arm, condition, futex wait, counts
        back) is one call of the shim, ``sleep_once(nanos)``: 1 when the condition holds, 0 to look again,
        2 when it does not and ``nanos`` <= 0. The same spin, adaptation and deadlines as ``wait``."""
        return self._spin_then(condition, deadline, lambda: self._fused_rounds(sleep_once, between_sleeps, deadline))

    def _spin_then(self, condition, deadline, sleep):
        """The spin both waits share, then ``sleep()``; a wait a whole spin covered doubles the next spin."""
        if condition():
            return True
        start = time.monotonic_ns()
        spin = self.spin_nanos >> self._spin_shift
        if spin < _ONE_LOOK_NANOS:
            spin = 0  # the adaptation has cut it below one look: sleep at once
        spin_end = start + spin if deadline is None else min(deadline, start + spin)
        try:
            while True:  # spin: each look is a few cffi calls, so the clock is read every time
                now = time.monotonic_ns()
                if deadline is not None and now >= deadline:
                    return False
                if now >= spin_end:
                    break
                if condition():
                    return True
            return sleep()
        finally:
            waited = time.monotonic_ns() - start
            self._spin_shift = (max(0, self._spin_shift - 1) if waited <= self.spin_nanos
                                else min(_MAX_SPIN_SHIFT, self._spin_shift + 1))

    @staticmethod
    def _fused_rounds(sleep_once, between_sleeps, deadline):
        while True:
            between_sleeps()
            remaining = MAX_SLEEP_NANOS if deadline is None else min(deadline - time.monotonic_ns(), MAX_SLEEP_NANOS)
            result = sleep_once(remaining)
            if result == 1:
                return True
            if result == 2:
                return False

    def _sleep_rounds(self, condition, channel, bed, for_space, between_sleeps, deadline):
        sleepers = self._sleepers[for_space]
        while True:
            between_sleeps()
            sequence = bed.sequence()
            channel.add_waiter(1)
            lib.jq_fetch_add32(sleepers, 1)
            try:
                bed.arm()
                if condition():
                    return True
                if deadline is None:
                    remaining = MAX_SLEEP_NANOS
                else:
                    remaining = deadline - time.monotonic_ns()
                    if remaining <= 0:
                        return False
                bed.sleep(sequence, min(remaining, MAX_SLEEP_NANOS))
            finally:
                lib.jq_fetch_add32(sleepers, -1)
                channel.add_waiter(-1)
