"""A neighbour index over a vector set: Annoy trees built once offline, memory-mapped everywhere.

An index is two files side by side:

``<stem>.ann``   the Annoy forest (angular metric over the L2-normalised rows); item ``i`` is row
                 ``i`` of the cached vectors, so the vocabulary is shared with the cache, not copied
``<stem>.json``  the sidecar: metric, dim, item count, the vectors' identity (sha256 of their
                 float32 bytes), build parameters, build time, library versions, the ``.ann`` size
                 and the default ``search_k``

Without a path, :func:`build_index` writes into the cache beside the vectors
(``<cache>/indexes/<entry>/annoy-angular-t<trees>-s<seed>.ann``), so ``v.index()`` finds it again.
Files are written under a temporary name and renamed into place (the ``.ann`` first, the sidecar
last), so a sidecar is only ever seen next to a complete index. Loading checks the sidecar against
the vectors and the file size, and refuses a mismatch with :class:`IndexMismatchError`.

Annoy's distance is ``sqrt(2 - 2 cos)``; results are shown as cosines (``1 - d*d/2``).
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import platform
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from . import config
from .errors import CacheError, MissingDependencyError
from .results import Neighbours
from .vectors import Query, Vectors

__all__ = [
    "NeighbourIndex",
    "IndexMismatchError",
    "RecallReport",
    "build_index",
    "load_index",
    "index_path",
    "vectors_identity",
    "DEFAULT_TREES",
    "DEFAULT_SEARCH_K",
    "DEFAULT_SEED",
]

logger = logging.getLogger(__name__)

SIDECAR_VERSION = 1
METRIC = "angular"
DEFAULT_TREES = 50
"""Trees per index: chosen from the recall / speed table measured on real glove.6B.50d (README)."""
DEFAULT_SEARCH_K = 10000
"""Nodes inspected per query unless tuned (``index.tune``): recall@10 about 0.95 on glove.6B.50d
with 50 trees."""
DEFAULT_SEED = 42
_CHUNK = 65536  # rows normalised at a time while adding items


class IndexMismatchError(CacheError):
    """An index that does not belong to these vectors, or is incomplete (truncated, no sidecar)."""

    def __init__(self, message: str, path: Optional[str] = None):
        self.path = path
        super().__init__(message)


# ---------------------------------------------------------------------------- helpers


def _annoy():
    try:
        from annoy import AnnoyIndex
    except ImportError as exc:  # pragma: no cover - annoy is a dependency
        raise MissingDependencyError("annoy", "annoy") from exc
    return AnnoyIndex


def _version(package: str) -> Optional[str]:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return None


def vectors_identity(vectors: Vectors) -> str:
    """The identity an index is tied to: ``"sha256:<hex>"`` of the float32 row bytes.

    Read from the cache entry's ``meta.json`` (``vectors_sha256``) when there is one, computed
    from the array otherwise (and remembered in ``vectors.meta``).
    """
    digest = vectors.meta.get("vectors_sha256")
    if not digest:
        h = hashlib.sha256()
        arr = vectors.vectors
        for s in range(0, arr.shape[0], _CHUNK):
            h.update(memoryview(np.ascontiguousarray(arr[s : s + _CHUNK], dtype="<f4")).cast("B"))
        digest = h.hexdigest()
        vectors.meta["vectors_sha256"] = digest
    return digest if digest.startswith("sha256:") else f"sha256:{digest}"


def _stem(n_trees: int, seed: int) -> str:
    return f"annoy-{METRIC}-t{n_trees}-s{seed}"


def _index_dir(vectors: Vectors, cache_dir: Optional["str | os.PathLike[str]"] = None) -> Path:
    if vectors.path is not None and cache_dir is None:
        entry = Path(vectors.path)
        return entry.parent.parent / "indexes" / entry.name
    return config.cache_dir(cache_dir) / "indexes" / f"memory-{vectors_identity(vectors)[7:23]}"


def index_path(
    vectors: Vectors,
    *,
    n_trees: int = DEFAULT_TREES,
    seed: int = DEFAULT_SEED,
    cache_dir: Optional["str | os.PathLike[str]"] = None,
) -> Path:
    """Where :func:`build_index` puts the index of ``vectors`` when no path is given: the cache
    folder ``indexes/<entry folder name>/``, the file named by the build parameters."""
    return _index_dir(vectors, cache_dir) / (_stem(n_trees, seed) + ".ann")


def sidecar_path(ann: "str | os.PathLike[str]") -> Path:
    """The JSON sidecar beside an ``.ann`` file."""
    return Path(ann).with_suffix(".json")


def _resolve_target(path: Optional["str | os.PathLike[str]"], vectors: Vectors, n_trees: int, seed: int) -> Path:
    if path is None:
        return index_path(vectors, n_trees=n_trees, seed=seed)
    p = Path(path).expanduser()
    if p.is_dir() or os.fspath(path).endswith(os.sep) or p.suffix == "":
        return p / (_stem(n_trees, seed) + ".ann")
    return p


def _progress(total: int, desc: str, enabled: Optional[bool]):
    if enabled is None:
        enabled = config.progress_enabled()
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit="vec", unit_scale=True, leave=False)


def _peak_rss_mib() -> Optional[float]:
    try:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux
    except (ImportError, AttributeError):  # pragma: no cover - not on Linux
        return None


def _n_threads(n_jobs: int) -> int:
    return max(1, os.cpu_count() or 1) if n_jobs is None or n_jobs < 1 else int(n_jobs)


# ---------------------------------------------------------------------------- build


def build_index(
    vectors: Vectors,
    path: Optional["str | os.PathLike[str]"] = None,
    *,
    n_trees: int = DEFAULT_TREES,
    seed: int = DEFAULT_SEED,
    n_jobs: int = -1,
    on_disk: bool = False,
    search_k: Optional[int] = None,
    progress: Optional[bool] = None,
    force: bool = False,
) -> "NeighbourIndex":
    """Build an Annoy index over ``vectors`` and return it memory-mapped.

    Parameters
    ----------
    vectors
        The set to index (usually from :func:`pretrained.load`); item ``i`` is its row ``i``.
    path
        The ``.ann`` file (or a folder for it). Default: the cache, beside the vectors, named by
        the build parameters, so :meth:`Vectors.index` finds it again.
    n_trees
        More trees: better recall at the same ``search_k``, a bigger file, a longer build.
    seed
        Annoy's random seed. With ``n_jobs=1`` the file is byte-for-byte reproducible; with
        several threads each thread seeds its trees from ``seed``, so the trees (and answers)
        are the same for the same thread count.
    n_jobs
        Build threads (-1: all cores).
    on_disk
        Build the forest in the file rather than in memory (for sets larger than memory).
    search_k
        The default ``search_k`` stored in the sidecar (see :meth:`NeighbourIndex.tune`).
    progress
        Show a progress bar while adding vectors (default: when standard error is a terminal).
    force
        Build again even when an index with these parameters exists at the target.

    Returns
    -------
    NeighbourIndex

    Examples
    --------
    >>> import numpy as np, pretrained
    >>> v = pretrained.Vectors(["a", "b", "c"], np.array([[1, 0], [0.9, 0.1], [0, 1]], np.float32))
    >>> index = pretrained.build_index(v, n_trees=2)          # doctest: +SKIP
    >>> index.most_similar("a", topn=1).words                 # doctest: +SKIP
    ['b']
    """
    if n_trees < 1:
        raise ValueError(f"n_trees must be at least 1, got {n_trees}")
    target = _resolve_target(path, vectors, n_trees, seed)
    identity = vectors_identity(vectors)
    if not force:
        found = _reuse(target, vectors, n_trees, seed)
        if found is not None:
            return found
    from .store import entry_lock

    target.parent.mkdir(parents=True, exist_ok=True)
    with entry_lock(target):  # two processes building the same index: one builds, one reuses
        if not force:
            found = _reuse(target, vectors, n_trees, seed)
            if found is not None:
                return found
        return _build(vectors, target, identity, n_trees, seed, n_jobs, on_disk, search_k, progress)


def _reuse(target: Path, vectors: Vectors, n_trees: int, seed: int) -> Optional["NeighbourIndex"]:
    """The index at ``target`` when it is complete, matches the vectors and was built with these
    parameters; None (with a warning when something is there but wrong) otherwise."""
    if not (target.is_file() and sidecar_path(target).is_file()):
        return None
    try:
        index = load_index(target, vectors=vectors)
    except IndexMismatchError as exc:
        logger.warning("rebuilding the index at %s: %s", target, exc)
        return None
    build = index.sidecar["build"]
    if build.get("n_trees") != n_trees or build.get("seed") != seed:
        logger.warning(
            "rebuilding the index at %s: it has %s trees and seed %s, asked for %s and %s",
            target, build.get("n_trees"), build.get("seed"), n_trees, seed,
        )
        index.unload()
        return None
    logger.info("reusing the index at %s", target)
    return index


def _build(vectors: Vectors, target: Path, identity: str, n_trees: int, seed: int, n_jobs: int, on_disk: bool, search_k: Optional[int], progress: Optional[bool]) -> "NeighbourIndex":
    unique = f"tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp = target.parent / f".{target.stem}.{unique}.ann"
    tmp_side = target.parent / f".{target.stem}.{unique}.json"
    count, dim = len(vectors), vectors.dim
    AnnoyIndex = _annoy()
    started = time.perf_counter()
    try:
        ann = AnnoyIndex(dim, METRIC)
        ann.set_seed(int(seed))
        if on_disk:
            ann.on_disk_build(os.fspath(tmp))
        bar = _progress(count, f"indexing {vectors.name or 'vectors'}", progress)
        arr, inv = vectors.vectors, vectors._inv_norms
        add = ann.add_item
        for s in range(0, count, _CHUNK):
            unit = np.asarray(arr[s : s + _CHUNK], dtype=np.float32) * inv[s : s + _CHUNK, None]
            for i, row in enumerate(unit.tolist(), s):
                add(i, row)
            if bar is not None:
                bar.update(unit.shape[0])
        if bar is not None:
            bar.close()
        added = time.perf_counter()
        logger.info("added %d vectors in %.2f s; building %d trees", count, added - started, n_trees)
        ann.build(int(n_trees), n_jobs=int(n_jobs))
        built = time.perf_counter()
        if not on_disk:
            ann.save(os.fspath(tmp))
        ann.unload()
        del ann
        seconds = time.perf_counter() - started
        size = tmp.stat().st_size
        sidecar = {
            "format": "pretrained-annoy-index",
            "sidecar_version": SIDECAR_VERSION,
            "metric": METRIC,
            "normalised": True,
            "dim": dim,
            "count": count,
            "vectors": {
                "sha256": identity,
                "name": vectors.name,
                "entry": vectors.path,
            },
            "build": {
                "n_trees": int(n_trees),
                "seed": int(seed),
                "n_jobs": int(n_jobs),
                "threads": _n_threads(n_jobs),
                "on_disk": bool(on_disk),
                "seconds": round(seconds, 3),
                "add_seconds": round(added - started, 3),
                "build_seconds": round(built - added, 3),
                "peak_rss_mib": _peak_rss_mib(),
            },
            "search_k": int(search_k) if search_k else DEFAULT_SEARCH_K,
            "ann_file": target.name,
            "ann_size": size,
            "versions": {
                "pretrained": _version("pretrained"),
                "annoy": _version("annoy"),
                "numpy": np.__version__,
                "python": platform.python_version(),
            },
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        _write_json(tmp_side, sidecar)
        _check(tmp, sidecar, count=count, dim=dim, identity=identity)  # verify before it is visible
        os.replace(tmp, target)
        os.replace(tmp_side, sidecar_path(target))
    except BaseException:
        for p in (tmp, tmp_side):
            try:
                p.unlink()
            except FileNotFoundError:
                pass
        raise
    logger.info("built %s: %d trees over %d x %d in %.2f s", target, n_trees, count, dim, seconds)
    return load_index(target, vectors=vectors)


def _write_json(path: Path, data: dict) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2, ensure_ascii=False)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())


def _read_sidecar(ann: Path) -> dict:
    side = sidecar_path(ann)
    try:
        with open(side, encoding="utf-8") as f:
            data = json.load(f)
    except FileNotFoundError:
        raise IndexMismatchError(f"index {ann} has no sidecar {side.name}; build it again with `pretrained build-index`", str(ann)) from None
    except (OSError, ValueError) as exc:
        raise IndexMismatchError(f"index sidecar {side} is unreadable ({exc}); build the index again", str(ann)) from exc
    if data.get("format") != "pretrained-annoy-index" or data.get("sidecar_version") != SIDECAR_VERSION:
        raise IndexMismatchError(
            f"{side} is not a version-{SIDECAR_VERSION} pretrained index sidecar; build the index again", str(ann)
        )
    return data


def _check(ann: Path, sidecar: dict, *, count: int, dim: int, identity: str) -> None:
    """Refuse an index whose sidecar or file does not match ``count`` x ``dim`` vectors of ``identity``."""
    problems = []
    if sidecar.get("metric") != METRIC:
        problems.append(f"metric {sidecar.get('metric')!r}, expected {METRIC!r}")
    if sidecar.get("dim") != dim:
        problems.append(f"dim {sidecar.get('dim')}, the vectors have {dim}")
    if sidecar.get("count") != count:
        problems.append(f"{sidecar.get('count')} items, the vectors have {count}")
    theirs = (sidecar.get("vectors") or {}).get("sha256")
    if theirs != identity:
        problems.append(f"built for vectors {theirs}, these are {identity}")
    if problems:
        raise IndexMismatchError(f"index {ann} does not match these vectors: " + "; ".join(problems), str(ann))
    try:
        size = ann.stat().st_size
    except OSError as exc:
        raise IndexMismatchError(f"index file {ann} is missing ({exc}); build the index again", str(ann)) from exc
    if size != sidecar.get("ann_size"):
        raise IndexMismatchError(
            f"index file {ann} is {size} bytes, its sidecar says {sidecar.get('ann_size')}: "
            "truncated or replaced; build the index again", str(ann)
        )


# ---------------------------------------------------------------------------- load


def _find_vectors_for(ann: Path, sidecar: dict) -> Vectors:
    from . import store

    entry = (sidecar.get("vectors") or {}).get("entry")
    if not entry or not store.is_entry(Path(entry)):
        # the index may have moved with its cache: indexes/<entry> -> vectors/<entry>
        guess = ann.parent.parent.parent / "vectors" / ann.parent.name
        if store.is_entry(guess):
            entry = str(guess)
        else:
            raise IndexMismatchError(
                f"index {ann} was built for vectors at {entry}, which are not there; "
                "pass vectors=pretrained.load(...) to load_index", str(ann)
            )
    words, arr, norms, meta = store.read_entry(Path(entry))
    return Vectors(words, arr, norms=norms, name=meta.get("name"), meta=meta, path=entry, _checked=True)


def load_index(
    path_or_name: "str | os.PathLike[str]",
    *,
    vectors: Optional[Vectors] = None,
    n_trees: int = DEFAULT_TREES,
    seed: int = DEFAULT_SEED,
    prefault: bool = False,
) -> "NeighbourIndex":
    """Memory-map an index (many processes share its pages).

    ``path_or_name`` is an ``.ann`` file (its sidecar beside it), or a catalogue name / vector
    file whose cached index with ``n_trees`` / ``seed`` is opened. The vectors are those given,
    else the cache entry recorded in the sidecar; either way they must match the sidecar
    (same set, dim, count and metric) or :class:`IndexMismatchError` is raised.
    """
    p = Path(os.fspath(path_or_name)).expanduser()
    if p.suffix == ".json" and p.is_file():
        p = p.with_suffix(".ann")
    if not (p.suffix == ".ann" or sidecar_path(p).is_file()):
        # a catalogue name or a vector file: its cached index (api sits above this module, so
        # it is imported here rather than at the top)
        from . import api

        if vectors is None:
            vectors = api.load(os.fspath(path_or_name))
        p = index_path(vectors, n_trees=n_trees, seed=seed)
        if not p.is_file():
            raise IndexMismatchError(
                f"no index with {n_trees} trees and seed {seed} for {path_or_name} at {p}; "
                f"run `pretrained build-index {path_or_name} --trees {n_trees} --seed {seed}` first", str(p)
            )
    sidecar = _read_sidecar(p)
    if vectors is None:
        vectors = _find_vectors_for(p, sidecar)
    _check(p, sidecar, count=len(vectors), dim=vectors.dim, identity=vectors_identity(vectors))
    ann = _annoy()(vectors.dim, METRIC)
    try:
        ann.load(os.fspath(p), prefault=prefault)
    except OSError as exc:
        raise IndexMismatchError(f"Annoy cannot open {p} ({exc}); build the index again", str(p)) from exc
    if ann.get_n_items() != len(vectors) or ann.get_n_trees() != sidecar["build"]["n_trees"]:
        raise IndexMismatchError(
            f"index {p} holds {ann.get_n_items()} items in {ann.get_n_trees()} trees, its sidecar says "
            f"{len(vectors)} in {sidecar['build']['n_trees']}; build the index again", str(p)
        )
    return NeighbourIndex(ann, vectors, sidecar, p)


# ---------------------------------------------------------------------------- query


@dataclass
class RecallReport:
    """What :meth:`NeighbourIndex.recall` measured: recall@k and the single-thread query rates."""

    recall: float
    k: int
    sample: int
    search_k: int
    n_trees: int
    index_qps: float
    exact_qps: float

    @property
    def speedup(self) -> float:
        """Index queries per second over exact ones."""
        return self.index_qps / self.exact_qps if self.exact_qps else float("nan")

    def as_dict(self) -> Dict[str, Any]:
        return {**asdict(self), "speedup": self.speedup}

    def __str__(self) -> str:
        return (
            f"recall@{self.k} {self.recall:.3f} on {self.sample} sampled words "
            f"({self.n_trees} trees, search_k {self.search_k}): index {self.index_qps:,.0f} q/s "
            f"({1e3 / self.index_qps:.2f} ms), exact {self.exact_qps:,.0f} q/s "
            f"({1e3 / self.exact_qps:.2f} ms), {self.speedup:.1f}x"
        )


class NeighbourIndex:
    """Neighbours and analogies through an Annoy index over a :class:`Vectors` set.

    Made by :func:`build_index`, :func:`load_index` or :meth:`Vectors.index`. Results are
    :class:`~pretrained.results.Neighbours` (lists of ``(word, cosine)`` pairs), like
    :meth:`Vectors.most_similar`. Queries are thread-safe and release the GIL, so the batch
    forms use threads.
    """

    def __init__(self, ann, vectors: Vectors, sidecar: dict, path: Path):
        self._ann = ann
        self.vectors = vectors
        self.sidecar = sidecar
        self.path = Path(path)
        self.search_k: int = int(sidecar.get("search_k") or DEFAULT_SEARCH_K)
        self._words = vectors.index_to_key

    def __repr__(self) -> str:
        return (
            f"<NeighbourIndex {self.vectors.name or ''}: {len(self):,} x {self.dim}, "
            f"{self.n_trees} trees, search_k {self.search_k}, {self.path}>"
        )

    def __len__(self) -> int:
        return len(self._words)

    @property
    def dim(self) -> int:
        return self.vectors.dim

    @property
    def n_trees(self) -> int:
        return int(self.sidecar["build"]["n_trees"])

    @property
    def annoy(self):
        """The underlying ``annoy.AnnoyIndex`` (memory-mapped, read-only use)."""
        return self._ann

    def _sk(self, search_k: Optional[int]) -> int:
        return self.search_k if search_k is None else int(search_k)

    # -------------------------------------------------------------- neighbours

    def most_similar(self, word_or_vector: Query, topn: int = 10, *, search_k: Optional[int] = None) -> Neighbours:
        """The ``topn`` nearest words by cosine, through the index; a query word is excluded.

        Examples
        --------
        >>> index = pretrained.load("glove.6B.50d").index()   # doctest: +SKIP
        >>> index.most_similar("hotel", topn=3)                # doctest: +SKIP
        """
        sk = self._sk(search_k)
        words = self._words
        if isinstance(word_or_vector, str):
            i = self.vectors.get_index(word_or_vector)
            ids, dist = self._ann.get_nns_by_item(i, topn + 1, sk, True)
            out = [(words[j], 1.0 - d * d / 2.0) for j, d in zip(ids, dist) if j != i]
            return Neighbours(out[:topn])
        q = self.vectors.unit(word_or_vector)
        ids, dist = self._ann.get_nns_by_vector(q.tolist(), topn, sk, True)
        return Neighbours([(words[j], 1.0 - d * d / 2.0) for j, d in zip(ids, dist)])

    def _map(self, fn, items: Sequence, n_jobs: int) -> list:
        threads = min(_n_threads(n_jobs), max(1, len(items)))
        if threads == 1:
            return [fn(x) for x in items]
        with ThreadPoolExecutor(max_workers=threads) as pool:
            return list(pool.map(fn, items, chunksize=max(1, len(items) // (threads * 8))))

    def most_similar_batch(
        self, queries: Sequence[Query], topn: int = 10, *, search_k: Optional[int] = None, n_jobs: int = -1
    ) -> List[Neighbours]:
        """``most_similar`` for many words or vectors, on ``n_jobs`` threads (-1: all cores)."""
        queries = list(queries)
        for q in queries:  # fail on a missing word before starting any thread
            if isinstance(q, str):
                self.vectors.get_index(q)
        return self._map(lambda q: self.most_similar(q, topn, search_k=search_k), queries, n_jobs)

    # -------------------------------------------------------------- analogies

    def analogy(
        self, a: str, b: str, c: str, topn: int = 1, *, method: str = "add", search_k: Optional[int] = None,
        restrict_vocab: Optional[int] = None,
    ) -> Neighbours:
        """``a : b :: c : ?`` through the index.

        Candidates are the Annoy neighbours of the normalised ``b - a + c``; ``a``, ``b`` and
        ``c`` are dropped and the rest re-ranked exactly against the stored vectors with 3CosAdd
        (``method="add"``, cosines, as :meth:`Vectors.most_similar`) or 3CosMul (``"mul"``, as
        :meth:`Vectors.most_similar_cosmul`). ``restrict_vocab`` keeps answers among the first
        N words (gensim's meaning).
        """
        if method not in ("add", "mul"):
            raise ValueError(f"method must be 'add' or 'mul', got {method!r}")
        v = self.vectors
        idx = np.array([[v.get_index(a), v.get_index(b), v.get_index(c)]], dtype=np.intp)
        U, Q = self.vectors._analogy_queries(idx)
        end = len(self) if restrict_vocab is None else min(int(restrict_vocab), len(self))
        return self._analogy(idx[0], U[0], Q[0], topn, method, self._sk(search_k), end)

    def _analogy(self, idx: np.ndarray, U: np.ndarray, mean: np.ndarray, topn: int, method: str, sk: int, end: int) -> Neighbours:
        arr, inv = self.vectors.vectors, self.vectors._inv_norms
        # Annoy returns its candidates sorted by true distance, so a few beyond the exclusions
        # suffice for 3CosAdd; 3CosMul re-orders them, so it looks at more
        want = topn + 3 if method == "add" else max(4 * topn + 3, 20)
        if end < len(self):
            want = int(want * max(1.0, min(len(self) / max(end, 1), 4.0)))
        exclude = set(idx.tolist())
        query = mean.tolist()
        while True:
            ids = self._ann.get_nns_by_vector(query, want, sk)
            cand = np.array([j for j in ids if j not in exclude and j < end], dtype=np.intp)
            if len(cand) >= topn or len(ids) < want or want >= len(self):
                break
            want *= 4
        if cand.size == 0:
            return Neighbours()
        V = arr[cand]
        cinv = inv[cand]
        if method == "add":
            scores = (V @ mean) * cinv
        else:
            def shifted(u: np.ndarray) -> np.ndarray:
                return (1 + (V @ u) * cinv) / 2

            scores = shifted(U[1]) * shifted(U[2]) / (shifted(U[0]) + 0.000001)
        order = np.argsort(-scores, kind="stable")[:topn]
        words = self._words
        return Neighbours([(words[cand[k]], float(scores[k])) for k in order.tolist()])

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
        if method not in ("add", "mul"):
            raise ValueError(f"method must be 'add' or 'mul', got {method!r}")
        v = self.vectors
        triples = list(triples)
        if not triples:
            return []
        idx = np.array([[v.get_index(w) for w in t] for t in triples], dtype=np.intp)
        U, Q = self.vectors._analogy_queries(idx)
        sk = self._sk(search_k)
        end = len(self) if restrict_vocab is None else min(int(restrict_vocab), len(self))
        return self._map(lambda r: self._analogy(idx[r], U[r], Q[r], topn, method, sk, end), range(len(idx)), n_jobs)

    # -------------------------------------------------------------- measurement

    def _exact_topk(self, ids: np.ndarray, k: int) -> np.ndarray:
        v = self.vectors
        arr, inv = v.vectors, v._inv_norms
        out = np.empty((len(ids), k), dtype=np.intp)
        for s in range(0, len(ids), 256):
            rows = ids[s : s + 256]
            Q = arr[rows] * inv[rows, None]
            S = np.empty((len(rows), len(self)), dtype=np.float32)
            for c in range(0, len(self), 262144):
                S[:, c : c + 262144] = (Q @ arr[c : c + 262144].T) * inv[c : c + 262144]
            S[np.arange(len(rows)), rows] = -np.inf
            top = np.argpartition(-S, k - 1, axis=1)[:, :k]
            out[s : s + len(rows)] = top
        return out

    def _sample(self, sample: int, seed: int, restrict_vocab: Optional[int]) -> np.ndarray:
        end = len(self) if restrict_vocab is None else min(int(restrict_vocab), len(self))
        rng = np.random.default_rng(seed)
        return rng.choice(end, size=min(sample, end), replace=False)

    def _recall_at(self, ids: np.ndarray, exact: np.ndarray, k: int, sk: int) -> Tuple[float, float]:
        """(recall, queries per second of :meth:`most_similar`) at one ``search_k``, one thread."""
        rec = _recall_only(self._ann, ids, exact, k, sk)
        words = self._words
        started = time.perf_counter()
        for i in ids.tolist():
            self.most_similar(words[i], k, search_k=sk)
        return rec, len(ids) / max(time.perf_counter() - started, 1e-9)

    def _exact_qps(self, ids: np.ndarray, k: int, queries: int = 50) -> float:
        v = self.vectors
        few = ids[:queries].tolist()
        v.most_similar(self._words[few[0]], topn=k)  # norms and caches warm
        started = time.perf_counter()
        for i in few:
            v.most_similar(self._words[i], topn=k)
        return len(few) / max(time.perf_counter() - started, 1e-9)

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
        second of the index and of exact search (:meth:`Vectors.most_similar`)."""
        ids = self._sample(sample, seed, restrict_vocab)
        exact = self._exact_topk(ids, k)
        sk = self._sk(search_k)
        rec, qps = self._recall_at(ids, exact, k, sk)
        return RecallReport(rec, k, len(ids), sk, self.n_trees, qps, self._exact_qps(ids, k))

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

        ``search_k`` is found by doubling, then bisection (recall grows with ``search_k``: a
        larger one inspects a superset of candidates). Returns the report at the chosen value.
        """
        if not 0 < recall <= 1:
            raise ValueError(f"recall must be in (0, 1], got {recall}")
        ids = self._sample(sample, seed, restrict_vocab)
        exact = self._exact_topk(ids, k)
        limit = max_search_k or self.n_trees * len(self)
        cache: Dict[int, float] = {}

        def rec(sk: int) -> float:
            if sk not in cache:
                cache[sk] = _recall_only(self._ann, ids, exact, k, sk)
            return cache[sk]

        lo, hi = 0, max(k * self.n_trees, 100)
        while rec(hi) < recall and hi < limit:
            lo, hi = hi, min(hi * 2, limit)
        if rec(hi) >= recall:
            while hi - lo > max(50, hi // 20):
                mid = (lo + hi) // 2
                if rec(mid) >= recall:
                    hi = mid
                else:
                    lo = mid
        else:
            logger.warning("recall %.3f not reached (%.3f at search_k %d)", recall, rec(hi), hi)
        self.search_k = hi
        if save:
            self.sidecar["search_k"] = hi
            self.sidecar["tuned"] = {"recall": rec(hi), "target": recall, "k": k, "sample": len(ids), "seed": seed}
            tmp = self.path.parent / f".{self.path.stem}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}.json"
            _write_json(tmp, self.sidecar)
            os.replace(tmp, sidecar_path(self.path))
        _, qps = self._recall_at(ids[: min(len(ids), 300)], exact[: min(len(ids), 300)], k, hi)
        return RecallReport(rec(hi), k, len(ids), hi, self.n_trees, qps, self._exact_qps(ids, k))

    def unload(self) -> None:
        """Release the memory map."""
        self._ann.unload()


def _recall_only(ann, ids: np.ndarray, exact: np.ndarray, k: int, sk: int) -> float:
    get = ann.get_nns_by_item
    hits = 0
    for i, truth in zip(ids.tolist(), exact):
        got = get(i, k + 1, sk)
        hits += len(set(j for j in got if j != i).intersection(truth.tolist()))
    return hits / (len(ids) * k)
