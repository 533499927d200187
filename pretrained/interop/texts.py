"""Texts in, vectors out: the default tokenizer and :func:`embed`, the mean of a text's known
word vectors (spaCy's ``Doc.vector`` meaning), optionally weighted (SIF).

The default tokenizer (also used by :func:`pretrained.train` on a corpus file) lower-cases the
text (``lowercase=True``) and keeps runs of letters and digits, joined by inner apostrophes or
hyphens: ``"Don't re-check the U.S. hotel's Wi-Fi!"`` ->
``["don't", "re-check", "the", "u", "s", "hotel's", "wi-fi"]``. Punctuation is dropped.

Examples
--------
>>> import numpy as np
>>> from pretrained import Vectors
>>> v = Vectors(["good", "hotel", "bad"], np.array([[1, 0], [0, 1], [-1, 0]], dtype=np.float32))
>>> tokenize("A good hotel!")
['a', 'good', 'hotel']
>>> embed(v, ["A good hotel!", "no known words", ["bad", "hotel"]]).tolist()
[[0.5, 0.5], [0.0, 0.0], [-0.5, 0.5]]
"""

from __future__ import annotations

import logging
import math
import numbers
import re
from itertools import repeat
from typing import Any, Callable, Iterable, List, Mapping, Optional, Sequence, Union

import numpy as np

from pretrained.errors import ArgumentError, ArgumentTypeError

__all__ = ["TOKEN_PATTERN", "tokenize", "embed", "sif_weights", "POOLINGS"]

logger = logging.getLogger(__name__)

TOKEN_PATTERN = r"\w+(?:['’-]\w+)*"
"""The default tokenizer's regular expression (letters and digits, inner ' or - kept)."""
_TOKEN = re.compile(TOKEN_PATTERN)
POOLINGS = ("mean", "sum", "max")
_FLOAT32_MAX = float(np.finfo(np.float32).max)
_TOKENS_PER_STEP = 1 << 16  # token rows gathered at a time (bounds memory for huge inputs)

Text = Union[str, Sequence[str]]


def tokenize(text: str, lowercase: bool = True) -> List[str]:
    """Split ``text`` with the default tokenizer (see the module docstring)."""
    if not isinstance(text, str):
        raise TypeError(f"tokenize takes a str, got {type(text).__name__}")
    return _TOKEN.findall(text.lower() if lowercase else text)


def _number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def sif_weights(counts: Mapping[str, float], a: float = 1e-3) -> dict[str, float]:
    """Arora et al.'s smooth inverse frequency weights ``a / (a + p(w))`` from word counts, for
    :func:`embed`'s ``weights`` (words without a count then weigh 1, as p = 0).

    Raises
    ------
    ArgumentError
        ``a`` not a positive number, a count that is negative, nan, inf or not a number (naming
        the word), or no positive count at all.
    """
    if not _number(a) or not a > 0 or not math.isfinite(a):
        raise ArgumentError(f"a must be a positive number, got {a!r}")
    if not isinstance(counts, Mapping):
        raise ArgumentTypeError(f"counts is a {{word: count}} dict, got {type(counts).__name__}")
    for w, c in counts.items():
        if not _number(c) or not math.isfinite(c) or c < 0:
            raise ArgumentError(f"the count of {w!r} is {c!r}: counts are numbers >= 0 (how often each word occurs)")
    total = float(sum(counts.values()))
    if total <= 0:
        raise ArgumentError("counts must hold at least one positive count")
    return {w: a / (a + c / total) for w, c in counts.items()}


def _weights(vectors: Any, weights: Any) -> Optional[Mapping[str, float]]:
    """``weights`` as a mapping: ``"sif"`` from the vectors' own word counts; every weight checked."""
    if weights is None:
        return None
    if isinstance(weights, str):
        if weights != "sif":
            raise ArgumentError(f"weights is a {{token: weight}} dict or 'sif', got {weights!r}")
        counts = getattr(vectors, "counts", None)
        if counts is None:
            raise ArgumentError(
                "weights='sif' needs word counts, and these vectors carry none (counts come from train, "
                "from_gensim, a fastText .bin or load(..., fvocab=)); pass weights=sif_weights({word: count})"
            )
        words = vectors.index_to_key
        return sif_weights({w: int(c) for w, c in zip(words, np.asarray(counts).tolist()) if c >= 0})
    if not isinstance(weights, Mapping):
        raise ArgumentTypeError(f"weights is a {{token: weight}} dict or 'sif', got {type(weights).__name__}")
    return weights


def _gather_weights(weights: Mapping[str, float], tokens: List[str]) -> np.ndarray:
    """The weight of each token (1 without one); only the weights used are checked."""
    try:
        w = np.fromiter(map(weights.get, tokens, repeat(1.0)), dtype=np.float32, count=len(tokens))
        finite = np.isfinite(w)
    except (TypeError, ValueError):
        finite = None
    if finite is None or not finite.all():
        for token in tokens:
            value = weights.get(token, 1.0)
            if not _number(value) or not math.isfinite(value) or abs(value) > _FLOAT32_MAX:
                raise ArgumentError(
                    f"the weight of {token!r} is {value!r}: weights are finite float32 numbers (a token without one weighs 1)"
                )
    return w


def _token_lists(
    texts: Iterable[Text], lowercase: bool, tokenizer: Optional[Callable[[str], Sequence[str]]]
) -> List[Sequence[str]]:
    if isinstance(texts, (str, bytes)):
        raise ArgumentTypeError("embed takes a list of texts; wrap a single text in a list: embed(v, [text])")
    if not isinstance(texts, Iterable):
        raise ArgumentTypeError(f"embed takes a list of texts (strings or token lists), got {type(texts).__name__}")
    split = tokenizer if tokenizer is not None else (lambda s: _TOKEN.findall(s))
    out: List[Sequence[str]] = []
    for i, text in enumerate(texts):
        if isinstance(text, str):
            tokens = split(text.lower() if lowercase else text)
            if isinstance(tokens, (str, bytes)) or not isinstance(tokens, (list, tuple)):
                raise ArgumentTypeError(
                    f"the tokenizer returned a {type(tokens).__name__} for text {i}, not a list of tokens "
                    "(a str would be embedded character by character); make it return a list, e.g. text.split()"
                )
        elif isinstance(text, (list, tuple)):
            tokens = text
        else:
            raise ArgumentTypeError(f"text {i} is a {type(text).__name__}; a text is a str or a list of tokens")
        out.append(tokens)
    return out


def embed(
    vectors: Any,
    texts: Iterable[Text],
    *,
    pooling: str = "mean",
    lowercase: bool = True,
    tokenizer: Optional[Callable[[str], Sequence[str]]] = None,
    weights: Union[Mapping[str, float], str, None] = None,
) -> np.ndarray:
    """One vector per text: the pooled vectors of its known tokens.

    Parameters
    ----------
    vectors
        A :class:`~pretrained.Vectors` (or anything with ``key_to_index`` and ``vectors``).
    texts
        Strings (lower-cased when ``lowercase``, then split by ``tokenizer`` or the default
        tokenizer) or lists of tokens (used as given).
    pooling
        ``"mean"`` (default): the sum of the known tokens' (weighted) vectors over their number;
        ``"sum"``; ``"max"``: the element-wise maximum (weights ignored).
    weights
        ``{token: weight}`` (e.g. :func:`sif_weights`; finite numbers), tokens without a weight
        weigh 1; or ``"sif"``: :func:`sif_weights` of the vectors' own word counts (a set from
        :func:`pretrained.train`, :func:`pretrained.from_gensim`, a fastText ``.bin`` or
        ``load(..., fvocab=)``).

    Returns
    -------
    numpy.ndarray
        float32 ``(len(texts), dim)``; a text with no known token is a zero row.
    """
    if pooling not in POOLINGS:
        raise ArgumentError(f"pooling must be one of {', '.join(map(repr, POOLINGS))}, got {pooling!r}")
    weights = _weights(vectors, weights)
    key_to_index, matrix = vectors.key_to_index, vectors.vectors
    lists = _token_lists(texts, lowercase, tokenizer)
    n, dim = len(lists), matrix.shape[1]
    lengths = np.fromiter(map(len, lists), dtype=np.intp, count=n)
    flat = [t for tokens in lists for t in tokens]
    rows = np.fromiter(map(key_to_index.get, flat, repeat(-1)), dtype=np.intp, count=len(flat))
    owner = np.repeat(np.arange(n), lengths)
    known = rows >= 0
    rows, owner = rows[known], owner[known]
    w = None
    if weights is not None and pooling != "max":
        known_tokens = [t for t, k in zip(flat, known.tolist()) if k]
        w = _gather_weights(weights, known_tokens)
    out = _pool(matrix, rows, owner, w, n, dim, pooling)
    if pooling == "mean":
        counts = np.bincount(owner, minlength=n).astype(np.float32)
        np.divide(out, counts[:, None], out=out, where=counts[:, None] > 0)
    logger.debug("embedded %d texts: %d of %d tokens known", n, rows.size, len(flat))
    return out


def _pool(
    matrix: np.ndarray, rows: np.ndarray, owner: np.ndarray, w: Optional[np.ndarray], n: int, dim: int, pooling: str
) -> np.ndarray:
    """Sum (or max) the gathered rows of each text, a bounded number of token rows at a time;
    ``owner`` is sorted, so each step reduces contiguous runs with ``reduceat``."""
    out = np.zeros((n, dim), np.float32)
    reduce = np.maximum if pooling == "max" else np.add
    for s in range(0, rows.size, _TOKENS_PER_STEP):
        r, o = rows[s : s + _TOKENS_PER_STEP], owner[s : s + _TOKENS_PER_STEP]
        block = np.asarray(matrix[r], dtype=np.float32)
        if w is not None:
            block *= w[s : s + _TOKENS_PER_STEP, None]
        starts = np.flatnonzero(np.r_[True, o[1:] != o[:-1]])
        part = reduce.reduceat(block, starts, axis=0)
        ids = o[starts]
        if pooling == "max":
            # a text split across two steps: combine with what the previous step found
            first = ids[0]
            if s > 0 and owner[s - 1] == first:
                part[0] = np.maximum(part[0], out[first])
            out[ids] = part
        else:
            out[ids] += part
    return out
