"""Benchmark the explorer page (``pretrained.explore``) on the first N words of glove.6B.50d: the
page built with the per-point neighbour table it used before (kept as
``_neighbours_reference``) against the blocked one it uses now, side by side in one run.

    python scripts/bench_explore.py                     # 100,000 points, 3 rounds of each
    python scripts/bench_explore.py --points 20000 --rounds 5 --out explore.json

Each page is built in a fresh process; the rounds alternate the two sides (before, after, then
after, before, ...) because the machine is shared, and the medians are reported. Timed: the whole
``explore(v, vocab=N, path=...)`` call (wall and CPU seconds of the process, all threads), and its
parts (choosing the points, the projection, the neighbour table, groups, the page's data, the
HTML, the write); not timed: loading the vectors. Peak RSS is the child process's. The two pages
must be byte-identical (same neighbours, same scores, same everything): the run says so or fails.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PARTS = ("_choose", "project", "_neighbour_table", "_groups", "_data", "render", "atomic_path")


def child(side: str, points: int, neighbours: int, path: str) -> dict:
    """Build one page (``side``: ``before`` or ``after``) and return its timings."""
    import numpy as np  # noqa: F401

    import pretrained

    explore_mod = sys.modules["pretrained.viz.explore"]
    v = pretrained.load("glove.6B.50d")
    v.index_to_key  # the word list decoded before timing, on both sides alike
    if side == "before":

        def per_point(labels, U, k, progress=None, n_jobs=None):
            return explore_mod._neighbours_reference(labels, U, k)

        explore_mod._neighbours_blocked = per_point
    parts = {name: 0.0 for name in PARTS}

    def timed(name, fn):
        if name == "atomic_path":  # a context manager: time the whole with-block (the write)
            import contextlib

            @contextlib.contextmanager
            def wrapper(*a, **kw):
                t = time.perf_counter()
                with fn(*a, **kw) as tmp:
                    yield tmp
                parts[name] += time.perf_counter() - t

            return wrapper

        def wrapper(*a, **kw):
            t = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                parts[name] += time.perf_counter() - t

        return wrapper

    for name in PARTS:
        setattr(explore_mod, name, timed(name, getattr(explore_mod, name)))
    rss_loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    cpu, wall = time.process_time(), time.perf_counter()
    page = pretrained.explore(v, vocab=points, neighbours=neighbours, path=path, progress=False)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    return {
        "side": side,
        "seconds": wall,
        "cpu_seconds": cpu,
        "parts": parts,
        "points": page.count,
        "size": page.size,
        "sha256": digest,
        "rss_after_load_mib": rss_loaded,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run_child(side: str, args, path: Path) -> dict:
    cmd = [
        sys.executable,
        __file__,
        "--child",
        side,
        "--points",
        str(args.points),
        "--neighbours",
        str(args.neighbours),
    ]
    cmd += ["--page", os.fspath(path)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--points", type=int, default=100_000)
    p.add_argument("--neighbours", type=int, default=10)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--out", help="write the results as JSON here")
    p.add_argument("--child", choices=("before", "after"), help=argparse.SUPPRESS)
    p.add_argument("--page", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.points, args.neighbours, args.page)))
        return
    runs: dict = {"before": [], "after": []}
    digests = set()
    with tempfile.TemporaryDirectory(prefix="bench-explore-") as tmp:
        for r in range(args.rounds):
            order = ("before", "after") if r % 2 == 0 else ("after", "before")
            for side in order:
                res = run_child(side, args, Path(tmp) / f"{side}-{r}.html")
                runs[side].append(res)
                digests.add(res["sha256"])
                parts = ", ".join(f"{k.strip('_')} {v:.2f}" for k, v in res["parts"].items())
                print(
                    f"round {r + 1} {side:>6}: {res['seconds']:6.1f} s wall, {res['cpu_seconds']:6.1f} s CPU, "
                    f"peak RSS {res['peak_rss_mib']:.0f} MiB ({parts})",
                    flush=True,
                )
    if len(digests) != 1:
        raise SystemExit(f"the pages differ between the two paths: {sorted(digests)}")
    med = {side: statistics.median(x["seconds"] for x in runs[side]) for side in runs}
    cpu = {side: statistics.median(x["cpu_seconds"] for x in runs[side]) for side in runs}
    nb = {side: statistics.median(x["parts"]["_neighbour_table"] for x in runs[side]) for side in runs}
    peak = {side: max(x["peak_rss_mib"] for x in runs[side]) for side in runs}
    print(
        f"\nexplorer page, {args.points:,} points of glove.6B.50d, k={args.neighbours}, {args.rounds} rounds, medians:"
    )
    print("| | page (wall) | page (CPU) | neighbour table (wall) | peak RSS |")
    print("|---|---|---|---|---|")
    for side in ("before", "after"):
        print(f"| {side} | {med[side]:.1f} s | {cpu[side]:.1f} s | {nb[side]:.1f} s | {peak[side]:.0f} MiB |")
    print(
        f"| speed-up | **{med['before'] / med['after']:.1f}x** | {cpu['before'] / cpu['after']:.1f}x "
        f"| {nb['before'] / nb['after']:.1f}x | |"
    )
    print(f"pages byte-identical: yes ({digests.pop()[:16]}...)")
    load = os.getloadavg()
    print(f"load average at the end: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} cores")
    if args.out:
        result = {
            "runs": runs,
            "median_seconds": med,
            "median_cpu_seconds": cpu,
            "median_neighbour_seconds": nb,
            "peak_rss_mib": peak,
            "machine": {"python": platform.python_version(), "cores": os.cpu_count(), "load": load},
        }
        Path(args.out).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
