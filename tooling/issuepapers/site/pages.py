"""The model → the site's pages (Markdown with trusted HTML blocks) and files (JSON, Atom, ICS).

This module knows nothing of MkDocs: it returns a `Site` that the plugin
registers, or that `write_folder` writes out for a generator running no
plugin (Zensical). What each page shows is a view model (`views`); its markup
is a Jinja template of templates/site/pages/ (`templating`), which a committee
overrides file by file. Every value from a document or the registry reaches
HTML through Jinja's autoescape; document bodies stay Markdown and are
sanitized after rendering (by the plugin in `on_page_content`, by
`render.render_markdown` in `write_folder`).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from markupsafe import Markup, escape

from ..model import Collection, Document, Paper, Recommendation
from ..registry import Meeting, WorkingGroup
from .templating import PageTemplates, long_date, words
from .urls import (rebase_body_urls, CALENDAR, CALENDAR_ICS, FEED, HOME, MEETINGS_INDEX, PAPERS_INDEX, PAPERS_JSON, PDF_DIR,
                   RECOMMENDATIONS_JSON, SCHEMA_JSON, STATUS_INDEX, TOP_PAGES, TRACKER, Link, Links, book_uri,
                   meeting_uri, page_url, pdf_uri, redline_uri, relative_url, wg_uri)
from .views import OPEN_AGENCY, SiteModel

if TYPE_CHECKING:
    from ..assets import Templates

__all__ = [
    "CALENDAR", "CALENDAR_ICS", "FEED", "HOME", "MEETINGS_INDEX", "OPEN_AGENCY", "PAPERS_INDEX", "PAPERS_JSON",
    "PDF_DIR", "RECOMMENDATIONS_JSON", "SCHEMA_JSON", "STATUS_INDEX", "TOP_PAGES", "TRACKER",
    "GeneratedPage", "Generator", "Link", "RedlineView", "Site", "SiteOptions", "book_uri", "generate",
    "images_of", "long_date", "meeting_uri", "new_token", "page_url", "pdf_uri", "redline_uri", "relative_url",
    "wg_uri", "words", "write_folder",
]

# Links from one page to others (the plugin makes one for the hand-written home page).
_Ctx = Links


@dataclass
class GeneratedPage:
    """A page: trusted HTML blocks (already escaped) and document Markdown, in order."""

    src_uri: str
    title: str  # plain text; escaped wherever it is placed
    parts: list[Markup | str] = field(default_factory=list)  # Markup = trusted HTML, str = Markdown
    description: str | None = None
    in_nav: bool = False
    doc: Document | None = None

    def markdown(self, token: str, directory_urls: bool = True) -> tuple[str, dict[str, Markup]]:
        """Markdown where each block is a placeholder paragraph, and the blocks by placeholder.

        Our own blocks are escaped markup; a document's body is rendered by the one
        Markdown reading every output shares (`Document.reading`: the renderer
        `check`, the PDF and the redline read), sanitized, never by MkDocs'
        Markdown with mkdocs.yml's extensions. The plugin sanitizes the page MkDocs
        renders around them, then puts the blocks back.
        """
        out, slots = [], {}
        for i, part in enumerate(self.parts):
            key = f"{token}x{i}x"
            slots[key] = part if isinstance(part, Markup) else Markup(
                rebase_body_urls(self.body_html(part), self.src_uri, directory_urls))
            out.append(key)
        return "\n\n".join(out) + "\n", slots

    def body_html(self, part: str) -> str:
        """Sanitized HTML of a document body: the document's own reading when it is its body."""
        if self.doc is not None and part is self.doc.body:
            return self.doc.reading.html
        from ..render import render_markdown

        return render_markdown(part)

    def toc_tokens(self) -> list[dict] | None:
        """The page's contents (MkDocs' toc token shape) from its body's headings; None without a body."""
        if self.doc is None:
            return None
        return toc_tokens(self.doc.reading.outline.headings, self.doc.reading.html)

    def standalone(self) -> str:
        """Self-contained Markdown (bodies pre-rendered and sanitized) for a plugin-less generator."""
        from ..render import render_markdown

        head = f"---\ntitle: {json.dumps(str(escape(self.title)))}\n---\n\n"  # escaped, as for Material
        return head + "\n\n".join(str(p) if isinstance(p, Markup) else render_markdown(p)
                                  for p in self.parts) + "\n"


_ID = re.compile(r'\sid="([A-Za-z0-9_.:-]+)"')


def toc_tokens(headings, html: str) -> list[dict]:
    """Headings with ids, nested by level, text escaped: what MkDocs' `get_toc` builds a page's contents from.

    Material prints a contents entry's name as it is, so the name is escaped
    here; ids are the renderer's slugs, kept only when plain.
    """
    root: list[dict] = []
    stack: list[tuple[int, list]] = [(0, root)]
    for h in headings:
        m = _ID.search(html, h.start, h.open_end)
        if not m or not h.top:
            continue
        token = {"level": h.level, "id": m.group(1), "name": str(escape(h.text)), "children": []}
        while stack[-1][0] >= h.level:
            stack.pop()
        stack[-1][1].append(token)
        stack.append((h.level, token["children"]))
    return root


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
    # Preview only: published papers edited since their latest tag → N+1 ("Revision N+1 in preparation").
    in_preparation: dict[str, int] = field(default_factory=dict)
    # The preview: the statuses the public site would show (a paper outside them is marked "not public");
    # None in a public build, where everything shown is public.
    public_statuses: frozenset[str] | None = None
    build_time: dt.datetime | None = None  # feed/ICS stamp; from git or SOURCE_DATE_EPOCH
    # Where the page templates come from; default: the chain of the collection's repository.
    templates: Templates | None = None


def new_token() -> str:
    """A placeholder prefix no document can predict."""
    return "ipslot" + secrets.token_hex(8)


def _chain(coll: Collection):
    from ..assets import PACKAGE_TEMPLATES, Templates, templates_for

    if coll.root is None:
        return Templates((PACKAGE_TEMPLATES,))
    return templates_for(coll.root, coll.registry)


class Generator(SiteModel):
    """Builds every page and file of the site from one Collection: view models through the page templates."""

    def __init__(self, coll: Collection, opts: SiteOptions):
        self.site = Site(external=dict(opts.pdfs), generator=self)
        super().__init__(coll, opts, self.site.external)
        self.templates = PageTemplates(opts.templates or _chain(coll))
        self.token = new_token()  # where a document's body goes in its page's HTML

    def add(self, page: GeneratedPage) -> None:
        self.site.pages[page.src_uri] = page

    def render(self, name: str, **context) -> Markup:
        return self.templates.render(name, **context)

    # the whole site -------------------------------------------------------------------

    def run(self) -> Site:
        for p in self.coll.papers:
            self.add(self.paper_page(p))
            self.site.external.update(images_of(p, self.coll))
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

    # document pages -------------------------------------------------------------------

    def paper_page(self, p: Paper) -> GeneratedPage:
        view = self.paper_view(Links(p.path, self.opts, self), p)
        head, tail = self.templates.render_parts("paper.html", self.token, paper=view)
        description = f"{view.title}, {self.meeting_label(p)} — {words(p.status)}"
        return GeneratedPage(p.path, view.title, [head, p.body, tail], description, doc=p)

    def redline_page(self, p: Paper) -> GeneratedPage:
        uri = redline_uri(p.path)
        view = self.redline_view(Links(uri, self.opts, self), p)
        return GeneratedPage(uri, view.title, [self.render("redline.html", redline=view)],
                             f"What changed in {self.coll.title_of(p)} since {view.since}")

    def rec_page(self, r: Recommendation) -> GeneratedPage:
        view = self.recommendation_view(Links(r.path, self.opts, self), r)
        head, tail = self.templates.render_parts("recommendation.html", self.token, recommendation=view)
        return GeneratedPage(r.path, view.title, [head, r.body, tail], f"Recommendation {view.title}", doc=r)

    # index pages ----------------------------------------------------------------------

    def home_block(self, ctx: Links) -> Markup:
        """The generated part of the home page (also appended to a hand-written docs/index.md)."""
        return self.render("home_blocks.html", home=self.home_view(ctx))

    def home_page(self) -> GeneratedPage:
        intro = self.home_intro()
        return GeneratedPage(HOME, intro.name, [self.render("home.html", home=intro),
                                                self.home_block(Links(HOME, self.opts, self))], in_nav=True)

    def papers_index(self) -> GeneratedPage:
        view = self.papers_index_view(Links(PAPERS_INDEX, self.opts, self))
        return GeneratedPage(PAPERS_INDEX, "Papers", [self.render("papers_index.html", index=view)], in_nav=True)

    def wg_page(self, wg: WorkingGroup) -> GeneratedPage:
        uri = wg_uri(wg.id)
        view = self.working_group_view(Links(uri, self.opts, self), wg)
        return GeneratedPage(uri, wg.full_name, [self.render("working_group.html", working_group=view)])

    def meetings_index(self) -> GeneratedPage:
        rows = self.meetings_view(Links(MEETINGS_INDEX, self.opts, self))
        return GeneratedPage(MEETINGS_INDEX, "Meetings", [self.render("meetings_index.html", meetings=rows)],
                             in_nav=True)

    def meeting_page(self, m: Meeting) -> GeneratedPage:
        uri = meeting_uri(m.id)
        view = self.meeting_view(Links(uri, self.opts, self), m)
        return GeneratedPage(uri, f"{m.label} public meeting", [self.render("meeting.html", meeting=view)])

    def status_page(self) -> GeneratedPage:
        view = self.status_view(Links(STATUS_INDEX, self.opts, self))
        return GeneratedPage(STATUS_INDEX, "Status", [self.render("status.html", status=view)], in_nav=True)

    def tracker_page(self) -> GeneratedPage:
        view = self.tracker_view(Links(TRACKER, self.opts, self))
        return GeneratedPage(TRACKER, "Recommendation tracker", [self.render("tracker.html", tracker=view)],
                             in_nav=True)

    def calendar_page(self) -> GeneratedPage:
        view = self.calendar_view(Links(CALENDAR, self.opts, self))
        return GeneratedPage(CALENDAR, "Calendar", [self.render("calendar.html", calendar=view)], in_nav=True)


# Raster images only: an SVG served from the site's own origin could carry script.
SITE_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp")


def images_of(paper: Paper, coll: Collection) -> dict[str, Path]:
    """Images a paper shows that sit under papers/ (links out of it are never followed): uri → file.

    The images are those the paper's reading finds as rendered (by reference too), and
    the files those `check` judged (`Collection.image_files`)."""
    found = {}
    base = (Path(coll.root) / "papers").resolve() if coll.root is not None else None
    for f in coll.image_files(paper):
        if f.exists and f.path.suffix.lower() in SITE_IMAGE_SUFFIXES:
            found["papers/" + f.path.relative_to(base).as_posix()] = f.path
    return found


def generate(coll: Collection, opts: SiteOptions | None = None) -> Site:
    """Every page and file of the site."""
    return Generator(coll, opts or SiteOptions()).run()


def write_folder(site: Site, dest: Path, assets: Path | None = None) -> list[Path]:
    """Write the pages (self-contained Markdown) and files to `dest`, for a generator with no plugin.

    `assets`: a folder copied to `dest/assets/`; by default the site assets of the
    template chain (the committee's file where it has one, else the package's).
    """
    written = []

    def put(uri: str) -> Path:
        out = dest / uri
        out.parent.mkdir(parents=True, exist_ok=True)
        written.append(out)
        return out

    for uri, page in sorted(site.pages.items()):
        put(uri).write_text(page.standalone(), encoding="utf-8")
    for uri, data in sorted(site.files.items()):
        put(uri).write_bytes(data)
    for uri, path in sorted(site.external.items()):
        shutil.copyfile(path, put(uri))
    if assets is not None:
        files = {f"assets/{f.relative_to(assets).as_posix()}": f for f in sorted(assets.rglob("*")) if f.is_file()} \
            if assets.is_dir() else {}
    elif site.generator is not None:
        files = {rel.removeprefix("site/"): f for rel, f in site.generator.templates.chain.files("site/assets").items()}
    else:
        files = {}
    for uri, path in files.items():
        shutil.copyfile(path, put(uri))
    return written
