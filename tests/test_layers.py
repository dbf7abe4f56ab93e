"""Layers import downward only: a module imports nothing from a layer above its own, and no cycles."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "tooling" / "issuepapers"

# Bottom to top. A module may import from its own layer or any layer below.
LAYERS = (
    {"<package>", "errors", "diagnostics", "fields", "fsutil", "assets", "forking"},  # vocabulary, findings, files
    {"load", "history", "render", "markdown_linear", "markdown_limits", "posts", "codeowners"},  # reading sources: YAML, git, Markdown → HTML
    {"markdown_reading", "registry", "model"},  # the model
    {"collection", "visibility", "query", "schema"},  # the collection and views of it
    {"rules"},  # pure functions of the model
    {"edit", "fix", "scaffold", "pdf"},  # outputs and edits
    {"workflow", "redline", "word"},  # history, redlines, publish, init: may print PDFs
    {"site"},  # the whole site: pages, PDFs, redlines
    {"cli", "__main__"},  # argument parsing only; nothing imports it
)
RANK = {unit: i for i, layer in enumerate(LAYERS) for unit in layer}


def _unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "<package>"


def _imports(path: Path, package: Path = PACKAGE) -> set[str]:
    rel = path.relative_to(package.parent).with_suffix("")
    parts = list(rel.parts)
    base = parts[:-1]  # the package a relative import starts from (a package's own for __init__.py)
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            anchor = base[:len(base) - (node.level - 1)]
            if node.module:
                out.add(".".join(anchor + node.module.split(".")))
            else:
                out |= {".".join(anchor + [a.name]) for a in node.names}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("issuepapers"):
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("issuepapers")}
    return out


def _graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package.parent).with_suffix("")
        module = ".".join(rel.parts[:-1] if path.name == "__init__.py" else rel.parts)
        graph[module] = _imports(path, package)
    return graph


def _upward(graph: dict[str, set[str]]) -> list[str]:
    out = []
    for module, targets in graph.items():
        for target in targets:
            if RANK.get(_unit(target), -1) > RANK.get(_unit(module), len(LAYERS)):
                out.append(f"{module} imports {target}")
    return sorted(out)


def test_every_unit_has_a_layer():
    units = {_unit(m) for m in _graph()}
    assert not units - set(RANK), f"put these in a layer of tests/test_layers.py: {sorted(units - set(RANK))}"


def test_imports_go_downward_only():
    upward = _upward(_graph())
    assert not upward, "\n".join(upward)


def test_no_import_cycles_between_units():
    edges: dict[str, set[str]] = {}
    for module, targets in _graph().items():
        for target in targets:
            a, b = _unit(module), _unit(target)
            if a != b and b in RANK:
                edges.setdefault(a, set()).add(b)
    seen, stack = set(), []

    def visit(node: str) -> None:
        if node in stack:
            raise AssertionError("import cycle: " + " -> ".join(stack[stack.index(node):] + [node]))
        if node in seen:
            return
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            visit(nxt)
        stack.pop()
        seen.add(node)

    for node in sorted(edges):
        visit(node)


def test_the_checker_catches_an_upward_import(tmp_path):
    """The checks above can fail: a rule importing the site, relatively or absolutely, is upward."""
    fake = tmp_path / "issuepapers"
    (fake / "rules").mkdir(parents=True)
    (fake / "site").mkdir()
    (fake / "__init__.py").write_text("")
    (fake / "site" / "__init__.py").write_text("")
    (fake / "rules" / "__init__.py").write_text("from . import bad\n")
    (fake / "rules" / "bad.py").write_text("from ..site import pages\nimport issuepapers.cli\n")
    assert _upward(_graph(fake)) == ["issuepapers.rules.bad imports issuepapers.cli",
                                     "issuepapers.rules.bad imports issuepapers.site"]
