"""Benchmark (issue 19): one-query ``most_similar`` and the Google analogies on glove.6B.50d, each
side measured in the same run, the sides alternating, medians, with peak memory.

    python scripts/bench_speed.py [--part similar|analogies|all] [--queries 300] [--rounds 3]

``similar``: ``Vectors.most_similar(word)`` (topn=10) against gensim's ``KeyedVectors.most_similar``
and against the previous code path (the float32 scores, ``most_similar(word, topn=None)``, then the
partial sort of every score that ``scoring.top_k`` did before), one query of each side in turn, over ``--queries`` words drawn from the first
100,000. Every query's answer is compared with the full pass's: words and float32 scores bit for
bit (the script exits 1 on a difference).

``analogies``: ``evaluate_analogies`` with 3CosAdd and 3CosMul, alternating, with accuracy.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time

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
    med = {k: statistics.median(t) * 1000 for k, t in times.items()}
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


def previous_cosmul(self, unique, picks, exclude=None):
    """3CosMul before issue 19's spans: 16 questions' gathered rows a tile at a time."""
    return self.best([unique], exclude, 1, picks=picks)


def analogies(v, rounds: int) -> int:
    from pretrained.core import scoring
    from pretrained.evaluate import dataset_path

    q = dataset_path("questions-words")
    spans = scoring.TiledScorer.best_analogy_cosmul
    res: dict = {"add": [], "mul": [], "mul previous": []}
    answers: dict = {}
    for _ in range(rounds):
        for side in res:
            scoring.TiledScorer.best_analogy_cosmul = previous_cosmul if side == "mul previous" else spans
            t = time.perf_counter()
            x = pretrained.evaluate_analogies(v, q, method=side.split()[0])
            res[side].append(time.perf_counter() - t)
            answers[side] = [(s.questions_correct, s.questions_incorrect) for s in x.sections]
            print(side, round(res[side][-1], 2), "s accuracy", x.accuracy, flush=True)
    scoring.TiledScorer.best_analogy_cosmul = spans
    med = {k: statistics.median(t) for k, t in res.items()}
    same = answers["mul"] == answers["mul previous"]
    print(
        f"median add {med['add']:.2f} s, mul {med['mul']:.2f} s (previous path {med['mul previous']:.2f} s, "
        f"{med['mul previous'] / med['mul']:.2f}x), mul/add {med['mul'] / med['add']:.2f}; every question answered "
        f"the same by both 3CosMul paths: {same}; load {os.getloadavg()[0]:.1f}; peak RSS {peak_mib():.0f} MiB"
    )
    return 0 if same else 1


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", choices=("similar", "analogies", "all"), default="all")
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv)
    v = pretrained.load("glove.6B.50d")
    status = 0
    if args.part in ("similar", "all"):
        status |= similar(v, args.queries, args.rounds)
    if args.part in ("analogies", "all"):
        status |= analogies(v, max(2, args.rounds - 1))
    return status


if __name__ == "__main__":
    sys.exit(main())
