"""The history layer: one reading of git per command, through GitPython, shared by every output.

Real git repositories in temp dirs. A site build starts the same few git
processes whatever the number of papers, meetings and tags; the rules start
none; nothing is read (and GitPython is not imported) outside git; the build
clock reaches our outputs as an argument, never through the environment.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import GIT_ENV, REPO, copy_sample, git, hermetic_git, make_sample_repo

sys.path.insert(0, str(REPO / "benchmarks"))
from corpus import generate  # noqa: E402  (deterministic committees that pass `check`)

from issuepapers.collection import attach_history, load_collection  # noqa: E402
from issuepapers.history import Repository, prepare_checks, repository_of  # noqa: E402

# What one site build reads, whatever the size of the committee: where the repository is, the
# one-pass log (log + status), every publish tag with its message, and one persistent cat-file
# for every object (papers at their tags, earlier versions for redlines, HEAD's date).
BUILD_PROCESSES = sorted(["rev-parse", "log", "status", "for-each-ref", "cat-file"])


class Spawns:
    """The git processes started (subprocess.run and GitPython both go through Popen)."""

    def __init__(self, monkeypatch):
        self.calls: list[str] = []
        real = subprocess.Popen.__init__
        calls = self.calls

        def init(proc, args, *a, **k):
            if isinstance(args, (list, tuple)) and args and os.path.basename(str(args[0])) == "git":
                words = [str(x) for x in args[1:]]
                i = 0
                while i < len(words) and words[i].startswith("-"):  # global options: -c k=v, --no-pager
                    i += 2 if words[i] == "-c" else 1
                calls.append(words[i] if i < len(words) else "")
            return real(proc, args, *a, **k)

        monkeypatch.setattr(subprocess.Popen, "__init__", init)


def import_gitpython() -> None:
    """GitPython runs `git version` once, when it is first imported: before the counting starts."""
    import importlib

    importlib.import_module("git")


@pytest.fixture(autouse=True)
def hermetic(monkeypatch, tmp_path):
    hermetic_git(monkeypatch, tmp_path)


def committee(dest: Path, documents: int, *, versions: int) -> Path:
    """A generated committee as a git repository: every published paper tagged `versions` times
    (an edit between tags), then every other published paper edited after its last tag."""
    generate(dest, documents, seed=7)
    shutil.copy(REPO / "mkdocs.yml", dest / "mkdocs.yml")
    (dest / "docs").mkdir()
    shutil.copy(REPO / "docs" / "index.md", dest / "docs" / "index.md")
    git(dest, "init", "-q", "-b", "main")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "Start", date="2001-01-01T10:00:00+00:00")
    published = sorted(p.relative_to(dest).as_posix() for p in (dest / "papers").rglob("*.md")
                       if "status: published" in p.read_text())
    assert published
    for v in range(1, versions + 1):
        for rel in published:
            if v > 1:
                with open(dest / rel, "a") as f:
                    f.write(f"\nRevised for version {v}.\n")
        if v > 1:
            git(dest, "commit", "-q", "-am", f"Version {v}", date=f"2001-0{v}-01T10:00:00+00:00")
        for rel in published:
            git(dest, "tag", "-a", f"{rel[:-3]}/v{v}", "-m", f"Publish {rel}",
                date=f"2001-0{v}-01T11:00:00+00:00")
    for rel in published[::2]:
        with open(dest / rel, "a") as f:
            f.write("\nAn edit nobody published yet.\n")
    git(dest, "commit", "-q", "-am", "Edits after publication", date="2001-06-01T10:00:00+00:00")
    return dest


def build(root: Path, *, preview: bool = False):
    """The site build of `mkdocs build` (generate_site), in this process, without PDFs."""
    from mkdocs.config import load_config

    from issuepapers.site.build import generate_site

    cfg = load_config(config_file=str(root / "mkdocs.yml"))
    plugin = cfg.plugins["issuepapers"]
    plugin.config.pdf = False
    plugin.config.preview = preview
    site, errors = generate_site(root, plugin.config, cfg, logging.getLogger("test"))
    assert errors is None, errors
    return site


@pytest.mark.parametrize("preview", [False, True], ids=["public", "preview"])
def test_a_build_starts_the_same_git_processes_for_3_or_12_papers(tmp_path, monkeypatch, preview):
    import_gitpython()

    counts = {}
    for documents, versions in ((3, 1), (15, 3)):  # 3 papers, 3 meetings, 1 tag each; 12, 12, 3 each
        root = committee(tmp_path / f"c{documents}", documents, versions=versions)
        papers = len(list((root / "papers").rglob("*.md")))
        spawns = Spawns(monkeypatch)
        site = build(root, preview=preview)
        monkeypatch.undo()
        counts[papers] = sorted(spawns.calls)
        assert site.pages and "SOURCE_DATE_EPOCH" not in os.environ  # the clock went in as an argument
    assert set(counts) == {3, 12}
    assert counts[3] == counts[12] == BUILD_PROCESSES, counts


def test_the_sample_build_and_its_redlines_read_git_once(tmp_path, monkeypatch):
    """The sample (9 papers, a tag, an edit since): 5 git processes, where 14 were started before."""
    import_gitpython()

    root = make_sample_repo(tmp_path / "repo")
    for tag in ("papers/trade-partnership-engagement/2024-03/v1", "papers/cross-border-recognition/2024-03/v1"):
        git(root, "tag", "-a", tag, "-m", "Publish")
    paper = root / "papers/cross-border-recognition/2024-03.md"
    paper.write_text(paper.read_text().replace("bi-weekly", "monthly"))
    spawns = Spawns(monkeypatch)
    site = build(root, preview=True)
    monkeypatch.undo()
    assert sorted(spawns.calls) == BUILD_PROCESSES, spawns.calls
    assert site.generator.opts.redlines["papers/cross-border-recognition/2024-03.md"].since == "Revision 1"


def test_rules_start_no_git_and_check_reads_only_what_it_judges(tmp_path, monkeypatch):
    from issuepapers.rules import RULES, check_collection

    import_gitpython()
    root = make_sample_repo(tmp_path / "repo")
    cbr = "papers/cross-border-recognition/2024-03.md"
    git(root, "tag", "-a", cbr[:-3] + "/v1", "-m", "Publish")
    (root / cbr).write_text((root / cbr).read_text().replace("bi-weekly", "monthly"))
    draft = "papers/ace-modernization/2024-03.md"  # in review: nothing of git to judge

    spawns = Spawns(monkeypatch)
    coll = load_collection(root)
    assert check_collection(coll, {draft}) is not None and spawns.calls == []  # `check DRAFT`: no git
    found = check_collection(coll, {cbr})
    assert "published-changed-without-revision" in {f.rule for f in found}
    assert spawns.calls == ["rev-parse", "for-each-ref", "cat-file"]
    spawns.calls.clear()
    for r in RULES.values():  # every rule, run again on the prepared collection: not one git process
        if r.fn is not None and "collection" in r.kinds:
            list(r.fn(coll, only=None) if r.scoped else r.fn(coll))
    assert spawns.calls == []
    monkeypatch.undo()


def test_outside_git_nothing_is_read_and_gitpython_is_not_imported(tmp_path):
    root = copy_sample(tmp_path / "plain")
    code = ("import sys; from issuepapers.collection import load_collection\n"
            "from pathlib import Path\nfrom issuepapers.rules import check_collection\n"
            f"coll = load_collection(Path({str(root)!r}), history=True)\n"
            "check_collection(coll)\n"
            "assert coll.history.warnings == ['not a git repository'] and coll.history.tags == {}\n"
            "print('git' in sys.modules)\n")
    env = {**os.environ, "GIT_CEILING_DIRECTORIES": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False", done.stderr


def test_the_collection_carries_one_reading(tmp_path):
    root = make_sample_repo(tmp_path / "repo")
    coll = load_collection(root, history=True)
    repo = coll.history
    assert isinstance(repo, Repository) and repository_of(coll) is repo and attach_history(coll) is repo
    assert repo.top == root.resolve() and repo.prefix == "" and not repo.detached and not repo.shallow
    cbr = coll.by_path["papers/cross-border-recognition/2024-03.md"]
    assert cbr.history is repo.get(cbr.path) and cbr.history.revisions == 2
    assert repo.last_commit_date().isoformat() == "2024-02-02T15:30:00+00:00"
    assert cbr.history.commits[0].label.endswith(" (2024-02-02)")
    prepare_checks(coll)  # published papers without tags: nothing to read
    assert repo.tags == {}


def test_a_committee_folder_below_the_top_of_its_repository(tmp_path):
    top = tmp_path / "top"
    root = copy_sample(top / "committee")
    git(top, "init", "-q", "-b", "main")
    git(top, "add", "-A")
    git(top, "commit", "-q", "-m", "Start", date="2024-01-26T10:00:00+00:00")
    cbr = "papers/cross-border-recognition/2024-03.md"
    git(top, "tag", "-a", cbr[:-3] + "/v1", "-m", "Publish")
    coll = load_collection(root, history=True)
    repo = coll.history
    assert repo.top == top.resolve() and repo.prefix == "committee/"
    assert coll.by_path[cbr].history.revisions == 1  # documents find their history by their own path
    assert repo.blob(repo.latest_tag(cbr).commit, cbr) == (root / cbr).read_bytes()
    assert repo.working_revisions(coll.papers)[cbr] == 1


def test_hostile_environment_and_configuration_do_not_reach_git(tmp_path, monkeypatch):
    root = make_sample_repo(tmp_path / "repo")
    elsewhere = make_sample_repo(tmp_path / "elsewhere")
    git(elsewhere, "commit", "-q", "--allow-empty", "-m", "Theirs", date="2030-01-01T00:00:00+00:00")
    hostile = tmp_path / "gitconfig"
    hostile.write_text("[core]\n\tfsmonitor = false-monitor-that-does-not-exist\n\tpager = false\n"
                       "[log]\n\tshowSignature = true\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(hostile))
    monkeypatch.setenv("GIT_DIR", str(elsewhere / ".git"))
    monkeypatch.setenv("GIT_WORK_TREE", str(elsewhere))
    monkeypatch.setenv("GIT_INDEX_FILE", str(elsewhere / ".git" / "index"))
    monkeypatch.setenv("GIT_OBJECT_DIRECTORY", str(elsewhere / ".git" / "objects"))
    monkeypatch.setenv("GIT_CONFIG_PARAMETERS", "'log.showroot'='false'")
    repo = Repository.open(root)
    assert repo.top == root.resolve()
    assert repo.last_commit_date().year == 2024  # our HEAD, not theirs
    assert repo.read_log().get("papers/forced-labor/2024-06.md").revisions == 1


def test_publish_tags_carry_commits_dates_and_messages(tmp_path):
    root = make_sample_repo(tmp_path / "repo")
    cbr = "papers/cross-border-recognition/2024-03.md"
    message = "Publish it (revision 1)\n\nPDF-SHA256: " + "ab" * 32 + "\n"
    subprocess.run(["git", "tag", "-a", "-F", "-", cbr[:-3] + "/v1", "HEAD"], cwd=root, input=message, text=True,
                   check=True, env={**os.environ, **GIT_ENV, "GIT_COMMITTER_DATE": "2024-03-01T09:00:00+00:00"})
    git(root, "tag", cbr[:-3] + "/v2", "HEAD~1")  # lightweight: no message, nothing recorded
    git(root, "tag", "not-a-publish-tag")
    v1, v2 = Repository.open(root).tags[cbr]
    assert (v1.name, v1.number, v1.subject, v1.sha256) == (cbr[:-3] + "/v1", 1, "Publish it (revision 1)", "ab" * 32)
    assert v1.date.startswith("2024-03-01T09:00:00") and v1.committed.isoformat() == "2024-02-02T15:30:00+00:00"
    assert (v2.number, v2.subject, v2.sha256) == (2, "", None) and v2.commit != v1.commit


def test_mkdocs_gets_the_build_clock_only_while_it_builds(tmp_path):
    """The sitemap's dates (and its .gz header) are the last commit's; SOURCE_DATE_EPOCH is gone after."""
    import datetime as dt
    import gzip

    from issuepapers.site.build import run_build

    root = committee(tmp_path / "c", 3, versions=1)  # last commit: 2001-06-01
    assert run_build(root / "mkdocs.yml", pdf=False) == 0
    assert "SOURCE_DATE_EPOCH" not in os.environ
    sitemap = (root / "site" / "sitemap.xml").read_text()
    assert sitemap.count("<lastmod>2001-06-01</lastmod>") == sitemap.count("<lastmod>") > 3
    packed = (root / "site" / "sitemap.xml.gz").read_bytes()
    assert gzip.decompress(packed).decode() == sitemap
    midnight = dt.datetime(2001, 6, 1, tzinfo=dt.timezone.utc)
    assert int.from_bytes(packed[4:8], "little") == int(midnight.timestamp())  # gzip's MTIME field
