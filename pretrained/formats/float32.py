"""Decimal text to float32 with one rounding, as Arrow's CSV parser does.

Python reads a decimal as the nearest double, and the cast of that double to float32 rounds a
second time. The two roundings differ from one exactly when the double they pass through is the
midpoint between two neighbouring float32 values: the decimal lay within half a double's spacing
of it, on one side, and the cast's ties-to-even may pick the other. ``1.00000005960464477550000000001``
is nearer ``1.0000001`` (``0x3f800001``, what Arrow gives) than ``1.0``, but
``float32(float(text))`` gives ``1.0``; ``3.4028235677973366e38`` is float32's largest value to
Arrow and ``inf`` through a double.

The text reader parses most blocks with Arrow and some lines in Python (tokens with spaces, a lone
carriage return, a block Arrow refuses), so a value must get the same bits either way:
:func:`nearest_float32` is the cast, except at those midpoints, where the exact decimal decides.

Examples
--------
>>> import numpy as np
>>> text = [b"1.00000005960464477550000000001", b"0.5"]
>>> nearest_float32(np.array([float(t) for t in text]), text.__getitem__).view(np.uint32).tolist() == [0x3F800001, 0x3F000000]
True
"""

from __future__ import annotations

from fractions import Fraction
from typing import Callable

import numpy as np

__all__ = ["nearest_float32"]

_BEYOND = 2.0**128  # where float32's next value after its largest would be: the overflow midpoint's far end


def nearest_float32(values: np.ndarray, text_of: Callable[[int], bytes]) -> np.ndarray:
    """The float32 nearest each decimal (ties to even), from ``values`` (the doubles Python read
    them as, any shape flattened in order) and ``text_of(i)`` (the text of value ``i``, asked for
    only at a float32 midpoint: rarely). Beyond float32's range a value becomes ``inf``, as the
    cast gives it."""
    f = np.asarray(values, dtype=np.float64).ravel()
    with np.errstate(over="ignore"):
        out = f.astype(np.float32)
    inexact = np.flatnonzero((out.astype(np.float64) != f) & np.isfinite(f))
    if not inexact.size:
        return out
    fi, ci = f[inexact], out[inexact]
    below = ci.astype(np.float64) < fi  # the cast went down: the float32 above is the other side
    with np.errstate(over="ignore"):  # the step beyond float32's largest value is inf
        lo = np.where(below, ci, np.nextafter(ci, np.float32(-np.inf)))
        hi = np.where(below, np.nextafter(ci, np.float32(np.inf)), ci)
    lo64, hi64 = lo.astype(np.float64), hi.astype(np.float64)
    lo64 = np.where(np.isinf(lo64), np.copysign(_BEYOND, lo64), lo64)
    hi64 = np.where(np.isinf(hi64), np.copysign(_BEYOND, hi64), hi64)
    middle = (lo64 + hi64) / 2  # exact: two neighbouring float32 differ in 24 bits at most
    for k in np.flatnonzero(middle == fi).tolist():
        try:
            exact = Fraction(text_of(int(inexact[k])).decode("ascii").strip())
        except (ValueError, UnicodeDecodeError, ZeroDivisionError):
            continue  # a spelling Fraction does not read: the cast's ties-to-even stands
        m = Fraction(float(middle[k]))
        if exact != m:
            out[inexact[k]] = lo[k] if exact < m else hi[k]
    return out
