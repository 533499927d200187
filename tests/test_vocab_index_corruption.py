"""A corruption matrix for ``vocab.idx.npy`` (and ``vocab.txt`` beside it): every byte flipped in
turn, the file truncated, emptied, deleted, swapped with another entry's. ``load`` refuses with a
CacheError naming the file and the fix (or, for a byte nothing reads, such as the padding of the
``.npy`` header, answers every word right); ``cache verify`` flags every case; nothing crashes and
no lookup ever returns a wrong row."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import pretrained
from pretrained.cache import folder as cachedir
from pretrained.errors import CacheError

N, DIM = 30, 4
WORDS = [f"w{i}" for i in range(N - 2)] + ["ü", "東京"]


def _entry(tmp_path: Path):
    vecs = np.arange(N * DIM, dtype=np.float32).reshape(N, DIM) + 1
    src = tmp_path / "v.bin"
    pretrained.write_vectors(src, WORDS, vecs, format="word2vec")
    return src, Path(pretrained.load(src).path), vecs


def _flip(f: Path, offset: int, bit: int = 0x40) -> None:
    raw = bytearray(f.read_bytes())
    raw[offset] ^= bit
    f.write_bytes(bytes(raw))


def _refused_or_right(src: Path, vecs: np.ndarray, name: str, entry: Path) -> bool:
    """True when load refused (naming ``name`` and the fix); else every row must be right."""
    try:
        v = pretrained.load(src)
    except CacheError as exc:
        message = str(exc)
        assert name in message and str(entry) in message, message
        assert f"pretrained cache remove {entry.name}" in message and "force=True" in message, message
        return True
    for i, w in enumerate(WORDS):
        assert v.get_index(w) == i
        np.testing.assert_array_equal(v[w], vecs[i])
    assert "w99" not in v
    return False


@pytest.mark.parametrize("name", ["vocab.idx.npy", "vocab.txt"])
def test_every_flipped_byte_is_refused_or_harmless_and_verify_flags_it(tmp_path, name):
    src, entry, vecs = _entry(tmp_path)
    size = (entry / name).stat().st_size
    good = (entry / name).read_bytes()
    header = 0
    if name.endswith(".npy"):
        with open(entry / name, "rb") as f:
            np.lib.format.read_magic(f)
            np.lib.format.read_array_header_1_0(f)
            header = f.tell()
    refused = 0
    for offset in range(size):
        _flip(entry / name, offset)
        refused += _refused_or_right(src, vecs, name, entry)
        if offset % 37 == 0 or offset >= header:  # verify is slower: every data byte, a sample of the header
            report = cachedir.verify()
            assert len(report) == 1 and report[0]["ok"] is False and name in report[0]["detail"], (offset, report)
        (entry / name).write_bytes(good)
    assert refused >= size - header  # every byte after the .npy header is read and checked on load
    assert [r["ok"] for r in cachedir.verify()] == [True]


def _swap_with_another_entry(tmp_path: Path, entry: Path) -> None:
    other = tmp_path / "o.bin"
    pretrained.write_vectors(other, [w[::-1] + "x" for w in WORDS], np.ones((N, DIM), np.float32), format="word2vec")
    (entry / "vocab.idx.npy").write_bytes((Path(pretrained.load(other).path) / "vocab.idx.npy").read_bytes())


CASES = {
    "truncated": lambda t, e: (e / "vocab.idx.npy").write_bytes((e / "vocab.idx.npy").read_bytes()[:-4]),
    "emptied": lambda t, e: (e / "vocab.idx.npy").write_bytes(b""),
    "deleted": lambda t, e: (e / "vocab.idx.npy").unlink(),
    "another entry's": _swap_with_another_entry,
    "grown by 4 bytes": lambda t, e: (e / "vocab.idx.npy").write_bytes((e / "vocab.idx.npy").read_bytes() + b"\0" * 4),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_damaged_index_is_refused_with_the_fix_and_force_repairs_it(tmp_path, case):
    src, entry, vecs = _entry(tmp_path)
    CASES[case](tmp_path, entry)
    with pytest.raises(CacheError) as info:
        pretrained.load(src)
    message = str(info.value)
    assert "vocab.idx.npy" in message and f"pretrained cache remove {entry.name}" in message, message
    report = cachedir.verify()
    assert [r["ok"] for r in report].count(False) == 1, report
    v = pretrained.load(src, force=True)
    assert v.words == WORDS and v.get_index("東京") == N - 1
    np.testing.assert_array_equal(v.vectors, vecs)
    assert all(r["ok"] for r in cachedir.verify())
