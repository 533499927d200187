"""``cache verify`` re-hashes a plain (non-fastText) set: a corruption that keeps every shape and
norm (a flipped sign bit of one value of ``vectors.npy``) is flagged by the hash comparison alone,
so a verify comparing a hash with itself would fail here (issue 17 F)."""

from __future__ import annotations

import numpy as np
import pytest

import pretrained
from pretrained.cache import folder as cachedir
from pretrained.cli import main


@pytest.fixture
def plain(tmp_path):
    rng = np.random.default_rng(2)
    v = pretrained.Vectors([f"w{i}" for i in range(50)], rng.standard_normal((50, 6)).astype(np.float32))
    path = tmp_path / "plain.txt"
    v.save(path)
    return pretrained.load(path)


@pytest.mark.parametrize("row, col", [(0, 0), (17, 3), (49, 5)])
def test_a_flipped_sign_bit_keeps_the_norm_and_is_flagged(plain, row, col, capsys):
    from pathlib import Path

    entry = Path(plain.path)
    assert not plain.has_subwords
    before = np.load(entry / "vectors.npy", allow_pickle=False)
    header = (entry / "vectors.npy").stat().st_size - before.nbytes
    offset = header + 4 * (row * before.shape[1] + col) + 3  # the sign bit of a little-endian float32
    data = bytearray((entry / "vectors.npy").read_bytes())
    data[offset] ^= 0x80
    (entry / "vectors.npy").write_bytes(bytes(data))
    after = np.load(entry / "vectors.npy", allow_pickle=False)
    assert after[row, col] == -before[row, col] and after.shape == before.shape
    np.testing.assert_array_equal(np.linalg.norm(after, axis=1), np.linalg.norm(before, axis=1))  # norms kept
    rows = [r for r in cachedir.verify() if r["kind"] == "vectors"]
    assert (
        len(rows) == 1 and not rows[0]["ok"] and "vectors.npy" in rows[0]["detail"] and "xxh3-128" in rows[0]["detail"]
    )
    assert main(["cache", "verify"]) != 0
    assert "vectors.npy" in capsys.readouterr().out


def test_an_untouched_plain_set_verifies(plain):
    rows = [r for r in cachedir.verify() if r["kind"] == "vectors"]
    assert len(rows) == 1 and rows[0]["ok"], rows
