"""Who gets the GIL when CPU-bound threads take turns, and how long each waits.

    python3 runtime/gil_handover.py [--threads 3] [--seconds 3] [--runs 3] [--burst MS] [--clock MS]

Each of N threads runs pure Python code for the given seconds and notes
every gap in its own progress longer than 0.2 ms: a time it did not hold
the GIL. Laid end to end, the holding intervals give every hand-over of
the GIL: who held it, who got it, and whether that was the thread that
had waited longest (what a FIFO hand-over would pick). Standard library
only; prints one JSON document with, per run, the hand-overs counted and
each thread's waits (p50, p99, max, in seconds) and the share of
hand-overs that went to the longest waiter.

Each hand-over is also counted by the rank of the thread that got the
GIL among those waiting, longest waiter first: with N threads, rank 0 is
the one that waited longest and rank N-2 the one that held it just
before (the newest waiter). "ranks" is that histogram; it is what the
simulator's hand-over rule is fitted to.

With --burst MS each thread gives the GIL up of its own accord every MS
milliseconds of spinning (time.sleep(0) releases it), so the hand-overs
are voluntary releases instead of forced switches.

With --clock MS each thread also reads its own CPU clock
(time.thread_time()) every MS milliseconds, as a loop that spins on CPU
time does. On Linux that read brings the running thread's CPU account up
to date, which changes who the scheduler runs when the GIL is dropped:
"to_newest_waiter", the share of hand-overs that went to the thread that
had held the GIL just before, is what to compare with and without it.
"""

import json
import sys
import threading
import time

GAP = 200_000  # ns: a pause in a thread's progress longer than this is a GIL wait


def spin(seconds, gaps, start_line, burst, read):
    """Runs Python code until `seconds` have passed, noting each gap; every
    `read` ns (0: never) it reads its thread's CPU clock."""
    start_line.wait()
    clock = time.perf_counter_ns
    sleep = time.sleep
    cpu = time.thread_time
    now = last = clock()
    end = now + int(seconds * 1e9)
    first = now
    give_up = now + burst if burst else end
    next_read = now + read if read else end
    while now < end:
        now = clock()
        if now >= give_up:
            sleep(0)
            now = clock()
            give_up = now + burst
        if now >= next_read:
            cpu()
            next_read = now + read
        if now - last > GAP:
            gaps.append((last, now))
        last = now
    gaps.append((last, None))  # the end of its last holding
    gaps.insert(0, (None, first))


def one_run(n, seconds, burst, read):
    start_line = threading.Event()
    gaps = [[] for _ in range(n)]
    threads = [threading.Thread(target=spin, args=(seconds, gaps[i], start_line, burst, read)) for i in range(n)]
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
    ranks = [0] * max(1, n - 1)
    for begin, finish, i in holds[k:]:
        prev = max(last_end, key=last_end.get)  # who held it last
        if prev != i:
            # A hand-over: every thread but the one that let go was waiting;
            # the longest waiter is the one whose last turn ended first.
            handovers += 1
            waiting = sorted((e, j) for j, e in last_end.items() if j != prev)
            rank = [j for _, j in waiting].index(i)
            ranks[rank] += 1
            if rank == 0:
                longest += 1
        last_end[i] = finish
    waits = []
    for g in gaps:
        waits.append(sorted((b - a) / 1e9 for a, b in g[1:-1]))

    def q(xs, p):
        if not xs:
            return 0.0
        return xs[min(len(xs) - 1, int(p * len(xs)))]

    every = sorted(x for w in waits for x in w)
    return {
        "handovers": handovers,
        "all": {"n": len(every), "p50": q(every, 0.5), "p90": q(every, 0.9), "p99": q(every, 0.99)},
        "to_longest_waiter": longest / handovers if handovers else 0.0,
        "to_newest_waiter": ranks[-1] / handovers if handovers and n > 1 else 0.0,
        "ranks": ranks,
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
    burst = int(flag("--burst", 0.0, float) * 1e6)
    read = int(flag("--clock", 0.0, float) * 1e6)
    out = {
        "python": sys.version.split()[0],
        "threads": n,
        "seconds": seconds,
        "switch_interval": sys.getswitchinterval(),
        "burst": burst / 1e9,
        "clock": read / 1e9,
        "runs": [one_run(n, seconds, burst, read) for _ in range(runs)],
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
