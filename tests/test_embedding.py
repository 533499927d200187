"""embedding_matrix: Keras vocabulary conventions, OOV policies, the coverage report (NumPy only)."""

from __future__ import annotations

import logging
import re
from collections import Counter

import numpy as np
import pytest
from conftest import gensim_test_data

import pretrained
from pretrained import Coverage, VocabularyError, embedding_matrix, read_vocabulary


def guide_loop(vectors, word_index, rows):
    """The Keras guide's hand loop (keras-io pretrained_word_embeddings), on a dict of vectors."""
    embeddings_index = {w: vectors.vectors[i] for w, i in vectors.key_to_index.items()}
    matrix = np.zeros((rows, vectors.dim))
    hits = misses = 0
    for word, i in word_index.items():
        if i >= rows:
            continue
        vec = embeddings_index.get(word)
        if vec is not None:
            matrix[i] = vec
            hits += 1
        else:
            misses += 1
    return matrix, hits, misses


def lee_tokens():
    """Lowercased word tokens of gensim's Lee background corpus, most frequent first."""
    text = gensim_test_data("lee_background.cor").read_text(encoding="utf-8").lower()
    counts = Counter(re.findall(r"[a-z0-9']+", text))
    return counts


# ---------------------------------------------------------------------------- vocabulary forms


def test_textvectorization_list_padding_unk_and_rows(toy_vectors):
    vocab = ["", "[UNK]", "king", "queen", "zebra", "man"]
    m, report = embedding_matrix(toy_vectors, vocab, return_report=True)
    assert m.dtype == np.float32 and m.shape == (6, 3)
    assert m.flags.c_contiguous and m.flags.writeable
    assert not np.shares_memory(m, toy_vectors.vectors)
    assert not m[0].any() and not m[1].any() and not m[4].any()
    for row, word in [(2, "king"), (3, "queen"), (5, "man")]:
        np.testing.assert_array_equal(m[row], toy_vectors[word])
    assert (report.hits, report.misses) == (3, 1)
    assert report.padding_rows == (0,) and report.oov_token_rows == (1,)
    assert report.missing == ("zebra",)
    assert report.fraction == pytest.approx(3 / 4)


def test_padding_row_stays_zero_with_every_policy(toy_vectors):
    vocab = ["", "[UNK]", "king", "zebra"]
    for oov in ("zeros", "random", "mean", lambda t: np.ones(3)):
        m = embedding_matrix(toy_vectors, vocab, oov=oov, seed=0)
        assert not m[0].any(), oov
    m = embedding_matrix(toy_vectors, vocab, oov="mean")
    np.testing.assert_allclose(m[1], toy_vectors.vectors.mean(axis=0), rtol=1e-6)  # [UNK] follows oov
    np.testing.assert_allclose(m[3], toy_vectors.vectors.mean(axis=0), rtol=1e-6)


def test_word_index_is_one_based_with_row_zero_reserved(toy_vectors):
    word_index = {"king": 1, "zebra": 2, "queen": 3}
    m, report = embedding_matrix(toy_vectors, word_index, return_report=True)
    assert m.shape == (4, 3)
    assert not m[0].any() and not m[2].any()
    np.testing.assert_array_equal(m[1], toy_vectors["king"])
    np.testing.assert_array_equal(m[3], toy_vectors["queen"])
    assert report.padding_rows == (0,) and report.misses == 1


def test_word_index_num_words_matches_keras_tokenizer_and_guide(glove50):
    counts = lee_tokens()
    # Keras' Tokenizer: indices 1.. by descending count (ties in first-seen order)
    word_index = {w: i + 1 for i, (w, _) in enumerate(counts.most_common())}
    num_words = 500
    m, report = embedding_matrix(glove50, word_index, num_words=num_words, return_report=True)
    assert m.shape == (num_words, 50)  # texts_to_sequences keeps indices < num_words
    ref, hits, misses = guide_loop(glove50, word_index, min(num_words, len(word_index) + 1))
    np.testing.assert_array_equal(m, ref.astype(np.float32))
    assert (report.hits, report.misses) == (hits, misses)
    assert report.hits + report.misses == num_words - 1


def test_num_words_larger_than_vocabulary_keeps_every_row(toy_vectors):
    m = embedding_matrix(toy_vectors, {"king": 1, "queen": 2}, num_words=10_000)
    assert m.shape == (3, 3)  # min(num_words, len(word_index) + 1), like the legacy Keras guide


def test_plain_dict_zero_based_and_gaps(toy_vectors):
    m, report = embedding_matrix(toy_vectors, {"car": 0, "truck": 3}, return_report=True)
    np.testing.assert_array_equal(m[0], toy_vectors["car"])
    np.testing.assert_array_equal(m[3], toy_vectors["truck"])
    assert not m[1:3].any() and report.padding_rows == (1, 2)


def test_any_iterable_of_tokens(toy_vectors):
    m = embedding_matrix(toy_vectors, (w for w in ["pear", "apple"]))
    np.testing.assert_array_equal(m, toy_vectors[["pear", "apple"]])


def test_vocabulary_file(tmp_path, toy_vectors):
    path = tmp_path / "vocab.txt"
    path.write_bytes("\n[UNK]\r\nking\nqu\u2028een\nqueen\n".encode("utf-8"))
    assert read_vocabulary(path) == ["", "[UNK]", "king", "qu\u2028een", "queen"]
    m = embedding_matrix(toy_vectors, str(path))
    assert m.shape == (5, 3) and not m[:2].any() and not m[3].any()
    np.testing.assert_array_equal(m[4], toy_vectors["queen"])


def test_vocabulary_file_stripped_for_hand_written_word_lists(tmp_path):
    path = tmp_path / "words.txt"
    path.write_bytes("\ufeffking \n\n  queen\r\n\t\nnew york\n".encode("utf-8"))
    assert read_vocabulary(path) == ["king ", "", "  queen", "\t", "new york"]  # rows = lines, exactly
    assert read_vocabulary(path, strip=True) == ["king", "queen", "new york"]


@pytest.mark.parametrize(
    "seed,error,match",
    [
        (-1, ValueError, "seed must be an integer >= 0"),
        (1.5, TypeError, "seed must be an integer"),
        ("7", TypeError, "seed must be an integer"),
        (True, TypeError, "seed must be an integer"),
    ],
)
def test_bad_seed_says_what_is_allowed(toy_vectors, seed, error, match):
    with pytest.raises(error, match=match):
        embedding_matrix(toy_vectors, ["king", "zebra"], oov="random", seed=seed)


def test_numpy_integer_seed_is_a_seed(toy_vectors):
    a = embedding_matrix(toy_vectors, ["zebra"], oov="random", seed=np.int64(3))
    np.testing.assert_array_equal(a, embedding_matrix(toy_vectors, ["zebra"], oov="random", seed=3))


@pytest.mark.parametrize(
    "counts,error,match",
    [
        ({"king": "many"}, TypeError, r"counts\['king'\] is 'many'"),
        ({"king": None}, TypeError, r"counts\['king'\] is None"),
        ({"king": True}, TypeError, r"counts\['king'\]"),
        ({"king": -2}, ValueError, r"counts\['king'\] is -2"),
        ({"king": float("nan")}, ValueError, r"finite numbers >= 0"),
        (["king", "zebra"], TypeError, "counts must be a"),
    ],
)
def test_bad_counts_say_what_is_allowed(toy_vectors, counts, error, match):
    with pytest.raises(error, match=match):
        embedding_matrix(toy_vectors, ["king", "zebra"], counts=counts)


def test_numeric_counts_of_any_kind(toy_vectors):
    _, report = embedding_matrix(
        toy_vectors, ["king", "zebra"], counts={"king": np.int32(3), "zebra": 1.0}, return_report=True
    )
    assert report.frequency == pytest.approx(3 / 4)


def test_vocabulary_file_errors_name_the_file_and_line(tmp_path, toy_vectors):
    with pytest.raises(VocabularyError, match=r"missing.txt"):
        embedding_matrix(toy_vectors, tmp_path / "missing.txt")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"king\nqueen\n\xff\xfe\n")
    with pytest.raises(VocabularyError, match=r"bad\.txt, line 3"):
        embedding_matrix(toy_vectors, bad)


def test_bad_vocabularies_raise_clear_errors(toy_vectors):
    with pytest.raises(VocabularyError, match="row 1 holds 7"):
        embedding_matrix(toy_vectors, ["king", 7])
    with pytest.raises(VocabularyError, match="both map to index 1"):
        embedding_matrix(toy_vectors, {"king": 1, "queen": 1})
    with pytest.raises(VocabularyError, match="-1"):
        embedding_matrix(toy_vectors, {"king": -1})
    with pytest.raises(VocabularyError, match="far beyond the 2 tokens"):
        embedding_matrix(toy_vectors, {"king": 1, "queen": 10**12})
    assert embedding_matrix(toy_vectors, {"king": 1, "queen": 10**12}, num_words=100).shape == (2, 3)
    with pytest.raises(VocabularyError, match="not bytes"):
        embedding_matrix(toy_vectors, b"king")
    with pytest.raises(ValueError, match="num_words"):
        embedding_matrix(toy_vectors, ["king"], num_words=0)
    with pytest.raises(ValueError, match="oov must be"):
        embedding_matrix(toy_vectors, ["king"], oov="gaussian")
    assert issubclass(VocabularyError, pretrained.PretrainedError)


# ---------------------------------------------------------------------------- OOV policies


def test_random_oov_is_reproducible_and_uses_the_vectors_statistics(glove50):
    vocab = ["", "[UNK]", "the"] + [f"zz-missing-{i}" for i in range(20_000)]
    a = embedding_matrix(glove50, vocab, oov="random", seed=7)
    b = embedding_matrix(glove50, vocab, oov="random", seed=7)
    c = embedding_matrix(glove50, vocab, oov="random", seed=8)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a[3:], c[3:])
    np.testing.assert_array_equal(a[2], glove50["the"])
    drawn = a[3:]
    full = np.asarray(glove50.vectors, dtype=np.float64)
    np.testing.assert_allclose(drawn.mean(axis=0), full.mean(axis=0), atol=0.05)
    np.testing.assert_allclose(drawn.std(axis=0), full.std(axis=0), rtol=0.05)


def test_mean_and_callable_oov(toy_vectors):
    m = embedding_matrix(toy_vectors, ["king", "zebra"], oov="mean")
    np.testing.assert_allclose(m[1], toy_vectors.vectors.mean(axis=0), rtol=1e-6)
    seen = []
    m = embedding_matrix(toy_vectors, ["king", "zebra", "gnu"], oov=lambda t: seen.append(t) or np.full(3, len(t)))
    assert seen == ["zebra", "gnu"]
    np.testing.assert_array_equal(m[1:], [[5, 5, 5], [3, 3, 3]])
    with pytest.raises(ValueError, match="oov\\('zebra'\\) returned shape \\(2,\\)"):
        embedding_matrix(toy_vectors, ["zebra"], oov=lambda t: np.zeros(2))


def test_lowercase_fallback(glove50):
    m, report = embedding_matrix(glove50, ["Paris", "paris", "PARIS"], return_report=True)
    for row in m:
        np.testing.assert_array_equal(row, glove50["paris"])
    assert report.lowercased == 2 and report.misses == 0
    m, report = embedding_matrix(glove50, ["Paris"], lowercase=False, return_report=True)
    assert not m.any() and report.missing == ("Paris",)


def test_exact_match_wins_over_lowercase():
    v = pretrained.Vectors(["Apple", "apple"], np.array([[1, 0], [0, 1]], dtype=np.float32))
    np.testing.assert_array_equal(embedding_matrix(v, ["Apple"]), [[1, 0]])


def test_custom_oov_token_is_not_a_miss(toy_vectors):
    word_index = {"<OOV>": 1, "king": 2, "zebra": 3}
    m, report = embedding_matrix(toy_vectors, word_index, oov_token="<OOV>", oov="mean", return_report=True)
    assert report.oov_token_rows == (1,) and report.missing == ("zebra",)
    np.testing.assert_allclose(m[1], toy_vectors.vectors.mean(axis=0), rtol=1e-6)


# ---------------------------------------------------------------------------- the report


def test_report_ranks_missing_tokens_by_counts_and_is_logged(toy_vectors, caplog):
    vocab = ["", "[UNK]", "king", "gnu", "zebra", "yak"]
    counts = {"king": 10, "gnu": 1, "zebra": 50, "yak": 5}
    with caplog.at_level(logging.INFO, logger="pretrained"):
        _m, report = embedding_matrix(toy_vectors, vocab, counts=counts, top_missing=2, return_report=True)
    assert report.missing == ("zebra", "yak")
    assert report.misses == 3
    assert report.frequency == pytest.approx(10 / 66)
    assert "1 of 4 tokens found (25.0%)" in caplog.text and "'zebra'" in caplog.text
    data = report.as_dict()
    assert data["fraction"] == 0.25 and data["missing"] == ["zebra", "yak"]
    assert isinstance(report, Coverage) and str(report) in caplog.text


def test_without_counts_missing_tokens_follow_row_order(toy_vectors):
    _, report = embedding_matrix(toy_vectors, ["b-missing", "king", "a-missing"], return_report=True)
    assert report.missing == ("b-missing", "a-missing")


def test_real_glove_against_the_guide_loop_on_a_real_vocabulary(glove50):
    counts = lee_tokens()
    vocab = ["", "[UNK]"] + [w for w, _ in counts.most_common()]
    m, report = embedding_matrix(glove50, vocab, counts=counts, return_report=True)
    ref, hits, misses = guide_loop(glove50, dict(zip(vocab, range(len(vocab)))), len(vocab))
    np.testing.assert_array_equal(m, ref.astype(np.float32))
    assert report.hits == hits  # the guide counts '' and [UNK] as misses; we do not
    assert report.misses == misses - 2
    assert report.fraction > 0.95 and 0.95 < report.frequency <= 1.0


def test_vectors_method_delegates(toy_vectors):
    np.testing.assert_array_equal(
        toy_vectors.embedding_matrix(["", "king"]), embedding_matrix(toy_vectors, ["", "king"])
    )


def test_gensim_keyedvectors_work_too(toy_vectors):
    kv = toy_vectors.to_gensim()
    np.testing.assert_array_equal(embedding_matrix(kv, ["queen", "car"]), toy_vectors[["queen", "car"]])


def test_missing_framework_names_the_extra(toy_vectors, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "keras", None)  # makes `import keras` raise ImportError
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(pretrained.MissingDependencyError, match=r"pretrained\[keras\]"):
        pretrained.keras_embedding(toy_vectors, ["king"])
    with pytest.raises(pretrained.MissingDependencyError, match=r"pretrained\[torch\]"):
        pretrained.torch_embedding(toy_vectors, ["king"])


def test_import_pretrained_does_not_load_frameworks():
    import subprocess
    import sys

    code = "import sys, pretrained; print(sorted(m for m in ('tensorflow', 'keras', 'torch') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_docstring_examples_run():
    import doctest

    import pretrained.interop.matrix

    result = doctest.testmod(pretrained.interop.matrix)
    assert result.attempted >= 5 and result.failed == 0
