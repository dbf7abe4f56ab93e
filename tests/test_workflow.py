"""The git workflow against real git repositories: history, redlines, publish, init, CODEOWNERS."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import GIT_ENV, git, run_cli

from issuepapers.collection import load_collection
from issuepapers.workflow import redline_html_fragment, revision_of, revisions
from issuepapers import codeowners as co
from issuepapers.redline import word_ops

PAPER = "papers/cross-border-recognition/2024-03.md"  # published, signed; changed in the fixture's 3rd commit
FINAL = "papers/ipr-process-modernization/2025-09.md"  # status: final, signed: publish makes a commit
ONE_COMMIT = "papers/forced-labor/2024-06.md"


def cli(*args: str, cwd: Path, **env: str):
    """The console script with a hermetic git identity and configuration."""
    return run_cli(*args, cwd=cwd, env={**GIT_ENV, "HOME": str(cwd), "GIT_CONFIG_GLOBAL": os.devnull,
                                        "GIT_AUTHOR_DATE": "2024-03-01T12:00:00+00:00",
                                        "GIT_COMMITTER_DATE": "2024-03-01T12:00:00+00:00", **env})


def tag_message(root: Path, tag: str) -> str:
    return git(root, "tag", "-l", "--format=%(contents)", tag)


def edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# history -------------------------------------------------------------------------------

def test_history_json(sample_repo):
    done = cli("history", "--format", "json", PAPER, cwd=sample_repo)
    assert done.returncode == 0, done.stderr
    rec = json.loads(done.stdout)
    assert rec["path"] == PAPER and rec["state"] == "committed"
    assert rec["revisions"] == 2
    assert rec["authors"] == ["Working Group Member", "Trade Co-Lead"]
    assert [c["subject"] for c in rec["commits"]] == ["Clarify next steps", "Papers and recommendations"]
    assert rec["created"].startswith("2024-01-26") and rec["modified"].startswith("2024-02-02")
    assert rec["published"] == [] and rec["shallow"] is False


def test_history_text_and_uncommitted(sample_repo):
    done = cli("history", PAPER, cwd=sample_repo)
    assert done.returncode == 0 and "revisions: 2" in done.stdout and "Trade Co-Lead: Clarify next steps" in done.stdout
    new = sample_repo / "papers/forced-labor/2024-09.md"
    shutil.copy(sample_repo / ONE_COMMIT, new)
    rec = json.loads(cli("history", "--format", "json", str(new), cwd=sample_repo).stdout)
    assert rec["state"] == "uncommitted" and rec["revisions"] == 0 and rec["created"] is None


def test_history_outside_git(tmp_path):
    from conftest import copy_sample

    root = copy_sample(tmp_path / "plain")
    done = cli("history", "--format", "json", PAPER, cwd=root)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["state"] == "not in a git repository"


# redline -------------------------------------------------------------------------------

@pytest.fixture
def changed_repo(sample_repo):
    """A fourth commit with a word deleted, a word replaced and a front-matter change."""
    edit(sample_repo, PAPER, "The next bi-weekly meeting", "The next monthly meeting")
    edit(sample_repo, PAPER, "pub_number: 3591-0224", "pub_number: 3592-0224")
    edit(sample_repo, PAPER, "Three later sessions", "Later sessions")
    git(sample_repo, "commit", "-q", "-am", "Monthly now", date="2024-02-10T10:00:00+00:00")
    return sample_repo


def test_word_ops():
    assert word_ops("at least twelve months.", "at least twelve months or more.") == [
        ("eq", "at least twelve months"), ("ins", " or more"), ("eq", ".")]
    ops = word_ops("the next bi-weekly meeting", "the next monthly meeting")
    assert ("del", "bi-weekly") in ops and ("ins", "monthly") in ops


def test_redline_html_marks_the_changed_words(changed_repo):
    done = cli("diff", PAPER, cwd=changed_repo)  # default: the previous commit touching the paper
    assert done.returncode == 0, done.stderr
    page = done.stdout
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page
    dels = re.findall(r'<del class="rl-del"><span class="rl-mark">\[- </span>(.*?)<span', page)
    ins = re.findall(r'<ins class="rl-ins"><span class="rl-mark">\[\+ </span>(.*?)<span', page)
    assert {"bi-weekly", "Three later", "3591-0224"} <= set(dels)
    assert {"monthly", "Later", "3592-0224"} <= set(ins)
    assert "<caption>Front-matter changes</caption>" in page and "<code>pub_number</code>" in page
    # the front-matter table comes before the body
    assert page.index("rl-meta") < page.index("Next Steps")
    assert re.search(r"Next Steps <span class=\"rl-status\">\(changed\)", page)
    assert re.search(r"Background <span class=\"rl-status\">\(unchanged\)", page)


def test_redline_text_and_json(changed_repo):
    text = cli("diff", PAPER, "--format", "text", cwd=changed_repo).stdout
    assert "The next [- bi-weekly -][+ monthly +] meeting" in text
    assert "pub_number: [- 3591-0224 -] [+ 3592-0224 +]" in text
    data = json.loads(cli("diff", PAPER, "--format", "json", cwd=changed_repo).stdout)
    assert data["changed"] and data["meta"] == [{"key": "pub_number", "before": "3591-0224", "after": "3592-0224"}]


def test_redline_explicit_revisions(changed_repo):
    first = git(changed_repo, "rev-list", "--max-parents=0", "HEAD").strip()
    second = git(changed_repo, "rev-parse", "HEAD~2").strip()  # "Papers and recommendations"
    text = cli("diff", PAPER, "--from", second, "--to", "HEAD~1", "--format", "text", cwd=changed_repo).stdout
    assert "twelve months [+ or more +]" in text and "monthly" not in text
    bad = cli("diff", PAPER, "--from", first, cwd=changed_repo)  # the paper did not exist yet
    assert bad.returncode == 2 and "does not exist" in bad.stderr and "Traceback" not in bad.stderr
    bad = cli("diff", PAPER, "--from", "no-such-rev", cwd=changed_repo)
    assert bad.returncode == 2 and "unknown revision" in bad.stderr


def test_redline_pdf(changed_repo, tmp_path):
    out = tmp_path / "redline.pdf"
    done = cli("diff", PAPER, "--pdf", "--out", str(out), cwd=changed_repo)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(b"%PDF")
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) not installed")
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    flat = " ".join(text.split())
    assert "[- bi-weekly -]" in flat and "[+ monthly +]" in flat and "[+ 3592-0224 +]" in flat


def test_redline_fragment_for_the_site(changed_repo):
    coll = load_collection(changed_repo)
    frag = redline_html_fragment(changed_repo, coll, PAPER)
    assert frag and frag.startswith('<div class="redline">') and "<del" in frag and "<ins" in frag
    assert redline_html_fragment(changed_repo, coll, ONE_COMMIT) is None  # one commit, no tag
    done = cli("diff", ONE_COMMIT, cwd=changed_repo)
    assert done.returncode == 2 and "no earlier version" in done.stderr


def test_redline_escapes_hostile_content(sample_repo):
    edit(sample_repo, PAPER, "## Next Steps\n",
         "## Next Steps\n\n<script>alert(1)</script>\n\nIf 5 < 6 then <b onclick=x>bold</b> & `<i>`\n")
    frag = redline_html_fragment(sample_repo, None, PAPER)
    assert "<script" not in frag and "onclick" not in frag and "alert(1)" not in frag
    assert "If 5 &lt; 6 then bold &amp; &lt;i&gt;" in frag


def test_redline_outside_git(tmp_path):
    from conftest import copy_sample

    root = copy_sample(tmp_path / "plain")
    assert redline_html_fragment(root, None, PAPER) is None
    done = cli("diff", PAPER, cwd=root)
    assert done.returncode == 2 and "not in a git repository" in done.stderr


def test_redlines_of_a_collection_match_the_single_paper_ones(changed_repo, monkeypatch):
    """`redlines` (the site's batch) gives what `redline_html_fragment` gives, in a fixed number of git runs."""
    from issuepapers.collection import attach_history
    from issuepapers.workflow import redlines, to_html_fragment

    git(changed_repo, "tag", "-a", "papers/trade-partnership-engagement/2024-03/v1", "-m", "Publish")
    edit(changed_repo, "papers/trade-partnership-engagement/2024-03.md", "## Background\n",
         "## Background\n\nA new opening sentence.\n")  # uncommitted: compared with the tag
    coll = load_collection(changed_repo)
    attach_history(coll, changed_repo)
    calls = []
    real = subprocess.Popen.__init__

    def spawn(proc, args, *a, **k):
        if isinstance(args, (list, tuple)) and args and args[0] == "git":
            calls.append([x for x in args[1:] if not x.startswith("-") and "=" not in x][:1])
        return real(proc, args, *a, **k)

    monkeypatch.setattr(subprocess.Popen, "__init__", spawn)
    found = redlines(changed_repo, coll)
    # the tags, and one persistent cat-file for every earlier version; labels come from the log
    assert calls == [["for-each-ref"], ["cat-file"]], calls
    monkeypatch.setattr(subprocess.Popen, "__init__", real)
    assert sorted(found) == [PAPER, "papers/trade-partnership-engagement/2024-03.md"]
    assert found["papers/trade-partnership-engagement/2024-03.md"].before.endswith("/v1")
    assert found["papers/trade-partnership-engagement/2024-03.md"].after == "working tree"
    for path, rl in found.items():
        assert to_html_fragment(rl) == redline_html_fragment(changed_repo, coll, path)


# publish -------------------------------------------------------------------------------

pdf_missing = importlib.util.find_spec("issuepapers.pdf") is None


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.skipif(pdf_missing, reason="the PDF package is not there yet")
def test_publish_tags_records_pdf_and_revisions(sample_repo):
    root = sample_repo
    head = git(root, "rev-parse", "HEAD").strip()
    done = cli("publish", PAPER, "--yes", cwd=root)
    assert done.returncode == 0, done.stderr
    tag = "papers/cross-border-recognition/2024-03/v1"
    assert git(root, "tag", "-l", "papers/*").split() == [tag]
    # already published and signed: nothing to edit, so the tag is on one new commit that archives the PDF,
    # with the dates of the commit it was printed from
    tagged = git(root, "rev-parse", f"{tag}^{{commit}}").strip()
    assert tagged == git(root, "rev-parse", "HEAD").strip()
    assert git(root, "rev-parse", f"{tagged}^").strip() == head
    assert git(root, "show", "-s", "--format=%cI", tagged) == git(root, "show", "-s", "--format=%cI", head)
    assert git(root, "diff", "--name-only", head, tagged).split() == ["published/cross-border-recognition/2024-03/v1.pdf"]
    assert git(root, "cat-file", "-t", tag).strip() == "tag"  # annotated
    message = tag_message(root, tag)
    pdf = root / "site/pdf/cross-border-recognition/2024-03.pdf"
    assert (root / "published/cross-border-recognition/2024-03/v1.pdf").read_bytes() == pdf.read_bytes()
    assert f"PDF-SHA256: {_sha(pdf)}" in message and "Revision: 1" in message and "Date: 2024-01-25" in message
    assert revision_of(root, PAPER) == 1

    # a second publish of the unchanged paper is refused
    again = cli("publish", PAPER, "--yes", cwd=root)
    assert again.returncode == 1 and "publish-unchanged" in again.stderr
    assert git(root, "tag", "-l", "papers/*").split() == [tag]

    # a dirty tree is refused
    edit(root, PAPER, "Three later sessions", "Four later sessions")
    dirty = cli("publish", PAPER, "--yes", cwd=root)
    assert dirty.returncode == 1 and "uncommitted" in dirty.stderr and "Traceback" not in dirty.stderr

    # committed without a new revision: check warns
    git(root, "commit", "-q", "-am", "Four sessions", date="2024-02-20T10:00:00+00:00")
    check = cli("check", "--format", "json", cwd=root)
    rules = {(f["path"], f["rule"]) for f in json.loads(check.stdout)}
    assert (PAPER, "published-changed-without-revision") in rules and check.returncode == 0
    assert revision_of(root, PAPER) == 2  # published and changed: the revision under way

    # the default redline is against the publication
    text = cli("diff", PAPER, "--format", "text", cwd=root).stdout
    assert f"{tag} ->" in text and "[- Three -][+ Four +]" in text

    done = cli("publish", PAPER, "--yes", cwd=root)
    assert done.returncode == 0, done.stderr
    v2 = "papers/cross-border-recognition/2024-03/v2"
    assert git(root, "tag", "-l", "papers/*").split() == [tag, v2]
    assert f"PDF-SHA256: {_sha(pdf)}" in tag_message(root, v2) and "Revision: 2" in tag_message(root, v2)
    assert revision_of(root, PAPER) == 2
    assert revisions(root, load_collection(root))[PAPER] == 2
    check = json.loads(cli("check", "--format", "json", cwd=root).stdout)
    assert not [f for f in check if f["rule"] == "published-changed-without-revision"]


@pytest.mark.skipif(pdf_missing, reason="the PDF package is not there yet")
def test_publish_edits_commits_and_renders_from_that_commit(sample_repo):
    root = sample_repo
    before = (root / FINAL).read_bytes()
    done = cli("publish", FINAL, "--yes", "--format", "json", cwd=root)
    assert done.returncode == 0, done.stderr
    [rec] = json.loads(done.stdout)
    assert rec["tag"] == "papers/ipr-process-modernization/2025-09/v1" and rec["revision"] == 1
    after = (root / FINAL).read_bytes()
    # round trip: only the status line changed
    assert after == before.replace(b"status: final", b"status: published")
    assert git(root, "status", "--porcelain", "--untracked-files=no") == ""
    assert git(root, "log", "-1", "--format=%s").strip() == f"Publish {FINAL}"
    assert git(root, "rev-parse", f"{rec['tag']}^{{commit}}").strip() == git(root, "rev-parse", "HEAD").strip()
    assert rec["pdf_sha256"] == _sha(Path(rec["pdf"]))
    # the same commit renders the same bytes: the recorded hash can be verified later
    rerun = cli("pdf", FINAL, "--out", str(root / "again"), cwd=root)
    assert rerun.returncode == 0, rerun.stderr
    assert _sha(root / "again/ipr-process-modernization/2025-09.pdf") == rec["pdf_sha256"]


@pytest.mark.skipif(pdf_missing, reason="the PDF package is not there yet")
def test_publish_refuses_check_errors_and_changes_nothing(sample_repo):
    root = sample_repo
    before = (root / ONE_COMMIT).read_bytes()
    head = git(root, "rev-parse", "HEAD")
    done = cli("publish", ONE_COMMIT, "--yes", "--date", "2024-05-01", cwd=root)
    assert done.returncode == 1 and "signer-required" in done.stderr and "Traceback" not in done.stderr
    assert (root / ONE_COMMIT).read_bytes() == before and git(root, "rev-parse", "HEAD") == head
    assert git(root, "tag", "-l") == ""


def test_publish_usage_errors(sample_repo):
    assert cli("publish", PAPER, cwd=sample_repo, input="").returncode == 2  # no terminal, no --yes
    bad = cli("publish", PAPER, "--yes", "--date", "25/01/2024", cwd=sample_repo)
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr
    bad = cli("publish", "committee.yml", "--yes", cwd=sample_repo)
    assert bad.returncode == 2 and "not an issue paper" in bad.stderr


# init: tests/test_init.py (and tests/test_install.py for the installed package)


# CODEOWNERS ------------------------------------------------------------------------------

def _add_handle(root: Path, wg: str, handle: str) -> None:
    text = (root / "committee.yml").read_text()
    marker = f"      - id: {wg}\n"
    start = text.index(marker)
    role = text.index("          - role:", start)
    end = text.index("\n", role)
    (root / "committee.yml").write_text(text[:end] + f"\n            handle: \"{handle}\"" + text[end:])


def test_codeowners_written_and_stale_detected(sample_repo):
    root = sample_repo
    check = json.loads(cli("check", "--format", "json", cwd=root).stdout)
    assert not [f for f in check if f["rule"] == "codeowners-stale"]  # no CODEOWNERS: nothing to say
    _add_handle(root, "forced-labor", "@forced-labor-leads")
    _add_handle(root, "bond", "example-org/bond-team")
    (root / "CODEOWNERS").write_text("# ours\n* @committee-staff\n")
    check = json.loads(cli("check", "--format", "json", cwd=root).stdout)
    stale = [f for f in check if f["rule"] == "codeowners-stale"]
    assert stale and stale[0]["path"] == "CODEOWNERS"
    done = cli("codeowners", cwd=root)
    assert done.returncode == 0, done.stderr
    text = (root / "CODEOWNERS").read_text()
    assert text.startswith("# ours\n* @committee-staff\n")  # lines outside the block are kept
    assert "/papers/forced-labor/ @forced-labor-leads\n" in text
    assert "/papers/bond/ @example-org/bond-team\n" in text
    assert "# /papers/ace-modernization/ has no lead with a forge handle" in text
    check = cli("check", "--format", "json", cwd=root)
    assert not [f for f in json.loads(check.stdout) if f["rule"] == "codeowners-stale"]
    assert cli("codeowners", cwd=root).stderr.strip().endswith("unchanged")
    # the registry changes: CODEOWNERS is stale, at the line that differs
    text = (root / "committee.yml").read_text().replace("@forced-labor-leads", "@new-leads")
    (root / "committee.yml").write_text(text)
    check = cli("check", cwd=root)
    assert "CODEOWNERS:" in check.stdout and "warning[codeowners-stale]" in check.stdout
    line = int(re.search(r"CODEOWNERS:(\d+):", check.stdout).group(1))
    assert "forced-labor" in (root / "CODEOWNERS").read_text().split("\n")[line - 1]
    assert cli("codeowners", "--check", cwd=root).returncode == 1


def test_git_rules_with_explicit_root(sample_repo, tmp_path):
    if not hasattr(load_collection(sample_repo), "root"):
        pytest.skip("Collection.root is not set by load_collection yet: with --root from another folder "
                    "the git rules cannot find the repository")
    (sample_repo / "CODEOWNERS").write_text("* @x\n")
    done = cli("--root", str(sample_repo), "check", "--format", "json", cwd=tmp_path)
    assert "codeowners-stale" in {f["rule"] for f in json.loads(done.stdout)}


def test_owner_handles():
    assert co.owner("octocat") == "@octocat" and co.owner("@org/team") == "@org/team"
    assert co.owner("lead@example.org") == "lead@example.org" and co.owner("not a handle") is None


def test_rules_listed():
    out = run_cli("rules").stdout
    assert "published-changed-without-revision" in out and "codeowners-stale" in out and "conflict-marker" in out
