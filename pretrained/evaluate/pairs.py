"""Word-pair correlation with gensim's rules (``evaluate_word_pairs``: WordSim353, SimLex-999)."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, List, Optional

import numpy as np

from pretrained.core import scoring
from pretrained.errors import FormatError
from pretrained.evaluate.datasets import PathLike, ok_vocab, read_pairs, resolve
from pretrained.evaluate.results import PairsResult

if TYPE_CHECKING:  # pragma: no cover
    from pretrained.core.vectors import Vectors

__all__ = ["evaluate_pairs"]

logger = logging.getLogger(__name__)


def evaluate_pairs(
    vectors: Vectors,
    path: Optional[PathLike] = None,
    *,
    delimiter: str = "\t",
    encoding: str = "utf8",
    restrict_vocab: Optional[int] = 300000,
    case_insensitive: bool = True,
    dummy4unknown: bool = False,
) -> PairsResult:
    """Spearman and Pearson correlation between cosine similarity and human similarity scores,
    with the rules of gensim's ``evaluate_word_pairs``.

    Parameters
    ----------
    path
        Lines ``word1<TAB>word2<TAB>score``; lines starting with ``#`` are comments, malformed lines
        are skipped. ``"wordsim353"`` (the default) and ``"simlex999"`` name the files gensim ships.
    restrict_vocab, case_insensitive, dummy4unknown
        As in :func:`evaluate_analogies` (``dummy4unknown`` scores unknown pairs as 0.0).

    Returns
    -------
    PairsResult
        ``spearman``, ``pearson`` (with p-values), ``pairs`` used, ``oov`` pairs, ``seconds``.

    Examples
    --------
    >>> import numpy as np, os, tempfile
    >>> from pretrained import Vectors, evaluate_pairs
    >>> v = Vectors(["cat", "dog", "car"], np.array([[1, 0.2], [1, 0.3], [0, 1]], dtype=np.float32))
    >>> path = os.path.join(tempfile.mkdtemp(), "p.tsv")
    >>> with open(path, "w") as f:
    ...     _ = f.write("# w1\\tw2\\tscore\\ncat\\tdog\\t9\\ncat\\tcar\\t2\\ndog\\tcar\\t3\\ncat\\tfish\\t5\\n")
    >>> r = evaluate_pairs(v, path)
    >>> round(r.spearman, 3), r.pairs, r.oov
    (1.0, 3, 1)
    """
    started = time.perf_counter()
    path = resolve(path, "wordsim353")
    words = vectors.index_to_key
    vocab = ok_vocab(words, scoring.window(len(words), restrict_vocab), case_insensitive)
    gold: List[float] = []
    left: List[int] = []
    right: List[int] = []
    oov = 0
    for line_no, a, b, value, line in read_pairs(path, delimiter, encoding, case_insensitive):
        ia, ib = vocab.get(a), vocab.get(b)
        if ia is None or ib is None:
            oov += 1
            if dummy4unknown:
                gold.append(value)
                left.append(-1)
                right.append(-1)
            else:
                logger.info("skipping line #%d with unknown words: %s", line_no, line.strip())
            continue
        gold.append(value)
        left.append(ia)
        right.append(ib)
    if not gold:
        raise FormatError(
            f"no usable similarity judgements (all malformed or with words unknown to {vectors!r})", str(path)
        )
    ia_arr, ib_arr = np.array(left, dtype=np.intp), np.array(right, dtype=np.intp)
    known = ia_arr >= 0
    model = np.zeros(len(gold), dtype=np.float64)
    if known.any():
        ua = vectors.unit_rows(ia_arr[known])
        ub = vectors.unit_rows(ib_arr[known])
        model[known] = np.einsum("ij,ij->i", ua, ub)
    from pretrained import optional

    stats = optional.require("scipy.stats", "evaluate")
    spearman = stats.spearmanr(gold, model)
    pearson = stats.pearsonr(gold, model)
    pairs = len(gold) if not dummy4unknown else len(gold) - oov
    result = PairsResult(
        spearman=float(spearman[0]),
        pearson=float(pearson[0]),
        spearman_pvalue=float(spearman[1]),
        pearson_pvalue=float(pearson[1]),
        pairs=pairs,
        oov=oov,
        seconds=time.perf_counter() - started,
        path=str(path),
    )
    logger.info(
        "%s: spearman %.4f, pearson %.4f, %d pairs with unknown words", path, result.spearman, result.pearson, oov
    )
    return result
