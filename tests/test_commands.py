"""`set`, `new`, `list` and `schema` through the real console script."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import REPO, copy_sample, run_cli
from issuepapers.collection import load_collection
from issuepapers.rules import check_collection

PAPER = "papers/cross-border-recognition/2024-03.md"


@pytest.fixture
def repo(tmp_path) -> Path:
    return copy_sample(tmp_path / "repo")


def test_set_changes_only_the_edited_lines(repo):
    path = repo / PAPER
    before = path.read_bytes()
    res = run_cli("set", PAPER, "status=final", "next_meeting.date=2024-02-08", cwd=repo)
    assert res.returncode == 0, res.stderr
    after = path.read_bytes()
    old_lines, new_lines = before.split(b"\n"), after.split(b"\n")
    assert len(old_lines) == len(new_lines)
    changed = [(a, b) for a, b in zip(old_lines, new_lines) if a != b]
    assert changed == [(b"status: published", b"status: final"), (b"  date: 2024-01-25", b"  date: 2024-02-08")]


def test_set_keeps_comments_quotes_crlf_bom_and_body_bytes(repo):
    path = repo / "papers/forced-labor/2024-06.md"
    text = path.read_text()
    head, _, body = text.partition("\n---\n")
    head = head.replace("status: draft", "status: draft  # until the co-leads sign")
    head = head.replace("  - supply-chain-tracing", "  - 'uflpa'")
    head += '\ntitle: "Forced Labor Working Group"\n# a comment line'
    body_bytes = ("\n" + body).replace("\n", "\r\n").encode() + b"trailing \t spaces \r\n\r\n"
    raw = b"\xef\xbb\xbf" + (head + "\n---").replace("\n", "\r\n").encode() + body_bytes
    path.write_bytes(raw)
    res = run_cli("set", str(path), "title=Forced Labor", "action_required=decision", cwd=repo)
    assert res.returncode == 0, res.stderr
    out = path.read_bytes()
    assert out.startswith(b"\xef\xbb\xbf---\r\n")
    assert out.endswith(body_bytes)
    assert b"\n" not in out.replace(b"\r\n", b"")
    assert b"status: draft  # until the co-leads sign\r\n" in out
    assert b'title: "Forced Labor"\r\n' in out  # quoting kept
    assert b"# a comment line\r\n" in out and b"  - 'uflpa'\r\n" in out
    assert b"action_required: decision\r\n" in out
    expected = raw.replace(b'"Forced Labor Working Group"', b'"Forced Labor"').replace(
        b"action_required: informational", b"action_required: decision")
    assert out == expected


def test_set_is_byte_identical_when_nothing_changes(repo):
    for doc in sorted((repo / "papers").rglob("*.md")):
        before = doc.read_bytes()
        status = next(line for line in before.decode().splitlines() if line.startswith("status:")).split()[1]
        assert run_cli("set", str(doc), f"status={status}", cwd=repo).returncode == 0
        assert doc.read_bytes() == before, doc


@pytest.mark.parametrize("assignment,message", [
    ("staus=final", "unknown key 'staus'"),
    ("status=finished", "`status` must be one of"),
    ("date=2024-13-01", "`date`"),
    ("next_meeting=tomorrow", "is a structure"),
])
def test_set_refuses_bad_values_and_writes_nothing(repo, assignment, message):
    path = repo / PAPER
    before = path.read_bytes()
    res = run_cli("set", PAPER, assignment, cwd=repo)
    assert res.returncode == 1
    assert message in res.stderr and "error[set]" in res.stderr
    assert path.read_bytes() == before


def test_set_result_passes_check(repo):
    assert run_cli("set", "papers/forced-labor/2024-06.md", "status=review", "tags=forced-labor,uflpa",
                   cwd=repo).returncode == 0
    coll = load_collection(repo)
    assert coll.by_path["papers/forced-labor/2024-06.md"].tags == ["forced-labor", "uflpa"]
    assert check_collection(coll) == []


def test_new_paper_scaffold_passes_check_but_for_its_prompts(repo):
    res = run_cli("new", "paper", "--working-group", "forced-labor", "--meeting", "2025-09", cwd=repo)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "papers/forced-labor/2025-09.md"
    found = check_collection(load_collection(repo), {"papers/forced-labor/2025-09.md"})
    assert found and {f.rule for f in found} == {"section-empty"}
    assert all(f.severity == "warning" for f in found)
    again = run_cli("new", "paper", "--working-group", "forced-labor", "--meeting", "2025-09", cwd=repo)
    assert again.returncode == 2 and "already exists" in again.stderr


def test_new_paper_refuses_unknown_ids(repo):
    res = run_cli("new", "paper", "--working-group", "forced-labour", "--meeting", "2025-09", cwd=repo)
    assert res.returncode == 2 and "did you mean 'forced-labor'" in res.stderr
    res = run_cli("new", "paper", "--working-group", "forced-labor", "--meeting", "2031-01", cwd=repo)
    assert res.returncode == 2 and "no public meeting" in res.stderr


def test_new_recommendation_takes_next_id(repo):
    res = run_cli("new", "recommendation", "--working-group", "bond", "--title", "Accept electronic bond riders",
                  cwd=repo)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "recommendations/17/17-009.md"
    coll = load_collection(repo)
    rec = coll.by_id["17-009"]
    assert (rec.title, rec.subcommittee, rec.status) == ("Accept electronic bond riders", "intelligent-enforcement", "draft")
    assert check_collection(coll, {rec.path}) == []


def test_list_filters_and_json():
    res = run_cli("list", "--kind", "paper", "--working-group", "cross-border-recognition", "--format", "json")
    rows = json.loads(res.stdout)
    assert [r["path"] for r in rows] == ["papers/cross-border-recognition/2023-12.md", PAPER]
    assert rows[0]["superseded_by"] == PAPER and rows[1]["supersedes"] == rows[0]["path"]
    res = run_cli("list", "--kind", "recommendation", "--status", "adopted", "--format", "json")
    recs = json.loads(res.stdout)
    assert {r["agency_status"] for r in recs} == {"pending", "concur", "partially-concur", "non-concur",
                                                 "in-progress", "implemented"}
    table = run_cli("list", "--meeting", "2024-03").stdout.splitlines()
    assert table[0].split()[:3] == ["KIND", "STATUS", "MEETING"]
    assert len(table) == 1 + 6 and all("2024-03" in line for line in table[1:])


def test_schema_is_draft_2020_12_with_registry_enums():
    data = json.loads(run_cli("schema").stdout)
    assert data["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    paper = data["$defs"]["paper"]
    assert "cross-border-recognition" in paper["properties"]["working_group"]["enum"]
    assert paper["properties"]["status"]["enum"] == ["draft", "review", "final", "published", "withdrawn"]
    assert paper["additionalProperties"] is False
    rec = json.loads(run_cli("schema", "--kind", "recommendation").stdout)
    assert set(rec["required"]) == {"id", "title", "term", "subcommittee", "working_group", "status"}


def test_schema_accepts_the_sample_and_rejects_a_bad_paper():
    import jsonschema
    from issuepapers.schema import schema

    coll = load_collection(REPO)
    full = schema(coll.registry)
    for kind, docs in (("paper", coll.papers), ("recommendation", coll.recommendations)):
        validator = jsonschema.Draft202012Validator({**full, "$ref": f"#/$defs/{kind}", "anyOf": None} |
                                                    {"anyOf": [{"$ref": f"#/$defs/{kind}"}]})
        for doc in docs:
            assert not list(validator.iter_errors(json.loads(json.dumps(doc.source.data, default=str)))), doc.path
    bad = dict(coll.papers[0].source.data, status="final")
    bad.pop("date", None)
    validator = jsonschema.Draft202012Validator({**full, "anyOf": [{"$ref": "#/$defs/paper"}]})
    assert list(validator.iter_errors(json.loads(json.dumps(bad, default=str))))


def test_set_refuses_a_document_the_checker_rejects(repo):
    path = repo / "papers/forced-labor/2024-06.md"
    path.write_text(path.read_text().replace("status: draft\n", "status: draft\nstatus: review\n"))
    before = path.read_bytes()
    res = run_cli("set", str(path), "status=final", cwd=repo)
    assert res.returncode == 1 and "yaml-duplicate-key" in res.stderr and "Traceback" not in res.stderr
    assert path.read_bytes() == before


def test_an_unwritable_output_is_a_clean_error(repo):
    res = run_cli("build", "--no-pdf", "--site-dir", "/proc/issuepapers-site", cwd=repo)
    assert res.returncode == 2
    assert "Traceback" not in res.stderr and "issuepapers: error:" in res.stderr


def test_list_refuses_an_unknown_status():
    res = run_cli("list", "--status", "finished")
    assert res.returncode == 2 and "invalid choice" in res.stderr
