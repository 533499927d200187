"""What an evaluation returns: per-section analogy results, the whole analogy run, word-pair
correlations; each prints as a table and converts to gensim's shape or plain JSON-ready numbers."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

__all__ = ["SectionResult", "AnalogyResult", "PairsResult", "Question", "merge_sections"]

Question = Tuple[str, str, str, str]


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


def merge_sections(name: str, sections: Sequence[SectionResult]) -> SectionResult:
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
        return merge_sections("semantic", secs).accuracy if secs else None

    @property
    def syntactic(self) -> Optional[float]:
        """Accuracy over the syntactic sections (named ``gram...``), or None if there are none."""
        secs = [s for s in self.sections if not s.semantic]
        return merge_sections("syntactic", secs).accuracy if secs else None

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
                m = merge_sections(label, secs)
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
