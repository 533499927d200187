"""A cache entry's vocabulary kept as the bytes of ``vocab.txt`` until a list is needed, and the
memory-mapped index (``vocab.idx.npy``) that answers lookups without building anything.

The index is written once, with the entry (:func:`write_index`), and opened on every reload
(:func:`open_index`): a hash table in one ``.npy`` file of unsigned integers (``<u4``, or ``<u8``
when ``vocab.txt`` reaches 4 GiB), in four parts::

    header   16 values: magic, version, word count, bucket count, size of vocab.txt, 0, 0, 0,
             then 32 bytes: the xxh3-128 of vocab.txt and the xxh3-128 of the index itself
             (of every byte after the .npy header but those 16)
    start    bucket count + 1 values: bucket b holds the entries start[b] .. start[b+1] - 1
    rows     word count values: the row of each entry, entries sorted by bucket, then row
    offsets  word count values: where each entry's line starts in vocab.txt

A word's bucket is the stable xxh3-64 of its UTF-8 bytes modulo the bucket count (never Python's
salted ``hash()``); a probe compares the bytes of ``vocab.txt`` at each entry's offset with the
word and its line break, so a hit is always confirmed by the word itself. With as many buckets as
words, a bucket holds 1.6 entries on average when it is not empty. The table is built with NumPy
(one sort by bucket; the first of two equal words wins, as every reader keeps the first).

On open, both digests are checked (about a millisecond for 400,000 words, read from the page
cache): a flipped byte in either file is a :class:`~pretrained.errors.CacheError`, never a wrong
row.
"""

from __future__ import annotations

import mmap
import os
from collections.abc import Sequence
from tokenize import TokenError
from typing import Iterator, List, Optional, Union

import numpy as np

from pretrained.errors import CacheError

__all__ = ["VocabText", "VocabIndex", "build_index", "write_index", "open_index", "count_lines"]

Buffer = Union[bytes, mmap.mmap]

MAGIC = 0x58444956  # b"VIDX" read as a little-endian uint32
VERSION = 1
_HEADER = 16  # values before the start table
_DIGESTS = 8  # the header's values from here hold the two digests (32 bytes)
_SUM = 16  # bytes of one xxh3-128 digest


def count_lines(raw: bytes) -> int:
    """The number of words ``raw`` holds (a last line without its ``\\n`` counts too)."""
    return raw.count(b"\n") + (1 if len(raw) and raw[-1:] != b"\n" else 0)


def _words_of(raw: Buffer) -> List[bytes]:
    words = bytes(raw).split(b"\n")
    if words and words[-1] == b"":
        words.pop()
    return words


def _line_bytes(word: str) -> Optional[bytes]:
    """The UTF-8 bytes ``word`` has as a line of ``vocab.txt``, or ``None`` when no line can hold
    it (a lone surrogate, which UTF-8 cannot encode, or a line break)."""
    try:
        key = word.encode("utf-8")
    except UnicodeEncodeError:
        return None
    return None if b"\n" in key else key


def build_index(raw: Buffer) -> np.ndarray:
    """The index of the vocabulary bytes ``raw`` (one word a line, each ended by ``\\n``), as the
    1-D array :func:`write_index` saves (see the module docstring for its layout)."""
    import xxhash

    raw = bytes(raw)
    words = _words_of(raw)
    count = len(words)
    dtype = np.dtype("<u8" if len(raw) >= 2**32 or count >= 2**32 - 1 else "<u4")
    buckets = max(1, count)
    bucket = np.fromiter(map(xxhash.xxh3_64_intdigest, words), dtype=np.uint64, count=count)
    bucket %= np.uint64(buckets)
    if count < 2**32:  # one sort of (bucket, row) pairs packed in 64 bits: by bucket, then row
        order = np.sort((bucket << np.uint64(32)) | np.arange(count, dtype=np.uint64)) & np.uint64(0xFFFFFFFF)
    else:
        order = np.argsort(bucket, kind="stable").astype(np.uint64)
    breaks = np.flatnonzero(np.frombuffer(raw, np.uint8) == 10)  # the \n ending each line
    line_starts = np.zeros(count, dtype=np.uint64)
    line_starts[1:] = breaks[: count - 1] + 1
    out = np.zeros(_HEADER + buckets + 1 + 2 * count, dtype=dtype)
    out[:5] = (MAGIC, VERSION, count, buckets, len(raw))
    np.cumsum(np.bincount(bucket.astype(np.intp), minlength=buckets), out=out[_HEADER + 1 : _HEADER + buckets + 1])
    rows = _HEADER + buckets + 1
    out[rows : rows + count] = order
    out[rows + count :] = line_starts[order.astype(np.intp)]
    sums = out[_DIGESTS:_HEADER].view(np.uint8)
    sums[:_SUM] = np.frombuffer(xxhash.xxh3_128_digest(raw), np.uint8)
    sums[_SUM : 2 * _SUM] = np.frombuffer(_body_digest(out.view(np.uint8).data, dtype.itemsize), np.uint8)
    return out


def _body_digest(data: memoryview, width: int) -> bytes:
    """xxh3-128 of the index's bytes (after the ``.npy`` header), all but its own 16-byte digest."""
    import xxhash

    h = xxhash.xxh3_128()
    h.update(data[: _DIGESTS * width + _SUM])
    h.update(data[_DIGESTS * width + 2 * _SUM :])
    return h.digest()


def write_index(vocab_path: Union[str, os.PathLike[str]], index_path: Union[str, os.PathLike[str]]) -> None:
    """Write the index of the vocabulary file ``vocab_path`` to ``index_path`` (an ``.npy``)."""
    with open(vocab_path, "rb") as f:
        raw = f.read()
    with open(index_path, "wb") as f:
        np.save(f, build_index(raw), allow_pickle=False)


def _map(path: Union[str, os.PathLike[str]]) -> Buffer:
    """The bytes of a file, memory-mapped read-only (an empty file: ``b""``, which cannot be mapped)."""
    with open(path, "rb") as f:
        if os.fstat(f.fileno()).st_size == 0:
            return b""
        return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)


def read_vocab(path: Union[str, os.PathLike[str]], mapped: bool = True) -> Buffer:
    """The bytes of ``vocab.txt``: memory-mapped when ``mapped``, else read."""
    if mapped:
        return _map(path)
    with open(path, "rb") as f:
        return f.read()


class VocabIndex:
    """Lookups in an opened ``vocab.idx.npy`` (see :func:`open_index`): ``find(word)`` -> row."""

    def __init__(self, vocab: Buffer, start: memoryview, rows: memoryview, offsets: memoryview):
        import xxhash

        self._vocab, self._start, self._rows, self._offsets = vocab, start, rows, offsets
        self._buckets = len(start) - 1
        self._hash = xxhash.xxh3_64_intdigest

    def find(self, word: str) -> Optional[int]:
        """Row of ``word``, or None."""
        key = _line_bytes(word)
        if key is None:
            return None
        b = self._hash(key) % self._buckets
        j, end = self._start[b], self._start[b + 1]
        if j == end:
            return None
        key += b"\n"
        n, vocab, offsets = len(key), self._vocab, self._offsets
        while j < end:
            o = offsets[j]
            if vocab[o : o + n] == key:
                return int(self._rows[j])
            j += 1
        return None

    def __getstate__(self) -> dict:  # a memory map does not pickle: its bytes do
        return {
            "vocab": bytes(self._vocab),
            "format": self._start.format,
            "tables": [v.tobytes() for v in (self._start, self._rows, self._offsets)],
        }

    def __setstate__(self, state: dict) -> None:
        start, rows, offsets = (memoryview(t).cast(state["format"]) for t in state["tables"])
        self.__init__(state["vocab"], start, rows, offsets)  # type: ignore[misc]


def open_index(index_path: Union[str, os.PathLike[str]], vocab: Buffer, count: int) -> VocabIndex:
    """Open the index at ``index_path`` over the vocabulary bytes ``vocab`` (``count`` words),
    checking its header and both digests. Raises :class:`~pretrained.errors.CacheError` with
    the reason (the caller adds the entry and the fix)."""
    import xxhash

    name = os.path.basename(index_path)
    try:
        with open(index_path, "rb") as f:
            version = np.lib.format.read_magic(f)
            if version != (1, 0):
                raise ValueError(f"unexpected .npy version {version}")
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
            offset = f.tell()
        data = _map(index_path)
    except (OSError, ValueError, EOFError, SyntaxError, TokenError) as exc:  # a damaged header: NumPy's parser
        raise CacheError(f"{name} is unreadable ({exc})") from exc
    if dtype not in (np.dtype("<u4"), np.dtype("<u8")) or fortran or len(shape) != 1:
        raise CacheError(f"{name} holds a {shape} {dtype} array, not a vocabulary index")
    width = dtype.itemsize
    if len(data) != offset + shape[0] * width or shape[0] < _HEADER:
        raise CacheError(f"{name} has {len(data):,} bytes, its header says {offset + shape[0] * width:,}")
    body = memoryview(data)[offset:]
    values = body.cast("I" if width == 4 else "Q")
    if _body_digest(body, width) != bytes(body[_DIGESTS * width + _SUM : _DIGESTS * width + 2 * _SUM]):
        raise CacheError(f"{name} is corrupt (its content does not match the xxh3-128 it records)")
    magic, version_, words, buckets, size = values[:5]
    if magic != MAGIC or version_ != VERSION:
        raise CacheError(f"{name} is not a vocabulary index of version {VERSION}")
    if words != count or size != len(vocab) or buckets < 1 or shape[0] != _HEADER + buckets + 1 + 2 * words:
        raise CacheError(
            f"{name} indexes {words:,} words in {size:,} bytes, but the entry has {count:,} words in {len(vocab):,}"
        )
    if xxhash.xxh3_128_digest(vocab) != bytes(body[_DIGESTS * width : _DIGESTS * width + _SUM]):
        raise CacheError(f"vocab.txt does not match the xxh3-128 its index {name} records")
    s = _HEADER + buckets + 1
    return VocabIndex(vocab, values[_HEADER:s], values[s : s + words], values[s + words : s + 2 * words])


class VocabText(Sequence):
    """The words of ``vocab.txt`` (UTF-8, one a line, each line ended by ``\\n``), in row order.

    ``raw`` is the file's bytes (or a memory map of them); with an ``index`` (a
    :class:`VocabIndex` over the same bytes) lookups probe it, else they search the bytes
    (``b"\\nword\\n"``, then count the line breaks before it: a millisecond for 400,000 words).
    The list of words is built once, on first use of an index or iteration."""

    def __init__(self, raw: Buffer, count: int, index: Optional[VocabIndex] = None):
        self._raw = raw
        self._buf: Optional[bytes] = None  # b"\n" + raw, for the byte search (built on first use)
        self._count = count
        self._index = index
        self._list: Optional[List[str]] = None

    count_lines = staticmethod(count_lines)

    def __getstate__(self) -> dict:  # a memory map does not pickle: its bytes do
        return {**self.__dict__, "_raw": bytes(self._raw), "_buf": None}

    @property
    def indexed(self) -> bool:
        """Whether lookups probe a memory-mapped index (a constant time per word)."""
        return self._index is not None

    def as_list(self) -> List[str]:
        """The words as a list (built once and shared; do not modify)."""
        if self._list is None:
            words = bytes(self._raw).decode("utf-8").split("\n")
            if words and words[-1] == "":
                words.pop()
            self._list = words
        return self._list

    def find(self, word: str) -> Optional[int]:
        """Row of ``word``, or None, without building the list."""
        if self._index is not None:
            return self._index.find(word)
        if self._list is not None:
            try:
                return self._list.index(word)
            except ValueError:
                return None
        needle = _line_bytes(word)
        if needle is None:
            return None
        if self._buf is None:
            self._buf = b"\n" + bytes(self._raw)  # every word is then found as b"\n" + word + b"\n"
        pos = self._buf.find(b"\n" + needle + b"\n")
        if pos < 0:
            return None
        return self._buf.count(b"\n", 0, pos)

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, i):
        return self.as_list()[i]

    def __iter__(self) -> Iterator[str]:
        return iter(self.as_list())

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self.find(word) is not None

    def index(self, word, start=0, stop=None) -> int:
        if isinstance(word, str) and start == 0 and stop is None:
            row = self.find(word)
            if row is None:
                raise ValueError(f"{word!r} is not in the vocabulary")
            return row
        return self.as_list().index(word, start, *(() if stop is None else (stop,)))
