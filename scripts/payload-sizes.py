#!/usr/bin/env python3
"""What moving a task's input to a worker process costs per MB, by size.

For each payload size, a ProcessPoolExecutor(1) with fork, warmed with a
task without data, gets ten tasks one after another whose argument is a
payload of that size, made before the pool started. Each row gives, in
ms per 10^6 bytes, the elapsed time from submit() to the task's first
line in the worker: for the worker's first payload, its second, and the
median of the eight after (each of those listed).

    python3 scripts/payload-sizes.py [MB ...]   (default 0.1 0.25 0.5 1 2 4 8 16)
"""

import concurrent.futures
import multiprocessing
import statistics
import sys
import time


def arrived(_payload):
    return time.perf_counter()


def ways(size, tasks=10):
    payload = bytes(size)
    context = multiprocessing.get_context("fork")
    out = []
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as pool:
        pool.submit(abs, 1).result()
        for _ in range(tasks):
            sent = time.perf_counter()
            out.append((pool.submit(arrived, payload).result() - sent) * 1e9 / size)
    return out


def main():
    sizes = [float(a) for a in sys.argv[1:]] or [0.1, 0.25, 0.5, 1, 2, 4, 8, 16]
    for mb in sizes:
        w = ways(int(mb * 1e6))
        print("%6.2f MB: first %5.2f, second %5.2f, later %5.2f ms/MB (%s)"
              % (mb, w[0], w[1], statistics.median(w[2:]), " ".join("%.1f" % x for x in w[2:])))


if __name__ == "__main__":
    main()
