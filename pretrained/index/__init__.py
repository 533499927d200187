"""A neighbour index over a vector set: built once offline, memory-mapped everywhere.

An index is three files side by side (described for other readers in
``docs/guide/index-format.md``):

``<name>.ann``            the backend's file (Annoy: a forest over the L2-normalised rows); item
                          ``i`` is row ``i`` of the vectors
``<name>.ann.json``       the sidecar: backend and its parameters, what the file holds, metric,
                          dim, item count, the vectors' identity (sha256 of their float32 bytes),
                          build time, library versions, the index file's size and content hash
                          and the default ``search_k``
``<name>.ann.vocab.txt``  the words, line ``i`` the word of item ``i``

Without a path, :func:`build_index` writes into the cache beside the vectors
(``<cache>/indexes/<entry>/annoy-angular-t<trees>-s<seed>.ann``), so ``v.index()`` finds it again.
Loading checks the sidecar against the vectors and the file's size and content hash (before the
native library reads it: a damaged file would crash the process), and refuses a mismatch with
:class:`IndexMismatchError`.

Modules: ``backend`` (what a backend is, the parameters it declares; the registry),
``annoy_backend`` (Annoy), ``hnsw_backend`` (hnswlib), ``milvus_backend`` (a Milvus collection:
embedded Milvus Lite, or a server by ``uri=``), ``sidecar`` (identity, paths, sidecar
read/write/check), ``build`` (build with lock, atomic write), ``load`` (open and check), ``query``
(:class:`NeighbourIndex`), ``recall`` (recall and tune).

Adding a backend: one module with a class that declares ``name``, ``parameters`` (a tuple of
:class:`~pretrained.index.backend.Param`), ``effort_name``, ``suffix`` and the calls of
:class:`~pretrained.index.backend.Backend`, decorated with ``@register``; its parameters become
keywords of :func:`build_index` / :meth:`Vectors.index` and flags of ``pretrained build-index``.

Public modules (what they define is re-exported from ``pretrained`` or this package): ``build``,
``load``, ``query``, ``recall``. Internal modules (their names may change; import from
``pretrained`` instead): ``annoy_backend``, ``backend``, ``hnsw_backend``, ``milvus_backend``,
``sidecar``.
"""

from __future__ import annotations

from pretrained.index.annoy_backend import DEFAULT_SEARCH_K, DEFAULT_SEED, DEFAULT_TREES
from pretrained.index.backend import Param, backend_names, register
from pretrained.index.build import build_index
from pretrained.index.load import load_index
from pretrained.index.query import NeighbourIndex
from pretrained.index.recall import RecallReport
from pretrained.index.sidecar import IndexMismatchError, index_path, sidecar_path, vectors_identity

__all__ = [
    "NeighbourIndex",
    "IndexMismatchError",
    "RecallReport",
    "build_index",
    "load_index",
    "index_path",
    "sidecar_path",
    "vectors_identity",
    "Param",
    "register",
    "backend_names",
    "DEFAULT_TREES",
    "DEFAULT_SEARCH_K",
    "DEFAULT_SEED",
]
