"""sqlite, sync: 16 aggregate queries on a 50,000-row table, one after another.

The program first builds the database in a temporary directory; then every
item opens its own connection, runs a GROUP BY over a full scan (~20 ms in
sqlite's C code), fetches the rows and json-encodes them.

    python3 sqlite_sync.py [--n 16]
"""

import hashlib
import json
import os
import sqlite3
import tempfile

import common


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
    args = common.parse_args("sqlite", 16)
    with tempfile.TemporaryDirectory(prefix="conclab-sqlite-") as tmp:
        path = os.path.join(tmp, "events.db")
        common.create_db(path)
        common.start_clock()  # the job starts: its items are released
        results = [handle(i, path) for i in range(args.n)]
    common.report("sqlite", results)


if __name__ == "__main__":
    main()
