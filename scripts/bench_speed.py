"""Benchmark (issue 19): Google analogies with 3CosAdd and 3CosMul on glove.6B.50d, alternating in one
run, medians, with accuracy and peak memory.

    python scripts/bench_speed.py
"""

import os
import resource
import statistics
import time

import pretrained
from pretrained.evaluate import dataset_path

v = pretrained.load("glove.6B.50d")
q = dataset_path("questions-words")
res = {"add": [], "mul": []}
for r in range(2):
    for m in ("add", "mul"):
        t = time.perf_counter()
        x = pretrained.evaluate_analogies(v, q, method=m)
        res[m].append(time.perf_counter() - t)
        print(m, round(res[m][-1], 2), "s accuracy", x.accuracy, flush=True)
a, b = statistics.median(res["add"]), statistics.median(res["mul"])
print(
    f"median add {a:.2f} s, mul {b:.2f} s, mul/add {b / a:.2f}; load {os.getloadavg()[0]:.1f}; peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB"
)
