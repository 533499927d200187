"""How good is an index? Recall@k against exact search on a sample of words (exact top-k computed
in vocabulary tiles, so memory does not grow with the vocabulary), the query rates of both, and
``tune``: the smallest search effort reaching a target recall."""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass
from typing import Any, Dict, Optional, Tuple

import numpy as np

from pretrained.core import scoring
from pretrained.index.sidecar import write_sidecar

__all__ = ["RecallReport", "exact_top_k", "sample_rows", "measure_recall", "tune"]

logger = logging.getLogger(__name__)

QUERY_BLOCK = 256  # sampled words scored together
VOCAB_TILE = scoring.VOCAB_TILE


@dataclass
class RecallReport:
    """What :meth:`NeighbourIndex.recall` measured: recall@k and the single-thread query rates."""

    recall: float
    k: int
    sample: int
    search_k: int
    """The search effort used (named :attr:`effort_name` by the backend)."""
    params: Dict[str, Any]
    """The backend's build parameters."""
    index_qps: float
    exact_qps: float
    backend: str = "annoy"
    effort_name: str = "search_k"

    @property
    def speedup(self) -> float:
        """Index queries per second over exact ones."""
        return self.index_qps / self.exact_qps if self.exact_qps else float("nan")

    def __getattr__(self, name: str) -> Any:
        # a build parameter by its name (``report.n_trees``); None when the backend has none
        if name.startswith("_") or "params" not in self.__dict__:
            raise AttributeError(name)
        return self.params.get(name)

    def as_dict(self) -> Dict[str, Any]:
        return {**asdict(self), **self.params, "speedup": self.speedup}

    def __str__(self) -> str:
        shown = "".join(f"{k} {v}, " for k, v in self.params.items() if k != "seed")
        return (
            f"recall@{self.k} {self.recall:.3f} on {self.sample} sampled words "
            f"({self.backend}, {shown}{self.effort_name} {self.search_k}): index {self.index_qps:,.0f} q/s "
            f"({1e3 / self.index_qps:.2f} ms), exact {self.exact_qps:,.0f} q/s "
            f"({1e3 / self.exact_qps:.2f} ms), {self.speedup:.1f}x"
        )


def exact_top_k(vectors, rows: np.ndarray, k: int, *, tile: Optional[int] = None) -> np.ndarray:
    """The exact ``k`` nearest rows (by cosine) of each of ``rows``, itself left out: (n, k).
    Scored ``QUERY_BLOCK`` words x ``tile`` rows at a time (memory independent of the vocabulary)."""
    scorer = scoring.TiledScorer(vectors.vectors, vectors.inverse_norms, tile=tile or VOCAB_TILE)
    out = np.empty((len(rows), k), dtype=np.intp)
    for s in range(0, len(rows), QUERY_BLOCK):
        block = rows[s : s + QUERY_BLOCK]
        top, _ = scorer.top_k([vectors.unit_rows(block)], k, block[:, None])
        out[s : s + len(block)] = top
    return out


def sample_rows(count: int, sample: int, seed: int, restrict_vocab: Optional[int]) -> np.ndarray:
    """``sample`` distinct random rows among the first ``restrict_vocab`` (all when fewer)."""
    end = scoring.window(count, restrict_vocab)
    rng = np.random.default_rng(seed)
    return rng.choice(end, size=min(sample, end), replace=False)


def _recall_only(index, ids: np.ndarray, exact: np.ndarray, k: int, sk: int) -> float:
    hits = 0
    for i, got, truth in zip(ids.tolist(), index.neighbour_ids(ids, k + 1, sk), exact):
        hits += len(set(j for j in got if j != i).intersection(truth.tolist()))
    return hits / (len(ids) * k)


def _index_qps(index, ids: np.ndarray, k: int, sk: int) -> float:
    words = index.vectors.index_to_key
    started = time.perf_counter()
    for i in ids.tolist():
        index.most_similar(words[i], k, search_k=sk)
    return len(ids) / max(time.perf_counter() - started, 1e-9)


def _exact_qps(vectors, ids: np.ndarray, k: int, queries: int = 50) -> float:
    words = vectors.index_to_key
    few = ids[:queries].tolist()
    vectors.most_similar(words[few[0]], topn=k)  # norms and caches warm
    started = time.perf_counter()
    for i in few:
        vectors.most_similar(words[i], topn=k)
    return len(few) / max(time.perf_counter() - started, 1e-9)


def _checked(index, sample: Any, k: Any, seed: Any, restrict_vocab: Any) -> Tuple[np.ndarray, int]:
    sample = scoring.check_count(sample, "sample")
    k = scoring.check_count(k, "k")
    if k >= len(index):
        raise ValueError(f"k must be smaller than the {len(index)} words of the index, got {k}")
    ids = sample_rows(len(index), sample, scoring.check_seed(seed), restrict_vocab)
    return ids, k


def measure_recall(
    index, sample: int, k: int, search_k: Optional[int], seed: int, restrict_vocab: Optional[int]
) -> RecallReport:
    """Recall@k of ``index`` on ``sample`` random words, with both query rates (one thread): the
    work of :meth:`NeighbourIndex.recall <pretrained.index.query.NeighbourIndex.recall>`, which
    holds the defaults."""
    ids, k = _checked(index, sample, k, seed, restrict_vocab)
    sk = index.effort(search_k)
    exact = exact_top_k(index.vectors, ids, k)
    rec = _recall_only(index, ids, exact, k, sk)
    return _report(index, rec, k, len(ids), sk, _index_qps(index, ids, k, sk), _exact_qps(index.vectors, ids, k))


def _report(index, rec: float, k: int, sample: int, sk: int, qps: float, exact_qps: float) -> RecallReport:
    return RecallReport(rec, k, sample, sk, index.params, qps, exact_qps, index.backend_name, index.effort_name)


def _search(rec, k: int, index, limit: int, recall: float) -> int:
    """The smallest effort reaching ``recall``: doubling, then bisection."""
    backend = index.backend
    lo, hi = backend.tune_range(k, index.params)
    hi = min(hi, limit)
    while rec(hi) < recall and hi < limit:
        lo, hi = hi, min(hi * 2, limit)
    if rec(hi) >= recall:
        while hi - lo > max(backend.effort_step, hi // 20):
            mid = (lo + hi) // 2
            if rec(mid) >= recall:
                hi = mid
            else:
                lo = mid
    else:
        logger.warning("recall %.3f not reached (%.3f at %s %d)", recall, rec(hi), index.effort_name, hi)
    return hi


def tune(
    index,
    recall: float,
    k: int,
    sample: int,
    seed: int,
    restrict_vocab: Optional[int],
    max_search_k: Optional[int],
    save: bool,
) -> RecallReport:
    """Set ``index.search_k`` to the smallest effort reaching ``recall`` @k (``save``: in the
    sidecar too) and return the report at that value: the work of :meth:`NeighbourIndex.tune
    <pretrained.index.query.NeighbourIndex.tune>`, which holds the defaults (``restrict_vocab``
    and ``max_search_k`` may be None)."""
    recall = scoring.check_fraction(recall, "recall")
    ids, k = _checked(index, sample, k, seed, restrict_vocab)
    limit = (
        scoring.check_count(max_search_k, "max_search_k")
        if max_search_k is not None
        else index.backend.max_effort(len(index), index.params)
    )
    exact = exact_top_k(index.vectors, ids, k)
    cache: Dict[int, float] = {}

    def rec(sk: int) -> float:
        if sk not in cache:
            cache[sk] = _recall_only(index, ids, exact, k, sk)
        return cache[sk]

    hi = _search(rec, k, index, limit, recall)
    index.search_k = hi
    if save:
        index.sidecar["search_k"] = hi
        index.sidecar["tuned"] = {"recall": rec(hi), "target": recall, "k": k, "sample": len(ids), "seed": seed}
        write_sidecar(index.path, index.sidecar)
    qps = _index_qps(index, ids[: min(len(ids), 300)], k, hi)
    return _report(index, rec(hi), k, len(ids), hi, qps, _exact_qps(index.vectors, ids, k))
