"""A neighbour index over a vector set: built once offline, memory-mapped everywhere.

An index is two files side by side:

``<name>.ann``        the backend's file (Annoy: a forest over the L2-normalised rows); item ``i``
                      is row ``i`` of the cached vectors, so the vocabulary is shared with the cache
``<name>.ann.json``   the sidecar: backend and its parameters, metric, dim, item count, the
                      vectors' identity (sha256 of their float32 bytes), build time, library
                      versions, the index file's size and the default ``search_k``

Without a path, :func:`build_index` writes into the cache beside the vectors
(``<cache>/indexes/<entry>/annoy-angular-t<trees>-s<seed>.ann``), so ``v.index()`` finds it again.
Loading checks the sidecar against the vectors and the file size, and refuses a mismatch with
:class:`IndexMismatchError`.

Modules: ``backend`` (what a backend is; the registry), ``annoy_backend`` (Annoy), ``sidecar``
(identity, paths, sidecar read/write/check), ``build`` (build with lock, atomic write), ``load``
(open and check), ``query`` (:class:`NeighbourIndex`), ``recall`` (recall and tune).
"""
from __future__ import annotations

from .annoy_backend import DEFAULT_SEARCH_K, DEFAULT_SEED, DEFAULT_TREES
from .build import build_index
from .load import load_index
from .query import NeighbourIndex
from .recall import RecallReport
from .sidecar import IndexMismatchError, index_path, sidecar_path, vectors_identity

__all__ = [
    "NeighbourIndex",
    "IndexMismatchError",
    "RecallReport",
    "build_index",
    "load_index",
    "index_path",
    "sidecar_path",
    "vectors_identity",
    "DEFAULT_TREES",
    "DEFAULT_SEARCH_K",
    "DEFAULT_SEED",
]
