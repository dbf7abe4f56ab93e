"""`check` skips a rule when the document lacks what the rule reads (`rules.NEEDS`): skipping is never seen.

Every bad and good fixture is checked twice, once as `check` does and once calling every rule of its kind:
the findings are the same.
"""

from __future__ import annotations

import shutil

import pytest

from conftest import FIXTURES, copy_sample
from issuepapers.collection import load_collection
from issuepapers.diagnostics import Finding
from issuepapers.rules import _BY_KIND, CONDITIONS, NEEDS, RULES, _document_findings

P = "papers/cross-border-recognition/2024-06.md"
R = "recommendations/17/17-050.md"
DOCS = sorted((FIXTURES / "bad").glob("*.md")) + sorted((FIXTURES / "good").glob("*.md"))


def every_rule(doc, coll) -> list[Finding]:
    out = []
    for r in _BY_KIND[doc.KIND]:
        for pos, message, hint in r.fn(doc, coll):
            out.append(Finding(doc.path, pos[0], pos[1], r.severity, r.id, message, hint))
    return out


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return copy_sample(tmp_path_factory.mktemp("dispatch") / "repo")


@pytest.mark.parametrize("fixture", DOCS, ids=lambda p: p.name)
def test_skipping_a_rule_never_loses_a_finding(sample, tmp_path, fixture):
    root = tmp_path / "repo"
    shutil.copytree(sample, root)
    text = fixture.read_text(encoding="utf-8", errors="replace")
    target = R if "\nterm:" in text or text.startswith("---\nid:") else P
    shutil.copy(fixture, root / target)
    coll = load_collection(root)
    for doc in coll.documents():
        assert sorted(_document_findings(doc, coll), key=str) == sorted(every_rule(doc, coll), key=str), doc.path


def test_needs_name_rules_and_conditions_that_exist():
    for rule_id, needs in NEEDS.items():
        assert rule_id in RULES, rule_id
        assert sum(n in CONDITIONS for n in needs) <= 1, rule_id  # one condition a rule, at most
