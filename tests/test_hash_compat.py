"""Entries and indexes written before the cache hashed with xxh3-128 (they recorded sha256) keep
working: verified with sha256 (every flipped byte found), their source compared with sha256 (not
converted again needlessly, nor served stale), and an index tied to a sha256 identity recognised
by the vectors it was built for, refused for others."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pytest

import pretrained
from pretrained.cache import entries as store
from pretrained.cache import folder as cachedir
from pretrained.cache import hashes
from pretrained.errors import CacheError
from pretrained.index import IndexMismatchError, build_index, load_index, sidecar_path

N, DIM = 40, 6


def _source(tmp_path: Path, seed: int = 7) -> tuple:
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(N)]
    vecs = rng.standard_normal((N, DIM)).astype(np.float32)
    path = tmp_path / "v.bin"
    pretrained.write_vectors(path, words, vecs, format="word2vec")
    return path, words, vecs


def _as_previous_version(entry: Path) -> dict:
    """Rewrite an entry's meta.json as the previous version wrote it: every hash a sha256
    (``vectors_sha256`` of the row bytes alone)."""
    meta = json.loads((entry / "meta.json").read_text())
    for name, info in meta["files"].items():
        info["sha256"] = "sha256:" + hashlib.sha256((entry / name).read_bytes()).hexdigest()
    meta["vectors_sha256"] = "sha256:" + hashes.rows_sha256(np.load(entry / "vectors.npy"))
    meta["source"]["sha256"] = "sha256:" + hashlib.sha256(Path(meta["source"]["path"]).read_bytes()).hexdigest()
    meta["meta_sha256"] = store._meta_digest(meta)
    (entry / "meta.json").write_text(json.dumps(meta, indent=2))
    return meta


def test_new_entries_record_xxh3_and_verify(tmp_path):
    src, _, _ = _source(tmp_path)
    entry = Path(pretrained.convert(src))
    meta = json.loads((entry / "meta.json").read_text())
    assert {hashes.algorithm(i["sha256"]) for i in meta["files"].values()} == {"xxh3-128"}
    assert hashes.algorithm(meta["source"]["sha256"]) == "xxh3-128"
    assert meta["vectors_sha256"] == hashes.file_digest(entry / "vectors.npy")
    store.check_entry(entry)


def test_a_previous_versions_entry_loads_verifies_and_finds_a_flipped_byte(tmp_path):
    src, words, vecs = _source(tmp_path)
    entry = Path(pretrained.convert(src))
    _as_previous_version(entry)
    v = pretrained.load(src)
    assert v.words == words and np.array_equal(v.vectors, vecs)
    store.check_entry(entry)
    assert all(r["ok"] for r in cachedir.verify())
    data = bytearray((entry / "vectors.npy").read_bytes())
    data[-5] ^= 0x01  # a low mantissa bit: the norm barely moves, only the hash sees it
    (entry / "vectors.npy").write_bytes(bytes(data))
    with pytest.raises(CacheError, match=r"vectors\.npy hashes to sha256:"):
        store.check_entry(entry)
    assert not next(r for r in cachedir.verify() if r["kind"] == "vectors")["ok"]


def test_a_previous_versions_source_hash_is_compared_with_sha256(tmp_path, monkeypatch):
    src, words, vecs = _source(tmp_path)
    entry = Path(pretrained.convert(src))
    _as_previous_version(entry)
    created = json.loads((entry / "meta.json").read_text())["created"]
    os.chmod(src, 0o600)  # the stamp moves, the bytes stay: not converted again
    algorithms = []
    real = hashes.file_digest
    monkeypatch.setattr(hashes, "file_digest", lambda p, algo=hashes.FAST: algorithms.append(algo) or real(p, algo))
    assert pretrained.load(src).words == words
    assert algorithms == ["sha256"]
    assert json.loads((entry / "meta.json").read_text())["created"] == created
    # same size, other bytes, the old stamp put back: converted again, never served stale
    st = src.stat()
    other = vecs.copy()
    other[3, 2] += 1.0
    pretrained.write_vectors(src, words, other, format="word2vec")
    os.utime(src, ns=(st.st_atime_ns, st.st_mtime_ns))
    v = pretrained.load(src)
    assert np.array_equal(v.vectors, other)
    assert hashes.algorithm(json.loads((entry / "meta.json").read_text())["source"]["sha256"]) == "xxh3-128"


def test_an_index_tied_to_a_sha256_identity_is_recognised_or_refused(tmp_path):
    src, _, _ = _source(tmp_path)
    v = pretrained.load(src)
    index = build_index(v, tmp_path / "idx.ann", n_trees=2, seed=1, progress=False)
    index.unload()
    side = sidecar_path(tmp_path / "idx.ann")
    record = json.loads(side.read_text())
    assert record["vectors"]["sha256"] == v.meta["vectors_sha256"] and record["vectors"]["sha256"].startswith("xxh3")
    # as an earlier version recorded it: the rows' sha256
    record["vectors"]["sha256"] = "sha256:" + hashes.rows_sha256(v.vectors)
    side.write_text(json.dumps(record))
    again = load_index(tmp_path / "idx.ann", vectors=pretrained.load(src))
    assert again.most_similar("w1", topn=3).words
    again.unload()
    record["vectors"]["sha256"] = "sha256:" + "0" * 64  # other vectors
    side.write_text(json.dumps(record))
    with pytest.raises(IndexMismatchError, match="built for vectors sha256:0000"):
        load_index(tmp_path / "idx.ann", vectors=pretrained.load(src))
