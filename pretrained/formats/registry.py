"""What a vector format is to the rest of pretrained, and the registry that names them.

A format is one :class:`VectorFormat`: its name and aliases, how a file is recognised (by its
first bytes, :attr:`~VectorFormat.sniff`, or by its name, :attr:`~VectorFormat.by_name`), how it
is read in blocks (:attr:`~VectorFormat.open`) or converted whole (:attr:`~VectorFormat.convert`,
for a format that keeps extra files in its cache entry), and whether and how it is written
(:attr:`~VectorFormat.write`). Each built-in format is one module of this package that calls
:func:`register`; another format is added the same way (see ``docs/architecture.md``).

The built-in modules are imported on the first question asked of the registry, and they import
their readers only when a file is read, so ``import pretrained`` stays light.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, ContextManager, Dict, Iterator, List, Optional, Sequence, Tuple

from pretrained.errors import FormatError

if TYPE_CHECKING:  # pragma: no cover
    from pretrained.formats import Block, ReadStats


__all__ = [
    "Head",
    "VectorFormat",
    "register",
    "get",
    "canonical",
    "names",
    "spellings",
    "writable",
    "resolve",
    "read_head",
]

HEAD_BYTES = 1 << 16
"""Bytes of a file given to the sniffers (a text format's first lines; a sniff that needs more
declines, and the text reader, which reads up to 1 MiB, decides)."""

_BUILTIN = ("glove", "word2vec_binary", "word2vec_text", "fasttext_bin", "table")
"""The modules that register the built-in formats (each registers itself when imported)."""


@dataclass(frozen=True)
class Head:
    """The first bytes of a file, as given to :attr:`VectorFormat.sniff`."""

    data: bytes
    """Up to :data:`HEAD_BYTES` raw bytes (decompressed; an archive's member)."""
    path: str
    member: Optional[str] = None

    @property
    def whole(self) -> bool:
        """Whether :attr:`data` is the whole file (shorter than :data:`HEAD_BYTES`)."""
        return len(self.data) < HEAD_BYTES

    @property
    def text(self) -> bytes:
        """:attr:`data` without a leading UTF-8 byte-order mark."""
        return self.data[3:] if self.data.startswith(b"\xef\xbb\xbf") else self.data


Opener = Callable[..., ContextManager[Tuple["ReadStats", Iterator["Block"]]]]
"""``open(path, options, *, hash, progress)``: a context manager yielding ``(stats, blocks)``."""
Converter = Callable[..., None]
"""``convert(path, dest, options, *, name, source)``: write the cache entry ``dest`` itself."""
Writer = Callable[..., None]
"""``write(path, words, vectors, precision)``: write a file (``precision``: significant digits
of a text format, None for exact)."""


@dataclass(frozen=True)
class VectorFormat:
    """One vector format. Give :attr:`open` (the common case: blocks of words and vectors that
    the loader writes into the cache) or :attr:`convert` (a format that writes its own entry,
    with :attr:`extra_files`); :attr:`write` when the format can be written."""

    name: str
    """The canonical name (``"glove"``), recorded as the entry's ``format``."""
    summary: str
    """One line for the documentation and the CLI's help."""
    aliases: Tuple[str, ...] = ()
    """Other spellings accepted for ``format=`` (``"fasttext"`` for ``"word2vec-text"``)."""
    sniff: Optional[Callable[[Head], bool]] = None
    """Whether a file's first bytes are in this format (None: never detected, only named)."""
    sniff_order: int = 50
    """Formats are sniffed in this order (lower first; ties in registration order). Distinctive
    magic numbers come first (10), the text formats that take any word-and-numbers line last (90)."""
    by_name: Optional[Callable[[Path], bool]] = None
    """Whether a file's name (``items.parquet``) says this format before any byte is read."""
    overrides: Tuple[str, ...] = ()
    """Formats this one takes over when its sniff matches, even if the caller named them (a
    fastText ``.bin`` is read as one whatever text format is named)."""
    open: Optional[Opener] = None
    convert: Optional[Converter] = None
    extra_files: Tuple[str, ...] = ()
    """Files the format keeps in its cache entry beside the vectors (fastText's ``ngrams.npy``)."""
    write: Optional[Writer] = None
    key_spelling: Optional[Callable[[Path, str], Optional[str]]] = None
    """How a named format is spelled in a file's cache key (default: the canonical name)."""
    takes_encoding: bool = False
    """Whether the format decodes its words with :attr:`ReadOptions.encoding` (fastText ``.bin``);
    ``encoding=`` is refused for any other."""

    def __post_init__(self) -> None:
        if (self.open is None) == (self.convert is None):
            raise ValueError(
                f"format {self.name!r}: give exactly one of open= (read in blocks) or convert= (write the entry)"
            )


_FORMATS: Dict[str, VectorFormat] = {}
_SPELLINGS: Dict[str, str] = {}
_loaded = False


def _ensure() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        for module in _BUILTIN:
            importlib.import_module(f"{__package__}.{module}")


def _key(spelling: str) -> str:
    return spelling.strip().lower()


def register(fmt: VectorFormat) -> VectorFormat:
    """Make ``fmt`` known by its name and aliases (ValueError when another format has one of
    them); returns ``fmt``. Registering the same object again is a no-op."""
    _ensure()
    spellings = [_key(s) for s in (fmt.name, *fmt.aliases)]
    for s in spellings:
        other = _SPELLINGS.get(s)
        if other is not None and _FORMATS[other] is not fmt:
            raise ValueError(f"format name {s!r} is already taken by the format {other!r}")
    _FORMATS[fmt.name] = fmt
    for s in spellings:
        _SPELLINGS[s] = fmt.name
    return fmt


def unregister(name: str) -> None:
    """Forget the format ``name`` and its aliases (for tests)."""
    fmt = _FORMATS.pop(name)
    for s in (fmt.name, *fmt.aliases):
        _SPELLINGS.pop(_key(s), None)


def names(*, writable_only: bool = False) -> List[str]:
    """The canonical names of the registered formats, in registration order."""
    _ensure()
    return [n for n, f in _FORMATS.items() if not writable_only or f.write is not None]


def spellings(*, streamed_only: bool = False) -> List[str]:
    """Every accepted ``format=`` spelling: names and aliases (``streamed_only``: of the formats
    read in blocks, :attr:`VectorFormat.open`; the CLI's ``--format`` choices, as tables and
    fastText ``.bin`` are recognised by their name and magic number)."""
    _ensure()
    out: List[str] = []
    for f in _FORMATS.values():
        if not streamed_only or f.open is not None:
            out.extend(s for s in (f.name, *f.aliases) if s not in out)
    return out


def writable() -> List[str]:
    """The names of the formats that can be written."""
    return names(writable_only=True)


def get(spelling: str) -> VectorFormat:
    """The format called ``spelling`` (a name or alias, any case); FormatError naming the known
    ones otherwise."""
    _ensure()
    try:
        return _FORMATS[_SPELLINGS[_key(spelling)]]
    except KeyError:
        raise FormatError(f"unknown format {spelling!r}; choose one of {', '.join(spellings())}") from None


def canonical(spelling: Optional[str]) -> Optional[str]:
    """The canonical name of a format (None stays None)."""
    return None if spelling is None else get(spelling).name


def read_head(path: os.PathLike[str] | str, member: Optional[str] = None) -> Optional[Head]:
    """The first :data:`HEAD_BYTES` of a (possibly compressed or archived) file, None when it
    cannot be opened (the reader then says why)."""
    from pretrained.formats.sources import open_source

    try:
        with open_source(path, member, hash=False) as src:
            return Head(src.stream.read(HEAD_BYTES), os.fspath(path), member)
    except (FormatError, OSError, EOFError):
        return None


def _sniffed(head: Optional[Head], candidates: Sequence[VectorFormat]) -> Optional[VectorFormat]:
    if head is None or not head.data:
        return None
    for fmt in sorted(candidates, key=lambda f: f.sniff_order):  # sorted() is stable
        if fmt.sniff is not None and fmt.sniff(head):
            return fmt
    return None


def resolve(
    path: os.PathLike[str] | str, member: Optional[str] = None, format: Optional[str] = None
) -> Optional[VectorFormat]:
    """The format a file is read as: the named one (or one that :attr:`~VectorFormat.overrides`
    it and recognises the file), else the one its name says, else the first whose sniff accepts
    its first bytes; None when none does (the text reader then reports why)."""
    _ensure()
    path = Path(path)
    if format is not None:
        named = get(format)
        over = [f for f in _FORMATS.values() if named.name in f.overrides]
        return (_sniffed(read_head(path, member), over) if over else None) or named
    by_name = next((f for f in _FORMATS.values() if f.by_name is not None and f.by_name(path)), None)
    if by_name is not None:
        return by_name
    return _sniffed(read_head(path, member), list(_FORMATS.values()))


def key_spelling(path: Path, format: Optional[str]) -> Optional[str]:
    """How ``format`` is spelled in the cache key of the file ``path`` (None: detected)."""
    if format is None:
        return None
    fmt = get(format)
    return fmt.key_spelling(path, format) if fmt.key_spelling is not None else fmt.name


def describe() -> List[Dict[str, Any]]:
    """One row per format (name, aliases, summary, detected, written), for documentation."""
    _ensure()
    return [
        {
            "name": f.name,
            "aliases": list(f.aliases),
            "summary": f.summary,
            "detected": f.sniff is not None or f.by_name is not None,
            "writable": f.write is not None,
            "extra_files": list(f.extra_files),
        }
        for f in _FORMATS.values()
    ]
