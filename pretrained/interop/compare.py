"""``pretrained.compare``: which words moved between two vector sets (GloVe and the same vectors
after fine-tuning, two corpora, two years).

Two independently trained spaces are rotated arbitrarily against each other, so ``b`` is first
aligned onto ``a`` with the orthogonal Procrustes rotation fitted on the shared vocabulary (one
SVD of a dim x dim matrix: 400,000 shared words take about a second). A word's drift is
``1 - cosine(a[w], b[w] @ R)``; a word whose vector is zero in both sets did not move (drift 0;
zero in one set only: drift 1). Neighbour overlap is rotation-free: the share of a word's
``topn`` neighbours (among the shared words) that both sides agree on.

Examples
--------
>>> import numpy as np
>>> from pretrained import Vectors
>>> rng = np.random.default_rng(0)
>>> a = Vectors([f"w{i}" for i in range(50)], rng.normal(size=(50, 4)))
>>> q, _ = np.linalg.qr(rng.normal(size=(4, 4)))
>>> b = Vectors(a.words, a.vectors @ q)           # the same space, rotated
>>> r = compare(a, b)
>>> r.shared, round(r.movers(1)[0][1], 4)
(50, 0.0)
"""

from __future__ import annotations

import functools
import logging
from typing import Any, Dict, Iterable, List, Optional, Tuple

import numpy as np

from pretrained.core.vectors import Vectors
from pretrained.errors import ArgumentError, ArgumentTypeError, WordNotFoundError
from pretrained.interop.matrix import VocabularyError

__all__ = ["compare", "Comparison", "procrustes"]

logger = logging.getLogger(__name__)

_CHUNK = 65536  # rows per step when accumulating B^T A
_QUERIES = 128  # overlap queries per matrix product


def _unit(matrix: np.ndarray) -> np.ndarray:
    m = np.asarray(matrix, dtype=np.float32)
    n = np.sqrt(np.einsum("ij,ij->i", m, m))[:, None]
    return np.divide(m, n, out=np.zeros_like(m), where=n > 0)


def procrustes(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """The orthogonal ``R`` (``source.shape[1] x target.shape[1]``; semi-orthogonal when the
    dimensions differ) minimising ``||source @ R - target||``: ``U @ Vt`` from the SVD of
    ``source.T @ target``, accumulated in float64."""
    if source.shape[0] != target.shape[0]:
        raise ValueError(f"{source.shape[0]} source rows but {target.shape[0]} target rows")
    m = np.zeros((source.shape[1], target.shape[1]), np.float64)
    for s in range(0, source.shape[0], _CHUNK):
        m += source[s : s + _CHUNK].T.astype(np.float64) @ target[s : s + _CHUNK].astype(np.float64)
    u, _, vt = np.linalg.svd(m, full_matrices=False)
    return (u @ vt).astype(np.float32)


class Comparison:
    """What :func:`compare` found. ``shared`` words, each with a ``drift``; ``movers(n)`` ranks
    them; ``neighbours(word)`` shows both sides; ``overlap`` is the mean neighbour overlap@topn on
    a sample. ``print()`` shows a table."""

    def __init__(
        self,
        a: Vectors,
        b: Vectors,
        words: List[str],
        A: np.ndarray,
        B: np.ndarray,
        rotation: Optional[np.ndarray],
        topn: int,
        sample: int,
        seed: int,
        restrict_vocab: int = 30000,
    ):
        self.a, self.b = a, b
        self.words = words  #: the shared words, in ``a``'s order
        self.rotation = rotation  #: the fitted rotation (None with ``align=False``)
        self.topn, self.sample, self.seed, self.restrict_vocab = topn, sample, seed, restrict_vocab
        self._A, self._B = A, B  # unit rows; B already rotated onto A
        self.distances = (1.0 - np.einsum("ij,ij->i", A, B)).astype(np.float32)  #: drift of every shared word
        both_zero = ~A.any(axis=1) & ~B.any(axis=1)
        self.distances[both_zero] = 0.0  # zero in both sets: nothing moved (not a drift of 1)
        self._order = np.argsort(-self.distances, kind="stable")
        self._row: Optional[Dict[str, int]] = None

    @property
    def shared(self) -> int:
        """How many words both sets hold."""
        return len(self.words)

    @property
    def aligned(self) -> bool:
        return self.rotation is not None

    def _index(self, word: str) -> int:
        if self._row is None:
            self._row = dict(zip(self.words, range(len(self.words))))
        i = self._row.get(word)
        if i is None:
            sides = [n for n, v in (("a", self.a), ("b", self.b)) if word not in v]
            raise WordNotFoundError(word, f"both sets (missing from {' and '.join(sides) or 'the compared words'})")
        return i

    def movers(self, n: int = 10) -> List[Tuple[str, float]]:
        """The ``n`` words that moved most, as ``(word, drift)`` pairs, largest first."""
        return [(self.words[i], float(self.distances[i])) for i in self._order[: _count(n)].tolist()]

    def stayers(self, n: int = 10) -> List[Tuple[str, float]]:
        """The ``n`` words that moved least."""
        return [(self.words[i], float(self.distances[i])) for i in self._order[::-1][: _count(n)].tolist()]

    def drift(self, word: str) -> float:
        """``1 - cosine`` between the word's vector in ``a`` and its (aligned) vector in ``b``."""
        return float(self.distances[self._index(word)])

    def neighbours(self, word: str, topn: Optional[int] = None) -> List[Tuple[Tuple[str, float], Tuple[str, float]]]:
        """The word's nearest neighbours in ``a`` and in ``b`` (each in its own whole vocabulary),
        side by side: a list of ``((a_word, a_cos), (b_word, b_cos))`` rows."""
        self._index(word)
        k = topn or self.topn
        left, right = self.a.most_similar(word, topn=k), self.b.most_similar(word, topn=k)
        return list(zip(left, right))

    @functools.cached_property
    def overlap(self) -> float:
        """Mean share of the ``topn`` neighbours that both sides agree on, over a seeded sample of
        ``sample`` words; words and neighbours are taken among the first ``restrict_vocab``
        shared words (the most frequent, in most sets). 1.0 means the same neighbourhoods."""
        n = min(self.shared, self.restrict_vocab)
        k = min(self.topn, n - 1)
        A, B = self._A[:n], self._B[:n]
        if k < 1:
            return float("nan")
        rng = np.random.default_rng(self.seed)
        picks = np.sort(rng.choice(n, size=min(self.sample, n), replace=False))
        total = 0.0
        for s in range(0, picks.size, _QUERIES):
            q = picks[s : s + _QUERIES]
            top_a = _top(A[q] @ A.T, q, k)
            top_b = _top(B[q] @ B.T, q, k)
            total += sum(len(set(x) & set(y)) for x, y in zip(top_a.tolist(), top_b.tolist())) / k
        return total / picks.size

    def as_dict(self, n: int = 10) -> dict[str, Any]:
        """A JSON-ready summary."""
        return {
            "a": self.a.name,
            "b": self.b.name,
            "shared": self.shared,
            "aligned": self.aligned,
            "mean_drift": float(self.distances.mean()),
            "median_drift": float(np.median(self.distances)),
            "overlap": self.overlap,
            "topn": self.topn,
            "sample": min(self.sample, self.shared, self.restrict_vocab),
            "movers": [[w, d] for w, d in self.movers(n)],
        }

    def __repr__(self) -> str:
        how = "aligned by orthogonal Procrustes" if self.aligned else "not aligned"
        return f"<Comparison {self.a.name or 'a'} vs {self.b.name or 'b'}: {self.shared:,} shared words, {how}, mean drift {self.distances.mean():.4f}>"

    def __str__(self) -> str:
        return self.table()

    def table(self, n: int = 10) -> str:
        """The summary and the ``n`` biggest movers as a text table."""
        lines = [
            repr(self),
            f"median drift {np.median(self.distances):.4f}; neighbour overlap@{self.topn} {self.overlap:.3f} "
            f"(sample of {min(self.sample, self.shared, self.restrict_vocab):,} words)",
            f"{'moved most':<24}{'drift':>8}",
        ]
        lines += [f"{w[:23]:<24}{d:>8.4f}" for w, d in self.movers(n)]
        return "\n".join(lines)


def _count(n: Any, label: str = "n") -> int:
    """A whole number >= 0 (numpy integers too), else a clear error."""
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)):
        raise ArgumentTypeError(f"{label} is a whole number of words, got {type(n).__name__}: {n!r}")
    if n < 0:
        raise ArgumentError(f"{label} must be >= 0, got {n}")
    return int(n)


def _top(scores: np.ndarray, own: np.ndarray, k: int) -> np.ndarray:
    scores[np.arange(own.size), own] = -np.inf  # a word is not its own neighbour
    return np.argpartition(-scores, k - 1, axis=1)[:, :k]


def compare(
    a: Vectors,
    b: Vectors,
    *,
    align: bool = True,
    words: Optional[Iterable[str]] = None,
    topn: int = 10,
    sample: int = 500,
    seed: int = 0,
    restrict_vocab: int = 30000,
) -> Comparison:
    """Compare two vector sets word by word.

    Parameters
    ----------
    a, b
        Two :class:`~pretrained.Vectors` (dimensions may differ when ``align``).
    align
        Rotate ``b`` onto ``a`` (orthogonal Procrustes, fitted on the compared words) before
        measuring; False compares the raw vectors (same dimension needed).
    words
        Compare (and align on) only these words (those in both sets); default every shared word.
    topn
        Neighbours per word for ``overlap`` and ``neighbours``.
    sample, seed, restrict_vocab
        How many words ``overlap`` samples, with which seed, among the first ``restrict_vocab``
        shared words.

    Returns
    -------
    Comparison
        ``shared``, ``movers(n)``, ``drift(word)``, ``neighbours(word)``, ``overlap``.
    """
    if not isinstance(a, Vectors) or not isinstance(b, Vectors):
        raise ArgumentTypeError("compare takes two pretrained.Vectors")
    for label, value in (("topn", topn), ("sample", sample), ("restrict_vocab", restrict_vocab)):
        if _count(value, label) < 1:
            raise ArgumentError(f"{label} must be a whole number >= 1, got {value!r}")
    topn, sample, restrict_vocab = int(topn), int(sample), int(restrict_vocab)
    ia, ib, shared = _shared(a, b, words)
    A, B = _unit(a.vectors[ia]), _unit(b.vectors[ib])
    rotation = None
    if align:
        if shared and len(shared) < max(A.shape[1], B.shape[1]):
            logger.warning(
                "only %d shared words for %d dimensions: the alignment is underdetermined and the drifts mean little",
                len(shared),
                A.shape[1],
            )
        rotation = procrustes(B, A)
        B = _unit(B @ rotation)
    elif A.shape[1] != B.shape[1]:
        raise ValueError(f"{A.shape[1]} against {B.shape[1]} dimensions: pass align=True to map one onto the other")
    return Comparison(a, b, shared, A, B, rotation, topn, sample, seed, restrict_vocab)


def _shared(a: Vectors, b: Vectors, words: Optional[Iterable[str]]) -> Tuple[np.ndarray, np.ndarray, List[str]]:
    """Rows in ``a`` and ``b`` of the words both hold (in ``a``'s order)."""
    from itertools import repeat

    if isinstance(words, str):
        raise ArgumentTypeError("words is a list of words, not one str")
    candidates = a.index_to_key if words is None else list(dict.fromkeys(words))
    ka, kb = a.key_to_index, b.key_to_index
    ia = np.fromiter(map(ka.get, candidates, repeat(-1)), dtype=np.intp, count=len(candidates))
    ib = np.fromiter(map(kb.get, candidates, repeat(-1)), dtype=np.intp, count=len(candidates))
    both = (ia >= 0) & (ib >= 0)
    if not both.any():
        if words is not None:
            raise VocabularyError(f"nothing to compare: none of the {len(candidates):,} given words is in both sets")
        raise VocabularyError(
            f"nothing to compare: {a.name or 'a'} ({len(a):,} words) and {b.name or 'b'} ({len(b):,} words) share no "
            "word; check that both use the same tokens (case, labels)"
        )
    if words is not None and not both.all():
        logger.warning("%d of %d words are not in both sets and were left out", int((~both).sum()), len(candidates))
    keep = np.flatnonzero(both)
    return ia[keep], ib[keep], [candidates[i] for i in keep.tolist()]
