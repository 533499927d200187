"""The cache form of a vector set: a folder holding

``vectors.npy``  float32 (count, dim), memory-mapped on reload
``norms.npy``    float32 (count,), the L2 norm of every row (so queries need no pass over the file)
``vocab.txt``    UTF-8, one word a line, row order
``meta.json``    source file, its sha256 and size, format, dim, count, skipped counts, format version,
                 and ``vectors_sha256`` (of the float32 row bytes: the identity indexes are tied to)

An entry is written into a temporary folder beside its final place, verified, then renamed into
place, so a crash never leaves a half-written entry that a later run would load. Nothing is pickled:
arrays load with ``allow_pickle=False``.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
import uuid
from pathlib import Path
from typing import Callable, Iterable, List, Tuple

import numpy as np

from .errors import CacheError, PretrainedError
from .formats import Block

__all__ = ["FORMAT_VERSION", "write_entry", "read_entry", "verify_entry", "is_entry", "entry_lock", "NpyWriter"]

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
VECTORS, NORMS, VOCAB, META = "vectors.npy", "norms.npy", "vocab.txt", "meta.json"
_HEADER = 128  # bytes reserved for the .npy header, enough for any (count, dim)


class NpyWriter:
    """Append float32 rows to a ``.npy`` file whose row count is known only at the end."""

    def __init__(self, path: Path, dim: int):
        self.path = Path(path)
        self.dim = dim
        self.rows = 0
        self.sha256 = hashlib.sha256()  #: of the row bytes (the array's identity)
        self._f = open(self.path, "wb")
        self._f.write(b"\0" * _HEADER)

    def append(self, rows: np.ndarray) -> None:
        rows = np.ascontiguousarray(rows, dtype="<f4")
        if rows.ndim != 2 or rows.shape[1] != self.dim:
            raise ValueError(f"expected rows of {self.dim} values, got shape {rows.shape}")
        data = memoryview(rows).cast("B")
        self.sha256.update(data)
        self._f.write(data)
        self.rows += rows.shape[0]

    def close(self) -> None:
        header = {"descr": "<f4", "fortran_order": False, "shape": (self.rows, self.dim)}
        text = repr(header).encode("latin1")
        body = b"\x93NUMPY\x01\x00"
        pad = _HEADER - len(body) - 2 - len(text) - 1
        if pad < 0:
            raise ValueError("shape too large for the reserved header")
        text = text + b" " * pad + b"\n"
        self._f.seek(0)
        self._f.write(body + len(text).to_bytes(2, "little") + text)
        self._f.flush()
        os.fsync(self._f.fileno())
        self._f.close()


def entry_lock(entry: Path, timeout: float = -1):
    """A file lock guarding the conversion of one entry (``filelock``)."""
    from filelock import FileLock

    entry.parent.mkdir(parents=True, exist_ok=True)
    return FileLock(str(entry) + ".lock", timeout=timeout)


def is_entry(path: Path) -> bool:
    """Whether a complete entry sits at ``path`` (complete ones are the only ones ever renamed in)."""
    return (Path(path) / META).is_file()


def write_entry(dest: Path, blocks: Iterable[Block], dim: int, meta: "dict | Callable[[], dict]", extra: "Callable[[Path], None] | None" = None) -> Path:
    """Write an entry from a stream of blocks into ``dest`` atomically.

    Blocks are written as they come, so memory stays at one block whatever the file size.
    ``meta`` is a dict, or a callable returning one that is called once the blocks are consumed
    (when the reader's counts are known); it is completed with count, dim and the format version.
    ``extra(folder)``, when given, adds files of its own (a fastText set's ``ngrams.npy``) to the
    temporary folder before ``meta.json`` is written, so they appear with the entry.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.parent / f".{dest.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        writer = NpyWriter(tmp / VECTORS, dim)
        norms: List[np.ndarray] = []
        with open(tmp / VOCAB, "w", encoding="utf-8", newline="\n") as vocab:
            try:
                for block in blocks:
                    writer.append(block.vectors)
                    norms.append(np.linalg.norm(block.vectors, axis=1).astype(np.float32))
                    vocab.write("\n".join(block.words))
                    vocab.write("\n")
            finally:
                writer.close()
        count = writer.rows
        np.save(tmp / NORMS, np.concatenate(norms) if norms else np.zeros(0, np.float32))
        if extra is not None:
            extra(tmp)
        meta = dict(meta() if callable(meta) else meta)
        meta.update(count=count, dim=dim, vectors_sha256=writer.sha256.hexdigest(), format_version=FORMAT_VERSION, created=time.strftime("%Y-%m-%dT%H:%M:%S%z"))
        with open(tmp / META, "w", encoding="utf-8") as f:
            json.dump(meta, f, indent=2, ensure_ascii=False)
            f.write("\n")
        verify_entry(tmp)  # before it becomes visible
        try:
            os.rename(tmp, dest)
        except OSError:
            if is_entry(dest):  # another process finished first: theirs is as good as ours
                shutil.rmtree(tmp, ignore_errors=True)
            else:
                raise
        return dest
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def read_meta(path: Path) -> dict:
    path = Path(path)
    try:
        with open(path / META, encoding="utf-8") as f:
            meta = json.load(f)
    except (OSError, ValueError) as exc:
        raise CacheError(f"cache entry {path} has no readable {META} ({exc}); remove the folder and load again") from exc
    if meta.get("format_version") != FORMAT_VERSION:
        raise CacheError(
            f"cache entry {path} has format version {meta.get('format_version')}, this version of "
            f"pretrained reads {FORMAT_VERSION}; remove the folder and load again"
        )
    return meta


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
    except (OSError, ValueError) as exc:
        raise CacheError(f"cache entry {path} is unreadable ({exc}); remove the folder and load again") from exc
    _check_shapes(path, meta, vectors, norms, lines)
    return meta


def _check_shapes(path: Path, meta: dict, vectors: np.ndarray, norms: np.ndarray, words: int) -> None:
    count, dim = meta["count"], meta["dim"]
    if vectors.dtype != np.float32 or vectors.shape != (count, dim) or norms.shape != (count,) or words != count:
        raise CacheError(
            f"cache entry {path} is inconsistent: meta says {count} x {dim}, vectors.npy is "
            f"{vectors.shape} {vectors.dtype}, norms {norms.shape}, vocab.txt has {words} words; "
            "remove the folder and load again"
        )


def read_entry(path: Path, *, mmap: bool = True) -> Tuple[List[str], np.ndarray, np.ndarray, dict]:
    """Open an entry: ``(words, vectors, norms, meta)``; vectors and norms are memory-mapped
    read-only when ``mmap``. Checks that the three files agree with ``meta.json``."""
    path = Path(path)
    meta = read_meta(path)
    mode = "r" if mmap else None
    try:
        vectors = np.load(path / VECTORS, mmap_mode=mode, allow_pickle=False)
        norms = np.load(path / NORMS, mmap_mode=mode, allow_pickle=False)
        with open(path / VOCAB, encoding="utf-8", newline="\n") as f:
            text = f.read()
    except (OSError, ValueError) as exc:
        raise CacheError(f"cache entry {path} is unreadable ({exc}); remove the folder and load again") from exc
    words = text.split("\n")
    if words and words[-1] == "":
        words.pop()
    _check_shapes(path, meta, vectors, norms, len(words))
    return words, vectors, norms, meta


def remove_entry(path: Path) -> None:
    """Delete an entry folder (renamed away first, so no reader sees it half-deleted)."""
    path = Path(path)
    if not path.exists():
        raise PretrainedError(f"no cache entry at {path}")
    trash = path.parent / f".{path.name}.trash-{uuid.uuid4().hex[:8]}"
    os.rename(path, trash)
    shutil.rmtree(trash, ignore_errors=True)
