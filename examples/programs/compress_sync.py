"""compress, sync: serialize and compress 24 items one after another.

Per item: build ~2,000 small dicts and json.dumps them (Python and C code
holding the GIL, a few ms), zlib.compress about 1 MB of that at level 6
(C code that releases the GIL, ~15 ms), sha256 of the compressed bytes.

    python3 compress_sync.py [--n 24]
"""

import hashlib
import json
import zlib

import common


def handle(i):
    """Build, serialize and compress item i; return its result string."""
    data = json.dumps(common.build_records(i)).encode()
    compressed = zlib.compress(data * common.repeat_count(data), common.COMPRESS_LEVEL)
    return "%d:%d:%s" % (len(data), len(compressed), hashlib.sha256(compressed).hexdigest())


def main():
    args = common.parse_args("compress", 24)
    common.start_clock()  # the job starts: its items are released
    results = [handle(i) for i in range(args.n)]
    common.report("compress", results)


if __name__ == "__main__":
    main()
