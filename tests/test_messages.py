"""Messages a committee member who is not a programmer can act on: plain words, the place, the fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES, copy_sample
from issuepapers.collection import load_collection
from issuepapers.edit import apply
from issuepapers.load import parse
from issuepapers.model import Paper
from issuepapers.rules import check_collection

P = "papers/cross-border-recognition/2024-06.md"
FRONT = {
    "subcommittee": "secure-trade-lanes",
    "working_group": "cross-border-recognition",
    "meeting": "2024-06",
    "status": "draft",
    "action_required": "informational",
}
BODY = "## Background\n\nText.\n\n## Current Status\n\nText.\n"


def paper(**changes) -> str:
    lines = []
    for key, value in {**FRONT, **changes}.items():
        if value is not None:
            lines.append(value if key.startswith("raw") else f"{key}: {value}")
    return "---\n" + "\n".join(lines) + "\n---\n\n" + BODY


def yaml_finding(text: str):
    found = [f for f in parse(P, text.encode()).findings if f.rule == "yaml-syntax"]
    assert len(found) == 1, found
    return found[0]


# YAML mistakes ------------------------------------------------------------------------------------


def test_tab_says_use_spaces():
    f = yaml_finding(paper(next_meeting="", raw1="\tdate: 2024-06-20"))
    assert (f.line, f.column) == (8, 1)
    assert "tab" in f.message and "cannot start any token" not in f.message
    assert "use spaces, not tabs" in f.hint


def test_colon_in_title_says_quote_it():
    f = yaml_finding(paper(title="Trade Partnership: June update"))
    assert f.line == 7 and "mapping values" not in f.message
    assert "put the title in quotes because it contains ': '" in f.hint
    assert 'title: "Trade Partnership: June update"' in f.hint


def test_missing_space_after_colon():
    f = yaml_finding(paper(status=None, raw1="status:final"))
    assert (f.line, f.column) == (6, 7), f
    assert "could not find expected" not in f.message
    assert "add a space after the colon" in f.hint and "`status: final`" in f.hint


# Names where ids go, folders, nested keys -------------------------------------------------------------


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    return copy_sample(tmp_path_factory.mktemp("sample"))


def check(root: Path, text: str, target: str = P):
    dest = root / target
    assert not dest.exists()
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(text, encoding="utf-8")
    try:
        return check_collection(load_collection(root), {target})
    finally:
        dest.unlink()


def test_names_get_their_ids(sample):
    found = check(sample, paper(subcommittee="Secure Trade Lanes"))
    hit = next(f for f in found if f.line == 2)
    assert "`subcommittee: secure-trade-lanes`" in hit.hint
    found = check(sample, paper(working_group="Cross-Border Recognition Working Group"))
    hit = next(f for f in found if f.line == 3)
    assert "`working_group: cross-border-recognition`" in hit.hint
    found = check(sample, paper(meeting="June 2024"))
    hit = next(f for f in found if f.rule == "registry-unknown-meeting")
    assert "`meeting: 2024-06`" in hit.hint


def test_a_typo_in_working_group_is_not_a_move(sample):
    found = check(sample, paper(working_group="cross-border-recognitions"))
    assert [f.rule for f in found if f.severity == "error"] == ["registry-unknown-working-group"]
    assert found[0].hint == "did you mean 'cross-border-recognition'?"


def test_folder_mismatch_proposes_the_folders_group_first(sample):
    found = check(sample, paper(meeting="2024-03"), "papers/forced-labor/2024-03.md")
    hit = next(f for f in found if f.rule == "path-convention")
    assert hit.line == 3
    assert hit.hint.startswith("if this is a paper of the Forced Labor Working Group, set `working_group: forced-labor`")
    assert "`subcommittee: intelligent-enforcement`" in hit.hint
    assert hit.hint.index("set `working_group") < hit.hint.index("git mv")


def test_nested_keys_are_named_in_full_with_an_example(sample):
    found = check(sample, paper(raw1="next_meeting:\n  date: 2024-06-20\n  time: 10am"))
    hit = next(f for f in found if f.rule == "field-type")
    assert hit.message.startswith("`next_meeting.time`:") and hit.line == 9
    assert '`time: "10:00"`' in hit.hint
    found = check(sample, paper(raw1="next_meeting:\n  date: June 20, 2024"))
    hit = next(f for f in found if f.rule == "field-type")
    assert hit.message.startswith("`next_meeting.date`:") and "2024-03-15" in hit.hint


def test_invisible_characters_are_named_once(sample):
    found = check(sample, paper(status="final\u00a0", working_group="cross\u2011border-recognition"))
    rules = sorted(f.rule for f in found if f.rule in ("invisible-character", "invalid-value", "field-type"))
    assert rules == ["invisible-character", "invisible-character"]
    names = " ".join(f.message for f in found)
    assert "U+00A0 NO-BREAK SPACE" in names and "U+2011 NON-BREAKING HYPHEN" in names
    assert any("`cross-border-recognition`" in (f.hint or "") for f in found)


# set writes lists ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("given", ["[a,b]", "[a, b]", "a,b", "['a', \"b\"]"])
def test_set_tags_writes_a_yaml_list(given):
    out = apply(paper().encode(), [("tags", given)], Paper.FIELDS).decode()
    assert "tags:\n  - a\n  - b\n" in out or "tags:\n- a\n- b\n" in out
    assert parse(P, out.encode()).data["tags"] == ["a", "b"]


# length ----------------------------------------------------------------------------------------------


def test_max_pages_is_the_committees_setting(tmp_path):
    root = copy_sample(tmp_path / "repo")
    long_paper = (FIXTURES / "bad" / "paper-too-long.md").read_text(encoding="utf-8")
    assert any(f.rule == "paper-too-long" and "fit on 2" in f.message for f in check(root, long_paper))
    registry = root / "committee.yml"
    registry.write_text(registry.read_text().replace("  current_term: 17\n", "  current_term: 17\n  max_pages: 20\n"))
    assert not [f for f in check(root, long_paper) if f.rule == "paper-too-long"]
    registry.write_text(registry.read_text().replace("max_pages: 20", "max_pages: 0"))
    coll = load_collection(root)
    assert any(f.rule == "registry-invalid" and "max_pages" in f.message for f in coll.registry.findings)


def test_real_length_papers_pass(sample):
    # The sample's papers, like the real ones, print on one or two pages.
    assert "paper-too-long" not in {f.rule for f in check_collection(load_collection(sample))}
