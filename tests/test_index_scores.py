"""Scores and exclusions that a test on random data would not notice (issue 17 F):

* 3CosAdd must drop all three input words, exact and through every index backend: the data is
  built so that, for each of ``a``, ``b`` and ``c`` in turn, that input word would rank first.
* Every backend's score of a vector query is the cosine (Annoy: ``1 - d*d/2`` from its angular
  distance, not ``1 - d``): checked against exact cosines well away from 1.0, where the two differ.

Expected answers are computed here with NumPy from the raw rows, not taken from the library.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import require

import pretrained
from pretrained.index import build_index

BACKENDS = [
    pytest.param("annoy", {"n_trees": 10}, id="annoy"),
    pytest.param("hnsw", {"M": 16, "ef_construction": 200}, id="hnsw"),
]
EXHAUSTIVE = 100_000  # a search effort that visits every item of these small sets


def unit(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def analogy_set(seed: int = 3):
    """Random words plus three triples; in triple ``k`` the input word at position ``k`` is the
    nearest word to the 3CosAdd query b - a + c (so it ranks first unless excluded)."""
    rng = np.random.default_rng(seed)
    dim = 12
    rows, words, triples = [], [], []
    for k, name in enumerate("abc"):
        base = unit(rng.standard_normal(dim))
        d1, d2 = 0.15 * unit(rng.standard_normal(dim)), 0.15 * unit(rng.standard_normal(dim))
        if k == 0:  # b - a ≈ a - c: the query b - a + c points at a
            a, b, c = base, base + d1, base - d1 + 0.3 * d2
        elif k == 1:  # c ≈ a: the query points at b
            a, b, c = base, base + 3 * d1, base + 0.2 * d2
        else:  # b ≈ a: the query points at c
            a, b, c = base, base + 0.2 * d2, base + 3 * d1
        names = [f"{name}{k}-{x}" for x in "abc"]
        rows += [a, b, c]
        words += names
        triples.append(tuple(names))
    noise = rng.standard_normal((200, dim))
    rows += list(noise)
    words += [f"n{i}" for i in range(len(noise))]
    v = pretrained.Vectors(words, np.array(rows, dtype=np.float32), name="analogy")
    return v, triples


def expected_3cosadd(v, triple, exclude: bool = True):
    """The best word for b - a + c by cosine (unit rows), the three inputs excluded or not."""
    U = unit(v.vectors)
    a, b, c = (U[v.get_index(w)] for w in triple)
    scores = U @ unit(b - a + c)
    if exclude:
        scores[[v.get_index(w) for w in triple]] = -np.inf
    return v.index_to_key[int(np.argmax(scores))]


def test_the_data_makes_each_input_word_rank_first():
    v, triples = analogy_set()
    assert [expected_3cosadd(v, t, exclude=False) for t in triples] == [t[k] for k, t in enumerate(triples)]


def test_exact_analogy_batch_excludes_all_three_inputs():
    v, triples = analogy_set()
    got = v.analogy_batch(triples, topn=3)
    for triple, answer in zip(triples, got):
        assert not set(answer.words) & set(triple), (triple, answer.words)
        assert answer.words[0] == expected_3cosadd(v, triple)
    assert [r.words for r in got] == [v.analogy(*t, topn=3).words for t in triples]


@pytest.mark.parametrize("backend, params", BACKENDS)
def test_index_analogy_batch_excludes_all_three_inputs(tmp_path, backend, params):
    require("hnswlib", "hnsw")
    v, triples = analogy_set()
    index = build_index(v, tmp_path / f"{backend}.ann", backend=backend, progress=False, **params)
    got = index.analogy_batch(triples, topn=3, search_k=EXHAUSTIVE, n_jobs=1)
    for triple, answer in zip(triples, got):
        assert not set(answer.words) & set(triple), (triple, answer.words)
        assert answer.words[0] == expected_3cosadd(v, triple)


@pytest.mark.parametrize("backend, params", BACKENDS)
def test_vector_query_scores_are_cosines_away_from_one(tmp_path, backend, params):
    require("hnswlib", "hnsw")
    rng = np.random.default_rng(11)
    v = pretrained.Vectors([f"w{i}" for i in range(300)], rng.standard_normal((300, 16)).astype(np.float32))
    index = build_index(v, tmp_path / f"{backend}.ann", backend=backend, progress=False, **params)
    U = unit(v.vectors)
    checked = []
    for q in rng.standard_normal((5, 16)):  # random queries: best cosines far below 1.0
        got = index.most_similar(q.astype(np.float32), topn=20, search_k=EXHAUSTIVE)
        exact = U @ unit(q)
        want = [float(exact[v.get_index(w)]) for w in got.words]
        np.testing.assert_allclose([s for _, s in got], want, atol=1e-5)
        checked += want
    assert max(checked) < 0.9 and min(checked) < 0.4  # where 1 - d and 1 - d*d/2 differ widely
    # a stored word's neighbours (the item path) too
    got = index.most_similar("w4", topn=10, search_k=EXHAUSTIVE)
    exact = U @ U[4]
    np.testing.assert_allclose([s for _, s in got], [float(exact[v.get_index(w)]) for w in got.words], atol=1e-5)
