"""Result containers: plain lists of ``(word, score)`` pairs that print as a small table."""

from __future__ import annotations

from typing import Iterable, List, Tuple

__all__ = ["Neighbours"]


class Neighbours(List[Tuple[str, float]]):
    """A list of ``(word, score)`` pairs, best first, shown as a table in a REPL.

    It *is* a list: index it, iterate it, compare it with a list of tuples.

    Examples
    --------
    >>> Neighbours([("queen", 0.8524), ("throne", 0.7664)])
      queen   0.8524
      throne  0.7664
    >>> Neighbours([("queen", 0.8524)])[0]
    ('queen', 0.8524)
    """

    def __init__(self, pairs: Iterable[Tuple[str, float]] = ()):
        super().__init__(pairs)

    @property
    def words(self) -> List[str]:
        """The words alone, best first."""
        return [w for w, _ in self]

    def __repr__(self) -> str:
        if not self:
            return "Neighbours([])"
        width = max(len(w) for w, _ in self)
        return "\n".join(f"  {w:<{width}}  {s:.4f}" for w, s in self)

    def _repr_html_(self) -> str:  # Jupyter
        rows = "".join(f"<tr><td>{w}</td><td>{s:.4f}</td></tr>" for w, s in self)
        return f"<table><tr><th>word</th><th>score</th></tr>{rows}</table>"
