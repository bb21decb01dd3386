"""fetch, threads: the 40 GETs of fetch_sync.py on a pool of 8 threads.

The threads overlap the server's 20 ms waits (the socket read releases the
GIL); json.loads, the summary loop and part of sha256 still take turns on it.

    python3 fetch_threads.py --server 127.0.0.1:PORT [--n 40]
"""

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor

import common

WORKERS = 8


def handle(i, server):
    """Fetch, parse and summarize item i; return its result string."""
    host, port = server
    status, body = common.http_get(host, port, common.fetch_path(i))
    if status != 200:
        raise RuntimeError("item %d: HTTP %d" % (i, status))
    records = json.loads(body)
    score = common.summarize(records)
    return "%d:%d:%s" % (len(records), score, hashlib.sha256(body).hexdigest())


def main():
    args = common.parse_args("fetch", 40, server=True)
    common.start_clock()  # the job starts: its items are released
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        # map keeps the items' order, so the checksum matches the sync run's
        results = list(pool.map(handle, range(args.n), [args.server] * args.n))
    common.report("fetch", results)


if __name__ == "__main__":
    main()
