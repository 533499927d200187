"""A corruption matrix for cache entries: every file truncated, emptied, flipped, deleted (and the
vocabulary's lines swapped, meta.json of the wrong shape). ``load`` repairs the entry or refuses it
with a CacheError that says how to repair it; ``cachedir.verify`` flags every case and never raises."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

import pretrained
from pretrained.cache import entries as store
from pretrained.cache import folder as cachedir
from pretrained.errors import CacheError

N, DIM = 30, 8


def _source(tmp_path: Path):
    rng = np.random.default_rng(7)
    words = [f"w{i}" for i in range(N)]
    vecs = rng.standard_normal((N, DIM)).astype(np.float32)
    path = tmp_path / "v.bin"
    pretrained.write_vectors(path, words, vecs, format="word2vec")
    return path, words, vecs


def _data_offset(f: Path, count: int) -> int:
    return f.stat().st_size - count * 4


def _truncate(f: Path) -> None:
    f.write_bytes(f.read_bytes()[:-7])


def _empty(f: Path) -> None:
    f.write_bytes(b"")


def _flip(f: Path, offset: int) -> None:
    raw = bytearray(f.read_bytes())
    raw[offset] ^= 0x40
    f.write_bytes(bytes(raw))


def _flip_vectors(e: Path) -> None:  # the exponent byte of row 5, column 2
    _flip(e / "vectors.npy", _data_offset(e / "vectors.npy", N * DIM) + (5 * DIM + 2) * 4 + 3)


def _flip_norms(e: Path) -> None:  # the exponent byte of the norm of row 5 (cosine 99.86 before)
    _flip(e / "norms.npy", _data_offset(e / "norms.npy", N) + 5 * 4 + 3)


def _swap_vocab(e: Path) -> None:
    lines = (e / "vocab.txt").read_text().split("\n")
    lines[3], lines[4] = lines[4], lines[3]
    (e / "vocab.txt").write_text("\n".join(lines))


def _meta_edit(change):
    def edit(e: Path) -> None:
        meta = json.loads((e / "meta.json").read_text())
        (e / "meta.json").write_text(json.dumps(change(meta)))

    return edit


def _flip_meta_name(e: Path) -> None:
    text = (e / "meta.json").read_text()
    (e / "meta.json").write_text(text.replace('"name": "v.bin"', '"name": "v.bim"', 1))


CASES = {
    "vectors truncated": lambda e: _truncate(e / "vectors.npy"),
    "vectors emptied": lambda e: _empty(e / "vectors.npy"),
    "vectors flipped": _flip_vectors,
    "vectors deleted": lambda e: (e / "vectors.npy").unlink(),
    "norms truncated": lambda e: _truncate(e / "norms.npy"),
    "norms emptied": lambda e: _empty(e / "norms.npy"),
    "norms flipped": _flip_norms,
    "norms deleted": lambda e: (e / "norms.npy").unlink(),
    "vocab truncated": lambda e: _truncate(e / "vocab.txt"),
    "vocab emptied": lambda e: _empty(e / "vocab.txt"),
    "vocab flipped": lambda e: _flip(e / "vocab.txt", 0),
    "vocab deleted": lambda e: (e / "vocab.txt").unlink(),
    "vocab lines swapped": _swap_vocab,
    "meta truncated": lambda e: _truncate(e / "meta.json"),
    "meta emptied": lambda e: _empty(e / "meta.json"),
    "meta flipped": _flip_meta_name,
    "meta a list": lambda e: (e / "meta.json").write_text("[1, 2]"),
    "meta without count": _meta_edit(lambda m: {k: v for k, v in m.items() if k != "count"}),
    "meta count a string": _meta_edit(lambda m: {**m, "count": str(m["count"])}),
    "meta dim negative": _meta_edit(lambda m: {**m, "dim": -8}),
    "meta files a list": _meta_edit(lambda m: {**m, "files": ["vectors.npy"]}),
}
REPAIRED = {"meta deleted": lambda e: (e / "meta.json").unlink()}  # not an entry: converted again


@pytest.mark.parametrize("case", sorted(CASES))
def test_load_refuses_a_damaged_entry_with_the_fix_and_force_repairs_it(tmp_path, case):
    src, words, vecs = _source(tmp_path)
    entry = pretrained.load(src).path
    CASES[case](Path(entry))
    with pytest.raises(CacheError) as info:
        pretrained.load(src)
    message = str(info.value)
    assert (
        str(entry) in message and f"pretrained cache remove {Path(entry).name}" in message and "force=True" in message
    )
    v = pretrained.load(src, force=True)
    assert v.words == words
    np.testing.assert_array_equal(v.vectors, vecs)
    assert [r["ok"] for r in cachedir.verify()] == [True]


@pytest.mark.parametrize("case", sorted(CASES) + sorted(REPAIRED))
def test_verify_flags_every_damage_and_never_raises(tmp_path, case):
    src, _words, _vecs = _source(tmp_path)
    entry = Path(pretrained.load(src).path)
    assert [(r["kind"], r["ok"]) for r in cachedir.verify()] == [("vectors", True)]
    {**CASES, **REPAIRED}[case](entry)
    report = cachedir.verify()
    assert len(report) == 1 and report[0]["ok"] is False and report[0]["detail"], report


def test_an_entry_without_meta_is_converted_again_not_wedged(tmp_path):
    src, words, vecs = _source(tmp_path)
    entry = Path(pretrained.load(src).path)
    (entry / "meta.json").unlink()
    assert [i.kind for i in cachedir.items()] == ["orphan"]
    v = pretrained.load(src)
    assert v.words == words and Path(v.path) == entry
    np.testing.assert_array_equal(v.vectors, vecs)
    (entry / "meta.json").unlink()
    assert pretrained.convert(src, force=True) == entry and store.is_entry(entry)


def test_entries_record_every_file_hash_in_the_one_spelling(tmp_path):
    src, _, _ = _source(tmp_path)
    entry = Path(pretrained.load(src).path)
    meta = json.loads((entry / "meta.json").read_text())
    assert set(meta["files"]) == {"vectors.npy", "norms.npy", "vocab.txt", "vocab.idx.npy"}
    for name, info in meta["files"].items():
        assert info["size"] == (entry / name).stat().st_size
        assert info["sha256"] == pretrained.cache.hashes.file_digest(entry / name)
        assert info["sha256"].startswith("xxh3-128:")  # the cache's own hash; the key name is historical
    assert meta["vectors_sha256"] == meta["files"]["vectors.npy"]["sha256"]  # identity: the hash of vectors.npy
    assert meta["meta_sha256"].startswith("sha256:")
    assert meta["source"]["sha256"] == pretrained.cache.hashes.file_digest(src)


def test_an_older_entry_without_file_hashes_still_loads_and_verifies(tmp_path):
    src, words, _ = _source(tmp_path)
    entry = Path(pretrained.load(src).path)
    meta = json.loads((entry / "meta.json").read_text())
    for key in ("files", "meta_sha256"):
        del meta[key]
    meta["source"]["sha256"] = meta["source"]["sha256"].removeprefix("sha256:")  # bare hex, as before
    (entry / "meta.json").write_text(json.dumps(meta))
    assert pretrained.load(src).words == words
    (row,) = cachedir.verify()
    assert row["ok"] and "older entry" in row["detail"]


def test_verify_survives_unreadable_things(tmp_path, monkeypatch):
    src, _, _ = _source(tmp_path)
    entry = Path(pretrained.load(src).path)
    os.remove(entry / "norms.npy")
    os.mkdir(entry / "norms.npy")  # a folder where a file should be
    (row,) = cachedir.verify()
    assert row["ok"] is False
