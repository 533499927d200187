"""The cache layout: downloads/, vectors/, indexes/, CACHEDIR.TAG; listing and removing items."""

from __future__ import annotations

import pytest

from pretrained.cache import folder as cachedir
from pretrained.cli import main
from pretrained.errors import CacheError


def _fill(root):
    (root / "downloads").mkdir(parents=True)
    (root / "downloads" / "glove.6B.zip").write_bytes(b"x" * 100)
    (root / "downloads" / "glove.6B.zip.lock").write_bytes(b"")
    (root / "downloads" / "glove.42B.300d.zip.part").write_bytes(b"y" * 10)
    for name in ("glove.6B.100d", "glove.6B.100d-limit1000", "glove.6B.300d", ".glove.6B.200d.tmp-1-abc"):
        (root / "vectors" / name).mkdir(parents=True)
        (root / "vectors" / name / "meta.json").write_text("{}")
    (root / "indexes" / "glove.6B.100d-angular").mkdir(parents=True)
    (root / "indexes" / "glove.6B.100d-angular" / "index.ann").write_bytes(b"z" * 7)


def test_settings_are_read_per_call_and_nothing_is_created(tmp_path, monkeypatch):
    monkeypatch.setenv("PRETRAINED_CACHE", str(tmp_path / "a"))
    assert cachedir.root() == tmp_path / "a" and cachedir.downloads() == tmp_path / "a" / "downloads"
    monkeypatch.setenv("PRETRAINED_CACHE", str(tmp_path / "b"))
    assert cachedir.vectors() == tmp_path / "b" / "vectors" and cachedir.indexes() == tmp_path / "b" / "indexes"
    assert cachedir.items() == []
    assert main(["list"]) == 0 and main(["cache"]) == 0
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_ensure_writes_the_cachedir_tag_once(tmp_path):
    root = cachedir.ensure(tmp_path / "c")
    tag = root / "CACHEDIR.TAG"
    assert tag.read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    tag.write_text(tag.read_text() + "# edited\n")
    cachedir.ensure(tmp_path / "c")
    assert tag.read_text().endswith("# edited\n")


def test_items_list_kinds_and_sizes_and_hide_locks_and_temporaries(tmp_path):
    _fill(tmp_path)
    got = {(i.kind, i.name, i.size) for i in cachedir.items(tmp_path)}
    assert got == {
        ("download", "glove.6B.zip", 100),
        ("partial", "glove.42B.300d.zip.part", 10),
        ("vectors", "glove.6B.100d", 2),
        ("vectors", "glove.6B.100d-limit1000", 2),
        ("vectors", "glove.6B.300d", 2),
        ("index", "glove.6B.100d-angular", 7),
    }


def test_remove_by_catalogue_name_takes_the_download_and_every_converted_set(tmp_path):
    _fill(tmp_path)
    removed = {p.name for p in cachedir.remove("glove-wiki-gigaword-100", tmp_path)}
    assert removed == {"glove.6B.zip", "glove.6B.100d", "glove.6B.100d-limit1000", "glove.6B.100d-angular"}
    left = {i.name for i in cachedir.items(tmp_path)}
    assert left == {"glove.42B.300d.zip.part", "glove.6B.300d"}
    assert not any(p.name.startswith(".") and "trash" in p.name for p in (tmp_path / "vectors").iterdir())


def test_remove_by_item_name_and_unknown_names(tmp_path):
    _fill(tmp_path)
    assert [p.name for p in cachedir.remove("glove.42B.300d.zip.part", tmp_path)] == ["glove.42B.300d.zip.part"]
    with pytest.raises(CacheError, match="nothing named 'nope'"):
        cachedir.remove("nope", tmp_path)
