"""The Annoy neighbour index: exact answers on small generated sets at a high search_k, the
sidecar checks, the cache, reproducibility, processes sharing one memory-mapped file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import pretrained
from pretrained.index import IndexMismatchError, NeighbourIndex, build_index, index_path, load_index, sidecar_path


def clustered(n=600, dim=16, clusters=20, seed=0, name="clustered"):
    """Words in tight clusters around random centres: every word has clear neighbours."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, dim))
    X = centres[rng.integers(clusters, size=n)] + 0.3 * rng.standard_normal((n, dim))
    return pretrained.Vectors([f"w{i}" for i in range(n)], X.astype(np.float32), name=name)


@pytest.fixture
def vecs():
    return clustered()


@pytest.fixture
def built(vecs, tmp_path):
    return build_index(vecs, tmp_path / "idx.ann", n_trees=8, seed=1, progress=False)


def exhaustive(index: NeighbourIndex) -> int:
    """A search_k that makes Annoy visit every leaf of every tree: exact search."""
    return index.n_trees * len(index) * 2


# ---------------------------------------------------------------------------- queries


def test_neighbours_equal_exact_search_at_high_search_k(vecs, built):
    sk = exhaustive(built)
    for word in ["w0", "w17", "w333", "w599"]:
        got = built.most_similar(word, topn=10, search_k=sk)
        want = vecs.most_similar(word, topn=10)
        assert got.words == want.words
        np.testing.assert_allclose([s for _, s in got], [s for _, s in want], atol=1e-4)  # cosines, not distances


def test_query_word_excluded_and_vector_query_is_not(vecs, built):
    sk = exhaustive(built)
    got = built.most_similar("w5", topn=5, search_k=sk)
    assert "w5" not in got.words and len(got) == 5
    by_vector = built.most_similar(np.asarray(vecs["w5"]) * 3.0, topn=6, search_k=sk)
    assert by_vector[0][0] == "w5" and by_vector[0][1] == pytest.approx(1.0, abs=1e-4)
    assert by_vector.words[1:] == got.words


def test_default_search_k_gives_high_recall_on_a_small_set(built):
    report = built.recall(sample=200, k=10)
    assert report.recall >= 0.9
    assert report.index_qps > 0 and report.exact_qps > 0


def test_batches_equal_single_queries(vecs, built):
    words = [f"w{i}" for i in range(0, 600, 7)]
    singles = [built.most_similar(w, topn=5) for w in words]
    assert built.most_similar_batch(words, topn=5, n_jobs=2) == singles
    assert built.most_similar_batch(words, topn=5, n_jobs=1) == singles
    triples = [("w1", "w2", "w3"), ("w10", "w20", "w30"), ("w7", "w8", "w9")]
    for method in ("add", "mul"):
        assert built.analogy_batch(triples, topn=3, method=method, n_jobs=2) == [
            built.analogy(*t, topn=3, method=method) for t in triples
        ]


def test_missing_word_is_a_clear_error(built):
    with pytest.raises(pretrained.WordNotFoundError, match="nope"):
        built.most_similar("nope")
    with pytest.raises(pretrained.WordNotFoundError):
        built.most_similar_batch(["w1", "nope"])
    with pytest.raises(pretrained.WordNotFoundError):
        built.analogy("w1", "nope", "w2")
    with pytest.raises(ValueError, match="method"):
        built.analogy("w1", "w2", "w3", method="avg")


def test_vectors_most_similar_routes_through_index(vecs, built):
    built.search_k = exhaustive(built)
    assert vecs.most_similar("w3", topn=5, index=built) == built.most_similar("w3", topn=5)
    got = vecs.most_similar(["w3", "w4"], ["w5"], topn=5, index=built)
    want = vecs.most_similar(["w3", "w4"], ["w5"], topn=5)
    assert got.words == want.words
    assert not {"w3", "w4", "w5"} & set(got.words)


# ---------------------------------------------------------------------------- analogies


def test_analogy_excludes_inputs_and_equals_exact(vecs, built):
    sk = exhaustive(built)
    for a, b, c in [("w1", "w2", "w3"), ("w100", "w200", "w300"), ("w5", "w5", "w6")]:
        got = built.analogy(a, b, c, topn=5, search_k=sk)
        assert not {a, b, c} & set(got.words)
        want = vecs.analogy(a, b, c, topn=5)
        assert got.words == want.words
        np.testing.assert_allclose([s for _, s in got], [s for _, s in want], rtol=1e-5, atol=1e-6)


def test_analogy_toy_parallelogram_both_methods(toy_vectors, tmp_path):
    index = build_index(toy_vectors, tmp_path / "toy.ann", n_trees=4, progress=False)
    for method in ("add", "mul"):
        got = index.analogy("man", "king", "woman", topn=3, method=method)
        assert got[0][0] == "queen"
        assert got == toy_vectors.analogy("man", "king", "woman", topn=3, method=method)


def test_analogy_restrict_vocab_keeps_answers_among_first_words(vecs, built):
    got = built.analogy("w500", "w501", "w502", topn=5, search_k=exhaustive(built), restrict_vocab=100)
    assert got and all(int(w[1:]) < 100 for w in got.words)
    assert got.words == vecs.analogy("w500", "w501", "w502", topn=5, restrict_vocab=100).words


# ---------------------------------------------------------------------------- sidecar and refusals


def test_sidecar_records_what_the_issue_lists(vecs, built):
    side = json.loads(sidecar_path(built.path).read_text())
    assert side["metric"] == "angular" and side["dim"] == 16 and side["count"] == 600
    assert side["vectors"]["sha256"].startswith("sha256:") and len(side["vectors"]["sha256"]) == 71
    assert side["build"]["n_trees"] == 8 and side["build"]["seed"] == 1 and side["build"]["seconds"] > 0
    assert side["versions"]["annoy"] and side["versions"]["numpy"]
    assert side["ann_size"] == built.path.stat().st_size


def test_other_vectors_refused(vecs, built):
    other = clustered(seed=9)  # same shape, other numbers
    with pytest.raises(IndexMismatchError, match="built for vectors"):
        load_index(built.path, vectors=other)
    with pytest.raises(IndexMismatchError, match="dim"):
        load_index(built.path, vectors=clustered(dim=8))
    with pytest.raises(IndexMismatchError, match="items"):
        load_index(built.path, vectors=clustered(n=500))
    assert isinstance(IndexMismatchError("x"), pretrained.CacheError)


def test_other_metric_refused(vecs, built):
    side = sidecar_path(built.path)
    data = json.loads(side.read_text())
    data["metric"] = "euclidean"
    side.write_text(json.dumps(data))
    with pytest.raises(IndexMismatchError, match="metric"):
        load_index(built.path, vectors=vecs)


def test_truncated_or_orphan_index_refused(vecs, built):
    size = built.path.stat().st_size
    built.unload()
    with open(built.path, "r+b") as f:
        f.truncate(size - 1000)
    with pytest.raises(IndexMismatchError, match="truncated"):
        load_index(built.path, vectors=vecs)
    sidecar_path(built.path).unlink()
    with pytest.raises(IndexMismatchError, match="no sidecar"):
        load_index(built.path, vectors=vecs)


def test_truncated_index_is_rebuilt_by_build_index(vecs, built):
    built.unload()
    with open(built.path, "r+b") as f:
        f.truncate(built.path.stat().st_size // 2)
    again = build_index(vecs, built.path, n_trees=8, seed=1, progress=False)
    assert again.path.stat().st_size == json.loads(sidecar_path(again.path).read_text())["ann_size"]
    assert again.most_similar("w1", topn=3).words == vecs.most_similar("w1", topn=3).words


def test_failed_build_leaves_nothing_behind(vecs, tmp_path, monkeypatch):
    import pretrained.index.build as mod  # the build module since the index split

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(mod, "check_file", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        build_index(vecs, tmp_path / "out" / "idx.ann", n_trees=2, progress=False)
    assert [p for p in (tmp_path / "out").iterdir() if p.suffix != ".lock"] == []  # only the build lock


# ---------------------------------------------------------------------------- build


def test_seeded_single_thread_build_is_byte_identical(vecs, tmp_path):
    a = build_index(vecs, tmp_path / "a.ann", n_trees=5, seed=7, n_jobs=1, progress=False)
    b = build_index(vecs, tmp_path / "b.ann", n_trees=5, seed=7, n_jobs=1, progress=False)
    c = build_index(vecs, tmp_path / "c.ann", n_trees=5, seed=8, n_jobs=1, progress=False)
    assert a.path.read_bytes() == b.path.read_bytes()
    assert a.path.read_bytes() != c.path.read_bytes()


def test_seeded_threaded_builds_give_the_same_answers(vecs, tmp_path):
    a = build_index(vecs, tmp_path / "a.ann", n_trees=6, seed=7, n_jobs=2, progress=False)
    b = build_index(vecs, tmp_path / "b.ann", n_trees=6, seed=7, n_jobs=2, progress=False)
    words = [f"w{i}" for i in range(0, 600, 13)]
    assert a.most_similar_batch(words, topn=10, search_k=200) == b.most_similar_batch(words, topn=10, search_k=200)


def test_on_disk_build_equals_in_memory_build(vecs, tmp_path):
    mem = build_index(vecs, tmp_path / "mem.ann", n_trees=4, seed=3, n_jobs=1, progress=False)
    disk = build_index(vecs, tmp_path / "disk.ann", n_trees=4, seed=3, n_jobs=1, on_disk=True, progress=False)
    assert disk.sidecar["build"]["on_disk"] is True
    words = [f"w{i}" for i in range(0, 600, 11)]
    assert disk.most_similar_batch(words, search_k=100) == mem.most_similar_batch(words, search_k=100)


def test_path_may_be_a_folder(vecs, tmp_path):
    index = build_index(vecs, tmp_path, n_trees=2, seed=5, progress=False)
    assert index.path == tmp_path / "annoy-angular-t2-s5.ann"


# ---------------------------------------------------------------------------- cache


@pytest.fixture
def cached(tmp_path):
    """A vector file converted into the (isolated) cache."""
    v = clustered(n=400, dim=12, name="file")
    path = tmp_path / "vecs.txt"
    v.save(path)
    return path


def test_index_in_the_cache_is_reused(cached):
    v = pretrained.load(cached)
    first = v.index(n_trees=4, progress=False)
    assert first.path == index_path(v, n_trees=4)
    assert first.path.parent.parent.name == "indexes" and first.path.parent.name == os.path.basename(v.path)
    stamp = first.path.stat().st_mtime_ns
    again = pretrained.load(cached).index(n_trees=4, progress=False)  # another Vectors object
    assert again.path == first.path and again.path.stat().st_mtime_ns == stamp
    by_name = load_index(cached, vectors=lambda: pretrained.load(cached), n_trees=4)  # the caller loads
    assert by_name.path == first.path
    assert by_name.most_similar("w3") == first.most_similar("w3")
    other = v.index(n_trees=5, progress=False)  # other build parameters, other file
    assert other.path != first.path and first.path.stat().st_mtime_ns == stamp
    files = sorted(p.name for p in first.path.parent.iterdir() if p.suffix != ".lock")
    assert files == [f"annoy-angular-t{t}-s42.ann{end}" for t in (4, 5) for end in ("", ".json", ".vocab.txt")]


def test_load_index_finds_its_vectors_through_the_sidecar(cached):
    v = pretrained.load(cached)
    built = v.build_index(n_trees=3, progress=False)
    alone = load_index(built.path)  # no vectors given: the sidecar names the cache entry
    assert alone.vectors.path == v.path
    assert alone.most_similar("w10") == built.most_similar("w10")


def test_missing_cached_index_is_a_clear_error(cached):
    with pytest.raises(IndexMismatchError, match="build-index"):
        load_index(cached, vectors=pretrained.load(cached), n_trees=9)


def test_tune_picks_search_k_for_the_target(vecs, built):
    report = built.tune(recall=0.97, sample=300, k=10)
    assert report.recall >= 0.97 and built.search_k == report.search_k
    assert built.recall(sample=300, k=10).recall >= 0.97  # same sample (seed 0): reproduced
    if report.search_k > 100:
        assert built.recall(sample=300, k=10, search_k=report.search_k // 2).recall <= 0.99


def test_tune_save_persists_search_k(cached):
    v = pretrained.load(cached)
    index = v.index(n_trees=3, progress=False)
    report = index.tune(recall=0.9, sample=100, save=True)
    assert load_index(index.path).search_k == report.search_k


# ---------------------------------------------------------------------------- processes


def test_two_processes_query_one_mmapped_index(cached, tmp_path):
    v = pretrained.load(cached)
    index = v.index(n_trees=4, progress=False)
    expected = index.most_similar_batch(["w1", "w2", "w3"], topn=5)
    script = textwrap.dedent(
        f"""
        import json, sys, pretrained
        index = pretrained.load_index({str(index.path)!r})
        maps = open("/proc/self/maps").read() if sys.platform.startswith("linux") else {str(index.path)!r}
        out = [[list(p) for p in index.most_similar(w, topn=5)] for w in ["w1", "w2", "w3"]]
        print(json.dumps({{"mapped": {str(index.path)!r} in maps, "answers": out}}))
        """
    )
    here = os.path.dirname(os.path.dirname(pretrained.__file__))  # the code under test, not an installed copy
    env = {**os.environ, "PRETRAINED_PROGRESS": "0", "PYTHONPATH": here}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=tmp_path,
        )
        for _ in range(2)
    ]
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        data = json.loads(out)
        assert data["mapped"]  # the .ann file is memory-mapped, not read into private memory
        assert [[tuple(x) for x in r] for r in data["answers"]] == [list(r) for r in expected]


# ---------------------------------------------------------------------------- CLI


def test_cli_build_check_neighbours_analogy(cached, capsys):
    from pretrained.cli import main

    assert main(["-q", "build-index", str(cached), "--trees", "3", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["sidecar"]["build"]["n_trees"] == 3 and os.path.isfile(data["index"])
    assert main(["index-check", str(cached), "--trees", "3", "--sample", "50", "--json"]) == 0
    check = json.loads(capsys.readouterr().out)
    assert 0 <= check["recall"] <= 1 and check["index_qps"] > 0
    assert main(["neighbours", str(cached), "w1", "--index", "--trees", "3", "-n", "3", "--json"]) == 0
    via_index = json.loads(capsys.readouterr().out)["w1"]
    assert len(via_index) == 3 and "w1" not in [w for w, _ in via_index]
    assert main(["analogy", str(cached), "w1", "w2", "w3", "--index", "--trees", "3", "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)["answers"]
    assert answer and answer[0][0] not in ("w1", "w2", "w3")
    assert main(["index-check", str(cached), "--trees", "7"]) == 1
    assert "build-index" in capsys.readouterr().err


def test_cli_build_index_out_and_tune(cached, tmp_path, capsys):
    from pretrained.cli import main

    out = tmp_path / "mine.ann"
    assert main(["-q", "build-index", str(cached), "--trees", "2", "--out", str(out), "--recall", "0.9"]) == 0
    text = capsys.readouterr().out
    assert "tuned: recall@10" in text and out.is_file()
    assert json.loads(sidecar_path(out).read_text())["tuned"]["target"] == 0.9


# ---------------------------------------------------------------------------- real GloVe


def test_glove50_through_the_index(glove50, tmp_path):
    index = build_index(glove50, tmp_path / "glove.ann", n_trees=10, progress=False)
    exact = glove50.most_similar("hotel", topn=10)
    got = index.most_similar("hotel", topn=10, search_k=20000)
    assert len(set(got.words) & set(exact.words)) >= 8
    assert index.analogy("man", "king", "woman")[0][0] == "queen"
    assert index.analogy("man", "king", "woman", method="mul")[0][0] == "queen"


def test_index_at_a_path_built_with_other_parameters_is_rebuilt(vecs, tmp_path, caplog):
    first = build_index(vecs, tmp_path / "idx.ann", n_trees=2, seed=1, progress=False)
    assert first.n_trees == 2
    again = build_index(vecs, tmp_path / "idx.ann", n_trees=3, seed=1, progress=False)
    assert again.n_trees == 3 and again.annoy.get_n_trees() == 3
    assert "rebuilding" in caplog.text


def test_concurrent_builds_of_one_index_leave_one_complete_index(cached, tmp_path):
    script = textwrap.dedent(
        f"""
        import pretrained
        v = pretrained.load({str(cached)!r})
        print(v.index(n_trees=3, progress=False).path)
        """
    )
    here = os.path.dirname(os.path.dirname(pretrained.__file__))  # the code under test, not an installed copy
    env = {**os.environ, "PRETRAINED_PROGRESS": "0", "PYTHONPATH": here}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=tmp_path,
        )
        for _ in range(2)
    ]
    paths = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        paths.append(out.strip())
    assert paths[0] == paths[1]
    index = load_index(paths[0])
    assert index.most_similar("w1").words == pretrained.load(cached).most_similar("w1").words
    assert not [p for p in os.listdir(os.path.dirname(paths[0])) if ".tmp-" in p]


# ---------------------------------------------------------------------------- scoring, sidecars, arguments


def test_each_index_file_keeps_its_own_sidecar(vecs, tmp_path):
    one = build_index(vecs, tmp_path / "idx" / "set.v1", n_trees=2, seed=1, progress=False)
    two = build_index(vecs, tmp_path / "idx" / "set.v2", n_trees=3, seed=1, progress=False)
    assert sidecar_path(one.path).name == "set.v1.json" and sidecar_path(two.path).name == "set.v2.json"
    assert load_index(one.path, vectors=vecs).n_trees == 2 and load_index(two.path, vectors=vecs).n_trees == 3
    assert json.loads(sidecar_path(one.path).read_text())["backend"] == "annoy"


def test_an_older_shared_stem_sidecar_is_still_read(vecs, built):
    side = json.loads(sidecar_path(built.path).read_text())
    legacy = {**side, "format": "pretrained-annoy-index", "sidecar_version": 1}
    del legacy["backend"], legacy["params"]
    sidecar_path(built.path).unlink()
    built.path.with_suffix(".json").write_text(json.dumps(legacy))
    again = load_index(built.path, vectors=vecs)
    assert again.n_trees == 8 and again.most_similar("w1", topn=3) == built.most_similar("w1", topn=3)


def test_load_index_does_not_turn_a_name_into_vectors(tmp_path):
    with pytest.raises(TypeError, match="vectors="):
        load_index(tmp_path / "some-name")


def test_recall_with_small_tiles_equals_the_default(vecs, built, monkeypatch):
    from pretrained.index import recall as mod

    ids = np.arange(0, 600, 7)
    full = np.argsort(
        -(vecs.unit_rows(ids) @ vecs.unit_rows(np.arange(600)).T + np.where(np.arange(600) == ids[:, None], -9, 0)),
        axis=1,
        kind="stable",
    )[:, :10]
    small = mod.exact_top_k(vecs, ids, 10, tile=7)
    assert [set(r) for r in small.tolist()] == [set(r) for r in full.tolist()]
    report = built.recall(sample=100, k=10, search_k=exhaustive(built))
    monkeypatch.setattr(mod, "VOCAB_TILE", 5)
    monkeypatch.setattr(mod, "QUERY_BLOCK", 3)
    again = built.recall(sample=100, k=10, search_k=exhaustive(built))
    assert again.recall == report.recall


@pytest.mark.parametrize(
    "call,error,message",
    [
        (lambda v, i: build_index(v, None, n_trees=0), ValueError, "n_trees must be at least 1"),
        (lambda v, i: build_index(v, None, n_trees=2.5), TypeError, "n_trees must be a whole number"),
        (lambda v, i: build_index(v, None, n_trees=2, search_k=0), ValueError, "search_k must be at least 1"),
        (lambda v, i: i.most_similar("w1", search_k=0), ValueError, "search_k must be at least 1"),
        (lambda v, i: i.most_similar("w1", search_k=-1), ValueError, "search_k must be at least 1"),
        (lambda v, i: i.most_similar("w1", topn=-1), ValueError, "topn must be at least 0"),
        (lambda v, i: i.most_similar_batch("w1"), TypeError, "list of words"),
        (lambda v, i: i.analogy("w1", "w2", "w3", restrict_vocab=0), ValueError, "restrict_vocab must be at least 1"),
        (lambda v, i: i.recall(sample=0), ValueError, "sample must be at least 1"),
        (lambda v, i: i.recall(k=0), ValueError, "k must be at least 1"),
        (lambda v, i: i.recall(seed=-1), ValueError, "seed must be at least 0"),
        (lambda v, i: i.tune(recall=1.5), ValueError, r"recall must be in \(0, 1\]"),
        (lambda v, i: i.tune(sample=0), ValueError, "sample must be at least 1"),
    ],
)
def test_bad_index_arguments_say_what_is_allowed(vecs, built, call, error, message):
    with pytest.raises(error, match=message):
        call(vecs, built)


def test_topn_zero_through_the_index_is_empty(built):
    assert built.most_similar("w1", topn=0) == [] and built.analogy("w1", "w2", "w3", topn=0) == []
