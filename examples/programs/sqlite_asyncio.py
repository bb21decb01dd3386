"""sqlite, asyncio: the 16 queries of sqlite_sync.py as 16 tasks.

Each task first awaits a 5 ms sleep (standing for a network call), then runs
its query right inside the coroutine. sqlite3 is a blocking API, so every
query stops the event loop for its ~20 ms: a common mistake, kept on purpose
(the fix would be loop.run_in_executor).

    python3 sqlite_asyncio.py [--n 16]
"""

import asyncio
import hashlib
import json
import os
import sqlite3
import tempfile

import common


async def handle(i, path):
    """Wait for the "network", then run item i's query (blocking the loop)."""
    await asyncio.sleep(0.005)
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(common.SQLITE_QUERY, common.query_params(i)).fetchall()
    finally:
        conn.close()
    encoded = json.dumps(rows).encode()
    return "%d:%s" % (len(rows), hashlib.sha256(encoded).hexdigest())


async def run(n, path):
    return await asyncio.gather(*(handle(i, path) for i in range(n)))


def main():
    args = common.parse_args("sqlite", 16)
    with tempfile.TemporaryDirectory(prefix="conclab-sqlite-") as tmp:
        path = os.path.join(tmp, "events.db")
        common.create_db(path)
        common.start_clock()  # the job starts: its items are released
        results = asyncio.run(run(args.n, path))
    common.report("sqlite", results)


if __name__ == "__main__":
    main()
