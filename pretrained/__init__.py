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
"""
import logging

from .api import convert, entry_path, load
from .errors import (
    CacheError,
    ChecksumError,
    DownloadError,
    FormatError,
    MissingDependencyError,
    OfflineError,
    PretrainedError,
    UnknownNameError,
    WordNotFoundError,
)
from .formats import detect_format, iter_vectors, read_vectors
from .index import IndexMismatchError, NeighbourIndex, build_index, load_index
from .vectors import Vectors
from .writers import write_vectors

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
    "PretrainedError",
    "UnknownNameError",
    "WordNotFoundError",
    "FormatError",
    "DownloadError",
    "ChecksumError",
    "OfflineError",
    "CacheError",
    "MissingDependencyError",
    "NeighbourIndex",
    "build_index",
    "load_index",
    "IndexMismatchError",
    "__version__",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())
