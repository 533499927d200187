"""Points in 2-D and clusters: PCA (numpy), t-SNE (scikit-learn, the ``explore`` extra), UMAP
(umap-learn, the ``umap`` extra), and k-means (numpy) for colouring a map.

The optional libraries are imported only when their method is asked for; a missing one raises
:class:`~pretrained.errors.MissingDependencyError` naming the extra to install.

Examples
--------
>>> import numpy as np
>>> X = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1]], dtype=np.float32)
>>> pca_2d(X).shape
(3, 2)
>>> project(X, "pca").shape
(3, 2)
>>> kmeans(np.array([[0.0, 0], [0, 0.1], [5, 5], [5, 5.1]]), 2).tolist()
[0, 0, 1, 1]
"""

from __future__ import annotations

import logging
from typing import Dict, Optional

import numpy as np

from pretrained.errors import ProjectionError

__all__ = ["METHODS", "MAX_POINTS", "ProjectionError", "pca_2d", "project", "check_method", "check_size", "kmeans"]

logger = logging.getLogger(__name__)

METHODS = ("pca", "tsne", "umap")

# Default caps on the points each method takes: t-SNE and UMAP grow roughly as n log n in time
# but hold n x neighbours graphs in memory and take minutes beyond these; PCA is one SVD.
MAX_POINTS: Dict[str, int] = {"pca": 100_000, "tsne": 20_000, "umap": 20_000}


def check_method(method: str) -> str:
    """``method`` lower-cased when it is one of :data:`METHODS`, else a :class:`ProjectionError`."""
    m = str(method).lower()
    if m not in METHODS:
        raise ProjectionError(f"unknown projection method {method!r}: choose one of {', '.join(METHODS)}")
    return m


def check_size(method: str, n: int, max_points: Optional[int] = None) -> None:
    """Raise a :class:`ProjectionError` when ``n`` points are more than ``method`` takes by default
    (or than ``max_points``)."""
    cap = MAX_POINTS[check_method(method)] if max_points is None else int(max_points)
    if n > cap:
        raise ProjectionError(
            f"{n:,} points are more than {method} takes here (at most {cap:,}): choose fewer words, "
            f"use method='pca', or raise the cap (max_points=N, --max-points N) if you can wait"
        )


def pca_2d(X: np.ndarray) -> np.ndarray:
    """Project the rows of ``X`` on their first two principal components (centred SVD).

    Returns an ``(n, 2)`` float64 array; the sign of each axis is fixed so that the largest
    coordinate is positive, which keeps maps stable from run to run. Fewer than two informative
    directions give zeros in the missing column.
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"need a non-empty 2-D array, got shape {X.shape}")
    C = X - X.mean(axis=0)
    if X.shape[0] > 4 * X.shape[1]:  # tall: the d x d scatter matrix's eigenvectors, much faster
        w, V = np.linalg.eigh(C.T @ C)
        Vt = V[:, np.argsort(-w, kind="stable")].T
    else:
        _, _, Vt = np.linalg.svd(C, full_matrices=False)
    out = np.zeros((X.shape[0], 2))
    k = min(2, Vt.shape[0])
    out[:, :k] = C @ Vt[:k].T
    for j in range(k):
        col = out[:, j]
        if col[np.argmax(np.abs(col))] < 0:
            out[:, j] = -col
    return out


def _require(method: str):
    from pretrained import optional

    if method == "tsne":
        return optional.require("sklearn.manifold", "explore").TSNE
    return optional.require("umap", "umap").UMAP


def _tsne(X: np.ndarray, seed: int) -> np.ndarray:
    TSNE = _require("tsne")
    n = X.shape[0]
    perplexity = float(max(1.0, min(30.0, (n - 1) / 3.0)))
    model = TSNE(n_components=2, perplexity=perplexity, metric="cosine", init="pca", random_state=seed)
    return model.fit_transform(X)


def _umap(X: np.ndarray, seed: int) -> np.ndarray:
    UMAP = _require("umap")
    n = X.shape[0]
    model = UMAP(
        n_components=2,
        n_neighbors=int(min(15, n - 1)),
        metric="cosine",
        random_state=seed,
        n_jobs=1,
        init="spectral" if n > 16 else "random",
    )
    return model.fit_transform(X)


_MIN_POINTS = {"pca": 1, "tsne": 4, "umap": 4}


def project(X: np.ndarray, method: str = "pca", *, seed: int = 0, max_points: Optional[int] = None) -> np.ndarray:
    """The rows of ``X`` placed in 2-D by ``method`` (``"pca"``, ``"tsne"`` or ``"umap"``).

    Returns an ``(n, 2)`` float64 array. t-SNE and UMAP use cosine distance and ``seed``, so a map
    is the same from run to run; they refuse more than :data:`MAX_POINTS` points unless
    ``max_points`` raises the cap.
    """
    method = check_method(method)
    X = np.asarray(X, dtype=np.float32)
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"need a non-empty 2-D array, got shape {X.shape}")
    n = X.shape[0]
    check_size(method, n, max_points)
    if method == "pca":
        return pca_2d(X)
    if n < _MIN_POINTS[method]:
        raise ProjectionError(f"{method} needs at least {_MIN_POINTS[method]} points, got {n}: use method='pca'")
    fit = _tsne if method == "tsne" else _umap
    logger.info("projecting %d points with %s", n, method)
    return np.asarray(fit(X, seed), dtype=np.float64)


def _kmeans_pp(X: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k-means++ seeding: each next centre drawn with probability proportional to squared distance."""
    centres = [X[rng.integers(len(X))]]
    d2 = ((X - centres[0]) ** 2).sum(axis=1)
    for _ in range(1, k):
        total = d2.sum()
        i = int(rng.choice(len(X), p=d2 / total)) if total > 0 else int(rng.integers(len(X)))
        centres.append(X[i])
        d2 = np.minimum(d2, ((X - X[i]) ** 2).sum(axis=1))
    return np.array(centres, dtype=np.float64)


def kmeans(X: np.ndarray, k: int, *, seed: int = 0, iterations: int = 100) -> np.ndarray:
    """Cluster the rows of ``X`` into ``k`` groups (Lloyd's algorithm, k-means++ start, numpy).

    Returns one int per row; clusters are numbered by their size, 0 the largest, ties by first
    member, so labels are stable from run to run with the same ``seed``.
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"need a non-empty 2-D array, got shape {X.shape}")
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    k = min(int(k), X.shape[0])
    rng = np.random.default_rng(seed)
    centres = _kmeans_pp(X, k, rng)
    labels = np.full(X.shape[0], -1)
    sq = (X**2).sum(axis=1)[:, None]
    for _ in range(iterations):
        d2 = sq - 2 * X @ centres.T + (centres**2).sum(axis=1)[None, :]
        new = d2.argmin(axis=1)
        if np.array_equal(new, labels):
            break
        labels = new
        for j in range(k):
            members = labels == j
            if members.any():
                centres[j] = X[members].mean(axis=0)
    sizes = np.bincount(labels, minlength=k)
    first = np.array([np.argmax(labels == j) if sizes[j] else len(X) for j in range(k)])
    order = sorted(range(k), key=lambda j: (-sizes[j], first[j]))
    rank = np.empty(k, dtype=np.int64)
    rank[order] = np.arange(k)
    return rank[labels]
