"""Read the vector formats people download, streaming, in blocks of whole lines or records.

Formats
-------
``glove``          text, no header: ``word v1 ... vD``. The last D fields are the vector and
                   everything before them is the token (glove.840B has tokens with spaces).
``word2vec``       the C tool's binary: a ``N D`` header line, then ``word<space>`` and D
                   little-endian float32 per word, an optional newline after each.
``word2vec-text``  text with a ``N D`` header line; ``fasttext`` (``.vec``) is the same.

Text is parsed by Arrow's multithreaded CSV reader (a space-delimited table with no quoting);
rows it cannot take (tokens with spaces, bad values) are parsed again line by line in Python,
which also produces the error messages with line numbers. Nothing is held beyond one block.
"""
from __future__ import annotations

import contextlib
from concurrent.futures import ThreadPoolExecutor
from collections import Counter
import logging
import os
from dataclasses import dataclass, field
from typing import Iterable, Iterator, List, Optional, Sequence, Tuple

import numpy as np

from .errors import FormatError
from .sources import ProgressStream, open_source

__all__ = [
    "FORMATS",
    "ReadStats",
    "Block",
    "detect_format",
    "iter_vectors",
    "read_vectors",
    "normalize_format",
]

logger = logging.getLogger(__name__)

FORMATS = ("glove", "word2vec", "word2vec-text", "fasttext")
_ALIASES = {
    "glove": "glove",
    "word2vec": "word2vec",
    "word2vec-binary": "word2vec",
    "bin": "word2vec",
    "word2vec-text": "word2vec-text",
    "fasttext": "word2vec-text",
    "vec": "word2vec-text",
}
_BOM = b"\xef\xbb\xbf"
_BLOCK = 8 << 20  # bytes of text parsed at a time (larger blocks cost memory, not speed)
_SNIFF = 1 << 20


def normalize_format(fmt: Optional[str]) -> Optional[str]:
    """The canonical name of a format (``fasttext`` -> ``word2vec-text``), None stays None."""
    if fmt is None:
        return None
    key = fmt.strip().lower()
    if key not in _ALIASES:
        raise FormatError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return _ALIASES[key]


@dataclass
class ReadStats:
    """What a read found: format, dimensions and the counts of what it skipped."""

    path: str
    format: str
    dim: int
    header_count: Optional[int] = None
    read: int = 0  #: vectors read from the file (before filtering)
    kept: int = 0  #: vectors kept
    duplicates: int = 0  #: repeated tokens skipped (the first occurrence is kept)
    invalid_unicode: int = 0  #: tokens whose bytes were not valid UTF-8
    not_in_vocabulary: int = 0  #: skipped because ``vocabulary=`` did not ask for them
    source_sha256: Optional[str] = None

    def as_dict(self) -> dict:
        return {
            "format": self.format,
            "dim": self.dim,
            "header_count": self.header_count,
            "read": self.read,
            "kept": self.kept,
            "duplicates": self.duplicates,
            "invalid_unicode": self.invalid_unicode,
            "not_in_vocabulary": self.not_in_vocabulary,
        }


@dataclass
class Block:
    """A run of consecutive vectors: ``words[i]`` has the vector ``vectors[i]``."""

    words: List[str]
    vectors: np.ndarray = field(repr=False)


# --------------------------------------------------------------------------- detection


def _parse_header(line: bytes) -> Optional[Tuple[int, int]]:
    parts = line.split()
    if len(parts) == 2 and parts[0].isdigit() and parts[1].isdigit():
        return int(parts[0]), int(parts[1])
    return None


def _looks_like_text_record(line: bytes, dim: int) -> bool:
    parts = line.rstrip(b"\r").rstrip(b" ").rsplit(b" ", dim)
    if len(parts) != dim + 1:
        return False
    try:
        for p in parts[1:]:
            float(p)
    except ValueError:
        return False
    return True


def _sniff(head: bytes, path: str, fmt: Optional[str]) -> Tuple[str, Optional[int], int, int]:
    """Decide (format, header count, dim, bytes of header) from the first bytes of a stream."""
    if not head.strip():
        raise FormatError("the file is empty", path)
    nl = head.find(b"\n")
    if nl < 0 and len(head) >= _SNIFF:
        raise FormatError("the first line is longer than 1 MiB: not a vector file?", path, 1)
    first = head[: nl if nl >= 0 else len(head)].rstrip(b"\r")
    header = _parse_header(first)
    if header is not None and header[1] == 0:
        raise FormatError("the header says the vectors have 0 dimensions", path, 1)
    if fmt == "glove" or (fmt is None and header is None):
        # The most common field count of the first lines: one odd first line (a token with
        # spaces, as in glove.840B) must not decide the dimension.
        sample = [ln.rstrip(b"\r").rstrip(b" ") for ln in head[: 1 << 16].split(b"\n")[:200]]
        counts = Counter(ln.count(b" ") for ln in sample if ln.strip())
        top = max(counts.values(), default=0)
        # on a tie the smaller count wins: a token with spaces only ever adds fields
        dim = min((c for c, n in counts.items() if n == top), default=0)
        if dim < 1:
            raise FormatError("expected a word followed by numbers", path, 1)
        if not _looks_like_text_record(first, dim):
            raise FormatError(
                "not a GloVe text line (a word and numbers separated by spaces)", path, 1
            )
        return "glove", None, dim, 0
    if header is None:
        raise FormatError(
            f"format {fmt!r} needs a header line 'count dim', found {first[:60]!r}", path, 1
        )
    count, dim = header
    body = head[nl + 1 :]
    if fmt is None:
        nl2 = body.find(b"\n")
        line2 = body[: nl2 if nl2 >= 0 else len(body)]
        is_text = count == 0 or _looks_like_text_record(line2, dim)
        fmt = "word2vec-text" if is_text else "word2vec"
    return fmt, count, dim, nl + 1


def detect_format(path: "os.PathLike[str] | str", member: Optional[str] = None) -> Tuple[str, Optional[int], int]:
    """Guess a file's format from its first bytes.

    Returns
    -------
    (format, header count or None, dim)

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "v.txt")
    >>> _ = open(p, "w").write("king 0.5 0.25\\nqueen 0.5 0.5\\n")
    >>> detect_format(p)
    ('glove', None, 2)
    """
    with open_source(path, member, hash=False) as src:
        head = src.stream.read(_SNIFF)
    if head.startswith(_BOM):
        head = head[len(_BOM) :]
    fmt, count, dim, _ = _sniff(head, os.fspath(path), None)
    return fmt, count, dim


# --------------------------------------------------------------------------- text


def _line_number(block: bytes, offset: int, line_base: int) -> int:
    return line_base + block.count(b"\n", 0, offset) + 1


def _parse_line(line: bytes, dim: int, path: str, lineno: int) -> Tuple[bytes, List[float]]:
    body = line.rstrip(b"\r\n").rstrip(b" ")
    parts = body.rsplit(b" ", dim)
    if len(parts) != dim + 1 or not parts[0]:
        n = len(body.split())
        raise FormatError(
            f"expected a word and {dim} numbers, found {n} field{'s' if n != 1 else ''}",
            path,
            lineno,
        )
    values = []
    for p in parts[1:]:
        try:
            values.append(float(p))
        except ValueError:
            raise FormatError(
                f"non-numeric value {p.decode('utf-8', 'replace')!r} in the vector of "
                f"{parts[0].decode('utf-8', 'replace')!r}",
                path,
                lineno,
            ) from None
    return parts[0], values


def _parse_lines_slowly(block: bytes, dim: int, path: str, line_base: int) -> Tuple[list, np.ndarray]:
    tokens: list = []
    rows: list = []
    for i, line in enumerate(block.split(b"\n")):
        if not line.strip(b"\r "):
            continue
        tok, vals = _parse_line(line, dim, path, line_base + i + 1)
        tokens.append(tok)
        rows.append(vals)
    return tokens, np.asarray(rows, dtype=np.float32).reshape(len(rows), dim)


class _Arrow:
    """Arrow's CSV reader set up for one dimension count."""

    def __init__(self, dim: int, trailing_space: bool):
        import pyarrow as pa
        import pyarrow.csv as pcsv

        self.pa, self.pcsv = pa, pcsv
        self.dim = dim
        names = ["w"] + [f"v{i}" for i in range(dim)]
        if trailing_space:
            names.append("_")
        self.names = names
        self.types = {"w": pa.binary(), **{n: pa.float32() for n in names[1 : dim + 1]}}
        self.include = names[: dim + 1]

    def parse(self, data: bytes) -> Tuple[list, np.ndarray, list]:
        """Parse whole lines; returns (tokens, vectors, texts of rows it could not take)."""
        pa, pcsv = self.pa, self.pcsv
        bad: list = []

        def handler(row) -> str:
            bad.append(row.text)
            return "skip"

        table = pcsv.read_csv(
            pa.BufferReader(pa.py_buffer(data)),
            read_options=pcsv.ReadOptions(
                column_names=self.names, block_size=max(1 << 20, len(data) // 8 + 1)
            ),
            parse_options=pcsv.ParseOptions(
                delimiter=" ",
                quote_char=False,
                escape_char=False,
                double_quote=False,
                newlines_in_values=False,
                invalid_row_handler=handler,
            ),
            convert_options=pcsv.ConvertOptions(
                column_types=self.types,
                include_columns=self.include,
                null_values=[],
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        tokens = table.column(0).to_pylist()
        floats = table.drop_columns(["w"])
        parts = [np.asarray(b.to_tensor(row_major=True)) for b in floats.to_batches() if b.num_rows]
        if parts:
            vecs = parts[0] if len(parts) == 1 else np.concatenate(parts)
        else:
            vecs = np.empty((0, self.dim), np.float32)
        return tokens, vecs.astype(np.float32, copy=False), bad


def _locate_lines(block: bytes, texts: Sequence[str]) -> Optional[List[Tuple[int, int]]]:
    """(start, end) of every line of ``block`` whose text is one of ``texts``; None when the
    rows cannot all be found (then the caller parses the whole block in Python)."""
    spans = set()
    for text in set(texts):
        needle = text.encode("utf-8", "surrogateescape")
        pos = 0
        while True:
            at = block.find(needle, pos)
            if at < 0:
                break
            end = block.find(b"\n", at)
            end = len(block) if end < 0 else end
            if (at == 0 or block[at - 1] == 0x0A) and not block[at + len(needle) : end].strip(b"\r"):
                spans.add((at, min(end + 1, len(block))))
            pos = at + 1
    if len(spans) != len(texts):
        return None
    return sorted(spans)


def _parse_text_block(block, arrow: _Arrow, path: str, line_base: int) -> Tuple[list, np.ndarray]:
    """Parse a buffer of whole lines (bytes or a memoryview, not kept)."""
    dim = arrow.dim
    try:
        tokens, vecs, bad = arrow.parse(block)
    except arrow.pa.ArrowInvalid as exc:
        logger.debug("%s: Arrow could not parse a block (%s); parsing it line by line", path, exc)
        return _parse_lines_slowly(bytes(block), dim, path, line_base)
    if not bad:
        return tokens, vecs
    block = bytes(block)
    spans = _locate_lines(block, bad)
    if spans is None:
        return _parse_lines_slowly(block, dim, path, line_base)
    # Good runs go through Arrow, odd lines (tokens with spaces, errors) through Python, in order.
    out_tokens: list = []
    out_vecs: list = []
    pos = 0
    for start, end in spans + [(len(block), len(block))]:
        if start > pos:
            seg = block[pos:start]
            t, v, more_bad = arrow.parse(seg)
            if more_bad:
                t, v = _parse_lines_slowly(seg, dim, path, _line_number(block, pos, line_base) - 1)
            out_tokens.extend(t)
            out_vecs.append(v)
        if end > start:
            tok, vals = _parse_line(block[start:end], dim, path, _line_number(block, start, line_base))
            out_tokens.append(tok)
            out_vecs.append(np.asarray([vals], dtype=np.float32))
        pos = end
    return out_tokens, np.concatenate(out_vecs) if out_vecs else np.empty((0, dim), np.float32)


def _iter_text(stream, head: bytes, path: str, dim: int, line_base: int, block_size: int) -> Iterator[Tuple[list, np.ndarray]]:
    first_nl = head.find(b"\n")
    first = head[: first_nl if first_nl >= 0 else len(head)].rstrip(b"\r")
    arrow = _Arrow(dim, trailing_space=first.endswith(b" "))
    # A second thread reads (and decompresses: zlib, bz2 and lzma release the GIL) the next block
    # while this one is parsed.
    with ThreadPoolExecutor(1, thread_name_prefix="pretrained-read") as reader:
        ahead = reader.submit(stream.read, block_size)
        buf = head
        while True:
            data = ahead.result()
            eof = not data
            if not eof:
                ahead = reader.submit(stream.read, block_size)
                buf += data
            cut = len(buf) if eof else buf.rfind(b"\n") + 1
            if cut:
                block, buf = buf[:cut], buf[cut:]
                yield _parse_text_block(block, arrow, path, line_base)
                line_base += block.count(b"\n")
            if eof:
                return


# --------------------------------------------------------------------------- binary


def _iter_binary(stream, head: bytes, path: str, count: int, dim: int, block_size: int) -> Iterator[Tuple[list, np.ndarray]]:
    nbytes = 4 * dim
    buf = head
    done = 0
    eof = False
    while done < count:
        if not eof:
            data = stream.read(block_size)
            if data:
                buf += data
            else:
                eof = True
        tokens: list = []
        starts: list = []
        pos = 0
        size = len(buf)
        find = buf.find
        while done + len(tokens) < count:
            space = find(b" ", pos)
            if space < 0 or space + 1 + nbytes > size:
                break
            tokens.append(buf[pos:space].lstrip(b"\n"))
            starts.append(space + 1)
            pos = space + 1 + nbytes
        if tokens:
            raw = b"".join([buf[s : s + nbytes] for s in starts])
            yield tokens, np.frombuffer(raw, dtype="<f4").reshape(len(tokens), dim)
            done += len(tokens)
        buf = buf[pos:]
        if eof and done < count:
            where = "inside" if buf.strip() else "before"
            raise FormatError(
                f"truncated word2vec binary: the header promises {count} vectors, the file ends "
                f"{where} vector {done + 1}",
                path,
                line=done + 2,
            )
    if buf.strip() or stream.read(1).strip():
        raise FormatError(
            f"the header promises {count} vectors but the file goes on after the last one",
            path,
            line=count + 2,
        )


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
                raise FormatError(
                    f"token {tok!r} is not valid UTF-8 ({exc.reason}); pass "
                    "unicode_errors='replace' or 'ignore' to accept it",
                    path,
                ) from None
            stats.invalid_unicode += 1
            out.append(tok.decode("utf-8", errors))
    return out


def select(
    raw_blocks: Iterable[Tuple[list, np.ndarray]],
    stats: ReadStats,
    *,
    limit: Optional[int],
    vocabulary: Optional[set],
    unicode_errors: str,
) -> Iterator[Block]:
    """Decode, de-duplicate, filter by ``vocabulary`` and cut at ``limit`` a stream of
    ``(tokens, vectors)`` blocks, counting into ``stats``."""
    seen: set = set()
    for tokens, vecs in raw_blocks:
        if limit is not None and stats.read + len(tokens) > limit:
            keep = max(0, limit - stats.read)
            tokens, vecs = tokens[:keep], vecs[:keep]
        stats.read += len(tokens)
        words = _decode(tokens, unicode_errors, stats.path, stats)
        distinct = set(words)
        if "" in distinct:
            raise FormatError(f"an empty token among vectors {stats.read - len(words) + 1}-{stats.read}", stats.path)
        if vocabulary is None and len(distinct) == len(words) and seen.isdisjoint(distinct):
            seen |= distinct  # the common case, at C speed
        else:
            keep_rows = _keep(words, seen, vocabulary, stats)
            words = [words[i] for i in keep_rows]
            vecs = vecs[np.asarray(keep_rows, dtype=np.intp)]
        if words:
            stats.kept += len(words)
            yield Block(words, np.ascontiguousarray(vecs, dtype=np.float32))
        if limit is not None and stats.read >= limit:
            return


def _keep(words: List[str], seen: set, vocabulary: Optional[set], stats: ReadStats) -> List[int]:
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


@contextlib.contextmanager
def iter_vectors(
    path: "os.PathLike[str] | str",
    *,
    format: Optional[str] = None,
    member: Optional[str] = None,
    limit: Optional[int] = None,
    vocabulary: Optional[Iterable[str]] = None,
    unicode_errors: str = "replace",
    hash: bool = False,
    block_size: int = _BLOCK,
    progress: bool = False,
) -> Iterator[Tuple[ReadStats, Iterator[Block]]]:
    """Stream a vector file as :class:`Block` s, holding one block at a time.

    Yields ``(stats, blocks)``; ``stats`` fills in as ``blocks`` is consumed. With
    ``hash=True``, ``stats.source_sha256`` is set once the blocks are exhausted. ``progress``
    shows a tqdm bar of the bytes read.
    Duplicate tokens keep their first vector; invalid UTF-8 in tokens is decoded with
    ``unicode_errors`` (``"strict"`` raises); both are counted in ``stats`` and logged.
    """
    fmt = normalize_format(format)
    if limit is not None and limit < 0:
        raise ValueError("limit must be >= 0")
    if unicode_errors not in ("strict", "replace", "ignore", "backslashreplace"):
        raise ValueError(f"unicode_errors={unicode_errors!r} is not one of strict, replace, ignore")
    vocab = set(vocabulary) if vocabulary is not None else None
    with open_source(path, member, hash=hash) as src, contextlib.ExitStack() as stack:
        stream = src.stream
        if progress:
            stream = ProgressStream(stream, src.size, f"reading {os.path.basename(src.path)}")
            stack.callback(stream.close)
        head = stream.read(_SNIFF)
        if head.startswith(_BOM):
            head = head[len(_BOM) :]
        fmt, count, dim, skip = _sniff(head, src.path, fmt)
        stats = ReadStats(path=src.path, format=fmt, dim=dim, header_count=count)
        if fmt == "word2vec":
            raw = _iter_binary(stream, head[skip:], src.path, count, dim, block_size)
        else:
            raw = _iter_text(stream, head[skip:], src.path, dim, 1 if skip else 0, block_size)

        def blocks() -> Iterator[Block]:
            yield from select(raw, stats, limit=limit, vocabulary=vocab, unicode_errors=unicode_errors)
            if fmt == "word2vec-text" and limit is None and stats.read != count:
                raise FormatError(
                    f"the header promises {count} vectors but the file holds {stats.read}",
                    src.path,
                    line=1,
                )
            if hash:
                stats.source_sha256 = src.sha256()
            if stats.duplicates:
                logger.warning("%s: skipped %d duplicate tokens (kept the first of each)", src.path, stats.duplicates)
            if stats.invalid_unicode:
                logger.warning(
                    "%s: %d tokens were not valid UTF-8 (decoded with errors=%r)",
                    src.path, stats.invalid_unicode, unicode_errors,
                )

        yield stats, blocks()


def read_vectors(
    path: "os.PathLike[str] | str",
    *,
    format: Optional[str] = None,
    member: Optional[str] = None,
    limit: Optional[int] = None,
    vocabulary: Optional[Iterable[str]] = None,
    unicode_errors: str = "replace",
) -> Tuple[List[str], np.ndarray, ReadStats]:
    """Read a whole vector file into memory: ``(words, float32 array, stats)``.

    :func:`pretrained.load` is usually what you want (it caches); this is the plain reader.

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
        path, format=format, member=member, limit=limit, vocabulary=vocabulary, unicode_errors=unicode_errors
    ) as (stats, blocks):
        for b in blocks:
            words.extend(b.words)
            parts.append(b.vectors)
    vecs = np.concatenate(parts) if parts else np.empty((0, stats.dim), np.float32)
    return words, vecs, stats
