"""The main job, end to end on the embedded GloVe 6B 50d vectors (no internet needed).

    python scripts/demo.py

Loads ``glove.6B.50d`` (converted into the cache on the first run, memory-mapped afterwards),
prints the 10 nearest neighbours of ``hotel`` and answers man : king :: woman : ?. Exits non-zero
when the answer is not ``queen``.
"""
from __future__ import annotations

import sys
import time

import pretrained


def main() -> int:
    started = time.perf_counter()
    v = pretrained.load("glove.6B.50d")
    print(f"loaded {v!r} in {time.perf_counter() - started:.2f} s from {v.path}")

    print("\n10 nearest neighbours of 'hotel':")
    for word, score in v.most_similar("hotel", topn=10):
        print(f"  {word:<12} {score:.4f}")

    (answer, score), = v.analogy("man", "king", "woman")
    print(f"\nman : king :: woman : {answer}  (cosine {score:.4f})")
    if answer != "queen":
        print("expected 'queen'", file=sys.stderr)
        return 1

    # The same questions through the Annoy index (built into the cache once, memory-mapped after)
    started = time.perf_counter()
    index = v.index()
    print(f"\nindex: {index.n_trees} trees, search_k {index.search_k}, ready in {time.perf_counter() - started:.2f} s ({index.path})")
    print("10 nearest neighbours of 'hotel' through the index:")
    for word, score in index.most_similar("hotel", topn=10):
        print(f"  {word:<12} {score:.4f}")
    (answer, score), = index.analogy("man", "king", "woman")
    print(f"man : king :: woman : {answer}  (cosine {score:.4f}, through the index)")
    if answer != "queen":
        print("expected 'queen' through the index", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
