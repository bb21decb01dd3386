"""crawl, processes: the 30 pages of crawl_sync.py on 4 processes.

Parsing runs in parallel, but with only 4 workers for 30 mostly-waiting
items, the pool overlaps fewer sleeps than the threads or asyncio do.

    python3 crawl_processes.py [--n 30] [--start-method spawn]
"""

import time
from concurrent.futures import ProcessPoolExecutor

import common

WORKERS = 4


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
    args = common.parse_args("crawl", 30, processes=True)
    common.start_clock()  # the job starts: its items are released
    with ProcessPoolExecutor(max_workers=WORKERS,
                             mp_context=common.mp_context(args.start_method)) as pool:
        results = list(pool.map(handle, range(args.n)))
    common.report("crawl", results)


if __name__ == "__main__":
    main()
