"""Every path of the cache and of the data folder, spelled once.

::

    <cache>/
      CACHEDIR.TAG                  so backup tools skip the folder
      downloads/<key>/<file>        files as downloaded (see pretrained.cache.folder.download_key)
      vectors/<entry>/              converted sets: vectors.npy, norms.npy, vocab.txt, vocab.idx.npy,
                                    meta.json, and for fastText ngrams.npy, counts.npy
      vectors/<entry>.lock          while the entry is converted
      indexes/<entry>/              nearest-neighbour indexes of that entry (sidecar <file>.json)
      indexes/memory-<16 hex>/      indexes of vectors that are not in the cache
      locks/                        locks of index builds written outside the cache
    <data>/
      sets/<name>/                  saved sets, one entry each; sets/<name>.lock while saved

Folders are resolved on every call (``cache_dir=`` / ``data_dir=``, else the environment, see
:mod:`pretrained.config`) and never created here.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional, Union

from pretrained import config

PathLike = Union[str, "os.PathLike[str]"]

__all__ = [
    "DOWNLOADS", "VECTORS_DIR", "INDEXES", "LOCKS", "SETS", "TAG",
    "VECTORS", "NORMS", "VOCAB", "VOCAB_INDEX", "META", "NGRAMS", "COUNTS", "LOCK_SUFFIX",
    "root", "downloads", "vectors", "indexes", "locks", "sets", "lock_path",
    "entry_indexes", "index_entry", "memory_indexes", "sidecar_name",
]  # fmt: skip

# folders
DOWNLOADS, VECTORS_DIR, INDEXES, LOCKS, TAG = "downloads", "vectors", "indexes", "locks", "CACHEDIR.TAG"
SETS = "sets"  #: the folder of saved sets inside the data folder
# the files of an entry
VECTORS, NORMS, VOCAB, META = "vectors.npy", "norms.npy", "vocab.txt", "meta.json"
VOCAB_INDEX = "vocab.idx.npy"  #: the memory-mapped word -> row table (pretrained.cache.vocab)
NGRAMS, COUNTS = "ngrams.npy", "counts.npy"  #: a fastText entry's n-grams; any entry's word counts
LOCK_SUFFIX = ".lock"


def root(cache_dir: Optional[PathLike] = None) -> Path:
    """The cache folder."""
    return config.cache_dir(cache_dir)


def downloads(cache_dir: Optional[PathLike] = None) -> Path:
    """Where downloaded files go."""
    return root(cache_dir) / DOWNLOADS


def vectors(cache_dir: Optional[PathLike] = None) -> Path:
    """Where converted sets go."""
    return root(cache_dir) / VECTORS_DIR


def indexes(cache_dir: Optional[PathLike] = None) -> Path:
    """Where indexes go."""
    return root(cache_dir) / INDEXES


def locks(cache_dir: Optional[PathLike] = None) -> Path:
    """Where locks of work outside the cache's own folders go."""
    return root(cache_dir) / LOCKS


def sets(data_dir: Optional[PathLike] = None) -> Path:
    """The folder of saved sets: ``<data>/sets``."""
    return config.data_dir(data_dir) / SETS


def lock_path(target: PathLike) -> Path:
    """The lock file guarding the writing of ``target`` (an entry, a download): ``<target>.lock``."""
    return Path(os.fspath(target) + LOCK_SUFFIX)


def entry_indexes(entry: PathLike) -> Path:
    """The folder of the indexes of the cache entry ``vectors/<entry>``: ``indexes/<entry>``
    in the same cache (so a moved cache keeps its indexes)."""
    entry = Path(entry)
    return entry.parent.parent / INDEXES / entry.name


def index_entry(index_folder: PathLike) -> Path:
    """The cache entry whose indexes ``indexes/<entry>`` holds: ``vectors/<entry>`` beside it."""
    index_folder = Path(index_folder)
    return index_folder.parent.parent / VECTORS_DIR / index_folder.name


def memory_indexes(identity_hex: str, cache_dir: Optional[PathLike] = None) -> Path:
    """The folder of the indexes of vectors not in the cache, by 16 hex of their identity."""
    return indexes(cache_dir) / f"memory-{identity_hex}"


def sidecar_name(index_file_name: str) -> str:
    """The sidecar's file name beside an index file: ``<file>.json``."""
    return index_file_name + ".json"
