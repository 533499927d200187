"""Embedding layers for Keras and PyTorch, seeded with :func:`~pretrained.embedding_matrix`.

Thin extras over the NumPy matrix: each imports its framework inside the call, so
``import pretrained`` never loads TensorFlow or torch, and a missing framework raises
:class:`~pretrained.errors.MissingDependencyError` naming the extra to install.
"""

from __future__ import annotations

import logging
from typing import Any, Optional

import numpy as np

from pretrained import optional
from pretrained.interop.matrix import Vocabulary, VocabularyError, embedding_matrix

__all__ = ["keras_embedding", "torch_embedding"]

logger = logging.getLogger(__name__)


def _import(module: str, extra: str) -> Any:
    return optional.require(module, extra)


def _matrix(
    vectors: Any, vocabulary: Optional[Vocabulary], options: dict[str, Any], padding_row: Optional[int]
) -> np.ndarray:
    """The weight matrix: built from ``vectors`` and ``vocabulary`` (checking that ``padding_row``,
    when given, is a padding row), or ``vectors`` itself when it is already a 2-D array (then
    copied, so the layer never aliases the caller's array)."""
    if isinstance(vectors, np.ndarray):
        if vocabulary is not None or options:
            raise TypeError("pass either a weight matrix alone, or vectors with a vocabulary (and matrix options)")
        if vectors.ndim != 2:
            raise ValueError(f"a weight matrix must be 2-D, got shape {vectors.shape}")
        return np.array(vectors, dtype=np.float32, order="C", copy=True)
    if vocabulary is None:
        raise TypeError("a vocabulary is needed to build the matrix from vectors")
    matrix, report = embedding_matrix(vectors, vocabulary, return_report=True, **options)
    if padding_row is not None:
        row = padding_row + matrix.shape[0] if padding_row < 0 else padding_row
        if row not in report.padding_rows:
            raise VocabularyError(
                f"row {padding_row} is used as padding, but the vocabulary has a token there; put the "
                "padding token '' first (as TextVectorization does) or use a 1-based word_index"
            )
    return matrix


def keras_embedding(
    vectors: Any,
    vocabulary: Optional[Vocabulary] = None,
    *,
    trainable: bool = False,
    mask_zero: bool = False,
    name: Optional[str] = None,
    **options: Any,
) -> Any:
    """A ``keras.layers.Embedding`` whose weights are the embedding matrix of ``vocabulary``.

    The Keras 3 way: the layer is created with a zeros initializer, built, and its ``embeddings``
    variable assigned the matrix (no removed ``weights=`` argument, and no ``Constant(matrix)``
    initializer, which would copy the whole matrix into the layer's JSON config on save). The
    weights are saved with a ``.keras`` model like any trained weights.

    Parameters
    ----------
    vectors
        A :class:`~pretrained.Vectors` (then ``vocabulary`` is required), or a ready 2-D weight
        matrix (then nothing else is).
    vocabulary
        What :func:`~pretrained.embedding_matrix` accepts: ``TextVectorization.get_vocabulary()``,
        a ``word_index`` dict, a token list or a vocabulary file.
    trainable
        False (default) freezes the pretrained vectors; True lets training move them.
    mask_zero
        Mask index 0 (padding) for the layers after it; the vocabulary's row 0 must then be the
        padding token or an unused index, else :class:`~pretrained.interop.matrix.VocabularyError`.
    name
        The layer name.
    **options
        Passed to :func:`~pretrained.embedding_matrix` (``oov``, ``seed``, ``lowercase``,
        ``num_words``, ``oov_token``...).

    Examples
    --------
    >>> vectorizer = keras.layers.TextVectorization(output_sequence_length=200)   # doctest: +SKIP
    >>> vectorizer.adapt(texts)                                                   # doctest: +SKIP
    >>> layer = pretrained.keras_embedding(v, vectorizer.get_vocabulary())        # doctest: +SKIP
    """
    keras = _import("keras", "keras")
    matrix = _matrix(vectors, vocabulary, options, 0 if mask_zero else None)
    layer = keras.layers.Embedding(
        input_dim=int(matrix.shape[0]),
        output_dim=int(matrix.shape[1]),
        embeddings_initializer="zeros",
        trainable=trainable,
        mask_zero=mask_zero,
        name=name,
    )
    layer.build((None,))
    layer.embeddings.assign(matrix)
    logger.debug("keras Embedding %s: %d x %d, trainable=%s", layer.name, *matrix.shape, trainable)
    return layer


def torch_embedding(
    vectors: Any,
    vocabulary: Optional[Vocabulary] = None,
    *,
    trainable: bool = False,
    padding_idx: Optional[int] = None,
    **options: Any,
) -> Any:
    """A ``torch.nn.Embedding`` made with ``nn.Embedding.from_pretrained`` from the embedding
    matrix of ``vocabulary``.

    Parameters
    ----------
    vectors, vocabulary, **options
        As for :func:`keras_embedding`.
    trainable
        False (default) freezes the weights (``freeze=True``).
    padding_idx
        The padding index (its row gets no gradient), e.g. ``0`` for a ``TextVectorization``
        vocabulary or a ``word_index``; that row must be a padding row, else
        :class:`~pretrained.interop.matrix.VocabularyError`.

    Examples
    --------
    >>> emb = pretrained.torch_embedding(v, ["", "[UNK]", "the", "cat"], padding_idx=0)  # doctest: +SKIP
    >>> emb(torch.tensor([2, 3])).shape                                                    # doctest: +SKIP
    torch.Size([2, 50])
    """
    torch = _import("torch", "torch")
    matrix = _matrix(vectors, vocabulary, options, padding_idx)
    weights = torch.from_numpy(matrix)  # a fresh array: sharing its memory is safe
    return torch.nn.Embedding.from_pretrained(weights, freeze=not trainable, padding_idx=padding_idx)
