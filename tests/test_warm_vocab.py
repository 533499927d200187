"""A cache entry's vocabulary answers lookups from the bytes of vocab.txt (no list, no dict built on
reload): every word maps to the same row as through the dictionary gensim users get."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import packaged_glove_words
from hypothesis import given, settings
from hypothesis import strategies as st

import pretrained
from pretrained.cache.vocab import VocabText

# any text without a line break: non-BMP characters, spaces inside words, empty-looking words
WORD = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs",), blacklist_characters="\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
    ),
    min_size=1,
    max_size=12,
)


def _vocab(words):
    raw = "".join(w + "\n" for w in words).encode("utf-8")
    return VocabText(raw, VocabText.count_lines(raw))


@settings(max_examples=300, deadline=None)
@given(st.lists(WORD, min_size=0, max_size=60, unique=True), st.lists(WORD, max_size=10))
def test_every_word_maps_to_its_dict_row_and_others_to_none(words, others):
    vocab = _vocab(words)
    rows = {w: i for i, w in enumerate(words)}
    assert len(vocab) == len(words)
    for w in words + others:
        assert vocab.find(w) == rows.get(w)
    assert list(vocab) == words


@settings(max_examples=30, deadline=None)
@given(st.lists(WORD, min_size=1, max_size=30, unique=True), st.data())
def test_through_vectors_a_reloaded_entry_answers_like_the_dict(tmp_path_factory, words, data):
    folder = tmp_path_factory.mktemp("v")
    vecs = np.arange(len(words) * 2, dtype=np.float32).reshape(len(words), 2)
    if any(w != w.strip() or " " in w or w.isspace() for w in words):
        words = [
            f"w{i}{w.strip() or 'x'}".replace(" ", "_") for i, w in enumerate(words)
        ]  # the text format splits on spaces
    src = folder / "v.txt"
    pretrained.write_vectors(src, words, vecs, format="glove")
    v = pretrained.load(src, cache_dir=folder / "cache")
    probe = data.draw(st.sampled_from(words))
    assert v.get_index(probe) == words.index(probe) and probe in v
    np.testing.assert_array_equal(v[probe], vecs[words.index(probe)])
    assert v.key_to_index == {w: i for i, w in enumerate(words)} and v.index_to_key == words


def test_duplicates_are_refused_where_the_dict_would_differ(tmp_path):
    with pytest.raises(pretrained.PretrainedError):
        pretrained.Vectors(["a", "b", "a"], np.zeros((3, 2), np.float32))


def test_the_real_glove_vocabulary():
    words = packaged_glove_words()
    assert len(words) == 400_000
    vocab = _vocab(words)
    # a byte search returns the first line equal to the word, so with unique words every row is right
    assert len(set(words)) == len(words) and list(vocab) == words
    fresh = _vocab(words)  # no list built: sampled rows, both ends, and words that are not there
    for i in [*range(0, 400_000, 97), 399_999]:
        assert fresh.find(words[i]) == i
    for w in ["", "king ", " king", "kingx", "\U0001f600"]:
        assert fresh.find(w) == (words.index(w) if w in set(words) else None)
