"""The model → the site's pages (Markdown with trusted HTML blocks) and files (JSON, Atom, ICS).

This module knows nothing of MkDocs: it returns a `Site` that the plugin
registers, or that `write_folder` writes out for a generator running no
plugin (Zensical). Every value from a document or the registry reaches HTML
through `markupsafe` (`Markup.format` escapes its arguments); document bodies
stay Markdown and are sanitized after rendering (by the plugin in
`on_page_content`, by `render.render_markdown` in `write_folder`).
"""

from __future__ import annotations

import datetime as dt
import json
import posixpath
import secrets
import shutil
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from markupsafe import Markup, escape

from ..fields import AGENCY_STATUSES, PAPER_STATUSES, REC_STATUSES, month_of
from ..model import Collection, Document, Paper, Recommendation, image_refs
from ..registry import Meeting, WorkingGroup

# Site paths of the generated pages and files.
HOME = "index.md"
PAPERS_INDEX = "papers/index.md"
MEETINGS_INDEX = "meetings/index.md"
STATUS_INDEX = "status/index.md"
TRACKER = "recommendations/index.md"
CALENDAR = "calendar.md"
CALENDAR_ICS = "calendar.ics"
FEED = "feed.xml"
PAPERS_JSON = "papers.json"
RECOMMENDATIONS_JSON = "recommendations.json"
SCHEMA_JSON = "schema.json"
PDF_DIR = "pdf"
TOP_PAGES = (HOME, PAPERS_INDEX, MEETINGS_INDEX, STATUS_INDEX, TRACKER, CALENDAR)

# Recommendations still waiting on the committee or the agency.
OPEN_AGENCY = frozenset({"pending", "in-progress"})


def words(value: str | None) -> str:
    """`not-adopted` → `Not adopted`."""
    return (value or "").replace("-", " ").replace("_", " ").capitalize()


def long_date(day: dt.date | None) -> str:
    return f"{day:%B} {day.day}, {day.year}" if day else ""


def page_url(src_uri: str, directory_urls: bool = True) -> str:
    """The URL MkDocs gives `src_uri` (site-relative, no leading slash)."""
    if not src_uri.endswith(".md"):
        return src_uri
    stem = src_uri[:-3]
    if stem == "index" or stem.endswith("/index"):
        return stem[:-5] if directory_urls else stem + ".html"
    return stem + "/" if directory_urls else stem + ".html"


@lru_cache(maxsize=65536)
def relative_url(target: str, base: str) -> str:
    """`target` (a site URL) as seen from the page at site URL `base`."""
    here = base if base.endswith("/") or base == "" else posixpath.dirname(base) + "/"
    if here == "/":
        here = ""
    rel = posixpath.relpath("/" + target, "/" + here)
    if rel == ".":
        return "./"
    if target.endswith("/") or target == "":
        rel += "/"
    return rel


def pdf_uri(paper_path: str) -> str:
    """`papers/a/b.md` → `pdf/a/b.pdf` (the PDF package's `pdf_relpath` under pdf/)."""
    rel = paper_path.split("/", 1)[1] if paper_path.startswith("papers/") else paper_path
    return f"{PDF_DIR}/{rel[:-3] if rel.endswith('.md') else rel}.pdf"


def redline_uri(paper_path: str) -> str:
    """`papers/a/b.md` → `papers/a/b/redline.md`: the page of the paper's redline (URL `papers/a/b/redline/`)."""
    return f"{paper_path.removesuffix('.md')}/redline.md"


def book_uri(meeting_id: str) -> str:
    return f"{PDF_DIR}/books/{meeting_id}.pdf"


def meeting_uri(meeting_id: str) -> str:
    return f"meetings/{meeting_id}.md"


def wg_uri(wg_id: str) -> str:
    return f"papers/{wg_id}/index.md"


# Pages ------------------------------------------------------------------------


@dataclass
class GeneratedPage:
    """A page: trusted HTML blocks (already escaped) and document Markdown, in order."""

    src_uri: str
    title: str  # plain text; escaped wherever it is placed
    parts: list[Markup | str] = field(default_factory=list)  # Markup = trusted HTML, str = Markdown
    description: str | None = None
    in_nav: bool = False
    doc: Document | None = None

    def markdown(self, token: str) -> tuple[str, dict[str, Markup]]:
        """Markdown where each HTML block is a placeholder paragraph, and the blocks by placeholder.

        The plugin sanitizes the rendered page, then puts the blocks back, so the
        allow-list applies to document content and never to our own markup.
        """
        out, slots = [], {}
        for i, part in enumerate(self.parts):
            if isinstance(part, Markup):
                key = f"{token}x{i}x"
                slots[key] = part
                out.append(key)
            else:
                out.append(part)
        return "\n\n".join(out) + "\n", slots

    def standalone(self) -> str:
        """Self-contained Markdown (bodies pre-rendered and sanitized) for a plugin-less generator."""
        from ..render import render_markdown

        head = f"---\ntitle: {json.dumps(str(escape(self.title)))}\n---\n\n"  # escaped, as for Material
        return head + "\n\n".join(str(p) if isinstance(p, Markup) else render_markdown(p)
                                  for p in self.parts) + "\n"


@dataclass
class Site:
    pages: dict[str, GeneratedPage] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)  # generated data files
    external: dict[str, Path] = field(default_factory=dict)  # published files on disk (PDFs)
    generator: "Generator | None" = None


@dataclass(frozen=True)
class RedlineView:
    """A paper's redline as the site shows it: what it compares with, and the sanitized HTML."""

    since: str  # "Revision 1", "1a2b3c4 (2024-01-26)"
    html: str  # sanitized fragment (`workflow.to_html_fragment`)


@dataclass
class SiteOptions:
    directory_urls: bool = True
    site_url: str | None = None
    today: dt.date = field(default_factory=dt.date.today)
    latest_papers: int = 10
    feed_entries: int = 50
    pdfs: dict[str, Path] = field(default_factory=dict)  # "pdf/…" → file
    # From the git workflow (`build.workflow_data`), computed once per build:
    revisions: dict[str, int] = field(default_factory=dict)  # paper path → N of "Revision N"
    redlines: dict[str, RedlineView] = field(default_factory=dict)  # paper path → its redline page's content
    build_time: dt.datetime | None = None  # feed/ICS stamp; from git or SOURCE_DATE_EPOCH


def new_token() -> str:
    """A placeholder prefix no document can predict."""
    return "ipslot" + secrets.token_hex(8)


class _Ctx:
    """Links from one page to others, in the URL style of the build."""

    def __init__(self, src_uri: str, opts: SiteOptions, site: "Generator"):
        self.here = page_url(src_uri, opts.directory_urls)
        self.opts = opts
        self.gen = site

    def url(self, target_uri: str, anchor: str = "") -> str:
        return relative_url(page_url(target_uri, self.opts.directory_urls), self.here) + (
            f"#{anchor}" if anchor else "")

    def a(self, target_uri: str, text, anchor: str = "", cls: str | None = None) -> Markup:
        # f-strings with explicit escape(): this runs for every link of every page
        c = f' class="{escape(cls)}"' if cls else ""
        return Markup(f'<a{c} href="{escape(self.url(target_uri, anchor))}">{escape(text)}</a>')


def _join(items: Iterable) -> Markup:
    return Markup("").join(items)


def badge(value: str | None, family: str = "status") -> Markup:
    if not value:
        return Markup('<span class="ip-badge">n/a</span>')
    return Markup(f'<span class="ip-badge ip-{escape(family)}-{escape(value)}">{escape(words(value))}</span>')


def _dl(rows: list[tuple[str, object]], cls: str = "ip-meta") -> Markup:
    items = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in rows if v not in (None, "", []))
    return Markup(f'<dl class="{escape(cls)}">{items}</dl>')


def _h(level: int, text, anchor: str | None = None) -> Markup:
    if anchor:
        return Markup('<h{0} id="{1}">{2}</h{0}>').format(level, anchor, text)
    return Markup("<h{0}>{1}</h{0}>").format(level, text)


def _table(caption: str | None, head: list[str], rows: list[list], cls: str = "ip-table",
           label: str | None = None) -> Markup:
    if not rows:
        return Markup('<p class="ip-empty">None.</p>')
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    th = "".join(f'<th scope="col">{escape(h)}</th>' for h in head)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in r) + "</tr>" for r in rows)
    return Markup(f'<div class="ip-scroll" role="region" tabindex="0" aria-label="{escape(label or caption or "table")}">'
                  f'<table class="{escape(cls)}">{cap}<thead><tr>{th}</tr></thead><tbody>{body}</tbody></table></div>')


class Generator:
    """Builds every page and file of the site from one Collection."""

    def __init__(self, coll: Collection, opts: SiteOptions):
        self.coll, self.opts, self.reg = coll, opts, coll.registry
        self.site = Site(external=dict(opts.pdfs), generator=self)
        self.papers_by_wg: dict[str, list[Paper]] = defaultdict(list)
        for p in coll.papers:
            self.papers_by_wg[p.working_group or ""].append(p)
        for lst in self.papers_by_wg.values():
            lst.sort(key=self.paper_sort_key, reverse=True)

    # shared lookups ---------------------------------------------------------

    def meeting_date(self, doc: Document) -> dt.date | None:
        m = self.coll.meeting_of(doc)
        if m:
            return m.date
        ym = month_of(doc.values.get("meeting") or "")
        return dt.date(ym[0], ym[1], 1) if ym else None

    def paper_sort_key(self, p: Paper):
        return (self.meeting_date(p) or dt.date.min, p.path)

    def meeting_label(self, doc: Document) -> str:
        m = self.coll.meeting_of(doc)
        if m:
            return m.label
        ym = month_of(doc.values.get("meeting") or "")
        return dt.date(ym[0], ym[1], 1).strftime("%B %Y") if ym else (doc.values.get("meeting") or "")

    def doc_time(self, doc: Document) -> dt.datetime | None:
        """When a document last changed: git, else its own dates."""
        h = doc.history
        if h is not None and h.modified:
            return h.modified
        day = doc.values.get("date") or doc.values.get("agency_response_date") or self.meeting_date(doc)
        return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc) if day else None

    def rec_title(self, r: Recommendation) -> str:
        return f"{r.id}: {r.title}" if r.id and r.title else (r.id or r.title or r.path)

    def wg_name(self, wg_id: str | None) -> str:
        wg = self.reg.working_groups.get(wg_id or "")
        return wg.full_name if wg else (wg_id or "")

    def sc_name(self, sc_id: str | None) -> str:
        sc = self.reg.subcommittees.get(sc_id or "")
        return sc.full_name if sc else (sc_id or "")

    def wg_next_meeting(self, wg_id: str):
        """The next meeting announced by the working group's newest paper that names one."""
        for p in self.papers_by_wg.get(wg_id, []):
            if p.next_meeting:
                return p.next_meeting, p
        return None, None

    def is_open(self, r: Recommendation) -> bool:
        return r.status == "proposed" or (r.status == "adopted" and r.agency_status in OPEN_AGENCY)

    def pdf_link(self, ctx: _Ctx, uri: str, text: str, cls: str = "md-button") -> Markup | None:
        return ctx.a(uri, text, cls=cls) if uri in self.site.external else None

    def add(self, page: GeneratedPage) -> None:
        self.site.pages[page.src_uri] = page

    # the whole site ---------------------------------------------------------

    def run(self) -> Site:
        for p in self.coll.papers:
            self.add(self.paper_page(p))
            self.site.external.update(images_of(p, self.coll.root))
            if p.path in self.opts.redlines:
                self.add(self.redline_page(p))
        for r in self.coll.recommendations:
            self.add(self.rec_page(r))
        self.add(self.home_page())
        self.add(self.papers_index())
        for wg in self.reg.working_groups.values():
            self.add(self.wg_page(wg))
        self.add(self.meetings_index())
        for m in self.reg.meetings_sorted():
            self.add(self.meeting_page(m))
        self.add(self.status_page())
        self.add(self.tracker_page())
        self.add(self.calendar_page())
        from . import calendar, data, feeds

        self.site.files[CALENDAR_ICS] = calendar.ics(self)
        self.site.files[FEED] = feeds.atom(self)
        self.site.files[PAPERS_JSON] = data.papers_json(self)
        self.site.files[RECOMMENDATIONS_JSON] = data.recommendations_json(self)
        self.site.files[SCHEMA_JSON] = data.schema_json(self)
        return self.site

    # document pages -----------------------------------------------------------

    def history_block(self, doc: Document) -> Markup:
        h = doc.history
        if h is None:
            return Markup("")
        if not h.commits:
            note = "Not yet committed." if h.uncommitted or self.coll.history is not None else "No history."
            return Markup('<section class="ip-history" aria-labelledby="ip-history"><h2 id="ip-history">History'
                          '</h2><p>{}</p></section>').format(note)
        rows = [("Created", Markup('<time datetime="{}">{}</time>').format(h.created.isoformat(),
                                                                           long_date(h.created.date()))),
                ("Last changed", Markup('<time datetime="{}">{}</time>').format(h.modified.isoformat(),
                                                                                long_date(h.modified.date()))),
                ("Revisions", str(h.revisions)),
                ("Authors", ", ".join(h.authors))]
        if h.uncommitted:
            rows.append(("Working copy", "has changes not yet committed"))
        commits = [[Markup('<time datetime="{}">{}</time>').format(c.date.isoformat(), c.date.date().isoformat()),
                    c.subject, c.author, Markup("<code>{}</code>").format(c.sha[:10])] for c in h.commits[:20]]
        more = Markup("<p>and {} earlier revisions.</p>").format(len(h.commits) - 20) if len(h.commits) > 20 else ""
        return Markup('<section class="ip-history" aria-labelledby="ip-history"><h2 id="ip-history">History</h2>'
                      '{}{}{}</section>').format(_dl(rows), _table(None, ["Date", "Change", "Author", "Commit"],
                                                                   commits, label="Revisions"), more)

    def paper_page(self, p: Paper) -> GeneratedPage:
        ctx = _Ctx(p.path, self.opts, self)
        reg, coll = self.reg, self.coll
        title = coll.title_of(p)
        wg = coll.working_group_of(p)
        meeting = coll.meeting_of(p)
        signer = p.signer
        nm = p.next_meeting
        next_text = None
        if nm:
            bits = [long_date(nm.date)] + [b for b in (nm.time, nm.cadence, nm.location) if b]
            next_text = Markup("").join([Markup('<time datetime="{}">{}</time>').format(nm.date.isoformat(),
                                                                                        bits[0])]
                                        + [Markup(", {}").format(b) for b in bits[1:]])
        rows = [
            ("Committee", reg.committee.name),
            ("Subcommittee", ctx.a(PAPERS_INDEX, self.sc_name(p.subcommittee), anchor=p.subcommittee or "")
             if p.subcommittee in reg.subcommittees else p.subcommittee),
            ("Working group", ctx.a(wg_uri(wg.id), wg.full_name) if wg else p.working_group),
            ("Meeting", ctx.a(meeting_uri(meeting.id), meeting.label) if meeting else self.meeting_label(p)),
            ("Status", badge(p.status)),
            ("Action required", words(p.action_required)),
            ("Pub #", p.get("pub_number")),
            ("Revision", str(self.opts.revisions[p.path]) if p.path in self.opts.revisions else None),
            ("Office", p.get("office")),
            (signer.label if signer else "Prepared by", str(signer) if signer else None),
            ("Date", Markup('<time datetime="{}">{}</time>').format(p.date.isoformat(), long_date(p.date))
             if p.date else None),
            ("Next meeting", next_text),
            ("Tags", ", ".join(p.tags)),
        ]
        rl = self.opts.redlines.get(p.path)
        links = [x for x in (self.pdf_link(ctx, pdf_uri(p.path), "PDF"),
                             ctx.a(redline_uri(p.path), f"Changes since {rl.since}",
                                   cls="md-button md-button--secondary") if rl else None) if x]
        head = Markup('<h1>{}</h1>{}{}').format(
            title, _dl(rows),
            Markup('<p class="ip-downloads">{}</p>').format(Markup(" ").join(links)) if links else "")
        related = []
        recs = coll.recommendations_of(p)
        if recs:
            related.append(("Recommendations", Markup('<ul>{}</ul>').format(_join(
                Markup("<li>{} {}</li>").format(ctx.a(r.path, self.rec_title(r)), badge(r.status)) for r in recs))))
        for label, target in (("Supersedes", p.supersedes), ("Superseded by", p.superseded_by)):
            doc = coll.by_path.get(target or "")
            if isinstance(doc, Paper):
                related.append((label, ctx.a(doc.path, f"{coll.title_of(doc)} ({self.meeting_label(doc)})")))
            elif target:
                related.append((label, target))
        tail = Markup("")
        if related:
            tail += Markup('<section class="ip-related" aria-labelledby="ip-related"><h2 id="ip-related">Related'
                           '</h2>{}</section>').format(_dl(related))
        tail += self.history_block(p)
        description = f"{title}, {self.meeting_label(p)} — {words(p.status)}"
        return GeneratedPage(p.path, title, [head, p.body, tail], description, doc=p)

    def redline_page(self, p: Paper) -> GeneratedPage:
        uri = redline_uri(p.path)
        ctx = _Ctx(uri, self.opts, self)
        title = f"Redline: {self.coll.title_of(p)}"
        rl = self.opts.redlines[p.path]
        head = Markup('<h1>{}</h1><p class="ip-redline-back">Changes to {} ({}) since {}. {}</p>').format(
            title, Markup("<code>{}</code>").format(p.path), self.meeting_label(p), rl.since,
            ctx.a(p.path, "Back to the paper"))
        return GeneratedPage(uri, title, [head + Markup(rl.html)],
                             f"What changed in {self.coll.title_of(p)} since {rl.since}")

    def rec_page(self, r: Recommendation) -> GeneratedPage:
        ctx = _Ctx(r.path, self.opts, self)
        coll, reg = self.coll, self.reg
        wg = coll.working_group_of(r)
        meeting = coll.meeting_of(r)
        vote = r.vote
        vote_text = (f"{vote.get('for', 0)} for, {vote.get('against', 0)} against, {vote.get('abstain', 0)} abstaining"
                     if vote else None)
        rows = [
            ("Id", r.id),
            ("Term", str(r.term) if r.term is not None else None),
            ("Subcommittee", ctx.a(PAPERS_INDEX, self.sc_name(r.subcommittee), anchor=r.subcommittee or "")
             if r.subcommittee in reg.subcommittees else r.subcommittee),
            ("Working group", ctx.a(wg_uri(wg.id), wg.full_name) if wg else r.working_group),
            ("Committee status", badge(r.status)),
            ("Meeting", ctx.a(meeting_uri(meeting.id), meeting.label) if meeting else r.meeting_value),
            ("Vote", vote_text),
            ("Agency status", badge(r.agency_status, "agency") if r.agency_status else None),
            ("Agency response", Markup('<time datetime="{}">{}</time>').format(
                r.agency_response_date.isoformat(), long_date(r.agency_response_date))
             if r.agency_response_date else None),
        ]
        for label, target in (("Supersedes", r.supersedes), ("Superseded by", r.superseded_by)):
            other = coll.by_id.get(target or "")
            if other is not None:
                rows.append((label, ctx.a(other.path, self.rec_title(other))))
            elif target:
                rows.append((label, target))
        papers = []
        for path in r.papers:
            doc = coll.by_path.get(path)
            if isinstance(doc, Paper):
                papers.append(Markup("<li>{}</li>").format(
                    ctx.a(doc.path, f"{coll.title_of(doc)} ({self.meeting_label(doc)})")))
            else:
                papers.append(Markup("<li>{}</li>").format(path))
        if papers:
            rows.append(("Originating papers", Markup("<ul>{}</ul>").format(_join(papers))))
        title = self.rec_title(r)
        head = Markup("<h1>{}</h1>{}").format(title, _dl(rows))
        tail = self.history_block(r)
        return GeneratedPage(r.path, title, [head, r.body, tail], f"Recommendation {title}", doc=r)

    # index pages --------------------------------------------------------------

    def paper_rows(self, ctx: _Ctx, papers: Iterable[Paper], meeting_col=True, wg_col=True) -> list[list]:
        rows = []
        for p in papers:
            row = []
            if meeting_col:
                m = self.coll.meeting_of(p)
                row.append(ctx.a(meeting_uri(m.id), m.label) if m else self.meeting_label(p))
            if wg_col:
                wg = self.coll.working_group_of(p)
                row.append(ctx.a(wg_uri(wg.id), wg.full_name) if wg else (p.working_group or ""))
            row += [ctx.a(p.path, self.coll.title_of(p)), badge(p.status)]
            rows.append(row)
        return rows

    def rec_rows(self, ctx: _Ctx, recs: Iterable[Recommendation]) -> list[list]:
        return [[ctx.a(r.path, r.id or r.path), r.title or "", badge(r.status),
                 badge(r.agency_status, "agency") if r.agency_status else ""] for r in recs]

    def next_public_meeting(self) -> Meeting | None:
        return self.reg.next_meeting(self.opts.today)

    def home_block(self, ctx: _Ctx) -> Markup:
        out = []
        m = self.next_public_meeting()
        out.append(_h(2, "Next public meeting", "next-meeting"))
        if m:
            bits = [Markup('<time datetime="{}">{}</time>').format(m.date.isoformat(), long_date(m.date))]
            if m.location:
                bits.append(Markup("{}").format(m.location))
            if m.federal_register:
                bits.append(Markup("announced in {}").format(m.federal_register))
            out.append(Markup("<p>{} — {}</p>").format(ctx.a(meeting_uri(m.id), m.label), Markup(", ").join(bits)))
        else:
            past = self.reg.meetings_sorted()
            out.append(Markup("<p>No public meeting is scheduled yet.{}</p>").format(
                Markup(" The most recent was {}.").format(ctx.a(meeting_uri(past[-1].id), past[-1].label))
                if past else ""))
        out.append(Markup("<p>{} · {}</p>").format(ctx.a(CALENDAR, "Calendar of meetings"),
                                                   Markup('<a href="{}">Subscribe (iCalendar)</a>').format(
                                                       ctx.url(CALENDAR_ICS))))
        # Last changed first; papers changed in the same commit by their meeting, newest first.
        latest = sorted(self.coll.papers, key=lambda p: (self.doc_time(p) or dt.datetime.min.replace(
            tzinfo=dt.timezone.utc), self.paper_sort_key(p)), reverse=True)[: self.opts.latest_papers]
        out.append(_h(2, "Latest papers", "latest-papers"))
        out.append(_table(None, ["Meeting", "Working group", "Paper", "Status"], self.paper_rows(ctx, latest),
                          label="Latest papers"))
        out.append(Markup("<p>{} · {}</p>").format(ctx.a(PAPERS_INDEX, "All papers by working group"),
                                                   Markup('<a href="{}">Atom feed</a>').format(ctx.url(FEED))))
        open_recs = [r for r in self.coll.recommendations if self.is_open(r)]
        out.append(_h(2, "Open recommendations", "open-recommendations"))
        out.append(_table(None, ["Id", "Title", "Status", "Agency status"], self.rec_rows(ctx, open_recs),
                          label="Open recommendations"))
        out.append(Markup("<p>{}</p>").format(ctx.a(TRACKER, "Recommendation tracker")))
        return _join(out)

    def home_page(self) -> GeneratedPage:
        ctx = _Ctx(HOME, self.opts, self)
        name = self.reg.committee.name or "Issue papers"
        intro = Markup("<h1>{}</h1><p>Issue papers and recommendations of the {} ({}) to {}.</p>").format(
            name, name, self.reg.committee.short_name, self.reg.committee.agency)
        return GeneratedPage(HOME, name, [intro, self.home_block(ctx)], in_nav=True)

    def papers_index(self) -> GeneratedPage:
        ctx = _Ctx(PAPERS_INDEX, self.opts, self)
        out = [Markup("<h1>Papers by subcommittee</h1>")]
        for sc in self.reg.subcommittees.values():
            out.append(_h(2, sc.full_name, sc.id))
            rows = []
            for wg in sc.working_groups.values():
                papers = self.papers_by_wg.get(wg.id, [])
                newest = papers[0] if papers else None
                rows.append([ctx.a(wg_uri(wg.id), wg.full_name), words(wg.state), str(len(papers)),
                             ctx.a(newest.path, self.meeting_label(newest)) if newest else ""])
            out.append(_table(None, ["Working group", "State", "Papers", "Latest"], rows,
                              label=f"{sc.full_name} working groups"))
        known = set(self.reg.working_groups)
        stray = [p for p in self.coll.papers if p.working_group not in known]
        if stray:
            out.append(_h(2, "Other papers", "other"))
            out.append(_table(None, ["Meeting", "Working group", "Paper", "Status"], self.paper_rows(ctx, stray)))
        return GeneratedPage(PAPERS_INDEX, "Papers", [_join(out)], in_nav=True)

    def wg_page(self, wg: WorkingGroup) -> GeneratedPage:
        uri = wg_uri(wg.id)
        ctx = _Ctx(uri, self.opts, self)
        papers = self.papers_by_wg.get(wg.id, [])
        state = wg.state_on(self.opts.today) or (wg.lifecycle[-1] if wg.lifecycle else None)
        rows = [("Subcommittee", ctx.a(PAPERS_INDEX, self.sc_name(wg.subcommittee), anchor=wg.subcommittee)),
                ("State", f"{words(state.state)} since {long_date(state.since)}" if state else "Active"),
                ("Leads", "; ".join(f"{lead.role}, {lead.office}" if lead.office else lead.role
                                    for lead in wg.leads))]
        nm, source = self.wg_next_meeting(wg.id)
        if nm:
            bits = ", ".join(b for b in (long_date(nm.date), nm.time, nm.cadence, nm.location) if b)
            rows.append(("Next meeting", Markup("{} (from {})").format(bits, ctx.a(source.path,
                                                                                   self.meeting_label(source)))))
        out = [Markup("<h1>{}</h1>").format(wg.full_name), _dl(rows), _h(2, "Papers by meeting", "papers")]
        out.append(_table(None, ["Meeting", "Paper", "Status"], self.paper_rows(ctx, papers, wg_col=False),
                          label="Papers by meeting"))
        recs = [r for r in self.coll.recommendations if r.working_group == wg.id]
        out += [_h(2, "Recommendations", "recommendations"),
                _table(None, ["Id", "Title", "Status", "Agency status"], self.rec_rows(ctx, recs),
                       label="Recommendations")]
        return GeneratedPage(uri, wg.full_name, [_join(out)])

    def meetings_index(self) -> GeneratedPage:
        ctx = _Ctx(MEETINGS_INDEX, self.opts, self)
        papers = Counter()
        for p in self.coll.papers:
            m = self.coll.meeting_of(p)
            if m:
                papers[m.id] += 1
        rows = [[ctx.a(meeting_uri(m.id), m.label),
                 Markup('<time datetime="{}">{}</time>').format(m.date.isoformat(), long_date(m.date)),
                 m.location, m.federal_register or "", str(papers[m.id])]
                for m in reversed(self.reg.meetings_sorted())]
        out = [Markup("<h1>Public meetings</h1>"),
               _table(None, ["Meeting", "Date", "Location", "Federal Register", "Papers"], rows,
                      label="Public meetings")]
        return GeneratedPage(MEETINGS_INDEX, "Meetings", [_join(out)], in_nav=True)

    def meeting_page(self, m: Meeting) -> GeneratedPage:
        uri = meeting_uri(m.id)
        ctx = _Ctx(uri, self.opts, self)
        rows = [("Date", Markup('<time datetime="{}">{}</time>').format(m.date.isoformat(), long_date(m.date))),
                ("Location", m.location), ("Federal Register", m.federal_register),
                ("Term", str(m.term) if m.term else None)]
        book = self.pdf_link(ctx, book_uri(m.id), "Meeting book (PDF)")
        papers = sorted(self.coll.papers_for_meeting(m.id), key=lambda p: p.path)
        recs = [r for r in self.coll.recommendations if (rm := self.coll.meeting_of(r)) and rm.id == m.id]
        out = [Markup("<h1>{} public meeting</h1>").format(m.label), _dl(rows)]
        if book:
            out.append(Markup('<p class="ip-downloads">{}</p>').format(book))
        out += [_h(2, "Papers", "papers"),
                _table(None, ["Working group", "Paper", "Status"], self.paper_rows(ctx, papers, meeting_col=False),
                       label="Papers"),
                _h(2, "Recommendations voted", "recommendations"),
                _table(None, ["Id", "Title", "Status", "Agency status"], self.rec_rows(ctx, recs),
                       label="Recommendations")]
        return GeneratedPage(uri, f"{m.label} public meeting", [_join(out)])

    def status_page(self) -> GeneratedPage:
        ctx = _Ctx(STATUS_INDEX, self.opts, self)
        out = [Markup("<h1>Papers and recommendations by status</h1>"), _h(2, "Papers", "papers")]
        by = defaultdict(list)
        for p in self.coll.papers:
            by[p.status].append(p)
        summary = [Markup("<li>{}: {}</li>").format(ctx.a(STATUS_INDEX, words(s), anchor=f"paper-{s}"),
                                                    len(by[s])) for s in PAPER_STATUSES]
        out.append(Markup("<ul>{}</ul>").format(_join(summary)))
        for s in PAPER_STATUSES:
            out.append(_h(3, f"{words(s)} papers", f"paper-{s}"))
            out.append(_table(None, ["Meeting", "Working group", "Paper", "Status"],
                              self.paper_rows(ctx, sorted(by[s], key=self.paper_sort_key, reverse=True)),
                              label=f"{words(s)} papers"))
        out.append(_h(2, "Recommendations", "recommendations"))
        rby = defaultdict(list)
        for r in self.coll.recommendations:
            rby[r.status].append(r)
        for s in REC_STATUSES:
            out.append(_h(3, f"{words(s)} recommendations", f"recommendation-{s}"))
            out.append(_table(None, ["Id", "Title", "Status", "Agency status"], self.rec_rows(ctx, rby[s]),
                              label=f"{words(s)} recommendations"))
        return GeneratedPage(STATUS_INDEX, "Status", [_join(out)], in_nav=True)

    def tracker_page(self) -> GeneratedPage:
        ctx = _Ctx(TRACKER, self.opts, self)
        recs = self.coll.recommendations
        counts = Counter(r.agency_status or "none" for r in recs)
        summary = _join(Markup('<li>{} <strong>{}</strong></li>').format(badge(s, "agency"), counts[s])
                        for s in AGENCY_STATUSES)
        summary += Markup('<li><span class="ip-badge">No agency response due</span> <strong>{}</strong></li>'
                          ).format(counts["none"])

        def options(name: str, label: str, values: list[tuple[str, str]]) -> Markup:
            opts = _join(Markup('<option value="{}">{}</option>').format(v, t) for v, t in values)
            return Markup('<div class="ip-filter"><label for="ip-f-{0}">{1}</label>'
                          '<select id="ip-f-{0}" data-ip-filter="{0}"><option value="">All</option>{2}</select>'
                          '</div>').format(name, label, opts)

        terms = sorted({r.term for r in recs if r.term is not None})
        subs = [(s.id, s.name) for s in self.reg.subcommittees.values()]
        filters = Markup(
            '<form class="ip-filters" role="search" aria-label="Filter recommendations" data-ip-filters>'
            '<div class="ip-filter"><label for="ip-f-text">Search</label>'
            '<input id="ip-f-text" type="search" data-ip-filter="text" autocomplete="off"></div>'
            '{}{}{}{}</form>').format(
            options("term", "Term", [(str(t), str(t)) for t in terms]),
            options("subcommittee", "Subcommittee", subs),
            options("status", "Status", [(s, words(s)) for s in REC_STATUSES]),
            options("agency", "Agency status", [(s, words(s)) for s in AGENCY_STATUSES]))
        cols = [("id", "Id", "text"), ("title", "Title", "text"), ("term", "Term", "number"),
                ("subcommittee", "Subcommittee", "text"), ("status", "Status", "text"),
                ("agency", "Agency status", "text"), ("date", "Date", "text")]
        head = _join(Markup('<th scope="col" data-ip-col="{}"><button type="button" data-ip-sort="{}" '
                            'data-ip-type="{}">{}<span class="ip-sort" aria-hidden="true"></span></button></th>'
                            ).format(k, i, t, label) for i, (k, label, t) in enumerate(cols))
        body = []
        for r in recs:
            day = r.agency_response_date or (m.date if (m := self.coll.meeting_of(r)) else None)
            sc = self.reg.subcommittees.get(r.subcommittee or "")
            id_sort = f"{r.term or 0:04d}-{(r.id or '').rsplit('-', 1)[-1]}"
            body.append(Markup(
                '<tr data-term="{}" data-subcommittee="{}" data-status="{}" data-agency="{}">'
                '<td data-sort="{}">{}</td><td>{}</td><td data-sort="{}">{}</td><td>{}</td>'
                '<td data-sort="{}">{}</td><td data-sort="{}">{}</td><td data-sort="{}">{}</td></tr>').format(
                r.term if r.term is not None else "", r.subcommittee or "", r.status or "", r.agency_status or "",
                id_sort, ctx.a(r.path, r.id or r.path), r.title or "", r.term if r.term is not None else 0,
                r.term if r.term is not None else "", sc.name if sc else (r.subcommittee or ""),
                r.status or "", badge(r.status), r.agency_status or "",
                badge(r.agency_status, "agency") if r.agency_status else "",
                day.isoformat() if day else "", Markup('<time datetime="{0}">{0}</time>').format(day.isoformat())
                if day else ""))
        table = Markup(
            '<p class="ip-count" aria-live="polite" data-ip-count>{0} recommendations</p>'
            '<div class="ip-scroll" role="region" tabindex="0" aria-label="Recommendations">'
            '<table class="ip-table ip-tracker" data-ip-tracker><caption>All recommendations. Select a column '
            'heading to sort by it.</caption><thead><tr>{1}</tr></thead><tbody>{2}</tbody></table></div>'
        ).format(len(recs), head, _join(body))
        out = Markup('<h1>Recommendation tracker</h1><h2 id="summary">Agency responses</h2>'
                     '<ul class="ip-summary">{}</ul><h2 id="all">All recommendations</h2>{}{}'
                     '<p>Also as {}.</p>').format(
            summary, filters, table,
            Markup('<a href="{}">recommendations.json</a>').format(ctx.url(RECOMMENDATIONS_JSON)))
        return GeneratedPage(TRACKER, "Recommendation tracker", [out], in_nav=True)

    def calendar_events(self) -> list[dict]:
        """Public meetings and working-group meetings, by date (shared by the page and the ICS)."""
        events = []
        for m in self.reg.meetings_sorted():
            events.append({"uid": f"meeting-{m.id}", "kind": "public", "date": m.date, "time": None,
                           "title": f"{self.reg.committee.short_name or self.reg.committee.name} public meeting"
                                    f" ({m.label})",
                           "location": m.location, "note": m.federal_register, "uri": meeting_uri(m.id)})
        seen = set()
        for wg_id, papers in sorted(self.papers_by_wg.items()):
            for p in papers:
                nm = p.next_meeting
                if not nm or (wg_id, nm.date) in seen:
                    continue
                seen.add((wg_id, nm.date))
                events.append({"uid": f"wg-{wg_id}-{nm.date.isoformat()}", "kind": "working-group",
                               "date": nm.date, "time": nm.time, "title": f"{self.wg_name(wg_id)} meeting",
                               "location": nm.location, "note": nm.cadence, "uri": p.path})
        events.sort(key=lambda e: (e["date"], e["time"] or "", e["uid"]))
        return events

    def calendar_page(self) -> GeneratedPage:
        ctx = _Ctx(CALENDAR, self.opts, self)
        events = self.calendar_events()
        today = self.opts.today

        def rows(evs):
            return [[Markup('<time datetime="{}">{}</time>').format(e["date"].isoformat(), long_date(e["date"])),
                     e["time"] or "", ctx.a(e["uri"], e["title"]),
                     "Public meeting" if e["kind"] == "public" else "Working group",
                     e["location"] or "", e["note"] or ""] for e in evs]

        head = ["Date", "Time", "Event", "Kind", "Location", "Notes"]
        upcoming = [e for e in events if e["date"] >= today]
        past = [e for e in events if e["date"] < today][::-1]
        out = Markup('<h1>Calendar</h1><p>Public meetings of the committee and the next meetings its working '
                     'groups announce in their papers. Subscribe: <a href="{}">calendar.ics</a> (iCalendar).</p>'
                     '<h2 id="upcoming">Upcoming</h2>{}<h2 id="past">Past</h2>{}').format(
            ctx.url(CALENDAR_ICS), _table(None, head, rows(upcoming), label="Upcoming meetings"),
            _table(None, head, rows(past), label="Past meetings"))
        return GeneratedPage(CALENDAR, "Calendar", [out], in_nav=True)

    # absolute links for feeds ---------------------------------------------------

    def absolute(self, uri: str) -> str:
        url = page_url(uri, self.opts.directory_urls)
        base = (self.opts.site_url or "").rstrip("/")
        return f"{base}/{url}" if base else url


# Raster images only: an SVG served from the site's own origin could carry script.
SITE_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp")


def images_of(paper: Paper, root: Path | None) -> dict[str, Path]:
    """Images a paper shows that sit under papers/ (links out of it are never followed): uri → file."""
    refs = image_refs(paper.body) if root is not None else []
    base = (Path(root) / "papers").resolve() if refs else None
    found = {}
    for _, src in refs:
        try:
            path = (Path(root) / paper.path).parent.joinpath(src).resolve()
        except (OSError, RuntimeError):
            continue
        if path.suffix.lower() in SITE_IMAGE_SUFFIXES and path.is_relative_to(base) and path.is_file():
            found["papers/" + path.relative_to(base).as_posix()] = path
    return found


def generate(coll: Collection, opts: SiteOptions | None = None) -> Site:
    """Every page and file of the site."""
    return Generator(coll, opts or SiteOptions()).run()


def write_folder(site: Site, dest: Path, assets: Path | None = None) -> list[Path]:
    """Write the pages (self-contained Markdown) and files to `dest`, for a generator with no plugin."""
    written = []
    for uri, page in sorted(site.pages.items()):
        out = dest / uri
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(page.standalone(), encoding="utf-8")
        written.append(out)
    for uri, data in sorted(site.files.items()):
        out = dest / uri
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
        written.append(out)
    for uri, path in sorted(site.external.items()):
        out = dest / uri
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, out)
        written.append(out)
    if assets and assets.is_dir():
        for f in sorted(assets.rglob("*")):
            if f.is_file():
                out = dest / "assets" / f.relative_to(assets)
                out.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(f, out)
                written.append(out)
    return written

