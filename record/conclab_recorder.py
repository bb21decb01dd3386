"""conclab's recorder: runs a Python program as it always runs, and writes
down what each of its tasks did, step by step, for `conclab record`.

    python3 -c 'import conclab_recorder as r; r.main()' OUT -- prog.py [args...]
    python3 -c 'import conclab_recorder as r; r.main()' OUT -- -m package.module [args...]

(conclab appends this file's directory to sys.path; worker processes
started with spawn get the parent's sys.path, and import it from there to
run a work item.) The program gets its own argv, __main__,
standard streams and exit status. Standard library only, CPython 3.8 and
newer, free-threaded builds included.

A task is a thread, a work item of a thread or process pool, a
multiprocessing.Process, an asyncio task, or the main program's own code. Its steps, in order:

    ["w", ns]            CPU of the thread with the GIL held (thread_time)
    ["r", ns, what, at]  CPU inside C code that releases the GIL (zlib, hashlib, sqlite3)
    ["i", ns, what, at]  a wait: sleep, socket I/O, a query's own waiting
    ["b", ns, what, at]  a blocking wait made while an event loop ran on the thread
    ["g", [ids]]         tasks it started (asyncio children, pool work items)
    ["j", ns, null, at]  it waited for other tasks (gather, join, result())
    ["u", ns, res]       it waited to acquire a resource (a semaphore, a lock)
    ["q", ns, queue, put, at]
                         it took an item from a queue of the program's after
                         waiting ns for it; the item was put at time put
    ["a", res, at]       it acquired the resource
    ["x", res]           it released it
    ["p", ns]            it started a thread or a process (the runtime's cost, predicted)
    ["s", pid, method, at]
                         the process it started at time at (fork, spawn,
                         forkserver) runs a task of the program's (a
                         multiprocessing.Process), which that process records
    ["k", depth, sites]  the main program's call stack changed at this depth: the
                         functions from there down (the first boundary: depth 0)
    ["k", depth, [site], "call"]
    ["k", depth, [], "return"]
                         on CPython 3.12 and newer (sys.monitoring): a function
                         of the main program's stack at an earlier boundary was
                         called anew at this depth, or returned from it; what
                         came before is the caller's

"at" is where in the program the call was made, "file:line(function)": the
innermost frame of the program's own code (not the standard library's, nor
an installed package's when the program's own is further out), the file
relative to the working directory when it is under it; absent when there
is none.

Time a thread spends waiting for the GIL is in none of them: it is what
conclab predicts. Waits shorter than MIN_WAIT beyond the call's own CPU are
CPU, not waits (a recv that found its data ready).
"""

import atexit
import functools
import os
import signal
import sys
import threading
import time
import types

_perf = time.perf_counter_ns
_cpu = time.thread_time_ns
MIN_WAIT = 20000          # ns: less than this beyond a call's own CPU is not a wait
MAX_DEPTH = 8             # frames of the main program's stack compared at boundaries

_t0 = _perf()
_STDLIB = os.path.dirname(os.__file__) + os.sep
_CWD = os.getcwd() + os.sep
_lock = threading.Lock()
_tasks = []               # every task of this process, in order of creation
_resources = {}           # id -> {"kind", "capacity", "site"}
_pools = {}               # id -> {"kind", "workers", "site", "start"}
_queues = {}              # id -> {"kind", "maxsize", "site", "put_wait"}: the program's FIFO and LIFO queues
_loops = [0]              # event loops created
_local = threading.local()
_notes = []               # what the recorder could not follow
_worker = [False]         # this process is a worker of a recorded process pool
_main_module = [None]     # ns of CPU this process spent running the program's main module again
_main_modules = {}        # pid -> _main_module of a recorded pool's worker process, from its items


def _now():
    return _perf() - _t0


def _site(code):
    try:
        return "%s %s:%d" % (code.co_name, code.co_filename, code.co_firstlineno)
    except AttributeError:
        return ""


def _caller_site(skip=2):
    """file:line of the program's code that called into a patched API."""
    f = sys._getframe(skip)
    here = __file__
    while f is not None and (f.f_code.co_filename == here or "/concurrent/" in f.f_code.co_filename
                             or "/asyncio/" in f.f_code.co_filename
                             or "/multiprocessing/" in f.f_code.co_filename
                             or "/threading.py" in f.f_code.co_filename):
        f = f.f_back
    if f is None:
        return ""
    return "%s %s:%d" % (f.f_code.co_name, f.f_code.co_filename, f.f_lineno)


def _fn_site(fn):
    if isinstance(fn, functools.partial):
        if getattr(fn.func, "__name__", "") == "_process_chunk" and fn.args:
            fn = fn.args[0]  # ProcessPoolExecutor.map's chunks of the user's function
        else:
            fn = fn.func
    code = getattr(fn, "__code__", None)
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or type(fn).__name__
    if code is None:
        return name, ""
    return name, "%s:%d" % (code.co_filename, code.co_firstlineno)


_PROGRAM, _PACKAGE, _OTHER = 2, 1, 0
_code_kinds = {}          # code object -> whose code it is (_PROGRAM, _PACKAGE, _OTHER)


def _code_kind(code):
    k = _code_kinds.get(code)
    if k is None:
        name = code.co_filename
        if name == __file__ or name.startswith("<") or _stdlib(name):
            k = _OTHER
        elif "site-packages" in name or "dist-packages" in name:
            k = _PACKAGE
        else:
            k = _PROGRAM
        _code_kinds[code] = k
    return k


_ats = {}                 # (code, line) -> "file:line(function)"


def _at(frame):
    code, line = frame.f_code, frame.f_lineno
    at = _ats.get((code, line))
    if at is None:
        name = code.co_filename
        if name.startswith(_CWD):
            name = name[len(_CWD):]
        at = _ats[(code, line)] = "%s:%d(%s)" % (name, line, code.co_name)
    return at


def _where(f):
    """Where the program is at frame f and out from it: its own innermost
    frame, else an installed package's, as "file:line(function)"; None
    when neither is on the stack."""
    package = None
    kinds = _code_kinds
    while f is not None:
        code = f.f_code
        k = kinds.get(code)
        if k is None:
            k = _code_kind(code)
        if k == _PROGRAM:
            return _at(f)
        if k == _PACKAGE and package is None:
            package = f
        f = f.f_back
    return _at(package) if package is not None else None


def _where_suspended(coro):
    """Where a suspended coroutine waits: the innermost of the program's
    frames along its chain of awaits."""
    found = package = None
    depth = 0
    while coro is not None and depth < 64:
        f = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None)
        if f is not None:
            k = _code_kind(f.f_code)
            if k == _PROGRAM:
                found = f
            elif k == _PACKAGE:
                package = f
        coro = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None)
        depth += 1
    if found is not None:
        return _at(found)
    return _at(package) if package is not None else None


# The functions of asyncio that wait for other tasks: asyncio.wait,
# as_completed's futures, wait_for (3.8-3.11: a task of its coroutine, and a
# waiter), a TaskGroup's end. A suspension inside one of them, or on a task
# itself, is a join; a sleep (also in asyncio/tasks.py) is not.
_JOINS = {("tasks.py", n) for n in ("wait", "_wait", "_wait_for_one", "wait_for")} | \
    {("taskgroups.py", n) for n in ("__aexit__", "_aexit")}


_join_codes = {}          # code object -> it is one of _JOINS


def _joining(awaited, coro):
    """awaited, the future a coroutine yielded to its task, and coro's
    chain of awaits: it waits for other tasks."""
    if isinstance(awaited, sys.modules["asyncio"].Task) or type(awaited).__name__ == "_GatheringFuture":
        return True
    depth = 0
    while coro is not None and depth < 64:
        code = getattr(coro, "cr_code", None) or getattr(coro, "gi_code", None)
        if code is not None:
            j = _join_codes.get(code)
            if j is None:
                f = code.co_filename
                j = _join_codes[code] = (os.path.basename(f), code.co_name) in _JOINS and \
                    os.path.basename(os.path.dirname(f)) == "asyncio" and _stdlib(f)
            if j:
                return True
        coro = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None)
        depth += 1
    return False


class Task(object):
    __slots__ = ("id", "kind", "name", "site", "parent", "start", "end", "steps", "cpu0",
                 "pool", "data_in", "data_out", "suspended", "ready", "sleep", "acquiring",
                 "spawned", "joining", "error", "pid", "thread", "began", "where", "getting", "room", "putting")

    def __init__(self, kind, name, site, parent, pool=None):
        self.kind, self.name, self.site, self.pool = kind, name, site, pool
        self.parent = parent.id if parent is not None else None
        self.start, self.end, self.steps = _now(), None, []
        self.cpu0 = 0
        self.data_in = self.data_out = None
        self.suspended = self.ready = self.sleep = self.acquiring = None
        self.spawned = self.joining = False
        self.error = self.began = self.where = self.getting = None
        self.room, self.putting = 0, None
        self.pid, self.thread = os.getpid(), threading.get_ident()
        with _lock:
            self.id = len(_tasks)
            _tasks.append(self)
        if parent is not None:
            parent.add_child(self.id)

    def add(self, kind, value, what=None, at=None):
        if kind in ("w", "r", "i", "b", "j", "p") and value <= 0:
            return
        last = self.steps[-1] if self.steps else None
        if last is not None and last[0] == kind and kind in ("w", "r", "i", "b", "j", "p") and \
                (kind in ("w", "j", "p") or last[2] == what):
            last[1] += value  # one step: where the first call was made
            return
        if at is not None and kind in ("r", "i", "b", "j"):
            self.steps.append([kind, value, what, at])
        elif at is not None and kind == "a":
            self.steps.append([kind, value, at])
        elif kind in ("r", "i", "b", "u"):
            self.steps.append([kind, value, what])
        else:
            self.steps.append([kind, value])

    def add_child(self, child):
        self.spawned = True
        last = self.steps[-1] if self.steps else None
        if last is not None and last[0] == "g":
            last[1].append(child)
        else:
            if _current() is self:
                self.flush()
            self.steps.append(["g", [child]])

    def flush(self, c=None):
        """Records the CPU since the last boundary as GIL-held work."""
        if c is None:
            c = _cpu()
        self.add("w", c - self.cpu0)
        self.cpu0 = c

    def record(self):
        return {"id": self.id, "kind": self.kind, "name": self.name, "site": self.site,
                "parent": self.parent, "start": self.start, "end": self.end, "steps": self.steps,
                "pool": self.pool, "input": self.data_in, "output": self.data_out,
                "error": self.error, "pid": self.pid, "thread": self.thread, "began": self.began}


# ---- which task runs on this thread ---------------------------------------------

def _stack():
    s = getattr(_local, "stack", None)
    if s is None:
        s = _local.stack = []
    return s


def _current():
    s = _stack()
    return s[-1] if s else None


def _enter(task):
    """task runs on this thread from now on, above the one that did."""
    if task.began is None:
        task.began = _now()
    s = _stack()
    if s and s[-1] is not None:
        s[-1].flush()
    s.append(task)
    task.cpu0 = _cpu()


def _leave(task, end=True):
    task.flush()
    s = _stack()
    if s and s[-1] is task:
        s.pop()
    if s and s[-1] is not None:
        s[-1].cpu0 = _cpu()
    if end:
        task.end = _now()


def _loop_running():
    ev = sys.modules.get("asyncio.events")
    return ev is not None and ev._get_running_loop() is not None


# ---- the main program's units: which call of which function a step is in ----------

_main_frames = [None]     # the frames of the last boundary, outermost first
_main_base = [None]       # the file of the program's __main__ module


def _mark_stack(task):
    """At a boundary of the main program's own steps, notes how deep its
    call stack changed since the last one: a new call of the function
    that handles one item is where one unit of work ends and the next
    begins."""
    if task.kind != "main" or _main_base[0] is None:
        return
    chain = []
    f = sys._getframe(2)
    while f is not None:
        chain.append(f)
        if f.f_code.co_name == "<module>" and f.f_code.co_filename == _main_base[0]:
            break
        f = f.f_back
    else:
        return
    chain.reverse()
    chain = [c for c in chain if c.f_code.co_filename != __file__]
    # The program's innermost frame and the call it made into a library
    # (urlopen, a pool's submit): what runs inside that call is no
    # function of the program's, and a pool that starts its workers on
    # its first submits (forkserver, spawn: through the forkserver's
    # socket) would otherwise look like a program calling submit per item.
    last = 0
    for i, c in enumerate(chain):
        if _code_kind(c.f_code) != _OTHER:
            last = i
    chain = chain[:min(last + 2, MAX_DEPTH)]
    prev = _main_frames[0]
    depth = 0
    while prev is not None and depth < len(chain) and depth < len(prev) and chain[depth] is prev[depth]:
        depth += 1
    _main_frames[0] = chain
    if prev is None or depth < len(chain) or len(chain) < len(prev):
        task.steps.append(["k", depth, [_site(c.f_code) for c in chain[depth:]]])
        if _mon_tool[0] is not None:
            for c in chain[depth:]:
                _watch(c.f_code)


# ---- where the main program's calls begin and end (CPython 3.12+) ------------------
#
# A boundary says which calls the main program is in, not when a call that
# handles one item began or ended: the CPU between one call's last boundary
# and the next one's first would go to the next call, and a function that
# fetches and then computes would be recorded computing and then fetching.
# sys.monitoring reports the calls and returns of chosen code objects alone
# at little cost: those of the functions seen on the main program's stack
# at a boundary are watched, and each call or return of one that the
# stack of the last boundary holds is a mark of its own.

_MON = getattr(sys, "monitoring", None)
_mon_tool = [None]
_watched = {}             # code -> [events seen, events that marked]
_NOT_PLAIN = 0x20 | 0x80 | 0x100 | 0x200   # generators and coroutines resume, not call


def _monitor():
    if _MON is None or _mon_tool[0] is not None:
        return
    # Ids 3 and 4 are named for no kind of tool (0 debuggers, 1 coverage,
    # 2 profilers, 5 optimizers): a program's own profiler keeps its own.
    for tool in (3, 4):
        try:
            _MON.use_tool_id(tool, "conclab")
        except ValueError:
            continue
        _MON.register_callback(tool, _MON.events.PY_START, _called)
        _MON.register_callback(tool, _MON.events.PY_RETURN, _returned)
        _mon_tool[0] = tool
        return


def _watch(code):
    """Watches the calls and returns of one of the program's own functions
    (not the standard library's, nor an installed package's, whose
    helpers a call may make many times over)."""
    if code in _watched or code.co_flags & _NOT_PLAIN or code.co_name == "<module>":
        return
    f = code.co_filename
    if f.startswith("<") or _stdlib(f) or "site-packages" in f or "dist-packages" in f:
        _watched[code] = None
        return
    _watched[code] = [0, 0]
    try:
        _MON.set_local_events(_mon_tool[0], code, _MON.events.PY_START | _MON.events.PY_RETURN)
    except (ValueError, TypeError):
        pass


def _seen(code, marked):
    """Counts an event of a watched code; a code that is called often
    without a mark (a helper that waits once in a while) stops being
    watched where it fired."""
    n = _watched.get(code)
    if n is None:
        return None  # not watched (set_local_events is per code, never per frame)
    n[0] += 1
    if marked:
        n[1] += 1
    elif n[0] > 10000 and n[1] * 100 < n[0]:
        return _MON.DISABLE
    return None


def _called(code, offset):
    task = _current()
    chain = _main_frames[0]
    if task is None or task.kind != "main" or not chain:
        return _seen(code, False)
    f = sys._getframe(1)
    parent = f.f_back
    k = len(chain) - 1
    while k >= 0 and chain[k] is not parent:
        k -= 1
    if k < 0 or k + 1 >= MAX_DEPTH:
        return _seen(code, False)
    task.flush()
    _main_frames[0] = chain[:k + 1] + [f]
    task.steps.append(["k", k + 1, [_site(code)], "call"])
    return _seen(code, True)


def _returned(code, offset, value):
    task = _current()
    chain = _main_frames[0]
    if task is None or task.kind != "main" or not chain:
        return _seen(code, False)
    f = sys._getframe(1)
    k = len(chain) - 1
    while k >= 0 and chain[k] is not f:
        k -= 1
    if k < 0:
        return _seen(code, False)
    task.flush()
    _main_frames[0] = chain[:k]
    task.steps.append(["k", k, [], "return"])
    return _seen(code, True)


# ---- waits and C code ------------------------------------------------------------

def _timed(what, fn, released=False, asked=None):
    """fn, recorded as a boundary of the current task: the CPU inside it
    (GIL-held, or released for C code that drops the GIL) and its wait.
    Under threads, the wall time of a call that released the GIL includes
    waiting to take it back: that is not the program's, so C code that
    computes records no wait, and a sleep records what it asked for
    (asked(args) ns) when it took longer."""
    @functools.wraps(fn)
    def call(*args, **kwargs):
        task = _current()
        if task is None:
            return fn(*args, **kwargs)
        # The thread's CPU clock is a system call here (about 10 µs on a
        # VM): read it twice per call, not three times.
        c0 = _cpu()
        task.flush(c0)
        if task.kind == "main":
            _mark_stack(task)  # the recorder's own CPU: no step's
        at = _where(sys._getframe(1))
        if task.kind == "main":
            c0 = _cpu()
        w0 = _perf()
        try:
            return fn(*args, **kwargs)
        finally:
            w1, c1 = _perf(), _cpu()
            inside = c1 - c0
            task.add("r" if released else "w", inside, what if released else None, at)
            wait = (w1 - w0) - inside
            if asked is not None:
                try:
                    wait = min(wait, asked(args, kwargs))
                except Exception:
                    pass
            if wait >= MIN_WAIT and not released:
                task.add("b" if _loop_running() else "i", wait, what, at)
            task.cpu0 = c1
    return call


def _sleep_ns(args, kwargs):
    secs = args[0] if args else kwargs.get("secs", 0)
    return int(max(0.0, float(secs)) * 1e9)


def _joined(fn):
    """fn waits for other tasks (join, result, wait): a join step."""
    @functools.wraps(fn)
    def call(*args, **kwargs):
        task = _current()
        if task is None:
            return fn(*args, **kwargs)
        task.flush()
        at = _where(sys._getframe(1))
        w0 = _perf()
        try:
            return fn(*args, **kwargs)
        finally:
            task.add("j", _perf() - w0, None, at)
            task.cpu0 = _cpu()
    return call


def _started(start, obj):
    """start() of a thread or process: its cost is the runtime's, which
    conclab predicts; the caller's step marks it and goes on. What start()
    waits for inside (the new thread's start-up) is part of it."""
    task = _current()
    if task is None:
        return start(obj)
    task.flush()
    stack = _stack()
    stack.append(None)
    w0 = _perf()
    try:
        return start(obj)
    finally:
        if stack and stack[-1] is None:
            stack.pop()
        task.add("p", _perf() - w0)
        task.cpu0 = _cpu()


def _patch(obj, name, wrap):
    orig = getattr(obj, name, None)
    if orig is None or getattr(orig, "_conclab", False):
        return
    new = wrap(orig)
    new._conclab = True
    setattr(obj, name, new)


def _patch_socket(socket):
    # Reads, connects and accepts wait for the other side; writes go to
    # the kernel's buffers and return (what they take beyond their CPU is
    # mostly taking the GIL back, not the program's).
    for name in ("connect", "connect_ex", "accept", "recv", "recv_into", "recvfrom",
                 "recvfrom_into"):
        _patch(socket.socket, name, lambda f, n=name: _timed("socket." + n, f))
    for name in ("send", "sendall", "sendto"):
        _patch(socket.socket, name, lambda f, n=name: _timed("socket." + n, f, released=True))


def _patch_subprocess(subprocess):
    _patch(subprocess.Popen, "wait", lambda f: _timed("subprocess", f))
    _patch(subprocess.Popen, "communicate", lambda f: _timed("subprocess", f))


def _patch_released(names):
    def patch(m):
        for name in names:
            _patch(m, name, lambda f, n=m.__name__ + "." + name: _timed(n, f, released=True))
    return patch


_SERVERS = ("gunicorn.",)  # servers whose requests are the tasks, not their pools' items

_GIL_MIN = 2048  # hashlib and zlib hold the GIL for less data than this


class _Hash(object):
    """A hashlib object whose update() of a large buffer, which releases
    the GIL, is recorded as such."""
    __slots__ = ("_h",)

    def __init__(self, h):
        self._h = h

    def update(self, data):
        task = _current()
        if task is None or len(data) < _GIL_MIN:
            return self._h.update(data)
        return _timed_update(self._h.update, data)

    def copy(self):
        return _Hash(self._h.copy())

    def __getattr__(self, name):
        return getattr(self._h, name)

    def __repr__(self):
        return repr(self._h)


_timed_update = None


def _patch_hashlib(hashlib):
    global _timed_update
    _timed_update = _timed("hashlib.update", lambda f, d: f(d), released=True)
    names = ("md5", "sha1", "sha224", "sha256", "sha384", "sha512", "blake2b", "blake2s",
             "sha3_256", "sha3_512", "new")
    for name in names:
        orig = getattr(hashlib, name, None)
        if orig is None or getattr(orig, "_conclab", False):
            continue
        timed = _timed("hashlib." + name, orig, released=True)

        def make(*args, __orig=orig, __timed=timed, **kwargs):
            # Hashing the data given at once is C code without the GIL;
            # the object's later updates are recorded by _Hash.
            if _current() is None:
                return __orig(*args, **kwargs)
            f = sys._getframe(1)
            if _stdlib(f.f_code.co_filename):
                return __orig(*args, **kwargs)  # hmac, random…: not the program's own
            return _Hash(__timed(*args, **kwargs))
        make._conclab = True
        make.__name__ = name
        setattr(hashlib, name, make)
    for name in ("pbkdf2_hmac", "scrypt"):
        _patch(hashlib, name, lambda f, n=name: _timed("hashlib." + n, f, released=True))


def _patch_futures_base(cfb):
    _patch(cfb.Future, "result", _joined)
    _patch(cfb.Future, "exception", _joined)
    _patch(cfb, "wait", _joined)


# ---- queues: the items a program's tasks take from them ----------------------------
#
# A queue of the program's (not the standard library's own) keeps, beside
# its items, when each was put: _put and _get are the queue's own storage
# methods, called with its lock held, so the times stay in the items'
# order. A task that takes an item records the wait and when the item was
# put ("q"): conclab makes each item a task of its own, released then.
# A put that waited for room in a bounded queue is stamped when it was
# called, less the time the same producer waited for room before: when
# the item would have been put had there been room. The bound holds the
# producer back only while the consumers have a backlog, so the consumers
# run alike either way, and under a model with more of them (or faster
# ones) the items come as fast as the producer made them.

def _queue_made(q, kind, maxsize):
    f = sys._getframe(2)
    while f is not None and f.f_code.co_filename == __file__:
        f = f.f_back
    if f is None or _stdlib(f.f_code.co_filename):
        return  # a pool's, a server's: not the program's
    with _lock:
        _queues[id(q)] = {"kind": kind, "maxsize": maxsize, "site": _caller_site(3), "put_wait": 0}


def _stamped(cls, order):
    """cls's own _put and _get, keeping when each item was put. order says
    which put's time an item leaving is given: "fifo" the oldest kept,
    "lifo" the newest, "item" its own (a priority queue hands its items out
    by priority, so the times are kept by the item's identity: an item
    stays alive while it is queued)."""
    put, get = cls.__dict__["_put"], cls.__dict__["_get"]
    if getattr(put, "_conclab", False):
        return

    def _put(self, item):
        put(self, item)
        if id(self) in _queues:
            times = self.__dict__.get("_conclab_times")
            if times is None:
                import collections
                times = self._conclab_times = {} if order == "item" else collections.deque()
            task = _current()
            at = task.putting if task is not None and task.putting is not None else _now()
            if order == "item":
                times.setdefault(id(item), []).append(at)
            else:
                times.append(at)

    def _get(self):
        item = get(self)
        times = self.__dict__.get("_conclab_times")
        if not times:
            return item
        if order == "item":
            at = times.get(id(item))
            if at:
                _local.put = (id(self), at.pop(0))
                if not at:
                    del times[id(item)]
        else:
            _local.put = (id(self), times.pop() if order == "lifo" else times.popleft())
        return item
    _put._conclab = _get._conclab = True
    cls._put, cls._get = _put, _get


def _queue_init(cls, module):
    init = cls.__init__
    if getattr(init, "_conclab", False):
        return

    def __init__(self, maxsize=0, *args, **kwargs):
        init(self, maxsize, *args, **kwargs)
        _queue_made(self, module + "." + type(self).__name__, maxsize)
    __init__._conclab = True
    cls.__init__ = __init__


def _taken(get):
    """Queue.get: an item taken from a queue of the program's is a "q"
    step; from any other queue, a wait for another task."""
    @functools.wraps(get)
    def call(self, *args, **kwargs):
        task = _current()
        if task is None:
            return get(self, *args, **kwargs)
        task.flush()
        at = _where(sys._getframe(1))
        _local.put = None
        w0 = _perf()
        try:
            return get(self, *args, **kwargs)
        finally:
            wait = _perf() - w0
            put, _local.put = _local.put, None
            if put is not None and put[0] == id(self):
                task.steps.append(["q", wait, put[0], put[1], at])
            else:
                task.add("j", wait, None, at)
            task.cpu0 = _cpu()
    return call


def _room(put):
    """Queue.put of a bounded queue of the program's: the time it waited
    for room is the queue's (put_wait), no step of the task's: its items
    are tasks of their own, and waiting for them is what conclab predicts.
    The item is stamped with when the put was called on the producer's
    time without its waits for room (task.room)."""
    @functools.wraps(put)
    def call(self, *args, **kwargs):
        q = _queues.get(id(self))
        task = _current()
        if q is None or task is None or not q["maxsize"] or q["maxsize"] <= 0:
            return put(self, *args, **kwargs)
        task.flush()
        w0, c0 = _perf(), task.cpu0
        task.putting = w0 - _t0 - task.room
        try:
            return put(self, *args, **kwargs)
        finally:
            c1 = _cpu()
            wait = (_perf() - w0) - (c1 - c0)
            task.putting = None
            if wait >= MIN_WAIT:
                q["put_wait"] += wait
                task.room += wait
            task.cpu0 = c1
    return call


def _drained(join):
    """Queue.join of a queue of the program's: waiting for its items,
    which are tasks of their own: no step."""
    @functools.wraps(join)
    def call(self, *args, **kwargs):
        task = _current()
        if task is None or id(self) not in _queues:
            return join(self, *args, **kwargs)
        task.flush()
        try:
            return join(self, *args, **kwargs)
        finally:
            task.cpu0 = _cpu()
    return call


def _patch_simple_queue(queue):
    """queue.SimpleQueue is C code, whose methods cannot be wrapped: the
    program gets a subclass whose queues carry, with each item, when it
    was put. A SimpleQueue the standard library makes (a
    ThreadPoolExecutor's, a multiprocessing pool's) is the plain one."""
    base = getattr(queue, "SimpleQueue", None)
    if base is None or getattr(base, "_conclab", False):
        return

    class SimpleQueue(base):
        __doc__ = base.__doc__

        def __new__(cls, *args, **kwargs):
            f = sys._getframe(1)
            while f is not None and f.f_code.co_filename == __file__:
                f = f.f_back
            if cls is SimpleQueue and (f is None or _stdlib(f.f_code.co_filename)):
                return base()
            q = base.__new__(cls, *args, **kwargs)
            _queue_made(q, "queue.SimpleQueue", 0)
            return q

        def put(self, item, block=True, timeout=None):
            base.put(self, (_now(), item), block, timeout)

        def put_nowait(self, item):
            base.put(self, (_now(), item))

        def get(self, block=True, timeout=None):
            task = _current()
            if task is None:
                return base.get(self, block, timeout)[1]
            task.flush()
            at = _where(sys._getframe(1))
            w0 = _perf()
            try:
                put, item = base.get(self, block, timeout)
            except BaseException:  # Empty after its timeout
                task.add("j", _perf() - w0, None, at)
                task.cpu0 = _cpu()
                raise
            if id(self) in _queues:
                task.steps.append(["q", _perf() - w0, id(self), put, at])
            else:
                task.add("j", _perf() - w0, None, at)
            task.cpu0 = _cpu()
            return item

        def get_nowait(self):
            return self.get(False)

    SimpleQueue.__module__ = base.__module__ if base.__module__ != "_queue" else "queue"
    SimpleQueue._conclab = True
    queue.SimpleQueue = SimpleQueue


def _patch_queue(queue):
    _patch(queue.Queue, "get", _taken)
    _patch(queue.Queue, "put", _room)
    _patch(queue.Queue, "join", lambda f: _drained(_joined(f)))
    _queue_init(queue.Queue, "queue")
    _stamped(queue.Queue, "fifo")
    _stamped(queue.LifoQueue, "lifo")
    _stamped(queue.PriorityQueue, "item")
    _patch_simple_queue(queue)


def _patch_asyncio_queues(queues):
    _queue_init(queues.Queue, "asyncio")
    _stamped(queues.Queue, "fifo")
    _stamped(queues.LifoQueue, "lifo")
    _stamped(queues.PriorityQueue, "item")
    get = queues.Queue.get
    if getattr(get, "_conclab", False):
        return

    async def get_(self):
        task = _current()
        if task is None or task.kind not in ("async", "request") or id(self) not in _queues:
            return await get(self)
        task.flush()
        at = _where(sys._getframe(1))
        task.getting = True  # its suspension is this wait, not an await of its own
        w0 = _perf()
        try:
            item = await get(self)
        finally:
            task.getting = None
        put, _local.put = getattr(_local, "put", None), None
        task.flush()
        if put is not None and put[0] == id(self):
            task.steps.append(["q", _perf() - w0, put[0], put[1], at])
        return item
    get_._conclab = True
    queues.Queue.get = get_

    put, join = queues.Queue.put, queues.Queue.join

    async def put_(self, item):
        task = _current()
        q = _queues.get(id(self))
        if task is None or task.kind not in ("async", "request") or q is None or not q["maxsize"] or q["maxsize"] <= 0:
            return await put(self, item)
        task.flush()
        task.getting = True  # waiting for room: the queue's, no step of the task's
        w0 = _now()
        task.putting = w0 - task.room
        try:
            return await put(self, item)
        finally:
            task.getting = task.putting = None
            wait = _now() - w0
            if wait >= MIN_WAIT:
                q["put_wait"] += wait
                task.room += wait

    async def join_(self):
        task = _current()
        if task is None or task.kind not in ("async", "request") or id(self) not in _queues:
            return await join(self)
        task.flush()
        task.getting = True  # waiting for the items, tasks of their own: no step
        try:
            return await join(self)
        finally:
            task.getting = None
    for name, f in (("put", put_), ("join", join_)):
        f._conclab = True
        setattr(queues.Queue, name, f)


def _patch_sqlite(sqlite3):
    # sqlite3 releases the GIL around the library's calls: opening,
    # running and stepping statements, committing, closing.
    timed = ("execute", "executemany", "executescript", "fetchone", "fetchmany", "fetchall", "commit",
             "close")

    class Cursor(sqlite3.Cursor):
        pass

    class Connection(sqlite3.Connection):
        def cursor(self, factory=Cursor):
            return sqlite3.Connection.cursor(self, factory)

        # Connection.execute makes its cursor in C from 3.10 on, not by
        # self.cursor(): a base Cursor, whose fetches would count as
        # Python code. What the documentation says it does, done here,
        # gives the recorder's Cursor (a GROUP BY's fetchall is 2.6 ms
        # of sqlite's sorting with the GIL released).
        def execute(self, *args):
            return self.cursor().execute(*args)

        def executemany(self, *args):
            return self.cursor().executemany(*args)

        def executescript(self, *args):
            return self.cursor().executescript(*args)

    for name in timed:
        f = getattr(sqlite3.Cursor, name, None)
        if f is not None:
            setattr(Cursor, name, _timed("sqlite3." + name, f, released=True))
    for name in ("commit", "rollback", "close"):
        setattr(Connection, name, _timed("sqlite3." + name, getattr(sqlite3.Connection, name), released=True))
    orig = sqlite3.connect

    def opened(*args, **kwargs):
        if "factory" not in kwargs and len(args) < 6:
            kwargs["factory"] = Connection
        return orig(*args, **kwargs)
    connect = functools.wraps(orig)(_timed("sqlite3.connect", opened, released=True))
    connect._conclab = True
    sqlite3.connect = connect


# ---- resources: semaphores and locks the program queues for -------------------------

def _stdlib(filename):
    """filename is the standard library's, or a server's that runs the
    program (gunicorn): its threads, locks and pools are not the program's."""
    if filename.startswith(_STDLIB) and "site-packages" not in filename and "dist-packages" not in filename:
        return True
    return "/gunicorn/" in filename or "/uvicorn/" in filename


def _resource(obj, kind, capacity):
    f = sys._getframe(2)
    while f is not None and f.f_code.co_filename == __file__:
        f = f.f_back
    if f is None or _stdlib(f.f_code.co_filename):
        return  # a pool's own semaphores, a queue's locks: not the program's
    with _lock:
        _resources[id(obj)] = {"kind": kind, "capacity": capacity, "site": _caller_site(3)}


def _patch_threading(threading):
    _patch_lock(threading)
    _patch(threading.Thread, "join", _joined)
    _patch(threading.Event, "wait", _joined)
    _patch(threading.Barrier, "wait", _joined)
    for cls, kind in ((threading.Semaphore, "threading.Semaphore"),
                      (threading.BoundedSemaphore, "threading.BoundedSemaphore")):
        _patch_semaphore(cls, kind)


def _acquired(res, acquire, *args):
    """acquire(*args) of resource res by the current task, if any: the
    wait to get it ("u", which conclab predicts) and the holding ("a")."""
    task = _current()
    if task is None:
        return acquire(*args)
    task.flush()
    at = _where(sys._getframe(2))
    w0 = _perf()
    got = acquire(*args)
    if got is not False:
        task.add("u", _perf() - w0, res)
        task.add("a", res, None, at)
    task.cpu0 = _cpu()
    return got


def _released(res):
    """The current task, if any, lets resource res go."""
    task = _current()
    if task is not None:
        task.flush()
        task.add("x", res)


class _Lock(object):
    """A threading.Lock() of the program's: a resource of capacity 1, whose
    waits are what conclab predicts."""
    __slots__ = ("_lock", "__weakref__")

    def __init__(self, lock):
        self._lock = lock

    def acquire(self, blocking=True, timeout=-1):
        return _acquired(id(self), self._lock.acquire, blocking, timeout)

    __enter__ = acquire

    def release(self):
        _released(id(self))
        self._lock.release()

    def __exit__(self, *args):
        self.release()

    def locked(self):
        return self._lock.locked()

    def _at_fork_reinit(self):
        self._lock._at_fork_reinit()

    def __repr__(self):
        return repr(self._lock)


class _RLock(_Lock):
    """A threading.RLock() of the program's: taken again by the thread that
    holds it, it is still one use."""
    __slots__ = ("_depth",)

    def __init__(self, lock):
        _Lock.__init__(self, lock)
        self._depth = threading.local()

    def acquire(self, blocking=True, timeout=-1):
        depth = getattr(self._depth, "n", 0)
        if depth:
            got = self._lock.acquire(blocking, timeout)
            if got:
                self._depth.n = depth + 1
            return got
        got = _Lock.acquire(self, blocking, timeout)
        if got:
            self._depth.n = 1
        return got

    __enter__ = acquire

    def release(self):
        depth = getattr(self._depth, "n", 0)
        if depth > 1:
            self._depth.n = depth - 1
            self._lock.release()
            return
        self._depth.n = 0
        _Lock.release(self)

    # What threading.Condition uses of an RLock: all of it let go in
    # wait(), taken back after.
    def _is_owned(self):
        return self._lock._is_owned()

    def _release_save(self):
        _released(id(self))
        self._depth.n = 0
        return self._lock._release_save()

    def _acquire_restore(self, state):
        _acquired(id(self), self._lock._acquire_restore, state)
        self._depth.n = state[0] if isinstance(state, tuple) else 1


def _program_lock(allocate, wrap, kind):
    """A factory of threading's locks: the program's are resources."""
    def make(*args, **kwargs):
        f = sys._getframe(1)
        if f.f_code.co_filename == __file__ or _stdlib(f.f_code.co_filename):
            return allocate(*args, **kwargs)  # a queue's, a condition's: not the program's
        lock = wrap(allocate(*args, **kwargs))
        with _lock:
            _resources[id(lock)] = {"kind": kind, "capacity": 1,
                                    "site": "%s %s:%d" % (f.f_code.co_name, f.f_code.co_filename, f.f_lineno)}
        return lock
    make._conclab = True
    return make


def _patch_lock(threading):
    if getattr(threading.Lock, "_conclab", False):
        return
    threading.Lock = _program_lock(threading.Lock, _Lock, "threading.Lock")
    threading.RLock = _program_lock(threading.RLock, _RLock, "threading.RLock")


def _patch_semaphore(cls, kind):
    init, acquire, release = cls.__init__, cls.acquire, cls.release
    if getattr(init, "_conclab", False):
        return

    def __init__(self, value=1, *args, **kwargs):
        init(self, value, *args, **kwargs)
        _resource(self, kind, value)

    def acquire_(self, blocking=True, timeout=None):
        task = _current()
        if task is None or id(self) not in _resources:
            return acquire(self, blocking, timeout)
        return _acquired(id(self), acquire, self, blocking, timeout)

    def release_(self, *args, **kwargs):
        if id(self) in _resources:
            _released(id(self))
        return release(self, *args, **kwargs)
    for name, f in (("__init__", __init__), ("acquire", acquire_), ("release", release_)):
        f._conclab = True
        setattr(cls, name, f)
    cls.__enter__ = acquire_


# ---- threads and thread pools --------------------------------------------------------

def _patch_threads(threading):
    boot = threading.Thread._bootstrap_inner

    def _bootstrap_inner(self):
        task = getattr(self, "_conclab_task", None)
        if task is None:
            return boot(self)
        _enter(task)
        try:
            return boot(self)
        finally:
            _leave(task)
    _bootstrap_inner._conclab = True
    threading.Thread._bootstrap_inner = _bootstrap_inner

    start = threading.Thread.start

    def start_(self):
        target = getattr(self, "_target", None)
        code = getattr(target, "__code__", None) if target is not None else getattr(type(self).run, "__code__", None)
        # A pool's worker threads are not tasks (their work items are),
        # nor are the standard library's own.
        if code is not None and not _stdlib(code.co_filename):
            name, site = _fn_site(target) if target is not None else (type(self).__name__, _fn_site(type(self).run)[1])
            self._conclab_task = Task("thread", name, site, _current())
        return _started(start, self)
    start_._conclab = True
    threading.Thread.start = start_


def _patch_thread_pool(cf):
    init = cf.ThreadPoolExecutor.__init__

    def __init__(self, *args, **kwargs):
        init(self, *args, **kwargs)
        # An event loop's default executor, made by run_in_executor(None, ...).
        caller = sys._getframe(1).f_code
        default = caller.co_name == "run_in_executor" and _stdlib(caller.co_filename)
        with _lock:
            _pools[id(self)] = {"kind": "threads", "workers": self._max_workers,
                                "site": _caller_site(2), "class": "ThreadPoolExecutor", "default": default}
    __init__._conclab = True
    cf.ThreadPoolExecutor.__init__ = __init__
    submit = cf.ThreadPoolExecutor.submit

    def submit_(self, fn, *args, **kwargs):
        parent = _current()
        if (getattr(fn, "__module__", "") or "").startswith(_SERVERS):
            return submit(self, fn, *args, **kwargs)  # a server's handler: its requests are the tasks
        name, site = _fn_site(fn)
        task = Task("pool", name, site, parent, pool=id(self))
        if parent is not None:
            parent.cpu0 = _cpu()
        return submit(self, _run_item, task, fn, args, kwargs)
    submit_._conclab = True
    cf.ThreadPoolExecutor.submit = submit_


# ---- servers: each request a task ------------------------------------------------------

def _route(handler):
    """A request's route, for its group: the method and the path without
    its query, numbers in it replaced (/r/12 and /r/13 are one route)."""
    path = (getattr(handler, "path", "") or "").split("?", 1)[0]
    parts = ["N" if p.isdigit() else p for p in path.split("/") if p]
    return "%s /%s" % (getattr(handler, "command", "") or "?", "/".join(parts[:3]))


def _patch_http_server(hs):
    """http.server and wsgiref.simple_server: a request is a task from the
    moment its request line has been read (not while the server waits for
    it) to the end of its answer."""
    parse = hs.BaseHTTPRequestHandler.parse_request

    def parse_request(self):
        ok = parse(self)
        if ok and getattr(self, "_conclab_task", None) is None:
            task = Task("request", _route(self), "", None)
            arrived = _arrivals.pop(id(self.request), None)
            if arrived is not None:
                task.start = arrived
            self._conclab_task = task
            _enter(task)
        return ok
    parse_request._conclab = True
    hs.BaseHTTPRequestHandler.parse_request = parse_request
    _patch(hs.BaseHTTPRequestHandler, "handle_one_request", _ends_request)


def _ends_request(handle):
    @functools.wraps(handle)
    def call(self, *args, **kwargs):
        try:
            return handle(self, *args, **kwargs)
        finally:
            task = getattr(self, "_conclab_task", None)
            if task is not None:
                self._conclab_task = None
                _leave(task)
    return call


_arrivals = {}  # id(connection) -> when the server accepted it


def _patch_socketserver(ss):
    """The moment a server accepts a connection is when its first request
    arrived: stamped before a thread (or a fork) is made to handle it."""
    for cls in (ss.BaseServer, ss.ThreadingMixIn, getattr(ss, "ForkingMixIn", None)):
        process = getattr(cls, "process_request", None)
        if process is None or getattr(process, "_conclab", False):
            continue

        def process_request(self, request, client_address, __process=process):
            _arrivals[id(request)] = _now()
            return __process(self, request, client_address)
        process_request._conclab = True
        cls.process_request = process_request


def _request_of(args):
    """The request among a server's handler arguments: what has a method
    and a path (gunicorn's Request)."""
    for a in args:
        if hasattr(a, "method") and hasattr(a, "path"):
            return a
    return None


def _gunicorn_request(handle_request):
    """A gunicorn worker's handle_request: a request is a task from its
    connection's acceptance (or, kept alive, its next request's arrival)
    to its answer's end, with the CPU its worker spent on it before the
    handler ran: accepting it, reading and parsing its headers."""
    @functools.wraps(handle_request)
    def call(self, *args, **kwargs):
        req = _request_of(args)
        if req is None:
            return handle_request(self, *args, **kwargs)
        route = _route(type("R", (), {"command": req.method, "path": req.path})())
        task = Task("request", route, "", None)
        began = getattr(_local, "conn", None)
        _local.conn = None
        _enter(task)
        accepted = None
        if began is not None:
            task.start, task.cpu0, accepted = began
            if accepted is not None:
                task.start = accepted[0]
        try:
            return handle_request(self, *args, **kwargs)
        finally:
            _leave(task)
            if accepted is not None and accepted[2]:
                # The acceptor thread's CPU, which held this process's
                # GIL: the first of the request's work.
                if task.steps and task.steps[0][0] == "w":
                    task.steps[0][1] += accepted[2]
                else:
                    task.steps.insert(0, ["w", accepted[2]])
    return call


def _gunicorn_conn(handle):
    """A gunicorn worker's handle: where a request's turn on its thread
    begins, before its headers are read and parsed. A sync worker
    accepted the connection on this thread, just before; a gthread
    worker's main thread accepted it and stamped it (_gunicorn_accept)."""
    @functools.wraps(handle)
    def call(self, *args, **kwargs):
        here = getattr(_local, "accepting", None)
        if here is not None:
            _local.conn = (here[0], here[1], None)
        else:
            stamp = getattr(args[0], "_conclab_accepted", None) if args else None
            _local.conn = (_now(), _cpu(), stamp)
        try:
            return handle(self, *args, **kwargs)
        finally:
            _local.conn = None
    return call


def _gunicorn_accept(accept):
    """A gunicorn worker's accept (and a gthread worker's reuse of a
    kept-alive connection): when the request arrived, and the CPU it took
    to hand it on. The stamp is [when, the CPU clock then, the CPU spent],
    the last filled in when the call returns."""
    @functools.wraps(accept)
    def call(self, *args, **kwargs):
        stamp = [_now(), _cpu(), None]
        _local.accepting = stamp
        try:
            return accept(self, *args, **kwargs)
        finally:
            _local.accepting = None
            stamp[2] = _cpu() - stamp[1]
    return call


def _gunicorn_enqueue(enqueue_req):
    """A gthread worker's enqueue_req(conn): the connection carries its
    acceptance's stamp to the pool thread that serves it."""
    @functools.wraps(enqueue_req)
    def call(self, conn, *args, **kwargs):
        stamp = getattr(_local, "accepting", None)
        if stamp is not None:
            try:
                conn._conclab_accepted = stamp
            except AttributeError:
                pass
        return enqueue_req(self, conn, *args, **kwargs)
    return call


def _patch_gunicorn(module):
    for name in ("SyncWorker", "ThreadWorker"):
        cls = getattr(module, name, None)
        if cls is not None:
            _patch(cls, "handle_request", _gunicorn_request)
            _patch(cls, "handle", _gunicorn_conn)
            _patch(cls, "accept", _gunicorn_accept)
    cls = getattr(module, "ThreadWorker", None)
    if cls is not None:
        _patch(cls, "reuse_connection", _gunicorn_accept)
        _patch(cls, "enqueue_req", _gunicorn_enqueue)


def _patch_wsgiref(ss):
    _patch(ss.WSGIRequestHandler, "handle", _ends_request)


# ---- process pools ---------------------------------------------------------------------

def _size(obj):
    """Bytes that pickle would send for obj: exact for bytes and str (the
    common big arguments), else pickled."""
    if isinstance(obj, (bytes, bytearray)):
        return len(obj) + 8
    if isinstance(obj, memoryview):
        return obj.nbytes + 8
    if isinstance(obj, str) and len(obj) > 65536:
        return len(obj.encode("utf-8", "surrogatepass")) + 8
    if isinstance(obj, (list, tuple)) and len(obj) < 64:
        return sum(_size(o) for o in obj) + 4
    import pickle
    try:
        return len(pickle.dumps(obj, pickle.HIGHEST_PROTOCOL))
    except Exception:
        return 0


def _in_worker(fn, args, kwargs, named=None):
    """Runs a work item in a worker process of a recorded pool; returns its
    result and what it did."""
    _worker[0] = True
    _install()
    name, site = named if named is not None else _fn_site(fn)
    task = Task("process", name, site, None)
    saved = getattr(_local, "stack", None)
    _local.stack = []
    _enter(task)
    err = None
    try:
        result = fn(*args, **kwargs)
    except BaseException as e:
        err, result = e, None
        task.error = type(e).__name__
    finally:
        _leave(task)
        _local.stack = saved
        with _lock:
            _tasks.remove(task)
    rec = task.record()
    rec["output"] = _size(result) if err is None else 0
    rec["began"] = task.began + _t0  # the monotonic clock, which every process shares
    rec["main_module"] = _main_module[0]
    return result, err, rec


def _note_main(rec):
    """Keeps what running the main module again cost the worker process
    that ran a work item (rec, _in_worker's), by its pid."""
    if rec.get("main_module") is not None:
        _main_modules[rec["pid"]] = rec["main_module"]


def _process_fn(proc):
    """The program's function a multiprocessing.Process runs (its target,
    or the run() of its class), as (name, site); None for the standard
    library's processes (a pool's workers, a manager, the resource
    tracker)."""
    target = getattr(proc, "_target", None)
    if target is not None:
        code = getattr(target, "__code__", None)
        if code is None or _stdlib(code.co_filename):
            return None
        return _fn_site(target)
    run = type(proc).run
    code = getattr(run, "__code__", None)
    if code is None or _stdlib(code.co_filename):
        return None
    return type(proc).__name__, _fn_site(run)[1]


def _patch_process(mpp):
    """A multiprocessing.Process of the program's is a task that runs in a
    process of its own: the parent's step says which ("s", its pid), and
    the child records the task, which conclab joins to it by that pid."""
    start = mpp.BaseProcess.start

    def start_(self):
        task = _current()
        if task is None or _process_fn(self) is None:
            return start(self)
        at = _now()
        try:
            return _started(start, self)
        finally:
            if self.pid is not None:
                task.steps.append(["s", self.pid, getattr(getattr(self, "_popen", None), "method", ""), at])
    start_._conclab = True
    if not getattr(start, "_conclab", False):
        mpp.BaseProcess.start = start_

    boot = mpp.BaseProcess._bootstrap

    def _bootstrap(self, *args, **kwargs):
        fn = _process_fn(self)
        if fn is None or not _child[0] or _worker[0]:
            return boot(self, *args, **kwargs)
        task = Task("process", fn[0], fn[1], None)
        _local.stack = []
        _enter(task)
        try:
            return boot(self, *args, **kwargs)
        finally:
            _leave(task)
    _bootstrap._conclab = True
    if not getattr(boot, "_conclab", False):
        mpp.BaseProcess._bootstrap = _bootstrap
    _patch(mpp.BaseProcess, "join", _joined)


def _patch_process_pool(cf):
    init = cf.ProcessPoolExecutor.__init__

    def __init__(self, *args, **kwargs):
        init(self, *args, **kwargs)
        ctx = getattr(self, "_mp_context", None)
        start = ctx.get_start_method() if ctx is not None else ""
        with _lock:
            _pools[id(self)] = {"kind": "processes", "workers": self._max_workers,
                                "site": _caller_site(2), "start": start, "class": "ProcessPoolExecutor"}
    __init__._conclab = True
    cf.ProcessPoolExecutor.__init__ = __init__
    submit = cf.ProcessPoolExecutor.submit

    Future = sys.modules["concurrent.futures._base"].Future

    class Outer(Future):
        def cancel(self):
            inner = getattr(self, "_conclab_inner", None)
            if inner is not None:
                inner.cancel()
            return Future.cancel(self)

    def submit_(self, fn, *args, **kwargs):
        parent = _current()
        if parent is not None:
            parent.flush()
        name, site = _fn_site(fn)
        task = Task("process", name, site, parent, pool=id(self))
        task.data_in = _size((fn, args, kwargs))
        inner = submit(self, _in_worker, fn, args, kwargs)
        outer = Outer()
        outer._conclab_inner = inner
        outer.set_running_or_notify_cancel()

        def done(f):
            if f.cancelled():
                task.end = _now()
                outer.cancel()
                return
            try:
                result, err, rec = f.result()
            except BaseException as e:  # the pool broke, or the item did not pickle
                task.end, task.error = _now(), type(e).__name__
                outer.set_exception(e)
                return
            task.steps, task.data_out = rec["steps"], rec["output"]
            task.error, task.pid = rec["error"], rec["pid"]
            task.began = rec["began"] - _t0
            task.end = _now()
            _note_main(rec)
            if err is not None:
                outer.set_exception(err)
            else:
                outer.set_result(result)
        inner.add_done_callback(done)
        if parent is not None:
            parent.cpu0 = _cpu()
        return outer
    submit_._conclab = True
    cf.ProcessPoolExecutor.submit = submit_


_POOL_ITEM = "conclab pool item"
_POOL_ERROR = "conclab pool item error"
_pool_items = {}          # (job, i) -> the Task of a multiprocessing.Pool's work item in flight


class _PoolTasks(object):
    """A multiprocessing pool's queue of work, as its methods put to it:
    each work item the pool will send a worker (one call of apply_async,
    one chunk of map's items) becomes a task, run in the worker by a
    function of the recorder's. The pool's task handler thread reads the
    queue itself, not through this."""

    def __init__(self, mpool, pool, queue, threads):
        self._mpool, self._pool, self._queue, self._threads = mpool, pool, queue, threads

    def put(self, obj, *args, **kwargs):
        if not isinstance(obj, tuple) or len(obj) != 2:
            return self._queue.put(obj, *args, **kwargs)
        taskseq, set_length = obj
        parent = _current()
        if parent is not None:
            parent.flush()
        if set_length is None:
            # apply_async's one item and map's chunks of a list: made now,
            # as the program asked for them.
            taskseq = [self._item(t, parent) for t in taskseq]
        else:
            # imap's items come as the pool's task handler draws them from
            # the program's iterable.
            taskseq = (self._item(t, parent) for t in taskseq)
        try:
            return self._queue.put((taskseq, set_length), *args, **kwargs)
        finally:
            if parent is not None:
                parent.cpu0 = _cpu()

    def _item(self, t, parent):
        job, i, func, args, kwds = t
        mpool = self._mpool
        if func is getattr(mpool, "_helper_reraises_exception", None):
            return t
        fn = func
        if func in (mpool.mapstar, mpool.starmapstar) and args and len(args[0]) == 2:
            fn = args[0][0]  # map's and starmap's chunks of the program's function
        name, site = _fn_site(fn)
        if self._threads:
            task = Task("pool", name, site, parent, pool=id(self._pool))
            return (job, i, _run_item, (task, func, args, kwds), {})
        task = Task("process", name, site, parent, pool=id(self._pool))
        task.data_in = _size((func, args, kwds))
        with _lock:
            _pool_items[(job, i)] = task
        return (job, i, _pool_process_item, (name, site, func, args, kwds), {})

    def __getattr__(self, name):
        return getattr(self._queue, name)


def _run_item(task, func, args, kwds):
    """A thread pool's work item (a ThreadPoolExecutor's, a
    multiprocessing ThreadPool's), on its worker thread."""
    _enter(task)
    try:
        return func(*args, **kwds)
    except BaseException as e:
        task.error = type(e).__name__
        raise
    finally:
        _leave(task)


def _pool_process_item(name, site, func, args, kwds):
    """A work item of a multiprocessing.Pool, in its worker process: the
    result goes back with what the item did. So does an exception it
    raised, as the pool sends one (with its traceback, which holds none of
    the recorder's frames), and _pool_result raises it on the program's
    side."""
    result, err, rec = _in_worker(func, args, kwds, (name, site))
    if err is None:
        return (_POOL_ITEM, result, rec)
    if not isinstance(err, Exception):
        raise err  # the pool's worker lets these end it
    tb = err.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    caller = sys._getframe(1)  # the pool's worker, where the traceback starts without the recorder
    tb = types.TracebackType(tb, caller, caller.f_lasti, caller.f_lineno)
    return (_POOL_ERROR, sys.modules["multiprocessing.pool"].ExceptionWithTraceback(err, tb), rec)


def _pool_result(job, i, obj):
    """A multiprocessing.Pool's result obj ((success, value)) for item i of
    job, as it reaches the program's side: the item's task gets what it
    did, and the pool's result object what the program's function gave."""
    with _lock:
        task = _pool_items.pop((job, i), None)
    if task is None or not isinstance(obj, tuple) or len(obj) != 2:
        return obj
    success, value = obj
    rec = None
    if success and isinstance(value, tuple) and len(value) == 3 and value[0] in (_POOL_ITEM, _POOL_ERROR):
        rec = value[2]
        obj = (value[0] == _POOL_ITEM, value[1])
    if not obj[0]:
        task.error = type(obj[1]).__name__
    if rec is not None:
        task.steps, task.data_out = rec["steps"], rec["output"]
        task.error, task.pid = rec["error"], rec["pid"]
        task.began = rec["began"] - _t0
        _note_main(rec)
    task.end = _now()
    return obj


def _patch_mp_pool(mpool):
    init = mpool.Pool.__init__

    def __init__(self, *args, **kwargs):
        init(self, *args, **kwargs)
        if isinstance(self._taskqueue, _PoolTasks):
            return
        threads = isinstance(self, mpool.ThreadPool)
        with _lock:
            _pools[id(self)] = {
                "kind": "threads" if threads else "processes", "workers": self._processes,
                "site": _caller_site(2), "start": "" if threads else self._ctx.get_start_method(),
                "class": "multiprocessing.pool.ThreadPool" if threads else "multiprocessing.Pool"}
        self._taskqueue = _PoolTasks(mpool, self, self._taskqueue, threads)
    __init__._conclab = True
    mpool.Pool.__init__ = __init__

    def setter(set_):
        def _set(self, i, obj):
            return set_(self, i, _pool_result(self._job, i, obj))
        _set._conclab = True
        return _set
    for cls in (mpool.ApplyResult, mpool.MapResult, mpool.IMapIterator, mpool.IMapUnorderedIterator):
        if "_set" in cls.__dict__:
            _patch(cls, "_set", setter)
    # imap's results: the program waits for the pool's items.
    _patch(mpool.IMapIterator, "next", _joined)
    mpool.IMapIterator.__next__ = mpool.IMapIterator.next


# ---- asyncio -------------------------------------------------------------------------

def _patch_event_loop(be):
    import collections.abc

    def task_class():
        return sys.modules["asyncio.tasks"].Task

    class Recorded(collections.abc.Coroutine):
        """A task's coroutine, timed at each step: CPU while it runs, the
        wait while it is suspended (up to the moment it was ready again,
        or the sleep it asked for)."""
        __slots__ = ("coro", "task", "__weakref__")

        def __init__(self, coro, task):
            self.coro, self.task = coro, task

        def _resume(self):
            t = self.task
            now = _now()
            if t.suspended is not None:
                if t.sleep is not None:
                    wait = t.sleep
                else:
                    wait = (t.ready if t.ready is not None else now) - t.suspended
                if t.acquiring is not None:
                    t.add("u", max(0, (t.ready or now) - t.suspended), t.acquiring)
                elif t.getting:
                    pass  # waiting for a queue's item: the get records it
                elif t.spawned or t.joining:
                    t.add("j", wait, None, t.where)
                else:
                    t.add("i", wait, "await", t.where)
                t.suspended = t.ready = t.sleep = t.where = None
                t.spawned = t.joining = False
            _enter(t)

        def _suspend(self, finished, awaited=None):
            t = self.task
            _leave(t, end=finished)
            if not finished:
                t.where = _where_suspended(self.coro)
                t.joining = _joining(awaited, self.coro)
                t.suspended = _now()

        def send(self, value):
            self._resume()
            try:
                r = self.coro.send(value)
            except BaseException as e:
                if not isinstance(e, StopIteration):
                    self.task.error = type(e).__name__
                self._suspend(True)
                raise
            self._suspend(False, r)
            return r

        def throw(self, *args):
            self._resume()
            try:
                r = self.coro.throw(*args)
            except BaseException as e:
                if not isinstance(e, StopIteration):
                    self.task.error = type(e).__name__
                self._suspend(True)
                raise
            self._suspend(False, r)
            return r

        def close(self):
            return self.coro.close()

        def __await__(self):
            return self

        def __iter__(self):
            return self

        def __next__(self):
            return self.send(None)

        def __getattr__(self, name):  # cr_code, cr_frame, __qualname__ …
            return getattr(self.coro, name)

    def wrap(loop, coro):
        if isinstance(coro, Recorded):
            return coro
        code = getattr(coro, "cr_code", None) or getattr(coro, "gi_code", None)
        if code is not None and code.co_name == "run_asgi" and "/uvicorn/" in code.co_filename:
            # An ASGI request under uvicorn: a task from its headers parsed.
            scope = getattr(coro.cr_frame.f_locals.get("self"), "scope", None) or {}
            route = _route(type("R", (), {"command": scope.get("method", "?"), "path": scope.get("path", "")})())
            return Recorded(coro, Task("request", route, "asgi", None))
        if code is not None and _stdlib(code.co_filename):
            return coro  # the loop's own (shutdown_asyncgens …), a server's
        name = getattr(coro, "__qualname__", None) or type(coro).__name__
        # The recorder's own coroutines (its asyncio.sleep) have no site.
        task = Task("async", name, _site(code) if code and code.co_filename != __file__ else "", _current())
        return Recorded(coro, task)

    def factory_for(user):
        def factory(loop, coro, **kwargs):
            coro = wrap(loop, coro)
            if user is not None:
                return user(loop, coro, **kwargs)
            return task_class()(coro, loop=loop, **kwargs)
        factory._conclab_user = user
        return factory

    init = be.BaseEventLoop.__init__

    def __init__(self, *args, **kwargs):
        init(self, *args, **kwargs)
        self._task_factory = factory_for(None)
        _loops[0] += 1
    __init__._conclab = True
    be.BaseEventLoop.__init__ = __init__

    set_factory = be.BaseEventLoop.set_task_factory

    def set_task_factory(self, factory):
        set_factory(self, None if factory is None else factory_for(factory))
        if factory is None:
            self._task_factory = factory_for(None)
    set_task_factory._conclab = True
    be.BaseEventLoop.set_task_factory = set_task_factory

    get_factory = be.BaseEventLoop.get_task_factory

    def get_task_factory(self):
        f = get_factory(self)
        return getattr(f, "_conclab_user", f)
    get_task_factory._conclab = True
    be.BaseEventLoop.get_task_factory = get_task_factory

    call_soon = be.BaseEventLoop.call_soon

    def call_soon_(self, callback, *args, **kwargs):
        owner = getattr(callback, "__self__", None)
        if owner is not None and isinstance(owner, task_class()):
            coro = owner.get_coro()
            if isinstance(coro, Recorded) and coro.task.suspended is not None and coro.task.ready is None:
                coro.task.ready = _now()
        return call_soon(self, callback, *args, **kwargs)
    call_soon_._conclab = True
    be.BaseEventLoop.call_soon = call_soon_


def _patch_asyncio_tasks(tasks):
    sleep = tasks.sleep

    @functools.wraps(sleep)
    async def sleep_(delay, *args, **kwargs):
        task = _current()
        if task is not None and task.kind in ("async", "request") and delay > 0:
            task.sleep = int(delay * 1e9)
        return await sleep(delay, *args, **kwargs)
    sleep_._conclab = True
    tasks.sleep = sleep_


def _patch_run_forever(be):
    run_forever = be.BaseEventLoop.run_forever

    def run_forever_(self):
        # The loop's own callbacks belong to no task: the thread's task
        # waits for the loop's tasks while it runs.
        task = _current()
        if task is not None:
            task.flush()
        _stack().append(None)
        w0 = _perf()
        try:
            return run_forever(self)
        finally:
            s = _stack()
            if s and s[-1] is None:
                s.pop()
            if task is not None:
                task.add("j", _perf() - w0)
                task.cpu0 = _cpu()
    run_forever_._conclab = True
    be.BaseEventLoop.run_forever = run_forever_


def _patch_asyncio_locks(locks):
    for cls, kind in ((locks.Semaphore, "asyncio.Semaphore"),
                      (locks.BoundedSemaphore, "asyncio.BoundedSemaphore"),
                      (locks.Lock, "asyncio.Lock")):
        _patch_async_resource(cls, kind)


def _patch_async_resource(cls, kind):
    init, acquire, release = cls.__init__, cls.acquire, cls.release
    if getattr(init, "_conclab", False):
        return

    def __init__(self, *args, **kwargs):
        init(self, *args, **kwargs)
        value = 1 if kind == "asyncio.Lock" else (args[0] if args else kwargs.get("value", 1))
        _resource(self, kind, value)

    async def acquire_(self):
        task = _current()
        if task is None or task.kind != "async" or id(self) not in _resources:
            return await acquire(self)
        task.acquiring = id(self)
        try:
            got = await acquire(self)
        finally:
            task.acquiring = None
        task.flush()
        task.add("a", id(self), None, _where(sys._getframe(1)))
        return got

    def release_(self):
        if id(self) in _resources:
            _released(id(self))
        return release(self)
    for name, f in (("__init__", __init__), ("acquire", acquire_), ("release", release_)):
        f._conclab = True
        setattr(cls, name, f)


# ---- running the program ---------------------------------------------------------------

# Each patch is made when the program imports its module, so that the
# recorder imports nothing the program does not (asyncio alone takes tens
# of milliseconds to import).
_PATCHES = {
    "time": [lambda m: _patch(m, "sleep", lambda f: _timed("time.sleep", f, asked=_sleep_ns))],
    "threading": [_patch_threading, _patch_threads],
    "socket": [_patch_socket],
    "select": [lambda m: _patch(m, "select", lambda f: _timed("select.select", f))],
    "subprocess": [_patch_subprocess],
    "zlib": [_patch_released(("compress", "decompress"))],
    "bz2": [_patch_released(("compress", "decompress"))],
    "lzma": [_patch_released(("compress", "decompress"))],
    "hashlib": [_patch_hashlib],
    "sqlite3": [_patch_sqlite],
    "queue": [_patch_queue],
    "asyncio.queues": [_patch_asyncio_queues],
    "concurrent.futures._base": [_patch_futures_base],
    "concurrent.futures.thread": [_patch_thread_pool],
    "concurrent.futures.process": [_patch_process_pool],
    "multiprocessing.pool": [_patch_mp_pool],
    "multiprocessing.process": [_patch_process],
    "multiprocessing.spawn": [lambda m: _patch_spawn(m)],
    "multiprocessing.util": [lambda m: _patch_forkserver(m)],
    "socketserver": [_patch_socketserver],
    "http.server": [_patch_http_server],
    "wsgiref.simple_server": [_patch_wsgiref],
    "gunicorn.workers.sync": [_patch_gunicorn],
    "gunicorn.workers.gthread": [_patch_gunicorn],
    "asyncio.base_events": [_patch_event_loop, _patch_run_forever],
    "asyncio.tasks": [_patch_asyncio_tasks],
    "asyncio.locks": [_patch_asyncio_locks],
}
_patched = set()


def _apply(name, module):
    if name in _patched:
        return
    _patched.add(name)
    for patch in _PATCHES[name]:
        try:
            patch(module)
        except Exception as e:  # never the program's problem: say what is not recorded
            _notes.append("%s not followed: %s: %s" % (name, type(e).__name__, e))


class _Loader(object):
    """A module's loader, which patches the module once it has run."""

    def __init__(self, loader, name):
        self.loader, self.name = loader, name

    def create_module(self, spec):
        create = getattr(self.loader, "create_module", None)
        return create(spec) if create is not None else None

    def exec_module(self, module):
        spec = module.__spec__
        spec.loader = module.__loader__ = self.loader
        self.loader.exec_module(module)
        _apply(self.name, module)

    def __getattr__(self, name):
        return getattr(self.loader, name)


class _Finder(object):
    """Finds the modules _PATCHES names as the other finders do, with a
    loader that patches them."""

    def find_spec(self, name, path=None, target=None):
        if name not in _PATCHES or name in _patched:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _Loader(spec.loader, name)
                return spec
        return None

    def invalidate_caches(self):
        pass


_out = [None]      # where the recording goes
_child = [False]   # this process was forked from a recorded one


def _sigterm(signum, frame):
    sys.exit(128 + signum)


def _forked():
    """In a child the program forked (a server's worker): record it afresh,
    and write what it did beside the parent's recording when it exits as a
    program does, or through os._exit (_exit_writing). A SIGTERM kills it
    as it would unrecorded: multiprocessing.Pool.terminate() stops idle
    workers with one, and a Python handler can run too late for a worker
    that was about to block on its queue's lock (the signal caught between
    the check for signals and the wait), which then waits for ever."""
    _child[0] = True
    try:
        if signal.getsignal(signal.SIGTERM) is _sigterm:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
    except (ValueError, OSError):
        pass
    del _tasks[:]
    _local.stack = []
    _main_frames[0] = None
    if _out[0] is not None:
        path = "%s.%d" % (_out[0], os.getpid())
        atexit.register(_write_child, path)
        if not getattr(os._exit, "_conclab", False):
            os._exit = _exit_writing(os._exit)


def _exit_writing(exit_):
    """os._exit of a forked child, which runs no atexit handler: a
    forking server's child (socketserver.ForkingMixIn) ends with it once
    its request is answered, and writes what it did first. A pool's
    worker ends with it too and writes nothing: its work items went back
    with their results."""
    def _exit(status):
        if _child[0] and not _worker[0] and _out[0] is not None:
            try:
                _write_child("%s.%d" % (_out[0], os.getpid()))
            except BaseException:
                pass  # the exit matters more than the recording
        exit_(status)
    _exit._conclab = True
    return _exit


def _patch_spawn(spawn):
    """Processes started with spawn (uvicorn's workers, a spawn pool's)
    import the recorder first and record what they do, like forked ones."""
    get = spawn.get_command_line

    def get_command_line(**kwds):
        return _recording_first(get(**kwds), "spawn_main")
    get_command_line._conclab = True
    spawn.get_command_line = get_command_line
    # A spawned worker, and one a forkserver forks (before CPython 3.13.8,
    # whose server does not import the main module for its children),
    # runs the program's main module again as __mp_main__ before its
    # first task (prepare): its imports and module-level set-up, timed
    # here for the workload's main_module.
    for name in ("_fixup_main_from_path", "_fixup_main_from_name"):
        fixup = getattr(spawn, name, None)
        if fixup is not None and not getattr(fixup, "_conclab", False):
            setattr(spawn, name, _timed_main(fixup))


def _timed_main(fixup):
    """fixup, which runs the program's main module again in this process,
    adding the thread CPU it takes to _main_module."""
    def run_main(*args, **kwds):
        began = _cpu()
        try:
            return fixup(*args, **kwds)
        finally:
            _main_module[0] = (_main_module[0] or 0) + _cpu() - began
    run_main._conclab = True
    return run_main


def _recording_first(argv, marker):
    """argv, a fresh interpreter's, with the code after its -c that holds
    marker made to import the recorder first and record like this one
    (from where this one imported it, with this recording's place and
    clock); argv itself when not recording or no such -c."""
    if _out[0] is None:
        return argv
    for i, arg in enumerate(argv[:-1]):
        if arg == "-c" and marker in argv[i + 1]:
            argv = list(argv)
            argv[i + 1] = ("import sys; sys.path.append(%r); import conclab_recorder; "
                           "conclab_recorder._spawned(%r, %d); %s"
                           % (os.path.dirname(os.path.abspath(__file__)), _out[0], _t0, argv[i + 1]))
            break
    return argv


def _patch_forkserver(util):
    """The forkserver start method (the default on Linux from 3.14) starts
    one server process with `python -c "from multiprocessing.forkserver
    import main; main(…)"` through util.spawnv_passfds, and forks every
    worker from it: the server imports the recorder first, and its
    children record what they do as forked ones do."""
    spawnv = util.spawnv_passfds

    def spawnv_passfds(path, args, passfds):
        return spawnv(path, _recording_first(args, "multiprocessing.forkserver import main"), passfds)
    spawnv_passfds._conclab = True
    util.spawnv_passfds = spawnv_passfds


def _spawned(out, t0):
    """The start of a process spawned by a recorded one: the parent's clock
    (the monotonic clock every process shares), its patches, and what it
    does written beside the parent's recording when it exits."""
    global _t0
    _t0 = t0
    _install()
    _child[0] = True
    _out[0] = out
    atexit.register(_write_child, "%s.%d" % (out, os.getpid()))


def _write_child(path):
    for t in list(_tasks):
        if t.end is None:
            t.end = _now()
    if _tasks:
        _write(path, 0, None, None)


_installed = [False]


def _install():
    if _installed[0]:
        return
    _installed[0] = True
    for name in list(_PATCHES):
        if name in sys.modules:
            _apply(name, sys.modules[name])
    sys.meta_path.insert(0, _Finder())
    _monitor()
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=_forked)


def _write(path, status, error, main_task):
    if _worker[0] and path is None:
        return
    wall = _now()
    with _lock:
        tasks = [t.record() for t in _tasks]
    doc = {
        "recorder": 1,
        "python": "%d.%d.%d" % sys.version_info[:3],
        "implementation": sys.implementation.name,
        "gil": getattr(sys, "_is_gil_enabled", lambda: True)(),
        "argv": sys.argv,
        "cwd": _CWD[:-1],
        "wall": wall,
        "exit": status,
        "error": error,
        "loops": _loops[0],
        "pools": [dict(v, id=k) for k, v in _pools.items()],
        "resources": [dict(v, id=k) for k, v in _resources.items()],
        "queues": [dict(v, id=k) for k, v in _queues.items()],
        "tasks": tasks,
        "notes": _notes,
        "main": main_task.id if main_task is not None else -1,
        "pid": os.getpid(),
        "main_module": _main_module[0],
        "main_modules": {str(pid): ns for pid, ns in _main_modules.items()},
    }
    import json
    tmp = path + ".part"
    with open(tmp, "w") as f:
        json.dump(doc, f)
    os.replace(tmp, path)


def main():
    argv = sys.argv[1:]
    if len(argv) < 3 or argv[1] != "--":
        sys.stderr.write("conclab_recorder: usage: OUT -- prog.py [args] | -m module [args]\n")
        sys.exit(2)
    out, prog = argv[0], argv[2:]
    _out[0] = out
    _install()
    main_task = Task("main", "main", "", None)
    _enter(main_task)
    status, error = 0, None
    # A SIGTERM ends the program as an exception would, so that what ran is written.
    if threading.current_thread() is threading.main_thread():
        try:
            signal.signal(signal.SIGTERM, _sigterm)
        except (ValueError, OSError):
            pass

    pid = os.getpid()

    def finish():
        # Runs once the program's own atexit handlers (pools shut down) ran;
        # a child the program forked that exits through them writes nothing.
        if os.getpid() != pid:
            return
        _leave(main_task)
        _write(out, status_box[0], error_box[0], main_task)
    status_box, error_box = [0], [None]
    # atexit handlers run last-registered first: register before the
    # program so that ours comes after its own (and its pools' joins).
    atexit.register(finish)
    try:
        if prog[0] == "-m":
            if len(prog) < 2:
                sys.stderr.write("conclab_recorder: -m needs a module\n")
                sys.exit(2)
            sys.argv = prog[1:]
            sys.path[0] = os.getcwd()
            _run_module(prog[1])
        else:
            sys.argv = prog
            sys.path[0] = os.path.dirname(os.path.abspath(prog[0]))
            _run_path(prog[0])
    except SystemExit as e:
        code = e.code
        if code is None:
            status = 0
        elif isinstance(code, int):
            status = code
        else:
            status = 1
        status_box[0] = status
        raise
    except KeyboardInterrupt:
        status_box[0], error_box[0] = 130, "KeyboardInterrupt"
        raise
    except BaseException as e:
        status_box[0], error_box[0] = 1, "%s: %s" % (type(e).__name__, e)
        tb = e.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
            tb = tb.tb_next
        import traceback
        traceback.print_exception(type(e), e, tb)
        sys.exit(1)


def _run_path(path):
    import types
    with open(path, "rb") as f:
        source = f.read()
    code = compile(source, path, "exec")
    _main_base[0] = code.co_filename
    mod = types.ModuleType("__main__")
    mod.__file__ = path
    mod.__builtins__ = __builtins__
    mod.__spec__ = None
    mod.__loader__ = None
    saved = sys.modules.get("__main__")
    sys.modules["__main__"] = mod
    try:
        exec(code, mod.__dict__)
    finally:
        # Leave the program's module as __main__ (worker processes
        # started with spawn import it from there), as python would.
        del saved


def _run_module(name):
    import importlib.util
    spec = importlib.util.find_spec(name)
    if spec is None:
        raise ImportError("No module named %s" % name)
    if spec.submodule_search_locations is not None:  # a package: its __main__
        spec = importlib.util.find_spec(name + ".__main__")
        if spec is None:
            raise ImportError("No module named %s.__main__" % name)
    _main_base[0] = spec.origin
    import runpy
    runpy.run_module(spec.name if not spec.name.endswith(".__main__") else name,
                     run_name="__main__", alter_sys=True)
