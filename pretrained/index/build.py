"""Building an index: once per vectors and parameters, under a lock (two processes building the
same index: one builds, the other reuses), written under a temporary name and moved into place by
:mod:`pretrained.cache.atomic` (the index file first, then its vocabulary, its sidecar last, so a
sidecar is only ever seen beside a complete index). The sidecar records the file's content hash,
checked before every open."""

from __future__ import annotations

import hashlib
import logging
import os
import platform
import time
from pathlib import Path
from typing import Any, Dict, Optional

import numpy as np

from pretrained import config, progress, threads
from pretrained.cache import atomic, layout
from pretrained.cache import folder as cachedir
from pretrained.core import scoring
from pretrained.index.backend import backend_class, split_params
from pretrained.index.load import load_index
from pretrained.index.query import NeighbourIndex
from pretrained.index.sidecar import (
    FORMAT,
    SIDECAR_VERSION,
    IndexMismatchError,
    check_file,
    entry_reference,
    find_sidecar,
    index_path,
    read_sidecar,
    same_vectors,
    vectors_identity,
    vocabulary_path,
    write_sidecar,
)

__all__ = ["build_index", "resolve_target", "lock_file"]

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


def resolve_target(path: Optional[str | os.PathLike[str]], vectors, backend: str, params: Dict[str, Any]) -> Path:
    """The index file for ``path``: the cache's when None, a file named by the parameters inside
    ``path`` when it is a folder (or has no suffix), else ``path`` itself."""
    if path is None:
        return index_path(vectors, backend=backend, **params)
    p = config.user_path(path)
    if p.is_dir() or os.fspath(path).endswith(os.sep) or p.suffix == "":
        cls = backend_class(backend)
        return p / (cls.file_stem(params) + cls.suffix)
    return p


def build_index(
    vectors,
    path: Optional[str | os.PathLike[str]] = None,
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
        Build again even when an index with these parameters exists at the target; with
        ``path``, also replace a file there that is not an index of these vectors with this
        backend (refused otherwise).
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
    if path is None:
        _check_entry(vectors)
    target = resolve_target(path, vectors, backend, params)
    if not force:  # the common case, without the lock (warnings wait for the check under the lock)
        found = _reuse(target, vectors, backend, params, options, explicit=path is not None, warn=False)
        if found is not None:
            return found
    from filelock import FileLock

    target.parent.mkdir(parents=True, exist_ok=True)
    lock = lock_file(target)
    try:
        with FileLock(os.fspath(lock)):
            if not force:
                found = _reuse(target, vectors, backend, params, options, explicit=path is not None)
                if found is not None:
                    return found
            return _build(vectors, target, cls, params, n_jobs, on_disk, search_k, progress, options)
    finally:
        if lock.parent != target.parent or not target.exists():
            # a lock of the cache's locks/ folder is dropped once released, and so is one beside a
            # target that a failed build (an unreachable server) left absent: the build is atomic
            # anyway, so a process that raced for the removed file at worst builds once more
            try:
                lock.unlink()
            except OSError:
                pass


def _check_entry(vectors) -> None:
    """Refuse to build a cache index for vectors whose cache entry was removed since they were
    loaded (the index would describe a set the cache no longer holds)."""
    from pretrained.cache import entries as store

    if vectors.path is not None and not store.is_entry(Path(vectors.path)):
        raise IndexMismatchError(
            f"the cache entry of {vectors.name or 'these vectors'} ({vectors.path}) was removed after they were loaded; "
            "load them again (pretrained.load(...)) before building their index, or pass a path to build_index",
            vectors.path,
        )


def lock_file(target: Path) -> Path:
    """The lock guarding the build of ``target``: beside it inside the cache (removed with its
    folder), else in the cache's ``locks/`` folder, named by the target's absolute path, so no
    lock file is left beside a user's ``--out`` file."""
    target = Path(os.path.abspath(target))
    top = Path(os.path.abspath(cachedir.root()))
    if top in target.parents:
        return layout.lock_path(target)
    key = hashlib.sha256(os.fsencode(target)).hexdigest()[:24]
    folder = top / layout.LOCKS
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:  # an unwritable cache: the system's temporary folder
        import tempfile

        folder = Path(tempfile.gettempdir()) / "pretrained-locks"
        folder.mkdir(exist_ok=True)
    return folder / f"index-{key}.lock"


def _refuse_replace(target: Path, why: str) -> None:
    raise IndexMismatchError(
        f"{target} already exists and {why}; pass force=True (`pretrained build-index --force`) to replace it, "
        "or choose another path",
        str(target),
    )


def _reuse(
    target: Path,
    vectors,
    backend: str,
    params: Dict[str, Any],
    options: Optional[Dict[str, Any]] = None,
    explicit: bool = False,
    warn: bool = True,
) -> Optional[NeighbourIndex]:
    """The index at ``target`` when it is complete, matches the vectors and was built by this
    backend with these parameters; None (with a warning when something is there but wrong).

    ``explicit`` (a path the caller chose, not the cache's): a file there that is not an index of
    these vectors with this backend (another set's index, an Annoy file where an HNSW one is asked
    for, any other file) is refused rather than replaced; an index of these vectors built with
    other parameters, or damaged, is rebuilt."""
    if explicit and target.exists() and find_sidecar(target) is None:
        _refuse_replace(target, "is not an index with a sidecar")
    if not (target.is_file() and find_sidecar(target) is not None):
        return None
    if explicit:
        try:
            sidecar = read_sidecar(target)
        except IndexMismatchError:
            sidecar = None
        if sidecar is not None:
            if sidecar.get("backend") != backend:
                _refuse_replace(target, f"is an index of backend {sidecar.get('backend')!r}, not {backend!r}")
            recorded = (sidecar.get("vectors") or {}).get("sha256")
            if not same_vectors(recorded, vectors):
                _refuse_replace(target, f"is the index of other vectors ({recorded})")
    try:
        index = load_index(target, vectors=vectors, **(options or {}))
    except IndexMismatchError as exc:
        logger.log(logging.WARNING if warn else logging.DEBUG, "rebuilding the index at %s: %s", target, exc)
        return None
    theirs = (index.backend_name, {k: index.sidecar["params"].get(k) for k in params})
    if theirs != (backend, params):
        logger.log(
            logging.WARNING if warn else logging.DEBUG,
            "rebuilding the index at %s: it was built by %s with %s, asked for %s with %s",
            target,
            *theirs,
            backend,
            params,
        )
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


def _build(
    vectors,
    target: Path,
    cls,
    params: Dict[str, Any],
    n_jobs: int,
    on_disk: bool,
    search_k: Optional[int],
    enabled: Optional[bool],
    options: Optional[Dict[str, Any]] = None,
) -> NeighbourIndex:
    count, dim = len(vectors), vectors.dim
    identity = vectors_identity(vectors)
    started = time.perf_counter()
    context = {**(options or {}), "identity": identity, "index_file": target, "words": vectors.index_to_key}
    with atomic.atomic_path(target) as tmp:
        index = cls.create(dim, params, tmp if on_disk else None, count=count, n_jobs=n_jobs, options=context)
        _add_all(index, vectors, f"indexing {vectors.name or 'vectors'}", enabled)
        added = time.perf_counter()
        logger.info("added %d vectors in %.2f s; building with %s", count, added - started, params)
        with progress.phase(f"{cls.name}: building the index of {count:,} vectors", enabled=enabled):
            index.build(n_jobs)
        built = time.perf_counter()
        if not on_disk:
            index.save(tmp)
        index.unload()
        del index
        seconds = time.perf_counter() - started
        timing = {"seconds": seconds, "add_seconds": added - started, "build_seconds": built - added}
        # what the saved file holds, read back as a reader will (Annoy caps the trees of a tiny set)
        reopened = cls.open(tmp, dim, params, options=context)
        holds = reopened.describe()
        reopened.unload()
        del reopened
        if holds.get("items") != count:
            raise IndexMismatchError(
                f"the {cls.name} index built at {target} holds {holds}, not {count} items", str(target)
            )
        sidecar = _sidecar(
            vectors, target, cls, params, identity, n_jobs, on_disk, search_k, timing, tmp.stat().st_size
        )
        sidecar["holds"] = holds
        sidecar["ann_hash"] = cachedir.index_file_digest(tmp)
        check_file(tmp, sidecar, shown=target, content=False)  # verify before it is visible
    sidecar["vocabulary"] = _write_vocabulary(target, vectors)
    write_sidecar(target, sidecar)
    logger.info("built %s: %s over %d x %d in %.2f s", target, params, count, dim, seconds)
    return load_index(target, vectors=vectors, **(options or {}))


def _write_vocabulary(target: Path, vectors) -> Optional[Dict[str, Any]]:
    """Write the words beside the index (line ``i``: the word of item ``i``), so the folder can
    be shipped and read with the raw library alone; its name, size and hash for the sidecar (None,
    with a warning, when a word holds a line break and cannot be written one a line)."""
    words = vectors.index_to_key
    if any("\n" in w or "\r" in w for w in words):
        logger.warning("no vocabulary file beside %s: a word holds a line break", target)
        return None
    path = vocabulary_path(target)
    atomic.write_bytes(path, "".join(w + "\n" for w in words).encode("utf-8"))
    return {
        "file": path.name,
        "encoding": "utf-8",
        "size": path.stat().st_size,
        "hash": cachedir.index_file_digest(path),
    }


def _sidecar(
    vectors,
    target: Path,
    cls,
    params,
    identity: str,
    n_jobs: int,
    on_disk: bool,
    search_k,
    timing: Dict[str, float],
    size: int,
) -> Dict[str, Any]:
    return {
        "format": FORMAT,
        "sidecar_version": SIDECAR_VERSION,
        "backend": cls.name,
        "params": dict(params),
        "metric": cls.metric,
        "normalised": True,
        "dim": vectors.dim,
        "count": len(vectors),
        "vectors": {"sha256": identity, "name": vectors.name, "entry": entry_reference(target, vectors.path)},
        "build": {
            **{k: v for k, v in params.items()},
            "n_jobs": int(n_jobs),
            "threads": threads.workers(n_jobs),
            "on_disk": bool(on_disk),
            **{k: round(v, 3) for k, v in timing.items()},
            "peak_rss_mib": _peak_rss_mib(),
        },
        "search_k": int(search_k)
        if search_k
        else (cls.default_effort_for(params) if hasattr(cls, "default_effort_for") else cls.default_effort),
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
