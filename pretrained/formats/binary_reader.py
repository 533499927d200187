"""Parse the word2vec C tool's binary format in blocks of whole records.

After a ``N D`` header line, each record is ``word<space>`` and D little-endian float32; the C
tool writes a line break after each record, gensim does not. The first record decides which, and
every later record (and the end of the file) must agree: a header whose dim is wrong then shows at the first record that
does not end where a dim-D record would, instead of as garbage tokens further on.

Speed: a block's well-formed records are split by one compiled regular expression (``findall``
runs in C: no Python step per record), their vectors gathered by NumPy, and the next block is
read on a second thread meanwhile. Whatever the expression does not take (the end of a block, an
odd record) goes through the record-by-record loop, which decides errors and their messages, so
the results are the same as that loop's alone.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterator, Optional, Tuple

import numpy as np
from numpy.lib.stride_tricks import as_strided

from pretrained.errors import FormatError, TruncatedFileError

__all__ = ["iter_binary", "guess_dim"]

_NL = 0x0A


def guess_dim(body: bytes, limit: int = 100_000) -> Optional[int]:
    """The dim that makes the first records of a binary whose records end with a line break end
    where they should (three in a row, or up to the end of ``body``), or None. Used to refuse a
    header whose dim is wrong, and to say what it probably should say."""
    space = body.find(b" ", 0, 1002)
    if space <= 0:
        return None
    start = space + 1
    for at in range(start + 4, min(len(body), start + 4 * limit + 1), 4):
        if body[at] == _NL and _records_end_at_line_breaks(body, at + 1, (at - start) // 4):
            return (at - start) // 4
    return None


def _records_end_at_line_breaks(body: bytes, pos: int, dim: int, records: int = 3) -> bool:
    """Whether the ``records`` records from ``pos`` each end with a line break after ``dim``
    values (the body may end cleanly after two)."""
    for done in range(records):
        if pos == len(body) and done >= 2:
            return True
        space = body.find(b" ", pos, pos + 1002)
        end = space + 1 + 4 * dim
        if space <= pos or end >= len(body) or body[end] != _NL or any(b < 0x20 for b in body[pos:space]):
            return False
        pos = end + 1
    return True


def _dim_error(path: str, dim: int, word: bytes, ordinal: int, head: bytes) -> FormatError:
    guess = guess_dim(head)
    hint = f" (the records look like dim {guess})" if guess and guess != dim else ""
    return FormatError(
        f"the header says dim {dim}; the record for word {word.decode('utf-8', 'replace')!r} "
        f"(vector {ordinal}) does not end where a dim-{dim} record would{hint}: the header is "
        "wrong or the file is corrupt",
        path,
    )


class _Records:
    """Splits a buffer into records, remembering the file's line-break style and the last word."""

    def __init__(self, path: str, dim: int, max_token: Optional[int], head: bytes):
        self.path, self.dim, self.nbytes = path, dim, 4 * dim
        self.max_token = max_token
        self.newline: Optional[bool] = None  # records end with a line break (decided by the first)
        self.last_word = b""
        self.head = head  # the first bytes after the header, for guessing the dim in messages
        self._pattern: Optional[re.Pattern] = None

    def _fast(self, buf: bytes, want: int, eof: bool, start: int = 0) -> Tuple[list, np.ndarray, int]:
        """The well-formed records at the start of ``buf`` that the loop in :meth:`split` would
        take exactly as they are (a non-empty token without a space, within the token bound, then
        the vector, then the line break when records have one, wholly before the end of ``buf``
        or at the end of the file): tokens, vector offsets and where the next record starts."""
        if self._pattern is None:
            token = rb"[^ ]+" if self.max_token is None else rb"[^ ]{1,%d}" % (self.max_token + 1)
            record = token.join([rb"(", rb") .{%d}" % self.nbytes]) + (rb"\n" if self.newline else b"")
            # what does not start with a record is one empty-token "match" to the end: findall
            # then stops, and every token before it sits right after the one before
            self._pattern = re.compile(record + rb"|.+", re.DOTALL)
        # a record ending at the end of the buffer is taken only at the end of the file (as below)
        found = self._pattern.findall(buf, start, len(buf) if eof else max(len(buf) - 1, start))
        if found and not found[-1]:
            found.pop()
        del found[want:]
        if not found:
            return found, np.zeros(0, np.int64), start
        sizes = np.fromiter(map(len, found), np.int64, len(found))
        ends = np.cumsum(sizes + (self.nbytes + 1 + bool(self.newline))) + start
        starts = ends - (self.nbytes + bool(self.newline))  # each vector's first byte
        return found, starts, int(ends[-1])

    def split(self, buf: bytes, want: int, done: int, eof: bool, start: int = 0) -> Tuple[list, np.ndarray, int]:
        """Tokens and vector offsets (in ``buf``) of up to ``want`` whole records from byte
        ``start`` of ``buf``, and where the next record starts."""
        if self.newline is None:
            self._first_record(buf[start:] if start else buf, eof)
        tokens: list = []
        first_starts = np.zeros(0, np.int64)
        pos = start
        if self.newline is not None:
            tokens, first_starts, pos = self._fast(buf, want, eof, start)
        starts: list = []
        size, nbytes = len(buf), self.nbytes
        step = nbytes + 1 if self.newline else nbytes  # the line break is part of the record
        find, add_token, add_start = buf.find, tokens.append, starts.append
        bound = self.max_token if self.max_token is not None else size
        while len(tokens) < want:
            space = find(b" ", pos, pos + bound + 2)
            end = space + 1 + nbytes
            if space < 0 or end > size or (end == size and not eof):
                if space < 0 and size - pos > bound + 1:
                    self._bad_token(done + len(tokens), tokens[-1] if tokens else self.last_word)
                break
            add_token(buf[pos:space])
            add_start(space + 1)
            pos = min(space + 1 + step, size)
        all_starts = np.concatenate([first_starts, np.asarray(starts, dtype=np.int64)]) if starts else first_starts
        if not self.newline and tokens and b"\n" in b"".join(tokens):
            # gensim's rule for records without line breaks: a word's leading line breaks are
            # not part of it (writers that put the break before the next word)
            tokens = [t.lstrip(b"\n") for t in tokens]
        self._check(buf, tokens, all_starts, done)
        if tokens:
            self.last_word = tokens[-1]
        return tokens, all_starts, pos

    def _first_record(self, buf: bytes, eof: bool) -> None:
        space = buf.find(b" ")
        end = space + 1 + self.nbytes
        if space < 0 or end > len(buf) or (end == len(buf) and not eof):
            return  # not a whole record yet
        self.newline = end < len(buf) and buf[end] == _NL
        guess = None if self.newline else guess_dim(self.head)
        if guess is not None and guess != self.dim:
            raise _dim_error(self.path, self.dim, buf[:space], 1, self.head)

    def _check(self, buf: bytes, tokens: list, starts: np.ndarray, done: int) -> None:
        """Every token non-empty and without a line break; with line breaks, every record ends
        with one: checked for the whole block at once, then located for the message."""
        if not tokens:
            return
        bad = min(map(len, tokens)) == 0 or b"\n" in b"".join(tokens)
        if self.newline and not bad:
            ends = np.asarray(starts, dtype=np.int64) + self.nbytes
            ends = ends[ends < len(buf)]
            bad = bool(ends.size) and not (np.frombuffer(buf, np.uint8)[ends] == _NL).all()
        if not bad:
            return
        for i, (token, start) in enumerate(zip(tokens, starts.tolist())):
            previous = tokens[i - 1] if i else self.last_word
            if not token or b"\n" in token:
                self._bad_token(done + i, previous)
            end = start + self.nbytes
            if self.newline and end < len(buf) and buf[end] != _NL:
                raise _dim_error(self.path, self.dim, token, done + i + 1, self.head)

    def _bad_token(self, done: int, previous: bytes) -> None:
        if done == 0:
            raise FormatError(
                f"the first record does not start with a word and a space within "
                f"{self.max_token} bytes: not a word2vec binary?",
                self.path,
                2,
            )
        raise _dim_error(self.path, self.dim, previous, done, self.head)


def iter_binary(
    stream,
    head: bytes,
    path: str,
    count: int,
    dim: int,
    block_size: int,
    max_token: Optional[int] = 1000,
) -> Iterator[Tuple[list, np.ndarray, Callable[[int], Tuple[Optional[int], str]], np.ndarray]]:
    """Yield ``(tokens, vectors, where, squares)`` per block; ``where(i)`` is ``(None, "vector K")``,
    ``squares`` the sum of squares of each row (see :func:`gather_squares`).

    The next block is read (and decompressed: zlib, bz2 and lzma release the GIL) on a second
    thread while this one is split, and a third gathers (and checks) the vectors of the block
    split before (NumPy releases the GIL): blocks and errors still come in file order."""
    records = _Records(path, dim, max_token, head[: 1 << 16])
    # a record's most bytes: a token within the bound, its space, the vector and a line break
    reach = (max_token if max_token is not None else 1 << 20) + 2 + 4 * dim + 1
    buf, start = head, 0  # the records not yet split are buf[start:]
    done = 0
    eof = False
    pending: list = []  # the block split last, its vectors being gathered: handed out next
    with (
        ThreadPoolExecutor(1, thread_name_prefix="pretrained-read") as reader,
        ThreadPoolExecutor(1, thread_name_prefix="pretrained-gather") as gathering,
    ):

        def queue(tokens: list, source: bytes, starts: np.ndarray) -> list:
            """Start gathering a block's vectors; returns the block before it, to hand out."""
            ready = pending[:]
            pending[:] = [(tokens, gathering.submit(gather_squares, source, starts, dim), _where(done))]
            return ready

        def handed(
            ready: list,
        ) -> Iterator[Tuple[list, np.ndarray, Callable[[int], Tuple[Optional[int], str]], np.ndarray]]:
            for tokens, future, where in ready:
                vectors, squares = future.result()
                yield tokens, vectors, where, squares

        ahead = reader.submit(stream.read, block_size)
        while done < count:
            if not eof:
                data = ahead.result()
                if data:
                    ahead = reader.submit(stream.read, block_size)
                    left = buf[start:]
                    buf, start = data, 0
                    if left:
                        # the records across the two blocks, from a small joint copy: the block
                        # itself is then split where it lies, never copied onto the rest
                        start, block = _across(records, left, data, reach, count - done, done)
                        if block is None:
                            buf = left + data
                        else:
                            yield from handed(queue(*block))
                            done += len(block[0])
                            if done >= count:
                                break
                else:
                    eof = True
            tokens, starts, pos = records.split(buf, count - done, done, eof, start)
            if tokens:
                yield from handed(queue(tokens, buf, starts))
                done += len(tokens)
            start = pos
            if eof and done < count:
                ready, pending[:] = pending[:], []
                yield from handed(ready)  # the whole records before the cut, then the error
                raise _truncated(path, count, dim, done, buf[start:], records)
        yield from handed(pending)
        rest = buf[start:] + (b"" if eof else ahead.result()[:1])
    if rest.strip() or (rest and records.newline is False):
        raise FormatError(
            f"the header promises {count} vectors of dim {dim} but the file goes on after the last one: "
            "the header's count or dim is wrong, or the file is corrupt",
            path,
            line=count + 2,
        )


def _across(
    records: _Records, left: bytes, data: bytes, reach: int, want: int, done: int
) -> Tuple[int, Optional[Tuple[list, bytes, np.ndarray]]]:
    """Split the records that begin in ``left`` (the end of the last block) and end in ``data``
    (the next), from ``left`` and the first ``reach`` bytes of ``data``: ``(offset in data where
    the next record starts, (tokens, joint buffer, vector offsets in it))``, or ``(0, None)`` when they are not whole there
    (a block shorter than a record, or a record that is not well formed): then the caller splits
    ``left + data`` as one buffer, so every message is the same as it would be."""
    if len(left) >= reach or len(data) <= reach:
        return 0, None
    joint = left + data[:reach]
    tokens, starts, pos = records.split(joint, want, done, False)
    if not tokens or pos < len(left):
        return 0, None
    return pos - len(left), (tokens, joint, starts)


def gather_squares(buf: bytes, starts: np.ndarray, dim: int) -> Tuple[np.ndarray, np.ndarray]:
    """:func:`gather`, and the sum of squares of each row (finite exactly when the row has no nan
    or inf and does not overflow: the caller's finite check, and the norms the writer keeps)."""
    vectors = gather(buf, starts, dim)
    return vectors, np.einsum("ij,ij->i", vectors, vectors)


def gather(buf: bytes, starts: np.ndarray, dim: int) -> np.ndarray:
    """The ``dim`` little-endian float32 at each offset ``starts[i]`` of ``buf``, as a new
    (len(starts), dim) array: one NumPy gather of whole rows of bytes, no Python step per row.

    Examples
    --------
    >>> raw = b"a " + np.float32([1, 2]).tobytes() + b"\\nbc " + np.float32([3, 4]).tobytes()
    >>> gather(raw, np.array([2, 14]), 2).tolist()
    [[1.0, 2.0], [3.0, 4.0]]
    """
    nbytes = 4 * dim
    raw = np.frombuffer(buf, np.uint8)
    if not len(starts) or len(raw) < nbytes:
        return np.empty((len(starts), dim), dtype="<f4")
    # row i of this view is the nbytes bytes from byte i on: rows overlap, nothing is copied
    windows = as_strided(raw, shape=(len(raw) - nbytes + 1, nbytes), strides=(1, 1), writeable=False)
    return windows[starts].view("<f4")


def _truncated(path: str, count: int, dim: int, done: int, buf: bytes, records: _Records) -> FormatError:
    where = "inside" if buf.strip() else "before"
    guess = guess_dim(records.head)
    hint = (
        f"; the records look like dim {guess}, the header says {dim}"
        if guess and guess != dim
        else f", or the header's dim ({dim}) is wrong"
    )
    return TruncatedFileError(
        f"truncated word2vec binary: the header promises {count} vectors, the file ends {where} "
        f"vector {done + 1}{hint}",
        path,
        line=done + 2,
    )


def _where(done: int) -> Callable[[int], Tuple[Optional[int], str]]:
    return lambda row: (None, f"vector {done + row + 1}")
