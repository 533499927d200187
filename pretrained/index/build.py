"""Building an index: once per vectors and parameters, under a lock (two processes building the
same index: one builds, the other reuses), written under a temporary name and moved into place by
:mod:`pretrained.atomic` (the index file first, its sidecar last, so a sidecar is only ever seen
beside a complete index)."""
from __future__ import annotations

import logging
import os
import platform
import time
from pathlib import Path
from typing import Any, Dict, Optional

import numpy as np

from .. import atomic, progress, scoring, threads
from .backend import backend_class, split_params
from .load import load_index
from .query import NeighbourIndex
from .sidecar import FORMAT, SIDECAR_VERSION, IndexMismatchError, check_file, find_sidecar, index_path, vectors_identity, write_sidecar

__all__ = ["build_index", "resolve_target"]

logger = logging.getLogger(__name__)

_CHUNK = 65536  # rows normalised at a time while adding items


def _version(package: str) -> Optional[str]:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return None


def _peak_rss_mib() -> Optional[float]:
    try:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux
    except (ImportError, AttributeError):  # pragma: no cover - not on Linux
        return None


def resolve_target(path: Optional["str | os.PathLike[str]"], vectors, backend: str, params: Dict[str, Any]) -> Path:
    """The index file for ``path``: the cache's when None, a file named by the parameters inside
    ``path`` when it is a folder (or has no suffix), else ``path`` itself."""
    if path is None:
        return index_path(vectors, backend=backend, **params)
    p = Path(path).expanduser()
    if p.is_dir() or os.fspath(path).endswith(os.sep) or p.suffix == "":
        cls = backend_class(backend)
        return p / (cls.file_stem(params) + cls.suffix)
    return p


def build_index(
    vectors,
    path: Optional["str | os.PathLike[str]"] = None,
    *,
    backend: str = "annoy",
    n_jobs: int = -1,
    on_disk: bool = False,
    search_k: Optional[int] = None,
    progress: Optional[bool] = None,
    force: bool = False,
    **params: Any,
) -> NeighbourIndex:
    """Build a neighbour index over ``vectors`` and return it opened (Annoy: memory-mapped).

    Parameters
    ----------
    vectors
        The set to index (usually from :func:`pretrained.load`); item ``i`` is its row ``i``.
    path
        The index file (or a folder for it). Default: the cache, beside the vectors, named by
        the build parameters, so :meth:`Vectors.index` finds it again. Its sidecar is the file's
        name plus ``.json``.
    backend
        ``"annoy"`` (the default: one memory-mapped file shared by every process), ``"hnsw"``
        (hnswlib: many times more queries a second at the same recall, read into each process's
        memory) or ``"milvus"`` (a Milvus collection: embedded Milvus Lite by default, a server
        or cluster with ``uri=``); see the README's "Which index" and the Milvus guide.
    n_jobs
        Build threads (-1: all cores).
    on_disk
        Build the forest in the file rather than in memory (for sets larger than memory;
        Annoy only).
    search_k
        The default search effort stored in the sidecar (see :meth:`NeighbourIndex.tune`):
        Annoy's ``search_k``, HNSW's ``ef``, Milvus's ``ef`` or ``nprobe``.
    progress
        Show a progress bar while adding vectors (default: when standard error is a terminal).
    force
        Build again even when an index with these parameters exists at the target.
    **params
        The backend's own parameters (each backend's ``parameters`` declares them): Annoy's
        ``n_trees`` (default 50) and ``seed`` (default 42; with ``n_jobs=1`` the file is
        byte-for-byte reproducible); HNSW's ``M`` (links per node, default 16),
        ``ef_construction`` (default 200) and ``seed``; Milvus's ``index_type`` and its
        parameters, and the connection options ``uri`` and ``token`` (never stored).

    Returns
    -------
    NeighbourIndex

    Examples
    --------
    >>> import numpy as np, pretrained
    >>> v = pretrained.Vectors(["a", "b", "c"], np.array([[1, 0], [0.9, 0.1], [0, 1]], np.float32))
    >>> index = pretrained.build_index(v, n_trees=2)          # doctest: +SKIP
    >>> index.most_similar("a", topn=1).words                 # doctest: +SKIP
    ['b']
    """
    cls = backend_class(backend)
    params, options = split_params(cls, {k: v for k, v in params.items() if v is not None})
    if on_disk and not getattr(cls, "builds_on_disk", False):
        raise ValueError(f"on_disk builds are Annoy's; a {backend} index is built in memory")
    threads.workers(n_jobs)  # refuse a bad thread count before any work
    if search_k is not None:
        scoring.check_count(search_k, "search_k")
    target = resolve_target(path, vectors, backend, params)
    if not force:
        found = _reuse(target, vectors, backend, params, options)
        if found is not None:
            return found
    from ..store import entry_lock

    target.parent.mkdir(parents=True, exist_ok=True)
    with entry_lock(target):
        if not force:
            found = _reuse(target, vectors, backend, params, options)
            if found is not None:
                return found
        return _build(vectors, target, cls, params, n_jobs, on_disk, search_k, progress, options)


def _reuse(target: Path, vectors, backend: str, params: Dict[str, Any], options: Optional[Dict[str, Any]] = None) -> Optional[NeighbourIndex]:
    """The index at ``target`` when it is complete, matches the vectors and was built by this
    backend with these parameters; None (with a warning when something is there but wrong)."""
    if not (target.is_file() and find_sidecar(target) is not None):
        return None
    try:
        index = load_index(target, vectors=vectors, **(options or {}))
    except IndexMismatchError as exc:
        logger.warning("rebuilding the index at %s: %s", target, exc)
        return None
    theirs = (index.backend_name, {k: index.sidecar["params"].get(k) for k in params})
    if theirs != (backend, params):
        logger.warning("rebuilding the index at %s: it was built by %s with %s, asked for %s with %s", target, *theirs, backend, params)
        index.unload()
        return None
    logger.info("reusing the index at %s", target)
    return index


def _add_all(index, vectors, desc: str, enabled: Optional[bool]) -> None:
    arr, inv = vectors.vectors, vectors.inverse_norms
    count = len(vectors)
    chunk = int(getattr(index, "batch_rows", _CHUNK))
    done = int(index.resume_at()) if hasattr(index, "resume_at") else 0  # rows a killed run already pushed
    if done:
        logger.info("resuming: %d of %d rows are already in the index", done, count)
    with progress.bar(count, desc, unit="vec", enabled=enabled) as bar:
        bar.update(done)
        for s in range(done, count, chunk):
            unit = np.asarray(arr[s : s + chunk], dtype=np.float32) * inv[s : s + chunk, None]
            index.add_rows(s, unit)
            bar.update(unit.shape[0])


def _build(vectors, target: Path, cls, params: Dict[str, Any], n_jobs: int, on_disk: bool, search_k: Optional[int], enabled: Optional[bool],
           options: Optional[Dict[str, Any]] = None) -> NeighbourIndex:
    count, dim = len(vectors), vectors.dim
    identity = vectors_identity(vectors)
    started = time.perf_counter()
    context = {**(options or {}), "identity": identity, "index_file": target, "words": vectors.index_to_key}
    with atomic.atomic_path(target) as tmp:
        index = cls.create(dim, params, tmp if on_disk else None, count=count, n_jobs=n_jobs, options=context)
        _add_all(index, vectors, f"indexing {vectors.name or 'vectors'}", enabled)
        added = time.perf_counter()
        logger.info("added %d vectors in %.2f s; building with %s", count, added - started, params)
        index.build(n_jobs)
        built = time.perf_counter()
        if not on_disk:
            index.save(tmp)
        index.unload()
        del index
        seconds = time.perf_counter() - started
        timing = {"seconds": seconds, "add_seconds": added - started, "build_seconds": built - added}
        sidecar = _sidecar(vectors, target, cls, params, identity, n_jobs, on_disk, search_k, timing, tmp.stat().st_size)
        check_file(tmp, sidecar, shown=target)  # verify before it is visible
    write_sidecar(target, sidecar)
    logger.info("built %s: %s over %d x %d in %.2f s", target, params, count, dim, seconds)
    return load_index(target, vectors=vectors, **(options or {}))


def _sidecar(vectors, target: Path, cls, params, identity: str, n_jobs: int, on_disk: bool, search_k, timing: Dict[str, float], size: int) -> Dict[str, Any]:
    return {
        "format": FORMAT,
        "sidecar_version": SIDECAR_VERSION,
        "backend": cls.name,
        "params": dict(params),
        "metric": cls.metric,
        "normalised": True,
        "dim": vectors.dim,
        "count": len(vectors),
        "vectors": {"sha256": identity, "name": vectors.name, "entry": vectors.path},
        "build": {
            **{k: v for k, v in params.items()},
            "n_jobs": int(n_jobs),
            "threads": threads.workers(n_jobs),
            "on_disk": bool(on_disk),
            **{k: round(v, 3) for k, v in timing.items()},
            "peak_rss_mib": _peak_rss_mib(),
        },
        "search_k": int(search_k) if search_k else (cls.default_effort_for(params) if hasattr(cls, "default_effort_for") else cls.default_effort),
        "ann_file": target.name,
        "ann_size": size,
        "versions": {
            "pretrained": _version("pretrained"),
            cls.package: _version(cls.package),
            "numpy": np.__version__,
            "python": platform.python_version(),
        },
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
