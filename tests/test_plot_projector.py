"""2-D maps, Embedding Projector export, and the CLI commands evaluate/plot/export-projector/export."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest
from conftest import require

import pretrained
from pretrained import MissingDependencyError, WordNotFoundError
from pretrained.cli import main
from pretrained.formats import read_vectors
from pretrained.viz.plot import map_words, pca_2d, plot_words, save_map
from pretrained.viz.projector_export import export_projector

PNG = b"\x89PNG\r\n\x1a\n"


def test_pca_2d_recovers_the_plane():
    rng = np.random.default_rng(0)
    xy = rng.standard_normal((30, 2)) * [5.0, 1.0]
    basis = np.linalg.qr(rng.standard_normal((10, 2)))[0]  # an orthonormal 2-D plane in 10-D
    X = xy @ basis.T + 3.0
    out = pca_2d(X)
    assert out.shape == (30, 2)
    # the projection preserves the distances of points lying on a plane
    d_in = np.linalg.norm(X[:, None] - X[None], axis=-1)
    d_out = np.linalg.norm(out[:, None] - out[None], axis=-1)
    np.testing.assert_allclose(d_out, d_in, atol=1e-8)
    assert out[:, 0].var() > out[:, 1].var()  # first component carries the most variance
    with pytest.raises(ValueError):
        pca_2d(np.zeros((0, 3)))


def test_map_words_with_neighbours(toy_vectors):
    labels, group, xy = map_words(toy_vectors, ["king", "apple", "king"], neighbours=2)
    assert labels[:2] == ["king", "apple"]
    expected = {w for q in ("king", "apple") for w, _ in toy_vectors.most_similar(q, topn=2)} - {"king", "apple"}
    assert set(labels[2:]) == expected
    assert "pear" in labels and "queen" in labels
    assert len(labels) == len(set(labels)) == len(group) == xy.shape[0]
    assert group[labels.index("pear")] == 1 and group[labels.index("queen")] == 0
    with pytest.raises(WordNotFoundError, match="unicorn"):
        map_words(toy_vectors, ["king", "unicorn"])


def test_plot_writes_png_with_labels(toy_vectors, tmp_path):
    require("matplotlib", "plot")
    fig = plot_words(toy_vectors, ["king", "apple", "car"], neighbours=1)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts[:3] == ["king", "apple", "car"]
    assert set(texts) == {"king", "apple", "car", "man", "pear", "truck"}  # each with its nearest word
    out = save_map(toy_vectors, ["king", "apple", "car"], tmp_path / "map.png", neighbours=1)
    data = out.read_bytes()
    assert data.startswith(PNG) and len(data) > 5000
    assert [p.name for p in tmp_path.iterdir()] == ["map.png"]  # no temporary file left behind


def test_plot_without_matplotlib_names_the_extra(toy_vectors, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(MissingDependencyError, match=r"pretrained\[plot\]"):
        plot_words(toy_vectors, ["king"])


def _read_projector(out):
    rows = [list(map(float, line.split("\t"))) for line in out.vectors.read_text().splitlines()]
    words = out.metadata.read_text().splitlines()
    return words, np.array(rows)


def test_projector_rows_and_metadata_line_up(toy_vectors, tmp_path):
    out = export_projector(toy_vectors, tmp_path / "proj", words=5)
    words, rows = _read_projector(out)
    assert out.count == 5 and words == toy_vectors.index_to_key[:5]
    np.testing.assert_allclose(rows, toy_vectors[words], rtol=1e-6)
    every = export_projector(toy_vectors, tmp_path / "all", words=None)
    assert every.count == len(toy_vectors)


def test_projector_vocab_list_keeps_order_and_reports_missing(toy_vectors, tmp_path):
    out = export_projector(toy_vectors, tmp_path, words=["truck", "apple", "unicorn", "apple", "man"])
    words, rows = _read_projector(out)
    assert words == ["truck", "apple", "man"]
    assert out.missing == ("unicorn",)
    np.testing.assert_allclose(rows, toy_vectors[words], rtol=1e-6)
    with pytest.raises(ValueError, match="no words"):
        export_projector(toy_vectors, tmp_path, words=["unicorn"])


def test_projector_writes_only_its_two_files_and_no_bar(toy_vectors, tmp_path, capsys):
    out = export_projector(toy_vectors, tmp_path / "p", words=None)
    assert sorted(p.name for p in (tmp_path / "p").iterdir()) == ["metadata.tsv", "vectors.tsv"]
    assert out.count == len(toy_vectors) and capsys.readouterr().err == ""


def test_projector_word_file_is_read_by_the_one_vocabulary_reader(tmp_path):
    from pretrained.viz.projector_export import read_vocab_file

    path = tmp_path / "words.txt"
    path.write_text(" queen \n\nking\n", encoding="utf-8")
    assert read_vocab_file(path) == pretrained.read_vocabulary(path, strip=True) == ["queen", "king"]


def test_projector_on_real_glove(glove50, tmp_path):
    out = export_projector(glove50, tmp_path, words=["hotel", "motel", "resort", "inn"])
    words, rows = _read_projector(out)
    assert words == ["hotel", "motel", "resort", "inn"]
    assert rows.shape == (4, 50)
    np.testing.assert_allclose(rows, glove50[words], rtol=1e-5, atol=1e-6)


# --------------------------------------------------------------------------- CLI


@pytest.fixture
def toy_file(toy_vectors, tmp_path):
    path = tmp_path / "toy.txt"
    toy_vectors.save(path, format="glove")
    return path


def test_cli_evaluate_json(toy_file, tmp_path, capsys):
    q = tmp_path / "q.txt"
    q.write_text(": s\nman woman king queen\nman king woman queen\napple pear car banana\n")
    p = tmp_path / "p.tsv"
    p.write_text("king\tqueen\t8\nking\tapple\t1\ncar\ttruck\t9\n")
    assert main(["evaluate", str(toy_file), "--analogies", str(q), "--pairs", str(p), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["analogies"]["correct"] == 2 and data["analogies"]["skipped"] == 1
    assert data["pairs"][0]["pairs"] == 3
    assert main(["evaluate", str(toy_file), "--analogies", str(q), "--pairs", str(p)]) == 0
    text = capsys.readouterr().out
    assert "Total accuracy" in text and "100.0%" in text and "spearman" in text


class _ExactIndex:
    def __init__(self, v):
        self.v = v

    def analogy_batch(self, triples, topn=1, *, method="add", search_k=None, n_jobs=-1, restrict_vocab=None):
        return self.v.analogy_batch(triples, topn=topn, method=method, restrict_vocab=restrict_vocab)


def test_cli_evaluate_index_side_by_side(toy_file, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(pretrained.Vectors, "index", lambda self, **kw: _ExactIndex(self), raising=False)
    q = tmp_path / "q.txt"
    q.write_text(": s\nman woman king queen\n")
    p = tmp_path / "p.tsv"
    p.write_text("king\tqueen\t8\nking\tapple\t1\ncar\ttruck\t9\n")
    assert main(["evaluate", str(toy_file), "--analogies", str(q), "--pairs", str(p), "--index"]) == 0
    out = capsys.readouterr().out
    assert "exact" in out and "index" in out
    total = next(line for line in out.splitlines() if "Total accuracy" in line)
    assert total.split()[2:] == ["100.0%", "1/1", "100.0%", "1/1"]


def test_cli_evaluate_index_missing_is_a_clear_error(toy_file, tmp_path, capsys, monkeypatch):
    monkeypatch.delattr(pretrained.Vectors, "index", raising=False)
    q = tmp_path / "q.txt"
    q.write_text(": s\nman woman king queen\n")
    assert main(["evaluate", str(toy_file), "--analogies", str(q), "--pairs", str(q), "--index"]) == 1
    assert "index" in capsys.readouterr().err


def test_cli_plot(toy_file, tmp_path, capsys):
    require("matplotlib", "plot")
    out = tmp_path / "map.png"
    assert main(["plot", str(toy_file), "king", "apple", "--neighbours", "2", "--out", str(out)]) == 0
    assert out.read_bytes().startswith(PNG)
    assert str(out) in capsys.readouterr().out
    assert main(["plot", str(toy_file), "unicorn", "--out", str(out)]) == 1
    assert "unicorn" in capsys.readouterr().err


def test_cli_export_projector(toy_file, tmp_path, capsys, toy_vectors):
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("queen \n\nunicorn\nking\n")  # written by hand: spaces and blank lines
    assert main(["export-projector", str(toy_file), "--vocab", str(vocab), "--out", str(tmp_path / "p")]) == 0
    out = capsys.readouterr().out
    assert "wrote 2 words" in out and "unicorn" in out
    assert (tmp_path / "p" / "metadata.tsv").read_text().split() == ["queen", "king"]
    assert main(["export-projector", str(toy_file), "--words", "3", "--out", str(tmp_path / "q")]) == 0
    assert (tmp_path / "q" / "metadata.tsv").read_text().split() == toy_vectors.index_to_key[:3]


@pytest.mark.parametrize("fmt,name", [("glove", "out.txt"), ("word2vec", "out.bin"), ("word2vec-text", "out.txt.gz")])
def test_cli_export_round_trip(toy_file, tmp_path, toy_vectors, fmt, name):
    dest = tmp_path / name
    assert main(["export", str(toy_file), "--format", fmt, "--out", str(dest), "--limit", "5"]) == 0
    words, vecs = read_vectors(dest)[:2]
    assert list(words) == toy_vectors.index_to_key[:5]
    np.testing.assert_allclose(vecs, toy_vectors.vectors[:5], rtol=1e-5)


def test_cli_export_rejects_a_non_positive_limit(toy_file, tmp_path, capsys):
    dest = tmp_path / "out.txt"
    assert main(["export", str(toy_file), "--format", "glove", "--out", str(dest), "--limit", "0"]) == 2
    assert "--limit" in capsys.readouterr().err
    assert not dest.exists()


@pytest.mark.parametrize(
    "method, module, extra, shown", [("tsne", "sklearn", "explore", "t-SNE"), ("umap", "umap", "umap", "UMAP")]
)
def test_plot_words_by_tsne_and_umap(toy_vectors, tmp_path, method, module, extra, shown):
    require("matplotlib", "plot")
    require(module, extra)
    from pretrained.viz.projection import project

    fig = plot_words(toy_vectors, toy_vectors.index_to_key, method=method)
    assert f"2-D {shown} map of 8 words" in fig.axes[0].get_title()
    labels, _, xy = map_words(toy_vectors, toy_vectors.index_to_key, method=method)
    np.testing.assert_allclose(xy, project(toy_vectors[labels], method, seed=0), atol=1e-6)
    out = save_map(toy_vectors, ["king", "apple"], tmp_path / "map.png", neighbours=2, method=method)
    assert out.read_bytes().startswith(PNG) and [p.name for p in tmp_path.iterdir()] == ["map.png"]


def test_plot_words_unknown_method(toy_vectors):
    from pretrained.viz.projection import ProjectionError

    with pytest.raises(ProjectionError, match="unknown projection method 'mds'"):
        map_words(toy_vectors, ["king", "queen"], method="mds")
