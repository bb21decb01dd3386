"""compress, threads: the 24 items of compress_sync.py on a pool of 4 threads.

zlib.compress and sha256 release the GIL, so two threads can compress at
once on two cores; building and serializing the records cannot overlap.

    python3 compress_threads.py [--n 24]
"""

import hashlib
import json
import zlib
from concurrent.futures import ThreadPoolExecutor

import common

WORKERS = 4


def handle(i):
    """Build, serialize and compress item i; return its result string."""
    data = json.dumps(common.build_records(i)).encode()
    compressed = zlib.compress(data * common.repeat_count(data), common.COMPRESS_LEVEL)
    return "%d:%d:%s" % (len(data), len(compressed), hashlib.sha256(compressed).hexdigest())


def main():
    args = common.parse_args("compress", 24)
    common.start_clock()  # the job starts: its items are released
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        results = list(pool.map(handle, range(args.n)))
    common.report("compress", results)


if __name__ == "__main__":
    main()
