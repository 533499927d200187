"""The one scoring layer: unit rows, the ``restrict_vocab`` window, 3CosAdd and 3CosMul scores, and
exact top-k with exclusions in vocabulary tiles of bounded memory. :class:`~pretrained.Vectors`,
the neighbour index and the evaluation all score through here, with gensim's meaning:

- cosines are ``(rows @ query) * inverse_norms`` (a zero row scores 0);
- 3CosAdd ranks by the cosine to the normalised weighted mean of the unit input vectors;
- 3CosMul is Levy & Goldberg's product of shifted cosines ``(1 + cos) / 2`` of the positive terms
  over that of the negative terms plus ``1e-6`` (gensim's ``most_similar_cosmul``).

The argument checks (``topn``, ``restrict_vocab``, ``sample``, ``search_k``, ``seed``, ...) live
here once, so every entry point refuses the same bad values with the same words.

Examples
--------
>>> import numpy as np
>>> V = np.array([[1, 0], [0.6, 0.8], [0, 2]], dtype=np.float32)
>>> inv = inverse_norms(np.linalg.norm(V, axis=1))
>>> [round(float(c), 2) for c in cosines(V, inv, np.array([1, 0], np.float32))]
[1.0, 0.6, 0.0]
>>> rows, scores = TiledScorer(V, inv, tile=2).top_k([np.eye(2, dtype=np.float32)], 1, exclude=[[0], [2]])
>>> rows.tolist()
[[1], [1]]
"""

from __future__ import annotations

import numbers
import threading
from typing import Any, Collection, List, Optional, Sequence, Tuple

import numpy as np

__all__ = [
    "EPSILON",
    "VOCAB_TILE",
    "check_topn",
    "check_count",
    "check_seed",
    "check_method",
    "check_fraction",
    "check_queries",
    "window",
    "inverse_norms",
    "unit_rows",
    "unit_vector",
    "normed_rows",
    "cosines_by_norms",
    "analogy_units",
    "cosines",
    "cosmul",
    "top_k",
    "TiledScorer",
]

EPSILON = 0.000001
"""gensim's 3CosMul denominator guard."""
VOCAB_TILE = 4096
"""Vocabulary rows scored at a time: a 512 x 4096 float32 tile is 8 MiB, whatever the vocabulary."""
METHODS = ("add", "mul")
COSMUL_SPAN = 65536
"""Vocabulary rows per pass of :meth:`TiledScorer.best_analogy_cosmul` (rounded to whole tiles):
each question's row of 65,536 float32 scores (256 KiB) stays in a core's L2 cache."""
SPAN_BYTES = 32 << 20
"""At most this many bytes of shifted cosines and denominators per worker thread (fewer rows per
span when a block of questions has many distinct words)."""
GATHER_ROWS = 16
"""Queries combined at a time by the gathered 3CosMul: 16 x 4096 float32 rows (256 KiB a buffer)
stay in a core's L2 cache between the gathers and the products."""


# ---------------------------------------------------------------------------- argument checks


def _whole(value: Any, name: str) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a whole number, got {type(value).__name__}: {value!r}")
    return int(value)


def check_count(value: Any, name: str, *, minimum: int = 1) -> int:
    """``value`` as an int when it is a whole number ``>= minimum``; TypeError or ValueError saying
    what is allowed otherwise.

    >>> check_count(3, "search_k")
    3
    """
    n = _whole(value, name)
    if n < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {n}")
    return n


def check_topn(topn: Any) -> Optional[int]:
    """``None`` (every score), or a whole number ``>= 0`` (``0`` gives an empty result, as gensim)."""
    if topn is None:
        return None
    return check_count(topn, "topn", minimum=0)


def window(count: int, restrict_vocab: Any = None) -> int:
    """The end of the ``restrict_vocab`` window over ``count`` rows: every row for ``None``, else
    the first ``restrict_vocab`` (a whole number >= 1; a larger one means every row).

    >>> window(10, None), window(10, 3), window(10, 99)
    (10, 3, 10)
    """
    if restrict_vocab is None:
        return count
    return min(check_count(restrict_vocab, "restrict_vocab"), count)


def check_seed(seed: Any) -> int:
    """A random seed: a whole number >= 0."""
    return check_count(seed, "seed", minimum=0)


def check_method(method: Any) -> str:
    """``"add"`` (3CosAdd) or ``"mul"`` (3CosMul)."""
    if method not in METHODS:
        raise ValueError(f"method must be 'add' or 'mul', got {method!r}")
    return method


def check_fraction(value: Any, name: str) -> float:
    """A number in (0, 1]."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number in (0, 1], got {type(value).__name__}: {value!r}")
    if not 0 < value <= 1:  # type: ignore[operator]  # typeshed's numbers.Real has no comparisons
        raise ValueError(f"{name} must be in (0, 1], got {value}")
    return float(value)


def check_queries(queries: Any, name: str = "queries") -> list:
    """A list of queries from a sequence of words or vectors (a 2-D array: one query per row). A
    single string is refused: it would be queried letter by letter."""
    if isinstance(queries, (str, bytes)):
        raise TypeError(f"{name} must be a list of words or vectors, got the string {queries!r}; write [{queries!r}]")
    if isinstance(queries, np.ndarray):
        if queries.ndim != 2:
            raise TypeError(f"{name} as an array must be 2-D (one query vector per row), got shape {queries.shape}")
        return list(queries)
    try:
        return list(queries)
    except TypeError:
        raise TypeError(f"{name} must be a list of words or vectors, got {type(queries).__name__}") from None


# ---------------------------------------------------------------------------- unit rows and scores


def inverse_norms(norms: np.ndarray) -> np.ndarray:
    """``1 / norm`` per row as float32, 0 for a zero row (which then scores 0 against everything)."""
    n = np.asarray(norms, dtype=np.float32)
    with np.errstate(divide="ignore"):
        inv = np.where(n > 0, 1.0 / np.where(n > 0, n, 1), 0.0)
    return inv.astype(np.float32)


def unit_rows(vectors: np.ndarray, inv: np.ndarray, rows: Any) -> np.ndarray:
    """The unit vectors of ``rows`` (any index array; its shape plus the dim)."""
    rows = np.asarray(rows, dtype=np.intp)
    flat = rows.ravel()
    out = np.asarray(vectors[flat], dtype=np.float32) * inv[flat, None]
    return out.reshape(*rows.shape, vectors.shape[1])


def unit_vector(vec: np.ndarray) -> np.ndarray:
    """``vec`` scaled to length 1 (a zero vector stays zero)."""
    n = float(np.linalg.norm(vec))
    return vec / n if n > 0 else vec


def normed_rows(vectors: np.ndarray, norms: np.ndarray) -> np.ndarray:
    """Every row of ``vectors`` divided by its ``norms`` entry, as a new float32 array (a zero row
    stays zero): gensim's ``get_normed_vectors``."""
    n = np.asarray(norms, dtype=np.float32)[:, None]
    return np.divide(vectors, n, out=np.zeros(vectors.shape, np.float32), where=n > 0)


def cosines_by_norms(rows: np.ndarray, norms: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Cosines of one ``query`` (dim,) with ``rows`` whose norms are ``norms``, dividing by the
    product of the norms as gensim's ``distances`` does (not multiplying by inverse norms, as
    :func:`cosines` does: the last bits differ)."""
    return (rows @ query.astype(np.float32)) / (float(np.linalg.norm(query)) * norms)


def analogy_units(vectors: np.ndarray, inv: np.ndarray, idx: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """For ``idx`` of shape (n, 3) holding rows (a, b, c): their unit vectors (n, 3, dim) and the
    3CosAdd query, the normalised ``b - a + c`` (n, dim)."""
    U = unit_rows(vectors, inv, idx)
    Q = U[:, 1] + U[:, 2] - U[:, 0]
    n = np.linalg.norm(Q, axis=1, keepdims=True)
    return U, np.divide(Q, n, out=np.zeros_like(Q), where=n > 0)


def cosines(rows: np.ndarray, inv: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Cosines of ``query`` (dim,) or queries (n, dim) with ``rows`` whose inverse norms are
    ``inv``: shape (len(rows),) or (n, len(rows)). A query that is not unit length scales them."""
    out = rows @ query if query.ndim == 1 else query @ rows.T
    out *= inv  # in place: the same float32 products, without a second array of scores
    return out


def cosmul(positive: Sequence[np.ndarray], negative: Sequence[np.ndarray] = ()) -> np.ndarray:
    """gensim's 3CosMul from the cosines of each term (arrays of equal shape, overwritten):
    ``prod((1 + cos_p) / 2) / (prod((1 + cos_n) / 2) + 1e-6)``. Returns the first positive array."""
    if not positive:
        raise ValueError("cannot compute similarity with no input")
    for X in (*positive, *negative):
        X += 1.0
        X *= 0.5
    num = positive[0]
    for X in positive[1:]:
        num *= X
    if negative:
        den = negative[0]
        for X in negative[1:]:
            den *= X
        den += EPSILON
        np.divide(num, den, out=num)
    else:
        num /= 1.0 + EPSILON
    return num


# ---------------------------------------------------------------------------- top-k


def top_k(scores: np.ndarray, k: int, exclude: Collection[int] = ()) -> List[int]:
    """Rows of the ``k`` best ``scores`` (one query), best first, rows in ``exclude`` left out
    (ties: the lower row first)."""
    exclude = set(int(i) for i in exclude)
    n = scores.shape[0]
    want = min(k + len(exclude), n)
    if want <= 0 or k <= 0:
        return []
    found = _best_rows(scores, want) if want < n else np.arange(n)
    idx = np.argpartition(-scores, want - 1)[:want] if found is None else found
    idx = idx[np.lexsort((idx, -scores[idx]))]
    return [i for i in idx.tolist() if i not in exclude][:k]


SAMPLE_STRIDE = 64
""":func:`top_k` guesses its threshold from every 64th score."""


def _best_rows(scores: np.ndarray, want: int) -> Optional[np.ndarray]:
    """The rows of the ``want`` best ``scores`` (nan the worst), or ``None`` when the ``want``-th
    best ties with the next (then which rows ``argpartition`` keeps is its own choice, and the
    caller asks it) or when the guess below does not pay.

    The ``want``-th best of every :data:`SAMPLE_STRIDE`-th score is a threshold at least ``want``
    rows reach; one comparison over the scores finds them (a few hundred for ten), instead of a
    partial sort of them all. When the ``want``-th best of those is strictly above the next, every
    row left out (below the threshold) is below it too, so these are exactly the ``want`` rows
    ``argpartition`` keeps."""
    n = scores.shape[0]
    sample = scores[::SAMPLE_STRIDE]
    m = sample.shape[0]
    if m < 4 * want or m < 64:
        return None
    threshold = np.partition(sample, m - want)[m - want]  # nan sorts last: then no row passes below
    rows = np.flatnonzero(scores >= threshold)
    if rows.shape[0] < want or rows.shape[0] > n // 8:
        return None
    values = scores[rows]
    order = np.lexsort((rows, -values))
    if rows.shape[0] > want and not values[order[want - 1]] > values[order[want]]:
        return None
    return rows[order[:want]]


def _pad(exclude: Any, n: int) -> np.ndarray:
    """Exclusions per query as an (n, m) int array, ``-1`` for none."""
    if exclude is None:
        return np.full((n, 0), -1, np.intp)
    if isinstance(exclude, np.ndarray):
        return exclude.reshape(n, -1).astype(np.intp, copy=False)
    width = max((len(e) for e in exclude), default=0)
    out = np.full((n, width), -1, np.intp)
    for r, e in enumerate(exclude):
        out[r, : len(e)] = e
    return out


TRANSPOSE_ROWS = 4096
"""Rows transposed at a time by :func:`_unit_columns`: at 50 dimensions the 800 KiB read and the
800 KiB written stay in a core's L2 cache, and each of the ``dim`` output rows is written 16 KiB
at a stretch, where a whole-window transpose strides through all of memory."""


def _unit_columns(vectors: np.ndarray, inv: np.ndarray, end: int) -> np.ndarray:
    """The unit rows ``vectors[:end] * inv[:end]`` transposed into a C-contiguous (dim, end)
    array, :data:`TRANSPOSE_ROWS` rows at a time: the very values and layout of
    ``np.ascontiguousarray((vectors[:end] * inv[:end, None]).T)`` (each element is the same float32
    product), in one pass over one new array instead of a strided transpose of a second one."""
    dim = vectors.shape[1]
    out = np.empty((dim, end), np.result_type(np.float32, inv.dtype))
    for s in range(0, end, TRANSPOSE_ROWS):
        e = min(s + TRANSPOSE_ROWS, end)
        np.multiply(np.asarray(vectors[s:e], dtype=np.float32).T, inv[s:e], out=out[:, s:e])
    return out


class TiledScorer:
    """Exact 3CosAdd / 3CosMul scores of many queries against the first ``end`` rows, one
    vocabulary tile at a time, so memory is (queries x tile), never (queries x vocabulary).

    Parameters
    ----------
    vectors, inv
        The rows and their inverse norms (see :func:`inverse_norms`).
    end
        The ``restrict_vocab`` window (default: every row).
    tile
        Rows per tile.
    prepared
        Copy the window's unit rows, transposed, once (fastest for many query blocks, as the
        evaluation does; memory: one copy of the window; see :func:`_unit_columns`). Otherwise
        each tile is normalised when it is used (memory independent of the vocabulary).

    Terms are a list of (n, dim) arrays: ``[Q]`` for 3CosAdd (Q the unit queries), and for 3CosMul
    the positive terms then the negative ones, with ``n_negative`` saying how many are negative.
    """

    def __init__(
        self,
        vectors: np.ndarray,
        inv: np.ndarray,
        end: Optional[int] = None,
        *,
        tile: int = VOCAB_TILE,
        prepared: bool = False,
    ):
        self.end = vectors.shape[0] if end is None else int(end)
        self.vectors, self.inv = vectors, inv
        self.tile = max(1, min(int(tile), max(self.end, 1)))
        self.unit_t = _unit_columns(vectors, inv, self.end) if prepared else None
        self._local = threading.local()  # tile buffers per worker thread

    def _buffers(self, count: int, rows: int) -> List[np.ndarray]:
        bufs = getattr(self._local, "bufs", None)
        if bufs is None or len(bufs) < count or bufs[0].shape[0] < rows:
            bufs = [np.empty((rows, self.tile), np.float32) for _ in range(count)]
            self._local.bufs = bufs
        return [b[:rows] for b in bufs[:count]]

    def _products(self, terms: Sequence[np.ndarray], start: int, stop: int, out: Sequence[np.ndarray]) -> None:
        """``out[i] = cosines(terms[i], rows start:stop)``: one matrix product per term."""
        if self.unit_t is not None:
            cols = self.unit_t[:, start:stop]
            for q, o in zip(terms, out):
                np.matmul(q, cols, out=o)
        else:
            rows, inv = self.vectors[start:stop], self.inv[start:stop]
            for q, o in zip(terms, out):
                np.matmul(q, rows.T, out=o)
                o *= inv

    def scores(
        self,
        terms: Sequence[np.ndarray],
        start: int,
        stop: int,
        n_negative: int = 0,
        *,
        picks: Optional[Sequence[np.ndarray]] = None,
    ) -> np.ndarray:
        """Scores of every query against rows ``start:stop`` (a per-thread buffer, valid until
        the next call): 3CosAdd for one term, 3CosMul for several.

        With ``picks`` (3CosMul only), ``terms`` is one (u, dim) array of *distinct* unit vectors
        and ``picks`` a list of (n,) index arrays into it, one per term (positive terms first, the
        last ``n_negative`` negative): each distinct vector is scored once per tile and its shifted
        cosine ``(1 + cos) / 2`` gathered for every query that uses it. Questions of an analogy set
        share their words (19,544 Google questions use under a thousand), so this does a fraction
        of the matrix products and passes over memory of one product per term, and gives the very
        same numbers (each cosine is the same dot product, each step the same float32 operation).
        """
        w = stop - start
        if picks is None:
            out = [b[:, :w] for b in self._buffers(len(terms), terms[0].shape[0])]
            self._products(terms, start, stop, out)
            if len(terms) == 1 and n_negative == 0:
                return out[0]
            cut = len(terms) - n_negative
            return cosmul(out[:cut], out[cut:])
        if terms[0].shape[0] < 2 or picks[0].shape[0] < 2 or stop - start < 2 or (len(picks) == 1 and not n_negative):
            # one term alone is a plain cosine, not 3CosMul; and a one-row or one-column product is a
            # matrix-vector product in BLAS, whose sums may round
            # differently from the matrix-matrix one: score such a block term by term
            full = [np.ascontiguousarray(terms[0][p]) for p in picks]
            return self.scores(full, start, stop, n_negative)
        return self._gathered_cosmul(terms[0], picks, start, stop, n_negative)

    def _gathered_cosmul(
        self, unique: np.ndarray, picks: Sequence[np.ndarray], start: int, stop: int, n_negative: int
    ) -> np.ndarray:
        """:func:`cosmul` of the terms ``unique[picks[i]]``, each distinct vector scored once."""
        cut = len(picks) - n_negative
        if cut < 1:
            raise ValueError("cannot compute similarity with no input")
        w = stop - start
        shifted = self._shared_buffer(unique.shape[0])[:, :w]
        self._products([unique], start, stop, [shifted])
        shifted += 1.0
        shifted *= 0.5
        out = self._buffers(1, picks[0].shape[0])[0][:, :w]
        tmp = self._shared_buffer(GATHER_ROWS, "tmp")[:, :w]
        extra = self._shared_buffer(GATHER_ROWS, "extra")[:, :w] if n_negative > 1 else None
        # a few queries at a time, so the gathered rows stay in the core's cache between steps
        for r in range(0, out.shape[0], GATHER_ROWS):
            sl = [p[r : r + GATHER_ROWS] for p in picks]
            num, t = out[r : r + len(sl[0])], tmp[: len(sl[0])]
            np.take(shifted, sl[0], axis=0, out=num, mode="clip")
            for p in sl[1:cut]:
                np.take(shifted, p, axis=0, out=t, mode="clip")
                num *= t
            if n_negative:
                den = np.take(shifted, sl[cut], axis=0, out=t, mode="clip")
                for p in sl[cut + 1 :]:
                    e = np.take(shifted, p, axis=0, out=extra[: len(p)], mode="clip")  # type: ignore[index]  # 2+ negatives
                    den *= e
                den += EPSILON
                np.divide(num, den, out=num)
            else:
                num /= 1.0 + EPSILON
        return out

    def _shared_buffer(self, rows: int, name: str = "unique") -> np.ndarray:
        """A per-thread (rows, tile) float32 buffer kept under ``name``."""
        return self._span_buffer(name, rows, self.tile)

    @staticmethod
    def _mask(S: np.ndarray, exclude: np.ndarray, start: int) -> None:
        """``-inf`` where a query's excluded row (``-1``: none) falls in the tile of ``S``, whose
        columns are rows ``start:``: one comparison of every exclusion with the tile's bounds."""
        hit = (exclude >= max(start, 0)) & (exclude < start + S.shape[1])
        rows, k = np.nonzero(hit)
        if rows.size:
            S[rows, exclude[rows, k] - start] = -np.inf

    def best(
        self,
        terms: Sequence[np.ndarray],
        exclude: Any = None,
        n_negative: int = 0,
        *,
        picks: Optional[Sequence[np.ndarray]] = None,
    ) -> Tuple[np.ndarray, np.ndarray]:
        """The best row per query (``-1`` when every row is excluded) and its score (``picks``:
        see :meth:`scores`)."""
        n = terms[0].shape[0] if picks is None else picks[0].shape[0]
        exclude = _pad(exclude, n)
        best = np.full(n, -np.inf, np.float32)
        best_row = np.full(n, -1, np.intp)
        for start in range(0, self.end, self.tile):
            stop = min(start + self.tile, self.end)
            S = self.scores(terms, start, stop, n_negative, picks=picks)
            self._mask(S, exclude, start)
            self._merge(S, start, best, best_row)
        return best_row, best

    def best_analogy_cosmul(
        self, unique: np.ndarray, picks: Sequence[np.ndarray], exclude: Any = None
    ) -> Tuple[np.ndarray, np.ndarray]:
        """:meth:`best` for 3CosMul analogies ``b * c / a``: ``unique`` the distinct unit vectors
        of the questions' words, ``picks`` three index arrays into it (b, c, a per question).

        The very numbers of :meth:`best` with ``picks`` (the same float32 operations on the same
        cosines, masked and compared in the same order), in a third of its passes over memory:
        each distinct word's shifted cosine ``(1 + cos) / 2``, and the denominator
        ``(1 + cos_a) / 2 + 1e-6``, are made once per :data:`COSMUL_SPAN` vocabulary rows, and each
        question then multiplies, divides and takes its argmax over those rows in place, with no
        gathered copies. Vocabulary tiles are the same as :meth:`best`'s (a one-column tile, where
        BLAS would take a matrix-vector product, is scored by :meth:`best` itself)."""
        b_of, c_of, a_of = (np.asarray(p, dtype=np.intp) for p in picks)
        n = b_of.shape[0]
        excl = _pad(exclude, n)
        best = np.full(n, -np.inf, np.float32)
        best_row = np.full(n, -1, np.intp)
        if n == 0 or self.end == 0:
            return best_row, best
        if unique.shape[0] < 2 or n < 2:  # a matrix-vector product: as best() scores it
            return self.best([unique], exclude, 1, picks=[b_of, c_of, a_of])
        per_span = max(1, min(COSMUL_SPAN, SPAN_BYTES // (8 * unique.shape[0])) // self.tile)
        spans: List[List[Any]] = []  # [lo, hi, tiles, one column]
        for t0 in range(0, self.end, self.tile):
            t1 = min(t0 + self.tile, self.end)
            thin = t1 - t0 < 2
            if spans and not thin and not spans[-1][3] and spans[-1][2] < per_span:
                spans[-1][1], spans[-1][2] = t1, spans[-1][2] + 1
            else:
                spans.append([t0, t1, 1, thin])
        rows_b, rows_c, rows_a, rows_x = b_of.tolist(), c_of.tolist(), a_of.tolist(), excl.tolist()
        for lo, hi, _, thin in spans:
            if thin:
                S = self.scores([unique], lo, hi, 1, picks=[b_of, c_of, a_of])
                self._mask(S, excl, lo)
                self._merge(S, lo, best, best_row)
                continue
            w = hi - lo
            shifted = self._span_buffer("span_shifted", unique.shape[0], w)
            den = self._span_buffer("span_den", unique.shape[0], w)
            num = self._span_buffer("span_num", 1, w)[0]
            for t0 in range(lo, hi, self.tile):  # the products tile by tile, as best() makes them
                t1 = min(t0 + self.tile, hi)
                self._products([unique], t0, t1, [shifted[:, t0 - lo : t1 - lo]])
            shifted += 1.0
            shifted *= 0.5
            np.add(shifted, EPSILON, out=den)
            for i in range(n):
                np.multiply(shifted[rows_b[i]], shifted[rows_c[i]], out=num)
                np.divide(num, den[rows_a[i]], out=num)
                for e in rows_x[i]:
                    if lo <= e < hi:
                        num[e - lo] = -np.inf
                j = int(num.argmax())
                if num[j] != num[j]:  # nan (kept non-finite vectors): best() compares tile by tile
                    self._merge(num[None, :], lo, best[i : i + 1], best_row[i : i + 1], tile=self.tile)
                elif num[j] > best[i]:
                    best[i] = num[j]
                    best_row[i] = j + lo
        return best_row, best

    @staticmethod
    def _merge(S: np.ndarray, start: int, best: np.ndarray, best_row: np.ndarray, tile: Optional[int] = None) -> None:
        """Keep, per query (row of ``S``, columns from row ``start``), a tile's best score where it
        beats ``best`` (ties: the earlier row), one tile of ``tile`` columns at a time."""
        width = S.shape[1] if tile is None else tile
        ar = np.arange(S.shape[0])
        for t0 in range(0, S.shape[1], width):
            T = S[:, t0 : t0 + width]
            arg = T.argmax(axis=1)
            val = T[ar, arg]
            better = val > best
            best[better] = val[better]
            best_row[better] = arg[better] + start + t0

    def _span_buffer(self, name: str, rows: int, width: int) -> np.ndarray:
        """A per-thread (rows, width) float32 buffer kept under ``name``, contiguous rows."""
        buf = getattr(self._local, name, None)
        if buf is None or buf.shape[0] < rows or buf.shape[1] < width:
            buf = np.empty((rows, width), np.float32)
            setattr(self._local, name, buf)
        return buf[:rows, :width]

    def top_k(
        self, terms: Sequence[np.ndarray], k: int, exclude: Any = None, n_negative: int = 0
    ) -> Tuple[np.ndarray, np.ndarray]:
        """The ``k`` best rows per query, best first (ties: lower row first), and their scores:
        two (n, k) arrays; a row is ``-1`` (score ``-inf``) where fewer than ``k`` rows qualify."""
        n = terms[0].shape[0]
        exclude = _pad(exclude, n)
        k = min(int(k), self.end)
        top_s = np.full((n, 0), -np.inf, np.float32)
        top_r = np.full((n, 0), -1, np.intp)
        for start in range(0, self.end, self.tile):
            stop = min(start + self.tile, self.end)
            S = self.scores(terms, start, stop, n_negative)
            self._mask(S, exclude, start)
            if S.shape[1] > k:
                part = np.argpartition(-S, k - 1, axis=1)[:, :k]
            else:
                part = np.broadcast_to(np.arange(S.shape[1]), S.shape)
            top_s = np.concatenate([top_s, np.take_along_axis(S, part, axis=1)], axis=1)
            top_r = np.concatenate([top_r, part + start], axis=1)
            if top_s.shape[1] > k:
                keep = np.argpartition(-top_s, k - 1, axis=1)[:, :k]
                top_s = np.take_along_axis(top_s, keep, axis=1)
                top_r = np.take_along_axis(top_r, keep, axis=1)
        order = np.lexsort((top_r, -top_s), axis=-1)
        top_s = np.take_along_axis(top_s, order, axis=1)
        top_r = np.where(np.isneginf(top_s), -1, np.take_along_axis(top_r, order, axis=1))
        return top_r, top_s
