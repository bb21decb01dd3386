"""fetch, sync: GET 40 JSON answers from server.py one after another.

Per item: an HTTP request (the server waits 20 ms), json.loads of the ~8 KiB
body, a little pure-Python CPU over the records, a sha256 of the body.

    python3 fetch_sync.py --server 127.0.0.1:PORT [--n 40]
"""

import hashlib
import http.client
import json

import common


def handle(i, server):
    """Fetch, parse and summarize item i; return its result string."""
    host, port = server
    conn = http.client.HTTPConnection(host, port, timeout=30)
    try:
        conn.request("GET", common.fetch_path(i))
        resp = conn.getresponse()
        body = resp.read()
    finally:
        conn.close()
    if resp.status != 200:
        raise RuntimeError("item %d: HTTP %d" % (i, resp.status))
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
