#!/usr/bin/env python3
"""CPU per task of the phases of N asyncio tasks that each await one
sleep of 0.2 s, gathered as an exported asyncio program gathers them:
their creation (create_task), the gather and their first runs (each arms
its timer), and their resumes (the timer fires, the task ends, the
gather's done callback runs). Thread CPU time, marked in the first and the
last task. Standard library only.

    python3 scripts/asyncio-phases.py N SHAPE [nogc] [freeze]

SHAPE `bare` is a coroutine that only awaits the sleep; `exported` adds
what conclab's exported program does around it (two clock reads, a
record and a result dict per task, a nested coroutine), so the two
together say what the program's own records cost. nogc turns the cyclic
collector off; freeze calls gc.freeze() first, as exported programs do.
"""
import asyncio
import gc
import sys
import time

N = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
SHAPE = sys.argv[2] if len(sys.argv) > 2 else "bare"
CLOCK = time.thread_time
marks = {}
RESULTS = {}


async def bare(i):
    if i == N - 1:
        marks["first_last"] = CLOCK()
    await asyncio.sleep(0.2)
    if i == N - 1:
        marks["done_last"] = CLOCK()


async def steps(records):
    begin = time.perf_counter()
    await asyncio.sleep(0.2)
    records.append(("wait", begin, time.perf_counter(), 1, 2))
    return records


async def exported(i):
    if i == N - 1:
        marks["first_last"] = CLOCK()
    start = time.perf_counter()
    records = []
    await steps(records)
    RESULTS[i] = {"start": start, "end": time.perf_counter(), "steps": records}
    if i == N - 1:
        marks["done_last"] = CLOCK()
    return RESULTS[i]


async def main():
    task = {"bare": bare, "exported": exported}[SHAPE]
    loop = asyncio.get_running_loop()
    marks["create"] = CLOCK()
    tasks = [loop.create_task(task(i)) for i in range(N)]
    marks["created"] = CLOCK()
    await asyncio.gather(*tasks)


if "nogc" in sys.argv:
    gc.disable()
if "freeze" in sys.argv:
    gc.freeze()
asyncio.run(main())
per = lambda a, b: (marks[b] - marks[a]) / N * 1e6
print("%s N=%d %s: create %.2f us, gather and first runs %.2f us, resumes %.2f us per task" % (
    sys.version.split()[0], N, " ".join(sys.argv[2:]), per("create", "created"),
    per("created", "first_last"), per("first_last", "done_last")))
