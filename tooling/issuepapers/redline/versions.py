"""The two versions a redline compares: a paper's bytes at a revision, a publish tag or in the work tree.

Git is read through the history layer's repository reading (`history.Repository`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import UsageError
from ..history import Repository

WORKTREE = "working tree"

# -- versions -----------------------------------------------------------------------


@dataclass
class Version:
    label: str  # "papers/wg/2024-03/v1", "abc1234 (2024-02-02)", "working tree"
    rev: str | None  # full sha, None for the work tree
    raw: bytes


def _at(repo: Repository, rev: str, rel: str, previous: list[str]) -> bytes | None:
    for name in (rel, *previous):
        data = repo.blob(rev, name)
        if data is not None:
            return data
    return None


def _resolve(repo: Repository, rev: str) -> str:
    """Full sha of a commit-ish, or a clean error."""
    if rev.startswith("-"):
        raise UsageError(f"not a revision: {rev!r}")
    sha = repo.resolve(rev)
    if sha is None:
        raise UsageError(f"unknown revision {rev!r}", "use a commit, a branch or a tag (`git tag -l 'papers/*'`)")
    return sha


def _previous(repo: Repository, fh) -> list[str]:
    """The paper's earlier names, relative to the committee folder as `repo.blob` takes them."""
    return [p[len(repo.prefix):] if p.startswith(repo.prefix) else p for p in fh.previous_paths]


def resolve_versions(root: Path, rel: str, from_rev: str | None = None,
                     to_rev: str | None = None, repo: Repository | None = None) -> tuple[Version, Version] | None:
    """The two versions to compare; None when the paper has no earlier version.

    Defaults: `to` is the work tree; `from` is the paper's latest publish tag
    whose version differs from it (so right after a publish, the one before),
    else (uncommitted edits) its last commit, else the commit before its last.
    Git is read through `repo` (the command's repository reading; opened for `root` when not given).
    """
    root = Path(root)
    repo = repo if repo is not None else Repository.open(root)
    if not repo.in_git:
        raise UsageError(f"{root} is not in a git repository", "redlines compare git revisions: `git init` first")
    if repo.log is None:
        repo.read_log()
    fh = repo.get(rel)
    previous = _previous(repo, fh)
    if to_rev:
        sha = _resolve(repo, to_rev)
        raw = _at(repo, sha, rel, previous)
        if raw is None:
            raise UsageError(f"{rel} does not exist at {to_rev}")
        to = Version(to_rev if not re.fullmatch(r"[0-9a-f]{7,40}", to_rev) else repo.label(sha), sha, raw)
    else:
        path = root / rel
        if not path.is_file():
            raise UsageError(f"no such file: {rel}")
        raw = path.read_bytes()
        label = WORKTREE if fh.uncommitted or not fh.commits else fh.commits[0].label
        to = Version(label, None, raw)
    if from_rev:
        sha = _resolve(repo, from_rev)
        raw = _at(repo, sha, rel, previous)
        if raw is None:
            raise UsageError(f"{rel} does not exist at {from_rev}", "pick a revision where the paper existed")
        label = from_rev if not re.fullmatch(r"[0-9a-f]{7,40}", from_rev) else repo.label(sha)
        return Version(label, sha, raw), to
    # The latest publication that differs from `to` (after a publish, the one before it).
    for tag in reversed(repo.tags.get(rel, []) if not to_rev else []):
        raw = _at(repo, tag.commit, rel, previous)
        if raw is not None and raw != to.raw:
            return Version(tag.name, tag.commit, raw), to
    commits = fh.commits
    if to_rev:
        # the commit before `to` that touched the paper
        shas = [c.sha for c in commits]
        later = shas.index(to.rev) + 1 if to.rev in shas else None
        commits = commits[later:] if later is not None else []
    elif not fh.uncommitted:
        commits = commits[1:]  # the work tree is the last commit: compare with the one before
    for c in commits:
        raw = _at(repo, c.sha, rel, previous)
        if raw is not None:
            return Version(c.label, c.sha, raw), to
    return None


# -- the diff model ---------------------------------------------------------------------
