"""``formats.select`` compares a reader's byte tokens as bytes while they are all UTF-8 and hands
their ``vocab.txt`` lines on as they are; the words it keeps, the counts and the errors must be
those of decoding every token and comparing str (the reference below, the rule as it was
written before), whatever mix of byte and str blocks, invalid UTF-8, repeats within a block and
across blocks, empty tokens and ``vocabulary=`` the blocks hold (hypothesis).
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import require

hypothesis = require("hypothesis", "test")
from hypothesis import given, settings
from hypothesis import strategies as st

from pretrained.errors import FormatDecodeError, FormatError
from pretrained.formats import Block, ReadStats, select

# few distinct tokens, so repeats are common; two are not UTF-8, one is empty
_TOKENS = [b"a", b"b", "caf\u00e9".encode(), b"\xff", b"x\xc3", b"d", b"e", b""]


def _reference(blocks, errors, vocabulary, limit):
    """(words kept, duplicates, invalid_unicode, not_in_vocabulary), or the error's (type, text)."""
    seen, kept, dup, invalid, absent, read = set(), [], 0, 0, 0, 0
    for tokens in blocks:
        if limit is not None:
            tokens = tokens[: max(0, limit - read)]
        read += len(tokens)
        words = []
        for t in tokens:
            if isinstance(t, str):
                words.append(t)
                continue
            try:
                words.append(t.decode("utf-8"))
            except UnicodeDecodeError:
                if errors == "strict":
                    return FormatDecodeError, "is not valid UTF-8"
                invalid += 1
                words.append(t.decode("utf-8", errors))
        if "" in words:
            return FormatError, "an empty token"
        for w in words:
            if vocabulary is not None and w not in vocabulary:
                absent += 1
            elif w in seen:
                dup += 1
            else:
                seen.add(w)
                kept.append(w)
        if limit is not None and read >= limit:
            break
    return kept, dup, invalid, absent


@st.composite
def _blocks(draw):
    blocks = []
    for _ in range(draw(st.integers(1, 5))):
        tokens = draw(st.lists(st.sampled_from(_TOKENS), min_size=1, max_size=6))
        if draw(st.booleans()) and all(_utf8(t) for t in tokens):
            tokens = [t.decode("utf-8") for t in tokens]  # a block the text reader hands out as str
        blocks.append(tokens)
    return blocks


def _utf8(t: bytes) -> bool:
    try:
        t.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@settings(max_examples=400, deadline=None)
@given(
    blocks=_blocks(),
    errors=st.sampled_from(["strict", "replace", "ignore"]),
    vocabulary=st.sampled_from([None, {"a", "café", "\ufffd", "d"}]),
    limit=st.sampled_from([None, 1, 4, 9]),
)
def test_select_keeps_what_decoding_every_token_keeps(blocks, errors, vocabulary, limit):
    stats = ReadStats("f.bin", "word2vec", 2)
    raw = []
    row = 0
    for tokens in blocks:
        vecs = np.arange(row, row + len(tokens), dtype=np.float32)[:, None].repeat(2, axis=1)
        raw.append((tokens, vecs))
        row += len(tokens)
    expected = _reference(blocks, errors, vocabulary, limit)
    if isinstance(expected[0], type):
        with pytest.raises(expected[0], match=expected[1]):
            list(select(iter(raw), stats, limit=limit, vocabulary=vocabulary, unicode_errors=errors))
        return
    out = list(select(iter(raw), stats, limit=limit, vocabulary=vocabulary, unicode_errors=errors))
    words = [w for b in out for w in b.words]
    kept, dup, invalid, absent = expected
    assert words == kept
    assert (stats.duplicates, stats.invalid_unicode, stats.not_in_vocabulary, stats.kept) == (
        dup,
        invalid,
        absent,
        len(kept),
    )
    # each block's vocab.txt lines are its words, and each vector is still its word's
    for b in out:
        assert b.text == "".join(w + "\n" for w in b.words).encode("utf-8")
        assert len(b.words) == len(b.vectors)
    # the vector kept for a word is its first occurrence's (row numbers, in file order)
    rows = [float(v[0]) for b in out for v in b.vectors]
    assert rows == sorted(rows) and len(set(rows)) == len(rows)
    flat = [t for tokens in blocks for t in tokens]
    for w, r in zip(words, rows):
        t = flat[int(r)]
        assert (t if isinstance(t, str) else t.decode("utf-8", errors)) == w
        assert all((u if isinstance(u, str) else u.decode("utf-8", errors)) != w for u in flat[: int(r)])


def test_a_block_made_from_its_text_or_its_words_is_the_same():
    vecs = np.zeros((2, 3), np.float32)
    a, b = Block(["é", "b"], vecs), Block(None, vecs, text="é\nb\n".encode())
    assert (a.words, a.text) == (b.words, b.text)
    with pytest.raises(ValueError, match="needs its words"):
        Block(None, vecs)
