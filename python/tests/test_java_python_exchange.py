"""Java and Python processes on one queue: every reader, of either language, gets every message of every
writer, of either language, in one order for all, each origin in its own order, none damaged."""
import json
import subprocess
import sys
import threading

from conftest import PROGRAMS, await_registrations, finish, java, java_start, python_start

sys.path.insert(0, str(PROGRAMS))
import checksums  # noqa: E402

PER_WRITER = 25_000


def feed(process, text):
    """Writes a Java writer's lines as it takes them, concurrently with the other writers."""
    process.stdin.write(text)
    process.stdin.close()


def test_two_java_and_two_python_writers_reach_java_and_python_readers_in_one_order(queue_dir, tmp_path):
    assert java("create", "mixed", "--size", "1m").returncode == 0
    java_file = open(tmp_path / "java-reader.jsonl", "w+")
    python_file = open(tmp_path / "python-reader.jsonl", "w+")
    java_reader = java_start("tail", "mixed", "--sender", "java-reader", "--count", str(4 * PER_WRITER),
                             "--timeout", "60s", "--json", stdout=java_file)
    python_reader = python_start("reader.py", "mixed", "python-reader", 4 * PER_WRITER, 60, stdout=python_file)
    await_registrations("mixed", 2)

    java_writers = []
    for index in range(2):
        lines = "\n".join(checksums.bodies(f"java-{index}", PER_WRITER, seed=index)) + "\n"
        writer = java_start("send", "mixed", "--sender", f"java-{index}", stdin=subprocess.PIPE)
        threading.Thread(target=feed, args=(writer, lines), daemon=True).start()
        java_writers.append(writer)
    python_writers = [python_start("writer.py", "mixed", f"python-{index}", PER_WRITER, 100 + index)
                      for index in range(2)]

    for writer in java_writers + python_writers:
        code, _, err = finish(writer)
        assert code == 0, err
    java_code, _, java_err = finish(java_reader)
    python_code, _, python_err = finish(python_reader)
    assert java_code == 0, java_err
    assert python_code == 0, python_err

    java_file.seek(0)
    python_file.seek(0)
    java_seen = [json.loads(line) for line in java_file]
    python_seen = [json.loads(line) for line in python_file if line.strip() != "ready"]
    assert len(java_seen) == 4 * PER_WRITER
    assert python_seen == java_seen, "both readers see one order"
    next_seq = {}
    for message in java_seen:
        origin, seq = checksums.parse(message["body"])
        assert origin == message["sender"]
        assert seq == next_seq.get(origin, 0), f"{origin} out of order at {seq}"
        next_seq[origin] = seq + 1
    assert next_seq == {"java-0": PER_WRITER, "java-1": PER_WRITER, "python-0": PER_WRITER, "python-1": PER_WRITER}
