"""Every rule id the code can put on a finding is listed by `issuepapers rules`.

The package's source is read (not imported), and every string literal used as
a rule id is collected: the `rule` argument of `Finding(...)`, of
`Source.finding(...)` and of any other function or class with a parameter
named `rule` (by position or keyword), the defaults of such parameters,
module constants passed there (`PDF_DIFFERS`), and ids printed by hand
(`warning[codeowners-stale]`). A new id that is not registered fails here.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

from conftest import run_cli

PACKAGE = Path(__file__).resolve().parents[1] / "tooling" / "issuepapers"
RULE_ID = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*\Z")
PRINTED = re.compile(r"\b(?:error|warning)\[([a-z][a-z0-9-]*)\]")


def _params(fn: ast.FunctionDef) -> list[str]:
    names = [a.arg for a in fn.args.posonlyargs + fn.args.args]
    return names[1:] if names[:1] in (["self"], ["cls"]) else names


def _rule_positions(trees) -> dict[str, set[int]]:
    """Callable name → positions of its `rule` argument (functions, methods, classes and dataclasses)."""
    found: dict[str, set[int]] = {"rule": {0}}  # the `@rule("id", ...)` decorator of rules/
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name != "__init__":
                names = _params(node)
            elif isinstance(node, ast.ClassDef):
                init = next((b for b in node.body if isinstance(b, ast.FunctionDef) and b.name == "__init__"), None)
                names = _params(init) if init else [b.target.id for b in node.body if isinstance(b, ast.AnnAssign)
                                                    and isinstance(b.target, ast.Name)]
            else:
                continue
            if "rule" in names:
                found.setdefault(node.name, set()).add(names.index("rule"))
    return found


def _strings(node, consts: dict[str, str]):
    """The string literals an argument can evaluate to (`out.rule or "pdf-render"`, a module constant)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.Name) and node.id in consts:
        yield consts[node.id]
    elif isinstance(node, ast.BoolOp):
        for value in node.values:
            yield from _strings(value, consts)
    elif isinstance(node, ast.IfExp):
        yield from _strings(node.body, consts)
        yield from _strings(node.orelse, consts)


def emitted_rule_ids(package: Path = PACKAGE) -> dict[str, set[str]]:
    """Rule id → where in the source it is used as one (`path:line`)."""
    trees = {p: ast.parse(p.read_text(encoding="utf-8")) for p in sorted(package.rglob("*.py"))}
    positions = _rule_positions(trees.values())
    found: dict[str, set[str]] = {}
    for path, tree in trees.items():
        consts = {t.id: n.value.value for n in tree.body if isinstance(n, ast.Assign)
                  and isinstance(n.value, ast.Constant) and isinstance(n.value.value, str)
                  for t in n.targets if isinstance(t, ast.Name)}
        docstrings = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr)}
        where = path.relative_to(package.parent).as_posix()
        for node in ast.walk(tree):
            args = []
            if isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
                args += [node.args[i] for i in positions.get(name, ()) if i < len(node.args)]
                args += [k.value for k in node.keywords if k.arg == "rule"]
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                params = node.args.posonlyargs + node.args.args
                defaults = zip(params[len(params) - len(node.args.defaults):], node.args.defaults)
                args += [d for a, d in defaults if a.arg == "rule"]
                args += [d for a, d in zip(node.args.kwonlyargs, node.args.kw_defaults)
                         if a.arg == "rule" and d is not None]
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                for m in PRINTED.finditer(node.value):
                    found.setdefault(m.group(1), set()).add(f"{where}:{node.lineno}")
            for arg in args:
                for value in _strings(arg, consts):
                    if RULE_ID.match(value):
                        found.setdefault(value, set()).add(f"{where}:{node.lineno}")
    return found


def test_the_scan_finds_ids_of_every_kind():
    """The scan itself: ids reported by the loader, the registry, the rules, pdf, publish, build and set."""
    found = emitted_rule_ids()
    for rule_id in ("yaml-tag", "registry-duplicate-id", "section-required", "pdf-render", "pdf-timeout",
                    "pdf-fetch-refused", "image-alt", "publish-dirty-tree", "publish-unchanged", "publish-edit",
                    "published-pdf-differs", "git-history", "set", "codeowners-stale"):
        assert rule_id in found, rule_id


def test_every_emitted_rule_id_is_listed():
    res = run_cli("rules", "--format", "json")
    assert res.returncode == 0, res.stderr
    listed = {r["id"] for r in json.loads(res.stdout)}
    missing = {rule_id: sorted(where) for rule_id, where in emitted_rule_ids().items() if rule_id not in listed}
    assert not missing, f"rule ids used in the code but not registered (add them to rules/commands.py): {missing}"


def test_command_rules_are_data_with_docs():
    """Command-time rules: a severity, a one-line statement and the commands that report them."""
    res = run_cli("rules", "--format", "json")
    rows = {r["id"]: r for r in json.loads(res.stdout)}
    for rule_id in ("pdf-render", "pdf-timeout", "pdf-fetch-refused", "publish-dirty-tree", "publish-edit",
                    "publish-unchanged", "published-pdf-differs", "git-history", "set"):
        row = rows[rule_id]
        assert row["applies_to"] == ["command"] and row["commands"] and "check" not in row["commands"], row
        assert row["severity"] in ("error", "warning") and row["doc"].endswith(".") and "\n" not in row["doc"]
    assert rows["unknown-key"]["commands"] == ["check"]
    assert set(rows["image-alt"]["commands"]) >= {"check", "pdf", "book"}


def test_an_unregistered_id_is_caught(tmp_path):
    """A module that reports a new id is found by the scan (so the listing test would fail)."""
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "diagnostics.py").write_text("class Finding:\n    def __init__(self, path, line, column, severity, "
                                        "rule, message, hint=None): ...\n")
    (pkg / "thing.py").write_text('NEW = "brand-new-rule"\n'
                                  "def go(out):\n"
                                  '    return [Finding("a.md", 1, 1, "error", out.rule or NEW, "m"),\n'
                                  '            Finding("a.md", 1, 1, "error", rule="another-new-rule", message="m")]\n'
                                  'print(f"x.md:1:1: error[printed-rule] {1}")\n')
    assert set(emitted_rule_ids(pkg)) == {"brand-new-rule", "another-new-rule", "printed-rule"}
