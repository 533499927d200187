"""The text reader's blocks (hypothesis): reading a text file in blocks, on one or two parsing
threads, gives what the plain reading of the same blocks in order gives: the same words, the same
float32 bits, the same counts, and the same error (type, message, line number) for bad input.

The reference below is the reader as it was before the blocks were handed to two parsers
(joined, cut at the last line break and counted on the caller's thread, parsed one at a time).
Lines are drawn from good rows, blank lines, carriage returns, tokens with spaces, bad values,
wrong counts, long tokens, nan and inf, invalid UTF-8 and byte-order marks.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
from conftest import require

hypothesis = require("hypothesis", "test")
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pretrained.formats as formats
from pretrained.errors import FormatError
from pretrained.formats import iter_vectors, text_reader
from pretrained.formats.text_reader import TextParser


def _reference_iter_text(stream, head, path, dim, line_base, block_size, rules, stats=None):
    first_nl = head.find(b"\n")
    first = head[: first_nl if first_nl >= 0 else len(head)].rstrip(b"\r")
    parser = TextParser(dim, first.endswith(b" "), path, rules)
    buf = head
    while True:
        data = stream.read(block_size)
        eof = not data
        buf += data
        cut = len(buf) if eof else buf.rfind(b"\n") + 1
        if eof and stats is not None and buf.strip(b"\r\n ") and not buf.endswith(b"\n"):
            stats.unterminated = True
        if cut:
            block, buf = buf[:cut], buf[cut:]
            tokens, vecs = parser.parse(block, line_base)
            yield tokens, vecs, _where(block, line_base)
            line_base += block.count(b"\n")
        if eof:
            return


def _where(block, line_base):
    def where(row):
        line = text_reader.row_line(block, line_base, row)
        return line, f"line {line}"

    return where


def _value(rng: random.Random) -> bytes:
    # the shortest text of a float32: Arrow and Python's float() then float32 agree on it
    return repr(float(np.float32(rng.uniform(-3, 3)))).encode()


ODD = ["blank", "spaces", "token with spaces", "bad value", "count", "long", "nonfinite", "utf8", "bom", "cr"]


def _line(rng: random.Random, dim: int, i: int, end: bytes, odd: float = 0.0) -> bytes:
    kind = rng.choice(ODD) if rng.random() < odd else "good"
    word = f"w{i}".encode()
    values = [_value(rng) for _ in range(dim)]
    if kind == "blank":
        return end
    if kind == "spaces":
        return b" " * rng.randint(1, 3) + end
    if kind == "token with spaces":
        word = word + b" " + rng.choice([b"york", b"1.5", b"", b"-"])
    elif kind == "bad value":
        values[rng.randrange(dim)] = rng.choice([b"abc", b"1.5e", b"--1", b"0x1"])
    elif kind == "count":
        values = values[:-1] if rng.random() < 0.5 else [*values, b"1"]
    elif kind == "long":
        word = b"x" * 40
    elif kind == "nonfinite":
        values[rng.randrange(dim)] = rng.choice([b"inf", b"nan", b"-inf", b"1e999"])
    elif kind == "utf8":
        word = word + b"\xff\xfe"
    elif kind == "bom":
        word = "\ufeff".encode() + word
    elif kind == "cr":
        word = word + b"\r" + b"y"
    return b" ".join([word, *values]) + end


@st.composite
def text_files(draw):
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))
    dim = draw(st.integers(1, 5))
    n = draw(st.integers(0, 80))
    crlf = draw(st.sampled_from([0.0, 0.3, 1.0]))
    odd = draw(st.sampled_from([0.0, 0.02, 0.1, 0.3]))
    lines = [_line(rng, dim, i, b"\r\n" if rng.random() < crlf else b"\n", odd) for i in range(n)]
    header = draw(st.booleans())
    text = (f"{n} {dim}\n".encode() if header else b"") + b"".join(lines)
    if draw(st.booleans()):
        text = text.rstrip(b"\r\n")  # no line break at the end
    if text.strip(b"\r\n ") == b"" or (not header and lines and not lines[0].strip()):
        text = b"first " + b" ".join([b"0.5"] * dim) + b"\n" + text  # a first line to take the dim from
    # the reader decides the format from a first read of SNIFF_BYTES (1 MiB), which becomes the
    # head of the first block: a small one here, so that small files too are read in many blocks
    second = text.find(b"\n", text.find(b"\n") + 1)
    sniff = (len(text) if second < 0 else second + 1) + draw(st.integers(0, 50))
    return text, sniff


def _read(path, block_size, parsers, monkeypatch, reference, sniff=None, **options):
    monkeypatch.setattr(text_reader, "_PARSERS", parsers)
    if sniff is not None:
        monkeypatch.setattr(formats, "SNIFF_BYTES", sniff)
    if reference:
        monkeypatch.setattr(formats, "iter_text", _reference_iter_text)
    try:
        words, parts = [], []
        with iter_vectors(path, block_size=block_size, **options) as (stats, blocks):
            for b in blocks:
                words.extend(b.words)
                parts.append(b.vectors.view(np.uint32).copy())
        bits = np.concatenate(parts) if parts else None
        return ("ok", words, None if bits is None else bits.tolist(), stats.as_dict(), stats.unterminated)
    except FormatError as exc:
        return ("error", type(exc).__name__, str(exc), exc.line)
    finally:
        monkeypatch.undo()


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text=text_files(),
    block_size=st.integers(1, 400),
    parsers=st.sampled_from([1, 2, 3]),
    nonfinite=st.sampled_from(["error", "zero", "keep"]),
    options=st.sampled_from([{}, {"max_token_bytes": 30}, {"numeric_token_parts": True}, {"unicode_errors": "strict"}]),
)
def test_blocks_read_as_the_plain_reader_reads_them(
    tmp_path, monkeypatch, text, block_size, parsers, nonfinite, options
):
    text, sniff = text
    path = tmp_path / "v.txt"
    path.write_bytes(text)
    kwargs = {"nonfinite": nonfinite, "sniff": sniff, **options}
    want = _read(path, block_size, 1, monkeypatch, True, **kwargs)
    got = _read(path, block_size, parsers, monkeypatch, False, **kwargs)
    assert got == want


def test_a_large_file_in_blocks_is_read_as_the_plain_reader_reads_it(tmp_path, monkeypatch):
    """Blocks large enough for Arrow's chunks and the NumPy line count, with a bad line at the end."""
    rng = random.Random(7)
    lines = [
        b" ".join([b"w%d" % i, *(_value(rng) for _ in range(8))]) + (b"\n\n" if i % 997 == 0 else b"\n")
        for i in range(30_000)
    ]
    good = b"".join(lines)
    path = tmp_path / "v.txt"
    path.write_bytes(good + b"last 1 2\n")
    want = _read(path, 1 << 17, 1, monkeypatch, True)
    got = _read(path, 1 << 17, 2, monkeypatch, False)
    assert got == want
    assert got[0] == "error" and "found 3 fields" in got[2]


@pytest.mark.parametrize("size", [0, 1, 1000, (1 << 16) - 1, 1 << 16, (1 << 18) + 1, 3 << 20])
def test_line_count_of_a_block(size):
    data = np.random.default_rng(size).integers(0, 256, size, dtype=np.uint8).tobytes()
    for step in (1 << 10, 1 << 18):
        counter = text_reader._LineCounter(step)
        assert counter.count(data) == data.count(b"\n")
        assert counter.count(memoryview(data)) == data.count(b"\n")
