"""One hash spelling: ``"sha256:<64 hex digits>"`` is written everywhere; bare hex is read too.

Examples
--------
>>> spell("AB" * 32) == "sha256:" + "ab" * 32
True
>>> hex_digest("sha256:" + "ab" * 32) == "ab" * 32
True
>>> hex_digest("ab" * 32) == "ab" * 32
True
"""

from __future__ import annotations

import hashlib
import os
import re
from typing import Optional, Union, overload

__all__ = ["spell", "hex_digest", "same", "file_sha256", "rows_sha256"]

_HEX = re.compile(r"^[0-9a-f]{64}$")
_CHUNK = 1 << 20


@overload
def hex_digest(value: str) -> str: ...
@overload
def hex_digest(value: None) -> None: ...
def hex_digest(value: Optional[str]) -> Optional[str]:
    """The 64 lower-case hex digits of a sha256 written either way; None stays None.

    Raises ``ValueError`` for anything else (another algorithm, a wrong length)."""
    if value is None:
        return None
    text = str(value).strip().lower()
    if text.startswith("sha256:"):
        text = text[len("sha256:") :]
    if not _HEX.match(text):
        raise ValueError(f"{value!r} is not a sha256 (64 hex digits, optionally after 'sha256:')")
    return text


@overload
def spell(value: str) -> str: ...
@overload
def spell(value: None) -> None: ...
def spell(value: Optional[str]) -> Optional[str]:
    """The one written form, ``sha256:<hex>``; None stays None."""
    digest = hex_digest(value)
    return None if digest is None else "sha256:" + digest


def same(a: Optional[str], b: Optional[str]) -> bool:
    """Whether two sha256 values, written either way, are the same hash (None equals nothing)."""
    if a is None or b is None:
        return False
    try:
        return hex_digest(a) == hex_digest(b)
    except ValueError:
        return False


def file_sha256(path: Union[str, os.PathLike[str]]) -> str:
    """The sha256 of a file's bytes, as ``sha256:<hex>``."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            h.update(chunk)
    return "sha256:" + h.hexdigest()


def rows_sha256(array) -> str:
    """The sha256 (bare hex) of a 2-D array's rows as little-endian float32 bytes, in row order:
    the identity of a set's vectors (``vectors_sha256`` in an entry's meta.json, an index's
    sidecar). Streamed in blocks of about 16 MiB, so a memory-mapped array is never copied whole."""
    import numpy as np

    h = hashlib.sha256()
    step = max(1, (16 << 20) // max(1, array.shape[1] * 4))
    for s in range(0, array.shape[0], step):
        h.update(memoryview(np.ascontiguousarray(array[s : s + step], dtype="<f4")).cast("B"))  # type: ignore[arg-type]  # NumPy stubs: __buffer__ only on 3.12+
    return h.hexdigest()
