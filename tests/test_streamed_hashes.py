"""Hashes computed while streaming (the source as it is read, vectors.npy as it is written) equal
the hashes of the files read again, whatever the hint, the limit or the source's compression."""

import gzip
import json

import numpy as np
import pytest

import pretrained
from pretrained.cache import entries as store
from pretrained.cache import hashes
from pretrained.formats import Block
from pretrained.formats.sources import open_source


def _vectors(n=50, dim=7, seed=0):
    rng = np.random.default_rng(seed)
    return [f"w{i}é" for i in range(n)], rng.standard_normal((n, dim)).astype(np.float32)


@pytest.mark.parametrize("read", [0, 1, 100, 10**9])
def test_a_plain_source_hashed_while_read_matches_the_file_however_much_was_read(tmp_path, read):
    p = tmp_path / "v.bin"
    p.write_bytes(bytes(range(256)) * 5000)
    with open_source(p, hash=True) as src:
        if read:
            src.stream.read(read)
        assert src.digest() == hashes.file_digest(p) and src.digest().startswith("xxh3-128:")


@pytest.mark.parametrize("hint", [None, 0, 49, 50, 51])
def test_vectors_npy_hash_is_the_files_whatever_the_hint(tmp_path, hint):
    words, vecs = _vectors()
    blocks = [Block(words[:20], vecs[:20]), Block(words[20:], vecs[20:])]
    dest = store.write_entry(tmp_path / "e", iter(blocks), vecs.shape[1], {"name": "e"}, rows_hint=hint)
    meta = json.loads((dest / "meta.json").read_text())
    for name in ("vectors.npy", "norms.npy", "vocab.txt"):
        assert meta["files"][name]["sha256"] == hashes.file_digest(dest / name), name
    assert meta["vectors_sha256"] == meta["files"]["vectors.npy"]["sha256"]
    assert np.array_equal(np.load(dest / "vectors.npy"), vecs)
    norms = np.load(dest / "norms.npy")
    np.testing.assert_allclose(norms, np.linalg.norm(vecs, axis=1), rtol=1e-6)
    store.check_entry(dest)


@pytest.mark.parametrize("suffix", [".bin", ".bin.gz"])
@pytest.mark.parametrize("limit", [None, 3])
def test_converted_binary_records_the_sources_sha256(tmp_path, suffix, limit):
    words, vecs = _vectors()
    plain = tmp_path / "v.bin"
    pretrained.write_vectors(plain, words, vecs, format="word2vec")
    path = plain
    if suffix == ".bin.gz":
        path = tmp_path / "v.bin.gz"
        path.write_bytes(gzip.compress(plain.read_bytes()))
    dest = pretrained.convert(path, limit=limit)
    meta = json.loads((dest / "meta.json").read_text())
    assert meta["source"]["sha256"] == hashes.file_digest(path)
    assert meta["count"] == (limit or len(words))
    v = pretrained.load(path, limit=limit)
    assert list(v.words) == words[:limit]
    assert np.array_equal(np.asarray(v.vectors), vecs[:limit])
    store.check_entry(dest)


def test_a_nan_is_still_refused_with_the_fast_finite_check(tmp_path):
    words, vecs = _vectors()
    vecs[17, 3] = np.nan
    p = tmp_path / "v.bin"
    pretrained.write_vectors(p, words, vecs, format="word2vec")
    with pytest.raises(pretrained.errors.FormatError, match="w17é"):
        pretrained.convert(p)


@pytest.mark.parametrize("fail_at", [1, 2])
def test_a_disk_error_on_the_writer_thread_reaches_the_caller_and_leaves_nothing(tmp_path, monkeypatch, fail_at):
    words, vecs = _vectors()
    blocks = [Block(words[:20], vecs[:20]), Block(words[20:40], vecs[20:40]), Block(words[40:], vecs[40:])]
    calls = []

    def full(self, end):
        calls.append(end)
        if len(calls) >= fail_at:
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(store._Reserve, "upto", full)
    with pytest.raises(OSError, match="No space left"):
        store.write_entry(tmp_path / "e", iter(blocks), vecs.shape[1], {"name": "e"}, rows_hint=50)
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no entry, no temporary folder


@pytest.mark.parametrize("case", ["plain", "limit", "duplicates", "nonfinite-zero", "block-crossing"])
@pytest.mark.parametrize("fmt", ["word2vec", "glove"])
def test_norms_taken_from_the_readers_sums_are_the_norms_of_the_rows_written(tmp_path, case, fmt):
    """The per-row sums of squares of the finite check become norms.npy: bit for bit what the
    writer computes from the rows it writes (de-duplicated, cut or zeroed rows included)."""
    rng = np.random.default_rng(7)
    n, dim = 9000, 37  # 1.4 MB: more than the first read (1 MiB), so records cross blocks
    words = [f"w{i}" for i in range(n)]
    vecs = rng.standard_normal((n, dim)).astype(np.float32)
    options: dict = {}
    if case == "duplicates":
        words[10] = words[8500] = "w5"
    if case == "limit":
        options["limit"] = 1777
    if case == "nonfinite-zero":
        vecs[42, 3] = np.inf
        options["nonfinite"] = "zero"
    if case == "block-crossing":
        options["max_token_bytes"] = 8
    p = tmp_path / ("v.bin" if fmt == "word2vec" else "v.txt")
    pretrained.write_vectors(p, words, vecs, format=fmt)
    dest = pretrained.convert(p, cache_dir=tmp_path / "cache", **options)
    written = np.load(dest / "vectors.npy")
    norms = np.load(dest / "norms.npy")
    expected = np.sqrt(np.einsum("ij,ij->i", written, written))
    assert np.array_equal(norms.view(np.uint32), expected.view(np.uint32))
    store.check_entry(dest)
