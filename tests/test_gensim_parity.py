"""gensim's own KeyedVectors query test cases (gensim/test/test_keyedvectors.py, gensim 4.4), run
against :class:`pretrained.Vectors` loaded from the same files, each compared with gensim's answer
computed in the same test (nothing hard-coded beyond what gensim's test itself asserts)."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pytest
from conftest import gensim_test_data, require

import pretrained
from pretrained.errors import FormatError

gensim_kv = require("gensim.models.keyedvectors", "gensim")
KeyedVectors = gensim_kv.KeyedVectors

WORDNET_GOOD = [
    "good",
    "goodness",
    "commodity",
    "trade_good",
    "full",
    "estimable",
    "honorable",
    "respectable",
    "beneficial",
    "just",
    "upright",
    "adept",
    "expert",
    "practiced",
    "proficient",
    "skillful",
    "skilful",
    "dear",
    "near",
    "dependable",
    "safe",
    "secure",
    "right",
    "ripe",
    "well",
    "effective",
    "in_effect",
    "in_force",
    "serious",
    "sound",
    "salutary",
    "honest",
    "undecomposed",
    "unspoiled",
    "unspoilt",
    "thoroughly",
    "soundly",
]
MEAN_KEYS = ["conflict", "administration", "terrorism", "call", "an out-of-vocabulary word"]


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """(gensim's KeyedVectors, our Vectors) of gensim's euclidean_vectors.bin."""
    path = gensim_test_data("euclidean_vectors.bin")
    kv = KeyedVectors.load_word2vec_format(str(path), binary=True)
    v = pretrained.load(path, cache_dir=tmp_path_factory.mktemp("parity"))
    assert v.index_to_key == kv.index_to_key
    return kv, v


def same_neighbours(ours, theirs, tol=1e-5):
    assert [w for w, _ in ours] == [w for w, _ in theirs]
    np.testing.assert_allclose([s for _, s in ours], [s for _, s in theirs], atol=tol)


# ---------------------------------------------------------------- most_similar and friends


def test_most_similar(pair):
    kv, v = pair
    same_neighbours(v.most_similar("war", topn=5), kv.most_similar("war", topn=5))


@pytest.mark.parametrize("method", ["most_similar", "most_similar_cosmul"])
def test_most_similar_parameter_types(pair, method):
    kv, v = pair
    ours, theirs = functools.partial(getattr(v, method), topn=5), functools.partial(getattr(kv, method), topn=5)
    position = ours("war", "peace")
    assert (
        position
        == ours(["war"], ["peace"])
        == ours(positive="war", negative="peace")
        == ours(positive=["war"], negative=["peace"])
    )
    same_neighbours(position, theirs("war", "peace"))


def test_most_similar_topn_none_and_restrict_vocab(pair):
    kv, v = pair
    assert len(v.most_similar("war", topn=10)) == 10
    np.testing.assert_allclose(v.most_similar("war", topn=None), kv.most_similar("war", topn=None), atol=1e-5)
    ours = v.most_similar("war", topn=5, restrict_vocab=5)
    assert {w for w, _ in ours} == set(v.index_to_key[:5])  # gensim's own assertion
    same_neighbours(ours, kv.most_similar("war", topn=5, restrict_vocab=5))


def test_most_similar_raises_keyerror(pair):
    kv, v = pair
    with pytest.raises(KeyError):
        kv.most_similar("not_in_vocab")
    with pytest.raises(KeyError):
        v.most_similar("not_in_vocab")


def test_most_similar_with_vector_input_and_similar_by(pair):
    kv, v = pair
    vec = kv["war"]
    same_neighbours(v.most_similar([vec], topn=5), kv.most_similar([vec], topn=5))
    same_neighbours(v.similar_by_vector(vec, topn=5), kv.similar_by_vector(vec, topn=5))
    same_neighbours(v.similar_by_word("war", topn=5), kv.similar_by_word("war", topn=5))
    same_neighbours(v.similar_by_key("war", topn=5), kv.similar_by_key("war", topn=5))
    assert v.similar_by_vector(vec, topn=1)[0][0] == "war"  # a vector query leaves nothing out


def test_most_similar_to_given(pair):
    kv, v = pair
    for key, given in [("war", ["terrorism", "call", "waging"]), ("good", ["nice", "worst", "war"])]:
        assert v.most_similar_to_given(key, given) == kv.most_similar_to_given(key, given)


def test_relative_cosine_similarity(pair):
    kv, v = pair
    for wb in ("nice", "worst", "war"):
        assert v.relative_cosine_similarity("good", wb, 10) == pytest.approx(
            kv.relative_cosine_similarity("good", wb, 10), abs=1e-6
        )
    sims = sorted((v.similarity("good", s) for s in WORDNET_GOOD if s in v), reverse=True)
    rcs_wordnet = v.similarity("good", "nice") / sum(sims[:10])
    rcs = v.relative_cosine_similarity("good", "nice", 10)
    assert rcs_wordnet >= rcs and np.allclose(rcs_wordnet, rcs, 0, 0.125)  # gensim's own assertions
    assert v.relative_cosine_similarity("good", "worst", 10) < 0.10


# ---------------------------------------------------------------- similarity and distance


@pytest.mark.parametrize("w1,w2", [("war", "conflict"), ("war", "war"), ("good", "worst"), ("peace", "call")])
def test_similarity_and_distance(pair, w1, w2):
    kv, v = pair
    assert v.similarity(w1, w2) == pytest.approx(float(kv.similarity(w1, w2)), abs=1e-6)
    assert v.distance(w1, w2) == pytest.approx(float(kv.distance(w1, w2)), abs=1e-6)
    if w1 == w2:
        assert v.distance(w1, w2) == pytest.approx(0, abs=1e-6)


def test_distances(pair):
    kv, v = pair
    np.testing.assert_allclose(v.distances("war"), kv.distances("war"), atol=1e-5)
    np.testing.assert_allclose(
        v.distances("war", ["conflict", "call"]), kv.distances("war", ["conflict", "call"]), atol=1e-6
    )
    vec = kv["peace"] * 3
    np.testing.assert_allclose(v.distances(vec, ["war"]), kv.distances(vec, ["war"]), atol=1e-6)


def test_n_similarity(pair):
    kv, v = pair
    for a, b in [(["war", "good"], ["conflict"]), (["sydney", "war"], ["call", "peace", "good"])]:
        assert v.n_similarity(a, b) == pytest.approx(float(kv.n_similarity(a, b)), abs=1e-6)
    with pytest.raises(ZeroDivisionError):
        v.n_similarity([], ["war"])


def test_get_mean_vector(pair):
    kv, v = pair
    weights = [1, 2, 3, 1, 2]
    for kw in ({}, {"weights": weights}, {"pre_normalize": False}, {"post_normalize": True}):
        np.testing.assert_allclose(v.get_mean_vector(MEAN_KEYS, **kw), kv.get_mean_vector(MEAN_KEYS, **kw), atol=1e-6)
    mixed = ["war", kv["peace"]]
    np.testing.assert_allclose(v.get_mean_vector(mixed), kv.get_mean_vector(mixed), atol=1e-6)
    with pytest.raises(KeyError):
        v.get_mean_vector(MEAN_KEYS, ignore_missing=False)
    with pytest.raises(ValueError):
        v.get_mean_vector([])


def test_get_vector_and_has_index_for(pair):
    kv, v = pair
    np.testing.assert_array_equal(v.get_vector("war"), kv.get_vector("war"))
    np.testing.assert_allclose(v.get_vector("war", norm=True), kv.get_vector("war", norm=True), atol=1e-7)
    assert not v.get_vector("war").flags.writeable
    for key in ("war", "not_in_vocab"):
        assert v.has_index_for(key) == kv.has_index_for(key)


# ---------------------------------------------------------------- rank, closer_than, doesnt_match


@pytest.mark.parametrize("w1,w2", [("war", "war"), ("war", "terrorism"), ("war", "israel"), ("good", "nice")])
def test_closer_than_and_rank(pair, w1, w2):
    kv, v = pair
    assert v.closer_than(w1, w2) == kv.closer_than(w1, w2)
    assert v.words_closer_than(w1, w2) == v.closer_than(w1, w2)
    assert v.rank(w1, w2) == kv.rank(w1, w2)


@pytest.mark.parametrize(
    "words", [["war", "conflict", "terrorism", "good"], ["good", "nice", "worst", "israel", "unknownword"]]
)
def test_doesnt_match(pair, words):
    kv, v = pair
    assert v.doesnt_match(words) == kv.doesnt_match(words)
    ours, theirs = v.rank_by_centrality(words), kv.rank_by_centrality(words)
    assert [w for _, w in ours] == [w for _, w in theirs]


# ---------------------------------------------------------------- vectors_for_all, counts


def test_vectors_for_all(pair):
    kv, v = pair
    words = ["conflict", "administration", "terrorism", "an out-of-vocabulary word", "conflict"]
    ours, theirs = v.vectors_for_all(words), kv.vectors_for_all(words)
    assert isinstance(ours, pretrained.Vectors)
    assert ours.index_to_key == theirs.index_to_key and len(ours) == 3
    np.testing.assert_array_equal(ours.vectors, theirs.vectors)
    assert v.vectors_for_all(["conflict"], copy_vecattrs=True).get_vecattr("conflict", "count") == kv.get_vecattr(
        "conflict", "count"
    )
    fresh = v.vectors_for_all(["conflict"], copy_vecattrs=False).get_vecattr("conflict", "count")
    assert fresh == kv.vectors_for_all(["conflict"], copy_vecattrs=False).get_vecattr("conflict", "count")
    assert fresh != kv.get_vecattr("conflict", "count")


def test_made_up_counts_match_gensim(pair):
    kv, v = pair
    for w in ("war", "conflict", kv.index_to_key[0], kv.index_to_key[-1]):
        assert v.get_vecattr(w, "count") == kv.get_vecattr(w, "count")
    with pytest.raises(KeyError):
        v.get_vecattr("war", "colour")


@pytest.mark.parametrize("errors", ["replace", "ignore"])
def test_load_model_and_vocab_file(errors):
    model, vocab = (
        gensim_test_data("w2v_keyedvectors_load_test.modeldata"),
        gensim_test_data("w2v_keyedvectors_load_test.vocab"),
    )
    kv = KeyedVectors.load_word2vec_format(str(model), fvocab=str(vocab), binary=False, unicode_errors=errors)
    v = pretrained.load(model, fvocab=vocab, unicode_errors=errors)
    assert v.index_to_key == kv.index_to_key
    for w in kv.index_to_key:
        assert v.get_vecattr(w, "count") == kv.get_vecattr(w, "count")
        assert v.key_to_index[w] == kv.key_to_index[w]
        np.testing.assert_array_equal(v.get_vector(w), kv.get_vector(w))


def test_load_model_and_vocab_file_strict():
    model, vocab = (
        gensim_test_data("w2v_keyedvectors_load_test.modeldata"),
        gensim_test_data("w2v_keyedvectors_load_test.vocab"),
    )
    with pytest.raises(UnicodeDecodeError):
        KeyedVectors.load_word2vec_format(str(model), fvocab=str(vocab), binary=False, unicode_errors="strict")
    with pytest.raises(FormatError):
        pretrained.load(model, fvocab=vocab, unicode_errors="strict")


def test_fvocab_incomplete_and_malformed(tmp_path):
    model = tmp_path / "m.txt"
    model.write_text("2 2\na 1 2\nb 3 4\n", encoding="utf-8")
    (tmp_path / "part.vocab").write_text("a 5\n", encoding="utf-8")
    (tmp_path / "bad.vocab").write_text("a 5\nb five\n", encoding="utf-8")
    # gensim 4.4 means None for a word the file lacks, but then fails allocating the attribute
    with pytest.raises(TypeError):
        KeyedVectors.load_word2vec_format(str(model), fvocab=str(tmp_path / "part.vocab"))
    v = pretrained.load(model, fvocab=tmp_path / "part.vocab")
    assert [v.get_vecattr(w, "count") for w in "ab"] == [5, None]
    with pytest.raises(FormatError, match=r"bad\.vocab, line 2"):
        pretrained.load(model, fvocab=tmp_path / "bad.vocab")


@pytest.mark.parametrize("datatype", [np.float16, np.float64])
def test_datatype(pair, datatype, tmp_path):
    kv16 = KeyedVectors.load_word2vec_format(
        str(gensim_test_data("euclidean_vectors.bin")), binary=True, datatype=datatype
    )
    v16 = pretrained.load(gensim_test_data("euclidean_vectors.bin"), datatype=datatype)
    assert v16.vectors.dtype == kv16.vectors.dtype == datatype
    np.testing.assert_array_equal(v16.vectors, kv16.vectors)
    assert np.load(Path(v16.path) / "vectors.npy", mmap_mode="r").dtype == np.float32  # the cache stays float32
    assert [w for w, _ in v16.most_similar("war", topn=3)] == [w for w, _ in kv16.most_similar("war", topn=3)]


# ---------------------------------------------------------------- load/save round trips


def _random_kv(n=20, dim=100):
    kv = KeyedVectors(vector_size=dim)
    kv.add_vectors([str(i) for i in range(n)], [gensim_kv.pseudorandom_weak_vector(dim) for _ in range(n)])
    return kv


@pytest.mark.parametrize("binary,no_header", [(False, False), (True, False), (False, True)])
def test_gensim_saves_we_load(tmp_path, binary, no_header):
    kv = _random_kv()
    path = tmp_path / "kv.txt"
    kv.save_word2vec_format(str(path), binary=binary, write_header=not no_header)
    v = pretrained.load(path)
    assert v.index_to_key == kv.index_to_key
    np.testing.assert_array_equal(v.vectors, kv.vectors)


@pytest.mark.parametrize(
    "fmt,binary,no_header", [("word2vec", True, False), ("word2vec-text", False, False), ("glove", False, True)]
)
def test_we_save_gensim_loads(tmp_path, fmt, binary, no_header):
    kv = _random_kv()
    v = pretrained.Vectors.from_gensim(kv)
    path = tmp_path / "out.vec"
    v.save(path, format=fmt)
    back = KeyedVectors.load_word2vec_format(str(path), binary=binary, no_header=no_header)
    assert back.index_to_key == kv.index_to_key
    if binary:
        np.testing.assert_array_equal(back.vectors, kv.vectors)
    else:  # our text is Stanford's %.6g (gensim writes repr, exact): equal to 6 significant digits
        np.testing.assert_allclose(back.vectors, kv.vectors, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("limit", [None, 1, 2])
@pytest.mark.parametrize(
    "w2v",
    [
        {"abc": [1, 2, 3], "cde": [4, 5, 6], "def": [7, 8, 9]},
        {"abc": [1, 2, 3], "cdefg": [4, 5, 6], "d": [7, 8, 9]},
        {"\nabc": [1, 2, 3], "cdefdg": [4, 5, 6], "\n\ndef": [7, 8, 9]},  # gensim's space-stripping case
    ],
)
def test_load_word2vec_format_binary(tmp_path, w2v, limit):
    path = tmp_path / "w2v.bin"
    with open(path, "wb") as f:
        f.write(b"%d %d\n" % (len(w2v), 3))
        for word, vec in w2v.items():
            f.write(word.encode() + b" " + np.array(vec, dtype=np.float32).tobytes())
    kv = KeyedVectors.load_word2vec_format(str(path), binary=True, limit=limit)
    v = pretrained.load(path, limit=limit)
    assert v.index_to_key == kv.index_to_key
    np.testing.assert_array_equal(v.vectors, kv.vectors)


# ---------------------------------------------------------------- evaluation


def test_evaluate_word_analogies(pair):
    kv, v = pair
    score, sections = v.evaluate_word_analogies(gensim_test_data("questions-words.txt"))
    g_score, g_sections = kv.evaluate_word_analogies(str(gensim_test_data("questions-words.txt")))
    assert score == pytest.approx(g_score)
    assert [s["section"] for s in sections] == [s["section"] for s in g_sections]
    for ours, theirs in zip(sections, g_sections):
        assert len(ours["correct"]) == len(theirs["correct"]) and len(ours["incorrect"]) == len(theirs["incorrect"])


def test_evaluate_word_pairs(pair):
    kv, v = pair
    path = gensim_test_data("wordsim353.tsv")
    (p, _pp), (s, _sp), oov = v.evaluate_word_pairs(path)
    (gp, _gpp), (gs, _gsp), goov = kv.evaluate_word_pairs(str(path))
    assert (p, s, oov) == pytest.approx((gp, gs, goov), abs=1e-6)


# ---------------------------------------------------------------- a fastText .vec


def test_fasttext_vec_queries(tmp_path):
    path = gensim_test_data("lee_fasttext.vec")
    kv = KeyedVectors.load_word2vec_format(str(path))
    v = pretrained.load(path)
    for word in ("night", "government", kv.index_to_key[100], kv.index_to_key[-1]):
        same_neighbours(v.most_similar(word, topn=5), kv.most_similar(word, topn=5))
        assert v.rank(word, "the") == kv.rank(word, "the")
    assert v.doesnt_match(["night", "day", "morning", "government"]) == kv.doesnt_match(
        ["night", "day", "morning", "government"]
    )
