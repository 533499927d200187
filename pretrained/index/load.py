"""Opening an index: its sidecar read and checked against the vectors, then the backend's file
memory-mapped. Turning a catalogue name into vectors is the caller's job (the CLI's): pass
``vectors=`` (a :class:`~pretrained.Vectors`, or a callable returning one)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Optional, Union

from pretrained import config
from pretrained.index.backend import backend_class, split_params
from pretrained.index.query import NeighbourIndex
from pretrained.index.sidecar import (
    IndexMismatchError,
    check_sidecar,
    index_path,
    read_sidecar,
    resolve_entry,
    sidecar_path,
    vectors_identity,
)

__all__ = ["load_index"]


def _vectors_for(index_file: Path, sidecar: dict):
    """The cache entry the sidecar names (or the entry beside a moved cache's ``indexes/``)."""
    from pretrained.cache import entries as store
    from pretrained.cache import layout
    from pretrained.core.entry import open_entry

    entry = resolve_entry(index_file, (sidecar.get("vectors") or {}).get("entry"))
    if entry is None or not store.is_entry(entry):
        # the index may have moved with its cache: indexes/<entry> -> vectors/<entry>
        guess = layout.index_entry(index_file.parent)
        if not store.is_entry(guess):
            raise IndexMismatchError(
                f"index {index_file} was built for vectors at {entry}, which are not there; "
                "pass vectors=pretrained.load(...) to load_index",
                str(index_file),
            )
        entry = guess
    return open_entry(entry)


def _is_index_file(p: Path) -> bool:
    return (
        p.suffix == ".ann"
        or sidecar_path(p).is_file()
        or (p.suffix != ".json" and p.with_suffix(".json").is_file() and p.is_file())
    )


def load_index(
    path_or_name: str | os.PathLike[str],
    *,
    vectors: Union[Any, Callable[[], Any], None] = None,
    backend: str = "annoy",
    prefault: bool = False,
    **params: Any,
) -> NeighbourIndex:
    """Open an index: an Annoy file is memory-mapped (many processes share its pages), an HNSW
    one read into memory. The backend is the one the sidecar names.

    ``path_or_name`` is an index file (its sidecar beside it), or a sidecar. The vectors are
    ``vectors`` (or what calling it returns), else the cache entry recorded in the sidecar;
    either way they must match the sidecar (same set, dim, count and metric) or
    :class:`IndexMismatchError` is raised. With ``vectors`` given, ``path_or_name`` may also be
    anything else (a catalogue name, a vector file): the cached index of those vectors built with
    ``backend`` and its ``params`` (Annoy: ``n_trees`` / ``seed``; HNSW: ``M`` /
    ``ef_construction`` / ``seed``; each backend declares its own) is opened. A backend's
    connection options (Milvus: ``uri``, ``token``) are used to open it and never stored.
    """
    p = config.user_path(os.fspath(path_or_name))
    if p.suffix == ".json" and p.is_file():
        own = p.with_name(p.name[: -len(".json")])  # set.ann.json -> set.ann; older set.json -> set.ann
        p = own if own.is_file() else p.with_suffix(".ann")
    if callable(vectors) and not hasattr(vectors, "index_to_key"):
        vectors = vectors()
    named = backend_class(sidecar_backend(p) or backend)
    params, options = split_params(named, {k: v for k, v in params.items() if v is not None}) if params else ({}, {})
    if not _is_index_file(p):
        if vectors is None:
            raise TypeError(
                f"{path_or_name} is not an index file; to open the cached index of a vector set, "
                "pass vectors=pretrained.load(...) (or a callable returning them)"
            )
        p = index_path(vectors, backend=backend, **params)
        if not p.is_file():
            raise IndexMismatchError(
                f"no {backend} index with {', '.join(f'{k}={v}' for k, v in params.items()) or 'the default parameters'} "
                f"for {path_or_name} at {p}; "
                f"run `pretrained build-index {path_or_name} --backend {backend}` with those parameters first",
                str(p),
            )
    return _open(p, vectors, prefault, options)


def sidecar_backend(p: Path) -> Optional[str]:
    """The backend an index file's sidecar names, when ``p`` is an index file with a readable
    sidecar (None otherwise: the caller's ``backend`` decides)."""
    if not _is_index_file(p):
        return None
    try:
        return read_sidecar(p).get("backend", "annoy")
    except IndexMismatchError:
        return None


def _open(p: Path, vectors, prefault: bool, options: Optional[dict] = None) -> NeighbourIndex:
    sidecar = read_sidecar(p)
    if vectors is None:
        vectors = _vectors_for(p, sidecar)
    cls = backend_class(sidecar.get("backend", "annoy"))
    identity = vectors_identity(vectors)
    check_sidecar(
        p, sidecar, metric=cls.metric, count=len(vectors), dim=vectors.dim, identity=identity, vectors=vectors
    )
    context = {**(options or {}), "identity": identity, "index_file": p}
    try:
        handle = cls.open(p, vectors.dim, sidecar["params"], prefault=prefault, options=context)
    except (IndexMismatchError, ConnectionError):  # already say what to do (a server: not a rebuild)
        raise
    except OSError as exc:
        raise IndexMismatchError(f"{cls.name} cannot open {p} ({exc}); build the index again", str(p)) from exc
    held = handle.describe()
    # what the file held when it was built (Annoy keeps fewer or more trees than asked for a tiny
    # set); older sidecars: the parameters asked for
    expected = dict(
        sidecar.get("holds") or {"items": len(vectors), **{k: sidecar["params"].get(k) for k in held if k != "items"}}
    )
    expected["items"] = len(vectors)
    if held != expected:
        handle.unload()
        raise IndexMismatchError(f"index {p} holds {held}, its sidecar says {expected}; build the index again", str(p))
    return NeighbourIndex(handle, vectors, sidecar, p)
