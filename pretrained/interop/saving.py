"""Saved sets: the user's own vectors (``pretrained.save``, ``pretrained.train``, tables and
models brought in and saved under a name), kept apart from the cache.

A downloaded set can always be fetched and converted again; a saved set may exist nowhere else.
So saved sets live in their own folder, by default outside the cache (platformdirs separates a
user's data from a cache anyone may delete the same way)::

    <data>/sets/<name>/        one entry each, in the form of :mod:`pretrained.cache.entries`
    <data>/sets/<name>.lock    while a save of that name runs

``<data>`` is ``data_dir=``, else ``$PRETRAINED_DATA``, else the user data folder (see
:func:`pretrained.config.data_dir`). No cache operation (``cache prune``, ``cache remove``,
converting a source again, loading the table a set came from) looks there. Sets saved by older
versions in ``<cache>/vectors/<name>`` keep loading from there (read-only: an overwrite moves them
here) and are never pruned either.

Overwriting is one swap: the new set is written beside the old one under a temporary name,
verified, then exchanged with it in one rename (:func:`pretrained.cache.atomic.swap_in`); a reader sees
the old or the new set, and a process killed at any moment leaves one of them.

Examples
--------
>>> path = pretrained.save(v, "my-vectors")        # doctest: +SKIP
>>> pretrained.load("my-vectors")                  # doctest: +SKIP
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, List, Optional

import numpy as np

from pretrained.cache import atomic, layout, locking
from pretrained.cache import entries as store
from pretrained.cache import folder as cachedir
from pretrained.config import PathLike
from pretrained.core.vectors import Vectors
from pretrained.errors import DataFolderError, InvalidNameError, NameTakenError, UnrecordableError
from pretrained.formats import Block
from pretrained.remote import catalog

__all__ = [
    "save",
    "saved_path",
    "sets_dir",
    "check_name",
    "check_recordable",
    "precheck",
    "find_saved",
    "load_saved",
    "saved_sets",
    "remove",
    "SavedSet",
    "NameTakenError",
    "InvalidNameError",
    "UnrecordableError",
    "DataFolderError",
    "MAX_NAME_BYTES",
]

logger = logging.getLogger(__name__)

_ROWS = 65536  # rows per block written
MAX_NAME_BYTES = 200  #: longest name in UTF-8 bytes (file systems stop at 255, with room for temporary names)
_SWAP_WAIT = 2.0  # seconds a reader waits for a writer between its two renames (systems without rename-exchange)


def sets_dir(data_dir: Optional[PathLike] = None) -> Path:
    """The folder of saved sets: ``<data>/sets`` (not created)."""
    return layout.sets(data_dir)


def check_name(name: Any) -> str:
    """Return ``name`` when it can name a saved set, else raise :class:`InvalidNameError` (not one
    safe path component, or longer than :data:`MAX_NAME_BYTES` bytes) or :class:`NameTakenError`
    (a catalogue set's name or alias)."""
    if not isinstance(name, str) or not name.strip():
        raise InvalidNameError(f"a name is a non-empty str, got {name!r}")
    bad = [c for c in ("/", "\\", "\0", "\n", "\r") if c in name]
    if bad or name in (".", "..") or name.startswith(".") or name.endswith(".lock") or name != name.strip():
        raise InvalidNameError(
            f"{name!r} cannot name a saved set: use one folder name without '/', '\\', line breaks, "
            "surrounding spaces, a leading '.' or a '.lock' ending (e.g. 'lee-word2vec')"
        )
    try:
        size = len(name.encode("utf-8"))
    except UnicodeEncodeError:
        raise InvalidNameError(
            f"{name!r} cannot name a saved set: it is not valid Unicode (a lone surrogate)"
        ) from None
    if size > MAX_NAME_BYTES:
        raise InvalidNameError(
            f"the name {name[:40]!r}... is {size} bytes long in UTF-8; a saved set's name is at most "
            f"{MAX_NAME_BYTES} bytes (it is a folder name): pick a shorter one"
        )
    if catalog.has(name):
        raise NameTakenError(f"{name!r} is a catalogue set; pick another name (e.g. {name + '-mine'!r})")
    for known in catalog.names():
        if name.startswith(known + "-"):
            raise NameTakenError(
                f"{name!r} starts with the catalogue name {known!r} and a '-', which reads as a "
                f"subset of {known!r}; pick another name"
            )
    return name


def saved_path(name: str, data_dir: Optional[PathLike] = None) -> Path:
    """The folder of the saved set ``name`` in the data folder (it may not exist)."""
    return sets_dir(data_dir) / check_name(name)


def _legacy_path(name: str, cache_dir: Optional[PathLike] = None) -> Optional[Path]:
    """Where an older version saved ``name`` (``<cache>/vectors/<name>``), when a saved set is there."""
    path = cachedir.vectors(cache_dir) / name
    return path if store.is_entry(path) and store.is_saved_entry(path) else None


def _plain(name: str) -> bool:
    try:
        size = len(name.encode("utf-8"))
    except UnicodeEncodeError:
        return False
    return 0 < size <= MAX_NAME_BYTES and not any(c in name for c in "/\\\0") and not name.startswith(".")


def find_saved(name: str, data_dir: Optional[PathLike] = None, cache_dir: Optional[PathLike] = None) -> Optional[Path]:
    """The folder of the saved set ``name``, or None: the data folder first, then where older
    versions saved sets (``<cache>/vectors/<name>``, logged with how to move it).

    A swap a killed writer left half done is repaired here (its former version is renamed back);
    while a live writer is between its two renames (systems without rename-exchange) this waits
    for it, at most a few seconds."""
    if not isinstance(name, str) or not _plain(name):
        return None
    target = sets_dir(data_dir) / name
    deadline = time.monotonic() + _SWAP_WAIT
    absent = 0
    while True:
        if store.is_entry(target):
            return target
        state = atomic.recover(target)
        if state == "absent":
            # Seen missing with no former version aside. A writer's two renames can fall between
            # our looks, so only two such looks in a row settle it.
            absent += 1
            if absent >= 2:
                break
        elif state == "present":
            absent = 0
            if store.is_entry(target):
                return target
            if os.path.lexists(target):
                break  # a folder of that name that is no saved set
        else:
            absent = 0
        if time.monotonic() > deadline:
            break
        time.sleep(0.001 if state != "busy" else 0.01)
    legacy = _legacy_path(name, cache_dir)
    if legacy is not None:
        logger.info(
            "the saved set %r is in the cache folder (%s), where older versions kept saved sets; it loads from "
            "there, but your sets now live in %s: move it with `mv %s %s` (saving it again with "
            "overwrite=True moves it too)",
            name,
            legacy,
            target.parent,
            legacy,
            target.parent,
        )
    return legacy


def check_recordable(values: Any, what: str = "option") -> None:
    """Raise :class:`UnrecordableError` unless ``values`` (a dict) can be written to ``meta.json``
    as plain JSON (str, int, float, bool, None, lists and dicts of them; no NaN), naming the key."""
    items = values.items() if isinstance(values, dict) else [("", values)]
    for key, value in items:
        try:
            json.dumps(value, allow_nan=False)
        except (TypeError, ValueError) as exc:
            shown = repr(value)
            shown = shown if len(shown) <= 60 else shown[:57] + "..."
            raise UnrecordableError(
                f"the {what} {key}={shown} cannot be recorded in meta.json ({exc}): only str, int, float, bool, "
                "None, lists and dicts of them can; pass a plain value (e.g. int(x), a name instead of a function) "
                "or leave it out"
            ) from None


def _check_writable(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):  # nameless where the system allows: a kill leaves nothing
            pass
    except OSError as exc:
        raise DataFolderError(
            f"cannot write to the folder of saved sets {folder} ({exc.strerror or exc}); set PRETRAINED_DATA "
            "or pass data_dir= to a writable folder"
        ) from exc


def _check_space(folder: Path, nbytes: int) -> None:
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return
    need = int(nbytes * 1.05) + (1 << 20)
    if free < need:
        raise DataFolderError(
            f"not enough free space in {folder} to save this set: it needs about {need:,} bytes, "
            f"{free:,} are free; free some space or set PRETRAINED_DATA (or data_dir=) to another disk"
        )


def _check_taken(dest: Path, overwrite: bool, cache_dir: Optional[PathLike]) -> None:
    name = dest.name
    atomic.recover(dest)  # a set a killed overwrite left aside counts (and comes back) first
    if os.path.lexists(dest) and not store.is_entry(dest):
        raise NameTakenError(
            f"{dest} is in the way and is not a saved set (no meta.json); it is never replaced: move or "
            "rename it yourself, or pick another name"
        )
    if overwrite:
        return
    if store.is_entry(dest):
        raise NameTakenError(
            f"a set named {name!r} is already saved ({dest}); pass overwrite=True or pick another name"
        )
    legacy = _legacy_path(name, cache_dir)
    if legacy is not None:
        raise NameTakenError(
            f"a set named {name!r} is already saved ({legacy}); pass overwrite=True or pick another name"
        )


def precheck(
    name: Any,
    *,
    data_dir: Optional[PathLike] = None,
    cache_dir: Optional[PathLike] = None,
    overwrite: bool = False,
    options: Optional[dict[str, Any]] = None,
    nbytes: Optional[int] = None,
) -> Path:
    """Everything that can refuse a save, checked before any training or converting: the name,
    a name already taken (without ``overwrite``) or a folder in the way, the data folder's
    writability, its free space (``nbytes``, when known) and that every option can be recorded
    in ``meta.json``. Returns the folder the set will be saved in."""
    dest = saved_path(name, data_dir)
    _check_taken(dest, overwrite, cache_dir)
    if options is not None:
        check_recordable(options)
    _check_writable(dest.parent)
    if nbytes:
        _check_space(dest.parent, nbytes)
    return dest


def _blocks(vectors: Vectors) -> Iterator[Block]:
    words, matrix = vectors.index_to_key, vectors.vectors
    for s in range(0, len(words), _ROWS):
        yield Block(list(words[s : s + _ROWS]), np.asarray(matrix[s : s + _ROWS], dtype=np.float32))


def _check_words(vectors: Vectors) -> int:
    """Refuse words the word list cannot hold; returns their size in UTF-8 bytes with line ends."""
    total = 0
    for row, w in enumerate(vectors.index_to_key):
        if "\n" in w or "\r" in w:
            raise InvalidNameError(
                f"word {w!r} (row {row}) contains a line break and cannot be saved (the word list is one word a line)"
            )
        total += len(w.encode("utf-8", "surrogatepass")) + 1
    return total


def _source(vectors: Vectors) -> dict[str, Any]:
    source = dict(vectors.meta.get("source") or {})
    if source.get("kind"):
        return source
    return {"kind": "vectors", "name": vectors.name, "path": vectors.path, "from": source or None}


def save(
    vectors: Vectors,
    name: str,
    *,
    data_dir: Optional[PathLike] = None,
    cache_dir: Optional[PathLike] = None,
    overwrite: bool = False,
    nonfinite: str = "error",
) -> Path:
    """Save ``vectors`` as ``name`` in the folder of saved sets and return the set's folder.

    Parameters
    ----------
    vectors
        Any :class:`~pretrained.Vectors` with at least one dimension.
    name
        One folder name (``"lee-word2vec"``) of at most 200 UTF-8 bytes, not a catalogue name;
        ``pretrained.load(name)`` then memory-maps the set from any process.
    data_dir
        The data folder (default: ``$PRETRAINED_DATA``, else the user data folder); the set goes
        into its ``sets/``. No cache command ever removes it.
    cache_dir
        The cache folder where older versions saved sets (a set of that name there counts as
        taken; an overwrite moves it into the data folder).
    overwrite
        Replace a saved set of that name, in one atomic swap: the new set is written and verified
        beside the old, then exchanged with it; other processes loading it meanwhile get the old
        or the new set. Without it a taken name raises :class:`NameTakenError`.
    nonfinite
        Rows holding nan or inf (a set loaded with ``nonfinite="keep"``): ``"error"`` (default,
        naming the word), ``"zero"`` (saved as zero rows) or ``"keep"``, as the file readers.

    Raises
    ------
    InvalidNameError, NameTakenError, UnrecordableError, DataFolderError
        Before anything is written: a bad or taken name (or a folder of that name that is not a
        saved set: never replaced), metadata that is not plain JSON, an unwritable or full folder.

    Examples
    --------
    >>> path = pretrained.save(v, "my-vectors")        # doctest: +SKIP
    >>> pretrained.load("my-vectors")                  # doctest: +SKIP
    <Vectors 'my-vectors': 12,345 words x 100 dims>
    """
    if not isinstance(vectors, Vectors):
        raise TypeError(f"save takes a pretrained.Vectors, got {type(vectors).__name__}")
    check_name(name)
    vectors = _finite(vectors, nonfinite)
    if vectors.dim < 1:
        raise ValueError(
            f"cannot save {vectors!r} as {name!r}: its vectors have no dimensions (dim 0); nothing could be loaded back"
        )
    vocab_bytes = _check_words(vectors)
    meta = {"name": name, "source": _source(vectors), "saved_from": vectors.name}
    check_recordable(meta, "metadata")
    nbytes = len(vectors) * (vectors.dim + 1) * 4 + vocab_bytes
    dest = precheck(name, data_dir=data_dir, cache_dir=cache_dir, overwrite=overwrite, nbytes=nbytes)
    try:
        with locking.hold(store.lock_path(dest), f"saving {name}"):
            _check_taken(dest, overwrite, cache_dir)  # another process may have saved it meanwhile
            store.write_entry(dest, _blocks(vectors), vectors.dim, meta, extra=_counts_writer(vectors))
    finally:
        store.remove_lock(dest)
    legacy = _legacy_path(name, cache_dir)
    if legacy is not None:  # overwritten: the new set lives in the data folder, the old copy goes
        atomic.remove(legacy)
        store.remove_lock(legacy)
        logger.info("moved the saved set %r out of the cache: %s replaces %s", name, dest, legacy)
    logger.info("saved %r as %s (%d words x %d dims)", vectors, dest, len(vectors), vectors.dim)
    return dest


def load_saved(path: Path) -> Vectors:
    """Memory-map a saved entry's folder as :class:`~pretrained.Vectors` (with its word counts)."""
    from pretrained.core.entry import open_entry

    return open_entry(path)


@dataclass(frozen=True)
class SavedSet:
    """One saved set on disk."""

    name: str
    path: Path
    size: int  #: bytes on disk
    legacy: bool = False  #: saved by an older version inside the cache folder


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.iterdir() if p.is_file())


def saved_sets(
    data_dir: Optional[PathLike] = None, cache_dir: Optional[PathLike] = None, *, legacy: bool = True
) -> List[SavedSet]:
    """Every saved set: the data folder's, then (``legacy``) those older versions saved in the
    cache folder."""
    out: List[SavedSet] = []
    folder = sets_dir(data_dir)
    if folder.is_dir():
        for p in sorted(folder.iterdir()):
            if not p.name.startswith(".") and store.is_entry(p):
                out.append(SavedSet(p.name, p, _size(p)))
    old = cachedir.vectors(cache_dir)
    if legacy and old.is_dir():
        names = {s.name for s in out}
        for p in sorted(old.iterdir()):
            if not p.name.startswith(".") and p.name not in names and store.is_entry(p) and store.is_saved_entry(p):
                out.append(SavedSet(p.name, p, _size(p), legacy=True))
    return out


def remove(name: str, data_dir: Optional[PathLike] = None, cache_dir: Optional[PathLike] = None) -> List[Path]:
    """Delete the saved set ``name`` (from the data folder, and an older copy in the cache folder)
    and return the removed folders. This is the only call that deletes a saved set.

    Raises
    ------
    InvalidNameError
        No saved set has that name (the message lists where it looked).
    """
    found: List[Path] = []
    if isinstance(name, str) and _plain(name):
        candidates = (sets_dir(data_dir) / name, _legacy_path(name, cache_dir))
        found = [p for p in candidates if p is not None and store.is_entry(p)]
    if not found:
        raise InvalidNameError(f"no saved set named {name!r} in {sets_dir(data_dir)} (see `pretrained sets list`)")
    for p in found:
        with locking.hold(store.lock_path(p), f"removing {name}"):
            atomic.remove(p)
        store.remove_lock(p)
        logger.info("removed the saved set %s", p)
    return found


def _finite(vectors: Vectors, nonfinite: str) -> Vectors:
    """``vectors`` with ``nonfinite=`` applied (the same object when nothing changes)."""
    from pretrained.core.vectors import check_values

    checked = check_values(vectors.vectors, vectors.index_to_key, nonfinite)
    if checked is vectors.vectors:
        return vectors
    out = Vectors.trusted(vectors.index_to_key, checked, name=vectors.name, meta=vectors.meta)
    out.counts = vectors.counts
    return out


def _counts_writer(vectors: Vectors) -> Any:
    """``extra=`` for the entry writer: the word counts (``counts.npy``, as a fastText set keeps
    them) when the vectors carry real ones (from train, from_gensim, fvocab=), else None."""
    from pretrained.core.fasttext import COUNTS

    counts = vectors.counts
    if counts is None:
        return None
    counts = np.asarray(counts, dtype=np.int64)
    if counts.shape != (len(vectors),):
        raise ValueError(f"{vectors!r} has {counts.shape} counts for {len(vectors)} words")
    return lambda folder: np.save(folder / COUNTS, counts, allow_pickle=False)
