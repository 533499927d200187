"""Item embeddings that are not words (product ids, medical codes, users): a Parquet, Arrow
(Feather) or CSV/TSV table with a label column and either one list column or numeric columns.

The table is read in blocks with pyarrow, so a file larger than memory converts into the cache
(``pretrained.load("items.parquet")``) at one block's memory. Labels are kept as strings exactly
as written: ``"sku-001"`` stays ``"sku-001"``, and a CSV label ``007`` stays ``"007"`` (the label
column is read as text); integer labels of a Parquet file become their decimal spelling.

Which columns:

* the label: ``label=``, else a column named ``label``, ``word``, ``token``, ``key``, ``id``,
  ``item``, ``name`` (in that order), else the first text column, else the first column;
* the vector: ``vector=`` (a list column's name, or a list of numeric column names), else the one
  list column, else every other numeric column in table order (other columns are ignored, logged).

A missing or empty label, a missing value, a list of the wrong length, a non-finite value or a
label seen twice is a :class:`~pretrained.errors.FormatError` naming the file and the row. In a
CSV, a value that is not a number (``two``, ``9o``) in a column of numbers is one too (naming the
row and column), rather than the whole column being read as text and left out of the vector.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any, Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np

from pretrained.errors import FormatError
from pretrained.formats import Block

__all__ = ["TABLE_FORMATS", "table_format", "open_table", "read_table", "convert_table", "TableInfo"]

logger = logging.getLogger(__name__)

TABLE_FORMATS = ("table", "parquet", "arrow", "feather", "csv", "tsv")
_SUFFIXES = {
    ".parquet": "parquet",
    ".pq": "parquet",
    ".arrow": "arrow",
    ".feather": "arrow",
    ".ipc": "arrow",
    ".csv": "csv",
    ".tsv": "tsv",
}
_LABEL_NAMES = ("label", "word", "token", "key", "id", "item", "name")
_ROWS = 65536
PathLike = Union[str, "os.PathLike[str]"]


def _by_suffix(path: Path) -> Optional[str]:
    suffixes = [s.lower() for s in path.suffixes]
    compressed = bool(suffixes) and suffixes[-1] in (".gz", ".bz2")
    if compressed:
        suffixes = suffixes[:-1]
    kind = _SUFFIXES.get(suffixes[-1]) if suffixes else None
    return None if compressed and kind not in ("csv", "tsv") else kind


def _by_magic(path: Path) -> Optional[str]:
    with open(path, "rb") as f:
        head = f.read(6)
    return "parquet" if head[:4] == b"PAR1" else "arrow" if head == b"ARROW1" else None


def table_format(path: PathLike, format: Optional[str] = None) -> Optional[str]:
    """``"parquet"``, ``"arrow"``, ``"csv"`` or ``"tsv"`` when ``path`` is read as a table (by
    ``format`` or by its suffix), None when it is not a table (a vector file)."""
    path = Path(path)
    if format is None:
        return _by_suffix(path)
    key = format.strip().lower()
    if key not in TABLE_FORMATS:
        return None
    if key == "feather":
        return "arrow"
    if key == "table":
        kind = _by_suffix(path) or _by_magic(path)
        if kind is None:
            raise FormatError(
                "format='table' but this is neither Parquet, Arrow nor .csv/.tsv by its name or first bytes", str(path)
            )
        return kind
    return key


@dataclass
class TableInfo:
    """What :func:`open_table` found: the format, the label and vector columns, the dimension,
    and (after the blocks are consumed) how many rows were read and kept."""

    path: str
    format: Optional[str]  # None only for a format= that names no table format (read as CSV)
    label: str
    vector: List[str]
    dim: int
    ignored: List[str] = field(default_factory=list)
    rows: int = 0
    kept: int = 0

    def as_dict(self) -> dict:
        return {
            "format": self.format,
            "label": self.label,
            "vector": self.vector,
            "ignored": self.ignored,
            "rows": self.rows,
        }


def _batches(path: Path, kind: Optional[str], label: Optional[str]) -> Tuple[Any, Iterator[Any]]:
    """The schema and an iterator of record batches."""
    import pyarrow as pa

    if kind == "parquet":
        import pyarrow.parquet as pq

        pf = pq.ParquetFile(path)
        return pf.schema_arrow, pf.iter_batches(batch_size=_ROWS)
    if kind == "arrow":
        try:
            reader = pa.ipc.open_file(pa.memory_map(str(path)))
            return reader.schema, (reader.get_batch(i) for i in range(reader.num_record_batches))
        except pa.ArrowInvalid:
            stream = pa.ipc.open_stream(pa.OSFile(str(path)))
            return stream.schema, iter(stream)
    from pyarrow import csv

    parse = csv.ParseOptions(delimiter="\t" if kind == "tsv" else ",")
    header = csv.open_csv(path, parse_options=parse).schema
    name = _pick_label(header, label)
    types = {name: pa.string()}
    reader = csv.open_csv(
        path,
        parse_options=parse,
        convert_options=csv.ConvertOptions(column_types=types),
        read_options=csv.ReadOptions(block_size=8 << 20),
    )
    return reader.schema, iter(reader)


def _is_number(t: Any) -> bool:
    import pyarrow as pa

    return pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t)


def _is_list(t: Any) -> bool:
    import pyarrow as pa

    return (pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t)) and _is_number(
        t.value_type
    )


def _pick_label(schema: Any, label: Optional[str]) -> str:
    import pyarrow as pa

    names = list(schema.names)
    if label is not None:
        if label not in names:
            raise FormatError(f"no column {label!r} for the labels; the columns are {', '.join(names)}")
        return label
    for candidate in _LABEL_NAMES:
        if candidate in names:
            return candidate
    text = [f.name for f in schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
    return text[0] if text else names[0]


def _as_float(text: Any) -> bool:
    try:
        float(text)
    except (TypeError, ValueError):
        return False
    return True


def _check_text_columns(batch: Any, schema: Any, names: List[str], explicit: bool, path: str) -> None:
    """A CSV column pyarrow read as text because some value is not a number (``two``, ``9o``)
    would silently leave the vector: when any of its values is a number (or the column was
    asked for), name the first value that is not, with its row and column."""
    import pyarrow as pa

    for n in names:
        t = schema.field(n).type
        if not (pa.types.is_string(t) or pa.types.is_large_string(t)):
            continue
        values = batch.column(batch.schema.get_field_index(n)).to_pylist()
        parsed = [v is not None and _as_float(v) for v in values]
        if explicit or any(parsed):
            i = parsed.index(False) if not all(parsed) else 0
            raise FormatError(
                f"row {i + 1}, column {n!r}: {values[i]!r} is not a number, so the whole column would be "
                "read as text; fix the value (or name the vector columns with vector=)",
                path,
            )


def _pick_vector(
    schema: Any, label: str, vector: Union[str, Sequence[str], None], path: str
) -> Tuple[List[str], List[str]]:
    names = [n for n in schema.names if n != label]
    if isinstance(vector, str):
        vector = [vector]
    if vector is not None:
        missing = [v for v in vector if v not in schema.names]
        if missing:
            raise FormatError(f"no column {missing[0]!r}; the columns are {', '.join(schema.names)}", path)
        chosen = list(vector)
    else:
        lists = [n for n in names if _is_list(schema.field(n).type)]
        if len(lists) > 1:
            raise FormatError(
                f"several list columns ({', '.join(lists)}): say which holds the vectors with vector=", path
            )
        chosen = lists or [n for n in names if _is_number(schema.field(n).type)]
    if not chosen:
        raise FormatError(
            f"no list column and no numeric column besides the label {label!r}: nothing to use as vectors", path
        )
    if len(chosen) > 1 and any(_is_list(schema.field(n).type) for n in chosen):
        raise FormatError("the vector is one list column or several numeric columns, not both", path)
    for n in chosen:
        t = schema.field(n).type
        if not (_is_list(t) or _is_number(t)):
            raise FormatError(f"column {n!r} holds {t}, not numbers", path)
    return chosen, [n for n in names if n not in chosen]


def _first_bad(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def _vectors_of(batch: Any, columns: List[str], row0: int, path: str, dim: Optional[int]) -> np.ndarray:
    import pyarrow as pa
    import pyarrow.compute as pc

    cols = [batch.column(batch.schema.get_field_index(n)) for n in columns]
    for name, col in zip(columns, cols):
        if col.null_count:
            i = _first_bad(np.asarray(col.is_null()))
            raise FormatError(f"row {row0 + i + 1}: no value in column {name!r}", path)
    if len(cols) == 1 and _is_list(cols[0].type):
        col = cols[0]
        lengths = pc.list_value_length(col).to_numpy(zero_copy_only=False)
        want = dim if dim is not None else (int(lengths[0]) if len(lengths) else 0)
        if len(lengths) and (lengths != want).any():
            i = _first_bad(lengths != want)
            raise FormatError(f"row {row0 + i + 1}: a list of {lengths[i]} values, the first row has {want}", path)
        values = col.flatten()
        if values.null_count:
            raise FormatError(f"rows {row0 + 1}-{row0 + len(col)}: a list holds a missing value", path)
        matrix = values.to_numpy(zero_copy_only=False).astype(np.float32, copy=False).reshape(len(col), want)
    else:
        matrix = np.column_stack([c.cast(pa.float64()).to_numpy(zero_copy_only=False) for c in cols]).astype(np.float32)
    finite = np.isfinite(matrix).all(axis=1)
    if not finite.all():
        raise FormatError(f"row {row0 + _first_bad(~finite) + 1}: a value is not a finite number", path)
    return matrix


def _labels_of(batch: Any, name: str, row0: int, path: str) -> List[str]:
    import pyarrow as pa

    col = batch.column(batch.schema.get_field_index(name))
    if col.null_count:
        raise FormatError(f"row {row0 + _first_bad(np.asarray(col.is_null())) + 1}: no label", path)
    if not (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
        col = col.cast(pa.string())
    labels = col.to_pylist()
    if "" in labels:
        raise FormatError(
            f"row {row0 + labels.index('') + 1}: the label (column {name!r}) is empty; every row needs a label", path
        )
    return labels


def _blocks(
    batches: Iterator[Any], info: TableInfo, limit: Optional[int], vocabulary: Optional[set]
) -> Iterator[Block]:
    seen: dict = {}
    for batch in batches:
        row0 = info.rows
        labels = _labels_of(batch, info.label, row0, info.path)
        matrix = _vectors_of(batch, info.vector, row0, info.path, info.dim)
        info.rows += len(labels)
        keep = []
        for i, word in enumerate(labels):
            first = seen.setdefault(word, row0 + i + 1)
            if first != row0 + i + 1:
                raise FormatError(
                    f"row {row0 + i + 1}: the label {word!r} appears again (first at row {first})", info.path
                )
            if "\n" in word or "\r" in word:
                raise FormatError(f"row {row0 + i + 1}: the label {word!r} holds a line break", info.path)
            if vocabulary is None or word in vocabulary:
                keep.append(i)
        if limit is not None:
            keep = keep[: max(0, limit - info.kept)]
        if keep:
            info.kept += len(keep)
            yield Block([labels[i] for i in keep], matrix[keep] if len(keep) < len(labels) else matrix)
        if limit is not None and info.kept >= limit:
            return


def open_table(
    path: PathLike,
    *,
    format: Optional[str] = None,
    label: Optional[str] = None,
    vector: Union[str, Sequence[str], None] = None,
    limit: Optional[int] = None,
    vocabulary: Optional[set] = None,
) -> Tuple[TableInfo, Iterator[Block]]:
    """Open a table: its :class:`TableInfo` and an iterator of :class:`~pretrained.formats.Block`
    (the first block is read at once, to learn the dimension)."""
    path = Path(path)
    if path.is_dir():
        raise FormatError(
            "this is a folder, not a table file: pass the .parquet, .arrow or .csv file itself", str(path)
        )
    kind = table_format(path, format or "table")
    try:
        schema, batches = _batches(path, kind, label)
        name = _pick_label(schema, label)
        batches = iter(batches)
        first = next(batches, None)
        if first is None or first.num_rows == 0:
            raise FormatError("the table has no rows", str(path))
        if kind in ("csv", "tsv"):
            wanted = [vector] if isinstance(vector, str) else list(vector) if vector is not None else None
            _check_text_columns(
                first, schema, wanted or [n for n in schema.names if n != name], wanted is not None, str(path)
            )
        columns, ignored = _pick_vector(schema, name, vector, str(path))
        if ignored:
            logger.info("%s: columns %s are neither the label nor the vector: ignored", path, ", ".join(ignored))
        info = TableInfo(str(path), kind, name, columns, 0, ignored)
        info.dim = _vectors_of(first, columns, 0, str(path), None).shape[1]
        if info.dim == 0:
            raise FormatError("the vectors have no values (a list column of empty lists)", str(path))
    except FormatError as exc:
        if exc.path is None:
            raise FormatError(str(exc), str(path)) from None
        raise
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise FormatError(f"cannot read it as {kind}: {exc}", str(path)) from exc
    return info, _blocks(_named_errors(chain([first], batches), info), info, limit, vocabulary)


def _named_errors(batches: Iterator[Any], info: TableInfo) -> Iterator[Any]:
    """Record batches; a later CSV block that does not parse (a word in a number column: pyarrow
    says which) becomes a FormatError naming the file."""
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            return
        except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
            if isinstance(exc, FormatError):
                raise
            raise FormatError(f"after row {info.rows}: {exc}", info.path) from exc
        yield batch


def read_table(
    path: PathLike,
    *,
    format: Optional[str] = None,
    label: Optional[str] = None,
    vector: Union[str, Sequence[str], None] = None,
    name: Optional[str] = None,
):
    """Read a whole table into :class:`~pretrained.Vectors` (in memory; ``pretrained.load`` of the
    same file converts it into the cache instead). See the module docstring for the columns.

    Examples
    --------
    >>> v = pretrained.read_table("items.parquet", label="sku", vector="embedding")   # doctest: +SKIP
    """
    from pretrained.core.vectors import Vectors

    info, blocks = open_table(path, format=format, label=label, vector=vector)
    words: List[str] = []
    parts: List[np.ndarray] = []
    for block in blocks:
        words.extend(block.words)
        parts.append(block.vectors)
    meta = {"source": {"kind": "table", "path": str(Path(path).resolve()), **info.as_dict()}}
    return Vectors.trusted(words, np.concatenate(parts), name=name or Path(path).name, meta=meta)


def convert_table(
    path: PathLike,
    dest: Path,
    *,
    format: Optional[str] = None,
    limit: Optional[int] = None,
    vocabulary: Optional[Sequence[str]] = None,
) -> Path:
    """Stream a table into the cache entry ``dest`` (what ``pretrained.load`` does for a table)."""
    from pretrained.cache import entries as store
    from pretrained.cache.hashes import file_digest

    path = Path(path)
    info, blocks = open_table(
        path, format=format, limit=limit, vocabulary=set(vocabulary) if vocabulary is not None else None
    )
    stat = path.stat()

    def meta() -> dict:
        return {
            "name": path.name,
            "source": {
                "kind": "table",
                "path": str(path.resolve()),
                "size": stat.st_size,
                "mtime_ns": stat.st_mtime_ns,
                "ctime_ns": stat.st_ctime_ns,
                "inode": stat.st_ino,
                "sha256": file_digest(path),  # "xxh3-128:<hex>" (the key name is historical)
                **info.as_dict(),
            },
            "limit": limit,
            "vocabulary_size": None if vocabulary is None else len(vocabulary),
            "format": info.format,
        }

    store.write_entry(dest, blocks, info.dim, meta)
    logger.info("converted the table %s into %s: %d of %d rows x %d dims", path, dest, info.kept, info.rows, info.dim)
    return dest
