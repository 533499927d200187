"""The one progress-bar helper: a tqdm bar, or a no-op object with the same methods.

A bar shows only when it is wanted and useful: ``enabled=False`` (``-q``) or
``PRETRAINED_PROGRESS=0`` or a standard error that is not a terminal turns it off
(:func:`pretrained.config.progress_enabled`); ``enabled=True`` asks for it even then, except that
``PRETRAINED_PROGRESS=0`` always wins. Work smaller than ``min_total`` shows no bar.

Examples
--------
>>> with bar(10, "words", enabled=False) as b:
...     b.update(10)
>>> type(b).__name__
'NullBar'
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any, Iterator, Optional

from pretrained import config

__all__ = ["bar", "phase", "NullBar", "wanted"]


class NullBar:
    """What :func:`bar` returns when no bar is shown: every tqdm call the package uses, doing nothing."""

    n = 0

    def update(self, n: int = 1) -> None:
        self.n += n

    def set_postfix_str(self, *args: Any, **kwargs: Any) -> None:
        pass

    def set_description(self, *args: Any, **kwargs: Any) -> None:
        pass

    def reset(self, total: Optional[int] = None) -> None:
        self.n = 0

    def close(self) -> None:
        pass

    def __enter__(self) -> NullBar:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __bool__(self) -> bool:
        return False


def wanted(enabled: Optional[bool] = None) -> bool:
    """Whether a bar would show: ``enabled`` (None follows the environment and the terminal), with
    ``PRETRAINED_PROGRESS=0`` always off."""
    if config.progress_forbidden():
        return False
    if enabled is None:
        return config.progress_enabled()
    return bool(enabled)


def bar(
    total: Optional[int],
    desc: str,
    *,
    unit: str = "it",
    enabled: Optional[bool] = None,
    min_total: int = 0,
    leave: bool = False,
    bytes: bool = False,
) -> Any:
    """A tqdm bar over ``total`` units (``bytes=True``: scaled by 1024), or a :class:`NullBar`."""
    if not wanted(enabled) or (total is not None and total < max(min_total, 1)):
        return NullBar()
    from tqdm.auto import tqdm

    if bytes:
        return tqdm(total=total, desc=desc, unit="B", unit_scale=True, unit_divisor=1024, leave=leave)
    return tqdm(total=total, desc=desc, unit=unit, unit_scale=True, leave=leave)


@contextlib.contextmanager
def phase(desc: str, *, enabled: Optional[bool] = None, every: float = 0.5) -> Iterator[None]:
    """A line that shows ``desc`` and the time spent, ticking every ``every`` seconds, around a
    step that reports no progress of its own (Annoy's tree phase, a t-SNE map): on a terminal a
    long step then reads as working, not hung. Shown when :func:`wanted` says so.

    Examples
    --------
    >>> with phase("building 10 trees", enabled=False):
    ...     pass
    """
    if not wanted(enabled):
        yield
        return
    from tqdm.auto import tqdm

    line = tqdm(total=None, desc=desc, bar_format="{desc}: {elapsed}", leave=False)
    done = threading.Event()

    def tick() -> None:
        while not done.wait(every):
            line.refresh()

    ticker = threading.Thread(target=tick, name="pretrained-progress", daemon=True)
    ticker.start()
    try:
        yield
    finally:
        done.set()
        ticker.join()
        line.close()
