#!/usr/bin/env python3
"""Reads a sweep's results.csv and prints, per series, queries/s and 1e6/p50 at each target recall
(default 0.90 0.95 0.99), interpolated linearly in log(value) between the two ladder points around
the target ('-' when the ladder does not bracket it); then the ratio of every quiver-* series to
every peer series at those recalls.

    bench/scripts/ratios.py sweep-out/results.csv 0.90 0.95
"""
import csv
import math
import sys

path = sys.argv[1]; targets = [float(t) for t in sys.argv[2:]] or [0.90, 0.95, 0.99]
series = {}
for r in csv.DictReader(open(path)):
    series.setdefault(r["index"], []).append((float(r["recall"]), float(r["qps"]), 1e6 / float(r["p50_us"])))
def at(points, t, col):
    pts = sorted(points)
    for (r0, *v0), (r1, *v1) in zip(pts, pts[1:]):
        if r0 <= t <= r1:
            a, b = v0[col], v1[col]
            f = 0 if r1 == r0 else (t - r0) / (r1 - r0)
            return math.exp(math.log(a) + f * (math.log(b) - math.log(a)))
    return None
res = {}
for name, pts in series.items():
    res[name] = [(at(pts, t, 0), at(pts, t, 1)) for t in targets]
    print(name, " ".join("%.2f: %s / %s" % (t, "%.0f" % q if q else "-", "%.0f" % p if p else "-") for t, (q, p) in zip(targets, res[name])))
names = list(res)
q = [n for n in names if n.startswith("quiver")]
for other in [n for n in names if not n.startswith("quiver")]:
    for qn in q:
        out = []
        for t, (a, b) in zip(targets, zip(res[qn], res[other])):
            out.append("%.2f: %s / %s" % (t, "%.2f" % (a[0] / b[0]) if a[0] and b[0] else "-", "%.2f" % (a[1] / b[1]) if a[1] and b[1] else "-"))
        print("ratio %s / %s (qps / p50): %s" % (qn, other, "  ".join(out)))
