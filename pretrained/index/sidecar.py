"""An index's identity: the sidecar JSON beside the index file (what it was built for and how),
where an index lives, and the checks that refuse an index that does not belong to the vectors.

The sidecar of ``set.ann`` is ``set.ann.json`` (the index file's full name plus ``.json``, so
``set.v1`` and ``set.v2`` keep one each); the older ``set.json`` is still read. It records the
backend and its parameters, what the built file holds (``holds``: Annoy caps the trees of a tiny
set), metric, dim, item count, the vectors' identity (``vectors.sha256``: the entry's recorded
``vectors_sha256``, ``"xxh3-128:<hex>"`` of its ``vectors.npy`` since that hash became the cache's; a
``"sha256:<hex>"`` of the float32 row bytes for vectors outside the cache and in sidecars written
before, still recognised by :func:`same_vectors`) and
cache entry (relative to the index's folder), the index file's size and content hash
(``ann_hash``, checked before the native library opens the file), the vocabulary file beside it,
timings, library versions and the default search effort (``search_k``). The format is described
for other readers in ``docs/guide/index-format.md``.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any, Dict, Mapping, Optional

from pretrained.cache import atomic, hashes, layout
from pretrained.cache import folder as cachedir
from pretrained.errors import IndexMismatchError

__all__ = [
    "IndexMismatchError",
    "SIDECAR_VERSION",
    "FORMAT",
    "vectors_identity",
    "same_vectors",
    "index_dir",
    "index_path",
    "sidecar_path",
    "find_sidecar",
    "read_sidecar",
    "write_sidecar",
    "check_sidecar",
    "check_file",
    "entry_reference",
    "resolve_entry",
    "vocabulary_path",
]

logger = logging.getLogger(__name__)

FORMAT = "pretrained-index"
SIDECAR_VERSION = 2
_LEGACY = ("pretrained-annoy-index", 1)  # Annoy-only sidecars, read as backend "annoy"


def vectors_identity(vectors) -> str:
    """The identity an index is tied to, spelled with its algorithm.

    A cache entry's recorded ``vectors_sha256`` (``"xxh3-128:<hex>"`` of its ``vectors.npy``; an
    entry written by an earlier version: ``"sha256:<hex>"`` of the float32 row bytes, either
    spelling); for vectors outside the cache, the rows' sha256, computed from the array (and
    remembered in ``vectors.meta``).
    """
    digest = vectors.meta.get("vectors_sha256")
    if not digest:
        digest = hashes.rows_sha256(vectors.vectors)
        vectors.meta["vectors_sha256"] = digest
    return str(hashes.tag(digest))


def same_vectors(recorded: Optional[str], vectors, identity: Optional[str] = None) -> bool:
    """Whether an index recorded as built for ``recorded`` belongs to ``vectors``.

    The same value as :func:`vectors_identity` (``identity``, when the caller has it); or, when
    the two name different algorithms (an index built before the cache hashed with xxh3-128, for
    an entry converted again since), the rows' sha256 recomputed from the array (one pass over
    the vectors, logged)."""
    identity = identity or vectors_identity(vectors)
    if hashes.same(recorded, identity):
        return True
    try:
        theirs, ours = hashes.algorithm(str(recorded)), hashes.algorithm(identity)
    except ValueError:
        return False
    if theirs != "sha256" or ours == "sha256":
        return False
    logger.info("the index was built for vectors identified by sha256: hashing the rows with sha256 to compare")
    return hashes.same(recorded, hashes.rows_sha256(vectors.vectors))


def index_dir(vectors, cache_dir: Optional[str | os.PathLike[str]] = None) -> Path:
    """The cache folder of the indexes of ``vectors``: ``indexes/<entry folder name>/`` (or
    ``indexes/memory-<identity>/`` for vectors that are not in the cache)."""
    if vectors.path is not None and cache_dir is None:
        return layout.entry_indexes(vectors.path)
    return layout.memory_indexes(vectors_identity(vectors).split(":", 1)[1][:16], cache_dir)


def index_path(
    vectors, *, backend: str = "annoy", cache_dir: Optional[str | os.PathLike[str]] = None, **params: Any
) -> Path:
    """Where :func:`~pretrained.index.build_index` puts the index of ``vectors`` when no path is
    given: the cache folder ``indexes/<entry folder name>/``, the file named by the backend and
    its build parameters (Annoy: ``n_trees``, ``seed``)."""
    from pretrained.index.backend import backend_class

    cls = backend_class(backend)
    return index_dir(vectors, cache_dir) / (cls.file_stem(cls.check_params(params)) + cls.suffix)


def sidecar_path(index_file: str | os.PathLike[str]) -> Path:
    """The JSON sidecar of an index file: its full name plus ``.json``."""
    p = Path(index_file)
    return p.with_name(layout.sidecar_name(p.name))


def _legacy_sidecar(index_file: Path) -> Path:
    return index_file.with_suffix(".json")


def find_sidecar(index_file: Path) -> Optional[Path]:
    """The sidecar that exists for ``index_file``: its own, else the older shared-stem name."""
    for side in (sidecar_path(index_file), _legacy_sidecar(index_file)):
        if side != index_file and side.is_file():
            return side
    return None


def read_sidecar(index_file: Path) -> Dict[str, Any]:
    """The sidecar of ``index_file``, with ``backend`` and ``params`` filled in for the older
    Annoy-only form; :class:`IndexMismatchError` when it is missing, unreadable or foreign."""
    side = find_sidecar(index_file)
    if side is None:
        raise IndexMismatchError(
            f"index {index_file} has no sidecar {sidecar_path(index_file).name}; build it again with `pretrained build-index`",
            str(index_file),
        )
    try:
        with open(side, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError) as exc:
        raise IndexMismatchError(
            f"index sidecar {side} is unreadable ({exc}); build the index again", str(index_file)
        ) from exc
    form = (data.get("format"), data.get("sidecar_version")) if isinstance(data, dict) else None
    if form == _LEGACY:
        build = data.get("build") or {}
        data = {**data, "backend": "annoy", "params": {"n_trees": build.get("n_trees"), "seed": build.get("seed")}}
    elif form != (FORMAT, SIDECAR_VERSION):
        raise IndexMismatchError(
            f"{side} is not a version-{SIDECAR_VERSION} pretrained index sidecar; build the index again",
            str(index_file),
        )
    return data


def write_sidecar(index_file: Path, data: Mapping[str, Any]) -> Path:
    """Write the sidecar of ``index_file`` atomically (and drop an older shared-stem one that
    described this file)."""
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    side = atomic.write_text(sidecar_path(index_file), text)
    old = _legacy_sidecar(index_file)
    if old != index_file and old.is_file():
        try:
            if json.loads(old.read_text(encoding="utf-8")).get("ann_file") == index_file.name:
                atomic.remove(old)
        except (OSError, ValueError, AttributeError):
            pass
    return side


def check_sidecar(
    index_file: Path,
    sidecar: Mapping[str, Any],
    *,
    metric: str,
    count: int,
    dim: int,
    identity: str,
    vectors: Any = None,
) -> None:
    """Refuse an index whose sidecar does not describe ``count`` x ``dim`` vectors of ``identity``
    under ``metric``, or whose file is missing or not the size the sidecar recorded. With
    ``vectors`` (those ``identity`` is of), an identity recorded with another algorithm is
    compared by :func:`same_vectors`."""
    problems = []
    if sidecar.get("metric") != metric:
        problems.append(f"metric {sidecar.get('metric')!r}, expected {metric!r}")
    if sidecar.get("dim") != dim:
        problems.append(f"dim {sidecar.get('dim')}, the vectors have {dim}")
    if sidecar.get("count") != count:
        problems.append(f"{sidecar.get('count')} items, the vectors have {count}")
    theirs = (sidecar.get("vectors") or {}).get("sha256")
    if not (hashes.same(theirs, identity) or (vectors is not None and same_vectors(theirs, vectors, identity))):
        problems.append(f"built for vectors {theirs}, these are {identity}")
    if problems:
        raise IndexMismatchError(
            f"index {index_file} does not match these vectors: " + "; ".join(problems), str(index_file)
        )
    check_file(index_file, sidecar)


def check_file(
    index_file: Path, sidecar: Mapping[str, Any], shown: Optional[Path] = None, *, content: bool = True
) -> None:
    """Refuse an index file that is missing, not the size its sidecar recorded or (``content``)
    not the bytes it recorded (``ann_hash``), before any native library reads it: hnswlib and
    Annoy trust their files, and a damaged one crashes the process or answers junk. ``shown``:
    the name to use in messages, when ``index_file`` is still a temporary one."""
    shown = shown or index_file
    try:
        size = index_file.stat().st_size
    except OSError as exc:
        raise IndexMismatchError(f"index file {shown} is missing ({exc}); build the index again", str(shown)) from exc
    if size != sidecar.get("ann_size"):
        raise IndexMismatchError(
            f"index file {shown} is {size} bytes, its sidecar says {sidecar.get('ann_size')}: "
            "truncated or replaced; build the index again",
            str(shown),
        )
    if not content:
        return
    recorded = sidecar.get("ann_hash")
    if not recorded:
        raise IndexMismatchError(
            f"index file {shown} has no content hash in its sidecar (built by an older version), so it cannot be "
            "checked before it is opened; build the index again (build_index(..., force=True) or `pretrained build-index --force`)",
            str(shown),
        )
    try:
        ok, actual = cachedir.same_index_digest(index_file, recorded)
    except ValueError as exc:
        raise IndexMismatchError(f"index sidecar of {shown}: {exc}; build the index again", str(shown)) from exc
    if not ok:
        raise IndexMismatchError(
            f"index file {shown} is damaged: its content hash is {actual}, its sidecar says {recorded}; "
            "build the index again (`pretrained build-index ... --force`)",
            str(shown),
        )


def entry_reference(index_file: Path, entry: Optional[str | os.PathLike[str]]) -> Optional[str]:
    """The cache entry of the vectors as the sidecar records it: a path relative to the index
    file's folder (``../../vectors/<entry>`` in the cache), so a folder moved or shipped with its
    cache still finds it; absolute only where no relative path exists (another drive)."""
    if entry is None:
        return None
    try:
        return Path(os.path.relpath(os.path.abspath(entry), os.path.abspath(index_file.parent))).as_posix()
    except ValueError:
        return os.fspath(entry)


def resolve_entry(index_file: Path, recorded: Optional[str]) -> Optional[Path]:
    """The cache entry a sidecar's ``vectors.entry`` names (relative to the index file's folder,
    or absolute as older sidecars wrote it)."""
    if not recorded:
        return None
    p = Path(recorded)
    return p if p.is_absolute() else Path(os.path.normpath(index_file.parent / p))


def vocabulary_path(index_file: str | os.PathLike[str]) -> Path:
    """The words file written beside an index: ``<index file name>.vocab.txt``, line ``i`` the
    word of item ``i``."""
    p = Path(index_file)
    return p.with_name(p.name + ".vocab.txt")
