"""Tables of item embeddings (Parquet, Arrow/Feather, CSV/TSV): a label column and a list column
or numeric columns, read in blocks with pyarrow by :mod:`pretrained.formats.table_reader`. Recognised by the
file's name; ``format="table"`` also by the first bytes of a Parquet or Arrow file."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from pretrained.formats.registry import VectorFormat, register

NAME = "table"


def _by_name(path: Path) -> bool:
    from pretrained.formats.table_reader import table_format

    return table_format(path) is not None


def _key_spelling(path: Path, given: str) -> Optional[str]:
    """The format as the caller spelled it (a table's key always was), once it is known to fit."""
    from pretrained.formats.table_reader import table_format

    table_format(path, given)  # format="table" on a file that is none: the error naming it
    return given


def _convert(path: Any, dest: Path, options: Any, *, name: Optional[str] = None, source: Optional[dict] = None) -> None:
    from pretrained.formats.table_reader import convert_table

    convert_table(path, dest, format=options.format, limit=options.limit, vocabulary=options.vocabulary)


TABLE = register(
    VectorFormat(
        name=NAME,
        summary="a table of item embeddings: Parquet, Arrow/Feather, CSV or TSV",
        aliases=("parquet", "arrow", "feather", "csv", "tsv"),
        by_name=_by_name,
        convert=_convert,
        key_spelling=_key_spelling,
    )
)
