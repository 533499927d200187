"""The ``pretrained`` command: a table of small subcommands. The library logs; this package prints.

Exit status: 0 done; 1 an error (one line ``pretrained: error: ...`` on standard error, saying
what to do); 2 a usage error (argparse's usage message; a mistyped command gets the closest one);
130 interrupted. ``--debug`` (or ``$PRETRAINED_DEBUG=1``) shows the traceback instead of the one
line. Bare ``pretrained`` prints the command list; ``pretrained --version`` the version.

Modules: :mod:`.options` (argument checks and shared options), :mod:`.output` (text and strict
JSON), and the commands by area: :mod:`.sets` (list, download, convert, info, cache),
:mod:`.queries` (neighbours, analogy, evaluate), :mod:`.exports` (matrix, plot, export-projector,
export), :mod:`.indexes` (build-index, index-check), :mod:`.own` (train, compare, embed).

Public modules (what they define is re-exported from ``pretrained`` or this package): none. Internal
modules (their names may change; import from ``pretrained`` instead): ``exports``, ``indexes``,
``options``, ``output``, ``own``, ``queries``, ``sets``.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import errno
import logging
import os
import sys
import warnings
from typing import Iterator, List, Optional, Sequence

from pretrained.cli import exports, indexes, own, queries, sets
from pretrained.cli.options import Command, UsageError, global_args
from pretrained.errors import PretrainedError

__all__ = ["main", "build_parser", "COMMANDS", "describe"]

COMMANDS: List[Command] = [*sets.COMMANDS, *queries.COMMANDS, *exports.COMMANDS, *indexes.COMMANDS, *own.COMMANDS]

# What a library call may raise on bad input or a bad environment: shown as one line, never a
# traceback. Anything else is a bug and keeps its traceback.
HANDLED = (
    PretrainedError,
    ValueError,
    TypeError,
    LookupError,
    OSError,
    MemoryError,
    ImportError,
    ArithmeticError,
    RuntimeError,
)
_BUG_LIKE = (TypeError, ArithmeticError, RuntimeError, LookupError)
_TRUE = ("1", "true", "yes", "on")


def build_parser() -> argparse.ArgumentParser:
    """The parser: global options, then one subparser per entry of :data:`COMMANDS`."""
    from pretrained import __version__

    parser = argparse.ArgumentParser(
        prog="pretrained",
        description="Pretrained word embeddings, fast and safely.",
        epilog="`pretrained COMMAND --help` tells more about a command.",
    )
    parser.add_argument("--version", action="version", version=f"pretrained {__version__}")
    global_args(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
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
    from pretrained import config

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
    # The HTTP library's own log lines and warnings (retries, pools, TLS) are for -vv only: a
    # failed download already ends in our one line that says what to do.
    if args.verbose < 2:
        logging.getLogger("urllib3").setLevel(logging.ERROR)
        warnings.filterwarnings("ignore", module=r"urllib3(\.|$)")
        warnings.filterwarnings("ignore", module=r"requests(\.|$)")


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
        return int(args.func(args))
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


def command_names() -> List[str]:
    """Every command name and alias, in table order."""
    return [name for command in COMMANDS for name in (command.name, *command.aliases)]


def _first_word(argv: Sequence[str]) -> Optional[str]:
    """The command word of ``argv``: the first argument that is not an option (the top-level
    options are all flags, so no option takes it as its value)."""
    for arg in argv:
        if arg == "--":
            return None
        if not arg.startswith("-"):
            return arg
    return None


def unknown_command(word: str) -> str:
    """The usage message for a command word that is not a command: the closest ones, if any.

    Examples
    --------
    >>> unknown_command("nieghbours")
    "unknown command 'nieghbours'; did you mean 'neighbours'? (`pretrained --help` lists the commands)"
    """
    canonical = {name: command.name for command in COMMANDS for name in (command.name, *command.aliases)}
    close = difflib.get_close_matches(word.lower(), list(canonical), n=3, cutoff=0.6)
    names = list(dict.fromkeys(canonical[name] for name in close))[:2]
    hint = f"; did you mean {' or '.join(map(repr, names))}?" if names else ""
    return f"unknown command {word!r}{hint} (`pretrained --help` lists the commands)"


def main(argv: Optional[List[str]] = None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``) and return the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        return _main(argv)
    except KeyboardInterrupt:  # while the parser is built (its imports) or parses
        if os.environ.get("PRETRAINED_DEBUG", "").strip().lower() in _TRUE or "--debug" in argv:
            raise
        print("pretrained: interrupted", file=sys.stderr)
        return 130


def _main(argv: List[str]) -> int:
    parser = build_parser()
    word = _first_word(argv)
    try:
        if word is not None and word not in command_names():
            parser.error(unknown_command(word))
        args = parser.parse_args(argv)
    except SystemExit as exc:  # a usage error (2) or --help (0): argparse printed what to say
        return exc.code if isinstance(exc.code, int) else 2
    if args.command is None:  # bare `pretrained` (or only options): what there is to do
        parser.print_help()
        return 0
    debug = args.debug or os.environ.get("PRETRAINED_DEBUG", "").strip().lower() in _TRUE
    _configure_logging(args)
    with _progress_off(args.quiet):
        return _run(args, debug)
