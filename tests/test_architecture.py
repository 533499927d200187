"""The package's shape (issue 18): the module-level import graph of ``pretrained``, built with
``ast`` from top-level imports only (imports inside functions are the one deliberate upward layer,
e.g. ``Vectors.index()``), has no cycle, flows one way between layers, and no module imports
another module's private ``_name``."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "pretrained"

# Layer of each top-level part of the package; an import may go to the same layer's own package
# or to a lower layer (a higher number), never up.
LAYERS = {
    "__main__": 0,
    "cli": 0,
    "interop": 1,
    "index": 1,
    "evaluate": 1,
    "viz": 1,
    "loading": 1,
    "core": 2,
    "cache": 3,
    "formats": 3,
    "remote": 3,
    "errors": 4,
    "config": 4,
    "progress": 4,
    "threads": 4,
    "optional": 4,
}
# The exact allowed edges between parts: each part may import the parts listed (besides itself).
ALLOWED = {
    part: {other for other, lower in LAYERS.items() if lower > layer or (lower == layer and layer == 1)}
    for part, layer in LAYERS.items()
}
# Feature packages sit side by side and may use one another (evaluate through an index, viz
# through evaluate); core, cache/formats/remote and the base modules import nothing above them.
for part in ("cache", "formats", "remote"):
    ALLOWED[part] |= {"cache", "formats", "remote"}
ALLOWED["__main__"] |= {"cli"}
ALLOWED["errors"] = set()
ALLOWED["config"] = {"errors"}
ALLOWED["progress"] = {"errors", "config"}
ALLOWED["threads"] = {"errors", "config"}
ALLOWED["optional"] = {"errors", "config"}


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules():
    return {_module_name(p): p for p in ROOT.rglob("*.py")}


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _top_level_imports(name: str, path: Path):
    """(imported module, imported names) for every import at module level (also under ``if``/``try``,
    not inside functions or classes)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_pkg = path.name == "__init__.py"
    out = []

    def visit(body):
        for node in body:
            if isinstance(node, ast.Import):
                out.extend((a.name, ()) for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                mod = node.module or ""
                if node.level:
                    base = name.split(".") if is_pkg else name.split(".")[:-1]
                    base = base[: len(base) - node.level + 1]
                    mod = ".".join(base + ([mod] if mod else []))
                out.append((mod, tuple(a.name for a in node.names)))
            elif isinstance(node, ast.If) and _type_checking_only(node):
                visit(node.orelse)  # `if TYPE_CHECKING:` imports never run: annotations only
            elif isinstance(node, (ast.If, ast.Try)):
                visit(node.body)
                visit(getattr(node, "orelse", []))
                for h in getattr(node, "handlers", []):
                    visit(h.body)
                visit(getattr(node, "finalbody", []))

    visit(tree.body)
    return out


def _graph():
    mods = _modules()
    graph = {m: set() for m in mods}
    private = []
    for name, path in mods.items():
        for mod, names in _top_level_imports(name, path):
            if not mod.startswith("pretrained"):
                continue
            for n in names:
                if f"{mod}.{n}" in mods:
                    graph[name].add(f"{mod}.{n}")
                elif n.startswith("_") and not n.startswith("__"):
                    private.append(f"{name} imports {mod}.{n}")
            # ``from pretrained import config`` is an edge to the module ``config``, not to the package.
            if mod in mods and mod != name and not (names and all(f"{mod}.{n}" in mods for n in names)):
                graph[name].add(mod)
    return graph, private


def _part(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_no_import_cycle():
    graph, _ = _graph()
    # A package's __init__ re-exporting its own modules is not a cycle through them.
    edges = {m: {d for d in deps if not (m == d.rsplit(".", 1)[0] or d == "pretrained")} for m, deps in graph.items()}
    seen, stack, cycles = set(), [], []

    def dfs(node, on_path):
        seen.add(node)
        stack.append(node)
        on_path.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt in on_path:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in seen:
                dfs(nxt, on_path)
        stack.pop()
        on_path.discard(node)

    for node in sorted(edges):
        if node not in seen:
            dfs(node, set())
    assert cycles == [], "module-level import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_dependencies_flow_one_way():
    graph, _ = _graph()
    bad = []
    for module, deps in graph.items():
        src = _part(module)
        if src == "__init__":
            continue  # the public face re-exports from everywhere
        for dep in deps:
            dst = _part(dep)
            if dst != src and dst not in ALLOWED[src]:
                bad.append(f"{module} -> {dep}")
    assert bad == [], "imports against the layering:\n" + "\n".join(sorted(bad))


def test_no_private_names_imported_across_modules():
    _, private = _graph()
    assert private == [], "\n".join(private)


@pytest.mark.parametrize("part", sorted(LAYERS))
def test_every_part_has_a_layer(part):
    assert (ROOT / part).exists() or (ROOT / f"{part}.py").exists()
