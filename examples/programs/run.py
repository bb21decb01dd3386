"""Run the corpus: every variant of every job, timed, one at a time.

    python3 examples/programs/run.py [--python P] [--repeat 3] [--json] [job ...]

Starts server.py (with this interpreter), runs each job's four variants
(sync, threads, asyncio, processes) --repeat times with interpreter P, and
times each whole child process. Checks that every run exits 0 and that all
runs of a job print the same checksum, then prints a table (or, with --json,
a JSON object). The server is always stopped at the end, also after an error
or Ctrl-C. Exit status 1 if any run failed or a checksum differed.
"""

import argparse
import json
import os
import re
import select
import signal
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
JOBS = ("fetch", "compress", "sqlite", "crawl")
VARIANTS = ("sync", "threads", "asyncio", "processes")
NEEDS_SERVER = {"fetch"}
SUMMARY = re.compile(r"^(\w+): (\d+) items, checksum ([0-9a-f]+)$")
CHILD_TIMEOUT = 120  # seconds; the slowest variant takes about 2 s


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def start_server(timeout=10):
    """Start server.py on a free port; return (process, "127.0.0.1:PORT")."""
    proc = subprocess.Popen(
        [sys.executable, os.path.join(HERE, "server.py"), "--port", "0"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
    )
    try:
        ready, _, _ = select.select([proc.stdout], [], [], timeout)
        line = proc.stdout.readline().decode().strip() if ready else ""
        if not line.startswith("listening "):
            raise RuntimeError("server.py did not start (said %r)" % line)
        return proc, line.split()[1]
    except BaseException:
        stop_server(proc)
        raise


def stop_server(proc):
    """Stop the server: SIGTERM, then SIGKILL if it does not exit in 5 s."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    proc.stdout.close()


def python_version(python):
    out = subprocess.run(
        [python, "-c", "import platform; print(platform.python_version())"],
        stdout=subprocess.PIPE, universal_newlines=True, check=True,
    )
    return out.stdout.strip()


def kill_group(proc):
    """Kill a child started in its own session, with everything it started
    (a process pool's workers would otherwise outlive it)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def run_once(python, job, variant, env):
    """Run one variant once; return (wall seconds, checksum or None, error or None)."""
    cmd = [python, os.path.join(HERE, "%s_%s.py" % (job, variant))]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            universal_newlines=True, start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=CHILD_TIMEOUT)
    except subprocess.TimeoutExpired:
        kill_group(proc)
        proc.communicate()
        return time.perf_counter() - start, None, "timed out after %d s" % CHILD_TIMEOUT
    except BaseException:  # Ctrl-C, SIGTERM: take the child down with us
        kill_group(proc)
        raise
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        tail = stderr.strip().splitlines()[-1:] or ["(no stderr)"]
        return wall, None, "exit status %d: %s" % (proc.returncode, tail[0])
    lines = stdout.strip().splitlines()
    match = SUMMARY.match(lines[-1]) if lines else None
    if not match or match.group(1) != job:
        return wall, None, "no summary line in %r" % stdout[-200:]
    return wall, match.group(3), None


def run_all(python, jobs, repeat, server):
    """Run every variant of every job; return (results, problems)."""
    env = dict(os.environ)
    if server:
        env["CONCLAB_SERVER"] = server
    results = {}
    problems = []
    for job in jobs:
        checksums = {}  # checksum -> the first run that printed it
        for variant in VARIANTS:
            name = "%s_%s" % (job, variant)
            runs = []
            for k in range(repeat):
                wall, checksum, error = run_once(python, job, variant, env)
                runs.append(wall)
                if error:
                    problems.append("%s run %d: %s" % (name, k + 1, error))
                    log("%-20s %6.3f s  FAILED: %s" % (name, wall, error))
                    continue
                checksums.setdefault(checksum, "%s run %d" % (name, k + 1))
                log("%-20s %6.3f s  checksum %s" % (name, wall, checksum))
            results[name] = {
                "median_s": round(statistics.median(runs), 4),
                "min_s": round(min(runs), 4),
                "max_s": round(max(runs), 4),
                "runs": [round(r, 4) for r in runs],
            }
        if len(checksums) > 1:
            problems.append("%s: the checksums differ: %s" % (job, ", ".join(
                "%s (%s)" % (c, first) for c, first in checksums.items())))
        for variant in VARIANTS:
            results["%s_%s" % (job, variant)]["checksum"] = (
                next(iter(checksums)) if len(checksums) == 1 else None)
    return results, problems


def print_table(version, results):
    print("Python %s" % version)
    print("%-9s %-10s %9s  %-17s %s" % ("job", "variant", "median", "min-max", "checksum"))
    for name, r in results.items():
        job, variant = name.split("_", 1)
        print("%-9s %-10s %7.3f s  %.3f-%.3f s    %s" % (
            job, variant, r["median_s"], r["min_s"], r["max_s"], r["checksum"] or "MISMATCH"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=sys.executable,
                        help="interpreter for the programs (default: this one)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per variant (default 3)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("jobs", nargs="*", metavar="job",
                        help="jobs to run (default: all of %s)" % ", ".join(JOBS))
    args = parser.parse_args()
    jobs = args.jobs or list(JOBS)
    unknown = [j for j in jobs if j not in JOBS]
    if unknown:
        parser.error("unknown job(s) %s; the jobs are %s" % (", ".join(unknown), ", ".join(JOBS)))
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    # SIGTERM becomes an exception too, so that the finally below stops the server
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))

    version = python_version(args.python)
    server_proc, server = None, None
    try:
        if NEEDS_SERVER.intersection(jobs):
            server_proc, server = start_server()
            log("server.py listening on %s" % server)
        results, problems = run_all(args.python, jobs, args.repeat, server)
    finally:
        if server_proc is not None:
            stop_server(server_proc)

    if args.json:
        print(json.dumps({"python": version, "results": results}, indent=2))
    else:
        print_table(version, results)
    for problem in problems:
        log("problem: " + problem)
    return 1 if problems else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        log("interrupted")
        sys.exit(130)
