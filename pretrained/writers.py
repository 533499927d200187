"""Write vectors back out: GloVe text, word2vec binary and word2vec text (``.gz``/``.bz2`` by name).

Files are written to a temporary name beside the destination and renamed into place.
"""
from __future__ import annotations

import bz2
import gzip
import os
import uuid
from typing import Sequence

import numpy as np

from .formats import normalize_format

__all__ = ["write_vectors"]

_ROWS = 8192


def _format_rows(vectors: np.ndarray) -> list:
    """Rows as text with ``%.6g`` per value, Stanford's GloVe style (``0.418 0.24968 -0.41242``)."""
    fmt = " ".join(["%.6g"] * vectors.shape[1])
    return [fmt % tuple(r) for r in vectors.tolist()]


def write_vectors(path: "os.PathLike[str] | str", words: Sequence[str], vectors: np.ndarray, *, format: str = "glove") -> None:
    """Write ``words`` and their ``vectors`` to ``path``.

    Parameters
    ----------
    format
        ``"glove"`` (no header), ``"word2vec"`` (C binary) or ``"word2vec-text"``/``"fasttext"``.

    Examples
    --------
    >>> import tempfile, os, numpy as np
    >>> from pretrained.formats import read_vectors
    >>> p = os.path.join(tempfile.mkdtemp(), "v.bin")
    >>> write_vectors(p, ["a", "b"], np.eye(2, dtype=np.float32), format="word2vec")
    >>> read_vectors(p)[0]
    ['a', 'b']
    """
    fmt = normalize_format(format)
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim != 2 or vectors.shape[0] != len(words):
        raise ValueError(f"{len(words)} words but vectors of shape {vectors.shape}")
    for w in words:
        if not w or "\n" in w or (fmt != "glove" and " " in w):
            raise ValueError(f"word {w!r} cannot be written in {fmt} format")
    path = os.fspath(path)
    tmp = f"{path}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    lower = path.lower()
    opener = gzip.open if lower.endswith(".gz") else bz2.open if lower.endswith(".bz2") else open
    try:
        with opener(tmp, "wb") as f:
            if fmt != "glove":
                f.write(f"{vectors.shape[0]} {vectors.shape[1]}\n".encode())
            for s in range(0, len(words), _ROWS):
                chunk_words = words[s : s + _ROWS]
                chunk = vectors[s : s + _ROWS]
                if fmt == "word2vec":
                    le = chunk.astype("<f4")
                    f.write(b"".join(w.encode("utf-8") + b" " + row.tobytes() + b"\n" for w, row in zip(chunk_words, le)))
                else:
                    lines = (w + " " + r for w, r in zip(chunk_words, _format_rows(chunk)))
                    f.write(("\n".join(lines) + "\n").encode("utf-8"))
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
