"""The HNSW backend (hnswlib): a hierarchical navigable small-world graph over the unit rows,
answering many times more queries a second than Annoy at the same recall (README: "Which index").

Items are unit rows and the space is the inner product, so hnswlib's distance is ``1 - cos``;
answers are shown as cosines. The graph is built while items are added (on ``n_jobs`` threads).
The file is read into memory on open (hnswlib cannot memory-map it), so unlike Annoy every process
holds its own copy: pick Annoy when many processes share one index, or memory is short.

``effort`` is HNSW's ``ef``: the candidate list kept while searching (at least the number of
neighbours asked for). hnswlib was measured against Voyager before choosing: equal recall and file
size, about 2.4x more queries a second from Python (README).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from pretrained import optional, threads
from pretrained.core import scoring
from pretrained.index.backend import Backend, Param, register, seed_param

__all__ = ["HnswBackend", "DEFAULT_M", "DEFAULT_EF_CONSTRUCTION", "DEFAULT_EF", "DEFAULT_SEED"]

DEFAULT_M = 16
"""Links per node (hnswlib's and Voyager's default)."""
DEFAULT_EF_CONSTRUCTION = 200
"""Candidate list while building: recall 0.99+ is reachable with it on glove.6B.50d (README)."""
DEFAULT_EF = 80
"""Search effort unless tuned (``index.tune``): recall@10 about 0.97 on glove.6B.50d."""
DEFAULT_SEED = 42


def _hnswlib():
    return optional.require("hnswlib")


@register
class HnswBackend(Backend):
    """hnswlib behind the :class:`~pretrained.index.backend.Backend` calls."""

    name = "hnsw"
    metric = "ip"
    package = "hnswlib"
    parameters = (
        Param(
            "M",
            lambda v, n: scoring.check_count(v, n, minimum=2),
            DEFAULT_M,
            "--m",
            f"hnsw: links per node (default {DEFAULT_M}; at least 2)",
        ),
        Param(
            "ef_construction",
            scoring.check_count,
            DEFAULT_EF_CONSTRUCTION,
            "--ef-construction",
            f"hnsw: candidate list while building (default {DEFAULT_EF_CONSTRUCTION})",
        ),
        seed_param(DEFAULT_SEED),
    )
    effort_name = "ef"
    default_effort = DEFAULT_EF
    effort_step = 2
    suffix = ".ann"
    native = "index"

    def __init__(self, index: Any, params: Mapping[str, Any], n_jobs: int = 1):
        self.index = index
        self.params = dict(params)
        self.n_jobs = n_jobs
        self._ef = -1
        self._lock = threading.Lock()

    @classmethod
    def file_stem(cls, params: Mapping[str, Any]) -> str:
        return f"hnsw-{cls.metric}-m{params['M']}-efc{params['ef_construction']}-s{params['seed']}"

    @classmethod
    def tune_range(cls, k: int, params: Mapping[str, Any]) -> Tuple[int, int]:
        # a query for k neighbours asks for k + 1 items (the word itself), and ef is at least that
        return k, k + 1

    @classmethod
    def max_effort(cls, count: int, params: Mapping[str, Any]) -> int:
        return count

    @classmethod
    def _create(
        cls, dim: int, params: Mapping[str, Any], build_path: Optional[Path], count: int, n_jobs: int, options: dict
    ) -> HnswBackend:
        if build_path is not None:
            raise ValueError(
                "on_disk is Annoy's: an HNSW index is built in memory (use backend='annoy' for sets larger than memory)"
            )
        index = _hnswlib().Index(space="ip", dim=int(dim))
        index.init_index(
            max_elements=max(int(count), 1),
            M=int(params["M"]),
            ef_construction=int(params["ef_construction"]),
            random_seed=int(params["seed"]),
        )
        return cls(index, params, threads.workers(n_jobs))

    def add_rows(self, start: int, unit: np.ndarray) -> None:
        unit = np.ascontiguousarray(unit, dtype=np.float32)
        end = start + unit.shape[0]
        if end > self.index.max_elements:
            self.index.resize_index(max(end, 2 * self.index.max_elements))
        # the graph is built while adding, on hnswlib's own threads
        self.index.add_items(unit, np.arange(start, end), num_threads=self.n_jobs)

    def build(self, n_jobs: int) -> None:
        """Nothing left to do: the graph grew with every item added."""

    def save(self, path: Path) -> None:
        self.index.save_index(os.fspath(path))

    @classmethod
    def _open(cls, path: Path, dim: int, params: Mapping[str, Any], prefault: bool, options: dict) -> HnswBackend:
        index = _hnswlib().Index(space="ip", dim=int(dim))
        try:
            index.load_index(os.fspath(path))
        except (RuntimeError, ValueError, MemoryError) as exc:  # "Cannot open file", "Index seems to be corrupted"
            raise OSError(f"cannot read HNSW index {path}: {exc}") from exc
        return cls(index, params)

    def describe(self) -> Dict[str, int]:
        return {
            "items": int(self.index.element_count),
            "M": int(self.index.M),
            "ef_construction": int(self.index.ef_construction),
        }

    def _set_ef(self, ef: int) -> None:
        # ef is the index's, not the query's: one lock so concurrent queries never see a
        # half-made change (queries of one batch share one ef)
        if ef != self._ef:
            with self._lock:
                self.index.set_ef(ef)
                self._ef = ef

    def _query(self, vector: Any, n: int, effort: int) -> Tuple[np.ndarray, np.ndarray]:
        n = min(int(n), int(self.index.element_count))
        if n <= 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        self._set_ef(max(int(effort), n))
        labels, dist = self.index.knn_query(vector, k=n, num_threads=1)
        return labels[0], dist[0]

    def query_vector(self, vector: Sequence[float], n: int, effort: int) -> Tuple[List[int], List[float]]:
        labels, dist = self._query(np.asarray(vector, dtype=np.float32), n, effort)
        return labels.tolist(), (1.0 - dist).tolist()

    def query_ids(self, vector: Sequence[float], n: int, effort: int) -> List[int]:
        return self._query(np.asarray(vector, dtype=np.float32), n, effort)[0].tolist()

    def query_item(self, item: int, n: int, effort: int, distances: bool = True) -> Any:
        vector = self.index.get_items([int(item)])[0]
        labels, dist = self._query(vector, n, effort)
        if distances:
            return labels.tolist(), (1.0 - dist).tolist()
        return labels.tolist()

    def unload(self) -> None:
        self.index = None
