"""Tell what a vector file is from its first bytes: the format, the header, and files that are not
vector text at all (a fastText native model, a gensim pickle, a NumPy array) with what to do instead.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Optional, Tuple

from pretrained.errors import FormatError
from pretrained.formats.sources import open_source

__all__ = [
    "FORMATS",
    "normalize_format",
    "sniff_kind",
    "sniff",
    "detect_format",
    "strip_bom",
    "SNIFF_BYTES",
    "sniff_glove",
    "sniff_word2vec_text",
    "sniff_word2vec_binary",
]

FORMATS = ("glove", "word2vec", "word2vec-text", "fasttext")
"""The word-vector text and binary formats the stream reader decides between (every format,
tables and fastText ``.bin`` included, is in :mod:`pretrained.formats.registry`)."""
_BOM = b"\xef\xbb\xbf"
SNIFF_BYTES = 1 << 20  #: bytes read to decide the format
_FASTTEXT_MAGIC = (793712314).to_bytes(4, "little")  # 0x2F4F16BA, first int32 of a fastText .bin


def normalize_format(fmt: Optional[str]) -> Optional[str]:
    """The canonical name of a format (``fasttext`` -> ``word2vec-text``), None stays None; a
    :class:`~pretrained.errors.FormatError` naming the known formats for an unknown one.

    Examples
    --------
    >>> normalize_format("fasttext")
    'word2vec-text'
    """
    from pretrained.formats import registry  # the registry's built-in modules import this one

    return registry.canonical(fmt)


def strip_bom(head: bytes) -> bytes:
    """``head`` without a leading UTF-8 byte-order mark."""
    return head[len(_BOM) :] if head.startswith(_BOM) else head


def sniff_kind(head: bytes) -> Optional[str]:
    """Recognise files that are not vector text from their first bytes.

    Returns ``"fasttext-bin"`` (a fastText native model), ``"pickle"`` (a gensim ``.model`` /
    ``.kv`` file or any pickle, protocol 2 to 5), ``"npy"`` (a NumPy array file) or None.

    Examples
    --------
    >>> sniff_kind((793712314).to_bytes(4, "little") + b"\\x0c\\x00\\x00\\x00")
    'fasttext-bin'
    >>> sniff_kind(b"\\x80\\x04\\x95"), sniff_kind(b"king 0.1 0.2\\n")
    ('pickle', None)
    """
    if head[:4] == _FASTTEXT_MAGIC:
        return "fasttext-bin"
    if len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5:
        return "pickle"
    if head.startswith(b"\x93NUMPY"):
        return "npy"
    return None


def _refuse_kind(kind: str, path: str) -> FormatError:
    if kind == "fasttext-bin":
        return FormatError(
            "is a fastText native model (.bin), not a vector text file; use the .vec file "
            "published beside it (same words and vectors), or format='word2vec' if this really is "
            "a word2vec binary",
            path,
        )
    if kind == "pickle":
        return FormatError(
            "is a gensim pickle (.model / .kv); pretrained never unpickles files. Load it yourself "
            "with gensim (`KeyedVectors.load(path)`, only if you trust it) and pass it to "
            "`pretrained.Vectors.from_gensim(kv)`",
            path,
        )
    return FormatError(
        "is a NumPy array file (.npy), not a vector file; gensim keeps large arrays of a saved "
        "model in such files: load the .model with gensim (`KeyedVectors.load(path)`, only if you "
        "trust it) and pass it to `pretrained.Vectors.from_gensim(kv)`",
        path,
    )


def _parse_header(line: bytes) -> Optional[Tuple[int, int]]:
    parts = line.split()
    if len(parts) == 2 and parts[0].isdigit() and parts[1].isdigit():
        return int(parts[0]), int(parts[1])
    return None


def _looks_like_text_record(line: bytes, dim: int) -> bool:
    parts = line.rstrip(b"\r").rstrip(b" ").rsplit(b" ", dim)
    if len(parts) != dim + 1 or not parts[0]:
        return False
    try:
        for p in parts[1:]:
            float(p)
    except ValueError:
        return False
    return True


def _dim_bound(line: bytes) -> int:
    """An upper bound of a GloVe line's dim: its trailing fields that are numbers, less one when
    every field is (the token is a number too)."""
    parts = line.split(b" ")
    trailing = 0
    for part in reversed(parts):
        try:
            float(part)
        except ValueError:
            break
        trailing += 1
    return min(trailing, len(parts) - 1)


def _glove_dim(head: bytes, first: bytes, path: str) -> int:
    # Every line's last D fields are numbers, so a line's bound is D unless its token ends in a
    # number: the most common bound of the first lines (on a tie the smaller), so that one odd
    # line (a token with spaces, as in glove.840B, or a damaged line) does not decide the dim.
    sample = [ln.rstrip(b"\r").rstrip(b" ") for ln in head[: 1 << 16].split(b"\n")[:200]]
    counts = Counter(_dim_bound(ln) for ln in sample if ln.strip(b" "))
    top = max(counts.values(), default=0)
    dim = min((c for c, n in counts.items() if n == top), default=0)
    if dim < 1:
        raise FormatError("expected a word followed by numbers", path, 1)
    if not _looks_like_text_record(first, dim):
        raise FormatError("not a GloVe text line (a word and numbers separated by spaces)", path, 1)
    return dim


def _first_line(head: bytes, path: str) -> Tuple[bytes, int]:
    """The first line (without its line break) and where its ``\n`` is (-1: none)."""
    nl = head.find(b"\n")
    if nl < 0 and len(head) >= SNIFF_BYTES:
        raise FormatError("the first line is longer than 1 MiB: not a vector file?", path, 1)
    return head[: nl if nl >= 0 else len(head)].rstrip(b"\r"), nl


def _body_is_text(head: bytes, nl: int, count: int, dim: int) -> bool:
    """Whether the line after a ``count dim`` header is text (else the file is a binary)."""
    body = head[nl + 1 :]
    nl2 = body.find(b"\n")
    line2 = body[: nl2 if nl2 >= 0 else len(body)]
    return count == 0 or _looks_like_text_record(line2, dim) or _is_text_row(line2)


def sniff(head: bytes, path: str, fmt: Optional[str]) -> Tuple[str, Optional[int], int, int]:
    """Decide ``(format, header count, dim, bytes of header)`` from the first bytes of a stream
    (without a byte-order mark); ``fmt`` is a canonical format the caller forces, or None."""
    if not head.strip():
        raise FormatError("the file is empty", path)
    kind = sniff_kind(head)
    if kind is not None and not (kind == "fasttext-bin" and fmt is not None):
        raise _refuse_kind(kind, path)
    first, nl = _first_line(head, path)
    header = _parse_header(first)
    if fmt == "glove" or (fmt is None and header is None):
        return "glove", None, _glove_dim(head, first, path), 0
    if header is not None and header[1] == 0:
        raise FormatError("the header says the vectors have 0 dimensions", path, 1)
    if header is None:
        raise FormatError(f"format {fmt!r} needs a header line 'count dim', found {first[:60]!r}", path, 1)
    count, dim = header
    if fmt is None:
        fmt = "word2vec-text" if _body_is_text(head, nl, count, dim) else "word2vec"
    return fmt, count, dim, nl + 1


# --------------------------------------------------------------------------- one sniff per format
# Each says whether a file's first bytes (without a byte-order mark) are in its format, without
# raising: a file none of them accepts is read with the format undecided, and :func:`sniff`
# then says what is wrong with it.


def _vector_text(head: bytes, whole: bool) -> Optional[Tuple[bytes, Optional[Tuple[int, int]], int]]:
    """``(first line, header or None, its line break)`` of a head that may be vector text
    (``whole``: the head is the whole file, else a first line must end within it)."""
    if not head.strip() or sniff_kind(head) is not None:
        return None
    try:
        first, nl = _first_line(head, "")
    except FormatError:
        return None
    if nl < 0 and not whole:
        return None
    return first, _parse_header(first), nl


def sniff_glove(head: bytes, whole: bool = True) -> bool:
    """GloVe text: no header line, the first line a token and numbers. ``whole``: ``head`` is the
    whole file (else the sniff declines when a line it needs is cut)."""
    found = _vector_text(head, whole)
    if found is None or found[1] is not None:
        return False
    try:
        _glove_dim(head, found[0], "")
    except FormatError:
        return False
    return True


def _header_body(head: bytes, whole: bool) -> Optional[bool]:
    """True for a ``count dim`` header followed by text, False by binary, None for no header
    (or, when ``head`` is not the whole file, a second line cut short)."""
    found = _vector_text(head, whole)
    if found is None or found[1] is None or found[1][1] == 0:
        return None
    if not whole and head.find(b"\n", found[2] + 1) < 0:
        return None
    count, dim = found[1]
    return _body_is_text(head, found[2], count, dim)


def sniff_word2vec_text(head: bytes, whole: bool = True) -> bool:
    """word2vec text (fastText ``.vec``): a ``count dim`` header, then text lines."""
    return _header_body(head, whole) is True


def sniff_word2vec_binary(head: bytes, whole: bool = True) -> bool:
    """word2vec binary: a ``count dim`` header, then binary records."""
    return _header_body(head, whole) is False


def _is_text_row(line: bytes) -> bool:
    """Whether a line is a word and numbers whatever their count: a text file whose rows disagree
    with its header's dim is still text, and is reported as such (not read as a binary)."""
    parts = line.rstrip(b"\r").rstrip(b" ").split(b" ")
    if len(parts) < 2 or not parts[0]:
        return False
    try:
        parts[0].decode("utf-8")
        for p in parts[1:]:
            float(p)
    except ValueError:
        return False
    return True


def detect_format(path: os.PathLike[str] | str, member: Optional[str] = None) -> Tuple[str, Optional[int], int]:
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
        head = strip_bom(src.stream.read(SNIFF_BYTES))
    fmt, count, dim, _ = sniff(head, os.fspath(path), None)
    return fmt, count, dim
