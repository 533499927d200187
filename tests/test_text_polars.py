"""polars for clean text blocks (hypothesis): whatever polars is allowed to read gives what Arrow
(the path before it) gives, bit for bit, and everything else still goes the Arrow way.

(a) a grammar of number-like fields (signs, digits, dots, exponents, nan/inf spellings,
underscores, hex, whitespace, suffixes, exponents near float32's overflow and underflow, many
digits, decimals on float32 rounding midpoints): polars either refuses a field (the block goes to
Arrow) or gives the float32 bits Arrow gives for it; (b) whole files (the strategies of
``test_text_blocks`` plus odd tokens, grammar numbers and fastText's trailing spaces) read with the
polars switch on and off give the same words, float32 bits, counts and errors.
"""

from __future__ import annotations

import random
from decimal import Decimal

import numpy as np
import pytest
from conftest import require

hypothesis = require("hypothesis", "test")
require("polars", "fast")
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from test_text_blocks import _read, text_files

from pretrained.formats import text_reader
from pretrained.formats.text_reader import TextParser, TokenRules

SIGNS = ["", "", "-", "+", "--", "+-", "-+"]
SPECIAL = [
    "nan", "NaN", "NAN", "nAn", "inf", "Inf", "INF", "iNf", "infinity", "Infinity", "INFINITY",
    "infinit", "infinityy", "nan(1)", "nan()", "snan", "qnan", "1.#INF", "1.#QNAN", "NaN0", "infnan",
]  # fmt: skip
WRAP = ["", "", "", "\t", "\x0b", "\x0c", "\x00", "\u00a0", "\r", "\u3000", "_"]
SUFFIX = ["", "", "", "f", "F", "d", "D", "L", "j", "%", "e", "."]
DIGITS = st.text("0123456789", max_size=45)


@st.composite
def decimal_fields(draw) -> str:
    whole = draw(DIGITS)
    if draw(st.integers(0, 9)) == 0 and whole:  # an underscore between digits (Python takes 1_0)
        at = draw(st.integers(0, len(whole)))
        whole = whole[:at] + "_" + whole[at:]
    dot = draw(st.sampled_from(["", ".", ".", ",", ".."]))
    frac = draw(DIGITS)
    exp = ""
    if draw(st.booleans()):
        digits = draw(
            st.one_of(
                st.integers(0, 60).map(str),
                st.sampled_from(["37", "38", "39", "44", "45", "46", "0038", "99999999999999999999", ""]),
            )
        )
        exp = draw(st.sampled_from("eE")) + draw(st.sampled_from(["", "+", "-", "--"])) + digits
    return whole + dot + frac + exp


@st.composite
def midpoints(draw) -> str:
    """A decimal at (or a hair off) the midpoint of two float32 neighbours, with many digits: the
    case where rounding twice (to float64, then float32) and rounding once differ."""
    x = draw(st.floats(width=32, allow_nan=False, allow_infinity=False, min_value=0.0))
    with np.errstate(over="ignore"):
        y = np.nextafter(np.float32(x), np.float32(np.inf))
    mid = (Decimal(float(x)) + Decimal(float(y))) / 2 if np.isfinite(y) else Decimal(float(x)) * 2
    off = draw(st.sampled_from([0, 1, -1])) * Decimal(10) ** (mid.adjusted() - draw(st.integers(8, 60)))
    text = format(mid + off, "e" if draw(st.booleans()) else "f")
    return text


@st.composite
def number_fields(draw) -> bytes:
    body = draw(
        st.one_of(
            decimal_fields(),
            decimal_fields(),
            midpoints(),
            st.sampled_from(SPECIAL),
            st.text("0123456789abcdefABCDEFxXpP.", max_size=12).map(lambda s: "0x" + s),
            st.floats(width=32).map(lambda f: repr(float(f))),
            st.floats().map(repr),
            st.text(max_size=4),
        )
    )
    field = draw(st.sampled_from(WRAP)) + draw(st.sampled_from(SIGNS)) + body
    field += draw(st.sampled_from(SUFFIX)) + draw(st.sampled_from(WRAP))
    return field.encode("utf-8")


def _parser(dim, trailing_space=False, rules=TokenRules()):
    return TextParser(dim, trailing_space, "fields.txt", rules)


@pytest.fixture
def small_blocks(monkeypatch):
    """polars on for blocks of any size (the reader keeps it for blocks of 1 MiB or more)."""
    monkeypatch.setattr(text_reader, "_POLARS", True)
    monkeypatch.setattr(text_reader, "_POLARS_MIN_BYTES", 0)
    assert text_reader._polars(wait=True)


def _bits(vecs) -> list:
    return np.ascontiguousarray(vecs, dtype=np.float32).view(np.uint32).tolist()


def _same_as_arrow(parser: TextParser, block: bytes) -> bool:
    """Whether polars took ``block``; if it did, Arrow must take it whole with the same result."""
    got = parser.polars(block)
    if got is None:
        return False
    tokens, vecs, bad = parser.arrow(block, text=True)  # raises if Arrow refuses the block
    assert not bad, (block, bad)
    assert got[0] == tokens and all(isinstance(t, str) for t in got[0])
    assert got[1].dtype == np.float32 and got[1].flags.c_contiguous and got[1].shape == vecs.shape
    assert _bits(got[1]) == _bits(vecs), block
    return True


@settings(max_examples=3000, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=number_fields())
@example(field=b"3.4028235677973366e38")  # float32's largest by both (Python's float() then float32: inf)
@example(field=b"\t1")
@example(field=b"1\t")
@example(field=b"nan(1)")
@example(field=b"1_0")
@example(field=b"-Infinity")
def test_polars_takes_a_number_only_as_arrow_reads_it(small_blocks, field):
    parser = _parser(1)
    _same_as_arrow(parser, b"w " + field + b"\n")
    # and the field among others on a line, lines in a block
    line = b"w " + field + b" 0.5 " + field + b"\n"
    _same_as_arrow(_parser(3), b"a 1 2 3\n" + line + line)


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fields=st.lists(number_fields(), min_size=1, max_size=6))
def test_polars_takes_a_block_of_fields_only_as_arrow_reads_it(small_blocks, fields):
    block = b"".join(b"w%d %s\n" % (i, f) for i, f in enumerate(fields))
    _same_as_arrow(_parser(1), block)


def test_polars_reads_clean_blocks_and_refuses_odd_ones(small_blocks):
    """The guard cases, each certain (not left to chance in the random tests)."""
    assert _same_as_arrow(_parser(2), b"a 1 2\nb -3.5e-2 inf\nc nan .5\n")
    assert _same_as_arrow(_parser(2), b"a 1 2\nb 3 4")  # no line break at the end
    assert _same_as_arrow(_parser(2, True), b"a 1 2 \nb 3 4 \n")
    assert _same_as_arrow(_parser(1), "caf\u00e9 1\n\u00e9t\u00e9 2\n".encode())
    for dim, trailing, block in [
        (2, False, b"a 1 2\n\nb 3 4\n"),  # blank line: Arrow skips it, polars gives nulls
        (2, False, b"a 1 2\nb 3\n"),  # short line
        (2, False, b"a 1 2\nb 3 4 5\n"),  # long line
        (2, False, b"a 1 2 \n"),  # a trailing space where the first line has none
        (2, True, b"a 1 2 \nb 3 4\n"),  # no trailing space where the first line has one
        (2, True, b"a 1 2 \nb 3 4 x\n"),  # a value after the trailing space
        (2, False, b"a 1 2\r\nb 3 4\r\n"),  # carriage returns: left to Arrow / Python
        (2, False, b"\xef\xbb\xbfa 1 2\n"),  # a byte-order mark at the block's start
        (2, False, b"a\xff 1 2\n"),  # invalid UTF-8
        (2, False, b"a 1 x\n"),  # not a number
        (2, False, b" 1 2\n"),  # an empty token (Arrow takes it: polars leaves it to Arrow)
        (1, False, b"a 1_0\n"),
        (1, False, b""),
    ]:
        assert _parser(dim, trailing).polars(block) is None, block
    long = _parser(1, rules=TokenRules(max_bytes=3))
    assert long.polars(b"abc 1\n") is not None and long.polars(b"abcd 1\n") is None


def test_polars_is_off_for_small_blocks_and_when_switched_off(monkeypatch):
    block = b"a 1 2\n"
    assert text_reader._polars(wait=True)
    assert _parser(2).polars(block) is None  # shorter than _POLARS_MIN_BYTES
    monkeypatch.setattr(text_reader, "_POLARS_MIN_BYTES", 0)
    assert _parser(2).polars(block) is not None
    monkeypatch.setattr(text_reader, "_POLARS", False)
    assert _parser(2).polars(block) is None


ODD_TOKENS = [
    b"\xc3\xa9t\xc3\xa9", b"\xe4\xb8\xad\xe6\x96\x87", b'"quoted"', b"'", b"#hash", b"a\tb", b"a,b", b"\\",
    b"a\x00b", b"\x0b", b"null", b"NA", b"nan", b"1.5", b"-", b"\xf0\x9f\x98\x80", b"\xed\xa0\x80",
    b"\xc0\xaf", b"\xef\xbb\xbf", b"\xe2\x80\xa8", b"x" * 40,
]  # fmt: skip


@st.composite
def polars_files(draw):
    """Files of mostly clean lines with odd tokens, grammar numbers and (fastText) trailing spaces."""
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))
    dim = draw(st.integers(1, 4))
    trailing = draw(st.booleans())
    odd = draw(st.sampled_from([0.0, 0.05, 0.3]))
    fields = draw(st.lists(number_fields(), min_size=1, max_size=8))
    lines = []
    for i in range(draw(st.integers(1, 40))):
        word = rng.choice(ODD_TOKENS) if rng.random() < odd else b"w%d" % i
        values = [repr(float(np.float32(rng.uniform(-3, 3)))).encode() for _ in range(dim)]
        if rng.random() < odd:
            values[rng.randrange(dim)] = rng.choice(fields)
        end = b" \n" if trailing and rng.random() >= odd / 3 else b"\n"
        if rng.random() < odd / 3:
            values.append(b"1")
        lines.append(b" ".join([word, *values]) + end)
    if trailing:  # the first line decides: it ends with the space
        lines[0] = b" ".join([b"first", *[b"0.5"] * dim]) + b" \n"
    text = b"".join(lines)
    if draw(st.booleans()):
        text = text.rstrip(b"\n")
    second = text.find(b"\n", text.find(b"\n") + 1)
    sniff = (len(text) if second < 0 else second + 1) + draw(st.integers(0, 50))
    return text, sniff


def _both(tmp_path, monkeypatch, text, sniff, block_size, parsers, options):
    assert text_reader._polars(wait=True)
    path = tmp_path / "v.txt"
    path.write_bytes(text)
    kwargs = {"sniff": sniff, **options}
    monkeypatch.setattr(text_reader, "_POLARS", False)
    want = _read(path, block_size, parsers, monkeypatch, False, **kwargs)  # (_read undoes the patches)
    monkeypatch.setattr(text_reader, "_POLARS", True)
    monkeypatch.setattr(text_reader, "_POLARS_MIN_BYTES", 0)
    got = _read(path, block_size, parsers, monkeypatch, False, **kwargs)
    return got, want


OPTIONS = st.sampled_from(
    [{}, {"max_token_bytes": 30}, {"numeric_token_parts": True}, {"unicode_errors": "strict"}, {"nonfinite": "keep"}]
)


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=text_files(), block_size=st.integers(1, 400), parsers=st.sampled_from([1, 2]), options=OPTIONS)
def test_files_read_the_same_with_polars_on_and_off(tmp_path, monkeypatch, text, block_size, parsers, options):
    got, want = _both(tmp_path, monkeypatch, *text, block_size, parsers, options)
    assert got == want


@settings(max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=polars_files(), block_size=st.integers(1, 600), parsers=st.sampled_from([1, 2]), options=OPTIONS)
def test_odd_files_read_the_same_with_polars_on_and_off(tmp_path, monkeypatch, text, block_size, parsers, options):
    got, want = _both(tmp_path, monkeypatch, *text, block_size, parsers, options)
    assert got == want


def test_polars_reads_the_blocks_of_a_clean_file(tmp_path, monkeypatch):
    """Not a vacuous comparison: polars does read the blocks of a clean file (and errors after)."""
    rng = random.Random(3)
    lines = [
        b" ".join([b"w%d" % i, *(repr(float(np.float32(rng.gauss(0, 1)))).encode() for _ in range(8))])
        for i in range(20_000)
    ]
    path = tmp_path / "v.txt"
    path.write_bytes(b"\n".join(lines) + b"\nlast 1 2\n")
    taken: list = []
    polars = TextParser.polars
    assert text_reader._polars(wait=True)

    def spy(self, block, breaks=None):
        out = polars(self, block, breaks)
        taken.append(out is not None)
        return out

    monkeypatch.setattr(text_reader, "_POLARS", False)
    want = _read(path, 1 << 17, 2, monkeypatch, False)
    monkeypatch.setattr(TextParser, "polars", spy)
    got = _read(path, 1 << 17, 2, monkeypatch, False)  # polars on, for blocks of 1 MiB or more
    assert got == want and got[0] == "error" and "found 3 fields" in got[2]
    assert sum(taken) == 1  # the first block holds the 1 MiB head; the others are too small
    taken.clear()
    monkeypatch.setattr(text_reader, "_POLARS_MIN_BYTES", 1 << 16)
    monkeypatch.setattr(TextParser, "polars", spy)
    assert _read(path, 1 << 17, 2, monkeypatch, False) == want
    assert sum(taken) >= len(taken) - 2 >= 5, taken
