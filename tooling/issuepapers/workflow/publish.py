"""`issuepapers publish PATH…`: freeze a paper as published, with a commit, a PDF and a tag.

Steps, all or nothing for the papers named:

1. refuse when the work tree has uncommitted changes (tracked files, or
   untracked documents and registry), or HEAD is detached from any commit;
2. edit each paper in memory (`status: published`, `date`) by round-trip edit,
   and run `check` on the edited collection: any error refuses;
3. refuse a paper whose latest publish tag holds the same bytes (nothing to
   publish again);
4. write the edits and commit them (one commit for all papers);
5. print each paper's PDF from that commit exactly as every later build prints
   the published version (`published.render_frozen`: a tree taken from the
   commit, "Revision N", stamped with the commit's date), and hash it;
6. create the annotated tag `papers/<wg>/<YYYY-MM>/v<N>` on the commit, its
   message recording the revision, the date and the PDF's SHA-256.

If rendering fails, the commit is undone (`git reset --keep`) and no tag is made.

Git goes through the history layer's repository reading (GitPython): the tags
and the papers at their tags are read as everywhere else, `repo.is_dirty` and
`repo.head.is_detached` guard step 1, the commits are made by `git commit` with
the user's configuration (identity, signing) and the archive commit's dates
pinned, and the tags by GitPython's `create_tag`.
"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass
from pathlib import Path

from ..diagnostics import ERROR, Finding
from ..errors import UsageError
from ..history import PublishTag, Repository, archive_path, tag_name
from .published import PublishedVersion, render_frozen

DEFAULT_PDF_OUT = Path("site") / "pdf"


class PublishRefused(Exception):
    """Publishing would be wrong (dirty tree, check errors, nothing new): exit 1 with findings."""

    def __init__(self, message: str, findings: list[Finding] | None = None):
        super().__init__(message)
        self.findings = findings or []


@dataclass
class Published:
    paper: str
    tag: str
    revision: int
    commit: str
    pdf: Path
    sha256: str
    date: dt.date


def _pdf_api():
    try:
        from ..pdf import pdf_relpath, render_all
    except ImportError as exc:
        raise UsageError(f"publishing needs the PDF renderer, which cannot be loaded: {exc}",
                         "install issuepapers with its PDF dependencies (WeasyPrint)") from None
    return pdf_relpath, render_all


def tag_message(paper: str, revision: int, date: dt.date, pdf_rel: str, sha256: str, title: str) -> str:
    from ..fields import one_line

    # One line per field, whatever a value holds: no title can forge another field.
    paper, pdf_rel, title = one_line(paper), one_line(pdf_rel), one_line(title)
    return (f"Publish {paper} (revision {revision})\n\n"
            f"Title: {title}\n"
            f"Paper: {paper}\n"
            f"Revision: {revision}\n"
            f"Date: {date.isoformat()}\n"
            f"PDF: {pdf_rel}\n"
            f"PDF-SHA256: {sha256}\n")


def publish(root: Path, rels: list[str], *, date: dt.date | None = None, out_dir: Path | None = None,
            confirm=None) -> list[Published]:
    """Publish the papers at `rels` (root-relative paths). `confirm(plan) -> bool` may cancel."""
    from ..collection import load_collection
    from ..edit import EditError, apply
    from ..load import parse
    from ..model import Paper
    from ..rules import check_collection

    root = Path(root).resolve()
    pdf_relpath, _ = _pdf_api()
    repo = Repository.open(root)
    if not repo.in_git:
        raise UsageError(f"{root} is not in a git repository", "publishing records a commit and a tag: `git init`")
    old_head = repo.head
    if old_head is None:
        raise UsageError("the repository has no commits yet", "commit the papers first")
    if repo.detached:
        raise PublishRefused("HEAD is detached: check out a branch before publishing")
    coll = load_collection(root)
    coll.history = repo  # the check below reads the tags from it, as everything here
    # The PDF is printed from the commit: the committee's templates must be in it as they are here.
    committee = coll.registry.committee
    watched = ("papers", "recommendations", "committee.yml", committee.templates or "templates",
               *([committee.logo] if committee.logo else []))
    changes = repo.uncommitted([w for w in watched if (root / w).exists()])
    if changes:
        shown = ", ".join(changes[:5]) + (f" and {len(changes) - 5} more" if len(changes) > 5 else "")
        raise PublishRefused(f"the work tree has uncommitted changes: {shown}",
                             [Finding(c, 1, 1, ERROR, "publish-dirty-tree",
                                      "uncommitted change; commit or stash it before publishing") for c in changes])

    tags = repo.tags
    repo.at_latest_tags([rel for rel in rels if rel in tags])
    plan: list[tuple[Paper, bytes, bytes, int, dt.date]] = []
    refusals: list[Finding] = []
    for rel in dict.fromkeys(rels):
        doc = coll.by_path.get(rel)
        if not isinstance(doc, Paper):
            raise UsageError(f"{rel} is not an issue paper under papers/", "publish papers/<working-group>/<YYYY-MM>.md")
        raw = (root / rel).read_bytes()
        day = date or doc.date or dt.date.today()
        try:
            new = apply(raw, [("status", "published"), ("date", day.isoformat())], Paper.FIELDS)
        except EditError as exc:
            refusals.append(Finding(rel, 1, 1, ERROR, "publish-edit", str(exc), exc.hint))
            continue
        previous = tags.get(rel, [])
        if previous:
            at_tag = repo.blob(previous[-1].commit, rel)
            if at_tag is not None and at_tag in (raw, new):
                refusals.append(Finding(rel, 1, 1, ERROR, "publish-unchanged",
                                        f"unchanged since it was published as {previous[-1].name}",
                                        "edit the paper before publishing a new revision"))
                continue
        # Check the paper as it will be published.
        edited = Paper.from_source(parse(rel, new))
        coll.papers[coll.papers.index(doc)] = edited
        coll.by_path[rel] = edited
        plan.append((edited, raw, new, (previous[-1].number if previous else 0) + 1, day))
    if plan:
        findings = [f for f in check_collection(coll, {p.path for p, *_ in plan}) if f.severity == ERROR]
        refusals.extend(findings)
    if refusals:
        raise PublishRefused("nothing published: fix the errors below first", refusals)
    if confirm is not None and not confirm([(p.path, tag_name(p.path, n)) for p, _, _, n, _ in plan]):
        raise PublishRefused("cancelled")

    from ..fsutil import atomic_write

    for paper, raw, new, _, _ in plan:
        if new != raw:
            atomic_write(root / paper.path, new)
    paths = [p.path for p, *_ in plan]
    amend = any(new != raw for _, raw, new, _, _ in plan)
    if amend:
        subject = (f"Publish {paths[0]}" if len(paths) == 1 else f"Publish {len(paths)} papers")
        body = "\n".join(f"{p.path}: revision {n}" for p, _, _, n, _ in plan)
        top = [repo.top_path(p) for p in paths]
        try:
            with repo.writing():
                repo.run("add", "--", *top)
                repo.run("commit", "-q", "-m", f"{subject}\n\n{body}\n", "--", *top)
        except UsageError:
            _undo(repo, root, old_head, plan)
            raise
    commit = repo.current_head()

    out_dir = Path(out_dir) if out_dir else root / DEFAULT_PDF_OUT
    try:
        stamp = repo.commit_date(commit)
        versions = [PublishedVersion(p.path, tag_name(p.path, n), n, commit, stamp, None, new)
                    for p, _, new, n, _ in plan]
        # The very function a later build verifies the tag with: the same tree, revision and stamp.
        report = render_frozen(root, versions, out_dir, jobs=1, verify=False, repo=repo)
    except BaseException:
        _undo(repo, root, old_head, plan)
        raise
    if report.failed:
        _undo(repo, root, old_head, plan)
        raise PublishRefused("the PDF could not be rendered; the publish commit was undone", report.failed)
    try:
        commit = _archive(repo, root, plan, out_dir, pdf_relpath, stamp, amend)
    except BaseException:
        _undo(repo, root, old_head, plan)
        raise
    coll = load_collection(root)
    done: list[Published] = []
    made: list[str] = []
    try:
        for paper, _, _, number, day in plan:
            pdf = out_dir / pdf_relpath(paper.path)
            digest = report.sha256[paper.path]
            name = tag_name(paper.path, number)
            message = tag_message(paper.path, number, day, pdf_relpath(paper.path), digest,
                                  coll.title_of(coll.by_path[paper.path]))
            repo.create_tag(name, commit, message)
            made.append(name)
            done.append(Published(paper.path, name, number, commit, pdf, digest, day))
    except (UsageError, OSError):
        for name in made:
            _quietly(repo, "tag", "-d", name)
        _undo(repo, root, old_head, plan)
        raise
    return done


def _archive(repo: Repository, root: Path, plan, out_dir: Path, pdf_relpath, stamp: dt.datetime,
             amend: bool) -> str:
    """Put each PDF in the commit the tag will point at (published/<wg>/<YYYY-MM>/v<N>.pdf).

    The publish commit is amended (or, when publish made none, a commit added)
    with the same dates, so the tag's commit still stamps the PDF as it was printed.
    """
    from ..fsutil import atomic_write

    archived = []
    for paper, _, _, number, _ in plan:
        rel = archive_path(paper.path, number)
        atomic_write(root / rel, (out_dir / pdf_relpath(paper.path)).read_bytes())
        archived.append(repo.top_path(rel))
    when = stamp.isoformat()
    dates = {"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    with repo.writing():
        repo.run("add", "-f", "--", *archived)
        if amend:
            repo.run("commit", "-q", "--amend", "--no-edit", "--no-verify", env=dates)
        else:
            names = ", ".join(p.path for p, *_ in plan)
            repo.run("commit", "-q", "--no-verify", "-m", f"Archive the published PDF of {names}", "--",
                     *archived, env=dates)
    return repo.current_head()


def _quietly(repo: Repository, *args: str) -> None:
    try:
        with repo.writing():
            repo.run(*args)
    except UsageError:
        pass


def _undo(repo: Repository, root: Path, old_head: str, plan) -> None:
    """Back to where publish started: the commit undone (if made), the edits reverted."""
    if repo.current_head() != old_head:
        _quietly(repo, "reset", "-q", "--keep", old_head)
    from ..fsutil import atomic_write

    for paper, raw, _, _, _ in plan:
        path = root / paper.path
        if path.read_bytes() != raw:
            atomic_write(path, raw)


def interactive_confirm(plan: list[tuple[str, str]]) -> bool:
    for path, tag in plan:
        print(f"  {path} -> {tag}", file=sys.stderr)
    try:
        answer = input(f"Publish {len(plan)} paper{'s' * (len(plan) != 1)}? [y/N] ")
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")


__all__ = ["PublishRefused", "Published", "PublishTag", "publish", "tag_message"]
