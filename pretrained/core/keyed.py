"""The rest of gensim's ``KeyedVectors`` query methods, under gensim's names and with gensim 4.4's
meaning, as a mixin of :class:`~pretrained.Vectors`.

Everything here is written against the public face of ``Vectors`` (``vectors``, ``norms``,
``index_to_key``, ``get_index``, ``unit``, ``similarity``, ``most_similar``, ``len``), so it does not
depend on how the scoring code is organised. Differences from gensim are stated in each docstring
and in the README's "Coming from gensim" table.

Two optional attributes complete the picture:

``counts``    an int64 array of word counts in row order (from a ``fvocab=`` file or a fastText
              ``.bin``), or None: then ``get_vecattr(word, "count")`` gives gensim's made-up
              descending counts (``len(v) - row``), as gensim does for a file without counts.
``subwords``  a :class:`pretrained.core.fasttext.Subwords` (a fastText ``.bin`` set) or None: the
              character n-gram buckets that give unknown words a vector.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Any, Iterable, List, Optional, Sequence, Tuple, Union, cast

import numpy as np

from pretrained.core import scoring
from pretrained.errors import (
    ArgumentError,
    ArgumentTypeError,
    FormatError,
    PretrainedError,
    WordNotFoundError,
)

if TYPE_CHECKING:
    from pretrained.core.vectors import Vectors

__all__ = ["KeyedVectorsMethods", "read_fvocab"]

logger = logging.getLogger(__name__)

_KEYS = (str, int, np.integer)


def read_fvocab(path: os.PathLike[str] | str, words: Sequence[str], unicode_errors: str = "strict") -> np.ndarray:
    """Word counts in the row order of ``words`` from a gensim ``fvocab`` file (``word count`` per
    line, word2vec's ``-save-vocab``); -1 (``get_vecattr`` gives None) for a word the file lacks,
    as gensim does. Raises :class:`~pretrained.errors.FormatError` naming the line."""
    counts: dict = {}
    with open(path, "rb") as f:
        for n, raw in enumerate(f, 1):
            try:
                fields = raw.decode("utf-8", errors=unicode_errors).strip().split()
            except UnicodeDecodeError as exc:
                raise FormatError(
                    f"not valid UTF-8 ({exc}); pass unicode_errors='replace'", os.fspath(path), n
                ) from None
            if not fields:
                continue
            if len(fields) != 2 or not fields[1].lstrip("-").isdigit():
                raise FormatError(f"expected 'word count', got {raw[:80]!r}", os.fspath(path), n)
            counts[fields[0]] = int(fields[1])
    out = np.array([counts.get(w, -1) for w in words], dtype=np.int64)
    if (out < 0).any():
        logger.warning("vocabulary file %s is incomplete: %d words have no count", path, int((out < 0).sum()))
    return out


class KeyedVectorsMethods:
    """gensim-named queries mixed into :class:`~pretrained.Vectors` (see the module docstring).

    Examples
    --------
    >>> import numpy as np
    >>> from pretrained import Vectors
    >>> v = Vectors(["cat", "dog", "car"], np.array([[1, 0.1], [0.9, 0.2], [0, 1]], dtype=np.float32))
    >>> v.doesnt_match(["cat", "dog", "car"])
    'car'
    >>> v.rank("cat", "car"), v.closer_than("cat", "car")
    (2, ['dog'])
    >>> v.get_vecattr("cat", "count")  # no counts in the file: gensim's made-up len - row
    3
    """

    counts: Optional[np.ndarray] = None
    subwords: Any = None

    if TYPE_CHECKING:  # the public face of Vectors this mixin is written against (module docstring)

        @property
        def vectors(self) -> np.ndarray: ...
        @property
        def norms(self) -> np.ndarray: ...
        @property
        def index_to_key(self) -> List[str]: ...
        @property
        def vector_size(self) -> int: ...
        def __len__(self) -> int: ...
        def get_index(self, *args: Any, **kwargs: Any) -> int: ...
        def similarity(self, *args: Any, **kwargs: Any) -> float: ...
        def most_similar(self, *args: Any, **kwargs: Any) -> Any: ...

    # ------------------------------------------------------------------ subwords

    @property
    def has_subwords(self) -> bool:
        """Whether unknown words get a vector from character n-grams (a fastText ``.bin`` set)."""
        return self.subwords is not None

    def subword_vector(self, word: str) -> np.ndarray:
        """The vector fastText (and gensim's ``FastTextKeyedVectors``) gives ``word`` from its
        character n-grams alone: the mean of its n-gram bucket vectors (zeros when the word has
        no n-gram). Raises :class:`~pretrained.errors.PretrainedError` for a set without
        subword information."""
        if self.subwords is None:
            raise PretrainedError(
                f"{getattr(self, 'name', None) or 'these vectors'} carry no subword information; "
                "load a fastText .bin file to get vectors for unknown words"
            )
        return self.subwords.vector(word)

    def _has_vector(self, key: Any) -> bool:
        """gensim's ``key in kv``: a known key, or any string for a set with subwords."""
        return self.has_index_for(key) or (isinstance(key, str) and self.has_subwords)

    # ------------------------------------------------------------------ lookups

    def has_index_for(self, key: Any) -> bool:
        """Whether ``key`` has a row of its own (gensim: False for a fastText word that would only
        get a vector from its n-grams)."""
        if not isinstance(key, _KEYS):
            return False
        try:
            self.get_index(key)
        except (KeyError, TypeError, IndexError):
            return False
        return True

    def get_vector(self, key: Any, norm: bool = False) -> np.ndarray:
        """The vector of ``key`` (read-only), L2-normalised when ``norm``; an unknown word of a
        subword set gets its n-gram vector, as in gensim's ``FastTextKeyedVectors``."""
        if isinstance(key, str) and self.has_subwords and not self.has_index_for(key):
            vec = self.subword_vector(key)
            if norm:
                vec = scoring.unit_vector(vec)
            vec.setflags(write=False)
            return vec
        i = self.get_index(key)
        vec = self.vectors[i]
        if norm:
            n = float(self.norms[i])
            vec = vec / n if n > 0 else np.array(vec)
            vec.setflags(write=False)
        return vec

    word_vec = get_vector

    def get_normed_vectors(self) -> np.ndarray:
        """Every vector L2-normalised, as a new (count, dim) array."""
        return scoring.normed_rows(self.vectors, self.norms)

    def get_mean_vector(
        self,
        keys: Union[Sequence[Any], np.ndarray],
        weights: Optional[Union[List[float], np.ndarray]] = None,
        pre_normalize: bool = True,
        post_normalize: bool = False,
        ignore_missing: bool = True,
    ) -> np.ndarray:
        """gensim's ``get_mean_vector``: the weighted mean of the keys' vectors (unit-normalised
        first when ``pre_normalize``), divided by the sum of the absolute weights of the keys
        used; arrays in ``keys`` are used as given; missing keys are skipped unless
        ``ignore_missing=False`` (then :class:`KeyError`)."""
        if len(keys) == 0:
            raise ValueError("cannot compute mean with no input")
        dtype = self.vectors.dtype
        if isinstance(weights, list):
            weights = np.array(weights, dtype=dtype)
        if weights is None:
            weights = np.ones(len(keys), dtype=dtype)
        if len(keys) != weights.shape[0]:
            raise ValueError("keys and weights array must have same number of elements")
        mean = np.zeros(self.vector_size, dtype)
        total = 0
        for key, w in zip(keys, weights):
            if isinstance(key, np.ndarray):
                mean += w * key
            elif self._has_vector(key):
                mean += w * self.get_vector(key, norm=pre_normalize)
            elif not ignore_missing:
                raise WordNotFoundError(key, f"the vocabulary of {getattr(self, 'name', None) or 'these vectors'}")
            else:
                continue
            total += abs(w)
        if total > 0:
            mean = mean / total
        if post_normalize:
            mean = scoring.unit_vector(mean).astype(np.float32)
        return mean

    # ------------------------------------------------------------------ neighbours

    def similar_by_word(self, word: str, topn: Optional[int] = 10, restrict_vocab: Optional[int] = None):
        """``most_similar(positive=[word], topn, restrict_vocab)`` (gensim's alias)."""
        return self.most_similar(positive=[word], topn=topn, restrict_vocab=restrict_vocab)

    similar_by_key = similar_by_word

    def similar_by_vector(self, vector: np.ndarray, topn: Optional[int] = 10, restrict_vocab: Optional[int] = None):
        """``most_similar(positive=[vector], topn, restrict_vocab)``: nothing is left out."""
        return self.most_similar(positive=[np.asarray(vector)], topn=topn, restrict_vocab=restrict_vocab)

    def most_similar_to_given(self, key1: str, keys_list: Sequence[str]) -> str:
        """The key of ``keys_list`` most similar to ``key1``."""
        if isinstance(keys_list, (str, bytes)) or not isinstance(keys_list, Sequence):
            raise ArgumentTypeError(f"keys_list is a list of words, got {type(keys_list).__name__}")
        if len(keys_list) == 0:
            raise ArgumentError("keys_list is empty: give at least one word to choose from")
        return keys_list[int(np.argmax([self.similarity(key1, k) for k in keys_list]))]

    def relative_cosine_similarity(self, wa: str, wb: str, topn: int = 10) -> float:
        """Leeuwenberg et al.'s relative cosine similarity: ``similarity(wa, wb)`` over the sum of
        the similarities of ``wa``'s ``topn`` nearest words."""
        sims = self.similar_by_word(wa, topn)
        if not sims:
            raise ValueError("Cannot calculate relative cosine similarity without any similar words.")
        return float(self.similarity(wa, wb)) / sum(s for _, s in sims)

    # ------------------------------------------------------------------ distances

    def distance(self, w1: Any, w2: Any) -> float:
        """Cosine distance, ``1 - similarity(w1, w2)``."""
        return 1 - self.similarity(w1, w2)

    def distances(self, word_or_vector: Any, other_words: Iterable[Any] = ()) -> np.ndarray:
        """Cosine distances from a word (or vector) to ``other_words``, or to every word (itself
        included) when ``other_words`` is empty."""
        vec = self.get_vector(word_or_vector) if isinstance(word_or_vector, _KEYS) else np.asarray(word_or_vector)
        other = list(other_words)
        if other:
            rows = np.array([self.get_index(w) for w in other], dtype=np.intp)
            V, norms = self.vectors[rows], np.asarray(self.norms)[rows]
        else:
            V, norms = self.vectors, np.asarray(self.norms)
        return 1 - scoring.cosines_by_norms(V, norms, vec)

    def closer_than(self, key1: Any, key2: Any) -> List[str]:
        """Every key closer to ``key1`` than ``key2`` is (``key1`` left out), in row order."""
        d = self.distances(key1)
        e1, e2 = self.get_index(key1), self.get_index(key2)
        words = self.index_to_key
        return [words[i] for i in np.flatnonzero(d < d[e2]).tolist() if i != e1]

    words_closer_than = closer_than

    def rank(self, key1: Any, key2: Any) -> int:
        """1 + the number of keys closer to ``key1`` than ``key2`` (``rank(w, w) == 1``)."""
        return len(self.closer_than(key1, key2)) + 1

    def n_similarity(self, ws1: Sequence[Any], ws2: Sequence[Any]) -> float:
        """Cosine similarity of the (plain, not normalised) means of two lists of keys."""
        if not (len(ws1) and len(ws2)):
            raise ZeroDivisionError("At least one of the passed list is empty.")
        m1 = self.get_mean_vector(ws1, pre_normalize=False)
        m2 = self.get_mean_vector(ws2, pre_normalize=False)
        return float(np.dot(scoring.unit_vector(m1), scoring.unit_vector(m2)))

    def rank_by_centrality(self, words: Sequence[str], use_norm: bool = True) -> List[Tuple[float, str]]:
        """``(similarity, word)`` pairs, most similar to the centroid of ``words`` first; unknown
        words are left out (with a warning)."""
        used = [w for w in words if self._has_vector(w)]
        if len(used) != len(words):
            logger.warning(
                "vectors for words %s are not present in the model, ignoring these words", set(words) - set(used)
            )
        if not used:
            raise ValueError("cannot select a word from an empty list")
        V = np.vstack([self.get_vector(w, norm=use_norm) for w in used]).astype(np.float32)
        mean = self.get_mean_vector(V, post_normalize=True)
        return sorted(zip((V @ mean).tolist(), used), reverse=True)

    def doesnt_match(self, words: Sequence[str]) -> str:
        """The word furthest from the centroid of ``words``."""
        return self.rank_by_centrality(words)[-1][1]

    # ------------------------------------------------------------------ attributes and subsets

    def get_vecattr(self, key: Any, attr: str) -> Optional[int]:
        """gensim's per-word attribute; only ``"count"`` exists: the count from the file when it
        had counts (None for a word missing from a ``fvocab`` file), else gensim's made-up
        descending count ``len(self) - row``."""
        if attr != "count":
            raise KeyError(f"unknown vector attribute {attr!r}; the only one is 'count'")
        i = self.get_index(key)
        if self.counts is None:
            return len(self) - i
        c = int(self.counts[i])
        return None if c < 0 else c

    def vectors_for_all(self, keys: Iterable[Any], allow_inference: bool = True, copy_vecattrs: bool = False):
        """A new :class:`~pretrained.Vectors` of the given keys that have a vector (duplicates
        dropped, order kept); with ``allow_inference`` unknown words of a subword set get their
        n-gram vector. ``copy_vecattrs`` carries the counts over."""
        from pretrained.core.vectors import Vectors

        vocab, seen = [], set()
        for key in keys:
            if key not in seen:
                seen.add(key)
                if self._has_vector(key) if allow_inference else self.has_index_for(key):
                    vocab.append(key)
        rows = (
            np.stack([self.get_vector(k) for k in vocab])
            if vocab
            else np.zeros((0, self.vector_size), self.vectors.dtype)
        )
        out = Vectors([str(k) if not isinstance(k, str) else k for k in vocab], rows, dtype=self.vectors.dtype)
        if copy_vecattrs:
            counts = [self.get_vecattr(k, "count") if self.has_index_for(k) else None for k in vocab]
            out.counts = np.array([-1 if c is None else c for c in counts], dtype=np.int64)
        return out

    # ------------------------------------------------------------------ evaluation

    def evaluate_word_analogies(
        self,
        analogies: Any = None,
        restrict_vocab: int = 300000,
        case_insensitive: bool = True,
        dummy4unknown: bool = False,
    ):
        """gensim's return shape: ``(accuracy, sections)``, each section a dict with ``section``,
        ``correct`` and ``incorrect`` (lists of ``(a, b, c, expected)``), the last one
        ``"Total accuracy"``; computed by :func:`pretrained.evaluate_analogies`."""
        from pretrained.evaluate import evaluate_analogies

        res = evaluate_analogies(
            cast("Vectors", self),  # this mixin is only ever a Vectors
            analogies,
            restrict_vocab=restrict_vocab,
            case_insensitive=case_insensitive,
            dummy4unknown=dummy4unknown,
        )
        sections = [
            {"section": s.name, "correct": list(s.questions_correct), "incorrect": list(s.questions_incorrect)}
            for s in (*res.sections, res.total)
        ]
        return res.total.accuracy, sections

    def evaluate_word_pairs(
        self,
        pairs: Any = None,
        delimiter: str = "\t",
        encoding: str = "utf8",
        restrict_vocab: int = 300000,
        case_insensitive: bool = True,
        dummy4unknown: bool = False,
    ):
        """gensim's return shape: ``((pearson, p), (spearman, p), oov_ratio)``; computed by
        :func:`pretrained.evaluate_pairs`."""
        from pretrained.evaluate import evaluate_pairs

        r = evaluate_pairs(
            cast("Vectors", self),  # this mixin is only ever a Vectors
            pairs,
            delimiter=delimiter,
            encoding=encoding,
            restrict_vocab=restrict_vocab,
            case_insensitive=case_insensitive,
            dummy4unknown=dummy4unknown,
        )
        return (r.pearson, r.pearson_pvalue), (r.spearman, r.spearman_pvalue), r.oov_ratio
