"""Combines runs of runtime/measure.py --runs 1 on one interpreter into one
document of measure.py's shape: per constant the median, smallest and
largest over the runs. Used by scripts/measure-releases."""

import json
import statistics
import sys

docs = [json.load(open(p)) for p in sys.argv[1:]]
if not docs:
    sys.exit("combine-rounds: no measurements")
out = dict(docs[0])
out["runs"] = len(docs)
out["seconds"] = round(sum(d["seconds"] for d in docs), 1)
out["date"] = max(d["date"] for d in docs)
results = {}
for name in docs[0]["results"]:
    values = [v for d in docs for v in [d["results"][name]["median"]]]
    results[name] = {"median": round(statistics.median(values), 1), "min": min(values), "max": max(values),
                     "n": len(values)}
out["results"] = results
print(json.dumps(out, indent=2))
