"""Counts the young (generation 0) collections of CPython's cyclic GC while
asyncio gathers 10,000 tasks that each sleep 50 ms.

    python3 scripts/count-young-gcs.py

The young threshold (gc.get_threshold()[0], 700 up to 3.12, 2000 in 3.13)
sets how many there are; conclab's profiles carry it as gc_threshold.
"""

import asyncio
import gc
import sys

young = 0


def count(phase, info):
    global young
    if phase == "start" and info["generation"] == 0:
        young += 1


async def main():
    await asyncio.gather(*(asyncio.sleep(0.05) for _ in range(10000)))


gc.callbacks.append(count)
asyncio.run(main())
print("CPython %s, threshold %d: %d young collections" % (sys.version.split()[0], gc.get_threshold()[0], young))
