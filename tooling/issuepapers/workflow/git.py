"""git as a subprocess, for the workflow commands: never a prompt, never the network.

Reading commands share gitlog's environment (variables that point git at
another repository are removed). Every path given to git is relative to the
committee root, which may be a sub-folder of the repository: `rev:./path`
and `-- path` are resolved from the working directory.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from ..errors import UsageError
from ..gitlog import _env, status_entries

# Read paths are never rewritten by a git config of the user's.
_PINNED = ("-c", "core.quotepath=off", "-c", "log.showSignature=false", "-c", "core.fsmonitor=false")


class GitFailed(UsageError):
    """git refused or failed: printed as a clean message (exit 2)."""


def env() -> dict[str, str]:
    e = _env()
    e.pop("GIT_OPTIONAL_LOCKS", None)  # commits and tags must take their locks
    e["GIT_TERMINAL_PROMPT"] = "0"
    e["GIT_ASKPASS"] = "true"  # no credential prompt; nothing here talks to a remote anyway
    e["GIT_SSH_COMMAND"] = "false"
    return e


def run(root: Path, *args: str, check: bool = True, data: bytes | None = None,
        dates: str | None = None) -> subprocess.CompletedProcess:
    """`git args…` in `root`; raises GitFailed (clean message) when `check` and git fails.

    `dates`: the author and committer date of a commit it makes (ISO 8601).
    """
    e = env()
    if dates is not None:
        e["GIT_AUTHOR_DATE"] = e["GIT_COMMITTER_DATE"] = dates
    try:
        done = subprocess.run(["git", "--no-pager", *_PINNED, *args], cwd=root, env=e,
                              input=data, stdin=None if data is not None else subprocess.DEVNULL,
                              capture_output=True, check=False)
    except FileNotFoundError:
        raise GitFailed("git is not installed", "install git, then run the command again") from None
    if check and done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitFailed(f"git {args[0]} failed: {message[-1] if message else 'exit ' + str(done.returncode)}")
    return done


def out(root: Path, *args: str) -> str:
    return run(root, *args).stdout.decode("utf-8", "surrogateescape")


def in_repository(root: Path) -> bool:
    done = run(root, "rev-parse", "--is-inside-work-tree", check=False)
    return done.returncode == 0 and done.stdout.strip() == b"true"


def head(root: Path) -> str | None:
    done = run(root, "rev-parse", "--verify", "-q", "HEAD", check=False)
    return done.stdout.decode().strip() or None if done.returncode == 0 else None


def blob(root: Path, rev: str, path: str) -> bytes | None:
    """The bytes of `path` (relative to root) at `rev`; None when it does not exist there."""
    done = run(root, "cat-file", "blob", f"{rev}:./{path}", check=False)
    return done.stdout if done.returncode == 0 else None


def blobs(root: Path, specs: list[tuple[str, str]]) -> dict[tuple[str, str], bytes | None]:
    """Many `(rev, path)` blobs in one `git cat-file --batch` process."""
    if not specs:
        return {}
    top = out(root, "rev-parse", "--show-prefix").strip()  # root's path inside the repository
    query = "".join(f"{rev}:{top}{path}\n" for rev, path in specs).encode("utf-8", "surrogateescape")
    raw = run(root, "cat-file", "--batch", data=query).stdout
    result: dict[tuple[str, str], bytes | None] = {}
    pos = 0
    for spec in specs:
        nl = raw.index(b"\n", pos)
        header = raw[pos:nl].split()
        pos = nl + 1
        if len(header) == 3 and header[1] != b"missing":
            size = int(header[2])
            result[spec] = raw[pos:pos + size] if header[1] == b"blob" else None
            pos += size + 1
        else:
            result[spec] = None
    return result


def resolve(root: Path, rev: str) -> str:
    """Full sha of a commit-ish, or a clean error."""
    if rev.startswith("-"):
        raise UsageError(f"not a revision: {rev!r}")
    done = run(root, "rev-parse", "--verify", "-q", f"{rev}^{{commit}}", check=False)
    if done.returncode != 0:
        raise UsageError(f"unknown revision {rev!r}", "use a commit, a branch or a tag (`git tag -l 'papers/*'`)")
    return done.stdout.decode().strip()


def dirty(root: Path, content: tuple[str, ...] = ("papers", "recommendations", "committee.yml")) -> list[str]:
    """Uncommitted changes: tracked files anywhere, plus untracked documents and registry."""
    found = []
    tracked = run(root, "status", "--porcelain=v1", "-z", "--untracked-files=no").stdout
    untracked = run(root, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--",
                    *[c for c in content if (root / c).exists()]).stdout if any(
        (root / c).exists() for c in content) else b""
    for raw in (tracked, untracked):
        found.extend(path for _, path, _ in status_entries(raw))
    return list(dict.fromkeys(found))
