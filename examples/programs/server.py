"""A small local HTTP server for the corpus's fetch jobs.

    python3 server.py [--port 0]

Listens on 127.0.0.1 (port 0 picks a free port), prints one line
``listening 127.0.0.1:PORT`` and serves until SIGTERM or SIGINT, then exits 0.

    GET /work?ms=20&kb=4[&seed=7]

sleeps ``ms`` milliseconds (standing for a backend's own wait: a database, a
disk, another service), then answers 200 with a JSON list of small records of
about ``kb`` KiB. The body depends only on ``kb`` and ``seed``: it is
deterministic, so clients can checksum it. HTTP/1.1 keep-alive works (every
answer carries Content-Length).
"""

import argparse
import json
import signal
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

MAX_MS = 60_000
MAX_KB = 64 * 1024

_bodies = {}  # (kb, seed) -> bytes; a dict is safe enough here (same value either way)


def make_body(kb, seed):
    """Return a deterministic JSON list of records, about kb KiB long."""
    key = (kb, seed)
    body = _bodies.get(key)
    if body is None:
        records = []
        size = 2  # the brackets
        i = 0
        while size < kb * 1024:
            n = seed * 100_003 + i
            record = {
                "id": i,
                "name": "item-%06d" % n,
                "price": (n * 7919) % 10_000,
                "qty": (n * 31) % 97,
                "tags": ["t%d" % (n % 7), "t%d" % (n % 11)],
            }
            size += len(json.dumps(record)) + 2  # ", " between records
            records.append(record)
            i += 1
        body = json.dumps(records).encode("ascii")
        _bodies[key] = body
    return body


def int_param(query, name, default, lo, hi):
    values = query.get(name)
    if not values:
        return default
    value = int(values[0])  # ValueError -> 400
    if not lo <= value <= hi:
        raise ValueError("%s out of range" % name)
    return value


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive; needs Content-Length on every answer
    server_version = "conclab-corpus/1"

    def do_GET(self):
        url = urlsplit(self.path)
        if url.path != "/work":
            self.answer(404, b'{"error": "not found"}')
            return
        query = parse_qs(url.query)
        try:
            ms = int_param(query, "ms", 0, 0, MAX_MS)
            kb = int_param(query, "kb", 1, 0, MAX_KB)
            seed = int_param(query, "seed", 0, 0, 10**9)
        except ValueError as err:
            self.answer(400, json.dumps({"error": str(err)}).encode())
            return
        time.sleep(ms / 1000.0)
        self.answer(200, make_body(kb, seed))

    def answer(self, status, body):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        pass  # no line per request


class Server(ThreadingHTTPServer):
    daemon_threads = True  # open keep-alive connections do not hold up exit
    request_queue_size = 128  # the default 5 drops bursts of connects (1 s SYN retry)

    def handle_error(self, request, client_address):
        # A client that goes away mid-answer (killed, timed out) is no news;
        # anything else still gets socketserver's traceback.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def stop(signum, frame):
    raise SystemExit(0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="0 = any free port")
    args = parser.parse_args()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server = Server(("127.0.0.1", args.port), Handler)
    host, port = server.server_address[:2]
    print("listening %s:%d" % (host, port), flush=True)
    try:
        server.serve_forever()
    except SystemExit:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
