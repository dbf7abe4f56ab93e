"""One reading of a document body: what the renderer draws, with the source lines it came from.

Sections, images, links, lists and nesting are read from the HTML that
`render.render_markdown` makes (python-markdown, its extensions and the
sanitizer): the HTML the PDF, the redline and the plugin-less site show. So
`check` judges what readers see: a setext `Background` underlined with `---`
is a section, `![][chart]` is an image without alt text, `![map][m]` is an
image of the file its reference names, and `## Background` inside a fence is
not a section. Source lines come from aligning each rendered heading and image,
in order, with the Markdown that can make it.

Rendering costs about a millisecond a paper, and `check` over thousands of
papers cannot pay that for every body. So a `Reading` computes each part only
when it is asked for, and the parts have fast paths that are exact:

- sections: when nothing in a body can make a `#` line anything but a heading,
  or make anything else a heading (no fence, no HTML block, no setext
  underline, no table, no `#` after indentation or a list or quote marker, no
  inline markup in a title), the `#` lines are the headings, read with
  python-markdown's own pattern;
- images: a body with no `![` and no `<img` has none;
- nesting: a body with no line whose list and quote markers and indentation
  could nest more than the limit, and with few tags, is not too deep.

tests/test_markdown_reading.py holds both paths to the rendered HTML on random
bodies. Nothing here imports python-markdown until a body needs rendering.
"""

from __future__ import annotations

import html
import re
from bisect import bisect_right
from functools import lru_cache
from typing import NamedTuple
from html.parser import HTMLParser
from urllib.parse import unquote

__all__ = ["MAX_NESTING", "Section", "Image", "Link", "ListInfo", "Heading", "HtmlImage", "Outline", "Reading",
           "read_html", "start_tags", "is_local_src"]


# -- what a reading holds -------------------------------------------------------------------------


class Section(NamedTuple):
    """A heading as drawn: its text, level and where its Markdown is."""

    title: str
    level: int
    line: int  # 1-based line in the file
    offset: int = 0  # where the heading starts in the body
    end: int = 0  # where its last line (a setext underline's, for a setext heading) ends in the body
    kind: str = "atx"  # atx (`## Title`) | setext (`Title` underlined with `---` or `===`)


class Image(NamedTuple):
    """An image as drawn (`src` and `alt` of its <img>), and where its Markdown is."""

    src: str
    alt: str  # "" when it has none
    line: int
    column: int
    kind: str  # inline (`![alt](src)`) | reference (`![alt][ref]`, `![alt][]`, `![ref]`) | html (`<img>`)
    offset: int = 0  # where its Markdown starts in the body


class Link(NamedTuple):
    href: str
    line: int
    column: int


class ListInfo(NamedTuple):
    ordered: bool
    depth: int  # 1 for a list at the top, 2 for a list inside one, …
    items: int


# -- reading rendered HTML --------------------------------------------------------------------------

# Elements that nest a body deeper, and how deep they may: the PDF engine fails on deeper bodies
# (a 200-deep quote), and python-markdown itself on lists some hundred deep.
NESTING_TAGS = frozenset({"ul", "ol", "blockquote", "div"})
MAX_NESTING = 12
# Block containers: a heading inside one of them is not at the top of the body.
_CONTAINERS = frozenset({"ul", "ol", "li", "blockquote", "div", "dl", "dd", "dt", "table", "details", "figure"})
_VOID = frozenset({"img", "br", "hr", "wbr", "input", "source", "meta", "link", "col", "area", "base", "embed",
                   "param", "track"})


class Heading(NamedTuple):
    level: int
    text: str
    start: int  # offset of `<hN` in the HTML
    open_end: int  # offset just after the start tag
    close: int  # offset of `</hN>`
    end: int  # offset just after `</hN>`
    top: bool  # not inside a list, quote, table or div


class HtmlImage(NamedTuple):
    src: str
    alt: str | None  # None: no alt attribute
    start: int


class Outline(NamedTuple):
    """What an HTML fragment shows, in document order, with offsets into it."""

    headings: list[Heading]
    images: list[HtmlImage]
    links: list[tuple[str, int]]  # (href, offset)
    lists: list[ListInfo]
    depth: int  # deepest nesting of NESTING_TAGS


class _Positioned(HTMLParser):
    """An HTML parser that knows the offset, in its input, of the token it is handling."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.html = html
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", html)] if "\n" in html else [0]

    def _at(self) -> int:
        line, col = self.getpos()
        return self.line_starts[line - 1] + col


class _StartTags(_Positioned):
    def __init__(self, html: str):
        super().__init__(html)
        self.tags: list[tuple[str, list, int, int]] = []

    def handle_starttag(self, tag, attrs):
        start = self._at()
        self.tags.append((tag, attrs, start, start + len(self.get_starttag_text() or "")))

    handle_startendtag = handle_starttag


def start_tags(html: str) -> list[tuple[str, list[tuple[str, str | None]], int, int]]:
    """(tag, attributes, start, end) of every start tag of an HTML fragment: where to edit attributes."""
    p = _StartTags(html)
    p.feed(html)
    p.close()
    return p.tags


class _OutlineParser(_Positioned):
    def __init__(self, html: str):
        super().__init__(html)
        self.headings: list[Heading] = []
        self.images: list[HtmlImage] = []
        self.links: list[tuple[str, int]] = []
        self.lists: list[list] = []  # [ordered, depth, items]
        self.open_lists: list[int] = []  # indices into self.lists
        self.containers = 0
        self.nesting = 0
        self.depth = 0
        self.heading: list | None = None  # [level, start, end of its start tag, top, text parts]

    def handle_starttag(self, tag, attrs):
        if len(tag) == 2 and tag[0] == "h" and tag[1] in "123456":
            at = self._at()
            self.heading = [int(tag[1]), at, at + len(self.get_starttag_text() or ""), self.containers == 0, []]
        elif tag == "img":
            a = dict(attrs)
            self.images.append(HtmlImage(a.get("src") or "", a.get("alt"), self._at()))
        elif tag == "a":
            href = dict(attrs).get("href")
            if href is not None:
                self.links.append((href, self._at()))
        elif tag in ("ul", "ol"):
            self.open_lists.append(len(self.lists))
            self.lists.append([tag == "ol", len(self.open_lists), 0])
        elif tag == "li" and self.open_lists:
            self.lists[self.open_lists[-1]][2] += 1
        if tag in _CONTAINERS:
            self.containers += 1
        if tag in NESTING_TAGS:
            self.nesting += 1
            self.depth = max(self.depth, self.nesting)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if self.heading is not None and tag == f"h{self.heading[0]}":
            level, start, open_end, top, parts = self.heading
            at = self._at()
            end = self.html.find(">", at) + 1 or len(self.html)
            self.headings.append(Heading(level, "".join(parts).strip(), start, open_end, at, end, top))
            self.heading = None
        elif tag in ("ul", "ol") and self.open_lists:
            self.open_lists.pop()
        if tag in _CONTAINERS:
            self.containers = max(0, self.containers - 1)
        if tag in NESTING_TAGS:
            self.nesting = max(0, self.nesting - 1)

    def handle_data(self, data):
        if self.heading is not None:
            self.heading[4].append(data)


def read_html(html: str) -> Outline:
    """The headings, images, links, lists and nesting depth of an HTML fragment (iteratively: any depth)."""
    p = _OutlineParser(html)
    p.feed(html)
    p.close()
    return Outline(p.headings, p.images, p.links, [ListInfo(o, d, n) for o, d, n in p.lists], p.depth)


def is_local_src(src: str) -> bool:
    """A relative path to a file (not a URL, not absolute, not data:)."""
    return bool(src) and "://" not in src and not src.startswith(("/", "\\", "#")) \
        and ":" not in src.split("/", 1)[0]


# -- the source side: fast paths and alignment --------------------------------------------------------

# python-markdown's ATX heading (HashHeaderProcessor: no space needed after the hashes), on one line.
_ATX_AT = re.compile(r"(#{1,6})(.*?)#*$")
_ATX_LINE = re.compile(r"(#{1,6})((?:\\.|[^\\])*?)#*$")
# Anything that can make a `#` line other than a heading, or something else a heading: a `#` after
# indentation or a list, quote or definition marker, a setext underline (in a list or quote too), a
# line-start tag (an HTML block; a comment closed on its own line hides nothing), a code fence, a
# footnote definition (`[^1]: ## …`).
_NOT_SIMPLE = re.compile(r"\n(?:[ \t>*+\-.):0-9=]+#|[ \t>*+\-.):0-9=]*"
                         r"(?:[=-][ \t]*(?:\n|$)|<(?!!--[^\n]*-->[ \t]*(?:\n|$))|```|~~~|\[\^))")
_TABLE_RULE = re.compile(r"\n(?:[ \t:\-]*\|[ \t:|\-]*(?:\n|$)|[ \t:|\-]*-[ \t:\-]*\|)")
# Title text that inline processing could change (emphasis, code, escapes, links, entities, tags, tabs).
_INLINE = re.compile(r"[\\`*_\[<&\t\x02\x03]")

# A line's container prefix: indentation, quote, list and definition markers, a footnote's label.
_PREFIX = re.compile(r"[ \t]*(?:(?:>|[-*+:](?=[ \t])|\d{1,9}[.)](?=[ \t])|\[\^[^\]\s]*\]:)[ \t]*)*")
_UNDERLINE = re.compile(r"([=-])+[ \t]*$")
_IMG_START = re.compile(r"!\[|<img\b", re.I)
_IMG_TAG = re.compile(r"<img\b", re.I)
_IMG_SRC = re.compile(r"""\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)
_LINK_START = re.compile(r"(?<!!)\[|<(a)\b|<(?=[a-zA-Z][a-zA-Z0-9+.-]*:[^\s>]+>|[^\s@>]+@[^\s>]+>)", re.I)
_HREF = re.compile(r"""\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)
_REF_LABEL = re.compile(r"[ ]?(?:\n[ ]*)?\[([^\]]*)\]")
_REF_DEF = re.compile(r"^[ ]{0,3}\[([^\[\]]*)\]:[ ]*\n?[ ]*<?([^\s>]+)>?", re.M)
_NORM = re.compile(r"[\W_]+")
_MD_IMAGE = re.compile(r"!\[[^\]]*\](?:\([^)]*\)|\[[^\]]*\])")
_MD_LINK = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\[[^\]]*\])")
_TAG = re.compile(r"<[^>]*>")
_WORD = re.compile(r"[^\W_]+")
# Nesting: only a line with more than the limit of nesting units in its prefix (a `>`, a list
# marker, a tab or four spaces: each level takes one) can nest deeper than it; so can many tags.
_DEEP_PREFIX = r"\n(?:(?>[ ]{4}|\t|[ ]{0,3}(?:>|[-*+][ \t]|\d{1,9}[.)][ \t]))){%d}"
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_NON_SPACE = re.compile(r"\S")  # what str.strip() keeps: \s is str.isspace() in str patterns
_OPEN_NESTING = re.compile(r"<(?:ul|ol|blockquote|div)\b", re.I)
_MARKER = re.compile(r"[-*+>]|\d{1,9}[.)]")


@lru_cache(maxsize=4)
def _deep_prefix(n: int) -> tuple[re.Pattern, re.Pattern]:
    """A quick necessary test (n characters that can make units), then the exact one."""
    return re.compile(r"\n[ \t>*+\-.)0-9]{%d}" % n), re.compile(_DEEP_PREFIX % n)


def _on_a_line(pattern: re.Pattern, body: str):
    """`pattern` (which starts with a newline: a literal the regex engine skips to) at any line start."""
    if pattern.search(body):
        return True
    first = _AT_START.get(pattern)
    if first is None:  # the same pattern without its newline, matched at the start of the body
        first = _AT_START[pattern] = re.compile(pattern.pattern[2:], pattern.flags)
    return first.match(body)


_AT_START: dict[re.Pattern, re.Pattern] = {}


def _norm(text: str) -> str:
    return _NORM.sub("", text).casefold()


def _plain(text: str) -> str:
    """Heading Markdown as the text it draws, roughly: images dropped, links' text kept, tags dropped."""
    if "[" in text:
        text = _MD_LINK.sub(r"\1", _MD_IMAGE.sub("", text))
    if "<" in text:
        text = _TAG.sub("", text)
    return html.unescape(text) if "&" in text else text


def _words(text: str) -> frozenset:
    return frozenset(_WORD.findall(text.casefold()))


class _Candidate(NamedTuple):
    level: int
    norm: str
    words: frozenset
    line: int
    offset: int
    end: int
    kind: str


def _line_starts(body: str) -> list[int]:
    return [0] + [m.end() for m in re.finditer("\n", body)]


def _fenced_lines(body: str) -> set[int]:
    """Indices of the lines inside fenced code, as python-markdown's fenced_code finds it."""
    if "```" not in body and "~~~" not in body:
        return set()
    from markdown.extensions.fenced_code import FencedBlockPreprocessor

    out, at = set(), 0
    while m := FencedBlockPreprocessor.FENCED_BLOCK_RE.search(body, at):
        first = body.count("\n", 0, m.start())
        out.update(range(first, first + body.count("\n", m.start(), m.end()) + 1))
        at = m.end()
    return out


def _heading_candidates(body: str, first_line: int) -> list[_Candidate]:
    """Every line that can render as a heading, outside fenced code: ATX lines and setext title lines."""
    lines = body.split("\n")
    contents = []
    for text in lines:
        m = _PREFIX.match(text)
        contents.append(text[m.end():] if m else text)
    fenced = _fenced_lines(body)
    out, offset, underlines = [], 0, set()
    for n, text in enumerate(lines):
        at, offset = offset, offset + len(text) + 1
        if n in fenced:
            continue
        content = contents[n]
        h = _ATX_LINE.match(content)
        if h:
            out.append(_Candidate(len(h.group(1)), _norm(_plain(h.group(2))), _words(h.group(2)), first_line + n, at,
                                  at + len(text), "atx"))
            if text.startswith("#"):
                continue  # at a block's line start, the ATX heading comes first (a prefixed one may be a setext title)
        if content.strip() and n + 1 < len(lines) and n + 1 not in fenced and n not in underlines:
            u = _UNDERLINE.match(contents[n + 1])
            if u:
                underlines.add(n + 1)  # an underline is not a title too
                end = at + len(text) + 1 + len(lines[n + 1])
                level = 1 if u.group(1) == "=" else 2
                out.append(_Candidate(level, _norm(_plain(text)), _words(text), first_line + n, at, end, "setext"))
    return out


def _align(items: list, candidates: list, fits, tiers: int) -> list:
    """For each rendered item in order, the candidate it came from (None when none fits).

    Greedy: the closest fit wins (tier 0 is exact); within a tier, the first unused
    candidate after the last one taken, else the first unused one before it (the
    renderer moves a few things, footnotes for one).
    """
    out, j, used = [], 0, set()
    n = len(candidates)
    for item in items:
        pick = None
        for tier in range(tiers):
            pick = next((k for k in (*range(j, n), *range(j)) if k not in used and fits(item, candidates[k], tier)),
                        None)
            if pick is not None:
                break
        if pick is not None:
            used.add(pick)
            j = pick + 1
        out.append(candidates[pick] if pick is not None else None)
    return out


def _closing_bracket(body: str, i: int) -> int:
    """Index of the `]` closing the `[` at i (nested brackets and escapes allowed), or -1."""
    depth, n = 0, len(body)
    while i < n:
        c = body[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":
            depth += 1
        elif c == "]":
            depth -= 1
            if depth == 0:
                return i
        elif c == "\n" and i + 1 < n and body[i + 1] == "\n":
            return -1  # a paragraph ends
        i += 1
    return -1


def _image_candidates(body: str) -> list[tuple[int, str, str | None, str]]:
    """(offset, kind, src or None, alt source) of every `![…]` and `<img>` in the body."""
    defs: dict[str, str] | None = None
    out = []
    for m in _IMG_START.finditer(body):
        at = m.start()
        if body[at] == "<":
            end = body.find(">", at)
            tag = body[at:end + 1 if end != -1 else len(body)]
            s = _IMG_SRC.search(tag)
            out.append((at, "html", (s.group(1) or s.group(2) or s.group(3) or "") if s else "", ""))
            continue
        close = _closing_bracket(body, at + 1)
        if close == -1:
            continue
        alt = body[at + 2:close]
        if body.startswith("(", close + 1):
            stop = body.find(")", close + 2)
            inner = body[close + 2:stop if stop != -1 else len(body)].strip()
            src = inner[1:inner.find(">")] if inner.startswith("<") and ">" in inner else (inner.split() or [""])[0]
            out.append((at, "inline", src, alt))
            continue
        ref = alt
        r = _REF_LABEL.match(body, close + 1)
        if r and r.group(1).strip():
            ref = r.group(1)
        if defs is None:
            defs = {" ".join(k.split()).lower(): v for k, v in _REF_DEF.findall(body)}  # the last wins
        out.append((at, "reference", defs.get(" ".join(ref.split()).lower()), alt))
    return out


def _link_candidates(body: str) -> list[tuple[int, str | None]]:
    """(offset, href or None) of every `[text](href)`, `[text][ref]`, `[ref]`, `[^note]`, `<url>` and `<a>`."""
    defs = {" ".join(k.split()).lower(): v for k, v in _REF_DEF.findall(body)}
    out = []
    for m in _LINK_START.finditer(body):
        at = m.start()
        if body[at] == "<":
            if m.group(1):  # <a …>
                tag = body[at:body.find(">", at) + 1 or len(body)]
                h = _HREF.search(tag)
                out.append((at, (h.group(1) or h.group(2) or h.group(3) or "") if h else None))
            else:  # <scheme:…> or <name@host>
                end = body.find(">", at)
                url = body[at + 1:end] if end != -1 else ""
                out.append((at, url if ":" in url else "mailto:" + url))
            continue
        if body.startswith("[^", at):
            close = body.find("]", at)
            out.append((at, "#fn:" + body[at + 2:close] if close != -1 else None))
            continue
        close = _closing_bracket(body, at)
        if close == -1 or body.startswith(":", close + 1):  # a definition, not a link
            continue
        if body.startswith("(", close + 1):
            stop = body.find(")", close + 2)
            inner = body[close + 2:stop if stop != -1 else len(body)].strip()
            out.append((at, inner[1:inner.find(">")] if inner.startswith("<") and ">" in inner
                        else (inner.split() or [""])[0]))
            continue
        ref = body[at + 1:close]
        r = _REF_LABEL.match(body, close + 1)
        if r and r.group(1).strip():
            ref = r.group(1)
        out.append((at, defs.get(" ".join(ref.split()).lower())))
    return out


# -- the reading --------------------------------------------------------------------------------------


_new_tuple = tuple.__new__  # a Section without the call through its generated __new__


class Reading:
    """One body, read once: each part computed when first asked for."""

    __slots__ = ("body", "first_line", "_sections", "_html", "_outline", "_images", "_links", "_starts",
                 "_h2_starts", "_h2")

    def __init__(self, body: str, first_line: int = 1):
        self.body = body
        self.first_line = first_line
        self._sections = self._html = self._outline = self._images = self._links = self._starts = None
        self._h2_starts: list[int] | None = None
        self._h2: list[Section] | None = None

    def __getstate__(self):
        return {"body": self.body, "first_line": self.first_line}

    def __setstate__(self, state):
        self.__init__(state["body"], state["first_line"])

    # positions

    def line_col(self, offset: int) -> tuple[int, int]:
        """File line and column (1-based) of an offset in the body."""
        if self._starts is None:
            self._starts = _line_starts(self.body)
        i = bisect_right(self._starts, offset) - 1
        return self.first_line + i, offset - self._starts[i] + 1

    # the rendered body

    @property
    def html(self) -> str:
        """The body as rendered and sanitized (`render.render_markdown`), rendered once."""
        if self._html is None:
            from .render import render_markdown

            self._html = render_markdown(self.body)
        return self._html

    @property
    def outline(self) -> Outline:
        """Headings, images, links, lists and nesting of the rendered body."""
        if self._outline is None:
            self._outline = read_html(self.html)
        return self._outline

    @property
    def rendered(self) -> bool:
        """Whether the body has been rendered already (so reading the outline costs no rendering)."""
        return self._html is not None

    # sections

    @property
    def sections(self) -> list[Section]:
        """Every heading as drawn (any level, at any depth), in order, with its line."""
        if self._sections is None:
            fast = None if self._html is not None else self._simple_sections()
            self._sections = fast if fast is not None else self._rendered_sections()
        return self._sections

    def _simple_sections(self) -> list[Section] | None:
        """The `#` lines, when nothing else can be or hide a heading; None when the body needs rendering."""
        body = self.body
        if _on_a_line(_NOT_SIMPLE, body):
            return None
        if "|" in body and _on_a_line(_TABLE_RULE, body):
            return None
        out: list[Section] = []
        start = 0 if body.startswith("#") else body.find("\n#") + 1
        if start == 0 and not body.startswith("#"):
            return out
        # Each `#` line read as python-markdown's pattern reads it (`_ATX_AT`: at most six hashes, then
        # the title without its closing hashes), by string methods: a regex match per line costs more.
        line, counted, size, find, count = self.first_line, 0, len(body), body.find, body.count
        titles: list[str] = []
        while True:
            end = find("\n", start)
            stop = end if end != -1 else size
            text = body[start:stop]
            rest = text.lstrip("#")
            level = len(text) - len(rest)
            if level > 6:
                level, rest = 6, text[6:]
            title = rest.rstrip("#")
            titles.append(title)
            line += count("\n", counted, start)
            counted = start
            out.append(_new_tuple(Section, (title.strip(), level, line, start, stop, "atx")))
            if end == -1:
                break
            nxt = find("\n#", end)
            if nxt == -1:
                break
            start = nxt + 1
        # Inline markup in any title: it needs rendering (one search over all titles: `_INLINE` is one character).
        return None if _INLINE.search("".join(titles)) else out

    @property
    def h2(self) -> list[Section]:
        """The level-2 sections, read once (the section rules all read them)."""
        if self._h2 is None:
            self._h2 = [s for s in self.sections if s.level == 2]
        return self._h2

    def section_text(self, section: Section) -> str:
        """The Markdown under a section, up to the next level-2 section, without HTML comments."""
        if section.offset < 0:  # a heading of raw HTML: no Markdown of its own
            return ""
        if self._h2_starts is None:
            self._h2_starts = sorted(s.offset for s in self.h2 if s.offset >= 0)
        starts = self._h2_starts
        i = bisect_right(starts, section.offset)
        text = self.body[section.end:starts[i] if i < len(starts) else len(self.body)]
        return _COMMENT.sub("", text) if "<!--" in text else text

    def section_empty(self, section: Section) -> bool:
        """Whether `section_text(section)` is only whitespace, found without copying the text."""
        if section.offset < 0:
            return True
        if self._h2_starts is None:
            self._h2_starts = sorted(s.offset for s in self.h2 if s.offset >= 0)
        starts, body = self._h2_starts, self.body
        i = bisect_right(starts, section.offset)
        stop = starts[i] if i < len(starts) else len(body)
        if body.find("<!--", section.end, stop) != -1:  # comments are not text: the slow way
            return not self.section_text(section).strip()
        return _NON_SPACE.search(body, section.end, stop) is None

    def _rendered_sections(self) -> list[Section]:
        cands = _heading_candidates(self.body, self.first_line)
        try:
            headings = self.outline.headings
        except RecursionError:  # nested too deep for the renderer (`too_deep` says so): the source's `#` lines
            out = []
            for c in cands:
                if c.kind == "atx" and self.body.startswith("#", c.offset):
                    h = _ATX_AT.match(self.body, c.offset, c.end)
                    out.append(Section(h.group(2).strip(), c.level, c.line, c.offset, c.end, "atx"))
            return out
        if not headings:
            return []

        def fits(h: Heading, c: _Candidate, tier: int) -> bool:
            if c.level != h.level:
                return False
            return c.norm == _norm(h.text) if tier == 0 else _words(h.text) <= c.words if tier == 1 else True

        out = []
        last = None
        for h, c in zip(headings, _align(headings, cands, fits, 3)):
            if c is None:  # nothing in the source explains it (raw HTML): at the previous heading's line
                line = last.line if last else self.first_line
                out.append(Section(h.text, h.level, line, -1, -1, "html"))
            else:
                out.append(Section(h.text, h.level, c.line, c.offset, c.end, c.kind))
            last = out[-1]
        return out

    # images and links

    @property
    def images(self) -> list[Image]:
        """Every <img> the body renders, with the line of its Markdown (or HTML)."""
        if self._images is None:
            body = self.body
            if "![" not in body and not ("<" in body and _IMG_TAG.search(body)):
                self._images = []
            else:
                self._images = self._rendered_images()
        return self._images

    def _rendered_images(self) -> list[Image]:
        try:
            drawn = self.outline.images
        except RecursionError:  # nothing is drawn: `too_deep` reports the body
            return []
        if not drawn:
            return []
        cands = _image_candidates(self.body)

        def fits(img: HtmlImage, c, tier: int) -> bool:
            src = c[2]
            return tier == 1 or (src is not None and (src == img.src or unquote(src) == unquote(img.src)))

        out = []
        for img, c in zip(drawn, _align(drawn, cands, fits, 2)):
            offset, kind = (c[0], c[1]) if c else (0, "html")
            line, col = self.line_col(offset)
            out.append(Image(img.src, img.alt or "", line, col, kind, offset))
        return out

    @property
    def links(self) -> list[Link]:
        """Every <a href> the body renders (footnote links too), with the line of its Markdown.

        A link nothing in the Markdown explains (a footnote's back-link) takes the line of the link before it.
        """
        if self._links is None:
            body = self.body
            if "[" not in body and "<" not in body:
                self._links = []
            else:
                drawn = self.outline.links
                cands = _link_candidates(body) if drawn else []

                def fits(link, c, tier: int) -> bool:
                    return c[1] is not None and (c[1] == link[0] or unquote(c[1]) == unquote(link[0]))

                out, last = [], 0
                for link, c in zip(drawn, _align(drawn, cands, fits, 1)):
                    last = c[0] if c else last
                    out.append(Link(link[0], *self.line_col(last)))
                self._links = out
        return self._links

    # lists and nesting

    @property
    def lists(self) -> list[ListInfo]:
        """Every rendered list, in order, with its depth among lists."""
        return self.outline.lists

    @property
    def depth(self) -> int:
        """The deepest nesting of lists, quotes and divs as rendered."""
        return self.outline.depth

    def too_deep(self, limit: int = MAX_NESTING) -> tuple[int, int] | None:
        """(depth, line) when lists and quotes nest more than `limit` levels as rendered, else None.

        Only a body with a line that could nest that deep, or with more than `limit` tags, is rendered.
        """
        body = self.body
        quick, exact = _deep_prefix(limit + 1)
        if not (_on_a_line(quick, body) and _on_a_line(exact, body)) \
                and (body.count("<") <= limit or len(_OPEN_NESTING.findall(body)) <= limit):
            return None
        try:
            depth = self.depth
        except RecursionError:  # too deep for the renderer itself
            depth = limit + 1
        if depth <= limit:
            return None
        best, best_line = -1, self.first_line
        for n, text in enumerate(body.split("\n")):
            guess = self._line_depth(text)
            if guess > limit:
                return depth, self.first_line + n
            if guess > best:
                best, best_line = guess, self.first_line + n
        return depth, best_line

    @staticmethod
    def _line_depth(text: str) -> int:
        """How deep one source line could nest: its indentation, markers and opening tags."""
        expanded = text.expandtabs(4)
        m = _PREFIX.match(expanded)
        prefix = m.group(0) if m else ""
        indent = len(expanded) - len(expanded.lstrip(" "))
        guess = indent // 4 + len(_MARKER.findall(prefix))
        return max(guess, len(_OPEN_NESTING.findall(text)))
