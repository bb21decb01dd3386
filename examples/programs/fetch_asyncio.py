"""fetch, asyncio: the 40 GETs of fetch_sync.py as 40 tasks on one event loop.

HTTP/1.1 over asyncio streams (no third-party client), parsed by the code
every variant shares: one connection per item, all 40 in flight at once.
The parsing, the summary loop and the hash run on the loop's thread, one
task at a time.

    python3 fetch_asyncio.py --server 127.0.0.1:PORT [--n 40]
"""

import asyncio
import hashlib
import json

import common


async def http_get(host, port, path):
    """GET path over asyncio streams; return (status, body)."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(common.request_bytes(host, port, path))
        await writer.drain()
        data = await reader.read()  # to the end: the server closes
    finally:
        writer.close()
        await writer.wait_closed()
    return common.parse_response(data)


async def handle(i, server):
    """Fetch, parse and summarize item i; return its result string."""
    host, port = server
    status, body = await http_get(host, port, common.fetch_path(i))
    if status != 200:
        raise RuntimeError("item %d: HTTP %d" % (i, status))
    records = json.loads(body)
    score = common.summarize(records)
    return "%d:%d:%s" % (len(records), score, hashlib.sha256(body).hexdigest())


async def run(n, server):
    # gather returns the results in the items' order
    return await asyncio.gather(*(handle(i, server) for i in range(n)))


def main():
    args = common.parse_args("fetch", 40, server=True)
    common.start_clock()  # the job starts: its items are released
    results = asyncio.run(run(args.n, args.server))
    common.report("fetch", results)


if __name__ == "__main__":
    main()
