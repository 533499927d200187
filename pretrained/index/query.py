"""Queries through an index: neighbours of words or vectors, analogies with the inputs left out
and the candidates re-ranked exactly (:mod:`pretrained.core.scoring`), and their batch forms on
threads. The backend (Annoy, or another behind the same calls) only proposes candidates."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, List, Optional, Sequence, Tuple

import numpy as np

from pretrained import threads
from pretrained.core import scoring
from pretrained.core.results import Neighbours
from pretrained.index.recall import RecallReport, measure_recall, tune

__all__ = ["NeighbourIndex"]


class NeighbourIndex:
    """Neighbours and analogies through an approximate index over a :class:`Vectors` set.

    Made by :func:`build_index`, :func:`load_index` or :meth:`Vectors.index`. Results are
    :class:`~pretrained.core.results.Neighbours` (lists of ``(word, cosine)`` pairs), like
    :meth:`Vectors.most_similar`. Queries are thread-safe and release the GIL, so the batch
    forms use threads.
    """

    def __init__(self, backend: Any, vectors, sidecar: dict, path: Path):
        self.backend = backend
        self.vectors = vectors
        self.sidecar = sidecar
        self.path = Path(path)
        self.search_k: int = int(sidecar.get("search_k") or backend.default_effort)
        self._words = vectors.index_to_key

    def __repr__(self) -> str:
        params = ", ".join(f"{k} {v}" for k, v in self.params.items())
        return (
            f"<NeighbourIndex {self.vectors.name or ''}: {len(self):,} x {self.dim}, "
            f"{self.backend_name} ({params}), {self.effort_name} {self.search_k}, {self.path}>"
        )

    def __len__(self) -> int:
        return len(self._words)

    @property
    def dim(self) -> int:
        return self.vectors.dim

    @property
    def backend_name(self) -> str:
        """The backend that built this index (``"annoy"``)."""
        return self.sidecar.get("backend", "annoy")

    @property
    def params(self) -> dict:
        """The backend's build parameters, as stored in the sidecar."""
        return dict(self.sidecar.get("params") or {})

    @property
    def effort_name(self) -> str:
        """What this backend calls its search effort (``search_k``, ``ef``, ``nprobe``)."""
        return str(getattr(self.backend, "effort_name", "search_k"))

    def __getattr__(self, name: str) -> Any:
        # a backend's build parameter by its name (``index.n_trees``, ``index.M``; None when this
        # backend has no such parameter but another does), or the library's own index object by
        # the backend's name (``index.annoy``: the memory-mapped ``AnnoyIndex``)
        if name.startswith("_") or "backend" not in self.__dict__:
            raise AttributeError(name)
        from pretrained.index.backend import BACKENDS

        if name in self.params:
            return self.params[name]
        if name in BACKENDS:
            native = getattr(self.backend, "native", "")
            return getattr(self.backend, native, None) if native and name == self.backend_name else None
        if any(p.name == name and p.stored for cls in BACKENDS.values() for p in getattr(cls, "parameters", ())):
            return None
        raise AttributeError(f"{type(self).__name__!s} has no attribute {name!r}")

    def effort(self, search_k: Optional[int]) -> int:
        """The search effort for a query: ``search_k`` when given (a whole number >= 1), else the
        index's own."""
        return self.search_k if search_k is None else scoring.check_count(search_k, "search_k")

    # -------------------------------------------------------------- neighbours

    def most_similar(self, word_or_vector, topn: int = 10, *, search_k: Optional[int] = None) -> Neighbours:
        """The ``topn`` nearest words by cosine, through the index; a query word is excluded.

        Examples
        --------
        >>> index = pretrained.load("glove.6B.50d").index()   # doctest: +SKIP
        >>> index.most_similar("hotel", topn=3)                # doctest: +SKIP
        """
        topn = scoring.check_count(topn, "topn", minimum=0)
        sk = self.effort(search_k)
        if topn == 0:
            return Neighbours()
        words = self._words
        if isinstance(word_or_vector, (str, int, np.integer)):
            i = self.vectors.get_index(word_or_vector)
            ids, cos = self.backend.query_item(i, topn + 1, sk)
            return Neighbours([(words[j], c) for j, c in zip(ids, cos) if j != i][:topn])
        q = self.vectors.unit(word_or_vector)
        ids, cos = self.backend.query_vector(q.tolist(), topn, sk)
        return Neighbours([(words[j], c) for j, c in zip(ids, cos)])

    def map(self, fn: Callable[[Any], Any], items: Sequence, n_jobs: Optional[int]) -> list:
        """``[fn(x) for x in items]`` on ``n_jobs`` threads (-1: all cores)."""
        workers = threads.workers(n_jobs, max(1, len(items)))
        if workers == 1:
            return [fn(x) for x in items]
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(fn, items, chunksize=max(1, len(items) // (workers * 8))))

    def most_similar_batch(
        self, queries: Sequence, topn: int = 10, *, search_k: Optional[int] = None, n_jobs: int = -1
    ) -> List[Neighbours]:
        """``most_similar`` for many words or vectors: one batched search when the backend has one
        (Milvus: one round trip), else on ``n_jobs`` threads (-1: all cores)."""
        queries = scoring.check_queries(queries)
        topn = scoring.check_count(topn, "topn", minimum=0)
        sk = self.effort(search_k)
        for q in queries:  # fail on a missing word before starting any thread
            if isinstance(q, str):
                self.vectors.get_index(q)
        if hasattr(self.backend, "query_batch") and queries and topn:
            return self._batch(queries, topn, sk)
        return self.map(lambda q: self.most_similar(q, topn, search_k=search_k), queries, n_jobs)

    def _batch(self, queries: Sequence, topn: int, sk: int) -> List[Neighbours]:
        own = [self.vectors.get_index(q) if isinstance(q, (str, int, np.integer)) else -1 for q in queries]
        units = np.stack(
            [self.vectors.unit_rows(np.intp(i)) if i >= 0 else self.vectors.unit(q) for i, q in zip(own, queries)]
        )
        ids, cos = self.backend.query_batch(np.asarray(units, dtype=np.float32), topn + 1, sk)
        words = self._words
        return [
            Neighbours([(words[j], c) for j, c in zip(row_ids, row_cos) if j != i][:topn])
            for i, row_ids, row_cos in zip(own, ids, cos)
        ]

    def neighbour_ids(self, rows: np.ndarray, n: int, effort: int) -> List[List[int]]:
        """The ``n`` nearest items of each stored row in ``rows`` (the row itself usually first):
        one batched search when the backend has one, else one query per row."""
        if hasattr(self.backend, "query_batch"):
            ids, _ = self.backend.query_batch(
                np.asarray(self.vectors.unit_rows(np.asarray(rows, dtype=np.intp)), dtype=np.float32), n, effort
            )
            return [list(r) for r in ids]
        get = self.backend.query_item
        return [list(get(int(i), n, effort, distances=False)) for i in rows]

    # -------------------------------------------------------------- analogies

    def analogy(
        self,
        a: str,
        b: str,
        c: str,
        topn: int = 1,
        *,
        method: str = "add",
        search_k: Optional[int] = None,
        restrict_vocab: Optional[int] = None,
    ) -> Neighbours:
        """``a : b :: c : ?`` through the index.

        Candidates are the index's neighbours of the normalised ``b - a + c``; ``a``, ``b`` and
        ``c`` are dropped and the rest re-ranked exactly against the stored vectors with 3CosAdd
        (``method="add"``, cosines, as :meth:`Vectors.most_similar`) or 3CosMul (``"mul"``, as
        :meth:`Vectors.most_similar_cosmul`). ``restrict_vocab`` keeps answers among the first
        N words (gensim's meaning).
        """
        return self.analogy_batch(
            [(a, b, c)], topn, method=method, search_k=search_k, n_jobs=1, restrict_vocab=restrict_vocab
        )[0]

    def analogy_batch(
        self,
        triples: Sequence[Tuple[str, str, str]],
        topn: int = 1,
        *,
        method: str = "add",
        search_k: Optional[int] = None,
        n_jobs: int = -1,
        restrict_vocab: Optional[int] = None,
    ) -> List[Neighbours]:
        """``analogy`` for many ``(a, b, c)`` triples, on ``n_jobs`` threads (-1: all cores).
        ``restrict_vocab`` keeps answers among the first N words, as gensim's
        ``evaluate_word_analogies(restrict_vocab=300000)``."""
        scoring.check_method(method)
        triples = scoring.check_queries(triples, "triples")
        topn = scoring.check_count(topn, "topn", minimum=0)
        sk = self.effort(search_k)
        end = scoring.window(len(self), restrict_vocab)
        if not triples:
            return []
        v = self.vectors
        idx = np.array([[v.get_index(w) for w in t] for t in triples], dtype=np.intp)
        U, Q = v.analogy_units(idx)
        first: List[Optional[List[int]]] = [None] * len(idx)
        if hasattr(self.backend, "query_batch") and topn:  # every first round in one search call
            first = list(
                self.backend.query_batch(np.asarray(Q, dtype=np.float32), self._want(topn, method, end), sk)[0]
            )
        return self.map(
            lambda r: self._analogy(idx[r], U[r], Q[r], topn, method, sk, end, first[r]), range(len(idx)), n_jobs
        )

    def _want(self, topn: int, method: str, end: int) -> int:
        # the index returns its candidates sorted by true distance, so a few beyond the
        # exclusions suffice for 3CosAdd; 3CosMul re-orders them, so it looks at more
        want = topn + 3 if method == "add" else max(4 * topn + 3, 20)
        if end < len(self):
            want = int(want * max(1.0, min(len(self) / max(end, 1), 4.0)))
        return want

    def _candidates(
        self, query: list, exclude: set, topn: int, want: int, sk: int, end: int, first: Optional[List[int]] = None
    ) -> np.ndarray:
        while True:
            ids, first = (first, None) if first is not None else (self.backend.query_ids(query, want, sk), None)
            cand = np.array([j for j in ids if j not in exclude and j < end], dtype=np.intp)
            if len(cand) >= topn or len(ids) < want or want >= len(self):
                return cand
            want *= 4

    def _analogy(
        self,
        idx: np.ndarray,
        U: np.ndarray,
        mean: np.ndarray,
        topn: int,
        method: str,
        sk: int,
        end: int,
        first: Optional[List[int]] = None,
    ) -> Neighbours:
        if topn == 0:
            return Neighbours()
        cand = self._candidates(mean.tolist(), set(idx.tolist()), topn, self._want(topn, method, end), sk, end, first)
        if cand.size == 0:
            return Neighbours()
        V, inv = self.vectors.vectors[cand], self.vectors.inverse_norms[cand]
        if method == "add":
            scores = scoring.cosines(V, inv, mean)
        else:
            scores = scoring.cosmul(
                [scoring.cosines(V, inv, U[1]), scoring.cosines(V, inv, U[2])], [scoring.cosines(V, inv, U[0])]
            )
        order = np.argsort(-scores, kind="stable")[:topn]
        words = self._words
        return Neighbours([(words[cand[k]], float(scores[k])) for k in order.tolist()])

    # -------------------------------------------------------------- measurement

    def recall(
        self,
        sample: int = 1000,
        k: int = 10,
        *,
        search_k: Optional[int] = None,
        seed: int = 0,
        restrict_vocab: Optional[int] = None,
    ) -> RecallReport:
        """Measure recall@k of the index against exact cosine search on ``sample`` random words
        (from the first ``restrict_vocab`` when given), with the single-thread queries per
        second of the index and of exact search (:meth:`Vectors.most_similar`). Returns a
        :class:`~pretrained.index.recall.RecallReport`."""
        return measure_recall(self, sample, k, search_k, seed, restrict_vocab)

    def tune(
        self,
        recall: float = 0.95,
        *,
        k: int = 10,
        sample: int = 1000,
        seed: int = 0,
        restrict_vocab: Optional[int] = None,
        max_search_k: Optional[int] = None,
        save: bool = False,
    ) -> RecallReport:
        """Pick the smallest ``search_k`` reaching ``recall`` @k on a measured sample and use it
        from now on (``save=True`` also stores it in the sidecar for every later load).

        ``search_k`` is found by doubling, then bisection (recall grows with ``search_k``).
        Returns the :class:`~pretrained.index.recall.RecallReport` at the chosen value."""
        return tune(self, recall, k, sample, seed, restrict_vocab, max_search_k, save)

    def unload(self) -> None:
        """Release the memory map."""
        self.backend.unload()
