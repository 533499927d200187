"""Write vectors back out: GloVe text, word2vec binary and word2vec text (``.gz``/``.bz2`` by name).

Text is exact by default: each row is written with the fewest significant digits (6 to 9) that
read back as the very same float32 values, so a write and a read give bit-identical vectors
(``0.418`` stays ``0.418``; only values that need it get more digits). ``precision=N`` writes N
significant digits instead (smaller files, not exact). Files go into place atomically
(:func:`pretrained.cache.atomic.atomic_path`).
"""

from __future__ import annotations

import bz2
import gzip
import os
from typing import List, Optional, Sequence

import numpy as np

from pretrained.cache.atomic import atomic_path
from pretrained.errors import FormatError
from pretrained.formats.text_reader import looks_numeric

__all__ = ["write_vectors", "write_builtin", "format_rows", "row_digits"]

_ROWS = 8192


_POW10 = 10.0 ** np.arange(-60, 61)  # 10**k for k in -60..60, looked up instead of computed


def _round_trips(x64: np.ndarray, target: np.ndarray, exp10: np.ndarray, digits: int) -> np.ndarray:
    """Which rows, each value rounded to ``digits`` significant digits, read back as ``target``
    (float32); a value next to a rounding tie counts as not (its printed digits could go either way)."""
    scale = _POW10[(digits - 1 + 60) - exp10]
    y = x64 * scale
    r = np.round(y)
    with np.errstate(over="ignore", invalid="ignore"):
        back = (r / scale).astype(np.float32)
        ok = (back == target) & (np.abs(np.abs(y - r) - 0.5) > 1e-6)
    return ok.all(axis=1)


def row_digits(vectors: np.ndarray) -> np.ndarray:
    """For each row of a float32 matrix, the fewest significant digits (6, 8 or 9) with which
    every value of the row, printed with ``%.Ng``, reads back as the same float32 (9 always does).

    Examples
    --------
    >>> row_digits(np.array([[0.418, -0.5], [0.1, 1/3]], dtype=np.float32)).tolist()
    [6, 8]
    """
    v = np.ascontiguousarray(vectors, dtype=np.float32)
    finite = np.isfinite(v).all(axis=1)
    x = v.astype(np.float64)
    a = np.abs(x)
    a[(a == 0) | ~np.isfinite(a)] = 1.0
    e = np.floor(np.log10(a)).astype(np.int64)
    e += a >= _POW10[e + 61]  # log10 can be off by one next to a power of ten
    e -= a < _POW10[e + 60]
    digits = np.full(len(v), 9, dtype=np.int8)
    rows = np.flatnonzero(finite)
    for n in (6, 8):
        if not rows.size:
            break
        ok = _round_trips(x[rows], v[rows], e[rows], n)
        digits[rows[ok]] = n
        rows = rows[~ok]
    return digits


def format_rows(vectors: np.ndarray, precision: Optional[int] = None) -> List[str]:
    """Rows as text: exact (see :func:`row_digits`) or with ``precision`` significant digits.

    Examples
    --------
    >>> format_rows(np.array([[0.418, 0.24968, -0.41242]], dtype=np.float32))
    ['0.418 0.24968 -0.41242']
    >>> format_rows(np.array([[1/3]], dtype=np.float32)), format_rows(np.array([[1/3]], dtype=np.float32), 3)
    (['0.33333334'], ['0.333'])
    """
    dim = vectors.shape[1]
    rows = vectors.tolist()
    if precision is not None:
        fmt = " ".join([f"%.{precision}g"] * dim)
        return [fmt % tuple(r) for r in rows]
    digits = row_digits(vectors).tolist()
    fmts = {n: " ".join([f"%.{n}g"] * dim) for n in (6, 7, 8, 9)}
    return [fmts[n] % tuple(r) for n, r in zip(digits, rows)]


def _check(words: Sequence[str], vectors: np.ndarray, fmt: str, precision: Optional[int]) -> None:
    if vectors.ndim != 2 or vectors.shape[0] != len(words):
        raise ValueError(f"{len(words)} words but vectors of shape {vectors.shape}")
    if precision is not None and (
        isinstance(precision, bool) or not isinstance(precision, int) or not 1 <= precision <= 17
    ):
        raise ValueError(f"precision must be a whole number from 1 to 17 (or None for exact output), got {precision!r}")
    for w in words:
        if not isinstance(w, str) or not w or "\n" in w or "\r" in w or (fmt != "glove" and " " in w):
            raise ValueError(f"word {w!r} cannot be written in {fmt} format")
        if " " in w and not _glove_token_ok(w, vectors.shape[1]):
            raise ValueError(
                f"word {w!r} ends in a space or a number after a space, or holds as many numbers in a "
                "row as a vector: a GloVe reader takes that for values (pretrained reads it back only "
                "with numeric_token_parts=True)"
            )


def _is_number(part: str) -> bool:
    try:
        float(part)
    except ValueError:
        return False
    return True


def _glove_token_ok(word: str, dim: int) -> bool:
    """Whether pretrained's GloVe reader reads ``word`` back by default (see text_reader)."""
    parts = word.split(" ")
    if not parts[-1] or looks_numeric(parts[-1]):
        return False
    run = best = 0
    for part in parts:
        run = run + 1 if _is_number(part) else 0
        best = max(best, run)
    return best < dim


def write_vectors(
    path: os.PathLike[str] | str,
    words: Sequence[str],
    vectors: np.ndarray,
    *,
    format: str = "glove",
    precision: Optional[int] = None,
) -> None:
    """Write ``words`` and their ``vectors`` to ``path`` (``.gz`` / ``.bz2`` compress by name).

    Parameters
    ----------
    format
        ``"glove"`` (no header), ``"word2vec"`` (C binary) or ``"word2vec-text"``/``"fasttext"``,
        or any registered format that can be written (:func:`pretrained.formats.registry.writable`).
    precision
        Text formats: None (default) writes values that read back bit-identical; a number writes
        that many significant digits (``6`` is Stanford's GloVe style: smaller, not exact).

    Examples
    --------
    >>> import tempfile, os, numpy as np
    >>> from pretrained.formats import read_vectors
    >>> p = os.path.join(tempfile.mkdtemp(), "v.bin")
    >>> write_vectors(p, ["a", "b"], np.eye(2, dtype=np.float32), format="word2vec")
    >>> read_vectors(p)[0]
    ['a', 'b']
    """
    from pretrained.formats import registry

    spec = registry.get(format)
    if spec.write is None:
        raise FormatError(f"format {spec.name!r} cannot be written; choose one of {', '.join(registry.writable())}")
    spec.write(path, words, vectors, precision)


def write_builtin(
    path: os.PathLike[str] | str,
    words: Sequence[str],
    vectors: np.ndarray,
    *,
    format: str,
    precision: Optional[int] = None,
) -> None:
    """The writer of ``"glove"``, ``"word2vec"`` and ``"word2vec-text"`` (canonical names), as
    registered by their modules in :mod:`pretrained.formats`."""
    fmt = format
    vectors = np.asarray(vectors, dtype=np.float32)
    _check(words, vectors, fmt, precision)
    path = os.fspath(path)
    lower = path.lower()
    opener = gzip.open if lower.endswith(".gz") else bz2.open if lower.endswith(".bz2") else open
    with atomic_path(path) as tmp, opener(tmp, "wb") as f:
        if fmt != "glove":
            f.write(f"{vectors.shape[0]} {vectors.shape[1]}\n".encode())
        elif len(words) and words[0].startswith("\ufeff"):
            f.write(b"\xef\xbb\xbf")  # readers drop one leading BOM: the first word keeps its own
        for s in range(0, len(words), _ROWS):
            chunk_words = words[s : s + _ROWS]
            chunk = vectors[s : s + _ROWS]
            if fmt == "word2vec":
                le = chunk.astype("<f4")
                f.write(b"".join(w.encode("utf-8") + b" " + row.tobytes() + b"\n" for w, row in zip(chunk_words, le)))
            else:
                lines = (w + " " + r for w, r in zip(chunk_words, format_rows(chunk, precision)))
                f.write(("\n".join(lines) + "\n").encode("utf-8"))
