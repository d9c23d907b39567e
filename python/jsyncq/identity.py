"""ProcessIdentity: pid, start time and pid namespace, written in the slot for ``jsyncq stat`` only.
Liveness is never judged from these (the owner lock decides)."""

import os

UNKNOWN_START_TIME = -1
UNKNOWN_NAMESPACE = 0


def _start_time(pid):
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as f:
            stat = f.read()
        fields = stat[stat.rindex(")") + 2:].split(" ")
        return int(fields[19]) if len(fields) > 19 else UNKNOWN_START_TIME
    except (OSError, ValueError):
        return UNKNOWN_START_TIME


def _pid_namespace():
    try:
        link = os.readlink("/proc/self/ns/pid")  # "pid:[4026531836]"
        return int(link[link.index("[") + 1:link.index("]")])
    except (OSError, ValueError):
        return UNKNOWN_NAMESPACE


def current():
    """(pid, start time, pid namespace) of this process; read each time, so a fork gets its own."""
    pid = os.getpid()
    return pid, _start_time(pid), _pid_namespace()
