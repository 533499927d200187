"""2-D maps of words: PCA, t-SNE or UMAP (:mod:`pretrained.viz.projection`), drawn with matplotlib
(the ``plot`` extra, imported only when a map is drawn).

Examples
--------
>>> import numpy as np
>>> from pretrained import Vectors
>>> from pretrained.viz.plot import pca_2d
>>> v = Vectors(["a", "b", "c"], np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1]], dtype=np.float32))
>>> pca_2d(v[["a", "b", "c"]]).shape
(3, 2)
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, List, Optional, Sequence, Tuple, Union

import numpy as np

from pretrained.cache.atomic import atomic_path
from pretrained.viz.projection import check_method, pca_2d, project

if TYPE_CHECKING:  # pragma: no cover
    from pretrained.core.vectors import Vectors

__all__ = ["pca_2d", "map_words", "plot_words", "save_map"]

logger = logging.getLogger(__name__)

PathLike = Union[str, "os.PathLike[str]"]

# one colour per query word (tab10 without the greys), its neighbours in the same colour
_COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#bcbd22", "#17becf"]


def map_words(
    vectors: Vectors, words: Sequence[str], *, neighbours: int = 0, method: str = "pca", seed: int = 0
) -> Tuple[List[str], List[int], np.ndarray]:
    """The words on a map and their 2-D coordinates.

    Returns ``(labels, group, xy)``: every query word followed by its ``neighbours`` nearest words
    (each word once), ``group[i]`` the position of the query word that brought label ``i``, and
    the coordinates by ``method`` (``"pca"``, ``"tsne"`` or ``"umap"``, see
    :func:`pretrained.viz.projection.project`). Unknown query words raise
    :class:`~pretrained.errors.WordNotFoundError`.
    """
    method = check_method(method)
    words = list(dict.fromkeys(words))
    if not words:
        raise ValueError("give at least one word to plot")
    vectors.indices(words)  # raise on the first unknown word, naming it
    labels: List[str] = list(words)
    group: List[int] = list(range(len(words)))
    if neighbours and neighbours > 0:
        seen = set(labels)
        for g, result in enumerate(vectors.most_similar_batch(words, topn=int(neighbours))):
            for w, _ in result:
                if w not in seen:
                    seen.add(w)
                    labels.append(w)
                    group.append(g)
    xy = project(vectors[labels], method, seed=seed) if len(labels) > 1 else np.zeros((1, 2))
    return labels, group, xy


def _matplotlib():
    from pretrained import optional

    agg = optional.require("matplotlib.backends.backend_agg", "plot")
    return optional.require("matplotlib.figure", "plot").Figure, agg.FigureCanvasAgg


def plot_words(
    vectors: Vectors,
    words: Sequence[str],
    *,
    neighbours: int = 0,
    method: str = "pca",
    title: Optional[str] = None,
    figsize: Tuple[float, float] = (8.0, 6.0),
):
    """Draw a labelled 2-D map of ``words``, each optionally with its ``neighbours`` nearest words
    in the same colour, and return the matplotlib ``Figure``. ``method`` places the points:
    ``"pca"`` (numpy), ``"tsne"`` (the ``explore`` extra) or ``"umap"`` (the ``umap`` extra).

    The figure is made without ``pyplot`` (no window, no global state); show it in a notebook by
    leaving it as the cell's value, or save it with ``fig.savefig("map.png")`` or :func:`save_map`.

    Examples
    --------
    >>> import pretrained                                          # doctest: +SKIP
    >>> from pretrained.viz.plot import plot_words                     # doctest: +SKIP
    >>> v = pretrained.load("glove.6B.50d")                        # doctest: +SKIP
    >>> fig = plot_words(v, ["hotel", "motel", "resort", "inn", "banana", "guitar"])  # doctest: +SKIP
    >>> fig.savefig("map.png")                                     # doctest: +SKIP
    """
    Figure, FigureCanvasAgg = _matplotlib()
    labels, group, xy = map_words(vectors, words, neighbours=neighbours, method=method)
    n_query = len(dict.fromkeys(words))
    fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    colours = [_COLOURS[g % len(_COLOURS)] for g in group]
    is_query = np.arange(len(labels)) < n_query
    ax.scatter(xy[~is_query, 0], xy[~is_query, 1], c=[c for c, q in zip(colours, is_query) if not q], s=18, alpha=0.55)
    ax.scatter(
        xy[is_query, 0],
        xy[is_query, 1],
        c=[c for c, q in zip(colours, is_query) if q],
        s=60,
        edgecolors="black",
        linewidths=0.6,
    )
    texts = []
    for i, label in enumerate(labels):
        ann = ax.annotate(
            label,
            (xy[i, 0], xy[i, 1]),
            xytext=(4, 4),
            textcoords="offset points",
            fontsize=11 if is_query[i] else 8.5,
            fontweight="bold" if is_query[i] else "normal",
            color=colours[i] if not is_query[i] else "black",
        )
        texts.append(ann)
    ax.margins(0.12)
    ax.set_xticks([])
    ax.set_yticks([])
    name = getattr(vectors, "name", None)
    shown = {"pca": "PCA", "tsne": "t-SNE", "umap": "UMAP"}[method.lower()]
    ax.set_title(title or f"{name + ': ' if name else ''}2-D {shown} map of {len(labels)} words", fontsize=11)
    axis = "principal component" if shown == "PCA" else f"{shown}"
    ax.set_xlabel(f"{axis} 1")
    ax.set_ylabel(f"{axis} 2")
    _spread_labels(fig, texts)
    return fig


def _spread_labels(fig, texts, rounds: int = 60) -> None:
    """Nudge overlapping labels apart vertically (in offset points) until none overlap or
    ``rounds`` passes are done; the points themselves never move."""
    if len(texts) < 2:
        return
    fig.canvas.draw()  # settles the layout and axis limits the label boxes depend on
    renderer = fig.canvas.get_renderer()
    px_to_pt = 72.0 / fig.dpi
    for _ in range(rounds):
        boxes = [t.get_window_extent(renderer) for t in texts]
        moved = False
        for i in range(len(texts)):
            for j in range(i + 1, len(texts)):
                a, b = boxes[i], boxes[j]
                if a.x1 <= b.x0 or b.x1 <= a.x0 or a.y1 <= b.y0 or b.y1 <= a.y0:
                    continue
                # move the later label away from the earlier one, half the overlap each way
                up = (b.y0 + b.y1) >= (a.y0 + a.y1)
                overlap = (a.y1 - b.y0) if up else (b.y1 - a.y0)
                step = (overlap / 2 + 1) * px_to_pt
                for t, sign in ((texts[j], 1 if up else -1), (texts[i], -1 if up else 1)):
                    x, y = t.xyann
                    t.xyann = (x, y + sign * step)
                moved = True
                boxes[i] = texts[i].get_window_extent(renderer)
                boxes[j] = texts[j].get_window_extent(renderer)
        if not moved:
            return


def save_map(
    vectors: Vectors,
    words: Sequence[str],
    path: PathLike,
    *,
    neighbours: int = 0,
    method: str = "pca",
    dpi: int = 120,
    **kwargs,
) -> Path:
    """:func:`plot_words` written to ``path`` (PNG, SVG or PDF by the extension) through a
    temporary file beside it, so a half-written picture never appears. Returns the path."""
    fig = plot_words(vectors, words, neighbours=neighbours, method=method, **kwargs)
    path = Path(os.fspath(path))
    fmt = path.suffix.lstrip(".").lower() or "png"
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=fmt, dpi=dpi)
    logger.info("wrote a map of %d words to %s", len(fig.axes[0].texts), path)
    return path
