"""Fetching one file from a misbehaving loopback server: resume, retries, refusals, locks, offline."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from loopback import Loopback

import pretrained
from pretrained.errors import ChecksumError, DownloadError, OfflineError, PretrainedError
from pretrained.remote import downloader

DATA = np.random.default_rng(3).integers(0, 256, size=300_000, dtype=np.uint8).tobytes()
SHA = hashlib.sha256(DATA).hexdigest()


@pytest.fixture(autouse=True)
def _fast_retries(monkeypatch):
    monkeypatch.setenv("PRETRAINED_BACKOFF", "0.01")
    monkeypatch.setenv("PRETRAINED_RETRIES", "3")
    monkeypatch.setenv("PRETRAINED_READ_TIMEOUT", "5")
    monkeypatch.setenv("PRETRAINED_PROGRESS", "0")
    monkeypatch.delenv("PRETRAINED_MIRROR", raising=False)
    monkeypatch.delenv("PRETRAINED_CATALOG", raising=False)


@pytest.fixture
def server():
    with Loopback() as s:
        yield s


def _fetch(urls, dest, **kw):
    kw.setdefault("sha256", SHA)
    kw.setdefault("size", len(DATA))
    return downloader.fetch(urls, dest, **kw)


def _leftovers(folder: Path):
    """What a fetch left beside its file, apart from locks and the markers of verified files."""
    return sorted(
        p.name
        for p in folder.iterdir()
        if not p.name.endswith((".lock", ".lock.holder"))
        and not (p.name.startswith(".") and p.name.endswith(".verified.json"))
    )


def test_clean_download_lands_verified_with_nothing_left_behind(server, tmp_path):
    url = server.add("/v.zip", DATA)
    dest = _fetch(url, tmp_path / "v.zip")
    assert dest.read_bytes() == DATA
    assert _leftovers(tmp_path) == ["v.zip"]
    assert [e["status"] for e in server.requests("/v.zip")] == [200]
    # a second call finds the file and asks nothing
    _fetch(url, dest)
    assert len(server.requests("/v.zip")) == 1


def test_cut_connection_resumes_with_range_and_verifies(server, tmp_path):
    url = server.add("/v.zip", DATA)
    server.fault("/v.zip", "cut")
    dest = _fetch(url, tmp_path / "v.zip")
    assert dest.read_bytes() == DATA
    log = server.requests("/v.zip")
    assert [e["status"] for e in log] == [200, 206]
    assert log[0]["range"] is None
    assert log[1]["range"] == f"bytes={len(DATA) // 2}-"


def test_cut_twice_in_a_row_still_completes(server, tmp_path):
    url = server.add("/v.zip", DATA)
    server.fault("/v.zip", "cut", "cut")
    dest = _fetch(url, tmp_path / "v.zip")
    assert dest.read_bytes() == DATA
    ranges = [e["range"] for e in server.requests("/v.zip")]
    assert ranges[0] is None and ranges[1] == f"bytes={len(DATA) // 2}-"
    assert int(ranges[2].split("=")[1].rstrip("-")) > len(DATA) // 2


def test_cuts_that_make_progress_do_not_use_up_the_retries(server, tmp_path):
    url = server.add("/v.zip", DATA)
    server.fault("/v.zip", "cut", "cut", "cut", "cut", "cut")
    dest = _fetch(url, tmp_path / "v.zip", retries=2)
    assert dest.read_bytes() == DATA
    assert len(server.requests("/v.zip")) == 6


def test_503_twice_then_success(server, tmp_path):
    url = server.add("/v.zip", DATA)
    server.fault("/v.zip", "503", "503")
    dest = _fetch(url, tmp_path / "v.zip")
    assert dest.read_bytes() == DATA
    assert [e["status"] for e in server.requests("/v.zip")] == [503, 503, 200]


def test_persistent_503_gives_up_after_bounded_retries_then_next_mirror(server, tmp_path):
    bad = server.add("/a/v.zip", DATA)
    good = server.add("/b/v.zip", DATA)
    server.fault("/a/v.zip", "503", "503", "503", "503", "503")
    dest = _fetch([bad, good], tmp_path / "v.zip", retries=3)
    assert dest.read_bytes() == DATA
    assert len(server.requests("/a/v.zip")) == 3
    assert len(server.requests("/b/v.zip")) == 1


def test_all_mirrors_failing_names_every_url(server, tmp_path):
    a = server.add("/a/v.zip", DATA)
    b = server.url("/missing/v.zip")
    server.fault("/a/v.zip", "503", "503", "503")
    with pytest.raises(DownloadError) as info:
        _fetch([a, b], tmp_path / "v.zip", retries=2)
    msg = str(info.value)
    assert a in msg and b in msg and "503" in msg and "404" in msg
    assert isinstance(info.value, OSError) and isinstance(info.value, PretrainedError)
    assert _leftovers(tmp_path) == []


def test_404_moves_to_the_next_mirror_at_once(server, tmp_path):
    missing = server.url("/gone/v.zip")
    good = server.add("/v.zip", DATA)
    started = time.perf_counter()
    dest = _fetch([missing, good], tmp_path / "v.zip", backoff=(5.0, 5.0))
    assert time.perf_counter() - started < 4  # no backoff pause on a 404
    assert dest.read_bytes() == DATA
    assert [e["status"] for e in server.requests("/gone/v.zip")] == [404]


@pytest.mark.parametrize("fault", ["html", "html-octet"])
def test_html_login_page_is_refused_and_never_cached(server, tmp_path, fault):
    url = server.add("/v.zip", DATA)
    server.fault("/v.zip", fault)
    with pytest.raises(DownloadError) as info:
        _fetch([url], tmp_path / "v.zip", sha256=None, size=None)
    assert "HTML" in str(info.value) and url in str(info.value)
    assert info.value.url == url
    assert _leftovers(tmp_path) == []
    # the next mirror (here: the same server behaving) is used when there is one
    server.fault("/v.zip", fault)
    other = server.add("/other/v.zip", DATA)
    assert _fetch([url, other], tmp_path / "v.zip").read_bytes() == DATA


def test_flipped_byte_is_a_checksum_error_and_nothing_is_cached(server, tmp_path):
    url = server.add("/v.zip", DATA)
    server.always("/v.zip", "flip")
    with pytest.raises(ChecksumError) as info:
        _fetch(url, tmp_path / "v.zip")
    err = info.value
    assert err.expected == SHA and err.actual != SHA and err.url == url
    assert SHA in str(err) and err.actual in str(err) and url in str(err)
    assert isinstance(err, DownloadError)
    assert _leftovers(tmp_path) == []


def test_flipped_byte_in_the_resumed_part_is_caught(server, tmp_path):
    url = server.add("/v.zip", DATA)
    server.fault("/v.zip", "cut", "flip")  # the flip lands in the second half, sent after a resume
    with pytest.raises(ChecksumError):
        _fetch(url, tmp_path / "v.zip")
    assert [e["status"] for e in server.requests("/v.zip")] == [200, 206]
    assert _leftovers(tmp_path) == []


def test_server_ignoring_range_starts_over_cleanly(server, tmp_path):
    url = server.add("/v.zip", DATA)
    server.fault("/v.zip", "cut")
    server.always("/v.zip", "ignore-range")
    dest = _fetch(url, tmp_path / "v.zip")
    assert dest.read_bytes() == DATA
    log = server.requests("/v.zip")
    assert log[1]["range"] is not None and log[1]["status"] == 200


def test_416_starts_over(server, tmp_path):
    url = server.add("/v.zip", DATA)
    part = tmp_path / "v.zip.part"
    part.write_bytes(DATA[:1000])
    server.fault("/v.zip", "416")
    dest = _fetch(url, tmp_path / "v.zip")
    assert dest.read_bytes() == DATA
    log = server.requests("/v.zip")
    assert [e["status"] for e in log] == [416, 200]
    assert log[0]["range"] == "bytes=1000-" and log[1]["range"] is None


def test_stall_fires_the_read_timeout_and_resumes(server, tmp_path):
    url = server.add("/v.zip", DATA)
    server.stall_seconds = 10
    server.fault("/v.zip", "stall")
    started = time.perf_counter()
    dest = _fetch(url, tmp_path / "v.zip", timeout=(2.0, 0.4))
    assert time.perf_counter() - started < 5
    assert dest.read_bytes() == DATA
    log = server.requests("/v.zip")
    assert len(log) == 2 and log[1]["range"] == f"bytes={len(DATA) // 2}-"


def test_wrong_size_is_refused(server, tmp_path):
    url = server.add("/v.zip", DATA)
    with pytest.raises(DownloadError) as info:
        _fetch(url, tmp_path / "v.zip", size=len(DATA) + 10, sha256=None)
    assert f"{len(DATA):,}" in str(info.value) and f"{len(DATA) + 10:,}" in str(info.value)
    assert _leftovers(tmp_path) == []


def test_part_left_by_an_earlier_process_is_resumed(server, tmp_path):
    url = server.add("/v.zip", DATA)
    (tmp_path / "v.zip.part").write_bytes(DATA[:123_456])
    dest = _fetch(url, tmp_path / "v.zip")
    assert dest.read_bytes() == DATA
    assert [e["range"] for e in server.requests("/v.zip")] == ["bytes=123456-"]


def test_bad_part_left_by_an_earlier_process_is_discarded(server, tmp_path):
    url = server.add("/v.zip", DATA)
    (tmp_path / "v.zip.part").write_bytes(b"\0" * 100_000)
    dest = _fetch(url, tmp_path / "v.zip")
    assert dest.read_bytes() == DATA
    assert [e["range"] for e in server.requests("/v.zip")] == ["bytes=100000-", None]


def test_killed_process_then_a_new_one_resumes(server, tmp_path):
    """A real interruption: a process downloading is killed mid-body; the next run resumes."""
    url = server.add("/v.zip", DATA)
    server.stall_seconds = 30
    server.fault("/v.zip", "stall")
    dest = tmp_path / "v.zip"
    code = (
        "import sys; from pretrained.remote import downloader; "
        f"downloader.fetch({url!r}, {str(dest)!r}, sha256={SHA!r}, size={len(DATA)}, timeout=(5, 60))"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        part = tmp_path / "v.zip.part"
        deadline = time.time() + 20
        while time.time() < deadline and not (part.exists() and part.stat().st_size >= len(DATA) // 2):
            time.sleep(0.05)
        assert part.stat().st_size == len(DATA) // 2
    finally:
        proc.kill()
        proc.wait()
    _fetch(url, dest)
    assert dest.read_bytes() == DATA
    assert server.requests("/v.zip")[-1]["range"] == f"bytes={len(DATA) // 2}-"


def test_two_processes_download_once(server, tmp_path, monkeypatch):
    url = server.add("/v.zip", DATA)
    server.always("/v.zip", "slow")
    catalog_file = tmp_path / "catalog.json"
    catalog_file.write_text(
        json.dumps(
            [
                {
                    "name": "shared-set",
                    "urls": [url],
                    "sha256": SHA,
                    "size": len(DATA),
                    "format": "glove",
                    "dim": 3,
                }
            ]
        )
    )
    server.slow_pause = 0.05  # the download takes about 2 s, so the two overlap
    cache = tmp_path / "cache"
    go = tmp_path / "go"
    env = dict(os.environ, PRETRAINED_CATALOG=str(catalog_file), PRETRAINED_CACHE=str(cache), PRETRAINED_PROGRESS="0")
    code = (
        "import logging, os, sys, time, pretrained\n"
        "logging.basicConfig(level=logging.INFO)\n"
        f"open({str(tmp_path)!r} + '/ready-' + sys.argv[1], 'w').close()\n"
        f"while not os.path.exists({str(go)!r}): time.sleep(0.01)\n"
        "print(pretrained.download('shared-set'))\n"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(i)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for i in range(2)
    ]
    deadline = time.time() + 30
    while time.time() < deadline and not all((tmp_path / f"ready-{i}").exists() for i in range(2)):
        time.sleep(0.01)
    go.touch()  # both start downloading now
    results = [p.communicate(timeout=60) for p in procs]
    outs = [out.strip() for out, _ in results]
    logs = [err for _, err in results]
    assert [p.returncode for p in procs] == [0, 0], logs
    monkeypatch.setenv("PRETRAINED_CATALOG", str(catalog_file))
    assert outs[0] == outs[1] == str(downloader.download_path("shared-set", cache))
    assert Path(outs[0]).read_bytes() == DATA
    assert len(server.requests("/v.zip")) == 1
    assert sum("another process is downloading" in e for e in logs) == 1, logs
    assert sum("downloaded by another process: reusing it" in e for e in logs) == 1, logs


def test_offline_makes_no_request(server, tmp_path, monkeypatch):
    url = server.add("/v.zip", DATA)
    with pytest.raises(OfflineError) as info:
        _fetch(url, tmp_path / "v.zip", offline=True, name="shared-set")
    assert isinstance(info.value, ConnectionError) and isinstance(info.value, PretrainedError)
    assert "pretrained download shared-set" in str(info.value) and url in str(info.value)
    monkeypatch.setenv("PRETRAINED_OFFLINE", "1")
    with pytest.raises(OfflineError):
        _fetch(url, tmp_path / "v.zip")
    assert server.requests("/v.zip") == []
    # once downloaded, offline mode serves it from the cache
    _fetch(url, tmp_path / "v.zip", offline=False)
    assert _fetch(url, tmp_path / "v.zip").read_bytes() == DATA


def test_free_disk_space_is_checked_before_downloading(server, tmp_path, monkeypatch):
    import shutil
    from collections import namedtuple

    url = server.add("/v.zip", DATA)
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda p: usage(10**9, 10**9 - 1000, 1000))
    with pytest.raises(DownloadError) as info:
        _fetch(url, tmp_path / "v.zip")
    assert "free disk space" in str(info.value) and f"{len(DATA):,}" in str(info.value)
    assert _leftovers(tmp_path) == []


def test_progress_bar_when_asked_and_silence_otherwise(server, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("PRETRAINED_PROGRESS")  # PRETRAINED_PROGRESS=0 turns every bar off
    url = server.add("/v.zip", DATA)
    _fetch(url, tmp_path / "a.zip", progress=True)
    assert "a.zip" in capsys.readouterr().err
    _fetch(url, tmp_path / "b.zip", progress=False)
    assert capsys.readouterr().err == ""


def test_complete_part_from_an_earlier_run_is_finished_without_a_request(server, tmp_path):
    url = server.add("/v.zip", DATA)
    (tmp_path / "v.zip.part").write_bytes(DATA)
    assert _fetch(url, tmp_path / "v.zip").read_bytes() == DATA
    assert server.requests("/v.zip") == []
    # a complete-looking but wrong .part is discarded and downloaded again
    (tmp_path / "w.zip.part").write_bytes(b"\1" * len(DATA))
    assert _fetch(url, tmp_path / "w.zip").read_bytes() == DATA
    assert [e["range"] for e in server.requests("/v.zip")] == [None]


def test_oversized_part_is_discarded(server, tmp_path):
    url = server.add("/v.zip", DATA)
    (tmp_path / "v.zip.part").write_bytes(DATA + b"extra")
    assert _fetch(url, tmp_path / "v.zip").read_bytes() == DATA
    assert [e["range"] for e in server.requests("/v.zip")] == [None]


def test_mirror_env_is_tried_first_by_file_name(server, tmp_path, monkeypatch):
    server.add("/company/v.zip", DATA)
    official = server.add("/official/v.zip", DATA)
    pretrained.register("mirrored", [official], sha256=SHA, size=len(DATA), format="glove", dim=3)
    try:
        monkeypatch.setenv("PRETRAINED_MIRROR", server.url("/company"))
        path = pretrained.download("mirrored")
    finally:
        pretrained.remote.catalog.unregister("mirrored")
    assert path.read_bytes() == DATA
    assert len(server.requests("/company/v.zip")) == 1 and server.requests("/official/v.zip") == []


def test_timeouts_retries_and_backoff_come_from_the_environment(server, tmp_path, monkeypatch):
    from pretrained import config
    from pretrained.errors import ConfigError

    monkeypatch.setenv("PRETRAINED_CONNECT_TIMEOUT", "1.5")
    monkeypatch.setenv("PRETRAINED_READ_TIMEOUT", "0.4")
    monkeypatch.setenv("PRETRAINED_RETRIES", "2")
    assert config.timeouts() == (1.5, 0.4) and config.retries() == 2
    url = server.add("/v.zip", DATA)
    server.stall_seconds = 10
    server.fault("/v.zip", "hang", "hang", "hang")
    started = time.perf_counter()
    with pytest.raises(DownloadError, match="gave up after 2 tries"):
        _fetch(url, tmp_path / "v.zip")
    assert time.perf_counter() - started < 5 and len(server.requests("/v.zip")) == 2
    monkeypatch.setenv("PRETRAINED_READ_TIMEOUT", "soon")
    with pytest.raises(ConfigError, match="PRETRAINED_READ_TIMEOUT"):
        config.timeouts()
