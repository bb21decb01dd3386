"""crawl, asyncio: the 30 pages of crawl_sync.py as 30 tasks.

All the waits overlap; the parsing runs on the loop's thread, so the tasks'
parses queue up behind each other.

    python3 crawl_asyncio.py [--n 30]
"""

import asyncio

import common


async def handle(i):
    """Wait for page i, parse it, wait again; return its result string."""
    await asyncio.sleep(common.CRAWL_WAIT_BEFORE)
    parser = common.PageParser()
    parser.feed(common.make_page(i))
    parser.close()
    summary = common.page_summary(parser)
    await asyncio.sleep(common.CRAWL_WAIT_AFTER)
    return summary


async def run(n):
    return await asyncio.gather(*(handle(i) for i in range(n)))


def main():
    args = common.parse_args("crawl", 30)
    common.start_clock()  # the job starts: its items are released
    results = asyncio.run(run(args.n))
    common.report("crawl", results)


if __name__ == "__main__":
    main()
