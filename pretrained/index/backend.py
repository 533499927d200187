"""What an index backend is: the few calls the rest of the index package makes on an approximate
nearest-neighbour structure, and the registry that names them (``"annoy"``, the default, and
``"hnsw"``; another is added by registering a class with the same calls).

Item ``i`` of every backend is row ``i`` of the vectors, added as its unit vector, so a backend's
answers are cosine neighbours; each backend converts its own distance back to a cosine.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Protocol, Sequence, Tuple, Type

import numpy as np

__all__ = ["Backend", "register", "backend_class", "BACKENDS"]


class Backend(Protocol):
    """The calls every backend answers. Parameters (``params``) are the build parameters stored
    in the sidecar (Annoy: ``n_trees``, ``seed``); ``effort`` is the per-query search effort
    (Annoy's ``search_k``; an HNSW ``ef``)."""

    name: str
    metric: str
    package: str
    """The distribution whose version the sidecar records (``annoy``, ``hnswlib``)."""
    default_effort: int
    """The search effort of an untuned index."""
    effort_step: int
    """How finely :meth:`NeighbourIndex.tune` resolves the effort."""

    @classmethod
    def tune_range(cls, k: int, params: Mapping[str, Any]) -> Tuple[int, int]:
        """For :meth:`NeighbourIndex.tune` at recall@k: an effort no better than any smaller one
        (the search's lower end), and the first effort to try."""

    @classmethod
    def check_params(cls, params: Mapping[str, Any]) -> Dict[str, Any]:
        """The parameters, checked and completed with defaults (ValueError/TypeError otherwise)."""

    @classmethod
    def file_stem(cls, params: Mapping[str, Any]) -> str:
        """The file name (without suffix) of a cached index built with ``params``."""

    @classmethod
    def create(cls, dim: int, params: Mapping[str, Any], build_path: Optional[Path] = None, *, count: int = 0, n_jobs: int = 1) -> "Backend":
        """An empty index to add ``count`` items to (``build_path``: build in that file, for sets
        larger than memory, when the backend can; ``n_jobs``: threads for a backend that builds
        while items are added)."""

    def add_rows(self, start: int, unit: np.ndarray) -> None:
        """Add unit rows as items ``start, start + 1, ...``."""

    def build(self, n_jobs: int) -> None:
        """Finish the structure after every item was added."""

    def save(self, path: Path) -> None:
        """Write the index to ``path`` (a no-op when it was built in that file)."""

    @classmethod
    def open(cls, path: Path, dim: int, params: Mapping[str, Any], prefault: bool = False) -> "Backend":
        """Open a saved index (memory-mapped where the backend can); OSError when unreadable."""

    def describe(self) -> Dict[str, int]:
        """What the opened file holds (``items`` and backend-specific counts), to check against
        the sidecar."""

    def query_vector(self, vector: Sequence[float], n: int, effort: int) -> Tuple[List[int], List[float]]:
        """The ``n`` nearest items to a unit vector and their cosines, nearest first."""

    def query_ids(self, vector: Sequence[float], n: int, effort: int) -> List[int]:
        """The ``n`` nearest items to a unit vector, nearest first (no distances: faster)."""

    def query_item(self, item: int, n: int, effort: int, distances: bool = True) -> Any:
        """As :meth:`query_vector` for a stored item (the item itself is usually first)."""

    def unload(self) -> None:
        """Release the file."""


BACKENDS: Dict[str, Type[Any]] = {}


def register(cls: Type[Any]) -> Type[Any]:
    """Class decorator: make a backend known by its ``name``."""
    BACKENDS[cls.name] = cls
    return cls


_MODULES = ("annoy_backend", "hnsw_backend")
"""The modules that register the built-in backends (imported on first need; neither imports its
library until an index is built or opened)."""


def backend_class(name: str) -> Type[Any]:
    """The backend class called ``name`` (ValueError naming the known ones otherwise)."""
    if name not in BACKENDS:
        import importlib

        for module in _MODULES:
            importlib.import_module(f"{__package__}.{module}")  # each registers itself
    try:
        return BACKENDS[name]
    except KeyError:
        raise ValueError(f"unknown index backend {name!r}; known: {', '.join(sorted(BACKENDS))}") from None
