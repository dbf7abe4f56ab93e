"""The repository reading: one object per command, opened once, each part of git read at most once.

`Repository.open(folder)` finds the repository holding the committee folder
(one `git rev-parse`; none, and no GitPython import, when there is no `.git`
above the folder). Then each part is read the first time it is needed, and
kept:

| part | read with | processes |
|---|---|---|
| where: top level, the folder's prefix, HEAD, shallow | `git rev-parse` (`history.git.locate`) | 1 |
| the one-pass log: every document's commits, renames, uncommitted state | `repo.git.log`, `repo.git.status` (`history.log`) | 2 |
| publish tags with their commits, dates and messages | `repo.git.for_each_ref` (`history.tags`) | 1 |
| objects: papers at their tags, archived PDFs, trees of frozen versions, HEAD's commit (its date) | GitPython's persistent `cat-file --batch` | 1 |
| dirty, detached (publish only) | `repo.git.status`, `repo.head.is_detached` | 1 / 0 |

So a site build starts the same few git processes whatever the number of
papers, tags and meetings. The Collection carries the reading
(`coll.history`, see `repository_of`); the site, the PDFs, the book, the
redline, the public record and the rules read it from there. Rules never read
git: `prepare_checks` reads what they judge before they run.

Outside git (or without git) the reading is empty: no files, no tags, no
objects, its `warnings` say why.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from pathlib import Path

from . import raw
from .errors import NO_GIT, NOT_A_REPOSITORY, GitError, GitFailed
from .log import DEFAULT_PATHSPECS, FileHistory, History
from .tags import PublishTag

_MISSING = object()
_HEX = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")


class Repository:
    """One command's reading of the git repository holding a committee folder."""

    def __init__(self, folder: Path, where=None, repo=None, warnings: Sequence[str] = ()):
        self.folder = Path(folder)
        self.where = where  # history.git.Location, None when git was not asked
        self.repo = repo  # history.git.PinnedRepo (GitPython), None outside git
        self.top: Path | None = where.top if where is not None else None
        self.prefix: str = where.prefix if where is not None else ""
        self.head: str | None = where.head if where is not None else None
        self.shallow: bool = where.shallow if where is not None else False
        self.warnings: list[str] = list(where.warnings) if where is not None else list(warnings)
        self.log: History | None = None  # the one-pass log, once read (`read_log`)
        self._logs: dict[tuple[str, ...], History] = {}
        self._tags: dict[str, list[PublishTag]] | None = None
        self._tag_refs: set[str] = set()  # every ref under refs/tags/papers/, publication or not
        self._objects: dict[str, tuple[str, bytes] | None] = {}
        self._head_date = _MISSING
        self._by_sha: dict | None = None  # commits of the log by sha (labels)

    @classmethod
    def open(cls, folder: str | os.PathLike[str]) -> Repository:
        """The reading of the repository holding `folder` (a folder, or a file's folder)."""
        folder = Path(folder)
        start = folder.parent if folder.is_file() else folder
        if not start.is_dir() or not _maybe_in_git(start):
            return cls(folder, warnings=[NOT_A_REPOSITORY])
        try:
            from . import git
        except ImportError:  # GitPython cannot find a git executable
            return cls(folder, warnings=[NO_GIT])
        where = git.locate(start)
        return cls(folder, where, git.open_repo(where) if where.top is not None else None)

    # -- where ------------------------------------------------------------------------------

    @property
    def in_git(self) -> bool:
        return self.repo is not None

    @property
    def root(self) -> Path | None:
        """The repository's top level (None outside git), as `History.root`."""
        return self.top

    def spec(self, rev: str, path: str) -> str:
        """`rev:path` for cat-file, `path` relative to the committee folder."""
        return f"{rev}:{self.prefix}{path}"

    # -- the one-pass log -------------------------------------------------------------------

    def read_log(self, pathspecs: Sequence[str] = DEFAULT_PATHSPECS) -> History:
        """The one-pass history of the files under `pathspecs` (relative to the committee folder)."""
        key = tuple(pathspecs)
        found = self._logs.get(key)
        if found is None:
            from .log import read_log

            if self.where is None:
                found = History(root=None, files={}, warnings=list(self.warnings))
            else:
                found = read_log(self.repo, self.where, key)
                found._reader = self._commit_date
            self._logs[key] = found
        self.log = found
        self._by_sha = None
        return found

    @property
    def files(self) -> dict[str, FileHistory]:
        return self.log.files if self.log is not None else {}

    def get(self, path: str | os.PathLike[str]) -> FileHistory:
        """The history of a document (a path relative to the committee folder, or absolute)."""
        p = Path(path)
        key = os.fspath(path) if p.is_absolute() else f"{self.prefix}{p.as_posix()}"
        if self.log is None:
            return FileHistory(path=Path(key).as_posix(), commits=[])
        return self.log.get(key)

    def label(self, sha: str) -> str:
        """"abc1234 (2024-02-02)": a commit as a redline names it; from the log when it is there."""
        if self._by_sha is None:
            self._by_sha = {c.sha: c for fh in self.files.values() for c in fh.commits}
        known = self._by_sha.get(sha)
        if known is not None:
            return known.label
        from .git import run

        authored, _ = raw.commit_dates(self._commit(sha))
        short = run(self.repo, "rev-parse", "--short", sha).strip()
        return f"{short} ({authored.date().isoformat()})"

    def resolve(self, rev: str) -> str | None:
        """The full sha of a commit-ish, or None when there is none by that name."""
        if self.repo is None or rev.startswith("-"):
            return None
        status, out, _ = self.repo.git.rev_parse("--verify", "-q", f"{rev}^{{commit}}",
                                                 with_extended_output=True, with_exceptions=False)
        return out.strip() if status == 0 and out.strip() else None

    # -- HEAD -------------------------------------------------------------------------------

    def last_commit_date(self) -> dt.datetime | None:
        """HEAD's committer date (the build's clock when SOURCE_DATE_EPOCH is not given)."""
        if self._head_date is _MISSING:
            self._head_date = self._commit_date(self.head) if self.head is not None else None
        return self._head_date

    @property
    def head_date(self) -> dt.datetime | None:
        return self.last_commit_date()

    def _commit_date(self, sha: str) -> dt.datetime | None:
        if self.repo is None:
            return None
        return raw.commit_dates(self._commit(sha))[1]

    def _commit(self, sha: str) -> bytes:
        """The raw commit object of a full sha, read through the persistent `cat-file --batch` and parsed
        by `history.raw` (whatever its dates and names hold); GitError when it is not there."""
        found = self.object(sha)
        if found is None or found[0] != "commit":
            raise GitError(f"git object {sha} is not a commit git can read")
        return found[1]

    def commit_date(self, sha: str) -> dt.datetime:
        """A commit's committer date (e.g. the stamp of a PDF printed from it)."""
        found = self._commit_date(sha)
        if found is None:
            raise GitError(f"no commit {sha} outside a git repository")
        return found

    @property
    def detached(self) -> bool:
        """HEAD is detached from any branch (GitPython reads HEAD; no process)."""
        return self.repo is not None and self.repo.head.is_detached

    def current_head(self) -> str | None:
        """HEAD's sha as it is now (after commits of this command), read from the refs by GitPython without
        git and without reading the commit (which may be missing)."""
        if self.repo is None:
            return None
        from git.refs.symbolic import SymbolicReference

        try:
            return SymbolicReference.dereference_recursive(self.repo, "HEAD")
        except (ValueError, OSError):  # unborn branch, or a ref GitPython cannot read
            return None

    def branch(self) -> str | None:
        """The ref HEAD names (`refs/heads/main`); None when detached or unreadable. No process."""
        if self.repo is None:
            return None
        try:
            return None if self.repo.head.is_detached else self.repo.head.reference.path
        except (ValueError, TypeError, OSError):
            return None

    # -- publish tags -----------------------------------------------------------------------

    @property
    def tags(self) -> dict[str, list[PublishTag]]:
        """Every publish tag by paper path (relative to the committee folder), oldest first."""
        if self._tags is None:
            from .tags import parse, read_refs, records

            out = read_refs(self.repo) if self.repo is not None else b""
            self._tag_refs = {fields[0].decode("utf-8", "surrogateescape") for fields in records(out)}
            self._tags = parse(out)
        return self._tags

    def refs_in_the_way(self, name: str) -> list[str]:
        """The refs that keep the tag `name` from being made: a ref of that very name, one below it (as if
        it were a folder), or one named as a folder of it (`papers/wg/2024-03` for `papers/wg/2024-03/v1`).
        From the one listing of refs/tags/papers/ the tags are read from."""
        self.tags  # noqa: B018 (reads the listing once)
        full = f"refs/tags/{name}"
        return sorted(r for r in self._tag_refs if r == full or r.startswith(full + "/") or full.startswith(r + "/"))

    @property
    def tags_read(self) -> bool:
        return self._tags is not None

    def latest_tag(self, paper: str) -> PublishTag | None:
        found = self.tags.get(paper)
        return found[-1] if found else None

    # -- objects ----------------------------------------------------------------------------

    def object(self, spec: str) -> tuple[str, bytes] | None:
        """(type, bytes) of the object `spec` names (a sha or `rev:path` from the top level); cached."""
        found = self._objects.get(spec, _MISSING)
        if found is _MISSING:
            if self.repo is None:
                return None
            from .git import object_data

            found = object_data(self.repo, spec)
            if found is None:
                self._absent(spec)
            self._objects[spec] = found
        return found

    def _absent(self, spec: str) -> None:
        """cat-file said "missing": fine for a path that is not there at that commit, a GitError for an
        object that should be (the commit, or a tree entry, whose object is missing or corrupt).

        A repository that lost objects must never read as one where a paper was not
        published or a tag holds no paper: the public record would show other words.
        """
        rev, colon, path = spec.partition(":")
        if not _HEX.fullmatch(rev):
            return  # a name, not an object this reading was given
        if not colon:
            raise GitError(f"git object {rev} is missing or corrupt")
        try:
            name = path.strip("/").encode("utf-8")
        except UnicodeEncodeError:  # never asked (see `git.object_data`): nothing to say
            return
        if not name:
            raise GitError(f"commit {rev} or its tree is missing or corrupt")
        parent, _, name = name.rpartition(b"/")
        tree = self.object(f"{rev}:{parent.decode('utf-8')}")  # a GitError when the folder should be there
        if tree is None or tree[0] != "tree":
            return  # no such folder at that commit: no such file either
        for mode, entry, sha in tree_entries(tree[1], len(rev) // 2):
            if entry == name and mode != b"160000":  # a submodule's commit is not ours to have
                raise GitError(f"{path} at commit {rev[:12]} cannot be read: git object {sha} is missing or corrupt")

    def blob(self, rev: str, path: str) -> bytes | None:
        """The bytes of `path` (relative to the committee folder) at `rev`; None when it is not a file there."""
        found = self.object(self.spec(rev, path))
        return found[1] if found is not None and found[0] == "blob" else None

    def blobs(self, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], bytes | None]:
        """Many `(rev, path)` blobs, through the one persistent `cat-file --batch`."""
        return {pair: self.blob(*pair) for pair in dict.fromkeys(pairs)}

    def peek(self, rev: str, path: str) -> bytes | None:
        """`blob(rev, path)` if it was read already, else None: never starts git (for rules)."""
        found = self._objects.get(self.spec(rev, path))
        return found[1] if isinstance(found, tuple) and found[0] == "blob" else None

    def at_latest_tags(self, papers: Iterable[str] | None = None, depth: int = 1) -> None:
        """Read the bytes of `papers` (default: every tagged paper) at their latest `depth` tags."""
        tags = self.tags
        wanted = tags if papers is None else [p for p in papers if p in tags]
        self.blobs((t.commit, paper) for paper in wanted for t in tags[paper][-depth:])

    def close(self) -> None:
        """Stop the persistent processes (they start again when needed)."""
        if self.repo is not None:
            self.repo.git.clear_cache()

    # -- the working tree's revisions -------------------------------------------------------

    def working_revisions(self, papers) -> dict[str, int]:
        """"Revision N" printed on each paper's PDF as the working tree is now: N of its latest tag, and
        N + 1 for a paper with `status: published` that differs from it (the publication under way:
        `publish` prints the PDF before the tag exists). Papers with neither are left out."""
        papers = list(papers)
        self.at_latest_tags([p.path for p in papers if p.status == "published"])
        out: dict[str, int] = {}
        for paper in papers:
            tag = self.latest_tag(paper.path)
            number = tag.number if tag else 0
            if paper.status == "published":
                before = self.blob(tag.commit, paper.path) if tag else None
                if before is None or before != _read(self.folder / paper.path):
                    number += 1
            if number:
                out[paper.path] = number
        return out

    # -- the work tree, and writing (publish) -----------------------------------------------

    def uncommitted(self, watched: Sequence[str]) -> list[str]:
        """Uncommitted changes: tracked files anywhere, and untracked files under `watched`.

        Paths are relative to the top level. One `git status`, with no optional
        lock: unlike `git diff` (GitPython's `is_dirty`), it leaves the index's
        bytes as they are, so a refused publish changes nothing at all.
        """
        if self.repo is None:
            return []
        from .git import run
        from .log import status_entries

        out = run(self.repo, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--no-renames",
                  stdout_as_string=False, strip_newline_in_stdout=False)
        roots = tuple(f"{self.prefix}{w}" for w in watched)
        found = [path for xy, path, _ in status_entries(out)
                 if xy != "??" or any(path == r or path.startswith(r.rstrip("/") + "/") for r in roots)]
        return list(dict.fromkeys(found))

    @contextmanager
    def writing(self):
        """Commands that make commits and tags: the user's identity and signing policy apply."""
        git = self.repo.git
        before = git.write
        git.write = True
        try:
            yield self
        finally:
            git.write = before

    def run(self, command: str, *args: str, **kwargs) -> str:
        """`git <command> args…` for the workflow: GitFailed (a clean message) when git fails."""
        from .git import run

        if self.repo is None:
            raise GitFailed(f"{self.folder} is not in a git repository")
        return run(self.repo, command, *args, error=GitFailed, **kwargs)

    def top_path(self, path: str) -> str:
        """A committee-relative path as git names it from the top level."""
        return f"{self.prefix}{path}"

    def create_tag(self, name: str, commit: str, message: str) -> None:
        """An annotated tag (GitPython's `create_tag`) with the user's configuration (signing)."""
        from git.exc import GitCommandError

        from .git import stderr_of

        with self.writing():
            try:
                self.repo.create_tag(name, ref=commit, message=message)
            except GitCommandError as exc:
                lines = stderr_of(exc).splitlines()
                raise GitFailed(f"git tag failed: {lines[-1] if lines else exc.status}") from None
        self._tags = None  # read again when asked


def repository_of(coll, root: str | os.PathLike[str] | None = None) -> Repository:
    """The reading the collection carries (`coll.history`); opened, and attached, on first use."""
    found = getattr(coll, "history", None)
    if isinstance(found, Repository):
        return found
    repo = Repository.open(root if root is not None else coll.root)
    if coll is not None:
        coll.history = repo
    return repo


def prepare_checks(coll, only: set[str] | None = None) -> None:
    """Read, before the rules run, the git facts they judge (rules never start git themselves).

    Today: each published paper's bytes at its latest publish tag, for
    `published-changed-without-revision`, for the papers in `only` (all when
    None). Nothing is read, and GitPython is not even imported, when no
    published paper is checked or the folder is not in git. A repository git
    cannot read leaves the facts unread: that rule then has nothing to say.
    """
    papers = [p.path for p in coll.papers if p.status == "published" and (only is None or p.path in only)]
    if not papers:
        return
    if not isinstance(getattr(coll, "history", None), Repository) and getattr(coll, "root", None) is None:
        return
    repo = repository_of(coll)
    try:
        repo.at_latest_tags(papers)
    except GitError:
        pass


def _maybe_in_git(start: Path) -> bool:
    """False when no folder from `start` up (below GIT_CEILING_DIRECTORIES) has a `.git`: certainly
    not in a work tree, so neither GitPython nor git is started. True means "ask git"."""
    ceilings = set()
    for entry in os.environ.get("GIT_CEILING_DIRECTORIES", "").split(os.pathsep):
        if entry and os.path.isabs(entry):
            try:
                ceilings.add(Path(entry).resolve())
            except OSError:
                continue
    try:
        folder = start.resolve()
    except OSError:
        return True
    while True:
        if os.path.lexists(folder / ".git"):
            return True
        parent = folder.parent
        if parent == folder or parent in ceilings:
            return False
        folder = parent


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def tree_entries(data: bytes, width: int = 20) -> Iterable[tuple[bytes, bytes, str]]:
    """(mode, name, sha) of each entry of a raw tree object (`width`: bytes of an object id, 20 or 32)."""
    pos = 0
    while pos < len(data):
        space = data.find(b" ", pos)
        nul = data.find(b"\0", space + 1)
        if space < 0 or nul < 0 or nul + 1 + width > len(data):
            raise GitError("git printed a tree it should not")
        yield data[pos:space], data[space + 1:nul], data[nul + 1:nul + 1 + width].hex()
        pos = nul + 1 + width


__all__ = ["Repository", "prepare_checks", "repository_of", "tree_entries"]
