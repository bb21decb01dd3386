#!/usr/bin/env python3
"""Runs a program `conclab export -m asyncio` wrote, with an account of
its event loop's thread: the makespan, the loop thread's CPU time from
the loop's start to the report, the loop's iterations (select calls) and
the cyclic collector's collections by generation, with their CPU time
(gc.callbacks), each full one with when it came and the objects it
visited. Standard library only.

    conclab export examples/validation/gather-tree.yaml -m asyncio -o /tmp/gt.py
    python3 scripts/loop-cpu.py /tmp/gt.py [--python PYTHON] [--runs N]

A run whose makespan follows its loop CPU time was slowed by the CPU,
not by waiting: this VM's CPU runs at two speeds (README, "Runtimes").
The account costs little, but each full collection's object count is
taken after its clock stopped (len(gc.get_objects())) and slows the run.
"""
import json
import os
import subprocess
import sys
import tempfile

PRELUDE = '''
_LOOPCPU = {"selects": 0, "cpu0": 0.0, "gc": [], "start": 0.0}


def _loopcpu_gc(phase, info):
    if phase == "start":
        _LOOPCPU["start"] = time.thread_time()
        return
    took = time.thread_time() - _LOOPCPU["start"]
    objects = len(gc.get_objects()) if info["generation"] == 2 else 0
    _LOOPCPU["gc"].append((info["generation"], took, now(), objects))


def _loopcpu_watch(loop):
    selector = loop._selector
    select = selector.select

    def counted(timeout=None):
        _LOOPCPU["selects"] += 1
        return select(timeout)
    selector.select = counted
    gc.callbacks.append(_loopcpu_gc)
    _LOOPCPU["cpu0"] = time.thread_time()


def _loopcpu_report(results):
    ends = [r["end"] for r in results if r]
    full = [x for x in _LOOPCPU["gc"] if x[0] == 2]
    out = {"python": sys.version.split()[0], "makespan_ms": max(ends, default=0) * 1e3,
           "loop_cpu_ms": (time.thread_time() - _LOOPCPU["cpu0"]) * 1e3, "selects": _LOOPCPU["selects"],
           "collections": [sum(1 for x in _LOOPCPU["gc"] if x[0] == g) for g in range(3)],
           "collections_ms": [sum(x[1] for x in _LOOPCPU["gc"] if x[0] == g) * 1e3 for g in range(3)],
           "full": [{"at_ms": x[2] * 1e3, "ms": x[1] * 1e3, "objects": x[3]} for x in full]}
    print("LOOPCPU " + json.dumps(out), file=sys.stderr)
'''


def instrument(src):
    """The program with the account added; it fails loudly when the
    exported program no longer has the lines it hooks."""
    hooks = [
        ("def start_executors(loop):", PRELUDE + "\n\ndef start_executors(loop):"),
        ("    LOOP_IDS = (os.getpid(), threading.get_ident())\n",
         "    LOOP_IDS = (os.getpid(), threading.get_ident())\n    _loopcpu_watch(loop)\n"),
        ('def report(results, workers, cpu, deadlock=None):\n    """Prints the measurement: one JSON document."""\n',
         'def report(results, workers, cpu, deadlock=None):\n    """Prints the measurement: one JSON document."""\n'
         '    _loopcpu_report(results)\n'),
    ]
    for old, new in hooks:
        if src.count(old) != 1:
            sys.exit("loop-cpu: the program has no single %r: not an exported asyncio program?" % old.strip())
        src = src.replace(old, new)
    return src


def main():
    args = sys.argv[1:]
    python, runs = sys.executable, 1
    if "--python" in args:
        i = args.index("--python")
        python = args[i + 1]
        del args[i:i + 2]
    if "--runs" in args:
        i = args.index("--runs")
        runs = int(args[i + 1])
        del args[i:i + 2]
    if len(args) != 1:
        sys.exit(__doc__)
    with open(args[0]) as f:
        src = instrument(f.read())
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "program.py")
        with open(path, "w") as f:
            f.write(src)
        for _ in range(runs):
            err = subprocess.run([python, path], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                 text=True, check=True).stderr
            line = [l for l in err.splitlines() if l.startswith("LOOPCPU ")][-1]
            d = json.loads(line[len("LOOPCPU "):])
            full = " ".join("%.1f ms at %.0f ms over %d objects (%.0f ns each)" % (
                x["ms"], x["at_ms"], x["objects"], x["ms"] * 1e6 / max(1, x["objects"])) for x in d["full"])
            print("%s: makespan %.1f ms, loop CPU %.1f ms, %d iterations; collections %d/%d/%d taking "
                  "%.1f/%.1f/%.1f ms%s" % (d["python"], d["makespan_ms"], d["loop_cpu_ms"], d["selects"],
                                            *d["collections"], *d["collections_ms"],
                                            "; full: " + full if full else ""), flush=True)


if __name__ == "__main__":
    main()
