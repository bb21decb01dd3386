"""sqlite, processes: the 16 queries of sqlite_sync.py on 2 processes.

The workers open the database file by its path (connections cannot be
pickled); the directory lives until the pool has finished.

    python3 sqlite_processes.py [--n 16] [--start-method spawn]
"""

import hashlib
import json
import os
import sqlite3
import tempfile
from concurrent.futures import ProcessPoolExecutor

import common

WORKERS = 2


def handle(i, path):
    """Run item i's query on the database at path; return its result string."""
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(common.SQLITE_QUERY, common.query_params(i)).fetchall()
    finally:
        conn.close()
    encoded = json.dumps(rows).encode()
    return "%d:%s" % (len(rows), hashlib.sha256(encoded).hexdigest())


def main():
    args = common.parse_args("sqlite", 16, processes=True)
    with tempfile.TemporaryDirectory(prefix="conclab-sqlite-") as tmp:
        path = os.path.join(tmp, "events.db")
        common.create_db(path)
        common.start_clock()  # the job starts: its items are released
        with ProcessPoolExecutor(max_workers=WORKERS,
                                 mp_context=common.mp_context(args.start_method)) as pool:
            results = list(pool.map(handle, range(args.n), [path] * args.n))
    common.report("sqlite", results)


if __name__ == "__main__":
    main()
