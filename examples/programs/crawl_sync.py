"""crawl, sync: 30 pages, mostly waiting, one after another.

Per item: a 30 ms sleep standing for the page's download, parsing a ~13 KB
generated HTML page with html.parser (pure Python, a few ms), then a 20 ms
sleep standing for storing the result.

    python3 crawl_sync.py [--n 30]
"""

import time

import common


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
    results = [handle(i) for i in range(args.n)]
    common.report("crawl", results)


if __name__ == "__main__":
    main()
