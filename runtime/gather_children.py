"""What a child of asyncio.gather costs on this CPython, at scale.

A parent gathers N children that each await asyncio.sleep(0.05) once:
task creation, the timer, the resume and the gather's done-callback per
child. Run with and without the cyclic GC, best of 5, N = 100, 10,000 and
50,000. conclab's engine charges TaskCreate + 2 x LoopResume + the timer
per child, the same at every N (13.5 us/child of CPU with the built-in
cpython profile).

    python3 runtime/gather_children.py
"""
import asyncio
import gc
import time


async def sleeper():
    await asyncio.sleep(0.05)


async def tree(n):
    wall, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*[sleeper() for _ in range(n)])
    return time.perf_counter() - wall, time.process_time() - cpu


def main():
    for collect in (True, False):
        if not collect:
            gc.disable()
        for n in (100, 10_000, 50_000):
            runs = [asyncio.run(tree(n)) for _ in range(5)]
            wall = min(r[0] for r in runs)
            cpu = min(r[1] for r in runs)
            print("%-5s %6d children: wall %.3f s (%.2f us/child beyond the 50 ms), cpu %.2f us/child"
                  % ("gc" if collect else "no gc", n, wall, (wall - 0.05) / n * 1e6, cpu / n * 1e6))


if __name__ == "__main__":
    main()
