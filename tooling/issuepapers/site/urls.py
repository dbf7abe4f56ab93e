"""Where the site's pages and files live, and links between them (the URL style of the build).

The bottom of the site package: `views` and `pages` import from here, never the
other way round.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from functools import lru_cache

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


@dataclass(frozen=True, slots=True)
class Link:
    """Text, and where it leads: `href` is None when there is nothing to link to (the text alone is shown)."""

    text: str
    href: str | None = None


class Links:
    """Links from one page to others, in the URL style of the build."""

    __slots__ = ("here", "opts", "gen")

    def __init__(self, src_uri: str, opts, site=None):
        self.here = page_url(src_uri, opts.directory_urls)
        self.opts = opts
        self.gen = site

    def url(self, target_uri: str, anchor: str = "") -> str:
        return relative_url(page_url(target_uri, self.opts.directory_urls), self.here) + (
            f"#{anchor}" if anchor else "")

    def link(self, target_uri: str, text: str, anchor: str = "") -> Link:
        return Link(text, self.url(target_uri, anchor))


_URL_ATTR = re.compile(r'(\s(?:src|href)=")([^"]*)(")')
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def rebase_body_urls(html: str, src_uri: str, directory_urls: bool = True) -> str:
    """A document body's relative links and images, as seen from its page (what MkDocs does for Markdown).

    `chart.png` beside `papers/wg/2024-03.md` is `../chart.png` from the page
    `papers/wg/2024-03/`; a link to another document (`../x/2024-06.md`) becomes
    that document's page. Absolute URLs, fragments and links that leave the
    site's root are left as they are (`check` reports the last).
    """
    here = page_url(src_uri, directory_urls)
    folder = posixpath.dirname(src_uri)

    def fix(m: re.Match) -> str:
        url = m.group(2)
        if not url or url.startswith(("#", "/")) or _SCHEME.match(url):
            return m.group(0)
        cut = min((i for i in (url.find("?"), url.find("#")) if i >= 0), default=len(url))
        path, rest = url[:cut], url[cut:]
        target = posixpath.normpath(posixpath.join(folder, path)) if path else src_uri
        if target.startswith(".."):
            return m.group(0)
        if target.endswith(".md"):
            target = page_url(target, directory_urls)
        return m.group(1) + relative_url(target, here) + rest + m.group(3)

    return _URL_ATTR.sub(fix, html)
