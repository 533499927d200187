"""Open a cache entry or a saved set's folder as :class:`~pretrained.Vectors`: the one way every
caller (``pretrained.load``, ``load_index``, saved sets) turns an entry on disk into the object
users hold, with its fastText subwords and word counts when the entry keeps them."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Optional

from pretrained.cache import entries as store
from pretrained.core import fasttext, keyed
from pretrained.core.vectors import Vectors

__all__ = ["open_entry"]


def open_entry(
    path: os.PathLike[str] | str,
    *,
    datatype: Any = None,
    fvocab: Optional[os.PathLike[str] | str] = None,
    unicode_errors: str = "strict",
) -> Vectors:
    """Memory-map the entry at ``path`` (see :func:`pretrained.cache.entries.read_entry`, which
    checks it) as :class:`~pretrained.Vectors`, or as
    :class:`~pretrained.core.fasttext.FastTextVectors` when it keeps character n-grams.

    ``datatype`` is gensim's (float16/64: a copy in that type); ``fvocab`` a word-count file read
    in place of the entry's own counts (``counts.npy``). Raises
    :class:`~pretrained.errors.CacheError` for a damaged entry."""
    path = Path(path)

    def read() -> tuple:  # every file of one version: a swap while reading means reading again
        words, vectors, norms, meta = store.read_entry(path)
        subwords = fasttext.read_subwords(path, meta)  # fastText n-grams
        counts = fasttext.read_counts(path, len(words)) if fvocab is None else None
        return words, vectors, norms, meta, subwords, counts

    words, vectors, norms, meta, subwords, counts = store.read_consistent(path, read)
    cls = Vectors if subwords is None else fasttext.FastTextVectors
    v = cls.trusted(words, vectors, norms=norms, name=meta.get("name"), meta=meta, path=path, dtype=datatype)
    v.subwords = subwords
    v.counts = counts if fvocab is None else keyed.read_fvocab(fvocab, words, unicode_errors)
    return v
