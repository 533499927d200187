"""vectors.npy written around the page cache (O_DIRECT): the same bytes and hashes as a buffered
write, whatever the hint, the block sizes or the device's refusals."""

import errno
import json
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pretrained.cache import direct, hashes
from pretrained.cache import entries as store
from pretrained.formats import Block

pytestmark = pytest.mark.skipif(not hasattr(os, "O_DIRECT"), reason="no O_DIRECT on this platform")


def _vectors(n=50, dim=7):
    rng = np.random.default_rng(3)
    return [f"w{i}" for i in range(n)], rng.standard_normal((n, dim)).astype(np.float32)


@pytest.fixture
def forced(monkeypatch):
    """Every vectors.npy written direct, from a two-page buffer (so blocks straddle it)."""
    monkeypatch.setattr(store, "DIRECT_MIN", 0)
    monkeypatch.setattr(store, "DIRECT_BUFFER", 2 * direct.ALIGN)
    opened = []
    real = direct.open_direct

    def spy(path, buffer_size=8 << 20):
        out = real(path, buffer_size)
        opened.append(out)
        return out

    monkeypatch.setattr(direct, "open_direct", spy)
    return opened


@given(st.lists(st.binary(min_size=0, max_size=3 * direct.ALIGN), max_size=12))
@settings(max_examples=60, deadline=None)
def test_a_direct_file_holds_exactly_the_bytes_written(tmp_path_factory, pieces):
    path = tmp_path_factory.mktemp("d") / "f.bin"
    out = direct.open_direct(path, buffer_size=direct.ALIGN)
    assert out is not None and out.direct  # this filesystem takes direct writes (ext4, tmpfs)
    for p in pieces:
        out.write(p)
    assert out.tell() == sum(map(len, pieces))
    out.close()
    assert path.read_bytes() == b"".join(pieces)


@pytest.mark.parametrize("hint", [None, 0, 49, 50, 51, 4000])
def test_vectors_npy_written_direct_is_the_same_file_whatever_the_hint(tmp_path, forced, hint):
    words, vecs = _vectors()
    blocks = [Block(words[:20], vecs[:20]), Block(words[20:], vecs[20:])]
    dest = store.write_entry(tmp_path / "e", iter(blocks), vecs.shape[1], {"name": "e"}, rows_hint=hint)
    assert forced and all(o is not None and o.direct for o in forced)
    meta = json.loads((dest / "meta.json").read_text())
    assert meta["files"]["vectors.npy"]["sha256"] == hashes.file_digest(dest / "vectors.npy")
    assert meta["files"]["vectors.npy"]["size"] == 128 + vecs.nbytes  # no padding, no preallocation left
    assert np.array_equal(np.load(dest / "vectors.npy"), vecs)
    store.check_entry(dest)


def test_a_device_that_refuses_the_alignment_gets_buffered_writes(tmp_path, forced, monkeypatch):
    words, vecs = _vectors()
    real, refused = os.pwrite, []

    def picky(fd, data, offset):
        import fcntl

        if fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_DIRECT:
            refused.append(offset)
            raise OSError(errno.EINVAL, "Invalid argument")
        return real(fd, data, offset)

    monkeypatch.setattr(direct.os, "pwrite", picky)
    dest = store.write_entry(tmp_path / "e", iter([Block(words, vecs)]), vecs.shape[1], {"name": "e"}, rows_hint=50)
    assert refused == [0] and not forced[0].direct
    assert np.array_equal(np.load(dest / "vectors.npy"), vecs)
    store.check_entry(dest)


def test_a_filesystem_without_direct_writes_gets_the_usual_file(tmp_path, monkeypatch):
    monkeypatch.setattr(store, "DIRECT_MIN", 0)
    real = os.open

    def no_direct(path, flags, *args):
        if flags & os.O_DIRECT:
            raise OSError(errno.EINVAL, "Invalid argument")
        return real(path, flags, *args)

    monkeypatch.setattr(direct.os, "open", no_direct)
    assert direct.open_direct(tmp_path / "x") is None
    words, vecs = _vectors()
    dest = store.write_entry(tmp_path / "e", iter([Block(words, vecs)]), vecs.shape[1], {"name": "e"}, rows_hint=50)
    assert np.array_equal(np.load(dest / "vectors.npy"), vecs)
    store.check_entry(dest)


@pytest.mark.parametrize("fail_at", [1, 2, 3])
def test_a_full_disk_during_a_direct_write_reaches_the_caller_and_leaves_nothing(
    tmp_path, forced, monkeypatch, fail_at
):
    words, vecs = _vectors(n=400, dim=30)  # 48 kB: six buffers of 8 kB
    calls = []
    real = os.pwrite

    def full(fd, data, offset):
        calls.append(offset)
        if len(calls) >= fail_at:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(fd, data, offset)

    monkeypatch.setattr(direct.os, "pwrite", full)
    blocks = [Block(words[i : i + 100], vecs[i : i + 100]) for i in range(0, 400, 100)]
    with pytest.raises(OSError, match="No space left"):
        store.write_entry(tmp_path / "e", iter(blocks), vecs.shape[1], {"name": "e"}, rows_hint=400)
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no entry, no temporary folder


def test_a_short_direct_write_is_continued(tmp_path, monkeypatch):
    real = os.pwrite

    def short(fd, data, offset):
        return real(fd, data[: direct.ALIGN], offset)  # one aligned block at a time

    monkeypatch.setattr(direct.os, "pwrite", short)
    out = direct.open_direct(tmp_path / "f", buffer_size=4 * direct.ALIGN)
    assert out is not None
    data = os.urandom(9 * direct.ALIGN + 5)
    out.write(data)
    out.close()
    assert (tmp_path / "f").read_bytes() == data


def test_a_direct_file_gets_the_permissions_open_would_give(tmp_path):
    old = os.umask(0o002)
    try:
        out = direct.open_direct(tmp_path / "d")
        assert out is not None
        out.close()
        with open(tmp_path / "b", "wb"):
            pass
    finally:
        os.umask(old)
    assert (tmp_path / "d").stat().st_mode & 0o777 == (tmp_path / "b").stat().st_mode & 0o777 == 0o664
