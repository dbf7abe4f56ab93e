"""Odd, hostile and damaged git repositories: every command that reads git works or says why, never a traceback,
and `publish` is all or nothing.

Commits and tags are written by hand (`git hash-object -t commit --literally`):
names and emails holding the log's old field separators (\\x1f, \\x1e), NUL,
newlines, bytes that are not UTF-8 and terminal escapes; time zones such as
+9959, +99999, none; timestamps past 2106 and past 9999; tags on blobs, trees
and tags, without a tagger, with odd messages. Damage is real too: loose and
packed objects deleted or corrupted, a tag on a missing object, shallow clones.

`publish` fails after its commit in real ways (a signing program that fails, a
hook that makes the tag in between, a hook that refuses the archive commit, a
file where the archive's folder goes), and the repository is then exactly as it
was: branch, HEAD, index bytes, every file, every ref.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import GIT_ENV, hermetic_git, make_sample_repo, run_cli
from issuepapers.cli import main
from issuepapers.history import Repository, raw

PAPER = "papers/cross-border-recognition/2024-03.md"  # published and signed; three commits in the sample
FINAL = "papers/ipr-process-modernization/2025-09.md"  # status: final, signed: publish commits it
TAG = "papers/cross-border-recognition/2024-03/v1"
FINAL_TAG = "papers/ipr-process-modernization/2025-09/v1"


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    return make_sample_repo(tmp_path_factory.mktemp("base") / "repo")


@pytest.fixture
def repo(base: Path, tmp_path: Path, monkeypatch) -> Path:
    """A fresh copy of the sample repository; git and the in-process CLI see only it."""
    root = tmp_path / "repo"
    shutil.copytree(base, root, symlinks=True)
    hermetic_git(monkeypatch, tmp_path)
    monkeypatch.chdir(root)
    return root


def git(root: Path, *args: str, input: bytes | None = None, check: bool = True, **extra: str) -> bytes:
    env = {**os.environ, **GIT_ENV, "HOME": str(root), "GIT_CONFIG_GLOBAL": os.devnull,
           "GIT_AUTHOR_DATE": "2024-03-01T12:00:00+00:00", "GIT_COMMITTER_DATE": "2024-03-01T12:00:00+00:00",
           **extra}
    return subprocess.run(["git", *args], cwd=root, env=env, check=check, capture_output=True, input=input).stdout


def rev(root: Path, spec: str) -> str:
    return git(root, "rev-parse", spec).decode().strip()


def commit_by_hand(root: Path, author: bytes | None = b"A <a@example.org> 1706000000 +0000",
                   committer: bytes | None = None, message: bytes = b"Edit\n", headers: bytes = b"") -> str:
    """A commit object written byte for byte (git checks none of it), editing PAPER; the branch moves to it."""
    paper = root / PAPER
    paper.write_bytes(paper.read_bytes() + b"\nA line added by hand.\n")
    git(root, "add", PAPER)
    body = b"tree " + git(root, "write-tree").strip() + b"\nparent " + rev(root, "HEAD").encode() + b"\n"
    if author is not None:
        body += b"author " + author + b"\n"
    committer = committer if committer is not None else author or b"C <c@example.org> 1706000000 +0000"
    body += b"committer " + committer + b"\n" + headers + b"\n" + message
    sha = git(root, "hash-object", "-t", "commit", "-w", "--literally", "--stdin", input=body).strip().decode()
    git(root, "update-ref", "HEAD", sha)
    return sha


def tag_by_hand(root: Path, name: str, target: str, kind: bytes = b"commit",
                tagger: bytes | None = b"T <t@example.org> 1706000000 +0000", message: bytes = b"Publish\n") -> str:
    body = b"object " + target.encode() + b"\ntype " + kind + b"\ntag " + name.encode() + b"\n"
    if tagger is not None:
        body += b"tagger " + tagger + b"\n"
    sha = git(root, "hash-object", "-t", "tag", "-w", "--literally", "--stdin",
              input=body + b"\n" + message).strip().decode()
    git(root, "update-ref", f"refs/tags/{name}", sha)
    return sha


def loose(root: Path, sha: str) -> Path:
    return root / ".git" / "objects" / sha[:2] / sha[2:]


def cli(*args: str) -> tuple[int, str, str]:
    """The CLI in this process (the repository fixture chdir'd there): a traceback fails the test."""
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def printable(text: str) -> bool:
    return text.isprintable()


# -- what git records, read whatever it holds --------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [
    (b"1706000000 +0000", "2024-01-23T08:53:20+00:00"),
    (b"1706000000 +0130", "2024-01-23T10:23:20+01:30"),
    (b"1706000000 -0000", "2024-01-23T08:53:20+00:00"),
    (b"1706000000 +9959", "2024-01-23T08:53:20+00:00"),  # hours past 23: UTC, the instant kept
    (b"1706000000 -2400", "2024-01-23T08:53:20+00:00"),
    (b"1706000000 +0060", "2024-01-23T08:53:20+00:00"),
    (b"1706000000 +99999", "2024-01-23T08:53:20+00:00"),
    (b"1706000000 abc", "2024-01-23T08:53:20+00:00"),
    (b"1706000000", "2024-01-23T08:53:20+00:00"),
    (b"0 +0000", "1970-01-01T00:00:00+00:00"),
    (b"99999999999999 +0000", "2106-02-07T06:28:15+00:00"),  # clamped: past what gzip and PDFs hold
    (b"9" * 6000 + b" +0100", "2106-02-07T07:28:15+01:00"),  # no int() of thousands of digits
    (b"-5 +0000", "1970-01-01T00:00:00+00:00"),
])
def test_raw_dates_survive_odd_zones_and_timestamps(value, expected):
    assert raw.date(value).isoformat() == expected


@pytest.mark.parametrize("value", [b"", b"x", b"%aI", b"+0000", None])
def test_a_date_git_cannot_read_is_none(value):
    assert raw.date(value) is None


@pytest.mark.parametrize(("line", "name", "email"), [
    (b"A\x1fB <a@x> 1 +0000", "A B", "a@x"),
    (b"A\x1eB <a\x1fb@x> 1 +0000", "A B", "a b@x"),
    (b"\xff\xfe bad <a@x> 1 +0000", "\ufffd\ufffd bad", "a@x"),
    (b"\x1b[31mred\x07 <a@x> 1 +0000", "[31mred", "a@x"),
    (b"just a name", "just a name", ""),
    (b"<> 1 +0000", "", ""),
    (b"A <a@x> <b@y> 1 +0000", "A", "a@x> <b@y"),
])
def test_identities_become_one_printable_line(line, name, email):
    got = raw.ident(line)
    assert got[:2] == (name, email)
    assert printable(got[0]) and printable(got[1])


# -- hostile commits: history, diff and check work, and print what can be printed ------------------------

IDENTITIES = {
    "unit separator in the name": b"A\x1fB <a@example.org> 1706000000 +0000",
    "record separator in the name": b"A\x1eB <a@example.org> 1706000000 +0000",
    "both in the email": b"A <a\x1f\x1e@example.org> 1706000000 +0000",
    "NUL in the name": b"A\x00B <a@example.org> 1706000000 +0000",
    "not UTF-8": b"\xff\xfe\xc3 <\xff@example.org> 1706000000 +0000",
    "terminal escapes": b"\x1b]0;pwned\x07\x1b[2J <a@example.org> 1706000000 +0000",
    "empty name": b" <a@example.org> 1706000000 +0000",
    "no brackets": b"just a name 1706000000 +0000",
    "zone +9959": b"A <a@example.org> 1706000000 +9959",
    "zone -9959": b"A <a@example.org> 1706000000 -9959",
    "zone +2400": b"A <a@example.org> 1706000000 +2400",
    "zone +99999": b"A <a@example.org> 1706000000 +99999",
    "zone -0000": b"A <a@example.org> 1706000000 -0000",
    "no zone": b"A <a@example.org> 1706000000",
    "zone not a number": b"A <a@example.org> 1706000000 abc",
    "timestamp past 9999": b"A <a@example.org> 99999999999999 +0000",
    "timestamp past 2**64": b"A <a@example.org> 18446744073709551617 +0000",
    "timestamp of the year 10000": b"A <a@example.org> 253402300800 +0000",
    "timestamp 0": b"A <a@example.org> 0 +0000",
    "negative timestamp": b"A <a@example.org> -1 +0000",
    "timestamp not a number": b"A <a@example.org> x +0000",
}


@pytest.mark.parametrize("author", list(IDENTITIES.values()), ids=list(IDENTITIES))
def test_odd_identities_and_dates_are_read(repo, author):
    sha = commit_by_hand(repo, author=author)
    code, out, err = cli("history", "--format", "json", PAPER)
    assert code == 0, err
    record = json.loads(out)
    [mine] = [c for c in record["commits"] if c["sha"] == sha]
    assert printable(mine["author"]) and printable(mine["email"]) and printable(mine["subject"])
    assert dt.datetime.fromisoformat(mine["date"]).year in range(1970, 2107)
    code, out, err = cli("history", PAPER)
    assert code == 0 and all(printable(line) for line in out.splitlines()), err
    code, out, err = cli("diff", "--format", "text", PAPER)
    assert code == 0 and "A line added by hand." in out, err
    code, out, err = cli("check", PAPER)
    assert code in (0, 1) and "Traceback" not in err


def test_a_commit_without_an_author_takes_its_committers_date(repo):
    sha = commit_by_hand(repo, author=None, committer=b"C <c@example.org> 1706000000 +0100")
    record = json.loads(cli("history", "--format", "json", PAPER)[1])
    [mine] = [c for c in record["commits"] if c["sha"] == sha]
    assert mine["author"] == "" and mine["date"] == "2024-01-23T09:53:20+01:00"


def test_a_newline_in_a_name_breaks_no_field(repo):
    sha = commit_by_hand(repo, author=b"A\nB <a@example.org> 1706000000 +0000",
                         committer=b"C <c@example.org> 1706000000 +0000")
    record = json.loads(cli("history", "--format", "json", PAPER)[1])
    assert [c["sha"] for c in record["commits"]] == [sha, rev(repo, "HEAD~1"), rev(repo, "HEAD~2")]


MESSAGES = {
    "separators": b"a\x1fb\x1ec\n",
    "NUL": b"\x00after a NUL\n",
    "not UTF-8": b"caf\xe9 \xff\n",
    "empty": b"",
    "blank lines only": b"\n\n\n",
    "separators and NULs": b"x\x1e\x1f\x00" * 3,
    "escapes": b"\x1b[31mred\x1b[0m\n",
}


@pytest.mark.parametrize("message", list(MESSAGES.values()), ids=list(MESSAGES))
def test_odd_messages_are_read(repo, message):
    sha = commit_by_hand(repo, message=message)
    code, out, err = cli("history", "--format", "json", PAPER)
    assert code == 0, err
    [mine] = [c for c in json.loads(out)["commits"] if c["sha"] == sha]
    assert printable(mine["subject"])


@pytest.mark.parametrize("headers", [b"encoding ISO-8859-1\n", b"encoding no-such-encoding\n",
                                     b"encoding UTF-16\n", b"gpgsig -----BEGIN\n not a signature\n"])
def test_odd_encodings_and_headers(repo, headers):
    sha = commit_by_hand(repo, author=b"Ren\xe9 <r@example.org> 1706000000 +0000", message=b"caf\xe9\n",
                         headers=headers)
    code, out, err = cli("history", "--format", "json", PAPER)
    assert code == 0, err
    [mine] = [c for c in json.loads(out)["commits"] if c["sha"] == sha]
    assert printable(mine["author"]) and mine["author"].startswith("Ren")


# -- tags ------------------------------------------------------------------------------------------------


def _lightweight(root):
    git(root, "tag", TAG)


def _on_a_blob(root):
    git(root, "tag", TAG, rev(root, f"HEAD:{PAPER}"))


def _on_a_tree(root):
    git(root, "tag", "-a", "-m", "x", TAG, rev(root, "HEAD^{tree}"))


def _odd_message(root):
    tag_by_hand(root, TAG, rev(root, "HEAD"), message=b"\x00\x1e\n\x1f\xff PDF-SHA256: zz\n")


def _forged_records(root):
    tag_by_hand(root, TAG, rev(root, "HEAD"),
                message=b"Publish\x1e\nrefs/tags/papers/x/2024-03/v1\n\x1e\n" + b"PDF-SHA256: " + b"a" * 64 + b"\n")


def _odd_tagger(root):
    tag_by_hand(root, TAG, rev(root, "HEAD"), tagger=b"\x1f\xff\n <> 99999999999999 +9959")


def _no_tagger(root):
    tag_by_hand(root, TAG, rev(root, "HEAD"), tagger=None)


def _tag_of_a_tag(root):
    tag_by_hand(root, TAG, tag_by_hand(root, "inner", rev(root, "HEAD")), kind=b"tag")


def _on_an_odd_commit(root):
    sha = commit_by_hand(root, author=b"\x1f\xff <a@x> 99999999999999 +9959")
    git(root, "tag", "-a", "-m", "PDF-SHA256: " + "a" * 64, TAG, sha)


def _odd_numbers(root):
    for name in ("papers/cross-border-recognition/2024-03/v0", "papers/cross-border-recognition/2024-03/v01",
                 "papers/v1", "papers/x/v" + "9" * 200):
        git(root, "tag", name)


TAGS = {"lightweight": _lightweight, "on a blob": _on_a_blob, "on a tree": _on_a_tree,
        "odd message": _odd_message, "forged records": _forged_records, "odd tagger": _odd_tagger,
        "no tagger": _no_tagger, "tag of a tag": _tag_of_a_tag, "on an odd commit": _on_an_odd_commit,
        "odd numbers": _odd_numbers}


@pytest.mark.parametrize("make", list(TAGS.values()), ids=list(TAGS))
def test_odd_tags_are_read_or_left_out(repo, make):
    make(repo)
    code, out, err = cli("history", "--format", "json", PAPER)
    assert code == 0, err
    record = json.loads(out)
    assert [p["tag"] for p in record["published"]] in ([], [TAG])
    for p in record["published"]:
        dt.datetime.fromisoformat(p["date"])
    tags = Repository.open(repo).tags
    assert set(tags) <= {PAPER}  # nothing forged by a message
    code, out, err = cli("diff", "--format", "text", PAPER)
    assert code in (0, 2) and "Traceback" not in err
    assert cli("check", PAPER)[0] in (0, 1)


# -- damage: each command works or reports `git-history`, with a hint ------------------------------------


def _missing_old_blob(root):
    loose(root, rev(root, f"HEAD~1:{PAPER}")).unlink()


def _missing_head_blob(root):
    loose(root, rev(root, f"HEAD:{PAPER}")).unlink()


def _missing_commit(root):
    loose(root, rev(root, "HEAD~1")).unlink()


def _missing_head(root):
    loose(root, rev(root, "HEAD")).unlink()


def _missing_tree(root):
    loose(root, rev(root, "HEAD~1^{tree}")).unlink()


def _corrupt_blob(root):
    path = loose(root, rev(root, f"HEAD~1:{PAPER}"))
    path.chmod(0o644)
    path.write_bytes(b"not zlib at all")


def _missing_tag_target(root):
    tag_by_hand(root, TAG, "1" * 40)


def _missing_tagged_commit(root):
    git(root, "tag", "-a", "-m", "x", TAG, "HEAD~1")
    loose(root, rev(root, "HEAD~1")).unlink()


def _missing_blob_at_a_tag(root):
    git(root, "tag", "-a", "-m", "x", TAG, "HEAD~1")
    loose(root, rev(root, f"HEAD~1:{PAPER}")).unlink()


def _packed_without_a_blob(root):
    git(root, "repack", "-a", "-d", "-q")
    gone = rev(root, f"HEAD~1:{PAPER}")
    objects = [line.split()[0] for line in git(root, "rev-list", "--objects", "--all").decode().splitlines()]
    old = list((root / ".git/objects/pack").iterdir())
    keep = "".join(f"{o}\n" for o in objects if o != gone).encode()
    git(root, "pack-objects", "-q", str(root / ".git/objects/pack/pack"), input=keep)
    for path in old:
        path.chmod(0o644)
        path.unlink()


def _bad_ref(root):
    (root / ".git/refs/heads/main").write_text("zzzz\n")


DAMAGE = {"missing old blob": _missing_old_blob, "missing HEAD blob": _missing_head_blob, "missing commit": _missing_commit, "missing HEAD": _missing_head,
          "missing tree": _missing_tree, "corrupt blob": _corrupt_blob, "missing tag target": _missing_tag_target,
          "missing tagged commit": _missing_tagged_commit, "missing blob at a tag": _missing_blob_at_a_tag,
          "packed without a blob": _packed_without_a_blob, "bad ref": _bad_ref}


@pytest.mark.parametrize("damage", list(DAMAGE.values()), ids=list(DAMAGE))
def test_damage_is_reported_never_a_traceback(repo, damage):
    damage(repo)
    for args in (("history", PAPER), ("history", "--format", "json", PAPER), ("diff", "--format", "text", PAPER)):
        code, out, err = cli(*args)
        assert code in (0, 1, 2), (args, err)
        if code == 1 and "json" in args:
            [finding] = json.loads(out)
            assert (finding["path"], finding["rule"]) == (PAPER, "git-history") and finding["hint"], out
        elif code == 1:
            assert f"{PAPER}:1:1: error[git-history] " in err and "hint:" in err, (args, err, out)
    assert cli("check")[0] in (0, 1)
    if damage is _bad_ref:
        return  # no branch to publish on: refused as a repository without commits
    before = state(repo)
    done = run_cli("publish", PAPER, "--yes", cwd=repo, env=_env(repo))
    assert "Traceback" not in done.stderr
    if done.returncode == 0:  # what publish reads was all there
        assert git(repo, "tag", "-l", TAG) == f"{TAG}\n".encode()
    else:
        assert done.returncode == 1, done.stderr
        assert "error[git-history]" in done.stderr or "error[publish-undone]" in done.stderr, done.stderr
        assert state(repo) == before


def test_a_lost_blob_is_not_read_as_no_earlier_version(repo):
    _missing_old_blob(repo)
    code, _, err = cli("diff", "--format", "text", PAPER)
    assert code == 1 and "error[git-history]" in err and "is missing or corrupt" in err
    assert "no earlier version" not in err


def test_a_lost_tagged_paper_fails_the_build_instead_of_publishing_other_words(repo):
    _missing_blob_at_a_tag(repo)
    done = run_cli("build", "--no-pdf", cwd=repo, env={"NO_MKDOCS_2_WARNING": "1"})
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "is missing or corrupt" in done.stderr


@pytest.mark.parametrize("kind", ["shallow", "detached", "empty", "untracked"])
def test_shallow_detached_empty_and_untracked(repo, tmp_path, kind):
    root = repo
    if kind == "shallow":
        root = tmp_path / "shallow"
        git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(root))
        os.chdir(root)
    elif kind == "detached":
        git(root, "checkout", "-q", "--detach", "HEAD")
    elif kind == "empty":
        shutil.rmtree(root / ".git")
        git(root, "init", "-q")
    else:
        git(root, "rm", "-q", "--cached", PAPER)
        git(root, "commit", "-q", "-m", "Untrack")
    code, out, err = cli("history", "--format", "json", PAPER)
    assert code == 0, err
    record = json.loads(out)
    if kind == "shallow":
        assert record["shallow"] and record["revisions"] == 1
    if kind == "empty":
        assert record["state"] == "uncommitted" and record["revisions"] == 0
    if kind == "untracked":  # its commits, the one that untracked it included, and the file as it is now
        assert record["state"] == "modified" and record["revisions"] == 3
    code, out, err = cli("diff", "--format", "text", PAPER)
    assert code in (0, 2) and "Traceback" not in err
    assert cli("check")[0] in (0, 1)
    head = git(root, "rev-parse", "-q", "--verify", "HEAD", check=False)
    done = run_cli("publish", FINAL, "--yes", cwd=root, env=_env(root))
    if kind == "shallow":  # what publish needs is all there
        assert done.returncode == 0, done.stderr
        assert git(root, "tag", "-l").split() == [FINAL_TAG.encode()]
        return
    assert done.returncode in (1, 2) and "Traceback" not in done.stderr  # detached, no commits, dirty
    assert {"detached": "HEAD is detached", "empty": "no commits yet",
            "untracked": "uncommitted changes"}[kind] in done.stderr
    assert git(root, "rev-parse", "-q", "--verify", "HEAD", check=False) == head
    assert git(root, "tag", "-l") == b""


def test_pdf_book_build_and_publish_on_hostile_commits(repo):
    """One repository with all of it: the PDF commands and publish work, and a build verifies the tag."""
    commit_by_hand(repo, author=b"A\x1fB\x1e\xff <a\x1f@x> 99999999999999 +9959",
                   committer=b"C\x1b[2J <c@x> 1706000000 +99999", message=b"\x1e\x1f\x00odd\n")
    tag_by_hand(repo, "papers/forced-labor/2024-06/v1", rev(repo, "HEAD"),
                tagger=b"\xff <t> 1 +9959", message=b"\x00")
    git(repo, "tag", "papers/passenger-air-operations/2024-06/v1", rev(repo, "HEAD:committee.yml"))
    env = _env(repo)
    done = run_cli("pdf", PAPER, "--out", "out", cwd=repo, env=env)
    assert done.returncode == 0, done.stderr
    done = run_cli("book", "--meeting", "2024-03", "--out", "book.pdf", cwd=repo, env=env)
    assert done.returncode == 0, done.stderr
    done = run_cli("publish", PAPER, "--yes", cwd=repo, env=env)  # no edit: the archive commit has HEAD's dates
    assert done.returncode == 0, done.stderr
    message = git(repo, "tag", "-l", "--format=%(contents)", TAG).decode()
    assert "PDF-SHA256: " in message
    shutil.rmtree(repo / "site")
    shutil.rmtree(repo / ".cache", ignore_errors=True)
    done = run_cli("build", cwd=repo, env=env)
    assert done.returncode == 0, done.stderr
    built = repo / "site/pdf/cross-border-recognition/2024-03.pdf"
    assert f"PDF-SHA256: {hashlib.sha256(built.read_bytes()).hexdigest()}" in message


# -- publish: all or nothing -----------------------------------------------------------------------------


def _env(root: Path) -> dict[str, str]:
    return {**GIT_ENV, "HOME": str(root), "GIT_CONFIG_GLOBAL": os.devnull, "NO_MKDOCS_2_WARNING": "1",
            "GIT_AUTHOR_DATE": "2024-03-01T12:00:00+00:00", "GIT_COMMITTER_DATE": "2024-03-01T12:00:00+00:00"}


def state(root: Path) -> dict:
    """Everything publish could change: refs, HEAD, the index's bytes, every file (git's and the outputs)."""
    files = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if rel.startswith(".git/") or rel == ".git" or path.is_dir() and not path.is_symlink():
            continue
        files[rel] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "special"
    folders = sorted(p.relative_to(root).as_posix() for p in root.rglob("*")
                     if p.is_dir() and ".git" not in p.relative_to(root).parts)
    return {
        "HEAD": (root / ".git/HEAD").read_text(),
        "refs": git(root, "for-each-ref", "--format=%(refname) %(objectname)").decode(),
        "index": hashlib.sha256((root / ".git/index").read_bytes()).hexdigest(),
        "status": git(root, "status", "--porcelain=v1", "--ignored", "--untracked-files=all", check=False,
                      GIT_OPTIONAL_LOCKS="0").decode(),  # a status that does not refresh the index
        "files": files,
        "folders": folders,
    }


def hook(root: Path, name: str, body: str, folder: Path | None = None) -> None:
    folder = folder or root / ".git" / "hooks"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(0o755)


def publish_fails(root: Path, paper: str, *expected: str) -> str:
    done = run_cli("publish", paper, "--yes", cwd=root, env=_env(root))
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "error[publish-undone]" in done.stderr, done.stderr
    assert "the repository is as it was" in done.stderr and "could not be put back" not in done.stderr
    for text in expected:
        assert text in done.stderr, done.stderr
    return done.stderr


def _signing_fails(root, tag):
    git(root, "config", "tag.gpgSign", "true")  # the repository's own policy: publish's tags honour it
    git(root, "config", "gpg.program", "false")


def _hook_tags_in_between(root, tag):
    # a post-commit hook makes the very tag publish is about to make, on the commit it just made;
    # core.hooksPath is the repository's own configuration, and publish's commits honour it
    hook(root, "post-commit", f"git tag {tag} HEAD 2>/dev/null; exit 0", folder=root / ".githooks")
    git(root, "add", ".githooks")
    git(root, "commit", "-q", "-m", "Hooks")
    git(root, "config", "core.hooksPath", ".githooks")


def _archive_refused(root, tag):
    # --no-verify skips pre-commit and commit-msg, not prepare-commit-msg: it refuses the archive commit
    # (an amend, or a new commit when publish edited nothing)
    hook(root, "prepare-commit-msg",
         'if test "$2" = commit || grep -q "^Archive the published PDF" "$1"; then\n'
         '  echo "no archive commits here" >&2; exit 1\nfi\nexit 0')


def _file_where_the_archive_goes(root, tag):
    (root / "published").write_text("a file, not the folder of the archived PDFs\n")  # untracked


def _pre_commit_refuses(root, tag):
    hook(root, "pre-commit", 'echo "refused by the pre-commit hook" >&2; exit 1')


FAILURES = {
    "signing the tag fails": (_signing_fails, "tagging failed"),
    "a hook makes the tag in between": (_hook_tags_in_between, "already exists"),
    "the archive commit is refused": (_archive_refused, "archiving the PDF failed"),
    "a file where the archive folder goes": (_file_where_the_archive_goes, "archiving the PDF failed"),
    "the publish commit is refused": (_pre_commit_refuses, "refused by the pre-commit hook"),
}


# FINAL is edited (status: published): publish commits the edit, then amends it with the PDF. PAPER is
# published and signed already: publish's one commit is the archive's (--no-verify: no pre-commit hook).
CASES = [(failure, paper, tag) for failure in FAILURES for paper, tag in ((FINAL, FINAL_TAG), (PAPER, TAG))
         if not (paper == PAPER and failure == "the publish commit is refused")]


@pytest.mark.parametrize(("failure", "paper", "tag"), CASES,
                         ids=[f"{f}, {'edited' if p == FINAL else 'archive only'}" for f, p, _ in CASES])
def test_publish_is_all_or_nothing(repo, failure, paper, tag):
    make, expected = FAILURES[failure]
    make(repo, tag)
    printed = repo / "site/pdf" / Path(paper).parent.name / Path(paper).name.replace(".md", ".pdf")
    printed.parent.mkdir(parents=True)
    printed.write_bytes(b"an older print")  # printed PDFs are put back too
    before = state(repo)
    publish_fails(repo, paper, expected)
    assert state(repo) == before
    assert git(repo, "tag", "-l", "papers/*") == b""


@pytest.mark.parametrize("in_the_way", ["folder of the tag", "the tag, on a blob", "the tag, on a tree"])
def test_a_tag_in_the_way_refuses_before_anything_is_written(repo, in_the_way):
    if in_the_way == "folder of the tag":
        git(repo, "tag", "papers/ipr-process-modernization/2025-09")
    elif in_the_way == "the tag, on a blob":  # not a publication: v1 is still the number to make
        git(repo, "tag", FINAL_TAG, rev(repo, f"HEAD:{FINAL}"))
    else:
        git(repo, "tag", "-a", "-m", "PDF-SHA256: " + "0" * 64, FINAL_TAG, rev(repo, "HEAD^{tree}"))
    before = state(repo)
    done = run_cli("publish", FINAL, "--yes", cwd=repo, env=_env(repo))
    assert done.returncode == 1 and "error[publish-tag-exists]" in done.stderr, done.stderr
    assert state(repo) == before


def test_publish_works_with_hooks_that_pass(repo):
    hook(repo, "pre-commit", "exit 0")
    hook(repo, "post-commit", "exit 0")
    done = run_cli("publish", FINAL, "--yes", cwd=repo, env=_env(repo))
    assert done.returncode == 0, done.stderr
    assert git(repo, "tag", "-l", "papers/*").split() == [FINAL_TAG.encode()]
    assert rev(repo, f"{FINAL_TAG}^{{commit}}") == rev(repo, "HEAD")
    assert git(repo, "status", "--porcelain", "--untracked-files=no") == b""
