"""``Vectors``: the object users hold in a REPL. A word list, a float32 matrix (usually
memory-mapped from the cache) and the row norms; lookups, neighbours and analogies with gensim's
meaning."""

from __future__ import annotations

import functools
import os
from collections.abc import KeysView
from collections.abc import Set as AbstractSet
from typing import (
    TYPE_CHECKING,
    Any,
    Dict,
    Iterable,
    Iterator,
    List,
    Optional,
    Sequence,
    Set,
    Tuple,
    TypeGuard,
    Union,
    cast,
)

import numpy as np

from pretrained.cache.vocab import VocabText
from pretrained.core import scoring
from pretrained.core.keyed import KeyedVectorsMethods
from pretrained.core.results import Neighbours
from pretrained.core.scan_copy import ScanCopy
from pretrained.errors import (
    ArgumentError,
    ArgumentTypeError,
    FormatError,
    PretrainedError,
    WordNotFoundError,
)

if TYPE_CHECKING:
    from pretrained.index.query import NeighbourIndex

__all__ = ["Vectors", "Query", "check_values", "NONFINITE"]

Query = Union[str, int, np.ndarray]
"""A word, a row number (as gensim), or a vector of the set's dimension."""
Term = Union[Query, Tuple[Query, float]]
Result = Neighbours

_BATCH = 256  # queries per matrix product in batch methods
_SCANS_BEFORE_DICT = 16  # lookups served by a list scan before the word -> row dict is built
NONFINITE = ("error", "zero", "keep")  #: what ``nonfinite=`` may say (as the file readers' option)
_CHECK_ROWS = 65536  # rows checked for finite values at a time


def check_values(
    matrix: np.ndarray,
    words: Sequence[str],
    nonfinite: str = "error",
    *,
    source: Any = None,
    path: Optional[str] = None,
    first_line: Optional[int] = None,
) -> np.ndarray:
    """``matrix`` as float32 with ``nonfinite=`` applied to rows holding nan, inf or a value
    beyond float32's range (about 3.4e38, which would become inf): ``"error"`` (default) raises
    naming the word and row, ``"zero"`` zeroes such rows (logged), ``"keep"`` keeps them.

    ``source`` is the array the caller was given (float64, say), so an overflow is named as one;
    with ``path`` the error is a :class:`~pretrained.errors.FormatError` naming the file and
    (from ``first_line``, the line of row 0) the line, else an
    :class:`~pretrained.errors.ArgumentError`.

    Examples
    --------
    >>> check_values(np.array([[1.0, np.nan]]), ["a"], "zero").tolist()
    [[0.0, 0.0]]
    """
    if nonfinite not in NONFINITE:
        raise ArgumentError(f"nonfinite={nonfinite!r} is not one of {', '.join(map(repr, NONFINITE))}")
    arr = np.asarray(matrix)
    if arr.dtype.kind != "f" or nonfinite == "keep":
        return arr
    bad: List[int] = []
    for s in range(0, arr.shape[0], _CHECK_ROWS):
        block = arr[s : s + _CHECK_ROWS]
        with np.errstate(over="ignore", invalid="ignore"):
            total = block.sum()
        if np.isfinite(total):  # nan and inf propagate into the sum (the fast path)
            continue
        if not np.isfinite(block).all():  # or a finite sum that overflowed
            bad.extend((s + np.flatnonzero(~np.isfinite(block).all(axis=1))).tolist())
    if not bad:
        return arr
    if nonfinite == "error":
        i = bad[0]
        row = np.asarray(arr[i])
        col = int(np.flatnonzero(~np.isfinite(row))[0])
        given = None if source is None else np.asarray(source)[i][col]
        if given is not None and np.isfinite(given):
            what = f"{float(given)!r} at column {col}, beyond float32's range (about 3.4e38; it would become inf)"
        else:
            what = f"{row[col]} at column {col}"
        message = (
            f"the vector of {words[i]!r} (row {i}) holds {what}: pass nonfinite='zero' to zero such "
            "vectors or nonfinite='keep' to keep them"
        )
        if path is not None:
            raise FormatError(message, path, None if first_line is None else first_line + i)
        raise ArgumentError(message)
    import logging

    logging.getLogger(__name__).warning(
        "%d vectors held nan, inf or a float32 overflow and were zeroed (nonfinite='zero')", len(bad)
    )
    arr = np.array(arr)
    arr[bad] = 0
    return arr


def _is_key(item: Any) -> TypeGuard[Union[str, int]]:
    """A word or a row number (gensim's key types), as opposed to a vector."""
    return isinstance(item, (str, int, np.integer)) and not isinstance(item, (bool, np.bool_))


def _as_list(terms: Any) -> List[Any]:
    """gensim's ``_ensure_list``: one key or 1-D vector -> [it]; a 2-D array -> its rows."""
    if terms is None:
        return []
    if _is_key(terms) or (isinstance(terms, np.ndarray) and terms.ndim == 1):
        return [terms]
    if isinstance(terms, np.ndarray) and terms.ndim == 2:
        return list(terms)
    if (
        isinstance(terms, tuple)
        and len(terms) == 2
        and isinstance(terms[1], (int, float))
        and not isinstance(terms[0], (int, float))
    ):
        return [terms]  # a single (term, weight) pair
    return list(terms)


class Vectors(KeyedVectorsMethods):
    """Word vectors: ``words[i]`` has the vector ``vectors[i]``.

    Usually made by :func:`pretrained.load`; any list of distinct words and a matching 2-D
    array will do.

    Examples
    --------
    >>> import numpy as np
    >>> from pretrained import Vectors
    >>> v = Vectors(["man", "woman", "king", "queen"],
    ...             np.array([[1, 0, 0], [1, 1, 0], [1, 0, 1], [1, 1, 1]], dtype=np.float32))
    >>> v
    <Vectors: 4 words x 3 dims>
    >>> v["king"].tolist()
    [1.0, 0.0, 1.0]
    >>> v.analogy("man", "king", "woman")[0][0]
    'queen'

    ``words`` is a list (a set has no row order and is refused). Vectors holding nan, inf or a
    value beyond float32's range are refused (:class:`~pretrained.errors.ArgumentError` naming the
    word and row) unless ``nonfinite="zero"`` (such rows become zero) or ``"keep"``, the option
    the file readers have.

    Queries that read every vector (:meth:`most_similar`, :meth:`most_similar_cosmul`,
    :meth:`similar_by_vector`, :meth:`cosine_similarities_to`) on a memory-mapped set of at most
    :attr:`scan_copy_max` bytes move, from the third such query on, to a private in-memory copy
    made on a background thread (huge pages: about 1.3x faster, the same bits; see
    :mod:`pretrained.core.scan_copy`). Set ``Vectors.scan_copy_max = 0`` to keep them on the map.
    """

    scan_copy_max: int = 256 << 20
    """The largest memory-mapped matrix (in bytes) that whole-vocabulary queries copy into memory."""

    def __init__(
        self,
        words: Sequence[str],
        vectors: np.ndarray,
        *,
        norms: Optional[np.ndarray] = None,
        name: Optional[str] = None,
        meta: Optional[Dict[str, Any]] = None,
        path: Optional[os.PathLike[str] | str] = None,
        dtype: Any = None,
        nonfinite: Optional[str] = None,
    ):
        self._adopt(words, vectors, norms, name, meta, path, dtype, nonfinite, checked=False)

    def _adopt(
        self,
        words: Sequence[str],
        vectors: np.ndarray,
        norms: Optional[np.ndarray],
        name: Optional[str],
        meta: Optional[Dict[str, Any]],
        path: Optional[os.PathLike[str] | str],
        dtype: Any,
        nonfinite: Optional[str],
        *,
        checked: bool,
    ) -> None:
        """Fill in a new object: ``checked`` (from :meth:`trusted`) skips the scans of the values
        and the words that the arrays' maker already did."""
        if isinstance(words, (str, bytes)) or not isinstance(words, Iterable):
            raise ArgumentTypeError(f"words must be a list of str, got {type(words).__name__}")
        if isinstance(words, AbstractSet) and not isinstance(words, KeysView):
            raise ArgumentTypeError(
                f"words must be a sequence (a list), not an unordered {type(words).__name__}: row i belongs to words[i]"
            )
        given = np.asarray(vectors)
        if given.ndim != 2:
            raise ArgumentError(f"vectors must be a 2-D array, got shape {given.shape}")
        dtype = np.dtype(np.float32 if dtype is None else dtype)  # gensim's datatype= (float16/64)
        arr = given
        if arr.dtype != dtype:
            if arr.dtype.kind in "USVMm":
                raise ArgumentTypeError(f"vectors must hold numbers, got dtype {arr.dtype}")
            with np.errstate(over="ignore", invalid="ignore"):
                arr = arr.astype(dtype)
        if not (checked and isinstance(words, VocabText)):  # a cache entry's words stay bytes until used
            words = list(words)
        if len(words) != arr.shape[0]:
            raise ArgumentError(f"{len(words)} words but {arr.shape[0]} vectors")
        if nonfinite is not None or not checked:  # a cache entry (mmap) was checked when written
            arr = check_values(arr, words, "error" if nonfinite is None else nonfinite, source=given)
        if arr.flags.writeable:
            arr = arr.view()
            arr.flags.writeable = False
        self._words = words
        self._vocab = words if isinstance(words, VocabText) and words.indexed else None  # probed until the dict
        self._key_to_index: Optional[Dict[str, int]] = None
        self._scans = 0
        self._vectors = arr
        self._scan_copy: Optional[ScanCopy] = None
        self._norms = None if norms is None else np.asarray(norms, dtype=np.float32)
        self.name = name
        self.meta = dict(meta or {})
        self.path = None if path is None else os.fspath(path)
        if not checked:
            if len(self.key_to_index) != len(words):
                seen: Set[str] = set()
                dup = next(w for w in words if w in seen or seen.add(w))  # type: ignore[func-returns-value]
                raise PretrainedError(f"word {dup!r} appears more than once")
            for w in words:
                if not isinstance(w, str):
                    raise ArgumentTypeError(f"words must be str, got {type(w).__name__}: {w!r}")

    @classmethod
    def trusted(
        cls,
        words: Sequence[str],
        vectors: np.ndarray,
        *,
        norms: Optional[np.ndarray] = None,
        name: Optional[str] = None,
        meta: Optional[Dict[str, Any]] = None,
        path: Optional[os.PathLike[str] | str] = None,
        dtype: Any = None,
    ) -> Vectors:
        """Vectors from arrays already checked: a cache entry's (finite values, unique ``str``
        words, checked when it was written), or rows a reader checked as it read them. The
        values are not scanned again (a memory-mapped entry stays unread) and the words are not
        checked for duplicates; anything else goes through ``Vectors(...)``."""
        obj = cls.__new__(cls)
        obj._adopt(words, vectors, norms, name, meta, path, dtype, None, checked=True)
        return obj

    # ------------------------------------------------------------------ lookups

    @property
    def key_to_index(self) -> Dict[str, int]:
        """Word -> row number (built on first use)."""
        if self._key_to_index is None:
            words = self.index_to_key
            self._key_to_index = dict(zip(words, range(len(words))))
        return self._key_to_index

    def _find(self, word: str) -> Optional[int]:
        """Row of ``word`` or None. A cache entry with a vocabulary index answers from it (no
        list, no dict built) until it has answered ``len(self) // 16`` lookups, about what
        building the dictionary costs, then the dictionary is built once and used; an entry
        without an index scans the word list at C speed for its first few lookups (a
        millisecond for 400,000 words) instead."""
        if self._key_to_index is None:
            index = self._vocab
            limit = _SCANS_BEFORE_DICT if index is None else max(_SCANS_BEFORE_DICT, len(index) // 16)
            if self._scans < limit:
                if not isinstance(word, str):
                    raise TypeError(f"words are str, got {type(word).__name__}: {word!r}")
                self._scans += 1
                if index is not None:
                    return index.find(word)
                if isinstance(self._words, VocabText):
                    return self._words.find(word)
                try:
                    return self._words.index(word)
                except ValueError:
                    return None
        return self.key_to_index.get(word)

    @property
    def words(self) -> List[str]:
        """The words, in row order (a copy; use ``key_to_index`` for lookups)."""
        return list(self._words)

    @property
    def index_to_key(self) -> List[str]:
        """The words in row order, shared with this object (gensim's name); do not modify."""
        if isinstance(self._words, VocabText):
            self._words = self._words.as_list()  # built on first use
        return self._words

    @property
    def vectors(self) -> np.ndarray:
        """The (count, dim) float32 matrix, read-only."""
        return self._vectors

    @property
    def dim(self) -> int:
        """Dimensions of each vector."""
        return self._vectors.shape[1]

    vector_size = dim

    @property
    def norms(self) -> np.ndarray:
        """L2 norm of every row (stored in the cache, computed once otherwise)."""
        if self._norms is None:
            self._norms = np.linalg.norm(self._vectors, axis=1).astype(np.float32)
        return self._norms

    @functools.cached_property
    def inverse_norms(self) -> np.ndarray:
        """``1 / norm`` of every row (float32; 0 for a zero row), computed once."""
        return scoring.inverse_norms(self.norms)

    def _scan_rows(self) -> np.ndarray:
        """The matrix a query that reads every vector scans (see :attr:`scan_copy_max`)."""
        if self._scan_copy is None:
            self._scan_copy = ScanCopy(self._vectors, self.scan_copy_max)
        return self._scan_copy.rows()

    def unit_rows(self, rows: Any) -> np.ndarray:
        """The unit vectors of row numbers ``rows`` (any shape; the dim is appended)."""
        return scoring.unit_rows(self._vectors, self.inverse_norms, rows)

    def analogy_units(self, idx: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """For rows ``idx`` of shape (n, 3) holding (a, b, c): their unit vectors (n, 3, dim) and
        the normalised ``b - a + c`` (n, dim), the 3CosAdd query of ``most_similar``."""
        return scoring.analogy_units(self._vectors, self.inverse_norms, idx)

    def __len__(self) -> int:
        return len(self._words)

    def __iter__(self) -> Iterator[str]:
        return iter(self._words)

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self._find(word) is not None

    def __repr__(self) -> str:
        label = f" {self.name!r}" if self.name else ""
        return f"<Vectors{label}: {len(self):,} words x {self.dim} dims>"

    def get_index(self, key: Union[str, int], default: Optional[int] = None) -> int:
        """Row number of ``key`` (gensim's meaning): a word's row, or an integer taken as a row
        number when it is one; ``default`` when given and the key is missing, else
        :class:`~pretrained.errors.WordNotFoundError`."""
        if isinstance(key, str):
            i = self._find(key)
        elif isinstance(key, (int, np.integer)) and not isinstance(key, (bool, np.bool_)):
            i = int(key) if 0 <= key < len(self._words) else None
        else:
            raise ArgumentTypeError(f"keys are words (str) or row numbers (int), got {type(key).__name__}: {key!r}")
        if i is not None:
            return i
        if default is not None:
            return default
        raise WordNotFoundError(key, f"the vocabulary of {self.name or 'these vectors'}")

    def __getitem__(self, word: Union[str, int, Iterable[str]]) -> np.ndarray:
        """``v["king"]`` -> the vector (read-only); ``v[["king", "queen"]]`` -> a (2, dim) array;
        an integer is a row number (as gensim)."""
        if isinstance(word, (str, int, np.integer)):
            return self._vectors[self.get_index(word)]
        if isinstance(word, (bytes, bytearray)) or not isinstance(word, Iterable):
            raise ArgumentTypeError(
                f"v[...] takes a word (str), a row number (int) or a list of words, got {type(word).__name__}: {word!r}"
            )
        return self._vectors[self.indices(word)]

    def indices(self, words: Iterable[str]) -> np.ndarray:
        """Row numbers of many words at once (raises on the first missing one)."""
        return np.fromiter((self.get_index(w) for w in words), dtype=np.intp)

    def get(self, word: str, default: Any = None) -> Any:
        """The vector of ``word``, or ``default`` when it is missing."""
        i = self._find(word) if isinstance(word, str) else None
        return default if i is None else self._vectors[i]

    def unit(self, item: Query) -> np.ndarray:
        """The L2-normalised vector of a word (or of a given vector)."""
        if _is_key(item):
            i = self.get_index(item)
            return self._vectors[i] * self.inverse_norms[i]
        vec = np.asarray(item, dtype=np.float32)
        self._check_vector(vec)
        return scoring.unit_vector(vec)

    def _check_vector(self, vec: np.ndarray) -> None:
        if vec.shape != (self.dim,):
            raise ValueError(f"a query vector must have shape ({self.dim},), got {vec.shape}")

    # ------------------------------------------------------------------ similarity

    def similarity(self, w1: Query, w2: Query) -> float:
        """Cosine similarity of two words (or vectors)."""
        return float(np.dot(self.unit(w1), self.unit(w2)))

    def similarities(self, pairs: Iterable[Tuple[str, str]]) -> np.ndarray:
        """Cosine similarity of many word pairs at once."""
        pairs = list(pairs)
        if not pairs:
            return np.zeros(0, np.float32)
        va = self.unit_rows(self.indices(p[0] for p in pairs))
        vb = self.unit_rows(self.indices(p[1] for p in pairs))
        return np.einsum("ij,ij->i", va, vb)

    def _mean(self, positive: List[Any], negative: List[Any]) -> Tuple[np.ndarray, List[int]]:
        """gensim's weighted mean: words unit-normalised, vectors as given, then normalised."""
        terms = [(t, 1.0) for t in positive] + [(t, -1.0) for t in negative]
        mean = np.zeros(self.dim, np.float32)
        used: List[int] = []
        inv = self.inverse_norms
        for item, sign in terms:
            weight = sign
            if isinstance(item, tuple):  # (term, weight): the weight replaces the sign, as in gensim
                item, weight = item[0], float(item[1])
            if _is_key(item):
                i = self.get_index(item)
                used.append(i)
                mean += weight * self._vectors[i] * inv[i]
            else:
                vec = np.asarray(item, dtype=np.float32)
                self._check_vector(vec)
                mean += weight * vec
        if not terms:
            raise ValueError("cannot compute similarity with no input")
        return scoring.unit_vector(mean), used

    def _neighbours(self, rows: Iterable[int], scores: np.ndarray) -> Result:
        words = self._words
        return Neighbours([(words[i], float(scores[i])) for i in rows])

    @staticmethod
    def cosine_similarities(vector_1: np.ndarray, vectors_all: np.ndarray) -> np.ndarray:
        """Cosine of ``vector_1`` (dim,) with each row of ``vectors_all`` (n, dim), as gensim's
        ``KeyedVectors.cosine_similarities``. For a word against the whole vocabulary see
        :meth:`cosine_similarities_to`."""
        vector_1, vectors_all = np.asarray(vector_1), np.asarray(vectors_all)
        norm = np.linalg.norm(vector_1)
        all_norms = np.linalg.norm(vectors_all, axis=1)
        return np.dot(vectors_all, vector_1) / (norm * all_norms)

    def cosine_similarities_to(self, query: Query, *, restrict_vocab: Optional[int] = None) -> np.ndarray:
        """Cosine similarity of ``query`` (a word or vector) to every word (or to the first
        ``restrict_vocab``)."""
        end = scoring.window(len(self), restrict_vocab)
        return scoring.cosines(self._scan_rows()[:end], self.inverse_norms[:end], self.unit(query))

    def most_similar(
        self,
        positive: Union[Term, Sequence[Term], None] = None,
        negative: Union[Term, Sequence[Term]] = (),
        topn: Optional[int] = 10,
        *,
        restrict_vocab: Optional[int] = None,
        index: Any = None,
    ) -> Union[Result, np.ndarray]:
        """The ``topn`` words nearest (by cosine) to the mean of ``positive`` minus ``negative``.

        Same meaning as gensim's ``KeyedVectors.most_similar``: a single word, row number or
        vector is accepted for ``positive``, and a 2-D array is several query vectors; words are
        unit-normalised before averaging, vectors are used as given; input words are left out of
        the result. ``topn=0`` gives ``[]``; with ``topn=None`` the similarities to every word
        are returned as an array.

        Returns
        -------
        list of (word, cosine) pairs, best first.

        Examples
        --------
        >>> import numpy as np
        >>> from pretrained import Vectors
        >>> v = Vectors(["a", "b", "c"], np.array([[1, 0], [0.9, 0.1], [0, 1]], dtype=np.float32))
        >>> [w for w, _ in v.most_similar("a", topn=2)]
        ['b', 'c']

        With ``index`` (a :class:`~pretrained.index.NeighbourIndex`, or ``True`` for the cached
        one, see :meth:`index`) the neighbours come from the Annoy index instead of a pass over
        every vector; input words are still left out.
        """
        topn = scoring.check_topn(topn)
        if topn == 0:
            return Neighbours()
        end = scoring.window(len(self), restrict_vocab)
        pos, neg = _as_list(positive), _as_list(negative)
        if index is not None and index is not False and topn:
            if restrict_vocab is not None:
                raise ValueError("restrict_vocab is not supported with index=; filter the result instead")
            return self._through_index(index, pos, neg, topn)
        mean, used = self._mean(pos, neg)
        scores = scoring.cosines(self._scan_rows()[:end], self.inverse_norms[:end], mean)
        if topn is None:
            return scores
        return self._neighbours(scoring.top_k(scores, topn, used), scores)

    def _through_index(self, index: Any, pos: List[Any], neg: List[Any], topn: int) -> Result:
        if index is True:
            index = self.index()
        if len(pos) == 1 and not neg and not isinstance(pos[0], tuple):
            return index.most_similar(pos[0], topn=topn)
        mean, used = self._mean(pos, neg)
        found = index.most_similar(mean, topn=topn + len(used))
        drop = {self._words[i] for i in used}
        return Neighbours([(w, s) for w, s in found if w not in drop][:topn])

    def most_similar_cosmul(
        self,
        positive: Union[Query, Sequence[Query], None] = None,
        negative: Union[Query, Sequence[Query]] = (),
        topn: Optional[int] = 10,
        *,
        restrict_vocab: Optional[int] = None,
    ) -> Union[Result, np.ndarray]:
        """Levy & Goldberg's multiplicative combination (3CosMul), as gensim's
        ``most_similar_cosmul``: the product of the shifted cosines to ``positive`` over the
        product of those to ``negative``. Scores are not cosines. ``topn`` as :meth:`most_similar`."""
        topn = scoring.check_topn(topn)
        if topn == 0:
            return Neighbours()
        end = scoring.window(len(self), restrict_vocab)
        pos, neg = _as_list(positive), _as_list(negative)
        used = [self.get_index(t) for t in pos + neg if _is_key(t)]
        if not pos:
            raise ValueError("cannot compute similarity with no input")
        V, inv = self._scan_rows()[:end], self.inverse_norms[:end]

        def term(t: Query) -> np.ndarray:
            return self.unit(t) if _is_key(t) else np.asarray(t, dtype=np.float32)

        scores = scoring.cosmul(
            [scoring.cosines(V, inv, term(t)) for t in pos], [scoring.cosines(V, inv, term(t)) for t in neg]
        )
        if topn is None:
            return scores
        return self._neighbours(scoring.top_k(scores, topn, used), scores)

    def analogy(
        self, a: str, b: str, c: str, topn: int = 1, *, method: str = "add", restrict_vocab: Optional[int] = None
    ) -> Result:
        """``a : b :: c : ?``, e.g. ``analogy("man", "king", "woman")`` -> ``[("queen", 0.86)]``.

        ``method="add"`` is 3CosAdd (``most_similar(positive=[b, c], negative=[a])``), ``"mul"``
        is 3CosMul. The three input words are never answers.
        """
        if scoring.check_method(method) == "add":
            return cast(
                Result, self.most_similar([b, c], [a], topn=topn, restrict_vocab=restrict_vocab)
            )  # topn is an int
        return cast(Result, self.most_similar_cosmul([b, c], [a], topn=topn, restrict_vocab=restrict_vocab))

    # ------------------------------------------------------------------ batches

    def most_similar_batch(
        self, queries: Sequence[Query], topn: int = 10, *, restrict_vocab: Optional[int] = None
    ) -> List[Result]:
        """``most_similar`` for many single words or vectors (a list, or a 2-D array of query
        vectors), scored in vocabulary tiles of bounded memory. A query word is left out of its
        own result."""
        queries = scoring.check_queries(queries)
        topn = scoring.check_count(topn, "topn", minimum=0)
        Q = np.stack([self.unit(q) for q in queries]) if queries else np.zeros((0, self.dim), np.float32)
        own = [[self.get_index(q)] if _is_key(q) else [] for q in queries]
        return self._batch_top([Q], topn, own, restrict_vocab)

    def analogy_batch(
        self,
        triples: Sequence[Tuple[str, str, str]],
        topn: int = 1,
        *,
        method: str = "add",
        restrict_vocab: Optional[int] = None,
    ) -> List[Result]:
        """``analogy`` for many ``(a, b, c)`` triples at once."""
        scoring.check_method(method)
        triples = scoring.check_queries(triples, "triples")
        topn = scoring.check_count(topn, "topn", minimum=0)
        if not triples:
            return []
        idx = np.array([[self.get_index(w) for w in t] for t in triples], dtype=np.intp)
        U, Q = self.analogy_units(idx)
        if method == "add":
            return self._batch_top([Q], topn, idx, restrict_vocab)
        terms = [np.ascontiguousarray(U[:, k]) for k in (1, 2, 0)]  # b and c over a
        return self._batch_top(terms, topn, idx, restrict_vocab, n_negative=1)

    def _batch_top(
        self, terms: List[np.ndarray], topn: int, exclude: Any, restrict_vocab: Optional[int], n_negative: int = 0
    ) -> List[Result]:
        end = scoring.window(len(self), restrict_vocab)
        scorer = scoring.TiledScorer(self._vectors, self.inverse_norms, end)
        words = self._words
        out: List[Result] = []
        for s in range(0, terms[0].shape[0], _BATCH):
            block = [t[s : s + _BATCH] for t in terms]
            if topn == 0 or end == 0:
                out.extend(Neighbours() for _ in range(block[0].shape[0]))
                continue
            rows, scores = scorer.top_k(block, topn, exclude[s : s + _BATCH], n_negative)
            for r, sc in zip(rows.tolist(), scores.tolist()):
                out.append(Neighbours([(words[i], float(x)) for i, x in zip(r, sc) if i >= 0]))
        return out

    # ------------------------------------------------------------------ index
    # The one deliberate upward layer (issue 18): the convenience methods below (``index``,
    # ``build_index``, ``embedding_matrix``, ``keras_embedding``, ``embed``, ``save``, evaluation)
    # reach feature packages that import ``Vectors``, so they import them inside the method, never
    # at module level; tests/test_architecture.py checks that no module-level import goes up.

    def build_index(self, path: Optional[os.PathLike[str] | str] = None, **kwargs: Any) -> NeighbourIndex:
        """Build an Annoy neighbour index over these vectors (see :func:`pretrained.build_index`)."""
        from pretrained.index import build_index

        return build_index(self, path, **kwargs)

    def index(self, **kwargs: Any) -> NeighbourIndex:
        """The cached neighbour index of these vectors: loaded (memory-mapped) when it exists,
        built into the cache otherwise. Keywords as :func:`pretrained.build_index`: ``backend``
        (``"annoy"``, ``"hnsw"``, ``"milvus"``) and that backend's own parameters, e.g.
        ``v.index(backend="milvus", uri="http://milvus:19530", token=...)``."""
        from pretrained.index import build_index

        return build_index(self, None, **kwargs)

    # ------------------------------------------------------------------ interop

    def to_gensim(self) -> Any:
        """A gensim ``KeyedVectors`` holding a copy of these vectors."""
        from pretrained import optional

        KeyedVectors = optional.require("gensim.models").KeyedVectors
        kv = KeyedVectors(self.dim, count=0, dtype=np.float32)
        kv.add_vectors(list(self._words), np.array(self._vectors, dtype=np.float32))
        return kv

    @classmethod
    def from_gensim(cls, kv: Any, *, name: Optional[str] = None) -> Vectors:
        """Wrap a gensim ``KeyedVectors`` (its words and vectors; the vectors are copied to float32),
        or a trained ``Word2Vec``/``FastText`` (``.wv``) or ``Doc2Vec`` (``.dv``: documents as items)."""
        from pretrained.interop.bring import from_gensim

        return from_gensim(kv, name=name)

    def embed(self, texts: Iterable[Any], **options: Any) -> np.ndarray:
        """One vector per text, the mean of its known words' vectors; see :func:`pretrained.embed`."""
        from pretrained.interop.texts import embed

        return embed(self, texts, **options)

    def save(self, path: os.PathLike[str] | str, format: str = "glove", *, precision: Optional[int] = None) -> None:
        """Export to ``glove`` text, ``word2vec`` binary or ``word2vec-text`` (``.gz`` / ``.bz2``
        by the file name); text reads back bit-identical unless ``precision`` (significant digits)
        asks for compact output."""
        from pretrained.formats.writers import write_vectors

        write_vectors(path, self._words, self._vectors, format=format, precision=precision)

    # ------------------------------------------------------------------ embedding layers

    def embedding_matrix(self, vocabulary: Any, **options: Any) -> Any:
        """The float32 weight matrix of an embedding layer for ``vocabulary`` (row ``i`` = token
        ``i``); see :func:`pretrained.embedding_matrix` for the vocabulary forms and options."""
        from pretrained.interop.matrix import embedding_matrix

        return embedding_matrix(self, vocabulary, **options)

    def keras_embedding(
        self, vocabulary: Any, *, trainable: bool = False, mask_zero: bool = False, **options: Any
    ) -> Any:
        """A ``keras.layers.Embedding`` seeded with these vectors; see
        :func:`pretrained.keras_embedding`."""
        from pretrained.interop.layers import keras_embedding

        return keras_embedding(self, vocabulary, trainable=trainable, mask_zero=mask_zero, **options)

    def torch_embedding(
        self, vocabulary: Any, *, trainable: bool = False, padding_idx: Optional[int] = None, **options: Any
    ) -> Any:
        """A ``torch.nn.Embedding`` seeded with these vectors; see
        :func:`pretrained.torch_embedding`."""
        from pretrained.interop.layers import torch_embedding

        return torch_embedding(self, vocabulary, trainable=trainable, padding_idx=padding_idx, **options)
