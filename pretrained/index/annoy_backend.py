"""The Annoy backend: a forest of random-projection trees over the unit rows (angular metric),
saved as one ``.ann`` file that is memory-mapped and shared by every process that opens it.

Annoy's distance is ``sqrt(2 - 2 cos)``; answers are shown as cosines (``1 - d*d/2``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from pretrained import optional
from pretrained.core import scoring
from pretrained.index.backend import Backend, Param, register, seed_param

__all__ = ["AnnoyBackend", "DEFAULT_TREES", "DEFAULT_SEED", "DEFAULT_SEARCH_K"]

DEFAULT_TREES = 50
"""Trees per index: chosen from the recall / speed table measured on real glove.6B.50d (README)."""
DEFAULT_SEARCH_K = 10000
"""Nodes inspected per query unless tuned (``index.tune``): recall@10 about 0.95 on glove.6B.50d
with 50 trees."""
DEFAULT_SEED = 42


def _annoy():
    return optional.require("annoy").AnnoyIndex


@register
class AnnoyBackend(Backend):
    """Annoy behind the :class:`~pretrained.index.backend.Backend` calls."""

    name = "annoy"
    metric = "angular"
    package = "annoy"
    parameters = (
        Param(
            "n_trees",
            scoring.check_count,
            DEFAULT_TREES,
            "--trees",
            f"annoy: trees in the index (default {DEFAULT_TREES})",
        ),
        seed_param(DEFAULT_SEED),
    )
    effort_name = "search_k"
    default_effort = DEFAULT_SEARCH_K
    effort_step = 50
    suffix = ".ann"
    native = "ann"
    builds_on_disk = True
    build_phase = "the tree phase shows no bar"

    def __init__(self, ann: Any, params: Mapping[str, Any]):
        self.ann = ann
        self.params = dict(params)

    @classmethod
    def file_stem(cls, params: Mapping[str, Any]) -> str:
        return f"annoy-{cls.metric}-t{params['n_trees']}-s{params['seed']}"

    @classmethod
    def tune_range(cls, k: int, params: Mapping[str, Any]) -> Tuple[int, int]:
        return 0, max(k * int(params.get("n_trees") or 1), 100)

    @classmethod
    def max_effort(cls, count: int, params: Mapping[str, Any]) -> int:
        return int(params.get("n_trees") or 1) * count

    @classmethod
    def _create(
        cls, dim: int, params: Mapping[str, Any], build_path: Optional[Path], count: int, n_jobs: int, options: dict
    ) -> AnnoyBackend:
        ann = _annoy()(dim, cls.metric)
        ann.set_seed(int(params["seed"]))
        if build_path is not None:
            ann.on_disk_build(os.fspath(build_path))
        return cls(ann, params)

    def add_rows(self, start: int, unit: np.ndarray) -> None:
        add = self.ann.add_item
        for i, row in enumerate(unit.tolist(), start):
            add(i, row)

    def build(self, n_jobs: int) -> None:
        self.ann.build(int(self.params["n_trees"]), n_jobs=int(n_jobs))

    def save(self, path: Path) -> None:
        self.ann.save(os.fspath(path))

    @classmethod
    def _open(cls, path: Path, dim: int, params: Mapping[str, Any], prefault: bool, options: dict) -> AnnoyBackend:
        ann = _annoy()(dim, cls.metric)
        ann.load(os.fspath(path), prefault=prefault)
        return cls(ann, params)

    def describe(self) -> Dict[str, int]:
        return {"items": self.ann.get_n_items(), "n_trees": self.ann.get_n_trees()}

    def query_vector(self, vector: Sequence[float], n: int, effort: int) -> Tuple[List[int], List[float]]:
        ids, dist = self.ann.get_nns_by_vector(vector, n, effort, True)
        return ids, [1.0 - d * d / 2.0 for d in dist]

    def query_ids(self, vector: Sequence[float], n: int, effort: int) -> List[int]:
        return self.ann.get_nns_by_vector(vector, n, effort)

    def query_item(self, item: int, n: int, effort: int, distances: bool = True) -> Any:
        if not distances:
            return self.ann.get_nns_by_item(item, n, effort)
        ids, dist = self.ann.get_nns_by_item(item, n, effort, True)
        return ids, [1.0 - d * d / 2.0 for d in dist]

    def unload(self) -> None:
        self.ann.unload()
