"""Read the vector formats people download, streaming, in blocks of whole lines or records.

Formats
-------
``glove``          text, no header: ``word v1 ... vD``. The last D fields are the vector and
                   everything before them is the token (glove.840B has tokens with spaces).
``word2vec``       the C tool's binary: a ``N D`` header line, then ``word<space>`` and D
                   little-endian float32 per word, an optional newline after each.
``word2vec-text``  text with a ``N D`` header line; ``fasttext`` (``.vec``) is the same.

This module turns the raw blocks of :mod:`pretrained.formats.text_reader` and
:mod:`pretrained.formats.binary_reader` into :class:`Block` s of decoded, distinct words, checks the
values (``nonfinite=``) and counts everything it skips or repairs in :class:`ReadStats`.
:mod:`pretrained.formats.detection` decides the format. Nothing is held beyond one block.

Every format :func:`pretrained.load` reads (these, fastText ``.bin``, tables, and any format
registered later) is one module of this package behind :mod:`pretrained.formats.registry`; the
options of a read travel as one :class:`~pretrained.formats.options.ReadOptions`.

Public modules (what they define is re-exported from ``pretrained`` or this package): ``detection``,
``sources``, ``table_reader``, ``writers``. Internal modules (their names may change; import from
``pretrained`` instead): ``binary_reader``, ``fasttext_bin``, ``glove``, ``options``, ``registry``,
``table``, ``text_reader``, ``word2vec_binary``, ``word2vec_text``.
"""

from __future__ import annotations

import contextlib
import logging
import os
from dataclasses import dataclass
from typing import AbstractSet, Iterable, Iterator, List, Optional, Tuple, cast

import numpy as np

from pretrained.errors import FormatDecodeError, FormatError
from pretrained.formats import registry
from pretrained.formats.binary_reader import iter_binary
from pretrained.formats.detection import (
    FORMATS,
    SNIFF_BYTES,
    detect_format,
    normalize_format,
    sniff,
    sniff_kind,
    strip_bom,
)
from pretrained.formats.options import MAX_TOKEN_BYTES, NONFINITE, ReadOptions, check_arguments
from pretrained.formats.registry import VectorFormat, register
from pretrained.formats.sources import ProgressStream, open_source
from pretrained.formats.text_reader import TokenRules, iter_text

__all__ = [
    "FORMATS",
    "check_arguments",
    "ReadStats",
    "Block",
    "detect_format",
    "sniff_kind",
    "iter_vectors",
    "read_vectors",
    "normalize_format",
    "select",
    "NONFINITE",
    "ReadOptions",
    "open_vectors",
    "VectorFormat",
    "register",
    "registry",
    "MAX_TOKEN_BYTES",
]

logger = logging.getLogger(__name__)

_BLOCK = 8 << 20  # bytes of text parsed at a time (larger blocks cost memory, not speed)
_STREAMED = ("glove", "word2vec", "word2vec-text")  # what this module's own reader decides between
_sniff = sniff  # called through this name, which tests patch to prove a source is not read again


@dataclass
class ReadStats:
    """What a read found: format, dimensions and the counts of what it skipped or repaired."""

    path: str
    format: str
    dim: int
    header_count: Optional[int] = None
    read: int = 0  #: vectors read from the file (before filtering)
    kept: int = 0  #: vectors kept
    duplicates: int = 0  #: repeated tokens skipped (the first occurrence is kept)
    invalid_unicode: int = 0  #: tokens whose bytes were not valid UTF-8
    not_in_vocabulary: int = 0  #: skipped because ``vocabulary=`` did not ask for them
    nonfinite: int = 0  #: kept vectors that held nan or inf (zeroed or kept, per ``nonfinite=``)
    nonfinite_policy: str = "error"  #: the ``nonfinite=`` the read used
    unterminated: bool = False  #: the text did not end with a line break (a cut file would not)
    source_sha256: Optional[str] = None  #: the source's identity, tagged (``"xxh3-128:<hex>"``; the name is historical)

    def as_dict(self) -> dict:
        """The counts as stored in a cache entry's ``meta.json``."""
        return {
            "format": self.format,
            "dim": self.dim,
            "header_count": self.header_count,
            "read": self.read,
            "kept": self.kept,
            "duplicates": self.duplicates,
            "invalid_unicode": self.invalid_unicode,
            "not_in_vocabulary": self.not_in_vocabulary,
            "nonfinite": self.nonfinite,
            "nonfinite_policy": self.nonfinite_policy,
            "unterminated": self.unterminated,
        }


class Block:
    """A run of consecutive vectors: ``words[i]`` has the vector ``vectors[i]``.

    ``text`` is the same words as the lines of ``vocab.txt``: UTF-8, each ended by a line break. A
    reader whose tokens are already those bytes gives ``text`` instead of ``words`` (the cache
    writer then needs no word decoded and encoded again); either is made from the other when
    first asked for.

    Examples
    --------
    >>> b = Block(None, np.zeros((2, 3), np.float32), text="caf\\u00e9\\nb\\n".encode())
    >>> b.words
    ['café', 'b']
    >>> Block(["a", "b"], np.zeros((2, 3), np.float32)).text
    b'a\\nb\\n'
    """

    __slots__ = ("_text", "_words", "squares", "vectors")

    def __init__(
        self,
        words: Optional[List[str]],
        vectors: np.ndarray,
        squares: Optional[np.ndarray] = None,
        *,
        text: Optional[bytes] = None,
    ):
        if words is None and text is None:
            raise ValueError("a Block needs its words or their text")
        self._words, self._text = words, text
        self.vectors = vectors
        #: the sum of squares of each row of ``vectors`` as ``einsum("ij,ij->i")`` gives it, when the
        #: reader computed it on this very array (the writer then takes the norms from it)
        self.squares = squares

    @property
    def words(self) -> List[str]:
        if self._words is None:
            assert self._text is not None
            self._words = _words_of(self._text)
        return self._words

    @property
    def text(self) -> bytes:
        if self._text is None:
            self._text = ("\n".join(self.words) + "\n").encode("utf-8") if self.words else b""
        return self._text

    def __repr__(self) -> str:
        return f"Block({len(self.vectors)} words)"


# --------------------------------------------------------------------------- selection


def _decode(tokens: list, errors: str, path: str, stats: ReadStats) -> List[str]:
    if tokens and isinstance(tokens[0], str):
        return tokens
    joined = b"\n".join(tokens)
    if joined.count(b"\n") != max(len(tokens) - 1, 0):
        bad = next(t for t in tokens if b"\n" in t)
        raise FormatError(f"token {bad!r} contains a line break", path)
    try:
        return joined.decode("utf-8").split("\n")
    except UnicodeDecodeError:
        pass
    out = []
    for tok in tokens:
        try:
            out.append(tok.decode("utf-8"))
        except UnicodeDecodeError as exc:
            if errors == "strict":
                raise FormatDecodeError(
                    f"token {tok!r} is not valid UTF-8 ({exc.reason}); pass "
                    "unicode_errors='replace' or 'ignore' to accept it",
                    path,
                    object=tok,
                    start=exc.start,
                    end=exc.end,
                    reason=exc.reason,
                ) from None
            stats.invalid_unicode += 1
            out.append(tok.decode("utf-8", errors))
    return out


def _check_values(
    block: Block, vecs: np.ndarray, rows: np.ndarray, where, stats: ReadStats, policy: str, finite: bool = False
) -> np.ndarray:
    """Apply ``nonfinite=`` to the kept rows (``rows``: their index in the raw block; ``finite``:
    every value is known to be finite, from finite sums of squares per row: a finite sum has no
    nan or inf among its terms)."""
    if finite:
        return vecs
    finite_rows = np.isfinite(vecs).all(axis=1)
    if finite_rows.all():
        return vecs
    bad = np.flatnonzero(~finite_rows)
    if policy == "error":
        i = int(bad[0])
        line, label = where(int(rows[i])) if where is not None else (None, f"vector {stats.read}")
        value = vecs[i][~np.isfinite(vecs[i])][0]
        at = f" ({label})" if line is None else ""
        raise FormatError(
            f"the vector of {block.words[i]!r}{at} holds {value}: pass nonfinite='zero' to zero such "
            "vectors or nonfinite='keep' to keep them",
            stats.path,
            line,
        )
    stats.nonfinite += len(bad)
    if policy == "zero":
        vecs = np.array(vecs, dtype=np.float32)
        vecs[bad] = 0.0
    return vecs


def select(
    raw_blocks: Iterable[tuple],
    stats: ReadStats,
    *,
    limit: Optional[int],
    vocabulary: Optional[AbstractSet[str]],
    unicode_errors: str,
    nonfinite: str = "error",
) -> Iterator[Block]:
    """Decode, de-duplicate, filter by ``vocabulary``, cut at ``limit`` and check the values
    (``nonfinite``) of a stream of ``(tokens, vectors[, where[, squares]])`` blocks, counting into
    ``stats`` (``squares``: each row's sum of squares, when the reader has them).

    ``where(i)``, when given, says where raw row ``i`` of the block is: ``(line or None, label)``.
    """
    seen: set = set()  # the words kept so far: as bytes while every block's tokens are UTF-8 bytes
    by_bytes = vocabulary is None
    stats.nonfinite_policy = nonfinite
    for item in raw_blocks:
        tokens, vecs = item[0], item[1]
        where = item[2] if len(item) > 2 else None
        squares = item[3] if len(item) > 3 else None
        if limit is not None and stats.read + len(tokens) > limit:
            keep = max(0, limit - stats.read)
            tokens, vecs = tokens[:keep], vecs[:keep]
            squares = None if squares is None else squares[:keep]
        stats.read += len(tokens)
        text = _utf8_lines(tokens, stats.path) if by_bytes and tokens and isinstance(tokens[0], bytes) else None
        if text is None and by_bytes and tokens:
            # a block of str, or of bytes that are not all UTF-8: words are compared as str
            # from here on (strict UTF-8 decodes one way only, so the bytes seen so far map exactly)
            seen, by_bytes = {w.decode("utf-8") for w in seen}, False
        words: Optional[List[str]] = None if text is not None else _decode(tokens, unicode_errors, stats.path, stats)
        keys = tokens if text is not None else words
        assert keys is not None
        fresh = vocabulary is None and seen.isdisjoint(keys)
        if fresh:  # the common case, at C speed: no word seen before, and none twice in the block
            before = len(seen)
            seen.update(keys)
            if len(seen) - before != len(keys):
                seen.difference_update(keys)  # none of them was there before
                fresh = False
        if fresh:
            if (b"" if text is not None else "") in seen:
                _empty_token(stats, len(keys))
            rows = np.arange(len(keys))
            block = Block(words, vecs, text=text)
        else:
            if text is not None:  # a word repeats: the rare path, on str from here on
                seen, by_bytes = {w.decode("utf-8") for w in seen}, False
                words = _words_of(text)
            assert words is not None
            if "" in words:
                _empty_token(stats, len(words))
            rows = np.asarray(_keep(words, seen, vocabulary, stats), dtype=np.intp)
            vecs, squares = vecs[rows], None  # a copy: its rows' sums are the writer's to make
            block = Block([words[i] for i in rows], vecs)
        if len(rows):
            if squares is None and vecs.dtype == np.float32 and vecs.ndim == 2:
                squares = np.einsum("ij,ij->i", vecs, vecs)  # once: the finite check, then the norms
            finite = squares is not None and bool(np.isfinite(squares).all())
            out = _check_values(block, vecs, rows, where, stats, nonfinite, finite)
            out = np.ascontiguousarray(out, dtype=np.float32)
            stats.kept += len(rows)
            block.vectors, block.squares = out, squares if finite and out is vecs else None
            yield block
        if limit is not None and stats.read >= limit:
            return


def _utf8_lines(tokens: list, path: str) -> Optional[bytes]:
    """Byte ``tokens`` as the lines of ``vocab.txt`` (each ended by a line break) when every one
    is valid UTF-8, else ``None``; a token holding a line break is refused."""
    joined = b"\n".join(tokens)
    if joined.count(b"\n") != len(tokens) - 1:
        bad = next(t for t in tokens if b"\n" in t)
        raise FormatError(f"token {bad!r} contains a line break", path)
    try:
        joined.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return joined + b"\n"


def _words_of(text: bytes) -> List[str]:
    """The words of ``vocab.txt`` lines (UTF-8, each ended by a line break)."""
    return text.decode("utf-8").split("\n")[:-1]


def _empty_token(stats: ReadStats, n: int) -> None:
    raise FormatError(f"an empty token among vectors {stats.read - n + 1}-{stats.read}", stats.path)


def _keep(words: List[str], seen: set, vocabulary: Optional[AbstractSet[str]], stats: ReadStats) -> List[int]:
    keep_rows = []
    for i, w in enumerate(words):
        if vocabulary is not None and w not in vocabulary:
            stats.not_in_vocabulary += 1
        elif w in seen:
            stats.duplicates += 1
        else:
            seen.add(w)
            keep_rows.append(i)
    return keep_rows


# --------------------------------------------------------------------------- reading


@contextlib.contextmanager
def iter_vectors(
    path: os.PathLike[str] | str,
    *,
    format: Optional[str] = None,
    member: Optional[str] = None,
    limit: Optional[int] = None,
    vocabulary: Optional[Iterable[str]] = None,
    unicode_errors: str = "replace",
    nonfinite: str = "error",
    numeric_token_parts: bool = False,
    max_token_bytes: Optional[int] = MAX_TOKEN_BYTES,
    hash: bool = False,
    block_size: int = _BLOCK,
    progress: bool = False,
) -> Iterator[Tuple[ReadStats, Iterator[Block]]]:
    """Stream a vector file as :class:`Block` s, holding one block at a time.

    Yields ``(stats, blocks)``; ``stats`` fills in as ``blocks`` is consumed. With
    ``hash=True``, ``stats.source_sha256`` (the source's ``"xxh3-128:<hex>"``) is set once the blocks are exhausted. ``progress``
    shows a bar of the bytes read.

    Parameters
    ----------
    limit
        Read at most this many vectors (a whole number >= 1), None for all.
    vocabulary
        Keep only these words (a list or set of str; a lone string is refused).
    unicode_errors
        How tokens that are not valid UTF-8 are decoded: ``"replace"`` (default), ``"ignore"``,
        ``"backslashreplace"``, or ``"strict"`` to raise :class:`~pretrained.errors.FormatDecodeError`.
    nonfinite
        Vectors holding ``nan`` or ``inf`` (also a value beyond float32, such as ``1e999``):
        ``"error"`` (default) raises a :class:`FormatError` naming the word and line, ``"zero"``
        zeros the vector, ``"keep"`` keeps it; both counted in ``stats.nonfinite``.
    numeric_token_parts
        GloVe text only: accept tokens with spaces whose last part is a number or empty, such as
        ``'queen 0.1'``. By default such a line is an error, since it is far more often a line with
        more values than the file's dim.
    max_token_bytes
        The longest token accepted (default 1000 bytes, GloVe's own limit); None for no bound.

    Duplicate tokens keep their first vector; invalid UTF-8 is counted in ``stats`` and logged.
    """
    fmt = normalize_format(format)
    options = ReadOptions.from_kwargs(locals(), format=fmt)
    if fmt is not None and fmt not in _STREAMED:
        spec = registry.get(fmt)
        if spec.open is None:
            raise FormatError(f"format {fmt!r} is converted whole, not streamed: use pretrained.load", os.fspath(path))
        with spec.open(path, options, hash=hash, progress=progress) as opened:
            yield opened
        return
    with open_vectors(path, options, hash=hash, block_size=block_size, progress=progress) as opened:
        yield opened


@contextlib.contextmanager
def open_vectors(
    path: os.PathLike[str] | str,
    options: ReadOptions,
    *,
    hash: bool = False,
    block_size: int = _BLOCK,
    progress: bool = False,
) -> Iterator[Tuple[ReadStats, Iterator[Block]]]:
    """:func:`iter_vectors` with its options in one :class:`ReadOptions`: the reader of GloVe,
    word2vec and word2vec text (``options.format`` one of those, or None to detect which)."""
    fmt = normalize_format(options.format)
    with open_source(path, options.member, hash=hash) as src, contextlib.ExitStack() as stack:
        stream = src.stream
        if progress:
            stream = ProgressStream(stream, src.size, f"reading {os.path.basename(src.path)}")
            stack.callback(stream.close)
        head = strip_bom(stream.read(SNIFF_BYTES))
        fmt, count, dim, skip = _sniff(head, src.path, fmt)
        stats = ReadStats(path=src.path, format=fmt, dim=dim, header_count=count)
        max_token_bytes = options.max_token_bytes
        raw: Iterator[tuple]  # (tokens, vectors, where[, squares]) per block: see select()
        if fmt == "word2vec":
            # a binary word2vec file is only recognised by its header, so count is known
            raw = iter_binary(stream, head[skip:], src.path, cast(int, count), dim, block_size, max_token_bytes)
        else:
            rules = TokenRules(
                spaces=fmt == "glove",
                numeric_parts=options.numeric_token_parts,
                max_bytes=max_token_bytes,
                header_dim=fmt != "glove",
            )
            raw = iter_text(stream, head[skip:], src.path, dim, 1 if skip else 0, block_size, rules, stats)
        yield stats, _blocks(raw, stats, src, count, options, hash)


def _blocks(raw, stats: ReadStats, src, count, options: ReadOptions, hash: bool) -> Iterator[Block]:
    unicode_errors, nonfinite = options.unicode_errors, options.nonfinite
    yield from select(
        raw, stats, limit=options.limit, vocabulary=options.words, unicode_errors=unicode_errors, nonfinite=nonfinite
    )
    raw.close()  # a read cut short by limit= ends its read-ahead thread before the rest is hashed
    path = src.path
    if stats.format == "word2vec-text" and options.limit is None and stats.read != count:
        raise FormatError(f"the header promises {count} vectors but the file holds {stats.read}", path, line=1)
    if hash:
        stats.source_sha256 = src.digest()
    if stats.duplicates:
        logger.warning("%s: skipped %d duplicate tokens (kept the first of each)", path, stats.duplicates)
    if stats.invalid_unicode:
        logger.warning(
            "%s: %d tokens were not valid UTF-8 (decoded with errors=%r)", path, stats.invalid_unicode, unicode_errors
        )
    if stats.nonfinite:
        logger.warning("%s: %d values were nan or inf (nonfinite=%r)", path, stats.nonfinite, nonfinite)
    if stats.unterminated:
        logger.warning(
            "%s: the last line has no line break: if the file was cut short, its last vector may be wrong", path
        )


def read_vectors(
    path: os.PathLike[str] | str,
    *,
    format: Optional[str] = None,
    member: Optional[str] = None,
    limit: Optional[int] = None,
    vocabulary: Optional[Iterable[str]] = None,
    unicode_errors: str = "replace",
    nonfinite: str = "error",
    numeric_token_parts: bool = False,
    max_token_bytes: Optional[int] = MAX_TOKEN_BYTES,
) -> Tuple[List[str], np.ndarray, ReadStats]:
    """Read a whole vector file into memory: ``(words, float32 array, stats)``.

    :func:`pretrained.load` is usually what you want (it caches); this is the plain reader. The
    options are those of :func:`iter_vectors`.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "v.txt")
    >>> _ = open(p, "w").write("new york 1 2\\nparis 3 4\\n")
    >>> words, vecs, stats = read_vectors(p)
    >>> words, vecs.tolist()
    (['new york', 'paris'], [[1.0, 2.0], [3.0, 4.0]])
    """
    words: List[str] = []
    parts: list = []
    with iter_vectors(
        path,
        format=format,
        member=member,
        limit=limit,
        vocabulary=vocabulary,
        unicode_errors=unicode_errors,
        nonfinite=nonfinite,
        numeric_token_parts=numeric_token_parts,
        max_token_bytes=max_token_bytes,
    ) as (stats, blocks):
        for b in blocks:
            words.extend(b.words)
            parts.append(b.vectors)
    vecs = np.concatenate(parts) if parts else np.empty((0, stats.dim), np.float32)
    return words, vecs, stats
