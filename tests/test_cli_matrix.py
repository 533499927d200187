"""`pretrained matrix NAME --vocab FILE --out matrix.npy`."""

from __future__ import annotations

import json

import numpy as np

from pretrained import embedding_matrix
from pretrained.cli import main


def test_matrix_command_writes_the_matrix_and_prints_coverage(tmp_path, glove50, glove50_cache, capsys):
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("\n[UNK]\nthe\nParis\nzzqq-nope\nhotel\n", encoding="utf-8")
    out = tmp_path / "matrix.npy"
    rc = main(["matrix", "glove.6B.50d", "--cache-dir", str(glove50_cache), "--vocab", str(vocab), "--out", str(out)])
    assert rc == 0
    printed = capsys.readouterr().out
    assert "3 of 4 tokens found (75.0%)" in printed and "'zzqq-nope'" in printed and str(out) in printed
    saved = np.load(out, allow_pickle=False)
    assert saved.dtype == np.float32 and saved.shape == (6, 50)
    np.testing.assert_array_equal(saved, embedding_matrix(glove50, str(vocab)))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["matrix.npy", "vocab.txt"]  # no temporary file left behind


def test_matrix_command_json_and_options(tmp_path, glove50_cache, capsys):
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("the\nParis\nzzqq-nope\n", encoding="utf-8")
    rc = main(
        ["matrix", "glove.6B.50d", "--cache-dir", str(glove50_cache), "--vocab", str(vocab), "--no-lowercase", "--json"]
    )
    assert rc == 0
    data = json.loads(capsys.readouterr().out)
    assert data["shape"] == [3, 50] and data["out"] is None
    assert data["coverage"]["hits"] == 1 and data["coverage"]["missing"] == ["Paris", "zzqq-nope"]


def test_matrix_command_reports_a_missing_vocabulary_file(tmp_path, glove50_cache, capsys):
    rc = main(
        [
            "matrix",
            "glove.6B.50d",
            "--cache-dir",
            str(glove50_cache),
            "--vocab",
            str(tmp_path / "nope.txt"),
            "--out",
            str(tmp_path / "m.npy"),
        ]
    )
    assert rc == 2  # a usage error, found by the parser before the vectors load
    assert "nope.txt" in capsys.readouterr().err
    assert not (tmp_path / "m.npy").exists()
