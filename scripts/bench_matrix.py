"""Benchmark: the embedding matrix of a 20,000-token vocabulary from the real 400,000-word GloVe 6B
50d set, ``pretrained.embedding_matrix`` against the Keras guide's hand loop, on the same data in
the same run.

    python scripts/bench_matrix.py [--tokens 20000] [--repeat 7]

Both sides start from ready lookups, so only the matrix step is timed: ours from the loaded
``Vectors`` (its word -> row dict built once, as ``load`` users get it), the guide from its
``embeddings_index`` dict of word -> vector (built outside the timing, as the guide does while
parsing the text file). The vocabulary is TextVectorization-shaped: ``''``, ``'[UNK]'``, then GloVe
words drawn at random from every frequency band, 5% of them unknown or capitalised. Every
repetition gets freshly made token strings (no cached hashes), like strings coming from TensorFlow.
The guide's loop is copied from keras-io's "Using pre-trained word embeddings" with one fix: the
matrix has ``len(voc)`` rows (the guide allocates ``len(voc) + 2``).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time

import numpy as np

import pretrained


def guide_loop(voc, embeddings_index, embedding_dim):
    """keras-io pretrained_word_embeddings.py, verbatim but for ``num_tokens``."""
    word_index = dict(zip(voc, range(len(voc))))
    num_tokens = len(voc)
    hits = 0
    misses = 0
    embedding_matrix = np.zeros((num_tokens, embedding_dim))
    for word, i in word_index.items():
        embedding_vector = embeddings_index.get(word)
        if embedding_vector is not None:
            embedding_matrix[i] = embedding_vector
            hits += 1
        else:
            misses += 1
    return embedding_matrix, hits, misses


def make_vocabulary(v: pretrained.Vectors, n: int, seed: int = 0) -> list:
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(v), n - 2, replace=False)
    words = v.index_to_key
    tokens = [words[i] for i in rows.tolist()]
    for k in rng.choice(len(tokens), len(tokens) // 20, replace=False).tolist():
        tokens[k] = tokens[k].capitalize() if k % 2 else f"{tokens[k]}-zz{k}"  # fallbacks and misses
    return ["", "[UNK]", *tokens]


def fresh(tokens: list) -> list:
    return [t.encode("utf-8").decode("utf-8") for t in tokens]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tokens", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args(argv)

    v = pretrained.load("glove.6B.50d")
    vocab = make_vocabulary(v, args.tokens)
    np.asarray(v.vectors).sum()  # page the memory-mapped matrix in for both sides

    started = time.perf_counter()
    key_to_index = v.key_to_index  # built on first use, then kept by the Vectors
    build_index = time.perf_counter() - started
    embeddings_index = {w: v.vectors[i] for w, i in key_to_index.items()}  # the guide's dict, untimed

    # The guide's dict holds 400,000 row views: keep the cyclic GC from traversing them in the
    # middle of whichever side happens to be running (it would add ~0.2 s to a random run).
    gc.collect()
    gc.freeze()

    ours_t, guide_t = [], []
    for r in range(args.repeat):
        for side in (0, 1) if r % 2 == 0 else (1, 0):  # alternate who goes first
            tokens = fresh(vocab)
            if side == 0:
                t0 = time.perf_counter()
                ours, report = pretrained.embedding_matrix(v, tokens, lowercase=False, return_report=True)
                ours_t.append(time.perf_counter() - t0)
            else:
                t0 = time.perf_counter()
                ref, hits, misses = guide_loop(tokens, embeddings_index, v.dim)
                guide_t.append(time.perf_counter() - t0)

    # the same data: identical matrices and hit counts (the guide counts '' and [UNK] as misses)
    assert np.array_equal(ours, ref.astype(np.float32)), "matrices differ"
    assert report.hits == hits and report.misses == misses - 2, (report, hits, misses)

    fallback_t = []
    for _ in range(args.repeat):
        tokens = fresh(vocab)
        t0 = time.perf_counter()
        _, with_fallback = pretrained.embedding_matrix(v, tokens, return_report=True)
        fallback_t.append(time.perf_counter() - t0)

    o, g = statistics.median(ours_t), statistics.median(guide_t)
    print(f"{args.tokens:,} tokens from {v!r}, median of {args.repeat} runs each, same run:")
    print(f"  pretrained.embedding_matrix  {o * 1e3:8.2f} ms   (min {min(ours_t) * 1e3:.2f} ms)")
    print(f"  Keras guide hand loop        {g * 1e3:8.2f} ms   (min {min(guide_t) * 1e3:.2f} ms)")
    print(f"  ratio guide / ours           {g / o:8.1f} x")
    print(
        f"  ours with lowercase fallback {statistics.median(fallback_t) * 1e3:8.2f} ms   ({with_fallback.lowercased:,} tokens found through it)"
    )
    print(f"  one-off word -> row dict     {build_index * 1e3:8.2f} ms   (first call on a freshly loaded Vectors)")
    print(f"  coverage: {report}")
    target = 0.1
    print(f"  target < {target * 1e3:.0f} ms: {'met' if o < target else 'NOT met'}")
    return 0 if o < target else 1


if __name__ == "__main__":
    sys.exit(main())
