"""The lean core: loading, converting and querying work with none of the extras installed; each
feature whose library is missing says in one line which extra to install (and that extra exists);
every optional import goes through :mod:`pretrained.optional`."""

from __future__ import annotations

import ast
import gzip
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import tomllib

import pretrained
from pretrained import optional
from pretrained.errors import MissingDependencyError

ROOT = Path(__file__).resolve().parent.parent
OPTIONAL_TOPS = (
    "gensim",
    "annoy",
    "hnswlib",
    "isal",
    "scipy",
    "sklearn",
    "umap",
    "matplotlib",
    "torch",
    "tensorflow",
    "keras",
)


def _extras() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]


def _block(monkeypatch, top: str) -> None:
    """As if ``top`` were not installed, even when it (or a submodule) was imported before."""
    for name in [m for m in list(sys.modules) if m == top or m.startswith(top + ".")] + [top]:
        monkeypatch.setitem(sys.modules, name, None)


def _pairs_file(tmp_path):
    path = tmp_path / "pairs.tsv"
    path.write_text("man\twoman\t5.0\nking\tqueen\t6.0\napple\tpear\t7.5\ncar\ttruck\t8.0\n", encoding="utf-8")
    return path


# (what is missing, the call that needs it, the extra its error must name)
CALLS = [
    ("annoy", lambda v, tmp: pretrained.build_index(v, tmp / "i.ann", backend="annoy"), "annoy"),
    ("hnswlib", lambda v, tmp: pretrained.build_index(v, tmp / "i.hnsw", backend="hnsw"), "hnsw"),
    ("gensim", lambda v, tmp: pretrained.train([["a", "b", "c"]] * 20, None, min_count=1, dim=4), "gensim"),
    ("gensim", lambda v, tmp: v.to_gensim(), "gensim"),
    ("gensim", lambda v, tmp: pretrained.evaluate_pairs(v, "wordsim353"), "evaluate"),
    ("scipy", lambda v, tmp: pretrained.evaluate_pairs(v, _pairs_file(tmp)), "evaluate"),
    ("sklearn", lambda v, tmp: pretrained.explore(v, list(v.words), method="tsne", path=tmp / "m.html"), "explore"),
    ("umap", lambda v, tmp: pretrained.explore(v, list(v.words), method="umap", path=tmp / "m.html"), "umap"),
    ("matplotlib", lambda v, tmp: pretrained.save_map(v, ["king", "queen"], tmp / "m.png"), "plot"),
    ("torch", lambda v, tmp: pretrained.torch_embedding(np.zeros((3, 2), dtype=np.float32)), "torch"),
    ("keras", lambda v, tmp: pretrained.keras_embedding(np.zeros((3, 2), dtype=np.float32)), "keras"),
]


@pytest.mark.parametrize("missing,call,extra", CALLS, ids=[f"{m}-{i}" for i, (m, _, _) in enumerate(CALLS)])
def test_a_missing_extra_is_named_in_one_line(missing, call, extra, toy_vectors, tmp_path, monkeypatch):
    _block(monkeypatch, missing)
    with pytest.raises(MissingDependencyError) as info:
        call(toy_vectors, tmp_path)
    text = str(info.value)
    assert "\n" not in text and f"pip install 'pretrained[{extra}]'" in text
    assert isinstance(info.value, ImportError) and info.value.extra == extra
    assert extra in _extras(), f"the error names an extra pyproject.toml does not define: {extra}"


def test_every_extra_the_table_names_exists():
    extras = _extras()
    assert set(optional.EXTRAS.values()) <= set(extras)
    for top, extra in optional.EXTRAS.items():
        assert extras[extra], (top, extra)


def test_isal_missing_falls_back_to_gzip(tmp_path, monkeypatch):
    words = ["alpha", "beta", "gamma"]
    rows = np.arange(6, dtype=np.float32).reshape(3, 2) / 7
    text = "3 2\n" + "".join(f"{w} {' '.join(repr(float(x)) for x in r)}\n" for w, r in zip(words, rows))
    path = tmp_path / "v.txt.gz"
    path.write_bytes(gzip.compress(text.encode()))
    with_isal = pretrained.load(path, cache_dir=tmp_path / "a")
    _block(monkeypatch, "isal")
    without = pretrained.load(path, cache_dir=tmp_path / "b")
    assert without.words == with_isal.words == words
    np.testing.assert_array_equal(np.asarray(without.vectors), np.asarray(with_isal.vectors))


def _imports(tree: ast.AST):
    """(line, module) of every import statement outside ``if TYPE_CHECKING:`` blocks."""
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for n in ast.walk(node))
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            yield from ((node.lineno, a.name) for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module


def test_every_optional_import_goes_through_the_helper():
    found = []
    for path in sorted((ROOT / "pretrained").rglob("*.py")):
        if path.name == "optional.py":
            continue
        for line, module in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            if module.partition(".")[0] in OPTIONAL_TOPS:
                found.append(f"{path.relative_to(ROOT)}:{line}: import {module}")
    assert found == []


_CORE_ONLY = """
import importlib.abc, sys
BLOCKED = {blocked!r}
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {{name!r}} (blocked)", name=name)
        return None
sys.meta_path.insert(0, Block())

import pretrained
from pretrained.cli import main
src = sys.argv[1]
pretrained.convert(src)
v = pretrained.load(src)
assert v.most_similar("king", topn=1)[0][0] == "man", v.most_similar("king")
assert v.analogy("man", "king", "woman")[0][0] == "queen"
assert pretrained.embedding_matrix(v, ["king", "nope"]).shape == (2, 3)
assert main(["neighbours", src, "king", "-n", "2", "--json"]) == 0
assert main(["build-index", src]) == 1  # the index needs an extra: one line, not a traceback
print("loaded:", sorted(m for m in BLOCKED if m in sys.modules))
"""


def test_load_convert_and_query_with_the_core_alone(tmp_path):
    words = ["man", "woman", "king", "queen", "apple", "pear"]
    rows = [[1, 0, 0.1], [1, 1, 0.1], [3, 0, 0.2], [3, 1, 0.2], [0, 0.2, 3], [0.1, 0.3, 3]]
    src = tmp_path / "toy.vec.gz"
    src.write_bytes(
        gzip.compress(("6 3\n" + "".join(f"{w} {' '.join(map(str, r))}\n" for w, r in zip(words, rows))).encode())
    )
    env = {
        "PYTHONPATH": str(ROOT),
        "PRETRAINED_CACHE": str(tmp_path / "cache"),
        "PATH": "/usr/bin:/bin",
        "PRETRAINED_PROGRESS": "0",
    }
    done = subprocess.run(
        [sys.executable, "-c", _CORE_ONLY.format(blocked=OPTIONAL_TOPS), str(src)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "loaded: []"
    assert "pip install 'pretrained[annoy]'" in done.stderr and "Traceback" not in done.stderr


def test_require_keeps_a_blocked_package_missing_after_a_submodule_was_imported(monkeypatch):
    import json.decoder  # noqa: F401  (a submodule already in sys.modules)

    monkeypatch.setitem(sys.modules, "json", None)
    with pytest.raises(MissingDependencyError, match=r"pretrained\[fast\]"):
        optional.require("json.decoder", "fast")
    assert optional.speedup("json") is None
