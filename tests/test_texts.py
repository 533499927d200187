"""embed: the mean of the known tokens' vectors, vectorised; the default tokenizer."""

from __future__ import annotations

import numpy as np
import pytest

import pretrained
from pretrained import cli
from pretrained.interop.texts import sif_weights, tokenize


@pytest.fixture
def small():
    words = ["good", "hotel", "bad", "Paris", "wi-fi"]
    vecs = np.array([[1, 2, 0], [0, 1, 1], [-1, 0, 3], [5, 5, 5], [2, 0, 0]], dtype=np.float32)
    return pretrained.Vectors(words, vecs, name="small")


def test_tokenizer_is_the_documented_one():
    assert tokenize("Don't re-check the U.S. hotel's Wi-Fi!") == [
        "don't",
        "re-check",
        "the",
        "u",
        "s",
        "hotel's",
        "wi-fi",
    ]
    assert tokenize("Paris, PARIS", lowercase=False) == ["Paris", "PARIS"]


def test_mean_equals_a_hand_computed_mean(small):
    out = small.embed(["A good hotel, a BAD hotel.", "nothing known here", ["Paris", "hotel", "zebra"], "wi-fi!"])
    V = small.vectors
    expected = np.stack(
        [
            (V[0] + V[1] + V[2] + V[1]) / 4,  # good hotel bad hotel (lower-cased, 'a' unknown)
            np.zeros(3),  # all unknown: a zero row
            (V[3] + V[1]) / 2,  # a token list is used as given (no lowercasing)
            V[4],
        ]
    )
    assert out.dtype == np.float32 and out.shape == (4, 3)
    np.testing.assert_allclose(out, expected, rtol=1e-6)


def test_lowercase_false_and_custom_tokenizer(small):
    assert small.embed(["Paris"], lowercase=False)[0].tolist() == [5, 5, 5]
    assert small.embed(["Paris"])[0].tolist() == [0, 0, 0]  # 'paris' is not in the set
    out = small.embed(["good|bad"], tokenizer=lambda s: s.split("|"))
    np.testing.assert_allclose(out[0], (small["good"] + small["bad"]) / 2)


def test_weights_sum_and_max(small):
    V = small.vectors
    w = {"good": 3.0}  # tokens without a weight weigh 1
    np.testing.assert_allclose(small.embed(["good hotel"], weights=w)[0], (3 * V[0] + V[1]) / 2)
    np.testing.assert_allclose(small.embed(["good hotel"], pooling="sum")[0], V[0] + V[1])
    np.testing.assert_allclose(small.embed(["good bad", "zzz"], pooling="max"), [np.maximum(V[0], V[2]), np.zeros(3)])
    sif = sif_weights({"good": 9, "hotel": 1}, a=0.1)
    assert sif["good"] == pytest.approx(0.1 / (0.1 + 0.9)) and sif["hotel"] == pytest.approx(0.1 / (0.1 + 0.1))


def test_many_texts_across_step_boundaries_match_a_loop(small, monkeypatch):
    import pretrained.interop.texts as texts

    monkeypatch.setattr(texts, "_TOKENS_PER_STEP", 7)  # texts split across gather steps
    rng = np.random.default_rng(1)
    vocab = [*small.words, "x", "y"]
    docs = [[vocab[i] for i in rng.integers(0, len(vocab), rng.integers(0, 9))] for _ in range(300)]
    for pooling in ("mean", "sum", "max"):
        got = small.embed(docs, pooling=pooling)
        for doc, row in zip(docs, got):
            known = [small[t] for t in doc if t in small]
            if not known:
                assert not row.any()
                continue
            want = {"mean": np.mean, "sum": np.sum, "max": np.max}[pooling](known, axis=0)
            np.testing.assert_allclose(row, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "texts, options, error",
    [
        ("one text", {}, TypeError),
        ([3], {}, TypeError),
        (["a"], {"pooling": "median"}, ValueError),
    ],
)
def test_bad_arguments(small, texts, options, error):
    with pytest.raises(error):
        small.embed(texts, **options)


def test_cli_embed(small, tmp_path, capsys):
    pretrained.save(small, "small-set")
    src = tmp_path / "texts.txt"
    src.write_text("good hotel\nnothing\n", encoding="utf-8")
    out = tmp_path / "x.npy"
    assert cli.main(["embed", "small-set", str(src), "--out", str(out)]) == 0
    got = np.load(out, allow_pickle=False)
    np.testing.assert_allclose(got, small.embed(["good hotel", "nothing"]))
    assert "1 texts had no known word" in capsys.readouterr().out
    assert cli.main(["embed", "small-set", str(tmp_path / "missing.txt"), "--out", str(out)]) == 2
    assert cli.main(["embed", "small-set", str(src), "--out", str(tmp_path / "no" / "x.npy")]) == 2
    assert cli.main(["embed", "no-such-set", str(src), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "no such file" in err and "missing.txt" in err and "does not exist" in err


def test_embed_of_something_that_is_not_texts_says_what_it_takes(small):
    with pytest.raises(TypeError, match="list of texts"):
        small.embed(5)
