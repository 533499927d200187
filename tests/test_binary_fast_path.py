"""The word2vec binary reader's fast path (one regular expression per block, a NumPy gather) gives
exactly what the record-by-record loop alone gives: the same words, the same float bytes, the
same error type and message, for well-formed and damaged files, with or without line breaks,
at any block size (records cut across blocks)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import require

hypothesis = require("hypothesis", "test")
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pretrained.formats
from pretrained.errors import PretrainedError
from pretrained.formats import binary_reader, iter_vectors
from pretrained.formats.binary_reader import gather

_word = st.binary(min_size=1, max_size=12).filter(lambda b: b" " not in b and b"\n" not in b)


def _file(words: list, vecs: np.ndarray, newline: bool) -> bytes:
    end = b"\n" if newline else b""
    body = b"".join(w + b" " + v.astype("<f4").tobytes() + end for w, v in zip(words, vecs))
    return b"%d %d\n" % vecs.shape + body


def _read(path, block_size: int, slow: bool, monkeypatch, **options):
    with monkeypatch.context() as patched:
        if slow:  # the loop alone (the fast path takes nothing), over blocks joined whole
            patched.setattr(
                binary_reader._Records,
                "_fast",
                lambda self, buf, want, eof, start=0: ([], np.zeros(0, np.int64), start),
            )
            patched.setattr(binary_reader, "_across", lambda *args: (0, None))
        try:
            words, parts = [], []
            with iter_vectors(path, format="word2vec", block_size=block_size, **options) as (stats, blocks):
                for b in blocks:
                    words.extend(b.words)
                    parts.append(b.vectors.tobytes())
            return ("ok", words, b"".join(parts), stats.as_dict())
        except PretrainedError as exc:
            return ("error", type(exc).__name__, str(exc))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    words=st.lists(_word, min_size=1, max_size=30, unique=True),
    dim=st.integers(1, 9),
    newline=st.booleans(),
    block=st.integers(1, 200),
    damage=st.one_of(st.none(), st.tuples(st.integers(0, 10**6), st.integers(0, 255)), st.integers(-40, -1)),
    seed=st.integers(0, 2**16),
    max_token=st.sampled_from([None, 12, 20]),
    head=st.sampled_from([1 << 20, 16, 64]),
)
def test_fast_path_equals_the_loop(tmp_path, monkeypatch, words, dim, newline, block, damage, seed, max_token, head):
    """With a small token bound, a record's most bytes fit in a block: records across two blocks
    are then split from a small joint copy (``_across``), which must agree with the whole join
    (``head``: the bytes read first, to find the header, which the first block joins)."""
    monkeypatch.setattr(pretrained.formats, "SNIFF_BYTES", head)
    rng = np.random.default_rng(seed)
    vecs = rng.standard_normal((len(words), dim)).astype(np.float32)
    data = bytearray(_file(words, vecs, newline))
    if isinstance(damage, tuple):  # one byte replaced anywhere after the header
        at = len(b"%d %d\n" % vecs.shape) + damage[0] % max(1, len(data) - 8)
        data[at] = damage[1]
    elif isinstance(damage, int):  # cut short
        data = data[:damage]
    path = tmp_path / "v.bin"
    path.write_bytes(bytes(data))
    options = dict(nonfinite="keep", unicode_errors="replace", max_token_bytes=max_token)
    fast = _read(path, block, False, monkeypatch, **options)
    slow = _read(path, block, True, monkeypatch, **options)
    assert fast == slow
    if damage is None and len({w.decode("utf-8", "replace") for w in words}) == len(words):  # no duplicates
        assert fast[0] == "ok" and fast[2] == vecs.tobytes()


@pytest.mark.parametrize("limit", [1, 7, None])
@pytest.mark.parametrize("max_token_bytes", [3, None])
def test_limits_and_token_bounds_agree(tmp_path, monkeypatch, limit, max_token_bytes):
    words = [b"a", b"bb", b"cccc", b"dd", b"e" * 9, b"f"] + [b"w%d" % i for i in range(20)]
    vecs = np.arange(len(words) * 3, dtype=np.float32).reshape(-1, 3)
    path = tmp_path / "v.bin"
    path.write_bytes(_file(words, vecs, True))
    for block in (5, 64, 1 << 20):
        options = {"limit": limit, "max_token_bytes": max_token_bytes}
        assert _read(path, block, False, monkeypatch, **options) == _read(path, block, True, monkeypatch, **options)


def test_gather_reads_every_alignment():
    rng = np.random.default_rng(0)
    rows = rng.standard_normal((8, 5)).astype(np.float32)
    buf, starts = b"", []
    for i, r in enumerate(rows):
        buf += b"x" * (i % 4 + 1) + b" "
        starts.append(len(buf))
        buf += r.tobytes()
    assert gather(buf, np.array(starts), 5).tobytes() == rows.tobytes()
    assert gather(buf, np.zeros(0, np.int64), 5).shape == (0, 5)
