"""Shared pieces of the corpus programs: arguments, the items' data, checksums.

Each job (fetch, compress, sqlite, crawl) comes as four programs doing the
same work: <job>_sync.py, <job>_threads.py, <job>_asyncio.py and
<job>_processes.py. Every one of them defines its own per-item ``handle``
function; what they share lives here, so that the four variants cannot drift
apart. Everything is deterministic: an item's result depends only on its
index, and the checksum printed at the end is the same for all four variants.
"""

import argparse
import hashlib
import json
import os
import socket
import sqlite3
import sys
import time
from html.parser import HTMLParser

# --------------------------------------------------------------------------
# Command line and output


def parse_args(job, default_n, server=False, processes=False):
    """Parse the common options: --n, and --server or --start-method where used."""
    parser = argparse.ArgumentParser(description="conclab corpus: the %s job" % job)
    parser.add_argument("--n", type=int, default=default_n,
                        help="number of items (default %d)" % default_n)
    if server:
        parser.add_argument("--server", default=os.environ.get("CONCLAB_SERVER"),
                            help="HOST:PORT of server.py (default: $CONCLAB_SERVER)")
    if processes:
        parser.add_argument("--start-method", choices=("fork", "spawn", "forkserver"),
                            help="multiprocessing start method (default: the platform's)")
    args = parser.parse_args()
    if args.n < 1:
        parser.error("--n must be at least 1")
    if server:
        if not args.server:
            parser.error("give the server's address with --server HOST:PORT or CONCLAB_SERVER")
        host, _, port = args.server.rpartition(":")
        if not host or not port.isdigit():
            parser.error("--server must be HOST:PORT, not %r" % args.server)
        args.server = (host, int(port))
    return args


def mp_context(start_method):
    """The multiprocessing context for ProcessPoolExecutor(mp_context=...)."""
    import multiprocessing
    return multiprocessing.get_context(start_method)  # None = the default


_clock = []


def start_clock():
    """Mark the start of the job proper: its items are about to be released
    (set-up such as building the sqlite database comes before)."""
    _clock[:] = [time.perf_counter()]


def report(job, results):
    """Print the one summary line: the item count and a checksum of the results,
    and on standard error the job's time since start_clock() ("elapsed S"),
    which is what conclab's predicted makespan is compared with.

    results are the per-item strings returned by handle, in item order.
    """
    elapsed = time.perf_counter() - _clock[0] if _clock else float("nan")
    digest = hashlib.sha256("\n".join(results).encode()).hexdigest()[:16]
    print("%s: %d items, checksum %s" % (job, len(results), digest), flush=True)
    print("elapsed %.6f s" % elapsed, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# fetch: GET /work from server.py, parse the JSON, a little CPU, a hash

FETCH_MS = 20  # the server's wait per request
FETCH_KB = 8   # the answer's size


def fetch_path(i):
    """The request path for item i (the seed makes every item's body different)."""
    return "/work?ms=%d&kb=%d&seed=%d" % (FETCH_MS, FETCH_KB, i)


def request_bytes(host, port, path):
    """A GET of path, HTTP/1.1, asking the server to close the connection
    after its answer: every variant sends these bytes and reads to the end."""
    return ("GET %s HTTP/1.1\r\nHost: %s:%d\r\nConnection: close\r\n\r\n"
            % (path, host, port)).encode("ascii")


def parse_response(data):
    """(status, body) of an answer read to its end: the status line, the
    headers and a Content-Length body. The same code for every variant, so
    that they parse alike (http.client would cost the blocking variants
    more CPU than the asyncio one)."""
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        raise RuntimeError("no end of headers in the answer")
    lines = head.split(b"\r\n")
    parts = lines[0].split(None, 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/"):
        raise RuntimeError("bad status line %r" % lines[0])
    length = None
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    if length is None or len(body) != length:
        raise RuntimeError("the body is %d bytes, Content-Length says %s" % (len(body), length))
    return int(parts[1]), body


def http_get(host, port, path):
    """GET path with a blocking socket; return (status, body)."""
    with socket.create_connection((host, port), timeout=30) as sock:
        sock.sendall(request_bytes(host, port, path))
        chunks = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    return parse_response(b"".join(chunks))


def summarize(records):
    """A little pure-Python CPU over the parsed records (about 1 ms).

    Totals per tag and three rolling hashes over a text line made of each
    record's fields: the kind of loop a real handler runs over an answer.
    """
    per_tag = {}
    poly = 0
    fnv = 0x811C9DC5
    adler_a, adler_b = 1, 0
    for record in records:
        value = record["price"] * record["qty"]
        for tag in record["tags"]:
            per_tag[tag] = per_tag.get(tag, 0) + value
        line = "%d|%s|%d|%d|%d|%.2f|%s" % (
            record["id"], record["name"], record["price"], record["qty"], value,
            value / 100.0, ",".join(record["tags"]))
        for ch in line:
            code = ord(ch)
            poly = (poly * 31 + code) & 0xFFFFFFFF
            fnv = ((fnv ^ code) * 0x01000193) & 0xFFFFFFFF
            adler_a = (adler_a + code) % 65521
            adler_b = (adler_b + adler_a) % 65521
    return sum(per_tag.values()) ^ poly ^ fnv ^ (adler_b << 16 | adler_a)


# --------------------------------------------------------------------------
# compress: build and serialize records (holds the GIL), zlib (releases it)

COMPRESS_RECORDS = 2000
COMPRESS_BYTES = 1 << 20  # how much zlib compresses per item
COMPRESS_LEVEL = 6


def build_records(i):
    """About 2,000 small dicts, different for every item."""
    return [
        {
            "id": i * 10_000 + j,
            "user": "user-%d" % ((i * 7 + j * 13) % 997),
            "score": (i * 31 + j * 17) % 1000 / 10.0,
            "flags": [j % 3 == 0, j % 5 == 0],
        }
        for j in range(COMPRESS_RECORDS)
    ]


def repeat_count(data):
    """How many copies of data make about COMPRESS_BYTES."""
    return max(1, -(-COMPRESS_BYTES // len(data)))


# --------------------------------------------------------------------------
# sqlite: a 50,000-row table, one aggregate query per item

SQLITE_ROWS = 50_000
KINDS = ("view", "click", "buy", "refund", "login", "logout")


def create_db(path, rows=SQLITE_ROWS):
    """Create the database file at path with a table of deterministic events."""
    conn = sqlite3.connect(path)
    try:
        conn.execute(
            "CREATE TABLE events (id INTEGER PRIMARY KEY, user INTEGER,"
            " kind TEXT, amount INTEGER, day INTEGER)"
        )
        conn.executemany(
            "INSERT INTO events VALUES (?, ?, ?, ?, ?)",
            (
                (r, (r * 7919) % 5000, KINDS[(r * 13) % len(KINDS)],
                 (r * 104_729) % 10_000, (r * 37) % 365)
                for r in range(rows)
            ),
        )
        conn.commit()
    finally:
        conn.close()


# A full scan with a GROUP BY: sqlite does it in C, releasing the GIL while
# it steps. The WHERE clause depends on the item.
SQLITE_QUERY = """
SELECT kind, day % 7 AS weekday, COUNT(*), SUM(amount), MIN(amount), MAX(amount),
       ROUND(AVG(amount), 3)
FROM events
WHERE user % 16 != ? AND day BETWEEN ? AND ?
GROUP BY kind, weekday
ORDER BY kind, weekday
"""


def query_params(i):
    """The item's query parameters: a user class left out and a window of days."""
    first = (i * 23) % 180
    return (i % 16, first, first + 180)


# --------------------------------------------------------------------------
# crawl: parse a small generated HTML page with html.parser

CRAWL_WAIT_BEFORE = 0.03  # the page's download
CRAWL_WAIT_AFTER = 0.02   # storing the result


def make_page(i):
    """A deterministic HTML page of about 15 KB with links, text and a table."""
    parts = ["<!DOCTYPE html><html><head><title>Page %d</title></head><body>" % i]
    parts.append('<div class="nav">')
    for j in range(20):
        parts.append('<a href="/page/%d" class="nav-link">Page %d</a> ' % ((i + j) % 100, j))
    parts.append("</div><table>")
    for row in range(50):
        parts.append("<tr>")
        for col in range(4):
            parts.append('<td data-col="%d">%d</td>' % (col, (i * 131 + row * 17 + col) % 1000))
        parts.append("</tr>")
    parts.append("</table>")
    for p in range(24):
        words = " ".join("word%d" % ((i + p * 7 + w) % 50) for w in range(30))
        parts.append('<p id="p%d">%s <a href="https://example.org/%d/%d">more</a></p>'
                     % (p, words, i, p))
    parts.append("</body></html>")
    return "".join(parts)


class PageParser(HTMLParser):
    """Collects a page's links, counts its tags and its words."""

    def __init__(self):
        super().__init__()
        self.links = []
        self.tags = {}
        self.words = 0
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        self.tags[tag] = self.tags.get(tag, 0) + 1
        if tag == "a":
            for name, value in attrs:
                if name == "href":
                    self.links.append(value)
        self._in_title = tag == "title"

    def handle_endtag(self, tag):
        self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        self.words += len(data.split())


def page_summary(parser):
    """The per-item result of a crawl: title, counts and a hash of the links."""
    links = hashlib.sha256("\n".join(parser.links).encode()).hexdigest()[:12]
    tags = ",".join("%s=%d" % kv for kv in sorted(parser.tags.items()))
    return "%s|%d|%s|%s" % (parser.title, parser.words, tags, links)
