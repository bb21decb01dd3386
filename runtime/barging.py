"""How a thread waiting for a threading lock or semaphore gets it back.

Four threads each take the primitive, hold it for 2 ms (sleeping, the GIL
released), give it back, run GAP of Python code and ask for it again, 100
times each. The figure is the share of hand-overs in which the thread that
gave the primitive back took it again: a first-come line gives 0, and the
waiters never get it at 1. runtime.Profile.Barging quotes it.

    python3 runtime/barging.py            # Lock and BoundedSemaphore(1), gaps 0, 0.1 and 1 ms
"""

import sys
import threading
import time

THREADS = 4
ROUNDS = 100
HOLD = 0.002


def spin(seconds):
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


def retake_share(make, gap):
    """The share of hand-overs that went back to the thread that gave it up."""
    primitive = make()
    order = []

    def worker(me):
        for _ in range(ROUNDS):
            with primitive:
                order.append(me)
                time.sleep(HOLD)
            if gap:
                spin(gap)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    again = sum(1 for a, b in zip(order, order[1:]) if a == b)
    return again / (len(order) - 1)


def main():
    kinds = {"Lock": threading.Lock, "BoundedSemaphore(1)": lambda: threading.BoundedSemaphore(1)}
    print(f"CPython {sys.version.split()[0]}, GIL {'on' if getattr(sys, '_is_gil_enabled', lambda: True)() else 'off'}")
    for name, make in kinds.items():
        shares = [retake_share(make, gap) for gap in (0, 0.0001, 0.001)]
        print(f"{name:20s} re-taken by the releaser after 0 / 0.1 / 1 ms: " + " / ".join(f"{s:.2f}" for s in shares))


if __name__ == "__main__":
    main()
