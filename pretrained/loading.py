"""``pretrained.load``: a catalogue name or a file path in, :class:`Vectors` out, through the cache.

The first call converts the source into the cache (see :mod:`pretrained.cache.entries`); later calls
memory-map the cached entry, which costs reading the word list and nothing proportional to the
vectors.

A file's entry is keyed on its path, size and modification time; whether it still holds what was
converted is checked on every load against what cannot be restored by ``cp -p``, ``rsync -t`` or
``touch -r`` (inode and change time), re-hashing the file when those moved. The source's hash is
recorded as ``"xxh3-128:<hex>"`` (the cache's fast hash); an entry converted by an older version
recorded a sha256, and is compared with sha256 (see :func:`pretrained.cache.hashes.file_matches`).
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Optional

from pretrained import config
from pretrained.cache import entries as store
from pretrained.cache import folder as cachedir
from pretrained.cache import hashes, layout, locking
from pretrained.core.entry import open_entry
from pretrained.core.vectors import Vectors
from pretrained.errors import CacheError, CatalogError, FormatError, OfflineError, UnknownNameError
from pretrained.formats import MAX_TOKEN_BYTES, Block, ReadOptions, ReadStats, open_vectors, registry, select
from pretrained.formats.registry import VectorFormat
from pretrained.interop import saving
from pretrained.remote import catalog
from pretrained.remote import packaged as embedded

__all__ = ["load", "convert", "entry_path"]

logger = logging.getLogger(__name__)


def _catalogue_entry(name: str) -> Optional[catalog.Entry]:
    """The catalogue entry for ``name``, or None when it is not one. A broken user catalogue is an
    error only when ``name`` is not an existing file (local files load whatever the catalogue)."""
    try:
        return catalog.get(name) if catalog.has(name) else None
    except CatalogError:
        if config.user_path(name).is_file():
            logger.warning("ignoring the user catalogue ($PRETRAINED_CATALOG) for the file %s: it is malformed", name)
            return None
        raise


def entry_path(
    name_or_path: str | os.PathLike[str],
    *,
    format: Optional[str] = None,
    member: Optional[str] = None,
    limit: Optional[int] = None,
    vocabulary: Optional[Iterable[str]] = None,
    cache_dir: Optional[str | os.PathLike[str]] = None,
    unicode_errors: str = "replace",
    nonfinite: str = "error",
    numeric_token_parts: bool = False,
    max_token_bytes: Optional[int] = MAX_TOKEN_BYTES,
    data_dir: Optional[str | os.PathLike[str]] = None,
    encoding: Optional[str] = None,
) -> Path:
    """The folder that :func:`load` uses for these arguments (it may not exist yet): a cache
    entry, or a saved set's folder (:mod:`pretrained.interop.saving`) for a name saved with
    :func:`pretrained.save` that is neither a catalogue name nor a file."""
    options = ReadOptions.from_kwargs(locals())
    return _entry_path(name_or_path, options, cache_dir, data_dir)


def _entry_path(
    name_or_path: str | os.PathLike[str], options: ReadOptions, cache_dir: Any, data_dir: Any = None
) -> Path:
    root = layout.vectors(cache_dir)
    subset = options.subset_key()
    name = os.fspath(name_or_path)
    entry = _catalogue_entry(name)
    if entry is not None:
        return root / (entry.name + subset)
    path = config.user_path(name)
    if not _is_file(path):
        saved = saving.find_saved(name, data_dir, cache_dir)  # a set saved with pretrained.save (or train)
        if saved is not None:
            if subset:
                raise ValueError(
                    f"limit and vocabulary apply to files and catalogue sets, not to the saved set {name!r}"
                )
            return saved
        raise UnknownNameError(name, catalog.names())
    return root / options.file_key(path, registry.key_spelling(path, options.format))


def _is_file(path: Path) -> bool:
    """``path.is_file()``, False for a name the system cannot even look up (too long, a NUL)."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def _source_stamp(path: Path) -> dict[str, Any]:
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "ctime_ns": st.st_ctime_ns, "inode": st.st_ino}


def _source_unchanged(dest: Path, path: Path) -> bool:
    """Whether the file entry at ``dest`` still holds ``path``'s content: same size, mtime, inode
    and change time, or (when those moved or were not recorded) the same hash, under the algorithm
    the entry recorded (xxh3-128, or sha256 for an entry converted by an older version)."""
    try:
        meta = store.read_meta(dest)
    except CacheError:
        return True  # read_entry refuses it with the fix
    source: dict[str, Any] = meta["source"] if isinstance(meta.get("source"), dict) else {}
    now = _source_stamp(path)
    if all(source.get(k) == now[k] for k in now):
        return True
    if source.get("size") != now["size"] or not source.get("sha256"):
        return False
    if not hashes.file_matches(source["sha256"], path):
        logger.info("%s changed in place (same size and time, other bytes): converting it again", path)
        return False
    try:  # the same bytes (a copy, a chmod): remember the new stamp so the next load skips the hash
        store.update_meta(dest, {"source": {**source, **now}})
    except (OSError, CacheError) as exc:
        logger.debug("cannot record the new stamp of %s in %s: %s", path, dest, exc)
    return True


def _usable(dest: Path, entry: Optional[catalog.Entry], path: Optional[Path]) -> bool:
    if not store.is_entry(dest):
        return False
    return entry is not None or (path is not None and _source_unchanged(dest, path))


def _convert_stream(
    dest: Path,
    dim: int,
    blocks: Iterator[Block],
    stats: ReadStats,
    meta: Callable[[], dict[str, Any]],
) -> None:
    started = time.perf_counter()
    store.write_entry(dest, blocks, dim, meta, rows_hint=stats.header_count)  # file hashes as written
    logger.info(
        "converted %s into %s: %d vectors x %d dims in %.2f s",
        stats.path,
        dest,
        stats.kept,
        dim,
        time.perf_counter() - started,
    )


def convert(
    name_or_path: str | os.PathLike[str],
    *,
    format: Optional[str] = None,
    member: Optional[str] = None,
    limit: Optional[int] = None,
    vocabulary: Optional[Iterable[str]] = None,
    cache_dir: Optional[str | os.PathLike[str]] = None,
    unicode_errors: str = "replace",
    force: bool = False,
    offline: Optional[bool] = None,
    nonfinite: str = "error",
    numeric_token_parts: bool = False,
    max_token_bytes: Optional[int] = MAX_TOKEN_BYTES,
    data_dir: Optional[str | os.PathLike[str]] = None,
    encoding: Optional[str] = None,
) -> Path:
    """Convert a vector set into the cache once (a no-op when the entry exists) and return its
    folder. Two processes converting the same entry wait for each other (a file lock).

    A catalogue name comes from its installed package when there is one, else its file is
    downloaded into ``<cache>/downloads`` first (once; see :func:`pretrained.download`).
    ``offline=True`` (or ``$PRETRAINED_OFFLINE=1``) forbids the download: cached and installed
    sets still work, anything else raises :class:`~pretrained.errors.OfflineError`.
    ``force=True`` converts again; the new entry replaces the old one in one rename, so other
    processes reading it meanwhile never fail. ``nonfinite`` says what to do with ``nan``/``inf``
    values: ``"error"`` (default), ``"zero"`` or ``"keep"`` (counted in ``meta.json``).
    ``numeric_token_parts=True`` accepts GloVe tokens with spaces whose last part is a number
    (refused by default: such a line is far more often a vector with a value too many);
    ``max_token_bytes`` bounds a token's length (default 1000, GloVe's own; None for no bound).
    Each of these choices has its own cache entry. A name saved with :func:`pretrained.save`
    (looked up in ``data_dir``, see :func:`pretrained.config.data_dir`) is returned as it is:
    nothing converts, replaces or drops a saved set. ``encoding`` decodes the words of a fastText
    ``.bin`` that are not UTF-8."""
    options = ReadOptions.from_kwargs(locals())
    return _convert(name_or_path, options.require_words(), cache_dir, offline, force, data_dir)


def _convert(
    name_or_path: str | os.PathLike[str],
    options: ReadOptions,
    cache_dir: Any,
    offline: Optional[bool],
    force: bool,
    data_dir: Any = None,
) -> Path:
    name = os.fspath(name_or_path)
    entry = _catalogue_entry(name)
    path = None if entry is not None else config.user_path(name)
    dest = _entry_path(name_or_path, options, cache_dir, data_dir)
    if path is not None and not _is_file(path):  # path is None exactly when entry is not
        return dest  # a set saved with pretrained.save: it is its own source, nothing to convert
    if not force and _usable(dest, entry, path):
        return dest
    cachedir.ensure(cache_dir)
    with locking.hold(store.lock_path(dest), f"converting {dest.name}"):
        if not force and _usable(dest, entry, path):  # another process converted it meanwhile
            return dest
        if dest.exists() and not store.is_entry(dest):
            logger.warning("%s is an incomplete cache entry (no meta.json): replacing it", dest)
        if entry is not None:
            _convert_catalogue(entry, dest, options, cache_dir, offline)
        else:
            assert path is not None
            spec = registry.resolve(path, options.member, options.format)
            _convert_source(spec, path, dest, options)
            cachedir.drop_superseded(dest)
    return dest


def _entry_meta(
    name: str, source: dict[str, Any], options: ReadOptions, stats: ReadStats, *, reader: bool = True
) -> dict[str, Any]:
    """The ``meta.json`` of a converted entry: its name, where it came from, the options of the
    read (``reader``: with the reader choices that differ from their defaults) and the counts."""
    return {"name": name, "source": source, **options.meta(reader=reader), **stats.as_dict()}


def _convert_source(
    spec: Optional[VectorFormat],
    path: Path,
    dest: Path,
    options: ReadOptions,
    entry: Optional[catalog.Entry] = None,
) -> None:
    """Convert ``path`` (a local file, or ``entry``'s download) through its format: the format
    writes the entry itself (``spec.convert``), or its blocks are written here. ``spec`` None:
    no format recognised the file, the text reader detects it or says why not."""
    source = None if entry is None else _catalogue_source(entry, path)
    name = None if entry is None else entry.name
    if options.encoding is not None and (spec is None or not spec.takes_encoding):
        raise ValueError(
            f"encoding={options.encoding!r} applies to fastText .bin files; {path} is read as UTF-8 (see unicode_errors)"
        )
    if spec is not None and spec.convert is not None:
        spec.convert(path, dest, options, name=name, source=source)
        return
    stamp = _source_stamp(path) if entry is None else {}
    opener = spec.open if spec is not None and spec.open is not None else open_vectors
    progress = entry is None and config.progress_enabled()
    with opener(path, options, hash=entry is None, progress=progress) as (stats, blocks):
        if entry is not None and stats.dim != entry.dim:
            raise FormatError(
                f"holds {stats.dim}-dimensional vectors, the catalogue entry {entry.name!r} says {entry.dim}",
                stats.path,
            )

        def meta() -> dict[str, Any]:
            if entry is None:
                digest = hashes.tag(stats.source_sha256)  # "xxh3-128:<hex>" (the key name is historical)
                found = {"path": str(path.resolve()), "member": options.member, **stamp, "sha256": digest}
                return _entry_meta(os.path.basename(stats.path), found, options, stats)  # file.zip!member for archives
            if entry.count and options.limit is None and options.vocabulary is None and stats.kept != entry.count:
                logger.warning("%s: %d vectors, the catalogue says %d", stats.path, stats.kept, entry.count)
            return _entry_meta(entry.name, source or {}, options, stats)

        _convert_stream(dest, stats.dim, blocks, stats, meta)


def _catalogue_source(entry: catalog.Entry, archive: Path) -> dict[str, Any]:
    return {
        "catalogue": entry.name,
        "path": str(archive),
        "member": entry.member,
        "size": archive.stat().st_size,
        "sha256": hashes.spell(entry.sha256),
        "urls": list(entry.urls),
    }


def _convert_catalogue(
    entry: catalog.Entry, dest: Path, options: ReadOptions, cache_dir: Any = None, offline: Optional[bool] = None
) -> None:
    """The installed package when there is one (no network), else download (once) and convert.
    Subsets (``limit``, ``vocabulary``) of an installed set come from the package too."""
    if embedded.available(entry):
        _convert_embedded(entry, dest, options)
        return
    from pretrained.remote import downloader

    try:
        archive = downloader.download(entry.name, cache_dir=cache_dir, offline=offline)
    except OfflineError as exc:
        if entry.embedded:
            package = entry.embedded.replace("_", "-")
            raise OfflineError(f"{exc} Or install the package {package}, which ships {entry.name}.") from None
        raise
    # the catalogue says the format and member; its tokens are decoded leniently, whatever was asked
    options = options.replace(format=entry.format, member=entry.member, unicode_errors="replace")
    _convert_source(registry.resolve(archive, entry.member, entry.format), archive, dest, options, entry)


def _convert_embedded(entry: catalog.Entry, dest: Path, options: ReadOptions) -> None:
    npy, _words_file, _ = embedded.files(entry)
    stats = ReadStats(path=str(npy), format="npy", dim=entry.dim)
    rows = embedded.read_blocks(entry)
    blocks = select(rows, stats, limit=options.limit, vocabulary=options.words, unicode_errors="strict")
    from importlib.metadata import version

    package = str(entry.embedded).replace("_", "-")

    def meta() -> dict[str, Any]:
        source = {
            "package": package,
            "version": version(package),
            "path": str(npy),
            "size": npy.stat().st_size,
            "sha256": hashes.file_digest(npy),
        }
        return _entry_meta(entry.name, source, options, stats, reader=False)

    _convert_stream(dest, entry.dim, blocks, stats, meta)


def load(
    name_or_path: str | os.PathLike[str],
    *,
    format: Optional[str] = None,
    limit: Optional[int] = None,
    vocabulary: Optional[Iterable[str]] = None,
    cache_dir: Optional[str | os.PathLike[str]] = None,
    member: Optional[str] = None,
    unicode_errors: str = "replace",
    offline: Optional[bool] = None,
    force: bool = False,
    nonfinite: str = "error",
    numeric_token_parts: bool = False,
    max_token_bytes: Optional[int] = MAX_TOKEN_BYTES,
    fvocab: Optional[str | os.PathLike[str]] = None,
    datatype: Any = None,
    data_dir: Optional[str | os.PathLike[str]] = None,
    encoding: Optional[str] = None,
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
        ``"table"``/``"parquet"``/``"arrow"``/``"csv"``/``"tsv"``): see :mod:`pretrained.formats.table_reader`.
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
    force
        Convert again even when the cache holds the entry (repairs a damaged entry).
    nonfinite
        What to do with ``nan``/``inf`` values in the file: ``"error"`` (default: refuse, naming
        the word and line), ``"zero"`` (replace the row by zeros) or ``"keep"``; each choice has
        its own cache entry.
    numeric_token_parts, max_token_bytes
        Accept GloVe tokens with spaces whose last part is a number (``"at 5"``; refused by
        default, since such a line is far more often a vector with one value too many), and the
        longest token in bytes (default 1000, GloVe's own bound; None for none).
    fvocab
        A word-count file (gensim's ``fvocab``, word2vec's ``-save-vocab``: ``word count`` per
        line), read on every load: ``v.get_vecattr(word, "count")``. A fastText ``.bin`` carries
        its own counts.
    datatype
        ``np.float16`` or ``np.float64`` (gensim's ``datatype=``): the returned arrays in that
        type (a copy in memory); the cache stays float32.
    data_dir
        The folder of the user's own data, where sets saved with :func:`pretrained.save` live (its
        ``sets/``; default ``$PRETRAINED_DATA``, else the user data folder). A name that is neither
        a catalogue name nor a file loads the saved set of that name.
    encoding
        A fastText ``.bin`` whose words are not UTF-8 (``"latin-1"``, ``"cp852"``; gensim's
        ``encoding=``): such a file is refused without it, naming the words.

    Raises
    ------
    CacheError
        The cached entry is damaged; the message says how to repair it (``pretrained cache
        remove NAME``, or ``force=True``; for a saved set, which cannot be converted again: how to
        recover it).

    Notes
    -----
    A fastText ``.bin`` keeps its character n-grams: unknown words get fastText's vector from
    them (``v["unseenword"]``, ``v.get_vector``, ``v.subword_vector``), see
    :class:`pretrained.core.fasttext.FastTextVectors`.

    Examples
    --------
    >>> import pretrained                                    # doctest: +SKIP
    >>> v = pretrained.load("glove.6B.50d")                  # doctest: +SKIP
    >>> v.analogy("man", "king", "woman")                    # doctest: +SKIP
    [('queen', 0.8523604273796082)]
    """
    options = ReadOptions.from_kwargs(locals()).require_words()
    dest = _convert(name_or_path, options, cache_dir, offline, force, data_dir)
    try:
        return open_entry(dest, datatype=datatype, fvocab=fvocab, unicode_errors=unicode_errors)
    except CacheError:
        if store.is_entry(dest):
            raise
        # replaced or removed by another process between the two steps: convert (or wait) again
        dest = _convert(name_or_path, options, cache_dir, offline, False, data_dir)
        return open_entry(dest, datatype=datatype, fvocab=fvocab, unicode_errors=unicode_errors)
