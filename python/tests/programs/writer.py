"""Appends COUNT checksummed messages as SENDER, waiting for room as long as it takes. With pysyncq's
semantics every registration also reads, so after each append it drains what has come (its own messages
are screened), as a pysyncq program must: a registration that never pops holds the queue's space. For the
same reason it waits for room in short waits and drains between them: the room it waits for may be held by
the other writers' messages it has not read yet.

usage: writer.py NAME SENDER COUNT SEED [forever]
With "forever", appends without end (COUNT is ignored): for tests that kill it mid-stream.
"""
import random
import sys

from jsyncq import PySyncQ

import checksums


def main():
    name, sender, count, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    forever = len(sys.argv) > 5 and sys.argv[5] == "forever"
    queue = PySyncQ(name, create=False)
    queue.open(sender)
    print("ready", flush=True)
    rng = random.Random(seed)
    seq = 0
    while forever or seq < count:
        body = checksums.body(sender, seq, rng)
        while True:
            try:
                queue.append("data", body, block=True, timer=0.05)
                break
            except MemoryError:
                # The room may be held by this registration's own unread messages (the other writers'): with
                # pysyncq's semantics a writer that waits for ever there never pops them, and wedges.
                for _ in queue:
                    pass
        for _ in queue:
            pass
        seq += 1
    queue.close()
    print("done", seq, flush=True)


if __name__ == "__main__":
    main()
