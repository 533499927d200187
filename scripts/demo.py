"""The main job, end to end on the embedded GloVe 6B 50d vectors (no internet needed).

    python scripts/demo.py

Loads ``glove.6B.50d`` (converted into the cache on the first run, memory-mapped afterwards),
prints the 10 nearest neighbours of ``hotel`` and answers man : king :: woman : ?. Exits non-zero
when the answer is not ``queen``. Then builds the embedding-layer matrix of a small
TextVectorization-style vocabulary and prints its coverage.
"""
from __future__ import annotations

import re
import sys
import time
from collections import Counter

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

    # Seed a model's embedding layer: a TextVectorization-style vocabulary ('' padding, '[UNK]',
    # then tokens by frequency) -> the float32 weight matrix and how much of it GloVe covers.
    text = ("The hotel guests checked in at the front desk. The hotel in Paris had free WiFi, "
            "a minibar and a rooftop pool; guests loved the concierge and the self-check-in kiosk.")
    counts = Counter(re.findall(r"[a-z0-9'-]+", text.lower()))
    vocab = ["", "[UNK]"] + [w for w, _ in counts.most_common()]
    started = time.perf_counter()
    matrix, report = pretrained.embedding_matrix(v, vocab, counts=counts, return_report=True)
    print(f"\nembedding matrix for a {len(vocab)}-token vocabulary: {matrix.shape} {matrix.dtype} "
          f"in {1000 * (time.perf_counter() - started):.1f} ms")
    print(f"  coverage: {report}")

    from pretrained import cachedir, catalog

    names = catalog.names()
    print(f"\ncatalogue: {len(names)} sets ({', '.join(names[:2])}, ..., {names[-1]}); "
          "`pretrained download NAME` fetches one (resumable, sha256-checked)")
    source = v.meta.get("source") or {}
    origin = f"the installed package {source['package']} (no download)" if source.get("package") else source.get("path")
    print(f"{v.name} came from {origin}")
    items = cachedir.items()
    print(f"cache {cachedir.root()}: {len(items)} items, {sum(i.size for i in items) / 2**20:.0f} MiB "
          f"({', '.join(sorted({i.kind for i in items}))})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
