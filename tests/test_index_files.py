"""Index files never crash the process and never answer junk (issue 17 C): damaged files of every
backend are refused (or rebuilt) before the native library reads them, tiny Annoy sets, lock files,
``--out`` refusals, a removed cache entry, ``cache verify`` of index files, and an index folder
read by a consumer with the raw library alone.

A backend is one row of ``BACKENDS``: a new backend adds its name, its small build parameters and
how a raw reader opens its file.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from conftest import require

import pretrained
from pretrained.cache import folder as cachedir
from pretrained.cli import main
from pretrained.index import IndexMismatchError, build_index, load_index, sidecar_path
from pretrained.index.sidecar import vocabulary_path


def _raw_annoy(path: Path, side: dict):
    AnnoyIndex = require("annoy", "annoy").AnnoyIndex
    ann = AnnoyIndex(side["dim"], side["metric"])
    ann.load(os.fspath(path))
    return lambda vector, n: ann.get_nns_by_vector(vector, n, 10_000)


def _raw_hnsw(path: Path, side: dict):
    hnswlib = require("hnswlib", "hnsw")
    index = hnswlib.Index(space=side["metric"], dim=side["dim"])
    index.load_index(os.fspath(path))
    index.set_ef(200)
    return lambda vector, n: index.knn_query(np.asarray(vector, np.float32), k=n)[0][0].tolist()


# name, small build parameters, a raw reader (the library alone, as a consumer would)
BACKENDS = [
    pytest.param("annoy", {"n_trees": 4}, _raw_annoy, id="annoy"),
    pytest.param("hnsw", {"M": 8, "ef_construction": 50}, _raw_hnsw, id="hnsw"),
]

# where and how a file is damaged; each keeps the file's size, so only the content hash tells
DAMAGE = [
    pytest.param(lambda size: (size // 2, os.urandom(32)), id="32-bytes-overwritten-mid-file"),
    pytest.param(lambda size: (0, b"\xff" * 8), id="header-overwritten"),
    pytest.param(lambda size: (size - 4, b"\x7f\xff\xff\xff"), id="last-bytes-overwritten"),
]

HERE = os.path.dirname(os.path.dirname(pretrained.__file__))  # the code under test, not an installed copy


def clustered(n=300, dim=8, clusters=15, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, dim))
    X = centres[rng.integers(clusters, size=n)] + 0.3 * rng.standard_normal((n, dim))
    return pretrained.Vectors([f"w{i}" for i in range(n)], X.astype(np.float32), name="clustered")


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "vecs.txt"
    clustered().save(path)
    return path


def damage(path: Path, where) -> None:
    size = path.stat().st_size
    offset, data = where(size)
    with open(path, "r+b") as f:
        f.seek(offset)
        old = f.read(len(data))
        f.seek(offset)
        f.write(data if data != old else bytes(b ^ 0xFF for b in data))
    assert path.stat().st_size == size


def run_python(script: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run ``script`` in a fresh interpreter: a segfault there fails the test instead of pytest."""
    env = {**os.environ, "PRETRAINED_PROGRESS": "0", "PYTHONPATH": HERE}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)], capture_output=True, text=True, env=env, cwd=cwd, timeout=300
    )


def run_cli(args, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PRETRAINED_PROGRESS": "0", "PYTHONPATH": HERE}
    return subprocess.run(
        [sys.executable, "-m", "pretrained", *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=300
    )


def assert_no_crash(proc: subprocess.CompletedProcess) -> None:
    assert proc.returncode >= 0, f"killed by signal {-proc.returncode}: {proc.stderr[-2000:]}"
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]


# ---------------------------------------------------------------------------- damaged files


@pytest.mark.parametrize("where", DAMAGE)
@pytest.mark.parametrize("backend, params, raw", BACKENDS)
def test_a_damaged_index_file_is_refused_then_rebuilt_never_a_crash(source, tmp_path, backend, params, raw, where):
    v = pretrained.load(source)
    built = v.index(backend=backend, progress=False, **params)
    want = v.most_similar("w1", topn=5).words
    damage(built.path, where)
    proc = run_python(
        f"""
        import json, pretrained
        from pretrained.index import IndexMismatchError, load_index
        v = pretrained.load({str(source)!r})
        out = {{}}
        try:
            load_index({str(built.path)!r}, vectors=v)
            out["opened"] = True
        except IndexMismatchError as exc:
            out["refused"] = str(exc)
        index = v.index(backend={backend!r}, progress=False, **{params!r})   # the cache rebuilds it
        out["answer"] = index.most_similar("w1", topn=5, search_k=10000).words
        print(json.dumps(out))
        """,
        tmp_path,
    )
    assert_no_crash(proc)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout)
    assert "opened" not in out
    assert (
        "is damaged" in out["refused"]
        and str(built.path) in out["refused"]
        and "build the index again" in out["refused"]
    )
    assert out["answer"] == want


@pytest.mark.parametrize("backend, params, raw", BACKENDS)
def test_cli_on_a_damaged_index_gives_a_clear_error_or_rebuilds(source, tmp_path, backend, params, raw):
    names = {"n_trees": "--trees", "M": "--m", "ef_construction": "--ef-construction"}
    flags = ["--backend", backend] + [x for k, val in params.items() for x in (names[k], str(val))]
    v = pretrained.load(source)
    built = build_index(v, backend=backend, progress=False, **params)
    damage(built.path, lambda size: (size // 2, os.urandom(32)))
    checked = run_cli(["index-check", str(source), *flags, "--sample", "20"], tmp_path)
    assert_no_crash(checked)
    assert checked.returncode != 0 and "is damaged" in checked.stderr and str(built.path) in checked.stderr
    out = run_cli(["neighbours", str(source), "w1", "--index", *flags, "-n", "5", "--json"], tmp_path)
    assert_no_crash(out)
    assert out.returncode == 0, out.stderr
    assert "null" not in out.stdout
    assert [word for word, _ in json.loads(out.stdout)["w1"]] == v.most_similar("w1", topn=5).words


@pytest.mark.parametrize("backend, params, raw", BACKENDS)
def test_cache_verify_reads_index_files(source, backend, params, raw):
    v = pretrained.load(source)
    built = v.index(backend=backend, progress=False, **params)
    rows = [r for r in cachedir.verify() if r["kind"] == "index"]
    assert len(rows) == 1 and rows[0]["ok"], rows
    assert "content hash" in rows[0]["detail"]
    damage(built.path, lambda size: (size - 40, b"\x01" * 32))
    rows = [r for r in cachedir.verify() if r["kind"] == "index"]
    assert not rows[0]["ok"] and built.path.name in rows[0]["detail"] and "hash" in rows[0]["detail"]
    # the vocabulary file beside it is checked too
    v.index(backend=backend, progress=False, force=True, **params)
    vocab = vocabulary_path(built.path)
    vocab.write_bytes(vocab.read_bytes().replace(b"w1\n", b"w9\n", 1))
    rows = [r for r in cachedir.verify() if r["kind"] == "index"]
    assert not rows[0]["ok"] and vocab.name in rows[0]["detail"]


def test_an_index_without_a_content_hash_is_refused_and_the_cache_rebuilds_it(source):
    v = pretrained.load(source)
    built = v.index(n_trees=3, progress=False)
    side = json.loads(sidecar_path(built.path).read_text())
    del side["ann_hash"]
    sidecar_path(built.path).write_text(json.dumps(side))
    with pytest.raises(IndexMismatchError, match="no content hash"):
        load_index(built.path, vectors=v)
    again = v.index(n_trees=3, progress=False)
    assert json.loads(sidecar_path(again.path).read_text())["ann_hash"].startswith("xxh3_128:")


# ---------------------------------------------------------------------------- tiny Annoy sets


@pytest.mark.parametrize("rows, dim", [(1, 3), (3, 4), (10, 50), (40, 5)])
def test_annoy_over_a_tiny_set_builds_loads_and_rebuilds(tmp_path, rows, dim):
    rng = np.random.default_rng(rows)
    v = pretrained.Vectors([f"t{i}" for i in range(rows)], rng.standard_normal((rows, dim)).astype(np.float32))
    index = build_index(v, tmp_path / "tiny.ann", progress=False)  # 50 trees asked for
    assert (
        load_index(index.path, vectors=v).most_similar(v.vectors[0], topn=rows).words
        == v.most_similar(v.vectors[0], topn=rows).words
    )
    again = build_index(v, tmp_path / "tiny.ann", progress=False, force=True)
    assert len(again) == rows
    side = json.loads(sidecar_path(again.path).read_text())
    assert side["params"]["n_trees"] == 50 and side["holds"]["items"] == rows  # what was asked, what was built


# ---------------------------------------------------------------------------- locks and --out


@pytest.mark.parametrize("backend, params, raw", BACKENDS)
def test_out_leaves_no_lock_beside_the_users_file(tmp_path, backend, params, raw):
    out = tmp_path / "shipped"
    out.mkdir()
    build_index(clustered(), out / "s.ann", backend=backend, progress=False, **params)
    assert sorted(p.name for p in out.iterdir()) == ["s.ann", "s.ann.json", "s.ann.vocab.txt"]


def test_an_interrupted_build_leaves_nothing_beside_the_users_file(tmp_path, monkeypatch):
    from pretrained.index.annoy_backend import AnnoyBackend

    def interrupted(self, n_jobs):
        raise KeyboardInterrupt

    monkeypatch.setattr(AnnoyBackend, "build", interrupted)
    with pytest.raises(KeyboardInterrupt):
        build_index(clustered(), tmp_path / "s.ann", n_trees=2, progress=False)
    assert list(tmp_path.iterdir()) == []
    locks = cachedir.root() / "locks"
    assert not locks.exists() or list(locks.iterdir()) == []


def test_out_refuses_to_replace_another_backends_index_or_a_foreign_file(tmp_path, capsys):
    require("hnswlib", "hnsw")
    v = clustered()
    target = tmp_path / "s.ann"
    annoy = build_index(v, target, n_trees=2, progress=False)
    stamp = target.read_bytes()
    with pytest.raises(IndexMismatchError, match=r"backend 'annoy', not 'hnsw'.*force"):
        build_index(v, target, backend="hnsw", progress=False)
    assert target.read_bytes() == stamp and annoy.most_similar("w3", topn=2)
    hnsw = build_index(v, target, backend="hnsw", progress=False, force=True)
    assert hnsw.backend_name == "hnsw"
    mine = tmp_path / "notes.ann"
    mine.write_text("my own file")
    with pytest.raises(IndexMismatchError, match="not an index"):
        build_index(v, mine, n_trees=2, progress=False)
    assert mine.read_text() == "my own file"
    other = clustered(seed=5)
    with pytest.raises(IndexMismatchError, match="index of other vectors"):
        build_index(other, target, backend="hnsw", progress=False)


def test_cli_out_refuses_another_backend_without_force(source, tmp_path, capsys):
    require("hnswlib", "hnsw")
    out = tmp_path / "s.ann"
    assert main(["-q", "build-index", str(source), "--trees", "2", "--out", str(out)]) == 0
    assert main(["-q", "build-index", str(source), "--backend", "hnsw", "--out", str(out)]) != 0
    assert "--force" in capsys.readouterr().err
    assert json.loads(sidecar_path(out).read_text())["backend"] == "annoy"
    assert main(["-q", "build-index", str(source), "--backend", "hnsw", "--out", str(out), "--force"]) == 0
    assert json.loads(sidecar_path(out).read_text())["backend"] == "hnsw"


def test_index_after_cache_remove_is_refused(source):
    v = pretrained.load(source)
    assert main(["-q", "cache", "remove", os.path.basename(v.path)]) == 0
    with pytest.raises(IndexMismatchError, match=r"was removed.*load them again"):
        v.index(n_trees=2, progress=False)
    assert not (cachedir.indexes() / os.path.basename(v.path)).exists()


# ---------------------------------------------------------------------------- shipping an index folder


@pytest.mark.parametrize("backend, params, raw", BACKENDS)
def test_a_shipped_index_folder_is_read_with_the_raw_library_alone(tmp_path, backend, params, raw):
    v = clustered()
    index = build_index(v, tmp_path / "made" / "s.ann", backend=backend, progress=False, **params)
    shipped = tmp_path / "elsewhere"
    shutil.copytree(index.path.parent, shipped)
    side = json.loads((shipped / "s.ann.json").read_text())
    assert side["normalised"] is True and side["count"] == len(v) and side["dim"] == v.dim
    words = (shipped / side["vocabulary"]["file"]).read_text(encoding="utf-8").split("\n")[:-1]
    assert words == v.index_to_key
    query = raw(shipped / side["ann_file"], side)
    unit = v.vectors[7] / np.linalg.norm(v.vectors[7])
    got = [words[i] for i in query(unit.tolist(), 6)]
    assert got[0] == "w7" and got[1:] == v.most_similar("w7", topn=5).words
    # and our loader reads the shipped folder, given the vectors
    assert load_index(shipped / "s.ann", vectors=v).most_similar("w7", topn=5, search_k=10000).words == got[1:]


def test_a_cache_index_records_its_entry_relative_to_its_folder(source, tmp_path):
    v = pretrained.load(source)
    index = v.index(n_trees=2, progress=False)
    entry = json.loads(sidecar_path(index.path).read_text())["vectors"]["entry"]
    assert not os.path.isabs(entry) and entry == f"../../vectors/{os.path.basename(v.path)}"
    moved = tmp_path / "moved-cache"
    shutil.copytree(cachedir.root(), moved)
    again = load_index(moved / "indexes" / index.path.parent.name / index.path.name)  # no vectors given
    assert Path(again.vectors.path) == moved / "vectors" / os.path.basename(v.path)


def test_prune_removes_the_indexes_of_a_conversion_it_removes(tmp_path):
    source = tmp_path / "vecs.txt"
    clustered().save(source)
    v = pretrained.load(source)
    index = v.index(n_trees=2, progress=False)
    os.utime(source, ns=(1, 1))  # the source changed: its conversion is superseded
    pruned = [p for p, _, _ in cachedir.prune()]
    assert v.path in map(str, pruned) and index.path.parent in pruned
    assert not index.path.parent.exists()


def test_no_lock_left_in_the_cache_for_an_out_index(tmp_path):
    build_index(clustered(), tmp_path / "s.ann", n_trees=2, progress=False)
    locks = cachedir.root() / "locks"
    assert not locks.exists() or list(locks.iterdir()) == []
