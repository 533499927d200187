"""The explorer page (pretrained.explore) and the projections behind it, without a browser: what the
page embeds, that it references nothing outside itself, bad input, and the CLI command."""

from __future__ import annotations

import base64
import json
import re
import sys
from html.parser import HTMLParser

import numpy as np
import pytest
from conftest import require

import pretrained
from pretrained import MissingDependencyError, Vectors, WordNotFoundError
from pretrained.cli import main
from pretrained.errors import FormatError
from pretrained.viz.explore import ExplorerPage, UnknownWordsError, explore, read_groups
from pretrained.viz.projection import MAX_POINTS, ProjectionError, check_size, kmeans, pca_2d, project

# `pretrained.explore` is the function (re-exported); the module is reached through sys.modules
EXPLORE = sys.modules["pretrained.viz.explore"]


def item_vectors(n: int = 60, dim: int = 12, seed: int = 0) -> Vectors:
    """Item embeddings labelled like product ids, in three separated clumps."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((3, dim)) * 4
    X = centres[np.arange(n) % 3] + rng.standard_normal((n, dim)) * 0.5
    return Vectors([f"sku-{100 + i}" for i in range(n)], X.astype(np.float32), name="items")


def page_data(path) -> dict:
    text = path.read_text(encoding="utf-8")
    m = re.search(r'<script id="data" type="application/json">(.*?)</script>', text, re.S)
    assert m, "the page carries its data"
    return json.loads(m.group(1))


def decode(b64: str, dtype: str, shape=None) -> np.ndarray:
    a = np.frombuffer(base64.b64decode(b64), dtype=dtype)
    return a if shape is None else a.reshape(shape)


def unit(X: np.ndarray) -> np.ndarray:
    return X / np.linalg.norm(X, axis=1, keepdims=True)


# ---------------------------------------------------------------- what the page holds


def test_page_embeds_exact_neighbours_among_its_points(tmp_path):
    v = item_vectors()
    page = explore(v, vocab=40, neighbours=5, path=tmp_path / "items.html")
    assert isinstance(page, ExplorerPage) and page.count == 40 and page.neighbours == 5 and page.analogy
    d = page_data(page.path)
    assert d["labels"] == v.index_to_key[:40] and d["k"] == 5 and d["count"] == 40 and d["method"] == "pca"
    nb = decode(d["nb"], "<i4", (40, 5))
    ns = decode(d["ns"], "<f4", (40, 5))
    sub = Vectors(d["labels"], v.vectors[:40])
    for i, word in enumerate(d["labels"]):
        expected = sub.most_similar(word, topn=5)
        assert [d["labels"][j] for j in nb[i]] == [w for w, _ in expected]
        np.testing.assert_allclose(ns[i], [s for _, s in expected], atol=1e-5)
    xy = decode(d["xy"], "<f4", (40, 2))
    np.testing.assert_allclose(xy, pca_2d(unit(v.vectors[:40])), atol=1e-4)
    U = decode(d["vectors"]["data"], "<f4", (40, v.dim))
    assert d["vectors"]["dtype"] == "float32"
    np.testing.assert_allclose(U, unit(v.vectors[:40]), atol=1e-6)


def test_given_words_bring_their_whole_vocabulary_neighbours(tmp_path):
    v = item_vectors()
    page = explore(v, ["sku-150", "sku-101"], neighbours=4, path=tmp_path / "p.html")
    d = page_data(page.path)
    assert d["queries"] == ["sku-150", "sku-101"] and d["labels"][:2] == ["sku-150", "sku-101"]
    nb = decode(d["nb"], "<i4", (page.count, 4))
    for q in d["queries"]:
        expected = [w for w, _ in v.most_similar(q, topn=4)]  # over all 60 items
        assert [d["labels"][j] for j in nb[d["labels"].index(q)]] == expected
        assert set(expected) <= set(d["labels"])
    assert page.count == len(set(d["labels"])) <= 2 + 2 * 4
    names = d["groups"]["names"]
    codes = decode(d["groups"]["codes"], "<u2")
    assert names == ["sku-150", "sku-101"] and codes[0] == 0 and codes[1] == 1
    assert "among all 60 words" in d["notes"]["neighbours"]


def test_given_words_and_a_vocabulary_together(tmp_path):
    v = item_vectors()
    page = explore(v, ["sku-159"], vocab=10, neighbours=3, path=tmp_path / "p.html")
    d = page_data(page.path)
    assert d["labels"][0] == "sku-159" and set(v.index_to_key[:10]) <= set(d["labels"])
    assert d["groups"]["names"][-1] == "other"


def test_the_page_references_nothing_outside_itself(toy_vectors, tmp_path):
    page = explore(toy_vectors, ["king"], neighbours=3, groups="kmeans:2", path=tmp_path / "toy.html")
    text = page.path.read_text(encoding="utf-8")

    class Refs(HTMLParser):
        refs, tags = [], []

        def handle_starttag(self, tag, attrs):
            self.tags.append(tag)
            self.refs += [(tag, k, v) for k, v in attrs if k in ("src", "href", "action", "srcset", "poster", "data")]

    parser = Refs()
    parser.feed(text)
    assert parser.refs == [] and "link" not in parser.tags and "iframe" not in parser.tags
    assert not re.search(
        r"https?:|//[a-z0-9.-]+\.[a-z]{2,}/|@import|url\(|\bfetch\(|XMLHttpRequest|import\(|WebSocket", text, re.I
    )
    assert parser.tags.count("script") == 3 and parser.tags.count("style") == 1  # errors hook, data, code


def test_labels_cannot_break_out_of_the_page(tmp_path):
    words = ["</script><script>alert(1)</script>", "a&b", '"quoted"', "naïve", "日本"]
    v = Vectors(words, np.random.default_rng(1).standard_normal((5, 4)).astype(np.float32))
    page = explore(v, vocab=5, neighbours=2, path=tmp_path / "p.html", title="<b>x</b>")
    text = page.path.read_text(encoding="utf-8")
    assert text.count("</script>") == 3 and "<b>x</b>" not in text
    assert page_data(page.path)["labels"] == words


def test_written_atomically_and_silently(toy_vectors, tmp_path, capsys):
    out = tmp_path / "map.html"
    out.write_text("old")
    explore(toy_vectors, vocab=8, neighbours=2, path=out)
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in tmp_path.iterdir()] == ["map.html"]
    assert capsys.readouterr() == ("", "")  # library code never prints


def test_default_is_the_first_words_and_one_point_works(tmp_path):
    v = item_vectors(n=30)
    assert explore(v, path=tmp_path / "a.html").count == 30  # fewer than DEFAULT_WORDS: all of them
    one = explore(v, vocab=1, path=tmp_path / "b.html")
    d = page_data(one.path)
    assert one.count == 1 and d["k"] == 0 and decode(d["nb"], "<i4").size == 0


# ---------------------------------------------------------------- analogy payload


def test_analogy_vectors_float16_beyond_the_float32_budget(toy_vectors, tmp_path, monkeypatch):
    monkeypatch.setattr(EXPLORE, "FLOAT32_NUMBERS", 10)
    d = page_data(explore(toy_vectors, vocab=8, neighbours=2, path=tmp_path / "p.html").path)
    assert d["vectors"]["dtype"] == "float16"
    U = decode(d["vectors"]["data"], "<f2", (8, 3)).astype(np.float32)
    np.testing.assert_allclose(U, unit(toy_vectors.vectors), atol=1e-3)


def test_analogy_box_off_beyond_the_budget_or_when_asked(toy_vectors, tmp_path, monkeypatch):
    off = explore(toy_vectors, vocab=8, neighbours=2, analogy=False, path=tmp_path / "a.html")
    assert not off.analogy and page_data(off.path)["vectors"] is None
    monkeypatch.setattr(EXPLORE, "ANALOGY_NUMBERS", 20)
    big = explore(toy_vectors, vocab=8, neighbours=2, path=tmp_path / "b.html")
    d = page_data(big.path)
    assert not big.analogy and d["vectors"] is None and "8 x 3 = 24 numbers" in d["notes"]["analogy"]
    forced = explore(toy_vectors, vocab=8, neighbours=2, analogy=True, path=tmp_path / "c.html")
    assert forced.analogy


# ---------------------------------------------------------------- groups


def test_groups_from_a_file_and_a_mapping(tmp_path):
    v = item_vectors(n=9)
    f = tmp_path / "groups.tsv"
    f.write_text(
        "# item\tshelf\nsku-100\tshoes\nsku-101\tsocks\n\nsku-102\tshoes\nnot-on-map\thats\n", encoding="utf-8"
    )
    assert read_groups(f) == {"sku-100": "shoes", "sku-101": "socks", "sku-102": "shoes", "not-on-map": "hats"}
    d = page_data(explore(v, vocab=9, neighbours=2, groups=f, path=tmp_path / "p.html").path)
    assert d["groups"]["names"] == ["shoes", "socks", "(no group)"]
    assert decode(d["groups"]["codes"], "<u2").tolist() == [0, 1, 0] + [2] * 6
    d = page_data(
        explore(
            v, vocab=3, neighbours=2, groups={"sku-100": "a", "sku-101": "a", "sku-102": "b"}, path=tmp_path / "q.html"
        ).path
    )
    assert d["groups"]["names"] == ["a", "b"] and decode(d["groups"]["codes"], "<u2").tolist() == [0, 0, 1]


@pytest.mark.parametrize("line", ["sku-100 shoes", "\tshoes", "sku-100\t  "])
def test_a_bad_groups_line_names_the_file_and_line(tmp_path, line):
    f = tmp_path / "groups.tsv"
    f.write_text(f"sku-101\tsocks\n{line}\n", encoding="utf-8")
    with pytest.raises(FormatError, match=r"groups\.tsv.*line 2|line 2.*groups\.tsv"):
        read_groups(f)


def test_kmeans_groups_recover_separated_clumps(tmp_path):
    v = item_vectors(n=60)
    d = page_data(explore(v, vocab=60, neighbours=2, groups="kmeans:3", path=tmp_path / "p.html").path)
    codes = decode(d["groups"]["codes"], "<u2")
    truth = np.arange(60) % 3
    # every clump is one cluster and every cluster one clump
    assert {(int(t), int(c)) for t, c in zip(truth, codes)} == {(t, int(codes[t])) for t in range(3)}
    assert len(set(codes[:3].tolist())) == 3 and len(d["groups"]["names"]) == 3
    assert all(re.match(r"^\d: sku-\d+, sku-\d+, sku-\d+$", n) for n in d["groups"]["names"])


def test_kmeans_is_deterministic_and_sized():
    rng = np.random.default_rng(3)
    X = np.concatenate([rng.normal(0, 0.1, (50, 2)), rng.normal(5, 0.1, (20, 2)), rng.normal(-5, 0.1, (5, 2))])
    a, b = kmeans(X, 3, seed=1), kmeans(X, 3, seed=1)
    assert a.tolist() == b.tolist()
    assert np.bincount(a).tolist() == [50, 20, 5]  # numbered by size
    assert kmeans(X[:2], 5).tolist() in ([0, 1], [1, 0])  # k capped at the number of rows
    with pytest.raises(ValueError):
        kmeans(X, 0)


# ---------------------------------------------------------------- bad input


def test_unknown_words_are_all_listed(toy_vectors, tmp_path):
    with pytest.raises(UnknownWordsError) as info:
        explore(toy_vectors, ["king", "unicorn", "griffin"], path=tmp_path / "p.html")
    assert info.value.words == ("unicorn", "griffin") and isinstance(info.value, WordNotFoundError)
    assert "'unicorn', 'griffin'" in str(info.value) and "toy" in str(info.value)
    assert not (tmp_path / "p.html").exists()


def test_a_vocabulary_file_leaves_unknown_words_out(toy_vectors, tmp_path):
    f = tmp_path / "vocab.txt"
    f.write_text("king\nunicorn\nqueen\n\napple\n", encoding="utf-8")
    page = explore(toy_vectors, vocab=f, neighbours=2, path=tmp_path / "p.html")
    assert page.count == 3 and page.missing == ("unicorn",)
    f.write_text("unicorn\ngriffin\n", encoding="utf-8")
    with pytest.raises(UnknownWordsError, match="unicorn"):
        explore(toy_vectors, vocab=f, path=tmp_path / "q.html")


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"method": "mds"}, ProjectionError, "unknown projection method 'mds': choose one of pca, tsne, umap"),
        ({"neighbours": 0}, ValueError, "neighbours must be a whole number from 1 to 100"),
        ({"neighbours": 101}, ValueError, "from 1 to 100"),
        ({"neighbours": 2.5}, ValueError, "whole number"),
        ({"neighbours": True}, ValueError, "whole number"),
        ({"words": 0}, ValueError, "must be positive"),
        ({"words": 3, "vocab": 3}, ValueError, "not both"),
        ({"groups": "kmeans:0"}, ValueError, "kmeans:K"),
        ({"groups": "kmeans:x"}, ValueError, "kmeans:K"),
        ({"path": "map.png"}, ValueError, "ending in .html"),
        ({"max_points": 5}, ProjectionError, "8 points are more than pca takes here \\(at most 5\\)"),
        ({"method": "tsne", "max_points": 4}, ProjectionError, "at most 4"),
    ],
)
def test_bad_arguments(toy_vectors, tmp_path, kwargs, error, message):
    kwargs = {"path": tmp_path / "p.html", **kwargs}
    if "path" in kwargs and not str(kwargs["path"]).startswith(str(tmp_path)):
        kwargs["path"] = tmp_path / kwargs["path"]
    with pytest.raises(error, match=message):
        explore(toy_vectors, **kwargs)
    assert list(tmp_path.iterdir()) == []


def test_default_caps():
    assert MAX_POINTS == {"pca": 100_000, "tsne": 20_000, "umap": 20_000}
    check_size("tsne", 20_000)
    with pytest.raises(ProjectionError, match="20,001 points are more than tsne takes here"):
        check_size("tsne", 20_001)
    with pytest.raises(ProjectionError, match="umap"):
        check_size("umap", 20_001)
    check_size("umap", 50_000, max_points=50_000)


# ---------------------------------------------------------------- projections


def test_pca_is_the_numpy_projection_plot_uses():
    from pretrained.viz import plot

    assert plot.pca_2d is pca_2d
    X = np.random.default_rng(0).standard_normal((20, 5))
    np.testing.assert_allclose(project(X, "PCA"), pca_2d(X.astype(np.float32)), atol=1e-5)


@pytest.mark.parametrize("method, module, extra", [("tsne", "sklearn", "explore"), ("umap", "umap", "umap")])
def test_tsne_and_umap_keep_clumps_apart(method, module, extra):
    require(module, extra)
    v = item_vectors(n=60)
    xy = project(v.vectors, method, seed=0)
    again = project(v.vectors, method, seed=0)
    assert xy.shape == (60, 2) and np.isfinite(xy).all()
    np.testing.assert_allclose(xy, again, atol=1e-6)  # seeded: the same map every run
    truth = np.arange(60) % 3
    centres = np.array([xy[truth == t].mean(axis=0) for t in range(3)])
    spread = max(np.linalg.norm(xy[truth == t] - centres[t], axis=1).mean() for t in range(3))
    gap = min(np.linalg.norm(centres[a] - centres[b]) for a in range(3) for b in range(a + 1, 3))
    assert gap > 2 * spread


@pytest.mark.parametrize("method, module, extra", [("tsne", "sklearn", "explore"), ("umap", "umap", "umap")])
def test_tsne_and_umap_pages(method, module, extra, tmp_path):
    require(module, extra)
    page = explore(item_vectors(n=40), vocab=40, neighbours=3, method=method, path=tmp_path / "p.html")
    d = page_data(page.path)
    assert page.method == d["method"] == method and decode(d["xy"], "<f4").shape == (80,)
    with pytest.raises(ProjectionError, match="at least 4 points"):
        project(np.eye(3), method)


@pytest.mark.parametrize("method, module, extra", [("tsne", "sklearn", "explore"), ("umap", "umap", "umap")])
def test_a_missing_extra_is_named_with_its_pip_command(method, module, extra, monkeypatch, tmp_path):
    for name in [m for m in sys.modules if m == module or m.startswith(module + ".")] + [module]:
        monkeypatch.setitem(sys.modules, name, None)  # as if never installed, even when imported before
    with pytest.raises(MissingDependencyError, match=re.escape(f"pip install 'pretrained[{extra}]'")):
        explore(item_vectors(n=20), method=method, path=tmp_path / "p.html")
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- the command


def test_cli_explore_writes_the_page(tmp_path, capsys):
    v = item_vectors(n=30)
    src = tmp_path / "items.txt"
    v.save(src)
    out = tmp_path / "items.html"
    assert (
        main(["explore", str(src), "sku-110", "--words", "12", "-k", "4", "--groups", "kmeans:3", "--out", str(out)])
        == 0
    )
    printed = capsys.readouterr().out
    assert f"wrote {out}" in printed and "points (pca)" in printed
    d = page_data(out)
    assert d["labels"][0] == "sku-110" and d["k"] == 4 and len(d["groups"]["names"]) == 3
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("sku-100\nsku-999\n", encoding="utf-8")
    assert main(["explore", str(src), "--vocab", str(vocab), "--out", str(out)]) == 0
    assert "1 words not in" in capsys.readouterr().out and page_data(out)["labels"] == ["sku-100"]


@pytest.mark.parametrize(
    "args, code, message",
    [
        (["--out", "map.png"], 2, ".html"),
        (["--words", "0", "--out", "m.html"], 2, "must be a positive integer, got '0'"),
        (["--words", "ten", "--out", "m.html"], 2, "'ten'"),
        (["-k", "-3", "--out", "m.html"], 2, "positive integer"),
        (["--method", "mds", "--out", "m.html"], 2, "invalid choice: 'mds'"),
        (["--max-points", "0", "--out", "m.html"], 2, "positive integer"),
        (["--words", "5", "--vocab", "items.txt", "--out", "m.html"], 2, "not allowed with argument"),
        (["unicorn", "sku-101", "griffin", "--out", "m.html"], 1, "2 of the given words are not in"),
        (["--max-points", "5", "--out", "m.html"], 1, "30 points are more than pca takes here"),
        (["--groups", "missing.tsv", "--out", "m.html"], 2, "--groups: no such file: missing.tsv"),
        (["--vocab", "missing.txt", "--out", "m.html"], 2, "--vocab: no such file: missing.txt"),
        (["--groups", "kmeans:0", "--out", "m.html"], 1, "kmeans:K"),
    ],
)
def test_cli_explore_bad_arguments_never_print_a_traceback(tmp_path, capsys, monkeypatch, args, code, message):
    monkeypatch.chdir(tmp_path)
    src = tmp_path / "items.txt"
    item_vectors(n=30).save(src)
    try:
        result = main(["explore", str(src), *args])
    except SystemExit as exc:
        result = exc.code
    err = capsys.readouterr().err
    assert result == code and message in err and "Traceback" not in err
    assert not (tmp_path / "m.html").exists()


def test_explore_is_public():
    assert pretrained.explore is explore and "explore" in pretrained.__all__
