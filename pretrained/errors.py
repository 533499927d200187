"""The exceptions of ``pretrained``: one root, children that also subclass the built-in users catch."""

from __future__ import annotations

from typing import Optional, Sequence, Union

__all__ = [
    "PretrainedError",
    "UnknownNameError",
    "WordNotFoundError",
    "FormatError",
    "TruncatedFileError",
    "FormatDecodeError",
    "DownloadError",
    "ChecksumError",
    "OfflineError",
    "CacheError",
    "LockTimeoutError",
    "MissingDependencyError",
    "CatalogError",
    "ConfigError",
    "ArgumentError",
    "ArgumentTypeError",
    "IndexServiceError",
    "InvalidNameError",
    "NameTakenError",
    "UnrecordableError",
    "DataFolderError",
    "VocabularyError",
    "CorpusError",
    "IndexUnavailableError",
    "ProjectionError",
    "UnknownWordsError",
    "IndexMismatchError",
    "UsageError",
]


class PretrainedError(Exception):
    """Root of every error raised on purpose by ``pretrained``."""


class UnknownNameError(PretrainedError, ValueError):
    """A vector-set name that is neither in the catalogue nor an existing file."""

    def __init__(self, name: str, known: tuple[str, ...] = ()):
        self.name = name
        self.known = tuple(known)
        self.suggestions = _closest(name, self.known)
        hint = f" Did you mean {' or '.join(map(repr, self.suggestions))}?" if self.suggestions else ""
        super().__init__(
            f"{name!r} is neither a catalogue name nor an existing file.{hint} "
            "Run `pretrained list` to see the catalogue, or pass a path to a vector file."
        )


def _closest(word: str, candidates: tuple[str, ...], n: int = 2) -> tuple[str, ...]:
    """The (at most ``n``) candidates closest to ``word``, ignoring case (difflib's ratio >= 0.75),
    for a "did you mean" hint.

    Examples
    --------
    >>> _closest("glove.6B.51d", ("glove.6B.50d", "glove.6B.100d", "fasttext.wiki-news.300d"))
    ('glove.6B.50d', 'glove.6B.100d')
    >>> _closest("GLOVE.6b.50D", ("glove.6B.50d",))
    ('glove.6B.50d',)
    """
    import difflib

    lowered: dict[str, str] = {}
    for c in candidates:
        lowered.setdefault(c.lower(), c)
    return tuple(lowered[c] for c in difflib.get_close_matches(word.lower(), list(lowered), n=n, cutoff=0.75))


class WordNotFoundError(PretrainedError, KeyError):
    """A word that is not in the vocabulary."""

    def __init__(self, word: Union[str, int], where: str = "the vocabulary"):
        self.word = word
        super().__init__(f"word {word!r} is not in {where}")

    def __str__(self) -> str:  # KeyError would show the repr of the message
        return str(self.args[0])


class FormatError(PretrainedError, ValueError):
    """A vector file that cannot be read: the message names the file and, where known, the line."""

    def __init__(self, message: str, path: Optional[str] = None, line: Optional[int] = None):
        self.path = path
        self.line = line
        super().__init__(_located(message, path, line))


def _located(message: str, path: Optional[str], line: Optional[int]) -> str:
    """``path, line N: message`` (the parts that are known)."""
    if path is None:
        return message
    return f"{path}, line {line}: {message}" if line is not None else f"{path}: {message}"


class TruncatedFileError(FormatError, EOFError):
    """A file (or compressed stream) that ends before its data does; code written for gensim,
    which raises ``EOFError`` there, catches it too."""


class FormatDecodeError(FormatError, UnicodeDecodeError):
    """A token that is not valid UTF-8 with ``unicode_errors="strict"``; code written for gensim,
    which raises ``UnicodeDecodeError`` there, catches it too.

    ``encoding``, ``object``, ``start``, ``end`` and ``reason`` are those of the decode error."""

    def __init__(
        self,
        message: str,
        path: Optional[str] = None,
        line: Optional[int] = None,
        *,
        object: bytes = b"",
        start: int = 0,
        end: int = 0,
        reason: str = "invalid",
        encoding: str = "utf-8",
    ):
        UnicodeDecodeError.__init__(self, encoding, object, start, end, reason)
        self.path = path
        self.line = line
        self.message = _located(message, path, line)
        self.args = (self.message,)

    def __str__(self) -> str:  # UnicodeDecodeError would describe only the bytes
        return self.message


class DownloadError(PretrainedError, OSError):
    """A download that failed; carries the URL."""

    def __init__(self, message: str, url: Optional[str] = None):
        self.url = url
        super().__init__(message)

    def __str__(self) -> str:
        return str(self.args[0])


class ChecksumError(DownloadError):
    """Downloaded or cached bytes whose checksum is not the expected one."""

    def __init__(self, path: str, expected: str, actual: str, url: Optional[str] = None):
        self.path = path
        self.expected = expected
        self.actual = actual
        src = f" from {url}" if url else ""
        super().__init__(
            f"checksum mismatch for {path}{src}: expected {expected}, got {actual}. "
            "The bytes were discarded; try again or use another mirror.",
            url=url,
        )


class OfflineError(PretrainedError, ConnectionError):
    """Network access was needed while offline mode is on."""


class CacheError(PretrainedError, OSError):
    """A cache entry or index that is corrupt, incomplete or does not match what it claims."""

    def __str__(self) -> str:
        return str(self.args[0])


class LockTimeoutError(CacheError, TimeoutError):
    """Another process held a download or conversion lock longer than ``$PRETRAINED_LOCK_TIMEOUT``;
    carries the lock file and who holds it."""

    def __init__(self, message: str, lock_file: str = "", holder: str = ""):
        self.lock_file = lock_file
        self.holder = holder
        super().__init__(message)


class MissingDependencyError(PretrainedError, ImportError):
    """An optional dependency is not installed; the message names the extra to install."""

    def __init__(self, module: str, extra: str):
        self.module = module
        self.extra = extra
        super().__init__(f"this needs the optional dependency {module!r}: pip install 'pretrained[{extra}]'")


class CatalogError(PretrainedError, ValueError):
    """A catalogue entry (from ``$PRETRAINED_CATALOG`` or ``register``) that is malformed."""

    def __init__(self, message: str, source: Optional[str] = None):
        self.source = source
        super().__init__(f"{source}: {message}" if source else message)


class ConfigError(PretrainedError, ValueError):
    """A setting (an environment variable) with a value that cannot be used."""


class ArgumentError(PretrainedError, ValueError):
    """An argument whose value cannot be used (a negative count, an empty list, a NaN vector);
    the message names the value and says what to pass instead."""


class ArgumentTypeError(PretrainedError, TypeError):
    """An argument of a type that cannot be used (``v[1.5]``, a set where order matters); the
    message names the type and what to pass instead."""


class IndexServiceError(PretrainedError, ConnectionError):
    """An index server (Milvus) that cannot be reached or refuses the credentials; ``uri`` is its
    address without credentials (a token is never part of the message)."""

    def __init__(self, message: str, uri: Optional[str] = None):
        self.uri = uri
        super().__init__(message)


class InvalidNameError(PretrainedError, ValueError):
    """A name that cannot name a saved set (or a word that cannot be saved)."""


class NameTakenError(PretrainedError, FileExistsError):
    """A name already used by a catalogue set, a saved set or a folder in the way."""


class UnrecordableError(PretrainedError, ValueError):
    """An option or metadata value that cannot be recorded in ``meta.json`` (not plain JSON)."""


class DataFolderError(PretrainedError, OSError):
    """The data folder of saved sets cannot be written (permissions, no free space)."""


class VocabularyError(PretrainedError, ValueError):
    """A vocabulary that cannot be used: the message names the file, line, token or index."""


class CorpusError(PretrainedError, ValueError):
    """A corpus that cannot be trained on (empty, or no word frequent enough)."""


class IndexUnavailableError(PretrainedError, RuntimeError):
    """Evaluation through an approximate index was asked for, but no index support is available."""


class ProjectionError(PretrainedError, ValueError):
    """A projection that cannot be made as asked: unknown method, too many or too few points."""


class UnknownWordsError(WordNotFoundError):
    """Words asked for that are not in the vectors; ``words`` holds all of them."""

    def __init__(self, words: Sequence[str], where: str):
        self.words = tuple(words)
        self.word = self.words[0]
        shown = ", ".join(repr(w) for w in self.words[:20]) + (" ..." if len(self.words) > 20 else "")
        KeyError.__init__(
            self,
            f"{len(self.words)} of the given words {'is' if len(self.words) == 1 else 'are'} not in {where}: {shown}",
        )


class IndexMismatchError(CacheError):
    """An index that does not belong to these vectors, or is incomplete (truncated, no sidecar)."""

    def __init__(self, message: str, path: Optional[str] = None):
        self.path = path
        super().__init__(message)


class UsageError(ArgumentError):
    """A combination of command-line arguments the parser cannot express: the command line prints
    it as argparse prints its own (the usage line, then the message; exit status 2). Code calling
    the CLI's functions catches it as every other error of ours (``PretrainedError``) or as the
    ``ValueError`` it is."""
