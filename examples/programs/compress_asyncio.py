"""compress, asyncio: the 24 items of compress_sync.py as 24 tasks.

The work is all CPU and nothing in it awaits, so the tasks simply run one
after another on the loop's thread: asyncio gives no speed-up here (and each
task blocks the loop for ~20 ms).

    python3 compress_asyncio.py [--n 24]
"""

import asyncio
import hashlib
import json
import zlib

import common


async def handle(i):
    """Build, serialize and compress item i; return its result string."""
    data = json.dumps(common.build_records(i)).encode()
    compressed = zlib.compress(data * common.repeat_count(data), common.COMPRESS_LEVEL)
    return "%d:%d:%s" % (len(data), len(compressed), hashlib.sha256(compressed).hexdigest())


async def run(n):
    return await asyncio.gather(*(handle(i) for i in range(n)))


def main():
    args = common.parse_args("compress", 24)
    common.start_clock()  # the job starts: its items are released
    results = asyncio.run(run(args.n))
    common.report("compress", results)


if __name__ == "__main__":
    main()
