"""How good is a vector set? Word-analogy accuracy and word-pair correlation, with gensim's rules.

:func:`evaluate_analogies` answers the same questions as gensim's
``KeyedVectors.evaluate_word_analogies`` under the same rules (``restrict_vocab``, upper-casing
with ``case_insensitive``, questions with unknown words skipped, ``: section`` headers, a final
"Total accuracy"), but scores whole blocks of questions with one float32 matrix product against the
pre-normalised vocabulary and keeps only the best non-input word of each row.
:func:`evaluate_pairs` is gensim's ``evaluate_word_pairs`` (WordSim353, SimLex-999 format).

Examples
--------
>>> import numpy as np, os, tempfile
>>> from pretrained import Vectors, evaluate_analogies
>>> v = Vectors(["man", "woman", "king", "queen"],
...             np.array([[1, 0, 0], [1, 1, 0], [1, 0, 1], [1, 1, 1]], dtype=np.float32))
>>> path = os.path.join(tempfile.mkdtemp(), "q.txt")
>>> with open(path, "w") as f:
...     _ = f.write(": family\\nman woman king queen\\nman king woman queen\\nman king dog cat\\n")
>>> r = evaluate_analogies(v, path)
>>> r.accuracy, r.correct, r.skipped
(1.0, 2, 1)
"""
from __future__ import annotations

import contextlib
import importlib.util
import itertools
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np

from .errors import FormatError, PretrainedError

if TYPE_CHECKING:  # pragma: no cover
    from .vectors import Vectors

__all__ = [
    "evaluate_analogies",
    "evaluate_pairs",
    "AnalogyResult",
    "SectionResult",
    "PairsResult",
    "IndexUnavailableError",
    "dataset_path",
]

logger = logging.getLogger(__name__)

PathLike = Union[str, "os.PathLike[str]"]
Question = Tuple[str, str, str, str]

# Query rows per block and vocabulary columns per tile: a 512 x 4096 float32 tile (8 MiB per
# worker thread, allocated once) keeps single-threaded BLAS near its peak while the tile is
# masked and reduced soon after it is written. Larger or smaller tiles measured no better here.
_QUERY_BLOCK = 512
_VOCAB_TILE = 4096
_GENSIM_TOPN = 5  # gensim looks at this many candidates for the first non-input word

_DATASETS = {
    "questions-words": "questions-words.txt",
    "google": "questions-words.txt",
    "wordsim353": "wordsim353.tsv",
    "simlex999": "simlex999.txt",
}


class IndexUnavailableError(PretrainedError, RuntimeError):
    """Evaluation through an approximate index was asked for, but no index support is available."""


# --------------------------------------------------------------------------- datasets


def dataset_path(name: str) -> Path:
    """The path of a benchmark file shipped in gensim's wheel: ``"questions-words"`` (Google's
    analogies, alias ``"google"``), ``"wordsim353"`` or ``"simlex999"``.

    Examples
    --------
    >>> dataset_path("wordsim353").name
    'wordsim353.tsv'
    """
    try:
        filename = _DATASETS[name]
    except KeyError:
        raise ValueError(f"unknown benchmark {name!r}; known: {', '.join(sorted(_DATASETS))}, or pass a file path") from None
    try:
        from gensim.test.utils import datapath
    except ImportError as exc:  # pragma: no cover - gensim is a dependency
        from .errors import MissingDependencyError

        raise MissingDependencyError("gensim", "gensim") from exc
    path = Path(datapath(filename))
    if not path.is_file():
        raise FileNotFoundError(f"gensim does not ship {filename} (looked at {path})")
    return path


def _resolve(path: Optional[PathLike], default: str) -> Path:
    if path is None:
        return dataset_path(default)
    if isinstance(path, str) and path in _DATASETS and not os.path.exists(path):
        return dataset_path(path)
    return Path(os.fspath(path))


def _ok_vocab(words: Sequence[str], end: int, case_insensitive: bool) -> Dict[str, int]:
    """gensim's ``ok_vocab``: key -> row among the first ``end`` words; upper-cased keys map to
    the first (most frequent) case variant."""
    keys = words[:end]
    if case_insensitive:
        return {k.upper(): i for i, k in zip(range(len(keys) - 1, -1, -1), reversed(keys))}
    return {k: i for i, k in enumerate(keys)}


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class SectionResult:
    """One section of an analogy file (e.g. ``capital-common-countries``).

    ``correct`` and ``incorrect`` count the questions answered; ``questions_correct`` and
    ``questions_incorrect`` hold them as ``(a, b, c, expected)`` (upper-cased when
    ``case_insensitive``), as in gensim's result.
    """

    name: str
    questions_correct: Tuple[Question, ...] = ()
    questions_incorrect: Tuple[Question, ...] = ()

    @property
    def correct(self) -> int:
        return len(self.questions_correct)

    @property
    def incorrect(self) -> int:
        return len(self.questions_incorrect)

    @property
    def total(self) -> int:
        """Questions answered (right or wrong); skipped ones are not counted."""
        return self.correct + self.incorrect

    @property
    def accuracy(self) -> float:
        """Fraction answered right; 0.0 for a section with no answered question (as gensim)."""
        return self.correct / self.total if self.total else 0.0

    @property
    def semantic(self) -> bool:
        """Google's convention: syntactic sections are named ``gram...``."""
        return not self.name.startswith("gram")

    def to_dict(self) -> Dict[str, Any]:
        return {"section": self.name, "correct": self.correct, "total": self.total, "accuracy": self.accuracy}

    def __repr__(self) -> str:
        return f"<SectionResult {self.name!r}: {100 * self.accuracy:.1f}% ({self.correct}/{self.total})>"


def _merge(name: str, sections: Sequence[SectionResult]) -> SectionResult:
    return SectionResult(
        name,
        tuple(itertools.chain.from_iterable(s.questions_correct for s in sections)),
        tuple(itertools.chain.from_iterable(s.questions_incorrect for s in sections)),
    )


@dataclass(frozen=True)
class AnalogyResult:
    """The outcome of :func:`evaluate_analogies`; prints as a table.

    Attributes
    ----------
    sections
        One :class:`SectionResult` per ``: name`` header, in file order (without the total).
    total
        gensim's ``"Total accuracy"`` section: every answered question.
    skipped
        Questions left out because a word is not among the first ``restrict_vocab`` words.
    questions
        Well-formed question lines read (answered + skipped).
    seconds
        Wall time of the evaluation.
    """

    sections: Tuple[SectionResult, ...]
    total: SectionResult
    skipped: int
    questions: int
    seconds: float
    method: str = "add"
    restrict_vocab: Optional[int] = None
    path: Optional[str] = None
    through: str = "exact"

    @property
    def accuracy(self) -> float:
        """Overall accuracy (gensim's returned score), a fraction in [0, 1]."""
        return self.total.accuracy

    @property
    def correct(self) -> int:
        return self.total.correct

    @property
    def semantic(self) -> Optional[float]:
        """Accuracy over the semantic sections (not named ``gram...``), or None if there are none."""
        secs = [s for s in self.sections if s.semantic]
        return _merge("semantic", secs).accuracy if secs else None

    @property
    def syntactic(self) -> Optional[float]:
        """Accuracy over the syntactic sections (named ``gram...``), or None if there are none."""
        secs = [s for s in self.sections if not s.semantic]
        return _merge("syntactic", secs).accuracy if secs else None

    @property
    def skipped_ratio(self) -> float:
        """Fraction of question lines skipped for unknown words."""
        return self.skipped / self.questions if self.questions else 0.0

    def to_gensim(self) -> Tuple[float, List[Dict[str, Any]]]:
        """The result in gensim's shape: ``(score, [{"section", "correct", "incorrect"}, ...])``
        with the ``"Total accuracy"`` section last."""
        out = [
            {"section": s.name, "correct": list(s.questions_correct), "incorrect": list(s.questions_incorrect)}
            for s in (*self.sections, self.total)
        ]
        return self.accuracy, out

    def to_dict(self) -> Dict[str, Any]:
        """Plain numbers, ready for JSON."""
        return {
            "path": self.path,
            "method": self.method,
            "through": self.through,
            "restrict_vocab": self.restrict_vocab,
            "accuracy": self.accuracy,
            "semantic": self.semantic,
            "syntactic": self.syntactic,
            "correct": self.correct,
            "answered": self.total.total,
            "skipped": self.skipped,
            "questions": self.questions,
            "seconds": self.seconds,
            "sections": [s.to_dict() for s in self.sections],
        }

    def rows(self) -> List[Tuple[str, str, str]]:
        """``(label, accuracy %, correct/total)`` rows of the printed table."""
        rows = [(s.name, f"{100 * s.accuracy:.1f}%", f"{s.correct}/{s.total}") for s in self.sections]
        for label in ("semantic", "syntactic"):
            secs = [s for s in self.sections if s.semantic == (label == "semantic")]
            if secs and len(secs) < len(self.sections):
                m = _merge(label, secs)
                rows.append((label, f"{100 * m.accuracy:.1f}%", f"{m.correct}/{m.total}"))
        rows.append(("Total accuracy", f"{100 * self.accuracy:.1f}%", f"{self.correct}/{self.total.total}"))
        return rows

    def __repr__(self) -> str:
        rows = self.rows()
        w0 = max(len(r[0]) for r in rows)
        w2 = max(len(r[2]) for r in rows)
        lines = [f"  {a:<{w0}}  {b:>6}  {c:>{w2}}" for a, b, c in rows]
        lines.insert(len(lines) - 1, "  " + "-" * (w0 + w2 + 10))
        lines.append(
            f"  ({self.skipped} of {self.questions} questions skipped for unknown words; "
            f"3Cos{self.method.capitalize()}, {self.through}, {self.seconds:.2f} s)"
        )
        return "\n".join(lines)

    def _repr_html_(self) -> str:  # Jupyter
        body = "".join(f"<tr><td>{a}</td><td>{b}</td><td>{c}</td></tr>" for a, b, c in self.rows())
        return f"<table><tr><th>section</th><th>accuracy</th><th>correct</th></tr>{body}</table>"


@dataclass(frozen=True)
class PairsResult:
    """The outcome of :func:`evaluate_pairs`: correlation of cosine similarity with human scores."""

    spearman: float
    pearson: float
    spearman_pvalue: float
    pearson_pvalue: float
    pairs: int
    oov: int
    seconds: float
    path: Optional[str] = None

    @property
    def oov_ratio(self) -> float:
        """Percentage of pairs with an unknown word (gensim's third return value)."""
        return 100.0 * self.oov / (self.pairs + self.oov) if (self.pairs + self.oov) else 0.0

    def to_dict(self) -> Dict[str, Any]:
        return {
            "path": self.path,
            "spearman": self.spearman,
            "pearson": self.pearson,
            "spearman_pvalue": self.spearman_pvalue,
            "pearson_pvalue": self.pearson_pvalue,
            "pairs": self.pairs,
            "oov": self.oov,
            "seconds": self.seconds,
        }

    def __repr__(self) -> str:
        name = Path(self.path).name if self.path else "pairs"
        return (
            f"  {name}: spearman {self.spearman:.4f}  pearson {self.pearson:.4f}  "
            f"({self.pairs} pairs, {self.oov} with unknown words)"
        )


# --------------------------------------------------------------------------- analogy file


@dataclass
class _Parsed:
    names: List[str] = field(default_factory=list)
    # per question: section number, the four keys, the four rows (-1 when unknown)
    section_of: List[int] = field(default_factory=list)
    keys: List[Question] = field(default_factory=list)
    rows: List[Tuple[int, int, int, int]] = field(default_factory=list)
    lines: List[int] = field(default_factory=list)
    questions: int = 0
    skipped: int = 0


def _read_analogies(path: Path, ok_vocab: Dict[str, int], case_insensitive: bool, dummy4unknown: bool) -> _Parsed:
    out = _Parsed()
    try:
        fin = open(path, "rb")
    except OSError as exc:
        raise FileNotFoundError(f"cannot open analogy file {path}: {exc}") from exc
    with fin:
        for line_no, raw in enumerate(fin):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise FormatError(f"not UTF-8 ({exc.reason})", str(path), line_no + 1) from None
            if line.startswith(": "):
                out.names.append(line.lstrip(": ").strip())
                continue
            if not out.names:
                raise FormatError("missing ': section' header before this line", str(path), line_no + 1)
            words = line.split()
            if len(words) != 4:
                logger.info("skipping invalid line #%i in %s", line_no, path)
                continue
            if case_insensitive:
                words = [w.upper() for w in words]
            out.questions += 1
            rows = tuple(ok_vocab.get(w, -1) for w in words)
            if -1 in rows:
                out.skipped += 1
                if not dummy4unknown:
                    logger.debug("skipping line #%i with unknown words: %s", line_no, line.strip())
                    continue
            out.section_of.append(len(out.names) - 1)
            out.keys.append(tuple(words))  # type: ignore[arg-type]
            out.rows.append(rows)  # type: ignore[arg-type]
            out.lines.append(line_no)
    return out


# --------------------------------------------------------------------------- batched scoring


def _progress(total: int, desc: str):
    from . import config

    if not config.progress_enabled() or total <= 1:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover - tqdm is a dependency
        return None
    return tqdm(total=total, desc=desc, unit="q", leave=False)


def _workers(n_jobs: Optional[int], blocks: int) -> int:
    """Worker threads: ``n_jobs`` (``-1`` or None = every core), never more than the blocks."""
    cores = os.cpu_count() or 1
    if n_jobs is None or n_jobs < 0:
        n = cores
    else:
        n = max(1, int(n_jobs))
    return max(1, min(n, blocks))


@contextlib.contextmanager
def _blas_threads(limit: Optional[int]):
    """Let each worker thread run single-threaded BLAS (threadpoolctl), so the workers share the
    cores instead of fighting over BLAS's own threads. Without threadpoolctl, leave BLAS alone."""
    if limit is None:
        yield
        return
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        logger.debug("threadpoolctl is not installed: BLAS keeps its own threads")
        yield
        return
    with threadpool_limits(limits=limit, user_api="blas"):
        yield


class _Scorer:
    """Best non-input word for blocks of analogy questions, exact, by tiled matrix products."""

    def __init__(self, vectors, end: int, method: str):
        V = np.asarray(vectors.vectors[:end], dtype=np.float32)
        inv = np.asarray(vectors._inv_norms[:end], dtype=np.float32)
        # (dim, end) unit rows, so a product gives cosines directly
        self.VnT = np.ascontiguousarray((V * inv[:, None]).T)
        self.end = end
        self.method = method
        self.tile = min(_VOCAB_TILE, max(end, 1))
        self._local = threading.local()  # one set of tile buffers per worker thread

    def _buffers(self, rows: int) -> List[np.ndarray]:
        count = 1 if self.method == "add" else 3
        bufs = getattr(self._local, "bufs", None)
        if bufs is None or bufs[0].shape[0] < rows:
            bufs = [np.empty((max(rows, _QUERY_BLOCK), self.tile), np.float32) for _ in range(count)]
            self._local.bufs = bufs
        return [b[:rows] for b in bufs]

    def best(self, units: np.ndarray, inputs: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """``units``: (n, 3, dim) unit vectors of a, b, c; ``inputs``: (n, 3) their rows.
        Returns the best row per question (``-1`` when every word is an input) and its score."""
        n = units.shape[0]
        if self.method == "add":
            Q = [np.ascontiguousarray(units[:, 1] + units[:, 2] - units[:, 0])]
        else:
            Q = [np.ascontiguousarray(units[:, k]) for k in range(3)]
        best = np.full(n, -np.inf, np.float32)
        best_row = np.full(n, -1, np.intp)
        bufs = self._buffers(n)
        ar = np.arange(n)
        for start in range(0, self.end, self.tile):
            stop = min(start + self.tile, self.end)
            w = stop - start
            VT = self.VnT[:, start:stop]
            out = [b[:, :w] for b in bufs]
            for q, o in zip(Q, out):
                np.matmul(q, VT, out=o)
            S = out[0]
            if self.method == "mul":
                # gensim's 3CosMul: shifted cosines (1 + cos) / 2, b * c / (a + 1e-6)
                A, B, C = out
                for X in out:
                    X += 1.0
                    X *= 0.5
                B *= C
                A += 0.000001
                np.divide(B, A, out=B)
                S = B
            for k in range(3):
                col = inputs[:, k] - start
                hit = (col >= 0) & (col < w)
                if hit.any():
                    S[ar[hit], col[hit]] = -np.inf
            arg = S.argmax(axis=1)
            val = S[ar, arg]
            better = val > best
            best[better] = val[better]
            best_row[better] = arg[better] + start
        return best_row, best

    def top(self, unit: np.ndarray, inputs: Sequence[int], topn: int) -> List[int]:
        """Exact ``topn`` rows for one question (gensim's candidate list), inputs left out."""
        VnT = self.VnT
        if self.method == "add":
            q = unit[1] + unit[2] - unit[0]
            s = q @ VnT
        else:
            a, b, c = ((1 + unit[k] @ VnT) / 2 for k in range(3))
            s = b * c / (a + 0.000001)
        s = s.astype(np.float32, copy=True)
        s[[i for i in inputs if 0 <= i < self.end]] = -np.inf
        k = min(topn, s.shape[0])
        idx = np.argpartition(-s, k - 1)[:k] if k < s.shape[0] else np.arange(s.shape[0])
        idx = idx[np.argsort(-s[idx], kind="stable")]
        return [int(i) for i in idx if np.isfinite(s[i])]


def _gensim_pick(candidates: Sequence[str], ignore: set, ok_vocab: Dict[str, int], case_insensitive: bool) -> Optional[str]:
    """gensim's choice among its candidates: the first known word that is not an input; when none
    qualifies, the last candidate looked at."""
    predicted = None
    for word in candidates:
        predicted = word.upper() if case_insensitive else word
        if predicted in ok_vocab and predicted not in ignore:
            break
    return predicted


def _answer_exact(vectors, parsed: _Parsed, end: int, method: str, ok_vocab, case_insensitive: bool, n_jobs: int) -> List[bool]:
    words = vectors.index_to_key
    rows = np.array(parsed.rows, dtype=np.intp).reshape(-1, 4)
    n = rows.shape[0]
    correct = np.zeros(n, dtype=bool)
    known = (rows >= 0).all(axis=1)  # dummy4unknown questions stay wrong
    todo = np.flatnonzero(known)
    if todo.size == 0:
        return correct.tolist()
    scorer = _Scorer(vectors, end, method)
    if case_insensitive:
        # canon[i]: the row gensim's upper-cased lookup lands on for word i
        canon = np.fromiter((ok_vocab[w.upper()] for w in words[:end]), dtype=np.intp, count=end)
    else:
        canon = np.arange(end, dtype=np.intp)
    inv = vectors._inv_norms
    V = vectors.vectors

    def block(sel: np.ndarray) -> np.ndarray:
        inp = rows[sel, :3]
        units = V[inp.ravel()] * inv[inp.ravel(), None]
        units = units.reshape(len(sel), 3, -1).astype(np.float32, copy=False)
        best_row, _ = scorer.best(units, inp)
        valid = best_row >= 0
        pred_canon = np.where(valid, canon[np.maximum(best_row, 0)], -1)
        # the best word is a case variant of an input: gensim looks further down its top 5
        clash = valid & (pred_canon[:, None] == inp).any(axis=1)
        ok = valid & ~clash & (pred_canon == rows[sel, 3])
        for j in np.flatnonzero(clash | ~valid):
            q = int(sel[j])
            cand = scorer.top(units[j], inp[j].tolist(), _GENSIM_TOPN)
            keys = parsed.keys[q]
            picked = _gensim_pick([words[i] for i in cand], set(keys[:3]), ok_vocab, case_insensitive)
            ok[j] = picked == keys[3]
        return ok

    blocks = [todo[s : s + _QUERY_BLOCK] for s in range(0, todo.size, _QUERY_BLOCK)]
    workers = _workers(n_jobs, len(blocks))
    if workers > 1 and importlib.util.find_spec("threadpoolctl") is None:
        workers = 1  # without a way to keep BLAS single-threaded per worker, let BLAS thread itself
    bar = _progress(todo.size, "analogies")
    try:
        with _blas_threads(1 if workers > 1 else None):
            if workers > 1:
                from concurrent.futures import ThreadPoolExecutor

                with ThreadPoolExecutor(workers, thread_name_prefix="pretrained-evaluate") as pool:
                    for sel, ok in zip(blocks, pool.map(block, blocks)):
                        correct[sel] = ok
                        if bar is not None:
                            bar.update(len(sel))
            else:
                for sel in blocks:
                    correct[sel] = block(sel)
                    if bar is not None:
                        bar.update(len(sel))
    finally:
        if bar is not None:
            bar.close()
    return correct.tolist()


def _answer_index(vectors, index, parsed: _Parsed, restrict_vocab, method: str, ok_vocab, case_insensitive: bool, search_k, n_jobs) -> List[bool]:
    batch = getattr(index, "analogy_batch", None)
    if batch is None:
        raise IndexUnavailableError(f"{index!r} has no analogy_batch(); pass an index made by Vectors.index()")
    words = vectors.index_to_key
    todo = [q for q, r in enumerate(parsed.rows) if -1 not in r]
    triples = [tuple(words[i] for i in parsed.rows[q][:3]) for q in todo]
    correct = [False] * len(parsed.rows)
    if not triples:
        return correct
    answers = batch(triples, topn=_GENSIM_TOPN, method=method, search_k=search_k, n_jobs=n_jobs, restrict_vocab=restrict_vocab)
    for q, neighbours in zip(todo, answers):
        keys = parsed.keys[q]
        picked = _gensim_pick([w for w, _ in neighbours], set(keys[:3]), ok_vocab, case_insensitive)
        correct[q] = picked == keys[3]
    return correct


def evaluate_analogies(
    vectors: "Vectors",
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
    if method not in ("add", "mul"):
        raise ValueError(f"method must be 'add' or 'mul', got {method!r}")
    started = time.perf_counter()
    path = _resolve(path, "questions-words")
    words = vectors.index_to_key
    end = len(words) if restrict_vocab is None else min(int(restrict_vocab), len(words))
    ok_vocab = _ok_vocab(words, end, case_insensitive)
    parsed = _read_analogies(path, ok_vocab, case_insensitive, dummy4unknown)
    logger.info("evaluating %d analogies (%d skipped) on the first %d words of %s", len(parsed.rows), parsed.skipped, end, path)
    if index is not None:
        correct = _answer_index(vectors, index, parsed, restrict_vocab, method, ok_vocab, case_insensitive, search_k, n_jobs)
        through = "index"
    else:
        correct = _answer_exact(vectors, parsed, end, method, ok_vocab, case_insensitive, n_jobs)
        through = "exact"
    right: List[List[Question]] = [[] for _ in parsed.names]
    wrong: List[List[Question]] = [[] for _ in parsed.names]
    for sec, keys, ok in zip(parsed.section_of, parsed.keys, correct):
        (right if ok else wrong)[sec].append(keys)
    sections = tuple(SectionResult(n, tuple(r), tuple(w)) for n, r, w in zip(parsed.names, right, wrong))
    for s in sections:
        if s.total:
            logger.info("%s: %.1f%% (%i/%i)", s.name, 100 * s.accuracy, s.correct, s.total)
    total = _merge("Total accuracy", sections)
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
    logger.info("Total accuracy: %.1f%% (%i/%i) in %.2f s", 100 * result.accuracy, total.correct, total.total, result.seconds)
    return result


# --------------------------------------------------------------------------- word pairs


def _read_pairs(path: Path, delimiter: str, encoding: str, case_insensitive: bool) -> Iterator[Tuple[int, str, str, float, str]]:
    try:
        fin = open(path, encoding=encoding)
    except OSError as exc:
        raise FileNotFoundError(f"cannot open word-pair file {path}: {exc}") from exc
    with fin:
        line_no = -1
        while True:
            try:
                line = fin.readline()
            except UnicodeDecodeError as exc:
                raise FormatError(f"not {encoding} ({exc.reason})", str(path), line_no + 2) from None
            if not line:
                return
            line_no += 1
            if line.startswith("#"):
                continue
            try:
                parts = line.split(delimiter)
                if case_insensitive:
                    parts = [p.upper() for p in parts]
                a, b, sim = parts
                value = float(sim)
            except (ValueError, TypeError):
                logger.info("skipping invalid line #%d in %s", line_no, path)
                continue
            yield line_no, a, b, value, line


def evaluate_pairs(
    vectors: "Vectors",
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
    path = _resolve(path, "wordsim353")
    words = vectors.index_to_key
    end = len(words) if restrict_vocab is None else min(int(restrict_vocab), len(words))
    ok_vocab = _ok_vocab(words, end, case_insensitive)
    gold: List[float] = []
    left: List[int] = []
    right: List[int] = []
    oov = 0
    for line_no, a, b, value, line in _read_pairs(path, delimiter, encoding, case_insensitive):
        ia, ib = ok_vocab.get(a), ok_vocab.get(b)
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
        raise FormatError(f"no usable similarity judgements (all malformed or with words unknown to {vectors!r})", str(path))
    ia_arr, ib_arr = np.array(left, dtype=np.intp), np.array(right, dtype=np.intp)
    known = ia_arr >= 0
    model = np.zeros(len(gold), dtype=np.float64)
    if known.any():
        V, inv = vectors.vectors, vectors._inv_norms
        ua = V[ia_arr[known]] * inv[ia_arr[known], None]
        ub = V[ib_arr[known]] * inv[ib_arr[known], None]
        model[known] = np.einsum("ij,ij->i", ua, ub)
    from scipy import stats

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
    logger.info("%s: spearman %.4f, pearson %.4f, %d pairs with unknown words", path, result.spearman, result.pearson, oov)
    return result
