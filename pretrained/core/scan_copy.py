"""A private in-memory copy of memory-mapped vectors, for the queries that read every row.

``most_similar`` and its kin score the query against every vector: a (count, dim) matrix-vector
product that runs at memory bandwidth. Read through the memory map of ``vectors.npy``, the rows
sit in 4 KiB pages of the page cache; copied into anonymous memory, which NumPy asks the kernel
to back with 2 MiB pages, the same product runs about 1.3x faster (fewer TLB misses; measured in
``docs/benchmarks/speed.md``, "most_similar on huge pages").

The copy holds the same float32 values at the same offset within a 4 KiB page as the map, so every
product gives the same bits (the kernels BLAS picks depend on the shape and the alignment only). It
is made on a background thread once a set has been scanned :data:`AFTER_SCANS` times (a process
that asks one question never pays for it), only for matrices of at most the size the caller
allows, and it is dropped with the set. Until it is ready, scans read the map.

Examples
--------
>>> import numpy as np
>>> rows = np.arange(12, dtype=np.float32).reshape(4, 3)
>>> scans = ScanCopy(rows, max_bytes=1 << 20)
>>> scans.rows() is rows          # not memory-mapped: always scanned where it is
True
"""

from __future__ import annotations

import logging
import mmap
import threading
from typing import Optional

import numpy as np

__all__ = ["ScanCopy", "is_mapped", "aligned_copy", "AFTER_SCANS"]

logger = logging.getLogger(__name__)

AFTER_SCANS = 2
"""Scans of a set before its copy is started (the third scan on may use it)."""

PAGE = 4096


def is_mapped(array: np.ndarray) -> bool:
    """Whether ``array``'s memory is a memory-mapped file (a ``numpy.memmap``, or a view of one)."""
    base: object = array
    while base is not None:
        if isinstance(base, (np.memmap, mmap.mmap)):
            return True
        base = getattr(base, "base", None)
    return False


def aligned_copy(array: np.ndarray) -> np.ndarray:
    """A read-only copy of ``array`` in new memory, starting at the same offset within a 4 KiB page
    as ``array`` does (so BLAS meets the same alignment and gives the same bits)."""
    offset = array.ctypes.data % PAGE
    raw = np.empty(array.nbytes + PAGE, np.uint8)
    start = (offset - raw.ctypes.data) % PAGE
    out = raw[start : start + array.nbytes].view(array.dtype).reshape(array.shape)
    np.copyto(out, array)
    out.flags.writeable = False
    return out


class ScanCopy:
    """The matrix a whole-vocabulary scan reads: ``array`` itself, or, once it has been scanned
    :data:`AFTER_SCANS` times and a background copy is ready, its in-memory copy (only for a
    memory-mapped ``array`` of at most ``max_bytes``)."""

    def __init__(self, array: np.ndarray, max_bytes: int):
        self.source = array
        self.copy: Optional[np.ndarray] = None
        self._scans = 0
        self._eligible = max_bytes > 0 and array.nbytes <= max_bytes and array.ndim == 2 and is_mapped(array)
        self._lock = threading.Lock()
        self.thread: Optional[threading.Thread] = None

    def rows(self) -> np.ndarray:
        """The rows to scan now (the copy when it is ready)."""
        copy = self.copy
        if copy is not None:
            return copy
        if self._eligible and self.thread is None:
            with self._lock:
                self._scans += 1
                if self._scans >= AFTER_SCANS and self.thread is None:
                    self.thread = threading.Thread(target=self._make, name="pretrained-scan-copy", daemon=True)
                    self.thread.start()
        return self.source

    def _make(self) -> None:
        try:
            self.copy = aligned_copy(self.source)
        except (MemoryError, OSError, ValueError) as exc:  # no memory for it: scans stay on the map
            logger.debug("no in-memory copy of the vectors for scans (%s): scanning the memory map", exc)
        else:
            logger.debug("scans now read an in-memory copy of the vectors (%d bytes)", self.copy.nbytes)

    def wait(self, timeout: Optional[float] = None) -> None:
        """Wait for a copy being made (tests, benchmarks)."""
        if self.thread is not None:
            self.thread.join(timeout)
