"""``pretrained.save``: any :class:`~pretrained.Vectors` (trained, fine-tuned, brought from Keras,
PyTorch, gensim or a table) becomes a named cache entry in the same pickle-free form as a converted
download, so ``pretrained.load(name)`` memory-maps it from any process and ``pretrained cache``
lists and removes it.

A name is one safe path component that no catalogue set uses (``glove.6B.50d`` cannot be
shadowed); an existing entry of that name is replaced only with ``overwrite=True``.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, Iterator, Optional

import numpy as np

from . import cachedir, catalog, store
from .errors import PretrainedError
from .formats import Block
from .vectors import Vectors

__all__ = ["save", "saved_path", "check_name", "load_saved", "NameTakenError", "InvalidNameError"]

logger = logging.getLogger(__name__)

_ROWS = 65536  # rows per block written


class InvalidNameError(PretrainedError, ValueError):
    """A name that cannot be a cache entry's folder name."""


class NameTakenError(PretrainedError, FileExistsError):
    """A name already used by a catalogue set or by another entry in the cache."""


def check_name(name: Any) -> str:
    """Return ``name`` when it can name a saved set, else raise :class:`InvalidNameError` (not one
    safe path component) or :class:`NameTakenError` (a catalogue set's name or alias)."""
    if not isinstance(name, str) or not name.strip():
        raise InvalidNameError(f"a name is a non-empty str, got {name!r}")
    bad = [c for c in ("/", "\\", "\0", "\n", "\r") if c in name]
    if bad or name in (".", "..") or name.startswith(".") or name.endswith(".lock") or name != name.strip():
        raise InvalidNameError(
            f"{name!r} cannot name a cache entry: use one folder name without '/', '\\', line breaks, "
            "surrounding spaces, a leading '.' or a '.lock' ending (e.g. 'lee-word2vec')"
        )
    if catalog.has(name):
        raise NameTakenError(f"{name!r} is a catalogue set; pick another name (e.g. {name + '-mine'!r})")
    for known in catalog.names():
        if name.startswith(known + "-"):
            raise NameTakenError(
                f"{name!r} starts with the catalogue name {known!r} and a '-', which `pretrained cache "
                f"remove {known}` would also remove; pick another name"
            )
    return name


def saved_path(name: str, cache_dir: Optional["str | os.PathLike[str]"] = None) -> Path:
    """The cache folder of the saved set ``name`` (it may not exist)."""
    return cachedir.vectors(cache_dir) / check_name(name)


def _blocks(vectors: Vectors) -> Iterator[Block]:
    words, matrix = vectors.index_to_key, vectors.vectors
    for s in range(0, len(words), _ROWS):
        chunk = words[s : s + _ROWS]
        for w in chunk:
            if "\n" in w:
                raise InvalidNameError(f"word {w!r} contains a line break and cannot be saved (the word list is one word a line)")
        yield Block(list(chunk), np.asarray(matrix[s : s + _ROWS], dtype=np.float32))


def _source(vectors: Vectors) -> dict:
    source = dict(vectors.meta.get("source") or {})
    if source.get("kind"):
        return source
    return {"kind": "vectors", "name": vectors.name, "path": vectors.path, "from": source or None}


def save(
    vectors: Vectors,
    name: str,
    *,
    cache_dir: Optional["str | os.PathLike[str]"] = None,
    overwrite: bool = False,
    nonfinite: str = "error",
) -> Path:
    """Save ``vectors`` into the cache as ``name`` and return the entry's folder.

    Parameters
    ----------
    vectors
        Any :class:`~pretrained.Vectors`.
    name
        One folder name (``"lee-word2vec"``), not a catalogue name; ``pretrained.load(name)``
        then memory-maps the set.
    cache_dir
        The cache folder (default: as :func:`pretrained.load`).
    overwrite
        Replace an existing entry of that name (else :class:`NameTakenError`).
    nonfinite
        Rows holding nan or inf (a set loaded with ``nonfinite="keep"``): ``"error"`` (default,
        naming the word), ``"zero"`` (saved as zero rows) or ``"keep"``, as the file readers.

    Examples
    --------
    >>> path = pretrained.save(v, "my-vectors")        # doctest: +SKIP
    >>> pretrained.load("my-vectors")                  # doctest: +SKIP
    <Vectors 'my-vectors': 12,345 words x 100 dims>
    """
    if not isinstance(vectors, Vectors):
        raise TypeError(f"save takes a pretrained.Vectors, got {type(vectors).__name__}")
    vectors = _finite(vectors, nonfinite)
    dest = saved_path(name, cache_dir)
    if store.is_entry(dest) and not overwrite:
        raise NameTakenError(f"a set named {name!r} is already in the cache ({dest}); pass overwrite=True or pick another name")
    cachedir.ensure(cache_dir)
    meta = {"name": name, "source": _source(vectors), "saved_from": vectors.name}
    with store.entry_lock(dest):
        if dest.exists():
            if not overwrite:
                raise NameTakenError(f"a set named {name!r} is already in the cache ({dest}); pass overwrite=True or pick another name")
            store.remove_entry(dest)
        store.write_entry(dest, _blocks(vectors), vectors.dim, meta, extra=_counts_writer(vectors))
    logger.info("saved %r as %s (%d words x %d dims)", vectors, dest, len(vectors), vectors.dim)
    return dest


def load_saved(path: Path) -> Vectors:
    """Memory-map a saved entry's folder as :class:`~pretrained.Vectors` (with its word counts)."""
    from .fasttext import read_counts

    words, matrix, norms, meta = store.read_entry(path)
    v = Vectors(words, matrix, norms=norms, name=meta.get("name"), meta=meta, path=path, _checked=True)
    v.counts = read_counts(path)
    return v


def _finite(vectors: Vectors, nonfinite: str) -> Vectors:
    """``vectors`` with ``nonfinite=`` applied (the same object when nothing changes)."""
    from .vectors import check_values

    checked = check_values(vectors.vectors, vectors.index_to_key, nonfinite)
    if checked is vectors.vectors:
        return vectors
    out = Vectors(vectors.index_to_key, checked, name=vectors.name, meta=vectors.meta, _checked=True)
    out.counts = vectors.counts
    return out


def _counts_writer(vectors: Vectors) -> Any:
    """``extra=`` for the entry writer: the word counts (``counts.npy``, as a fastText set keeps
    them) when the vectors carry real ones (from train, from_gensim, fvocab=), else None."""
    from .fasttext import COUNTS

    counts = vectors.counts
    if counts is None:
        return None
    counts = np.asarray(counts, dtype=np.int64)
    if counts.shape != (len(vectors),):
        raise ValueError(f"{vectors!r} has {counts.shape} counts for {len(vectors)} words")
    return lambda folder: np.save(folder / COUNTS, counts, allow_pickle=False)
