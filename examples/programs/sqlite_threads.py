"""sqlite, threads: the 16 queries of sqlite_sync.py on a pool of 4 threads.

The sqlite3 module releases the GIL while sqlite steps through a query, so
two queries run at once on two cores.

    python3 sqlite_threads.py [--n 16]
"""

import hashlib
import json
import os
import sqlite3
import tempfile
from concurrent.futures import ThreadPoolExecutor

import common

WORKERS = 4


def handle(i, path):
    """Run item i's query on the database at path; return its result string.

    Each call opens its own connection: a connection must not be shared
    between threads (sqlite3's check_same_thread).
    """
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(common.SQLITE_QUERY, common.query_params(i)).fetchall()
    finally:
        conn.close()
    encoded = json.dumps(rows).encode()
    return "%d:%s" % (len(rows), hashlib.sha256(encoded).hexdigest())


def main():
    args = common.parse_args("sqlite", 16)
    with tempfile.TemporaryDirectory(prefix="conclab-sqlite-") as tmp:
        path = os.path.join(tmp, "events.db")
        common.create_db(path)
        common.start_clock()  # the job starts: its items are released
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            results = list(pool.map(handle, range(args.n), [path] * args.n))
    common.report("sqlite", results)


if __name__ == "__main__":
    main()
