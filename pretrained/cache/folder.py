"""The layout of the shared cache folder, and listing, verifying and removing what it holds.

::

    <cache>/
      CACHEDIR.TAG      so backup tools skip the folder (https://bford.info/cachedir/)
      downloads/        files as downloaded, one folder per content: sha256-<16 hex>/glove.6B.zip
                        (or <entry>-<16 hex of its URLs> when the entry pins no sha256), with a
                        hidden marker of the verified hash beside each file
      vectors/          converted sets (see :mod:`pretrained.cache.entries`), one folder each
      indexes/          nearest-neighbour indexes built from converted sets

The folder is ``cache_dir=``, else ``$PRETRAINED_CACHE``, else a checkout's ``cache/``, else the
user cache folder (see :func:`pretrained.config.cache_dir`), resolved on every call.

Saved sets (``pretrained.save``, ``train``) are the user's data and live elsewhere (see
:mod:`pretrained.interop.saving`). Sets saved by older versions under ``vectors/`` are listed with kind
``"saved"``: prune, remove and superseded-drop never touch them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Union

from pretrained.cache import atomic, hashes, layout
from pretrained.errors import CacheError, CatalogError
from pretrained.remote import catalog

CacheDir = Optional[Union[str, "os.PathLike[str]"]]

__all__ = [
    "root",
    "downloads",
    "vectors",
    "indexes",
    "ensure",
    "download_key",
    "CacheItem",
    "items",
    "verify",
    "remove",
    "prune",
    "drop_superseded",
    "PART_MAX_AGE_DAYS",
    "INDEX_HASH",
    "index_file_digest",
    "same_index_digest",
]

logger = logging.getLogger(__name__)

DOWNLOADS, VECTORS, INDEXES, TAG = layout.DOWNLOADS, layout.VECTORS_DIR, layout.INDEXES, layout.TAG
PART_MAX_AGE_DAYS = 7  #: an unfinished download untouched this long is pruned
_TAG_TEXT = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by pretrained.\n"
    "# For information about cache directory tags, see https://bford.info/cachedir/\n"
)


def root(cache_dir: CacheDir = None) -> Path:
    """The cache folder (not created)."""
    return layout.root(cache_dir)


def downloads(cache_dir: CacheDir = None) -> Path:
    """Where downloaded files go (not created)."""
    return layout.downloads(cache_dir)


def vectors(cache_dir: CacheDir = None) -> Path:
    """Where converted sets go (not created)."""
    return layout.vectors(cache_dir)


def indexes(cache_dir: CacheDir = None) -> Path:
    """Where indexes go (not created)."""
    return layout.indexes(cache_dir)


def unwritable(folder: Path, exc: OSError) -> CacheError:
    """The error for a cache folder that cannot be written, naming what to set."""
    return CacheError(
        f"cannot write to the cache folder {folder} ({exc.strerror or exc}); set PRETRAINED_CACHE "
        "or pass cache_dir= to a writable folder"
    )


def ensure(cache_dir: CacheDir = None) -> Path:
    """Create the cache folder with its ``CACHEDIR.TAG`` (idempotent) and return it.

    Raises :class:`~pretrained.errors.CacheError` naming the folder when it cannot be written."""
    top = root(cache_dir)
    try:
        top.mkdir(parents=True, exist_ok=True)
        tag = top / TAG
        if not tag.exists():
            atomic.write_text(tag, _TAG_TEXT)
    except OSError as exc:
        raise unwritable(top, exc) from exc
    return top


def download_key(entry: catalog.Entry) -> str:
    """The folder under ``downloads/`` for an entry's file: its pinned content
    (``sha256-<16 hex>``, shared by every entry of that file), else the entry and its URLs."""
    if entry.sha256:
        return "sha256-" + hashes.hex_digest(entry.sha256)[:16]
    text = "\n".join([entry.name, entry.filename, *entry.urls])
    return f"{entry.name}-{hashlib.sha256(text.encode('utf-8')).hexdigest()[:16]}"


def _size(path: Path) -> int:
    try:
        if not path.is_dir():
            return path.stat().st_size
    except OSError:
        return 0
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

    kind: str  #: "download", "vectors", "index", "partial" (an unfinished download), "orphan" or "saved" (an older version's saved set: never pruned or removed)
    name: str  #: file or folder name
    path: Path
    size: int  #: bytes on disk
    why: str = ""  #: for an orphan: why nothing uses it


def _visible(p: Path) -> bool:
    return not p.name.startswith(".") and not p.name.endswith(".lock")


def _orphan_why(p: Path) -> Optional[str]:
    from pretrained.cache import entries as store

    if store.is_orphan_temp(p):
        owner = atomic.temp_owner(p)
        return f"left by process {owner[2]}, which is gone" if owner else "half-removed folder"
    return None


def _download_files(folder: Path) -> List[Path]:
    """Files under ``downloads/``: the keyed folders' files, and files of the former flat layout."""
    out: List[Path] = []
    for p in sorted(folder.iterdir()):
        if p.is_dir() and _visible(p):
            out += sorted(c for c in p.iterdir() if not c.is_dir())
        else:
            out.append(p)
    return out


def _download_items(folder: Path) -> List[CacheItem]:
    out: List[CacheItem] = []
    for p in _download_files(folder):
        why = _orphan_why(p)
        if why:
            out.append(CacheItem("orphan", p.name, p, _size(p), why))
        elif _visible(p):
            kind = "partial" if p.name.endswith(".part") else "download"
            out.append(CacheItem(kind, p.name, p, _size(p)))
    return out


def items(cache_dir: CacheDir = None) -> List[CacheItem]:
    """Everything the cache holds, downloads first, with sizes; orphans (what a dead process left,
    incomplete entries) are listed with kind ``"orphan"`` and why."""
    out: List[CacheItem] = []
    d = downloads(cache_dir)
    if d.is_dir():
        out += _download_items(d)
    for kind, folder in (("vectors", vectors(cache_dir)), ("index", indexes(cache_dir))):
        if not folder.is_dir():
            continue
        for p in sorted(folder.iterdir()):
            why = _orphan_why(p)
            if why:
                out.append(CacheItem("orphan", p.name, p, _size(p), why))
            elif _visible(p) and not atomic.is_temp(p):
                if kind == "vectors" and p.is_dir() and not (p / layout.META).exists():
                    out.append(CacheItem("orphan", p.name, p, _size(p), "incomplete entry (no meta.json)"))
                    continue
                gone = _index_orphan_why(p) if kind == "index" else None
                if gone:
                    out.append(CacheItem("orphan", p.name, p, _size(p), gone))
                    continue
                out.append(CacheItem("saved" if kind == "vectors" and _is_saved(p) else kind, p.name, p, _size(p)))
    return out


def _is_saved(entry: Path) -> bool:
    from pretrained.cache import entries as store

    return store.is_saved_entry(entry)


def _index_orphan_why(folder: Path) -> Optional[str]:
    """Why an index folder is of no use (every sidecar in it names a cache entry that is gone,
    e.g. after `prune` removed a superseded conversion), or None. Indexes of vectors that were
    never in the cache (no entry recorded) are kept."""
    if not folder.is_dir():
        return None
    entries = []
    for side in folder.glob("*.json"):
        try:
            data = json.loads(side.read_text(encoding="utf-8"))
            recorded = (data.get("vectors") or {}).get("entry")
        except (OSError, ValueError, AttributeError):
            return None
        if not recorded:
            return None
        p = Path(recorded)
        entries.append(p if p.is_absolute() else Path(os.path.normpath(folder / p)))
    if entries and not any((e / layout.META).is_file() for e in entries):
        return f"indexes of vectors that are no longer in the cache ({entries[0].name})"
    return None


def marker_path(download: Path) -> Path:
    """The hidden file beside a download that records its verified size, stamp and sha256."""
    download = Path(download)
    return download.with_name(f".{download.name}.verified.json")


def _expected_downloads() -> Tuple[Dict[str, tuple], Dict[str, tuple]]:
    """(download key -> (sha256, size), file name -> (sha256, size)) from the catalogue."""
    by_key: Dict[str, tuple] = {}
    by_name: Dict[str, tuple] = {}
    try:
        found = catalog.entries()
    except CatalogError as exc:
        logger.warning("%s: checking downloads against the built-in catalogue only", exc)
        found = catalog.builtin_entries()
    for e in found:
        if e.filename:
            by_key.setdefault(download_key(e), (e.sha256, e.size))
            by_name.setdefault(e.filename, (e.sha256, e.size))
    return by_key, by_name


def _verify_download(item: CacheItem, by_key: dict, by_name: dict) -> dict:
    expected = by_key.get(item.path.parent.name) or by_name.get(item.name) or (None, None)
    sha, size = expected
    if size is not None and item.size != size:
        return {"ok": False, "detail": f"size {item.size:,} bytes, expected {size:,}"}
    if sha is None:
        return {"detail": "no sha256 in the catalogue: not checked"}
    actual = hashes.file_sha256(item.path)
    if not hashes.same(actual, sha):
        return {"ok": False, "detail": f"sha256 {hashes.hex_digest(actual)}, expected {hashes.hex_digest(sha)}"}
    return {"detail": "sha256 matches"}


def _verify_vectors(path: Path) -> dict:
    from pretrained.cache import entries as store

    meta = store.check_entry(path)
    if not meta.get("files"):
        return {
            "detail": "no file hashes in meta.json (an older entry): shapes, vocabulary and norms checked; convert again to record them"
        }
    algos = sorted({hashes.algorithm(info["sha256"]) for info in meta["files"].values() if info.get("sha256")})
    if not algos:
        return {"detail": "the size of every file matches (no hashes recorded)"}
    return {"detail": f"the size and {' and '.join(algos)} hash of every file match"}


INDEX_HASH = "xxh3_128"
"""The content hash an index sidecar records of its index file (``ann_hash``, spelled
``"xxh3_128:<hex>"``): xxhash's XXH3 at about 6 GB/s, so it is checked on every open (50 ms for the
349 MB glove.6B.50d Annoy file, page-cached; sha256 takes 250 ms). ``sha256:`` is read too."""


def index_file_digest(path: Union[str, os.PathLike[str]], algorithm: str = INDEX_HASH) -> str:
    """The content hash of an index file as ``"<algorithm>:<hex>"`` (``xxh3_128`` or ``sha256``),
    streamed in 1 MiB reads."""
    h: Any  # an xxhash or a hashlib object: both update() and hexdigest()
    if algorithm == "xxh3_128":
        import xxhash

        h = xxhash.xxh3_128()
    elif algorithm == "sha256":
        h = hashlib.sha256()
    else:
        raise ValueError(f"unknown index hash {algorithm!r}; known: xxh3_128, sha256")
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return f"{algorithm}:{h.hexdigest()}"


def same_index_digest(path: Union[str, os.PathLike[str]], recorded: Optional[str]) -> Tuple[bool, str]:
    """Whether the file at ``path`` has the recorded ``"<algorithm>:<hex>"`` content hash, and
    the hash it has (computed with the recorded algorithm)."""
    algorithm, _, digest = str(recorded or "").partition(":")
    actual = index_file_digest(path, algorithm or INDEX_HASH)
    return actual == f"{algorithm}:{digest.lower()}", actual


def _verify_index(folder: Path) -> dict:
    """Every index file a sidecar in ``folder`` describes: its size and content hash (the
    sidecar's ``ann_size`` and ``ann_hash``), and its vocabulary file's. Read from the sidecar
    JSON alone (no index library is imported, no index opened)."""
    sidecars = sorted(folder.glob("*.json")) if folder.is_dir() else []
    problems: List[str] = []
    checked = 0
    for side in sidecars:
        try:
            data = json.loads(side.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            problems.append(f"{side.name} is unreadable ({exc})")
            continue
        if not isinstance(data, dict) or not str(data.get("format", "")).startswith("pretrained-"):
            continue
        name = data.get("ann_file") or side.name[: -len(".json")]
        files = [(folder / name, data.get("ann_size"), data.get("ann_hash"))]
        vocab = data.get("vocabulary") or {}
        if isinstance(vocab, dict) and vocab.get("file"):
            files.append((folder / vocab["file"], vocab.get("size"), vocab.get("hash")))
        for path, size, recorded in files:
            try:
                actual_size = path.stat().st_size
            except OSError:
                problems.append(f"{path.name} is missing")
                continue
            if actual_size != size:
                problems.append(f"{path.name} is {actual_size:,} bytes, its sidecar says {size}")
            elif not recorded:
                problems.append(
                    f"{path.name} has no content hash in {side.name} (built by an older version: build it again)"
                )
            else:
                ok, actual = same_index_digest(path, recorded)
                if not ok:
                    problems.append(f"{path.name} has hash {actual}, its sidecar says {recorded}")
            checked += 1
    if problems:
        return {
            "ok": False,
            "detail": "; ".join(problems) + "; build the index again (`pretrained build-index ... --force`)",
        }
    return {"detail": f"size and content hash of {checked} file(s) match"}


def _saved_items(data_dir: CacheDir) -> List[CacheItem]:
    """The saved sets of the data folder, as items (kind ``"saved"``) for :func:`verify`."""
    from pretrained.interop import saving

    return [CacheItem("saved", s.name, s.path, s.size) for s in saving.saved_sets(data_dir, legacy=False)]


def verify(cache_dir: CacheDir = None, data_dir: CacheDir = None) -> List[dict]:
    """Re-hash every download against the catalogue's sha256 and size, every file of every
    converted set and every saved set (see :mod:`pretrained.interop.saving`) against the sizes and sha256
    in its ``meta.json``, and every index file against the size and content hash in its sidecar.
    Returns one dict per item: ``{"kind", "name", "path", "ok", "detail"}``; nothing is changed on
    disk, and a damaged item is reported, never raised."""
    by_key, by_name = _expected_downloads()
    report = []
    for item in items(cache_dir) + _saved_items(data_dir):
        row = {"kind": item.kind, "name": item.name, "path": str(item.path), "ok": True, "detail": ""}
        try:
            if item.kind == "download":
                row.update(_verify_download(item, by_key, by_name))
            elif item.kind in ("vectors", "saved"):
                row.update(_verify_vectors(item.path))
            elif item.kind == "index":
                row.update(_verify_index(item.path))
            elif item.kind == "partial":
                row["detail"] = "unfinished download (resumed by the next download)"
            elif item.kind == "orphan":
                row.update(ok=False, detail=f"orphan: {item.why} (`pretrained cache prune` removes it)")
        except Exception as exc:  # a report of damage, whatever form the damage takes
            row.update(ok=False, detail=str(exc) or type(exc).__name__)
        report.append(row)
    return report


def _superseded_why(entry: Path) -> Optional[str]:
    """Why a converted file's entry can no longer be loaded (its source is gone or changed), or None."""
    try:
        meta = json.loads((entry / layout.META).read_text(encoding="utf-8"))
        source = meta["source"]
        if "saved_from" in meta:  # a saved set is its own source: never superseded
            return None
        if "catalogue" in source or "package" in source or not source.get("path"):
            return None
        st = os.stat(source["path"])
    except FileNotFoundError:
        return "its source file is gone"
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    if st.st_size != source.get("size") or st.st_mtime_ns != source.get("mtime_ns"):
        return f"superseded: {source['path']} changed since it was converted"
    return None


def drop_superseded(dest: Path) -> List[Path]:
    """Remove the entries beside ``dest`` made from an earlier version of the same source file."""
    dropped: List[Path] = []
    try:
        source = json.loads((Path(dest) / layout.META).read_text(encoding="utf-8"))["source"]["path"]
        siblings = [p for p in Path(dest).parent.iterdir() if p != Path(dest) and _visible(p) and p.is_dir()]
    except (OSError, ValueError, KeyError, TypeError):
        return dropped
    for p in siblings:
        try:
            theirs = json.loads((p / layout.META).read_text(encoding="utf-8"))["source"].get("path")
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            continue
        if theirs == source and not _is_saved(p) and _superseded_why(p):
            atomic.remove(p)
            dropped.append(p)
            logger.info("removed %s, converted from an earlier version of %s", p, source)
    return dropped


def _orphan_locks(folder: Path) -> List[Path]:
    """Lock files under ``folder`` whose entry is gone (a removed entry, a failed save)."""
    try:
        return [p for p in folder.iterdir() if p.name.endswith(".lock") and not p.with_name(p.name[:-5]).exists()]
    except OSError:
        return []


def _prune_saved_folder(data_dir: CacheDir, dry_run: bool) -> List[Tuple[Path, int, str]]:
    """What killed saves left in the folder of saved sets (never a saved set itself)."""
    from pretrained.cache import entries as store
    from pretrained.interop import saving

    folder = saving.sets_dir(data_dir)
    if not folder.is_dir():
        return []
    if not dry_run:
        return [(p, 0, "left by a save that was stopped") for p in store.clean_leftovers(folder)]
    return [(p, _size(p), "left by a save that was stopped") for p in folder.iterdir() if store.is_orphan_temp(p)]


def prune(cache_dir: CacheDir = None, dry_run: bool = False, data_dir: CacheDir = None) -> List[Tuple[Path, int, str]]:
    """Remove what nothing can use and return ``(path, bytes, why)`` for each (``dry_run``: only
    list them): temporary folders and files of dead processes, half-removed folders, incomplete
    entries, entries of a source file that changed or is gone, and unfinished downloads untouched
    for :data:`PART_MAX_AGE_DAYS` days; in the folder of saved sets (``data_dir``), only what a
    stopped save left. Saved sets are never pruned; a swap a killed save left half done is
    repaired first. Lock files of entries that are gone go too (when nobody holds them)."""
    from pretrained.cache import entries as store

    found: List[Tuple[Path, int, str]] = []
    cutoff = time.time() - PART_MAX_AGE_DAYS * 86400
    for item in items(cache_dir):
        why = item.why if item.kind == "orphan" else None
        if item.kind == "partial":
            try:
                if item.path.stat().st_mtime < cutoff:
                    why = f"unfinished download untouched for more than {PART_MAX_AGE_DAYS} days"
            except OSError:
                continue
        elif item.kind == "vectors":
            why = _superseded_why(item.path)
        if why:
            found.append((item.path, item.size, why))
            index_folder = indexes(cache_dir) / item.path.name
            if item.kind == "vectors" and index_folder.is_dir():  # its indexes go with it
                found.append((index_folder, _size(index_folder), f"indexes of {item.name}: {why}"))
    for path, _, why in found:
        if not dry_run:
            atomic.remove(path)
            store.remove_lock(path)
            logger.info("pruned %s: %s", path, why)
    found += _prune_saved_folder(data_dir, dry_run)
    if not dry_run:
        from pretrained.interop import saving

        for folder in (vectors(cache_dir), saving.sets_dir(data_dir)):
            for lock in _orphan_locks(folder):
                if store.remove_lock(lock.with_name(lock.name[:-5])):
                    logger.info("removed the lock file %s of an entry that is gone", lock)
    return found


def remove(name: str, cache_dir: CacheDir = None) -> List[Path]:
    """Remove what the cache holds for ``name`` and return the removed paths.

    A catalogue name (or alias) removes its downloaded file (shared by the sets of one archive:
    removing ``glove.6B.50d`` removes ``glove.6B.zip``), an unfinished ``.part`` of it, and every
    converted set of that name (``glove.6B.50d``, ``glove.6B.50d-limit1000``...). A cache item's
    own name, as ``pretrained cache list`` shows it, removes that item."""
    targets: List[Path] = []
    found = items(cache_dir)
    try:
        entry = catalog.get(name) if catalog.has(name) else None
    except CatalogError as exc:  # a broken user catalogue: items can still go by their own name
        logger.warning("%s: removing by item name only", exc)
        entry = None
    if entry is not None:
        key = download_key(entry) if entry.filename else None
        top = downloads(cache_dir)
        for item in found:
            if (
                item.kind in ("download", "partial")
                and (
                    item.path.parent.name == key
                    or (item.path.parent == top and item.name in (entry.filename, entry.filename + ".part"))
                )
            ) or (
                item.kind in ("vectors", "index")
                and (item.name == entry.name or item.name.startswith(entry.name + "-"))
            ):
                targets.append(item.path)
    targets += [i.path for i in found if i.name == name and i.path not in targets and i.kind != "saved"]
    if not targets:
        if any(i.name == name for i in found) or _saved_elsewhere(name, cache_dir):
            raise CacheError(
                f"{name!r} is one of your saved sets, not cache: no cache command removes it. To delete it, "
                f"run `pretrained sets remove {name}` (or pretrained.interop.saving.remove({name!r}))"
            )
        raise CacheError(f"nothing named {name!r} in the cache at {root(cache_dir)}; see `pretrained cache list`")
    from pretrained.cache import entries as store

    for p in targets:
        atomic.remove(p)
        atomic.remove(marker_path(p))
        store.remove_lock(p)
        logger.info("removed %s", p)
    return targets


def _saved_elsewhere(name: str, cache_dir: CacheDir) -> bool:
    from pretrained.interop import saving

    return saving.find_saved(name, cache_dir=cache_dir) is not None
