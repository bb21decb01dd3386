#!/usr/bin/python3
"""The million shape in SimPy, for comparison with conclab's engine.

n tasks of [work 1ms, wait 2s] on one event loop, the model of
sim/bareloop_test.go: the loop thread is a resource of capacity 1 that a
task holds for its work; the wait holds nothing. No costs, no GIL, no
statistics. The makespan is n x 1 ms + 2 s.

PyPI is not reachable here, and Debian 12 packages SimPy 2.3 only (the
classic API: Process, hold, request, release), for the system Python:

    apt-get install -y python3-simpy
    /usr/bin/time -v /usr/bin/python3 scripts/simpy-million.py [N]

N defaults to 1,000,000. It prints the virtual makespan and the wall time
of the simulation itself (not the interpreter's start). Here (2026-12-02,
Python 3.11.2, SimPy 2.3.1): 100,000 tasks in 1.6 s and 99 MiB, 1,000,000
in 64 s and 880 MiB, both with the makespan of the bare loop (n x 1 ms +
2 s); the time grows faster than n (the resource's wait queue is a list).
"""

import sys
import time

from SimPy.Simulation import Process, Resource, activate, hold, initialize, now, release, request, simulate


class Task(Process):
    def run(self, loop):
        yield request, self, loop  # the loop's FIFO ready queue
        yield hold, self, 0.001  # work 1ms holds the loop thread
        yield release, self, loop
        yield hold, self, 2.0  # await asyncio.sleep(2): holds nothing


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    t0 = time.perf_counter()
    initialize()
    loop = Resource(capacity=1, name="loop")
    for _ in range(n):
        t = Task()
        activate(t, t.run(loop))
    simulate(until=1e12)
    wall = time.perf_counter() - t0
    print(f"{n} tasks: virtual makespan {now():.3f} s, wall {wall:.2f} s")


if __name__ == "__main__":
    main()
