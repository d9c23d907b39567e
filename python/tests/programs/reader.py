"""Registers as SENDER, says "ready", then prints COUNT messages as JSON lines and ends.

usage: reader.py NAME SENDER COUNT TIMEOUT [SKIP_SENDER ...]
Exits with 3 if no message comes for TIMEOUT seconds before COUNT were read.
"""
import json
import sys

from jsyncq import PySyncQ


def main():
    name, sender, count, timeout = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    queue = PySyncQ(name, create=False)
    queue.open(sender)
    for skipped in sys.argv[5:]:
        queue.scrnsend.add(skipped)
    print("ready", flush=True)
    out = sys.stdout
    for _ in range(count):
        message = queue.pop(block=True, timer=timeout)
        if message is None:
            print(f"timed out after {timeout} s", file=sys.stderr, flush=True)
            queue.close()
            sys.exit(3)
        sender_name, type_name, body = message
        out.write(json.dumps({"sender": sender_name, "type": type_name, "body": body}) + "\n")
    out.flush()
    queue.close()


if __name__ == "__main__":
    main()
