"""A loopback HTTP file server (127.0.0.1 only, one thread per request, Range support) that
misbehaves on demand, for the download tests.

Faults queued with :meth:`Loopback.fault` apply to one request each, in order; modes set with
:meth:`Loopback.always` apply to every request of a path:

``cut``           send the headers (full Content-Length) and half the body, then drop the connection
``503``           answer 503 Service Unavailable
``404``           answer 404 Not Found
``html``          answer 200 with a text/html login page
``html-octet``    answer 200 with an HTML page labelled application/octet-stream
``flip``          flip one byte in the middle of the body
``ignore-range``  answer 200 with the whole file even when asked for a range
``416``           answer 416 Range Not Satisfiable
``stall``         send half the body, then go silent for ``stall_seconds`` (a read timeout fires)
``hang``          send the headers, then go silent for ``stall_seconds`` (no byte of the body)
``slow``          send the body in small pieces with short pauses (so downloads overlap)
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, List, Optional

LOGIN_PAGE = b"<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body>Please sign in</body></html>\n"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format, *args):  # keep test output quiet
        pass

    def _range_not_satisfiable(self, entry: dict, size: int) -> None:
        entry["status"] = 416
        self.send_response(416)
        self.send_header("Content-Range", f"bytes */{size}")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _simple(self, status: int, body: bytes = b"", ctype: str = "text/plain") -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        box: Loopback = self.server.box
        path = self.path.split("?", 1)[0]
        rng = self.headers.get("Range")
        fault = box._next_fault(path)
        modes = box.modes.get(path, set())
        entry = {"path": path, "range": rng, "fault": fault, "status": None}
        with box.lock:
            box.log.append(entry)
        data = box.files.get(path)
        if data is None or fault == "404":
            entry["status"] = 404
            return self._simple(404, b"not found")
        if fault == "503":
            entry["status"] = 503
            return self._simple(503, b"busy, try later")
        if fault in ("html", "html-octet"):
            entry["status"] = 200
            ctype = "text/html; charset=utf-8" if fault == "html" else "application/octet-stream"
            return self._simple(200, LOGIN_PAGE, ctype)
        if fault == "416":
            return self._range_not_satisfiable(entry, len(data))
        if "flip" in modes or fault == "flip":
            mid = len(data) // 2
            data = data[:mid] + bytes([data[mid] ^ 0x01]) + data[mid + 1 :]
        start = 0
        m = re.match(r"bytes=(\d+)-$", rng or "")
        if m and "ignore-range" not in modes and fault != "ignore-range":
            start = int(m.group(1))
            if start >= len(data):
                return self._range_not_satisfiable(entry, len(data))
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            entry["status"] = 206
        else:
            self.send_response(200)
            entry["status"] = 200
        body = data[start:]
        self.send_header("Content-Type", box.types.get(path, "application/octet-stream"))
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        try:
            if fault == "hang":
                box.stopping.wait(box.stall_seconds)
                self.close_connection = True
                return
            if fault in ("cut", "stall"):
                half = len(body) // 2
                self.wfile.write(body[:half])
                self.wfile.flush()
                if fault == "stall":
                    box.stopping.wait(box.stall_seconds)
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if "slow" in modes:
                step = max(1, len(body) // 40)
                for i in range(0, len(body), step):
                    self.wfile.write(body[i : i + step])
                    self.wfile.flush()
                    time.sleep(box.slow_pause)
                    if box.stopping.is_set():
                        return
                return
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError, OSError):
            self.close_connection = True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    box: Loopback

    def handle_error(self, request, client_address):
        """A client that hung up mid-answer (the tests do that on purpose): note it quietly."""
        import sys

        with self.box.lock:
            self.box.errors.append(repr(sys.exc_info()[1]))


class Loopback:
    """The server; use as a context manager or call :meth:`start` / :meth:`stop`."""

    def __init__(self) -> None:
        self.files: Dict[str, bytes] = {}
        self.types: Dict[str, str] = {}
        self.faults: Dict[str, deque] = {}
        self.modes: Dict[str, set] = {}
        self.log: List[dict] = []
        self.errors: List[str] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.stall_seconds = 5.0
        self.slow_pause = 0.02
        self._server: Optional[_Server] = None
        self._thread: Optional[threading.Thread] = None

    def add(self, path: str, data: bytes, content_type: str = "application/octet-stream") -> str:
        """Serve ``data`` at ``path``; return its URL."""
        self.files[path] = data
        self.types[path] = content_type
        return self.url(path)

    def fault(self, path: str, *faults: str) -> None:
        """Queue faults for the next requests of ``path``, one each."""
        self.faults.setdefault(path, deque()).extend(faults)

    def always(self, path: str, *modes: str) -> None:
        self.modes.setdefault(path, set()).update(modes)

    def _next_fault(self, path: str) -> Optional[str]:
        with self.lock:
            q = self.faults.get(path)
            return q.popleft() if q else None

    def requests(self, path: str) -> List[dict]:
        with self.lock:
            return [e for e in self.log if e["path"] == path]

    def url(self, path: str = "/") -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{path}"

    def start(self) -> Loopback:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.box = self
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Loopback:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
