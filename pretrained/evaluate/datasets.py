"""Finding and reading benchmark files: gensim's shipped analogy and word-pair sets, analogy
files (``: section`` headers, four words a line) and word-pair files (``w1<TAB>w2<TAB>score``),
with gensim's rules for what is skipped."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Tuple, Union

from pretrained.errors import FormatError
from pretrained.evaluate.results import Question

__all__ = ["dataset_path", "resolve", "ok_vocab", "Parsed", "read_analogies", "read_pairs", "DATASETS", "NAMES"]

logger = logging.getLogger(__name__)

PathLike = Union[str, "os.PathLike[str]"]

DATASETS = {
    "questions-words": "questions-words.txt",
    "google": "questions-words.txt",
    "wordsim353": "wordsim353.tsv",
    "simlex999": "simlex999.txt",
}
"""Every shipped evaluation set: its name (what ``--dataset`` and ``evaluate_*`` accept) and its file.
Adding a set is one line here; the CLI's choices come from :data:`NAMES`."""

NAMES = tuple(DATASETS)
"""The names of the shipped evaluation sets, in registration order."""


def dataset_path(name: str) -> Path:
    """The path of a benchmark file shipped in gensim's wheel: ``"questions-words"`` (Google's
    analogies, alias ``"google"``), ``"wordsim353"`` or ``"simlex999"``.

    Examples
    --------
    >>> dataset_path("wordsim353").name
    'wordsim353.tsv'
    """
    try:
        filename = DATASETS[name]
    except KeyError:
        raise ValueError(
            f"unknown benchmark {name!r}; known: {', '.join(sorted(DATASETS))}, or pass a file path"
        ) from None
    from pretrained import optional

    datapath = optional.require("gensim.test.utils", "evaluate").datapath
    path = Path(datapath(filename))
    if not path.is_file():
        raise FileNotFoundError(f"gensim does not ship {filename} (looked at {path})")
    return path


def resolve(path: Optional[PathLike], default: str) -> Path:
    if path is None:
        return dataset_path(default)
    if isinstance(path, str) and path in DATASETS and not os.path.exists(path):
        return dataset_path(path)
    return Path(os.fspath(path))


def ok_vocab(words: Sequence[str], end: int, case_insensitive: bool) -> Dict[str, int]:
    """gensim's ``ok_vocab``: key -> row among the first ``end`` words; upper-cased keys map to
    the first (most frequent) case variant."""
    keys = words[:end]
    if case_insensitive:
        return {k.upper(): i for i, k in zip(range(len(keys) - 1, -1, -1), reversed(keys))}
    return {k: i for i, k in enumerate(keys)}


@dataclass
class Parsed:
    names: List[str] = field(default_factory=list)
    # per question: section number, the four keys, the four rows (-1 when unknown)
    section_of: List[int] = field(default_factory=list)
    keys: List[Question] = field(default_factory=list)
    rows: List[Tuple[int, int, int, int]] = field(default_factory=list)
    lines: List[int] = field(default_factory=list)
    questions: int = 0
    skipped: int = 0


def read_analogies(path: Path, ok_vocab: Dict[str, int], case_insensitive: bool, dummy4unknown: bool) -> Parsed:
    """The questions of an analogy file and their rows in ``ok_vocab`` (gensim's rules: ``: name``
    starts a section, a line of other than four words is skipped, a question with an unknown word
    is skipped unless ``dummy4unknown``). A line that is not UTF-8, or a question before the first
    section, is a :class:`~pretrained.errors.FormatError` naming the file and line."""
    try:
        with open(path, "rb") as fin:
            data = fin.read()
    except OSError as exc:
        raise FileNotFoundError(f"cannot open analogy file {path}: {exc}") from exc
    lines, bad = _utf8_lines(data)
    out = Parsed()
    names, section_of, keys, rows_of, line_nos = out.names, out.section_of, out.keys, out.rows, out.lines
    get = ok_vocab.get
    for line_no, line in enumerate(lines):
        if line.startswith(": "):
            names.append(line.lstrip(": ").strip())
            continue
        if not names:
            raise FormatError("missing ': section' header before this line", str(path), line_no + 1)
        words = line.split()
        if len(words) != 4:
            logger.info("skipping invalid line #%i in %s", line_no, path)
            continue
        if case_insensitive:
            words = [w.upper() for w in words]
        out.questions += 1
        rows = (get(words[0], -1), get(words[1], -1), get(words[2], -1), get(words[3], -1))
        if -1 in rows:
            out.skipped += 1
            if not dummy4unknown:
                logger.debug("skipping line #%i with unknown words: %s", line_no, line.strip())
                continue
        section_of.append(len(names) - 1)
        keys.append(tuple(words))  # type: ignore[arg-type]
        rows_of.append(rows)
        line_nos.append(line_no)
    if bad is not None:
        raise FormatError(f"not UTF-8 ({bad[1]})", str(path), bad[0] + 1)
    return out


def _utf8_lines(data: bytes) -> Tuple[List[str], Optional[Tuple[int, str]]]:
    """The lines of ``data`` (split at ``\n``, without it) decoded as UTF-8, in one decode of the
    whole file; where a line is not UTF-8, the lines before it and (its number from 0, the
    reason its own decode gives)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = data.count(b"\n", 0, exc.start)
        first = data.rfind(b"\n", 0, exc.start) + 1
        end = data.find(b"\n", exc.start)
        try:
            data[first : len(data) if end < 0 else end + 1].decode("utf-8")
            reason = exc.reason  # pragma: no cover -- the line alone holds the same bad bytes
        except UnicodeDecodeError as line_exc:
            reason = line_exc.reason
        return _utf8_lines(data[:first])[0], (bad, reason)
    lines = text.split("\n")
    if lines[-1] == "":  # the file ends with a line break (or is empty): no line after it
        lines.pop()
    return lines, None


def read_pairs(
    path: Path, delimiter: str, encoding: str, case_insensitive: bool
) -> Iterator[Tuple[int, str, str, float, str]]:
    try:
        fin = open(path, encoding=encoding)  # noqa: SIM115 -- closed by the `with fin:` below, after the open error is translated
    except OSError as exc:
        raise FileNotFoundError(f"cannot open word-pair file {path}: {exc}") from exc
    with fin:
        line_no = -1
        while True:
            try:
                line = fin.readline()
            except UnicodeDecodeError as exc:
                raise FormatError(f"not {encoding} ({exc.reason})", str(path), line_no + 2) from None
            if not line:
                return
            line_no += 1
            if line.startswith("#"):
                continue
            try:
                parts = line.split(delimiter)
                if case_insensitive:
                    parts = [p.upper() for p in parts]
                a, b, sim = parts
                value = float(sim)
            except (ValueError, TypeError):
                logger.info("skipping invalid line #%d in %s", line_no, path)
                continue
            yield line_no, a, b, value, line
