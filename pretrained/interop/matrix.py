"""Weight matrices for a model's embedding layer: row ``i`` is the vector of token ``i``.

One vectorised lookup (dict gets, then one fancy-index gather) turns a model vocabulary into a
float32 matrix, with Keras' conventions built in:

* ``TextVectorization.get_vocabulary()`` -> ``['', '[UNK]', 'the', ...]``: row 0 is the padding
  token and stays zero, row 1 is the OOV token (filled by the ``oov`` policy, never counted as a
  miss);
* ``Tokenizer.word_index`` -> ``{'the': 1, ...}``: 1-based, row 0 reserved (zero), and with
  ``num_words`` only indices below ``num_words`` are kept, exactly as ``texts_to_sequences`` does;
* any list of tokens (row = position), any ``{token: row}`` dict, or a vocabulary file (one token a
  line, row = line number).

A :class:`Coverage` report (hits, misses, the most frequent missing tokens) is logged and, with
``return_report=True``, returned beside the matrix.
"""

from __future__ import annotations

import logging
import os
import weakref
from collections.abc import KeysView
from collections.abc import Set as AbstractSet
from dataclasses import asdict, dataclass
from itertools import repeat
from typing import Any, Callable, Dict, Iterable, List, Literal, Mapping, Optional, Sequence, Tuple, Union, overload

import numpy as np

from pretrained.errors import VocabularyError

__all__ = ["embedding_matrix", "Coverage", "VocabularyError", "read_vocabulary", "vocabulary_rows", "OOV_POLICIES"]

logger = logging.getLogger(__name__)

OOV_POLICIES = ("zeros", "random", "mean")
OovPolicy = Union[str, Callable[[str], Any]]
Vocabulary = Union[Sequence[str], Mapping[str, int], Iterable[str], str, "os.PathLike[str]"]

_STATS_CHUNK = 65536  # rows per chunk when computing the vectors' mean and std


@dataclass(frozen=True)
class Coverage:
    """How much of a vocabulary the vectors cover.

    Attributes
    ----------
    rows, dim
        Shape of the matrix.
    hits
        Token rows filled from the vectors (including ``lowercased``).
    misses
        Token rows whose token the vectors do not have (filled by the ``oov`` policy).
    lowercased
        Hits found only through the lowercase fallback (``Paris`` -> ``paris``).
    padding_rows
        Rows that stay zero: the padding token and indices no token maps to (row 0 of a
        ``word_index``).
    oov_token_rows
        Rows of the OOV token (``[UNK]``), filled by the ``oov`` policy, not counted as misses.
    missing
        The most frequent missing tokens (by ``counts`` when given, else by row, since Keras
        vocabularies are sorted by frequency), at most ``top_missing`` of them.
    frequency
        With ``counts``: the fraction of token occurrences whose token was found.
    """

    rows: int
    dim: int
    hits: int
    misses: int
    lowercased: int
    padding_rows: Tuple[int, ...]
    oov_token_rows: Tuple[int, ...]
    missing: Tuple[str, ...]
    frequency: Optional[float] = None

    @property
    def tokens(self) -> int:
        """Rows that hold a real token (hits + misses)."""
        return self.hits + self.misses

    @property
    def fraction(self) -> float:
        """Fraction of token rows found in the vectors (1.0 for a vocabulary of specials only)."""
        return self.hits / self.tokens if self.tokens else 1.0

    def as_dict(self) -> Dict[str, Any]:
        """A JSON-ready dict (lists instead of tuples, plus ``fraction``)."""
        data = asdict(self)
        for key in ("padding_rows", "oov_token_rows", "missing"):
            data[key] = list(data[key])
        data["fraction"] = self.fraction
        return data

    def __str__(self) -> str:
        percent = f"{100 * self.fraction:.1f}%"
        if self.misses and percent == "100.0%":
            percent = ">99.9%"
        text = f"{self.rows:,} rows x {self.dim}: {self.hits:,} of {self.tokens:,} tokens found ({percent})"
        if self.lowercased:
            text += f", {self.lowercased:,} through lowercase"
        if self.frequency is not None:
            text += f"; {100 * self.frequency:.1f}% of token occurrences"
        if self.misses:
            shown = ", ".join(repr(t) for t in self.missing)
            text += f"; {self.misses:,} missing" + (f", most frequent: {shown}" if shown else "")
        specials = []
        if self.padding_rows:
            n = len(self.padding_rows)
            specials.append(f"{n:,} padding row{'s' if n > 1 else ''} (zero)")
        if self.oov_token_rows:
            n = len(self.oov_token_rows)
            specials.append(f"{n:,} OOV-token row{'s' if n > 1 else ''}")
        if specials:
            text += "; plus " + " and ".join(specials)
        return text


# ---------------------------------------------------------------------------- vocabularies


def read_vocabulary(path: str | os.PathLike[str], *, strip: bool = False) -> List[str]:
    """Read a vocabulary file: UTF-8, one token a line. The package's one vocabulary-file reader.

    Parameters
    ----------
    path
        The file. A leading byte-order mark is dropped.
    strip
        False (default, for an embedding layer's vocabulary): row ``i`` = line ``i + 1``, exactly.
        Only ``\\n`` (and a ``\\r`` before it) ends a line, so tokens may hold any other character,
        spaces included; an empty line is the padding token ``''`` (the first line of a file
        written from ``TextVectorization.get_vocabulary()``).
        True (for a word list written by hand, such as ``export-projector --vocab``): surrounding
        whitespace is removed and blank lines are skipped, so rows no longer follow line numbers.

    Raises
    ------
    VocabularyError
        The file cannot be read, or is not UTF-8 (naming the line).

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "vocab.txt")
    >>> _ = open(path, "w", encoding="utf-8").write("\\n[UNK]\\nthe\\ncat \\n")
    >>> read_vocabulary(path)
    ['', '[UNK]', 'the', 'cat ']
    >>> read_vocabulary(path, strip=True)
    ['[UNK]', 'the', 'cat']
    """
    name = os.fspath(path)
    try:
        with open(name, "rb") as f:
            data = f.read()
    except OSError as exc:
        raise VocabularyError(f"cannot read the vocabulary file {name}: {exc.strerror or exc}") from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise VocabularyError(f"{name}, line {line}: not valid UTF-8 ({exc.reason})") from exc
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the newline ending the last line
    if strip:
        return [token for token in (line.strip() for line in lines) if token]
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def _rows(vocabulary: Vocabulary, num_words: Optional[int]) -> List[Optional[str]]:
    """The token of every row (None for an index no token maps to)."""
    if num_words is not None and (
        isinstance(num_words, bool) or not isinstance(num_words, (int, np.integer)) or num_words < 1
    ):
        raise ValueError(f"num_words must be a positive integer, got {num_words!r}")
    if isinstance(vocabulary, (str, os.PathLike)):
        tokens: List[Optional[str]] = list(read_vocabulary(vocabulary))
        source = os.fspath(vocabulary)
    elif isinstance(vocabulary, Mapping):
        return _rows_from_index(vocabulary, num_words)
    elif isinstance(vocabulary, (bytes, bytearray)):
        raise VocabularyError("a vocabulary is a list of tokens, a {token: index} dict or a file path, not bytes")
    elif isinstance(vocabulary, AbstractSet) and not isinstance(vocabulary, KeysView):
        raise VocabularyError(
            f"the vocabulary is an unordered {type(vocabulary).__name__}: row i is the i-th token, and a set's "
            "order changes from run to run; pass a list in row order (e.g. vectorizer.get_vocabulary()) "
            "or a {token: index} dict"
        )
    else:
        try:
            tokens = list(vocabulary)
        except TypeError:
            raise VocabularyError(
                f"a vocabulary is a list of tokens, a {{token: index}} dict or a file path, not {type(vocabulary).__name__}"
            ) from None
        source = "the vocabulary"
    if num_words is not None:
        tokens = tokens[:num_words]
    if not all(map(isinstance, tokens, repeat(str))):
        i, token = next((i, t) for i, t in enumerate(tokens) if not isinstance(t, str))
        raise VocabularyError(f"{source}: row {i} holds {token!r} ({type(token).__name__}), not a str token")
    return list(map(str, tokens))  # numpy str_ (a Keras vocabulary array) becomes a plain str


def vocabulary_rows(vocabulary: Vocabulary, num_words: Optional[int] = None) -> List[Optional[str]]:
    """The token of every row of ``vocabulary`` (any form :func:`embedding_matrix` accepts; None
    for an index no token maps to, such as row 0 of a ``word_index``)."""
    return _rows(vocabulary, num_words)


def _rows_from_index(word_index: Mapping[str, int], num_words: Optional[int]) -> List[Optional[str]]:
    """Rows of a ``{token: index}`` dict; with ``num_words``, only indices ``< num_words`` (Keras'
    ``Tokenizer``), and the matrix has ``min(num_words, largest index + 1)`` rows, like the legacy
    Keras guide's ``min(MAX_NUM_WORDS, len(word_index) + 1)``."""
    pairs = []
    for token, index in word_index.items():
        if not isinstance(token, str):
            raise VocabularyError(f"vocabulary keys are str tokens, got {token!r} ({type(token).__name__})")
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or index < 0:
            raise VocabularyError(f"token {token!r} maps to {index!r}: indices are integers >= 0")
        if num_words is None or index < num_words:
            pairs.append((int(index), token if type(token) is str else str(token)))
    rows = max((i for i, _ in pairs), default=-1) + 1
    if rows > 16 * len(pairs) + 1024:  # a typo'd index would otherwise allocate a huge matrix
        raise VocabularyError(
            f"index {rows - 1:,} is far beyond the {len(pairs):,} tokens of the vocabulary; "
            "check the dict or pass num_words"
        )
    tokens: List[Optional[str]] = [None] * rows
    for index, token in pairs:
        if tokens[index] is not None:
            raise VocabularyError(f"tokens {tokens[index]!r} and {token!r} both map to index {index}")
        tokens[index] = token
    return tokens


# ---------------------------------------------------------------------------- statistics

_stats_cache: weakref.WeakKeyDictionary[Any, Tuple[np.ndarray, np.ndarray]] = weakref.WeakKeyDictionary()


def _mean_std(vectors: Any, matrix: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Per-dimension mean and standard deviation of all the vectors (float64 sums over chunks;
    cached for read-only ``Vectors``)."""
    from pretrained.core.vectors import Vectors

    cacheable = isinstance(vectors, Vectors)
    if cacheable and vectors in _stats_cache:
        return _stats_cache[vectors]
    n, dim = matrix.shape
    total = np.zeros(dim, np.float64)
    for s in range(0, n, _STATS_CHUNK):
        total += matrix[s : s + _STATS_CHUNK].sum(axis=0, dtype=np.float64)
    mean = total / max(n, 1)
    sq = np.zeros(dim, np.float64)
    for s in range(0, n, _STATS_CHUNK):
        d = matrix[s : s + _STATS_CHUNK] - mean
        sq += np.einsum("ij,ij->j", d, d)
    std = np.sqrt(sq / max(n, 1))
    result = (mean.astype(np.float32), std.astype(np.float32))
    if cacheable:
        _stats_cache[vectors] = result
    return result


# ---------------------------------------------------------------------------- the matrix


def _vector_parts(vectors: Any) -> Tuple[Mapping[str, int], np.ndarray]:
    try:
        key_to_index, matrix = vectors.key_to_index, vectors.vectors
    except AttributeError:
        raise TypeError(
            "vectors must be a pretrained.Vectors (or have key_to_index and vectors, like gensim's "
            f"KeyedVectors), got {type(vectors).__name__}"
        ) from None
    matrix = np.asarray(matrix)
    if matrix.ndim != 2:
        raise ValueError(f"vectors must be a 2-D array, got shape {matrix.shape}")
    return key_to_index, matrix


@overload
def embedding_matrix(
    vectors: Any,
    vocabulary: Vocabulary,
    *,
    oov: OovPolicy = ...,
    seed: Optional[int] = ...,
    lowercase: bool = ...,
    num_words: Optional[int] = ...,
    padding_token: Optional[str] = ...,
    oov_token: Optional[str] = ...,
    counts: Optional[Mapping[str, int]] = ...,
    top_missing: int = ...,
    return_report: Literal[False] = ...,
) -> np.ndarray: ...
@overload
def embedding_matrix(
    vectors: Any,
    vocabulary: Vocabulary,
    *,
    oov: OovPolicy = ...,
    seed: Optional[int] = ...,
    lowercase: bool = ...,
    num_words: Optional[int] = ...,
    padding_token: Optional[str] = ...,
    oov_token: Optional[str] = ...,
    counts: Optional[Mapping[str, int]] = ...,
    top_missing: int = ...,
    return_report: Literal[True],
) -> Tuple[np.ndarray, Coverage]: ...


def embedding_matrix(
    vectors: Any,
    vocabulary: Vocabulary,
    *,
    oov: OovPolicy = "zeros",
    seed: Optional[int] = None,
    lowercase: bool = True,
    num_words: Optional[int] = None,
    padding_token: Optional[str] = "",
    oov_token: Optional[str] = "[UNK]",
    counts: Optional[Mapping[str, int]] = None,
    top_missing: int = 20,
    return_report: bool = False,
) -> Union[np.ndarray, Tuple[np.ndarray, Coverage]]:
    """The float32 ``(rows, dim)`` weight matrix of an embedding layer: row ``i`` is the vector of
    the vocabulary's token ``i``.

    Parameters
    ----------
    vectors
        A :class:`~pretrained.Vectors` (or gensim ``KeyedVectors``: anything with
        ``key_to_index`` and ``vectors``).
    vocabulary
        ``TextVectorization.get_vocabulary()`` or any list of tokens (row = position); a
        ``Tokenizer.word_index`` or any ``{token: index}`` dict (indices no token maps to, such as
        row 0 of a ``word_index``, stay zero); or the path of a vocabulary file, one token a line.
    oov
        What rows of tokens the vectors lack hold: ``"zeros"``; ``"random"``, normal draws with
        each dimension's own mean and standard deviation over all the vectors (reproducible with
        ``seed``); ``"mean"``, the mean vector; ``"subword"``, the vector fastText gives an
        unknown word from its character n-grams (a set loaded from a fastText ``.bin``); or a
        callable ``token -> vector``.
    seed
        Seed of the ``"random"`` draws: an integer >= 0, or None for fresh draws each call.
    lowercase
        Look a token up lowercased when it is missing as written (``Paris`` finds ``paris`` in the
        all-lowercase GloVe). Exact matches always win.
    num_words
        Keep only rows below ``num_words``, as Keras' ``Tokenizer(num_words=...)`` does: the matrix
        has ``min(num_words, largest index + 1)`` rows.
    padding_token
        The token whose row stays zero (``''`` in ``TextVectorization``); None for none.
    oov_token
        The out-of-vocabulary token (``'[UNK]'``; ``Tokenizer(oov_token=...)`` uses your own):
        its row follows ``oov`` and it is not counted as a miss. None for none.
    counts
        Token frequencies (``Tokenizer.word_counts``; a mapping to numbers >= 0): rank the missing
        tokens by them and report the fraction of occurrences covered.
    top_missing
        How many missing tokens the report names.
    return_report
        Return ``(matrix, Coverage)`` instead of the matrix alone. The report is logged either way.

    Raises
    ------
    ValueError, TypeError
        An unknown ``oov``, a ``seed`` that is not an integer >= 0, ``counts`` that are not
        numbers >= 0, a bad ``num_words`` (:class:`VocabularyError` for a bad vocabulary).

    Returns
    -------
    numpy.ndarray
        A new, writable, C-contiguous float32 array of shape ``(rows, dim)`` (and the
        :class:`Coverage` with ``return_report=True``).

    Examples
    --------
    >>> import numpy as np, pretrained
    >>> v = pretrained.Vectors(["the", "cat", "paris"], np.arange(6, dtype=np.float32).reshape(3, 2))
    >>> m, report = pretrained.embedding_matrix(v, ["", "[UNK]", "cat", "Paris", "zebra"], return_report=True)
    >>> m.tolist()
    [[0.0, 0.0], [0.0, 0.0], [2.0, 3.0], [4.0, 5.0], [0.0, 0.0]]
    >>> print(report)
    5 rows x 2: 2 of 3 tokens found (66.7%), 1 through lowercase; 1 missing, most frequent: 'zebra'; plus 1 padding row (zero) and 1 OOV-token row
    """
    if oov == "subword":  # fastText n-gram vectors (pretrained.core.fasttext)
        if not getattr(vectors, "has_subwords", False):
            raise ValueError("oov='subword' needs vectors with subword information: load a fastText .bin file")
        oov = vectors.subword_vector
    _check_options(oov, seed, counts)
    key_to_index, source = _vector_parts(vectors)
    tokens = _rows(vocabulary, num_words)
    idx, padding, unk = _lookup(tokens, key_to_index, padding_token, oov_token)
    missing_rows = np.flatnonzero(idx == _MISSING)
    lowercased = _lowercase_fallback(tokens, key_to_index, idx, missing_rows) if lowercase else 0
    if lowercased:
        missing_rows = missing_rows[idx[missing_rows] < 0]

    matrix = np.zeros((len(tokens), source.shape[1]), dtype=np.float32)
    hit = idx >= 0
    matrix[hit] = source[idx[hit]]  # one gather for all hits

    # the OOV policy for misses and the OOV-token rows; padding rows stay zero
    fill = np.sort(np.concatenate([missing_rows, np.asarray(unk, dtype=np.intp)])) if unk else missing_rows
    if fill.size:
        _fill_oov(matrix, fill, tokens, oov, seed, vectors, source)

    report = _coverage(
        tokens, matrix.shape, int(hit.sum()), missing_rows, lowercased, padding, unk, counts, top_missing
    )
    logger.info("embedding matrix: %s", report)
    return (matrix, report) if return_report else matrix


_MISSING, _SPECIAL = -1, -2  # row markers in the lookup: a token not found; a padding/OOV-token row


def _check_options(oov: OovPolicy, seed: Any, counts: Any) -> None:
    """Refuse an ``oov``, ``seed`` or ``counts`` that cannot be used, saying what is allowed."""
    if not callable(oov) and oov not in OOV_POLICIES:
        raise ValueError(f"oov must be one of {', '.join(map(repr, OOV_POLICIES))} or a callable, got {oov!r}")
    if seed is not None:
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise TypeError(f"seed must be an integer >= 0 or None, got {seed!r} ({type(seed).__name__})")
        if seed < 0:
            raise ValueError(f"seed must be an integer >= 0 or None, got {seed}")
    if counts is None:
        return
    if not isinstance(counts, Mapping):
        raise TypeError(
            f"counts must be a {{token: count}} mapping such as Tokenizer.word_counts, got {type(counts).__name__}"
        )
    for token, count in counts.items():
        if isinstance(count, bool) or not isinstance(count, (int, float, np.integer, np.floating)):
            raise TypeError(f"counts[{token!r}] is {count!r} ({type(count).__name__}); counts are numbers >= 0")
        if not (np.isfinite(count) and count >= 0):
            raise ValueError(f"counts[{token!r}] is {count!r}; counts are finite numbers >= 0")


def _lookup(
    tokens: List[Optional[str]], key_to_index: Mapping[str, int], padding_token: Optional[str], oov_token: Optional[str]
) -> Tuple[np.ndarray, List[int], List[int]]:
    """Every row's index in the vectors (``_MISSING``: not found; ``_SPECIAL``: a padding or
    OOV-token row, never looked up), the padding rows and the OOV-token rows: two C-level passes
    of dict gets (None, an unused row, is never a key)."""
    rows = len(tokens)
    # Mapping.get is overloaded, which map() cannot resolve; None (a padding row) is never a key
    idx = np.fromiter(map(key_to_index.get, tokens, repeat(_MISSING, rows)), dtype=np.intp, count=rows)  # type: ignore[arg-type]
    kinds = {oov_token: 2, padding_token: 1, None: 1} if oov_token is not None else {padding_token: 1, None: 1}
    kind = np.fromiter(map(kinds.get, tokens, repeat(0, rows)), dtype=np.int8, count=rows)
    idx[kind > 0] = _SPECIAL
    return idx, np.flatnonzero(kind == 1).tolist(), np.flatnonzero(kind == 2).tolist()


def _lowercase_fallback(
    tokens: List[Optional[str]], key_to_index: Mapping[str, int], idx: np.ndarray, missing_rows: np.ndarray
) -> int:
    """Look the missing rows' tokens up lowercased (in place in ``idx``); return how many were found."""
    found = 0
    for i in missing_rows.tolist():
        token = tokens[i]
        low = token.lower()
        j = key_to_index.get(low, _MISSING) if low != token else _MISSING
        if j >= 0:
            idx[i] = j
            found += 1
    return found


def _fill_oov(
    matrix: np.ndarray,
    rows: np.ndarray,
    tokens: List[Optional[str]],
    oov: OovPolicy,
    seed: Optional[int],
    vectors: Any,
    source: np.ndarray,
) -> None:
    dim = matrix.shape[1]
    if oov == "zeros":
        return
    if callable(oov):
        for i in rows.tolist():
            vec = np.asarray(oov(tokens[i]), dtype=np.float32)
            if vec.shape != (dim,):
                raise ValueError(f"oov({tokens[i]!r}) returned shape {vec.shape}, expected ({dim},)")
            matrix[i] = vec
        return
    mean, std = _mean_std(vectors, source)
    if oov == "mean":
        matrix[rows] = mean
    else:  # "random"
        rng = np.random.default_rng(seed)
        matrix[rows] = rng.standard_normal((rows.size, dim), dtype=np.float32) * std + mean


def _coverage(
    tokens: List[Optional[str]],
    shape: Tuple[int, ...],
    hits: int,
    missing_rows: np.ndarray,
    lowercased: int,
    padding: List[int],
    unk: List[int],
    counts: Optional[Mapping[str, int]],
    top_missing: int,
) -> Coverage:
    missing_tokens = [tokens[i] for i in missing_rows.tolist()]
    frequency = None
    if counts is not None:
        order = sorted(range(len(missing_tokens)), key=lambda k: -counts.get(missing_tokens[k], 0))
        missing_tokens = [missing_tokens[k] for k in order]
        specials = set(padding) | set(unk)
        total = sum(counts.get(t, 0) for i, t in enumerate(tokens) if i not in specials and t is not None)
        lost = sum(counts.get(t, 0) for t in missing_tokens)
        frequency = (total - lost) / total if total else None
    return Coverage(
        rows=shape[0],
        dim=shape[1],
        hits=hits,
        misses=int(missing_rows.size),
        lowercased=lowercased,
        padding_rows=tuple(padding),
        oov_token_rows=tuple(unk),
        missing=tuple(missing_tokens[: max(top_missing, 0)]),
        frequency=frequency,
    )
