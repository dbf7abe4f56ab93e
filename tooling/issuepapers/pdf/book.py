"""The meeting book: cover, contents with page numbers, every paper for the meeting, and an annex
of the recommendations voted there — one PDF/UA document with bookmarks per paper."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from ..fields import VOTED_STATUSES
from ..fsutil import atomic_write, inside
from ..markdown_reading import MAX_NESTING, start_tags
from ..model import Collection, Paper
from .cache import Manifest, content_key
from .context import (FALLBACK_EPOCH, GENERATOR, LANG, images_without_alt, local_sources, logo_of, long_date,
                      metadata_text,
                      paper_context, revisions_of, timestamp, w3c)
from ..assets import templates_for
from .engine import Engine, RenderError, engine_digest, jinja_env
from .pool import DEFAULT_TIMEOUT, TimeLimit, time_limit
from .render import ensure_history, pin_links

_ATTR = re.compile(r'(\s)(src|id|href)="([^"]*)"')
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def _rebase(html: str, prefix: str, anchor: str) -> str:
    """Make a paper's body fit one combined document: image paths from the repo root, unique ids.

    Only attributes of the start tags the HTML parser finds are edited (`markdown_reading.start_tags`),
    never text that looks like one.
    """
    def edit(tag: str, m: re.Match) -> str:
        name, value = m[2], m[3]
        if name == "src":
            if tag == "img" and value and not _SCHEME.match(value) and not value.startswith(("/", "#")):
                value = prefix + value
        elif name == "id":
            value = f"{anchor}-{value}"
        elif value.startswith("#"):
            value = f"#{anchor}-{value[1:]}"
        return f'{m[1]}{name}="{value}"'

    out, pos = [], 0
    for tag, attrs, start, end in start_tags(html):
        if not any(k in ("src", "id", "href") for k, _ in attrs):
            continue
        text = html[start:end]
        new = _ATTR.sub(lambda m: edit(tag, m), text)
        if new != text:
            out += [html[pos:start], new]
            pos = end
    out.append(html[pos:])
    return "".join(out)


def meeting_papers(coll: Collection, meeting_id: str) -> list[Paper]:
    """Papers for the meeting in registry order: subcommittee, then working group."""
    reg = coll.registry
    sc_order = {sid: i for i, sid in enumerate(reg.subcommittees)}
    wg_order = {wid: i for i, wid in enumerate(reg.working_groups)}
    return sorted(coll.papers_for_meeting(meeting_id),
                  key=lambda p: (sc_order.get(p.subcommittee or "", 1 << 30),
                                 wg_order.get(p.working_group or "", 1 << 30), p.path))


def voted_recommendations(coll: Collection, meeting_id: str) -> list[dict]:
    rows = []
    for r in coll.recommendations:
        m = coll.meeting_of(r)
        if not m or m.id != meeting_id or r.status not in VOTED_STATUSES:
            continue
        wg = coll.working_group_of(r)
        vote = r.vote or {}
        rows.append({
            "id": r.id or r.path, "title": r.title or "",
            "working_group": wg.name if wg else (r.working_group or ""),
            "status": (r.status or "").replace("-", " ").capitalize(),
            "vote": " / ".join(str(vote.get(k, "–")) for k in ("for", "against", "abstain")) if vote else "–",
            "agency_status": (r.agency_status or "–").replace("-", " ").capitalize(),
        })
    return rows


def book_html(root: Path, coll: Collection, meeting_id: str, *, revisions: dict[str, int] | None = None,
              drafts=(), fallback=None) -> str:
    """The meeting book's HTML. `revisions` (default: the working tree's), `drafts` (paths printed as DRAFT)
    and `fallback` (the date of a paper never committed) are passed in, as for `render_all`."""
    reg = coll.registry
    meeting = reg.meetings[meeting_id]
    papers = meeting_papers(coll, meeting_id)
    contexts, groups, stamps = [], [], []
    if revisions is None:
        revisions = revisions_of(root, coll) if papers else {}
    for paper in papers:
        ctx = paper_context(root, coll, paper, draft=paper.path in drafts, level=2, base_dir=root,
                            revision=revisions.get(paper.path))
        prefix = Path(paper.path).parent.as_posix() + "/"
        ctx["body_html"] = _rebase(ctx["body_html"], prefix, ctx["anchor"])
        contexts.append(ctx)
        stamps.append(timestamp(paper, coll, fallback))
        sc, wg = coll.subcommittee_of(paper), coll.working_group_of(paper)
        sc_name = sc.full_name if sc else "Other papers"
        wg_name = wg.full_name if wg else ctx["title"]
        if not groups or groups[-1]["name"] != sc_name:
            groups.append({"name": sc_name, "working_groups": []})
        wgs = groups[-1]["working_groups"]
        if not wgs or wgs[-1]["name"] != wg_name:
            wgs.append({"name": wg_name, "papers": []})
        wgs[-1]["papers"].append(ctx)
    draft = any(c["draft"] for c in contexts)
    title = f"{reg.committee.name} public meeting, {long_date(meeting.date)}: Government Issue Papers"
    stamp = w3c(max(stamps) if stamps else FALLBACK_EPOCH)
    meta = metadata_text({
        "title": ("DRAFT: " if draft else "") + title,
        "authors": [reg.committee.name],
        "subject": f"Meeting book: {len(papers)} issue paper{'s' * (len(papers) != 1)} for the "
                   f"{meeting.label} public meeting" + (f", {meeting.location}" if meeting.location else ""),
        "keywords": [k for k in (reg.committee.short_name, "meeting book", "Government Issue Paper", meeting.id) if k],
        "generator": GENERATOR, "created": stamp, "modified": stamp,
    })
    env = jinja_env(templates_for(root, reg))
    return pin_links(env.get_template("book.html.j2").render(
        lang=LANG, meta=meta, draft=draft, committee=reg.committee.name,
        logo=logo_of(root, coll, root), logo_alt=f"{reg.committee.agency or reg.committee.name} logo",
        meeting_date=long_date(meeting.date), meeting_location=meeting.location,
        federal_register=meeting.federal_register, groups=groups, papers=contexts,
        recommendations=voted_recommendations(coll, meeting_id)))


def render_books(root: Path, coll: Collection, out_dir: Path, meetings: list[str] | None = None, *,
                 revisions: dict[str, int] | None = None, drafts=(), fallback=None,
                 timeout: float | None = DEFAULT_TIMEOUT) -> list[Path]:
    """out_dir/books/<meeting-id>.pdf for each meeting (default: every meeting that has papers).

    `revisions`, `drafts`, `fallback`: as for `book_html`. Raises RenderError when a book cannot be made:
    a paper over a size limit or nested too deep (`check`'s rule ids), a paper whose Markdown takes
    longer than the per-paper limit `timeout` to convert (`pdf-timeout`).
    """
    root, out_dir = Path(root).resolve(), Path(out_dir).resolve()
    reg = coll.registry
    if meetings is None:
        meetings = [m.id for m in reg.meetings_sorted() if coll.papers_for_meeting(m.id)]
    unknown = [m for m in meetings if m not in reg.meetings]
    if unknown:
        from ..errors import UsageError
        from ..fields import did_you_mean

        raise UsageError(f"unknown meeting {unknown[0]!r}", did_you_mean(unknown[0], list(reg.meetings)))
    ensure_history(root, coll)
    templates = templates_for(root, reg)
    digest = engine_digest(templates)
    manifest = Manifest(root, out_dir)
    written = []
    try:
        for mid in meetings:
            rel = f"books/{mid}.pdf"
            target = inside(out_dir, rel)  # a meeting id never writes outside out_dir (OutsideRoot)
            for paper in meeting_papers(coll, mid):
                for lim in paper.reading.limits:
                    raise RenderError(f"meeting book {mid}: {paper.path}:{lim.line}:{lim.column}: {lim.message}",
                                      lim.rule)
                try:
                    with time_limit(timeout):  # the paper's Markdown, converted once (book_html reads it again)
                        deep = paper.reading.too_deep(MAX_NESTING)
                        if deep is None:
                            paper.reading.outline  # noqa: B018 — renders the body
                except TimeLimit:
                    raise RenderError(f"meeting book {mid}: {paper.path}: converting the Markdown took longer "
                                      f"than {timeout:g} s and was stopped", "pdf-timeout") from None
                if deep is not None:
                    raise RenderError(f"meeting book {mid}: {paper.path}:{deep[1]} nests {deep[0]} levels deep "
                                      f"(at most {MAX_NESTING})", "body-too-deep")
            html = book_html(root, coll, mid, revisions=revisions, drafts=drafts, fallback=fallback)
            missing = images_without_alt(html)
            if missing:
                raise RenderError(f"meeting book {mid}: image without alt text: {missing[0][:120]!r}", "image-alt")
            key = content_key(digest, html, root, local_sources(html))
            if not manifest.fresh(rel, key):
                data = Engine.for_root(root, templates).write(html, root.as_uri() + "/", hashlib.sha256(key.encode()).digest()[:16])
                atomic_write(target, data)
                manifest.set(rel, key)
            written.append(target)
    finally:
        manifest.save()
    return written
