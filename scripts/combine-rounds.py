"""Combines runs of runtime/measure.py --runs 1 on one interpreter into one
document of measure.py's shape: per constant the median, smallest and
largest over the runs. Used by scripts/measure-releases.

    combine-rounds.py ROUND.json ...
    combine-rounds.py --into PROFILE.json ROUND.json ...

With --into, the rounds measured some constants only (measure.py --only):
their figures replace those in PROFILE.json, which keeps the rest, and its
"remeasured" list says which constants, when and in how many rounds."""

import json
import statistics
import sys

args = sys.argv[1:]
into = None
if args[:1] == ["--into"]:
    if len(args) < 2:
        sys.exit("combine-rounds: --into wants a file")
    into, args = args[1], args[2:]
docs = [json.load(open(p)) for p in args]
if not docs:
    sys.exit("combine-rounds: no measurements")
results = {}
for name in docs[0]["results"]:
    values = [d["results"][name]["median"] for d in docs]
    results[name] = {"median": round(statistics.median(values), 1), "min": min(values), "max": max(values),
                     "n": len(values)}
date = max(d["date"] for d in docs)
seconds = round(sum(d["seconds"] for d in docs), 1)
if into is None:
    out = dict(docs[0])
    out.update({"runs": len(docs), "seconds": seconds, "date": date, "results": results})
else:
    out = json.load(open(into))
    if out.get("python") != docs[0].get("python"):
        sys.exit("combine-rounds: %s is CPython %s, the rounds %s" % (into, out.get("python"), docs[0].get("python")))
    out["results"].update(results)
    entry = {"date": date, "runs": len(docs), "seconds": seconds, "constants": sorted(results)}
    if docs[0].get("cpu") and docs[0].get("cpu") != out.get("cpu"):
        entry["cpu"] = docs[0]["cpu"]  # the host has changed since the rest was measured
    out.setdefault("remeasured", []).append(entry)
print(json.dumps(out, indent=2))
