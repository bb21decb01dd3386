#!/usr/bin/env python3
# conclab export: workload "seed-io" under threads(3).
#
# 3 tasks, 3 steps.
#
# Every step runs for exactly the duration the simulator drew for it, so
# what this program measures can be put beside what conclab predicts
# (conclab verify runs both and compares them).
#
# Run it with CPython 3.8 or newer; it needs only the standard library:
#
#     python3 program.py > measured.json
#
# It prints one JSON document on standard output and nothing else: for each
# task its release, start and end, and for each step its kind, start, end
# (in seconds from the program's start), process id, thread id and the
# thread's CPU time in the step.
#
# How the steps run:
#   work           Python code: a loop of calls, arithmetic, attributes and
#                  dicts, as many iterations as this interpreter runs in the
#                  step's duration (WORK_RATE); it holds the GIL meanwhile
#   work_released  C code: hashlib over 1 MiB buffers until the thread's CPU
#                  time has advanced; hashlib releases the GIL meanwhile
#   wait           time.sleep, or await asyncio.sleep on an event loop
#   wait_blocking  time.sleep, even on an event loop (the loop stalls)
#
# The model, threads(3): a ThreadPoolExecutor(3), which starts a thread when a
# task is submitted and none is idle; the main thread submits each task at
# its release time.

import concurrent.futures
import gc
import hashlib
import json
import os
import sys
import sysconfig
import threading
import time

# The workload, as data: names are never code. Its resources (name,
# capacity, scope), for each group that is a later phase the groups it
# waits for (after), and each task's name, group (when some group is a
# later phase), release time in seconds (in a later phase, from when the
# last task of the groups it waits for finished), the
# bytes pickled to a worker process with it and back (input, output) and
# its steps, repeats expanded: [kind, seconds], or [kind, seconds, "thread"
# | "process"] for a step that an event loop offloads (other models run it
# in place; "thread+" goes on the executor call of the step before, as
# one function offloaded with asyncio.to_thread does both; [...,
# "process", input, output] when it pickles data), or
#   ["use", resource, steps]     hold one unit of WORKLOAD["resources"][resource]
#   ["gather", [steps, ...]]     run the branches side by side, wait for all
#   ["choose", alternative, steps]  the alternative conclab drew for this task
# Every duration and choice is the one the simulation drew.
WORKLOAD = json.loads('''{"workload":"seed-io","model":"threads(3)","resources":[],"tasks":[
{"name":"A","release":0,"steps":[["wait",2]]},
{"name":"B","release":0,"steps":[["wait",2]]},
{"name":"C","release":0,"steps":[["wait",2]]}
]}''')
TASKS = WORKLOAD["tasks"]

SWITCH_INTERVAL  = 0.005      # the GIL's switch interval
STALL            = 5          # seconds without a step beginning or ending that mean a deadlock
MAIN_MODULE      = 0          # seconds of CPU this module takes to run again in a spawned worker (main_module)
WORK_RATE        = 0          # work's iterations per CPU second (None: measured at start; 0: no work step)
FIXED_WORK       = False      # work runs seconds * WORK_RATE iterations, the speed of another build (True), or for its seconds of CPU
SHARED_GIL       = True       # threads of one process take turns on the GIL (False: one thread works per process, reading its CPU clock freely)
EAGER            = False      # 3.12's eager task factory (asyncio(eager)): needs Python 3.12
THREADS          = 3          # the thread pool's size
FANOUT_THREADS   = None       # threads of a second pool for gather branches (None: the same pool)

PROGRESS = [0.0]  # when a step last began or ended, for the watchdog
RESULTS = {}      # what each task did, by index, as it finishes: see run_task
LOCKS = []        # this process's resources: see make_locks
FANOUT = None     # where gather sends its branches: see gather

# Every time is measured from ORIGIN, time.perf_counter() taken in the main
# process before anything starts. On Linux perf_counter reads the monotonic
# clock, which is the same in every process, so workers' times compare.
ORIGIN = 0.0


def now():
    """Seconds since ORIGIN."""
    return time.perf_counter() - ORIGIN


# work(seconds) runs ordinary Python code: a function call, arithmetic, an
# attribute and a dict item per iteration of spin()'s loop. That is what a
# CPU-bound Python task is: bytecode, in user space, holding the GIL and
# offering it to waiting threads as the interpreter does (at calls and loop
# jumps). It runs in slices of about SLICE seconds and reads the thread's
# CPU clock after each, so a step costs its seconds of CPU time however fast
# the CPU runs meanwhile (a virtual machine's CPU can run the same loop at
# half its speed a minute later); one read per slice keeps the kernel's
# share small, where spinning on time.thread_time() alone spends most of
# its time in the kernel, reading the clock. WORK_RATE, iterations per CPU
# second alone on a core, sizes the first slice: conclab verify measures
# it once, before its runs, and writes it above; a program written without
# it (None) measures it as it starts, before its clock starts.
SLICE = 0.0005


class Tally:
    """What one work step updates: an attribute and a dict."""

    def __init__(self):
        self.total = 0
        self.seen = {}


def bump(tally, i):
    tally.total = (tally.total + i * 7) % 1000003
    tally.seen[i & 63] = tally.total


def spin(iterations):
    """Runs `iterations` of the work's loop on this thread. Each call has
    its own Tally: threads share no object, so a free-threaded build runs
    them side by side."""
    tally = Tally()
    for i in range(iterations):
        bump(tally, i)
    return tally.total


def measure_work_rate(runs=20, least=0.005):
    """Iterations of spin() per second of this thread's CPU time: the best
    of `runs` runs of at least `least` seconds. CPU time, not wall time,
    so that another process taking the core away does not count; the best
    run, so that one slowed by a neighbour (shared caches, a core that has
    not yet sped up) does not either."""
    iterations = 1024
    while True:
        start = time.thread_time()
        spin(iterations)
        best = time.thread_time() - start
        if best >= least:
            break
        iterations *= 2
    for _ in range(runs):
        start = time.thread_time()
        spin(iterations)
        took = time.thread_time() - start
        if took > 0:  # a coarse clock may not have moved
            best = min(best, took)
    return iterations / best


def start_work(rate=None):
    """Sets WORK_RATE: `rate` when given (a worker process gets its
    parent's), else the one written above, else (None) measured now."""
    global WORK_RATE
    if rate is not None:
        WORK_RATE = rate
    if WORK_RATE is None:
        WORK_RATE = measure_work_rate()


# Reading a thread's CPU clock (time.thread_time()) makes Linux bring the
# running thread's account up to date, and that changes who gets the GIL:
# with 6 CPU-bound threads reading it every 0.5 ms (or every 5), 79-95 % of
# the forced switches gave the GIL back to the thread that had just dropped
# it, two threads keeping it between them for hundreds of milliseconds,
# where code that reads no CPU clock gave it to that thread 58-64 % of the
# time (3.11.7 on Linux 6.18, 2026-12-03). Programs seldom read it; so work()
# does not, where the GIL is on. getrusage(RUSAGE_THREAD) reads the same
# account as it stands, without updating it: it moves once a scheduler tick
# (4 ms here) and when the thread stops running. work() counts iterations
# at the speed the thread last showed, measured between two moves of that
# clock at least SPEED_WINDOW of CPU time apart within one step (a move
# comes within one slice of a tick, so the speed is good to about 1 %).
try:
    import resource
    RUSAGE_THREAD = resource.RUSAGE_THREAD
except (ImportError, AttributeError):  # not Linux
    RUSAGE_THREAD = None
#
# A worker process of processes(N) works on one thread: nothing to hand
# the GIL to, so work() reads the CPU clock there (SHARED_GIL False). The
# ticked clock sizes a step's first SPEED_WINDOW at WORK_RATE, measured on
# one core with the other idle; two workers computing at once ran the loop
# at another speed, and their first tasks of 200 ms took 122-240 ms, the
# second ones 200 (3.13, 2026-12-04).
TICKED = SHARED_GIL and RUSAGE_THREAD is not None and getattr(sys, "_is_gil_enabled", lambda: True)()
SPEED_WINDOW = 0.1
SPEED = threading.local()  # speed: this thread's iterations per CPU second


def ticked_clock():
    """This thread's CPU time as the kernel last accounted it."""
    usage = resource.getrusage(RUSAGE_THREAD)
    return usage.ru_utime + usage.ru_stime


def work(seconds):
    """Python code that runs for `seconds` of this thread's CPU time.

    The thread holds the GIL while it runs; while another thread holds the
    GIL, this one waits, and the step takes longer. Each slice after the
    first is sized at the speed the thread last showed, and the last is cut
    to the CPU time left.
    """
    tally = Tally()
    if FIXED_WORK:
        # The Python code that runs for `seconds` on the build WORK_RATE
        # was measured on; a free-threaded build takes longer over it.
        for i in range(max(1, round(seconds * WORK_RATE))):
            bump(tally, i)
        return tally.total
    if TICKED and WORK_RATE:
        return ticked_work(seconds, tally)
    speed = WORK_RATE
    clock = time.thread_time()
    end = clock + seconds
    while clock < end:
        size = max(1, round(min(SLICE, end - clock) * speed))
        for i in range(size):
            bump(tally, i)
        before, clock = clock, time.thread_time()
        if clock > before:
            speed = size / (clock - before)
    return tally.total


def ticked_work(seconds, tally):
    """work() where the GIL is on: iterations at the thread's speed, which
    each move of the ticked clock SPEED_WINDOW or more after the one that
    opened the window measures again."""
    speed = getattr(SPEED, "speed", WORK_RATE)
    seen = ticked_clock()
    mark = None  # the clock when the window opened, at a move
    count = 0    # iterations since then
    left = seconds
    while left > 0:
        size = max(1, round(min(SLICE, left) * speed))
        for i in range(size):
            bump(tally, i)
        left -= size / speed
        clock = ticked_clock()
        if clock == seen:
            count += size
            continue
        seen = clock
        if mark is None:
            mark, count = clock, 0
        elif clock - mark >= SPEED_WINDOW:
            speed = SPEED.speed = (count + size) / (clock - mark)
            mark, count = clock, 0
        else:
            count += size
    return tally.total


BUFFER = bytes(1 << 20)  # 1 MiB of zeros to hash


def work_released(seconds):
    """C code running for `seconds` of this thread's CPU time, GIL released.

    hashlib releases the GIL while it hashes a large buffer, so other threads
    run Python meanwhile. Each chunk after the first is cut to the CPU time
    left, at the speed the previous chunk showed, so the step does not
    overshoot by a whole megabyte's worth.
    """
    view = memoryview(BUFFER)
    digest = hashlib.sha256()
    size = len(BUFFER)
    clock = time.thread_time()
    end = clock + seconds
    while clock < end:
        digest.update(view[:size])
        before, clock = clock, time.thread_time()
        speed = size / max(clock - before, 1e-6)  # bytes per CPU second
        size = min(len(BUFFER), max(4096, int((end - clock) * speed)))


def run_step(kind, seconds):
    """Runs one step here; returns [kind, start, end, pid, thread, cpu]:
    cpu is the thread's CPU time in the step, which for work says how fast
    the CPU ran it (WORK_RATE was measured on a core to itself). A wait
    returns [kind, start, end, pid, thread]: it does not read the CPU clock,
    which would disturb who gets the GIL (see work) each time it wakes."""
    start = now()
    if kind in ("wait", "wait_blocking"):  # the thread sleeps, GIL released
        time.sleep(seconds)
        return [kind, start, now(), os.getpid(), threading.get_ident()]
    cpu = time.thread_time()
    if kind == "work":
        work(seconds)
    else:  # work_released
        work_released(seconds)
    return [kind, start, now(), os.getpid(), threading.get_ident(),
            time.thread_time() - cpu]


def run_task(index, payload=None):
    """Runs task `index` to its end on this thread; returns what it measured.

    Offloaded steps run in place: only an event loop offloads. A worker
    process gets the task's input as `payload` (pickled on its way) and
    sends back its output with the record.
    """
    start = now()
    steps = []
    run_steps(TASKS[index]["steps"], steps)
    result = {"start": start, "end": now(), "steps": steps}
    if TASKS[index].get("output"):
        result["output"] = data(TASKS[index]["output"])
    RESULTS[index] = result
    return result


def run_steps(steps, records):
    """Runs steps on this thread, appending what each did to records."""
    for step in steps:
        kind = step[0]
        if kind == "use":  # one unit of a resource, given back on every way out
            begin = now()
            with LOCKS[step[1]]:
                records.append(["resource_wait", begin, now(), os.getpid(), threading.get_ident()])
                run_steps(step[2], records)
        elif kind == "gather":
            gather(step[1], records)
        elif kind == "choose":  # the alternative the simulation drew: step[1]
            run_steps(step[2], records)
        else:
            PROGRESS[0] = now()
            records.append(run_step(kind, step[1]))
            PROGRESS[0] = now()


def run_branch(steps):
    """Runs one branch of a gather; returns what its steps did."""
    records = []
    run_steps(steps, records)
    return records


def gather(branches, records):
    """Runs a gather's branches and waits for them all.

    With FANOUT None (sync code, a worker process) they run here, one after
    another. Otherwise each is submitted to FANOUT, a ThreadPoolExecutor:
    the pool that runs the tasks (so a task waiting for its branches holds
    its thread, and a bounded pool whose threads all wait deadlocks) or a
    second one; "thread" starts a thread per branch.
    """
    if FANOUT is None:
        for branch in branches:
            run_steps(branch, records)
        return
    if FANOUT == "thread":
        done = [None] * len(branches)

        def target(number):
            done[number] = run_branch(branches[number])

        threads = [threading.Thread(target=target, args=(number,))
                   for number in range(len(branches))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for branch in done:
            records.extend(branch)
        return
    futures = [FANOUT.submit(run_branch, branch) for branch in branches]
    concurrent.futures.wait(futures)
    for future in futures:
        records.extend(future.result())


def make_locks(shared=None, loop=False):
    """This process's resources, in the workload's order: a lock for a
    capacity of 1, else a bounded semaphore; asyncio's on an event loop
    (made on the running loop), threading's on threads. A resource of
    scope global under worker processes is the one multiprocessing
    primitive in `shared`, the same in every process."""
    locks = []
    for index, resource in enumerate(WORKLOAD["resources"]):
        capacity = resource["capacity"]
        if shared and shared[index] is not None:
            locks.append(shared[index])
        elif loop:
            locks.append(asyncio.Lock() if capacity == 1 else asyncio.Semaphore(capacity))
        else:
            locks.append(threading.Lock() if capacity == 1 else threading.BoundedSemaphore(capacity))
    return locks


def shared_locks(context):
    """One multiprocessing lock or bounded semaphore per resource of scope
    global, None for the others: passed to every worker process."""
    return [(context.Lock() if resource["capacity"] == 1
             else context.BoundedSemaphore(resource["capacity"]))
            if resource["scope"] == "global" else None
            for resource in WORKLOAD["resources"]]


DATA = {}  # size: bytes of that size, made before the clock starts (make_data)


def make_data():
    """Makes the payloads the tasks pickle to and from worker processes,
    one of each size, before the clock starts: a program has its data
    before it sends it, and filling fresh memory with megabytes takes
    milliseconds that are not the pickling's."""
    def sizes(steps):
        for step in steps:
            if step[0] == "gather":
                for branch in step[1]:
                    yield from sizes(branch)
            elif step[0] in ("use", "choose"):
                yield from sizes(step[2])
            elif len(step) > 4:
                yield step[3]
                yield step[4]
    for task in TASKS:
        for size in [task.get("input", 0), task.get("output", 0), *sizes(task["steps"])]:
            if size and size not in DATA:
                DATA[size] = bytes(size)


def freeze():
    """Moves everything made so far, the program's own modules and data,
    out of the cyclic collector's way (gc.freeze): the collections the
    workload's tasks trigger scan the tasks' objects, as in the modelled
    program, not this program's tens of thousands of lists.

    A free-threaded 3.13 makes the functions, code objects and modules it
    has immortal when a program starts its first thread, so that threads
    calling the same functions do not contend on their reference counts
    (gh-117783), but it skips frozen objects. A thread is started first
    here, so that the work of threads running side by side is as fast as
    in a program that does not freeze: frozen first, two threads running
    work() took 2.3 times as long each as one alone."""
    if sysconfig.get_config_var("Py_GIL_DISABLED"):
        started = threading.Thread(target=int)
        started.start()
        started.join()
    gc.freeze()


def data(size):
    """The payload of `size` bytes (make_data)."""
    return DATA[size] if size in DATA else bytes(size)


def payload(index):
    """The bytes pickled to a worker process with task `index`, or None."""
    size = TASKS[index].get("input", 0)
    return data(size) if size else None


def sleep_until(release):
    """Sleeps until `release` seconds after ORIGIN, if still ahead."""
    delay = release - now()
    if delay > 0:
        time.sleep(delay)


def release_order(group=None):
    """The indexes of the tasks released from time 0 (or of group's), by
    release time, file order breaking ties."""
    return sorted((index for index in range(len(TASKS))
                   if group_of(index) == group or group is None and group_of(index) not in AFTER),
                  key=lambda index: TASKS[index]["release"])


# Later phases: a group that is after others (a program that waits for one
# batch of tasks before it starts the next) is released once the last task
# of each of them has finished, its release times counted from then.
AFTER = {int(group): groups for group, groups in WORKLOAD.get("after", {}).items()}
PHASES = {}     # group waited for -> [its tasks yet to finish, event set then, when]
RELEASED = {}   # index -> when a task of a later phase was released
PHASE_LOCK = threading.Lock()


def group_of(index):
    return TASKS[index].get("group", 0)


def start_phases(event):
    """Readies the later phases: an event (threading.Event or asyncio.Event)
    per group that one waits for."""
    for group in {g for groups in AFTER.values() for g in groups}:
        left = sum(1 for index in range(len(TASKS)) if group_of(index) == group)
        PHASES[group] = [left, event(), None]


def task_done(index):
    """Counts task `index` finished: the last of a group that a later
    phase waits for notes when, and sets the group's event."""
    phase = PHASES.get(group_of(index))
    if phase is None:
        return
    with PHASE_LOCK:
        phase[0] -= 1
        last = phase[0] == 0
        if last:
            phase[2] = now()
    if last:
        phase[1].set()


def phase_release(index):
    """When task `index` of a later phase is released, its groups done."""
    at = max(PHASES[group][2] for group in AFTER[group_of(index)]) + TASKS[index]["release"]
    RELEASED[index] = at
    PROGRESS[0] = max(PROGRESS[0], at)  # waiting for a release is no stall
    return at


def run_phase(group, submit):
    """A later phase, on a thread of its own: waits for the groups it is
    after, then submits its tasks at their release times."""
    for after in AFTER[group]:
        PHASES[after][1].wait()
    for index in release_order(group):
        sleep_until(phase_release(index))
        submit(index)


def submit_all(submit):
    """Calls submit(index) for every task at its release time: from this
    thread for those released from time 0, from a thread per later phase
    for the others. Returns a function that waits until all are submitted."""
    start_phases(threading.Event)
    phases = [threading.Thread(target=run_phase, args=(group, submit)) for group in sorted(AFTER)]
    for thread in phases:
        thread.start()
    for index in release_order():
        sleep_until(TASKS[index]["release"])
        submit(index)

    def wait():
        for thread in phases:
            thread.join()
    return wait


def run_model():
    """threads(N): the main thread submits each task to a ThreadPoolExecutor
    of THREADS threads at its release time. Gather branches go to the same
    pool, or to a second one of FANOUT_THREADS threads when there is one."""
    global LOCKS, FANOUT
    LOCKS = make_locks()
    futures = {}
    with concurrent.futures.ThreadPoolExecutor(THREADS) as pool:
        FANOUT = pool
        if FANOUT_THREADS:
            FANOUT = concurrent.futures.ThreadPoolExecutor(FANOUT_THREADS)
        def submit(index):
            futures[index] = pool.submit(run_task, index)
            if AFTER:
                futures[index].add_done_callback(lambda _, index=index: task_done(index))
        submit_all(submit)()
        # Wait inside the with: leaving it shuts the pool down, and a task
        # could then no longer submit its gather's branches.
        results = [futures[index].result() for index in range(len(TASKS))]
    return results, []


def cpu_seconds():
    """CPU time of this process and of its children that have ended."""
    times = os.times()
    return (times.user + times.system
            + times.children_user + times.children_system)


def main():
    global ORIGIN
    if EAGER and sys.version_info < (3, 12):
        sys.exit("asyncio(eager) needs Python 3.12 or newer (asyncio.eager_task_factory); this is Python %d.%d" % sys.version_info[:2])
    sys.setswitchinterval(SWITCH_INTERVAL)
    start_work()
    make_data()
    # The workload's data is this program's, not the modelled program's:
    # out of the cyclic collector's way, its tens of thousands of lists do
    # not slow the collections a tree of gathers triggers.
    freeze()
    cpu = cpu_seconds()
    ORIGIN = time.perf_counter()
    watchdog = threading.Thread(target=watch, args=(cpu,), daemon=True)
    watchdog.start()
    results, workers = run_model()
    report(results, workers, cpu_seconds() - cpu)


def watch(cpu):
    """Ends the program when no step has begun or ended for STALL seconds
    while tasks are left: they wait for each other (a deadlock: two locks
    taken in opposite orders, pool threads that all wait for branches
    queued behind them) and would wait forever. It reports what finished,
    and when the last step began or ended."""
    while True:
        time.sleep(min(STALL / 4, 0.25))
        if now() - PROGRESS[0] > STALL and len(RESULTS) < len(TASKS):
            results = [RESULTS.get(index) for index in range(len(TASKS))]
            report(results, [], cpu_seconds() - cpu, deadlock=PROGRESS[0])
            end_children()
            os._exit(0)  # the deadlocked threads never end


def end_children():
    """Ends the worker processes a deadlock left waiting, and theirs (a
    worker process ends its own when told to: end_worker), so that none
    outlives the program and holds its output open."""
    mp = sys.modules.get("multiprocessing")
    children = mp.active_children() if mp else []
    for child in children:
        child.terminate()
    for child in children:
        child.join(1)
        if child.is_alive():
            child.kill()


def report(results, workers, cpu, deadlock=None):
    """Prints the measurement: one JSON document."""
    tasks = []
    for task, result in zip(TASKS, results):
        if result is None:  # stopped by a deadlock
            result = {"start": RELEASED.get(len(tasks), task["release"]), "end": -1, "steps": []}
        tasks.append({"name": task["name"], "release": RELEASED.get(len(tasks), task["release"]),
                      "start": result["start"], "end": result["end"],
                      "steps": result["steps"]})
    document = {
        "format": "conclab-measurement/1",
        "workload": WORKLOAD["workload"],
        "model": WORKLOAD["model"],
        "python": "%d.%d.%d" % sys.version_info[:3],
        "implementation": sys.implementation.name,
        "cpu_count": os.cpu_count(),
        "switch_interval": sys.getswitchinterval(),
        "work_rate": WORK_RATE,
        "makespan": max([task["end"] for task in tasks], default=0.0),
        "cpu_s": cpu,
        "main": [os.getpid(), threading.get_ident()],
        "workers": workers,
        "tasks": tasks,
    }
    if deadlock is not None:
        document["makespan"] = max(deadlock, document["makespan"])
        document["deadlock"] = {"at": deadlock, "stalled": STALL}
    json.dump(document, sys.stdout, separators=(",", ":"))
    sys.stdout.write("\n")
    sys.stdout.flush()


def run_main_module():
    """What a worker process started with spawn (or forkserver, before
    CPython 3.13.8) does first: multiprocessing runs the program's main
    module again in it, as __mp_main__, so that the functions it names
    exist there. The modelled program's imports and module-level set-up
    take MAIN_MODULE seconds of CPU (the workload's main_module), which
    this one spends in the work loop."""
    end = time.thread_time() + MAIN_MODULE
    while time.thread_time() < end:
        spin(2000)


if __name__ == "__mp_main__" and MAIN_MODULE:
    run_main_module()

if __name__ == "__main__":
    main()
