"""word2vec binary (the C tool's ``-binary 1``): a ``count dim`` header line, then per word
``word<space>`` and D little-endian float32, an optional newline after each."""

from __future__ import annotations

from typing import Any, Optional, Sequence

from pretrained.formats.detection import sniff_word2vec_binary
from pretrained.formats.registry import VectorFormat, register

NAME = "word2vec"


def _open(path: Any, options: Any, *, hash: bool = False, progress: bool = False) -> Any:
    from pretrained.formats import open_vectors

    return open_vectors(path, options.replace(format=NAME), hash=hash, progress=progress)


def _write(path: Any, words: Sequence[str], vectors: Any, precision: Optional[int] = None) -> None:
    from pretrained.formats.writers import write_builtin

    write_builtin(path, words, vectors, format=NAME, precision=precision)


WORD2VEC_BINARY = register(
    VectorFormat(
        name=NAME,
        summary="word2vec binary: a 'count dim' header, then a word and D float32 per record",
        aliases=("word2vec-binary", "bin"),
        sniff=lambda head: sniff_word2vec_binary(head.text, head.whole),
        sniff_order=90,
        open=_open,
        write=_write,
    )
)
