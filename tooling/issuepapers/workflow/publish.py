"""`issuepapers publish PATH…`: freeze a paper as published, with a commit, a PDF and a tag.

Steps, all or nothing for the papers named:

1. refuse when the work tree has uncommitted changes (tracked files, or
   untracked documents and registry), or HEAD is detached from any commit;
2. edit each paper in memory (`status: published`, `date`) by round-trip edit,
   and run `check` on the edited collection: any error refuses;
3. refuse a paper whose latest publish tag holds the same bytes (nothing to
   publish again), and a tag name a ref already holds (or one in its way);
4. write the edits and commit them (one commit for all papers);
5. print each paper's PDF from that commit exactly as every later build prints
   the published version (`published.render_frozen`: a tree taken from the
   commit, "Revision N", stamped with the commit's date), and hash it;
6. archive the PDF in that commit (amended with the same dates), and create the
   annotated tag `papers/<wg>/<YYYY-MM>/v<N>` on it, its message recording the
   revision, the date and the PDF's SHA-256.

Before step 4 the repository's state is taken (`_Before`): the branch and its
commit, the index's bytes, every file publish writes (papers, archived and
printed PDFs, the PDF cache's manifest) and the folders it creates. If anything
fails from step 4 on (a hook refusing the commit, the PDF, a folder that cannot
be written, a tag git refuses or that a hook made in between, Ctrl-C), all of
it is put back: the branch moved back with `update-ref`, the index and the files
rewritten, the tags publish made (or that point at a commit it made) deleted,
and the failure is reported as `publish-undone` (exit 1). Nothing is left half
published: a commit without its tag, or a tag without its archived PDF.

Git goes through the history layer's repository reading (GitPython): the tags
and the papers at their tags are read as everywhere else, one `git status` (which
leaves the index's bytes alone) and `repo.head.is_detached` guard step 1, the
commits are made by `git commit` with the user's configuration (identity,
signing, hooks) and the archive commit's dates pinned, and the tags by
GitPython's `create_tag` (the user's signing policy applies).
"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass, field
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
    names = [tag_name(p.path, n) for p, _, _, n, _ in plan]
    taken = [(p.path, name, ref) for (p, *_), name in zip(plan, names) for ref in repo.refs_in_the_way(name)]
    if taken:
        raise PublishRefused("nothing published: the tags it would make are taken", [
            Finding(path, 1, 1, ERROR, "publish-tag-exists", f"{name} cannot be made: the ref {ref} exists",
                    "a tag git does not read as a publication is in the way: rename or delete it "
                    f"(`git tag -d {ref.removeprefix('refs/tags/')}`), then publish again")
            for path, name, ref in taken])
    if confirm is not None and not confirm([(p.path, tag_name(p.path, n)) for p, _, _, n, _ in plan]):
        raise PublishRefused("cancelled")

    out_dir = (Path(out_dir) if out_dir else root / DEFAULT_PDF_OUT).resolve()
    before = _Before.take(repo, root, plan, out_dir, pdf_relpath, names)
    steps = _Steps()
    try:
        return _commit_print_tag(repo, root, plan, out_dir, pdf_relpath, before, steps)
    except BaseException as exc:
        problems = before.restore(repo)
        if not isinstance(exc, Exception):  # Ctrl-C: put back, then stop as asked
            raise
        raise _undone(exc, steps.now, plan, problems) from None


class _Steps:
    """The step publish is at, for the report of a failure."""

    now = "publishing"


def _commit_print_tag(repo: Repository, root: Path, plan, out_dir: Path, pdf_relpath, before: _Before,
                      steps: _Steps) -> list[Published]:
    """Steps 4 to 6: commit, print, archive, tag. Any failure is undone by the caller (`_Before.restore`)."""
    from ..collection import load_collection
    from ..fsutil import atomic_write

    steps.now = "committing the edits"
    for paper, raw, new, _, _ in plan:
        if new != raw:
            atomic_write(root / paper.path, new)
    paths = [p.path for p, *_ in plan]
    amend = any(new != raw for _, raw, new, _, _ in plan)
    if amend:
        subject = (f"Publish {paths[0]}" if len(paths) == 1 else f"Publish {len(paths)} papers")
        body = "\n".join(f"{p.path}: revision {n}" for p, _, _, n, _ in plan)
        top = [repo.top_path(p) for p in paths]
        with repo.writing():
            repo.run("add", "--", *top)
            repo.run("commit", "-q", "-m", f"{subject}\n\n{body}\n", "--", *top)
        before.made(repo.current_head())
    commit = repo.current_head()

    steps.now = "printing the PDF"
    stamp = repo.commit_date(commit)
    versions = [PublishedVersion(p.path, tag_name(p.path, n), n, commit, stamp, None, new)
                for p, _, new, n, _ in plan]
    # The very function a later build verifies the tag with: the same tree, revision and stamp.
    report = render_frozen(root, versions, out_dir, jobs=1, verify=False, repo=repo)
    if report.failed:
        raise PublishRefused("the PDF could not be rendered; nothing was published, the repository is as it was",
                             report.failed)

    steps.now = "archiving the PDF"
    commit = _archive(repo, root, plan, out_dir, pdf_relpath, stamp, amend)
    before.made(commit)

    steps.now = "tagging"
    coll = load_collection(root)
    done: list[Published] = []
    for paper, _, _, number, day in plan:
        pdf = out_dir / pdf_relpath(paper.path)
        digest = report.sha256[paper.path]
        name = tag_name(paper.path, number)
        message = tag_message(paper.path, number, day, pdf_relpath(paper.path), digest,
                              coll.title_of(coll.by_path[paper.path]))
        repo.create_tag(name, commit, message)
        before.tagged(name)
        done.append(Published(paper.path, name, number, commit, pdf, digest, day))
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


_ABSENT = object()  # a file that was not there
_OTHER = object()  # not a regular file (a folder, say): never written nor removed by the undo


@dataclass
class _Before:
    """The repository as publish found it, and what publish made since: what `restore` puts back.

    The branch HEAD names and its commit, the index (its very bytes: the work
    tree is clean, so nothing staged is lost), every file publish writes (the
    papers, their archived PDFs, the printed PDFs and the PDF cache's manifest)
    with the folders it creates, and the tags it will make.
    """

    branch: str
    head: str
    index: Path
    index_bytes: bytes | None
    files: dict[Path, object]
    folders: list[Path]
    tags: list[str]
    commits: set[str] = field(default_factory=set)  # commits publish made
    made_tags: list[str] = field(default_factory=list)

    @classmethod
    def take(cls, repo: Repository, root: Path, plan, out_dir: Path, pdf_relpath, tags: list[str]) -> _Before:
        from ..pdf.cache import Manifest

        branch, head = repo.branch(), repo.current_head()
        if branch is None or head is None:
            raise PublishRefused("HEAD is not on a branch with a commit: check out a branch before publishing")
        index = Path(repo.repo.git_dir) / "index"
        paths = [Manifest(root, out_dir).path]
        for paper, _, _, number, _ in plan:
            paths += [root / paper.path, root / archive_path(paper.path, number), out_dir / pdf_relpath(paper.path)]
        files: dict[Path, object] = {}
        folders: list[Path] = []
        for path in paths:
            files[path] = _content(path)
            parent = path.parent
            while not parent.exists() and parent != parent.parent:
                folders.append(parent)
                parent = parent.parent
        return cls(branch, head, index, _content(index) if index.exists() else None, files,
                   sorted(set(folders), key=lambda p: len(p.parts), reverse=True), list(tags))

    def made(self, commit: str | None) -> None:
        if commit is not None and commit != self.head:
            self.commits.add(commit)

    def tagged(self, name: str) -> None:
        self.made_tags.append(name)

    def restore(self, repo: Repository) -> list[str]:
        """Put everything back; what could not be put back, in words (nothing when all went well)."""
        from ..fsutil import atomic_write

        problems: list[str] = []

        def attempt(what: str, fn, *args) -> None:
            try:
                fn(*args)
            except (Exception, KeyboardInterrupt) as exc:  # noqa: BLE001 - put back all that can be, whatever fails
                problems.append(f"{what}: {_reason(exc)}")

        for name in self.tags:  # the tags publish made, or that point at a commit it made (a hook's)
            attempt(f"deleting the tag {name}", self._untag, repo, name)
        attempt(f"moving {self.branch} back to {self.head[:12]}", self._unbranch, repo)
        if isinstance(self.index_bytes, bytes):
            attempt("restoring the index", atomic_write, self.index, self.index_bytes)
        elif self.index_bytes is None:
            attempt("restoring the index", lambda: self.index.unlink(missing_ok=True))
        for path, content in self.files.items():
            attempt(f"restoring {path}", _put_back, path, content)
        for folder in self.folders:
            try:
                folder.rmdir()
            except OSError:
                pass  # not empty (something else wrote there), or gone already
        return problems

    def _untag(self, repo: Repository, name: str) -> None:
        ref = f"refs/tags/{name}"
        found = repo.resolve(ref)  # the commit it points at; None when there is no such tag (any more)
        if found is not None and (name in self.made_tags or found in self.commits):
            with repo.writing():
                repo.run("update-ref", "-d", ref)

    def _unbranch(self, repo: Repository) -> None:
        now = repo.current_head()
        if now == self.head or now is None:
            return
        with repo.writing():
            repo.run("update-ref", "-m", "issuepapers publish: undone", self.branch, self.head, now)


def _content(path: Path) -> object:
    try:
        if path.is_symlink() or (path.exists() and not path.is_file()):
            return _OTHER
        return path.read_bytes() if path.exists() else _ABSENT
    except OSError:
        return _OTHER


def _put_back(path: Path, content: object) -> None:
    from ..fsutil import atomic_write

    if content is _OTHER:
        return
    if content is _ABSENT:
        if path.is_file() and not path.is_symlink():
            path.unlink()
        return
    if _content(path) != content:
        atomic_write(path, content)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    return str(exc) or type(exc).__name__


def _undone(exc: Exception, step: str, plan, problems: list[str]) -> PublishRefused:
    """The report of a publish that failed after it started writing, everything put back (or said why not)."""
    where = plan[0][0].path
    findings = list(exc.findings) if isinstance(exc, PublishRefused) else [
        Finding(where, 1, 1, ERROR, "publish-undone", f"{step} failed: {_reason(exc)}",
                getattr(exc, "hint", None) or "nothing was published; fix the cause and publish again")]
    findings += [Finding(where, 1, 1, ERROR, "publish-undone", f"could not be put back: {problem}",
                         "the repository is not as it was before publish: see `git status` and `git tag -l`")
                 for problem in problems]
    if problems:
        message = f"{step} failed, and the repository could not be put back entirely"
    elif isinstance(exc, PublishRefused):
        message = str(exc)
    else:
        message = f"{step} failed; nothing was published, the repository is as it was"
    return PublishRefused(message, findings)


def interactive_confirm(plan: list[tuple[str, str]]) -> bool:
    for path, tag in plan:
        print(f"  {path} -> {tag}", file=sys.stderr)
    try:
        answer = input(f"Publish {len(plan)} paper{'s' * (len(plan) != 1)}? [y/N] ")
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")


__all__ = ["PublishRefused", "PublishTag", "Published", "publish", "tag_message"]
