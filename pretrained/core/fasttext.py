"""Facebook's native fastText ``.bin``: vectors for words never seen, from character n-grams.

The file (``fasttext.cc`` ``saveModel``) is read with ``struct`` and NumPy, never unpickled:

* int32 magic ``793712314`` and version, 12 int32 arguments (dim, ws, epoch, min_count, neg,
  word_ngrams, loss, model, bucket, minn, maxn, lr_update_rate) and a float64 ``t``;
* the dictionary: int32 size, nwords, nlabels; int64 ntokens, pruneidx_size; then per entry the
  word's UTF-8 bytes, a NUL, an int64 count and an int8 type; then pruneidx_size int32 pairs;
* the input matrix: a bool ``quant``, int64 rows and dim, rows x dim float32: first the ``nwords``
  word rows, then the ``bucket`` n-gram rows (the output matrix after it is not needed).

A word's vector is bit-for-bit fastText's own (``get_word_vector``, ``FastText::getWordVector``):
the sum, in fastText's order, of a known word's own row and its n-gram rows (an unknown word's
n-gram rows only), multiplied by ``float32(1 / count)`` (zeros when there is nothing to add). The
end-of-sentence token ``</s>`` has no n-grams (fastText's ``Dictionary::initNgrams``): its vector
is its own row. gensim divides instead of multiplying and gives ``</s>`` n-grams, so its vectors
differ from fastText's by up to one ulp (``</s>``: entirely). The n-grams of ``word`` are the
byte runs of ``<word>`` of ``minn``..``maxn`` characters (a character: a byte and the
``10xxxxxx`` bytes after it, as fastText counts UTF-8; not the lone ``<`` or ``>``), hashed with
32-bit FNV-1a over signed bytes, modulo ``bucket``: gensim's ``ft_ngram_hashes``, reimplemented
here (per word, and vectorised over many words for the conversion) so nothing needs gensim.

fastText keeps words as bytes. A file whose words are not UTF-8 (Latin-1, cp852) is refused,
naming the words, unless ``encoding=`` names its encoding: the words are then decoded with it, the
n-grams of known words hashed from the file's own bytes, and an unknown word encoded with it before
hashing (recorded as ``meta.json``'s ``subwords.encoding``).

In the cache the composed word vectors are the usual ``vectors.npy``; the bucket matrix is kept as
``ngrams.npy`` (float32, memory-mapped on reload), the word counts as ``counts.npy``, and
``meta.json`` gets ``"subwords": {"minn", "maxn", "bucket"}``.
"""

from __future__ import annotations

import logging
import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np

from pretrained.cache import atomic, layout
from pretrained.cache import entries as store
from pretrained.core.vectors import Vectors
from pretrained.errors import CacheError, FormatError
from pretrained.formats import Block
from pretrained.formats.sources import open_source

__all__ = [
    "MAGIC",
    "EOS",
    "Subwords",
    "FastTextVectors",
    "is_fasttext_bin",
    "ngrams",
    "ngram_hashes",
    "ngram_hash_table",
    "ft_hash",
    "read_subwords",
    "convert",
]

logger = logging.getLogger(__name__)

MAGIC = 793712314
NGRAMS, COUNTS = layout.NGRAMS, layout.COUNTS
_ARGS = (
    "dim",
    "ws",
    "epoch",
    "min_count",
    "neg",
    "word_ngrams",
    "loss",
    "model",
    "bucket",
    "minn",
    "maxn",
    "lr_update_rate",
)
_ROWS_PER_READ = 1 << 13
_WORDS_PER_BLOCK = 8192


# --------------------------------------------------------------------------- n-grams


EOS = "</s>"
"""fastText's end-of-sentence token: a word without n-grams."""


def _bracketed(word: Union[str, bytes], encoding: str = "utf-8") -> bytes:
    return b"<" + (word if isinstance(word, bytes) else word.encode(encoding)) + b">"


def ngrams(word: Union[str, bytes], minn: int, maxn: int, encoding: str = "utf-8") -> List[bytes]:
    """The character n-grams of ``<word>`` as byte strings, in fastText's order (``word``: text,
    encoded with ``encoding``, or the file's bytes).

    >>> ngrams("cat", 3, 4)
    [b'<ca', b'<cat', b'cat', b'cat>', b'at>']
    """
    b = _bracketed(word, encoding)
    size = len(b)
    out = []
    for i in range(size):
        if b[i] & 0xC0 == 0x80:
            continue
        j, n = i, 1
        while j < size and n <= maxn:
            j += 1
            while j < size and b[j] & 0xC0 == 0x80:
                j += 1
            if n >= minn and not (n == 1 and (i == 0 or j == size)):
                out.append(b[i:j])
            n += 1
    return out


def ft_hash(data: bytes) -> int:
    """fastText's 32-bit FNV-1a hash, each byte taken as a signed char.

    >>> ft_hash(b"<ca"), ft_hash("é".encode())
    (1066916747, 1023043777)
    """
    h = 2166136261
    for c in data:
        h = ((h ^ (c | 0xFFFFFF00 if c > 127 else c)) * 16777619) & 0xFFFFFFFF
    return h


def ngram_hashes(word: Union[str, bytes], minn: int, maxn: int, bucket: int, encoding: str = "utf-8") -> List[int]:
    """The bucket rows of ``word``'s n-grams (gensim's ``ft_ngram_hashes``)."""
    return [ft_hash(g) % bucket for g in ngrams(word, minn, maxn, encoding)] if bucket else []


def ngram_hash_table(
    words: Sequence[Union[str, bytes]], minn: int, maxn: int, bucket: int, encoding: str = "utf-8"
) -> Tuple[np.ndarray, np.ndarray]:
    """:func:`ngram_hashes` of many words at once, vectorised: ``(flat, lengths)`` where word ``i``'s
    bucket rows are the next ``lengths[i]`` entries of ``flat``, in fastText's order.

    Every character start of every ``<word>`` is a candidate; FNV-1a advances one byte per step
    for all candidates together, and an n-gram is recorded each time a candidate completes a
    character (the rules of :func:`ngrams`)."""
    if not words or not bucket or maxn < 1:
        return np.zeros(0, np.intp), np.zeros(len(words), np.intp)
    encoded = [_bracketed(w, encoding) for w in words]
    sizes = np.fromiter(map(len, encoded), dtype=np.intp, count=len(encoded))
    buf = np.frombuffer(b"".join(encoded) + b"\0", dtype=np.uint8)
    signed = buf.astype(np.uint32) | np.where(buf > 127, np.uint32(0xFFFFFF00), np.uint32(0))
    first = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    wid_of = np.repeat(np.arange(len(words)), sizes)
    starts_char = np.append((buf[:-1] & 0xC0) != 0x80, True)
    pos = np.flatnonzero(starts_char[:-1])  # candidate n-gram starts
    wid, end = wid_of[pos], (first + sizes)[wid_of[pos]]
    at_first = pos == first[wid]
    h = np.full(pos.size, 2166136261, dtype=np.uint32)
    chars = np.zeros(pos.size, np.intp)
    cur, alive = pos.copy(), np.arange(pos.size)
    out_w, out_p, out_n, out_h = [], [], [], []
    while alive.size:
        h[alive] = (h[alive] ^ signed[cur[alive]]) * np.uint32(16777619)
        cur[alive] += 1
        done = starts_char[cur[alive]] | (cur[alive] == end[alive])
        a = alive[done]
        chars[a] += 1
        n = chars[a]
        keep = (n >= minn) & ~((n == 1) & (at_first[a] | (cur[a] == end[a])))
        k = a[keep]
        out_w.append(wid[k]), out_p.append(pos[k]), out_n.append(chars[k]), out_h.append(h[k])  # type: ignore[func-returns-value]
        alive = alive[(cur[alive] < end[alive]) & ~(done & (chars[alive] >= maxn))]
    w_all, p_all, n_all = np.concatenate(out_w), np.concatenate(out_p), np.concatenate(out_n)
    order = np.lexsort((n_all, p_all, w_all))
    flat = (np.concatenate(out_h)[order] % np.uint32(bucket)).astype(np.intp)
    return flat, np.bincount(w_all, minlength=len(words)).astype(np.intp)


@dataclass(frozen=True)
class Subwords:
    """The n-gram buckets of a fastText model: ``ngrams`` is (bucket, dim) float32."""

    ngrams: np.ndarray
    minn: int
    maxn: int
    encoding: str = "utf-8"
    """How an unknown word is turned into the bytes its n-grams are taken from (the file's)."""

    @property
    def bucket(self) -> int:
        return int(self.ngrams.shape[0])

    def hashes(self, word: str) -> List[int]:
        """The bucket rows of ``word``'s n-grams (none for ``</s>``, as in fastText)."""
        if word == EOS:
            return []
        try:
            return ngram_hashes(word, self.minn, self.maxn, self.bucket, self.encoding)
        except UnicodeEncodeError:  # a character the model's encoding cannot hold: no n-gram of it was trained
            return ngram_hashes(word.encode(self.encoding, errors="replace"), self.minn, self.maxn, self.bucket)

    def vector(self, word: str) -> np.ndarray:
        """fastText's vector of an unknown word: its n-gram vectors summed in fastText's order,
        times ``float32(1 / n)`` (a new float32 array; zeros without n-grams)."""
        vec = np.zeros(self.ngrams.shape[1], np.float32)
        rows = self.hashes(word)
        if not rows:
            logger.warning("could not extract any ngrams from %r, returning origin vector", word)
            return vec
        for r in rows:
            vec += self.ngrams[r]
        return vec * np.float32(1.0 / len(rows))


def read_subwords(entry: os.PathLike[str] | str, meta: dict) -> Optional[Subwords]:
    """The :class:`Subwords` of a cache entry (``ngrams.npy`` memory-mapped), or None."""
    info = meta.get("subwords")
    if not info:
        return None
    path = Path(entry) / NGRAMS
    try:
        grid = np.load(path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise CacheError(
            f"cache entry {entry} has no readable {NGRAMS} ({exc}); {store.repair_advice(Path(entry))}"
        ) from exc
    if grid.dtype != np.float32 or grid.shape != (info["bucket"], meta["dim"]):
        raise CacheError(
            f"cache entry {entry}: {NGRAMS} is {grid.shape} {grid.dtype}, meta says ({info['bucket']}, {meta['dim']}); {store.repair_advice(Path(entry))}"
        )
    return Subwords(grid, int(info["minn"]), int(info["maxn"]), str(info.get("encoding") or "utf-8"))


def read_counts(entry: os.PathLike[str] | str, count: Optional[int] = None) -> Optional[np.ndarray]:
    """The word counts a cache entry keeps (``counts.npy``), or None; one integer a word when
    ``count`` (the number of words) is given, else :class:`~pretrained.errors.CacheError`."""
    path = Path(entry) / COUNTS
    if not path.is_file():
        return None
    try:
        counts = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as exc:
        raise CacheError(
            f"cache entry {entry}: {COUNTS} is unreadable ({exc}); {store.repair_advice(Path(entry))}"
        ) from exc
    if count is not None and (counts.ndim != 1 or len(counts) != count or counts.dtype.kind not in "iu"):
        raise CacheError(
            f"cache entry {entry}: {COUNTS} holds {counts.dtype} {counts.shape}, not one integer count for each of its "
            f"{count:,} words; {store.repair_advice(Path(entry))}"
        )
    return counts


# --------------------------------------------------------------------------- reading


def _plausible_old_header(head: bytes) -> bool:
    """Whether 60 bytes look like the header of the pre-2017 format (no magic: dim, ws, ...)."""
    if len(head) < 56:
        return False
    dim, ws, epoch, min_count, neg, _, loss, model, bucket, minn, maxn, _ = struct.unpack("<12i", head[:48])
    (t,) = struct.unpack("<d", head[48:56])
    return (
        0 < dim <= 100000
        and 0 < ws < 1000
        and 0 < epoch < 1000000
        and min_count >= 0
        and neg >= 0
        and 1 <= loss <= 4
        and 1 <= model <= 3
        and bucket >= 0
        and 0 <= minn <= maxn <= 1000
        and 0 <= t < 1
    )


def is_fasttext_bin(path: os.PathLike[str] | str, member: Optional[str] = None) -> bool:
    """Whether the (possibly compressed) file is a fastText model: its magic number, or (for the
    old format without one) a plausible header."""
    try:
        with open_source(path, member, hash=False) as src:
            head = src.stream.read(56)
    except (FormatError, OSError, EOFError):
        return False
    return len(head) >= 4 and (struct.unpack("<i", head[:4])[0] == MAGIC or _plausible_old_header(head))


class _Reader:
    """Exact reads from a stream; a short read is a :class:`FormatError` naming the file."""

    def __init__(self, stream, path: str):
        self.stream, self.path = stream, path
        self.buf, self.pos, self.offset = b"", 0, 0  # offset: bytes consumed before buf

    def _fill(self, what: str, i: Optional[int] = None) -> None:
        more = self.stream.read(1 << 16)
        if not more:
            at = f" (word {i + 1})" if i is not None else ""
            raise FormatError(
                f"truncated fastText .bin: the file ends inside {what}{at}, at byte {self.offset + len(self.buf)}",
                self.path,
            )
        self.offset += self.pos
        self.buf, self.pos = self.buf[self.pos :] + more, 0

    def read(self, n: int, what: str) -> bytes:
        if self.pos + n <= len(self.buf):
            self.pos += n
            return self.buf[self.pos - n : self.pos]
        out = self.buf[self.pos :]
        self.offset += len(self.buf)
        self.buf, self.pos = b"", 0
        rest = self.stream.read(n - len(out)) if n > len(out) else b""
        out += rest
        if len(out) < n:
            raise FormatError(
                f"truncated fastText .bin: the file ends inside {what}, at byte {self.offset + len(rest)}", self.path
            )
        self.offset += len(rest)
        return out

    def unpack(self, fmt: str, what: str) -> tuple:
        return struct.unpack("<" + fmt, self.read(struct.calcsize("<" + fmt), what))

    def word(self, i: int) -> bytes:
        while True:
            end = self.buf.find(b"\0", self.pos)
            if end >= 0:
                word = self.buf[self.pos : end]
                self.pos = end + 1
                return word
            self._fill("the word list", i)

    def rows_into(self, out: np.ndarray, what: str) -> None:
        data = self.read(out.nbytes, what)
        out[...] = np.frombuffer(data, dtype="<f4").reshape(out.shape)


@dataclass
class Header:
    """What precedes the matrix: the training arguments, the words and their counts."""

    args: dict
    words: List[str]
    raw: List[bytes]
    """The words as the file holds them (their n-grams are hashed from these bytes)."""
    counts: np.ndarray
    ntokens: int
    rows: int
    dim: int


def _decode_words(raw: List[bytes], encoding: Optional[str], path: str) -> List[str]:
    """The words as text: UTF-8, else ``encoding``; a word that does not decode is refused,
    naming the words (a replaced byte would merge distinct words and hash the wrong n-grams)."""
    codec = encoding or "utf-8"
    words: List[str] = []
    bad: List[Tuple[int, bytes]] = []
    for i, b in enumerate(raw):
        try:
            words.append(b.decode(codec))
        except UnicodeDecodeError:
            bad.append((i, b))
            words.append("")
    if bad:
        shown = ", ".join(f"word {i + 1} {b!r}" for i, b in bad[:5]) + (
            f" and {len(bad) - 5} more" if len(bad) > 5 else ""
        )
        guess = (
            ", e.g. " + ", ".join(repr(b.decode("latin-1")) for _, b in bad[:3]) + " in Latin-1"
            if encoding is None
            else ""
        )
        raise FormatError(
            f"{len(bad)} word(s) of this fastText .bin are not valid {codec}: {shown}{guess}; "
            f"pass the file's encoding, e.g. encoding='latin-1' or 'cp852' (as gensim's load_facebook_vectors takes)",
            path,
        )
    return words


def read_header(r: _Reader, unicode_errors: str = "strict", encoding: Optional[str] = None) -> Header:
    """Parse everything up to the first matrix row (see the module docstring). Words are decoded
    as UTF-8 or ``encoding`` and refused when they do not decode (``unicode_errors`` is kept for
    callers and no longer replaces bytes: a replaced word is another word)."""
    magic, version = r.unpack("2i", "the header")
    new = magic == MAGIC
    ints = r.unpack("12i", "the header") if new else (magic, version, *r.unpack("10i", "the header"))
    (t,) = r.unpack("d", "the header")
    if not new and not _plausible_old_header(struct.pack("<12id", *ints, t)):
        raise FormatError("not a fastText .bin file (no magic number, no plausible header)", r.path)
    args = dict(zip(_ARGS, ints), t=t, version=version if new else 0)
    size, nwords, nlabels = r.unpack("3i", "the dictionary header")
    ntokens, pruneidx = (
        r.unpack("2q", "the dictionary header") if new else (r.unpack("q", "the dictionary header")[0], 0)
    )
    if nlabels > 0:
        raise FormatError(f"a supervised fastText model ({nlabels} labels) holds no unsupervised word vectors", r.path)
    raw, counts = [], np.empty(size, np.int64)
    for i in range(size):
        raw.append(r.word(i))
        counts[i] = r.unpack("qb", "the word list")[0]
    words = _decode_words(raw, encoding, r.path)
    r.read(8 * max(pruneidx, 0), "the pruned-index table")
    (quant,) = r.unpack("?", "the matrix header") if new else (False,)
    if quant:
        raise FormatError("a quantized fastText model (.ftz) is not supported; use the full .bin", r.path)
    rows, dim = r.unpack("2q", "the matrix header")
    if dim != args["dim"] or rows != nwords + args["bucket"]:
        raise FormatError(
            f"matrix of {rows} x {dim}, expected {nwords} words + {args['bucket']} buckets x {args['dim']}", r.path
        )
    return Header(args, words, raw, counts, ntokens, rows, dim)


def _skip_output(r: _Reader, new: bool) -> None:
    """Read through the output matrix (not needed) so a truncated download is caught."""
    if new:
        r.unpack("?", "the output matrix header")
    rows, dim = r.unpack("2q", "the output matrix header")
    left = rows * dim * 4
    while left > 0:
        step = min(left, 1 << 24)
        r.read(step, "the output matrix")
        left -= step
    if r.pos < len(r.buf) or r.stream.read(1):
        raise FormatError("unexpected bytes after the output matrix; is this a fastText .bin?", r.path)


def _copy_rows(r: _Reader, dest: np.ndarray, what: str) -> None:
    for s in range(0, dest.shape[0], _ROWS_PER_READ):
        r.rows_into(dest[s : s + _ROWS_PER_READ], what)


def _composed(
    words: List[str], raw: List[bytes], keep: np.ndarray, word_rows: np.ndarray, grid: np.ndarray, minn: int, maxn: int
) -> Iterator[Block]:
    """Blocks of the kept words' vectors as ``FastText::getWordVector`` computes them: own row,
    then the n-gram rows (hashed from the file's bytes ``raw``) added in that order, times
    ``float32(1 / (1 + n))``; ``</s>`` is its own row."""
    bucket = grid.shape[0]
    grid = grid.view(np.ndarray)  # plain indexing on the memory map (no np.memmap wrapper per call)
    for s in range(0, len(words), _WORDS_PER_BLOCK):
        block = words[s : s + _WORDS_PER_BLOCK]
        own = np.asarray(word_rows[keep[s : s + len(block)]], dtype=np.float32)
        flat, lengths = ngram_hash_table(raw[s : s + len(block)], minn, maxn, bucket)
        eos = np.fromiter((w == EOS for w in block), dtype=bool, count=len(block))
        if eos.any():  # fastText gives the end-of-sentence token no n-grams
            flat, lengths = flat[np.repeat(~eos, lengths)], np.where(eos, 0, lengths)
        offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        for k in range(int(lengths.max(initial=0))):  # the k-th n-gram of every word at once
            has = np.flatnonzero(lengths > k)
            own[has] += grid[flat[offsets[has] + k]]
        # fastText: vec.mul(1.0 / n), the double 1/n rounded to a float32 factor
        yield Block(block, own * (1.0 / (lengths + 1)).astype(np.float32)[:, None])


def _kept(words: List[str], limit: Optional[int], vocabulary: Optional[Iterable[str]]) -> np.ndarray:
    """Rows to keep: the first ``limit``, only ``vocabulary``'s words, a repeated word (two byte
    strings decoded alike) only once, as the other readers do."""
    end = len(words) if limit is None else min(limit, len(words))
    wanted = None if vocabulary is None else set(vocabulary)
    seen: set = set()
    keep = []
    for i in range(end):
        w = words[i]
        if w not in seen and (wanted is None or w in wanted):
            keep.append(i)
        seen.add(w)
    if end - len(keep) and wanted is None:
        logger.warning("%d repeated words (after decoding) kept only their first vector", end - len(keep))
    return np.array(keep, dtype=np.intp)


def _stage(
    path,
    member: Optional[str],
    where: str,
    scratch: Path,
    unicode_errors: str,
    want_hash: bool,
    encoding: Optional[str] = None,
) -> tuple[Header, Optional[str]]:
    """Read the file once: the header, then the word rows and the n-gram rows into ``.npy`` files
    in ``scratch``, then through the output matrix (a truncated file fails here)."""
    with open_source(path, member, hash=want_hash) as src:
        r = _Reader(src.stream, where)
        h = read_header(r, unicode_errors, encoding)
        word_rows = np.lib.format.open_memmap(scratch / "words.npy", "w+", np.float32, (len(h.words), h.dim))
        grid = np.lib.format.open_memmap(scratch / NGRAMS, "w+", np.float32, (h.args["bucket"], h.dim))
        _copy_rows(r, word_rows, "the word vectors")
        _copy_rows(r, grid, "the n-gram vectors")
        _skip_output(r, h.args["version"] > 0)
        word_rows.flush()
        grid.flush()
        del word_rows, grid
        return h, (src.sha256() if want_hash else None)


def convert(
    path: os.PathLike[str] | str,
    dest: os.PathLike[str] | str,
    *,
    member: Optional[str] = None,
    limit: Optional[int] = None,
    vocabulary: Optional[Iterable[str]] = None,
    unicode_errors: str = "replace",
    source: Optional[dict] = None,
    name: Optional[str] = None,
    encoding: Optional[str] = None,
) -> Path:
    """Convert a fastText ``.bin`` (plain or compressed) into the cache entry ``dest``.

    The word and n-gram rows are first copied to a scratch folder beside ``dest`` (the words come
    before the n-grams in the file, so a compressed file cannot cheaply be read twice); the entry
    is then written by :func:`pretrained.cache.entries.write_entry`, with ``ngrams.npy`` and
    ``counts.npy`` added before it becomes visible. ``source`` is recorded in ``meta.json``
    (default: the file's path, size and sha256). Truncated or malformed files raise
    :class:`~pretrained.errors.FormatError` naming the file, as do words that are not UTF-8 unless
    ``encoding`` names the file's encoding (``"latin-1"``, ``"cp852"``).
    """
    if encoding is not None:
        import codecs

        encoding = codecs.lookup(encoding).name  # LookupError for an unknown encoding
    dest, where = Path(dest), os.fspath(path) + (f"!{member}" if member else "")
    vocabulary = None if vocabulary is None else sorted(set(vocabulary))
    scratch = atomic.temp_name(dest, "scratch")
    dest.parent.mkdir(parents=True, exist_ok=True)
    scratch.mkdir()
    try:
        h, sha = _stage(path, member, where, scratch, unicode_errors, want_hash=source is None, encoding=encoding)
        if source is None:
            source = {"path": str(Path(path).resolve()), "member": member, "size": os.path.getsize(path), "sha256": sha}
        bucket = h.args["bucket"]
        keep = _kept(h.words, limit, vocabulary)
        words = [h.words[i] for i in keep.tolist()]
        raw = [h.raw[i] for i in keep.tolist()]
        minn, maxn = (h.args["minn"], h.args["maxn"]) if bucket else (0, 0)
        counts = h.counts[keep]

        def extra(folder: Path) -> None:
            atomic.replace(scratch / NGRAMS, folder / NGRAMS)
            np.save(folder / COUNTS, counts)

        def meta() -> dict:
            args = {k: h.args[k] for k in ("version", "ws", "epoch", "min_count", "neg", "loss", "model", "t")}
            return {
                "name": name or os.path.basename(where),
                "source": source,
                "format": "fasttext-bin",
                "limit": limit,
                "vocabulary_size": None if vocabulary is None else len(vocabulary),
                "read": len(h.words),
                "kept": len(words),
                "subwords": {
                    "minn": minn,
                    "maxn": maxn,
                    "bucket": bucket,
                    **({"encoding": encoding} if encoding not in (None, "utf-8") else {}),
                },
                "fasttext": {**args, "ntokens": int(h.ntokens)},
            }

        rows = np.load(scratch / "words.npy", mmap_mode="r", allow_pickle=False)
        grid = np.load(scratch / NGRAMS, mmap_mode="r", allow_pickle=False)
        store.write_entry(dest, _composed(words, raw, keep, rows, grid, minn, maxn), h.dim, meta, extra=extra)
        del rows, grid
        logger.info(
            "converted fastText %s into %s: %d words, %d n-gram buckets x %d dims",
            where,
            dest,
            len(words),
            bucket,
            h.dim,
        )
    finally:
        atomic.remove(scratch)
    return dest


# --------------------------------------------------------------------------- Vectors with subwords


class FastTextVectors(Vectors):
    """:class:`~pretrained.Vectors` of a fastText ``.bin`` set: an unknown word gets the vector of its
    character n-grams wherever a word is looked up (``v[word]``, ``get``, ``get_vector``,
    ``similarity``, ``most_similar``). ``word in v`` stays False for an unknown word, as in
    gensim's ``key_to_index`` (gensim's ``word in wv`` is True for any word of a fastText set)."""

    @classmethod
    def from_gensim(cls, kv, *, name: Optional[str] = None) -> Vectors:
        """Wrap a gensim ``FastTextKeyedVectors`` (``model.wv``) with its n-gram buckets, so
        unknown words keep their vectors; a plain ``KeyedVectors`` gives a plain ``Vectors``."""
        ngrams = getattr(kv, "vectors_ngrams", None)
        if ngrams is None or not getattr(kv, "bucket", 0):
            return Vectors.from_gensim(kv, name=name)
        v = cls(list(kv.index_to_key), np.asarray(kv.vectors, dtype=np.float32), name=name)
        v.subwords = Subwords(np.asarray(ngrams, dtype=np.float32), int(kv.min_n), int(kv.max_n))
        return v

    def _known(self, word: Any) -> bool:
        return not isinstance(word, str) or word in self or self.subwords is None

    # Vectors also takes a row number (int); this override does not yet (list(3) fails): hence the ignore
    def __getitem__(self, word: Union[str, Iterable[str]]) -> np.ndarray:  # type: ignore[override]
        if isinstance(word, str):
            if self._known(word):
                return super().__getitem__(word)
            vec = self.subword_vector(word)
            vec.setflags(write=False)
            return vec
        words = list(word)
        if all(self._known(w) for w in words):
            return super().__getitem__(words)
        return np.stack([self[w] for w in words]) if words else np.zeros((0, self.dim), self.vectors.dtype)

    def get(self, word: str, default: Any = None) -> Any:
        """The vector of ``word`` (from its n-grams when unknown), ``default`` for a non-string."""
        return self[word] if isinstance(word, str) else default

    def unit(self, item: Any) -> np.ndarray:
        if self._known(item):
            return super().unit(item)
        return super().unit(self.subword_vector(item))

    def _terms(self, terms: Any) -> Any:
        """Unknown words in a query replaced by their n-gram vectors (weights kept)."""
        if terms is None or isinstance(terms, (str, np.ndarray)):
            terms = [] if terms is None else [terms]
        out = []
        for t in terms:
            if isinstance(t, tuple) and len(t) == 2 and not self._known(t[0]):
                t = (self.subword_vector(t[0]), t[1])
            elif not self._known(t):
                t = self.subword_vector(t)
            out.append(t)
        return out

    def most_similar(self, positive: Any = None, negative: Any = (), topn: Optional[int] = 10, **options: Any):
        return super().most_similar(self._terms(positive), self._terms(negative), topn, **options)

    most_similar.__doc__ = Vectors.most_similar.__doc__

    def most_similar_cosmul(self, positive: Any = None, negative: Any = (), topn: Optional[int] = 10, **options: Any):
        return super().most_similar_cosmul(self._terms(positive), self._terms(negative), topn, **options)

    most_similar_cosmul.__doc__ = Vectors.most_similar_cosmul.__doc__
