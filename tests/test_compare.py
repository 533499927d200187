"""compare: orthogonal Procrustes alignment, movers, drift, neighbours, overlap."""

from __future__ import annotations

import json

import numpy as np
import pytest

import pretrained
from pretrained import cli
from pretrained.interop.compare import procrustes
from pretrained.interop.matrix import VocabularyError


def _rotation(dim, seed):
    q, _ = np.linalg.qr(np.random.default_rng(seed).normal(size=(dim, dim)))
    return q


@pytest.fixture
def space():
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(2000)]
    return pretrained.Vectors(words, rng.normal(size=(2000, 32)).astype(np.float32), name="a")


def test_procrustes_undoes_a_known_rotation_exactly(space):
    q = _rotation(32, 1)
    b = pretrained.Vectors(space.words, space.vectors @ q, name="b")
    r = pretrained.compare(space, b)
    assert r.shared == 2000
    np.testing.assert_allclose(r.rotation, q.T, atol=1e-5)
    assert r.distances.max() < 1e-5
    assert r.overlap == pytest.approx(1.0)
    unaligned = pretrained.compare(space, b, align=False)
    assert unaligned.distances.mean() > 0.5  # without the rotation everything looks moved


def test_moved_words_are_ranked_first(space):
    rng = np.random.default_rng(2)
    moved = rng.choice(2000, size=15, replace=False)
    vecs = np.array(space.vectors)
    vecs[moved] = rng.normal(size=(15, 32))  # deliberately moved
    vecs[moved[:5]] *= 10  # a longer vector alone is no move: cosine ignores length...
    vecs = vecs @ _rotation(32, 3) + 0.001 * rng.normal(size=vecs.shape)
    b = pretrained.Vectors(space.words, vecs, name="b")
    r = pretrained.compare(space, b)
    top = [w for w, _ in r.movers(15)]
    assert set(top) == {space.words[i] for i in moved}
    assert [d for _, d in r.movers(15)] == sorted((d for _, d in r.movers(15)), reverse=True)
    assert r.drift(top[0]) == r.movers(1)[0][1] > 0.5
    assert r.drift("w0" if 0 not in moved else "w1") < 0.01
    still = [w for w, _ in r.stayers(3)]
    assert not set(still) & set(top)


def test_different_dimensions_and_words_subset():
    rng = np.random.default_rng(4)
    a = pretrained.Vectors([f"w{i}" for i in range(300)], rng.normal(size=(300, 8)))
    embed = np.linalg.qr(rng.normal(size=(12, 12)))[0][:8]  # 8 -> 12 dims, semi-orthogonal
    b = pretrained.Vectors(a.words[::-1], (a.vectors @ embed)[::-1])  # another order too
    r = pretrained.compare(a, b)
    assert r.distances.max() < 1e-5 and r.rotation.shape == (12, 8)
    sub = pretrained.compare(a, b, words=["w3", "w5", "nope"] + [f"w{i}" for i in range(10, 60)])
    assert sub.shared == 52 and sub.words[:2] == ["w3", "w5"]
    with pytest.raises(ValueError, match="align=True"):
        pretrained.compare(a, b, align=False)


def test_neighbours_side_by_side_and_table(toy_vectors):
    b = pretrained.Vectors(toy_vectors.words, toy_vectors.vectors * 2, name="doubled")
    r = pretrained.compare(toy_vectors, b, topn=2)
    rows = r.neighbours("king")
    assert len(rows) == 2 and [x[0] for x, _ in rows] == [y[0] for _, y in rows]
    assert rows == list(zip(toy_vectors.most_similar("king", topn=2), b.most_similar("king", topn=2)))
    text = str(r)
    assert "moved most" in text and "8 shared words" in text and "overlap@2" in text
    assert json.loads(json.dumps(r.as_dict()))["shared"] == 8


def test_bad_input(toy_vectors):
    other = pretrained.Vectors(["x", "y"], np.eye(2, 3), name="other")
    with pytest.raises(VocabularyError, match="share no word"):
        pretrained.compare(toy_vectors, other)
    with pytest.raises(VocabularyError, match="none of the 2 given words"):
        pretrained.compare(toy_vectors, toy_vectors, words=["x", "zzz"])
    r = pretrained.compare(toy_vectors, toy_vectors)
    with pytest.raises(pretrained.WordNotFoundError, match="zebra"):
        r.drift("zebra")
    for bad in ({"topn": 0}, {"sample": -1}, {"words": "king"}):
        with pytest.raises((ValueError, TypeError)):
            pretrained.compare(toy_vectors, toy_vectors, **bad)


def test_procrustes_rows_must_match():
    with pytest.raises(ValueError, match="rows"):
        procrustes(np.zeros((3, 2)), np.zeros((4, 2)))


def test_cli_compare(toy_vectors, capsys):
    b = pretrained.Vectors(toy_vectors.words, toy_vectors.vectors @ _rotation(3, 5), name="turned")
    pretrained.save(toy_vectors, "toy-a")
    pretrained.save(b, "toy-b")
    assert cli.main(["compare", "toy-a", "toy-b", "--words", "king", "--top", "2", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["shared"] == 8 and data["movers"][0][1] < 1e-5 and len(data["words"]["king"]["neighbours"]) == 2
    assert cli.main(["compare", "toy-a", "toy-b", "--words", "zebra"]) == 1
    assert cli.main(["compare", "toy-a", "nothing-here"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "zebra" in err
    assert cli.main(["compare", "toy-a", "toy-b", "--top", "0"]) == 2
