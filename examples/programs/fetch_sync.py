"""fetch, sync: GET 40 JSON answers from server.py one after another.

Per item: an HTTP request (the server waits 20 ms), json.loads of the ~8 KiB
body, a little pure-Python CPU over the records, a sha256 of the body.

    python3 fetch_sync.py --server 127.0.0.1:PORT [--n 40]
"""

import hashlib
import json

import common


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
    results = [handle(i, args.server) for i in range(args.n)]
    common.report("fetch", results)


if __name__ == "__main__":
    main()
