"""The Milvus backend against the real embedded engine (Milvus Lite): build, the same query API as
Annoy/HNSW, batched search, recall/tune, identity checks, a token kept out of every file and log,
clear one-line CLI errors, and a push killed with SIGKILL that a rerun resumes without duplicates."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from conftest import require
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

require("pymilvus", "milvus")
require("milvus_lite", "milvus")

import pretrained
from pretrained.errors import IndexServiceError
from pretrained.index import IndexMismatchError, build_index, load_index

ROWS, DIM = 3000, 16


def _vectors(seed: int = 0, rows: int = ROWS, name: str = "mset") -> pretrained.Vectors:
    rng = np.random.default_rng(seed)
    return pretrained.Vectors(
        [f"w{i}" for i in range(rows)], rng.standard_normal((rows, DIM)).astype(np.float32), name=name
    )


@pytest.fixture(scope="module")
def vecs():
    return _vectors()


@pytest.fixture(scope="module")
def built(vecs, tmp_path_factory):
    """One HNSW collection in one Milvus Lite database for the whole module."""
    return build_index(vecs, tmp_path_factory.mktemp("milvus"), backend="milvus", progress=False)


def test_default_is_embedded_lite_hnsw_beside_the_locator(built, vecs):
    assert built.backend_name == "milvus" and built.effort_name == "ef"
    assert built.params == {"index_type": "HNSW", "M": 16, "ef_construction": 200}
    assert built.path.suffix == ".milvus" and built.path.with_suffix(".db").exists()
    locator = json.loads(built.path.read_text())
    assert locator["uri"] is None and locator["collection"].startswith(
        "pretrained_" + pretrained.index.vectors_identity(vecs)[7:23]
    )
    assert built.backend.describe() == {"items": ROWS}


def test_neighbours_match_exact_search(built, vecs):
    for word in ("w0", "w17", "w2999"):
        got, want = built.most_similar(word, topn=10), vecs.most_similar(word, topn=10)
        assert word not in got.words
        assert len(set(got.words) & set(want.words)) >= 9  # HNSW at ef 80 on 3,000 rows
        np.testing.assert_allclose(
            [s for w, s in got if w in want.words], [s for w, s in want if w in got.words], atol=1e-4
        )


def test_vectors_most_similar_through_index(built, vecs):
    assert vecs.most_similar("w8", topn=5, index=built).words == built.most_similar("w8", topn=5).words
    got = vecs.most_similar(positive=["w1", "w2"], negative=["w3"], topn=5, index=built)
    assert not {"w1", "w2", "w3"} & set(got.words) and len(got) == 5


def test_batch_is_one_search_call_and_equals_single_queries(built, vecs, monkeypatch):
    calls = []
    search = built.backend.client.search

    def counted(*a, **k):
        calls.append(len(k["data"]))
        return search(*a, **k)

    monkeypatch.setattr(built.backend.client, "search", counted)
    queries = ["w1", "w2", vecs["w3"], "w4"]
    batch = built.most_similar_batch(queries, topn=5)
    assert calls == [4]
    for q, got in zip(queries, batch):
        assert got.words == built.most_similar(q, topn=5).words


def test_analogy_batch_asks_its_first_candidates_in_one_search_call(built, vecs, monkeypatch):
    calls = []
    search = built.backend.client.search

    def counted(*a, **k):
        calls.append(len(k["data"]))
        return search(*a, **k)

    monkeypatch.setattr(built.backend.client, "search", counted)
    triples = [(f"w{i}", f"w{i + 1}", f"w{i + 2}") for i in range(0, 60, 3)]
    got = built.analogy_batch(triples, topn=2, search_k=200)
    assert calls[0] == len(triples) and len(calls) <= 1 + len(triples) // 4  # the rest only for the rare short lists
    for t, answer in zip(triples, got):
        assert len(answer) == 2 and not set(t) & set(answer.words)
        assert answer.words[0] == vecs.analogy(*t, topn=1).words[0]


def test_analogy_excludes_inputs_and_reranks_exactly(built, vecs):
    got = built.analogy("w1", "w2", "w3", topn=3)
    assert not {"w1", "w2", "w3"} & set(got.words)
    exact = vecs.analogy("w1", "w2", "w3", topn=3)
    assert got.words[0] == exact.words[0]
    np.testing.assert_allclose(got[0][1], exact[0][1], atol=1e-5)  # scored by pretrained.core.scoring, not by Milvus


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(row=st.integers(0, ROWS - 1), topn=st.integers(1, 20))
def test_any_row_finds_its_true_nearest_neighbour(built, vecs, row, topn):
    word = vecs.index_to_key[row]
    got = built.most_similar(word, topn=topn, search_k=200)
    assert len(got) == topn and word not in got.words
    assert got.words[0] == vecs.most_similar(word, topn=1).words[0]


def test_recall_and_tune_use_ef(built):
    report = built.recall(sample=200, k=10)
    assert report.recall >= 0.95 and report.effort_name == "ef" and report.backend == "milvus"
    assert "ef 80" in str(report) and "index_type HNSW" in str(report)
    low = built.recall(sample=200, k=10, search_k=10)
    assert low.recall <= report.recall
    tuned = built.tune(recall=0.9, sample=200)
    assert tuned.recall >= 0.9 and 10 <= built.search_k <= 80
    built.search_k = 80


def test_reuse_load_and_identity_refusal(built, vecs):
    again = load_index(built.path, vectors=vecs)
    assert again.most_similar("w5", topn=5).words == built.most_similar("w5", topn=5).words
    assert (
        build_index(vecs, built.path, backend="milvus", progress=False).path == built.path
    )  # reused, not pushed again
    other = _vectors(seed=1)
    with pytest.raises(IndexMismatchError, match="does not match"):
        load_index(built.path, vectors=other)


def test_a_collection_for_other_vectors_is_refused_even_behind_a_good_sidecar(built, vecs, tmp_path):
    from pretrained.cache.folder import index_file_digest

    # copy the locator and sidecar, then point the locator at a collection of other vectors
    other = _vectors(seed=2)
    theirs = build_index(other, tmp_path, backend="milvus", progress=False)
    locator = json.loads(built.path.read_text())
    locator["collection"] = json.loads(theirs.path.read_text())["collection"]
    (tmp_path / "x.milvus").write_text(json.dumps(locator))
    side = json.loads(Path(str(built.path) + ".json").read_text())
    side["ann_size"] = (tmp_path / "x.milvus").stat().st_size
    side["ann_hash"] = index_file_digest(tmp_path / "x.milvus")  # a sidecar that fits the forged file
    (tmp_path / "x.milvus.json").write_text(json.dumps(side))
    with pytest.raises(IndexMismatchError, match="does not match these vectors"):
        load_index(tmp_path / "x.milvus", vectors=vecs, uri=str(theirs.path.with_suffix(".db")))


@pytest.mark.parametrize(
    "params, error, match",
    [
        ({"index_type": "DISKANN"}, ValueError, "Milvus Lite cannot build a DISKANN"),
        ({"index_type": "NOPE"}, ValueError, "not a Milvus index type"),
        ({"index_type": "IVF_FLAT", "M": 8}, ValueError, "M do\\(es\\) not apply"),
        ({"index_type": "IVF_FLAT", "nlist": 1000}, ValueError, "nlist 1000 needs at least 39000 rows"),
        ({"n_trees": 3}, TypeError, "n_trees"),
        ({"M": 1}, ValueError, "M must be at least 2"),
    ],
)
def test_bad_parameters_are_refused_clearly(vecs, tmp_path, params, error, match):
    with pytest.raises(error, match=match):
        build_index(vecs, tmp_path, backend="milvus", progress=False, **params)


def test_ivf_flat_tunes_nprobe(vecs, tmp_path):
    index = build_index(vecs, tmp_path, backend="milvus", index_type="IVF_FLAT", nlist=32, progress=False)
    assert (
        index.effort_name == "nprobe" and index.search_k == 16 and index.path.name == "milvus-ip-ivf_flat-nl32.milvus"
    )
    one, full = index.recall(sample=100, search_k=1), index.recall(sample=100, search_k=32)
    assert one.recall < full.recall and full.recall >= 0.9  # more clusters probed: better recall
    tuned = index.tune(recall=0.9, sample=100)
    assert tuned.recall >= 0.9 and 1 <= index.search_k <= 32 and "nprobe" in str(tuned)


def test_unreachable_server_fails_fast_with_one_clear_line(vecs, tmp_path, capsys):
    import time

    started = time.perf_counter()
    with pytest.raises(IndexServiceError, match=r"cannot reach Milvus at http://127.0.0.1:1"):
        build_index(vecs, tmp_path, backend="milvus", uri="http://127.0.0.1:1", progress=False)
    assert time.perf_counter() - started < 10
    assert not [p for p in tmp_path.glob("*.milvus*") if p.suffix != ".lock"]  # nothing half-written


def test_an_unreachable_server_leaves_no_lock_in_the_cache(tmp_path, monkeypatch):
    """A failed connection under the build lock leaves nothing beside the index it meant to write
    (an empty ``.lock`` file used to stay in the cache's index folder)."""
    from pretrained.index.build import lock_file
    from pretrained.index.sidecar import index_path

    monkeypatch.setenv("PRETRAINED_CACHE", str(tmp_path / "cache"))
    vecs = _vectors(rows=300)
    with pytest.raises(IndexServiceError, match=r"cannot reach Milvus"):
        build_index(vecs, None, backend="milvus", uri="http://127.0.0.1:1", progress=False)
    target = index_path(vecs, backend="milvus")
    assert target.parent.is_dir() and not lock_file(target).exists()
    assert [p for p in (tmp_path / "cache").rglob("*") if p.is_file()] == []


def test_cli_errors_are_one_line_exit_1(tmp_path, capsys):
    from pretrained.cli import main

    src = tmp_path / "v.txt"
    _vectors(rows=300).save(src, "glove")
    assert (
        main(
            [
                "-q",
                "build-index",
                str(src),
                "--backend",
                "milvus",
                "--uri",
                "http://127.0.0.1:1",
                "--token",
                "s3cret-tok",
            ]
        )
        == 1
    )
    err = capsys.readouterr().err
    assert err.startswith("pretrained: error: cannot reach Milvus at http://127.0.0.1:1") and err.count("\n") == 1
    assert "s3cret-tok" not in err
    assert main(["-q", "build-index", str(src), "--backend", "milvus", "--index-type", "DISKANN"]) == 1
    err = capsys.readouterr().err
    assert "Milvus Lite cannot build a DISKANN" in err and err.count("\n") == 1
    assert main(["build-index", str(src), "--backend", "milvus", "--trees", "3"]) == 2
    assert "--trees belongs to --backend annoy" in capsys.readouterr().err


def test_token_is_never_logged_printed_or_stored(tmp_path, capsys, caplog, monkeypatch):
    from pretrained.cli import main

    token = "tok-" + os.urandom(6).hex()
    src = tmp_path / "v.txt"
    _vectors(rows=400).save(src, "glove")
    cache = tmp_path / "cache"
    monkeypatch.setenv("PRETRAINED_MILVUS_TOKEN", token + "-env")
    with caplog.at_level(logging.DEBUG):
        assert (
            main(
                [
                    "-vv",
                    "build-index",
                    str(src),
                    "--backend",
                    "milvus",
                    "--token",
                    token,
                    "--cache-dir",
                    str(cache),
                    "--json",
                ]
            )
            == 0
        )
    out = capsys.readouterr()
    data = json.loads(out.out)
    assert data["verified"]["rows"] == 400 and data["verified"]["recall"] > 0.9
    assert token not in out.out + out.err and token not in caplog.text
    written = [p for p in cache.rglob("*") if p.is_file() and p.stat().st_size < 5_000_000]
    assert any(p.name == "meta.json" for p in written) and any(p.suffix == ".milvus" for p in written)
    for p in written:
        assert token.encode() not in p.read_bytes(), p


def test_cli_push_names_its_parameters_not_an_empty_list(tmp_path, capsys):
    from pretrained.cli import main

    src = tmp_path / "v.txt"
    _vectors(rows=300).save(src, "glove")
    assert main(["build-index", str(src), "--backend", "milvus", "--index-type", "FLAT"]) == 0
    err = capsys.readouterr().err
    assert ": milvus, index_type FLAT (rows are upserted by id: a rerun after a kill resumes)" in err
    assert main(["build-index", str(src), "--backend", "milvus"]) == 0
    err = capsys.readouterr().err
    assert ": milvus, index_type HNSW, M 16, ef_construction 200 (rows are upserted" in err and ",  (" not in err


def test_cli_push_says_rows_and_recall(tmp_path, capsys):
    from pretrained.cli import main

    src = tmp_path / "v.txt"
    _vectors(rows=500).save(src, "glove")
    assert main(["-q", "build-index", str(src), "--backend", "milvus"]) == 0
    out = capsys.readouterr().out
    assert "verified: 500 rows in the collection" in out and "against exact search" in out
    assert main(["neighbours", str(src), "w1", "--index", "--backend", "milvus", "-n", "3", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["w1"]) == 3


_PUSH_THEN_DIE = textwrap.dedent(
    """
    import os, signal, sys
    from pretrained.index import milvus_backend
    real = milvus_backend.MilvusBackend.add_rows
    def add_rows(self, start, unit):
        if start >= int(os.environ["DIE_AT"]):
            os.kill(os.getpid(), signal.SIGKILL)  # a kill mid-push: no clean-up runs
        real(self, start, unit)
    milvus_backend.MilvusBackend.add_rows = add_rows
    from pretrained.cli import main
    sys.exit(main(sys.argv[1:]))
    """
)


def test_a_killed_push_resumes_without_duplicates(tmp_path, caplog):
    from pretrained.cli import main

    rows = 12_000  # three batches of 5,000 upserts: killed before the third
    src = tmp_path / "v.txt"
    _vectors(rows=rows).save(src, "glove")
    cache = tmp_path / "cache"
    args = ["-q", "build-index", str(src), "--backend", "milvus", "--cache-dir", str(cache)]
    env = {
        **os.environ,
        "DIE_AT": "10000",
        "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent.parent), os.environ.get("PYTHONPATH", "")]),
    }
    proc = subprocess.run(
        [sys.executable, "-c", _PUSH_THEN_DIE, *args], check=False, env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert not list(cache.rglob("*.milvus")) and not list(cache.rglob("*.milvus.json"))  # not reported as done
    with caplog.at_level(logging.INFO, logger="pretrained.index.build"):
        assert main(args) == 0
    assert f"resuming: 10000 of {rows} rows" in caplog.text
    v = pretrained.load(str(src), cache_dir=cache)
    index = load_index(next(cache.rglob("*.milvus")), vectors=v)
    client, name = index.backend.client, index.backend.collection
    assert index.backend.row_count() == rows
    ids = [r["id"] for r in client.query(name, filter="id >= 0", output_fields=["id"], limit=16384)]
    assert len(ids) == rows and sorted(ids) == list(range(rows))  # every row once
    assert index.most_similar("w11999", topn=1).words == v.most_similar("w11999", topn=1).words


def test_a_dropped_connection_mid_push_is_one_error_and_a_rerun_resumes(tmp_path, monkeypatch, caplog):
    from pymilvus import MilvusClient, MilvusException

    v = _vectors(seed=3, rows=11_000)
    real = MilvusClient.upsert
    sent = []

    def flaky(self, name, rows, **kw):
        if sent:  # the second batch: the connection drops
            raise MilvusException(code=2, message="Fail connecting to server on 10.0.0.9:19530, server unavailable")
        sent.append(len(rows))
        return real(self, name, rows, **kw)

    monkeypatch.setattr(MilvusClient, "upsert", flaky)
    with pytest.raises(IndexServiceError, match=r"upserting on collection pretrained_.*cannot reach Milvus"):
        build_index(v, tmp_path, backend="milvus", progress=False)
    assert sent == [5000] and not list(tmp_path.glob("*.milvus")) and not list(tmp_path.glob("*.milvus.json"))
    monkeypatch.setattr(MilvusClient, "upsert", real)
    with caplog.at_level(logging.INFO, logger="pretrained.index.build"):
        index = build_index(v, tmp_path, backend="milvus", progress=False)
    assert "resuming: 5000 of 11000 rows" in caplog.text
    assert index.backend.row_count() == 11_000 and len(index) == 11_000
