"""The public record: what each paper's latest publish tag froze, shown and printed again as it was.

`issuepapers publish` commits a paper, prints its PDF from that commit
(stamped with the commit's date) and tags the commit `papers/<wg>/<YYYY-MM>/vN`,
the tag's message recording `PDF-SHA256: …`. From then on, that tag *is* the
published paper:

- the public site shows the paper's bytes at the tag, as "Revision N";
- its PDF is printed again from a tree taken from the tag's commit (committee.yml,
  papers/ and the committee's templates folder as they were then), stamped with
  that commit's date, and must hash to what the tag records: otherwise the
  build fails with `published-pdf-differs` (another version of issuepapers, or
  of the package's default templates, prints other bytes);
- an edit committed after the tag never shows as published: the public site
  keeps the tagged version, and the members' preview shows the edit as
  "Revision N+1 in preparation" (`PublicRecord.in_preparation`).

`publish` prints through the same function (`render_frozen`) as every later
build, so the bytes it records are the bytes a fresh clone makes.

Git is read by the history layer, once per command, from the repository
reading the collection carries (`coll.history`, a `history.Repository`): the
publish tags with their commits, dates and messages (one `for-each-ref`), and
the papers at their tags, the archived PDFs and, only when frozen PDFs must be
printed again (a fresh clone, an emptied cache), every tree they are printed
from, all through the one persistent `cat-file --batch` of that reading.
Whatever the number of papers and tags, no other git process is started here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..diagnostics import ERROR, Finding
from ..errors import UsageError
from ..history import GitError, PublishTag, Repository, repository_of

WITHDRAWN = "withdrawn"
PDF_DIFFERS = "published-pdf-differs"
# What a frozen PDF is printed from: the registry, every paper (titles of the papers it
# supersedes, images beside it) and, from the committee's templates folder, what PDFs use.
TREE_PARTS = ("committee.yml", "papers")
TEMPLATE_PARTS = ("pdf", "fonts", "assets")


@dataclass(frozen=True)
class PublishedVersion:
    """One publication of a paper: its tag, the commit it froze, and what it recorded."""

    paper: str  # papers/<wg>/<YYYY-MM>.md (relative to the committee folder)
    tag: str  # papers/<wg>/<YYYY-MM>/v<N>
    number: int  # N: "Revision N"
    commit: str  # the tagged commit
    date: dt.datetime  # that commit's committer date: the frozen PDF's stamp
    sha256: str | None  # "PDF-SHA256:" of the tag's message; None for a tag `publish` did not make
    content: bytes | None = field(default=None, repr=False)  # the paper's bytes at the commit (latest two only)

    def document(self):
        """The paper as the tag froze it (a Paper), or None when the tag holds no readable paper there."""
        if self.content is None:
            return None
        from ..load import parse
        from ..model import Paper

        src = parse(self.paper, self.content)
        return Paper.from_source(src) if src.data is not None else None

    @classmethod
    def of(cls, tag: PublishTag, content: bytes | None = None) -> PublishedVersion:
        return cls(tag.paper, tag.name, tag.number, tag.commit, tag.committed, tag.sha256, content)


def published_versions(root: Path, repo: Repository | None = None) -> dict[str, list[PublishedVersion]]:
    """Every publish tag by paper path, oldest first; the latest two carry the paper's bytes.

    From the repository reading `repo` (opened for `root` when not given): its
    tags (one `for-each-ref`) and its persistent `cat-file --batch`. Empty outside git.
    """
    repo = repo if repo is not None else Repository.open(root)
    if not repo.in_git:
        return {}
    tags = repo.tags
    repo.at_latest_tags(depth=2)
    found: dict[str, list[PublishedVersion]] = {}
    for paper, versions in tags.items():
        latest = {t.name for t in versions[-2:]}
        found[paper] = [PublishedVersion.of(t, repo.blob(t.commit, paper) if t.name in latest else None)
                        for t in versions]
    return found


# What a build shows -------------------------------------------------------------------------


@dataclass
class PublicRecord:
    """What one site build shows and prints of the publications, computed once."""

    preview: bool
    collection: object  # the Collection the site shows: in public, published papers as their tags froze them
    versions: dict[str, list[PublishedVersion]] = field(default_factory=dict)  # every publish tag, by paper
    frozen: dict[str, PublishedVersion] = field(default_factory=dict)  # shown and printed as their latest tag
    revisions: dict[str, int] = field(default_factory=dict)  # "Revision N" of the version shown, by paper
    in_preparation: dict[str, int] = field(default_factory=dict)  # preview: N+1 of papers edited since vN
    fallback: dt.datetime | None = None  # the build's clock: the stamp of papers never committed
    prefix: str | None = None  # the committee folder in its repository; None outside git
    repository: Repository | None = field(default=None, repr=False)  # the reading it came from

    @property
    def print_revisions(self) -> dict[str, int]:
        """"Revision N" printed on the working tree's PDFs: N+1 for a revision in preparation."""
        return {**self.revisions, **self.in_preparation}


def public_record(root: Path, coll, *, preview: bool, fallback: dt.datetime | None = None) -> PublicRecord:
    """Which version of each paper a build shows, and its revision.

    For a paper with a publish tag (unless it was withdrawn since), the latest
    tag vN is the published paper:

    - unchanged since: shown as it is, "Revision N", its PDF printed from the tag (`frozen`);
    - edited since (committed or not, whatever its status now): the public build
      shows the tag's version instead of the working tree's (same page, PDF from
      the tag, history up to the tag's commit); the preview shows the working tree
      and records N+1 in `in_preparation`.

    A paper with `status: published` and no publish tag is "Revision 1" (published
    outside `issuepapers publish`: there is no frozen record to show instead).
    """
    root = Path(root)
    repo = repository_of(coll, root)
    prefix = repo.prefix if repo.in_git else None
    versions = published_versions(root, repo=repo)
    record = PublicRecord(preview, coll, versions, fallback=fallback, prefix=prefix, repository=repo)
    replaced = {}
    for paper in coll.papers:
        tags = versions.get(paper.path)
        if not tags:
            if paper.status == "published":
                record.revisions[paper.path] = 1
            continue
        latest = tags[-1]
        record.revisions[paper.path] = latest.number
        if paper.status == WITHDRAWN:
            continue  # a withdrawal is public: the working tree says so
        frozen = latest.document()
        if frozen is None:
            continue  # the tag holds no readable paper at this path: nothing frozen to show
        try:
            unchanged = (root / paper.path).read_bytes() == latest.content
        except OSError:
            unchanged = False
        if unchanged:
            record.frozen[paper.path] = latest
        elif preview:
            record.in_preparation[paper.path] = latest.number + 1
        else:
            record.frozen[paper.path] = latest
            frozen.history = _history_until(paper.history, latest.date)
            replaced[paper.path] = frozen
    if replaced:
        record.collection = coll.derived(replaced.get(doc.path, doc) for doc in coll.documents())
    return record


def _history_until(history, moment: dt.datetime):
    """A paper's history as it stood at a tag: its commits up to the tag's commit, nothing uncommitted."""
    if history is None:
        return None
    return dataclasses.replace(history, commits=[c for c in history.commits if c.date <= moment],
                               uncommitted=False)


# Printing a frozen version again ----------------------------------------------------------


@dataclass
class FrozenReport:
    rendered: list[str] = field(default_factory=list)  # paper paths printed (and verified)
    skipped: list[str] = field(default_factory=list)  # paper paths whose output already had the recorded hash
    failed: list[Finding] = field(default_factory=list)
    sha256: dict[str, str] = field(default_factory=dict)  # paper path → SHA-256 of its PDF


def differs_hint(tag: str) -> str:
    return (f"the PDF recorded by tag {tag} cannot be reproduced by this version of issuepapers or these "
            f"templates; install the version that published it, or publish a new revision")


def render_frozen(root: Path, versions: Iterable[PublishedVersion], out_dir: Path, *, jobs: int | None = None,
                  verify: bool = True, repo: Repository | None = None) -> FrozenReport:
    """Print each version's PDF as its commit makes it, into out_dir/<wg>/<YYYY-MM>.pdf.

    Each PDF is printed from a temporary tree taken from its commit (committee.yml,
    papers/, the committee's templates folder), with "Revision N" of the version and
    the commit's date as its stamp: nothing of the working tree, the environment or
    the clock. Git is read through `repo` (the build's repository reading; opened
    for `root` when not given, and only when something must be read). With `verify`, a version whose tag records a SHA-256 is checked
    against it: an output that already has it is kept as is (no git, no render),
    and a PDF that differs is not written and fails (`published-pdf-differs`).
    """
    from ..fsutil import atomic_write
    from ..pdf.cache import Manifest
    from ..pdf.render import pdf_relpath

    root, out_dir = Path(root).resolve(), Path(out_dir).resolve()
    report = FrozenReport()
    manifest = Manifest(root, out_dir)
    todo: list[PublishedVersion] = []
    for v in versions:
        rel = pdf_relpath(v.paper)
        target = out_dir / rel
        if verify and v.sha256 and target.is_file() and _sha256(target.read_bytes()) == v.sha256:
            report.skipped.append(v.paper)
            report.sha256[v.paper] = v.sha256
            if manifest.entries.get(rel) != _marker(v.sha256):
                manifest.set(rel, _marker(v.sha256))
            continue
        todo.append(v)
    if todo and repo is None:
        repo = Repository.open(root)
    if verify and todo:
        todo = _from_archive(todo, out_dir, manifest, report, repo)
    try:
        if todo:
            _print(root, todo, out_dir, manifest, report, jobs=jobs, verify=verify, repo=repo,
                   write=atomic_write, relpath=pdf_relpath)
    finally:
        manifest.save()
    report.rendered.sort()
    report.failed.sort(key=lambda f: (f.path, f.rule))
    return report


def _from_archive(todo: list[PublishedVersion], out_dir: Path, manifest, report: FrozenReport,
                  repo: Repository) -> list[PublishedVersion]:
    """Write the PDFs `publish` archived in their tags' commits (read through the persistent cat-file);
    the rest to print.

    An archived PDF is used only when it has the SHA-256 its tag records.
    """
    from ..fsutil import atomic_write
    from ..history import archive_path
    from ..pdf.render import pdf_relpath

    recorded = [v for v in todo if v.sha256]
    if not recorded or not repo.in_git:
        return todo
    stored = [repo.blob(v.commit, archive_path(v.paper, v.number)) for v in recorded]
    found = {v.paper: data for v, data in zip(recorded, stored) if data is not None and _sha256(data) == v.sha256}
    for v in recorded:
        data = found.get(v.paper)
        if data is None:
            continue
        rel = pdf_relpath(v.paper)
        atomic_write(out_dir / rel, data)
        manifest.set(rel, _marker(v.sha256))
        report.rendered.append(v.paper)
        report.sha256[v.paper] = v.sha256
    return [v for v in todo if v.paper not in found]


def _marker(sha256: str) -> str:
    """The cache manifest's entry for a frozen PDF: never the key of a working-tree render."""
    return f"published:{sha256}"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _print(root: Path, todo: list[PublishedVersion], out_dir: Path, manifest, report: FrozenReport, *,
           jobs, verify, repo: Repository, write, relpath) -> None:
    from ..collection import load_collection
    from ..pdf.engine import Engine
    from ..pdf.render import Plan, plan_papers, run_plan

    if not repo.in_git:
        raise UsageError(f"{root} is not in a git repository: a published PDF is printed from its commit")
    by_commit: dict[str, list[PublishedVersion]] = {}
    for v in todo:
        by_commit.setdefault(v.commit, []).append(v)
    by_paper = {v.paper: v for v in todo}
    with tempfile.TemporaryDirectory(prefix="issuepapers-published-") as tmp:
        trees = []
        for i, (commit, group) in enumerate(sorted(by_commit.items())):
            trees.append((Path(tmp) / str(i), group))
            extract(repo, commit, trees[-1][0])
        plan = Plan()
        for tree, group in trees:
            coll = load_collection(tree)
            papers = []
            for v in group:
                paper = coll.by_path.get(v.paper)
                if paper is None:
                    report.failed.append(Finding(v.paper, 1, 1, ERROR, PDF_DIFFERS,
                                                 f"{v.tag} holds no readable paper at {v.paper}",
                                                 differs_hint(v.tag)))
                else:
                    papers.append(paper)
            plan_papers(tree, coll, papers, plan, revisions={v.paper: v.number for v in group},
                        stamps={v.paper: v.date for v in group})

        def done(out) -> None:
            v = by_paper[out.name]
            rel = relpath(v.paper)
            if out.data is None:
                manifest.drop(rel)
                report.failed.append(Finding(v.paper, 1, 1, ERROR, out.rule or "pdf-render",
                                             f"{v.tag}: {out.error or 'failed'}"))
                return
            digest = _sha256(out.data)
            if verify and v.sha256 and digest != v.sha256:
                manifest.drop(rel)
                report.failed.append(Finding(
                    v.paper, 1, 1, ERROR, PDF_DIFFERS,
                    f"the PDF printed from {v.tag} has SHA-256 {digest}, the tag records {v.sha256}",
                    differs_hint(v.tag)))
                return
            write(out_dir / rel, out.data)
            manifest.set(rel, _marker(digest))
            report.rendered.append(v.paper)
            report.sha256[v.paper] = digest

        try:
            run_plan(plan, done, jobs=jobs)
        finally:
            for key in [k for k in Engine._cache if any(str(d).startswith(tmp) for d in k[0])]:
                del Engine._cache[key]  # engines of the temporary trees, in this process
        report.failed.extend(plan.failed)


# Reading trees out of git --------------------------------------------------------------------


def extract(repo: Repository, commit: str, dest: Path) -> None:
    """Write what a frozen PDF is printed from, as it was at `commit`, into `dest`.

    Every tree and blob comes through the reading's persistent `cat-file --batch`
    (objects by sha are cached: the same file in the next tree costs nothing).
    """
    from ..history.repository import tree_entries
    from ..registry import load_registry

    dest.mkdir(parents=True, exist_ok=True)
    width = len(commit) // 2  # bytes of an object id in a tree: 20 (SHA-1) or 32 (SHA-256)

    def put(rel: str) -> None:
        rel = PurePosixPath(os.path.normpath(rel)).as_posix()
        if rel.startswith(("..", "/")) or rel == ".":
            return
        found = repo.object(repo.spec(commit, rel))
        if found is None:
            return
        kind, data = found
        target = dest / rel
        if kind == "tree":
            walk(target, data)
        elif kind == "blob":
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)

    def walk(folder: Path, tree: bytes) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for mode, raw_name, sha in tree_entries(tree, width):
            name = raw_name.decode("utf-8", "surrogateescape")
            if name in ("", ".", "..") or "/" in name or "\0" in name or mode == b"160000":
                continue  # not a name a checkout would write; submodules are not ours
            target = folder / name
            found = repo.object(sha)
            if found is None:
                continue
            if mode == b"40000":
                walk(target, found[1])
            elif mode == b"120000":
                if b"\0" not in found[1]:
                    os.symlink(found[1].decode("utf-8", "surrogateescape"), target)
            else:
                target.write_bytes(found[1])

    try:
        for part in TREE_PARTS:
            put(part)
    except (OSError, ValueError) as exc:  # a hand-made tree: two entries of one name, a name too long…
        raise GitError(f"the tree of commit {commit} cannot be written out to print from: {exc}") from None
    committee = load_registry(dest).committee
    folder = committee.templates or "templates"
    try:
        for part in TEMPLATE_PARTS:
            put(f"{folder}/{part}")
        if committee.logo:
            put(committee.logo)
    except (OSError, ValueError) as exc:
        raise GitError(f"the tree of commit {commit} cannot be written out to print from: {exc}") from None


__all__ = ["PDF_DIFFERS", "FrozenReport", "PublicRecord", "PublishedVersion", "public_record",
           "published_versions", "render_frozen"]
