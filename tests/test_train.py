"""pretrained.train: real gensim training on gensim's Lee corpus, saved into the cache."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pytest

import pretrained
from pretrained import cli
from pretrained.interop.saving import InvalidNameError, NameTakenError
from pretrained.interop.train import CorpusError
from tests.conftest import gensim_test_data

LEE = gensim_test_data("lee_background.cor")


def test_word2vec_on_lee_is_saved_and_reproducible(tmp_path):
    v = pretrained.train(LEE, "lee-w2v", dim=24, min_count=3, epochs=3, workers=1, seed=7)
    assert v.path and v.name == "lee-w2v" and v.dim == 24 and "government" in v
    again = pretrained.train(LEE, None, dim=24, min_count=3, epochs=3, workers=1, seed=7)
    assert again.words == v.words
    assert np.array_equal(np.asarray(again.vectors), np.asarray(v.vectors))  # bit-identical
    other = pretrained.train(LEE, None, dim=24, min_count=3, epochs=3, workers=1, seed=8)
    assert not np.array_equal(np.asarray(other.vectors), np.asarray(v.vectors))
    loaded = pretrained.load("lee-w2v")
    np.testing.assert_array_equal(loaded.vectors, v.vectors)
    source = loaded.meta["source"]
    assert source["kind"] == "trained" and source["method"] == "word2vec" and source["sentences"] == 300
    assert source["parameters"]["seed"] == 7 and source["corpus"].endswith("lee_background.cor")


def test_fasttext_on_token_lists_and_gz_file(tmp_path):
    sentences = [["the", "cat", "sat", "on", "the", "mat"], ["the", "dog", "sat"]] * 20
    v = pretrained.train(sentences, None, method="fasttext", dim=8, min_count=1, epochs=2, workers=1)
    assert set(v.words) == {"the", "cat", "sat", "on", "mat", "dog"} and v.meta["source"]["method"] == "fasttext"
    gz = tmp_path / "corpus.txt.gz"
    with gzip.open(gz, "wt", encoding="utf-8") as f:
        f.write("The Cat sat.\n\nthe DOG sat!\n" * 10)
    w = pretrained.train(gz, None, dim=8, min_count=1, epochs=1, workers=1)
    assert set(w.words) == {"the", "cat", "sat", "dog"}  # the default tokenizer, lower-cased
    strings = pretrained.train(["The Cat sat.", "the DOG sat!"] * 10, None, dim=8, min_count=1, epochs=1, workers=1)
    assert set(strings.words) == set(w.words)


def test_progress_bar_per_epoch(capsys, monkeypatch):
    monkeypatch.delenv("PRETRAINED_PROGRESS", raising=False)
    pretrained.train([["a", "b"]] * 5, None, min_count=1, dim=4, epochs=3, workers=1, progress=True)
    assert "training word2vec" in capsys.readouterr().err


@pytest.mark.parametrize(
    "corpus, options, error, match",
    [
        ([], {}, CorpusError, "no sentences"),
        ([[], []], {}, CorpusError, "no sentences"),
        (["", "!?"], {}, CorpusError, "no sentences"),  # strings are tokenised: nothing left
        ([["a", "b"]], {"min_count": 5}, CorpusError, "lower min_count"),
        ([["a"]], {"method": "glove"}, ValueError, "method must be one of"),
        ([["a"]], {"dim": 0}, ValueError, "dim must be"),
        ([["a"]], {"epochs": 1.5}, ValueError, "epochs must be"),
        ([["a"]], {"workers": 0}, ValueError, "workers must be"),
        ([["a"]], {"bogus_option": 1}, ValueError, "does not take"),
        ([1, 2], {}, TypeError, "token lists"),
        (b"bytes", {}, TypeError, "not bytes"),
        ("/no/such/corpus.txt", {}, FileNotFoundError, "no corpus file"),
    ],
)
def test_bad_input(corpus, options, error, match):
    with pytest.raises(error, match=match):
        pretrained.train(corpus, None, **options)


def test_empty_file_and_taken_name(tmp_path, toy_vectors):
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"empty.txt holds no sentences"):
        pretrained.train(empty, "x")
    pretrained.save(toy_vectors, "mine")
    with pytest.raises(NameTakenError):
        pretrained.train(LEE, "mine")  # refused before training
    with pytest.raises(NameTakenError):
        pretrained.train(LEE, "glove.6B.50d")
    with pytest.raises(InvalidNameError):
        pretrained.train(LEE, "../escape")


def test_cli_train(tmp_path, capsys):
    assert (
        cli.main(
            [
                "train",
                str(LEE),
                "--name",
                "lee-cli",
                "--dim",
                "16",
                "--min-count",
                "3",
                "--epochs",
                "1",
                "--workers",
                "1",
                "--json",
            ]
        )
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert data["dim"] == 16 and data["count"] > 1000
    assert pretrained.load("lee-cli").dim == 16
    assert cli.main(["train", str(LEE), "--name", "lee-cli", "--epochs", "1"]) == 1  # taken
    assert cli.main(["train", str(tmp_path / "missing.txt"), "--name", "z"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "already saved" in err and "no such file" in err
    for bad in (["--dim", "0"], ["--epochs", "x"], ["--method", "glove"]):
        assert cli.main(["train", str(LEE), "--name", "y", *bad]) == 2
