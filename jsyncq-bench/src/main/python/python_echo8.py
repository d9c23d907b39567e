#!/usr/bin/env python3
"""pysyncq's API in the benchmark's echo8 shape, for comparison in the same run as jsyncq in Java.

Eight processes on one queue: the parent sends, child "echo" appends every message back, six more children
read every message and screen the echoes, as in jsyncq's echo8 task. One body size per run:

    python_echo8.py IMPLEMENTATION PEERS_DIR QUEUE_NAME SIZE WARMUP SAMPLES [JAVA CLASSPATH]

IMPLEMENTATION is "pysyncq" (pysyncq itself, used unmodified from PEERS_DIR, GPL-3.0, see its LICENSE, as
a separate program) or "jsyncq" (jsyncq's Python package, installed in the interpreter that runs this; the
program is the same, only the import differs, as for a pysyncq user who switches), or "jsyncq-java-echo":
jsyncq's Python package, with the echo child replaced by a Java process (io.jsyncq.bench.JavaEcho, run as
JAVA -cp CLASSPATH), so that every message crosses from Python to Java and back.

Times each round trip on its own (parent append to the pop of its echo) and prints one JSON object: the
one-way times (half a round trip) in nanoseconds at p50, p90, p99, p99.9 and max.
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
    implementation, peers, name = sys.argv[1], sys.argv[2], sys.argv[3]
    size, warmup, samples = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
    if implementation == 'pysyncq':
        sys.path.insert(0, peers)
        from pysyncq.pysyncq import PySyncQ
    else:
        from jsyncq import PySyncQ

    mp.set_start_method('fork')
    queue = PySyncQ(name=name, create=True, size=1 << 20)
    java_echo = None
    if implementation == 'jsyncq-java-echo':
        import subprocess
        from jsyncq import default_directory
        java_echo = subprocess.Popen([sys.argv[7], '--enable-native-access=ALL-UNNAMED', '-cp', sys.argv[8],
                                      'io.jsyncq.bench.JavaEcho', default_directory(), name],
                                     stdout=subprocess.PIPE, text=True)
        if java_echo.stdout.readline().strip() != 'ready':
            raise SystemExit('the Java echo did not start')
    children = [mp.Process(target=child, args=(queue, rank)) for rank in range(2 if java_echo else 1, 8)]
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
            raise SystemExit(f'{implementation} echo8: wrong echo for a body of {size} bytes')
        if i >= warmup:
            times.append(elapsed / 2)
    queue.append('end', b'', block=True, timer=None)
    queue.close()
    for process in children:
        process.join()
    if java_echo is not None and java_echo.wait(timeout=30) != 0:
        raise SystemExit('the Java echo failed')
    times.sort()

    def at(fraction):
        return times[min(len(times) - 1, int(fraction * len(times)))]

    print(json.dumps({'p50': at(0.50), 'p90': at(0.90), 'p99': at(0.99), 'p99.9': at(0.999), 'max': times[-1]}))


if __name__ == '__main__':
    main()
