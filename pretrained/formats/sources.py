"""Open a vector file as one stream of bytes: plain, ``.gz``, ``.bz2``, ``.xz`` or a member of a ``.zip``.

Nothing is extracted to disk. The source file's identity, its xxh3-128 (``"xxh3-128:<hex>"``, the
cache's own fast hash, see :mod:`pretrained.cache.hashes`), is computed on a background thread while
the stream is parsed (hashing releases the GIL), from the very bytes the parser reads, so a
conversion learns it at little extra cost. sha256 is kept for what is compared with a published
hash (downloads, :mod:`pretrained.remote.downloader`).
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import lzma
import os
import queue
import threading
import zipfile
import zlib
from pathlib import Path
from typing import Any, Iterator, Optional

from pretrained.cache import hashes
from pretrained.errors import FormatError, TruncatedFileError

__all__ = [
    "open_source",
    "zip_members",
    "describe",
    "SourceStream",
    "ProgressStream",
    "CheckedStream",
    "HashFeed",
]

_CHUNK = 1 << 20


def zip_members(path: os.PathLike[str] | str) -> list:
    """The file names inside a zip archive."""
    with zipfile.ZipFile(path) as zf:
        return [i.filename for i in zf.infolist() if not i.is_dir()]


def _pick_member(zf: zipfile.ZipFile, path: str, member: Optional[str]) -> str:
    names = [i.filename for i in zf.infolist() if not i.is_dir()]
    if member is None:
        if len(names) == 1:
            return names[0]
        raise FormatError(
            f"the zip holds {len(names)} files ({', '.join(names[:8])}); name one with member=...",
            path,
        )
    if member in names:
        return member
    by_base = [n for n in names if n.rsplit("/", 1)[-1] == member]
    if len(by_base) == 1:
        return by_base[0]
    raise FormatError(f"no member {member!r} in the zip; it holds {', '.join(names[:8])}", path)


# Any binary file-like object: open files, GzipFile/BZ2File/LZMAFile, zip members and the wrappers
# below. typeshed gives them no common type that has readinto(), so streams stay duck-typed here.
ByteStream = Any


class _HashThread(threading.Thread):
    def __init__(self, path: str):
        super().__init__(daemon=True, name="pretrained-hash")
        self.path = path
        self.result: Optional[str] = None
        self.error: Optional[BaseException] = None

    def run(self) -> None:
        try:
            self.result = hashes.file_digest(self.path)
        except OSError as exc:  # reported by SourceStream.digest
            self.error = exc


class HashFeed(threading.Thread):
    """A hash (``algo``: xxh3-128 by default, or sha256) fed block by block, in order, on its own
    thread (hashing releases the GIL), so hashing runs beside the caller's work; at most ``depth``
    blocks wait (bounded memory)."""

    def __init__(self, start: bytes = b"", depth: int = 3, algo: str = hashes.FAST):
        super().__init__(daemon=True, name="pretrained-hash-feed")
        self.algo = algo
        self.hash = hashes.new(algo)
        if start:
            self.hash.update(start)
        self._queue: queue.Queue = queue.Queue(depth)
        self._digest: Optional[str] = None
        self.start()

    def run(self) -> None:
        update, get = self.hash.update, self._queue.get
        while True:
            data = get()
            if data is None:
                return
            update(data)

    def feed(self, data) -> None:
        """Hash ``data`` next (bytes, or a buffer its owner leaves unchanged)."""
        self._queue.put(data)

    def hexdigest(self) -> str:
        """The hex digest of everything fed (ends the thread; later calls return the same)."""
        if self._digest is None:
            self._queue.put(None)
            self.join()
            self._digest = self.hash.hexdigest()
        return self._digest

    def digest(self) -> str:
        """:meth:`hexdigest` spelled with its algorithm: ``"xxh3-128:<hex>"``."""
        return f"{self.algo}:{self.hexdigest()}"


class _HashedFile:
    """A plain file read through this wrapper is hashed from the very bytes the reader reads
    (no second read of the file); :meth:`hexdigest` reads and hashes what the reader left."""

    def __init__(self, raw: ByteStream):
        self._raw = raw
        self._feed = HashFeed()

    def read(self, n: int = -1) -> bytes:
        data = self._raw.read(n)
        if data:
            self._feed.feed(data)
        return data

    def readinto(self, buf) -> int:
        n = self._raw.readinto(buf)
        if n:
            self._feed.feed(bytes(memoryview(buf)[:n]))
        return n

    def digest(self) -> str:
        """The spelled hash of the whole file (reads and hashes what the reader left)."""
        for data in iter(lambda: self._raw.read(_CHUNK * 4), b""):
            self._feed.feed(data)
        return self._feed.digest()

    def stop(self) -> None:
        """End the hashing thread (when the read stopped early, say on an error)."""
        self._feed.hexdigest()

    def close(self) -> None:
        self._raw.close()


class SourceStream:
    """What :func:`open_source` yields: the decompressed stream and the source's hash."""

    def __init__(
        self,
        stream: ByteStream,
        path: str,
        member: Optional[str],
        thread: Optional[_HashThread | _HashedFile],
        size: Optional[int] = None,
    ):
        self.stream = stream
        self.path = path
        self.member = member
        self.size = size  #: bytes the stream will yield, when known (plain files, zip members)
        self._thread = thread

    def digest(self) -> Optional[str]:
        """The source file's identity (the archive itself for a zip member) as
        ``"xxh3-128:<hex>"``, or None when hashing was not asked for."""
        if self._thread is None:
            return None
        if isinstance(self._thread, _HashedFile):
            try:
                return self._thread.digest()
            except (OSError, ValueError):  # read after the stream was closed: hash the file again
                return hashes.file_digest(self.path)
        self._thread.join()
        if self._thread.error is not None:
            raise FormatError(f"cannot hash the file: {self._thread.error}", self._thread.path)
        return self._thread.result

    def sha256(self) -> Optional[str]:
        """The former name of :meth:`digest`, kept for formats registered by others: the value
        names its algorithm (``"xxh3-128:<hex>"``), so store it as it is and compare it with
        :func:`pretrained.cache.hashes.same` or :func:`~pretrained.cache.hashes.file_matches`."""
        return self.digest()


@contextlib.contextmanager
def open_source(
    path: os.PathLike[str] | str, member: Optional[str] = None, *, hash: bool = True
) -> Iterator[SourceStream]:
    """Open ``path`` for streaming reads, decompressing by its suffix.

    Parameters
    ----------
    path
        A plain, ``.gz``, ``.bz2``, ``.xz`` or ``.zip`` file.
    member
        For a zip: the member to read (a full name or a base name); optional when the zip
        holds one file.
    hash
        Compute the source file's hash while reading (see :meth:`SourceStream.digest`).
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FormatError("no such file", path)
    if os.path.getsize(path) == 0:
        raise FormatError("the file is empty", path)
    with open(path, "rb") as head:
        magic = head.read(4)
    lower = path.lower()
    stream: ByteStream
    thread: Optional[_HashThread | _HashedFile]
    if lower.endswith(".zip") or magic[:4] == b"PK\x03\x04":
        thread = _HashThread(path) if hash else None
        if thread is not None:
            thread.start()
        try:
            zf = zipfile.ZipFile(path)
        except zipfile.BadZipFile as exc:
            raise FormatError(f"not a readable zip archive ({exc})", path) from exc
        with zf:
            name = _pick_member(zf, path, member)
            where = f"{path}!{name}"
            try:
                opened = zf.open(name)
            except (zipfile.BadZipFile, NotImplementedError, zlib.error, OSError) as exc:
                raise FormatError(f"cannot open the zip member: {exc}", where) from exc
            with opened as stream:
                yield SourceStream(
                    CheckedStream(stream, where, "zip member"), where, name, thread, zf.getinfo(name).file_size
                )
        return
    thread = _HashThread(path) if hash else None  # compressed files: hashed by a second reader
    with open(path, "rb") as raw:
        if lower.endswith(".gz") or magic[:2] == b"\x1f\x8b":
            stream = CheckedStream(_gunzip(raw), path, "gzip")
        elif lower.endswith(".bz2") or magic[:3] == b"BZh":
            stream = CheckedStream(bz2.BZ2File(raw, mode="rb"), path, "bzip2")
        elif lower.endswith(".xz") or magic[:4] == b"\xfd7zX":
            stream = CheckedStream(lzma.LZMAFile(raw, mode="rb"), path, "xz")  # noqa: SIM115 -- closed with the stream by the caller
        else:  # a plain file is hashed from the bytes the reader reads
            stream = raw
            if hash:
                stream = thread = _HashedFile(raw)
        if isinstance(thread, _HashThread):
            thread.start()
        try:
            yield SourceStream(
                stream, path, None, thread, os.path.getsize(path) if stream is raw or stream is thread else None
            )
        finally:
            if isinstance(thread, _HashedFile):
                thread.stop()


def _gunzip(raw: ByteStream) -> ByteStream:
    """A gzip reader over ``raw``: python-isal's ``igzip`` when installed (about twice as fast
    to decompress as :mod:`gzip`, with the same checks: CRC, length, cut-short streams), else
    :mod:`gzip`."""
    from pretrained import optional

    igzip = optional.speedup("isal.igzip")
    return (igzip or gzip).GzipFile(fileobj=raw, mode="rb")


def _stream_errors() -> tuple:
    """The exceptions a decompressing read raises on bad data (isal's own error when present)."""
    errors: tuple = (EOFError, OSError, lzma.LZMAError, zlib.error, zipfile.BadZipFile)
    from pretrained import optional

    isal_zlib = optional.speedup("isal.isal_zlib")
    return errors if isal_zlib is None else (*errors, isal_zlib.error)


class CheckedStream:
    """A decompressing stream whose read errors name the file: a cut-short stream raises
    :class:`~pretrained.errors.TruncatedFileError` (also an ``EOFError``), corrupt data a
    :class:`~pretrained.errors.FormatError`, instead of a bare ``BadGzipFile``, ``EOFError``,
    ``LZMAError``, ``zlib.error`` or ``BadZipFile``."""

    def __init__(self, stream: ByteStream, path: str, kind: str):
        self._stream = stream
        self.path = path
        self.kind = kind
        self._errors = _stream_errors()

    def _fail(self, exc: BaseException) -> FormatError:
        if isinstance(exc, EOFError):
            return TruncatedFileError(
                f"the {self.kind} data ends early ({exc}): the file is truncated; download it again",
                self.path,
            )
        return FormatError(f"corrupt {self.kind} data ({exc}); download the file again", self.path)

    def read(self, n: int = -1) -> bytes:
        try:
            return self._stream.read(n)
        except self._errors as exc:
            raise self._fail(exc) from exc

    def readinto(self, buf) -> int:
        try:
            return self._stream.readinto(buf)
        except self._errors as exc:
            raise self._fail(exc) from exc

    def close(self) -> None:
        self._stream.close()


class ProgressStream:
    """A read-only stream wrapper that advances a progress bar (:func:`pretrained.progress.bar`)
    by the bytes read."""

    def __init__(self, stream: ByteStream, total: Optional[int], desc: str, enabled: Optional[bool] = True):
        from pretrained.progress import bar

        self._stream = stream
        self.bar = bar(total, desc, bytes=True, enabled=enabled)

    def read(self, n: int = -1) -> bytes:
        data = self._stream.read(n)
        self.bar.update(len(data))
        return data

    def readinto(self, buf) -> int:
        n = self._stream.readinto(buf)
        self.bar.update(n or 0)
        return n

    def close(self) -> None:
        self.bar.close()


def describe(path: os.PathLike[str] | str) -> dict:
    """Size and modification time of a file, the identity used to key its cache entry."""
    st = Path(path).stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}
