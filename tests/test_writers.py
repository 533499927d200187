"""The writers: exact text by default, compact on request, refusals of words a reader would misread,
atomic placement."""

from __future__ import annotations

import numpy as np
import pytest

from pretrained import read_vectors, write_vectors
from pretrained.formats.writers import format_rows, row_digits


def test_glove_style_values_stay_short_and_exact():
    vecs = np.array([[0.418, 0.24968, -0.41242, 0.1]], dtype=np.float32)
    assert format_rows(vecs) == ["0.418 0.24968 -0.41242 0.1"]
    assert row_digits(vecs).tolist() == [6]


def _fewest_digits(x: np.float32) -> int:
    """The oracle: the fewest of 6, 8 or 9 digits with which %g reads back the same float32."""
    return next(n for n in (6, 8, 9) if np.float32(float("%.*g" % (n, x))) == x)


def test_row_digits_agrees_with_printing_and_reading_back(tmp_path):
    rng = np.random.default_rng(5)
    values = np.concatenate(
        [
            rng.standard_normal(2000),
            rng.standard_normal(500) * 1e30,
            rng.standard_normal(500) * 1e-30,
            [0.0, -0.0, 1e-45, 3.4028235e38, 16777217.0, 0.1, 1 / 3],
        ]
    ).astype(np.float32)
    got = row_digits(values[:, None]).tolist()
    assert got == [_fewest_digits(x) for x in values]
    assert 9 in got and 8 in got and 6 in got
    write_vectors(tmp_path / "v.txt", [f"w{i}" for i in range(len(values))], values[:, None])
    back = read_vectors(tmp_path / "v.txt")[1][:, 0]
    assert back.view(np.uint32).tolist() == values.view(np.uint32).tolist()


def test_precision_writes_that_many_digits(tmp_path):
    vecs = np.array([[1 / 3, 2 / 3]], dtype=np.float32)
    write_vectors(tmp_path / "v.txt", ["a"], vecs, precision=6)
    assert (tmp_path / "v.txt").read_text() == "a 0.333333 0.666667\n"


@pytest.mark.parametrize(
    "word,fmt",
    [
        ("queen 0.1", "glove"),
        ("ends space ", "glove"),
        ("a 1 2 b", "glove"),
        ("cut 1.5e", "glove"),
        ("new york", "word2vec"),
        ("new york", "word2vec-text"),
        ("two\nlines", "glove"),
        ("", "glove"),
        ("cr\r", "glove"),
    ],
)
def test_words_a_reader_would_misread_are_refused(tmp_path, word, fmt):
    with pytest.raises(ValueError, match=r"cannot be written|takes that for values"):
        write_vectors(tmp_path / "v.txt", [word], np.zeros((1, 2), np.float32), format=fmt)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("precision", [0, 18, 2.5, True])
def test_bad_precision(tmp_path, precision):
    with pytest.raises(ValueError, match="precision must be"):
        write_vectors(tmp_path / "v.txt", ["a"], np.zeros((1, 2), np.float32), precision=precision)


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "v.txt"
    write_vectors(target, ["a"], np.ones((1, 2), np.float32))
    before = target.read_bytes()

    class Boom(list):
        def __getitem__(self, item):  # fails while the rows are written
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        write_vectors(target, Boom(["b"]), np.ones((1, 2), np.float32))
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["v.txt"]
