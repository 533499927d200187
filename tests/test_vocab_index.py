"""The memory-mapped vocabulary index (``vocab.idx.npy``) gives every word the row the dictionary
gives it, and None to every other string: random vocabularies (unicode, spaces, prefixes of one
another), words forced into one bucket, the empty vocabulary, a large one and the real GloVe one;
entries written before the index still load; lookups through it build neither list nor dict."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
import pytest
import xxhash
from conftest import packaged_glove_words
from hypothesis import given, settings
from hypothesis import strategies as st

import pretrained
from pretrained.cache import entries as store
from pretrained.cache import folder as cachedir
from pretrained.cache import vocab
from pretrained.cache.vocab import VocabText

# any text without a line break: non-BMP characters, spaces inside words, empty-looking words
WORD = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs",), blacklist_characters="\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
    ),
    min_size=1,
    max_size=12,
)
ABSENT = ["", "\n", "a\nb", "\ud800", "king ", " king", "\U0001f600x"]


def _indexed(folder: Path, words):
    raw = "".join(w + "\n" for w in words).encode("utf-8")
    (folder / "vocab.txt").write_bytes(raw)
    vocab.write_index(folder / "vocab.txt", folder / "vocab.idx.npy")
    return VocabText(raw, len(words), vocab.open_index(folder / "vocab.idx.npy", raw, len(words)))


def _check(words, others=()):
    rows = {w: i for i, w in enumerate(words)}
    with tempfile.TemporaryDirectory() as d:
        v = _indexed(Path(d), words)
        assert v.indexed and len(v) == len(words)
        for w in list(words) + list(others) + ABSENT:
            assert v.find(w) == rows.get(w), w
        assert list(v) == list(words)


@settings(max_examples=300, deadline=None)
@given(st.lists(WORD, min_size=0, max_size=80, unique=True), st.lists(WORD, max_size=10))
def test_every_word_maps_to_its_dict_row_and_others_to_none(words, others):
    _check(words, others)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.text(alphabet="ab", min_size=1, max_size=6), min_size=1, max_size=60, unique=True))
def test_prefixes_and_suffixes_of_one_another(words):
    _check(words, ["a" * 7, "b" * 7, "ab" * 4])


def test_words_in_one_bucket():
    n = 64  # buckets = words, so a word's bucket is xxh3_64(word) % 64
    same = [w for w in (f"c{i}" for i in range(20_000)) if xxhash.xxh3_64_intdigest(w.encode()) % n == 0][:40]
    other = [f"o{i}" for i in range(n - len(same))]
    words = other[:10] + same + other[10:]
    assert len(words) == n and len(same) == 40
    with tempfile.TemporaryDirectory() as d:
        v = _indexed(Path(d), words)
        assert all(v.find(w) == i for i, w in enumerate(words))
        absent = [w for w in (f"c{i}" for i in range(20_000, 40_000)) if xxhash.xxh3_64_intdigest(w.encode()) % n == 0]
        assert absent and all(v.find(w) is None for w in absent[:50])


def test_the_empty_vocabulary():
    _check([], ["a", "b"])


def test_a_large_vocabulary():
    rng = np.random.default_rng(3)
    letters = list("abcdefghijklmnopqrstuvwxyzéü東京я")
    words = list(dict.fromkeys("".join(rng.choice(letters, int(k))) for k in rng.integers(1, 12, 200_000)))
    _check(words, [w + "q" for w in words[:1000]])


def test_duplicates_keep_the_first_row_as_every_reader_does():
    with tempfile.TemporaryDirectory() as d:
        v = _indexed(Path(d), ["a", "b", "a", "c", "b"])
        assert [v.find(w) for w in "abcd"] == [0, 1, 3, None]


def test_the_real_glove_vocabulary():
    words = packaged_glove_words()
    _check(words, [w.upper() + "#" for w in words[:2000]])


def _entry(tmp_path: Path, words):
    vecs = np.arange(len(words) * 3, dtype=np.float32).reshape(len(words), 3) + 1
    src = tmp_path / "v.bin"
    pretrained.write_vectors(src, words, vecs, format="word2vec")
    return src, vecs


def test_a_reloaded_entry_answers_through_the_index_without_a_list_or_dict(tmp_path, monkeypatch):
    words = [f"w{i}é" for i in range(2000)]  # answers 2000 // 16 lookups from the index
    src, vecs = _entry(tmp_path, words)
    pretrained.load(src)

    def refuse(self):
        raise AssertionError("the word list was built")

    monkeypatch.setattr(VocabText, "as_list", refuse)
    v = pretrained.load(src)
    for i in range(0, 2000, 200):
        np.testing.assert_array_equal(v[words[i]], vecs[i])
        assert words[i] in v and v.get_index(words[i]) == i and v.has_index_for(words[i])
    assert "nope" not in v and v.get("nope") is None
    with pytest.raises(KeyError):
        v["nope"]
    monkeypatch.undo()
    assert v.index_to_key == words and v.key_to_index == {w: i for i, w in enumerate(words)}
    assert v.get_index(words[3]) == 3  # after the list, the index still answers


def test_many_lookups_switch_to_the_dict_with_the_same_rows(tmp_path):
    words = [f"w{i}" for i in range(64)]
    src, _ = _entry(tmp_path, words)
    pretrained.load(src)
    v = pretrained.load(src)
    assert [v.get_index(w) for w in words * 3] == list(range(64)) * 3
    assert [v.get_index(w, -1) for w in ["x", "y"]] == [-1, -1]


def test_an_entry_written_before_the_index_still_loads_and_verifies(tmp_path):
    words = [f"w{i}" for i in range(40)]
    src, vecs = _entry(tmp_path, words)
    entry = Path(pretrained.load(src).path)
    meta = json.loads((entry / "meta.json").read_text())
    (entry / "vocab.idx.npy").unlink()
    store.update_meta(entry, {"files": {k: v for k, v in meta["files"].items() if k != "vocab.idx.npy"}})
    v = pretrained.load(src)
    assert v.words == words and v.get_index("w7") == 7 and "w40" not in v
    np.testing.assert_array_equal(v.vectors, vecs)
    assert [r["ok"] for r in cachedir.verify()] == [True]
    (entry / "vocab.txt").write_bytes((entry / "vocab.txt").read_bytes().replace(b"w7\n", b"w8\n"))
    with pytest.raises(pretrained.errors.CacheError, match=r"vocab\.txt"):
        pretrained.load(src)  # the older path still checks the vocabulary's hash


def test_the_index_is_recorded_in_meta_like_every_file(tmp_path):
    src, _ = _entry(tmp_path, ["a", "b", "c"])
    entry = Path(pretrained.load(src).path)
    info = json.loads((entry / "meta.json").read_text())["files"]["vocab.idx.npy"]
    assert info["size"] == (entry / "vocab.idx.npy").stat().st_size
    assert pretrained.cache.hashes.file_matches(info.get("hash") or info["sha256"], entry / "vocab.idx.npy")
    assert np.load(entry / "vocab.idx.npy", allow_pickle=False).dtype == np.dtype("<u4")


def test_vectors_of_an_entry_pickle_with_their_index(tmp_path):
    import pickle

    words = [f"w{i}" for i in range(100)]
    src, vecs = _entry(tmp_path, words)
    pretrained.load(src)
    v = pickle.loads(pickle.dumps(pretrained.load(src)))
    assert v.get_index("w42") == 42 and "w100" not in v and v.words == words
    np.testing.assert_array_equal(v["w7"], vecs[7])


def test_a_saved_set_is_written_with_its_index_and_answers_through_it(tmp_path):
    words = ["ünï", "b c", "d", *[f"x{i}" for i in range(100)]]
    vecs = np.arange(len(words) * 2, dtype=np.float32).reshape(-1, 2) + 1
    pretrained.save(pretrained.Vectors(words, vecs), "mine")
    v = pretrained.load("mine")
    assert (Path(v.path) / "vocab.idx.npy").is_file()
    assert [v.get_index(w) for w in words[:3]] == [0, 1, 2] and "x100" not in v
    np.testing.assert_array_equal(v["b c"], vecs[1])
