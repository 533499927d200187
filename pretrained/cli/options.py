"""Argument checks and shared options of the ``pretrained`` command.

Every value the parser can check is checked here, as an argparse ``type=``: a bad one ends in
argparse's usage message and exit status 2, before any vectors are loaded or any file is written.

Examples
--------
>>> positive_int("3")
3
>>> fraction("0.95")
0.95
>>> positive_int("0")
Traceback (most recent call last):
...
argparse.ArgumentTypeError: must be a positive integer, got '0'
"""

from __future__ import annotations

import argparse
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from pretrained import config
from pretrained.errors import UsageError
from pretrained.evaluate import datasets

__all__ = [
    "Command",
    "UsageError",
    "positive_int",
    "non_negative_int",
    "jobs",
    "fraction",
    "existing_file",
    "file_or_dataset",
    "output_file",
    "output_folder",
    "creatable",
    "vector_args",
    "index_args",
    "index_params",
    "backend_arg",
    "json_flag",
    "cache_dir_arg",
    "cache_dir_help",
    "SOURCE_HELP",
    "global_args",
    "optional",
    "load",
]


class RegistryChoices:
    """argparse ``choices`` read from a registry each time they are asked for (when a command line
    is parsed or its help shown), so a format registered after import is offered too."""

    def __init__(self, names: Callable[[], Sequence[str]]):
        self._names = names

    def __contains__(self, item: object) -> bool:
        return item in self._names()

    def __iter__(self) -> Any:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())


def _format_spellings() -> Sequence[str]:
    from pretrained.formats import registry

    return registry.spellings(streamed_only=True)


def _writable_formats() -> Sequence[str]:
    from pretrained.formats import registry

    return registry.writable()


FORMATS = RegistryChoices(_format_spellings)
"""Every ``--format`` a vector file can be read as: names and aliases of the registry's formats
read in blocks (a table or a fastText ``.bin`` is recognised by its name or first bytes)."""
WRITABLE_FORMATS = RegistryChoices(_writable_formats)
"""Every format a vector file can be written in (``export --format``)."""
DATASETS = datasets.NAMES
"""The shipped evaluation sets (from :mod:`pretrained.evaluate.datasets`, not copied here)."""


@dataclass(frozen=True)
class Command:
    """One subcommand: its name, one-line help, the function adding its arguments, and the
    function running it (``args -> exit status``)."""

    name: str
    help: str
    arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]
    aliases: Tuple[str, ...] = ()


# ---------------------------------------------------------------------------- value types


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer, got {text!r}") from None


def positive_int(text: str) -> int:
    """An integer >= 1."""
    n = _integer(text)
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}")
    return n


def non_negative_int(text: str) -> int:
    """An integer >= 0."""
    n = _integer(text)
    if n < 0:
        raise argparse.ArgumentTypeError(f"must be an integer >= 0, got {text!r}")
    return n


def jobs(text: str) -> int:
    """A thread count: a positive integer, or -1 for every core."""
    n = _integer(text)
    if n < 1 and n != -1:
        raise argparse.ArgumentTypeError(f"must be a positive number of threads or -1 (every core), got {text!r}")
    return n


def fraction(text: str) -> float:
    """A number in (0, 1], such as a recall target."""
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number in (0, 1], got {text!r}") from None
    if not (math.isfinite(x) and 0 < x <= 1):
        raise argparse.ArgumentTypeError(f"must be a number in (0, 1], such as 0.95, got {text!r}")
    return x


def existing_file(text: str) -> str:
    """The path of a file that exists and can be read."""
    path = config.user_path(text)
    if not path.exists():
        raise argparse.ArgumentTypeError(f"no such file: {text}")
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a folder, not a file")
    if not os.access(path, os.R_OK):
        raise argparse.ArgumentTypeError(f"cannot read {text} (permission denied)")
    return os.fspath(path)


def file_or_dataset(text: str) -> str:
    """An existing file, or the name of a benchmark shipped with gensim."""
    if text in DATASETS and not os.path.exists(text):
        return text
    try:
        return existing_file(text)
    except argparse.ArgumentTypeError as exc:
        raise argparse.ArgumentTypeError(f"{exc}; or name a shipped benchmark: {', '.join(DATASETS)}") from None


def _writable_folder(folder: Path, shown: str) -> None:
    if not folder.exists():
        raise argparse.ArgumentTypeError(f"the folder {shown} does not exist; create it first")
    if not folder.is_dir():
        raise argparse.ArgumentTypeError(f"{shown} is not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"cannot write into {shown} (permission denied)")


def output_file(suffixes: Sequence[str] = ()) -> Callable[[str], str]:
    """A ``type=`` for a file to write: its folder exists and is writable, it is not a folder, and
    (when ``suffixes`` are given) its name ends in one of them (``.gz`` and ``.bz2`` may follow)."""

    def check(text: str) -> str:
        path = config.user_path(text)
        if path.is_dir():
            raise argparse.ArgumentTypeError(f"{text} is a folder; name a file")
        name = path.name.lower()
        if suffixes and not any(name.endswith(s) for s in suffixes):
            raise argparse.ArgumentTypeError(f"{text}: the file name must end in {', '.join(suffixes)}")
        parent = path.parent
        _writable_folder(parent, os.fspath(parent) or ".")
        return os.fspath(path)

    check.__name__ = "output file"  # argparse names the type in some messages
    return check


def output_folder(text: str) -> str:
    """A folder to write into: it exists, or its nearest existing parent is a writable folder."""
    path = config.user_path(text)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a file, not a folder")
    return creatable(text)


def creatable(text: str) -> str:
    """A file or folder path whose nearest existing parent is a writable folder (the writer creates
    the folders in between)."""
    path = config.user_path(text)
    probe = path if path.is_dir() else path.parent
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    _writable_folder(probe, os.fspath(probe))
    return os.fspath(path)


# ---------------------------------------------------------------------------- shared options


SOURCE_HELP = (
    "a catalogue name (see `pretrained list`), a name you saved with train or pretrained.save "
    "(see `pretrained cache`), or the path of a vector file"
)


def cache_dir_help() -> str:
    """What ``--cache-dir`` defaults to, as :func:`pretrained.config.cache_dir` resolves it, and
    where that is now."""
    from pretrained import config

    try:
        here = f"; here: {config.cache_dir()}"
    except (ValueError, OSError):  # a bad setting is reported when the folder is used, not in the help
        here = ""
    return (
        "the cache folder (default: $PRETRAINED_CACHE, else the cache/ folder of the source checkout "
        f"when pretrained runs from one, else the user cache folder{here})"
    )


def cache_dir_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--cache-dir", help=cache_dir_help())


def json_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="machine-readable output (strict JSON)")


def vector_args(p: argparse.ArgumentParser) -> None:
    """SOURCE and the options that say how to read it."""
    p.add_argument("source", help=SOURCE_HELP)
    p.add_argument("--format", choices=FORMATS, metavar="FORMAT", help=", ".join(FORMATS) + " (detected when omitted)")
    p.add_argument("--member", help="file inside a .zip archive, e.g. glove.6B.300d.txt")
    p.add_argument("--limit", type=positive_int, help="keep only the first N vectors")
    cache_dir_arg(p)


def _backends() -> Dict[str, Any]:
    """The registered index backends by name, the default (annoy) first."""
    from pretrained.index.backend import backend_class, backend_names

    return {name: backend_class(name) for name in backend_names()}


def backend_arg(p: argparse.ArgumentParser) -> None:
    """--backend: which index (Annoy by default); the choices are the registry's."""
    names = list(_backends())
    p.add_argument(
        "--backend", choices=names, default="annoy", help=f"{', '.join(names)} (default annoy; one memory-mapped file)"
    )


def _flag_type(param: Any) -> Callable[[str], Any]:
    def read(text: str) -> Any:
        try:
            return param.parse(text)
        except (TypeError, ValueError) as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    read.__name__ = param.name  # argparse names the type in its messages
    return read


def _flags() -> Dict[str, Tuple[Any, List[str]]]:
    """Every backend parameter's flag: the first declaration of it, and the backends using it."""
    flags: Dict[str, Tuple[Any, List[str]]] = {}
    for name, cls in _backends().items():
        for param in cls.parameters:
            if param.flag:
                flags.setdefault(param.flag, (param, []))[1].append(name)
    return flags


def index_args(p: argparse.ArgumentParser) -> None:
    """The index's backend, the build parameters every backend declares, and the query effort."""
    backend_arg(p)
    for flag, (param, owners) in _flags().items():
        shown = param.help if len(owners) == 1 else param.help.split(": ", 1)[-1] + f" ({', '.join(owners)})"
        metavar = "SECRET" if param.secret else None
        p.add_argument(flag, type=_flag_type(param), dest=param.name, metavar=metavar, help=shown)
    efforts = ", ".join(f"{name}'s {cls.effort_name}" for name, cls in _backends().items())
    p.add_argument(
        "--search-k",
        type=positive_int,
        help=f"search effort per query: {efforts} (default: the index's, see index-check --recall)",
    )


def index_params(args: argparse.Namespace) -> Dict[str, Any]:
    """The parameters the options give for ``--backend`` (UsageError for another backend's)."""
    cls = _backends()[args.backend]
    own = {param.name for param in cls.parameters}
    foreign = [
        (flag, owners)
        for flag, (param, owners) in _flags().items()
        if param.name not in own and getattr(args, param.name, None) is not None
    ]
    if foreign:
        flags = " and ".join(flag for flag, _ in foreign)
        owners = sorted({o for _, names in foreign for o in names})
        raise UsageError(
            f"{flags} belong{'s' if len(foreign) == 1 else ''} to --backend {' or '.join(owners)}, not {args.backend}"
        )
    return {name: getattr(args, name) for name in own if getattr(args, name, None) is not None}


def global_args(p: argparse.ArgumentParser, *, top: bool) -> None:
    """-v, -q and --debug: on the top parser, and again on every subcommand (so they may follow
    the command name) with suppressed defaults, so a subcommand never resets the top's value."""
    default: Dict[str, Any] = {} if top else {"default": argparse.SUPPRESS}
    p.add_argument(
        "-v", "--verbose", action="count", help="log more (-vv for debug)", **({"default": 0} if top else default)
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars, only errors", **default)
    p.add_argument(
        "--debug", action="store_true", help="show the traceback of an error ($PRETRAINED_DEBUG=1)", **default
    )


def optional(value: Optional[int], zero_means_none: bool = True) -> Optional[int]:
    """``0`` as None (``--restrict-vocab 0`` = every word)."""
    return None if (zero_means_none and value == 0) else value


def load(args: argparse.Namespace):
    """The vectors SOURCE names, read as the options say."""
    from pretrained import loading as api

    return api.load(args.source, format=args.format, member=args.member, limit=args.limit, cache_dir=args.cache_dir)
