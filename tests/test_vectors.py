"""Vectors: lookups, neighbours and analogies with gensim's meaning, checked against gensim."""

from __future__ import annotations

import numpy as np
import pytest

from pretrained import PretrainedError, Vectors, WordNotFoundError
from pretrained.core.results import Neighbours


@pytest.fixture(scope="module")
def random_pair():
    rng = np.random.default_rng(42)
    words = [f"w{i}" for i in range(500)]
    vecs = rng.standard_normal((500, 16)).astype(np.float32)
    v = Vectors(words, vecs, name="random")
    return v, v.to_gensim()


def test_lookups(toy_vectors):
    v = toy_vectors
    assert len(v) == 8 and v.dim == 3 and "king" in v and "prince" not in v
    assert v["king"].tolist() == pytest.approx([3.0, 0.0, 0.2])
    assert v[["man", "queen"]].shape == (2, 3)
    assert v.get("prince") is None and v.get("prince", 0) == 0
    assert list(v)[:2] == ["man", "woman"]
    assert repr(v) == "<Vectors 'toy': 8 words x 3 dims>"


def test_missing_word_is_a_keyerror_naming_the_word(toy_vectors):
    with pytest.raises(WordNotFoundError) as err:
        toy_vectors["prince"]
    assert isinstance(err.value, KeyError)
    assert "'prince'" in str(err.value) and "toy" in str(err.value)
    with pytest.raises(KeyError, match="prince"):
        toy_vectors.most_similar("prince")


def test_vectors_are_read_only(toy_vectors):
    with pytest.raises(ValueError):
        toy_vectors.vectors[0, 0] = 5
    with pytest.raises(ValueError):
        toy_vectors["man"][0] = 5


def test_constructor_checks():
    with pytest.raises(PretrainedError, match="'a' appears more than once"):
        Vectors(["a", "b", "a"], np.zeros((3, 2)))
    with pytest.raises(ValueError, match="2 words but 3 vectors"):
        Vectors(["a", "b"], np.zeros((3, 2)))


def test_analogy_on_known_geometry(toy_vectors):
    assert toy_vectors.analogy("man", "king", "woman")[0][0] == "queen"
    assert toy_vectors.analogy("man", "king", "woman", method="mul")[0][0] == "queen"
    result = toy_vectors.analogy("man", "king", "woman", topn=3)
    assert isinstance(result, Neighbours) and len(result) == 3
    assert not {"man", "king", "woman"} & set(result.words)


@pytest.mark.parametrize("query", ["w3", ["w3", "w7"], ("w3", "w9")])
def test_most_similar_equals_gensim(random_pair, query):
    v, kv = random_pair
    ours = v.most_similar(query, topn=10)
    theirs = kv.most_similar(list(query) if isinstance(query, tuple) else query, topn=10)
    assert [w for w, _ in ours] == [w for w, _ in theirs]
    np.testing.assert_allclose([s for _, s in ours], [s for _, s in theirs], rtol=1e-5, atol=1e-6)


def test_most_similar_with_negative_and_vectors_equals_gensim(random_pair):
    v, kv = random_pair
    vec = np.asarray(v["w11"]) * 3
    for pos, neg in [(["w1", "w2"], ["w3"]), ([vec, "w5"], ["w6"]), ([("w1", 2.0), "w2"], [])]:
        ours = v.most_similar(pos, neg, topn=8)
        theirs = kv.most_similar(positive=pos, negative=neg, topn=8)
        assert ours.words == [w for w, _ in theirs]
        np.testing.assert_allclose([s for _, s in ours], [s for _, s in theirs], rtol=1e-5, atol=1e-6)


def test_most_similar_cosmul_equals_gensim(random_pair):
    v, kv = random_pair
    ours = v.most_similar_cosmul(["w1", "w2"], ["w3"], topn=10)
    theirs = kv.most_similar_cosmul(positive=["w1", "w2"], negative=["w3"], topn=10)
    assert ours.words == [w for w, _ in theirs]
    np.testing.assert_allclose([s for _, s in ours], [s for _, s in theirs], rtol=1e-4)


def test_restrict_vocab_and_all_scores(random_pair):
    v, kv = random_pair
    ours = v.most_similar("w3", topn=5, restrict_vocab=100)
    theirs = kv.most_similar("w3", topn=5, restrict_vocab=100)
    assert ours.words == [w for w, _ in theirs]
    assert all(int(w[1:]) < 100 for w in ours.words)
    scores = v.most_similar("w3", topn=None)
    assert scores.shape == (500,) and scores[3] == pytest.approx(1.0, abs=1e-6)


def test_similarity_equals_gensim(random_pair):
    v, kv = random_pair
    assert v.similarity("w1", "w2") == pytest.approx(float(kv.similarity("w1", "w2")), abs=1e-6)
    many = v.similarities([("w1", "w2"), ("w3", "w4")])
    np.testing.assert_allclose(many, [kv.similarity("w1", "w2"), kv.similarity("w3", "w4")], atol=1e-6)


def test_batches_equal_single_queries(random_pair):
    v, _ = random_pair
    queries = ["w1", "w9", np.asarray(v["w4"]) + 0.1]
    batch = v.most_similar_batch(queries, topn=5)
    for q, got in zip(queries, batch):
        assert got.words == v.most_similar(q, topn=5).words
    triples = [("w1", "w2", "w3"), ("w4", "w5", "w6")]
    for t, got in zip(triples, v.analogy_batch(triples, topn=3)):
        assert got.words == v.analogy(*t, topn=3).words
    for t, got in zip(triples, v.analogy_batch(triples, topn=3, method="mul")):
        assert got.words == v.analogy(*t, topn=3, method="mul").words


def test_zero_vector_does_not_poison_results():
    v = Vectors(["a", "b", "zero"], np.array([[1, 0], [1, 1], [0, 0]], dtype=np.float32))
    result = v.most_similar("a", topn=2)
    assert result.words == ["b", "zero"] and result[1][1] == 0.0


def test_gensim_round_trip(random_pair):
    v, kv = random_pair
    back = Vectors.from_gensim(kv, name="back")
    assert back.words == v.words
    np.testing.assert_array_equal(back.vectors, v.vectors)


def test_results_print_as_a_table_and_stay_pairs(toy_vectors):
    result = toy_vectors.most_similar("king", topn=2)
    assert result == [(w, s) for w, s in result]
    lines = repr(result).splitlines()
    assert len(lines) == 2 and lines[0].split()[0] == result[0][0]


def test_real_glove_most_similar_equals_gensim(glove50):
    kv = glove50.to_gensim()
    for word in ["hotel", "paris", "frog"]:
        ours = glove50.most_similar(word, topn=10)
        theirs = kv.most_similar(word, topn=10)
        assert ours.words == [w for w, _ in theirs]
    assert glove50.analogy("man", "king", "woman", method="mul")[0][0] == "queen"


def test_lookups_agree_before_and_after_the_dictionary_is_built():
    words = [f"w{i}" for i in range(100)]
    v = Vectors.trusted(words, np.arange(200, dtype=np.float32).reshape(100, 2))
    order = [f"w{i}" for i in range(0, 100, 3)] + ["nope", "w5"]
    got = [v.get_index(w) if w in v else None for w in order]
    assert got == [int(w[1:]) if w != "nope" else None for w in order]
    assert v._key_to_index is not None  # built once the scans ran out
    assert v.get_index(5) == 5 and v.get_index(np.int64(7)) == 7  # a row number, as gensim (issue 14)
    with pytest.raises(TypeError):
        v.get_index(5.0)
    assert 5 not in v
