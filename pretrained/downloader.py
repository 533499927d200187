"""Fetch one file so that no byte is lost and no bad byte reaches the cache.

:func:`fetch` tries a list of URLs in order. For each it streams into ``<dest>.part`` beside the
destination while hashing (sha256), and

* resumes with an HTTP ``Range`` request after a cut connection, in the same process (retry) and
  across processes (a later run finds the ``.part``, re-hashes it and asks for the rest); it starts
  over cleanly when the server ignores ``Range`` (200 instead of 206) or answers 416;
* retries connection errors, timeouts, 5xx, 408 and 429 with bounded exponential backoff, then
  moves to the next URL; any other 4xx (404...) moves on at once;
* refuses what is not the file: an HTML page (by content type or first bytes), a wrong size, a bad
  sha256 (computed over all the bytes, the resumed part included). The ``.part`` is discarded and
  the error names the URL, what was expected and what came;
* holds a file lock (``<dest>.lock``) so two processes asking for one file download it once, checks
  the free disk space first, and renames the verified file into place atomically.

Offline mode (``offline=True`` or ``$PRETRAINED_OFFLINE=1``) makes no network access at all.
Timeouts, retries and backoff come from :mod:`pretrained.config` (read on every call).
"""
from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import time
from pathlib import Path
from typing import Iterator, List, Optional, Sequence, Tuple

from . import cachedir, catalog, config
from .errors import ChecksumError, DownloadError, OfflineError

__all__ = ["fetch", "download", "download_path"]

logger = logging.getLogger(__name__)

_CHUNK = 1 << 20
_HTML_STARTS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<?xml")
_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)")


class _Transient(Exception):
    """Worth another try at the same URL (after a pause unless ``now``)."""

    def __init__(self, message: str, now: bool = False):
        super().__init__(message)
        self.now = now


class _Refused(Exception):
    """This URL will not give the file: move to the next one."""

    def __init__(self, error: DownloadError):
        super().__init__(str(error))
        self.error = error


class _Part:
    """The ``.part`` file and the running sha256 of exactly the bytes it holds."""

    def __init__(self, path: Path):
        self.path = path
        self.length = 0
        self.hash = hashlib.sha256()
        self.from_disk = False  #: bytes left by an earlier process are part of this file
        self._synced = False

    def sync(self) -> None:
        """Make ``length``/``hash`` agree with the file on disk (re-hashing it when needed)."""
        size = self.path.stat().st_size if self.path.exists() else 0
        if self._synced and size == self.length:
            return
        self.hash = hashlib.sha256()
        self.length = 0
        if size:
            with open(self.path, "rb") as f:
                while True:
                    data = f.read(4 * _CHUNK)
                    if not data:
                        break
                    self.hash.update(data)
                    self.length += len(data)
            self.from_disk = True
            logger.info("found %s with %d bytes from an earlier download: resuming", self.path.name, self.length)
        self._synced = True

    def reset(self) -> None:
        """Discard the bytes: the next attempt starts from zero."""
        self.path.unlink(missing_ok=True)
        self.length = 0
        self.hash = hashlib.sha256()
        self.from_disk = False
        self._synced = True


def _check_disk(folder: Path, needed: int, url: str) -> None:
    free = shutil.disk_usage(folder).free
    if needed > free:
        raise DownloadError(
            f"not enough free disk space in {folder} for {url}: {needed:,} more bytes needed, "
            f"{free:,} free. Free some space or point PRETRAINED_CACHE at a larger disk.",
            url=url,
        )


def _looks_like_html(data: bytes) -> bool:
    return data.lstrip()[:20].lower().startswith(_HTML_STARTS)


def _network_errors() -> tuple:
    """What a broken, reset or silent connection raises while the body is read."""
    import http.client
    import socket

    import requests
    import urllib3

    return (requests.RequestException, urllib3.exceptions.HTTPError, http.client.HTTPException, ConnectionError, socket.timeout)


def _chunks(raw) -> Iterator[bytes]:
    """The body as it arrives, undecoded (the bytes of the file, even when a server labels a
    ``.gz`` with ``Content-Encoding: gzip``). ``read1`` hands over what has arrived, so a cut
    connection loses nothing that was received."""
    read1 = getattr(raw, "read1", None)
    while True:
        data = read1(_CHUNK, decode_content=False) if read1 is not None else raw.read(1 << 16, decode_content=False)
        if not data:
            return
        yield data


def _stream(session, url: str, part: _Part, size: Optional[int], timeouts, bar) -> None:
    """One attempt: append what ``url`` sends after ``part.length`` to the part file."""
    import requests

    part.sync()
    offset = part.length
    headers = {"Accept-Encoding": "identity"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    try:
        resp = session.get(url, headers=headers, stream=True, timeout=timeouts, allow_redirects=True)
    except requests.RequestException as exc:
        raise _Transient(f"{type(exc).__name__}: {exc}") from exc
    with resp:
        status = resp.status_code
        if status == 416:
            part.reset()
            raise _Transient(f"HTTP 416 for a resume from byte {offset:,}: starting over", now=True)
        if status >= 500 or status in (408, 429):
            raise _Transient(f"HTTP {status}")
        if status not in (200, 206):
            raise _Refused(DownloadError(f"{url} answered HTTP {status} {resp.reason or ''}".rstrip(), url=url))
        ctype = resp.headers.get("Content-Type", "")
        if "html" in ctype.lower():
            raise _Refused(DownloadError(
                f"{url} sent an HTML page (Content-Type {ctype}) instead of the file "
                "(a login, error or moved page?); nothing was kept", url=url,
            ))
        length = resp.headers.get("Content-Length")
        body = int(length) if length and length.isdigit() else None
        if status == 206:
            m = _CONTENT_RANGE.match(resp.headers.get("Content-Range", ""))
            if not m or int(m.group(1)) != offset:
                part.reset()
                raise _Transient(
                    f"HTTP 206 with Content-Range {resp.headers.get('Content-Range')!r} for a resume "
                    f"from byte {offset:,}: starting over", now=True,
                )
            total = None if m.group(3) == "*" else int(m.group(3))
        else:
            if offset:
                logger.info("%s ignored the Range request (HTTP 200): starting over from byte 0", url)
                part.reset()
            total = body
        if size is not None and total is not None and total != size:
            part.reset()
            raise _Refused(DownloadError(
                f"{url} serves {total:,} bytes, expected {size:,}: not the file; nothing was kept", url=url,
            ))
        expected_total = size if size is not None else total
        if expected_total is not None:
            _check_disk(part.path.parent, expected_total - part.length, url)
        if bar is not None:
            bar.reset(total=expected_total)
            bar.update(part.length)
        mode = "ab" if part.length else "wb"
        try:
            with open(part.path, mode) as f:
                for chunk in _chunks(resp.raw):
                    if not chunk:
                        continue
                    if part.length == 0 and _looks_like_html(chunk[:64]):
                        raise _Refused(DownloadError(
                            f"{url} sent an HTML page instead of the file (it starts with "
                            f"{chunk[:40]!r}); nothing was kept", url=url,
                        ))
                    if size is not None and part.length + len(chunk) > size:
                        f.close()
                        part.reset()
                        raise _Refused(DownloadError(
                            f"{url} sent more than the expected {size:,} bytes: not the file; nothing was kept",
                            url=url,
                        ))
                    f.write(chunk)
                    part.hash.update(chunk)
                    part.length += len(chunk)
                    if bar is not None:
                        bar.update(len(chunk))
        except _network_errors() as exc:
            raise _Transient(f"{type(exc).__name__} after {part.length:,} bytes: {exc}") from exc
        finally:
            part._synced = part.path.exists() and part.path.stat().st_size == part.length
    if size is not None and part.length < size:
        raise _Transient(f"the connection ended after {part.length:,} of {size:,} bytes")


def fetch(
    urls: "str | Sequence[str]",
    dest: "str | os.PathLike[str]",
    *,
    sha256: Optional[str] = None,
    size: Optional[int] = None,
    progress: Optional[bool] = None,
    offline: Optional[bool] = None,
    name: Optional[str] = None,
    retries: Optional[int] = None,
    backoff: Optional[Tuple[float, float]] = None,
    timeout: Optional[Tuple[float, float]] = None,
) -> Path:
    """Download ``dest`` from the first of ``urls`` that gives the right bytes; return ``dest``.

    A file already at ``dest`` (of the expected size) is returned at once: only verified files
    are ever renamed there.

    Parameters
    ----------
    urls
        One URL or several, tried in order.
    dest
        The final path; ``<dest>.part`` and ``<dest>.lock`` are used beside it.
    sha256, size
        What the file must hash to and weigh (bytes); checked while streaming. None skips a check.
    progress
        Show a tqdm bar; None follows :func:`pretrained.config.progress_enabled`.
    offline
        Forbid network access (None follows ``$PRETRAINED_OFFLINE``).
    name
        The catalogue name, used in messages (``pretrained download NAME``).
    retries, backoff, timeout
        Tries in a row without progress per URL, (first, largest) pause between them in seconds, (connect, read)
        timeouts; None takes them from :mod:`pretrained.config`.

    Raises
    ------
    OfflineError
        The file is not there and offline mode is on.
    ChecksumError
        Every URL failed and at least one sent bytes with the wrong sha256.
    DownloadError
        Every URL failed (the message lists why, URL by URL).
    """
    url_list: List[str] = [urls] if isinstance(urls, str) else list(urls)
    dest = Path(dest)
    sha256 = sha256.lower().removeprefix("sha256:") if sha256 else None

    def ready() -> bool:
        return dest.is_file() and (size is None or dest.stat().st_size == size)

    if ready():
        return dest
    if config.offline(offline):
        what = f"`pretrained download {name}`" if name else "the download"
        raise OfflineError(
            f"{dest.name} is not in the cache ({dest.parent}) and offline mode is on "
            f"(offline=True or PRETRAINED_OFFLINE=1). Run {what} on a machine with network access "
            f"(or copy the file to {dest}), or turn offline mode off. It comes from: {', '.join(url_list) or '(no URL)'}"
        )
    if not url_list:
        raise DownloadError(f"no URL to download {dest.name} from" + (f" (entry {name!r})" if name else ""))
    dest.parent.mkdir(parents=True, exist_ok=True)
    from filelock import FileLock, Timeout

    lock = FileLock(str(dest) + ".lock")
    try:
        lock.acquire(timeout=0)
    except Timeout:
        logger.info("another process is downloading %s: waiting for it", dest.name)
        lock.acquire()
    try:
        if ready():
            logger.info("%s was downloaded by another process: reusing it", dest.name)
            return dest
        if dest.exists():
            logger.warning("%s has %d bytes, expected %s: downloading it again", dest, dest.stat().st_size, size)
        return _fetch_locked(url_list, dest, sha256, size, progress, retries, backoff, timeout)
    finally:
        lock.release()


def _fetch_locked(url_list, dest: Path, sha256, size, progress, retries, backoff, timeout) -> Path:
    import requests

    from . import __version__

    attempts = config.retries() if retries is None else max(1, int(retries))
    first, largest = config.backoff() if backoff is None else backoff
    timeouts = config.timeouts() if timeout is None else timeout
    show = config.progress_enabled() if progress is None else bool(progress)
    part = _Part(dest.with_name(dest.name + ".part"))
    failures: List[Tuple[str, Exception]] = []
    bar = None
    if show:
        from tqdm.auto import tqdm

        bar = tqdm(total=size, unit="B", unit_scale=True, unit_divisor=1024, desc=dest.name, leave=True)
    part.sync()
    if size is not None and part.length > size:
        logger.warning("%s holds %d bytes, more than the expected %d: discarding it", part.path, part.length, size)
        part.reset()
    elif size is not None and part.length == size:
        # an earlier run received everything but stopped before the rename
        if sha256 is None or part.hash.hexdigest() == sha256:
            return _finish(part, dest)
        part.reset()
    session = requests.Session()
    session.headers["User-Agent"] = f"pretrained/{__version__}"
    try:
        for url in url_list:
            tries = 0
            restarted = False
            while True:
                tries += 1
                before = part.length
                try:
                    logger.info("downloading %s from %s (try %d of %d)", dest.name, url, tries, attempts)
                    _stream(session, url, part, size, timeouts, bar)
                except _Refused as exc:
                    logger.warning("%s", exc.error)
                    failures.append((url, exc.error))
                    break
                except _Transient as exc:
                    logger.warning("%s: %s", url, exc)
                    if part.length > before:
                        tries = 0  # bytes arrived: a flaky link gets its full budget again
                    if tries >= attempts:
                        failures.append((url, DownloadError(f"{url}: gave up after {tries} tries: {exc}", url=url)))
                        break
                    if not exc.now:
                        time.sleep(min(largest, first * 2 ** max(0, tries - 1)))
                    continue
                actual = part.hash.hexdigest()
                if sha256 is not None and actual != sha256:
                    resumed = part.from_disk
                    part.reset()
                    if resumed and not restarted:
                        logger.warning(
                            "%s: the sha256 of the resumed file is wrong (%s); the bytes kept from an "
                            "earlier run were bad: starting over", url, actual,
                        )
                        restarted = True
                        tries -= 1
                        continue
                    err = ChecksumError(str(dest), sha256, actual, url=url)
                    logger.warning("%s", err)
                    failures.append((url, err))
                    break
                return _finish(part, dest)
    finally:
        session.close()
        if bar is not None:
            bar.close()
    if part.path.exists() and part.path.stat().st_size == 0:
        part.path.unlink(missing_ok=True)
    checksums = [e for _, e in failures if isinstance(e, ChecksumError)]
    if checksums:
        raise checksums[-1]
    detail = "; ".join(f"{u}: {e}" if not str(e).startswith(u) else str(e) for u, e in failures)
    raise DownloadError(
        f"could not download {dest.name} from any of {len(url_list)} URL(s): {detail}. "
        "Check the network, set PRETRAINED_MIRROR to a reachable copy, or try again later "
        "(a later run resumes what was downloaded).",
        url=url_list[-1],
    )


def _finish(part: _Part, dest: Path) -> Path:
    """Flush the verified ``.part`` to disk and rename it into place (atomic)."""
    with open(part.path, "rb+") as f:
        os.fsync(f.fileno())
    os.replace(part.path, dest)
    logger.info("downloaded %s (%d bytes, sha256 %s)", dest, part.length, part.hash.hexdigest())
    return dest


def download_path(name: str, cache_dir: Optional["str | os.PathLike[str]"] = None) -> Path:
    """Where the file of catalogue entry ``name`` is (or will be) downloaded."""
    entry = catalog.get(name)
    if not entry.filename:
        raise DownloadError(f"catalogue entry {entry.name!r} has no file to download")
    return cachedir.downloads(cache_dir) / entry.filename


def download(
    name: str,
    *,
    cache_dir: Optional["str | os.PathLike[str]"] = None,
    offline: Optional[bool] = None,
    progress: Optional[bool] = None,
) -> Path:
    """Download the file of a catalogue entry into the cache (once) and return its path.

    The file goes to ``<cache>/downloads/<filename>``; ``$PRETRAINED_MIRROR`` is tried first,
    then the entry's URLs. Nothing is converted (:func:`pretrained.load` does that).

    Examples
    --------
    >>> import pretrained                                          # doctest: +SKIP
    >>> pretrained.download("glove.6B.300d")                       # doctest: +SKIP
    PosixPath('/home/me/.cache/pretrained/downloads/glove.6B.zip')
    """
    entry = catalog.get(name)
    dest = download_path(entry.name, cache_dir)
    if not entry.sha256:
        logger.warning("catalogue entry %r pins no sha256: its download cannot be verified", entry.name)
    if not config.offline(offline) and not dest.is_file():
        cachedir.ensure(cache_dir)
    return fetch(
        catalog.urls(entry), dest, sha256=entry.sha256, size=entry.size, progress=progress,
        offline=offline, name=entry.name,
    )
