"""How fast this interpreter runs shapes of single-threaded Python code.

Run it with two interpreters, a free-threaded build and the build with the
GIL of the same source, and divide: that is the free-threaded build's
single-thread slowdown per shape (conclab's cpython-3.13t profile keeps the
figures, with the command that made them).

    python3 runtime/slowdown.py [--runs 7] > rates.json

It prints one JSON document: the interpreter, and for each shape the
iterations per second of process CPU time, the best of --runs runs (the
best, so that a run slowed by a neighbour on a shared machine does not
count). Progress goes to stderr. Standard library only, CPython 3.8+.
"""

import json
import platform
import sys
import time


def loops(n):
    """Arithmetic on locals in a while loop: no calls, no objects."""
    i = total = 0
    while i < n:
        total = (total + i * 3) & 0xFFFF
        i += 1
    return total


def _add(a, b):
    return a + b


def calls(n):
    """Calls of a small Python function with two arguments."""
    total = 0
    for i in range(n):
        total = _add(total, i) & 0xFFFF
    return total


class _Point:
    def __init__(self):
        self.x = 0
        self.y = 0


def attributes(n):
    """Reads and writes of instance attributes."""
    p = _Point()
    for i in range(n):
        p.x = p.y + i
        p.y = p.x & 0xFF
    return p.y


def dicts_and_strings(n):
    """A dict of string keys filled and read, strings formatted and joined."""
    d = {}
    parts = []
    for i in range(n):
        key = "k%d" % (i & 255)
        d[key] = d.get(key, 0) + 1
        if i & 63 == 0:
            parts.append(key.upper())
    return len("".join(parts)) + len(d)


class _Tally:
    def __init__(self):
        self.total = 0
        self.seen = {}


def _bump(tally, i):
    tally.total = (tally.total + i * 7) % 1000003
    tally.seen[i & 63] = tally.total


def mixed(n):
    """A call, arithmetic, an attribute and a dict per iteration: the shape
    of the work loop of the programs conclab export writes."""
    tally = _Tally()
    for i in range(n):
        _bump(tally, i)
    return tally.total


SHAPES = [loops, calls, attributes, dicts_and_strings, mixed]


def rate(shape, runs, least=0.05):
    """Iterations per second of process CPU: the best of runs runs of at
    least `least` seconds each."""
    n = 1024
    while True:
        start = time.process_time()
        shape(n)
        took = time.process_time() - start
        if took >= least:
            break
        n *= 2
    best = took
    for _ in range(runs):
        start = time.process_time()
        shape(n)
        took = time.process_time() - start
        if took > 0:
            best = min(best, took)
    return n / best


def main():
    runs = 7
    if "--runs" in sys.argv:
        runs = int(sys.argv[sys.argv.index("--runs") + 1])
    out = {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "gil": getattr(sys, "_is_gil_enabled", lambda: True)(),
        "runs": runs,
        "rates": {},
    }
    for shape in SHAPES:
        out["rates"][shape.__name__] = round(rate(shape, runs))
        print("slowdown: %s %.0f per s" % (shape.__name__, out["rates"][shape.__name__]), file=sys.stderr, flush=True)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
