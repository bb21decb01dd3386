"""fetch, processes: the 40 GETs of fetch_sync.py on a pool of 4 processes.

Each worker has its own interpreter and GIL; the price is starting the
workers and pickling every item and result between processes.

    python3 fetch_processes.py --server 127.0.0.1:PORT [--n 40] [--start-method spawn]
"""

import hashlib
import json
from concurrent.futures import ProcessPoolExecutor

import common

WORKERS = 4


def handle(i, server):
    """Fetch, parse and summarize item i; return its result string.

    A top-level function, so that spawned workers can import it by name.
    """
    host, port = server
    status, body = common.http_get(host, port, common.fetch_path(i))
    if status != 200:
        raise RuntimeError("item %d: HTTP %d" % (i, status))
    records = json.loads(body)
    score = common.summarize(records)
    return "%d:%d:%s" % (len(records), score, hashlib.sha256(body).hexdigest())


def main():
    args = common.parse_args("fetch", 40, server=True, processes=True)
    common.start_clock()  # the job starts: its items are released
    with ProcessPoolExecutor(max_workers=WORKERS,
                             mp_context=common.mp_context(args.start_method)) as pool:
        results = list(pool.map(handle, range(args.n), [args.server] * args.n))
    common.report("fetch", results)


if __name__ == "__main__":
    main()
