"""The explorer's neighbour table: the blocked path (all rows against all, in blocks on both cores)
gives exactly what the per-point path gave (the same rows, in the same order, the same float32
scores bit for bit), including ties across the k-th neighbour, duplicate rows and zero rows."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from conftest import require

require("hypothesis", "test")

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pretrained  # noqa: F401  (pretrained.viz.explore is imported through it)

EXPLORE = sys.modules["pretrained.viz.explore"]


def unit(X: np.ndarray) -> np.ndarray:
    X = np.asarray(X, dtype=np.float32)
    n = np.linalg.norm(X, axis=1, keepdims=True)
    return np.divide(X, n, out=np.zeros_like(X), where=n > 0)


def assert_same(U: np.ndarray, k: int, n_jobs=None) -> None:
    labels = [f"w{i}" for i in range(U.shape[0])]
    want_rows, want_scores = EXPLORE._neighbours_reference(labels, U, k)
    rows, scores = EXPLORE._neighbours_blocked(labels, U, k, n_jobs=n_jobs)
    assert rows.dtype == want_rows.dtype and scores.dtype == want_scores.dtype
    np.testing.assert_array_equal(rows, want_rows)
    # bit for bit, not approximately
    np.testing.assert_array_equal(scores.view(np.int32), want_scores.view(np.int32))


@st.composite
def point_sets(draw):
    n = draw(st.integers(2, 320))
    dim = draw(st.integers(1, 9))
    k = draw(st.integers(1, min(n - 1, 12)))
    seed = draw(st.integers(0, 2**32 - 1))
    kind = draw(st.sampled_from(["normal", "small integers", "duplicates", "rounded", "zero rows"]))
    rng = np.random.default_rng(seed)
    if kind == "normal":
        X = rng.standard_normal((n, dim))
    elif kind == "small integers":  # many equal scores: ties across the k-th neighbour
        X = rng.integers(-2, 3, (n, dim))
    elif kind == "duplicates":
        base = rng.standard_normal((max(1, n // 4), dim))
        X = base[rng.integers(0, base.shape[0], n)]
    elif kind == "rounded":
        X = np.round(rng.standard_normal((n, dim)), 1)
    else:
        X = rng.standard_normal((n, dim))
        X[rng.random(n) < 0.2] = 0
    return unit(X), k, draw(st.sampled_from([1, 2]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(point_sets())
def test_blocked_neighbours_equal_the_per_point_path(case):
    U, k, n_jobs = case
    assert_same(U, k, n_jobs)


@pytest.mark.parametrize("n, k", [(257, 5), (4097, 10), (4500, 3)])
def test_blocked_neighbours_across_block_and_tile_edges(n, k):
    # one-row query blocks and one-column vocabulary tiles are matrix-vector products in BLAS
    rng = np.random.default_rng(n)
    X = rng.standard_normal((n, 7))
    X[::50] = X[1::50][: len(X[::50])]  # duplicate rows
    assert_same(unit(X), k)


def test_a_tie_across_the_cut_keeps_the_old_choice():
    # twelve identical points: every neighbour list is one big tie
    U = unit(np.ones((12, 3)))
    assert_same(U, 4)
    assert_same(unit(np.vstack([np.ones((6, 3)), -np.ones((6, 3)), np.eye(3)])), 5)


def test_no_neighbours_asked():
    rows, scores = EXPLORE._neighbours_blocked(["a"], unit(np.ones((1, 4))), 0)
    assert rows.shape == (1, 0) and scores.shape == (1, 0)
