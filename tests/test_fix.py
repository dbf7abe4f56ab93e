"""`issuepapers fix`: pasted-Word and plain-text mistakes repaired in place, every other byte kept."""

from __future__ import annotations

import hashlib

import pytest
from conftest import copy_sample, run_cli
from issuepapers.collection import load_collection
from issuepapers.fix import fix_bytes
from issuepapers.model import Paper
from issuepapers.render import render_markdown
from issuepapers.rules import check_collection
from issuepapers.rules.paste import analyse

PASTE_RULES = {"pasted-bullet", "list-item-merged", "list-indent", "body-tab", "invisible-character"}
P = "papers/forced-labor/2024-06.md"

HEAD = ("---\nsubcommittee: intelligent-enforcement\nworking_group: forced-labor\nmeeting: 2024-06\n"
        "status: draft\u00a0\naction_required: informational  # as agreed\n---\n\n## Background\n\nText.\n\n"
        "## Current Status\n\n")

PASTED = HEAD + (
    "The group discussed:\n"
    "•\tland port infrastructure\n"
    "•\tjoint inspections\n"
    "o\trail crossings\n"
    "o\tbusiness resumption\n"
    "•\tdata exchange\n"
    "Members agreed to:\n"
    "a. collect examples\n"
    "b. draft a reference list\n"
    "\n"
    "1. First step\n"
    "a. its first part\n"
    "b. its second part\n"
    "2. Second step\n"
    "\n"
    "- Meetings continue.\n"
    "  - The next is in July.\n"
    "  - Then September.\n"
    "\n"
    "Closing text.\n"
    "\n"
    "\tA paragraph indented with a tab.\n"
)

FIXED = HEAD.replace("draft\u00a0", "draft") + (
    "The group discussed:\n"
    "\n"
    "- land port infrastructure\n"
    "- joint inspections\n"
    "    - rail crossings\n"
    "    - business resumption\n"
    "- data exchange\n"
    "\n"
    "Members agreed to:\n"
    "\n"
    "a. collect examples\n"
    "\n"
    "b. draft a reference list\n"
    "\n"
    "1. First step\n"
    "    - a. its first part\n"
    "    - b. its second part\n"
    "2. Second step\n"
    "\n"
    "- Meetings continue.\n"
    "    - The next is in July.\n"
    "    - Then September.\n"
    "\n"
    "Closing text.\n"
    "\n"
    "A paragraph indented with a tab.\n"
)


def test_fix_makes_lists_and_keeps_the_rest():
    new, changes = fix_bytes(PASTED.encode(), Paper)
    assert new.decode() == FIXED
    assert {c.rule for c in changes} == PASTE_RULES
    assert [c.line for c in changes] == sorted(c.line for c in changes)
    assert changes[0].line == 5 and changes[0].rule == "invisible-character"
    html = render_markdown(new.decode().split("---\n", 2)[2])
    assert "<li>land port infrastructure<ul>" not in html and "<li>joint inspections<ul>" in html
    assert "<li>a. its first part</li>" in html and "<pre>" not in html
    assert "<p>a. collect examples</p>" in html


def test_fix_is_idempotent_and_check_is_then_quiet():
    once = fix_bytes(PASTED.encode(), Paper)[0]
    twice, changes = fix_bytes(once, Paper)
    assert twice == once and changes == []
    assert analyse(once.decode().split("---\n", 2)[2]) == []


def test_fix_keeps_crlf_bom_and_every_untouched_byte():
    raw = b"\xef\xbb\xbf" + PASTED.replace("\n", "\r\n").encode()
    new = fix_bytes(raw, Paper)[0]
    assert new.startswith(b"\xef\xbb\xbf") and b"\r\n" in new and b"\n" not in new.replace(b"\r\n", b"")
    assert new[3:].decode().replace("\r\n", "\n") == FIXED
    assert b"action_required: informational  # as agreed\r\n" in new  # comments and spacing kept


def test_clean_documents_are_untouched():
    good = HEAD.replace("draft\u00a0", "draft") + "- one\n- two\n    - nested\n\n1. a\n2. b\n"
    assert fix_bytes(good.encode(), Paper) == (good.encode(), [])
    # A wrapped sentence starting with a year, a lone bullet line, a code fence: not list mistakes.
    prose = HEAD.replace("draft\u00a0", "draft") + ("It was published in\n2024. It said a lot.\n\n• alone\n\n"
                                                    "```\n• in a fence\n• two\n```\n")
    assert fix_bytes(prose.encode(), Paper) == (prose.encode(), [])


@pytest.fixture
def sample(tmp_path):
    return copy_sample(tmp_path / "repo")


def _digest(root):
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*.md"))}


def test_cli_fix_check_then_fix(sample):
    before = _digest(sample)
    assert run_cli("fix", "--check", cwd=sample).returncode == 0  # the sample needs nothing
    assert run_cli("fix", cwd=sample).returncode == 0 and _digest(sample) == before
    (sample / P).write_text(PASTED, encoding="utf-8")
    found = [f for f in check_collection(load_collection(sample), {P}) if f.rule in PASTE_RULES]
    assert {f.rule for f in found} == PASTE_RULES

    res = run_cli("fix", "--check", cwd=sample)
    assert res.returncode == 1 and (sample / P).read_text(encoding="utf-8") == PASTED
    assert f"{P}:5: would fix[invisible-character]" in res.stdout

    res = run_cli("fix", "papers", cwd=sample)
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert f"{P}:5: fixed[invisible-character] `status`: replaced invisible or typographic characters" in lines
    assert any(line.startswith(f"{P}:16: fixed[pasted-bullet]") for line in lines)
    assert (sample / P).read_text(encoding="utf-8") == FIXED
    assert not [f for f in check_collection(load_collection(sample), {P}) if f.rule in PASTE_RULES]
    res = run_cli("fix", "--check", P, cwd=sample)
    assert res.returncode == 0 and res.stdout == ""


def test_cli_fix_refuses_files_outside_the_documents(sample, tmp_path):
    outside = tmp_path / "elsewhere.md"
    outside.write_text(PASTED, encoding="utf-8")
    res = run_cli("fix", str(outside), cwd=sample)
    assert res.returncode == 2 and outside.read_text(encoding="utf-8") == PASTED
    res = run_cli("fix", "committee.yml", cwd=sample)
    assert res.returncode == 2 and "Traceback" not in res.stderr
