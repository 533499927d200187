"""What the ``pretrained`` command prints: text for people, strict JSON for programs.

``--json`` output is strict JSON (RFC 8259): a NaN or infinite number becomes ``null`` rather than
the bare ``NaN`` that Python's :mod:`json` writes by default and strict parsers refuse.

Examples
--------
>>> print(to_json({"cosine": float("nan"), "words": ("a", "b")}, indent=None))
{"cosine": null, "words": ["a", "b"]}
"""

from __future__ import annotations

import argparse
import json
import math
import os
from typing import Any, Iterable, Optional, Tuple

__all__ = ["emit", "to_json", "strict", "table", "rows", "human"]


def strict(data: Any) -> Any:
    """``data`` with every non-finite float as None, NumPy scalars and arrays as Python values,
    tuples as lists and paths as strings: what :func:`json.dumps` writes as strict JSON."""
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, (str, int, bool)) or data is None:
        return data
    if isinstance(data, dict):
        return {str(k): strict(v) for k, v in data.items()}
    if isinstance(data, (list, tuple, set, frozenset)):
        return [strict(v) for v in data]
    if isinstance(data, os.PathLike):
        return os.fspath(data)
    tolist = getattr(data, "tolist", None)  # NumPy scalars and arrays
    if callable(tolist):
        return strict(tolist())
    return str(data)


def to_json(data: Any, indent: Optional[int] = 2) -> str:
    """Strict JSON text of ``data`` (see :func:`strict`)."""
    return json.dumps(strict(data), ensure_ascii=False, indent=indent, allow_nan=False)


def emit(args: argparse.Namespace, data: Any, text: str) -> None:
    """Print ``data`` as JSON with ``--json``, else ``text``."""
    print(to_json(data) if getattr(args, "json", False) else text)


def table(pairs) -> str:
    """Neighbours as the library shows them, or a note that there are none."""
    from pretrained.core.results import Neighbours

    return repr(Neighbours(pairs)) if pairs else "  (nothing)"


def rows(pairs: Iterable[Tuple[str, str]]) -> str:
    """``label  text`` lines with the labels in one column."""
    pairs = list(pairs)
    width = max((len(label) for label, _ in pairs), default=0)
    return "\n".join(f"{label:<{width}}  {text}" for label, text in pairs)


def human(n: Optional[float]) -> str:
    """A byte count for people: ``1.5 GiB``."""
    if n is None:
        return "?"
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)  # pragma: no cover
