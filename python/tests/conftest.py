"""Shared fixtures: a queue directory of its own per test, and the Java command (bin/jsyncq) beside it.

Every process in these tests is a real one: Python children started with subprocess or multiprocessing,
Java processes started through bin/jsyncq. They meet in a directory under /dev/shm that JSYNCQ_DIR names
for all of them, so a test never sees another's queues.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
JSYNCQ = ROOT / "bin" / "jsyncq"
PROGRAMS = Path(__file__).resolve().parent / "programs"


@pytest.fixture
def queue_dir(monkeypatch):
    directory = tempfile.mkdtemp(prefix="jsyncq-pytest-", dir="/dev/shm")
    monkeypatch.setenv("JSYNCQ_DIR", directory)
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


def java(*args, input=None, timeout=120):
    """Runs bin/jsyncq to the end; returns the CompletedProcess (text)."""
    return subprocess.run([str(JSYNCQ), *args], input=input, capture_output=True, text=True, timeout=timeout)


def java_start(*args, stdin=None, stdout=subprocess.PIPE):
    """Starts bin/jsyncq; stdout (unless given a file) and stderr are pipes (text). A reader of many messages
    writes to a file: a pipe nobody drains fills, its reader stops reading, and a full queue stops the writers."""
    return subprocess.Popen([str(JSYNCQ), *args], stdin=stdin, stdout=stdout, stderr=subprocess.PIPE, text=True)


def java_program_start(program, *args, stdin=subprocess.PIPE, stdout=subprocess.PIPE):
    """Starts one of programs/*.java with the JDK's source launcher (the JDK bin/jsyncq-env finds), against
    the jsyncq-core classes the Maven build (or bin/jsyncq's) made: for what no CLI command does. stdin,
    stdout (line-buffered, so the test can talk to it line by line) and stderr are pipes (text)."""
    launch = ('. "$0/bin/jsyncq-env" && exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED '
              '-cp "$0/jsyncq-core/target/classes" "$@"')
    return subprocess.Popen(["bash", "-c", launch, str(ROOT), str(PROGRAMS / program), *map(str, args)],
                            stdin=stdin, stdout=stdout, stderr=subprocess.PIPE, text=True, bufsize=1)


def python_start(program, *args, stdin=None, stdout=subprocess.PIPE):
    """Starts one of programs/*.py in a fresh interpreter; stdout (unless given a file) and stderr are pipes."""
    return subprocess.Popen([sys.executable, str(PROGRAMS / program), *map(str, args)], stdin=stdin,
                            stdout=stdout, stderr=subprocess.PIPE, text=True)


def stat(name):
    """The queue's state as `jsyncq stat --json` reports it."""
    result = java("stat", name, "--json", "--sample", "1ms")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def await_registrations(name, count, timeout=60.0):
    """Waits until the queue has `count` registrations (readers and writers), as Java sees them."""
    deadline = time.monotonic() + timeout
    seen = None
    while time.monotonic() < deadline:
        if os.path.exists(os.path.join(os.environ["JSYNCQ_DIR"], name)):
            seen = stat(name)["registrations"]
            if seen == count:
                return
        time.sleep(0.1)
    raise AssertionError(f"queue {name} did not reach {count} registrations (last seen {seen})")


def finish(process, timeout=120):
    """Waits for a started process; returns (exit code, stdout, stderr), killing it if it overruns."""
    if process.stdin is not None and process.stdin.closed:
        process.stdin = None  # fed and closed by the test already
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        raise AssertionError(f"process {process.args} did not end within {timeout} s; stderr: {err[-2000:]}")
    return process.returncode, out, err
