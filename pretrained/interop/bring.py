"""Bring your own embeddings: a trained Keras or PyTorch embedding layer, a trained gensim model,
or Embedding Projector files become :class:`~pretrained.Vectors`, ready for neighbours, maps,
evaluation, :func:`pretrained.compare` and :func:`pretrained.save`.

Nothing here imports TensorFlow or torch: the layer's weights are read through its own methods.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, List, Optional, Tuple, Union, cast

import numpy as np

from pretrained.core.vectors import Vectors, check_values
from pretrained.errors import ArgumentTypeError, FormatError
from pretrained.interop.matrix import Vocabulary, VocabularyError, vocabulary_rows

__all__ = ["from_keras", "from_torch", "from_gensim", "from_projector"]

logger = logging.getLogger(__name__)

PathLike = Union[str, "os.PathLike[str]"]


# ---------------------------------------------------------------------------- layers


def _keras_layer(obj: Any) -> Any:
    """The one Embedding layer of a layer or (nested) model."""
    if type(obj).__name__ == "Embedding" and hasattr(obj, "get_weights"):
        return obj
    found, stack = [], list(getattr(obj, "layers", []) or [])
    if not stack and not hasattr(obj, "layers"):
        raise ArgumentTypeError(
            f"from_keras takes a keras Embedding layer or a model holding one, got {type(obj).__name__}"
        )
    while stack:
        layer = stack.pop(0)
        if type(layer).__name__ == "Embedding":
            found.append(layer)
        stack.extend(getattr(layer, "layers", []) or [])
    if len(found) != 1:
        names = ", ".join(layer.name for layer in found) or "none"
        raise ValueError(
            f"the model holds {len(found)} Embedding layers ({names}); pass the one you mean, e.g. model.get_layer(NAME)"
        )
    return found[0]


def _matrix_vectors(
    matrix: np.ndarray,
    vocabulary: Vocabulary,
    *,
    kind: str,
    layer: str,
    name: Optional[str],
    num_words: Optional[int],
    skip: Tuple[Optional[str], ...],
    skip_rows: Tuple[int, ...] = (),
    nonfinite: str = "error",
) -> Vectors:
    """Vectors from a layer's weight matrix: row ``i`` belongs to the vocabulary's token ``i``."""
    matrix = np.asarray(matrix)
    if matrix.ndim != 2:
        raise ValueError(f"the layer's weights have shape {matrix.shape}, not (rows, dim)")
    tokens = vocabulary_rows(vocabulary, num_words)
    rows = matrix.shape[0]
    mapping = isinstance(vocabulary, dict)
    if len(tokens) > rows or (len(tokens) != rows and not mapping):
        raise VocabularyError(
            f"the vocabulary has {len(tokens):,} tokens (rows) but the layer {layer!r} has {rows:,} rows; pass "
            "the vocabulary the layer was trained with (TextVectorization.get_vocabulary(), or a word_index "
            "with the num_words the layer was built with)"
        )
    if len(tokens) < rows:
        logger.info("the layer has %d rows, the word_index reaches %d: rows beyond it hold no token", rows, len(tokens))
    drop = set(skip_rows)
    keep = [i for i, t in enumerate(tokens) if t is not None and t not in skip and i not in drop]
    left_out = [tokens[i] for i in range(len(tokens)) if i not in set(keep) and tokens[i] is not None]
    words = cast(List[str], [tokens[i] for i in keep])  # keep holds no None token
    seen: dict[str, int] = {}
    for i, w in zip(keep, words):
        if seen.setdefault(w, i) != i:
            raise VocabularyError(f"the token {w!r} is at rows {seen[w]} and {i} of the vocabulary")
    meta = {"source": {"kind": kind, "layer": layer, "rows": rows, "dim": int(matrix.shape[1]), "left_out": left_out}}
    rows_kept = np.asarray(matrix[keep])
    with np.errstate(over="ignore", invalid="ignore"):
        values = check_values(rows_kept.astype(np.float32), words, nonfinite, source=rows_kept)
    return Vectors.trusted(words, values, name=name or layer, meta=meta)


def from_keras(
    layer_or_model: Any,
    vocabulary: Vocabulary,
    *,
    name: Optional[str] = None,
    num_words: Optional[int] = None,
    padding_token: Optional[str] = "",
    oov_token: Optional[str] = "[UNK]",
    nonfinite: str = "error",
) -> Vectors:
    """The trained vectors of a Keras ``Embedding`` layer, one per vocabulary token.

    Parameters
    ----------
    layer_or_model
        A ``keras.layers.Embedding``, or a model holding exactly one.
    vocabulary
        The tokens of the layer's rows, in any form :func:`pretrained.embedding_matrix` accepts:
        ``TextVectorization.get_vocabulary()`` (as many tokens as the layer has rows), a
        ``Tokenizer.word_index`` dict (with ``num_words`` as the tokenizer had it), a token list
        or a vocabulary file. A set is refused: it has no row order.
    padding_token, oov_token
        Tokens whose rows are left out (``""`` and ``"[UNK]"``); None keeps them.
    nonfinite
        A row holding nan, inf or a value beyond float32's range: ``"error"`` (default, naming
        the token), ``"zero"`` or ``"keep"``, as the file readers.

    Examples
    --------
    >>> v = pretrained.from_keras(model, vectorizer.get_vocabulary())   # doctest: +SKIP
    >>> v.most_similar("great")                                          # doctest: +SKIP
    """
    layer = _keras_layer(layer_or_model)
    weights = layer.get_weights()
    if not weights:
        raise ValueError(f"the Embedding layer {layer.name!r} has no weights yet: build or train the model first")
    return _matrix_vectors(
        weights[0],
        vocabulary,
        kind="keras",
        layer=layer.name,
        name=name,
        num_words=num_words,
        skip=(padding_token, oov_token),
        nonfinite=nonfinite,
    )


def from_torch(
    embedding: Any,
    vocabulary: Vocabulary,
    *,
    name: Optional[str] = None,
    num_words: Optional[int] = None,
    padding_token: Optional[str] = "",
    oov_token: Optional[str] = "[UNK]",
    nonfinite: str = "error",
) -> Vectors:
    """The trained vectors of a ``torch.nn.Embedding`` (or a module holding exactly one), one per
    vocabulary token; the ``padding_idx`` row and the ``""`` and ``"[UNK]"`` rows are left out.
    ``vocabulary`` and ``nonfinite`` as for :func:`from_keras`."""
    modules = [
        m
        for m in (embedding.modules() if hasattr(embedding, "modules") else [])
        if type(m).__name__ in ("Embedding", "EmbeddingBag")
    ]
    if len(modules) != 1:
        raise ArgumentTypeError(
            f"from_torch takes an nn.Embedding or a module holding exactly one; found {len(modules)} in {type(embedding).__name__}"
        )
    module = modules[0]
    matrix = module.weight.detach().cpu().float().numpy()
    pad = getattr(module, "padding_idx", None)
    skip_rows = () if pad is None else (pad % matrix.shape[0],)
    return _matrix_vectors(
        matrix,
        vocabulary,
        kind="torch",
        layer=type(module).__name__,
        name=name,
        num_words=num_words,
        skip=(padding_token, oov_token),
        skip_rows=skip_rows,
        nonfinite=nonfinite,
    )


# ---------------------------------------------------------------------------- gensim


def from_gensim(model: Any, *, name: Optional[str] = None, nonfinite: str = "error") -> Vectors:
    """A gensim ``KeyedVectors``, or a trained ``Word2Vec`` / ``FastText`` (its ``.wv``: the
    whole-word vectors) or ``Doc2Vec`` (its ``.dv``: one vector per document tag, tags as
    strings). gensim's word counts (``get_vecattr(w, "count")``, what SIF weights are built
    from) are kept as ``counts``; ``nonfinite`` as for :func:`from_keras`."""
    kind = type(model).__name__
    if hasattr(model, "dv"):
        kv, items = model.dv, "documents"
    elif hasattr(model, "wv"):
        kv, items = model.wv, "words"
    elif hasattr(model, "index_to_key") and hasattr(model, "vectors"):
        kv, items = model, "words"
    else:
        raise ArgumentTypeError(f"from_gensim takes KeyedVectors, Word2Vec, FastText or Doc2Vec, got {kind}")
    keys = [k if isinstance(k, str) else str(k) for k in kv.index_to_key]
    matrix = np.asarray(kv.vectors, dtype=np.float32)
    if len(keys) != matrix.shape[0]:
        raise ValueError(f"the {kind} holds {len(keys)} keys but {matrix.shape[0]} vectors")
    meta = {"source": {"kind": "gensim", "model": kind, "items": items}}
    v = Vectors(keys, matrix, name=name, meta=meta, nonfinite=nonfinite)
    v.counts = _gensim_counts(kv, len(keys))
    return v


def _gensim_counts(kv: Any, n: int) -> Optional[np.ndarray]:
    """The ``count`` attribute of every key, in row order (None when the model has none)."""
    expandos = getattr(kv, "expandos", None)
    counts = expandos.get("count") if isinstance(expandos, dict) else None
    if counts is None or len(counts) != n:
        return None
    return np.asarray(counts, dtype=np.int64)


# ---------------------------------------------------------------------------- projector


def _read_lines(path: Path) -> List[str]:
    try:
        with open(path, encoding="utf-8", newline="") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise FormatError(f"cannot read it: {exc}", str(path)) from exc
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def _parse_vectors(lines: List[str], path: Path) -> Tuple[np.ndarray, np.ndarray]:
    """The (rows, dim) float32 matrix of ``vectors.tsv``: every line must hold as many
    tab-separated numbers as the first (a ragged file is refused naming the line, never reshaped);
    also the float64 values read, to name an overflow."""
    if not lines:
        raise FormatError("no vectors", str(path))
    dim = lines[0].count("\t") + 1
    tabs = np.fromiter((line.count("\t") for line in lines), dtype=np.intp, count=len(lines))
    if (tabs != dim - 1).any():
        i = int(np.flatnonzero(tabs != dim - 1)[0])
        raise FormatError(
            f"{tabs[i] + 1} values (tab-separated), the first line has {dim}: every row of vectors.tsv holds "
            "one vector of the same dimension",
            str(path),
            i + 1,
        )
    flat: Optional[np.ndarray] = None
    try:
        parsed = np.array("\t".join(lines).replace("\t", " ").split(), dtype=np.float64)
        if parsed.size == len(lines) * dim:
            flat = parsed
    except ValueError:
        pass
    if flat is None:
        for i, line in enumerate(lines):  # the slow pass only to name the bad line
            try:
                np.array(line.split("\t"), dtype=np.float64)
            except ValueError:
                raise FormatError(f"not a tab-separated row of numbers: {line[:60]!r}", str(path), i + 1) from None
            if len(line.split()) != dim:
                raise FormatError(f"not a tab-separated row of {dim} numbers: {line[:60]!r}", str(path), i + 1)
        raise FormatError("unreadable vectors", str(path))  # pragma: no cover
    source = flat.reshape(len(lines), dim)
    with np.errstate(over="ignore", invalid="ignore"):
        return source.astype(np.float32), source


def _labels(lines: List[str], count: int, label: Optional[str], path: Path) -> Tuple[List[str], List[str]]:
    """The labels and the header's columns, for the Projector's two metadata layouts: a single
    column without a header, or a header row naming several tab-separated columns."""
    multi = bool(lines) and "\t" in lines[0]
    if len(lines) == count and label is None and not multi:
        return lines, []
    if not multi and len(lines) == count + 1:
        raise FormatError(
            f"{len(lines):,} labels for {count:,} vectors: a single-column metadata file has no header (the "
            "Projector reads every line as a label), so one line is extra; remove it, or, if line 1 is a header, "
            "add a second column",
            str(path),
            len(lines),
        )
    if len(lines) != count + 1:
        raise FormatError(
            f"{len(lines):,} lines for {count:,} vectors: a metadata file has one label a line, or a header row "
            "and then one row a vector",
            str(path),
        )
    header = lines[0].split("\t")
    column = 0 if label is None else header.index(label) if label in header else -1
    if column < 0:
        raise FormatError(f"no column {label!r} in the header ({', '.join(header)})", str(path), 1)
    labels = []
    for i, line in enumerate(lines[1:]):
        fields = line.split("\t")
        if len(fields) != len(header):
            raise FormatError(f"{len(fields)} columns, the header has {len(header)}", str(path), i + 2)
        labels.append(fields[column])
    return labels, header


def from_projector(
    vectors_tsv: PathLike,
    metadata_tsv: Optional[PathLike] = None,
    *,
    label: Optional[str] = None,
    name: Optional[str] = None,
    nonfinite: str = "error",
) -> Vectors:
    """Vectors from Embedding Projector files: ``vectors.tsv`` (tab-separated numbers, one row a
    vector) and ``metadata.tsv`` (one label a line, or, with several columns, a header row first;
    ``label`` names the column to use, default the first). Without metadata the labels are the row
    numbers ``"0"``, ``"1"``... The round trip of :func:`pretrained.export_projector`.

    A row with another number of values than the first, or a single-column metadata file with a
    line more than there are vectors (the Projector takes no header there), is a
    :class:`~pretrained.errors.FormatError` naming the file and line. ``nonfinite`` as for
    :func:`from_keras` (the error names the line).
    """
    vpath = Path(os.fspath(vectors_tsv))
    matrix, source = _parse_vectors(_read_lines(vpath), vpath)
    header: List[str] = []
    if metadata_tsv is None:
        labels = [str(i) for i in range(matrix.shape[0])]
    else:
        mpath = Path(os.fspath(metadata_tsv))
        labels, header = _labels(_read_lines(mpath), matrix.shape[0], label, mpath)
    seen: dict[str, int] = {}
    for i, w in enumerate(labels):
        if seen.setdefault(w, i) != i:
            raise FormatError(
                f"the label {w!r} is on rows {seen[w] + 1} and {i + 1}; labels must be distinct", str(metadata_tsv)
            )
    matrix = check_values(matrix, labels, nonfinite, source=source, path=str(vpath), first_line=1)
    meta = {
        "source": {
            "kind": "projector",
            "vectors": str(vpath.resolve()),
            "metadata": None if metadata_tsv is None else str(Path(metadata_tsv).resolve()),
            "columns": header,
        }
    }
    return Vectors.trusted(labels, matrix, name=name or vpath.parent.name or vpath.name, meta=meta)
