"""Markdown → sanitized HTML, shared by the site and the PDFs.

Content comes from many hands: whatever the Markdown holds, the HTML that
leaves here has no script, no event handlers, no `javascript:` URLs, and
`data:` URLs only for raster images; and it leaves in time proportional to the
Markdown's length (`markdown_linear`, and the size limits of `markdown_reading`).
"""

from __future__ import annotations

import re
from functools import lru_cache

import markdown
import nh3

EXTENSIONS = ["tables", "sane_lists", "fenced_code", "footnotes", "abbr", "def_list", "toc"]

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "details", "div", "dl", "dt",
    "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd",
    "li", "mark", "ol", "p", "pre", "q", "s", "small", "span", "strong", "sub", "summary", "sup",
    "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}
ALLOWED_ATTRIBUTES = {
    "*": {"id", "title", "lang", "class"},
    "a": {"href"},
    "abbr": {"title"},
    "img": {"src", "alt", "width", "height"},
    "ol": {"start", "type"},
    "td": {"colspan", "rowspan", "align", "style"},
    "th": {"colspan", "rowspan", "align", "scope", "style"},
}
URL_SCHEMES = {"http", "https", "mailto", "data"}
_DATA_IMAGE = re.compile(r"^data:image/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]*$", re.IGNORECASE)
_REMOTE = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*:|[\\/]{2})")  # a scheme, or a network path (//host)
_ALIGN_STYLE = re.compile(r"^\s*text-align:\s*(left|right|center);?\s*$")


def _filter(tag: str, attr: str, value: str) -> str | None:
    if attr in ("href", "src") and value.strip().lower().startswith("data:"):
        # data: only as an inline raster image, never as a link or an SVG
        return value if tag == "img" and attr == "src" and _DATA_IMAGE.match(value.strip()) else None
    if tag == "img" and attr == "src" and _REMOTE.match(value.strip()):
        return None  # a page never fetches from the network on its own (`check` reports it: image-missing)
    if attr == "style":
        return value if _ALIGN_STYLE.match(value) else None  # table alignment from the tables extension
    if attr == "class":
        return " ".join(c for c in value.split() if re.fullmatch(r"[A-Za-z0-9_-]{1,40}", c)) or None
    return value


def sanitize(html: str) -> str:
    """Keep an allow-list of tags and attributes; drop scripts, handlers and unsafe URLs."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_filter,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


@lru_cache(maxsize=1)
def _markdown() -> markdown.Markdown:
    from .markdown_linear import harden

    return harden(markdown.Markdown(extensions=EXTENSIONS, output_format="html"))


def render_markdown(text: str) -> str:
    """Sanitized HTML of a document body.

    A body over a size limit (`markdown_reading.body_limits`) is not converted: its HTML is one paragraph
    saying so. Within the limits python-markdown (kept linear, `markdown_linear`) takes seconds at most.
    """
    from .markdown_limits import body_limits, too_large_html

    limits = body_limits(text)
    if limits:
        return too_large_html(limits[0])
    md = _markdown()
    md.reset()
    try:
        html = md.convert(text)
    except BaseException:  # RecursionError on a body nested too deep: the parser's state stack is left dirty,
        _markdown.cache_clear()  # so the next body gets a fresh instance
        raise
    return sanitize(html)
