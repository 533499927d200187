"""``Vectors``: the object users hold in a REPL. A word list, a float32 matrix (usually
memory-mapped from the cache) and the row norms; lookups, neighbours and analogies with gensim's
meaning."""
from __future__ import annotations

import functools
import os
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np

from .errors import PretrainedError, WordNotFoundError
from .results import Neighbours

__all__ = ["Vectors", "Query"]

Query = Union[str, np.ndarray]
"""A word, or a vector of the set's dimension."""
Term = Union[Query, Tuple[Query, float]]
Result = Neighbours

_BATCH = 256  # queries per matrix product in batch methods
_SCANS_BEFORE_DICT = 16  # lookups served by a list scan before the word -> row dict is built


def _as_list(terms: Any) -> list:
    if terms is None:
        return []
    if isinstance(terms, (str, np.ndarray)):
        return [terms]
    if isinstance(terms, tuple) and len(terms) == 2 and isinstance(terms[1], (int, float)) and not isinstance(terms[0], (int, float)):
        return [terms]  # a single (term, weight) pair
    return list(terms)


class Vectors:
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
    """

    def __init__(
        self,
        words: Sequence[str],
        vectors: np.ndarray,
        *,
        norms: Optional[np.ndarray] = None,
        name: Optional[str] = None,
        meta: Optional[dict] = None,
        path: Optional["os.PathLike[str] | str"] = None,
        _checked: bool = False,
    ):
        arr = np.asarray(vectors)
        if arr.ndim != 2:
            raise ValueError(f"vectors must be a 2-D array, got shape {arr.shape}")
        if arr.dtype != np.float32:
            arr = arr.astype(np.float32)
        words = list(words)
        if len(words) != arr.shape[0]:
            raise ValueError(f"{len(words)} words but {arr.shape[0]} vectors")
        if arr.flags.writeable:
            arr = arr.view()
            arr.flags.writeable = False
        self._words = words
        self._key_to_index: Optional[Dict[str, int]] = None
        self._scans = 0
        self._vectors = arr
        self._norms = None if norms is None else np.asarray(norms, dtype=np.float32)
        self.name = name
        self.meta = dict(meta or {})
        self.path = None if path is None else os.fspath(path)
        if not _checked:
            if len(self.key_to_index) != len(words):
                seen: set = set()
                dup = next(w for w in words if w in seen or seen.add(w))
                raise PretrainedError(f"word {dup!r} appears more than once")
            for w in words:
                if not isinstance(w, str):
                    raise TypeError(f"words must be str, got {type(w).__name__}: {w!r}")

    # ------------------------------------------------------------------ lookups

    @property
    def key_to_index(self) -> Dict[str, int]:
        """Word -> row number (built on first use)."""
        if self._key_to_index is None:
            self._key_to_index = dict(zip(self._words, range(len(self._words))))
        return self._key_to_index

    def _find(self, word: str) -> Optional[int]:
        """Row of ``word`` or None. The first few lookups after a load scan the word list at C
        speed (a millisecond for 400,000 words) instead of waiting for the whole dictionary;
        after that the dictionary is built once and used."""
        if self._key_to_index is None and self._scans < _SCANS_BEFORE_DICT:
            if not isinstance(word, str):
                raise TypeError(f"words are str, got {type(word).__name__}: {word!r}")
            self._scans += 1
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
    def _inv_norms(self) -> np.ndarray:
        n = np.asarray(self.norms, dtype=np.float32)
        with np.errstate(divide="ignore"):
            inv = np.where(n > 0, 1.0 / np.where(n > 0, n, 1), 0.0)
        return inv.astype(np.float32)

    def __len__(self) -> int:
        return len(self._words)

    def __iter__(self) -> Iterator[str]:
        return iter(self._words)

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self._find(word) is not None

    def __repr__(self) -> str:
        label = f" {self.name!r}" if self.name else ""
        return f"<Vectors{label}: {len(self):,} words x {self.dim} dims>"

    def get_index(self, word: str) -> int:
        """Row number of ``word``; raises :class:`~pretrained.errors.WordNotFoundError`."""
        if not isinstance(word, str):
            raise TypeError(f"words are str, got {type(word).__name__}: {word!r}")
        i = self._find(word)
        if i is None:
            raise WordNotFoundError(word, f"the vocabulary of {self.name or 'these vectors'}")
        return i

    def __getitem__(self, word: Union[str, Iterable[str]]) -> np.ndarray:
        """``v["king"]`` -> the vector (read-only); ``v[["king", "queen"]]`` -> a (2, dim) array."""
        if isinstance(word, str):
            return self._vectors[self.get_index(word)]
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
        if isinstance(item, str):
            i = self.get_index(item)
            return self._vectors[i] * self._inv_norms[i]
        vec = np.asarray(item, dtype=np.float32)
        self._check_vector(vec)
        n = float(np.linalg.norm(vec))
        return vec / n if n > 0 else vec

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
        a = self.indices(p[0] for p in pairs)
        b = self.indices(p[1] for p in pairs)
        va = self._vectors[a] * self._inv_norms[a, None]
        vb = self._vectors[b] * self._inv_norms[b, None]
        return np.einsum("ij,ij->i", va, vb)

    def _mean(self, positive: list, negative: list) -> Tuple[np.ndarray, List[int]]:
        """gensim's weighted mean: words unit-normalised, vectors as given, then normalised."""
        terms = [(t, 1.0) for t in positive] + [(t, -1.0) for t in negative]
        mean = np.zeros(self.dim, np.float32)
        used: List[int] = []
        for item, sign in terms:
            weight = sign
            if isinstance(item, tuple):  # (term, weight): the weight replaces the sign, as in gensim
                item, weight = item[0], float(item[1])
            if isinstance(item, str):
                i = self.get_index(item)
                used.append(i)
                mean += weight * self._vectors[i] * self._inv_norms[i]
            else:
                vec = np.asarray(item, dtype=np.float32)
                self._check_vector(vec)
                mean += weight * vec
        if not terms:
            raise ValueError("cannot compute similarity with no input")
        n = float(np.linalg.norm(mean))
        return (mean / n if n > 0 else mean), used

    def _top(self, scores: np.ndarray, topn: int, exclude: Iterable[int]) -> Result:
        exclude = set(exclude)
        k = min(topn + len(exclude), scores.shape[0])
        if k <= 0:
            return Neighbours()
        if k < scores.shape[0]:
            idx = np.argpartition(-scores, k - 1)[:k]
        else:
            idx = np.arange(scores.shape[0])
        idx = idx[np.argsort(-scores[idx], kind="stable")]
        words = self._words
        return Neighbours([(words[i], float(scores[i])) for i in idx.tolist() if i not in exclude][:topn])

    def cosine_similarities(self, query: Query, *, restrict_vocab: Optional[int] = None) -> np.ndarray:
        """Cosine similarity of ``query`` to every word (or to the first ``restrict_vocab``)."""
        q = self.unit(query)
        end = len(self) if restrict_vocab is None else min(restrict_vocab, len(self))
        return (self._vectors[:end] @ q) * self._inv_norms[:end]

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

        Same meaning as gensim's ``KeyedVectors.most_similar``: a single word or vector is
        accepted for ``positive``; words are unit-normalised before averaging, vectors are used
        as given; input words are left out of the result. With ``topn=None`` the similarities to
        every word are returned as an array.

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
        pos, neg = _as_list(positive), _as_list(negative)
        if index is not None and index is not False and topn:
            if restrict_vocab is not None:
                raise ValueError("restrict_vocab is not supported with index=; filter the result instead")
            if index is True:
                index = self.index()
            if len(pos) == 1 and not neg and not isinstance(pos[0], tuple):
                return index.most_similar(pos[0], topn=topn)
            mean, used = self._mean(pos, neg)
            found = index.most_similar(mean, topn=topn + len(used))
            drop = {self._words[i] for i in used}
            return Neighbours([(w, s) for w, s in found if w not in drop][:topn])
        mean, used = self._mean(pos, neg)
        end = len(self) if restrict_vocab is None else min(restrict_vocab, len(self))
        scores = (self._vectors[:end] @ mean) * self._inv_norms[:end]
        if not topn:
            return scores
        return self._top(scores, topn, used)

    def _cosmul_scores(self, pos: list, neg: list, end: int) -> Tuple[np.ndarray, List[int]]:
        used = [self.get_index(t) for t in pos + neg if isinstance(t, str)]
        if not pos:
            raise ValueError("cannot compute similarity with no input")
        V, inv = self._vectors[:end], self._inv_norms[:end]

        def shifted(term: Query) -> np.ndarray:
            t = self.unit(term) if isinstance(term, str) else np.asarray(term, dtype=np.float32)
            return (1 + (V @ t) * inv) / 2

        num = np.prod([shifted(t) for t in pos], axis=0)
        den = np.prod([shifted(t) for t in neg], axis=0) if neg else np.ones(end, np.float32)
        return num / (den + 0.000001), used

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
        product of those to ``negative``. Scores are not cosines."""
        pos, neg = _as_list(positive), _as_list(negative)
        end = len(self) if restrict_vocab is None else min(restrict_vocab, len(self))
        scores, used = self._cosmul_scores(pos, neg, end)
        if not topn:
            return scores
        return self._top(scores, topn, used)

    def analogy(self, a: str, b: str, c: str, topn: int = 1, *, method: str = "add", restrict_vocab: Optional[int] = None) -> Result:
        """``a : b :: c : ?``, e.g. ``analogy("man", "king", "woman")`` -> ``[("queen", 0.86)]``.

        ``method="add"`` is 3CosAdd (``most_similar(positive=[b, c], negative=[a])``), ``"mul"``
        is 3CosMul. The three input words are never answers.
        """
        if method == "add":
            return self.most_similar([b, c], [a], topn=topn, restrict_vocab=restrict_vocab)
        if method == "mul":
            return self.most_similar_cosmul([b, c], [a], topn=topn, restrict_vocab=restrict_vocab)
        raise ValueError(f"method must be 'add' or 'mul', got {method!r}")

    # ------------------------------------------------------------------ batches

    def most_similar_batch(self, queries: Sequence[Query], topn: int = 10, *, restrict_vocab: Optional[int] = None) -> List[Result]:
        """``most_similar`` for many single words or vectors, with one matrix product per 256
        queries. A query word is left out of its own result."""
        queries = list(queries)
        Q = np.stack([self.unit(q) for q in queries]) if queries else np.zeros((0, self.dim), np.float32)
        own = [[self.get_index(q)] if isinstance(q, str) else [] for q in queries]
        return self._batch_top(Q, topn, own, restrict_vocab)

    def analogy_batch(
        self,
        triples: Sequence[Tuple[str, str, str]],
        topn: int = 1,
        *,
        method: str = "add",
        restrict_vocab: Optional[int] = None,
    ) -> List[Result]:
        """``analogy`` for many ``(a, b, c)`` triples at once."""
        triples = list(triples)
        if method == "mul":
            return [self.analogy(a, b, c, topn, method="mul", restrict_vocab=restrict_vocab) for a, b, c in triples]
        if method != "add":
            raise ValueError(f"method must be 'add' or 'mul', got {method!r}")
        if not triples:
            return []
        idx = np.array([[self.get_index(w) for w in t] for t in triples], dtype=np.intp)
        _, Q = self._analogy_queries(idx)
        return self._batch_top(Q, topn, idx.tolist(), restrict_vocab)

    def _analogy_queries(self, idx: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """For rows ``idx`` of shape (n, 3) holding (a, b, c): their unit vectors (n, 3, dim) and
        the normalised ``b - a + c`` (n, dim), all at once (the 3CosAdd query of ``most_similar``)."""
        flat = idx.ravel()
        U = (np.asarray(self._vectors[flat], dtype=np.float32) * self._inv_norms[flat, None]).reshape(len(idx), 3, self.dim)
        Q = U[:, 1] + U[:, 2] - U[:, 0]
        n = np.linalg.norm(Q, axis=1, keepdims=True)
        return U, np.divide(Q, n, out=np.zeros_like(Q), where=n > 0)

    def _batch_top(self, Q: np.ndarray, topn: int, exclude: List[List[int]], restrict_vocab: Optional[int]) -> List[Result]:
        end = len(self) if restrict_vocab is None else min(restrict_vocab, len(self))
        V, inv = self._vectors[:end], self._inv_norms[:end]
        out: List[Result] = []
        for s in range(0, Q.shape[0], _BATCH):
            S = (Q[s : s + _BATCH] @ V.T) * inv
            for row, ex in zip(S, exclude[s : s + _BATCH]):
                out.append(self._top(row, topn, [i for i in ex if i < end]))
        return out

    # ------------------------------------------------------------------ index

    def build_index(self, path: Optional["os.PathLike[str] | str"] = None, **kwargs: Any):
        """Build an Annoy neighbour index over these vectors (see :func:`pretrained.build_index`)."""
        from .index import build_index

        return build_index(self, path, **kwargs)

    def index(self, **kwargs: Any):
        """The cached neighbour index of these vectors: loaded (memory-mapped) when it exists,
        built into the cache otherwise. Keywords as :func:`pretrained.build_index`."""
        from .index import build_index

        return build_index(self, None, **kwargs)

    # ------------------------------------------------------------------ interop

    def to_gensim(self):
        """A gensim ``KeyedVectors`` holding a copy of these vectors."""
        from .errors import MissingDependencyError

        try:
            from gensim.models import KeyedVectors
        except ImportError as exc:  # pragma: no cover - gensim is a dependency
            raise MissingDependencyError("gensim", "gensim") from exc
        kv = KeyedVectors(self.dim, count=0, dtype=np.float32)
        kv.add_vectors(list(self._words), np.array(self._vectors, dtype=np.float32))
        return kv

    @classmethod
    def from_gensim(cls, kv, *, name: Optional[str] = None) -> "Vectors":
        """Wrap a gensim ``KeyedVectors`` (its words and vectors; the vectors are copied to float32),
        or a trained ``Word2Vec``/``FastText`` (``.wv``) or ``Doc2Vec`` (``.dv``: documents as items)."""
        from .bring import from_gensim

        return from_gensim(kv, name=name)

    def embed(self, texts, **options: Any) -> np.ndarray:
        """One vector per text, the mean of its known words' vectors; see :func:`pretrained.embed`."""
        from .texts import embed

        return embed(self, texts, **options)

    def save(self, path: "os.PathLike[str] | str", format: str = "glove") -> None:
        """Export to ``glove`` text, ``word2vec`` binary or ``word2vec-text`` (``.gz`` / ``.bz2``
        by the file name)."""
        from .writers import write_vectors

        write_vectors(path, self._words, self._vectors, format=format)

    # ------------------------------------------------------------------ embedding layers

    def embedding_matrix(self, vocabulary, **options: Any):
        """The float32 weight matrix of an embedding layer for ``vocabulary`` (row ``i`` = token
        ``i``); see :func:`pretrained.embedding_matrix` for the vocabulary forms and options."""
        from .embedding import embedding_matrix

        return embedding_matrix(self, vocabulary, **options)

    def keras_embedding(self, vocabulary, *, trainable: bool = False, mask_zero: bool = False, **options: Any):
        """A ``keras.layers.Embedding`` seeded with these vectors; see
        :func:`pretrained.keras_embedding`."""
        from .adapters import keras_embedding

        return keras_embedding(self, vocabulary, trainable=trainable, mask_zero=mask_zero, **options)

    def torch_embedding(self, vocabulary, *, trainable: bool = False, padding_idx: Optional[int] = None, **options: Any):
        """A ``torch.nn.Embedding`` seeded with these vectors; see
        :func:`pretrained.torch_embedding`."""
        from .adapters import torch_embedding

        return torch_embedding(self, vocabulary, trainable=trainable, padding_idx=padding_idx, **options)
