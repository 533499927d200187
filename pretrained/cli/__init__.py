"""The ``pretrained`` command: a table of small subcommands. The library logs; this package prints.

Exit status: 0 done; 1 an error (one line ``pretrained: error: ...`` on standard error, saying
what to do); 2 a usage error (argparse's usage message); 130 interrupted. ``--debug`` (or
``$PRETRAINED_DEBUG=1``) shows the traceback instead of the one line.

Modules: :mod:`.options` (argument checks and shared options), :mod:`.output` (text and strict
JSON), and the commands by area: :mod:`.sets` (list, download, convert, info, cache),
:mod:`.queries` (neighbours, analogy, evaluate), :mod:`.exports` (matrix, plot, export-projector,
export), :mod:`.indexes` (build-index, index-check), :mod:`.own` (train, compare, embed).
"""
from __future__ import annotations

import argparse
import contextlib
import errno
import logging
import os
import sys
from typing import Iterator, List, Optional

from ..errors import PretrainedError
from . import exports, indexes, own, queries, sets
from .options import Command, UsageError, global_args

__all__ = ["main", "build_parser", "COMMANDS", "describe"]

COMMANDS: List[Command] = [*sets.COMMANDS, *queries.COMMANDS, *exports.COMMANDS, *indexes.COMMANDS, *own.COMMANDS]

# What a library call may raise on bad input or a bad environment: shown as one line, never a
# traceback. Anything else is a bug and keeps its traceback.
HANDLED = (PretrainedError, ValueError, TypeError, LookupError, OSError, MemoryError, ImportError, ArithmeticError, RuntimeError)
_BUG_LIKE = (TypeError, ArithmeticError, RuntimeError, LookupError)
_TRUE = ("1", "true", "yes", "on")


def build_parser() -> argparse.ArgumentParser:
    """The parser: global options, then one subparser per entry of :data:`COMMANDS`."""
    parser = argparse.ArgumentParser(prog="pretrained", description="Pretrained word embeddings, fast and safely.")
    global_args(parser, top=True)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        p = sub.add_parser(command.name, aliases=list(command.aliases), help=command.help, description=command.help)
        command.arguments(p)
        global_args(p, top=False)
        p.set_defaults(func=command.run, usage_error=p.error)
    return parser


def _one_line(text: str) -> str:
    return "; ".join(line.strip() for line in text.splitlines() if line.strip())


def _cache_hint(exc: OSError, cache_dir: Optional[str]) -> str:
    """What to do when the failing path is inside the cache folder."""
    from .. import config

    if exc.filename is None:
        return ""
    try:
        root = os.path.abspath(config.cache_dir(cache_dir))
    except (PretrainedError, OSError, ValueError):  # a hint must never hide the error itself
        return ""
    path = os.path.abspath(os.fspath(exc.filename))
    inside = path == root or path.startswith(root + os.sep) or root.startswith(path + os.sep)
    if not inside:
        return ""
    return f"; the cache folder {root} cannot be used: set PRETRAINED_CACHE or pass --cache-dir to a writable folder"


def describe(exc: BaseException, cache_dir: Optional[str] = None) -> str:
    """One line for ``exc``: its message and what to do about it."""
    if isinstance(exc, PretrainedError):
        return _one_line(str(exc)) or type(exc).__name__
    if isinstance(exc, MemoryError):
        return "not enough memory for this; try --limit N to use fewer vectors"
    if isinstance(exc, OSError) and exc.strerror:  # without the "[Errno 13]" prefix
        name = None if exc.filename is None else os.fspath(exc.filename)
        text = _one_line(exc.strerror) if name is None or name in exc.strerror else f"{_one_line(exc.strerror)}: {name}"
    elif isinstance(exc, KeyError) and len(exc.args) == 1:
        text = f"not found: {exc.args[0]!r}"
    else:
        text = _one_line(str(exc)) or "(no message)"
    if isinstance(exc, OSError):
        hint = _cache_hint(exc, cache_dir) or "; check the path and its permissions"
    elif isinstance(exc, _BUG_LIKE):
        text = f"{type(exc).__name__}: {text}"
        hint = " (this looks like a bug: run again with --debug and report the traceback)"
    else:
        hint = " (run again with --debug for the traceback)"
    return text + hint


@contextlib.contextmanager
def _progress_off(quiet: bool) -> Iterator[None]:
    """``-q``: every progress bar off for the duration of the command (restored afterwards, so
    a caller running :func:`main` in-process keeps its own setting)."""
    if not quiet:
        yield
        return
    saved = os.environ.get("PRETRAINED_PROGRESS")
    os.environ["PRETRAINED_PROGRESS"] = "0"
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("PRETRAINED_PROGRESS", None)
        else:
            os.environ["PRETRAINED_PROGRESS"] = saved


def _configure_logging(args: argparse.Namespace) -> None:
    level = logging.WARNING if args.verbose == 0 else logging.INFO if args.verbose == 1 else logging.DEBUG
    if args.quiet:
        level = logging.ERROR
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


def _stdout_to_devnull() -> None:
    """After a broken pipe, send what is left of standard output nowhere, so the interpreter's
    final flush does not complain."""
    try:
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, sys.stdout.fileno())
        os.close(fd)
    except (OSError, ValueError, AttributeError):  # no real file behind sys.stdout (tests)
        pass


def _run(args: argparse.Namespace, debug: bool) -> int:
    try:
        return args.func(args)
    except UsageError as exc:
        try:
            args.usage_error(str(exc))
        except SystemExit as usage:
            return usage.code if isinstance(usage.code, int) else 2
        return 2  # pragma: no cover - argparse's error always exits
    except KeyboardInterrupt:
        if debug:
            raise
        print("pretrained: interrupted", file=sys.stderr)
        return 130
    except HANDLED as exc:
        if debug:
            raise
        if isinstance(exc, OSError) and exc.errno == errno.EPIPE:
            _stdout_to_devnull()  # the reader of our output went away (`pretrained list | head`)
            return 1
        print(f"pretrained: error: {describe(exc, getattr(args, 'cache_dir', None))}", file=sys.stderr)
        return 1


def main(argv: Optional[List[str]] = None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``) and return the exit status."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # a usage error (2) or --help (0): argparse printed what to say
        return exc.code if isinstance(exc.code, int) else 2
    debug = args.debug or os.environ.get("PRETRAINED_DEBUG", "").strip().lower() in _TRUE
    _configure_logging(args)
    with _progress_off(args.quiet):
        return _run(args, debug)
