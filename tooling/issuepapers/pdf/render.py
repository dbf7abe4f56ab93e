"""Papers → PDFs: incremental, parallel, atomic, deterministic."""

from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..diagnostics import ERROR, Finding
from ..fsutil import atomic_write
from ..model import Collection, Paper
from .cache import Manifest, content_key
from .context import images_without_alt, local_sources, paper_context, paper_metadata, revisions_of, timestamp
from ..assets import templates_for
from .engine import engine_digest, jinja_env
from .pool import DEFAULT_TIMEOUT, Job, Outcome, default_jobs, run_jobs


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

    @property
    def ok(self) -> bool:
        return not self.failed


def ensure_history(root: Path, coll: Collection) -> None:
    """Attach git history once if nobody did: PDF timestamps come from each paper's last commit."""
    if coll.history is not None or any(p.history is not None for p in coll.papers):
        return
    try:
        from ..collection import attach_history

        attach_history(coll, root)
    except Exception:  # noqa: BLE001 — no git, no gitlog module yet: fall back to a fixed epoch
        coll.history = None


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


def paper_html(root: Path, coll: Collection, paper: Paper, draft: bool = False, env=None,
               revision: int | None = None) -> tuple[str, dict]:
    """The HTML WeasyPrint lays out for one paper, and its metadata."""
    env = env or jinja_env(templates_for(root, coll.registry))
    ctx = paper_context(root, coll, paper, draft=draft, revision=revision)
    meta = paper_metadata(coll, paper, ctx, timestamp(paper, coll))
    return env.get_template("paper.html.j2").render(p=ctx, meta=meta), ctx


def render_all(root: Path, coll: Collection, out_dir: Path, *, jobs: int | None = None, draft: bool = False,
               paths: list[str] | None = None, progress: bool = False,
               timeout: float | None = DEFAULT_TIMEOUT) -> RenderReport:
    """Write out_dir/<working-group>/<YYYY-MM>.pdf for every (selected) paper that changed."""
    root, out_dir = Path(root).resolve(), Path(out_dir).resolve()
    report = RenderReport()
    papers, report.failed = select_papers(coll, paths)
    if not papers:
        return report
    ensure_history(root, coll)
    templates = templates_for(root, coll.registry)
    env = jinja_env(templates)
    digest = engine_digest(templates)
    manifest = Manifest(root, out_dir)
    revisions = revisions_of(root, coll)  # printed, so part of the HTML and of the cache key
    todo: list[Job] = []
    keys: dict[str, tuple[str, str]] = {}
    for paper in papers:
        rel = pdf_relpath(paper.path)
        try:
            html, _ = paper_html(root, coll, paper, draft, env, revisions.get(paper.path))
        except Exception as exc:  # noqa: BLE001
            report.failed.append(Finding(paper.path, 1, 1, ERROR, "pdf-render",
                                         f"cannot build the page: {type(exc).__name__}: {exc}"[:500]))
            manifest.drop(rel)
            continue
        missing = images_without_alt(html)
        if missing:
            report.failed.append(Finding(paper.path, paper.source.body_line, 1, ERROR, "image-alt",
                                         f"image without alt text: {missing[0][:120]!r}",
                                         "PDF/UA needs a text alternative: ![what it shows](…)"))
            manifest.drop(rel)
            continue
        base_dir = (root / paper.path).parent
        key = content_key(digest, html, base_dir, local_sources(html))
        if manifest.fresh(rel, key):
            report.skipped.append(paper.path)
            continue
        keys[paper.path] = (rel, key)
        todo.append(Job(paper.path, str(root), tuple(map(str, templates.dirs)), html, base_dir.as_uri() + "/",
                        hashlib.sha256(key.encode()).digest()[:16]))

    def done(out: Outcome) -> None:
        rel, key = keys[out.name]
        if out.data is not None:
            atomic_write(out_dir / rel, out.data)
            manifest.set(rel, key)
            report.rendered.append(out.name)
            report.seconds[out.name] = out.seconds
        else:
            manifest.drop(rel)
            report.failed.append(Finding(out.name, 1, 1, ERROR, out.rule or "pdf-render", out.error or "failed"))

    workers = jobs or default_jobs()
    try:
        if progress and todo and sys.stderr.isatty():
            from rich.progress import Progress

            with Progress(transient=True) as bar:
                task = bar.add_task("Rendering PDFs", total=len(todo))
                for _ in run_jobs(todo, workers, timeout, on_done=done):
                    bar.advance(task)
        else:
            for _ in run_jobs(todo, workers, timeout, on_done=done):
                pass
    finally:
        manifest.save()
    report.rendered.sort()
    report.failed.sort(key=lambda f: (f.path, f.rule))
    return report
