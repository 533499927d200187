"""An interactive map of a vector space as one self-contained HTML file (the explorer page).

Everything the page needs is inlined: its script and style (``pretrained/explorer/``), the 2-D
coordinates, each point's nearest neighbours with their cosine scores (exact, computed here), the
groups that colour the points and, for sets up to :data:`ANALOGY_NUMBERS` numbers, the unit
vectors themselves so the page answers analogies. Nothing is fetched: the file opens from
``file://`` with no network and can be mailed as it is. ``page.html#q=hotel`` opens on hotel and
its neighbours; ``#a=man&b=king&c=woman`` on an analogy.

Which neighbours are listed: for every point, its K nearest among the points on the map; for the
words given with ``words=[...]``, their K nearest in the whole vocabulary (all of them are added to
the map).

Examples
--------
>>> import numpy as np, tempfile, os
>>> from pretrained import Vectors
>>> v = Vectors(["sku-1", "sku-2", "sku-3", "sku-4"], np.eye(4, dtype=np.float32) + 0.1)
>>> page = explore(v, neighbours=2, path=os.path.join(tempfile.mkdtemp(), "items.html"))
>>> page.count, page.analogy, page.path.read_text().count("http")
(4, True, 0)
"""

from __future__ import annotations

import base64
import html
import json
import logging
import os
import re
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from pretrained import threads
from pretrained.cache.atomic import atomic_path
from pretrained.core.scoring import VOCAB_TILE
from pretrained.errors import (
    FormatError,
    PretrainedError,
    UnknownWordsError,
)
from pretrained.progress import bar, phase
from pretrained.viz.projection import check_method, check_size, kmeans, project

if TYPE_CHECKING:  # pragma: no cover
    from pretrained.core.vectors import Vectors

__all__ = [
    "explore",
    "ExplorerPage",
    "UnknownWordsError",
    "read_groups",
    "DEFAULT_WORDS",
    "ANALOGY_NUMBERS",
    "FLOAT32_NUMBERS",
    "render",
]

logger = logging.getLogger(__name__)

PathLike = Union[str, "os.PathLike[str]"]
Groups = Union[None, str, "os.PathLike[str]", Mapping[str, str]]

DEFAULT_WORDS = 5000
# the page carries the unit vectors (for analogies) up to this many numbers (20,000 words x 300)
ANALOGY_NUMBERS = 6_000_000
# up to this many numbers they go as float32, beyond as float16 (half the bytes, 3 digits)
FLOAT32_NUMBERS = 1_000_000
_MAX_NEIGHBOURS = 100
_KMEANS = re.compile(r"^kmeans(?::(\d+))?$")
_DEFAULT_CLUSTERS = 8
_CHUNK = 2048
# query rows per matrix product: the block Vectors.most_similar_batch scores at once (the same
# shapes give bit-identical products; see _AllPairs)
_BLOCK = 256


@dataclass(frozen=True)
class ExplorerPage:
    """The page written by :func:`explore`: where, how many points, by which method, whether it
    answers analogies, its size in bytes, and words of a vocabulary list that were left out."""

    path: Path
    count: int
    method: str
    neighbours: int
    analogy: bool
    size: int
    missing: Tuple[str, ...] = ()

    def __repr__(self) -> str:
        miss = f", {len(self.missing)} unknown words left out" if self.missing else ""
        return f"<ExplorerPage {self.count:,} points ({self.method}), {self.size / 2**20:.1f} MiB: {self.path}{miss}>"


@dataclass
class _Points:
    labels: List[str]
    rows: np.ndarray
    origin: List[int]  # index of the given word that brought the point, -1 for the vocabulary list
    queries: List[str]
    results: list  # whole-vocabulary neighbours of each given word
    missing: Tuple[str, ...]


def _vocab_words(vectors: Vectors, vocab) -> List[str]:
    if isinstance(vocab, (int, np.integer)) and not isinstance(vocab, bool):
        if vocab < 1:
            raise ValueError(f"the number of words must be positive, got {vocab}")
        return list(vectors.index_to_key[: int(vocab)])
    if isinstance(vocab, (str, os.PathLike)):
        from pretrained.viz.projector_export import read_vocab_file

        return read_vocab_file(vocab)
    return [str(w) for w in vocab]


def _choose(vectors: Vectors, words, vocab, neighbours: int) -> _Points:
    """The points: given words, their whole-vocabulary neighbours, then the vocabulary list."""
    if isinstance(words, (int, np.integer)) and not isinstance(words, bool):
        if vocab is not None:
            raise ValueError("give the number of words either as words=N or as vocab=N, not both")
        words, vocab = None, words
    if isinstance(words, str):
        words = [words]
    if words is None and vocab is None:
        vocab = DEFAULT_WORDS
    queries = list(dict.fromkeys(words or []))
    where = f"the vocabulary of {vectors.name or 'these vectors'}"
    unknown = [w for w in queries if w not in vectors]
    if unknown:
        raise UnknownWordsError(unknown, where)
    results = vectors.most_similar_batch(queries, topn=neighbours) if queries else []
    seen: Dict[str, int] = {}
    labels: List[str] = []
    origin: List[int] = []

    def add(word: str, g: int) -> None:
        if word not in seen:
            seen[word] = len(labels)
            labels.append(word)
            origin.append(g)

    for g, q in enumerate(queries):
        add(q, g)
    for g, result in enumerate(results):
        for w, _ in result:
            add(w, g)
    missing: List[str] = []
    # the first N words of the set are in it: no lookup each (and no word -> row dictionary)
    first_n = isinstance(vocab, (int, np.integer)) and not isinstance(vocab, bool)
    for w in _vocab_words(vectors, vocab) if vocab is not None else []:
        if first_n or w in vectors:
            add(w, -1)
        elif w not in missing:
            missing.append(w)
    if missing:
        logger.warning(
            "%d words of the vocabulary list are not in %s, left out: %s", len(missing), where, ", ".join(missing[:10])
        )
    if not labels:
        raise UnknownWordsError(missing, where) if missing else ValueError("no words to place on the map")
    if first_n and not queries:  # labels are the first N words, in row order
        rows = np.arange(len(labels), dtype=np.intp)
    else:
        kti = vectors.key_to_index
        rows = np.fromiter((kti[w] for w in labels), dtype=np.intp, count=len(labels))
    return _Points(labels, rows, origin, queries, results, tuple(missing))


def _neighbours_reference(labels: List[str], U: np.ndarray, k: int) -> Tuple[np.ndarray, np.ndarray]:
    """The per-point path the page used before the blocked one (kept as the reference the tests and
    ``scripts/bench_explore.py`` compare against): ``most_similar_batch`` of every point among the
    points, 2,048 words at a time. (n, k) indices and cosine scores."""
    from pretrained.core.vectors import Vectors

    n = len(labels)
    nb = np.full((n, k), -1, dtype=np.int32)
    ns = np.zeros((n, k), dtype=np.float32)
    if k == 0:
        return nb, ns
    sub = Vectors(labels, U)
    at = sub.key_to_index
    for s in range(0, n, _CHUNK):
        for i, result in enumerate(sub.most_similar_batch(labels[s : s + _CHUNK], topn=k), start=s):
            for j, (w, score) in enumerate(result):
                nb[i, j], ns[i, j] = at[w], score
    return nb, ns


class _AllPairs:
    """Each row's exact top ``k`` among all rows (itself left out), equal to what
    ``Vectors.most_similar_batch`` returns for every row, computed in blocks on several threads.

    The scores are made by the very same products as ``most_similar_batch`` makes them (query
    blocks of :data:`_BLOCK` rows, vocabulary tiles of :data:`~pretrained.core.scoring.VOCAB_TILE`
    columns, the same buffer layout: BLAS rounds a small or one-row product differently from a
    large one, so the shapes are kept) and each candidate is scaled by its column's inverse norm as
    it does, so every score is bit-identical. What changes is the selection: rather than an
    ``argpartition`` of every score, a running threshold per row (its k-th best so far) picks the
    few candidates of each tile with one comparison, and the candidates are ranked (score
    descending, row ascending). That is the same answer wherever the k-th and (k+1)-th best
    scores differ; the rows where they are equal (a tie across the cut, where the old selection's
    choice depends on its partition order) are answered by the old path itself, block by block.
    """

    def __init__(self, X: np.ndarray, inv: np.ndarray, k: int):
        self.X, self.inv, self.k = X, inv, k
        self.n = X.shape[0]
        self.tile = max(1, min(VOCAB_TILE, self.n))
        # candidates are chosen on the unscaled products: |s * inv - s| <= |s| |inv - 1| plus
        # rounding, and |s| <= |q| |x| (q a row times its inverse norm), so with this slack no
        # row whose scaled score reaches the threshold is missed (more candidates are harmless)
        live = inv > 0
        norms = np.sqrt(np.einsum("ij,ij->i", X, X, dtype=np.float64))
        big = float(norms.max(initial=0.0)) if self.n else 0.0
        far = float(np.abs(inv[live].astype(np.float64) - 1).max(initial=0.0))
        reach = big * big * float(inv.max(initial=0.0)) * 1.01 + 1e-30
        self.slack = np.float32(2 * reach * (far + 2.0**-22) + 1e-12)

    def block(self, start: int, stop: int) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Rows ``start:stop``: (r, k) indices and scores, and which rows have a tie across the cut."""
        X, inv, k, n, tile = self.X, self.inv, self.k, self.n, self.tile
        r, keep = stop - start, k + 1
        Q = X[start:stop] * inv[start:stop, None]  # the unit queries, as Vectors.unit makes them
        buf = np.empty((r, tile), np.float32)
        above = np.empty(r * tile, bool)
        own = np.arange(start, stop)
        lanes = np.repeat(np.arange(r), keep)
        top_s = np.full((r, keep), -np.inf, np.float32)
        top_c = np.full((r, keep), n, np.int64)  # padding: sorts after every real row
        theta = np.full(r, -np.inf, np.float32)
        pend: List[Tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        pending = 0
        for t0 in range(0, n, tile):
            t1 = min(t0 + tile, n)
            w = t1 - t0
            S = buf[:, :w]
            np.matmul(Q, X[t0:t1].T, out=S)
            if t0 == 0:  # a first threshold: the k-th best scaled score of the first tile
                first = S * inv[t0:t1]
                mine = (own >= t0) & (own < t1)
                first[np.flatnonzero(mine), own[mine] - t0] = -np.inf
                theta = np.partition(first, w - k, axis=1)[:, w - k] if w > k else theta
            hit = above[: r * w].reshape(r, w)  # contiguous: a flat nonzero is many times faster
            np.greater_equal(S, (theta - self.slack)[:, None], out=hit)
            rows, cols = np.divmod(np.flatnonzero(hit), w)
            cols += t0
            mine = cols != rows + start
            rows, cols = rows[mine], cols[mine]
            pend.append((rows, cols, S[rows, cols - t0] * inv[cols]))
            pending += rows.size
            if pending > 4 * r * keep or t1 == n:
                top_s, top_c = self._merge(top_s, top_c, lanes, pend, r, keep)
                theta = top_s[:, k - 1].copy()
                pend, pending = [], 0
        tied = top_s[:, k] == top_s[:, k - 1]
        return top_c[:, :k], top_s[:, :k], tied

    @staticmethod
    def _merge(top_s, top_c, lanes, pend, r: int, keep: int) -> Tuple[np.ndarray, np.ndarray]:
        """The best ``keep`` per row (score descending, row ascending) of the kept and the new."""
        rows = np.concatenate([lanes] + [p[0] for p in pend])
        cols = np.concatenate([top_c.ravel()] + [p[1] for p in pend])
        scores = np.concatenate([top_s.ravel()] + [p[2] for p in pend])
        order = np.lexsort((cols, -scores, rows))
        first = np.searchsorted(rows[order], np.arange(r))  # each row has at least keep entries
        pick = order[first[:, None] + np.arange(keep)]
        return scores[pick], cols[pick]


def _neighbours_blocked(
    labels: List[str], U: np.ndarray, k: int, progress: Optional[bool] = None, n_jobs: Optional[int] = None
) -> Tuple[np.ndarray, np.ndarray]:
    """The same (n, k) indices and scores as :func:`_neighbours_reference`, in blocks of rows on
    ``n_jobs`` threads (default: every core), BLAS on one thread each."""
    from pretrained.core.vectors import Vectors

    n = len(labels)
    nb = np.full((n, k), -1, dtype=np.int32)
    ns = np.zeros((n, k), dtype=np.float32)
    if k == 0:
        return nb, ns
    sub = Vectors(labels, U)
    pairs = _AllPairs(np.asarray(sub.vectors), sub.inverse_norms, k)
    starts = list(range(0, n, _BLOCK))
    jobs = threads.workers(n_jobs, blocks=len(starts))
    tied_blocks: List[int] = []

    def run(start: int) -> int:
        stop = min(start + _BLOCK, n)
        rows, scores, tied = pairs.block(start, stop)
        nb[start:stop], ns[start:stop] = rows, scores
        if tied.any():
            tied_blocks.append(start)
        return stop - start

    blas = threads.blas_threads(1 if jobs > 1 else None)
    with bar(n, "neighbours", unit="word", enabled=progress, min_total=20000) as b, blas:
        if jobs == 1:
            for s in starts:
                b.update(run(s))
        else:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(jobs) as pool:
                for done in pool.map(run, starts):
                    b.update(done)
    at = sub.key_to_index
    for start in sorted(tied_blocks):  # a tie across the cut: the old path's own choice
        stop = min(start + _BLOCK, n)
        for i, result in enumerate(sub.most_similar_batch(labels[start:stop], topn=k), start=start):
            nb[i], ns[i] = -1, 0
            for j, (w, score) in enumerate(result):
                nb[i, j], ns[i, j] = at[w], score
    if tied_blocks:
        logger.debug("%d blocks of %d rows had a tie across the k-th neighbour", len(tied_blocks), _BLOCK)
    return nb, ns


def _neighbour_table(points: _Points, U: np.ndarray, k: int, progress: Optional[bool]) -> Tuple[np.ndarray, np.ndarray]:
    """(n, k) indices (-1 where fewer exist) and cosine scores: among the points, except the given
    words, whose rows hold their whole-vocabulary neighbours."""
    nb, ns = _neighbours_blocked(points.labels, U, k, progress)
    if k == 0:
        return nb, ns
    at = {w: i for i, w in enumerate(points.labels)}
    for q, result in zip(points.queries, points.results):
        i = at[q]
        nb[i], ns[i] = -1, 0
        for j, (w, score) in enumerate(result[:k]):
            nb[i, j], ns[i, j] = at[w], score
    return nb, ns


def read_groups(path: PathLike) -> Dict[str, str]:
    """``word<TAB>group`` lines from a UTF-8 file (blank lines and lines starting with ``#``
    skipped); a line without a tab raises :class:`~pretrained.errors.FormatError` naming it."""
    out: Dict[str, str] = {}
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            line = line.rstrip("\r\n")
            if not line.strip() or line.startswith("#"):
                continue
            word, tab, group = line.partition("\t")
            if not tab or not word or not group.strip():
                raise FormatError("a groups line must be word<TAB>group", path=os.fspath(path), line=number)
            out[word] = group.strip()
    return out


def _cluster_names(U: np.ndarray, labels: List[str], codes: np.ndarray, k: int) -> List[str]:
    names = []
    for j in range(k):
        members = np.flatnonzero(codes == j)
        centre = U[members].mean(axis=0)
        best = members[np.argsort(-(U[members] @ centre), kind="stable")[:3]]
        names.append(f"{j + 1}: " + ", ".join(labels[i] for i in best))
    return names


def _groups(groups: Groups, points: _Points, U: np.ndarray, seed: int) -> Tuple[List[str], np.ndarray, str]:
    """Group names, one code per point, and a note on where the groups came from."""
    n = len(points.labels)
    if groups is None:
        if not points.queries:
            return [], np.zeros(n, dtype=np.uint16), ""
        names = list(points.queries) + (["other"] if min(points.origin) < 0 else [])
        codes = np.array([g if g >= 0 else len(points.queries) for g in points.origin], dtype=np.uint16)
        return names, codes, "coloured by the given word each point came with"
    if isinstance(groups, str) and groups.lower().startswith("kmeans"):
        m = _KMEANS.match(groups.lower())
        if m is None or (m.group(1) is not None and int(m.group(1)) < 1):
            raise ValueError(f"groups={groups!r}: write 'kmeans' or 'kmeans:K' with K a positive number of clusters")
        k = min(int(m.group(1) or _DEFAULT_CLUSTERS), n)
        codes = kmeans(U, k, seed=seed)
        return (
            _cluster_names(U, points.labels, codes, k),
            codes.astype(np.uint16),
            f"{k} k-means clusters (cosine, seed {seed})",
        )
    table = dict(groups) if isinstance(groups, Mapping) else read_groups(groups)
    names = list(dict.fromkeys(str(table[w]) for w in points.labels if w in table))
    if len(names) > 60000:
        raise ValueError(f"{len(names):,} groups are too many to colour: at most 60,000")
    at = {g: i for i, g in enumerate(names)}
    none = len(names)
    codes = np.array([at[str(table[w])] if w in table else none for w in points.labels], dtype=np.uint16)
    if (codes == none).any():
        names.append("(no group)")
    source = "the given mapping" if isinstance(groups, Mapping) else os.fspath(groups)
    return names, codes, f"groups from {source}"


def _b64(array: np.ndarray, dtype: str) -> str:
    return base64.b64encode(np.ascontiguousarray(array, dtype=dtype).tobytes()).decode("ascii")


def _template() -> str:
    folder = resources.files("pretrained.viz") / "explorer"
    page = (folder / "explorer.html").read_text(encoding="utf-8")
    style = (folder / "explorer.css").read_text(encoding="utf-8")
    script = (folder / "explorer.js").read_text(encoding="utf-8")
    for name, text, end in (("style", style, "</style"), ("script", script, "</script")):
        if end in text.lower():  # pragma: no cover - a packaging mistake, caught by the tests
            raise PretrainedError(f"the explorer's {name} contains {end!r} and cannot be inlined")
    return page.replace("/*STYLE*/", style).replace("/*SCRIPT*/", script)


def render(data: dict, title: str) -> str:
    """The page's HTML for ``data`` (what :func:`explore` embeds), everything inlined."""
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False).replace("<", "\\u003c")
    parts = {"{{TITLE}}": html.escape(title), "{{DATA}}": payload}
    return re.sub(r"\{\{(TITLE|DATA)\}\}", lambda m: parts[m.group(0)], _template())


def _check_args(method: str, neighbours: int, path: PathLike) -> Tuple[str, int, Path]:
    method = check_method(method)
    if (
        isinstance(neighbours, bool)
        or not isinstance(neighbours, (int, np.integer))
        or not 1 <= neighbours <= _MAX_NEIGHBOURS
    ):
        raise ValueError(f"neighbours must be a whole number from 1 to {_MAX_NEIGHBOURS}, got {neighbours!r}")
    path = Path(os.fspath(path))
    if path.suffix.lower() not in (".html", ".htm"):
        raise ValueError(f"the explorer is an HTML page: give a path ending in .html, got {os.fspath(path)!r}")
    return method, int(neighbours), path


def _vectors_payload(U: np.ndarray, analogy: Optional[bool]) -> Tuple[Optional[dict], str]:
    numbers = U.size
    if analogy is False:
        return None, "analogies are off for this page (analogy=False)"
    if analogy is None and numbers > ANALOGY_NUMBERS:
        return None, (
            f"analogies need the vectors in the page: {U.shape[0]:,} x {U.shape[1]} = {numbers:,} numbers "
            f"is more than the {ANALOGY_NUMBERS:,} embedded by default (pass analogy=True to embed them anyway)"
        )
    dtype = "<f4" if numbers <= FLOAT32_NUMBERS else "<f2"
    return {"dtype": "float32" if dtype == "<f4" else "float16", "data": _b64(U, dtype)}, ""


def _data(
    vectors: Vectors, points: _Points, xy: np.ndarray, nb: np.ndarray, ns: np.ndarray, groups, U, analogy, method
) -> dict:
    names, codes, group_note = groups
    payload, analogy_note = _vectors_payload(U, analogy)
    size = len(vectors)
    scope = f"neighbours among the {len(points.labels):,} points on this map"
    if points.queries:
        shown = ", ".join(points.queries[:5]) + (" ..." if len(points.queries) > 5 else "")
        scope += f"; for {shown}: among all {size:,} words of the set"
    return {
        "name": vectors.name or "vectors",
        "method": method,
        "count": len(points.labels),
        "dim": int(U.shape[1]),
        "vocabulary": size,
        "k": int(nb.shape[1]),
        "labels": points.labels,
        "queries": points.queries,
        "xy": _b64(xy, "<f4"),
        "nb": _b64(nb, "<i4"),
        "ns": _b64(ns, "<f4"),
        "groups": {"names": names, "codes": _b64(codes, "<u2"), "note": group_note},
        "vectors": payload,
        "notes": {"neighbours": scope, "analogy": analogy_note},
    }


def explore(
    vectors: Vectors,
    words: Union[int, Sequence[str], None] = None,
    *,
    path: PathLike,
    vocab: Union[int, PathLike, Sequence[str], None] = None,
    method: str = "pca",
    neighbours: int = 10,
    groups: Groups = None,
    analogy: Optional[bool] = None,
    max_points: Optional[int] = None,
    seed: int = 0,
    title: Optional[str] = None,
    progress: Optional[bool] = None,
) -> ExplorerPage:
    """Write an interactive map of ``vectors`` to ``path``: one self-contained HTML file.

    Parameters
    ----------
    vectors : Vectors
        Any vectors: a loaded set, your own trained or item embeddings (labels need not be words).
    words : int or list of str, optional
        An int N places the first N words of the set. A list places those words (highlighted,
        coloured by word) and each one's ``neighbours`` nearest words in the whole vocabulary;
        unknown words raise :class:`UnknownWordsError` listing them all. With neither ``words``
        nor ``vocab``, the first :data:`DEFAULT_WORDS` words.
    path : str or PathLike
        The page to write (``.html``), through a temporary file renamed into place.
    vocab : int, path or list of str, optional
        More points: the first N words, or the words of a file (one a line) or list; words not
        in the set are left out and listed in :attr:`ExplorerPage.missing`.
    method : {"pca", "tsne", "umap"}
        How points are placed: PCA (numpy), t-SNE (``pip install 'pretrained[explore]'``) or UMAP
        (``pip install 'pretrained[umap]'``), all on the unit vectors (cosine geometry).
    neighbours : int
        K, the neighbours listed for a searched word (1 to 100), exact cosine computed here.
    groups : path, mapping, "kmeans" or "kmeans:K", optional
        Colours: a file of ``word<TAB>group`` lines, a ``{word: group}`` mapping, or K k-means
        clusters of the unit vectors (8 for plain ``"kmeans"``), each named by its three most
        central words. By default the given ``words`` colour the points they brought.
    analogy : bool, optional
        Embed the unit vectors so the page answers a : b :: c : ? among its points. By default
        on up to :data:`ANALOGY_NUMBERS` numbers (points x dim), off (with a note) beyond.
    max_points : int, optional
        Raise (or lower) the cap on points: 100,000 for PCA, 20,000 for t-SNE and UMAP.
    seed : int
        Seed of t-SNE, UMAP and k-means: the same page from run to run.
    title : str, optional
        The page's title (default: the set's name and the method).
    progress : bool, optional
        Progress bars for slow steps (None: when standard error is a terminal).

    Returns
    -------
    ExplorerPage
        The path, point count, method, K, whether analogies work, size in bytes, words left out.
    """
    method, k, path = _check_args(method, neighbours, path)
    started = time.perf_counter()
    points = _choose(vectors, words, vocab, k)
    n = len(points.labels)
    check_size(method, n, max_points)
    U = vectors.unit_rows(points.rows)  # the stored norms: no pass over the rows to find them
    if n == 1 or method == "pca":
        xy = project(U, "pca", max_points=max_points)
    else:
        with phase(f"{method} of {n:,} points", enabled=progress):
            xy = project(U, method, seed=seed, max_points=max_points)
    nb, ns = _neighbour_table(points, U, min(k, n - 1), progress)
    data = _data(vectors, points, xy, nb, ns, _groups(groups, points, U, seed), U, analogy, method)
    shown = {"pca": "PCA", "tsne": "t-SNE", "umap": "UMAP"}[method]
    text = render(data, title or f"{data['name']}: {n:,} points ({shown})")
    with atomic_path(path) as tmp:
        tmp.write_bytes(text.encode("utf-8"))
    size = path.stat().st_size
    logger.info(
        "wrote the explorer of %d points (%s) to %s: %.1f MiB in %.2f s",
        n,
        method,
        path,
        size / 2**20,
        time.perf_counter() - started,
    )
    return ExplorerPage(path, n, method, int(nb.shape[1]), data["vectors"] is not None, size, points.missing)
