"""The public record is frozen: a published paper's page and PDF are those of its latest publish tag.

Real git repositories in temp dirs, the real console script: publish a paper,
commit an unrelated change and an edit of the published paper, throw the
caches away and build again — the PDF hashes to what the tag records, the
public page shows the tagged words, the preview shows the edit as the next
revision in preparation, and `check` keeps warning. A tag whose PDF cannot be
printed again, or any PDF that fails, fails the build and keeps the previous site.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import GIT_ENV, copy_sample, git, make_sample_repo, run_cli

pytest.importorskip("weasyprint")

FINAL = "papers/ipr-process-modernization/2025-09.md"  # status: final, signed: publish commits it
CBR = "papers/cross-border-recognition/2024-03.md"  # already published and signed: tagged where it is
PDF = "site/pdf/ipr-process-modernization/2025-09.pdf"
PAGE = "site/papers/ipr-process-modernization/2025-09/index.html"
TAGGED_WORDS = "closing session on October 2"
EDITED_WORDS = "farewell session on October 9"
TAG = "papers/ipr-process-modernization/2025-09/v1"
DIFFERS_HINT = (f"the PDF recorded by tag {TAG} cannot be reproduced by this version of issuepapers or these "
                "templates; install the version that published it, or publish a new revision")


def cli(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    """The console script with a hermetic git identity, and PDFs on whatever the caller's environment says."""
    return run_cli(*args, cwd=cwd, env={**GIT_ENV, "HOME": str(cwd), "GIT_CONFIG_GLOBAL": os.devnull,
                                        "GIT_AUTHOR_DATE": "2024-03-01T12:00:00+00:00",
                                        "GIT_COMMITTER_DATE": "2024-03-01T12:00:00+00:00",
                                        "ISSUEPAPERS_PDF": "true", "NO_MKDOCS_2_WARNING": "1", **env})


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def recorded(root: Path, tag: str = TAG) -> str:
    message = git(root, "tag", "-l", "--format=%(contents)", tag)
    return re.search(r"^PDF-SHA256: ([0-9a-f]{64})$", message, re.M).group(1)


def edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def clean(root: Path) -> None:
    """`rm -rf site .cache`."""
    shutil.rmtree(root / "site", ignore_errors=True)
    shutil.rmtree(root / ".cache", ignore_errors=True)


def site_digest(site: Path) -> dict[str, str]:
    return {p.relative_to(site).as_posix(): sha(p) for p in sorted(site.rglob("*")) if p.is_file()}


def published_repo(tmp_path: Path) -> Path:
    """Publish FINAL; then an unrelated commit; then an edit of the published paper (status stays published)."""
    root = make_sample_repo(tmp_path / "repo")
    done = cli("publish", FINAL, "--yes", cwd=root)
    assert done.returncode == 0, done.stderr
    edit(root, "papers/forced-labor/2024-06.md", "## Background\n", "## Background\n\nAn unrelated sentence.\n")
    git(root, "commit", "-q", "-am", "Unrelated change", date="2024-04-01T10:00:00+00:00")
    edit(root, FINAL, TAGGED_WORDS, EDITED_WORDS)
    git(root, "commit", "-q", "-am", "Edit after publication", date="2024-05-01T10:00:00+00:00")
    assert "status: published" in (root / FINAL).read_text()
    return root


def test_a_fresh_build_prints_the_recorded_pdf_and_shows_the_tagged_paper(tmp_path):
    root = published_repo(tmp_path)
    clean(root)
    built = cli("build", cwd=root)
    assert built.returncode == 0, built.stderr
    assert sha(root / PDF) == recorded(root)  # byte for byte, two commits later

    page = (root / PAGE).read_text(encoding="utf-8")
    assert TAGGED_WORDS in page and EDITED_WORDS not in page
    assert re.search(r"<dt>Revision</dt>\s*<dd>1</dd>", page)
    assert "in preparation" not in page and "Edit after publication" not in page  # history up to the tag
    for data in ("search/search_index.json", "papers.json", "feed.xml"):
        assert EDITED_WORDS not in (root / "site" / data).read_text(encoding="utf-8"), data
    record = next(p for p in json.loads((root / "site/papers.json").read_text())["papers"] if p["path"] == FINAL)
    assert record["revision"] == 1

    # A fresh clone at the latest commit, somewhere else, with a build clock set in the environment:
    # the same bytes again (nothing but the tag's commit decides them).
    clone = tmp_path / "elsewhere" / "clone"
    clone.parent.mkdir()
    git(clone.parent, "clone", "-q", str(root), str(clone))
    again = cli("build", cwd=clone, SOURCE_DATE_EPOCH="1711929600")
    assert again.returncode == 0, again.stderr
    assert sha(clone / PDF) == recorded(root)


def test_the_preview_shows_the_edit_as_the_next_revision_in_preparation(tmp_path):
    root = published_repo(tmp_path)
    built = cli("build", "--preview", cwd=root)
    assert built.returncode == 0, built.stderr
    page = (root / PAGE).read_text(encoding="utf-8")
    assert EDITED_WORDS in page and TAGGED_WORDS not in page
    assert re.search(r"<dt>Revision</dt>\s*<dd>2 in preparation", page)
    assert "Changes since Revision 1" in page  # the redline of the edit, members only
    # the preview prints the working tree (a draft of revision 2), never in place of the published PDF
    assert sha(root / PDF) != recorded(root)
    assert not (root / ".cache/pdf" / "ipr-process-modernization/2025-09.pdf").exists()

    check = cli("check", "--format", "json", cwd=root)
    assert check.returncode == 0, check.stderr
    assert (FINAL, "published-changed-without-revision") in {(f["path"], f["rule"]) for f in json.loads(check.stdout)}


def test_publishing_the_edit_makes_revision_2_public(tmp_path):
    root = published_repo(tmp_path)
    done = cli("publish", FINAL, "--yes", cwd=root, GIT_AUTHOR_DATE="2024-06-01T09:00:00+00:00",
               GIT_COMMITTER_DATE="2024-06-01T09:00:00+00:00")
    assert done.returncode == 0, done.stderr
    v2 = TAG.replace("/v1", "/v2")
    check = json.loads(cli("check", "--format", "json", cwd=root).stdout)
    assert not [f for f in check if f["rule"] == "published-changed-without-revision"]
    clean(root)
    built = cli("build", cwd=root)
    assert built.returncode == 0, built.stderr
    assert sha(root / PDF) == recorded(root, v2) != recorded(root, TAG)
    page = (root / PAGE).read_text(encoding="utf-8")
    assert EDITED_WORDS in page and re.search(r"<dt>Revision</dt>\s*<dd>2</dd>", page)
    assert "Changes since Revision 1" in page  # a redline between two publications is public


def retag_restyled(root: Path, keep_archive: bool) -> None:
    """Move the publish tag onto a new commit whose paper stylesheet prints other bytes."""
    message = git(root, "tag", "-l", "--format=%(contents)", TAG)
    css = root / "templates/pdf/paper.css"
    css.write_text(css.read_text() + "\nbody { letter-spacing: 0.3pt; }\n")
    if not keep_archive:
        git(root, "rm", "-q", "-r", "published")
    git(root, "commit", "-q", "-am", "New paper style", date="2024-05-02T10:00:00+00:00")
    subprocess.run(["git", "tag", "-f", "-a", "-F", "-", TAG, "HEAD"], cwd=root, input=message, text=True,
                   check=True, capture_output=True,
                   env={**os.environ, **GIT_ENV, "HOME": str(root), "GIT_CONFIG_GLOBAL": os.devnull})


def test_later_templates_do_not_change_a_published_pdf(tmp_path):
    """The committee restyles its papers after publishing: the published PDF is still the tag's."""
    root = published_repo(tmp_path)
    css = root / "templates/pdf/paper.css"
    css.write_text(css.read_text() + "\nbody { letter-spacing: 0.3pt; }\n")
    git(root, "commit", "-q", "-am", "New paper style", date="2024-05-02T10:00:00+00:00")
    clean(root)
    built = cli("build", cwd=root)
    assert built.returncode == 0, built.stderr
    assert sha(root / PDF) == recorded(root)


def test_a_tag_whose_pdf_cannot_be_printed_again_fails_the_build(tmp_path):
    root = published_repo(tmp_path)
    assert cli("build", cwd=root).returncode == 0
    before = site_digest(root / "site")
    # The tag moved onto a commit whose stylesheet prints other bytes than the ones it records,
    # and that lacks the archived PDF (as a tag made by hand, or by an older issuepapers, would).
    retag_restyled(root, keep_archive=False)
    shutil.rmtree(root / ".cache")
    failed = cli("build", cwd=root)
    assert failed.returncode != 0
    assert f"{FINAL}:1:1: error[published-pdf-differs]" in failed.stderr, failed.stderr
    assert DIFFERS_HINT in failed.stderr and "Traceback" not in failed.stderr
    assert site_digest(root / "site") == before  # the previous site, whole
    assert not list(root.glob(".site.building-*"))

    # skipping PDFs is explicit
    skipped = cli("build", "--no-pdf", cwd=root)
    assert skipped.returncode == 0, skipped.stderr


def test_the_archived_pdf_is_the_public_record_whatever_prints_now(tmp_path):
    """publish keeps the PDF in the tag's commit: when the tree would now print other bytes, that PDF is published."""
    root = published_repo(tmp_path)
    tagged = git(root, "rev-list", "-n", "1", TAG).strip()
    archive = f"published/{FINAL.removeprefix('papers/').removesuffix('.md')}/v1.pdf"
    stored = subprocess.run(["git", "show", f"{tagged}:{archive}"], cwd=root, capture_output=True,
                            check=True).stdout
    assert hashlib.sha256(stored).hexdigest() == recorded(root)
    # The tag moved onto a commit whose stylesheet prints other bytes (as a later issuepapers would),
    # with the archived PDF still in it.
    retag_restyled(root, keep_archive=True)
    clean(root)
    built = cli("build", cwd=root)
    assert built.returncode == 0, built.stderr
    assert sha(root / PDF) == recorded(root)


def test_a_failing_pdf_fails_the_build_and_keeps_the_previous_site(tmp_path):
    root = published_repo(tmp_path)
    assert cli("build", cwd=root).returncode == 0
    before = site_digest(root / "site")
    broken = root / "templates/pdf/paper.html.j2"
    broken.write_text(broken.read_text().replace("<body", "{{ no_such_value }}<body", 1))
    failed = cli("build", cwd=root)
    assert failed.returncode != 0
    assert re.search(r"papers/[^:\s]+\.md:1:1: error\[pdf-render\] cannot build the page", failed.stderr), failed.stderr
    assert site_digest(root / "site") == before
    assert not list(root.glob(".site.building-*"))
    # The published paper is printed from its tag's commit, whose template is whole: it is not the one failing.
    assert f"{FINAL}:1:1" not in failed.stderr
    assert cli("build", "--no-pdf", cwd=root).returncode == 0  # skipping PDFs: only when asked


# In-process: the git processes, and life outside git ---------------------------------------


class Spawns:
    """Count the git processes started (subprocess.run and GitPython go through Popen too)."""

    def __init__(self, monkeypatch):
        self.calls: list[list[str]] = []
        real = subprocess.Popen.__init__
        calls = self.calls

        def init(proc, args, *a, **k):
            if isinstance(args, (list, tuple)) and args and args[0] == "git":
                words = [str(x) for x in args[1:]]
                i = 0
                while i < len(words) and words[i].startswith("-"):  # global options: -c k=v, --no-pager
                    i += 2 if words[i] == "-c" else 1
                calls.append(words[i:i + 1])
            return real(proc, args, *a, **k)

        monkeypatch.setattr(subprocess.Popen, "__init__", init)


def test_git_processes_do_not_grow_with_papers_or_tags(tmp_path, monkeypatch):
    from issuepapers.collection import load_collection
    from issuepapers.workflow.published import public_record, render_frozen

    root = published_repo(tmp_path)
    git(root, "commit", "-q", "--allow-empty", "-m", "Another commit", date="2024-05-03T10:00:00+00:00")
    assert cli("publish", CBR, "--yes", cwd=root).returncode == 0  # a second tag, on another commit
    coll = load_collection(root, history=True)  # the repository reading: rev-parse, log, status
    spawns = Spawns(monkeypatch)
    record = public_record(root, coll, preview=False)
    assert spawns.calls == [["for-each-ref"], ["cat-file"]], spawns.calls  # tags; one persistent cat-file
    assert set(record.frozen) == {FINAL, CBR} and record.revisions[FINAL] == record.revisions[CBR] == 1
    assert len({v.commit for v in record.frozen.values()}) == 2
    spawns.calls.clear()
    report = render_frozen(root, list(record.frozen.values()), tmp_path / "out", repo=record.repository)
    assert report.failed == [] and sorted(report.rendered) == sorted([CBR, FINAL])
    assert spawns.calls == [], spawns.calls  # the archived PDFs come through the same cat-file
    assert report.sha256[FINAL] == recorded(root) and report.sha256[CBR] == recorded(root, CBR[:-3] + "/v1")
    # already there with the recorded hashes: no git at all, nothing printed
    spawns.calls.clear()
    again = render_frozen(root, list(record.frozen.values()), tmp_path / "out", repo=record.repository)
    assert again.rendered == [] and sorted(again.skipped) == sorted([CBR, FINAL]) and spawns.calls == []
    # printed again from the tags' trees (no archive to take them from): still the same cat-file
    shutil.rmtree(tmp_path / "out")
    reprint = render_frozen(root, [dataclasses.replace(v, sha256=None) for v in record.frozen.values()],
                            tmp_path / "out", repo=record.repository)
    assert reprint.failed == [] and spawns.calls == [], spawns.calls


def test_a_whole_build_with_pdfs_reads_git_once(tmp_path, monkeypatch):
    """The whole build of the published repository, PDFs and meeting books included: the same five git
    processes as any build (tests/test_history.py), however many papers, tags and meetings."""
    import importlib

    from mkdocs.config import load_config

    from issuepapers.site.build import generate_site

    importlib.import_module("git")  # GitPython's own `git version`, once per process, before counting
    root = published_repo(tmp_path)
    clean(root)
    monkeypatch.setenv("HOME", str(root))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    cfg = load_config(config_file=str(root / "mkdocs.yml"))
    cfg.plugins["issuepapers"].config.pdf = True
    spawns = Spawns(monkeypatch)
    site, errors = generate_site(root, cfg.plugins["issuepapers"].config, cfg, logging.getLogger("test"))
    assert errors is None and site.pages
    assert sorted(c[0] for c in spawns.calls) == ["cat-file", "for-each-ref", "log", "rev-parse", "status"], \
        spawns.calls
    assert sha(root / ".cache/pdf" / PDF.removeprefix("site/pdf/")) == recorded(root)
    assert "SOURCE_DATE_EPOCH" not in os.environ


def test_outside_git_there_is_nothing_frozen_and_no_error(tmp_path, monkeypatch):
    from issuepapers.collection import load_collection
    from issuepapers.site.build import workflow_data
    from issuepapers.workflow.published import public_record

    root = copy_sample(tmp_path / "plain")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))  # never a repository above the temp dir
    coll = load_collection(root, history=True)
    record = public_record(root, coll, preview=False)
    assert record.frozen == {} and record.in_preparation == {} and record.prefix is None
    revisions, redlines = workflow_data(root, coll, logging.getLogger("test"), record=record)
    assert redlines == {}
    assert set(revisions) == {p.path for p in coll.papers if p.status == "published"}  # "Revision 1", untagged
