"""Decimal text becomes the float32 nearest to it (one rounding), on the Python path of the text
reader as on Arrow's: near a float32 midpoint, where reading a double first and casting it rounds
twice, and everywhere else (hypothesis; the reference is exact rational arithmetic).
"""

from __future__ import annotations

from decimal import Decimal, localcontext
from fractions import Fraction

import numpy as np
import pytest
from conftest import require

hypothesis = require("hypothesis", "test")
from hypothesis import given, settings
from hypothesis import strategies as st

from pretrained.formats.float32 import nearest_float32
from pretrained.formats.text_reader import TextParser, TokenRules, parse_line

MAX = Fraction(float(np.finfo(np.float32).max))
BEYOND = Fraction(2) ** 128


def _exact(text: str) -> int:
    """The bits of the float32 nearest ``text`` (ties to even), by exact arithmetic."""
    x = Fraction(text)
    sign = -1 if text.lstrip().startswith("-") else 1  # -0 is -0.0
    a = abs(x)
    if a >= (MAX + BEYOND) / 2:  # at or beyond the overflow midpoint: inf (MAX's mantissa is odd)
        return int(np.float32(sign * np.inf).view(np.uint32))
    with np.errstate(over="ignore"):
        c = np.float32(float(a))  # within one float32 step of the answer
    best = None
    for cand in (np.nextafter(c, np.float32(0)), c, np.nextafter(c, np.float32(np.inf))):
        if np.isinf(cand):
            continue
        d = abs(Fraction(float(cand)) - a)
        key = (d, int(cand.view(np.uint32)) & 1)  # nearer first, then the even mantissa
        if best is None or key < best[0]:
            best = (key, cand)
    assert best is not None
    return int(np.float32(sign * best[1]).view(np.uint32))


def _ours(texts: list) -> list:
    values = np.array([float(t) for t in texts])
    raw = [t.encode() for t in texts]
    return nearest_float32(values, raw.__getitem__).view(np.uint32).tolist()


@st.composite
def _near_midpoints(draw):
    """A decimal at, just below or just above the midpoint of two neighbouring float32 (normal,
    subnormal, or float32's largest and the overflow point), written with up to 60 digits."""
    bits = draw(st.integers(0, 0x7F7FFFFF))
    lo = np.uint32(bits).view(np.float32)
    with np.errstate(over="ignore"):
        hi = np.nextafter(lo, np.float32(np.inf))
    top = BEYOND if np.isinf(hi) else Fraction(float(hi))
    mid = (Fraction(float(lo)) + top) / 2
    offset = draw(st.sampled_from([0, 1, -1])) * Fraction(1, 10 ** draw(st.integers(20, 60))) * mid
    x = mid + offset
    with localcontext() as ctx:
        ctx.prec = 120
        text = str(Decimal(x.numerator) / Decimal(x.denominator))
    return ("-" if draw(st.booleans()) else "") + text


@settings(max_examples=400, deadline=None)
@given(texts=st.lists(_near_midpoints(), min_size=1, max_size=8))
def test_near_midpoints_one_rounding(texts):
    assert _ours(texts) == [_exact(t) for t in texts]


@settings(max_examples=300, deadline=None)
@given(
    texts=st.lists(
        st.builds(
            lambda m, e, s: f"{s}{m}e{e}",
            st.integers(0, 10**25).map(lambda n: f"{n // 10**12}.{n % 10**12:012d}"),
            st.integers(-50, 40),
            st.sampled_from(["", "-", "+"]),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_any_decimal_one_rounding(texts):
    assert _ours(texts) == [_exact(t) for t in texts]


@pytest.mark.parametrize(
    "text, bits",
    [
        ("1.00000005960464477550000000001", 0x3F800001),  # above the midpoint: up (the double is the midpoint)
        ("1.00000005960464477530000000000", 0x3F800000),  # below it: down
        ("1.000000059604644775390625", 0x3F800000),  # the midpoint itself: ties to even
        ("3.4028235677973366e38", 0x7F7FFFFF),  # float32's largest, not inf
        ("3.4028235677973366163e38", 0x7F7FFFFF),  # just below the overflow midpoint
        ("340282356779733661637539395458142568448", 0x7F800000),  # the overflow midpoint: inf (ties to even)
        ("3.40282356779733661637539395458142568449e38", 0x7F800000),  # above it
        ("-3.4028235677973366e38", 0xFF7FFFFF),
    ],
)
def test_known_cases(text, bits):
    assert _ours([text]) == [bits]


def test_python_lines_get_arrow_bits():
    """A line parsed in Python (``parse_line``, the fallback) and the same line parsed by Arrow."""
    pa = require("pyarrow", "test")  # noqa: F841  (a dependency: present)
    values = ["1.00000005960464477550000000001", "3.4028235677973366e38", "0.1", "-2.5e-45"]
    line = ("w " + " ".join(values)).encode()
    rules = TokenRules()
    _, ours = parse_line(line, len(values), "f.txt", 1, rules)
    tokens, arrow, bad = TextParser(len(values), False, "f.txt", rules, threads=False).arrow(line + b"\n")
    assert not bad and tokens == [b"w"]
    assert ours.view(np.uint32).tolist() == arrow[0].view(np.uint32).tolist()
