"""Property tests of the readers and writers (hypothesis).

1. Every format round-trips random vocabularies (Unicode, non-BMP, tokens with spaces in GloVe
   text) and random finite float32 arrays exactly, plain and gzipped.
2. A damaged file either reads back rows equal to the untouched file's (a prefix of them: a GloVe
   file cut at a line break is a shorter valid file) or raises FormatError: never other vectors
   in silence. The damage is structural: a cut at any byte, a byte of the structure replaced, a
   value added or removed on a line, a changed header. A digit changed into another digit, a
   changed letter of a word or a changed byte of a binary float is a valid different file that
   no reader can tell, so it is not generated. For a text file that does not end with a line
   break, a cut inside its last number cannot be told from a complete file either: the reader
   records it (``stats.unterminated``) and only then may the last row differ.
"""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest
from conftest import require

hypothesis = require("hypothesis", "test")
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from pretrained import FormatError, read_vectors, write_vectors
from pretrained.formats.text_reader import looks_numeric

FORMATS = ["glove", "word2vec", "word2vec-text", "fasttext"]
SUFFIX = {"glove": ".txt", "word2vec": ".bin", "word2vec-text": ".txt", "fasttext": ".vec"}

_piece = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r "), min_size=1, max_size=6)


def _is_number(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


def _glove_word_ok(word: str, dim: int) -> bool:
    parts = word.split(" ")
    run = best = 0
    for part in parts:
        run = run + 1 if _is_number(part) else 0
        best = max(best, run)
    return len(parts) == 1 or (not looks_numeric(parts[-1]) and best < dim)


@st.composite
def vector_sets(draw, fmt: str, min_rows: int = 1):
    dim = draw(st.integers(1, 6))
    spaces = fmt == "glove"
    word = st.lists(_piece, min_size=1, max_size=3 if spaces else 1).map(" ".join)
    if spaces:
        word = word.filter(lambda w: _glove_word_ok(w, dim))
    words = draw(st.lists(word, min_size=min_rows, max_size=8, unique=True))
    floats = st.floats(width=32, allow_nan=False, allow_infinity=False)
    vecs = draw(hnp.arrays(np.float32, (len(words), dim), elements=floats))
    return words, vecs


def _bits(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.float32).view(np.uint32)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("gz", [False, True])
@settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_round_trip_is_bit_identical(tmp_path, fmt, gz, data):
    words, vecs = data.draw(vector_sets(fmt))
    path = tmp_path / ("v" + SUFFIX[fmt] + (".gz" if gz else ""))
    write_vectors(path, words, vecs, format=fmt)
    # a GloVe file whose first line is two whole numbers reads as a header: say the format
    got_words, got, stats = read_vectors(path, format=fmt, unicode_errors="strict")
    assert got_words == words
    assert got.dtype == np.float32 and got.shape == vecs.shape
    np.testing.assert_array_equal(_bits(got), _bits(vecs))  # -0.0, subnormals and all
    assert stats.kept == len(words) and stats.nonfinite == 0


@settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_compact_precision_is_close(tmp_path, data):
    words, vecs = data.draw(vector_sets("word2vec-text"))
    vecs = np.clip(vecs, -1e30, 1e30)  # relative error is what %.3g promises
    exact, compact = tmp_path / "e.vec", tmp_path / "c.vec"
    write_vectors(exact, words, vecs, format="word2vec-text")
    write_vectors(compact, words, vecs, format="word2vec-text", precision=3)
    got = read_vectors(compact)[1]
    np.testing.assert_allclose(got, vecs, rtol=5e-3, atol=1e-37)


# --------------------------------------------------------------------------- corruption


def _w2v_bin_without_line_breaks(words, vecs) -> bytes:
    out = [f"{len(words)} {vecs.shape[1]}\n".encode()]
    for w, row in zip(words, vecs):
        out.append(w.encode() + b" " + struct.pack(f"<{len(row)}f", *row))
    return b"".join(out)


def _line_spans(data: bytes, skip_header: bool):
    spans, pos = [], 0
    for line in data.split(b"\n"):
        spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    spans = [s for s in spans if s[1] > s[0]]
    return spans[1:] if skip_header else spans


def _value_spans(data: bytes, line: tuple, dim: int):
    """(start, end) of each value field of a text line (its last ``dim`` fields)."""
    text = data[line[0] : line[1]]
    ends, pos = [], len(text)
    for _ in range(dim):
        start = text.rfind(b" ", 0, pos) + 1
        ends.append((line[0] + start, line[0] + pos))
        pos = start - 1
    return ends[::-1]


def _binary_structure(data: bytes, words, dim: int, line_breaks: bool):
    """Byte offsets of the header, the space after each word and the line break after each record."""
    pos = data.index(b"\n") + 1
    where = list(range(pos))
    for w in words:
        pos += len(w.encode())
        where.append(pos)
        pos += 1 + 4 * dim
        if line_breaks:
            where.append(pos)
            pos += 1
    return where


def _corrupt(draw, data: bytes, fmt: str, words, dim: int, line_breaks: bool) -> bytes:
    # without a separator between records (gensim's binary), a changed byte or bytes added or
    # removed inside a record can shift the rest undetectably (gensim reads them too): that
    # variant gets cuts and header changes
    kind = draw(st.sampled_from(["cut", "byte", "add", "remove", "header"] if line_breaks else ["cut", "header"]))
    header = fmt != "glove"
    if kind == "cut":
        return data[: draw(st.integers(0, len(data) - 1))]
    if kind == "header":
        if not header:
            kind = "add"
        else:
            nl = data.index(b"\n")
            count, d = map(int, data[:nl].split())
            which = draw(st.sampled_from(["count", "dim"]))
            new = draw(st.integers(0, 20).filter(lambda x: x != (count if which == "count" else d)))
            line = f"{new} {d}" if which == "count" else f"{count} {new}"
            return line.encode() + data[nl:]
    if fmt == "word2vec":
        if kind == "byte":
            at = draw(st.sampled_from(_binary_structure(data, words, dim, line_breaks)))
            new = draw(st.sampled_from([b"x", b" ", b"\n", b"\x00"]).filter(lambda b: b != data[at : at + 1]))
            return data[:at] + new + data[at + 1 :]
        # a value's worth of bytes added or removed inside a record
        starts = _binary_structure(data, words, dim, line_breaks)[data.index(b"\n") + 1 :]
        spaces = starts[:: 2 if line_breaks else 1]
        at = draw(st.sampled_from(spaces)) + 1 + 4 * draw(st.integers(0, dim - 1))
        return data[:at] + b"\x00\x00\x80\x3f" + data[at:] if kind == "add" else data[:at] + data[at + 4 :]
    line = draw(st.sampled_from(_line_spans(data, header)))
    values = _value_spans(data, line, dim)
    start, end = draw(st.sampled_from(values))
    if kind == "byte":
        at = draw(st.integers(start - 1, end - 1))  # a value or the space before it
        new = draw(st.sampled_from([b"x", b" ", b"\n", b"\x00"]).filter(lambda b: b != data[at : at + 1]))
        return data[:at] + new + data[at + 1 :]
    if kind == "add":
        number = draw(st.sampled_from([b"0", b"1.5", b"-2e-3"]))
        at = draw(st.sampled_from([start - 1, end]))
        return data[:at] + b" " + number + data[at:]
    return data[: start - 1] + data[end:]  # a value removed with its space


@pytest.mark.parametrize("variant", ["glove", "word2vec-text", "word2vec", "word2vec-no-line-breaks"])
@settings(max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_damage_is_refused_or_leaves_the_untouched_rows(tmp_path, variant, data):
    fmt = "word2vec" if variant.startswith("word2vec") and variant != "word2vec-text" else variant
    line_breaks = variant != "word2vec-no-line-breaks"
    words, vecs = data.draw(vector_sets(fmt, min_rows=2))
    path = tmp_path / ("v" + SUFFIX[fmt])
    if line_breaks:
        write_vectors(path, words, vecs, format=fmt)
        original = path.read_bytes()
    else:
        original = _w2v_bin_without_line_breaks(words, vecs)
    dim = vecs.shape[1]
    damaged = _corrupt(data.draw, original, fmt, words, dim, line_breaks)
    assume(damaged != original)
    path.write_bytes(damaged)
    try:
        got_words, got, stats = read_vectors(path, unicode_errors="strict")
    except FormatError:
        hypothesis.event("refused")
        return
    hypothesis.event("read")
    k = len(got_words)
    assert k <= len(words)
    kept = damaged.rstrip(b"\r\n")
    if stats.unterminated or (fmt != "word2vec" and len(kept) < len(original) and original.startswith(kept)):
        # a cut inside the last number (left unterminated, or ended by the line break that
        # replaced its last digit) is indistinguishable from a shorter number: only it may differ
        k -= 1
    assert got_words[:k] == words[:k]
    if k > 0:
        assert got.shape[1] == dim
        np.testing.assert_array_equal(_bits(got[:k]), _bits(vecs[:k]))


def test_a_gzip_cut_anywhere_is_a_format_error_naming_the_file(tmp_path):
    data = gzip.compress(b"".join(b"w%d 1 2 3\n" % i for i in range(3000)))
    for cut in (10, len(data) // 3, len(data) - 5):
        p = tmp_path / f"v{cut}.txt.gz"
        p.write_bytes(data[:cut])
        with pytest.raises(FormatError, match=str(p)):
            read_vectors(p)


@pytest.mark.parametrize("fmt", ["glove", "fasttext"])
def test_a_word_starting_with_a_byte_order_mark_keeps_it(tmp_path, fmt):
    """Arrow drops a BOM at the start of what it parses; the reader must not, past the file's own
    first bytes (found by hypothesis: the word '\\ufeff' alone on the first vector line)."""
    words = ["\ufeff", "\ufeffking", "queen"]
    vecs = np.arange(6, dtype=np.float32).reshape(3, 2)
    path = tmp_path / ("v.txt" if fmt == "glove" else "v.vec")
    write_vectors(path, words, vecs, format=fmt)
    got_words, got, _ = read_vectors(path, format=fmt)
    assert got_words == words
    np.testing.assert_array_equal(got, vecs)
