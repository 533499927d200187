"""Benchmark (issue 19): one-query ``most_similar`` and the Google analogies on glove.6B.50d, each
side measured in the same run, the sides alternating, medians, with peak memory.

    python scripts/bench_speed.py [--part similar|analogies|all] [--queries 300] [--rounds 3]

``similar``: ``Vectors.most_similar(word)`` (topn=10) against gensim's ``KeyedVectors.most_similar``
and against the previous code path (the float32 scores, ``most_similar(word, topn=None)``, then the
partial sort of every score that ``scoring.top_k`` did before), one query of each side in turn, over ``--queries`` words drawn from the first
100,000. Every query's answer is compared with the full pass's: words and float32 scores bit for
bit; from the third query on, the scans read the in-memory copy of ``core.scan_copy``, so every
query's full scores are also compared with those of the memory map itself (the script exits 1 on
a difference).

``analogies``: ``evaluate_analogies`` with 3CosAdd and 3CosMul, and gensim's
``KeyedVectors.evaluate_word_analogies`` (same file, ``restrict_vocab=300000``,
``case_insensitive=True``: our defaults mirror gensim's), each timed call in a fresh process, the
sides alternating, medians, peak RSS, the accuracies compared; ``--previous DIR`` (a tree made by
``git archive REV pretrained``) adds an earlier version's 3CosAdd and 3CosMul and checks that every
question's best row and score are bit-identical::

    python scripts/bench_speed.py --part analogies --rounds 3 --gensim-rounds 1 --previous /tmp/prev
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from typing import Optional

import numpy as np

import pretrained


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def argpartition_top_k(scores, k, exclude):
    """``scoring.top_k`` before issue 19: a partial sort of every score."""
    exclude = set(exclude)
    want = min(k + len(exclude), scores.shape[0])
    idx = np.argpartition(-scores, want - 1)[:want]
    idx = idx[np.lexsort((idx, -scores[idx]))]
    return [i for i in idx.tolist() if i not in exclude][:k]


def similar(v, n_queries: int, rounds: int) -> int:
    kv = v.to_gensim()
    kv.fill_norms()
    rng = np.random.default_rng(19)
    words = [v.index_to_key[i] for i in rng.choice(100_000, n_queries, replace=False)]

    def ours(w):
        return v.most_similar(w, topn=10)

    def previous(w):
        scores = v.most_similar(w, topn=None)
        rows = argpartition_top_k(scores, 10, [v.get_index(w)])
        return [(v.index_to_key[i], float(scores[i])) for i in rows]

    def gensim(w):
        return kv.most_similar(w, topn=10)

    sides = {"gensim": gensim, "previous": previous, "ours": ours}
    times = {k: [] for k in sides}
    differ = same_words = 0
    for r in range(rounds):
        for w in words:
            got = {}
            for name, fn in sides.items():
                started = time.perf_counter()
                got[name] = fn(w)
                times[name].append(time.perf_counter() - started)
            if r == 0:
                exact = got["previous"]
                if [(a, np.float32(s).tobytes()) for a, s in got["ours"]] != [
                    (a, np.float32(s).tobytes()) for a, s in exact
                ]:
                    differ += 1
                    print("DIFFERENT:", w, got["ours"], exact, flush=True)
                same_words += [a for a, _ in got["gensim"]] == [a for a, _ in exact]
    # the in-memory copy the queries moved to (core.scan_copy) against the memory map itself
    mapped = pretrained.load(v.name)
    mapped.scan_copy_max = 0
    scans = getattr(v, "_scan_copy", None)  # None before core.scan_copy (--previous trees, old checkouts)
    copied = scans is not None and scans.copy is not None
    off_map = sum(v.most_similar(w, topn=None).tobytes() != mapped.most_similar(w, topn=None).tobytes() for w in words)
    if off_map:
        print(f"DIFFERENT: {off_map} queries score otherwise on the in-memory copy than on the map", flush=True)
    differ += off_map
    med = {k: statistics.median(t) * 1000 for k, t in times.items()}
    print(
        f"scans read {'an in-memory copy (from the third query on)' if copied else 'the memory map'}; "
        f"every score of the {len(words)} queries equals the map's: {'no' if off_map else 'yes'}"
    )
    print(
        f"most_similar, one query (median of {rounds} x {len(words)}): gensim {med['gensim']:.2f} ms, "
        f"previous {med['previous']:.2f} ms, ours {med['ours']:.2f} ms; "
        f"ours vs gensim {med['gensim'] / med['ours']:.2f}x, vs previous {med['previous'] / med['ours']:.2f}x"
    )
    print(
        f"checked {len(words)} queries: {differ} differ from the previous path; "
        f"gensim's top 10 words equal ours on {same_words}; load {os.getloadavg()[0]:.1f}; "
        f"peak RSS {peak_mib():.0f} MiB",
        flush=True,
    )
    return 1 if differ else 0


ANALOGY_SIDES = ("add", "mul")


def analogy_child(side: str) -> int:
    """One timed evaluation in this (fresh) process, printed as one JSON line: the call alone is
    timed (loading, and gensim's KeyedVectors copy, are outside the timer). For ours, every
    question's best row and score (what ``TiledScorer.best`` / ``best_analogy_cosmul`` return; the
    names exist in the previous versions too) go into a digest, so two versions can be compared
    question by question, bit for bit."""
    import hashlib
    import json

    from pretrained.evaluate import dataset_path

    q = dataset_path("questions-words")
    v = pretrained.load("glove.6B.50d")
    if side == "gensim":
        kv = v.to_gensim()
        started = time.perf_counter()
        score, sections = kv.evaluate_word_analogies(str(q), restrict_vocab=300000, case_insensitive=True)
        seconds = time.perf_counter() - started
        total = sections[-1]
        out = {"correct": len(total["correct"]), "total": len(total["correct"]) + len(total["incorrect"])}
        out.update(seconds=seconds, accuracy=float(score), digest="", peak_mib=peak_mib())
        print(json.dumps(out))
        return 0
    from pretrained.core import scoring

    seen: list = []
    best, cosmul = scoring.TiledScorer.best, scoring.TiledScorer.best_analogy_cosmul

    def record(fn):
        def wrapped(self, *args, **kwargs):
            rows, scores = fn(self, *args, **kwargs)
            exclude = args[1] if fn is best else args[2]
            seen.append((np.asarray(exclude).copy(), rows.copy(), scores.copy()))
            return rows, scores

        return wrapped

    if side == "add":  # 3CosMul's best_analogy_cosmul may call best() inside: not recorded twice
        scoring.TiledScorer.best = record(best)
    else:
        scoring.TiledScorer.best_analogy_cosmul = record(cosmul)
    started = time.perf_counter()
    r = pretrained.evaluate_analogies(v, q, method=side)
    seconds = time.perf_counter() - started
    x = np.concatenate([e for e, _, _ in seen])
    order = np.lexsort(x.T[::-1])
    h = hashlib.sha256()
    for a in (x, np.concatenate([r for _, r, _ in seen]), np.concatenate([s for _, _, s in seen])):
        h.update(np.ascontiguousarray(a[order]).tobytes())
    out = {"correct": r.total.correct, "total": r.total.total, "seconds": seconds, "accuracy": r.accuracy}
    out.update(digest=h.hexdigest(), peak_mib=peak_mib(), questions=len(x))
    print(json.dumps(out))
    return 0


def analogies(rounds: int, gensim_rounds: int, previous: Optional[str]) -> int:
    """Each side in a fresh process, the sides alternating round by round, medians."""
    import json
    import subprocess

    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    sides = [("ours", m, here) for m in ANALOGY_SIDES]
    if previous:
        sides += [("previous", m, os.path.abspath(previous)) for m in ANALOGY_SIDES]
    res: dict = {}
    for r in range(max(rounds, gensim_rounds)):
        todo = [s for s in sides if r < rounds] + ([("gensim", "add", here)] if r < gensim_rounds else [])
        for who, method, tree in todo if r % 2 == 0 else todo[::-1]:
            env = {**os.environ, "PYTHONPATH": tree}
            side = "gensim" if who == "gensim" else method
            cmd = [sys.executable, os.path.abspath(__file__), "--child", side]
            got = json.loads(subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout)
            got["load"] = os.getloadavg()[0]
            res.setdefault((who, method), []).append(got)
            print(f"{who} {method}: {got['seconds']:.2f} s, {got['correct']} of {got['total']}, load {got['load']:.1f}")
    med = {k: statistics.median(g["seconds"] for g in v) for k, v in res.items()}
    status = 0
    for (who, method), runs in res.items():
        first = runs[0]
        if any(
            (g["correct"], g["total"], g["digest"]) != (first["correct"], first["total"], first["digest"]) for g in runs
        ):
            print(f"{who} {method}: runs differ from each other")
            status = 1
        peak = max(g["peak_mib"] for g in runs)
        print(
            f"median {who} {method}: {med[who, method]:.2f} s over {len(runs)} runs, {first['correct']} of {first['total']} ({100 * first['accuracy']:.3f} %), peak RSS {peak:.0f} MiB"
        )
    add, mul = med["ours", "add"], med["ours", "mul"]
    print(f"3CosMul / 3CosAdd: {mul / add:.2f}")
    if ("gensim", "add") in res:
        g = res["gensim", "add"][0]
        same = (g["correct"], g["total"]) == (res["ours", "add"][0]["correct"], res["ours", "add"][0]["total"])
        print(
            f"3CosAdd vs gensim evaluate_word_analogies: {med['gensim', 'add']:.2f} / {add:.2f} s = {med['gensim', 'add'] / add:.1f}x; same accuracy: {same}"
        )
        status |= 0 if same else 1
    for method in ANALOGY_SIDES if previous else ():
        old, new = res["previous", method][0], res["ours", method][0]
        same = old["digest"] == new["digest"] and old["correct"] == new["correct"]
        print(
            f"{method} vs previous: {med['previous', method]:.2f} / {med['ours', method]:.2f} s = {med['previous', method] / med['ours', method]:.2f}x; every best row and score the same: {same}"
        )
        status |= 0 if same else 1
    print(f"load average now {os.getloadavg()[0]:.1f}")
    return status


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", choices=("similar", "analogies", "all"), default="all")
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--gensim-rounds", type=int, default=1, help="analogies: gensim's runs (~75 s each; 0: none)")
    ap.add_argument("--previous", help="analogies: a tree of an earlier version (git archive REV pretrained)")
    ap.add_argument("--child", choices=(*ANALOGY_SIDES, "gensim"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        return analogy_child(args.child)
    status = 0
    if args.part in ("similar", "all"):
        status |= similar(pretrained.load("glove.6B.50d"), args.queries, args.rounds)
    if args.part in ("analogies", "all"):
        status |= analogies(args.rounds, args.gensim_rounds, args.previous)
    return status


if __name__ == "__main__":
    sys.exit(main())
