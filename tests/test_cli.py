"""The command line: every command, human and --json output, errors as exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

import pretrained
from pretrained.cli import main


@pytest.fixture
def vec_file(tmp_path):
    words = ["man", "woman", "king", "queen", "apple"]
    vecs = np.array([[1, 0, 0.1], [1, 1, 0.1], [3, 0, 0.2], [3, 1, 0.2], [0, 0.2, 3]], dtype=np.float32)
    path = tmp_path / "toy.txt"
    pretrained.write_vectors(path, words, vecs, format="glove")
    return path


def test_convert_and_info(vec_file, capsys):
    assert main(["convert", str(vec_file), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["count"] == 5 and data["dim"] == 3
    assert main(["info", str(vec_file)]) == 0
    out = capsys.readouterr().out
    assert "5 words x 3 dims" in out and "format: glove" in out


def test_neighbours_json(vec_file, capsys):
    assert main(["neighbours", str(vec_file), "king", "-n", "2", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [w for w, _ in data["king"]] == pretrained.load(vec_file).most_similar("king", topn=2).words


def test_analogy_text_and_json(vec_file, capsys):
    assert main(["analogy", str(vec_file), "man", "king", "woman"]) == 0
    assert "queen" in capsys.readouterr().out
    assert main(["analogy", str(vec_file), "man", "king", "woman", "--json", "--method", "mul"]) == 0
    assert json.loads(capsys.readouterr().out)["answers"][0][0] == "queen"


def test_errors_are_messages_not_tracebacks(vec_file, capsys):
    assert main(["neighbours", str(vec_file), "prince"]) == 1
    assert "'prince'" in capsys.readouterr().err
    assert main(["info", "no-such-set"]) == 1
    assert "pretrained list" in capsys.readouterr().err


def test_python_dash_m(vec_file, tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "pretrained", "analogy", str(vec_file), "man", "king", "woman", "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(out.stdout)["answers"][0][0] == "queen"


def test_build_index_names_the_parameters_in_effect(vec_file, tmp_path, capsys):
    """The line before a build names the backend and every build parameter it uses (the defaults
    too), never an empty list ("annoy,  (...")."""
    pytest.importorskip("annoy")
    cache = tmp_path / "cache"
    assert main(["build-index", str(vec_file), "--cache-dir", str(cache), "--trees", "3"]) == 0
    err = capsys.readouterr().err
    assert ": annoy, n_trees 3, seed 42 (the tree phase shows no bar)" in err
    assert ",  " not in err and ", (" not in err
