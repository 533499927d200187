"""Whole-vocabulary queries move to an in-memory copy of a memory-mapped set (core.scan_copy):
only for a mapped matrix within ``Vectors.scan_copy_max``, only from the third scan on, with the
very same scores (bit for bit) as the map gives, and back to the map when the copy cannot be made.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import require

import pretrained
from pretrained import Vectors
from pretrained.core import scan_copy
from pretrained.core.scan_copy import ScanCopy, aligned_copy, is_mapped

hypothesis = require("hypothesis", "test")
from hypothesis import given, settings
from hypothesis import strategies as st


@pytest.fixture(scope="module")
def mapped_set(tmp_path_factory):
    """A converted set of 3,000 random words x 37 (an odd row size in bytes), loaded mapped."""
    root = tmp_path_factory.mktemp("scan")
    rng = np.random.default_rng(7)
    words = [f"w{i}" for i in range(3000)]
    vecs = rng.standard_normal((3000, 37)).astype(np.float32)
    src = root / "set.txt"
    src.write_text("".join(w + " " + " ".join(f"{x:.6f}" for x in row) + "\n" for w, row in zip(words, vecs)))
    pretrained.convert(src, cache_dir=root / "cache")
    return src, root / "cache"


def _load(mapped_set, **attrs):
    src, cache = mapped_set
    v = pretrained.load(src, cache_dir=cache)
    for k, val in attrs.items():
        setattr(v, k, val)
    return v


def test_the_third_scan_on_reads_a_copy_with_the_same_bits(mapped_set):
    v, plain = _load(mapped_set), _load(mapped_set, scan_copy_max=0)
    assert is_mapped(v.vectors)
    queries = ["w1", "w17", "w2999", "w500"]
    first = [v.most_similar(queries[0], topn=None)]
    assert v._scan_copy.thread is None  # one scan: no copy begun
    first.append(v.most_similar(queries[1], topn=None))
    assert v._scan_copy.thread is not None  # the second starts it (on the map meanwhile)
    v._scan_copy.wait(30)
    copy = v._scan_copy.copy
    assert copy is not None and not is_mapped(copy) and not copy.flags.writeable
    assert copy.ctypes.data % 4096 == v.vectors.ctypes.data % 4096
    assert np.array_equal(copy, v.vectors)
    for q, before in zip(queries, [*first, None, None]):
        got = v.most_similar(q, topn=None)
        assert v._scan_copy.rows() is copy
        want = plain.most_similar(q, topn=None)
        assert got.tobytes() == want.tobytes()
        if before is not None:
            assert before.tobytes() == got.tobytes()
        assert v.most_similar(q, topn=5) == plain.most_similar(q, topn=5)
        assert v.most_similar_cosmul(q, topn=5) == plain.most_similar_cosmul(q, topn=5)
        assert v.similar_by_vector(v[q], topn=5) == plain.similar_by_vector(plain[q], topn=5)
        assert v.cosine_similarities_to(q).tobytes() == plain.cosine_similarities_to(q).tobytes()
    assert plain._scan_copy.thread is None  # scan_copy_max=0: never copied


def test_no_copy_beyond_the_limit_or_of_memory_already_private(mapped_set):
    small = _load(mapped_set, scan_copy_max=1000)  # the matrix is 444,000 bytes
    rng = np.random.default_rng(1)
    own = Vectors([f"x{i}" for i in range(50)], rng.standard_normal((50, 4)).astype(np.float32))
    for v in (small, own):
        for _ in range(5):
            v.most_similar(v.index_to_key[0])
        assert v._scan_copy.thread is None and v._scan_copy.rows() is v._scan_copy.source


def test_a_copy_that_cannot_be_made_leaves_the_scans_on_the_map(mapped_set, monkeypatch):
    def no_memory(array):
        raise MemoryError("no room")

    monkeypatch.setattr(scan_copy, "aligned_copy", no_memory)
    v, plain = _load(mapped_set), _load(mapped_set, scan_copy_max=0)
    for _ in range(3):
        v.most_similar("w5")
    v._scan_copy.wait(30)
    assert v._scan_copy.copy is None
    assert v.most_similar("w5", topn=None).tobytes() == plain.most_similar("w5", topn=None).tobytes()


@settings(max_examples=60, deadline=None)
@given(offset=st.integers(0, 4095), rows=st.integers(1, 40), dim=st.integers(1, 9))
def test_aligned_copy_keeps_the_values_and_the_offset_in_the_page(offset, rows, dim):
    buf = np.empty(offset + rows * dim * 4 + 4096, np.uint8)
    start = (offset - buf.ctypes.data) % 4096
    a = buf[start : start + rows * dim * 4].view(np.float32).reshape(rows, dim)
    a[...] = np.arange(rows * dim, dtype=np.float32).reshape(rows, dim) / 7
    out = aligned_copy(a)
    assert out.ctypes.data % 4096 == a.ctypes.data % 4096 == offset % 4096
    assert out.tobytes() == a.tobytes() and out.dtype == a.dtype and out.shape == a.shape
    assert not out.flags.writeable


def test_scan_copy_counts_scans_before_copying(mapped_set):
    v = _load(mapped_set)
    scans = ScanCopy(v.vectors, 1 << 30)
    for _ in range(scan_copy.AFTER_SCANS - 1):
        assert scans.rows() is v.vectors
    assert scans.thread is None
    scans.rows()
    scans.wait(30)
    assert scans.rows() is scans.copy
