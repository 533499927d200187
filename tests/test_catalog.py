"""The catalogue: official entries, gensim aliases, the user JSON file, register(), the mirror."""

from __future__ import annotations

import json

import pytest

import pretrained
from pretrained.errors import CatalogError, UnknownNameError
from pretrained.remote import catalog


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    monkeypatch.delenv("PRETRAINED_CATALOG", raising=False)
    monkeypatch.delenv("PRETRAINED_MIRROR", raising=False)
    yield
    for name in list(catalog._REGISTERED):
        catalog.unregister(name)


# (names, file, size, sha256) exactly as the issue pins them
OFFICIAL = [
    (
        ["glove.6B.50d", "glove.6B.100d", "glove.6B.200d", "glove.6B.300d"],
        "glove.6B.zip",
        862182613,
        "617afb2fe6cbd085c235baf7a465b96f4112bd7f7ccb2b2cbd649fed9cbcf2fb",
    ),
    (
        ["glove.42B.300d"],
        "glove.42B.300d.zip",
        1877800501,
        "03d5d7fa28e58762ace4b85fb71fe86a345ef0b5ff39f5390c14869da0fc1970",
    ),
    (
        ["glove.840B.300d"],
        "glove.840B.300d.zip",
        2176768927,
        "c06db255e65095393609f19a4cfca20bf3a71e20cc53e892aafa490347e3849f",
    ),
    (
        ["glove.twitter.27B.25d", "glove.twitter.27B.50d", "glove.twitter.27B.100d", "glove.twitter.27B.200d"],
        "glove.twitter.27B.zip",
        1520408563,
        "792af52f795d1a32c9842a3240f5f3fe5e941a8ff6df5eb0f9d668092ebc019c",
    ),
    (
        ["word2vec.GoogleNews.300d"],
        "GoogleNews-vectors-negative300.bin.gz",
        1647046227,
        "21c05ae916a67a4da59b1d006903355cced7de7da1e42bff9f0504198c748da8",
    ),
]


@pytest.mark.parametrize("names,filename,size,sha", OFFICIAL)
def test_official_entries_pin_file_size_and_sha256(names, filename, size, sha):
    for name in names:
        e = catalog.get(name)
        assert (e.filename, e.size, e.sha256) == (filename, size, sha)
        assert e.licence and e.citation and e.count > 0
        assert str(e.dim) in name
        if e.format == "glove":
            assert e.member == name + ".txt"
            assert e.urls == (
                f"https://huggingface.co/stanfordnlp/glove/resolve/main/{filename}",
                f"https://nlp.stanford.edu/data/wordvecs/{filename}",
            )
        else:
            assert e.format == "word2vec" and e.member is None
            assert e.urls == ("https://s3.amazonaws.com/dl4j-distribution/GoogleNews-vectors-negative300.bin.gz",)


@pytest.mark.parametrize(
    "alias,name",
    [
        ("glove-wiki-gigaword-50", "glove.6B.50d"),
        ("glove-wiki-gigaword-300", "glove.6B.300d"),
        ("glove-twitter-25", "glove.twitter.27B.25d"),
        ("glove-twitter-200", "glove.twitter.27B.200d"),
        ("word2vec-google-news-300", "word2vec.GoogleNews.300d"),
    ],
)
def test_gensim_names_are_aliases(alias, name):
    assert catalog.get(alias).name == name
    assert alias not in catalog.names()


def test_unknown_name_lists_the_catalogue():
    with pytest.raises(UnknownNameError) as info:
        catalog.get("glove.7B.50d")
    assert "glove.6B.300d" in str(info.value) and isinstance(info.value, ValueError)


def test_only_glove_6b_50d_is_embedded():
    assert [e.name for e in catalog.entries() if e.embedded] == ["glove.6B.50d"]


def _write(path, entries):
    path.write_text(json.dumps(entries), encoding="utf-8")
    return path


ENTRY = {
    "name": "team.vectors",
    "urls": ["https://mirror.example/team.zip"],
    "sha256": "ab" * 32,
    "size": 1000,
    "format": "glove",
    "member": "team.txt",
    "dim": 100,
    "aliases": ["team"],
}


def test_user_catalogue_file_is_read_at_call_time(tmp_path, monkeypatch):
    assert not catalog.has("team.vectors")
    f = _write(tmp_path / "cat.json", [ENTRY])
    monkeypatch.setenv("PRETRAINED_CATALOG", str(f))
    e = catalog.get("team")
    assert (e.name, e.filename, e.dim, e.member, e.origin) == ("team.vectors", "team.zip", 100, "team.txt", str(f))
    assert "team.vectors" in catalog.names()
    # edits are seen without restarting
    _write(f, [dict(ENTRY, name="team.vectors.v2", aliases=[])])
    assert catalog.has("team.vectors.v2") and not catalog.has("team.vectors")
    monkeypatch.delenv("PRETRAINED_CATALOG")
    assert not catalog.has("team.vectors.v2")


@pytest.mark.parametrize(
    "bad,needle",
    [
        ({"urls": []}, "urls"),
        ({"urls": ["ftp://x/y.zip"]}, "urls"),
        ({"dim": 0}, "dim"),
        ({"format": "pickle"}, "format"),
        ({"sha256": "1234"}, "sha256"),
        ({"size": -5}, "size"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_user_entries_name_the_file_and_the_field(tmp_path, monkeypatch, bad, needle):
    f = _write(tmp_path / "cat.json", [dict(ENTRY, **bad)])
    monkeypatch.setenv("PRETRAINED_CATALOG", str(f))
    with pytest.raises(CatalogError) as info:
        catalog.names()
    assert str(f) in str(info.value) and needle in str(info.value)
    assert isinstance(info.value, ValueError)


def test_unreadable_catalogue_file(tmp_path, monkeypatch):
    f = tmp_path / "cat.json"
    f.write_text("[{not json")
    monkeypatch.setenv("PRETRAINED_CATALOG", str(f))
    with pytest.raises(CatalogError, match="JSON"):
        catalog.names()
    monkeypatch.setenv("PRETRAINED_CATALOG", str(tmp_path / "missing.json"))
    with pytest.raises(CatalogError, match=r"missing.json"):
        catalog.names()


def test_register_from_python_wins_and_accepts_pooch_style_hashes(tmp_path, monkeypatch):
    monkeypatch.setenv("PRETRAINED_CATALOG", str(_write(tmp_path / "cat.json", [ENTRY])))
    e = pretrained.register(
        "team.vectors",
        ["https://other.example/t.zip"],
        sha256="sha256:" + "CD" * 32,
        size=5,
        format="fasttext",
        dim=300,
    )
    assert catalog.get("team.vectors") is e
    assert e.sha256 == "cd" * 32 and e.format == "word2vec-text" and e.filename == "t.zip"
    assert e.origin == "register()"
    catalog.unregister("team.vectors")
    assert catalog.get("team.vectors").origin == str(tmp_path / "cat.json")


def test_register_refuses_bad_input():
    with pytest.raises(CatalogError, match="dim"):
        pretrained.register("x", "https://a.example/x.zip", sha256=None, size=None, format="glove", dim=-1)


def test_mirror_is_tried_first_by_file_name(monkeypatch):
    e = catalog.get("glove.840B.300d")
    assert catalog.urls(e) == e.urls
    monkeypatch.setenv("PRETRAINED_MIRROR", "http://mirror.corp.example/embeddings")
    assert catalog.urls(e) == ("http://mirror.corp.example/embeddings/glove.840B.300d.zip", *e.urls)


def test_describe_shows_licence_citation_and_size():
    rows = dict(catalog.describe(catalog.get("glove.6B.300d")))
    assert "PDDL" in rows["licence"] and "Pennington" in rows["citation"]
    assert rows["size"].startswith("862,182,613 bytes")
    assert rows["vectors"] == "400,000 x 300"


def test_docstring_examples_run():
    import doctest

    from pretrained.cache import folder as cachedir
    from pretrained.remote import downloader

    for module in (catalog, cachedir, downloader):
        result = doctest.testmod(module)
        assert result.failed == 0, module.__name__
    assert doctest.testmod(catalog).attempted >= 4


@pytest.mark.parametrize(
    "name, alias, dim",
    [
        ("glove.2024.wikigiga.50d", "glove-2024-wikigiga-50", 50),
        ("glove.2024.wikigiga.100d", "glove-2024-wikigiga-100", 100),
        ("glove.2024.wikigiga.200d", "glove-2024-wikigiga-200", 200),
        ("glove.2024.wikigiga.300d", "glove-2024-wikigiga-300", 300),
        ("glove.2024.dolma.300d", "glove-2024-dolma-300", 300),
    ],
)
def test_the_2024_glove_sets_are_listed_and_marked_unverified(name, alias, dim):
    e = catalog.get(alias)
    assert e.name == name and e.dim == dim and e.format == "glove" and e.filename == name + ".zip"
    assert e.sha256 is None and e.size is None  # nothing published to pin
    rows = dict(catalog.describe(e))
    assert rows["status"].startswith("unverified") and "Carlson" in rows["citation"]
    assert "status" not in dict(catalog.describe(catalog.get("glove.6B.50d")))
