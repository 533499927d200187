"""The main job, end to end on the embedded GloVe 6B 50d vectors (no internet needed).

    python scripts/demo.py

Loads ``glove.6B.50d`` (converted into the cache on the first run, memory-mapped afterwards),
prints the 10 nearest neighbours of ``hotel`` and answers man : king :: woman : ?; builds the
embedding-layer matrix of a small TextVectorization-style vocabulary and prints its coverage;
shows the catalogue and the cache; evaluates the set (Google analogies, WordSim353, SimLex-999)
and, with the ``plot`` extra, writes a 2-D map of hotel, motel, resort, inn and a few far words to
``maps/hotel-map.png`` in the cache folder and the interactive explorer of the first 5,000 words
plus hotel's neighbours beside it (``maps/hotel-explorer.html``, one offline page); finally builds
(once) or memory-maps the Annoy index and answers the neighbours and the analogy through it. On
the way it trains word2vec on gensim's Lee corpus (seconds, saved as ``lee-word2vec``), shows its
neighbours, compares it with GloVe and embeds three texts. Exits non-zero when an answer is not
``queen``.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections import Counter

import numpy as np

import pretrained


def neighbours_and_analogy(searcher, how: str) -> bool:
    """Print the neighbours of 'hotel' and man : king :: woman : ? from ``searcher`` (the vectors
    or their index); False when the answer is not 'queen'."""
    print(f"\n10 nearest neighbours of 'hotel'{how}:")
    for word, score in searcher.most_similar("hotel", topn=10):
        print(f"  {word:<12} {score:.4f}")
    ((answer, score),) = searcher.analogy("man", "king", "woman")
    print(f"man : king :: woman : {answer}  (cosine {score:.4f}{how})")
    if answer != "queen":
        print(f"expected 'queen'{how}", file=sys.stderr)
    return answer == "queen"


def own_embeddings(glove) -> bool:
    """Train word2vec on gensim's Lee corpus (seconds), save it, show neighbours, compare it with
    GloVe and embed a few texts; False when the trained set does not reload from the cache."""
    from gensim.test.utils import datapath

    started = time.perf_counter()
    lee = pretrained.train(
        datapath("lee_background.cor"),
        "lee-word2vec",
        dim=50,
        min_count=2,
        epochs=20,
        workers=1,
        seed=0,
        overwrite=True,
        progress=False,
    )
    print(
        f"\nyour own embeddings: trained {lee!r} on gensim's Lee corpus in {time.perf_counter() - started:.1f} s, saved at {lee.path}"
    )
    for word in ("police", "cricket"):
        print(f"  {word}: {', '.join(w for w, _ in lee.most_similar(word, topn=6))}")
    r = pretrained.compare(glove, lee)
    print(
        f"  against GloVe: {r.shared:,} shared words, neighbour overlap@10 {r.overlap:.2f}; "
        f"most different: {', '.join(w for w, _ in r.movers(5))}"
    )
    texts = [
        "The fire crews fought the bushfire all night.",
        "Police arrested two men.",
        "Cricket: Australia won the test.",
    ]
    rows = lee.embed(texts)
    sims = (rows @ rows.T) / np.outer(np.linalg.norm(rows, axis=1), np.linalg.norm(rows, axis=1))
    print(
        f"  embedded {len(texts)} texts -> {rows.shape} (mean of known words); cosine text 1 vs 2 {sims[0, 1]:.2f}, 1 vs 3 {sims[0, 2]:.2f}"
    )
    again = pretrained.load("lee-word2vec")
    if again.words != lee.words:
        print("the saved set did not reload", file=sys.stderr)
        return False
    # An HNSW index over it (built into the cache once, under a second at this size)
    started = time.perf_counter()
    hnsw = lee.index(backend="hnsw")
    through = hnsw.most_similar("cricket", topn=6)
    exact = lee.most_similar("cricket", topn=6)
    print(
        f"  HNSW index ({len(hnsw):,} items, ready in {time.perf_counter() - started:.2f} s): cricket -> "
        f"{', '.join(through.words)} ({'equal to' if through.words == exact.words else 'differs from'} exact search)"
    )
    # Your data is not cache: pruning the cache leaves the saved set where it is
    from pretrained.cache import folder

    removed = folder.prune()
    kept = pretrained.load("lee-word2vec")
    print(
        f"  saved sets live apart from the cache, in {os.path.dirname(kept.path)}; `cache prune` removed "
        f"{len(removed)} item(s) and left lee-word2vec alone ({len(kept):,} words)"
    )
    return milvus_index(lee) if kept.words == lee.words else False


def milvus_index(lee) -> bool:
    """The same vectors pushed into an embedded Milvus Lite database (the backend that also talks
    to a Milvus cluster by uri=), asked many words in one batched search."""
    started = time.perf_counter()
    index = lee.index(backend="milvus")
    words = ["police", "cricket", "fire", "government"]
    answers = index.most_similar_batch(words, topn=5)
    exact = lee.most_similar_batch(words, topn=5)
    same = sum(a.words == e.words for a, e in zip(answers, exact))
    print(
        f"  Milvus Lite index ({len(index):,} rows, ready in {time.perf_counter() - started:.1f} s), "
        f"{len(words)} words in one search: cricket -> {', '.join(answers[1].words)} "
        f"({same} of {len(words)} equal to exact search)"
    )
    if same < len(words) - 1:
        print("the Milvus index disagrees with exact search", file=sys.stderr)
        return False
    return True


def main() -> int:
    started = time.perf_counter()
    v = pretrained.load("glove.6B.50d")
    print(f"loaded {v!r} in {time.perf_counter() - started:.2f} s from {v.path}")

    if not neighbours_and_analogy(v, ""):
        return 1

    # Seed a model's embedding layer: a TextVectorization-style vocabulary ('' padding, '[UNK]',
    # then tokens by frequency) -> the float32 weight matrix and how much of it GloVe covers.
    text = (
        "The hotel guests checked in at the front desk. The hotel in Paris had free WiFi, "
        "a minibar and a rooftop pool; guests loved the concierge and the self-check-in kiosk."
    )
    counts = Counter(re.findall(r"[a-z0-9'-]+", text.lower()))
    vocab = ["", "[UNK]"] + [w for w, _ in counts.most_common()]
    started = time.perf_counter()
    matrix, report = pretrained.embedding_matrix(v, vocab, counts=counts, return_report=True)
    print(
        f"\nembedding matrix for a {len(vocab)}-token vocabulary: {matrix.shape} {matrix.dtype} "
        f"in {1000 * (time.perf_counter() - started):.1f} ms"
    )
    print(f"  coverage: {report}")

    from pretrained.cache import folder as cachedir
    from pretrained.remote import catalog

    names = catalog.names()
    print(
        f"\ncatalogue: {len(names)} sets ({', '.join(names[:2])}, ..., {names[-1]}); "
        "`pretrained download NAME` fetches one (resumable, sha256-checked)"
    )
    source = v.meta.get("source") or {}
    origin = f"the installed package {source['package']} (no download)" if source.get("package") else source.get("path")
    print(f"{v.name} came from {origin}")
    items = cachedir.items()
    print(
        f"cache {cachedir.root()}: {len(items)} items, {sum(i.size for i in items) / 2**20:.0f} MiB "
        f"({', '.join(sorted({i.kind for i in items}))})"
    )
    # How good is the set, and a picture of where its words sit.
    r = pretrained.evaluate_analogies(v)
    print(
        f"\nGoogle analogies (gensim's rules): {100 * r.accuracy:.1f}% "
        f"(semantic {100 * r.semantic:.1f}%, syntactic {100 * r.syntactic:.1f}%) in {r.seconds:.1f} s"
    )
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

    # The interactive explorer: one offline HTML page (search, neighbours, analogies, clusters)
    from pretrained.config import cache_dir

    page = pretrained.explore(
        v, ["hotel"], vocab=5000, groups="kmeans:8", path=cache_dir() / "maps" / "hotel-explorer.html"
    )
    print(
        f"explorer of {page.count:,} words ({page.size / 2**20:.1f} MiB, offline) written to {page.path}\n"
        f"  open {page.path.resolve().as_uri()}#q=hotel"
    )

    if not own_embeddings(v):
        return 1

    # The same questions through the Annoy index (built into the cache once, memory-mapped after)
    started = time.perf_counter()
    index = v.index()
    print(
        f"\nindex: {index.n_trees} trees, search_k {index.search_k}, ready in {time.perf_counter() - started:.2f} s ({index.path})"
    )
    if not neighbours_and_analogy(index, " through the index"):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
