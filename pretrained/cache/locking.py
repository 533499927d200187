"""File locks between processes that say who holds them and give up when told to.

A lock is ``<target>.lock`` (``filelock``); beside it the holder writes ``.<target>.lock.holder``
(pid, host, since when, what for), so a process that has to wait can log who it waits for every few
seconds instead of hanging in silence (huggingface_hub's ``WeakFileLock`` does the same).
``$PRETRAINED_LOCK_TIMEOUT`` (seconds, read on every call) bounds the wait: past it
:class:`~pretrained.errors.LockTimeoutError` names the lock file and the holder.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import time
from pathlib import Path
from typing import Iterator, Optional

from pretrained import config
from pretrained.errors import CacheError, LockTimeoutError

__all__ = ["hold", "holder_path", "describe_holder"]

logger = logging.getLogger(__name__)


def holder_path(lock_file: str | os.PathLike[str]) -> Path:
    """The small file beside ``lock_file`` that names its holder."""
    lock_file = Path(lock_file)
    return lock_file.with_name(f".{lock_file.name}.holder")


def describe_holder(lock_file: str | os.PathLike[str]) -> str:
    """Who holds ``lock_file``, as far as its holder file tells ("unknown" when it does not)."""
    try:
        info = json.loads(holder_path(lock_file).read_text(encoding="utf-8"))
        since = time.strftime("%H:%M:%S", time.localtime(float(info["since"])))
        return f"pid {int(info['pid'])} on {info['host']} ({info.get('what', '')}) since {since}"
    except (OSError, ValueError, KeyError, TypeError):
        return "an unknown process"


def _write_holder(lock_file: Path, what: str) -> None:
    info = {"pid": os.getpid(), "host": socket.gethostname(), "since": time.time(), "what": what}
    try:  # best effort: the lock itself is what protects the work
        holder_path(lock_file).write_text(json.dumps(info), encoding="utf-8")
    except OSError:
        pass


@contextlib.contextmanager
def hold(
    lock_file: str | os.PathLike[str],
    what: str,
    *,
    interval: float = 5.0,
    timeout: Optional[float] = None,
    first_notice: Optional[str] = None,
) -> Iterator[bool]:
    """Hold ``lock_file`` for the block; yields whether another process held it first (so the
    caller knows to look again for what that process made).

    While waiting, logs who holds the lock every ``interval`` seconds (WARNING after the first
    notice, which is ``first_notice`` when given). ``timeout`` (None: ``$PRETRAINED_LOCK_TIMEOUT``,
    else forever) bounds the wait.

    Raises
    ------
    LockTimeoutError
        The lock was still held after ``timeout`` seconds.
    CacheError
        The lock file cannot be created (an unwritable cache folder).
    """
    from filelock import FileLock, Timeout

    lock_file = Path(lock_file)
    limit = config.lock_timeout() if timeout is None else timeout
    lock = FileLock(os.fspath(lock_file))
    waited = _acquire(lock, lock_file, what, interval, limit, Timeout, first_notice)
    _write_holder(lock_file, what)
    try:
        yield waited
    finally:
        with contextlib.suppress(OSError):
            holder_path(lock_file).unlink()
        with contextlib.suppress(OSError):  # a failed release must not hide the block's own error
            lock.release()


def _acquire(lock, lock_file: Path, what: str, interval: float, limit: Optional[float], Timeout, first_notice) -> bool:
    started = time.monotonic()
    notices = 0
    while True:
        elapsed = time.monotonic() - started
        step = interval if limit is None else max(0.0, min(interval, limit - elapsed))
        try:
            lock.acquire(timeout=0 if notices == 0 else step)
            return notices > 0
        except Timeout:
            pass
        except OSError as exc:
            raise CacheError(
                f"cannot create the lock file {lock_file} ({exc.strerror or exc}); the cache folder must be "
                "writable: set PRETRAINED_CACHE or pass cache_dir= to a writable folder"
            ) from exc
        holder = describe_holder(lock_file)
        elapsed = time.monotonic() - started
        if limit is not None and elapsed >= limit:
            raise LockTimeoutError(
                f"gave up waiting for {lock_file} after {elapsed:.0f} s: held by {holder} for {what}. "
                "If that process is gone, delete the lock file; raise PRETRAINED_LOCK_TIMEOUT to wait longer",
                lock_file=os.fspath(lock_file),
                holder=holder,
            )
        if notices == 0 and first_notice:
            logger.info("%s (held by %s)", first_notice, holder)
        else:
            level = logging.INFO if notices == 0 else logging.WARNING
            logger.log(level, "waiting for %s (%s): held by %s, waited %.0f s", lock_file.name, what, holder, elapsed)
        notices += 1
