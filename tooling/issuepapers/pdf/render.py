"""Papers → PDFs: incremental, parallel, atomic, deterministic."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..diagnostics import ERROR, WARNING, Finding
from ..fsutil import OutsideRoot, atomic_write, inside
from ..markdown_reading import MAX_NESTING
from ..model import Collection, Paper
from .cache import Manifest, content_key
from .context import images_without_alt, local_sources, paper_context, paper_metadata, revisions_of, timestamp
from ..assets import templates_for
from .engine import engine_digest, jinja_env
from .pool import DEFAULT_TIMEOUT, Job, Outcome, TimeLimit, default_jobs, run_jobs, time_limit


def pdf_relpath(paper_path: str) -> str:
    """"papers/a/b.md" → "a/b.pdf"."""
    rel = paper_path.removeprefix("papers/")
    return (rel[:-3] if rel.endswith(".md") else rel) + ".pdf"


@dataclass
class RenderReport:
    rendered: list[str] = field(default_factory=list)  # paper paths written
    skipped: list[str] = field(default_factory=list)  # paper paths whose PDF was up to date
    failed: list[Finding] = field(default_factory=list)  # one finding per paper that could not be rendered
    seconds: dict[str, float] = field(default_factory=dict)  # WeasyPrint time per rendered paper
    long: list[Finding] = field(default_factory=list)  # `paper-too-long` warnings: PDFs past committee.max_pages

    @property
    def ok(self) -> bool:
        return not self.failed


def ensure_history(root: Path, coll: Collection) -> None:
    """Attach git history once if nobody did: PDF timestamps come from each paper's last commit.

    Outside git the history is empty (stamps fall back, see `context.timestamp`);
    a repository git cannot read is an error, never a silently different stamp.
    """
    if getattr(coll.history, "log", None) is not None or any(p.history is not None for p in coll.papers):
        return
    from ..collection import attach_history
    from ..errors import UsageError
    from ..history import GitError

    try:
        attach_history(coll, root)
    except GitError as exc:
        raise UsageError(f"the git history cannot be read, so the PDFs cannot be dated: {exc}",
                         "run `git status` in the repository to see what git objects to") from None


def select_papers(coll: Collection, paths: list[str] | None) -> tuple[list[Paper], list[Finding]]:
    if not paths:
        return list(coll.papers), []
    wanted, problems = [], []
    broken = {s.path for s in coll.broken}
    for raw in paths:
        p = raw.strip("/")
        hits = [x for x in coll.papers if x.path == p or x.path.startswith(p + "/") or p in ("", ".")]
        if not hits:
            msg = ("its front matter could not be read; run `issuepapers check`" if p in broken
                   else "not a paper under papers/")
            problems.append(Finding(p, 1, 1, ERROR, "pdf-render", f"cannot render {p}: {msg}"))
        wanted.extend(h for h in hits if h not in wanted)
    return sorted(wanted, key=lambda x: x.path), problems


# A link the PDF cannot follow (relative to the paper's folder) would be resolved against the
# folder the paper was rendered in and printed as an absolute file: URI, so the bytes would
# depend on where the repository was checked out. Its text stays; the link goes.
_RELATIVE_HREF = re.compile(r"""(<a\b[^>]*?)\s+href\s*=\s*(?:"(?![a-zA-Z][a-zA-Z0-9+.-]*:|#)[^"]*"|'(?![a-zA-Z][a-zA-Z0-9+.-]*:|#)[^']*')""",
                            re.I)


def pin_links(html: str) -> str:
    """Drop `href`s that are neither absolute URLs nor `#fragments`: the PDF is the same in every checkout."""
    return _RELATIVE_HREF.sub(r"\1", html)


def paper_html(root: Path, coll: Collection, paper: Paper, draft: bool = False, env=None,
               revision: int | None = None, stamp: dt.datetime | None = None,
               fallback: dt.datetime | None = None) -> tuple[str, dict]:
    """The HTML WeasyPrint lays out for one paper, and its metadata.

    `stamp`: the PDF's dates, given explicitly (a publish tag's commit date); else
    the paper's own last commit (`context.timestamp`, with `fallback` for a paper
    never committed).
    """
    env = env or jinja_env(templates_for(root, coll.registry))
    ctx = paper_context(root, coll, paper, draft=draft, revision=revision)
    meta = paper_metadata(coll, paper, ctx, stamp if stamp is not None else timestamp(paper, coll, fallback))
    return pin_links(env.get_template("paper.html.j2").render(p=ctx, meta=meta)), ctx


@dataclass
class Plan:
    """The WeasyPrint jobs of one or more trees, and what each job's output is (rel path, cache key)."""

    todo: list[Job] = field(default_factory=list)
    keys: dict[str, tuple[str, str]] = field(default_factory=dict)  # job name → (output rel path, key)
    failed: list[Finding] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def limit_findings(paper: Paper) -> list[Finding]:
    """The size limits a paper's body passes (`markdown_reading.body_limits`), as `check` reports them."""
    return [Finding(paper.path, lim.line, lim.column, ERROR, lim.rule, lim.message, lim.hint)
            for lim in paper.reading.limits]


def plan_papers(root: Path, coll: Collection, papers: list[Paper], plan: Plan, *, manifest: Manifest | None = None,
                draft: bool = False, drafts=(), revisions: dict[str, int] | None = None,
                stamps: dict[str, dt.datetime] | None = None, fallback: dt.datetime | None = None,
                timeout: float | None = DEFAULT_TIMEOUT) -> Plan:
    """Add a job to `plan` for each paper whose PDF is not up to date in `manifest` (None: every paper).

    A body over a size limit is refused with `check`'s finding; converting a body's Markdown runs under
    the per-paper time limit `timeout`, as laying it out does (`pdf-timeout` past it).
    """
    templates = templates_for(root, coll.registry)
    env = jinja_env(templates)
    digest = engine_digest(templates)
    revisions = revisions or {}
    stamps = stamps or {}
    for paper in papers:
        rel = pdf_relpath(paper.path)
        too_large = limit_findings(paper)  # as `check` reports them: never converted
        if too_large:
            plan.failed.extend(too_large)
            if manifest is not None:
                manifest.drop(rel)
            continue
        try:
            with time_limit(timeout):
                deep = paper.reading.too_deep(MAX_NESTING)  # as `check` reads it: refused before the engine fails
                if deep is None:
                    html, _ = paper_html(root, coll, paper, draft or paper.path in drafts, env,
                                         revisions.get(paper.path), stamps.get(paper.path), fallback)
        except TimeLimit:
            plan.failed.append(Finding(paper.path, paper.source.body_line, 1, ERROR, "pdf-timeout",
                                       f"converting the Markdown took longer than {timeout:g} s and was stopped",
                                       "simplify the body (see `issuepapers check`)"))
            if manifest is not None:
                manifest.drop(rel)
            continue
        except Exception as exc:  # noqa: BLE001 — becomes this paper's finding, and the render fails
            plan.failed.append(Finding(paper.path, 1, 1, ERROR, "pdf-render",
                                       f"cannot build the page: {type(exc).__name__}: {exc}"[:500]))
            if manifest is not None:
                manifest.drop(rel)
            continue
        if deep is not None:
            plan.failed.append(Finding(paper.path, deep[1], 1, ERROR, "body-too-deep",
                                       f"nesting {deep[0]} levels deep (at most {MAX_NESTING}) cannot be laid out",
                                       "flatten the list or quote"))
            if manifest is not None:
                manifest.drop(rel)
            continue
        missing = images_without_alt(html)
        if missing:
            # where `check` reports it: the body's first image without alt text, as the reading finds it
            at = next(((i.line, i.column) for i in paper.reading.images if not i.alt.strip()),
                      (paper.source.body_line, 1))
            plan.failed.append(Finding(paper.path, *at, ERROR, "image-alt",
                                       f"image without alt text: {missing[0][:120]!r}",
                                       "PDF/UA needs a text alternative: ![what it shows](…)"))
            if manifest is not None:
                manifest.drop(rel)
            continue
        base_dir = (root / paper.path).parent
        key = content_key(digest, html, base_dir, local_sources(html))
        if manifest is not None and manifest.fresh(rel, key):
            plan.skipped.append(paper.path)
            continue
        plan.keys[paper.path] = (rel, key)
        plan.todo.append(Job(paper.path, str(root), tuple(map(str, templates.dirs)), html, base_dir.as_uri() + "/",
                             hashlib.sha256(key.encode()).digest()[:16]))
    return plan


def run_plan(plan: Plan, done, *, jobs: int | None = None, progress: bool = False,
             timeout: float | None = DEFAULT_TIMEOUT) -> None:
    """Lay out every job of `plan` (in parallel), calling `done(outcome)` for each."""
    workers = jobs or default_jobs()
    if progress and plan.todo and sys.stderr.isatty():
        from rich.progress import Progress

        with Progress(transient=True) as bar:
            task = bar.add_task("Rendering PDFs", total=len(plan.todo))
            for _ in run_jobs(plan.todo, workers, timeout, on_done=done):
                bar.advance(task)
    else:
        for _ in run_jobs(plan.todo, workers, timeout, on_done=done):
            pass


def render_all(root: Path, coll: Collection, out_dir: Path, *, jobs: int | None = None, draft: bool = False,
               paths: list[str] | None = None, progress: bool = False,
               timeout: float | None = DEFAULT_TIMEOUT, revisions: dict[str, int] | None = None,
               stamps: dict[str, dt.datetime] | None = None, fallback: dt.datetime | None = None,
               drafts=()) -> RenderReport:
    """Write out_dir/<working-group>/<YYYY-MM>.pdf for every (selected) paper that changed.

    What decides a PDF's bytes is passed in, never read from the environment:
    `revisions` ("Revision N" by paper path; default: `workflow.revisions`, the
    working tree's), `stamps` (explicit dates by paper path, e.g. a publish
    tag's commit), `fallback` (the date of a paper never committed), `drafts`
    (paper paths printed as DRAFT, besides `draft` for all).
    """
    root, out_dir = Path(root).resolve(), Path(out_dir).resolve()
    report = RenderReport()
    papers, report.failed = select_papers(coll, paths)
    if not papers:
        return report
    ensure_history(root, coll)
    manifest = Manifest(root, out_dir)
    if revisions is None:
        revisions = revisions_of(root, coll)  # printed, so part of the HTML and of the cache key
    plan = plan_papers(root, coll, papers, Plan(failed=report.failed), manifest=manifest, draft=draft,
                       drafts=drafts, revisions=revisions, stamps=stamps, fallback=fallback, timeout=timeout)
    report.skipped = plan.skipped

    def done(out: Outcome) -> None:
        rel, key = plan.keys[out.name]
        try:
            target = inside(out_dir, rel)  # whatever the paper's path, nothing is written outside out_dir
        except OutsideRoot as exc:
            report.failed.append(Finding(out.name, 1, 1, ERROR, "pdf-render", str(exc)))
            return
        if out.data is not None:
            atomic_write(target, out.data)
            manifest.set(rel, key, out.pages)
            report.rendered.append(out.name)
            report.seconds[out.name] = out.seconds
        else:
            manifest.drop(rel)
            report.failed.append(Finding(out.name, 1, 1, ERROR, out.rule or "pdf-render", out.error or "failed"))

    try:
        run_plan(plan, done, jobs=jobs, progress=progress, timeout=timeout)
    finally:
        manifest.save()
    report.rendered.sort()
    report.failed.sort(key=lambda f: (f.path, f.rule))
    report.long = too_long(coll, papers, lambda p: manifest.pages.get(pdf_relpath(p.path)))
    return report


def too_long(coll: Collection, papers: list[Paper], pages_of) -> list[Finding]:
    """`paper-too-long` for each paper whose PDF has more pages than `committee.max_pages` (the real count;
    `check` can only estimate it from the text)."""
    limit = coll.registry.committee.max_pages
    out = []
    for paper in papers:
        pages = pages_of(paper) or 0
        if pages > limit:
            out.append(Finding(paper.path, paper.source.body_line, 1, WARNING, "paper-too-long",
                               f"this paper prints on {pages} pages; issue papers fit on {limit}",
                               "shorten it, or move detail to an attachment or a linked page "
                               "(the limit is `max_pages` in committee.yml)"))
    return out
