"""Settings resolved on every call (never at import): cache and data folders, progress bars,
offline mode.

Environment variables
---------------------
PRETRAINED_CACHE     the cache folder (shared by every project on the machine; anything in it can
                     be made again, so it may be deleted)
PRETRAINED_DATA      the folder of the user's own data: saved sets live in its ``sets/`` folder
                     (default: the platform's user data folder, e.g. ``~/.local/share/pretrained``)
PRETRAINED_PROGRESS  ``0`` turns progress bars off
PRETRAINED_OFFLINE   ``1`` forbids any network access
PRETRAINED_CATALOG   a JSON file of extra catalogue entries (a list of objects)
PRETRAINED_MIRROR    a base URL tried first for every download, by file name
PRETRAINED_CONNECT_TIMEOUT, PRETRAINED_READ_TIMEOUT   seconds (default 10 and 60)
PRETRAINED_RETRIES   tries in a row without progress per mirror on connection errors, timeouts
                     and 5xx (default 5; a try that received bytes starts the count again)
PRETRAINED_BACKOFF   first retry delay in seconds, doubled each time up to 30 s (default 1)
PRETRAINED_LOCK_TIMEOUT  seconds to wait for another process's download or conversion lock
                     (default: wait as long as it takes, saying who holds it every few seconds)
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
    if (root / "pyproject.toml").is_file() and (root / "cache").is_dir():
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
        return user_path(explicit)
    env = os.environ.get("PRETRAINED_CACHE")
    if env:
        return user_path(env)
    checkout = _checkout_cache()
    if checkout is not None:
        return checkout
    import platformdirs

    return Path(platformdirs.user_cache_dir("pretrained", appauthor=False))


def data_dir(explicit: Optional[PathLike] = None) -> Path:
    """Return the folder of the user's own data (saved and trained sets, in its ``sets/``):
    ``explicit``, else ``$PRETRAINED_DATA``, else the platform's user data folder
    (``platformdirs.user_data_dir("pretrained")``). Never inside the cache unless asked; nothing
    is created here.

    Examples
    --------
    >>> from pretrained.config import data_dir
    >>> data_dir("/tmp/mine").as_posix()
    '/tmp/mine'
    """
    if explicit is not None:
        return user_path(explicit)
    env = os.environ.get("PRETRAINED_DATA", "").strip()
    if env:
        return user_path(env)
    import platformdirs

    return Path(platformdirs.user_data_dir("pretrained", appauthor=False))


def progress_forbidden() -> bool:
    """Whether ``PRETRAINED_PROGRESS`` turns every progress bar off, even one a caller asked for."""
    raw = os.environ.get("PRETRAINED_PROGRESS")
    return raw is not None and raw.strip().lower() in _FALSE


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


def catalog_file() -> Optional[Path]:
    """The user catalogue file named by ``$PRETRAINED_CATALOG`` (None when unset)."""
    env = os.environ.get("PRETRAINED_CATALOG", "").strip()
    return user_path(env) if env else None


def mirror() -> Optional[str]:
    """The base URL of a mirror tried before the official URLs (``$PRETRAINED_MIRROR``), with a
    trailing slash, or None."""
    env = os.environ.get("PRETRAINED_MIRROR", "").strip()
    if not env:
        return None
    return env if env.endswith("/") else env + "/"


def _float_env(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    from pretrained.errors import ConfigError

    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"${name}={raw!r} is not a number") from None
    if value < 0 or value != value:
        raise ConfigError(f"${name}={raw!r} must be a number >= 0")
    return value


def timeouts() -> tuple[float, float]:
    """(connect, read) timeouts in seconds for downloads."""
    return (_float_env("PRETRAINED_CONNECT_TIMEOUT", 10.0), _float_env("PRETRAINED_READ_TIMEOUT", 60.0))


def retries() -> int:
    """Tries in a row without progress per mirror on connection errors, timeouts and 5xx answers
    (at least 1); a try that received bytes starts the count again."""
    return max(1, int(_float_env("PRETRAINED_RETRIES", 5)))


def backoff() -> tuple[float, float]:
    """(first delay, largest delay) in seconds between retries; the delay doubles each time."""
    first = _float_env("PRETRAINED_BACKOFF", 1.0)
    return first, max(first, 30.0)


def lock_timeout() -> Optional[float]:
    """Seconds to wait for another process's download or conversion lock
    (``$PRETRAINED_LOCK_TIMEOUT``); None waits as long as it takes."""
    if not os.environ.get("PRETRAINED_LOCK_TIMEOUT", "").strip():
        return None
    return _float_env("PRETRAINED_LOCK_TIMEOUT", 0.0)


def user_path(path: Union[str, os.PathLike[str]]) -> Path:
    """``path`` with a leading ``~`` or ``~user`` expanded where that user has a home folder; a
    name such as ``~0`` for which none is known stays as written (a file or set of that name)."""
    try:
        return Path(path).expanduser()
    except RuntimeError:  # "Could not determine home directory"
        return Path(path)
