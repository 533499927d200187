"""Adding an index backend is one class and one registration: a toy exact (brute-force) backend
defined here, registered, then built, queried, reloaded, measured and refused through the public
API and the command line, with nothing else changed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pytest

import pretrained
from pretrained.core import scoring
from pretrained.index import IndexMismatchError, build_index, load_index
from pretrained.index.backend import BACKENDS, Param, check_declared, register


class ExactBackend:
    """Brute force over the unit rows, saved as one .npy; effort is ignored."""

    name = "toy-exact"
    metric = "ip"
    package = "numpy"
    parameters = (Param("shards", scoring.check_count, 1, "--shards", "toy-exact: how many pieces (default 1)"),)
    effort_name = "probes"
    default_effort = 1
    effort_step = 1
    suffix = ".toy"
    native = "rows"

    def __init__(self, rows: np.ndarray, params: Mapping[str, Any]):
        self.rows, self.params = rows, dict(params)

    @classmethod
    def check_params(cls, params):
        return check_declared(cls, params)

    @classmethod
    def file_stem(cls, params):
        return f"toy-{params['shards']}"

    @classmethod
    def tune_range(cls, k, params):
        return 0, 1

    @classmethod
    def max_effort(cls, count, params):
        return 1

    @classmethod
    def create(cls, dim, params, build_path=None, *, count=0, n_jobs=1, options=None):
        return cls(np.zeros((count, dim), np.float32), params)

    def add_rows(self, start, unit):
        self.rows[start : start + len(unit)] = unit

    def build(self, n_jobs):
        pass

    def save(self, path):
        with open(path, "wb") as f:
            np.save(f, self.rows, allow_pickle=False)

    @classmethod
    def open(cls, path, dim, params, prefault=False, *, options=None):
        return cls(np.load(path, allow_pickle=False), params)

    def describe(self):
        return {"items": len(self.rows)}

    def query_vector(self, vector, n, effort):
        scores = self.rows @ np.asarray(vector, np.float32)
        order = np.argsort(-scores, kind="stable")[:n]
        return order.tolist(), scores[order].tolist()

    def query_ids(self, vector, n, effort):
        return self.query_vector(vector, n, effort)[0]

    def query_item(self, item, n, effort, distances=True):
        ids, cos = self.query_vector(self.rows[item], n, effort)
        return (ids, cos) if distances else ids

    def unload(self):
        self.rows = None


def _same(got, want) -> None:
    assert got.words == want.words
    np.testing.assert_allclose([s for _, s in got], [s for _, s in want], atol=1e-5)


@pytest.fixture
def toy_backend():
    register(ExactBackend)  # the one registration line
    yield ExactBackend
    BACKENDS.pop(ExactBackend.name, None)


@pytest.fixture
def vecs():
    rng = np.random.default_rng(5)
    return pretrained.Vectors(
        [f"w{i}" for i in range(300)], rng.standard_normal((300, 12)).astype(np.float32), name="toyset"
    )


def test_a_registered_backend_builds_queries_and_reloads(toy_backend, vecs, tmp_path):
    index = build_index(vecs, tmp_path, backend="toy-exact", shards=2, progress=False)
    assert index.path == tmp_path / "toy-2.toy" and index.backend_name == "toy-exact"
    assert index.shards == 2 and index.params == {"shards": 2} and index.effort_name == "probes"
    assert index.n_trees is None  # another backend's parameter: not this one's
    _same(index.most_similar("w3", topn=5), vecs.most_similar("w3", topn=5))
    assert index.analogy("w1", "w2", "w3", topn=3).words == vecs.analogy("w1", "w2", "w3", topn=3).words
    again = load_index(index.path, vectors=vecs)
    assert again.backend_name == "toy-exact"
    _same(again.most_similar("w7", topn=4), vecs.most_similar("w7", topn=4))
    side = json.loads(Path(str(index.path) + ".json").read_text())
    assert side["backend"] == "toy-exact" and side["params"] == {"shards": 2} and side["search_k"] == 1


def test_a_registered_backend_recall_report_names_its_effort(toy_backend, vecs, tmp_path):
    index = build_index(vecs, tmp_path, backend="toy-exact", progress=False)
    report = index.recall(sample=50, k=5)
    assert report.recall == 1.0 and report.effort_name == "probes" and report.shards == 1
    assert "probes 1" in str(report) and "shards 1" in str(report)
    assert report.as_dict()["shards"] == 1


def test_a_registered_backend_is_cached_by_v_index(toy_backend, vecs):
    first = vecs.index(backend="toy-exact", shards=3, progress=False)
    assert first.path.name == "toy-3.toy"
    assert vecs.index(backend="toy-exact", shards=3, progress=False).path == first.path
    assert load_index("toyset", vectors=vecs, backend="toy-exact", shards=3).path == first.path


def test_a_registered_backend_refuses_other_vectors_and_unknown_parameters(toy_backend, vecs, tmp_path):
    index = build_index(vecs, tmp_path / "x.toy", backend="toy-exact", progress=False)
    other = pretrained.Vectors(vecs.index_to_key, np.asarray(vecs.vectors)[::-1].copy())
    with pytest.raises(IndexMismatchError, match="does not match"):
        load_index(index.path, vectors=other)
    with pytest.raises(TypeError, match="n_trees"):
        build_index(vecs, tmp_path, backend="toy-exact", n_trees=3)
    with pytest.raises(ValueError, match="shards must be at least 1"):
        build_index(vecs, tmp_path, backend="toy-exact", shards=0)


def test_the_cli_offers_a_registered_backend_and_its_flags(toy_backend, vecs, tmp_path, capsys):
    from pretrained.cli import main

    src = tmp_path / "v.txt"
    vecs.save(src, "glove")
    assert main(["-q", "build-index", str(src), "--backend", "toy-exact", "--shards", "2", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["sidecar"]["backend"] == "toy-exact" and data["sidecar"]["params"] == {"shards": 2}
    assert (
        main(["neighbours", str(src), "w1", "--index", "--backend", "toy-exact", "--shards", "2", "-n", "3", "--json"])
        == 0
    )
    got = json.loads(capsys.readouterr().out)["w1"]
    assert [w for w, _ in got] == vecs.most_similar("w1", topn=3).words
    # another backend's flag is refused, naming its owner
    assert main(["build-index", str(src), "--backend", "toy-exact", "--trees", "3"]) == 2
    assert "--trees belongs to --backend annoy" in capsys.readouterr().err


@pytest.mark.parametrize(
    "backend, effort",
    [("annoy", "search_k"), ("hnsw", "ef")],
)
def test_built_in_backends_declare_their_effort_and_flags(backend, effort):
    from pretrained.index.backend import backend_class, backend_names

    cls = backend_class(backend)
    assert cls.effort_name == effort and backend in backend_names() and "milvus" in backend_names()
    assert all(p.flag and p.flag.startswith("--") for p in cls.parameters)
    assert cls.check_params({}) == {p.name: p.default for p in cls.parameters}


@pytest.mark.parametrize("backend", ["annoy", "hnsw", "milvus"])
def test_built_in_backends_answer_create_and_open_with_the_protocols_signatures(backend):
    """The built-in backends share the protocol's ``create``/``open`` (around their own
    ``_create``/``_open``) and its parameter checks, so build and load call each the same way."""
    import inspect

    from pretrained.index.backend import Backend, backend_class

    cls = backend_class(backend)
    assert Backend in cls.__mro__
    for call in ("create", "open"):
        theirs = inspect.signature(getattr(cls, call)).parameters
        assert list(theirs) == list(inspect.signature(getattr(Backend, call)).parameters)
    with pytest.raises(TypeError, match=rf"unknown {backend} parameter\(s\) bogus; known: "):
        cls.check_params({"bogus": 1})
