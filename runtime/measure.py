#!/usr/bin/env python3
"""Measure the cost constants of a conclab runtime profile on this machine.

Run: python3 runtime/measure.py [--runs N] [--quick] [--only NAME,NAME]

Standard library only, Linux only (memory is read from /proc). Each
measurement runs several times; the script prints one JSON object with, for
every constant, the median over the runs, the smallest and largest run, and
how many runs there were, and the machine it ran on (host, CPU model, cores,
Python version, date). Times are in nanoseconds, sizes in bytes. The whole
run takes about 2 minutes (5 runs on 2 cores, 20 s of it the GIL waits of
a thread back from a sleep); --quick makes
3 runs with a tenth of the repetitions inside each (about 25 s), for
tests. Each measurement prints one progress line on stderr:

    measure: 12/80 ThreadStart run 1/5 = 78390.5 ns

`conclab calibrate` runs this script and turns its output into a profile.

Memory measurements run in a fresh child interpreter each time, so memory
freed by an earlier run cannot be reused and hide the cost.
"""

import asyncio
import bisect
import collections
import concurrent.futures
import datetime
import gc
import json
import multiprocessing
import os
import pickle
import platform
import statistics
import subprocess
import sys
import threading
import time


def trivial():
    return None


# ---- CPU costs (nanoseconds) ------------------------------------------------

def thread_start(n=1000):
    """Elapsed time per Thread.start() of threads that stay alive.

    start() returns once the new thread has signalled that it runs, so its
    elapsed time is the critical path a program pays for each thread it
    starts: the creation, the stack mapping, the new thread's first run and
    the hand-shake. The threads park on an Event until all have started, as
    the threads of a busy program do (threads that exit at once are cheaper
    to start: their stacks are reused).
    """
    ev = threading.Event()
    threads = [threading.Thread(target=ev.wait) for _ in range(n)]
    t0 = time.perf_counter_ns()
    for t in threads:
        t.start()
    dt = time.perf_counter_ns() - t0
    ev.set()
    for t in threads:
        t.join()
    return dt / n


def pool_submit_and_task(n=20000):
    """CPU per submit, and per queued task on the worker.

    The one worker is held busy while n trivial tasks are submitted, so
    submit() costs only itself; then the worker drains the queue without
    ever blocking, so each task costs the worker only its own handling.
    """
    ev = threading.Event()
    with concurrent.futures.ThreadPoolExecutor(1) as ex:
        ex.submit(ev.wait)
        t0 = time.process_time_ns()
        futures = [ex.submit(trivial) for _ in range(n)]
        submit = (time.process_time_ns() - t0) / n
        t1 = time.process_time_ns()
        ev.set()
        for f in futures:
            f.result()
        task = (time.process_time_ns() - t1) / n
    return submit, task


def wake_latency(n=2000):
    """Median elapsed time from Event.set() until the waiting thread runs."""
    go, back = threading.Event(), threading.Event()
    stamp = [0]

    def waiter():
        for _ in range(n):
            go.wait()
            go.clear()
            stamp[0] = time.perf_counter_ns()
            back.set()
    t = threading.Thread(target=waiter)
    t.start()
    samples = []
    for _ in range(n):
        time.sleep(0.0002)  # let the waiter block in wait()
        t0 = time.perf_counter_ns()
        go.set()
        back.wait()
        back.clear()
        samples.append(stamp[0] - t0)
    t.join()
    return statistics.median(samples)


def gil_handover(n=1000):
    """Median elapsed time from a thread releasing the GIL to a blocking
    call (time.sleep) until the thread waiting for the GIL runs Python.

    One thread spins in Python code, noting each gap in its own running
    longer than 200 µs; the other runs 0.5 ms of Python code, notes the
    time and sleeps 1 ms, n times. The spinner waits for the GIL during
    each 0.5 ms and is signalled by the release: the first note after
    the release, less the release, is the hand-over. Meanwhile the GIL is
    free: the signalled thread has to wake up first. 0 without a GIL."""
    if not getattr(sys, "_is_gil_enabled", lambda: True)():
        return 0.0
    clock = time.perf_counter_ns
    released, resumed = [], []
    stop = [False]

    def spinner():
        last = clock()
        while not stop[0]:
            now = clock()
            if now - last > 200000:
                resumed.append(now)
            last = now

    def releaser():
        for _ in range(n):
            t = clock()
            while clock() - t < 500000:
                pass
            released.append(clock())
            time.sleep(0.001)

    s = threading.Thread(target=spinner)
    s.start()
    time.sleep(0.01)
    r = threading.Thread(target=releaser)
    r.start()
    r.join()
    stop[0] = True
    s.join()
    samples = []
    for t in released:
        i = bisect.bisect_left(resumed, t)
        if i < len(resumed) and resumed[i] - t < 2000000:
            samples.append(resumed[i] - t)
    return statistics.median(samples) if samples else 0.0


_spinning = [False]


def _spin_while_asked():
    # Module-level, as the code of a program's threads is: free-threaded
    # 3.13 makes it immortal when the first thread starts. A nested
    # function is not, and its threads then contend for its reference
    # counts, and lose turns, which hides the effect measured.
    while _spinning[0]:
        pass


def lock_spin(n=20):
    """Elapsed time a thread that finds a lock held goes on waiting, beyond
    a wake-up, while one other thread per core computes: free-threaded
    CPython's PyMutex calls sched_yield() 40 times before it sleeps, and
    3.13 does not look at the lock again in between (Python/lock.c,
    MAX_SPIN_COUNT; the build with the GIL does not spin). On Linux each
    yield gives the core to the thread computing there for a time slice.

    A helper waits on one lock; the main thread releases it and blocks on
    a second, which the helper releases 2 ms later; the sample is the main
    thread's time in that acquire. The median with one thread per core
    spinning in Python, less the median with none, n samples each. 0 with
    a GIL."""
    if getattr(sys, "_is_gil_enabled", lambda: True)():
        return 0.0
    import _thread
    clock = time.perf_counter_ns

    def blocked(spinners):
        _spinning[0] = True
        hogs = [threading.Thread(target=_spin_while_asked) for _ in range(spinners)]
        for h in hogs:
            h.start()
        go = [_thread.allocate_lock() for _ in range(n)]
        done = [_thread.allocate_lock() for _ in range(n)]
        for lk in go + done:
            lk.acquire()

        def helper():
            for i in range(n):
                go[i].acquire()
                time.sleep(0.002)
                done[i].release()
        h = threading.Thread(target=helper)
        h.start()
        time.sleep(0.05)
        samples = []
        for i in range(n):
            go[i].release()
            t = clock()
            done[i].acquire()
            samples.append(clock() - t)
            time.sleep(0.01)
        h.join()
        _spinning[0] = False
        for t in hogs:
            t.join()
        return statistics.median(samples)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(0.0, blocked(cores) - blocked(0))


_arrived_stop = [False]


def _spin_in_python(start_line):
    # Python code until told to stop, reading no clock: a thread that reads
    # its CPU clock changes who gets the GIL (docs/models.md).
    start_line.wait()
    x = 0
    while not _arrived_stop[0]:
        for _ in range(100):
            x += 1


def arrived_run(cpu, sleeps, sleep=0.020):
    """One run of a thread that sleeps beside cpu CPU-bound threads: it
    sleeps `sleep` seconds, `sleeps` times, and notes how late each sleep
    returned (the sleep's own overshoot and its wait for the GIL, which a
    CPU-bound thread holds). Returns the lateness of each sleep and the
    sleeper's time in all, in seconds."""
    start_line, late = threading.Event(), []

    def sleeper():
        start_line.wait()
        for _ in range(sleeps):
            before = time.perf_counter()
            time.sleep(sleep)
            late.append(time.perf_counter() - before - sleep)

    _arrived_stop[0] = False
    spinners = [threading.Thread(target=_spin_in_python, args=(start_line,)) for _ in range(cpu)]
    sleeping = threading.Thread(target=sleeper)
    for t in spinners + [sleeping]:
        t.start()
    time.sleep(0.05)  # every thread started and waiting on the line
    began = time.perf_counter()
    start_line.set()
    sleeping.join()
    took = time.perf_counter() - began
    _arrived_stop[0] = True
    for t in spinners:
        t.join()
    return late, took


def gil_arrived(sleeps=16):
    """The mean wait for the GIL of a thread back from a 20 ms sleep beside
    2, 3, 4, 5 and 6 threads running Python code, in nanoseconds: how
    late its sleeps returned, less how late they return with no other
    thread. Such a thread never asks the holder to drop the GIL (its timed
    waits run out after a switch): it gets it when the condition variable
    wakes it rather than the thread that asked, which happens at a share
    of the switches that differs from machine to machine. 0 each without
    a GIL."""
    if not getattr(sys, "_is_gil_enabled", lambda: True)():
        return (0.0,) * 5
    alone = statistics.mean(arrived_run(0, max(4, sleeps // 2))[0])
    return tuple(max(0.0, statistics.mean(arrived_run(cpu, sleeps)[0]) - alone) * 1e9 for cpu in range(2, 7))


async def _nothing():
    return None


class _Turns:
    """Counts the iterations of the running event loop: each one calls
    its selector's select() once (BaseEventLoop._run_once)."""

    def __init__(self):
        self.n = 0
        selector = asyncio.get_running_loop()._selector
        select = selector.select

        def counted(timeout=None):
            self.n += 1
            return select(timeout)
        selector.select = counted


def _without_gc(f):
    enabled = gc.isenabled()
    gc.disable()
    try:
        return f()
    finally:
        if enabled:
            gc.enable()


def task_create(n=20000):
    """CPU to create one asyncio task of a trivial coroutine, in a heap
    that has held as many twice before (its growth is TaskFirstTouch) and with
    the cyclic collector off (its share is GCYoung and GCScan)."""
    async def main():
        dt = 0
        for _ in range(3):  # the first two grow the heap (8.1, 6.4, then 4.2 us here)
            t0 = time.process_time_ns()
            tasks = [asyncio.create_task(_nothing()) for _ in range(n)]
            dt = time.process_time_ns() - t0
            await asyncio.gather(*tasks)
            del tasks
            gc.collect()  # what the round left in cycles, freed for the next
        return dt / n
    return _without_gc(lambda: asyncio.run(main()))


def loop_turn_and_resume(n=50000, width=1000):
    """CPU of one iteration of the event loop beyond its callbacks
    (LoopTurn: _run_once's select with a zero timeout and its
    bookkeeping), and CPU per resume of a task (LoopResume), apart.

    A task alone doing `await asyncio.sleep(0)` n times pays one iteration
    and one resume each time; `width` tasks doing it together share each
    iteration. The iterations are counted (select calls); the resumes are
    the tasks' steps and their done callbacks. cpu = iterations × LoopTurn
    + resumes × LoopResume in both runs gives the two figures."""
    async def spin(k):
        for _ in range(k):
            await asyncio.sleep(0)

    async def alone():
        turns = _Turns()
        t0 = time.process_time_ns()
        await asyncio.create_task(spin(n))
        return time.process_time_ns() - t0, turns.n, n + 2

    async def together():
        k = max(1, n // width)
        turns = _Turns()
        t0 = time.process_time_ns()
        await asyncio.gather(*[spin(k) for _ in range(width)])
        return time.process_time_ns() - t0, turns.n, width * (k + 2)

    cpu1, turns1, resumes1 = _without_gc(lambda: asyncio.run(alone()))
    cpu2, turns2, resumes2 = _without_gc(lambda: asyncio.run(together()))
    det = turns1 * resumes2 - turns2 * resumes1
    turn = (cpu1 * resumes2 - cpu2 * resumes1) / det
    resume = (turns1 * cpu2 - turns2 * cpu1) / det
    return max(0.0, turn), max(0.0, resume)


def loop_timer(n=10000, pairs=5):
    """CPU per timed await beyond an untimed one (LoopTimer), and the part
    of it the loop pays when the timer falls due (LoopTimerFire).

    n tasks gathered on asyncio.sleep(0.05) against n tasks on
    asyncio.sleep(0), each after a first run of both (which grows the
    heap), the collector off. A callback the loop runs right after the
    tasks' first steps splits each run in two: up to it the tasks are made
    and arm their timers (or yield), after it the timers fall due and the
    tasks end. The first part's difference is what arming a timer costs
    (its future, the timer handle, the heap push, the future's wake-up
    callback); the second's, less what the loop's extra iterations cost
    (LoopTurn, measured here too), what it costs as it fires: _run_once
    pops it off the heap (a Python __lt__ per level: about 13 at 10,000
    timers) and runs its callback, which sets the future's result and
    schedules the task's wake-up, which gets the future's result. Each
    part is the best of `pairs` runs: a shared host's CPU slows down for
    seconds at a time, and the best of several runs is one speed. The
    run's other work (the loop's making and closing) is the same in both
    and left out."""
    turn = loop_turn_and_resume(max(2000, 5 * n))[0]

    async def many(delay):
        turns = _Turns()
        loop = asyncio.get_running_loop()
        t0 = time.process_time_ns()
        gathered = asyncio.gather(*(asyncio.sleep(delay) for _ in range(n)))
        armed = []
        loop.call_soon(lambda: armed.extend((time.process_time_ns(), turns.n)))
        await gathered
        at, turns_at = armed
        return at - t0, turns_at, time.process_time_ns() - at, turns.n - turns_at

    def runs():
        asyncio.run(many(0.05))  # the first runs grow the heap (its cost is TaskFirstTouch)
        asyncio.run(many(0))
        both = [(asyncio.run(many(0.05)), asyncio.run(many(0))) for _ in range(pairs)]
        return [min(p[i][j] for p in both) for i in range(2) for j in range(4)]
    armed, aturns, fired, fturns, yielded, yturns, ended, eturns = _without_gc(runs)
    arm = max(0.0, (armed - yielded - (aturns - yturns) * turn) / n)
    fire = max(0.0, (fired - ended - (fturns - eturns) * turn) / n)
    return arm + fire, fire


def gather_child(n=20000, rounds=6):
    """CPU per child of asyncio.gather beyond its task's creation: the
    gather of n pending tasks, each a trivial coroutine, with the collector
    off, the best of the rounds after the first two (which grow the heap). Per
    child, gather checks it is a future of the loop, adds its done callback
    (a (callback, context) entry) and records it; the callbacks' runs are
    resumes (LoopResume)."""
    async def main():
        took = []
        for _ in range(rounds):
            tasks = [asyncio.create_task(_nothing()) for _ in range(n)]
            t0 = time.process_time_ns()
            gathered = asyncio.gather(*tasks)
            took.append(time.process_time_ns() - t0)
            await gathered
            del tasks, gathered
            gc.collect()
        return min(took[2:]) / n
    return _without_gc(lambda: asyncio.run(main()))


def timer_slack():
    """The kernel's timer slack for this thread, in nanoseconds."""
    try:
        with open("/proc/self/timerslack_ns") as f:
            return float(f.read().strip())
    except OSError:
        return 50000.0  # Linux's default, when the file is missing


def select_resolution():
    """The unit of an idle event loop's select timeout, in nanoseconds.

    epoll_wait and poll take whole milliseconds (the selectors module
    rounds up); select takes microseconds.
    """
    import selectors
    name = selectors.DefaultSelector.__name__
    return 1000.0 if name == "SelectSelector" else 1e6


# The program fork_start, spawn_start and forkserver_start run: its main
# module imports what an exported program imports, and times two pools'
# first results (each a worker's CPU time when it took its first task);
# with "fork" after them it times ` + "`FORKS`" + ` forks of workers that stay
# alive, as a pool's do, four at a time.
_START_PROGRAM = """import %s

FORKS = 12


def main():
    context = multiprocessing.get_context(sys.argv[1])
    elapsed, cpu = [], []
    for _ in range(2):
        t0 = time.perf_counter_ns()
        pool = concurrent.futures.ProcessPoolExecutor(1, mp_context=context)
        cpu.append(pool.submit(time.process_time_ns).result())
        elapsed.append(time.perf_counter_ns() - t0)
        pool.shutdown()
    forks = []
    while sys.argv[1] == "fork" and len(forks) < FORKS:
        stop = context.Event()
        alive = []
        for _ in range(4):
            alive.append(context.Process(target=stop.wait))
            t0 = time.perf_counter_ns()
            alive[-1].start()
            forks.append(time.perf_counter_ns() - t0)
        stop.set()
        for p in alive:
            p.join()
    print(json.dumps({"elapsed": elapsed, "cpu": cpu, "forks": forks}))


if __name__ == "__main__":
    main()
"""


def _start_program(method):
    """Runs _START_PROGRAM with start method `method` as a fresh program (a
    file, its main module) and returns its two pools' first results'
    elapsed times."""
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "start_%s.py" % method)
        with open(path, "w") as f:
            f.write(_START_PROGRAM % _EXPORT_IMPORTS)
        out = subprocess.run([sys.executable, path, method], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def fork_start():
    """A forked worker's start-up, its CPU in it, and the parent's time per
    fork, in a fresh program (a file, its main module) that imports what an
    exported program imports (_EXPORT_IMPORTS): the elapsed time from
    creating its first ProcessPoolExecutor(1, mp_context=fork) to the first
    result; the worker's CPU time when it took that first task (the pages
    of its parent it wrote, each copied at a page fault, and
    multiprocessing's bootstrap: 1-2 ms where a fresh page costs under a
    microsecond, 12-18 ms on a virtual machine where it cost 5-26); and the
    median time Process.start() took in the parent, with the workers forked
    before it still alive, as a pool's are (each fork then makes the
    parent's next writes copy pages the children share)."""
    out = _start_program("fork")
    return out["elapsed"][0], out["cpu"][0], statistics.median(out["forks"])


def spawn_start():
    """A spawned worker's start-up: the elapsed time from creating a
    ProcessPoolExecutor(1, mp_context=spawn) to its first trivial result, in
    a fresh program whose main module imports what an exported program
    imports (_EXPORT_IMPORTS), the first pool of the program. The worker is
    a fresh interpreter that runs the main module again (as __mp_main__)
    before its first task: a program that imports more starts its workers
    later (with measure.py itself as the main module, 58 ms against 50 on
    3.11)."""
    return _start_program("spawn")["elapsed"][0]


def resource_tracker_start(n):
    """The CPU of multiprocessing's resource tracker's start-up, the median
    of n: a fresh interpreter (python -c, no main module) importing
    multiprocessing.resource_tracker, as a program's first spawn or
    forkserver pool starts it (its first named semaphore registers with
    it), beside its first workers' start-ups. Its process's CPU, read with
    getrusage(RUSAGE_CHILDREN)."""
    import resource
    code = "from multiprocessing.resource_tracker import main"
    cpu = []
    for _ in range(n):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([sys.executable, "-c", code], check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append((after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1e9)
    return statistics.median(cpu)


def forkserver_start():
    """A forkserver's two costs: the server's own start-up, which the first
    forkserver pool of a program waits for, and a worker's start once the
    server runs. A fresh program (a file, its main module) times the first
    result of a ProcessPoolExecutor(1, mp_context=forkserver), which starts
    the server, and of a second pool the same server serves: the first
    less the second is the server's start-up, the second a worker's. The
    server forks each worker from itself; CPython 3.8 to 3.13.7 never
    preload the main module there, so each worker runs it again before its
    first task, as a spawned one does: the program's main module imports
    what an exported program imports (_EXPORT_IMPORTS), and a program that
    imports more starts its workers later."""
    first, second = _start_program("forkserver")["elapsed"]
    return max(0, first - second), second


def process_task(n=2000):
    """Elapsed time per trivial task round trip through a warm pool."""
    ctx = multiprocessing.get_context("fork")
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=ctx) as ex:
        ex.submit(os.getpid).result()
        t0 = time.perf_counter_ns()
        for _ in range(n):
            ex.submit(os.getpid).result()
        return (time.perf_counter_ns() - t0) / n


def _pickle_receiver(conn, n):
    for _ in range(n):
        t0 = time.process_time_ns()
        data = conn.recv_bytes()
        pickle.loads(data)
        conn.send(time.process_time_ns() - t0)


def pickle_cpu(size, n):
    """Each side's process CPU per 10^6 bytes of a bytes payload of `size`
    moved through a multiprocessing.Pipe: the sender pickles it and writes
    it; the receiver, a forked child, reads and unpickles it. Medians of n
    transfers."""
    payload = bytes(size)
    a, b = multiprocessing.Pipe()
    child = multiprocessing.get_context("fork").Process(target=_pickle_receiver, args=(b, n))
    child.start()
    send, recv = [], []
    for _ in range(n):
        t0 = time.process_time_ns()
        data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
        a.send_bytes(data)
        del data
        send.append((time.process_time_ns() - t0) * 1e6 / size)
        recv.append(a.recv() * 1e6 / size)
    child.join()
    return statistics.median(send), statistics.median(recv)


def first_payload(size=16000000, n=6):
    """Extra elapsed time per 10^6 bytes of the first payload of a size a
    worker process gets, over later ones of that size: page faults of
    memory neither process has written before (the sender's pickle; the
    receiver's buffer and object), and whatever else a first big transfer
    does. A fresh ProcessPoolExecutor(1) (fork), warmed with a task
    without data, gets four tasks whose arguments are `size` bytes made
    beforehand, one after another: from submit() to the task's first line
    in the worker, the first against the median of the other three. The
    median of n pools. What a page fault costs is the machine's (a VM
    that backs a guest page the first time it is touched pays far more:
    on the EPYC host of 2026-12-01 a first 24 MB payload took 17–25 ms per
    MB where later ones took 5–12), so the figure is measured, not
    counted in copies."""
    ctx = multiprocessing.get_context("fork")
    extra = []
    for _ in range(n):
        payloads = [bytes(size) for _ in range(4)]
        with concurrent.futures.ProcessPoolExecutor(1, mp_context=ctx) as ex:
            ex.submit(os.getpid).result()
            ways = []
            for payload in payloads:
                t0 = time.perf_counter()
                ways.append(ex.submit(_arrive, payload).result() - t0)
        extra.append((ways[0] - statistics.median(ways[1:])) * 1e9 * 1e6 / size)
        del payloads
    return max(0.0, statistics.median(extra))


def _arrive(data):
    return time.perf_counter()


_OUT = {}  # size: a payload of that size, made before the workers fork


def _leave(size):
    return _OUT[size], time.perf_counter()


def pickle_per_mb(size=16000000, n=6):
    """Elapsed time per 10^6 bytes of a task's data moved to a worker
    process and back, split between the two sides.

    A warm ProcessPoolExecutor(1) (fork) gets a task whose argument is
    `size` bytes made beforehand: from submit() to the first line of the
    task in the worker is the way in (pickle, the pipe, unpickle); a task
    that returns `size` bytes, made before the worker forked as an
    exported program's are, from its return to result() in the parent, is
    the way back. A big payload is written into fresh memory at every
    copy, so page faults count as much as the copying: on 2026-12-05 here,
    whose forked processes paid about 26 µs a fault, 16 MB went in at 4.8
    ms per MB and came back at 11, and payloads of 0.1 to 16 MB after a
    worker's first two at 5–8 (1 MB at 3.1). The medians of n of
    each, averaged, are split between sender and receiver in the ratio of
    their process CPU (pickle_cpu): the engine has the sender pickle and
    write, then the receiver read and unpickle, one after the other, as
    ProcessPoolExecutor's feeder thread writes the next input only once
    this one is read.
    """
    ctx = multiprocessing.get_context("fork")
    ins, backs = [], []
    payload = _OUT[size] = bytes(size)
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=ctx) as ex:
        ex.submit(os.getpid).result()
        for _ in range(n):
            t0 = time.perf_counter()
            ins.append(ex.submit(_arrive, payload).result() - t0)
            data, t1 = ex.submit(_leave, size).result()
            backs.append(time.perf_counter() - t1)
            del data
    per_mb = (statistics.median(ins) + statistics.median(backs)) / 2 * 1e9 * 1e6 / size
    send, recv = pickle_cpu(size, max(2, n // 2))
    return per_mb * send / (send + recv), per_mb * recv / (send + recv)


# ---- overshoots (elapsed nanoseconds) --------------------------------------

def sleep_overshoot(seconds, n):
    """Median extra elapsed time of time.sleep(seconds)."""
    want = int(seconds * 1e9)
    extra = []
    for _ in range(n):
        t0 = time.perf_counter_ns()
        time.sleep(seconds)
        extra.append(time.perf_counter_ns() - t0 - want)
    return statistics.median(extra)


def loop_timer_overshoot(seconds=0.0005, n=300):
    """Median extra elapsed time of `await asyncio.sleep(seconds)`.

    The selector's timeout is rounded up to the clock resolution, and a timer
    due within the loop's clock resolution runs at once; both show here.
    """
    want = int(seconds * 1e9)

    async def main():
        extra = []
        for _ in range(n):
            t0 = time.perf_counter_ns()
            await asyncio.sleep(seconds)
            extra.append(time.perf_counter_ns() - t0 - want)
        return statistics.median(extra)
    return asyncio.run(main())


# ---- memory (bytes), each in a fresh interpreter ---------------------------

def status(pid="self"):
    """VmRSS and VmSize of a process, in bytes."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmSize"):
                out[key] = int(rest.split()[0]) * 1024
    return out["VmRSS"], out["VmSize"]


def child_threads(n=1000):
    """Δ VmRSS and Δ VmSize per idle thread parked on an Event."""
    release = threading.Event()
    ready = threading.Semaphore(0)

    def park():
        ready.release()
        release.wait()

    rss0, vm0 = status()
    threads = [threading.Thread(target=park) for _ in range(n)]
    for t in threads:
        t.start()
    for _ in range(n):
        ready.acquire()
    rss1, vm1 = status()
    release.set()
    for t in threads:
        t.join()
    return {"rss": (rss1 - rss0) / n, "virtual": (vm1 - vm0) / n}


def child_tasks(n=10000):
    """Δ VmRSS per pending asyncio task awaiting an Event."""
    async def main():
        release = asyncio.Event()
        rss0, _ = status()
        tasks = [asyncio.create_task(release.wait()) for _ in range(n)]
        await asyncio.sleep(0)  # let every task run up to its await
        rss1, _ = status()
        release.set()
        await asyncio.gather(*tasks)
        return {"rss": (rss1 - rss0) / n}
    return asyncio.run(main())


def child_gc(n=50000, touch=10000):
    """The cyclic garbage collector's share of asyncio tasks, in a fresh
    interpreter (CPython 3.8-3.13: generations with thresholds 700, 10, 10;
    a full collection only once the objects that survived the middle one
    since the last are a quarter of those it kept then, Modules/gcmodule.c).

    first_touch: process CPU per task of a first gather of `touch` tasks
    on asyncio.sleep(0.001) beyond a second one, the collector off: the
    first pays to grow the heap (page faults, allocator arenas), the second
    reuses it. objects: tracked objects per pending task of a coroutine
    awaiting asyncio.sleep (task, two coroutines, future, timer handle and
    their containers). at_create: those made before the task first runs
    (task, coroutine, context, the weak reference that registers it, the
    ready handle, the bound step); transient: those its first run frees
    (the kinds of object there are fewer of after it: the handle and the
    bound step). child, gather: the objects a pending child of
    asyncio.gather adds beyond a task's, and those of the gather itself
    beyond its parent task's. young: CPU of the young collections (generations 0 and 1)
    while `n` such tasks are created, per tracked object allocated.
    scan: CPU of a full collection per tracked object, n tasks pending.
    base: tracked objects of the interpreter with asyncio, before any."""
    import gc
    gc.disable()

    async def many(count, delay):
        await asyncio.gather(*(asyncio.sleep(delay) for _ in range(count)))

    async def pending():  # a coroutine of the program awaiting a sleep
        await asyncio.sleep(10)

    async def gatherer(k):  # a task gathering k of them
        await asyncio.gather(*(pending() for _ in range(k)))

    def cpu(count):
        t0 = time.process_time_ns()
        asyncio.run(many(count, 0.001))
        return time.process_time_ns() - t0
    first, second = cpu(touch), cpu(touch)
    gc.collect()
    base = len(gc.get_objects())
    young = [0, 0]

    def timed(phase, info):
        if info["generation"] < 2:
            if phase == "start":
                young[1] = time.process_time_ns()
            else:
                young[0] += time.process_time_ns() - young[1]
    gc.callbacks.append(timed)

    def census():
        return collections.Counter(type(o) for o in gc.get_objects())

    async def main():
        before = len(gc.get_objects())
        gc.enable()
        tasks = [asyncio.ensure_future(pending()) for _ in range(n)]
        gc.disable()
        at_create = (len(gc.get_objects()) - before) / n
        made = census()
        gc.enable()
        await asyncio.sleep(0)  # every task up to its timer
        gc.disable()
        ran = census()
        # What the first runs freed: the kinds of object there are fewer of.
        transient = sum(max(0, made[k] - ran[k]) for k in made) / n
        objects = (len(gc.get_objects()) - before) / n
        total = len(gc.get_objects())
        t0 = time.process_time_ns()
        gc.collect()
        scan = (time.process_time_ns() - t0) / total
        before = len(gc.get_objects())
        tens = [asyncio.ensure_future(gatherer(10)) for _ in range(n // 25)]
        await asyncio.sleep(0)  # each gather made
        await asyncio.sleep(0)  # every child up to its timer
        ten = (len(gc.get_objects()) - before) / len(tens)
        before = len(gc.get_objects())
        ones = [asyncio.ensure_future(gatherer(1)) for _ in range(n // 2)]
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        one = (len(gc.get_objects()) - before) / len(ones)
        child = (ten - one) / 9 - objects
        gather = one - 2 * objects - child
        for task in tens + ones:
            task.cancel()
        await asyncio.gather(*tens, *ones, return_exceptions=True)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        return {"first_touch": max(0.0, (first - second) / touch), "objects": objects,
                "at_create": at_create, "transient": transient,
                "child": child, "gather": gather,
                "young": young[0] / (objects * n), "scan": scan, "base": float(base)}
    return asyncio.run(main())


_TREE_DELAY = [10.0]  # what a leaf of _tree_node awaits


async def _tree_node(depth):
    # One parameter, as runtime/gather_children.py's: each name the list
    # comprehension takes from here is a cell, a tracked object per task.
    if depth == 0:
        await asyncio.sleep(_TREE_DELAY[0])
        return
    await asyncio.gather(*[_tree_node(depth - 1) for _ in range(6)])


def child_gc_tree():
    """What a tree of gathers, six wide, shows of the cyclic collector, in
    a fresh interpreter.

    gather: tracked objects of a task that awaits a gather of six, beyond
    those of its six children and of a child task awaiting a sleep
    (GCObjectsPerTask + GCObjectsPerChild): counted in a tree three levels
    deep whose tasks all wait, the collector off. scan: the collector's
    own full collections while a tree six levels deep (55,986 tasks) is
    built and run, their process CPU (gc.callbacks) over the tracked
    objects each visited: the cost per object of the collections a loop
    with hundreds of thousands of objects meets, whose heap is no longer
    in allocation order and misses the caches more than a fresh one."""
    gc.disable()

    async def counted():
        base = len(gc.get_objects())
        _TREE_DELAY[0] = 10.0
        root = asyncio.ensure_future(_tree_node(3))
        for _ in range(6):
            await asyncio.sleep(0)  # each level made and every leaf at its timer
        tasks = len(asyncio.all_tasks()) - 1
        made = len(gc.get_objects()) - base
        root.cancel()
        try:
            await root
        except asyncio.CancelledError:
            pass
        return made, tasks
    made, tasks = asyncio.run(counted())
    leaves, inner = 6 ** 3, tasks - 6 ** 3
    gc.collect()
    full = [0, 0, 0]  # CPU, objects, when the current one began

    # A free-threaded build's collector has one generation: each of its
    # collections visits the whole heap.
    oldest = 2 if getattr(sys, "_is_gil_enabled", lambda: True)() else 0

    def timed(phase, info):
        if info["generation"] != oldest:
            return
        if phase == "start":
            full[2] = time.process_time_ns()
        else:
            full[0] += time.process_time_ns() - full[2]
            # Counted after the clock stopped (the count itself sweeps the
            # caches); a tree's collections free nothing, so these are the
            # objects the collection visited.
            full[1] += len(gc.get_objects())
    gc.callbacks.append(timed)
    gc.enable()
    _TREE_DELAY[0] = 0.05
    asyncio.run(_tree_node(6))
    gc.disable()
    return {"made": made, "leaves": leaves, "inner": inner, "scan": full[0] / max(1, full[1])}


def in_child(what):
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", what],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def process_memory():
    """VmRSS and VmSize of a fresh `python3 -c` that sleeps."""
    code = "import time; print('ready', flush=True); time.sleep(60)"
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        p.stdout.readline()
        rss, vm = status(p.pid)
    finally:
        p.kill()
        p.wait()
        p.stdout.close()
    return {"rss": rss, "virtual": vm}


# ---- driver -----------------------------------------------------------------

def summarize(values):
    values = [float(v) for v in values]
    return {"median": round(statistics.median(values), 1), "min": round(min(values), 1),
            "max": round(max(values), 1), "n": len(values)}


def machine():
    """The machine and interpreter the numbers belong to."""
    cpu = platform.processor() or platform.machine()
    info = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                if not key.strip():
                    break  # the first processor's lines only
                info.setdefault(key.strip(), value.strip())
    except OSError:
        pass
    cpu = info.get("model name", cpu)
    if "cpu family" in info:
        # A virtual machine may call very different hosts by one name
        # ("AMD EPYC"); the family and model tell them apart (26 is Zen 5).
        cpu += " (family %s, model %s)" % (info["cpu family"], info.get("model", "?"))
    return {
        "hostname": platform.node(),
        "cpu": cpu,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        # False on a free-threaded build (3.13t) running without the GIL.
        "gil": getattr(sys, "_is_gil_enabled", lambda: True)(),
        "platform": platform.platform(),
        "cores": os.cpu_count(),
        "date": datetime.date.today().isoformat(),
    }


def plan(quick):
    """The measurements of one run, in order: (names, function). A function
    measuring several constants returns one value per name. quick divides
    the repetitions inside each measurement by 10."""
    k = 10 if quick else 1

    def both(d, a, b):
        return d[a], d[b]

    return [
        (["ThreadStart"], lambda: thread_start(1000 // k)),
        (["PoolSubmit", "PoolTask"], lambda: pool_submit_and_task(20000 // k)),
        (["WakeLatency"], lambda: wake_latency(2000 // k)),
        (["GILHandover"], lambda: gil_handover(1000 // k)),
        (["GILArrived2", "GILArrived3", "GILArrived4", "GILArrived5", "GILArrived6"],
         lambda: gil_arrived(max(4, 16 // k))),
        (["LockSpin"], lambda: lock_spin(20 // k)),
        (["TaskCreate"], lambda: task_create(20000 // k)),
        (["LoopTurn", "LoopResume"], lambda: loop_turn_and_resume(50000 // k)),
        (["LoopTimer", "LoopTimerFire"], lambda: loop_timer(10000 // k, 5 if k == 1 else 2)),
        (["GatherChild"], lambda: gather_child(20000 // k)),
        (["ProcessFork", "ForkChild", "ForkParent"], fork_start),
        (["ProcessSpawn"], spawn_start),
        (["ForkserverBoot", "ProcessForkserver"], forkserver_start),
        (["ResourceTracker"], lambda: resource_tracker_start(max(3, 7 // k))),
        (["ProcessTask"], lambda: process_task(2000 // k)),
        (["PickleSend", "PickleRecv"], lambda: pickle_per_mb(16000000, max(2, 6 // k))),
        (["PickleFresh"], lambda: first_payload(16000000, max(2, 6 // k))),
        (["SleepOvershoot"], lambda: sleep_overshoot(0.0005, 300 // k)),
        (["SleepOvershoot2ms"], lambda: sleep_overshoot(0.002, 100 // k)),
        (["SleepOvershoot10ms"], lambda: sleep_overshoot(0.01, 30 // k)),
        (["LoopTimerOvershoot"], lambda: loop_timer_overshoot(0.0005, 300 // k)),
        (["TimerSlack"], timer_slack),
        (["GCThreshold"], lambda: (gc.get_threshold()[0],)),
        (["GCCount0", "GCCount1", "GCCount2"], gc_start_counts),
        (["SelectResolution"], select_resolution),
        (["ThreadRSS", "ThreadVirtual"], lambda: both(in_child("threads"), "rss", "virtual")),
        (["TaskRSS"], lambda: (in_child("tasks")["rss"],)),
        (["TaskFirstTouch", "GCObjectsPerTask", "GCObjectsAtCreate", "GCObjectsTransient", "GCObjectsPerChild",
          "GCObjectsPerGather", "GCYoung", "GCScan", "GCBaseObjects"], gc_constants),
        (["ProcessRSS", "ProcessVirtual"], lambda: both(process_memory(), "rss", "virtual")),
    ]


# What an exported program imports (truth/python.go writes them).
_EXPORT_IMPORTS = "asyncio, concurrent.futures, gc, hashlib, json, multiprocessing, os, sys, threading, time"


def gc_start_counts():
    """The collector's generation counts when a program's first coroutine
    runs: a fresh interpreter imports what an exported program imports and
    calls asyncio.run, and the coroutine reads gc.get_count(). The start-up's
    own allocations leave generations 1 and 2 part of the way to their next
    collection (3.11: (478, 8, 3)), so a loop that fills with tasks meets its
    first full collection sooner than a fresh count of (0, 0, 0) would say."""
    code = ("import %s\n"
            "async def first():\n"
            "    print(json.dumps(gc.get_count()))\n"
            "asyncio.run(first())\n") % _EXPORT_IMPORTS
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    return tuple(json.loads(out))


def gc_constants():
    """The collector's constants: the per-task ones from child_gc, a
    gather's objects and a full collection's cost per object from a tree
    of gathers (child_gc_tree)."""
    g, t = in_child("gc"), in_child("gctree")
    per_child = g["objects"] + g["child"]
    gather = (t["made"] - t["leaves"] * per_child) / t["inner"] - per_child
    return (g["first_touch"], g["objects"], g["at_create"], g["transient"], g["child"], gather, g["young"],
            t["scan"], g["base"])


def flag(name, default, convert):
    if name not in sys.argv:
        return default
    i = sys.argv.index(name)
    if i + 1 >= len(sys.argv):
        sys.exit("measure.py: %s needs a value" % name)
    try:
        return convert(sys.argv[i + 1])
    except ValueError:
        sys.exit("measure.py: bad value for %s: %r" % (name, sys.argv[i + 1]))


def main():
    if "--child" in sys.argv:
        what = flag("--child", "", str)
        print(json.dumps({"threads": child_threads, "tasks": child_tasks, "gc": child_gc,
                          "gctree": child_gc_tree}[what]()))
        return
    quick = "--quick" in sys.argv
    runs = flag("--runs", 3 if quick else 5, int)
    if runs < 1:
        sys.exit("measure.py: --runs wants 1 or more")

    started = time.perf_counter()
    steps = plan(quick)
    only = flag("--only", "", str)
    if only:
        # Some constants only: --only PickleSend,PickleRecv
        want = set(only.split(","))
        steps = [(names, m) for names, m in steps if want & set(names)]
        if not steps:
            sys.exit("measure.py: --only names no constant")
    total = runs * sum(len(names) for names, _ in steps)
    samples = {}
    done = 0
    for run in range(1, runs + 1):
        for names, measure in steps:
            values = measure()
            if len(names) == 1 and not isinstance(values, tuple):
                values = (values,)
            for name, value in zip(names, values):
                samples.setdefault(name, []).append(value)
                done += 1
                # One progress line per measurement, for people and for
                # `conclab calibrate`, which reads this exact shape.
                unit = ("B" if name.endswith(("RSS", "Virtual")) else
                        "objects" if "Objects" in name or name == "GCThreshold" else
                        "count" if name.startswith("GCCount") else "ns")
                print("measure: %d/%d %s run %d/%d = %.1f %s" % (done, total, name, run, runs, value, unit),
                      file=sys.stderr, flush=True)

    out = machine()
    out.update({
        "runs": runs,
        "quick": quick,
        "seconds": round(time.perf_counter() - started, 1),
        "units": "nanoseconds for times, bytes for sizes",
        "results": {name: summarize(v) for name, v in samples.items()},
    })
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    if sys.version_info < (3, 8):
        sys.exit("measure.py needs Python 3.8 or newer, not %d.%d" % sys.version_info[:2])
    main()
