"""Answering analogy questions: exactly, by the tiled scorer of :mod:`pretrained.core.scoring` over
blocks of questions on worker threads, or through a neighbour index; gensim's rule for choosing
the answer among the candidates."""

from __future__ import annotations

import importlib.util
import logging
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from pretrained import progress, threads
from pretrained.core import scoring
from pretrained.errors import IndexUnavailableError
from pretrained.evaluate.datasets import Parsed

__all__ = [
    "answer_exact",
    "answer_index",
    "gensim_pick",
    "IndexUnavailableError",
    "QUERY_BLOCK",
    "VOCAB_TILE",
    "GENSIM_TOPN",
]

logger = logging.getLogger(__name__)

# Query rows per block and vocabulary columns per tile: a 512 x 4096 float32 tile (8 MiB per
# worker thread, allocated once) keeps single-threaded BLAS near its peak while the tile is
# masked and reduced soon after it is written. Larger or smaller tiles measured no better here.
QUERY_BLOCK = 512
VOCAB_TILE = scoring.VOCAB_TILE
GENSIM_TOPN = 5  # gensim looks at this many candidates for the first non-input word


def gensim_pick(
    candidates: Sequence[str], ignore: set, ok_vocab: Dict[str, int], case_insensitive: bool
) -> Optional[str]:
    """gensim's choice among its candidates: the first known word that is not an input; when none
    qualifies, the last candidate looked at."""
    predicted = None
    for word in candidates:
        predicted = word.upper() if case_insensitive else word
        if predicted in ok_vocab and predicted not in ignore:
            break
    return predicted


def _terms(units: np.ndarray, method: str) -> List[np.ndarray]:
    """The scorer's terms for questions whose (a, b, c) unit vectors are ``units`` (n, 3, dim):
    ``b + c - a`` for 3CosAdd (its length does not change the ranking), ``b, c`` over ``a`` for
    3CosMul."""
    if method == "add":
        return [np.ascontiguousarray(units[:, 1] + units[:, 2] - units[:, 0])]
    return [np.ascontiguousarray(units[:, k]) for k in (1, 2, 0)]


def _canonical_rows(
    words: Sequence[str], rows: np.ndarray, ok_vocab: Dict[str, int], case_insensitive: bool
) -> np.ndarray:
    """The row gensim's (upper-cased) lookup lands on, for each of ``rows`` (rows of the window):
    looked up for the best rows of a block only, not for the whole window."""
    if not case_insensitive:
        return rows
    return np.fromiter((ok_vocab[words[r].upper()] for r in rows.tolist()), dtype=np.intp, count=rows.shape[0])


def answer_exact(
    vectors, parsed: Parsed, end: int, method: str, ok_vocab, case_insensitive: bool, n_jobs: Optional[int]
) -> List[bool]:
    """Whether each parsed question is answered right by the exact search over the first ``end``
    words (questions with unknown words stay wrong)."""
    words = vectors.index_to_key
    rows = np.array(parsed.rows, dtype=np.intp).reshape(-1, 4)
    correct = np.zeros(rows.shape[0], dtype=bool)
    todo = np.flatnonzero((rows >= 0).all(axis=1))
    if todo.size == 0:
        return correct.tolist()
    scorer = scoring.TiledScorer(vectors.vectors, vectors.inverse_norms, end, tile=VOCAB_TILE, prepared=True)
    n_neg = 0 if method == "add" else 1

    def block(sel: np.ndarray) -> np.ndarray:
        inp = rows[sel, :3]
        units = vectors.unit_rows(inp)
        if method == "add":
            best_row, _ = scorer.best(_terms(units, method), inp, n_neg)
        else:  # questions share words: score each distinct word once per tile, then gather
            distinct, where = np.unique(inp, return_inverse=True)
            where = where.reshape(inp.shape)
            picks = [np.ascontiguousarray(where[:, k]) for k in (1, 2, 0)]
            best_row, _ = scorer.best_analogy_cosmul(vectors.unit_rows(distinct), picks, inp)
        valid = best_row >= 0
        pred = np.full(best_row.shape, -1, np.intp)
        pred[valid] = _canonical_rows(words, best_row[valid], ok_vocab, case_insensitive)
        # the best word is a case variant of an input: gensim looks further down its top 5
        clash = valid & (pred[:, None] == inp).any(axis=1)
        ok = valid & ~clash & (pred == rows[sel, 3])
        for j in np.flatnonzero(clash | ~valid):
            keys = parsed.keys[int(sel[j])]
            cand, _ = scorer.top_k(_terms(units[j : j + 1], method), GENSIM_TOPN, inp[j : j + 1], n_neg)
            picked = gensim_pick([words[i] for i in cand[0] if i >= 0], set(keys[:3]), ok_vocab, case_insensitive)
            ok[j] = picked == keys[3]
        return ok

    blocks = [todo[s : s + QUERY_BLOCK] for s in range(0, todo.size, QUERY_BLOCK)]
    _run(block, blocks, correct, n_jobs)
    return correct.tolist()


def _run(block, blocks: List[np.ndarray], correct: np.ndarray, n_jobs: Optional[int]) -> None:
    """``correct[sel] = block(sel)`` for every block, on worker threads with single-threaded BLAS
    each (or one thread with BLAS's own threads when BLAS cannot be limited)."""
    workers = threads.workers(n_jobs, len(blocks))
    if workers > 1 and importlib.util.find_spec("threadpoolctl") is None:
        workers = 1
    total = int(sum(len(b) for b in blocks))
    with (
        progress.bar(total, "analogies", unit="q", min_total=2) as bar,
        threads.blas_threads(1 if workers > 1 else None),
    ):
        if workers > 1:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(workers, thread_name_prefix="pretrained-evaluate") as pool:
                for sel, ok in zip(blocks, pool.map(block, blocks)):
                    correct[sel] = ok
                    bar.update(len(sel))
        else:
            for sel in blocks:
                correct[sel] = block(sel)
                bar.update(len(sel))


def answer_index(
    vectors, index: Any, parsed: Parsed, restrict_vocab, method: str, ok_vocab, case_insensitive: bool, search_k, n_jobs
) -> List[bool]:
    """Whether each parsed question is answered right through ``index.analogy_batch``."""
    batch = getattr(index, "analogy_batch", None)
    if batch is None:
        raise IndexUnavailableError(f"{index!r} has no analogy_batch(); pass an index made by Vectors.index()")
    words = vectors.index_to_key
    todo = [q for q, r in enumerate(parsed.rows) if -1 not in r]
    triples = [tuple(words[i] for i in parsed.rows[q][:3]) for q in todo]
    correct = [False] * len(parsed.rows)
    if not triples:
        return correct
    answers = batch(
        triples, topn=GENSIM_TOPN, method=method, search_k=search_k, n_jobs=n_jobs, restrict_vocab=restrict_vocab
    )
    for q, neighbours in zip(todo, answers):
        keys = parsed.keys[q]
        picked = gensim_pick([w for w, _ in neighbours], set(keys[:3]), ok_vocab, case_insensitive)
        correct[q] = picked == keys[3]
    return correct
