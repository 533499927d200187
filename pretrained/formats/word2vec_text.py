"""word2vec text, also fastText's ``.vec``: a ``count dim`` header line, then ``word v1 ... vD``
per line (tokens without spaces)."""

from __future__ import annotations

from typing import Any, Optional, Sequence

from pretrained.formats.detection import sniff_word2vec_text
from pretrained.formats.registry import VectorFormat, register

NAME = "word2vec-text"


def _open(path: Any, options: Any, *, hash: bool = False, progress: bool = False) -> Any:
    from pretrained.formats import open_vectors

    return open_vectors(path, options.replace(format=NAME), hash=hash, progress=progress)


def _write(path: Any, words: Sequence[str], vectors: Any, precision: Optional[int] = None) -> None:
    from pretrained.formats.writers import write_builtin

    write_builtin(path, words, vectors, format=NAME, precision=precision)


WORD2VEC_TEXT = register(
    VectorFormat(
        name=NAME,
        summary="word2vec text and fastText .vec: a 'count dim' header, then a word and its numbers per line",
        aliases=("fasttext", "vec"),
        sniff=lambda head: sniff_word2vec_text(head.text, head.whole),
        sniff_order=90,
        open=_open,
        write=_write,
    )
)
