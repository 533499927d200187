"""Export for the TensorFlow Embedding Projector (projector.tensorflow.org): ``vectors.tsv`` (one
row of tab-separated numbers per word) and ``metadata.tsv`` (the words, one per line, in the same
order; a single column, so no header line, as the Projector expects).

Examples
--------
>>> import numpy as np, tempfile
>>> from pretrained import Vectors
>>> from pretrained.viz.projector_export import export_projector
>>> v = Vectors(["a", "b", "c"], np.eye(3, dtype=np.float32))
>>> out = export_projector(v, tempfile.mkdtemp(), words=2)
>>> out.count, open(out.metadata).read().split()
(2, ['a', 'b'])
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, List, Tuple, Union, cast

import numpy as np

from pretrained.cache.atomic import atomic_path
from pretrained.errors import ArgumentError
from pretrained.interop.matrix import read_vocabulary
from pretrained.progress import bar

if TYPE_CHECKING:  # pragma: no cover
    from pretrained.core.vectors import Vectors

__all__ = ["export_projector", "ProjectorExport", "read_vocab_file"]

logger = logging.getLogger(__name__)

PathLike = Union[str, "os.PathLike[str]"]

_ROWS = 8192
_BAR_FROM = 50000  # words: smaller exports show no bar


@dataclass(frozen=True)
class ProjectorExport:
    """Where the two files went, how many words they hold, and the requested words not found."""

    vectors: Path
    metadata: Path
    count: int
    missing: Tuple[str, ...] = ()

    def __repr__(self) -> str:
        miss = f", {len(self.missing)} unknown words left out" if self.missing else ""
        return f"<ProjectorExport {self.count} words: {self.vectors} + {self.metadata}{miss}>"


def read_vocab_file(path: PathLike) -> List[str]:
    """Words from a file written by hand, one per line, surrounding whitespace and blank lines
    ignored: :func:`pretrained.read_vocabulary` with ``strip=True`` (kept for old callers)."""
    return read_vocabulary(path, strip=True)


def _write_text(path: Path, chunks: Iterable[str]) -> None:
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline="\n") as f:
        for chunk in chunks:
            f.write(chunk)


def export_projector(
    vectors: Vectors,
    out_dir: PathLike,
    *,
    words: Union[int, Iterable[str], None] = 10000,
) -> ProjectorExport:
    """Write ``vectors.tsv`` and ``metadata.tsv`` into ``out_dir`` (created if needed).

    Parameters
    ----------
    words
        An int ``N``: the first ``N`` words (the most frequent, in most sets; default 10000).
        A list of words: those, in that order, duplicates dropped; unknown words are left out,
        logged and listed in the result's ``missing``. ``None``: every word.

    Load both files at projector.tensorflow.org ("Load" -> vectors, then metadata).

    Raises
    ------
    ArgumentError
        A word to export that holds a tab or line break, or is empty or only whitespace
        (``''``, U+00A0, U+3000...): the Projector drops such metadata lines and the labels after
        it would shift onto the wrong vectors. The message names the word and its row.
    """
    if isinstance(words, (int, np.integer)) and not isinstance(words, bool):
        if words <= 0:
            raise ArgumentError(f"words must be positive, got {words}")
        rows = np.arange(min(int(words), len(vectors)))
        missing: Tuple[str, ...] = ()
    elif words is None:
        rows = np.arange(len(vectors))
        missing = ()
    else:
        wanted = list(dict.fromkeys(cast(Iterable[str], words)))  # words to export (a bool fails here as before)
        k2i = vectors.key_to_index
        rows = np.array([k2i[w] for w in wanted if w in k2i], dtype=np.intp)
        missing = tuple(w for w in wanted if w not in k2i)
        if missing:
            logger.warning(
                "%d of %d words are not in %r and were left out (e.g. %r)",
                len(missing),
                len(wanted),
                vectors,
                missing[0],
            )
    if rows.size == 0:
        raise ArgumentError("no words to export")
    labels = [vectors.index_to_key[i] for i in rows.tolist()]
    for row, w in zip(rows.tolist(), labels):
        if "\t" in w or "\n" in w or "\r" in w:
            raise ArgumentError(f"the word {w!r} (row {row}) contains a tab or line break and cannot go in a TSV file")
        if not w.replace("\ufeff", "").strip():
            raise ArgumentError(
                f"the word {w!r} (row {row}) is empty or only whitespace: the Projector skips such metadata "
                "lines, so every later label would sit on the wrong vector; rename or drop it before exporting"
            )
    out = Path(os.fspath(out_dir))
    out.mkdir(parents=True, exist_ok=True)
    V = vectors.vectors
    fmt = "\t".join(["%.6g"] * vectors.dim)

    def vector_lines():
        with bar(rows.size, "vectors.tsv", unit="word", min_total=_BAR_FROM) as progress:
            for s in range(0, rows.size, _ROWS):
                block = np.asarray(V[rows[s : s + _ROWS]], dtype=np.float32)
                yield "".join(fmt % tuple(r) + "\n" for r in block.tolist())
                progress.update(block.shape[0])

    vpath, mpath = out / "vectors.tsv", out / "metadata.tsv"
    _write_text(vpath, vector_lines())
    _write_text(mpath, (w + "\n" for w in labels))
    logger.info("wrote %d words for the Embedding Projector to %s", len(labels), out)
    return ProjectorExport(vpath, mpath, len(labels), missing)
