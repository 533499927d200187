"""GloVe text: ``word v1 ... vD`` per line, no header; the last D fields are the vector and
everything before them is the token (glove.840B has tokens with spaces)."""

from __future__ import annotations

from typing import Any, Optional, Sequence

from pretrained.formats.detection import sniff_glove
from pretrained.formats.registry import VectorFormat, register

NAME = "glove"


def _open(path: Any, options: Any, *, hash: bool = False, progress: bool = False) -> Any:
    from pretrained.formats import open_vectors

    return open_vectors(path, options.replace(format=NAME), hash=hash, progress=progress)


def _write(path: Any, words: Sequence[str], vectors: Any, precision: Optional[int] = None) -> None:
    from pretrained.formats.writers import write_builtin

    write_builtin(path, words, vectors, format=NAME, precision=precision)


GLOVE = register(
    VectorFormat(
        name=NAME,
        summary="GloVe text: a word and its numbers per line, no header",
        sniff=lambda head: sniff_glove(head.text, head.whole),
        sniff_order=90,
        open=_open,
        write=_write,
    )
)
