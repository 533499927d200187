"""Download throughput over loopback: ``pretrained`` (stream to .part, sha256 while streaming, size
check, lock, fsync, atomic rename) against the plain loop people write with requests (stream,
hash, write), measured in the same run on the same file. Also a resume from a half-written .part.

    python scripts/bench_download.py [--mb 256] [--repeat 3]

Prints seconds, MB/s and the ratio (ours / plain; 1.00 = same speed, lower is better). Only
127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import logging
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class _Quiet(SimpleHTTPRequestHandler):
    """Serves the folder, answering ``Range: bytes=N-`` with 206 as real mirrors do."""

    def log_message(self, *args):
        pass

    def do_GET(self):
        rng = self.headers.get("Range", "")
        if not rng.startswith("bytes=") or not rng.endswith("-"):
            return super().do_GET()
        path = Path(self.translate_path(self.path))
        start, size = int(rng[6:-1]), path.stat().st_size
        self.send_response(206)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Range", f"bytes {start}-{size - 1}/{size}")
        self.send_header("Content-Length", str(size - start))
        self.end_headers()
        with open(path, "rb") as f:
            f.seek(start)
            shutil.copyfileobj(f, self.wfile, 1 << 20)


def _plain(url: str, dest: Path) -> str:
    import requests

    h = hashlib.sha256()
    with requests.get(url, stream=True, timeout=(10, 60)) as r, open(dest, "wb") as f:
        r.raise_for_status()
        for chunk in r.iter_content(1 << 20):
            h.update(chunk)
            f.write(chunk)
    return h.hexdigest()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mb", type=int, default=256, help="file size in MiB (default 256)")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs of each (default 3)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    from pretrained.remote import downloader

    work = Path(tempfile.mkdtemp(prefix="bench-download-"))
    try:
        served = work / "served"
        served.mkdir()
        data = os.urandom(args.mb << 20)
        (served / "vectors.zip").write_bytes(data)
        sha, size = hashlib.sha256(data).hexdigest(), len(data)
        del data
        server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(served)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}/vectors.zip"

        plain, ours, resume = [], [], []
        for i in range(args.repeat):
            d = work / f"plain-{i}"
            t = time.perf_counter()
            assert _plain(url, d) == sha
            plain.append(time.perf_counter() - t)
            d.unlink()

            d = work / f"ours-{i}.zip"
            t = time.perf_counter()
            downloader.fetch(url, d, sha256=sha, size=size, progress=False)
            ours.append(time.perf_counter() - t)
            d.unlink()

            # resume: half the file is already in the .part (an earlier run was cut): re-hash
            # that half, then ask for the rest with Range
            d = work / f"resume-{i}.zip"
            with open(served / "vectors.zip", "rb") as src, open(str(d) + ".part", "wb") as part:
                part.write(src.read(size // 2))
            t = time.perf_counter()
            downloader.fetch(url, d, sha256=sha, size=size, progress=False)
            resume.append(time.perf_counter() - t)
            d.unlink()
        server.shutdown()
        mb = size / 2**20
        p, o, r = statistics.median(plain), statistics.median(ours), statistics.median(resume)
        print(f"file: {mb:.0f} MiB over 127.0.0.1, median of {args.repeat} runs")
        print(f"plain requests loop (stream+sha256+write): {p:6.3f} s  {mb / p:7.1f} MiB/s")
        print(f"pretrained fetch (verified, atomic):       {o:6.3f} s  {mb / o:7.1f} MiB/s  ratio {o / p:.2f}")
        print(f"pretrained resume from a half .part:       {r:6.3f} s  {mb / r:7.1f} MiB/s  ratio {r / p:.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
