"""pretrained.save: a named cache entry that load memory-maps, cache lists and removes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import pretrained
from pretrained import cli
from pretrained.cache import entries as store
from pretrained.cache import folder as cachedir
from pretrained.interop import saving
from pretrained.interop.saving import InvalidNameError, NameTakenError


def test_save_then_load_memory_maps_it(toy_vectors, tmp_path):
    path = pretrained.save(toy_vectors, "toy-mine")
    assert path.name == "toy-mine" and path.parent == saving.sets_dir() != cachedir.vectors()
    v = pretrained.load("toy-mine")
    assert v.words == toy_vectors.words and v.name == "toy-mine"
    np.testing.assert_array_equal(v.vectors, toy_vectors.vectors)
    assert isinstance(v.vectors.base, np.memmap) or isinstance(v.vectors, np.memmap)
    meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
    assert meta["source"]["kind"] == "vectors" and meta["source"]["name"] == "toy"
    assert not list(path.parent.glob(".*tmp*"))


def test_another_process_loads_it(toy_vectors):
    pretrained.save(toy_vectors, "shared-set")
    code = "import pretrained; v = pretrained.load('shared-set'); print(len(v), v['king'].tolist())"
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    assert out.split()[0] == "8" and "[3.0, 0.0, 0.2" in out.replace("0.20000000298023224", "0.2")


def test_source_kind_is_kept(toy_vectors):
    v = pretrained.Vectors(toy_vectors.words, toy_vectors.vectors, meta={"source": {"kind": "keras", "layer": "emb"}})
    meta = store.read_meta(pretrained.save(v, "from-keras"))
    assert meta["source"] == {"kind": "keras", "layer": "emb"}


def test_taken_names_and_overwrite(toy_vectors):
    pretrained.save(toy_vectors, "taken")
    with pytest.raises(NameTakenError, match="overwrite=True"):
        pretrained.save(toy_vectors, "taken")
    smaller = pretrained.Vectors(["a"], np.ones((1, 3)))
    pretrained.save(smaller, "taken", overwrite=True)
    assert pretrained.load("taken").words == ["a"]
    with pytest.raises(NameTakenError, match="catalogue"):
        pretrained.save(toy_vectors, "glove.6B.50d")
    with pytest.raises(NameTakenError, match="catalogue"):
        pretrained.save(toy_vectors, "glove-wiki-gigaword-50")  # an alias
    with pytest.raises(NameTakenError, match="starts with the catalogue name"):
        pretrained.save(toy_vectors, "glove.6B.50d-mine")


@pytest.mark.parametrize(
    "name", ["", " ", "a/b", "..", ".", ".hidden", "x\0y", "a\\b", "x.lock", "line\nbreak", " pad", 3, None]
)
def test_unsafe_names_are_refused(toy_vectors, name):
    with pytest.raises(InvalidNameError):
        pretrained.save(toy_vectors, name)


def test_words_with_line_breaks_are_refused():
    v = pretrained.Vectors(["ok", "two\nlines"], np.eye(2))
    with pytest.raises(InvalidNameError, match="line break"):
        pretrained.save(v, "broken")
    assert not saving.sets_dir().joinpath("broken").exists()


def test_subset_of_a_saved_set_is_refused(toy_vectors):
    pretrained.save(toy_vectors, "whole")
    with pytest.raises(ValueError, match="saved set"):
        pretrained.load("whole", limit=2)
    assert pretrained.convert("whole", force=True).name == "whole"  # nothing to redo, still there


def test_cache_lists_and_removes_it(toy_vectors, capsys):
    pretrained.save(toy_vectors, "listed")
    assert cli.main(["cache", "list"]) == 0
    assert "listed" in capsys.readouterr().out
    assert cli.main(["cache", "verify"]) == 0
    assert cli.main(["cache", "remove", "listed"]) == 1  # not cache: no cache command removes it
    assert "pretrained sets remove listed" in capsys.readouterr().err
    assert pretrained.load("listed").words == toy_vectors.words
    assert cli.main(["sets", "remove", "listed"]) == 0
    with pytest.raises(pretrained.UnknownNameError):
        pretrained.load("listed")
