"""The layout of the shared cache folder, and listing, verifying and removing what it holds.

::

    <cache>/
      CACHEDIR.TAG      so backup tools skip the folder (https://bford.info/cachedir/)
      downloads/        files as downloaded (glove.6B.zip, ...), checked against their sha256
      vectors/          converted sets (see :mod:`pretrained.store`), one folder each
      indexes/          nearest-neighbour indexes built from converted sets

The folder is ``cache_dir=``, else ``$PRETRAINED_CACHE``, else a checkout's ``cache/``, else the
user cache folder (see :func:`pretrained.config.cache_dir`), resolved on every call.
"""
from __future__ import annotations

import logging
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Union

from . import catalog, config
from .errors import CacheError, PretrainedError

CacheDir = Optional[Union[str, "os.PathLike[str]"]]

__all__ = ["root", "downloads", "vectors", "indexes", "ensure", "CacheItem", "items", "verify", "remove"]

logger = logging.getLogger(__name__)

DOWNLOADS, VECTORS, INDEXES, TAG = "downloads", "vectors", "indexes", "CACHEDIR.TAG"
_TAG_TEXT = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by pretrained.\n"
    "# For information about cache directory tags, see https://bford.info/cachedir/\n"
)


def root(cache_dir: CacheDir = None) -> Path:
    """The cache folder (not created)."""
    return config.cache_dir(cache_dir)


def downloads(cache_dir: CacheDir = None) -> Path:
    """Where downloaded files go (not created)."""
    return root(cache_dir) / DOWNLOADS


def vectors(cache_dir: CacheDir = None) -> Path:
    """Where converted sets go (not created)."""
    return root(cache_dir) / VECTORS


def indexes(cache_dir: CacheDir = None) -> Path:
    """Where indexes go (not created)."""
    return root(cache_dir) / INDEXES


def ensure(cache_dir: CacheDir = None) -> Path:
    """Create the cache folder with its ``CACHEDIR.TAG`` (idempotent) and return it."""
    top = root(cache_dir)
    top.mkdir(parents=True, exist_ok=True)
    tag = top / TAG
    if not tag.exists():
        tmp = top / f".{TAG}.{uuid.uuid4().hex[:8]}"
        tmp.write_text(_TAG_TEXT, encoding="ascii")
        os.replace(tmp, tag)
    return top


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    total = 0
    for dirpath, _, files in os.walk(path):
        for f in files:
            try:
                total += os.path.getsize(os.path.join(dirpath, f))
            except OSError:
                pass
    return total


@dataclass(frozen=True)
class CacheItem:
    """One thing in the cache: a download, a converted set or an index."""

    kind: str  #: "download", "vectors", "index" or "partial" (an unfinished download)
    name: str  #: file or folder name
    path: Path
    size: int  #: bytes on disk


def _visible(p: Path) -> bool:
    return not p.name.startswith(".") and not p.name.endswith(".lock")


def items(cache_dir: CacheDir = None) -> List[CacheItem]:
    """Everything the cache holds, downloads first, with sizes."""
    out: List[CacheItem] = []
    d = downloads(cache_dir)
    if d.is_dir():
        for p in sorted(d.iterdir()):
            if not _visible(p):
                continue
            kind = "partial" if p.name.endswith(".part") else "download"
            out.append(CacheItem(kind, p.name, p, _size(p)))
    for kind, folder in (("vectors", vectors(cache_dir)), ("index", indexes(cache_dir))):
        if folder.is_dir():
            for p in sorted(folder.iterdir()):
                if _visible(p) and ".tmp-" not in p.name and ".trash-" not in p.name:
                    out.append(CacheItem(kind, p.name, p, _size(p)))
    return out


def _expected_downloads() -> dict:
    """file name -> (sha256, size) from the catalogue (first entry wins)."""
    table: dict = {}
    for e in catalog.entries():
        if e.filename and e.filename not in table:
            table[e.filename] = (e.sha256, e.size)
    return table


def verify(cache_dir: CacheDir = None) -> List[dict]:
    """Re-hash every download against the catalogue's sha256 and size, and every converted set
    against the ``vectors_sha256`` in its ``meta.json``. Returns one dict per item:
    ``{"kind", "name", "path", "ok", "detail"}``; nothing is changed on disk."""
    from .sources import file_sha256

    expected = _expected_downloads()
    report = []
    for item in items(cache_dir):
        row = {"kind": item.kind, "name": item.name, "path": str(item.path), "ok": True, "detail": ""}
        if item.kind == "download":
            sha, size = expected.get(item.name, (None, None))
            if size is not None and item.size != size:
                row.update(ok=False, detail=f"size {item.size:,} bytes, expected {size:,}")
            elif sha is None:
                row["detail"] = "no sha256 in the catalogue: not checked"
            else:
                actual = file_sha256(item.path)
                if actual != sha:
                    row.update(ok=False, detail=f"sha256 {actual}, expected {sha}")
                else:
                    row["detail"] = "sha256 matches"
        elif item.kind == "vectors":
            row.update(_verify_vectors(item.path))
        elif item.kind == "partial":
            row["detail"] = "unfinished download (resumed by the next download)"
        report.append(row)
    return report


def _verify_vectors(path: Path) -> dict:
    import hashlib

    import numpy as np

    from . import store

    try:
        words, vecs, norms, meta = store.read_entry(path, mmap=True)
    except PretrainedError as exc:
        return {"ok": False, "detail": str(exc)}
    want = meta.get("vectors_sha256")
    if not want:
        return {"ok": True, "detail": "no vectors_sha256 in meta.json: shape checked only"}
    h = hashlib.sha256()
    step = max(1, (16 << 20) // max(1, vecs.shape[1] * 4))
    for s in range(0, vecs.shape[0], step):
        h.update(memoryview(np.ascontiguousarray(vecs[s : s + step], dtype="<f4")).cast("B"))
    if h.hexdigest() != want:
        return {"ok": False, "detail": f"vectors sha256 {h.hexdigest()}, meta.json says {want}"}
    return {"ok": True, "detail": "vectors sha256 matches"}


def _trash(path: Path) -> None:
    trash = path.parent / f".{path.name}.trash-{uuid.uuid4().hex[:8]}"
    os.rename(path, trash)
    if trash.is_dir():
        shutil.rmtree(trash, ignore_errors=True)
    else:
        trash.unlink(missing_ok=True)


def remove(name: str, cache_dir: CacheDir = None) -> List[Path]:
    """Remove what the cache holds for ``name`` and return the removed paths.

    A catalogue name (or alias) removes its downloaded file (shared by the sets of one archive:
    removing ``glove.6B.50d`` removes ``glove.6B.zip``), an unfinished ``.part`` of it, and every
    converted set of that name (``glove.6B.50d``, ``glove.6B.50d-limit1000``...). A cache item's
    own name, as ``pretrained cache list`` shows it, removes that item."""
    targets: List[Path] = []
    found = items(cache_dir)
    if catalog.has(name):
        entry = catalog.get(name)
        for item in found:
            if item.kind in ("download", "partial") and item.name in (entry.filename, entry.filename + ".part"):
                targets.append(item.path)
            elif item.kind in ("vectors", "index") and (item.name == entry.name or item.name.startswith(entry.name + "-")):
                targets.append(item.path)
    targets += [i.path for i in found if i.name == name and i.path not in targets]
    if not targets:
        raise CacheError(f"nothing named {name!r} in the cache at {root(cache_dir)}; see `pretrained cache list`")
    for p in targets:
        _trash(p)
        logger.info("removed %s", p)
    return targets
