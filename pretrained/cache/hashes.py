"""Hash spellings: ``"sha256:<64 hex digits>"`` (published hashes, downloads; bare hex is read
too) and ``"xxh3-128:<32 hex digits>"`` (the cache's own integrity and identity, at memory speed).

A recorded value names its algorithm, so :func:`matches` and :func:`file_matches` check data
against whatever an entry recorded, old (sha256) or new (xxh3-128).

Examples
--------
>>> spell("AB" * 32) == "sha256:" + "ab" * 32
True
>>> hex_digest("sha256:" + "ab" * 32) == "ab" * 32
True
>>> hex_digest("ab" * 32) == "ab" * 32
True
>>> digest(b"king").startswith("xxh3-128:")
True
>>> matches(digest(b"king"), b"king"), matches(digest(b"king", "sha256"), b"king"), matches(digest(b"king"), b"kinh")
(True, True, False)
"""

from __future__ import annotations

import hashlib
import os
import re
from typing import Any, Optional, Union, overload

__all__ = [
    "spell",
    "hex_digest",
    "same",
    "file_sha256",
    "rows_sha256",
    "FAST",
    "algorithm",
    "new",
    "digest",
    "file_digest",
    "matches",
    "file_matches",
    "tag",
    "rows_digest",
    "npy_digest",
]

_HEX = re.compile(r"^[0-9a-f]{64}$")
_ANY = re.compile(r"^(?:(?P<algo>sha256|xxh3-128):)?(?P<hex>[0-9a-f]+)$")
_LENGTH = {"sha256": 64, "xxh3-128": 32}
FAST = "xxh3-128"  #: the cache's own hash: several GB/s, one core
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


def _split(value: str) -> tuple:
    m = _ANY.match(str(value).strip().lower())
    if m is None:
        raise ValueError(f"{value!r} is not a recorded hash ('sha256:<64 hex>' or 'xxh3-128:<32 hex>')")
    algo = m.group("algo") or "sha256"
    if len(m.group("hex")) != _LENGTH[algo]:
        raise ValueError(f"{value!r} is not a {algo} ({_LENGTH[algo]} hex digits)")
    return algo, m.group("hex")


def algorithm(value: str) -> str:
    """The algorithm a recorded hash names: ``"sha256"`` (also bare hex) or ``"xxh3-128"``."""
    return str(_split(value)[0])


def same(a: Optional[str], b: Optional[str]) -> bool:
    """Whether two recorded hashes, written either way, are the same algorithm and digest (None
    equals nothing)."""
    if a is None or b is None:
        return False
    try:
        return _split(a) == _split(b)
    except ValueError:
        return False


def new(algo: str = FAST) -> Any:
    """A fresh hasher (``update``/``hexdigest``) of ``"xxh3-128"`` or ``"sha256"``."""
    if algo == "sha256":
        return hashlib.sha256()
    if algo == "xxh3-128":
        import xxhash

        return xxhash.xxh3_128()
    raise ValueError(f"unknown hash algorithm {algo!r}")


def digest(data: Union[bytes, memoryview], algo: str = FAST) -> str:
    """The spelled hash of ``data``: ``"xxh3-128:<hex>"`` (default) or ``"sha256:<hex>"``."""
    h = new(algo)
    h.update(data)
    return f"{algo}:{h.hexdigest()}"


def file_digest(path: Union[str, os.PathLike[str]], algo: str = FAST) -> str:
    """The spelled hash of a file's bytes, read in 1 MiB chunks."""
    h = new(algo)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            h.update(chunk)
    return f"{algo}:{h.hexdigest()}"


def _algorithm_of(recorded: Optional[str]) -> Optional[str]:
    """The algorithm ``recorded`` names, or None for None or anything unreadable."""
    try:
        return None if recorded is None else algorithm(recorded)
    except ValueError:
        return None


def matches(recorded: Optional[str], data: Union[bytes, memoryview]) -> bool:
    """Whether ``data`` hashes to ``recorded`` under the algorithm ``recorded`` names."""
    algo = _algorithm_of(recorded)
    return algo is not None and same(recorded, digest(data, algo))


def file_matches(recorded: Optional[str], path: Union[str, os.PathLike[str]]) -> bool:
    """Whether the file at ``path`` hashes to ``recorded`` under the algorithm it names."""
    algo = _algorithm_of(recorded)
    return algo is not None and same(recorded, file_digest(path, algo))


def tag(value: Optional[str]) -> Optional[str]:
    """A recorded hash in its tagged form: bare hex (an old sha256) gains ``sha256:``, a tagged
    value is returned lower-cased; None stays None. Raises ``ValueError`` for anything else.

    >>> tag("AB" * 32) == "sha256:" + "ab" * 32, tag("xxh3-128:" + "0" * 32) == "xxh3-128:" + "0" * 32
    (True, True)
    """
    if value is None:
        return None
    algo, hexpart = _split(value)
    return f"{algo}:{hexpart}"


def _row_blocks(array) -> Any:
    """The rows of a 2-D array as little-endian float32 bytes, in blocks of about 16 MiB (a
    memory-mapped array is never copied whole)."""
    import numpy as np

    step = max(1, (16 << 20) // max(1, array.shape[1] * 4))
    for s in range(0, array.shape[0], step):
        yield memoryview(np.ascontiguousarray(array[s : s + step], dtype="<f4")).cast("B")  # type: ignore[arg-type]  # NumPy stubs: __buffer__ only on 3.12+


def rows_digest(array, algo: str = FAST) -> str:
    """The spelled hash of a 2-D array's rows as little-endian float32 bytes, in row order
    (``algo="sha256"`` gives what :func:`rows_sha256` gives, tagged)."""
    h = new(algo)
    for block in _row_blocks(array):
        h.update(block)
    return f"{algo}:{h.hexdigest()}"


def npy_digest(array, header: bytes, algo: str = FAST) -> str:
    """The spelled hash of ``header`` followed by the array's rows as little-endian float32: the
    hash of the ``.npy`` file a cache entry holds for ``array`` when ``header`` is that file's
    header (see :mod:`pretrained.cache.entries`), computed from memory."""
    h = new(algo)
    h.update(header)
    for block in _row_blocks(array):
        h.update(block)
    return f"{algo}:{h.hexdigest()}"


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
    return hex_digest(rows_digest(array, "sha256"))
