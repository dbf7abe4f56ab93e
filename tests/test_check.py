"""`check` on one bad fixture per diagnostic: each asserts its rule id and line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, REPO, copy_sample, run_cli
from issuepapers.collection import load_collection
from issuepapers.rules import RULES, check_collection

P = "papers/cross-border-recognition/2024-06.md"
R = "recommendations/17/17-050.md"

# fixture, where it is placed, expected rule, expected line, severity
CASES = [
    ("unknown-key.md", P, "unknown-key", 7, "error"),
    ("missing-field.md", P, "missing-field", 6, "error"),
    ("field-type-number-title.md", P, "field-type", 7, "error"),
    ("field-type-octal-like.md", P, "field-type", 7, "error"),
    ("field-type-bad-date.md", P, "field-type", 7, "error"),
    ("field-type-bad-time.md", P, "field-type", 9, "error"),
    ("field-type-next-meeting-key.md", P, "field-type", 9, "error"),
    ("field-type-signer-shape.md", P, "field-type", 7, "error"),
    ("invalid-value.md", P, "invalid-value", 5, "error"),
    ("invalid-value-no.md", P, "invalid-value", 6, "error"),
    ("signer-required.md", P, "signer-required", 5, "error"),
    ("signer-required-both.md", P, "signer-required", 9, "error"),
    ("date-required.md", P, "date-required", 5, "error"),
    ("control-character-newline.md", P, "control-character", 7, "error"),
    ("control-character-nested.md", P, "control-character", 9, "error"),
    ("value-too-long.md", P, "value-too-long", 7, "error"),
    ("image-missing-scheme.md", P, "image-missing", 13, "error"),
    ("image-missing-remote.md", P, "image-missing", 13, "error"),
    ("registry-unknown-subcommittee.md", P, "registry-unknown-subcommittee", 2, "error"),
    ("registry-unknown-working-group.md", P, "registry-unknown-working-group", 3, "error"),
    ("registry-wrong-subcommittee.md", P, "registry-unknown-working-group", 3, "error"),
    ("registry-unknown-meeting.md", P, "registry-unknown-meeting", 4, "error"),
    ("working-group-inactive.md", "papers/bond/2024-03.md", "working-group-inactive", 3, "warning"),
    ("path-convention.md", "papers/cross-border-recognition/2024-07.md", "path-convention", 4, "error"),
    ("path-convention.md", "papers/forced-labor/2025-09.md", "path-convention", 3, "error"),
    ("section-required.md", P, "section-required", 8, "error"),
    ("section-order.md", P, "section-order", 13, "error"),
    ("section-order-extra-first.md", P, "section-order", 9, "error"),
    ("section-extra.md", P, "section-extra", 17, "warning"),
    ("section-empty.md", P, "section-empty", 9, "warning"),
    ("heading-level.md", P, "heading-level", 9, "error"),
    ("image-alt.md", P, "image-alt", 17, "error"),
    ("image-alt-html.md", P, "image-alt", 17, "error"),
    ("date-after-meeting.md", P, "date-after-meeting", 9, "error"),
    ("date-too-early.md", P, "date-too-early", 7, "warning"),
    ("next-meeting-before-date.md", P, "next-meeting-before-date", 9, "error"),
    ("recommendation-missing.md", P, "recommendation-missing", 9, "error"),
    ("supersedes-missing.md", P, "supersedes-missing", 7, "error"),
    ("supersedes-other-group.md", P, "supersedes-missing", 7, "error"),
    ("yaml-duplicate-key.md", P, "yaml-duplicate-key", 7, "error"),
    ("yaml-tag.md", P, "yaml-tag", 7, "error"),
    ("yaml-tag-custom.md", P, "yaml-tag", 7, "error"),
    ("yaml-syntax-tab.md", P, "yaml-syntax", 8, "error"),
    ("yaml-syntax.md", P, "yaml-syntax", 7, "error"),
    ("yaml-too-large.md", P, "yaml-too-large", 10, "error"),
    ("yaml-too-deep.md", P, "yaml-too-large", 7, "error"),
    ("yaml-complex-key.md", P, "yaml-complex-key", 7, "error"),
    ("yaml-merge-key.md", P, "yaml-tag", 9, "error"),
    ("front-matter-missing.md", P, "front-matter-missing", 1, "error"),
    ("front-matter-missing-blank-line.md", P, "front-matter-missing", 1, "error"),
    ("front-matter-unclosed.md", P, "front-matter-unclosed", 1, "error"),
    ("front-matter-not-mapping.md", P, "front-matter-not-mapping", 2, "error"),
    ("front-matter-empty.md", P, "front-matter-not-mapping", 1, "error"),
    ("front-matter-scalar.md", P, "front-matter-not-mapping", 2, "error"),
    ("conflict-marker.md", P, "conflict-marker", 17, "error"),
    ("conflict-marker-front-matter.md", P, "conflict-marker", 7, "error"),
    ("utf8-bom.md", P, "utf8-bom", 1, "warning"),
    ("encoding.md", P, "encoding", 15, "error"),
    ("body-too-deep.md", P, "body-too-deep", 15, "error"),
    ("glyph-missing.md", P, "glyph-missing", 7, "warning"),
    ("image-missing.md", P, "image-missing", 15, "error"),
    ("image-missing.md", P, "image-missing", 17, "error"),
    ("glyph-missing.md", P, "glyph-missing", 12, "warning"),
    ("body-too-deep-indent.md", P, "body-too-deep", 27, "error"),
    ("body-too-deep-first-line.md", P, "body-too-deep", 8, "error"),
    ("rec-recommendation-path.md", "recommendations/17/17-051.md", "recommendation-path", 2, "error"),
    ("rec-id-term.md", "recommendations/16/17-050.md", "recommendation-path", 2, "error"),
    ("rec-duplicate-id.md", R, "duplicate-recommendation-id", 2, "error"),
    ("rec-meeting-required.md", R, "meeting-required", 7, "error"),
    ("rec-agency-status-required.md", R, "agency-status-required", 7, "error"),
    ("rec-agency-status-unexpected.md", R, "agency-status-required", 8, "error"),
    ("rec-agency-response-date-required.md", R, "agency-response-date-required", 9, "error"),
    ("rec-response-before-vote.md", R, "response-before-vote", 10, "error"),
    ("rec-paper-missing.md", R, "paper-missing", 9, "error"),
    ("rec-supersedes-missing.md", R, "supersedes-recommendation-missing", 8, "error"),
    ("rec-meeting-term-mismatch.md", R, "meeting-term-mismatch", 8, "warning"),
    ("rec-vote-type.md", R, "field-type", 10, "error"),
    ("rec-invalid-agency-status.md", R, "invalid-value", 9, "error"),
    ("rec-placeholder-title.md", R, "placeholder-title", 3, "warning"),
    ("pasted-bullet.md", P, "pasted-bullet", 16, "warning"),
    ("list-item-merged.md", P, "list-item-merged", 16, "warning"),
    ("list-indent.md", P, "list-indent", 16, "warning"),
    ("body-tab.md", P, "body-tab", 17, "warning"),
    ("invisible-character.md", P, "invisible-character", 5, "error"),
    ("paper-too-long.md", P, "paper-too-long", 8, "warning"),
    ("body-too-large.md", P, "body-too-large", 589, "error"),
    ("block-too-long.md", P, "block-too-long", 15, "error"),
]


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    return copy_sample(tmp_path_factory.mktemp("sample"))


def findings_for(root: Path, fixture: str, target: str):
    dest = root / target
    assert not dest.exists(), "fixtures must not replace sample documents"
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(FIXTURES / "bad" / fixture, dest)
    try:
        return check_collection(load_collection(root), {target})
    finally:
        dest.unlink()


@pytest.mark.parametrize("fixture,target,rule,line,severity", CASES, ids=[c[0] + ":" + c[2] for c in CASES])
def test_bad_fixture_reports_rule_at_line(sample, fixture, target, rule, line, severity):
    found = findings_for(sample, fixture, target)
    hits = [f for f in found if f.rule == rule]
    assert hits, f"{rule} not reported; got {[(f.rule, f.line) for f in found]}"
    assert line in [f.line for f in hits], f"{rule} at {[f.line for f in hits]}, expected {line}"
    assert all(f.severity == severity for f in hits)
    assert all(f.path == target and f.column >= 1 for f in found)
    assert all(f.message for f in hits)


def test_every_bad_fixture_is_used():
    used = {c[0] for c in CASES}
    assert used == {p.name for p in (FIXTURES / "bad").iterdir()}


def test_every_rule_is_exercised():
    # Rules that need a registry fixture or a git history are exercised in test_bad_registry and test_workflow;
    # command-time rules (pdf, publish, build, set) by those commands' tests.
    exercised = {c[2] for c in CASES} | {"registry-invalid", "registry-duplicate-id", "superseded-twice",
                                         "file-outside-repository", "not-a-regular-file",  # test_paths_and_locks
                                         "published-changed-without-revision", "codeowners-stale"}
    checked = {r.id for r in RULES.values() if "command" not in r.kinds}
    assert checked <= exercised, checked - exercised


def test_rules_have_docs_and_severities():
    for r in RULES.values():
        assert r.doc and (r.doc[0].isupper() or r.doc[0] == "`") and r.doc.endswith("."), r.id
        assert r.severity in ("error", "warning")


@pytest.mark.parametrize("name", sorted(p.name for p in (FIXTURES / "good").iterdir()))
def test_good_fixture_is_clean(sample, name):
    dest = sample / P
    shutil.copyfile(FIXTURES / "good" / name, dest)
    try:
        found = check_collection(load_collection(sample), {P})
    finally:
        dest.unlink()
    assert found == []


def test_yaml12_values_stay_what_they_look_like(sample):
    dest = sample / P
    shutil.copyfile(FIXTURES / "good" / "yaml12-strings.md", dest)
    try:
        paper = load_collection(sample).by_path[P]
    finally:
        dest.unlink()
    assert paper.get("title") == "NO"
    assert paper.tags == ["off", "yes", "1.10"]
    assert paper.next_meeting.time == "10:00"


def test_all_errors_in_a_file_are_reported(sample):
    dest = sample / P
    dest.write_text("---\nsubcommittee: nope\nworking_group: cross-border-recognition\nmeeting: 2024-06\n"
                    "status: drafty\naction_required: informational\ncolour: red\n---\n\n## Background\n\nx\n")
    try:
        found = check_collection(load_collection(sample), {P})
    finally:
        dest.unlink()
    rules = {f.rule for f in found}
    assert {"registry-unknown-subcommittee", "invalid-value", "unknown-key", "section-required"} <= rules


def test_hints_offer_did_you_mean(sample):
    found = findings_for(sample, "registry-unknown-working-group.md", P)
    assert any(f.hint == "did you mean 'cross-border-recognition'?" for f in found)
    found = findings_for(sample, "field-type-number-title.md", P)
    assert any(f.hint and '"1.10"' in f.hint for f in found)


REGISTRY_CASES = [
    ("duplicate-working-group.yml", "registry-duplicate-id", 46),
    ("missing-name.yml", "registry-invalid", 36),
    ("bad-date.yml", "registry-invalid", 118),
    ("duplicate-meeting.yml", "registry-duplicate-id", 122),
    ("unknown-key.yml", "registry-invalid", 6),
    ("bad-lifecycle.yml", "registry-invalid", 44),
    ("meeting-outside-month.yml", "registry-invalid", 123),
    ("not-mapping.yml", "front-matter-not-mapping", 1),
]


@pytest.mark.parametrize("fixture,rule,line", REGISTRY_CASES)
def test_bad_registry(tmp_path, fixture, rule, line):
    root = copy_sample(tmp_path / "repo")
    shutil.copyfile(FIXTURES / "registry" / fixture, root / "committee.yml")
    found = [f for f in check_collection(load_collection(root)) if f.path == "committee.yml"]
    assert (rule, line) in [(f.rule, f.line) for f in found], [(f.rule, f.line, f.message) for f in found]


def test_sample_content_is_clean():
    from conftest import REPO

    assert check_collection(load_collection(REPO)) == []


# The command line, as a real subprocess ----------------------------------------------

def test_cli_check_text_format_and_exit_code(sample):
    dest = sample / P
    shutil.copyfile(FIXTURES / "bad" / "invalid-value.md", dest)
    try:
        res = run_cli("check", cwd=sample)
    finally:
        dest.unlink()
    assert res.returncode == 1
    assert f"{P}:5:9: error[invalid-value] `status` is 'drafts'" in res.stdout
    assert "  = hint: did you mean 'draft'?" in res.stdout
    assert "\033[" not in res.stdout  # no colour when not a terminal


def test_cli_check_json_and_github(sample):
    dest = sample / P
    shutil.copyfile(FIXTURES / "bad" / "unknown-key.md", dest)
    try:
        res = run_cli("check", "--format", "json", P, cwd=sample)
        gh = run_cli("check", "--format", "github", P, cwd=sample)
    finally:
        dest.unlink()
    data = json.loads(res.stdout)
    assert res.returncode == 1
    assert data == [{"path": P, "line": 7, "column": 1, "severity": "error", "rule": "unknown-key",
                     "message": "unknown key 'sponsor' for a paper",
                     "hint": data[0]["hint"]}]
    assert gh.stdout.startswith(f"::error file={P},line=7,col=1,title=unknown-key::unknown key 'sponsor'")


def test_cli_clean_exit_zero_and_warnings_only_with_strict(sample):
    assert run_cli("check", cwd=sample).returncode == 0
    dest = sample / P
    shutil.copyfile(FIXTURES / "bad" / "section-extra.md", dest)
    try:
        assert run_cli("check", cwd=sample).returncode == 0
        assert run_cli("check", "--strict", cwd=sample).returncode == 1
    finally:
        dest.unlink()


def test_cli_usage_errors_exit_two(tmp_path, sample):
    res = run_cli("check", cwd=tmp_path)
    assert res.returncode == 2 and "no committee.yml" in res.stderr and "Traceback" not in res.stderr
    res = run_cli("check", "papers/nope.md", cwd=sample)
    assert res.returncode == 2 and "no such file" in res.stderr
    assert run_cli("frobnicate", cwd=sample).returncode == 2


def test_cli_help_everywhere():
    for cmd in ([], ["check"], ["rules"], ["schema"], ["new"], ["new", "paper"], ["set"], ["list"]):
        res = run_cli(*cmd, "--help")
        assert res.returncode == 0 and "usage: issuepapers" in res.stdout, cmd


def test_cli_rules_lists_every_rule():
    res = run_cli("rules", "--format", "json")
    ids = {r["id"] for r in json.loads(res.stdout)}
    assert ids == set(RULES)
    text = run_cli("rules").stdout
    assert "registry-unknown-working-group" in text and "must name a working group" in text


def test_crlf_and_bom_keep_lines_and_columns(sample):
    raw = (FIXTURES / "bad" / "invalid-value.md").read_bytes()
    dest = sample / P
    dest.write_bytes(b"\xef\xbb\xbf" + raw.replace(b"\n", b"\r\n"))
    try:
        found = check_collection(load_collection(sample), {P})
    finally:
        dest.unlink()
    assert [(f.rule, f.line, f.column) for f in found if f.severity == "error"] == [("invalid-value", 5, 9)]
    assert [f.rule for f in found if f.severity == "warning"] == ["utf8-bom"]


def test_colour_only_on_a_terminal_and_never_with_no_color(sample):
    import os
    import pty
    import subprocess
    import sys

    dest = sample / P
    shutil.copyfile(FIXTURES / "bad" / "invalid-value.md", dest)
    exe = str(Path(sys.executable).with_name("issuepapers"))

    def on_tty(extra_env):
        master, slave = pty.openpty()
        env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"} | extra_env
        proc = subprocess.run([exe, "check", P], cwd=sample, stdout=slave, stderr=subprocess.DEVNULL, env=env)
        os.close(slave)
        out = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        os.close(master)
        return proc.returncode, out.decode()

    try:
        code, coloured = on_tty({})
        _, plain = on_tty({"NO_COLOR": "1"})
    finally:
        dest.unlink()
    assert code == 1
    assert "\033[31;1merror\033[0m[invalid-value]" in coloured
    assert "\033[" not in plain and "error[invalid-value]" in plain


def test_pre_commit_hook_runs_check_on_the_staged_files(sample):
    import yaml

    from conftest import REPO

    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in hooks if h["id"] == "issuepapers-check")
    import re

    files = [P, "recommendations/17/17-001.md", "committee.yml", "README.md"]
    matched = [f for f in files if re.search(hook["files"], f)]
    assert matched == files[:3]
    dest = sample / P
    shutil.copyfile(FIXTURES / "bad" / "unknown-key.md", dest)
    try:
        res = run_cli(*hook["entry"].split()[1:], *[f for f in matched if (sample / f).exists()], cwd=sample)
    finally:
        dest.unlink()
    assert res.returncode == 1 and "error[unknown-key]" in res.stdout


def test_a_link_to_a_file_outside_the_repository_is_not_read(sample, tmp_path):
    secret = tmp_path / "secret.md"
    secret.write_text("---\nsubcommittee: SECRET-VALUE\n---\n")
    link = sample / P
    link.symlink_to(secret)
    inside = sample / "papers/cross-border-recognition/2024-07.md"
    inside.symlink_to(sample / "papers/cross-border-recognition/2024-03.md")
    try:
        res = run_cli("check", "--format", "json", cwd=sample)
    finally:
        link.unlink()
        inside.unlink()
    found = json.loads(res.stdout)
    assert {"path": P, "line": 1, "column": 1, "severity": "error", "rule": "file-outside-repository",
            "message": "this file is a link to a file outside the repository",
            "hint": "replace the link by the document itself"} in found
    assert "SECRET-VALUE" not in res.stdout + res.stderr
    # a link inside the repository is read like any file (here: at the wrong path for its meeting)
    assert any(f["path"].endswith("2024-07.md") and f["rule"] == "path-convention" for f in found)


def test_font_coverage_is_read_without_fonttools_as_fonttools_reads_it():
    """The glyph rule reads the fonts' cmap itself (fontTools costs ~40 ms to import); same code points."""
    from fontTools.ttLib import TTFont

    from issuepapers.assets import font_files
    from issuepapers.rules.fonts import cmap_codes

    files = font_files(REPO)
    assert files
    for f in files:
        with TTFont(f, lazy=True) as font:
            assert cmap_codes(f.read_bytes()) == set(font.getBestCmap()), f.name
