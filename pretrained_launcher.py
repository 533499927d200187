"""The ``pretrained`` console script: import the command line, then run it.

This module sits beside the package, not inside it, because importing anything inside
``pretrained`` first runs ``pretrained/__init__.py`` (NumPy and the rest, about half a second):
a Ctrl-C in that time would print a ``KeyboardInterrupt`` traceback from the imports. Here the
imports happen inside ``try``, so an early Ctrl-C ends the command quietly with one line and
exit status 130, as a Ctrl-C during the command itself does (:func:`pretrained.cli.main`).
"""

from __future__ import annotations

import signal
import sys
from typing import List, Optional

__all__ = ["main"]

INTERRUPTED = 130  # 128 + SIGINT, what shells report for a command ended by Ctrl-C


def main(argv: Optional[List[str]] = None) -> int:
    """Run ``pretrained`` with ``argv`` (default ``sys.argv[1:]``); 130 when interrupted while
    the package is still being imported.

    A Ctrl-C inside a C extension's import (NumPy's) can surface as an ``ImportError`` rather than
    a ``KeyboardInterrupt``, so the interrupt is recorded by our own handler and any failure of
    the imports after it counts as the interrupt."""
    interrupted = []

    def on_sigint(signum: int, frame: object) -> None:
        interrupted.append(signum)
        raise KeyboardInterrupt

    installed = True
    try:
        previous = signal.signal(signal.SIGINT, on_sigint)
    except ValueError:  # not the main thread: nothing to install
        installed, previous = False, None
    try:
        from pretrained.cli import main as cli_main
    except BaseException:
        if not interrupted:
            raise
        print("pretrained: interrupted", file=sys.stderr)
        return INTERRUPTED
    finally:
        if installed:
            signal.signal(signal.SIGINT, previous)
    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
