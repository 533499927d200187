"""The options of one read, in one frozen object: :class:`ReadOptions`.

The same choices (which file in an archive, how many vectors, which words, how to decode and what
to do with ``nan``) used to travel as nine loose keywords through the loader and the readers.
Here they are checked once, and the object itself says what each consumer needs from them: the
cache entry's name (:meth:`ReadOptions.subset_key`, :meth:`ReadOptions.file_key`), the readers'
keywords (:meth:`ReadOptions.reader_kwargs`) and what goes into ``meta.json``
(:meth:`ReadOptions.meta`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import numbers
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, FrozenSet, Iterable, Mapping, Optional

__all__ = ["ReadOptions", "check_arguments", "MAX_TOKEN_BYTES", "NONFINITE", "UNICODE_ERRORS"]

MAX_TOKEN_BYTES = 1000  #: the longest token accepted by default (GloVe's own bound)
NONFINITE = ("error", "zero", "keep")  #: what ``nonfinite=`` may say
UNICODE_ERRORS = ("strict", "replace", "ignore", "backslashreplace")  #: what ``unicode_errors=`` may say


def check_arguments(
    limit: Optional[int] = None,
    vocabulary: Optional[Iterable[str]] = None,
    unicode_errors: str = "replace",
    nonfinite: str = "error",
    max_token_bytes: Optional[int] = MAX_TOKEN_BYTES,
) -> Optional[set]:
    """Validate the reader's options (the one place they are checked, for the readers and for
    :func:`pretrained.load`); returns the vocabulary as a set (or None)."""
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, numbers.Integral) or limit < 1):
        raise ValueError(f"limit must be a whole number >= 1 (or None for every vector), got {limit!r}")
    if max_token_bytes is not None and (
        isinstance(max_token_bytes, bool) or not isinstance(max_token_bytes, numbers.Integral) or max_token_bytes < 1
    ):
        raise ValueError(f"max_token_bytes must be a whole number >= 1 or None, got {max_token_bytes!r}")
    if unicode_errors not in UNICODE_ERRORS:
        raise ValueError(f"unicode_errors={unicode_errors!r} is not one of {', '.join(UNICODE_ERRORS)}")
    if nonfinite not in NONFINITE:
        raise ValueError(f"nonfinite={nonfinite!r} is not one of {', '.join(NONFINITE)}")
    if vocabulary is None:
        return None
    if isinstance(vocabulary, (str, bytes)):
        raise TypeError(
            f"vocabulary must be a collection of words (a list or set), not a single {type(vocabulary).__name__} "
            f"{vocabulary!r}: pass [{vocabulary!r}] for that one word"
        )
    vocab = set(vocabulary)
    odd = next((w for w in vocab if not isinstance(w, str)), None)
    if odd is not None:
        raise TypeError(f"vocabulary must hold strings (words), found {odd!r} ({type(odd).__name__})")
    return vocab


@dataclass(frozen=True)
class ReadOptions:
    """How to read one vector file, checked when made (``ValueError``/``TypeError`` naming the
    option otherwise).

    Parameters
    ----------
    format
        A format name or alias (see :func:`pretrained.formats.registry.names`), None to detect it.
        Resolved when the file is opened, not here (a catalogue set ignores it).
    member
        The file inside a zip archive.
    limit
        Read at most this many vectors (a whole number >= 1), None for all.
    vocabulary
        Keep only these words; kept as a sorted tuple of distinct words (a lone string is refused).
    unicode_errors
        How tokens that are not valid UTF-8 are decoded (``"replace"``, ``"ignore"``,
        ``"backslashreplace"`` or ``"strict"``).
    nonfinite
        ``"error"``, ``"zero"`` or ``"keep"``: what to do with ``nan``/``inf`` values.
    numeric_token_parts
        GloVe text: accept tokens with spaces whose last part is a number.
    max_token_bytes
        The longest token accepted (default :data:`MAX_TOKEN_BYTES`); None for no bound.
    encoding
        The encoding of a fastText ``.bin``'s words when they are not UTF-8 (``"latin-1"``); the
        formats that read text take ``unicode_errors`` instead.

    Examples
    --------
    >>> o = ReadOptions(limit=5, vocabulary={"b", "a"})
    >>> o.vocabulary, o.subset_key()
    (('a', 'b'), '-limit5-vocab2-7e18f737311b')
    >>> ReadOptions(nonfinite="zero").reader_kwargs()["nonfinite"]
    'zero'
    """

    format: Optional[str] = None
    member: Optional[str] = None
    limit: Optional[int] = None
    vocabulary: Optional[Iterable[str]] = None
    unicode_errors: str = "replace"
    nonfinite: str = "error"
    numeric_token_parts: bool = False
    max_token_bytes: Optional[int] = MAX_TOKEN_BYTES
    encoding: Optional[str] = None
    _words: Optional[FrozenSet[str]] = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        vocab = check_arguments(self.limit, self.vocabulary, self.unicode_errors, self.nonfinite, self.max_token_bytes)
        if vocab is not None:
            object.__setattr__(self, "vocabulary", tuple(sorted(vocab)))
            object.__setattr__(self, "_words", frozenset(vocab))

    @classmethod
    def from_kwargs(cls, kwargs: Mapping[str, Any], **changes: Any) -> ReadOptions:
        """The options among ``kwargs`` (a public function's ``locals()``, whose keywords carry the
        same names as the fields; other names are ignored), with ``changes`` on top: the one way
        :func:`pretrained.load`, :func:`pretrained.convert`, :func:`pretrained.entry_path` and
        :func:`pretrained.formats.iter_vectors` turn their keywords into options, checked as
        ``ReadOptions(...)`` checks them.

        Examples
        --------
        >>> ReadOptions.from_kwargs({"limit": 5, "cache_dir": None}, nonfinite="zero").subset_key()
        '-limit5-nonfinite-zero'
        """
        if changes:
            kwargs = {**kwargs, **changes}
        return cls(*[kwargs.get(name, default) for name, default in _FIELDS])

    def replace(self, **changes: Any) -> ReadOptions:
        """A copy with ``changes`` (checked again)."""
        return dataclasses.replace(self, **changes)

    def require_words(self) -> ReadOptions:
        """``self``, or ValueError when ``vocabulary`` is empty (a load would keep nothing)."""
        if self._words is not None and not self._words:
            raise ValueError("vocabulary is empty: give the words to keep, or vocabulary=None for every word")
        return self

    @property
    def words(self) -> Optional[FrozenSet[str]]:
        """``vocabulary`` as a set (None for every word)."""
        return self._words

    def changed(self) -> Dict[str, Any]:
        """The reader options (``nonfinite``, ``numeric_token_parts``, ``max_token_bytes``) that
        differ from their defaults, as recorded in ``meta.json``."""
        out: Dict[str, Any] = {}
        if self.nonfinite != "error":
            out["nonfinite"] = self.nonfinite
        if self.numeric_token_parts:
            out["numeric_token_parts"] = True
        if self.max_token_bytes != MAX_TOKEN_BYTES:
            out["max_token_bytes"] = self.max_token_bytes
        return out

    def reader_kwargs(self) -> Dict[str, Any]:
        """Keywords for :func:`pretrained.formats.iter_vectors`."""
        return {
            "format": self.format,
            "member": self.member,
            "limit": self.limit,
            "vocabulary": self._words,
            "unicode_errors": self.unicode_errors,
            "nonfinite": self.nonfinite,
            "numeric_token_parts": self.numeric_token_parts,
            "max_token_bytes": self.max_token_bytes,
        }

    def meta(self, *, reader: bool = True) -> Dict[str, Any]:
        """What ``meta.json`` records of these options: ``limit``, ``vocabulary_size`` and (with
        ``reader``) the reader options that differ from their defaults."""
        out: Dict[str, Any] = {
            "limit": self.limit,
            "vocabulary_size": None if self._words is None else len(self._words),
        }
        if reader:
            out.update(self.changed())
        return out

    def subset_key(self) -> str:
        """The part of a cache entry's name that says which subset and reader choices it holds
        (empty for the whole file read with the defaults)."""
        parts = []
        if self.limit is not None:
            parts.append(f"limit{int(self.limit)}")
        if self.vocabulary is not None and self._words is not None:  # a sorted tuple of the distinct words
            digest = hashlib.sha256("\n".join(self.vocabulary).encode("utf-8")).hexdigest()[:12]
            parts.append(f"vocab{len(self._words)}-{digest}")
        if self.nonfinite != "error":
            parts.append(f"nonfinite-{self.nonfinite}")
        if self.numeric_token_parts:
            parts.append("numericparts")
        if self.max_token_bytes != MAX_TOKEN_BYTES:
            parts.append(f"maxtoken-{self.max_token_bytes}")
        return ("-" + "-".join(parts)) if parts else ""

    def file_key(self, path: Path, format_key: Optional[str]) -> str:
        """The cache entry name of a local file read with these options: the file's name and a
        digest of its path, size, mtime, member, ``format_key`` (the format as the registry
        spells it for keys) and ``unicode_errors``, then :meth:`subset_key`."""
        st = path.stat()
        text = "|".join(
            [
                str(path.resolve()),
                str(st.st_size),
                str(st.st_mtime_ns),
                str(self.member),
                str(format_key),
                self.unicode_errors + (f"|encoding={self.encoding}" if self.encoding else ""),
            ]
        )
        stem = re.sub(r"[^A-Za-z0-9._-]+", "_", (self.member or path.name))[:60]
        return f"{stem}-{hashlib.sha256(text.encode('utf-8')).hexdigest()[:12]}" + self.subset_key()


_FIELDS = tuple((f.name, f.default) for f in dataclasses.fields(ReadOptions) if f.init)
"""The keywords of :class:`ReadOptions` in their order, with their defaults (what
:meth:`ReadOptions.from_kwargs` picks)."""
