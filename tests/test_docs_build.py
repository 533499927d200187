"""The documentation site builds without a warning (``mkdocs build --strict``), and its generated
parts (the CLI reference, the catalogue, the README's catalogue table) follow the code."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import require

ROOT = Path(__file__).resolve().parents[1]


def _generator():
    spec = importlib.util.spec_from_file_location("docs_generate", ROOT / "docs" / "hooks" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_mkdocs_build_strict(tmp_path):
    require("mkdocs", "docs")
    require("mkdocstrings", "docs")
    require("material", "docs")
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]), NO_MKDOCS_2_WARNING="1"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    cli = (tmp_path / "site" / "cli" / "index.html").read_text(encoding="utf-8")
    catalogue = (tmp_path / "site" / "catalogue" / "index.html").read_text(encoding="utf-8")
    assert "<!-- generated:" not in cli and "usage: pretrained build-index" in cli
    assert "fasttext.cc.en.300" in catalogue
    api = (tmp_path / "site" / "reference" / "load" / "index.html").read_text(encoding="utf-8")
    assert "name_or_path" in api  # load's parameters, rendered from its numpydoc docstring


def test_cli_reference_covers_every_command():
    from pretrained.cli import COMMANDS

    page = _generator().cli_reference()
    for command in COMMANDS:
        assert f"## {command.name}" in page and f"usage: pretrained {command.name} " in page
    assert page.count("--cache-dir") >= len(COMMANDS) - 1  # options come from the parser itself


def test_catalogue_table_is_the_catalogue():
    from pretrained.remote.catalog import builtin_entries

    table = _generator().catalogue_table()
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    assert [row.split("`")[1] for row in rows] == [e.name for e in builtin_entries()]
    assert len(rows) == len(builtin_entries())


def test_readme_catalogue_matches_the_code(monkeypatch):
    """README.md's table is the catalogue's (run ``python docs/hooks/generate.py`` to refresh)."""
    monkeypatch.delenv("PRETRAINED_CATALOG", raising=False)
    gen = _generator()
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert gen.readme_with_catalogue(text) == text, "README.md's catalogue is stale: run python docs/hooks/generate.py"


def test_readme_check_notices_drift(tmp_path, monkeypatch):
    """The check fails when a row is missing (fault injection on a copy of the README)."""
    gen = _generator()
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    broken = "\n".join(line for line in text.splitlines() if "`fasttext.crawl.300d`" not in line) + "\n"
    assert broken != text
    assert gen.readme_with_catalogue(broken) != broken
    assert gen.readme_with_catalogue(broken) == gen.readme_with_catalogue(text)


@pytest.mark.parametrize(
    "page",
    [
        "guide/your-data.md",
        "guide/your-own.md",
        "guide/milvus.md",
        "guide/index-format.md",
        "benchmarks/speed.md",
        "architecture.md",
    ],
)
def test_nav_pages_exist(page):
    assert (ROOT / "docs" / page).is_file()


def test_readme_links_resolve():
    """Every relative link and picture of the README points at a file of the checkout."""
    import re

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = [t.split("#")[0] for t in re.findall(r"\]\(([^)\s]+)\)", text) if "://" not in t]
    assert targets, "no relative links found"
    missing = [t for t in targets if t and not (ROOT / t).exists()]
    assert not missing, f"README.md links to missing files: {missing}"


@pytest.mark.parametrize(
    "html, shown",
    [
        ("see :func:<code>pretrained.save</code>.", "see <code>pretrained.save</code>."),
        ("raises :class:<code>~pretrained.errors.OfflineError</code>", "raises <code>OfflineError</code>"),
        (":py:meth:<code>Vectors.index</code>", "<code>Vectors.index</code>"),
        ("a plain <code>:func:</code> stays", "a plain <code>:func:</code> stays"),
        ("ratio 1:2:<code>x</code>", "ratio 1:2:<code>x</code>"),
    ],
)
def test_sphinx_roles_become_code(html, shown):
    assert _generator().on_page_content(html, None, None, None) == shown
