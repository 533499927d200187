"""The one place in the package that puts a file or folder into place: a temporary name beside the
target, fsync, ``os.replace``, clean-up on failure (pooch's ``temporary_file`` pattern).

Every writer (cache entries, indexes and their sidecars, exports, maps, downloads) goes through
:func:`atomic_path` or :func:`replace`, so a crash never leaves a half-written file under its final
name, and temporary names all have one shape that :func:`temp_owner` can read back: a later
process can tell a dead writer's leftovers from a live one's work.

Examples
--------
>>> import tempfile, os
>>> from pathlib import Path
>>> target = Path(tempfile.mkdtemp()) / "out.txt"
>>> with atomic_path(target) as tmp:
...     _ = tmp.write_text("hello")
>>> target.read_text()
'hello'
>>> with atomic_path(target.parent / "entry", directory=True) as tmp:
...     _ = (tmp / "a.txt").write_text("a")
>>> sorted(p.name for p in (target.parent / "entry").iterdir())
['a.txt']
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import re
import shutil
import sys
import uuid
from pathlib import Path
from typing import Iterator, Optional, Union

__all__ = [
    "temp_name",
    "atomic_path",
    "replace",
    "remove",
    "temp_owner",
    "is_temp",
    "pid_alive",
    "fsync_dir",
    "write_text",
    "write_bytes",
    "exchange",
    "swap_in",
    "recover",
]

PathLike = Union[str, "os.PathLike[str]"]

logger = logging.getLogger(__name__)

_TEMP = re.compile(r"^\.(?P<name>.+)\.(?P<kind>tmp|trash|old)-(?P<pid>\d+)-(?P<tag>[0-9a-f]{8})(?P<suffix>\.[^/]*)?$")


def temp_name(target: PathLike, kind: str = "tmp", suffix: str = "") -> Path:
    """A process-unique hidden name beside ``target``: ``.NAME.tmp-PID-XXXXXXXX[suffix]``.

    ``suffix`` keeps an ending a library insists on (numpy adds ``.npy`` otherwise)."""
    target = Path(target)
    return target.with_name(f".{target.name}.{kind}-{os.getpid()}-{uuid.uuid4().hex[:8]}{suffix}")


def is_temp(path: PathLike) -> bool:
    """Whether ``path`` has the shape of a name made by :func:`temp_name`."""
    return _TEMP.match(Path(path).name) is not None


def temp_owner(path: PathLike) -> Optional[tuple]:
    """``(target name, kind, pid)`` of a name made by :func:`temp_name`, else None."""
    m = _TEMP.match(Path(path).name)
    if m is None:
        return None
    return m.group("name"), m.group("kind"), int(m.group("pid"))


def pid_alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine (a leftover of a dead one can go)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    except OSError:
        return True
    return True


def fsync_dir(folder: PathLike) -> None:
    """Flush a folder's entries (the rename itself) to disk, where the platform allows it."""
    try:
        fd = os.open(os.fspath(folder), os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _fsync_tree(path: Path) -> None:
    if path.is_dir():
        for child in path.iterdir():
            _fsync_tree(child)
        fsync_dir(path)
    elif path.is_file():
        try:
            with open(path, "rb+") as f:
                os.fsync(f.fileno())
        except OSError:
            pass


def remove(path: PathLike) -> None:
    """Remove a file or folder if it is there (a folder is renamed away first, so no reader sees it
    half-deleted)."""
    path = Path(path)
    if path.is_dir() and not path.is_symlink():
        trash = temp_name(path, "trash")
        try:
            os.rename(path, trash)
        except FileNotFoundError:
            return
        shutil.rmtree(trash, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


_RENAME_EXCHANGE = 2  # linux/fs.h
_AT_FDCWD = -100


def exchange(a: PathLike, b: PathLike) -> bool:
    """Swap two existing paths in one step (Linux ``renameat2(RENAME_EXCHANGE)``): no moment
    exists at which either name is missing. Returns False, changing nothing, where the platform or
    the filesystem cannot (the caller falls back to :func:`swap_in`'s two renames)."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):  # an old C library without renameat2
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.EXDEV, errno.EPERM):
        return False  # the kernel or the filesystem does not offer it
    raise OSError(err, f"cannot swap {b} for its new version: {os.strerror(err)}", os.fspath(b))


def swap_in(tmp: PathLike, target: PathLike) -> Optional[Path]:
    """Put the finished folder ``tmp`` at ``target`` and return where the former ``target`` now is
    (the caller removes it), or None when there was none.

    One atomic exchange where the system offers it; else ``target`` is renamed aside to
    ``.NAME.old-PID-XXXXXXXX`` and ``tmp`` renamed in: a kill between the two renames leaves the
    aside copy, which :func:`recover` renames back on the next access. Either way a reader finds the
    old or the new folder, never a mix."""
    tmp, target = Path(tmp), Path(target)
    if not os.path.lexists(target):
        os.rename(tmp, target)
        return None
    if exchange(tmp, target):
        return tmp
    aside = temp_name(target, "old")
    os.rename(target, aside)
    try:
        os.rename(tmp, target)
    except OSError:
        os.rename(aside, target)  # put the old one back before reporting
        raise
    return aside


def recover(target: PathLike) -> str:
    """Repair an interrupted :func:`swap_in` of ``target``: when ``target`` is missing and a dead
    writer left its former version aside, rename that back.

    Returns ``"present"`` (``target`` is there), ``"restored"`` (it was put back), ``"busy"`` (a
    live writer is between its two renames: look again shortly) or ``"absent"`` (no ``target`` and
    no former version of it)."""
    target = Path(target)
    if os.path.lexists(target):
        return "present"
    try:
        children = list(target.parent.iterdir())
    except OSError:
        return "absent"
    asides = []  # (mtime, pid, path) of the former versions put aside, newest first
    for p in children:
        owner = temp_owner(p)
        if owner is not None and owner[:2] == (target.name, "old"):
            with contextlib.suppress(OSError):
                asides.append((p.stat().st_mtime, owner[2], p))
    for _, pid, p in sorted(asides, key=lambda a: a[0], reverse=True):
        if pid_alive(pid):
            return "busy"
        try:
            os.rename(p, target)
        except OSError:
            continue
        fsync_dir(target.parent)
        logger.warning("restored %s from %s, left aside by a writer that was stopped", target, p.name)
        return "restored"
    # a writer may have finished its swap while we looked (its aside copy gone, the new one in)
    return "present" if os.path.lexists(target) else "absent"


def replace(tmp: PathLike, target: PathLike, *, sync: bool = True) -> Path:
    """Move a finished ``tmp`` onto ``target`` (fsync first). A folder replaces an existing folder
    in one swap (:func:`swap_in`), the old one removed afterwards; a file replaces atomically."""
    tmp, target = Path(tmp), Path(target)
    if sync:
        _fsync_tree(tmp)
    if tmp.is_dir() and target.is_dir() and not target.is_symlink():
        old = swap_in(tmp, target)
        if sync:
            fsync_dir(target.parent)
        if old is not None:
            remove(old)
        return target
    os.replace(tmp, target)
    if sync:
        fsync_dir(target.parent)
    return target


@contextlib.contextmanager
def atomic_path(
    target: PathLike, *, directory: bool = False, suffix: str = "", overwrite: bool = True
) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; when the block ends without an error it is
    fsynced and moved onto ``target``, otherwise removed.

    ``directory=True`` creates the temporary folder for the block to fill. ``overwrite=False``
    keeps an existing ``target`` (another process finished first) and drops ours. Errors while
    writing name the target, never the temporary name.
    """
    target = Path(target)
    tmp = temp_name(target, suffix=suffix)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if directory:
            tmp.mkdir()
    except OSError as exc:
        raise type(exc)(exc.errno, f"cannot write {target}: {exc.strerror}") from exc
    try:
        yield tmp
        if not overwrite and target.exists():
            remove(tmp)
            return
        replace(tmp, target)
    except BaseException as exc:
        remove(tmp)
        if isinstance(exc, OSError) and exc.filename and os.fspath(exc.filename).startswith(os.fspath(tmp)):
            raise type(exc)(exc.errno, f"cannot write {target}: {exc.strerror}") from exc
        raise


def write_bytes(target: PathLike, data: bytes) -> Path:
    """Write ``data`` to ``target`` atomically."""
    with atomic_path(target) as tmp, open(tmp, "wb") as f:
        f.write(data)
    return Path(target)


def write_text(target: PathLike, text: str) -> Path:
    """Write UTF-8 ``text`` to ``target`` atomically (``\\n`` line ends)."""
    return write_bytes(target, text.encode("utf-8"))
