"""fastText's native model (``.bin``): the word vectors are composed from the word's own row and
its character n-gram rows, and the n-gram rows (``ngrams.npy``) and word counts (``counts.npy``)
stay in the cache entry, so unknown words get fastText's vector. Converted whole by
:func:`pretrained.core.fasttext.convert` (the words come before the n-grams in the file)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from pretrained.formats.registry import Head, VectorFormat, register

NAME = "fasttext-bin"


def _sniff(head: Head) -> bool:
    from pretrained.core.fasttext import is_fasttext_bin  # its magic number, or the old format's plausible header

    return is_fasttext_bin(head.path, head.member)


def _convert(path: Any, dest: Path, options: Any, *, name: Optional[str] = None, source: Optional[dict] = None) -> None:
    from pretrained.core import fasttext

    fasttext.convert(
        path,
        dest,
        member=options.member,
        limit=options.limit,
        vocabulary=options.vocabulary,
        unicode_errors=options.unicode_errors,
        encoding=options.encoding,
        source=source,
        name=name,
    )


FASTTEXT_BIN = register(
    VectorFormat(
        name=NAME,
        summary="fastText native model (.bin): word vectors and the character n-grams for unknown words",
        sniff=_sniff,
        sniff_order=10,
        overrides=("glove", "word2vec", "word2vec-text"),
        convert=_convert,
        extra_files=("ngrams.npy", "counts.npy"),
        takes_encoding=True,
    )
)
