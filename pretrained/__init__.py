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

# isort: split
# Load & convert
from pretrained.formats import detect_format, iter_vectors, read_vectors
from pretrained.formats.table_reader import read_table
from pretrained.formats.writers import write_vectors
from pretrained.loading import convert, entry_path, load

# isort: split
# The vectors
from pretrained.core.vectors import Vectors
from pretrained.interop.compare import Comparison, compare
from pretrained.interop.texts import embed, tokenize

# isort: split
# Seed a model (Keras, PyTorch)
from pretrained.interop.layers import keras_embedding, torch_embedding
from pretrained.interop.matrix import Coverage, embedding_matrix, read_vocabulary

# isort: split
# Your own embeddings
from pretrained.interop.bring import from_keras, from_projector, from_torch
from pretrained.interop.saving import save
from pretrained.interop.train import train

# isort: split
# Indexes
from pretrained.index import NeighbourIndex, build_index, load_index

# isort: split
# Evaluate
from pretrained.evaluate import AnalogyResult, PairsResult, SectionResult, evaluate_analogies, evaluate_pairs

# isort: split
# Pictures & explorer
from pretrained.viz.explore import ExplorerPage, explore
from pretrained.viz.plot import plot_words, save_map
from pretrained.viz.projector_export import export_projector

# isort: split
# Downloads & catalogue
from pretrained.remote.catalog import register
from pretrained.remote.downloader import download

# isort: split
# Errors
from pretrained.errors import (
    CacheError,
    CatalogError,
    ChecksumError,
    ConfigError,
    DownloadError,
    FormatError,
    IndexMismatchError,
    MissingDependencyError,
    OfflineError,
    PretrainedError,
    UnknownNameError,
    VocabularyError,
    WordNotFoundError,
)

__version__ = "0.1.0"

__all__ = [
    # Load & convert
    "load",
    "convert",
    "entry_path",
    "read_vectors",
    "iter_vectors",
    "detect_format",
    "read_table",
    "write_vectors",
    # The vectors
    "Vectors",
    "compare",
    "Comparison",
    "embed",
    "tokenize",
    # Seed a model (Keras, PyTorch)
    "embedding_matrix",
    "keras_embedding",
    "torch_embedding",
    "read_vocabulary",
    "Coverage",
    # Your own embeddings
    "from_keras",
    "from_torch",
    "from_projector",
    "save",
    "train",
    # Indexes
    "NeighbourIndex",
    "build_index",
    "load_index",
    # Evaluate
    "evaluate_analogies",
    "evaluate_pairs",
    "AnalogyResult",
    "SectionResult",
    "PairsResult",
    # Pictures & explorer
    "plot_words",
    "save_map",
    "export_projector",
    "explore",
    "ExplorerPage",
    # Downloads & catalogue
    "download",
    "register",
    # Errors
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
    "IndexMismatchError",
    "VocabularyError",
    "__version__",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())
