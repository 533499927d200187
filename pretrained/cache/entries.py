"""The cache form of a vector set: a folder holding

``vectors.npy``  float32 (count, dim), memory-mapped on reload
``norms.npy``    float32 (count,), the L2 norm of every row (so queries need no pass over the file)
``vocab.txt``    UTF-8, one word a line, row order
``vocab.idx.npy`` the word -> row hash table, memory-mapped on reload (:mod:`pretrained.cache.vocab`);
                 entries written before it load through the older path (a byte search of vocab.txt)
``meta.json``    source file, its hash and size, format, dim, count, skipped counts, format version,
                 ``vectors_sha256`` (the identity indexes are tied to), ``files`` (size and hash of
                 every other file) and ``meta_sha256`` (of the meta itself, without that key)

Hashes name their algorithm (:mod:`pretrained.cache.hashes`). This version records the cache's
own hashes as ``"xxh3-128:<hex>"``, computed from the bytes as they are written (each byte hashed
once): ``files[name]["sha256"]`` (the key name is historical) of every file, the source file's
``source["sha256"]``, and ``vectors_sha256`` = the hash of ``vectors.npy`` itself (header and
rows: the same value as ``files["vectors.npy"]["sha256"]``). Entries written by earlier versions
recorded sha256 (``"sha256:<hex>"`` or bare hex), ``vectors_sha256`` then being the sha256 of the
row bytes alone; they are read and verified with sha256, and an index tied to such an identity is
recognised by recomputing the rows' sha256 (:func:`pretrained.index.sidecar.same_vectors`). Only
``meta_sha256`` stays a sha256 (a few hundred bytes). sha256 remains what downloads are checked
with against published hashes.

An entry is written into a temporary folder beside its final place, verified, then renamed into
place (:mod:`pretrained.cache.atomic`), so a crash never leaves a half-written entry that a later run
would load; a later conversion removes what dead processes left. An entry is never changed in
place: converting again builds a new folder and swaps it in, and a reader that saw the folder change
under it reads again (see :func:`read_entry`). Nothing is pickled: arrays load with
``allow_pickle=False``.

:func:`read_entry` checks the cheap invariants on every load (meta types, shapes, file sizes, the
vocabulary and its index by xxh3-128, a sample of norms recomputed from the vectors);
:func:`check_entry` re-hashes every file (``pretrained cache verify``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import queue
import threading
import time
from pathlib import Path
from typing import BinaryIO, Callable, Dict, Iterable, List, Literal, Optional, Sequence, Tuple, TypeVar, Union

import numpy as np

from pretrained.cache import atomic, direct, hashes, layout
from pretrained.cache import vocab as vocab_index
from pretrained.cache.vocab import VocabText
from pretrained.errors import CacheError, PretrainedError
from pretrained.formats import Block

_T = TypeVar("_T")

__all__ = [
    "FORMAT_VERSION",
    "write_entry",
    "read_entry",
    "read_consistent",
    "repair_advice",
    "verify_entry",
    "check_entry",
    "is_entry",
    "lock_path",
    "remove_entry",
    "clean_leftovers",
    "NpyWriter",
    "is_saved_meta",
    "is_saved_entry",
    "remove_lock",
]

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
VECTORS, NORMS, VOCAB, META = layout.VECTORS, layout.NORMS, layout.VOCAB, layout.META
VOCAB_INDEX = layout.VOCAB_INDEX
_HEADER = 128  # bytes reserved for the .npy header, enough for any (count, dim)
DIRECT_MIN = 64 << 20
"""A ``vectors.npy`` expected to be at least this large is written around the page cache
(:mod:`pretrained.cache.direct`); a smaller one the usual way, so it is read back from memory."""
DIRECT_BUFFER = 8 << 20  # bytes per direct write


def _npy_header(rows: int, dim: int) -> bytes:
    """The ``.npy`` header of a C-order float32 (rows, dim) array, padded to ``_HEADER`` bytes."""
    text = repr({"descr": "<f4", "fortran_order": False, "shape": (rows, dim)}).encode("latin1")
    body = b"\x93NUMPY\x01\x00"
    pad = _HEADER - len(body) - 2 - len(text) - 1
    if pad < 0:
        raise ValueError("shape too large for the reserved header")
    text = text + b" " * pad + b"\n"
    return body + len(text).to_bytes(2, "little") + text


class NpyWriter:
    """Append float32 rows to a ``.npy`` file whose row count is known only at the end.

    The rows are hashed (xxh3-128), written and their norms computed on a thread beside the
    caller (hashing, writing and NumPy release the GIL), so parsing the next block overlaps with
    them; at most ``depth`` blocks wait. When the caller knows how many rows to expect
    (``rows_hint``), the hash runs over the file's own bytes (the header first), so nobody reads
    the file again to hash it: ``file_digest`` is the ``"xxh3-128:<hex>"`` of ``vectors.npy``
    (computed by reading the file again when the hint did not hold). ``norms`` holds the L2 norm
    of every row after :meth:`close`.
    """

    def __init__(self, path: Path, dim: int, rows_hint: Optional[int] = None, depth: int = 3):
        self.path = Path(path)
        self.dim = dim
        self.rows = 0
        self.rows_hint = rows_hint
        self.file_digest: Optional[str] = None  #: ``"xxh3-128:<hex>"`` of the file, set by close()
        self.norms: Optional[np.ndarray] = None  #: float32 L2 norm of every row, set by close()
        self._norms: List[np.ndarray] = []
        self._hash = hashes.new(hashes.FAST)
        self._hash.update(_npy_header(rows_hint if rows_hint is not None else 0, dim))
        expected = _HEADER + (rows_hint or 0) * dim * 4
        self._direct = direct.open_direct(self.path, DIRECT_BUFFER) if expected >= DIRECT_MIN else None
        self._f: Optional[BinaryIO] = None
        self._out: Union[direct.DirectFile, BinaryIO]
        if self._direct is not None:
            self._out = self._direct
        else:
            self._f = self._out = open(self.path, "wb")  # noqa: SIM115 -- held by the writer, closed by close()
        self._reserve = _Reserve(self._out.fileno(), expected)
        # the header the hash begins with; rewritten at close when the hint did not hold
        self._out.write(_npy_header(rows_hint, dim) if rows_hint is not None else b"\0" * _HEADER)
        self._queue: queue.Queue = queue.Queue(depth)
        self._error: Optional[BaseException] = None
        self._thread = threading.Thread(target=self._run, daemon=True, name="pretrained-npy-writer")
        self._thread.start()

    def _run(self) -> None:
        get, update, write, norms = self._queue.get, self._hash.update, self._out.write, self._norms.append
        end = _HEADER
        while True:
            item = get()
            if item is None:
                return
            if self._error is not None:
                continue  # drain: the caller learns of the error at its next append or at close
            rows, squares = item
            try:
                data = memoryview(rows).cast("B")
                update(data)
                end += data.nbytes
                self._reserve.upto(end)
                write(data)
                if squares is None:
                    squares = np.einsum("ij,ij->i", rows, rows)  # several times np.linalg.norm's speed
                norms(np.sqrt(squares))
            except BaseException as exc:  # handed to the caller's thread by append/close
                self._error = exc

    def append(self, rows: np.ndarray, squares: Optional[np.ndarray] = None) -> None:
        """Queue ``rows`` (rows x dim) to be hashed and written after those queued before;
        ``squares``, when given, is ``einsum("ij,ij->i", rows, rows)`` already computed on this
        very array (the norms are its square roots)."""
        if self._error is not None:
            self._fail()
        given = rows
        rows = np.ascontiguousarray(rows, dtype="<f4")
        if rows.ndim != 2 or rows.shape[1] != self.dim:
            raise ValueError(f"expected rows of {self.dim} values, got shape {rows.shape}")
        if squares is not None and (rows is not given or squares.shape != (rows.shape[0],)):
            squares = None  # not this array's own: computed again
        self._queue.put((rows, squares))
        self.rows += rows.shape[0]

    def _fail(self) -> None:
        error, self._error = self._error, None
        assert error is not None
        raise error

    def abort(self) -> None:
        """Stop after the rows queued so far and close the file (the caller drops it)."""
        self._queue.put(None)
        self._thread.join()
        self._release()

    def _release(self) -> None:
        """Close the file without writing anything more (a direct file's unwritten rest is dropped)."""
        if self._direct is not None:
            self._direct.abort()
        else:
            assert self._f is not None
            self._f.close()

    def close(self) -> None:
        """Wait for the queued rows, write the real header, set :attr:`file_digest` and :attr:`norms`."""
        self._queue.put(None)
        self._thread.join()
        header = _npy_header(self.rows, self.dim)
        try:
            if self._error is not None:
                self._fail()
            if self._direct is not None:
                self._direct.close()  # cut to the bytes written: what a larger hint preallocated goes
                if self.rows != self.rows_hint:
                    with open(self.path, "r+b") as f:
                        f.write(header)
            else:
                assert self._f is not None
                self._f.truncate()  # what a hint larger than the rows preallocated
                self._f.seek(0)
                self._f.write(header)
        finally:
            # durability: the entry's folder is fsynced before it is renamed in (atomic.replace)
            self._release()
        if self.rows == self.rows_hint or (self.rows == 0 and self.rows_hint is None):
            self.file_digest = f"{hashes.FAST}:{self._hash.hexdigest()}"
        else:  # the hint did not hold: the header the hash began with is not the file's
            self.file_digest = hashes.file_digest(self.path)
        self.norms = np.concatenate(self._norms) if self._norms else np.zeros(0, np.float32)


class _Reserve:
    """Reserve the blocks of a file being written ahead of the writes, up to the size expected
    (``posix_fallocate``, in steps of 256 MiB, so a header that promises far more than the file
    holds reserves at most one step too many): the filesystem then allocates them at once
    instead of write by write, which was several times faster for a 1.2 GB ``vectors.npy`` on
    this project's machines. Best effort: any failure (a full disk, a filesystem without it)
    stops reserving, and the writes themselves report what is wrong."""

    STEP = 256 << 20

    def __init__(self, fd: int, expected: int):
        self.fd, self.expected, self.reserved = fd, expected, 0
        self._fallocate = getattr(os, "posix_fallocate", None)

    def upto(self, end: int) -> None:
        """Make sure the bytes up to ``end`` are reserved (within the expected size)."""
        if end <= self.reserved or self.reserved >= self.expected or self._fallocate is None:
            return
        target = min(self.expected, max(end, self.reserved + self.STEP))
        try:
            self._fallocate(self.fd, self.reserved, target - self.reserved)
        except OSError as exc:
            logger.debug("cannot reserve disk space ahead of writing: %s", exc)
            self._fallocate = None
            return
        self.reserved = target


_SAMPLE_ALL = 1024  # entries up to this many rows have every norm recomputed on load
_SAMPLE = 256  # rows whose norms are recomputed on load in a larger entry
_FIX = "remove it with `pretrained cache remove {name}` (or load again with force=True) and it is converted afresh"
_FIX_SAVED = (
    "it is a saved set (your own data, perhaps the only copy), so nothing converts it afresh: do not "
    "remove it; `pretrained cache verify` names every damaged file, then restore the folder {path} from a "
    "backup, or save it again from the model or source it came from (pretrained.save(v, {name!r}, overwrite=True))"
)
SETS = layout.SETS  #: the folder of saved sets inside the data folder (see pretrained.interop.saving)


def is_saved_meta(meta: object) -> bool:
    """Whether an entry's meta describes a saved set (``pretrained.save``/``train``: the user's
    data, never a conversion any cache operation may redo or drop)."""
    return isinstance(meta, dict) and "saved_from" in meta


def is_saved_entry(path: Path) -> bool:
    """Whether the entry at ``path`` is a saved set (by its ``meta.json``; False when unreadable)."""
    try:
        with open(Path(path) / META, encoding="utf-8") as f:
            return is_saved_meta(json.load(f))
    except (OSError, ValueError):
        return False


def repair_advice(path: Path) -> str:
    """What to do about a damaged entry at ``path``: convert it afresh (the cache), or restore it
    (a saved set: the user's data, never removed for them)."""
    return _fix(path)


def _fix(path: Path) -> str:
    path = Path(path)
    if path.parent.name == SETS or is_saved_entry(path):
        return _FIX_SAVED.format(path=path, name=path.name)
    return _FIX.format(name=path.name)


def lock_path(entry: Path) -> Path:
    """The lock file that guards the conversion of ``entry``."""
    return layout.lock_path(entry)


def remove_lock(entry: Path) -> bool:
    """Remove the lock file of ``entry`` when nobody holds it (taken without waiting, deleted while
    held); returns whether it went. A process that opened the lock before it was deleted may
    still get it; every write is a rename of a finished folder, so the worst case is work done
    twice, never a mixed entry."""
    from filelock import FileLock, Timeout

    path = lock_path(Path(entry))
    if not path.exists():
        return False
    lock = FileLock(os.fspath(path))
    try:
        lock.acquire(timeout=0)
    except (Timeout, OSError):
        return False
    try:
        path.unlink()
        return True
    except OSError:
        return False
    finally:
        lock.release()


def is_entry(path: Path) -> bool:
    """Whether a complete entry sits at ``path`` (complete ones are the only ones ever renamed in)."""
    return (Path(path) / META).is_file()


def clean_leftovers(folder: Path, name: Optional[str] = None) -> List[Path]:
    """Remove the temporary and trash folders or files a dead process left in ``folder`` (only
    those of target ``name`` when given) and return them. A live process's work is kept."""
    removed: List[Path] = []
    try:
        children = list(Path(folder).iterdir())
        for target in {o[0] for o in map(atomic.temp_owner, children) if o is not None and o[1] == "old"}:
            atomic.recover(Path(folder) / target)  # interrupted swaps first: their aside copy is no leftover
        children = list(Path(folder).iterdir())
    except OSError:
        return removed
    for p in children:
        if is_orphan_temp(p) and (name is None or _target_of(p) in (None, name)):
            atomic.remove(p)
            removed.append(p)
            logger.info("removed %s, left by a process that is gone", p)
    return removed


def _target_of(path: Path) -> Optional[str]:
    """The name a temporary name was made for, through nested ones (the trash of a temporary
    folder is ``..NAME.tmp-PID-X.trash-PID-Y``), or None when it is no temporary name."""
    owner = atomic.temp_owner(path)
    name = None
    while owner is not None:
        name = owner[0]
        owner = atomic.temp_owner(name) if name.startswith(".") else None
    return name


def is_orphan_temp(path: Path) -> bool:
    """Whether ``path`` is a temporary or trash name whose writer is gone (or an old-style trash
    folder, which nobody resumes)."""
    owner = atomic.temp_owner(path)
    if owner is not None:
        if owner[1] == "old" and not os.path.lexists(Path(path).with_name(owner[0])):
            return False  # the only copy of an entry whose swap was interrupted: atomic.recover restores it
        return not atomic.pid_alive(owner[2])
    name = Path(path).name
    return name.startswith(".") and ".trash-" in name


def _meta_digest(meta: dict) -> str:
    body = {k: v for k, v in meta.items() if k != "meta_sha256"}
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def _writable_parent(dest: Path) -> None:
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        probe = atomic.temp_name(dest, suffix=".probe")
        probe.touch()
        probe.unlink()
    except OSError as exc:
        raise CacheError(
            f"cannot write to the cache folder {dest.parent} ({exc.strerror or exc}); set "
            "PRETRAINED_CACHE or pass cache_dir= to a writable folder"
        ) from exc


def write_entry(
    dest: Path,
    blocks: Iterable[Block],
    dim: int,
    meta: dict | Callable[[], dict],
    extra: Callable[[Path], None] | None = None,
    rows_hint: Optional[int] = None,
) -> Path:
    """Write an entry from a stream of blocks into ``dest`` atomically.

    Blocks are written as they come, so memory stays at one block whatever the file size.
    ``meta`` is a dict, or a callable returning one that is called once the blocks are consumed
    (when the reader's counts are known); it is completed with count, dim, the format version and
    the size and hash (xxh3-128) of every file. ``extra(folder)``, when given, adds files of its own (a
    fastText set's ``ngrams.npy``) to the temporary folder before ``meta.json`` is written, so they
    appear with the entry and are hashed with it. An existing folder at ``dest`` (a former entry,
    or an incomplete one) is replaced in one rename; what dead processes left beside it is removed.
    ``rows_hint``, the number of rows the blocks probably hold (a header's count), lets the hash
    of ``vectors.npy`` be computed while writing instead of by reading the file again (a wrong
    hint costs that read, never a wrong hash).
    """
    dest = Path(dest)
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or dim < 1:
        raise ValueError(f"cannot write {dest}: vectors need at least one dimension, got dim={dim!r}")
    _writable_parent(dest)
    atomic.recover(dest)  # a former version a killed writer left aside comes back first
    clean_leftovers(dest.parent, dest.name)
    with atomic.atomic_path(dest, directory=True) as tmp:
        count, known = _write_files(tmp, blocks, dim, rows_hint)  # and the vocabulary index
        if extra is not None:
            extra(tmp)
        meta = dict(meta() if callable(meta) else meta)
        meta.update(
            count=count,
            dim=dim,
            vectors_sha256=known[VECTORS],  # the identity indexes are tied to: the hash of vectors.npy
            format_version=FORMAT_VERSION,
            created=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            files={
                p.name: {"size": p.stat().st_size, "sha256": known.get(p.name) or hashes.file_digest(p)}
                for p in sorted(tmp.iterdir())
                if p.name != META
            },
        )
        meta["meta_sha256"] = _meta_digest(meta)
        with open(tmp / META, "w", encoding="utf-8") as f:
            json.dump(meta, f, indent=2, ensure_ascii=False)
            f.write("\n")
        verify_entry(tmp)  # before it becomes visible
    return dest


def _write_files(
    tmp: Path, blocks: Iterable[Block], dim: int, rows_hint: Optional[int] = None
) -> Tuple[int, Dict[str, str]]:
    """Write vectors, norms, vocabulary and its index (word -> row, memory-mapped on reload);
    returns the row count and the hashes of the files, each computed from the bytes as they were
    written (``{name: "xxh3-128:<hex>"}``)."""
    writer = NpyWriter(tmp / VECTORS, dim, rows_hint)
    vocab_hash = hashes.new(hashes.FAST)
    texts = []
    with open(tmp / VOCAB, "wb") as vocab:
        try:
            for block in blocks:
                writer.append(block.vectors, block.squares)
                text = block.text
                vocab_hash.update(text)
                vocab.write(text)
                texts.append(text)
            # built from the bytes just written, while the writer thread finishes the vectors
            index = vocab_index.build_index(b"".join(texts))
        except BaseException:
            writer.abort()  # the folder is dropped: no header, no hash
            raise
        del texts
        writer.close()
    with open(tmp / VOCAB_INDEX, "wb") as f:
        np.save(f, index, allow_pickle=False)
    assert writer.norms is not None and writer.file_digest is not None
    with open(tmp / NORMS, "wb") as f:
        np.save(f, writer.norms)
    known = {VECTORS: writer.file_digest, VOCAB: f"{hashes.FAST}:{vocab_hash.hexdigest()}"}
    return writer.rows, known


def read_meta(path: Path) -> dict:
    """The ``meta.json`` of an entry, checked for the types every reader relies on."""
    path = Path(path)
    try:
        with open(path / META, encoding="utf-8") as f:
            meta = json.load(f)
    except (OSError, ValueError) as exc:
        raise CacheError(f"cache entry {path} has no readable {META} ({exc}); {_fix(path)}") from exc
    if not isinstance(meta, dict):
        raise CacheError(f"cache entry {path}: {META} holds a {type(meta).__name__}, not an object; {_fix(path)}")
    if meta.get("format_version") != FORMAT_VERSION:
        raise CacheError(
            f"cache entry {path} has format version {meta.get('format_version')!r}, this version of "
            f"pretrained reads {FORMAT_VERSION}; convert it again: {_fix(path)}"
        )
    for key, low in (("count", 0), ("dim", 1)):
        value = meta.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            raise CacheError(f"cache entry {path}: {META} has {key}={value!r}, not an integer >= {low}; {_fix(path)}")
    files = meta.get("files", {})
    if not isinstance(files, dict) or not all(isinstance(v, dict) for v in files.values()):
        raise CacheError(f"cache entry {path}: {META} has a malformed 'files' table; {_fix(path)}")
    if "meta_sha256" in meta and not hashes.same(meta["meta_sha256"], _meta_digest(meta)):
        raise CacheError(
            f"cache entry {path}: {META} was changed after it was written (its meta_sha256 does not match); {_fix(path)}"
        )
    return meta


def _check_sizes(path: Path, meta: dict) -> None:
    for name, info in meta.get("files", {}).items():
        want = info.get("size")
        try:
            got = (path / name).stat().st_size
        except OSError as exc:
            raise CacheError(f"cache entry {path}: {name} is missing ({exc.strerror}); {_fix(path)}") from exc
        if want is not None and got != want:
            raise CacheError(f"cache entry {path}: {name} has {got:,} bytes, {META} says {want:,}; {_fix(path)}")


def verify_entry(path: Path) -> dict:
    """Check that an entry's files agree with its ``meta.json`` without loading the words;
    returns the meta. Raises :class:`~pretrained.errors.CacheError`."""
    path = Path(path)
    meta = read_meta(path)
    try:
        vectors = np.load(path / VECTORS, mmap_mode="r", allow_pickle=False)
        norms = np.load(path / NORMS, mmap_mode="r", allow_pickle=False)
        with open(path / VOCAB, "rb") as f:
            lines = sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 22), b""))
    except (OSError, ValueError, EOFError) as exc:
        raise CacheError(f"cache entry {path} is unreadable ({exc}); {_fix(path)}") from exc
    _check_shapes(path, meta, vectors, norms, lines)
    _check_sizes(path, meta)
    return meta


def _check_shapes(path: Path, meta: dict, vectors: np.ndarray, norms: np.ndarray, words: int) -> None:
    count, dim = meta["count"], meta["dim"]
    if (
        vectors.dtype != np.float32
        or vectors.shape != (count, dim)
        or norms.dtype != np.float32
        or norms.shape != (count,)
        or words != count
    ):
        raise CacheError(
            f"cache entry {path} is inconsistent: meta says {count} x {dim}, vectors.npy is "
            f"{vectors.shape} {vectors.dtype}, norms {norms.shape} {norms.dtype}, vocab.txt has {words} words; "
            f"{_fix(path)}"
        )


def _check_norms(path: Path, vectors: np.ndarray, norms: np.ndarray) -> None:
    count = vectors.shape[0]
    if count == 0:
        return
    if count <= _SAMPLE_ALL:
        rows = np.arange(count)
    else:  # evenly spaced, sorted: drop repeats without np.unique (which imports numpy.ma, ~30 ms a process)
        rows = np.linspace(0, count - 1, _SAMPLE).astype(np.int64)
        rows = rows[np.concatenate(([True], rows[1:] != rows[:-1]))]
    with np.errstate(all="ignore"):  # damaged rows may hold inf or nan
        again = np.linalg.norm(np.asarray(vectors[rows], dtype=np.float32), axis=1).astype(np.float32)
    kept = np.asarray(norms[rows])
    bad = ~np.isclose(again, kept, rtol=1e-5, atol=1e-6, equal_nan=True)
    if bad.any():
        row = int(rows[np.argmax(bad)])
        raise CacheError(
            f"cache entry {path} is corrupt: the norm of row {row} is {float(kept[np.argmax(bad)]):.6g} in norms.npy "
            f"but {float(again[np.argmax(bad)]):.6g} from vectors.npy; {_fix(path)}"
        )


def _read_once(path: Path, mmap: bool) -> Tuple[Sequence[str], np.ndarray, np.ndarray, dict]:
    meta = read_meta(path)
    mode: Optional[Literal["r"]] = "r" if mmap else None
    try:
        vectors = np.load(path / VECTORS, mmap_mode=mode, allow_pickle=False)
        norms = np.load(path / NORMS, mmap_mode=mode, allow_pickle=False)
        raw = vocab_index.read_vocab(path / VOCAB, mapped=mmap)
    except (OSError, ValueError, EOFError) as exc:
        raise CacheError(f"cache entry {path} is unreadable ({exc}); {_fix(path)}") from exc
    _check_sizes(path, meta)
    if VOCAB_INDEX in meta.get("files", {}):
        words = _indexed_words(path, meta, raw)
    else:
        words = _plain_words(path, meta, raw)
    _check_shapes(path, meta, vectors, norms, len(words))
    _check_norms(path, vectors, norms)
    return words, vectors, norms, meta


def _recorded(meta: dict, name: str) -> Optional[str]:
    """The hash ``meta.json`` records for the file ``name`` (any algorithm, under the historical
    key ``sha256``, the only one ever written), or None."""
    return meta.get("files", {}).get(name, {}).get("sha256")


def _indexed_words(path: Path, meta: dict, raw: vocab_index.Buffer) -> VocabText:
    """The words of an entry with ``vocab.idx.npy``: the index checks both files by xxh3-128
    (``vocab.txt`` against the digest the index records, the index against its own), so a
    reload neither reads the whole vocabulary into memory nor hashes it with sha256."""
    try:
        index = vocab_index.open_index(path / VOCAB_INDEX, raw, meta["count"])
    except CacheError as exc:
        raise CacheError(f"cache entry {path}: {exc}; {_fix(path)}") from None
    return VocabText(raw, meta["count"], index)


def _plain_words(path: Path, meta: dict, raw: vocab_index.Buffer) -> VocabText:
    """The words of an entry written before vocabulary indexes: checked by the hash ``meta.json``
    records (sha256 or xxh3-128), or, without one, by decoding them."""
    raw = bytes(raw)  # read whole, as before indexes
    want = _recorded(meta, VOCAB)
    if want is not None and not hashes.matches(want, raw):
        raise CacheError(f"cache entry {path}: vocab.txt does not match the {_algorithm(want)} in {META}; {_fix(path)}")
    # the bytes that were written (hash above) hold meta's count of lines, checked when the entry was written
    ended = raw[-1:] == b"\n"
    lines = meta["count"] if want is not None and ended else VocabText.count_lines(raw)
    words = VocabText(raw if ended or not raw else raw + b"\n", lines)  # split on first use
    if want is None:  # an entry written before file hashes: at least check it decodes, as before
        try:
            words.as_list()
        except UnicodeDecodeError as exc:
            raise CacheError(f"cache entry {path} is unreadable ({exc}); {_fix(path)}") from exc
    return words


def _algorithm(recorded: str) -> str:
    try:
        return hashes.algorithm(recorded)
    except ValueError:
        return "hash"


def _folder_id(path: Path) -> Optional[Tuple[int, int]]:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_ino, st.st_ctime_ns


def read_entry(path: Path, *, mmap: bool = True) -> Tuple[Sequence[str], np.ndarray, np.ndarray, dict]:
    """Open an entry: ``(words, vectors, norms, meta)``; vectors and norms are memory-mapped
    read-only when ``mmap`` (and so is ``vocab.txt``). Checks the cheap invariants (meta types, file
    sizes and shapes, the vocabulary and its index against the xxh3-128 digests the index records,
    or, for an entry without an index, the vocabulary against the hash ``meta.json`` records, and a
    sample of norms against the vectors).

    Entries are replaced by a rename, never changed in place: a read during which the folder was
    swapped (its inode changed) is read again, so a reader never mixes two versions or fails
    because another process converted the entry again meanwhile.
    """
    path = Path(path)
    return read_consistent(path, lambda: _read_once(path, mmap))


def read_consistent(path: Path, read: Callable[[], _T]) -> _T:
    """Run ``read`` (which reads files of the entry at ``path``) until the folder was not swapped
    while it ran, and return its result: one version's files, never a mix of two. A
    :class:`CacheError` raised while the folder was being swapped is retried; others propagate.
    """
    path = Path(path)
    for attempt in range(6):
        before = _folder_id(path)
        try:
            result = read()
        except CacheError:
            swapped = before is None or _folder_id(path) != before
            if attempt == 5 or not swapped:
                raise
            time.sleep(0.02 * (attempt + 1))
            continue
        if before is not None and _folder_id(path) == before:
            return result
        time.sleep(0.02 * (attempt + 1))
    raise CacheError(
        f"cache entry {path} kept changing while it was read (another process converting it again?); try again"
    )


def check_entry(path: Path) -> dict:
    """Everything :func:`read_entry` checks, plus the size and hash (xxh3-128, or sha256 for an
    entry an earlier version wrote) of every file ``meta.json`` lists (the three every entry has, and extras such as a fastText set's ``ngrams.npy``; reads
    every byte). Returns the meta; raises :class:`~pretrained.errors.CacheError`."""
    path = Path(path)
    meta = read_meta(path)
    files = meta.get("files")
    if not files:  # an entry written before file hashes were recorded: its row hash at least
        _check_rows(path, meta, read_entry(path)[1])
        return meta
    _check_sizes(path, meta)
    for name in (VECTORS, NORMS, VOCAB, *sorted(set(files) - {VECTORS, NORMS, VOCAB})):  # ngrams.npy, counts.npy ...
        want = files.get(name, {}).get("sha256")
        if want is None:
            raise CacheError(f"cache entry {path}: {META} records no hash for {name}; {_fix(path)}")
        try:
            algo = hashes.algorithm(want)
        except ValueError as exc:
            raise CacheError(
                f"cache entry {path}: {META} records a malformed hash for {name} ({exc}); {_fix(path)}"
            ) from exc
        try:
            got = hashes.file_digest(path / name, algo)
        except OSError as exc:
            raise CacheError(f"cache entry {path}: {name} is unreadable ({exc}); {_fix(path)}") from exc
        if not hashes.same(want, got):
            raise CacheError(
                f"cache entry {path}: {name} hashes to {got}, {META} says {hashes.tag(want)}; {_fix(path)}"
            )
    read_entry(path)
    return meta


def update_meta(path: Path, changes: dict) -> dict:
    """Replace top-level keys of an entry's ``meta.json`` (atomically; its digest rewritten)."""
    path = Path(path)
    meta = read_meta(path)
    meta.update(changes)
    if "meta_sha256" in meta:
        meta["meta_sha256"] = _meta_digest(meta)
    atomic.write_text(path / META, json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
    return meta


def _check_rows(path: Path, meta: dict, vectors: np.ndarray) -> None:
    want = meta.get("vectors_sha256")
    if not want:
        return
    try:
        algo = hashes.algorithm(want)
    except ValueError as exc:
        raise CacheError(
            f"cache entry {path}: {META} records a malformed vectors_sha256 ({exc}); {_fix(path)}"
        ) from exc
    if algo == "sha256":  # written by an earlier version: the sha256 of the row bytes
        actual = hashes.rows_digest(vectors, algo)
    else:  # the hash of vectors.npy itself
        actual = hashes.file_digest(path / VECTORS, algo)
    if not hashes.same(want, actual):
        raise CacheError(
            f"cache entry {path}: vectors.npy hashes to {actual}, {META} says {hashes.tag(want)}; {_fix(path)}"
        )


def remove_entry(path: Path) -> None:
    """Delete an entry folder (renamed away first, so no reader sees it half-deleted)."""
    path = Path(path)
    if not path.exists():
        raise PretrainedError(f"no cache entry at {path}")
    atomic.remove(path)
