#!/usr/bin/env python3
"""How much more CPU one item of the corpus's fetch job costs after its
core sat idle: json.loads of an 8 KiB answer of examples/programs/server.py,
common.summarize over its records and a sha256 of it, timed by the
thread's CPU clock right after another item and after sleeps of 0.2, 1, 5
and 20 ms, in random order (so that a change of the machine's speed
weighs on every gap alike). Standard library only.

    python3 scripts/idle-core.py [--items 500]
    taskset -c 0 nice -n 19 python3 -c 'while 1: pass' &   # keep core 0 busy,
    taskset -c 0 python3 scripts/idle-core.py             # then the same on it

Prints each gap's median and 25th percentile in microseconds.
"""

import argparse
import hashlib
import json
import os
import random
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples", "programs"))
import common  # noqa: E402
import server  # noqa: E402

GAPS = (0, 0.0002, 0.001, 0.005, 0.02)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=500, help="items timed in all (default 500)")
    args = parser.parse_args()
    body = server.make_body(8, 3)

    def item():
        common.summarize(json.loads(body))
        hashlib.sha256(body).hexdigest()

    took = {g: [] for g in GAPS}
    rng = random.Random(1)
    for _ in range(args.items):
        gap = rng.choice(GAPS)
        if gap:
            time.sleep(gap)
        else:
            item()  # the one just before
        start = time.thread_time()
        item()
        took[gap].append(time.thread_time() - start)
    for gap in GAPS:
        t = sorted(took[gap])
        if not t:
            continue
        label = "right after another" if gap == 0 else "after a %g ms sleep" % (gap * 1e3)
        print("%-24s %4d items  median %7.1f us  p25 %7.1f us" % (label, len(t), t[len(t) // 2] * 1e6, t[len(t) // 4] * 1e6))


if __name__ == "__main__":
    main()
