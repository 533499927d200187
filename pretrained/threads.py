"""Worker threads and BLAS threads, decided in one place.

Examples
--------
>>> workers(1, blocks=10)
1
>>> workers(8, blocks=3)
3
"""

from __future__ import annotations

import contextlib
import logging
import os
from typing import Iterator, Optional

__all__ = ["workers", "blas_threads"]

logger = logging.getLogger(__name__)


def workers(n_jobs: Optional[int] = None, blocks: Optional[int] = None) -> int:
    """Worker threads for ``n_jobs`` (``None`` or ``-1``: every core), never more than ``blocks``
    of work and never fewer than one. ``0`` or another negative number is an error."""
    if n_jobs is not None and (isinstance(n_jobs, bool) or int(n_jobs) != n_jobs or (n_jobs < 1 and n_jobs != -1)):
        raise ValueError(f"n_jobs must be a whole number >= 1, or -1/None for every core; got {n_jobs!r}")
    cores = os.cpu_count() or 1
    n = cores if n_jobs is None or n_jobs == -1 else int(n_jobs)
    if blocks is not None:
        n = min(n, max(1, int(blocks)))
    return max(1, n)


@contextlib.contextmanager
def blas_threads(limit: Optional[int]) -> Iterator[None]:
    """Run the block with at most ``limit`` BLAS threads (threadpoolctl), so worker threads share
    the cores instead of fighting over BLAS's own; ``None`` leaves BLAS alone."""
    if limit is None:
        yield
        return
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - a dependency
        logger.debug("threadpoolctl is not installed: BLAS keeps its own threads")
        yield
        return
    with threadpool_limits(limits=limit, user_api="blas"):
        yield
