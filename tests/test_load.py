"""pretrained.load and the cache form: convert once, mmap on reload, never half-written."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

import pretrained
from pretrained import CacheError, FormatError, UnknownNameError
from pretrained import formats as formats_module
from pretrained.cache.entries import read_entry


def _is_memory_mapped(arr) -> bool:
    import mmap

    while arr is not None:
        if isinstance(arr, (np.memmap, mmap.mmap)):
            return True
        arr = getattr(arr, "base", None)
    return False


def _write(path, n=50, dim=8, seed=0):
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(n)]
    vecs = rng.standard_normal((n, dim)).astype(np.float32)
    pretrained.write_vectors(path, words, vecs, format="word2vec")
    return words, vecs


def test_load_converts_once_then_memory_maps(tmp_path, monkeypatch):
    words, vecs = _write(tmp_path / "v.bin")
    v = pretrained.load(tmp_path / "v.bin", cache_dir=tmp_path / "c")
    assert v.words == words
    np.testing.assert_array_equal(v.vectors, vecs)
    entry = pretrained.entry_path(tmp_path / "v.bin", cache_dir=tmp_path / "c")
    assert sorted(os.listdir(entry)) == ["meta.json", "norms.npy", "vectors.npy", "vocab.idx.npy", "vocab.txt"]
    meta = json.loads((entry / "meta.json").read_text())
    assert meta["count"] == 50 and meta["dim"] == 8 and meta["format"] == "word2vec"
    assert meta["source"]["size"] == (tmp_path / "v.bin").stat().st_size
    assert meta["source"]["sha256"] == pretrained.cache.hashes.file_digest(tmp_path / "v.bin")
    assert meta["format_version"] == 1

    # the second load must not read the source again
    def boom(*a, **k):
        raise AssertionError("the source was read again")

    monkeypatch.setattr(formats_module, "_sniff", boom)
    v2 = pretrained.load(tmp_path / "v.bin", cache_dir=tmp_path / "c")
    assert _is_memory_mapped(v2.vectors)
    assert not v2.vectors.flags.writeable
    np.testing.assert_array_equal(v2.vectors, vecs)


def test_changed_source_is_converted_again(tmp_path):
    _write(tmp_path / "v.bin", seed=0)
    a = pretrained.load(tmp_path / "v.bin", cache_dir=tmp_path / "c")
    first = np.array(a.vectors)
    _, vecs2 = _write(tmp_path / "v.bin", n=60, seed=1)
    os.utime(tmp_path / "v.bin", ns=(1, 1))
    b = pretrained.load(tmp_path / "v.bin", cache_dir=tmp_path / "c")
    assert len(b) == 60
    np.testing.assert_array_equal(b.vectors, vecs2)
    assert not np.array_equal(first, b.vectors[:50])


def test_limit_and_vocabulary_get_their_own_entries(tmp_path):
    words, vecs = _write(tmp_path / "v.bin")
    full = pretrained.load(tmp_path / "v.bin")
    small = pretrained.load(tmp_path / "v.bin", limit=5)
    some = pretrained.load(tmp_path / "v.bin", vocabulary=["w7", "w3", "nope"])
    assert len(full) == 50 and small.words == words[:5]
    assert some.words == ["w3", "w7"]
    np.testing.assert_array_equal(some["w7"], vecs[7])
    assert some.meta["not_in_vocabulary"] == 48


def test_failed_conversion_leaves_nothing(tmp_path):
    lines = [f"w{i} 1 2 3" for i in range(3000)] + ["broken 1 2"]
    (tmp_path / "bad.txt").write_text("\n".join(lines) + "\n")
    with pytest.raises(FormatError, match="line 3001"):
        pretrained.load(tmp_path / "bad.txt", cache_dir=tmp_path / "c")
    leftovers = [p for p in (tmp_path / "c" / "vectors").iterdir() if not p.name.endswith(".lock")]
    assert leftovers == []


def test_interrupted_write_is_never_loaded(tmp_path, monkeypatch):
    _write(tmp_path / "v.bin")
    import pretrained.cache.entries as store

    real = store.verify_entry

    def crash(*a, **k):  # dies after writing, before the rename
        raise KeyboardInterrupt

    monkeypatch.setattr(store, "verify_entry", crash)
    with pytest.raises(KeyboardInterrupt):
        pretrained.convert(tmp_path / "v.bin", cache_dir=tmp_path / "c")
    monkeypatch.setattr(store, "verify_entry", real)
    entry = pretrained.entry_path(tmp_path / "v.bin", cache_dir=tmp_path / "c")
    assert not entry.exists()
    assert [p.name for p in entry.parent.iterdir() if not p.name.endswith(".lock")] == []
    assert len(pretrained.load(tmp_path / "v.bin", cache_dir=tmp_path / "c")) == 50


def test_corrupt_entry_is_refused(tmp_path):
    _write(tmp_path / "v.bin")
    v = pretrained.load(tmp_path / "v.bin")
    entry = v.path
    with open(os.path.join(entry, "vocab.txt"), "a", encoding="utf-8") as f:
        f.write("extra\n")
    with pytest.raises(CacheError, match=r"inconsistent|vocab.txt has 196 bytes, meta.json says 190"):
        read_entry(entry)


def test_pickled_arrays_are_never_loaded(tmp_path):
    _write(tmp_path / "v.bin")
    v = pretrained.load(tmp_path / "v.bin")
    obj = np.empty(50, dtype=object)
    np.save(os.path.join(v.path, "norms.npy"), obj, allow_pickle=True)
    with pytest.raises(CacheError, match="unreadable"):
        read_entry(v.path)


def test_unknown_name():
    with pytest.raises(UnknownNameError, match=r"glove.6B.51d") as err:
        pretrained.load("glove.6B.51d")
    assert isinstance(err.value, ValueError)


def test_cache_dir_from_environment(tmp_path, monkeypatch):
    _write(tmp_path / "v.bin")
    monkeypatch.setenv("PRETRAINED_CACHE", str(tmp_path / "envcache"))
    v = pretrained.load(tmp_path / "v.bin")
    assert str(v.path).startswith(str(tmp_path / "envcache"))


def test_real_glove_analogy(glove50):
    assert len(glove50) == 400000 and glove50.dim == 50
    assert glove50.analogy("man", "king", "woman")[0][0] == "queen"
    assert "motel" in glove50.most_similar("hotel", topn=10).words


def test_real_glove_matches_the_package_array(glove50):
    from pretrained.remote import packaged as embedded
    from pretrained.remote.catalog import get

    npy, _, _ = embedded.files(get("glove.6B.50d"))
    np.testing.assert_array_equal(glove50.vectors, np.load(npy, mmap_mode="r"))
    assert glove50.words[:4] == ["the", ",", ".", "of"]
