"""Word-analogy accuracy with gensim's rules (``evaluate_word_analogies``), exact or through an index.

See the example in :mod:`pretrained.evaluate`.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any, List, Optional

from pretrained.core import scoring
from pretrained.evaluate.datasets import PathLike, ok_vocab, read_analogies, resolve
from pretrained.evaluate.results import AnalogyResult, Question, SectionResult, merge_sections
from pretrained.evaluate.scorer import answer_exact, answer_index

if TYPE_CHECKING:  # pragma: no cover
    from pretrained.core.vectors import Vectors

__all__ = ["evaluate_analogies"]

logger = logging.getLogger(__name__)


def evaluate_analogies(
    vectors: Vectors,
    path: Optional[PathLike] = None,
    *,
    restrict_vocab: Optional[int] = 300000,
    method: str = "add",
    index: Any = None,
    case_insensitive: bool = True,
    dummy4unknown: bool = False,
    search_k: Optional[int] = None,
    n_jobs: int = -1,
) -> AnalogyResult:
    """Accuracy on word analogies ``a : b :: c : expected``, with gensim's rules.

    Parameters
    ----------
    vectors
        A :class:`~pretrained.Vectors`.
    path
        An analogy file: ``: section`` header lines, then lines of four words. Default: Google's
        ``questions-words.txt`` as shipped by gensim.
    restrict_vocab
        Only the first ``restrict_vocab`` words are candidates, and questions using any other word
        are skipped (gensim's default 300000; ``None`` for all).
    method
        ``"add"`` (3CosAdd, gensim's) or ``"mul"`` (3CosMul).
    index
        A neighbour index with ``analogy_batch`` (from ``Vectors.index()``): answer through it
        (approximate) instead of the exact search.
    case_insensitive
        Upper-case every word before looking it up; the first (most frequent) case variant of a
        word stands for it, and a candidate that is a case variant of an input word is passed over.
    dummy4unknown
        Count questions with unknown words as wrong instead of skipping them.
    search_k, n_jobs
        Passed to the index.

    Returns
    -------
    AnalogyResult
        ``accuracy``, ``sections``, ``semantic``, ``syntactic``, ``skipped``, ``seconds``.

    Examples
    --------
    >>> import pretrained                                   # doctest: +SKIP
    >>> r = pretrained.evaluate_analogies(pretrained.load("glove.6B.50d"))  # doctest: +SKIP
    >>> round(100 * r.accuracy, 1), round(100 * r.semantic, 1)          # doctest: +SKIP
    (46.4, 48.8)
    """
    scoring.check_method(method)
    started = time.perf_counter()
    path = resolve(path, "questions-words")
    words = vectors.index_to_key
    end = scoring.window(len(words), restrict_vocab)
    vocab = ok_vocab(words, end, case_insensitive)
    parsed = read_analogies(path, vocab, case_insensitive, dummy4unknown)
    logger.info(
        "evaluating %d analogies (%d skipped) on the first %d words of %s", len(parsed.rows), parsed.skipped, end, path
    )
    if index is not None:
        correct = answer_index(
            vectors, index, parsed, restrict_vocab, method, vocab, case_insensitive, search_k, n_jobs
        )
        through = "index"
    else:
        correct = answer_exact(vectors, parsed, end, method, vocab, case_insensitive, n_jobs)
        through = "exact"
    right: List[List[Question]] = [[] for _ in parsed.names]
    wrong: List[List[Question]] = [[] for _ in parsed.names]
    for sec, keys, ok in zip(parsed.section_of, parsed.keys, correct):
        (right if ok else wrong)[sec].append(keys)
    sections = tuple(SectionResult(n, tuple(r), tuple(w)) for n, r, w in zip(parsed.names, right, wrong))
    for s in sections:
        if s.total:
            logger.info("%s: %.1f%% (%i/%i)", s.name, 100 * s.accuracy, s.correct, s.total)
    total = merge_sections("Total accuracy", sections)
    result = AnalogyResult(
        sections=sections,
        total=total,
        skipped=parsed.skipped,
        questions=parsed.questions,
        seconds=time.perf_counter() - started,
        method=method,
        restrict_vocab=restrict_vocab,
        path=str(path),
        through=through,
    )
    logger.info(
        "Total accuracy: %.1f%% (%i/%i) in %.2f s", 100 * result.accuracy, total.correct, total.total, result.seconds
    )
    return result
