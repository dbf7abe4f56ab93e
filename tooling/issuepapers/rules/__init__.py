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
from typing import Callable

from ..diagnostics import Finding, sort_key
from ..forking import fork_map
from ..load import LOAD_RULES
from ..markdown_limits import MAX_BLOCK
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
from . import body, dates, fields, fonts, git, links, paste, paths, references  # noqa: E402,F401

for _id, _commands in ALSO_REPORTED_BY.items():
    RULES[_id] = replace(RULES[_id], commands=RULES[_id].commands + _commands)


def _rules_for(kind: str) -> list[Rule]:
    return [r for r in RULES.values() if r.fn is not None and kind in r.kinds]


_BY_KIND = {kind: _rules_for(kind) for kind in ("paper", "recommendation", "collection")}


# Inputs a rule reads, as data, so `check` skips the call when a document has none of them (the rule
# would find nothing): front-matter keys (any of them present), or a condition of `CONDITIONS` (below).
IMAGES = "images"
PASTED = "pasted"
NON_ASCII = "non-ascii-front-matter"
LONG = "long-body"
BLOCK_SIZED = "body-of-a-block's-limit"  # long enough to hold a block over MAX_BLOCK
NEEDS: dict[str, tuple[str, ...]] = {
    "supersedes-missing": ("supersedes",),
    "supersedes-recommendation-missing": ("supersedes",),
    "recommendation-missing": ("recommendations",),
    "paper-missing": ("papers",),
    "next-meeting-before-date": ("next_meeting",),
    "date-after-meeting": ("date",),
    "date-too-early": ("date",),
    "response-before-vote": ("agency_response_date",),
    "placeholder-title": ("title",),
    "registry-unknown-meeting": ("meeting",),
    "meeting-term-mismatch": ("meeting",),
    "registry-unknown-subcommittee": ("subcommittee",),
    "registry-unknown-working-group": ("working_group",),
    "working-group-inactive": ("working_group",),
    "path-convention": ("working_group",),
    "image-alt": (IMAGES,),
    "image-missing": (IMAGES,),
    "pasted-bullet": (PASTED,),
    "list-item-merged": (PASTED,),
    "list-indent": (PASTED,),
    "body-tab": (PASTED,),
    "invisible-character": (NON_ASCII,),
    "paper-too-long": (LONG,),
    "body-too-large": (BLOCK_SIZED,),
    "block-too-long": (BLOCK_SIZED,),
}
# Conditions a document must meet for a rule to find anything, each computed once per document.
CONDITIONS: dict[str, Callable[[Document], bool]] = {
    IMAGES: lambda doc: bool(doc.reading.images),
    PASTED: lambda doc: paste.suspect(doc.source.body),
    NON_ASCII: lambda doc: not (doc.source.yaml_text or "").isascii(),
    LONG: paste.maybe_long,
    BLOCK_SIZED: lambda doc: len(doc.source.body) > MAX_BLOCK,
}


# Rules about a paper's outline, which find nothing in a standard one: no level-1 heading, and level-2
# sections that are standard ones, in order, the required ones among them.
OUTLINE_RULES = frozenset({"section-required", "section-order", "section-extra", "heading-level"})


def _standard_outlines() -> frozenset[tuple[str, ...]]:
    from itertools import compress, product

    from ..fields import SECTIONS

    titles = [t for t, _ in SECTIONS]
    return frozenset(tuple(compress(titles, keep)) for keep in product((0, 1), repeat=len(titles))
                     if all(k or not required for k, (_, required) in zip(keep, SECTIONS)))


_STANDARD_OUTLINES = _standard_outlines()


def _standard_outline(doc: Document) -> bool:
    reading = doc.reading
    return (tuple([s.title for s in reading.h2]) in _STANDARD_OUTLINES
            and not any(s.level == 1 for s in reading.sections))


def _plan(kind: str) -> list[tuple]:
    """(fn, severity, id, keys it needs or None, the condition it needs or None, whether a standard
    outline makes it find nothing) of each rule of a document kind."""
    plan = []
    for r in _BY_KIND[kind]:
        needs = NEEDS.get(r.id, ())
        keys = frozenset(k for k in needs if k not in CONDITIONS) or None
        condition = next((k for k in needs if k in CONDITIONS), None)
        plan.append((r.fn, r.severity, r.id, keys, condition, r.id in OUTLINE_RULES))
    return plan


_PLANS = {kind: _plan(kind) for kind in ("paper", "recommendation")}


def _document_findings(doc: Document, coll: Collection) -> list[Finding]:
    out: list[Finding] = []
    path, data, met, standard = doc.path, doc.source.data, {}, None
    append = out.append
    for fn, severity, rule_id, keys, condition, outline in _PLANS[doc.KIND]:
        if keys is not None and data is not None and keys.isdisjoint(data):
            continue  # none of its inputs: it would find nothing
        if condition is not None:
            ok = met.get(condition)
            if ok is None:
                ok = met[condition] = CONDITIONS[condition](doc)
            if not ok:
                continue
        if outline:
            if standard is None:
                standard = _standard_outline(doc)
            if standard:
                continue
        for pos, message, hint in fn(doc, coll):
            append(Finding(path, pos[0], pos[1], severity, rule_id, message, hint))
    return out


def check_collection(coll: Collection, only: set[str] | None = None, jobs: int = 1) -> list[Finding]:
    """Every finding of every document (or of the paths in `only`), sorted; document rules shared over
    `jobs` forked processes when there are many documents (only for a single-threaded caller: the CLI)."""
    if any(p.status == "published" and (only is None or p.path in only) for p in coll.papers):
        from ..history.repository import prepare_checks

        prepare_checks(coll, only)  # the git facts rules judge, read before them: no rule starts git
    # As in loading: rules allocate little that lives, so the cyclic GC would only rescan the collection.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _check(coll, only, jobs)
    finally:
        if enabled:
            gc.enable()


def _check(coll: Collection, only: set[str] | None, jobs: int = 1) -> list[Finding]:
    out: list[Finding] = []
    wanted = (lambda p: True) if only is None else (lambda p: p in only)
    if wanted(coll.registry.path):
        out.extend(coll.registry.findings)
    for src in coll.broken:
        if wanted(src.path):
            out.extend(src.findings)
    docs = [doc for doc in coll.documents() if wanted(doc.path)]

    def documents_findings(part) -> list[Finding]:
        found: list[Finding] = []
        for doc in part:
            found.extend(doc.source.findings)
            found.extend(_document_findings(doc, coll))
        return found

    out.extend(fork_map(documents_findings, docs, jobs))
    for r in _BY_KIND["collection"]:
        for path, pos, message, hint in (r.fn(coll, only=only) if r.scoped else r.fn(coll)):
            if wanted(path):
                out.append(Finding(path, pos[0], pos[1], r.severity, r.id, message, hint))
    return sorted(set(out), key=sort_key)
