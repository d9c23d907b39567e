#!/usr/bin/env python3
"""pysyncq itself in the benchmark's echo8 shape, for comparison in the same run as jsyncq.

Eight processes on one pysyncq queue: the parent sends, child "echo" appends every message back, six more
children read every message and screen the echoes, as in jsyncq's echo8 task. One body size per run:

    pysyncq_echo8.py PEERS_DIR QUEUE_NAME SIZE WARMUP SAMPLES

Times each round trip on its own (parent append to the pop of its echo) and prints one JSON object: the
one-way times (half a round trip) in nanoseconds at p50, p90, p99, p99.9 and max. pysyncq is used
unmodified from PEERS_DIR (GPL-3.0; see its LICENSE), as a separate program.
"""

import gc
import json
import multiprocessing as mp
import sys
import time


def child(queue, rank):
    queue.open('echo' if rank == 1 else f'screen{rank}')
    if rank > 1:
        queue.scrnsend.add('echo')
    gc.disable()
    for (_, kind, body) in queue(block=True, timer=None, decode=False):
        if kind == b'end':
            break
        if rank == 1:
            queue.append('m', body, block=True, timer=None)
    queue.close()


def main():
    peers, name, size, warmup, samples = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    sys.path.insert(0, peers)
    from pysyncq import pysyncq

    mp.set_start_method('fork')
    queue = pysyncq.PySyncQ(name=name, size=1 << 20)
    children = [mp.Process(target=child, args=(queue, rank)) for rank in range(1, int(sys.argv[6]) if len(sys.argv) > 6 else 8)]
    for process in children:
        process.start()
    queue.open('parent')
    time.sleep(0.5)  # every child registers before the first message, or it never sees it
    body = bytes(size)
    times = []
    gc.disable()
    for i in range(warmup + samples):
        start = time.perf_counter_ns()
        queue.append('m', body, block=True, timer=None)
        echoed = queue.pop(block=True, timer=None, decode=False)
        elapsed = time.perf_counter_ns() - start
        if echoed is None or len(echoed[2]) != size:
            raise SystemExit(f'pysyncq echo8: wrong echo for a body of {size} bytes')
        if i >= warmup:
            times.append(elapsed / 2)
    queue.append('end', b'', block=True, timer=None)
    queue.close()
    for process in children:
        process.join()
    times.sort()

    def at(fraction):
        return times[min(len(times) - 1, int(fraction * len(times)))]

    print(json.dumps({'p50': at(0.50), 'p90': at(0.90), 'p99': at(0.99), 'p99.9': at(0.999), 'max': times[-1]}))


if __name__ == '__main__':
    main()
