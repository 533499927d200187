"""Benchmark: ``pretrained.evaluate_analogies`` against gensim's ``evaluate_word_analogies`` on
the real glove.6B.50d and Google's analogy set, measured in the same run.

    python scripts/bench_evaluate.py [--repeat 2] [--name glove.6B.50d] [--skip-gensim]

Times exactly the evaluation call of each (loading and the gensim KeyedVectors copy are outside
the timers), checks that both give the same accuracy, prints the ratio. The machine is shared, so
only the ratio measured here means anything; ours runs before and after gensim and the mean is used.
Also times ``evaluate_pairs`` against gensim's ``evaluate_word_pairs`` on WordSim353 and SimLex-999.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import pretrained
from pretrained.evaluate import dataset_path


def timed(fn, *args, **kwargs):
    started = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - started, out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--name", default="glove.6B.50d")
    ap.add_argument("--repeat", type=int, default=1, help="our runs before and after gensim (each)")
    ap.add_argument("--skip-gensim", action="store_true")
    args = ap.parse_args(argv)

    v = pretrained.load(args.name)
    questions = dataset_path("questions-words")
    print(f"{v!r}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")

    ours = []
    for _ in range(args.repeat):
        dt, r = timed(pretrained.evaluate_analogies, v, questions)
        ours.append(dt)
        print(
            f"pretrained (exact, 3CosAdd): {dt:7.2f} s  accuracy {100 * r.accuracy:.2f}%  "
            f"semantic {100 * r.semantic:.2f}%  syntactic {100 * r.syntactic:.2f}%",
            flush=True,
        )
    if args.skip_gensim:
        return 0

    kv = v.to_gensim()
    g_dt, (g_score, _g_sections) = timed(kv.evaluate_word_analogies, str(questions))
    print(f"gensim evaluate_word_analogies: {g_dt:7.2f} s  accuracy {100 * g_score:.2f}%", flush=True)

    for _ in range(args.repeat):
        dt, r2 = timed(pretrained.evaluate_analogies, v, questions)
        ours.append(dt)
        print(f"pretrained (exact, 3CosAdd): {dt:7.2f} s  accuracy {100 * r2.accuracy:.2f}%", flush=True)

    mean = statistics.mean(ours)
    diff = abs(100 * (r.accuracy - g_score))
    print(
        f"\nanalogies: gensim / pretrained = {g_dt:.2f} / {mean:.2f} = {g_dt / mean:.1f}x faster "
        f"(best of ours {g_dt / min(ours):.1f}x); accuracy difference {diff:.3f} points "
        f"(load average now {os.getloadavg()[0]:.1f})"
    )

    for name in ("wordsim353", "simlex999"):
        path = dataset_path(name)
        o_dt, o = timed(pretrained.evaluate_pairs, v, path)
        g_dt2, (pearson, spearman, _oov) = timed(kv.evaluate_word_pairs, str(path))
        print(
            f"pairs {name}: spearman ours {o.spearman:.4f} gensim {spearman[0]:.4f}, "
            f"pearson ours {o.pearson:.4f} gensim {pearson[0]:.4f}; "
            f"{o_dt * 1000:.1f} ms vs {g_dt2 * 1000:.1f} ms ({g_dt2 / o_dt:.1f}x)"
        )
    return 0 if diff < 0.1 else 1


if __name__ == "__main__":
    sys.exit(main())
