"""pretrained: pretrained word embeddings (GloVe, word2vec, fastText) from where they live into
the places people use them, fast and safely.

Examples
--------
>>> import pretrained                                   # doctest: +SKIP
>>> v = pretrained.load("glove.6B.50d")                 # doctest: +SKIP
>>> v.most_similar("hotel", topn=3)                     # doctest: +SKIP
[('hotels', 0.87...), ('motel', 0.79...), ('resort', 0.78...)]
>>> v.analogy("man", "king", "woman")                   # doctest: +SKIP
[('queen', 0.85...)]
>>> pretrained.evaluate_analogies(v).accuracy            # doctest: +SKIP
0.4637...
>>> pretrained.save_map(v, ["hotel", "motel", "banana"], "map.png")  # doctest: +SKIP
"""

import logging

from pretrained.core.vectors import Vectors
from pretrained.errors import (
    CacheError,
    CatalogError,
    ChecksumError,
    ConfigError,
    DownloadError,
    FormatError,
    MissingDependencyError,
    OfflineError,
    PretrainedError,
    UnknownNameError,
    WordNotFoundError,
)
from pretrained.evaluate import AnalogyResult, PairsResult, SectionResult, evaluate_analogies, evaluate_pairs
from pretrained.formats import detect_format, iter_vectors, read_vectors
from pretrained.formats.table_reader import read_table
from pretrained.formats.writers import write_vectors
from pretrained.index import IndexMismatchError, NeighbourIndex, build_index, load_index
from pretrained.interop.bring import from_keras, from_projector, from_torch
from pretrained.interop.compare import Comparison, compare
from pretrained.interop.layers import keras_embedding, torch_embedding
from pretrained.interop.matrix import Coverage, VocabularyError, embedding_matrix, read_vocabulary
from pretrained.interop.saving import save
from pretrained.interop.texts import embed, tokenize
from pretrained.interop.train import train
from pretrained.loading import convert, entry_path, load
from pretrained.remote.catalog import register
from pretrained.remote.downloader import download
from pretrained.viz.explore import ExplorerPage, explore
from pretrained.viz.plot import plot_words, save_map
from pretrained.viz.projector_export import export_projector

__version__ = "0.1.0"

__all__ = [
    "load",
    "convert",
    "entry_path",
    "Vectors",
    "read_vectors",
    "iter_vectors",
    "detect_format",
    "write_vectors",
    "evaluate_analogies",
    "evaluate_pairs",
    "AnalogyResult",
    "SectionResult",
    "PairsResult",
    "plot_words",
    "save_map",
    "export_projector",
    "explore",
    "ExplorerPage",
    "PretrainedError",
    "UnknownNameError",
    "WordNotFoundError",
    "FormatError",
    "DownloadError",
    "ChecksumError",
    "OfflineError",
    "CacheError",
    "MissingDependencyError",
    "CatalogError",
    "ConfigError",
    "download",
    "register",
    "NeighbourIndex",
    "build_index",
    "load_index",
    "IndexMismatchError",
    "__version__",
    "embedding_matrix",
    "keras_embedding",
    "torch_embedding",
    "read_vocabulary",
    "Coverage",
    "VocabularyError",
    "from_keras",
    "from_torch",
    "from_projector",
    "read_table",
    "save",
    "train",
    "compare",
    "Comparison",
    "embed",
    "tokenize",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())
