"""Settings resolved on every call (never at import): cache folder, progress bars, offline mode.

Environment variables
---------------------
PRETRAINED_CACHE     the cache folder (shared by every project on the machine)
PRETRAINED_PROGRESS  ``0`` turns progress bars off
PRETRAINED_OFFLINE   ``1`` forbids any network access
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Optional, Union

PathLike = Union[str, "os.PathLike[str]"]

_FALSE = {"", "0", "false", "no", "off"}


def _checkout_cache() -> Optional[Path]:
    """The repository's ``cache/`` folder when the package runs from a source checkout."""
    root = Path(__file__).resolve().parent.parent
    if (root / "setup.cfg").is_file() and (root / "cache").is_dir():
        return root / "cache"
    return None


def cache_dir(explicit: Optional[PathLike] = None) -> Path:
    """Return the cache folder: ``explicit``, else ``$PRETRAINED_CACHE``, else the checkout's
    ``cache/``, else the user cache folder. Nothing is created here.

    Examples
    --------
    >>> from pretrained.config import cache_dir
    >>> cache_dir("/tmp/somewhere").as_posix()
    '/tmp/somewhere'
    """
    if explicit is not None:
        return Path(explicit).expanduser()
    env = os.environ.get("PRETRAINED_CACHE")
    if env:
        return Path(env).expanduser()
    checkout = _checkout_cache()
    if checkout is not None:
        return checkout
    import platformdirs

    return Path(platformdirs.user_cache_dir("pretrained", appauthor=False))


def progress_enabled(quiet: bool = False) -> bool:
    """Whether to show progress bars: not when asked to be quiet, not when
    ``PRETRAINED_PROGRESS=0``, not when standard error is not a terminal."""
    if quiet:
        return False
    if os.environ.get("PRETRAINED_PROGRESS", "1").strip().lower() in _FALSE:
        return False
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def offline(explicit: Optional[bool] = None) -> bool:
    """Whether network access is forbidden (``explicit``, else ``$PRETRAINED_OFFLINE``)."""
    if explicit is not None:
        return bool(explicit)
    return os.environ.get("PRETRAINED_OFFLINE", "").strip().lower() not in _FALSE
