"""Rules: small functions, each with a stable id, a severity and a one-line docstring.

A document rule is `fn(doc, coll)` and yields `(position, message, hint)`;
a collection rule is `fn(coll)` and yields `(path, position, message, hint)`;
one that takes `only` (`fn(coll, only=None)`) may skip the documents outside
it, whose findings would be dropped anyway (`check PATH` in a pre-commit hook).
Reading the docstrings is reading the specification (`issuepapers rules`).
`issuepapers rules` also lists, from data, the ids the loader and the registry
report and those other commands report (`commands.COMMAND_RULES`: rendering,
publishing, building, editing), so every id a finding can carry is listed.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass, replace
from typing import Callable, Iterable

from ..diagnostics import Finding, sort_key
from ..load import LOAD_RULES
from ..model import Collection, Document
from ..registry import REGISTRY_RULES
from .commands import ALSO_REPORTED_BY, COMMAND_RULES


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    doc: str
    kinds: tuple[str, ...]  # "paper", "recommendation", "collection", "load", "registry", "command"
    fn: Callable | None = None
    commands: tuple[str, ...] = ("check",)  # the commands that report it
    scoped: bool = False  # a collection rule that takes `only`, the paths being checked


RULES: dict[str, Rule] = {}


def rule(rule_id: str, severity: str, kinds: tuple[str, ...] = ("paper", "recommendation")):
    """Register a rule; its docstring's first line is the rule's statement."""

    def deco(fn):
        if rule_id in RULES:
            raise ValueError(f"duplicate rule id {rule_id}")
        doc = (fn.__doc__ or "").strip().splitlines()[0]
        code = fn.__code__
        scoped = "only" in code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]
        RULES[rule_id] = Rule(rule_id, severity, doc, kinds, fn, scoped=scoped)
        return fn

    return deco


for _id, (_sev, _doc) in LOAD_RULES.items():
    RULES[_id] = Rule(_id, _sev, _doc, ("load",))
for _id, (_sev, _doc) in REGISTRY_RULES.items():
    RULES[_id] = Rule(_id, _sev, _doc, ("registry",))
for _id, (_sev, _doc, _commands) in COMMAND_RULES.items():
    RULES[_id] = Rule(_id, _sev, _doc, ("command",), commands=_commands)

# Importing the families registers their rules.
from . import body, dates, fields, fonts, git, links, paths, references  # noqa: E402,F401

for _id, _commands in ALSO_REPORTED_BY.items():
    RULES[_id] = replace(RULES[_id], commands=RULES[_id].commands + _commands)


def _rules_for(kind: str) -> list[Rule]:
    return [r for r in RULES.values() if r.fn is not None and kind in r.kinds]


_BY_KIND = {kind: _rules_for(kind) for kind in ("paper", "recommendation", "collection")}


def _document_findings(doc: Document, coll: Collection) -> Iterable[Finding]:
    for r in _BY_KIND[doc.KIND]:
        for pos, message, hint in r.fn(doc, coll):
            yield Finding(doc.path, pos[0], pos[1], r.severity, r.id, message, hint)


def check_collection(coll: Collection, only: set[str] | None = None) -> list[Finding]:
    """Every finding of every document (or of the paths in `only`), sorted."""
    if any(p.status == "published" and (only is None or p.path in only) for p in coll.papers):
        from ..history.repository import prepare_checks

        prepare_checks(coll, only)  # the git facts rules judge, read before them: no rule starts git
    # As in loading: rules allocate little that lives, so the cyclic GC would only rescan the collection.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _check(coll, only)
    finally:
        if enabled:
            gc.enable()


def _check(coll: Collection, only: set[str] | None) -> list[Finding]:
    out: list[Finding] = []
    wanted = (lambda p: True) if only is None else (lambda p: p in only)
    if wanted(coll.registry.path):
        out.extend(coll.registry.findings)
    for src in coll.broken:
        if wanted(src.path):
            out.extend(src.findings)
    for doc in coll.documents():
        if wanted(doc.path):
            out.extend(doc.source.findings)
            out.extend(_document_findings(doc, coll))
    for r in _BY_KIND["collection"]:
        for path, pos, message, hint in (r.fn(coll, only=only) if r.scoped else r.fn(coll)):
            if wanted(path):
                out.append(Finding(path, pos[0], pos[1], r.severity, r.id, message, hint))
    return sorted(set(out), key=sort_key)
