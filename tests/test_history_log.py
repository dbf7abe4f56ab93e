"""issuepapers.history.log (the one-pass log, read with GitPython) against real git repositories in tmp_path."""

from __future__ import annotations

import datetime
import os
import subprocess
from pathlib import Path

import pytest

from issuepapers.history.log import Commit, FileHistory, History, read_history

ALICE = ("Alice Analyst", "alice@example.org")
BOB = ("Bob Büro", "bob@example.org")
UTC = datetime.timezone.utc
PLUS2 = datetime.timezone(datetime.timedelta(hours=2))


@pytest.fixture(autouse=True)
def hermetic_git(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep the user's and the system's git configuration out of the tests."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        monkeypatch.delenv(name, raising=False)


def git(
    repo: Path, *args: str, author: tuple[str, str] = ALICE, date: str = "2024-01-01T12:00:00Z"
) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": author[0],
        "GIT_AUTHOR_EMAIL": author[1],
        "GIT_COMMITTER_NAME": author[0],
        "GIT_COMMITTER_EMAIL": author[1],
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_DATE": date,
    }
    done = subprocess.run(
        ["git", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *args],
        cwd=repo, env=env, capture_output=True, text=True, check=True,
    )
    return done.stdout.strip()


def write(repo: Path, path: str, text: str) -> None:
    file = repo / path
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(text, encoding="utf-8")


def commit(repo: Path, message: str, *, author: tuple[str, str] = ALICE, date: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message, author=author, date=date)
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = tmp_path / "repo"
    path.mkdir()
    git(path, "init", "-q")
    return path


PAPER = "papers/cargo-security/2024-03.md"
OTHER = "papers/bond/2024-03.md"


def test_created_modified_revisions_authors(repo: Path) -> None:
    write(repo, PAPER, "v1\n")
    c1 = commit(repo, "Draft the paper", date="2024-01-05T09:00:00+02:00")
    write(repo, PAPER, "v2\n")
    c2 = commit(repo, "Review comments", author=BOB, date="2024-01-20T10:30:00+00:00")
    write(repo, PAPER, "v3\n")
    c3 = commit(repo, "Final", date="2024-02-01T08:00:00+00:00")
    write(repo, "README.md", "outside the pathspecs\n")
    commit(repo, "Readme", author=("Carol", "c@example.org"), date="2024-03-01T00:00:00+00:00")

    history = read_history(repo)

    assert history.root == repo.resolve()
    assert history.warnings == [] and history.shallow is False
    assert list(history.files) == [PAPER]
    paper = history.get(PAPER)
    assert [c.sha for c in paper.commits] == [c3, c2, c1]
    assert paper.revisions == 3
    assert paper.created == datetime.datetime(2024, 1, 5, 9, 0, tzinfo=PLUS2)
    assert paper.created.utcoffset() == datetime.timedelta(hours=2)  # the author's offset is kept
    assert paper.modified == datetime.datetime(2024, 2, 1, 8, 0, tzinfo=UTC)
    assert paper.authors == ["Alice Analyst", "Bob Büro"]
    assert paper.commits[1] == Commit(
        sha=c2, author="Bob Büro", email="bob@example.org",
        date=datetime.datetime(2024, 1, 20, 10, 30, tzinfo=UTC), subject="Review comments",
    )
    assert paper.uncommitted is False and paper.previous_paths == []
    # HEAD (the README commit) touches no paper, and is still the build date.
    assert history.last_commit_date() == datetime.datetime(2024, 3, 1, tzinfo=UTC)


def test_rename_keeps_older_commits_and_odd_names(repo: Path) -> None:
    old, middle = "papers/wg/old name.md", "papers/wg/2024-06.md"
    new = "papers/wg/Zoll – März.md"
    # An unrelated, since deleted, file once had the middle name.
    write(repo, middle, "an unrelated paper, withdrawn\n")
    commit(repo, "unrelated", date="2023-12-01T00:00:00+00:00")
    (repo / middle).unlink()
    commit(repo, "withdraw unrelated", date="2023-12-02T00:00:00+00:00")
    write(repo, old, "line one\nline two\nline three\n")
    c1 = commit(repo, "create", date="2024-01-01T00:00:00+00:00")
    write(repo, old, "line one\nline two\nline three\nline four\n")
    c2 = commit(repo, "edit", author=BOB, date="2024-01-02T00:00:00+00:00")
    git(repo, "mv", old, middle)
    c3 = commit(repo, "rename", date="2024-01-03T00:00:00+00:00")
    git(repo, "mv", middle, new)
    write(repo, new, "line one\nline two\nline three\nline four\nline five\n")
    c4 = commit(repo, "rename with an edit", author=BOB, date="2024-01-04T00:00:00+00:00")
    # A new file later takes the first name: its history starts afresh.
    write(repo, old, "a different paper\n")
    c5 = commit(repo, "reuse the old name", date="2024-01-05T00:00:00+00:00")

    history = read_history(repo)

    assert sorted(history.files) == sorted([new, old])
    paper = history.files[new]
    assert [c.sha for c in paper.commits] == [c4, c3, c2, c1]
    assert paper.previous_paths == [middle, old]
    assert paper.created == datetime.datetime(2024, 1, 1, tzinfo=UTC)
    assert paper.authors == ["Alice Analyst", "Bob Büro"]
    assert [c.sha for c in history.files[old].commits] == [c5]
    assert middle not in history.files


def test_merged_branch_commits_are_listed(repo: Path) -> None:
    write(repo, PAPER, "v1\n")
    write(repo, OTHER, "o1\n")
    c1 = commit(repo, "start", date="2024-01-01T00:00:00+00:00")
    git(repo, "checkout", "-q", "-b", "feature")
    write(repo, PAPER, "v1\nfrom the branch\n")
    c2 = commit(repo, "branch edit", author=BOB, date="2024-01-02T00:00:00+00:00")
    git(repo, "checkout", "-q", "main")
    write(repo, OTHER, "o1\no2\n")
    c3 = commit(repo, "main edit", date="2024-01-03T00:00:00+00:00")
    git(repo, "merge", "-q", "--no-ff", "-m", "Merge feature", "feature",
        date="2024-01-04T00:00:00+00:00")
    merge = git(repo, "rev-parse", "HEAD")

    history = read_history(repo)

    assert [c.sha for c in history.files[PAPER].commits] == [c2, c1]
    assert [c.sha for c in history.files[OTHER].commits] == [c3, c1]
    assert history.files[PAPER].authors == ["Alice Analyst", "Bob Büro"]
    assert all(c.sha != merge for f in history.files.values() for c in f.commits)
    assert history.last_commit_date() == datetime.datetime(2024, 1, 4, tzinfo=UTC)


@pytest.mark.parametrize("edit_first", [True, False], ids=["edit-older", "edit-newer"])
def test_edit_of_old_name_on_a_parallel_branch_follows_the_rename(
    repo: Path, edit_first: bool
) -> None:
    old, new = "papers/wg/2024-03.md", "papers/wg/2024-06.md"
    write(repo, old, "".join(f"line {n}\n" for n in range(20)))
    c1 = commit(repo, "create", date="2024-01-01T00:00:00+00:00")
    git(repo, "checkout", "-q", "-b", "edit")
    write(repo, old, "".join(f"line {n}\n" for n in range(20)) + "an edit\n")
    days = ("2024-01-02", "2024-01-03")
    edit_date, rename_date = days if edit_first else days[::-1]
    c_edit = commit(repo, "edit old name", author=BOB, date=f"{edit_date}T00:00:00+00:00")
    git(repo, "checkout", "-q", "main")
    git(repo, "mv", old, new)
    c_rename = commit(repo, "move to June", date=f"{rename_date}T00:00:00+00:00")
    git(repo, "merge", "-q", "--no-ff", "-m", "merge edit", "edit",
        date="2024-01-04T00:00:00+00:00")
    assert "an edit" in (repo / new).read_text() and not (repo / old).exists()

    history = read_history(repo)

    assert list(history.files) == [new]
    expected = [c_rename, c_edit, c1] if edit_first else [c_edit, c_rename, c1]
    assert [c.sha for c in history.files[new].commits] == expected
    assert history.files[new].previous_paths == [old]


def test_repository_without_commits(repo: Path) -> None:
    history = read_history(repo)
    assert history.root == repo.resolve()
    assert history.files == {}
    assert history.warnings == ["no commits yet"]
    assert history.last_commit_date() is None
    # A first paper, before the first commit, is listed as uncommitted.
    write(repo, PAPER, "draft\n")
    draft = read_history(repo).files[PAPER]
    assert draft.uncommitted and draft.commits == [] and draft.created is None


def test_uncommitted_and_untracked_files(repo: Path) -> None:
    clean, modified, moved, gone = (f"papers/wg/2024-0{n}.md" for n in (1, 2, 3, 4))
    for path in (clean, modified, moved, gone):
        write(repo, path, f"{path}\nsome text that stays the same\n")
    c1 = commit(repo, "four papers", date="2024-01-01T00:00:00+00:00")
    write(repo, modified, "changed in the work tree\n")
    new = "papers/new-wg/2024-06 draft é.md"  # in an untracked folder
    write(repo, new, "new\n")
    git(repo, "mv", moved, "papers/wg/2024-09.md")
    (repo / gone).unlink()

    history = read_history(repo)

    assert sorted(history.files) == sorted([clean, modified, new, "papers/wg/2024-09.md"])
    assert history.files[clean].uncommitted is False
    assert history.files[modified].uncommitted is True
    assert [c.sha for c in history.files[modified].commits] == [c1]
    untracked = history.files[new]
    assert untracked.uncommitted is True and untracked.commits == [] and untracked.revisions == 0
    assert untracked.created is None and untracked.modified is None and untracked.authors == []
    staged = history.files["papers/wg/2024-09.md"]
    assert staged.uncommitted is True
    assert [c.sha for c in staged.commits] == [c1] and staged.previous_paths == [moved]


def test_shallow_clone_is_reported(repo: Path, tmp_path: Path) -> None:
    for n in range(3):
        write(repo, PAPER, f"v{n}\n")
        commit(repo, f"rev {n}", date=f"2024-01-0{n + 1}T00:00:00+00:00")
    full = read_history(repo)
    assert full.shallow is False and full.files[PAPER].revisions == 3

    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", repo.resolve().as_uri(), str(clone))
    history = read_history(clone)

    assert history.shallow is True
    assert history.warnings == ["shallow clone: history is truncated"]
    assert history.files[PAPER].revisions == 1


def test_directory_outside_any_repository(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    write(outside, PAPER, "not versioned\n")

    history = read_history(outside)

    assert history.root is None
    assert history.files == {}
    assert history.warnings == ["not a git repository"]
    assert history.get(PAPER) == FileHistory(path=PAPER, commits=[])
    assert history.last_commit_date() is None
    assert read_history(tmp_path / "missing").warnings == ["not a git repository"]


def test_repository_named_by_the_environment_is_ignored(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(repo, PAPER, "v1\n")
    commit(repo, "ours", date="2024-01-01T00:00:00+00:00")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    git(elsewhere, "init", "-q")
    write(elsewhere, OTHER, "x\n")
    commit(elsewhere, "theirs", date="2024-01-01T00:00:00+00:00")
    # As inside a git hook of another repository.
    monkeypatch.setenv("GIT_DIR", str(elsewhere / ".git"))
    monkeypatch.setenv("GIT_WORK_TREE", str(elsewhere))
    monkeypatch.setenv("GIT_CONFIG_PARAMETERS", "'log.showroot'='false'")

    history = read_history(repo)

    assert history.root == repo.resolve()
    assert list(history.files) == [PAPER]
    assert history.files[PAPER].revisions == 1


def test_output_is_deterministic_and_lookups_normalise(repo: Path) -> None:
    for day, name in enumerate(("b", "a", "c"), start=1):  # newest commit is not first by name
        write(repo, f"papers/wg-{name}/2024-03.md", name)
        write(repo, f"recommendations/17/17-00{ord(name) - 96}.md", name)
        commit(repo, name, date=f"2024-01-0{day}T00:00:00+00:00")

    first, second = read_history(repo), read_history(repo)

    assert first == second
    assert list(first.files) == sorted(first.files)
    assert len(first.files) == 6
    assert first.get(repo / "papers/wg-a/2024-03.md") is first.files["papers/wg-a/2024-03.md"]
    assert first.get("./papers/wg-a/2024-03.md").revisions == 1
    assert first.get("papers/unknown.md") == FileHistory(path="papers/unknown.md", commits=[])
    only_papers = read_history(repo / "papers", pathspecs=("wg-a",))
    assert list(only_papers.files) == ["papers/wg-a/2024-03.md"]  # keys stay top-level relative


def test_user_configuration_does_not_change_the_result(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hostile = tmp_path / "gitconfig"
    hostile.write_text(
        "[log]\n\tshowRoot = false\n\tfollow = true\n"
        "[diff]\n\trenames = false\n\trelative = true\n"
        "[status]\n\trenames = false\n[core]\n\tquotepath = true\n"
    )

    def both(*args: object, **kwargs: object) -> tuple[History, History]:
        monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
        plain = read_history(*args, **kwargs)
        monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(hostile))
        return plain, read_history(*args, **kwargs)

    write(repo, PAPER, "".join(f"line {n}\n" for n in range(20)))
    c1 = commit(repo, "create", date="2024-01-01T00:00:00+00:00")
    june, september = "papers/cargo-security/2024-06.md", "papers/cargo-security/2024-09.md"
    git(repo, "mv", PAPER, june)
    c2 = commit(repo, "move", date="2024-01-02T00:00:00+00:00")
    plain, configured = both(repo, pathspecs=(june,))  # one file: log.follow would apply
    assert [c.sha for c in plain.files[june].commits] == [c2] and configured == plain

    git(repo, "mv", june, september)
    plain, configured = both(repo)
    assert [c.sha for c in plain.files[september].commits] == [c2, c1]
    assert configured == plain
    assert both(repo / "papers", pathspecs=("cargo-security",))[1] == plain


def test_history_type_is_plain_data() -> None:
    empty = History(root=None, files={})
    assert empty.shallow is False and empty.warnings == []
    assert empty.get("x.md").revisions == 0
