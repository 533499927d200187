"""Opening an entry reads one version's files only (vectors, words, fastText n-grams, counts), and
a damaged counts.npy is refused with the advice that fits the folder (a saved set is restored,
never converted afresh)."""

from __future__ import annotations

import os

import numpy as np
import pytest

import pretrained
from pretrained.cache import entries as store
from pretrained.core import entry as opening
from pretrained.core import fasttext
from pretrained.errors import CacheError
from pretrained.interop import saving


def _save(name: str, k: int, counts: bool = True) -> pretrained.Vectors:
    v = pretrained.Vectors([f"w{i}" for i in range(5)], np.full((5, 3), float(k), np.float32))
    if counts:
        v.counts = np.arange(5) + 100 * k
    pretrained.save(v, name, overwrite=True)
    return v


@pytest.mark.parametrize(
    "damage",
    [
        lambda p: np.save(p, np.arange(4)),  # one count short
        lambda p: np.save(p, np.zeros(5, np.float32)),  # not integers
        lambda p: p.write_bytes(b"\x93NUMPY garbage"),  # unreadable
    ],
    ids=["short", "floats", "unreadable"],
)
def test_a_damaged_counts_file_of_a_saved_set_is_refused_with_restore_advice(damage):
    _save("mine", 1)
    damage(saving.sets_dir() / "mine" / fasttext.COUNTS)
    with pytest.raises(CacheError, match=r"counts\.npy") as info:
        pretrained.load("mine")
    assert "your own data" in str(info.value) and "converted afresh" not in str(info.value)


def test_counts_swapped_in_while_opening_are_read_again_with_their_version(monkeypatch):
    """A swap between reading the vectors and reading counts.npy must not pair one version's
    vectors with the other's counts: the whole open is read again."""
    _save("mine", 1)
    path = saving.sets_dir() / "mine"
    real = fasttext.read_counts
    swaps = []

    def read_counts_after_a_swap(entry, count=None):
        if not swaps:  # another process overwrites the set between our reads, once
            swaps.append(1)
            _save("mine", 2)
        return real(entry, count)

    monkeypatch.setattr(opening.fasttext, "read_counts", read_counts_after_a_swap)
    v = opening.open_entry(path)
    k = int(np.asarray(v.vectors)[0, 0])
    assert k == 2 and list(v.counts) == list(np.arange(5) + 100 * k)
    assert swaps == [1]


def test_read_consistent_gives_up_with_a_clear_error_on_a_folder_that_keeps_changing(tmp_path):
    folder = tmp_path / "entry"
    folder.mkdir()

    def read():
        os.rename(folder, tmp_path / "aside")
        os.rename(tmp_path / "aside", folder)  # same name, new change time each time
        os.utime(folder)
        (folder / "x").write_text("1")
        (folder / "x").unlink()
        return 1

    with pytest.raises(CacheError, match="kept changing"):
        store.read_consistent(folder, read)
