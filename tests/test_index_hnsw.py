"""The HNSW (hnswlib) index behind the same NeighbourIndex API as Annoy: exclusion of the inputs,
exact re-ranking, batches, the sidecar refusals, tune, recall on a small generated set, the cache
path and the command line."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
from conftest import require

import pretrained
from pretrained.index import IndexMismatchError, build_index, index_path, load_index, sidecar_path

require("hnswlib", "hnsw")


def generated(n=2000, dim=16, clusters=40, seed=0, name="generated"):
    """Words in loose clusters: clear but not trivial neighbours."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, dim))
    X = centres[rng.integers(clusters, size=n)] + 0.5 * rng.standard_normal((n, dim))
    return pretrained.Vectors([f"w{i}" for i in range(n)], X.astype(np.float32), name=name)


@pytest.fixture(scope="module")
def vecs():
    return generated()


@pytest.fixture
def built(vecs, tmp_path):
    return build_index(
        vecs, tmp_path / "idx.ann", backend="hnsw", M=8, ef_construction=100, seed=3, n_jobs=2, progress=False
    )


EXACT_EF = 2000  # ef as large as the set: the search is exhaustive


# ---------------------------------------------------------------------------- queries


def test_neighbours_exclude_the_query_word_and_equal_exact_at_a_large_ef(vecs, built):
    for word in ["w0", "w17", "w999", "w1999"]:
        got = built.most_similar(word, topn=10, search_k=EXACT_EF)
        assert word not in got.words and len(got) == 10
        want = vecs.most_similar(word, topn=10)
        assert got.words == want.words
        np.testing.assert_allclose([s for _, s in got], [s for _, s in want], atol=1e-5)  # cosines, not distances


def test_vector_query_keeps_its_own_word(vecs, built):
    got = built.most_similar(np.asarray(vecs["w5"]) * 3.0, topn=4, search_k=EXACT_EF)
    assert got[0][0] == "w5" and got[0][1] == pytest.approx(1.0, abs=1e-5)
    assert got.words[1:] == built.most_similar("w5", topn=3, search_k=EXACT_EF).words


def test_batches_equal_single_queries(built):
    words = [f"w{i}" for i in range(0, 2000, 37)]
    singles = [built.most_similar(w, topn=5) for w in words]
    assert built.most_similar_batch(words, topn=5, n_jobs=2) == singles
    triples = [("w1", "w2", "w3"), ("w10", "w20", "w30"), ("w7", "w8", "w9")]
    for method in ("add", "mul"):
        assert built.analogy_batch(triples, topn=3, method=method, n_jobs=2) == [
            built.analogy(*t, topn=3, method=method) for t in triples
        ]


def test_analogy_excludes_inputs_and_scores_are_exact_cosines(vecs, built):
    for a, b, c in [("w1", "w2", "w3"), ("w100", "w200", "w300"), ("w5", "w5", "w6")]:
        got = built.analogy(a, b, c, topn=5, search_k=EXACT_EF)
        assert not {a, b, c} & set(got.words)
        want = vecs.analogy(a, b, c, topn=5)
        assert got.words == want.words
        np.testing.assert_allclose([s for _, s in got], [s for _, s in want], rtol=1e-6, atol=1e-7)
    # at the default ef the candidates are approximate, but each score is still the exact cosine
    got = built.analogy("w11", "w12", "w13", topn=5)
    unit = vecs.unit
    target = unit(unit("w12") - unit("w11") + unit("w13"))
    for word, score in got:
        assert score == pytest.approx(float(unit(word) @ target), abs=1e-5)


def test_analogy_toy_parallelogram_both_methods(toy_vectors, tmp_path):
    index = build_index(toy_vectors, tmp_path / "toy.ann", backend="hnsw", progress=False)
    for method in ("add", "mul"):
        got = index.analogy("man", "king", "woman", topn=3, method=method)
        assert got[0][0] == "queen"
        assert got == toy_vectors.analogy("man", "king", "woman", topn=3, method=method)


# ---------------------------------------------------------------------------- recall and tune


def test_recall_at_a_moderate_ef(built):
    report = built.recall(sample=300, k=10, search_k=40)
    assert report.recall >= 0.95 and report.backend == "hnsw" and report.search_k == 40
    assert report.index_qps > 0 and "ef 40" in str(report)


def test_tune_reaches_the_target_and_picks_a_small_ef(built):
    low = built.recall(sample=300, k=10, search_k=11).recall
    target = min(0.995, low + (1 - low) / 2)  # above what the smallest ef gives
    report = built.tune(recall=target, sample=300)
    assert report.recall >= target and built.search_k == report.search_k
    assert built.recall(sample=300, search_k=report.search_k).recall >= target
    assert 11 <= report.search_k <= 2000


def test_tune_save_persists_ef(built, vecs):
    report = built.tune(recall=0.9, sample=100, save=True)
    again = load_index(built.path, vectors=vecs)
    assert again.search_k == report.search_k and again.backend_name == "hnsw"


# ---------------------------------------------------------------------------- sidecar and refusals


def test_sidecar_names_the_backend_and_its_parameters(built):
    side = json.loads(sidecar_path(built.path).read_text())
    assert side["backend"] == "hnsw" and side["metric"] == "ip"
    assert side["params"] == {"M": 8, "ef_construction": 100, "seed": 3}
    assert side["search_k"] == 80 and side["count"] == 2000 and side["versions"]["hnswlib"]
    assert side["build"]["threads"] == 2


def test_load_index_picks_the_backend_from_the_sidecar(vecs, built):
    again = load_index(built.path, vectors=vecs)  # backend defaults to annoy: the sidecar wins
    assert again.backend_name == "hnsw" and again.params["M"] == 8
    assert again.most_similar("w3", topn=5) == built.most_similar("w3", topn=5)


def test_other_vectors_refused(built):
    with pytest.raises(IndexMismatchError, match="built for vectors"):
        load_index(built.path, vectors=generated(seed=9))
    with pytest.raises(IndexMismatchError, match="items"):
        load_index(built.path, vectors=generated(n=1500))


def test_truncated_index_refused_and_rebuilt(vecs, built):
    size = built.path.stat().st_size
    with open(built.path, "r+b") as f:
        f.truncate(size // 2)
    with pytest.raises(IndexMismatchError, match="truncated"):
        load_index(built.path, vectors=vecs)
    # even when the sidecar was made to agree, hnswlib's refusal becomes the same error
    side = sidecar_path(built.path)
    data = json.loads(side.read_text())
    data["ann_size"] = size // 2
    side.write_text(json.dumps(data))
    with pytest.raises(IndexMismatchError, match="build the index again"):
        load_index(built.path, vectors=vecs)
    again = build_index(vecs, built.path, backend="hnsw", M=8, ef_construction=100, seed=3, progress=False)
    assert again.path.stat().st_size == size
    assert again.most_similar("w1", topn=3, search_k=EXACT_EF).words == vecs.most_similar("w1", topn=3).words


def test_bad_parameters_say_what_is_allowed(vecs, tmp_path):
    with pytest.raises(ValueError, match="M"):
        build_index(vecs, tmp_path / "x.ann", backend="hnsw", M=1)
    with pytest.raises(ValueError, match="ef_construction"):
        build_index(vecs, tmp_path / "x.ann", backend="hnsw", ef_construction=0)
    with pytest.raises(TypeError, match="n_trees"):
        build_index(vecs, tmp_path / "x.ann", backend="hnsw", n_trees=5)
    with pytest.raises(TypeError, match="M"):
        build_index(vecs, tmp_path / "x.ann", M=16)  # Annoy has no M
    with pytest.raises(ValueError, match="on_disk"):
        build_index(vecs, tmp_path / "x.ann", backend="hnsw", on_disk=True)
    with pytest.raises(ValueError, match="hnsw"):
        build_index(vecs, tmp_path / "x.ann", backend="hnws")
    assert not any(tmp_path.iterdir())


# ---------------------------------------------------------------------------- cache and CLI


@pytest.fixture
def cached(tmp_path):
    v = generated(n=500, dim=12, name="file")
    path = tmp_path / "vecs.txt"
    v.save(path)
    return path


def test_cached_path_is_distinct_from_annoys_and_reused(cached):
    v = pretrained.load(cached)
    hnsw = v.index(backend="hnsw", progress=False)
    annoy = v.index(n_trees=4, progress=False)
    assert hnsw.path == index_path(v, backend="hnsw") and hnsw.path != annoy.path
    assert hnsw.path.parent == annoy.path.parent and hnsw.path.name.startswith("hnsw-")
    assert index_path(v, backend="hnsw", M=32) != hnsw.path
    stamp = hnsw.path.stat().st_mtime_ns
    again = pretrained.load(cached).index(backend="hnsw")
    assert again.path.stat().st_mtime_ns == stamp and again.backend_name == "hnsw"
    assert load_index(cached, vectors=v, backend="hnsw").path == hnsw.path


def test_cli_build_index_check_neighbours_analogy(cached, capsys):
    from pretrained.cli import main

    assert (
        main(["-q", "build-index", str(cached), "--backend", "hnsw", "--m", "8", "--ef-construction", "64", "--json"])
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert (
        data["sidecar"]["backend"] == "hnsw" and data["sidecar"]["params"]["M"] == 8 and os.path.isfile(data["index"])
    )
    assert os.path.basename(data["index"]) == "hnsw-ip-m8-efc64-s42.ann"
    assert (
        main(
            [
                "index-check",
                str(cached),
                "--backend",
                "hnsw",
                "--m",
                "8",
                "--ef-construction",
                "64",
                "--sample",
                "50",
                "--json",
            ]
        )
        == 0
    )
    check = json.loads(capsys.readouterr().out)
    assert check["backend"] == "hnsw" and 0.9 <= check["recall"] <= 1
    argv = [
        "neighbours",
        str(cached),
        "w1",
        "--index",
        "--backend",
        "hnsw",
        "--m",
        "8",
        "--ef-construction",
        "64",
        "-n",
        "3",
        "--search-k",
        "500",
        "--json",
    ]
    assert main(argv) == 0
    via_index = json.loads(capsys.readouterr().out)["w1"]
    assert main(["neighbours", str(cached), "w1", "-n", "3", "--json"]) == 0
    exact = json.loads(capsys.readouterr().out)["w1"]
    assert [w for w, _ in via_index] == [w for w, _ in exact]
    assert main(["analogy", str(cached), "w1", "w2", "w3", "--index", "--backend", "hnsw", "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)["answers"]
    assert answer and answer[0][0] not in ("w1", "w2", "w3")


@pytest.mark.parametrize(
    "argv, message",
    [
        (["build-index", "{v}", "--backend", "hnsw", "--m", "1"], "--m"),
        (["build-index", "{v}", "--backend", "hnsw", "--m", "x"], "--m"),
        (["build-index", "{v}", "--backend", "hnsw", "--ef-construction", "0"], "--ef-construction"),
        (["build-index", "{v}", "--backend", "faiss"], "--backend"),
        (["build-index", "{v}", "--backend", "hnsw", "--trees", "5"], "--trees"),
        (["build-index", "{v}", "--m", "16"], "--m"),
        (["build-index", "{v}", "--backend", "hnsw", "--on-disk"], "--on-disk"),
        (["neighbours", "{v}", "w1", "--index", "--backend", "hnsw", "--ef-construction", "-2"], "--ef-construction"),
    ],
)
def test_cli_bad_hnsw_options_exit_2(cached, capsys, argv, message):
    from pretrained.cli import main

    code = main([a.format(v=cached) for a in argv])
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err


def test_an_unknown_backend_names_every_known_one(toy_vectors):
    with pytest.raises(ValueError) as info:
        toy_vectors.index(backend="faiss")
    assert "annoy" in str(info.value) and "hnsw" in str(info.value)
