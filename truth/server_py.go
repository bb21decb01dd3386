package truth

// The parts of an exported server. ExportServer writes a header, the
// imports, the requests as data and the settings, then pyServerCommon, the
// serve() of the model (pySyncServe, pyThreadsServe, pyPoolServe or
// pyLoopServe) and pyServerMain.

const pyServerImports = `import asyncio
import concurrent.futures
import hashlib
import http.server
import json
import multiprocessing
import os
import socket
import sys
import threading
import time

`

// pyServerCommon: the two kinds of work, a request's steps on a thread and
// the handler of the http.server models.
const pyServerCommon = `LISTEN_BACKLOG = 1024  # connections the kernel queues before accept()


` + pySteps + pyHTTPHandler

// pySteps: the two kinds of work, a request's steps on a thread and its
// resources, shared by the standard library's servers and the gunicorn
// and uvicorn apps.
const pySteps = pyWork + `LOCKS = []     # this process's resources, in the workload's order (make_locks)
SHARED = None  # per resource of scope global, the multiprocessing primitive the worker processes share
FANOUT = None  # a gather's branches on threads: None: here, one after another; "thread": a thread each; else a ThreadPoolExecutor


def run_step(kind, seconds):
    """Runs one step on this thread."""
    if kind == "work":
        work(seconds)
    elif kind == "work_released":
        work_released(seconds)
    else:  # wait, wait_blocking: the thread sleeps
        time.sleep(seconds)


def run_call(steps):
    """Runs steps one after another on an executor thread: one call."""
    for step in steps:
        run_step(step[0], step[1])


def make_locks(loop=False):
    """This process's resources: a lock for a capacity of 1, else a
    bounded semaphore; asyncio's on an event loop (made on the running
    loop), threading's on threads. A resource of scope global under worker
    processes is the multiprocessing primitive in SHARED."""
    locks = []
    for index, (capacity, _) in enumerate(RESOURCES):
        if SHARED and SHARED[index] is not None:
            locks.append(SHARED[index])
        elif loop:
            locks.append(asyncio.Lock() if capacity == 1 else asyncio.Semaphore(capacity))
        else:
            locks.append(threading.Lock() if capacity == 1 else threading.BoundedSemaphore(capacity))
    return locks


def shared_locks():
    """Made before the worker processes fork: a multiprocessing lock or
    bounded semaphore per resource of scope global, None for the others."""
    context = multiprocessing.get_context("fork")
    return [(context.Lock() if capacity == 1 else context.BoundedSemaphore(capacity)) if shared else None
            for capacity, shared in RESOURCES]


def request_steps(steps):
    """Runs a request's steps on this thread (offloaded steps in place:
    only an event loop offloads)."""
    for step in steps:
        kind = step[0]
        if kind == "use":  # one unit of a resource, given back on every way out
            with LOCKS[step[1]]:
                request_steps(step[2])
        elif kind == "gather":
            gather_branches(step[1])
        elif kind == "choose":  # the alternative the simulation drew: step[1]
            request_steps(step[2])
        else:
            run_step(kind, step[1])


def gather_branches(branches):
    """Runs a gather's branches where FANOUT says and waits for them all.
    A branch submitted to the pool that runs the requests holds a thread of
    it, as the request waiting for it does: a pool whose threads all wait
    for branches queued behind them deadlocks, as in the simulation."""
    if FANOUT is None:
        for branch in branches:
            request_steps(branch)
    elif FANOUT == "thread":
        threads = [threading.Thread(target=request_steps, args=(branch,)) for branch in branches]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    else:
        for future in [FANOUT.submit(request_steps, branch) for branch in branches]:
            future.result()


def cpu_seconds():
    """The answer to GET /cpu: the CPU time this process has used, in
    seconds (all its threads), which verify reads before and after requests
    that do nothing to learn what the server's own handling of one costs."""
    return repr(time.process_time()).encode()


def request_index(path):
    """The request a path /r/<index> names, or None."""
    parts = path.split("/")
    if len(parts) != 3 or parts[1] != "r" or not parts[2].isdigit():
        return None
    index = int(parts[2])
    return index if index < len(REQUESTS) else None


`

// pyHTTPHandler: the handler of the http.server models.
const pyHTTPHandler = `class Handler(http.server.BaseHTTPRequestHandler):
    """GET /r/<index> performs request <index>'s steps on this thread
    (offloaded steps in place: only an event loop offloads), then answers
    200 and closes the connection."""

    def do_GET(self):
        index = request_index(self.path)
        if self.path == "/cpu":
            body = cpu_seconds()
        elif index is None:
            self.send_error(404)
            return
        else:
            request_steps(REQUESTS[index])
            body = b"ok\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        pass  # no line per request on stderr


def serve_on(server_class, sock, ready):
    """Serves the listening sock with an http.server server of
    server_class and this process's resources, once it has said it is
    ready."""
    global LOCKS
    LOCKS = make_locks()
    server = on_socket(server_class, sock)
    ready()
    server.serve_forever()


def on_socket(server_class, sock):
    """An http.server server of server_class serving the listening sock."""
    server = server_class(sock.getsockname(), Handler, bind_and_activate=False)
    server.socket.close()
    server.socket = sock
    return server


`

const pySyncServe = `class SyncServer(http.server.HTTPServer):
    """sync: one request at a time, as a gunicorn sync worker."""
    request_queue_size = LISTEN_BACKLOG


def serve(sock, ready):
    serve_on(SyncServer, sock, ready)


`

const pyThreadsServe = `class ThreadServer(http.server.ThreadingHTTPServer):
    """threads: a new thread per connection."""
    request_queue_size = LISTEN_BACKLOG
    daemon_threads = True


def serve(sock, ready):
    global FANOUT
    FANOUT = "thread"
    serve_on(ThreadServer, sock, ready)


`

const pyPoolServe = `class PoolServer(http.server.HTTPServer):
    """threads(N): the accepting thread hands each connection to a
    ThreadPoolExecutor of THREADS threads, as gunicorn's gthread worker."""
    request_queue_size = LISTEN_BACKLOG

    def __init__(self, *args, **kwargs):
        global FANOUT
        super().__init__(*args, **kwargs)
        self.pool = concurrent.futures.ThreadPoolExecutor(THREADS)
        # A gather's branches go to the same pool, or to a second one.
        FANOUT = self.pool
        if FANOUT_THREADS:
            FANOUT = concurrent.futures.ThreadPoolExecutor(FANOUT_THREADS)

    def process_request(self, request, client_address):
        self.pool.submit(self.handle_connection, request, client_address)

    def handle_connection(self, request, client_address):
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)


def serve(sock, ready):
    serve_on(PoolServer, sock, ready)


`

// pyRunRequest: a request's steps as a coroutine on an event loop, shared
// by the asyncio server and the uvicorn app.
const pyRunRequest = `PROCESS_POOL = None  # the loop's pool for steps offloaded to a process


async def run_request(index):
    """Request <index>'s steps on the event loop."""
    await loop_steps(REQUESTS[index])


async def loop_steps(steps):
    """Runs steps as a coroutine on the event loop."""
    loop = asyncio.get_running_loop()
    i = 0
    while i < len(steps):
        step, i = steps[i], i + 1
        kind = step[0]
        if kind == "use":
            lock = LOCKS[step[1]]
            if isinstance(lock, (asyncio.Lock, asyncio.Semaphore)):
                async with lock:  # the request suspends until a unit is free
                    await loop_steps(step[2])
            else:  # a multiprocessing primitive: taking it blocks the loop
                with lock:
                    await loop_steps(step[2])
            continue
        if kind == "gather":  # a child task per branch; the request suspends until all end
            await asyncio.gather(*[loop_steps(branch) for branch in step[1]])
            continue
        if kind == "choose":  # the alternative the simulation drew: step[1]
            await loop_steps(step[2])
            continue
        seconds = step[1]
        offload = step[2] if len(step) > 2 else None
        if offload == "thread":
            call = [step]  # and the steps that go on its executor call ("thread+")
            while i < len(steps) and len(steps[i]) > 2 and steps[i][2] == "thread+":
                call, i = call + [steps[i]], i + 1
            await loop.run_in_executor(None, run_call, call)
        elif offload == "process":
            await loop.run_in_executor(PROCESS_POOL, run_step, kind, seconds)
        elif kind == "wait":  # the request suspends; the loop serves others
            await asyncio.sleep(seconds)
        else:  # work, or time.sleep in async code: the whole loop waits
            run_step(kind, seconds)


`

const pyLoopServe = pyRunRequest + `OK = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n"
NOT_FOUND = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


async def serve_connection(reader, writer, limit):
    """Reads one request (the request line, then headers up to the blank
    line), performs it and answers; then closes the connection."""
    try:
        line = await reader.readline()
        while True:
            header = await reader.readline()
            if header in (b"\r\n", b"\n", b""):
                break
        parts = line.decode("latin-1").split()
        index = None
        if len(parts) >= 2 and parts[0] == "GET":
            index = request_index(parts[1])
        if len(parts) >= 2 and parts[1] == "/cpu":
            body = cpu_seconds()
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body))
        elif index is None:
            writer.write(NOT_FOUND)
        else:
            if limit is None:
                await run_request(index)
            else:
                async with limit:
                    await run_request(index)
            writer.write(OK)
        await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        writer.close()


async def serve_loop(sock, ready):
    global PROCESS_POOL, LOCKS
    loop = asyncio.get_running_loop()
    LOCKS = make_locks(loop=True)
    loop.set_default_executor(concurrent.futures.ThreadPoolExecutor(EXECUTOR))
    PROCESS_POOL = concurrent.futures.ProcessPoolExecutor(
        CORES, mp_context=multiprocessing.get_context("fork"))
    # Fork the pool's workers now, before any connection is open: a worker
    # forked later would hold a copy of every open connection.
    await loop.run_in_executor(PROCESS_POOL, time.sleep, 0)
    limit = asyncio.Semaphore(LIMIT) if LIMIT else None
    server = await asyncio.start_server(
        lambda reader, writer: serve_connection(reader, writer, limit),
        sock=sock, backlog=LISTEN_BACKLOG)
    ready()
    async with server:
        await server.serve_forever()


def serve(sock, ready):
    """asyncio: one event loop; asyncio.start_server and a minimal HTTP/1.1."""
    asyncio.run(serve_loop(sock, ready))


`

const pyServerMain = `def main():
    sys.setswitchinterval(SWITCH_INTERVAL)
    start_work()
    global SHARED
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(LISTEN_BACKLOG)
    # The port on stdout's first line, once every process that serves is
    # ready to (an event loop's process pool forked, which takes tens of
    # milliseconds): the load's first requests would wait for it, and the
    # simulation's servers are up at its start.
    announce = lambda: print(sock.getsockname()[1], flush=True)
    if not PROCESSES:
        serve(sock, announce)
        return
    # PROCESSES workers forked after the bind accept from the one socket,
    # as gunicorn's and uvicorn's workers do, and share the resources of
    # scope global. Each says on a pipe when it is ready.
    SHARED = shared_locks()
    readers, writer = os.pipe()
    children = []
    for _ in range(PROCESSES):
        pid = os.fork()
        if pid == 0:
            try:
                os.close(readers)
                serve(sock, lambda: os.write(writer, b"."))
            finally:
                os._exit(0)
        children.append(pid)
    os.close(writer)
    ready = 0
    while ready < PROCESSES:
        said = os.read(readers, PROCESSES - ready)
        if not said:  # every worker ended, some before it was ready
            break
        ready += len(said)
    announce()
    for pid in children:
        os.waitpid(pid, 0)


if __name__ == "__main__":
    main()
`

// pyWSGIApp: the app gunicorn's sync and gthread workers serve.
const pyWSGIApp = `def app(environ, start_response):
    """WSGI: GET /r/<index> performs request <index>'s steps on the
    worker's thread (offloaded steps in place: only an event loop
    offloads), then answers 200."""
    index = None
    if environ.get("REQUEST_METHOD") == "GET":
        index = request_index(environ.get("PATH_INFO", ""))
    if environ.get("PATH_INFO") == "/cpu":
        body = cpu_seconds()
        start_response("200 OK", [("Content-Length", str(len(body)))])
        return [body]
    if index is None:
        start_response("404 Not Found", [("Content-Length", "0")])
        return [b""]
    request_steps(REQUESTS[index])
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", "3")])
    return [b"ok\n"]


# gunicorn imports this module in each worker, after the fork, just before
# the worker accepts: one line on stdout says the worker is up. Its
# resources are the worker's own (scope process); a gather's branches run
# in the request's thread (sync workers) or in a second pool (gthread
# workers under threads(N, fanout=M)): gunicorn's own pool takes no branches,
# and NewServer serves the other cases with the standard library.
LOCKS = make_locks()
if FANOUT_THREADS:
    FANOUT = concurrent.futures.ThreadPoolExecutor(FANOUT_THREADS)
sys.setswitchinterval(SWITCH_INTERVAL)
start_work()
print("ready", os.getpid(), flush=True)
`

// pyASGIApp: the app uvicorn's workers serve.
const pyASGIApp = pyRunRequest + `LIMITER = None  # asyncio.Semaphore(LIMIT) of this worker's loop, or None


async def lifespan(receive, send):
    """Sets the worker's loop up as the asyncio server does (the default
    executor, the process pool forked before any connection is open, the
    resources, the semaphore), then says on stdout that the worker is up."""
    global PROCESS_POOL, LIMITER, LOCKS
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            sys.setswitchinterval(SWITCH_INTERVAL)
            start_work()
            loop = asyncio.get_running_loop()
            loop.set_default_executor(
                concurrent.futures.ThreadPoolExecutor(EXECUTOR))
            PROCESS_POOL = concurrent.futures.ProcessPoolExecutor(
                CORES, mp_context=multiprocessing.get_context("fork"))
            await loop.run_in_executor(PROCESS_POOL, time.sleep, 0)
            LOCKS = make_locks(loop=True)
            LIMITER = asyncio.Semaphore(LIMIT) if LIMIT else None
            await send({"type": "lifespan.startup.complete"})
            print("ready", os.getpid(), flush=True)
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def respond(send, status, body):
    headers = [(b"content-type", b"text/plain"),
               (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status,
                "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def app(scope, receive, send):
    """ASGI: GET /r/<index> performs request <index>'s steps on the
    worker's event loop, then answers 200."""
    if scope["type"] == "lifespan":
        await lifespan(receive, send)
        return
    if scope["type"] != "http":
        return
    index = None
    if scope.get("method") == "GET":
        index = request_index(scope.get("path", ""))
    if scope.get("path") == "/cpu":
        await respond(send, 200, cpu_seconds())
        return
    if index is None:
        await respond(send, 404, b"")
        return
    if LIMITER is None:
        await run_request(index)
    else:
        async with LIMITER:
            await run_request(index)
    await respond(send, 200, b"ok\n")
`
