"""Registers as SENDER, says "ready", then prints every message as a JSON line until one whose body is
"stop" (printed too); gives up with exit code 3 if nothing comes for TIMEOUT seconds.

usage: follower.py NAME SENDER TIMEOUT
"""
import json
import sys

from jsyncq import PySyncQ


def main():
    name, sender, timeout = sys.argv[1], sys.argv[2], float(sys.argv[3])
    queue = PySyncQ(name, create=False)
    queue.open(sender)
    print("ready", flush=True)
    while True:
        message = queue.pop(block=True, timer=timeout)
        if message is None:
            print(f"timed out after {timeout} s", file=sys.stderr, flush=True)
            sys.exit(3)
        sender_name, type_name, body = message
        print(json.dumps({"sender": sender_name, "type": type_name, "body": body}), flush=True)
        if body == "stop":
            break
    queue.close()


if __name__ == "__main__":
    main()
