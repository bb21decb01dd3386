"""How long a thread back from a sleep waits for the GIL beside CPU-bound threads.

    python3 runtime/gil_sleeper.py [--cpu 2] [--sleeps 50] [--runs 2]

N threads (--cpu) run pure Python code, reading no clock; one more thread
sleeps 20 ms, --sleeps times, and notes how late each sleep returned: the
sleep's own overshoot (a tenth of a millisecond) and its wait for the GIL,
which a CPU-bound thread holds. It is the convoy effect, and what the
profile's ArrivedShare (runtime/profile.go) is fitted to: the sleeper never
asks for the GIL itself (its timed waits run out after a switch), so it
gets it only when the condition variable wakes it rather than the thread
that asked. Standard library only; prints one JSON document with, per run,
the sleeper's time in all and its waits (mean, p50, p90, max, in seconds).
The run is measure.py's arrived_run, which `conclab calibrate` makes for
the profile's gil_arrived_wait figures (their means, less a sleep's own
overshoot).
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from measure import arrived_run  # noqa: E402  (the same run calibrate makes)


def one_run(cpu, sleeps):
    waits, took = arrived_run(cpu, sleeps)
    w = sorted(waits)

    def q(p):
        return w[min(len(w) - 1, int(p * len(w)))]

    return {"took": took, "mean": sum(w) / len(w), "p50": q(0.5), "p90": q(0.9), "max": w[-1]}


def flag(name, default, convert):
    if name in sys.argv:
        return convert(sys.argv[sys.argv.index(name) + 1])
    return default


def main():
    cpu = flag("--cpu", 2, int)
    sleeps = flag("--sleeps", 50, int)
    runs = flag("--runs", 2, int)
    out = {
        "python": sys.version.split()[0],
        "cpu_threads": cpu,
        "sleeps": sleeps,
        "sleep": 0.020,
        "switch_interval": sys.getswitchinterval(),
        "runs": [one_run(cpu, sleeps) for _ in range(runs)],
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
