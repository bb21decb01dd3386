"""crawl, threads: the 30 pages of crawl_sync.py on a pool of 10 threads.

The sleeps overlap; the parsing is pure Python and takes turns on the GIL.

    python3 crawl_threads.py [--n 30]
"""

import time
from concurrent.futures import ThreadPoolExecutor

import common

WORKERS = 10


def handle(i):
    """Wait for page i, parse it, wait again; return its result string."""
    time.sleep(common.CRAWL_WAIT_BEFORE)
    parser = common.PageParser()
    parser.feed(common.make_page(i))
    parser.close()
    summary = common.page_summary(parser)
    time.sleep(common.CRAWL_WAIT_AFTER)
    return summary


def main():
    args = common.parse_args("crawl", 30)
    common.start_clock()  # the job starts: its items are released
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        results = list(pool.map(handle, range(args.n)))
    common.report("crawl", results)


if __name__ == "__main__":
    main()
