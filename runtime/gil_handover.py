"""Who gets the GIL when CPU-bound threads take turns, and how long each waits.

    python3 runtime/gil_handover.py [--threads 3] [--seconds 3] [--runs 3]

Each of N threads runs pure Python code for the given seconds and notes
every gap in its own progress longer than 0.2 ms: a time it did not hold
the GIL. Laid end to end, the holding intervals give every hand-over of
the GIL: who held it, who got it, and whether that was the thread that
had waited longest (what a FIFO hand-over would pick). Standard library
only; prints one JSON document with, per run, the hand-overs counted and
each thread's waits (p50, p99, max, in seconds) and the share of
hand-overs that went to the longest waiter.
"""

import json
import sys
import threading
import time

GAP = 200_000  # ns: a pause in a thread's progress longer than this is a GIL wait


def spin(seconds, gaps, start_line):
    """Runs Python code until `seconds` have passed, noting each gap."""
    start_line.wait()
    clock = time.perf_counter_ns
    now = last = clock()
    end = now + int(seconds * 1e9)
    first = now
    while now < end:
        now = clock()
        if now - last > GAP:
            gaps.append((last, now))
        last = now
    gaps.append((last, None))  # the end of its last holding
    gaps.insert(0, (None, first))


def one_run(n, seconds):
    start_line = threading.Event()
    gaps = [[] for _ in range(n)]
    threads = [threading.Thread(target=spin, args=(seconds, gaps[i], start_line)) for i in range(n)]
    for t in threads:
        t.start()
    start_line.set()
    for t in threads:
        t.join()
    # Holding intervals of each thread: from one gap's end to the next's start.
    holds = []
    for i, g in enumerate(gaps):
        for (_, begin), (finish, _) in zip(g, g[1:]):
            holds.append((begin, finish, i))
    holds.sort()
    # Skip the start, until every thread has run once.
    started, k = set(), 0
    while k < len(holds) and len(started) < n:
        started.add(holds[k][2])
        k += 1
    last_end = {}
    for begin, finish, i in holds[:k]:
        last_end[i] = finish
    handovers = longest = 0
    for begin, finish, i in holds[k:]:
        prev = max(last_end, key=last_end.get)  # who held it last
        if prev != i:
            # A hand-over: every thread but the one that let go was waiting;
            # the longest waiter is the one whose last turn ended first.
            handovers += 1
            waiting = {j: e for j, e in last_end.items() if j != prev}
            if min(waiting, key=waiting.get) == i:
                longest += 1
        last_end[i] = finish
    waits = []
    for g in gaps:
        waits.append(sorted((b - a) / 1e9 for a, b in g[1:-1]))

    def q(xs, p):
        if not xs:
            return 0.0
        return xs[min(len(xs) - 1, int(p * len(xs)))]

    return {
        "handovers": handovers,
        "to_longest_waiter": longest / handovers if handovers else 0.0,
        "waits": [{"n": len(w), "p50": q(w, 0.5), "p99": q(w, 0.99), "max": w[-1] if w else 0.0} for w in waits],
    }


def flag(name, default, convert):
    if name in sys.argv:
        return convert(sys.argv[sys.argv.index(name) + 1])
    return default


def main():
    n = flag("--threads", 3, int)
    seconds = flag("--seconds", 3.0, float)
    runs = flag("--runs", 3, int)
    out = {
        "python": sys.version.split()[0],
        "threads": n,
        "seconds": seconds,
        "switch_interval": sys.getswitchinterval(),
        "runs": [one_run(n, seconds) for _ in range(runs)],
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
