"""``read_analogies`` decodes the whole file at once (issue 19); it reads every file as the
line-by-line reader before it did: the same questions, rows, sections, counts, and the same
error (message, file and line) for a line that is not UTF-8 or a question before any section."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pretrained.errors import FormatError
from pretrained.evaluate.datasets import Parsed, read_analogies

logger = logging.getLogger(__name__)


def _line_by_line(path, ok_vocab, case_insensitive, dummy4unknown):
    """``read_analogies`` as it was before issue 19."""
    out = Parsed()
    with open(path, "rb") as fin:
        for line_no, raw in enumerate(fin):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise FormatError(f"not UTF-8 ({exc.reason})", str(path), line_no + 1) from None
            if line.startswith(": "):
                out.names.append(line.lstrip(": ").strip())
                continue
            if not out.names:
                raise FormatError("missing ': section' header before this line", str(path), line_no + 1)
            words = line.split()
            if len(words) != 4:
                continue
            if case_insensitive:
                words = [w.upper() for w in words]
            out.questions += 1
            rows = tuple(ok_vocab.get(w, -1) for w in words)
            if -1 in rows:
                out.skipped += 1
                if not dummy4unknown:
                    continue
            out.section_of.append(len(out.names) - 1)
            out.keys.append(tuple(words))
            out.rows.append(rows)
            out.lines.append(line_no)
    return out


def _outcome(fn, *args):
    try:
        return fn(*args)
    except FormatError as exc:
        return ("error", str(exc))


WORDS = ["a", "b", "C", "dd", "é", "ß", "x"]
PIECES = [w.encode() for w in WORDS] + [
    b" ",
    b"  ",
    b"\t",
    b"\r",
    b"\n",
    b"\n",
    b": ",
    b":",
    b"\xff",
    b"\xc3",
    b"\xe2\x82",
    b"\x85",
]


@settings(max_examples=300, deadline=None)
@given(
    pieces=st.lists(st.sampled_from(PIECES), max_size=60),
    header=st.booleans(),
    case_insensitive=st.booleans(),
    dummy4unknown=st.booleans(),
)
def test_whole_file_reading_equals_the_line_by_line_reader(
    tmp_path_factory, pieces, header, case_insensitive, dummy4unknown
):
    data = (b": s\n" if header else b"") + b"".join(pieces)
    path = tmp_path_factory.mktemp("q") / "q.txt"
    path.write_bytes(data)
    known = {w.upper() if case_insensitive else w: i for i, w in enumerate(WORDS[:5])}
    new = _outcome(read_analogies, path, known, case_insensitive, dummy4unknown)
    old = _outcome(_line_by_line, path, known, case_insensitive, dummy4unknown)
    assert new == old


@pytest.mark.parametrize("data", [b"", b"\n", b": s", b": s\n\n", b": s\na b C dd", b"a b C dd\n: s\n"])
def test_edges_of_the_file(tmp_path, data):
    path = tmp_path / "q.txt"
    path.write_bytes(data)
    known = {"A": 0, "B": 1, "C": 2, "DD": 3}
    assert _outcome(read_analogies, path, known, True, False) == _outcome(_line_by_line, path, known, True, False)
