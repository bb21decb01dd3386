"""fetch, asyncio: the 40 GETs of fetch_sync.py as 40 tasks on one event loop.

HTTP/1.1 by hand over asyncio streams (no third-party client): one
connection per item, all 40 in flight at once. The parsing, the summary loop
and the hash run on the loop's thread, one task at a time.

    python3 fetch_asyncio.py --server 127.0.0.1:PORT [--n 40]
"""

import asyncio
import hashlib
import json

import common


async def http_get(host, port, path):
    """GET path; return (status, body). Reads the status line, the headers and
    a Content-Length body."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        request = ("GET %s HTTP/1.1\r\nHost: %s:%d\r\nConnection: close\r\n\r\n"
                   % (path, host, port))
        writer.write(request.encode("ascii"))
        await writer.drain()
        status_line = await reader.readline()  # b"HTTP/1.1 200 OK\r\n"
        parts = status_line.split(None, 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/"):
            raise RuntimeError("bad status line %r" % status_line)
        status = int(parts[1])
        length = None
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        if length is None:
            raise RuntimeError("no Content-Length in the answer")
        body = await reader.readexactly(length)
    finally:
        writer.close()
        await writer.wait_closed()
    return status, body


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
