"""What an index backend is: the few calls the rest of the index package makes on an approximate
nearest-neighbour structure, the parameters it declares, and the registry that names them
(``"annoy"``, the default, ``"hnsw"`` and ``"milvus"``).

Adding a backend is one module with one class carrying ``@register`` (and, for a built-in one,
its module name in :data:`_MODULES`): the class declares its build parameters as :class:`Param`
(name, check, default, command-line flag, help), the name of its search effort (``search_k``,
``ef``, ``nprobe``) and how its files are named; :func:`~pretrained.index.build_index`,
:func:`~pretrained.index.load_index`, :class:`~pretrained.index.NeighbourIndex`, the recall
report and the command line only pass ``**params`` through and read these declarations.

Item ``i`` of every backend is row ``i`` of the vectors, added as its unit vector, so a backend's
answers are cosine neighbours; each backend converts its own distance back to a cosine.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Protocol, Sequence, Tuple, Type

import numpy as np

from pretrained.core import scoring

__all__ = [
    "Backend",
    "Param",
    "seed_param",
    "declared_params",
    "register",
    "backend_class",
    "backend_names",
    "check_declared",
    "split_params",
    "BACKENDS",
]


@dataclass(frozen=True)
class Param:
    """One parameter a backend declares.

    Attributes
    ----------
    name
        The keyword of :func:`~pretrained.index.build_index` (``n_trees``, ``M``).
    check
        ``check(value, name)`` returns the value checked (TypeError/ValueError saying what is
        allowed otherwise).
    default
        The value when none is given (``None``: optional, left out unless given).
    flag
        The command-line option (``--trees``); backends sharing a flag share the option.
    help
        One line for ``--help``.
    kind
        What the flag's text is read as (``int`` or ``str``) before ``check``.
    stored
        True for a build parameter: in the sidecar, the file name and the identity of the index.
        False for a connection option (a server address, a token): used, never stored.
    secret
        Never logged, printed or written anywhere (a token).
    """

    name: str
    check: Callable[[Any, str], Any]
    default: Any = None
    flag: Optional[str] = None
    help: str = ""
    kind: Callable[[str], Any] = int
    stored: bool = True
    secret: bool = False

    def parse(self, text: str) -> Any:
        """The flag's text as a checked value (ValueError/TypeError saying what is allowed)."""
        try:
            value = self.kind(text)
        except ValueError:
            raise ValueError(
                f"must be {'an integer' if self.kind is int else 'a ' + self.kind.__name__}, got {text!r}"
            ) from None
        return self.check(value, self.name)


class Backend(Protocol):
    """The calls every backend answers. ``params`` are the stored build parameters (Annoy:
    ``n_trees``, ``seed``); ``options`` the connection options that are not stored (Milvus:
    ``uri``, ``token``); ``effort`` is the per-query search effort (:attr:`effort_name`).

    A backend may also inherit from this class (the built-in ones do) for what they share:
    :meth:`check_params` by the declared parameters, and :meth:`create` and :meth:`open` with
    these signatures around the backend's own ``_create`` and ``_open`` (the same values, given
    positionally, ``options`` always a dict)."""

    name: str
    metric: str
    package: str
    """The distribution whose version the sidecar records (``annoy``, ``hnswlib``)."""
    parameters: Tuple[Param, ...]
    """The parameters :func:`~pretrained.index.build_index` accepts for this backend."""
    effort_name: str
    """What the search effort is called (``search_k``, ``ef``, ``nprobe``)."""
    default_effort: int
    """The search effort of an untuned index."""
    effort_step: int
    """How finely :meth:`NeighbourIndex.tune` resolves the effort."""
    suffix: str
    """The index file's suffix (``.ann``)."""
    native: str
    """The attribute holding the library's own index object (``ann``), or ``""``."""

    @classmethod
    def tune_range(cls, k: int, params: Mapping[str, Any]) -> Tuple[int, int]:
        """For :meth:`NeighbourIndex.tune` at recall@k: an effort no better than any smaller one
        (the search's lower end), and the first effort to try."""

    @classmethod
    def max_effort(cls, count: int, params: Mapping[str, Any]) -> int:
        """The largest effort worth trying on ``count`` items (the upper end of a tune)."""

    @classmethod
    def check_params(cls, params: Mapping[str, Any]) -> Dict[str, Any]:
        """The stored parameters, checked and completed with defaults (ValueError/TypeError)."""
        return check_declared(cls, params)

    @classmethod
    def file_stem(cls, params: Mapping[str, Any]) -> str:
        """The file name (without suffix) of a cached index built with ``params``."""

    @classmethod
    def create(
        cls,
        dim: int,
        params: Mapping[str, Any],
        build_path: Optional[Path] = None,
        *,
        count: int = 0,
        n_jobs: int = 1,
        options: Optional[Mapping[str, Any]] = None,
    ) -> Backend:
        """An empty index to add ``count`` items to (``build_path``: build in that file, for sets
        larger than memory, when the backend can; ``n_jobs``: threads for a backend that builds
        while items are added)."""
        return cls._create(dim, params, build_path, count, n_jobs, dict(options or {}))

    @classmethod
    def _create(
        cls, dim: int, params: Mapping[str, Any], build_path: Optional[Path], count: int, n_jobs: int, options: dict
    ) -> Backend:
        raise NotImplementedError(f"the {cls.name} backend defines create itself")

    def add_rows(self, start: int, unit: np.ndarray) -> None:
        """Add unit rows as items ``start, start + 1, ...``."""

    def build(self, n_jobs: int) -> None:
        """Finish the structure after every item was added."""

    def save(self, path: Path) -> None:
        """Write the index to ``path`` (a no-op when it was built in that file)."""

    @classmethod
    def open(
        cls,
        path: Path,
        dim: int,
        params: Mapping[str, Any],
        prefault: bool = False,
        *,
        options: Optional[Mapping[str, Any]] = None,
    ) -> Backend:
        """Open a saved index (memory-mapped where the backend can); OSError when unreadable."""
        return cls._open(Path(path), dim, params, prefault, dict(options or {}))

    @classmethod
    def _open(cls, path: Path, dim: int, params: Mapping[str, Any], prefault: bool, options: dict) -> Backend:
        raise NotImplementedError(f"the {cls.name} backend defines open itself")

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


def seed_param(default: int) -> Param:
    """The build seed, as every backend with a seeded build declares it (``--seed``)."""
    return Param("seed", lambda v, n: scoring.check_seed(v), default, "--seed", f"build seed (default {default})")


BACKENDS: Dict[str, Type[Any]] = {}


def register(cls: Type[Any]) -> Type[Any]:
    """Class decorator: make a backend known by its ``name``."""
    BACKENDS[cls.name] = cls
    return cls


_MODULES = ("annoy_backend", "hnsw_backend", "milvus_backend")
"""The modules that register the built-in backends (imported on first need; none imports its
library until an index is built or opened)."""


def _load_builtin() -> None:
    import importlib

    for module in _MODULES:
        importlib.import_module(f"{__package__}.{module}")  # each registers itself


def backend_names() -> List[str]:
    """Every known backend: the built-in ones (the default, ``annoy``, first) and any registered."""
    _load_builtin()
    return sorted(BACKENDS, key=lambda n: (n != "annoy", n))


def backend_class(name: str) -> Type[Any]:
    """The backend class called ``name`` (ValueError naming the known ones otherwise)."""
    if name not in BACKENDS:
        _load_builtin()
    try:
        return BACKENDS[name]
    except KeyError:
        raise ValueError(f"unknown index backend {name!r}; known: {', '.join(sorted(BACKENDS))}") from None


def declared_params(cls: Type[Any], given: Mapping[str, Any], *, stored: bool = True) -> Dict[str, Param]:
    """The parameters ``cls`` declares by name (only the stored ones unless ``stored=False``),
    after refusing any name in ``given`` that is not one of them (TypeError naming the known ones)."""
    declared = {p.name: p for p in cls.parameters if p.stored or not stored}
    unknown = set(given) - set(declared)
    if unknown:
        raise TypeError(f"unknown {cls.name} parameter(s) {', '.join(sorted(unknown))}; known: {', '.join(declared)}")
    return declared


def check_declared(cls: Type[Any], params: Mapping[str, Any]) -> Dict[str, Any]:
    """``params`` checked against the parameters ``cls`` declares: unknown names refused
    (TypeError naming the known ones), each value checked, defaults filled in (a parameter whose
    default is None is left out unless given). Only the stored parameters: connection options are
    :func:`split_params`'s."""
    declared = declared_params(cls, params)
    out: Dict[str, Any] = {}
    for name, p in declared.items():
        value = params.get(name, p.default)
        if value is not None:
            out[name] = p.check(value, name)
    return out


def split_params(cls: Type[Any], given: Mapping[str, Any]) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """``given`` keywords split into the stored build parameters (checked, defaults filled in by
    ``cls.check_params``) and the connection options (checked, never stored)."""
    declared = declared_params(cls, given, stored=False)
    stored = {k: v for k, v in given.items() if declared[k].stored}
    options = {k: declared[k].check(v, k) for k, v in given.items() if not declared[k].stored and v is not None}
    return cls.check_params(stored), options
