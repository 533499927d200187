"""Write a large new file straight to the disk (``O_DIRECT``), around the page cache.

A cache entry is made durable by an fsync before it is renamed in. Written the usual way, a
1.2 GB ``vectors.npy`` first fills 1.2 GB of page cache and the fsync then writes it out; on this
project's virtual machines, memory the guest has not touched for a while costs a fault in the host
on its first touch, and ``dd`` measured 115 MB/s for such a buffered write against 1.5 GB/s for a
direct one (``docs/benchmarks/speed.md``). A direct write sends each block from one small aligned
buffer to the disk, so a conversion touches no new memory for its output and leaves the page cache
to the files being read.

Where the filesystem refuses direct writes (tmpfs, some network filesystems), the file is
written the usual way: :func:`open_direct` returns ``None`` when it cannot open the file direct,
and a write the device refuses for its alignment switches the descriptor to buffered writes.

Examples
--------
>>> import tempfile, os
>>> folder = tempfile.mkdtemp()
>>> out = open_direct(os.path.join(folder, "x.bin"), buffer_size=8192)
>>> if out is not None:
...     out.write(b"abc" * 5000)
...     out.close()
...     assert open(os.path.join(folder, "x.bin"), "rb").read() == b"abc" * 5000
"""

from __future__ import annotations

import errno
import logging
import mmap
import os
from typing import Optional, Union

import numpy as np

__all__ = ["DirectFile", "open_direct", "ALIGN"]

logger = logging.getLogger(__name__)

ALIGN = 4096
"""Offsets, lengths and the buffer's address of every direct write are multiples of this."""


class DirectFile:
    """A new file written sequentially in aligned blocks from one page-aligned buffer.

    ``write`` copies into the buffer and writes each full buffer at its offset; ``close`` writes
    the rest (padded to :data:`ALIGN`), cuts the file to its true size and closes it. Durability
    is the caller's fsync, as for any file.
    """

    def __init__(self, fd: int, path: str, buffer_size: int):
        self.fd, self.path = fd, path
        self.size = max(ALIGN, buffer_size // ALIGN * ALIGN)
        self._buf = mmap.mmap(-1, self.size)  # anonymous, so page-aligned
        self._view = np.frombuffer(self._buf, np.uint8)
        self._fill = 0  # bytes in the buffer
        self._offset = 0  # file offset of the buffer's first byte
        self.direct = True

    def fileno(self) -> int:
        return self.fd

    def tell(self) -> int:
        return self._offset + self._fill

    def write(self, data: Union[bytes, bytearray, memoryview]) -> None:
        src = np.frombuffer(data, np.uint8)
        at = 0
        while at < src.shape[0]:
            take = min(self.size - self._fill, src.shape[0] - at)
            self._view[self._fill : self._fill + take] = src[at : at + take]
            self._fill += take
            at += take
            if self._fill == self.size:
                self._flush(self.size)

    def _flush(self, length: int) -> None:
        """Write the first ``length`` bytes of the buffer (a multiple of ALIGN) at the offset."""
        done = 0
        block = memoryview(self._buf)
        try:
            while done < length:
                try:
                    n = os.pwrite(self.fd, block[done:length], self._offset + done)
                except OSError as exc:
                    if exc.errno != errno.EINVAL or not self.direct:
                        raise
                    self._buffered(exc)
                    continue
                if n <= 0:
                    raise OSError(errno.EIO, f"cannot write {self.path}: the disk took no bytes")
                done += n
        finally:
            block.release()
        self._offset += done
        self._fill = 0

    def _buffered(self, exc: OSError) -> None:
        """The device refused a direct write (an alignment it needs larger than ALIGN): go on
        with ordinary writes on the same descriptor."""
        import fcntl  # O_DIRECT, and so this path, exist on Linux only

        logger.debug("direct writes to %s refused (%s): writing through the page cache", self.path, exc)
        flags = fcntl.fcntl(self.fd, fcntl.F_GETFL)
        fcntl.fcntl(self.fd, fcntl.F_SETFL, flags & ~getattr(os, "O_DIRECT", 0))
        self.direct = False

    def close(self) -> None:
        """Write what is left, cut the file to the bytes written and close it."""
        if self.fd < 0:
            return
        try:
            end = self.tell()
            if self._fill:
                padded = -(-self._fill // ALIGN) * ALIGN
                self._view[self._fill : padded] = 0
                self._flush(padded)
            os.ftruncate(self.fd, end)
        finally:
            self.abort()

    def abort(self) -> None:
        """Close without writing what is left (the caller drops the file)."""
        if self.fd < 0:
            return
        os.close(self.fd)
        self.fd = -1
        self._view = np.zeros(0, np.uint8)
        try:
            self._buf.close()
        except BufferError:  # a view of it still lives (say, in a traceback): freed with the last one
            pass


def open_direct(path: Union[str, os.PathLike], buffer_size: int = 8 << 20) -> Optional[DirectFile]:
    """A new (truncated) file at ``path`` written with ``O_DIRECT``, or ``None`` where the
    platform or the filesystem has no direct writes (then write it the usual way)."""
    flag = getattr(os, "O_DIRECT", 0)
    if not flag:
        return None
    name = os.fspath(path)
    try:
        fd = os.open(
            name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC | flag, 0o666
        )  # as open(): umask applies
    except OSError as exc:
        if exc.errno in (errno.EINVAL, errno.EOPNOTSUPP):
            logger.debug("no direct writes to %s (%s)", name, exc)
            return None
        raise
    try:
        return DirectFile(fd, name, buffer_size)
    except BaseException:
        os.close(fd)
        raise
