"""Fetch one file so that no byte is lost and no bad byte reaches the cache.

:func:`fetch` tries a list of URLs in order. For each it streams into ``<dest>.part`` beside the
destination while hashing (sha256), and

* resumes with an HTTP ``Range`` request after a cut connection, in the same process (retry) and
  across processes (a later run finds the ``.part``, re-hashes it and asks for the rest); it starts
  over cleanly when the server ignores ``Range`` (200 instead of 206) or answers 416;
* retries connection errors, timeouts, 5xx, 408 and 429 with bounded exponential backoff, then
  moves to the next URL; any other 4xx (404...) and a host name that cannot be resolved (no
  network, no DNS, a mistyped host: another try would not change it) move on at once;
* refuses what is not the file: an HTML page (by content type or first bytes), a wrong size, a bad
  sha256 (computed over all the bytes, the resumed part included). The ``.part`` is discarded and
  the error names the URL, what was expected and what came;
* holds a file lock (``<dest>.lock``) so two processes asking for one file download it once (a
  waiting process says who holds it; ``$PRETRAINED_LOCK_TIMEOUT`` bounds the wait), checks the free
  disk space first, and renames the verified file into place atomically (:mod:`pretrained.cache.atomic`);
* records the verified sha256 in a hidden marker beside the file with the file's size, inode and
  change time, so a later call trusts the file without re-hashing it, and re-hashes it (or
  downloads it again) when the file was touched.

A catalogue entry's file goes to ``<cache>/downloads/<key>/<filename>``, the key being its pinned
sha256 (or the entry and its URLs), so two entries whose files share a name never share a path.

Offline mode (``offline=True`` or ``$PRETRAINED_OFFLINE=1``) makes no network access at all.
Timeouts, retries and backoff come from :mod:`pretrained.config` (read on every call).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import time
import urllib.parse
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple, Type

from pretrained import config
from pretrained import progress as progress_bars
from pretrained.cache import atomic, hashes, layout, locking
from pretrained.cache import folder as cachedir
from pretrained.errors import ChecksumError, DownloadError, OfflineError
from pretrained.remote import catalog

__all__ = ["fetch", "download", "download_path", "unresolvable"]

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


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and everything behind it: causes, contexts, and the exceptions urllib3 and
    requests carry as ``reason`` or as arguments."""
    seen: set[int] = set()
    todo: List[Optional[BaseException]] = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        reason = getattr(e, "reason", None)
        todo.extend((e.__cause__, e.__context__, reason if isinstance(reason, BaseException) else None))
        todo.extend(a for a in getattr(e, "args", ()) if isinstance(a, BaseException))


def unresolvable(exc: BaseException) -> bool:
    """Whether ``exc`` comes from a failed host-name lookup (``socket.gaierror``: no network, no
    DNS, or no such host), which no retry repairs.

    Examples
    --------
    >>> import socket
    >>> try:
    ...     try:
    ...         raise socket.gaierror(-3, "Temporary failure in name resolution")
    ...     except OSError as dns:
    ...         raise ConnectionError("Max retries exceeded") from dns
    ... except ConnectionError as exc:
    ...     unresolvable(exc)
    True
    >>> unresolvable(ConnectionRefusedError(111, "Connection refused"))
    False
    """
    import socket

    return any(isinstance(e, socket.gaierror) for e in _causes(exc))


def _short(exc: BaseException) -> str:
    """What went wrong in a few words: the exception's type and the innermost system error
    (``ConnectionError: [Errno 111] Connection refused``), not urllib3's nested repr."""
    inner = [e for e in _causes(exc) if isinstance(e, OSError) and e.strerror]
    if inner:
        return f"{type(exc).__name__}: {inner[-1].strerror}"
    text = str(exc)
    return f"{type(exc).__name__}: {text[:200] + '...' if len(text) > 200 else text}"


def _network_errors() -> Tuple[Type[BaseException], ...]:
    """What a broken, reset or silent connection raises while the body is read."""
    import http.client
    import socket

    import requests
    import urllib3

    return (
        requests.RequestException,
        urllib3.exceptions.HTTPError,
        http.client.HTTPException,
        ConnectionError,
        socket.timeout,
    )


def _chunks(raw: Any) -> Iterator[bytes]:
    """The body as it arrives, undecoded (the bytes of the file, even when a server labels a
    ``.gz`` with ``Content-Encoding: gzip``). ``read1`` hands over what has arrived, so a cut
    connection loses nothing that was received."""
    read1 = getattr(raw, "read1", None)
    while True:
        data = read1(_CHUNK, decode_content=False) if read1 is not None else raw.read(1 << 16, decode_content=False)
        if not data:
            return
        yield data


def _request(session: Any, url: str, part: _Part, timeouts: Tuple[float, float]) -> Any:
    """Send the GET (with ``Range`` after ``part.length``) and sort out the answers that give no file."""
    import requests

    headers = {"Accept-Encoding": "identity"}
    if part.length:
        headers["Range"] = f"bytes={part.length}-"
    try:
        resp = session.get(url, headers=headers, stream=True, timeout=timeouts, allow_redirects=True)
    except requests.RequestException as exc:
        if unresolvable(exc):
            host = urllib.parse.urlsplit(url).hostname or url
            raise _Refused(
                DownloadError(
                    f"cannot resolve the host {host} (no network or no DNS?)",
                    url=url,
                )
            ) from exc
        raise _Transient(_short(exc)) from exc
    status = resp.status_code
    if status in (200, 206) and "html" not in resp.headers.get("Content-Type", "").lower():
        return resp
    resp.close()
    if status == 416:
        offset = part.length
        part.reset()
        raise _Transient(f"HTTP 416 for a resume from byte {offset:,}: starting over", now=True)
    if status >= 500 or status in (408, 429):
        raise _Transient(f"HTTP {status}")
    if status not in (200, 206):
        raise _Refused(DownloadError(f"{url} answered HTTP {status} {resp.reason or ''}".rstrip(), url=url))
    raise _Refused(
        DownloadError(
            f"{url} sent an HTML page (Content-Type {resp.headers.get('Content-Type', '')}) instead of the file "
            "(a login, error or moved page?); nothing was kept",
            url=url,
        )
    )


def _total(resp: Any, url: str, part: _Part, size: Optional[int]) -> Optional[int]:
    """The file's full size as the answer states it; resets the part when the server starts over."""
    offset = part.length
    if resp.status_code == 206:
        m = _CONTENT_RANGE.match(resp.headers.get("Content-Range", ""))
        if not m or int(m.group(1)) != offset:
            part.reset()
            raise _Transient(
                f"HTTP 206 with Content-Range {resp.headers.get('Content-Range')!r} for a resume "
                f"from byte {offset:,}: starting over",
                now=True,
            )
        total = None if m.group(3) == "*" else int(m.group(3))
    else:
        if offset:
            logger.info("%s ignored the Range request (HTTP 200): starting over from byte 0", url)
            part.reset()
        length = resp.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
    if size is not None and total is not None and total != size:
        part.reset()
        raise _Refused(
            DownloadError(f"{url} serves {total:,} bytes, expected {size:,}: not the file; nothing was kept", url=url)
        )
    return size if size is not None else total


def _receive(resp: Any, url: str, part: _Part, size: Optional[int], bar: Any) -> None:
    """Append the body to the part file, hashing as it comes; refuse HTML and surplus bytes."""
    try:
        with open(part.path, "ab" if part.length else "wb") as f:
            for chunk in _chunks(resp.raw):
                if part.length == 0 and _looks_like_html(chunk[:64]):
                    raise _Refused(
                        DownloadError(
                            f"{url} sent an HTML page instead of the file (it starts with {chunk[:40]!r}); nothing was kept",
                            url=url,
                        )
                    )
                if size is not None and part.length + len(chunk) > size:
                    f.close()
                    part.reset()
                    raise _Refused(
                        DownloadError(
                            f"{url} sent more than the expected {size:,} bytes: not the file; nothing was kept", url=url
                        )
                    )
                f.write(chunk)
                part.hash.update(chunk)
                part.length += len(chunk)
                bar.update(len(chunk))
    except _network_errors() as exc:
        raise _Transient(f"{type(exc).__name__} after {part.length:,} bytes: {exc}") from exc
    finally:
        part._synced = part.path.exists() and part.path.stat().st_size == part.length


def _stream(session: Any, url: str, part: _Part, size: Optional[int], timeouts: Tuple[float, float], bar: Any) -> None:
    """One attempt: append what ``url`` sends after ``part.length`` to the part file."""
    part.sync()
    resp = _request(session, url, part, timeouts)
    with resp:
        expected_total = _total(resp, url, part, size)
        if expected_total is not None:
            _check_disk(part.path.parent, expected_total - part.length, url)
        bar.reset(total=expected_total)
        bar.update(part.length)
        _receive(resp, url, part, size, bar)
    if size is not None and part.length < size:
        raise _Transient(f"the connection ended after {part.length:,} of {size:,} bytes")


def _stamp(path: Path) -> Dict[str, int]:
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "ctime_ns": st.st_ctime_ns, "inode": st.st_ino}


def _write_marker(dest: Path, sha256: str) -> None:
    """Record beside ``dest`` that its bytes hash to ``sha256`` while its stamp stays as now."""
    try:
        atomic.write_text(cachedir.marker_path(dest), json.dumps({**_stamp(dest), "sha256": hashes.spell(sha256)}))
    except OSError as exc:  # a read-only cache: the next call hashes the file again
        logger.debug("cannot record the verified hash of %s: %s", dest, exc)


def _verified(dest: Path, sha256: Optional[str], size: Optional[int]) -> bool:
    """Whether ``dest`` is the pinned file: its marker says so and the file was not touched since,
    or (no marker, or touched) its bytes hash to ``sha256``. Unpinned files are judged on size."""
    try:
        stamp = _stamp(dest)
    except OSError:
        return False
    if size is not None and stamp["size"] != size:
        return False
    if sha256 is None:
        return True
    try:
        marker = json.loads(cachedir.marker_path(dest).read_text(encoding="utf-8"))
        if all(marker.get(k) == v for k, v in stamp.items()) and hashes.same(marker.get("sha256"), sha256):
            return True
    except (OSError, ValueError, AttributeError):
        pass
    logger.info("checking %s against its sha256 (no record of it being verified as it is now)", dest)
    actual = hashes.file_sha256(dest)
    if not hashes.same(actual, sha256):
        logger.warning("%s has sha256 %s, expected %s: downloading it again", dest, actual, hashes.spell(sha256))
        return False
    _write_marker(dest, actual)
    return True


def _offline_error(dest: Path, name: Optional[str], url_list: List[str]) -> OfflineError:
    what = f"`pretrained download {name}`" if name else "the download"
    return OfflineError(
        f"{dest.name} is not in the cache ({dest.parent}) and offline mode is on "
        f"(offline=True or PRETRAINED_OFFLINE=1). Run {what} on a machine with network access "
        f"(or copy the file to {dest}), or turn offline mode off. It comes from: {', '.join(url_list) or '(no URL)'}"
    )


def fetch(
    urls: str | Sequence[str],
    dest: str | os.PathLike[str],
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

    A file already at ``dest`` is returned at once when it is the pinned content: its marker
    records the verified sha256 and the file was not touched since (else it is re-hashed once).

    Parameters
    ----------
    urls
        One URL or several, tried in order.
    dest
        The final path; ``<dest>.part`` and ``<dest>.lock`` are used beside it.
    sha256, size
        What the file must hash to and weigh (bytes); checked while streaming. None skips a check.
    progress
        Show a progress bar; None follows :func:`pretrained.config.progress_enabled`.
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
    LockTimeoutError
        Another process held the download lock past ``$PRETRAINED_LOCK_TIMEOUT``.
    """
    url_list: List[str] = [urls] if isinstance(urls, str) else list(urls)
    dest = Path(dest)
    sha256 = hashes.hex_digest(sha256) if sha256 else None
    if _verified(dest, sha256, size):
        return dest
    if config.offline(offline):
        raise _offline_error(dest, name, url_list)
    if not url_list:
        raise DownloadError(f"no URL to download {dest.name} from" + (f" (entry {name!r})" if name else ""))
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise cachedir.unwritable(dest.parent, exc) from exc
    with locking.hold(
        layout.lock_path(dest),
        f"downloading {dest.name}",
        first_notice=f"another process is downloading {dest.name}: waiting for it",
    ) as waited:
        if _verified(dest, sha256, size):
            if waited:
                logger.info("%s was downloaded by another process: reusing it", dest.name)
            return dest
        if dest.exists():
            logger.warning("%s is not the expected file: downloading it again", dest)
        settings = _Settings(retries, backoff, timeout, progress)
        return _fetch_locked(url_list, dest, sha256, size, settings)


class _Settings:
    """Retries, backoff, timeouts and progress for one fetch (None: from :mod:`pretrained.config`)."""

    def __init__(
        self,
        retries: Optional[int],
        backoff: Optional[Tuple[float, float]],
        timeout: Optional[Tuple[float, float]],
        progress: Optional[bool],
    ) -> None:
        self.attempts = config.retries() if retries is None else max(1, int(retries))
        self.first: float
        self.largest: float
        self.first, self.largest = config.backoff() if backoff is None else backoff
        self.timeouts = config.timeouts() if timeout is None else timeout
        self.progress = progress


def _resume_ready(part: _Part, sha256: Optional[str], size: Optional[int]) -> bool:
    """Whether a part file left by an earlier run is already the whole file (else it is trimmed)."""
    part.sync()
    if size is not None and part.length > size:
        logger.warning("%s holds %d bytes, more than the expected %d: discarding it", part.path, part.length, size)
        part.reset()
    elif size is not None and part.length == size:
        # an earlier run received everything but stopped before the rename
        if sha256 is None or part.hash.hexdigest() == sha256:
            return True
        part.reset()
    return False


def _fetch_locked(
    url_list: List[str], dest: Path, sha256: Optional[str], size: Optional[int], settings: _Settings
) -> Path:
    import requests

    from pretrained import __version__

    part = _Part(dest.with_name(dest.name + ".part"))
    if _resume_ready(part, sha256, size):
        return _finish(part, dest)
    failures: List[Tuple[str, Exception]] = []
    session = requests.Session()
    session.headers["User-Agent"] = f"pretrained/{__version__}"
    bar = progress_bars.bar(size, dest.name, enabled=settings.progress, bytes=True, leave=True)
    try:
        for url in url_list:
            if _try_url(session, url, part, dest, sha256, size, settings, bar, failures):
                return _finish(part, dest)
    finally:
        session.close()
        bar.close()
    if part.path.exists() and part.path.stat().st_size == 0:
        part.path.unlink(missing_ok=True)
    raise _failure(dest, url_list, failures)


def _try_url(
    session: Any,
    url: str,
    part: _Part,
    dest: Path,
    sha256: Optional[str],
    size: Optional[int],
    settings: _Settings,
    bar: Any,
    failures: List[Tuple[str, Exception]],
) -> bool:
    """Try one URL until it gives the file (True) or is given up (False, the reason in ``failures``)."""
    tries = 0
    restarted = False
    while True:
        tries += 1
        before = part.length
        try:
            logger.info("downloading %s from %s (try %d of %d)", dest.name, url, tries, settings.attempts)
            _stream(session, url, part, size, settings.timeouts, bar)
        except _Refused as exc:
            # a host that does not resolve is said once, in the final error
            logger.log(logging.INFO if unresolvable(exc) else logging.WARNING, "%s", exc.error)
            failures.append((url, exc.error))
            return False
        except _Transient as exc:
            logger.warning("%s: %s", url, exc)
            if part.length > before:
                tries = 0  # bytes arrived: a flaky link gets its full budget again
            if tries >= settings.attempts:
                failures.append((url, DownloadError(f"{url}: gave up after {tries} tries: {exc}", url=url)))
                return False
            if not exc.now:
                time.sleep(min(settings.largest, settings.first * 2 ** max(0, tries - 1)))
            continue
        actual = part.hash.hexdigest()
        if sha256 is None or actual == sha256:
            return True
        resumed = part.from_disk
        part.reset()
        if resumed and not restarted:
            logger.warning(
                "%s: the sha256 of the resumed file is wrong (%s); the bytes kept from an "
                "earlier run were bad: starting over",
                url,
                actual,
            )
            restarted = True
            tries -= 1
            continue
        err = ChecksumError(str(dest), sha256, actual, url=url)
        logger.warning("%s", err)
        failures.append((url, err))
        return False


def _failure(dest: Path, url_list: List[str], failures: List[Tuple[str, Exception]]) -> Exception:
    checksums = [e for _, e in failures if isinstance(e, ChecksumError)]
    if checksums:
        return checksums[-1]
    detail = "; ".join(f"{u}: {e}" if not str(e).startswith(u) else str(e) for u, e in failures)
    return DownloadError(
        f"could not download {dest.name} from any of {len(url_list)} URL(s): {detail}. "
        "Check the network, set PRETRAINED_MIRROR to a reachable copy, or try again later "
        "(a later run resumes what was downloaded).",
        url=url_list[-1],
    )


def _finish(part: _Part, dest: Path) -> Path:
    """Move the verified ``.part`` into place (atomic, fsynced) and record its hash beside it."""
    atomic.replace(part.path, dest)
    _write_marker(dest, part.hash.hexdigest())
    logger.info("downloaded %s (%d bytes, sha256 %s)", dest, part.length, part.hash.hexdigest())
    return dest


def download_path(name: str, cache_dir: Optional[str | os.PathLike[str]] = None) -> Path:
    """Where the file of catalogue entry ``name`` is (or will be) downloaded:
    ``<cache>/downloads/<key>/<filename>`` (see :func:`pretrained.cache.folder.download_key`)."""
    entry = catalog.get(name)
    if not entry.filename:
        raise DownloadError(f"catalogue entry {entry.name!r} has no file to download")
    return cachedir.downloads(cache_dir) / cachedir.download_key(entry) / entry.filename


def _adopt_flat(entry: catalog.Entry, dest: Path, cache_dir: Optional[str | os.PathLike[str]]) -> None:
    """Move a download of the former flat layout (``downloads/<filename>``) into its keyed
    folder when it is the pinned content, so nobody downloads gigabytes twice."""
    old = cachedir.downloads(cache_dir) / entry.filename
    if dest.exists() or not entry.sha256 or not old.is_file() or (entry.size and old.stat().st_size != entry.size):
        return
    actual = hashes.file_sha256(old)
    if not hashes.same(actual, entry.sha256):
        return
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        atomic.replace(old, dest)
    except OSError as exc:
        logger.debug("cannot move %s to %s: %s", old, dest, exc)
        return
    _write_marker(dest, actual)
    logger.info("moved %s to %s (downloads are now kept by content)", old, dest)


def download(
    name: str,
    *,
    cache_dir: Optional[str | os.PathLike[str]] = None,
    offline: Optional[bool] = None,
    progress: Optional[bool] = None,
) -> Path:
    """Download the file of a catalogue entry into the cache (once) and return its path.

    The file goes to ``<cache>/downloads/<key>/<filename>``; ``$PRETRAINED_MIRROR`` is tried
    first, then the entry's URLs. Nothing is converted (:func:`pretrained.load` does that).

    Examples
    --------
    >>> import pretrained                                          # doctest: +SKIP
    >>> pretrained.download("glove.6B.300d")                       # doctest: +SKIP
    PosixPath('/home/me/.cache/pretrained/downloads/sha256-617afb2fe6cbd085/glove.6B.zip')
    """
    entry = catalog.get(name)
    dest = download_path(entry.name, cache_dir)
    if not entry.sha256:
        logger.warning("catalogue entry %r pins no sha256: its download cannot be verified", entry.name)
    _adopt_flat(entry, dest, cache_dir)
    if not config.offline(offline) and not dest.is_file():
        cachedir.ensure(cache_dir)
    return fetch(
        catalog.urls(entry),
        dest,
        sha256=entry.sha256,
        size=entry.size,
        progress=progress,
        offline=offline,
        name=entry.name,
    )
