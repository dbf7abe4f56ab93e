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

Git processes, whatever the number of papers and tags: one `rev-parse`, one
`for-each-ref` (every publish tag with its commit, the commit's date and the
tag's message) and one `cat-file --batch` (the papers at their tags); and,
only when frozen PDFs must be printed again (a fresh clone, an emptied cache),
one more `cat-file --batch` that reads every tree they are printed from.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import hashlib
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Iterable

from ..diagnostics import ERROR, Finding
from ..errors import UsageError
from . import git
from .tags import TAG_PREFIX

WITHDRAWN = "withdrawn"
PDF_DIFFERS = "published-pdf-differs"
# What a frozen PDF is printed from: the registry, every paper (titles of the papers it
# supersedes, images beside it) and, from the committee's templates folder, what PDFs use.
TREE_PARTS = ("committee.yml", "papers")
TEMPLATE_PARTS = ("pdf", "fonts", "assets")

_TAG = re.compile(r"^refs/tags/(papers/.+)/v([1-9][0-9]*)$")
_SHA256 = re.compile(r"^PDF-SHA256:[ \t]*([0-9a-fA-F]{64})[ \t]*$", re.M)
# refname, object, its type, the peeled object, its type, committer dates of both, then the message.
_FIELDS = ("%(refname)", "%(objectname)", "%(objecttype)", "%(*objectname)", "%(*objecttype)",
           "%(committerdate:iso-strict)", "%(*committerdate:iso-strict)", "%(contents)")
_FORMAT = "%00".join(_FIELDS) + "%1e"


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


def locate(root: Path) -> str | None:
    """The committee folder's path inside its repository ("" at the top, "sub/" below it); None outside git."""
    try:
        done = git.run(Path(root), "rev-parse", "--is-inside-work-tree", "--show-prefix", check=False)
    except git.GitFailed:  # git is not installed: there is no history to read
        return None
    lines = done.stdout.decode("utf-8", "surrogateescape").split("\n")
    if done.returncode != 0 or not lines or lines[0] != "true":
        return None
    return lines[1] if len(lines) > 1 else ""


def published_versions(root: Path, prefix: str | None = None) -> dict[str, list[PublishedVersion]]:
    """Every publish tag by paper path, oldest first; the latest two carry the paper's bytes.

    Two git processes (`for-each-ref`, `cat-file --batch`), plus `rev-parse`
    when `prefix` (from `locate`) is not given. Empty outside git.
    """
    root = Path(root)
    if prefix is None:
        prefix = locate(root)
        if prefix is None:
            return {}
    text = git.out(root, "for-each-ref", f"--format={_FORMAT}", f"refs/tags/{TAG_PREFIX}")
    found: dict[str, list[PublishedVersion]] = {}
    for record in text.split("\x1e\n"):
        parts = record.split("\0")
        if len(parts) != len(_FIELDS):
            continue
        ref, obj, kind, peeled, peeled_kind, date, peeled_date, message = parts
        m = _TAG.match(ref)
        if not m:
            continue
        if kind == "tag" and peeled_kind == "commit":
            commit, when = peeled, peeled_date
            recorded = _SHA256.search(message)
        elif kind == "commit":  # a lightweight tag: no message of its own, nothing recorded
            commit, when, recorded = obj, date, None
        else:
            continue
        try:
            stamp = dt.datetime.fromisoformat(when)
        except ValueError:
            continue
        paper = m.group(1) + ".md"
        found.setdefault(paper, []).append(PublishedVersion(
            paper, m.group(1) + "/v" + m.group(2), int(m.group(2)), commit, stamp,
            recorded.group(1).lower() if recorded else None))
    wanted = []
    for paper, versions in found.items():
        versions.sort(key=lambda v: v.number)
        wanted += [(v.commit, paper) for v in versions[-2:]]
    blobs = _blobs(root, [f"{commit}:{prefix}{paper}" for commit, paper in wanted])
    content = dict(zip(wanted, blobs))
    for paper, versions in found.items():
        for i in range(max(0, len(versions) - 2), len(versions)):
            versions[i] = dataclasses.replace(versions[i], content=content.get((versions[i].commit, paper)))
    return found


def _blobs(root: Path, specs: list[str]) -> list[bytes | None]:
    """The blobs at `specs` (`rev:path` from the top of the repository), in one `git cat-file --batch`."""
    if not specs:
        return []
    raw = git.run(root, "cat-file", "--batch", data="".join(s + "\n" for s in specs).encode(
        "utf-8", "surrogateescape")).stdout
    out: list[bytes | None] = []
    pos = 0
    for _ in specs:
        nl = raw.index(b"\n", pos)
        header = raw[pos:nl].split()
        pos = nl + 1
        if len(header) == 3 and header[1] in (b"blob", b"tree", b"commit", b"tag"):
            size = int(header[2])
            out.append(raw[pos:pos + size] if header[1] == b"blob" else None)
            pos += size + 1
        else:
            out.append(None)
    return out


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
    prefix = locate(root)
    versions = published_versions(root, prefix) if prefix is not None else {}
    record = PublicRecord(preview, coll, versions, fallback=fallback, prefix=prefix)
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
        record.collection = _with(coll, replaced)
    return record


def _history_until(history, moment: dt.datetime):
    """A paper's history as it stood at a tag: its commits up to the tag's commit, nothing uncommitted."""
    if history is None:
        return None
    return dataclasses.replace(history, commits=[c for c in history.commits if c.date <= moment],
                               uncommitted=False)


def _with(coll, replaced: dict):
    """A copy of `coll` with some papers replaced, its derived back-links made again."""
    from ..model import Collection, Paper

    out = Collection(coll.registry, root=coll.root, history=coll.history)
    out.broken = list(coll.broken)
    for doc in coll.documents():
        new = replaced.get(doc.path)
        if new is None:
            new = copy.copy(doc)
            if isinstance(new, Paper):
                new.cited_by = []
            else:
                new.cited_in = []
        new.superseded_by = None
        out.add(new)
    out.link()
    return out


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
                  verify: bool = True, prefix: str | None = None) -> FrozenReport:
    """Print each version's PDF as its commit makes it, into out_dir/<wg>/<YYYY-MM>.pdf.

    Each PDF is printed from a temporary tree taken from its commit (committee.yml,
    papers/, the committee's templates folder), with "Revision N" of the version and
    the commit's date as its stamp: nothing of the working tree, the environment or
    the clock. With `verify`, a version whose tag records a SHA-256 is checked
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
    if verify and todo:
        todo = _from_archive(root, todo, out_dir, manifest, report, prefix)
    try:
        if todo:
            _print(root, todo, out_dir, manifest, report, jobs=jobs, verify=verify, prefix=prefix,
                   write=atomic_write, relpath=pdf_relpath)
    finally:
        manifest.save()
    report.rendered.sort()
    report.failed.sort(key=lambda f: (f.path, f.rule))
    return report


def _from_archive(root: Path, todo: list[PublishedVersion], out_dir: Path, manifest, report: FrozenReport,
                  prefix: str | None) -> list[PublishedVersion]:
    """Write the PDFs `publish` archived in their tags' commits (one `cat-file --batch`); the rest to print.

    An archived PDF is used only when it has the SHA-256 its tag records.
    """
    from ..fsutil import atomic_write
    from ..pdf.render import pdf_relpath
    from .tags import archive_path

    recorded = [v for v in todo if v.sha256]
    if not recorded:
        return todo
    if prefix is None:
        prefix = locate(root)
        if prefix is None:
            return todo
    stored = _blobs(root, [f"{v.commit}:{prefix}{archive_path(v.paper, v.number)}" for v in recorded])
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
           jobs, verify, prefix, write, relpath) -> None:
    from ..collection import load_collection
    from ..pdf.engine import Engine
    from ..pdf.render import Plan, plan_papers, run_plan

    if prefix is None:
        prefix = locate(root)
        if prefix is None:
            raise UsageError(f"{root} is not in a git repository: a published PDF is printed from its commit")
    by_commit: dict[str, list[PublishedVersion]] = {}
    for v in todo:
        by_commit.setdefault(v.commit, []).append(v)
    by_paper = {v.paper: v for v in todo}
    with tempfile.TemporaryDirectory(prefix="issuepapers-published-") as tmp:
        trees = []
        with Objects(root) as objects:  # closed before any render worker is forked
            for i, (commit, group) in enumerate(sorted(by_commit.items())):
                trees.append((Path(tmp) / str(i), group))
                extract(objects, commit, prefix, trees[-1][0])
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


class Objects:
    """One `git cat-file --batch` kept open: any number of blobs and trees for one process."""

    def __init__(self, root: Path):
        try:
            self.proc = subprocess.Popen(["git", "--no-pager", *git._PINNED, "cat-file", "--batch"], cwd=root,
                                         env=git.env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=subprocess.DEVNULL)
        except FileNotFoundError:
            raise git.GitFailed("git is not installed", "install git, then run the command again") from None
        self.seen: dict[str, tuple[str, bytes]] = {}

    def get(self, spec: str) -> tuple[str, bytes] | None:
        """(type, bytes) of the object `spec` names (a sha, or `rev:path`); None when there is none."""
        if spec in self.seen:
            return self.seen[spec]
        if "\n" in spec:
            return None
        self.proc.stdin.write(spec.encode("utf-8", "surrogateescape") + b"\n")
        self.proc.stdin.flush()
        header = self.proc.stdout.readline().split()
        if not header:
            raise git.GitFailed("git cat-file stopped while reading the published versions")
        if len(header) != 3 or header[1] == b"missing":
            return None
        size = int(header[2])
        data = self.proc.stdout.read(size)
        self.proc.stdout.read(1)  # the newline after the object
        found = (header[1].decode("ascii"), data)
        if ":" not in spec:  # by sha: the same object in the next tree costs nothing
            self.seen[spec] = found
        return found

    def close(self) -> None:
        for pipe in (self.proc.stdin, self.proc.stdout):  # EOF for git; a write it has not finished fails
            if pipe and not pipe.closed:
                pipe.close()
        self.proc.wait()

    def __enter__(self) -> "Objects":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def extract(objects: Objects, commit: str, prefix: str, dest: Path) -> None:
    """Write what a frozen PDF is printed from, as it was at `commit`, into `dest`."""
    from ..registry import load_registry

    dest.mkdir(parents=True, exist_ok=True)
    width = len(commit) // 2  # bytes of an object id in a tree: 20 (SHA-1) or 32 (SHA-256)

    def put(rel: str) -> None:
        rel = PurePosixPath(os.path.normpath(rel)).as_posix()
        if rel.startswith(("..", "/")) or rel == ".":
            return
        found = objects.get(f"{commit}:{prefix}{rel}")
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
        pos = 0
        while pos < len(tree):
            space = tree.index(b" ", pos)
            nul = tree.index(b"\0", space)
            mode, name = tree[pos:space], tree[space + 1:nul].decode("utf-8", "surrogateescape")
            sha = tree[nul + 1:nul + 1 + width].hex()
            pos = nul + 1 + width
            if name in (".", "..") or "/" in name or mode == b"160000":  # submodules are not ours
                continue
            target = folder / name
            found = objects.get(sha)
            if found is None:
                continue
            if mode == b"40000":
                walk(target, found[1])
            elif mode == b"120000":
                os.symlink(found[1].decode("utf-8", "surrogateescape"), target)
            else:
                target.write_bytes(found[1])

    for part in TREE_PARTS:
        put(part)
    committee = load_registry(dest).committee
    folder = committee.templates or "templates"
    for part in TEMPLATE_PARTS:
        put(f"{folder}/{part}")
    if committee.logo:
        put(committee.logo)


__all__ = ["FrozenReport", "PDF_DIFFERS", "PublicRecord", "PublishedVersion", "public_record",
           "published_versions", "render_frozen"]
