"""Parse vector text (GloVe, word2vec text, fastText ``.vec``) in blocks of whole lines.

Arrow's multithreaded CSV reader takes the lines it can (a space-delimited table, no quoting);
rows it cannot take (tokens with spaces, bad values) are parsed again line by line in Python,
which also produces the error messages with line numbers.

A row is ``token v1 ... vD``: the last D fields are the vector and, in GloVe text, everything
before them is the token (glove.840B has tokens with spaces such as ``. . .``). A line with more
values than D must not become a token such as ``'queen 0.1'``, so a token with spaces whose last
part is a number (or empty: two spaces in a row) is refused unless ``numeric_token_parts=True``,
and every token is at most ``max_token_bytes`` long.
"""

from __future__ import annotations

import collections
import dataclasses
import logging
import re
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Deque, Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np

from pretrained.errors import FormatError
from pretrained.formats.float32 import nearest_float32
from pretrained.threads import workers as cores

__all__ = ["TokenRules", "TextParser", "iter_text", "parse_line", "row_line", "looks_numeric", "check_token"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TokenRules:
    """What a token may look like.

    ``spaces``: tokens may contain spaces (GloVe text; word2vec text and ``.vec`` may not).
    ``numeric_parts``: a token with spaces may end in a part that parses as a number.
    ``max_bytes``: the longest token accepted (None: no bound).
    ``header_dim``: the file's header gave the dim (word2vec text), for the messages.
    ``trailing_space``: lines end with one space (fastText ``.vec``) or none (None: not checked);
    a line that differs from the first is refused, since a value cut to a space would pass.
    """

    spaces: bool = True
    numeric_parts: bool = False
    max_bytes: Optional[int] = 1000
    header_dim: bool = False
    trailing_space: Optional[bool] = None  #: every line ends with one space (as the first does), or none does


_NUMBER_START = re.compile(rb"[-+]?(\d+\.?\d*|\.\d+)?([eE][-+]?)?")


def _is_number(part: bytes) -> bool:
    try:
        float(part)
    except ValueError:
        return False
    return True


def looks_numeric(part: bytes | str) -> bool:
    """Whether a part of a token is a number, or the start of one cut by a space (``1.5e``,
    ``-0.``, a lone sign): a token with spaces may not end in such a part by default, since a
    damaged value (``1.5e -07``) would otherwise glue its first half into the word."""
    b = part.encode("utf-8", "surrogateescape") if isinstance(part, str) else part
    if _is_number(b):
        return True
    return b in (b"-", b"+") or (_NUMBER_START.fullmatch(b) is not None and any(48 <= c <= 57 for c in b))


def _numbers_in_a_row(parts: List[bytes]) -> int:
    run = best = 0
    for part in parts:
        run = run + 1 if _is_number(part) else 0
        best = max(best, run)
    return best


def _count_message(dim: int, n_fields: int, rules: TokenRules) -> str:
    n_values = n_fields - 1
    if rules.header_dim:
        return f"the header says dim {dim} but this line has {n_values} value{'s' if n_values != 1 else ''} ({n_fields} fields)"
    return (
        f"expected a word and {dim} numbers (the dim of the first lines), found {n_fields} "
        f"field{'s' if n_fields != 1 else ''}"
    )


def check_token(token: bytes, dim: int, n_fields: int, rules: TokenRules, path: str, line: Optional[int]) -> None:
    """Raise :class:`FormatError` for a token the rules refuse (see the module's notes)."""
    if rules.max_bytes is not None and len(token) > rules.max_bytes:
        raise FormatError(
            f"a token of {len(token)} bytes ({token[:40].decode('utf-8', 'replace')!r}...), longer "
            f"than max_token_bytes={rules.max_bytes}; {_count_message(dim, n_fields, rules)}. "
            "If the file really has such tokens, pass max_token_bytes=None",
            path,
            line,
        )
    if b" " not in token:
        return
    if not rules.spaces:
        raise FormatError(_count_message(dim, n_fields, rules), path, line)
    if rules.numeric_parts:
        return
    parts = token.split(b" ")
    last = parts[-1]
    if not last or looks_numeric(last):
        what = (
            "ends in an empty part (two spaces in a row)"
            if not last
            else f"ends in the number {last.decode('utf-8', 'replace')!r}"
        )
    elif _numbers_in_a_row(parts) >= dim:
        what = f"holds {dim} or more numbers in a row (two lines run together?)"
    else:
        return
    raise FormatError(
        f"{_count_message(dim, n_fields, rules)}: the token would be "
        f"{token[:60].decode('utf-8', 'replace')!r}, which {what}. If the file really "
        "has tokens like that, pass numeric_token_parts=True",
        path,
        line,
    )


def parse_line(line: bytes, dim: int, path: str, lineno: int, rules: TokenRules) -> Tuple[bytes, np.ndarray]:
    """``(token, values)`` of one line (float32, each the nearest to its decimal, as Arrow's
    parser gives it: :mod:`pretrained.formats.float32`), or a :class:`FormatError` naming the line."""
    body = line.rstrip(b"\r\n")
    if rules.trailing_space is not None:
        ends = body.endswith(b" ")
        if ends != rules.trailing_space or body.endswith(b"  "):
            first = "does" if rules.trailing_space else "does not"
            raise FormatError(
                f"this line ends with {'spaces' if body.endswith(b'  ') else 'a space' if ends else 'a value'} "
                f"and the first line {first} end with one space: a value cut short or damaged?",
                path,
                lineno,
            )
    body = body.rstrip(b" ")
    parts = body.rsplit(b" ", dim)
    n_fields = len(body.split(b" "))
    if len(parts) != dim + 1 or not parts[0]:
        raise FormatError(_count_message(dim, n_fields, rules), path, lineno)
    check_token(parts[0], dim, n_fields, rules, path, lineno)
    values = []
    for p in parts[1:]:
        try:
            values.append(float(p))
        except ValueError:
            raise FormatError(
                f"non-numeric value {p.decode('utf-8', 'replace')!r} in the vector of "
                f"{parts[0].decode('utf-8', 'replace')!r}",
                path,
                lineno,
            ) from None
    fields = parts[1:]
    return parts[0], nearest_float32(np.asarray(values), fields.__getitem__)


def _parse_lines_slowly(
    block: bytes, dim: int, path: str, line_base: int, rules: TokenRules
) -> Tuple[list, np.ndarray]:
    tokens: list = []
    rows: list = []
    for i, line in enumerate(block.split(b"\n")):
        if not line.strip(b"\r "):
            continue
        tok, vals = parse_line(line, dim, path, line_base + i + 1, rules)
        tokens.append(tok)
        rows.append(vals)
    # a value beyond float32 is inf already (refused or kept later)
    return tokens, np.asarray(rows, dtype=np.float32).reshape(len(rows), dim)


# Arrow decodes a row it cannot take as UTF-8 before calling our handler; invalid UTF-8 there is
# printed as "Exception ignored" and the block fails (we then parse it in Python). This filter
# keeps that one message off stderr while Arrow parses; every other report passes through.
_hook_lock = threading.Lock()
_hook_users = 0
_saved_hook: Optional[Callable[[Any], Any]] = None


def _quiet_hook(unraisable) -> None:
    if getattr(unraisable.object, "_pretrained_row_handler", False) and isinstance(
        unraisable.exc_value, UnicodeDecodeError
    ):
        return
    (_saved_hook or sys.__unraisablehook__)(unraisable)


class _QuietHandlerErrors:
    def __enter__(self) -> None:
        global _hook_users, _saved_hook
        with _hook_lock:
            if _hook_users == 0:
                _saved_hook = sys.unraisablehook
                sys.unraisablehook = _quiet_hook
            _hook_users += 1

    def __exit__(self, *exc) -> None:
        global _hook_users, _saved_hook
        with _hook_lock:
            _hook_users -= 1
            if _hook_users == 0:
                if sys.unraisablehook is _quiet_hook:
                    sys.unraisablehook = _saved_hook or sys.__unraisablehook__  # set by __enter__
                _saved_hook = None


class TextParser:
    """Arrow's CSV reader set up for one dimension count, with the Python fallback."""

    def __init__(self, dim: int, trailing_space: bool, path: str, rules: TokenRules, threads: bool = True):
        import pyarrow as pa
        import pyarrow.csv as pcsv

        self.pa, self.pcsv = pa, pcsv
        self.threads = threads  # Arrow's own thread pool (off when several parsers run side by side)
        self.dim, self.path, self.rules = dim, path, dataclasses.replace(rules, trailing_space=trailing_space)
        names = ["w"] + [f"v{i}" for i in range(dim)]
        if trailing_space:
            names.append("_")
        self.names = names
        self.types = {"w": pa.binary(), "_": pa.binary(), **{n: pa.float32() for n in names[1 : dim + 1]}}
        self.include = names  # "_" (after a trailing space) must be empty: checked after parsing

    def arrow(self, data, text: bool = False) -> Tuple[list, np.ndarray, list]:
        """Parse whole lines; returns (tokens, vectors, texts of rows Arrow could not take).

        Tokens are bytes; with ``text``, str when every token of ``data`` is valid UTF-8 (the
        strict decoding the caller would make; Python builds each str from Arrow's buffer)."""
        pa, pcsv = self.pa, self.pcsv
        if bytes(data[:3]) == b"\xef\xbb\xbf":
            # Arrow drops a leading byte-order mark: a word starting with U+FEFF at a block's start
            # must keep it (the file's own BOM is removed before any block), so Python parses it
            raise pa.ArrowInvalid("the block starts with U+FEFF")
        bad: list = []

        def handler(row) -> str:
            bad.append(row.text)
            return "skip"

        handler._pretrained_row_handler = True  # type: ignore[attr-defined]
        with _QuietHandlerErrors():
            table = pcsv.read_csv(
                pa.BufferReader(pa.py_buffer(data)),
                read_options=pcsv.ReadOptions(
                    column_names=self.names, block_size=max(1 << 20, len(data) // 8 + 1), use_threads=self.threads
                ),
                parse_options=pcsv.ParseOptions(
                    delimiter=" ",
                    quote_char=False,
                    escape_char=False,
                    double_quote=False,
                    newlines_in_values=False,
                    invalid_row_handler=handler,
                ),
                convert_options=pcsv.ConvertOptions(
                    column_types=self.types,
                    include_columns=self.include,
                    null_values=[],
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
        if "_" in table.column_names:
            if _longest(table.column("_")) > 0:
                raise pa.ArrowInvalid("a value after the trailing space")  # the slow path names it
            table = table.drop_columns(["_"])
        words = table.column(0)
        if self.rules.max_bytes is not None and _longest(words) > self.rules.max_bytes:
            raise self.pa.ArrowInvalid("a token longer than max_token_bytes")  # the slow path names it
        parts = [np.asarray(b.to_tensor(row_major=True)) for b in table.drop_columns(["w"]).to_batches() if b.num_rows]
        vecs = (
            (parts[0] if len(parts) == 1 else np.concatenate(parts)) if parts else np.empty((0, self.dim), np.float32)
        )
        return _tokens(words, pa.string() if text else None), vecs.astype(np.float32, copy=False), bad

    def parse(self, block: bytes, line_base: int) -> Tuple[list, np.ndarray]:
        """Parse a buffer of whole lines that starts after line ``line_base``: ``(tokens, vectors)``,
        the tokens str when Arrow parsed the whole buffer and all are valid UTF-8, else bytes."""
        dim, path, rules = self.dim, self.path, self.rules
        if b"\r" in block and block.count(b"\r") != block.count(b"\r\n"):
            # Arrow ends a line at a lone carriage return, Python does not: Python decides
            return _parse_lines_slowly(block, dim, path, line_base, rules)
        try:
            tokens, vecs, bad = self.arrow(block, text=True)
        except self.pa.ArrowInvalid as exc:
            logger.debug("%s: Arrow could not parse a block (%s); parsing it line by line", path, exc)
            return _parse_lines_slowly(block, dim, path, line_base, rules)
        if not bad:
            return tokens, vecs
        spans = _locate_lines(block, bad)
        if spans is None:
            return _parse_lines_slowly(block, dim, path, line_base, rules)
        return self._mixed(block, spans, line_base)

    def _mixed(self, block: bytes, spans: List[Tuple[int, int]], line_base: int) -> Tuple[list, np.ndarray]:
        # Good runs go through Arrow, odd lines (tokens with spaces, errors) through Python, in order.
        dim, path, rules = self.dim, self.path, self.rules
        out_tokens: list = []
        out_vecs: list = []
        pos = 0
        for start, end in [*spans, (len(block), len(block))]:
            if start > pos:
                seg = block[pos:start]
                seg_base = line_base + block.count(b"\n", 0, pos)
                more_bad: Union[List[Any], bool]
                try:
                    t, v, more_bad = self.arrow(seg)
                except self.pa.ArrowInvalid:
                    more_bad = True
                if more_bad:
                    t, v = _parse_lines_slowly(seg, dim, path, seg_base, rules)
                out_tokens.extend(t)
                out_vecs.append(v)
            if end > start:
                lineno = line_base + block.count(b"\n", 0, start) + 1
                tok, vals = parse_line(block[start:end], dim, path, lineno, rules)
                out_tokens.append(tok)
                out_vecs.append(vals[None, :])
            pos = end
        return out_tokens, np.concatenate(out_vecs) if out_vecs else np.empty((0, dim), np.float32)


def _tokens(words, string=None) -> list:
    """The tokens of Arrow's binary column: bytes, or (``string``: Arrow's string type) str if
    all are valid UTF-8."""
    if string is not None:
        out: list = []
        try:
            for chunk in words.chunks:
                out += chunk.view(string).to_pylist()  # a view: the bytes are decoded by Python
            return out
        except UnicodeDecodeError:
            pass
    return words.to_pylist()


def _longest(column) -> int:
    """The longest value (in bytes) of a binary column without nulls, read off its offsets."""
    longest = 0
    for chunk in column.chunks:
        if len(chunk):
            offsets = np.frombuffer(chunk.buffers()[1], np.int32, len(chunk) + 1, chunk.offset * 4)
            longest = max(longest, int(np.diff(offsets).max()))
    return longest


def _locate_lines(block: bytes, texts: Sequence[str]) -> Optional[List[Tuple[int, int]]]:
    """(start, end) of every line of ``block`` whose text is one of ``texts``; None when the
    rows cannot all be found (then the caller parses the whole block in Python)."""
    spans = set()
    for text in set(texts):
        needle = text.encode("utf-8", "surrogateescape")
        pos = 0
        while True:
            at = block.find(needle, pos)
            if at < 0:
                break
            end = block.find(b"\n", at)
            end = len(block) if end < 0 else end
            if (at == 0 or block[at - 1] == 0x0A) and not block[at + len(needle) : end].strip(b"\r"):
                spans.add((at, min(end + 1, len(block))))
            pos = at + 1
    if len(spans) != len(texts):
        return None
    return sorted(spans)


def row_line(block: bytes, line_base: int, row: int) -> int:
    """The line number of the ``row``-th vector (0-based) of a block of whole lines that starts
    after line ``line_base``: blank lines hold no vector."""
    seen = -1
    for i, line in enumerate(block.split(b"\n")):
        if line.strip(b"\r "):
            seen += 1
            if seen == row:
                return line_base + i + 1
    return line_base + 1


def iter_text(
    stream,
    head: bytes,
    path: str,
    dim: int,
    line_base: int,
    block_size: int,
    rules: TokenRules,
    stats=None,
) -> Iterator[Tuple[list, np.ndarray, Callable[[int], Tuple[Optional[int], str]]]]:
    """Yield ``(tokens, vectors, where)`` per block; ``where(i)`` is ``(line, "line N")`` of row i.
    Tokens are bytes, or str for a block that Arrow parsed whole and whose tokens are all valid
    UTF-8 (:func:`pretrained.formats.select` takes either).

    ``stats.unterminated`` (when ``stats`` is given) is set if the text does not end with a line
    break: a file cut inside its last number cannot be told from that, so it is recorded."""
    first_nl = head.find(b"\n")
    first = head[: first_nl if first_nl >= 0 else len(head)].rstrip(b"\r")
    workers = _PARSERS
    # Arrow's own threads only where cores are left over for them (measured on two cores: two
    # single-threaded parsers take ~15 % less CPU and wall time than one using Arrow's pool)
    parser = TextParser(dim, first.endswith(b" "), path, rules, threads=cores() > workers)
    # A second thread reads (and decompresses: zlib, bz2 and lzma release the GIL) the next block
    # while ``workers`` threads have Arrow parse (releasing the GIL) the blocks after the one the
    # caller is handed: reading, parsing and the caller's work (writing, hashing) overlap. Blocks
    # and errors still come in file order: a block's result is awaited only after the one before
    # was handed out. A block is the unfinished line of the read before and this read up to its
    # last line break; the two are joined on the parsing thread.
    with (
        ThreadPoolExecutor(1, thread_name_prefix="pretrained-read") as reader,
        ThreadPoolExecutor(workers, thread_name_prefix="pretrained-parse") as parsing,
    ):
        count = _LineCounter()
        ahead = reader.submit(count.read, stream, block_size)
        tail = head  # the text after the last line break handed to a parser
        pending: Deque[tuple] = collections.deque()  # (future of (block, parsed), line_base)
        while True:
            data, lines = ahead.result()
            eof = not data
            if eof:
                if stats is not None and tail.strip(b"\r\n ") and not tail.endswith(b"\n"):
                    stats.unterminated = True
                parts, lines, tail = (tail,), 0, b""
            else:
                ahead = reader.submit(count.read, stream, block_size)
                parts, lines, tail = _split(tail, data, lines)
            if any(parts):
                pending.append((parsing.submit(_parse_joined, parser, parts, line_base), line_base))
                line_base += parts[0].count(b"\n") + lines  # parts[0]: a short tail, or the head
            while pending and (eof or len(pending) > workers):
                yield _parsed(*pending.popleft())
            if eof:
                return


# Two parsers, each on one thread, side by side: Arrow's own pool spreads one block less well
# over two cores (8 MiB of glove.6B.50d: ~29 ms wall and ~43 ms CPU on two threads, ~41 ms on one).
_PARSERS = 2


def _split(tail: bytes, data: bytes, lines: int) -> Tuple[tuple, int, bytes]:
    """``(parts, lines, rest)``: the parts whose join is ``tail + data`` up to its last line
    break, the line breaks in ``data`` up to there (``lines``: all of them), and what is left."""
    cut = data.rfind(b"\n") + 1
    if cut:
        return (tail, memoryview(data)[:cut]), lines, data[cut:]
    buf = tail + data  # a read without a line break (a very long line, or a short read)
    cut = buf.rfind(b"\n") + 1
    return (buf[:cut],), 0, buf[cut:]


class _LineCounter:
    """Reads a block and counts its line breaks (on the reading thread), through one small
    buffer: NumPy compares without the GIL, and no block-sized temporary is made each time."""

    def __init__(self, step: int = 1 << 18):
        self._mask = np.empty(step, np.bool_)

    def read(self, stream, size: int) -> Tuple[bytes, int]:
        data = stream.read(size)
        return data, self.count(data)

    def count(self, data) -> int:
        """The line breaks in ``data``."""
        if len(data) < 1 << 16:
            return bytes(data).count(b"\n")
        step = len(self._mask)
        octets = np.frombuffer(data, np.uint8)
        lines = 0
        for at in range(0, len(octets), step):
            part = octets[at : at + step]
            mask = self._mask[: len(part)]
            np.equal(part, 0x0A, out=mask)
            lines += int(np.count_nonzero(mask))
        return lines


def _parse_joined(parser: TextParser, parts: tuple, line_base: int) -> Tuple[bytes, Tuple[list, np.ndarray]]:
    block = parts[0] if len(parts) == 1 else b"".join(parts)
    return block, parser.parse(block, line_base)


def _parsed(future, line_base: int) -> Tuple[list, np.ndarray, Callable[[int], Tuple[Optional[int], str]]]:
    block, (tokens, vecs) = future.result()
    return tokens, vecs, _where(block, line_base)


def _where(block: bytes, line_base: int) -> Callable[[int], Tuple[Optional[int], str]]:
    def where(row: int) -> Tuple[Optional[int], str]:
        line = row_line(block, line_base, row)
        return line, f"line {line}"

    return where
