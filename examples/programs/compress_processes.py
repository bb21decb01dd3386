"""compress, processes: the 24 items of compress_sync.py on 2 processes.

Both halves of the work run in parallel here, the GIL-holding serialization
too; only the small result strings travel back.

    python3 compress_processes.py [--n 24] [--start-method spawn]
"""

import hashlib
import json
import zlib
from concurrent.futures import ProcessPoolExecutor

import common

WORKERS = 2


def handle(i):
    """Build, serialize and compress item i; return its result string."""
    data = json.dumps(common.build_records(i)).encode()
    compressed = zlib.compress(data * common.repeat_count(data), common.COMPRESS_LEVEL)
    return "%d:%d:%s" % (len(data), len(compressed), hashlib.sha256(compressed).hexdigest())


def main():
    args = common.parse_args("compress", 24, processes=True)
    common.start_clock()  # the job starts: its items are released
    with ProcessPoolExecutor(max_workers=WORKERS,
                             mp_context=common.mp_context(args.start_method)) as pool:
        results = list(pool.map(handle, range(args.n)))
    common.report("compress", results)


if __name__ == "__main__":
    main()
