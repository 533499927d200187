"""The main job, end to end on the embedded GloVe 6B 50d vectors (no internet needed).

    python scripts/demo.py

Loads ``glove.6B.50d`` (converted into the cache on the first run, memory-mapped afterwards),
prints the 10 nearest neighbours of ``hotel`` and answers man : king :: woman : ?. Exits non-zero
when the answer is not ``queen``. Then evaluates the set (Google analogies, WordSim353,
SimLex-999) and, with the ``plot`` extra, writes a 2-D map of hotel, motel, resort, inn and a few
far words to ``maps/hotel-map.png`` in the cache folder.
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

    # issue 6: how good is the set, and a picture of where words sit
    r = pretrained.evaluate_analogies(v)
    print(f"\nGoogle analogies (gensim's rules): {100 * r.accuracy:.1f}% "
          f"(semantic {100 * r.semantic:.1f}%, syntactic {100 * r.syntactic:.1f}%) in {r.seconds:.1f} s")
    for name in ("wordsim353", "simlex999"):
        p = pretrained.evaluate_pairs(v, name)
        print(f"{name}: spearman {p.spearman:.3f} over {p.pairs} pairs")
    try:
        import matplotlib  # noqa: F401  (the `plot` extra)
    except ImportError:
        print("\n(no map: pip install 'pretrained[plot]' to draw one)")
    else:
        from pretrained.config import cache_dir

        out = cache_dir() / "maps" / "hotel-map.png"
        out.parent.mkdir(parents=True, exist_ok=True)
        words = ["hotel", "motel", "resort", "inn", "banana", "guitar", "football", "physics"]
        pretrained.save_map(v, words, out, neighbours=0)
        print(f"\nmap of {', '.join(words)} written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
