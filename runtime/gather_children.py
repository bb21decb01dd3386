"""What a child of asyncio.gather costs on this CPython, at scale.

A parent gathers N children that each await asyncio.sleep(0.05) once:
task creation, the timer, the resume and the gather's done-callback per
child. Run with and without the cyclic GC, best of 5, N = 100, 10,000 and
50,000. conclab's engine charges TaskCreate + 2 x LoopResume + the timer
per child, the same at every N (13.5 us/child of CPU with the built-in
cpython profile).

    python3 runtime/gather_children.py

With --tree it times trees of gathers of six coroutines, 4, 5 and 6
levels deep, each in a fresh interpreter, and the time its full
collections took (gc.callbacks): the cases of sim's
TestGatherTreeAgainstCPython.

    python3 runtime/gather_children.py --tree

With --objects as well, each full collection's time and the tracked
objects it left (len(gc.get_objects()), counted after the clock stopped,
which slows the run): what a collection costs per object as the heap grows.

    python3 runtime/gather_children.py --tree --objects

With --flat it times one gather of 1,000, 10,000, 50,000 and 100,000
coroutines awaiting asyncio.sleep(0.05), each in a fresh interpreter: the
cases of sim's TestFlatGatherAgainstCPython.

    python3 runtime/gather_children.py --flat
"""
import asyncio
import gc
import subprocess
import sys
import time


async def sleeper():
    await asyncio.sleep(0.05)


async def tree(n):
    wall, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*[sleeper() for _ in range(n)])
    return time.perf_counter() - wall, time.process_time() - cpu


async def node(depth):
    if depth == 0:
        await asyncio.sleep(0.05)
        return
    await asyncio.gather(*[node(depth - 1) for _ in range(6)])


async def leaf():
    await asyncio.sleep(0.05)


async def flat(n):
    await asyncio.gather(*[leaf() for _ in range(n)])


def one_tree(depth, objects=False):
    full = [0, 0.0, 0.0]
    each = []  # with objects: (ms, tracked objects after) per full collection

    def timed(phase, info):
        if info["generation"] == 2:
            if phase == "start":
                full[1] = time.perf_counter()
            else:
                dt = time.perf_counter() - full[1]
                full[0] += 1
                full[2] += dt
                if objects:  # counted after the clock stopped; it slows the run
                    each.append((dt * 1e3, len(gc.get_objects())))
    gc.callbacks.append(timed)
    wall = time.perf_counter()
    if depth < 0:  # a flat gather of -depth children
        asyncio.run(flat(-depth))
    else:
        asyncio.run(node(depth))
    wall = time.perf_counter() - wall
    what = "a gather of %d" % -depth
    if depth >= 0:
        what = "depth %d, %6d children" % (depth, sum(6 ** level for level in range(1, depth + 1)))
    print("%s: %.0f ms, %d full collections took %.0f ms" % (what, wall * 1e3, full[0], full[2] * 1e3))
    for ms, n in each:
        print("  full collection: %.1f ms over %d objects, %.0f ns each" % (ms, n, ms * 1e6 / n))


def main():
    objects = "--objects" in sys.argv
    if "--one" in sys.argv:
        one_tree(int(sys.argv[-1]), objects)
        return
    if "--flat" in sys.argv:
        for n in (1000, 10000, 50000, 100000):
            subprocess.run([sys.executable, __file__, "--one", str(-n)], check=True)
        return
    if "--tree" in sys.argv:
        for depth in (4, 5, 6):
            extra = ["--objects"] if objects else []
            subprocess.run([sys.executable, __file__] + extra + ["--one", str(depth)], check=True)
        return
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
