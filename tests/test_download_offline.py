"""Without a network a download fails at once with one line: a host name that cannot be resolved
is not retried (another try would not change it), while a refused connection, a transient
failure, still is. Faults are injected into ``socket.getaddrinfo``; nothing leaves the machine."""

from __future__ import annotations

import socket
import time

import pytest

from pretrained.cli import main
from pretrained.errors import DownloadError
from pretrained.remote import downloader

URLS = ["http://mirror.invalid/files/tiny.zip", "http://downloads.invalid/tiny.zip"]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lookups:
    """``socket.getaddrinfo`` replaced: counts the calls, fails them as ``fault`` says."""

    def __init__(self, monkeypatch, fault):
        self.calls = []
        real = socket.getaddrinfo

        def getaddrinfo(host, *args, **kwargs):
            self.calls.append(host)
            if fault is not None:
                raise fault
            return real(host, *args, **kwargs)

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


# (fault injected into the lookup, whether a URL is retried, words of the final message)
CASES = [
    pytest.param(
        socket.gaierror(socket.EAI_NONAME, "Name or service not known"),
        False,
        "cannot resolve the host",
        id="no-such-host",
    ),
    pytest.param(
        socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution"),
        False,
        "cannot resolve the host",
        id="no-dns",
    ),
    pytest.param(None, True, "gave up after 3 tries", id="connection-refused"),
]


@pytest.mark.parametrize("fault,retried,message", CASES)
def test_only_transient_failures_are_retried(fault, retried, message, tmp_path, monkeypatch, caplog):
    lookups = Lookups(monkeypatch, fault)
    urls = URLS if fault is not None else [f"http://127.0.0.1:{_closed_port()}/tiny.zip"] * 2
    started = time.perf_counter()
    with pytest.raises(DownloadError) as info:
        downloader.fetch(urls, tmp_path / "tiny.zip", retries=3, backoff=(0.01, 0.01), progress=False)
    seconds = time.perf_counter() - started
    assert len(lookups.calls) == (3 * len(urls) if retried else len(urls))
    text = str(info.value)
    assert message in text and "\n" not in text
    assert not (tmp_path / "tiny.zip").exists() and not (tmp_path / "tiny.zip.part").exists()
    said = [
        r.getMessage() for r in caplog.records if r.name == "pretrained.remote.downloader" and r.levelname == "WARNING"
    ]
    if retried:  # each try said in a few words, not urllib3's nested repr
        assert said and all("Connection refused" in m and "Max retries" not in m for m in said), said
    else:
        assert said == []  # said once, in the error
        assert seconds < 2, seconds
        for url in urls:
            assert url.split("/")[2] in text  # each host named
        assert downloader.unresolvable(info.value.__cause__ or info.value) or "resolve" in text


def test_the_default_retries_and_backoff_do_not_apply_to_a_dns_failure(tmp_path, monkeypatch):
    """The defaults (5 tries, 1 s doubling) would take 15 s per URL if a lookup were retried."""
    monkeypatch.delenv("PRETRAINED_RETRIES", raising=False)
    monkeypatch.delenv("PRETRAINED_BACKOFF", raising=False)
    lookups = Lookups(monkeypatch, socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution"))
    started = time.perf_counter()
    with pytest.raises(DownloadError):
        downloader.fetch(URLS, tmp_path / "tiny.zip", progress=False)
    assert time.perf_counter() - started < 2
    assert lookups.calls == ["mirror.invalid", "downloads.invalid"]


@pytest.mark.parametrize("verbose", [[], ["-v"]])
def test_the_download_command_offline_says_one_line_fast(verbose, monkeypatch, capsys):
    monkeypatch.delenv("PRETRAINED_MIRROR", raising=False)
    monkeypatch.delenv("PRETRAINED_RETRIES", raising=False)
    lookups = Lookups(monkeypatch, socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution"))
    started = time.perf_counter()
    code = main([*verbose, "download", "glove.6B.100d"])
    seconds = time.perf_counter() - started
    err = capsys.readouterr().err
    assert code == 1 and seconds < 2, (code, seconds)
    assert lookups.calls  # it did try
    errors = [line for line in err.splitlines() if line.startswith("pretrained: error:")]
    assert len(errors) == 1 and "cannot resolve the host" in errors[0]
    assert "urllib3" not in err and "Traceback" not in err and "Max retries" not in err
    if not verbose:
        assert err.strip().splitlines() == errors  # nothing but the one line
