"""One-pass git history for the documents of a repository (moved here from `gitlog`).

The site and the PDFs need, for every paper, when it was created, when it last
changed, who wrote it and how many revisions it has. Asking git once per file
(what mkdocs-git-revision-date-localized-plugin does) costs two processes and
two history walks per file; here one ``git log --name-status`` over the
document folders gives all of it, and renames are followed in that same walk.

Calls to git, through GitPython's command object (`repo.git`, see `history.git`),
in the repository found from the folder given to :func:`read_history`:

1. ``git rev-parse`` (where the repository is, HEAD, shallow: `history.git.locate`)
2. ``git log --name-status -z -M --date-order`` over the pathspecs (once)
3. ``git status --porcelain=v1 -z --untracked-files=all`` over the pathspecs

(:meth:`History.last_commit_date` reads HEAD's commit through the persistent
``cat-file --batch`` of the repository reading, only when asked.)

Semantics worth knowing:

* Keys of :attr:`History.files` are POSIX paths relative to the top level of
  the repository, and only files that exist in the work tree are listed:
  a deleted paper has no page, so it has no history here either.
* A commit is attributed to a file if it added, modified, deleted or renamed
  it, as ``git log -- <path>`` would. Merge commits carry no files (git's
  default), but the commits on a merged branch are walked and attributed.
* Renames are followed like ``git log --follow`` (a file's older commits under
  an earlier name count for its current name), and also across branches: an
  edit of the old name on a branch that was merged after the rename counts
  for the new name too, which ``--follow`` misses.
* Authors are the names recorded in the commits (``%an``); ``.mailmap`` is
  not applied, so the same commit gives the same output everywhere. Names,
  emails and subjects are one line of printable text, and dates survive any
  time zone or timestamp a hand-made commit holds (`history.raw`).
* Nothing from the environment or the user's configuration changes the result
  (`history.git.environment`): variables that point git at another repository,
  index or config are removed, system and global configuration are not read,
  and options a repository's configuration could change are pinned.
  ``GIT_CEILING_DIRECTORIES`` is kept: it only bounds the repository search.
"""

from __future__ import annotations

import datetime
import os
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from . import raw
from .errors import NO_COMMITS, NO_GIT, NOT_A_REPOSITORY, SHALLOW, GitError

__all__ = ["NOT_A_REPOSITORY", "NO_COMMITS", "NO_GIT", "SHALLOW", "Commit", "FileHistory", "GitError",
           "History", "read_history"]

DEFAULT_PATHSPECS: tuple[str, ...] = ("papers", "recommendations")

# Fields of one commit header, each ended by NUL (the last by -z's own NUL). git
# prints names, emails and subjects as C strings, so no field can hold a NUL,
# whatever bytes the commit holds (a name with \x1f or \x1e, a newline, bytes
# that are not UTF-8): the fields are taken by position. Dates are raw
# (`<seconds> <±HHMM>`, `--date=raw`) and read by `raw.date`, which survives
# time zones such as +9959 and years past 9999 (git's %aI prints them as it can).
# %h: the label of a commit in redlines ("abc1234 (2024-02-02)").
_RECORD = b"\x1e"
_FORMAT = "--format=%x1e%H%x00%h%x00%an%x00%ae%x00%ad%x00%cd%x00%s"
_HEADER_FIELDS = 7
_SHA = re.compile(rb"^[0-9a-f]{40}(?:[0-9a-f]{24})?$")
_ABBREV = re.compile(rb"^[0-9a-f]{4,64}$")
_STATUS = re.compile(rb"^[ACDMRTUXB][0-9]*$")


@dataclass(frozen=True)
class Commit:
    """One commit, as much of it as pages and PDFs show."""

    sha: str
    author: str  # author name, as recorded
    email: str
    date: datetime.datetime  # author date, timezone-aware (the author's offset)
    subject: str
    short: str = field(default="", compare=False)  # git's abbreviation of `sha` (%h), for labels

    @property
    def label(self) -> str:
        """"abc1234 (2024-02-02)": the commit as a redline names it (author date, the author's day)."""
        return f"{self.short or self.sha[:7]} ({self.date.date().isoformat()})"


@dataclass
class FileHistory:
    """The commits of one file, under its current name."""

    path: str  # repo-relative POSIX path, current name
    commits: list[Commit]  # newest first; follows renames
    # True when the work tree differs from the last commit for this file
    # (untracked, modified, staged, renamed but not committed).
    uncommitted: bool = False
    previous_paths: list[str] = field(default_factory=list)  # newest rename first

    @property
    def created(self) -> datetime.datetime | None:
        """Earliest author date (rebases can reorder dates, so not just the last commit's)."""
        return min((c.date for c in self.commits), default=None)

    @property
    def modified(self) -> datetime.datetime | None:
        """Latest author date."""
        return max((c.date for c in self.commits), default=None)

    @property
    def revisions(self) -> int:
        return len(self.commits)

    @property
    def authors(self) -> list[str]:
        """Unique author names, in order of first contribution."""
        return list(dict.fromkeys(c.author for c in reversed(self.commits)))


@dataclass
class History:
    """Histories of the documents of one repository, read in one pass."""

    root: Path | None  # repo top level, None if not in a git repo
    files: dict[str, FileHistory]  # sorted by path
    shallow: bool = False  # history is truncated (shallow clone)
    warnings: list[str] = field(default_factory=list)
    # HEAD at reading time: last_commit_date() looks this commit up, so the
    # answer stays consistent with `files` even if HEAD moves afterwards.
    _head: str | None = field(default=None, repr=False)
    # How HEAD's date is read when asked (the repository reading's persistent cat-file).
    _reader: Callable[[str], datetime.datetime | None] | None = field(
        default=None, repr=False, compare=False
    )
    _head_date: datetime.datetime | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def get(self, path: str | os.PathLike[str]) -> FileHistory:
        """The history of `path` (repo-relative or absolute); empty if unknown."""
        key = self._key(path)
        found = self.files.get(key)
        return found if found is not None else FileHistory(path=key, commits=[])

    def last_commit_date(self) -> datetime.datetime | None:
        """HEAD's committer date: the default for SOURCE_DATE_EPOCH."""
        if self._head is None or self.root is None or self._reader is None:
            return None
        if self._head_date is None:
            self._head_date = self._reader(self._head)
        return self._head_date

    def _key(self, path: str | os.PathLike[str]) -> str:
        p = Path(path)
        if p.is_absolute() and self.root is not None:
            # Resolve the folder only: a symlinked file keeps its own name.
            try:
                p = (p.parent.resolve() / p.name).relative_to(self.root)
            except ValueError:
                pass
        return PurePath(p).as_posix()


def read_history(
    root: Path | str, pathspecs: Sequence[str] = DEFAULT_PATHSPECS
) -> History:
    """Read the history of every file under `pathspecs` (relative to `root`)."""
    from .repository import Repository

    return Repository.open(root).read_log(pathspecs)


def read_log(repo, where, pathspecs: Sequence[str]) -> History:
    """The one pass: `git log` and `git status` over `pathspecs` (relative to the folder `where` was
    located from) in the GitPython `repo` (`history.git.PinnedRepo`) that `where` (`history.git.Location`)
    found. Outside git (`where.top` is None), an empty History with `where`'s warnings."""
    if where.top is None:
        return History(root=None, files={}, warnings=list(where.warnings))
    top = where.top
    history = History(root=top, files={}, shallow=where.shallow, warnings=list(where.warnings),
                      _head=where.head)
    specs = ["--", *(spec if spec.startswith(":") else f"{where.prefix}{spec}" for spec in pathspecs)]

    lineages: dict[str, _Lineage] = {}
    commits: list[Commit] = []
    if where.head is not None:
        out = _run(repo, "log", "--no-show-signature", "--encoding=UTF-8", "--date-order", "--date=raw",
                   "--root", "--name-status", "-M", "-z", _FORMAT, *specs)
        commits, lineages = _walk(_parse_log(out), top)

    status = _run(repo, "status", "--porcelain=v1", "-z", "--untracked-files=all", *specs)
    changed = _apply_status(status, lineages)

    for key in sorted(lineages):
        lineage = lineages[key]
        if lineage.dead or not os.path.lexists(top / key):
            continue  # deleted, or a name whose file was renamed away
        indices = sorted(lineage.commits)
        history.files[key] = FileHistory(
            path=key,
            commits=[commits[i] for i in indices],
            uncommitted=key in changed,
            previous_paths=[p for p in dict.fromkeys(lineage.previous) if p != key],
        )
    return history


# -- internals ----------------------------------------------------------------


@dataclass
class _Lineage:
    """Accumulator for one file while the log is walked newest to oldest."""

    commits: set[int] = field(default_factory=set)  # indices into the walk
    previous: list[str] = field(default_factory=list)
    # An "A" was seen under this very name: the file was (re)created here,
    # so older edits of the same name on another branch are not renames' orphans.
    added: bool = False
    dead: bool = False  # history of a file that no longer has a name


_Change = tuple[str, tuple[str, ...]]  # status letter, paths (old, new for R/C)


def _parse_log(out: bytes) -> Iterator[tuple[Commit, list[_Change]]]:
    """Split `git log -z --name-status` output into commits and their changes.

    Layout: "\x1e<sha>\0<short>\0<name>\0<email>\0<author date>\0<committer date>\0<subject>\0",
    then, when the commit changed files, "\n" and "<status>\0<path>\0[<path>\0]" per file.
    Header fields and paths may hold anything but NUL, so they are taken by
    position; anything else than this layout is a GitError, never a wrong history.
    """
    tokens = out.split(b"\0")
    i, n = 0, len(tokens)
    commit: Commit | None = None
    changes: list[_Change] = []
    while i < n:
        token = tokens[i].lstrip(b"\n")
        i += 1
        if not token:
            continue
        if token.startswith(_RECORD):
            if commit is not None:
                yield commit, changes
            fields = [token[1:], *tokens[i:i + _HEADER_FIELDS - 1]]
            i += _HEADER_FIELDS - 1
            commit, changes = _commit(fields), []
            continue
        if commit is None or not _STATUS.match(token):
            raise GitError(f"git log printed what it should not: {raw.text(token[:40])!r}")
        status = chr(token[0])
        count = 2 if status in "RC" else 1
        if i + count > n:
            raise GitError("git log stopped in the middle of a commit")
        paths = tuple(_path(t) for t in tokens[i : i + count])
        i += count
        changes.append((status, paths))
    if commit is not None:
        yield commit, changes


def _commit(fields: list[bytes]) -> Commit:
    """One commit of the log, whatever its header holds (see `history.raw`)."""
    if len(fields) != _HEADER_FIELDS or not _SHA.match(fields[0]) or not _ABBREV.match(fields[1]):
        raise GitError("git log printed a commit header it should not")
    sha, short, author, email, authored, committed, subject = fields
    when = raw.date(authored) or raw.date(committed) or raw.EPOCH
    return Commit(sha.decode("ascii"), raw.text(author), raw.text(email), when, raw.text(subject),
                  short.decode("ascii"))


def _path(raw: bytes) -> str:
    # surrogateescape: a non-UTF-8 name still maps back to the bytes on disk.
    return raw.decode("utf-8", "surrogateescape")


def _walk(
    log: Iterator[tuple[Commit, list[_Change]]], top: Path
) -> tuple[list[Commit], dict[str, _Lineage]]:
    """Attribute each commit to the current name of every file it touched."""
    commits: list[Commit] = []
    lineages: dict[str, _Lineage] = {}
    # Name at this point of the walk -> key of the lineage it belongs to.
    # Children come before parents (--date-order), so a rename is always
    # seen before the older commits that used the old name.
    alias: dict[str, str] = {}
    graves = 0

    def lineage(key: str) -> _Lineage:
        found = lineages.get(key)
        if found is None:
            found = lineages[key] = _Lineage()
        return found

    for index, (commit, changes) in enumerate(log):
        commits.append(commit)
        for status, paths in changes:
            new = paths[-1]
            key = alias.get(new, new)
            target = lineage(key)
            target.commits.add(index)
            if status == "A" and key == new:
                target.added = True
            if status != "R":
                continue  # copies (C) are not detected: -M only
            old = paths[0]
            orphan = lineages.get(old)
            if (
                alias.get(old, old) == old
                and orphan is not None
                and orphan is not target
                and not orphan.added
                and not os.path.lexists(top / old)
            ):
                # Commits newer than the rename that still edit the old name
                # were made on a branch merged later: they belong here too.
                del lineages[old]
                target.commits |= orphan.commits
                target.previous.extend(orphan.previous)
            alias[old] = key
            target.previous.append(old)
            # Older commits under `new` touched some earlier file of that
            # name (git log --follow leaves them out too).
            graves += 1
            grave = f"\0{graves}"
            alias[new] = grave
            lineage(grave).dead = True
    return commits, lineages


def status_entries(out: bytes) -> list[tuple[str, str, str | None]]:
    """(XY, path, source path of a rename or copy) from `git status --porcelain=v1 -z`."""
    entries = []
    tokens = out.split(b"\0")
    i = 0
    while i < len(tokens):
        token = tokens[i]
        i += 1
        if len(token) < 4:
            continue
        xy, path, old = token[:2].decode("ascii"), _path(token[3:]), None
        if "R" in xy or "C" in xy:
            old = _path(tokens[i])  # -z prints the source after the target
            i += 1
        entries.append((xy, path, old))
    return entries


def _apply_status(out: bytes, lineages: dict[str, _Lineage]) -> set[str]:
    """Add untracked files and staged renames; return the changed paths."""
    changed: set[str] = set()
    for xy, path, old in status_entries(out):
        changed.add(path)
        if "R" in xy and path not in lineages and old in lineages:
            # A staged `git mv`: the new name continues the old file.
            lineages[path] = _Lineage(
                commits=set(lineages[old].commits),
                previous=[old, *lineages[old].previous],
            )
        if path not in lineages:
            lineages[path] = _Lineage()  # untracked or newly added
    return changed


def _run(repo, command: str, *args: str) -> bytes:
    """`git <command> args…` through GitPython's command object: stdout as bytes, or GitError."""
    from .git import run

    return run(repo, command, *args, stdout_as_string=False, strip_newline_in_stdout=False)
