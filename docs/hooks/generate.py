"""Generated documentation: the command-line reference and the catalogue table, from the code.

Used two ways, so neither page can drift from what the program does:

- as an MkDocs hook (``hooks:`` in ``mkdocs.yml``): a page holding the marker
  ``<!-- generated: cli -->`` or ``<!-- generated: catalogue -->`` gets the text in its place at
  build time (and the Sphinx roles of rendered docstrings become plain code);
- as a script, ``python docs/hooks/generate.py [--check]``: rewrites (or, with ``--check``, only
  compares) the catalogue table between the ``<!-- catalogue:start -->`` and
  ``<!-- catalogue:end -->`` lines of ``README.md``; ``tests/test_docs_build.py`` runs the check.

The CLI reference is each command's own ``--help``, from the parser the program builds
(``pretrained.cli.build_parser``), at a fixed width; the catalogue is
``pretrained.remote.catalog.builtin_entries()``, the data ``pretrained list`` shows.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import sys
from pathlib import Path
from typing import Callable, Dict, Iterator, List

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # the checkout's code, not whatever copy is installed
    sys.path.insert(0, str(ROOT))

WIDTH = 80  # what fits the site's code blocks without scrolling
README_START = "<!-- catalogue:start -->"
README_END = "<!-- catalogue:end -->"


@contextlib.contextmanager
def _fixed_width() -> Iterator[None]:
    """argparse wraps help to ``$COLUMNS``: pin it so the page is the same on every machine."""
    saved = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(WIDTH + 2)
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = saved


def _help(argv: List[str]) -> str:
    """What ``pretrained ARGV --help`` prints."""
    from pretrained.cli import build_parser

    out = io.StringIO()
    with _fixed_width(), contextlib.redirect_stdout(out):
        try:
            build_parser().parse_args([*argv, "--help"])
        except SystemExit:
            pass
    return out.getvalue().rstrip() + "\n"


def cli_reference() -> str:
    """Markdown: ``pretrained --help``, then one section per command of the command table."""
    from pretrained.cli import COMMANDS

    parts = [
        "Generated from the program's own parser (`pretrained COMMAND --help`), so it cannot "
        "drift from what the program accepts.\n",
        "```text\n" + _help([]) + "```\n",
    ]
    for command in COMMANDS:
        title = command.name + "".join(f" ({alias})" for alias in command.aliases)
        parts.append(f"## {title}\n\n{command.help}\n\n```text\n{_help([command.name])}```\n")
    return "\n".join(parts)


def _size(n: int | None) -> str:
    if not n:
        return "?"
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n:,} bytes"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def catalogue_table(*, compact: bool = False) -> str:
    """Markdown table of the built-in catalogue (what ``pretrained list`` shows without a user
    catalogue). ``compact``: name, aliases and shape only (the README's)."""
    from pretrained.remote.catalog import builtin_entries

    rows = []
    if compact:
        rows.append("| name | gensim / other names | words x dims |")
        rows.append("|---|---|---|")
    else:
        rows.append("| name | other names | words x dims | download | what it is |")
        rows.append("|---|---|---|---|---|")
    for e in builtin_entries():
        shape = f"{e.count:,} x {e.dim}" if e.count else f"? x {e.dim}"
        aliases = ", ".join(f"`{a}`" for a in e.aliases)
        if compact:
            rows.append(f"| `{e.name}` | {aliases} | {shape} |")
            continue
        what = e.description + (
            f" (installed by the `{e.embedded.replace('_', '-')}` package: no download)" if e.embedded else ""
        )
        download = f"`{e.filename}`, {_size(e.size)}" if e.filename else "?"
        rows.append(f"| `{e.name}` | {aliases} | {shape} | {_cell(download)} | {_cell(what)} |")
    return "\n".join(rows) + "\n"


GENERATORS: Dict[str, Callable[[], str]] = {
    "<!-- generated: cli -->": cli_reference,
    "<!-- generated: catalogue -->": catalogue_table,
}


def on_page_markdown(markdown: str, page, config, files) -> str:
    """MkDocs hook: replace each generation marker by its text."""
    for marker, make in GENERATORS.items():
        if marker in markdown:
            markdown = markdown.replace(marker, make())
    return markdown


# Our docstrings cross-reference in Sphinx's roles (:func:`x`, :class:`~a.b.C`); MkDocs renders
# Markdown, where they would show as ":func:" before the code. Keep the code, drop the role, and
# show ~-prefixed paths by their last part as Sphinx does.
_ROLE = re.compile(r":(?:py:)?(?:func|class|meth|mod|attr|data|exc|obj|const):(<code>)(~?)([^<]*)(</code>)")


def _role(m: re.Match[str]) -> str:
    text = m.group(3).rsplit(".", 1)[-1] if m.group(2) else m.group(3)
    return f"{m.group(1)}{text}{m.group(4)}"


def on_page_content(html: str, page, config, files) -> str:
    """MkDocs hook: Sphinx roles in rendered docstrings become plain code."""
    return _ROLE.sub(_role, html)


def readme_with_catalogue(text: str) -> str:
    """``text`` (the README) with the table between the catalogue markers regenerated."""
    try:
        head, rest = text.split(README_START + "\n", 1)
        _, tail = rest.split(README_END, 1)
    except ValueError:
        raise SystemExit(f"README.md needs the lines {README_START} and {README_END}") from None
    return f"{head}{README_START}\n{catalogue_table(compact=True)}{README_END}{tail}"


def main(argv: List[str]) -> int:
    """``--check``: exit 1 when README.md's catalogue differs from the code's; else rewrite it."""
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    fresh = readme_with_catalogue(text)
    if "--check" in argv:
        if fresh != text:
            sys.stderr.write("README.md's catalogue is out of date: run python docs/hooks/generate.py\n")
            return 1
        return 0
    readme.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
