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

Everything here reads a body in time proportional to its length, whatever it
holds (tests/test_linear_time.py): the `]` closing each `[` comes from one
table, the next `)` or `>` from sorted lists, rendered items are aligned with
their Markdown through an index, and no pattern scans from each candidate to
the end of a line. A body over a size limit (`markdown_limits`) is never
rendered: its sections are its `#` lines, it has no images or links to read,
and its HTML is one paragraph saying why.
"""

from __future__ import annotations

import html
import re
from bisect import bisect_right
from functools import lru_cache
from typing import NamedTuple
from html.parser import HTMLParser
from urllib.parse import unquote

from .markdown_limits import MAX_BLOCK, MAX_BODY, Limit, body_limits, too_large_html

__all__ = ["MAX_NESTING", "MAX_BODY", "MAX_BLOCK", "Limit", "body_limits", "Section", "Image", "Link", "ListInfo",
           "Heading", "HtmlImage", "Outline", "Reading", "read_html", "start_tags", "is_local_src"]


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

# Anything that can make a `#` line other than a heading, or something else a heading: a `#` after
# indentation or a list, quote or definition marker, a setext underline (in a list or quote too), a
# line-start tag (an HTML block; a comment closed on its own line hides nothing), a code fence, a
# footnote definition (`[^1]: ## …`).
_NOT_SIMPLE = re.compile(r"\n(?:[ \t>*+\-.):0-9=]+#|[ \t>*+\-.):0-9=]*"
                         r"(?:[=-][ \t]*(?:\n|$)|<(?!!--[^\n]*-->[ \t]*(?:\n|$))|```|~~~|\[\^))")
_RULE_CHARS = re.compile(r"[ \t:|\-]*+")
# Title text that inline processing could change (emphasis, code, escapes, links, entities, tags, tabs).
_INLINE = re.compile(r"[\\`*_\[<&\t\x02\x03]")

# A line's container prefix: indentation, quote, list and definition markers, a footnote's label.
_PREFIX = re.compile(r"[ \t]*(?:(?:>|[-*+:](?=[ \t])|\d{1,9}[.)](?=[ \t])|\[\^[^\]\s]*\]:)[ \t]*)*")
_UNDERLINE = re.compile(r"([=-])+[ \t]*$")
_IMG_START = re.compile(r"!\[|<img\b", re.I)
_IMG_TAG = re.compile(r"<img\b", re.I)
_SRC_START = re.compile(r"\bsrc\s*=\s*", re.IGNORECASE)
_HREF_START = re.compile(r"\bhref\s*=\s*", re.IGNORECASE)
_ATTR_VALUE = re.compile(r""""([^"]*)"|'([^']*)'|([^\s>]+)""")
_DEST = re.compile(r"\s*+(?:<([^>]*)>|(\S*))")
_LINK_START = re.compile(r"(?<!!)\[|<(a)\b|<(?=[a-zA-Z][a-zA-Z0-9+.-]*:[^\s<>]+>|[^\s@<>]+@[^\s<>]+>)", re.I)
_REF_LABEL = re.compile(r"[ ]?(?:\n[ ]*)?\[([^\]]*)\]")
_REF_DEF = re.compile(r"^[ ]{0,3}\[([^\[\]]*)\]:[ ]*\n?[ ]*<?([^\s>]+)>?", re.M)
_NORM = re.compile(r"[\W_]+")
# (No `[`, `(` or `<` inside what they skip: each match is tried once per candidate, never to the line's end.)
_MD_IMAGE = re.compile(r"!\[[^\[\]]*\](?:\([^()]*\)|\[[^\[\]]*\])")
_MD_LINK = re.compile(r"\[([^\[\]]*)\](?:\([^()]*\)|\[[^\[\]]*\])")
_TAG = re.compile(r"<[^<>]*>")
_WORD = re.compile(r"[^\W_]+")
# Nesting: only a line with more than the limit of nesting units in its prefix (a `>`, a list
# marker, a tab or four spaces: each level takes one) can nest deeper than it; so can many tags.
_DEEP_PREFIX = r"\n(?:(?>[ ]{4}|\t|[ ]{0,3}(?:>|[-*+][ \t]|\d{1,9}[.)][ \t]))){%d}"
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


def _table_rule(body: str) -> bool:
    """Whether a line could be a table's separator row: made of ` \t:|-` with a `|`, or starting with
    such characters among which a `-` comes before a `|` (one pass over each line)."""
    for line in body.split("\n"):
        if "|" not in line:
            continue
        run = _RULE_CHARS.match(line).group()
        if "|" in run and (len(run) == len(line) or -1 < run.find("-") < run.rfind("|")):
            return True
    return False


def _strip_comments(text: str) -> str:
    """`text` without its HTML comments (`<!--` to the first `-->` after it), read once."""
    out, pos = [], 0
    while (start := text.find("<!--", pos)) != -1:
        end = text.find("-->", start + 4)
        if end == -1:
            break
        out.append(text[pos:start])
        pos = end + 3
    out.append(text[pos:])
    return "".join(out)


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
    from .markdown_linear import fenced_blocks

    out, line, counted = set(), 0, 0
    for m in fenced_blocks(body):
        line += body.count("\n", counted, m.start())
        span = body.count("\n", m.start(), m.end())
        out.update(range(line, line + span + 1))
        line, counted = line + span, m.end()
    return out


def _atx(content: str) -> tuple[int, str] | None:
    """(level, title) of a line python-markdown's ATX pattern reads as a heading, else None.

    Its pattern: one to six `#`, a title of escapes (`\\` and any character) and other characters, then
    any `#` to the end of the line. So a line ending in an unpaired `\\` is no heading, and a closing `#`
    that an odd run of `\\` escapes belongs to the title. (String methods: the pattern itself, lazy
    before `#*$`, reads a line of many `#` once per character.)
    """
    if not content.startswith("#"):
        return None
    rest = content.lstrip("#")
    level = len(content) - len(rest)
    if level > 6:
        level, rest = 6, content[6:]
    if (len(rest) - len(rest.rstrip("\\"))) % 2:
        return None
    title = rest.rstrip("#")
    if len(title) < len(rest) and (len(title) - len(title.rstrip("\\"))) % 2:
        title += "#"
    return level, title


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
        h = _atx(content)
        if h:
            out.append(_Candidate(h[0], _norm(_plain(h[1])), _words(h[1]), first_line + n, at, at + len(text), "atx"))
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


class _Unused:
    """The candidates of one key, in order, each taken once: the first one not taken at or after an index."""

    __slots__ = ("indices", "skip")

    def __init__(self):
        self.indices: list[int] = []
        self.skip: list[int] = []  # skip[p]: a position ≥ p that may still be free (path-compressed)

    def free_from(self, p: int) -> int:
        skip, path = self.skip, []
        while p < len(skip) and skip[p] != p:
            path.append(p)
            p = skip[p]
        for q in path:
            skip[q] = p
        return p

    def first(self, j: int, start: int = 0):
        """Positions of free candidates from candidate index `j` on, then from the first one (wrapping)."""
        indices = self.indices
        p = self.free_from(bisect_right(indices, j - 1))
        while p < len(indices):
            yield p
            p = self.free_from(p + 1)
        p = self.free_from(start)
        while p < len(indices) and indices[p] < j:
            yield p
            p = self.free_from(p + 1)

    def take(self, p: int) -> None:
        self.skip[p] = p + 1


_ANY = object()


def _align(items: list, candidates: list, tiers: list) -> list:
    """For each rendered item in order, the candidate it came from (None when none fits).

    `tiers`: (key of an item, key of a candidate, or None, and a further test or None) per tier: a
    candidate fits an item in a tier when their keys are equal (a key None never fits) and the test
    holds. Greedy: the closest fit wins (tier 0 is exact); within a tier, the first unused candidate
    after the last one taken, else the first unused one before it (the renderer moves a few things,
    footnotes for one). Candidates are indexed by key, so an item costs about a lookup, not a pass
    over the candidates; a tier with a further test stops testing once it has tested a few times as
    many pairs as there are candidates (a body made to defeat it), and lets the next tier choose.
    """
    tables = []
    for _, cand_key, _ in tiers:
        table: dict = {}
        where: list[tuple] = []
        for k, c in enumerate(candidates):
            key = cand_key(c)
            if key is None:
                where.append((None, 0))
                continue
            t = table.get(key)
            if t is None:
                t = table[key] = _Unused()
            where.append((t, len(t.indices)))
            t.indices.append(k)
            t.skip.append(len(t.skip))
        tables.append((table, where))
    budget = 8 * (len(candidates) + len(items)) + 10_000
    out, j = [], 0
    for item in items:
        pick = None
        for (item_key, _, test), (table, _) in zip(tiers, tables):
            key = item_key(item)
            t = table.get(key) if key is not None else None
            if t is None:
                continue
            for p in t.first(j):
                k = t.indices[p]
                if test is None:
                    pick = k
                    break
                if budget <= 0:
                    break
                budget -= 1
                if test(item, candidates[k]):
                    pick = k
                    break
            if pick is not None:
                break
        if pick is not None:
            for _, where in tables:
                t, p = where[pick]
                if t is not None:
                    t.take(p)
            j = pick + 1
        out.append(candidates[pick] if pick is not None else None)
    return out


class _Brackets:
    """Where the `]` closing each `[` of a body is, found in one pass.

    As a scan from the `[` reads it: a `\\` skips the next character, `[` and `]` nest, and a blank line
    (a paragraph's end) closes nothing. A `[` a `\\` escapes is asked about too (links are looked for
    from any `[`): it is closed by the first `]` no `[` after it takes.
    """

    __slots__ = ("close",)

    def __init__(self, body: str):
        close: dict[int, int] = {}
        stack: list[tuple[int, bool]] = []  # ([ position, escaped)
        i, n = 0, len(body)
        specials = _BRACKET_EVENTS
        while True:
            m = specials.search(body, i)
            if m is None:
                break
            i = m.start()
            c = body[i]
            if c == "\\":
                if i + 1 < n and body[i + 1] == "[":
                    stack.append((i + 1, True))
                i += 2
                continue
            if c == "[":
                stack.append((i, False))
            elif c == "]":
                while stack and stack[-1][1]:
                    close[stack.pop()[0]] = i
                if stack:
                    close[stack.pop()[0]] = i
            elif i + 1 < n and body[i + 1] == "\n":  # "\n\n": a paragraph ends
                for at, _ in stack:
                    close[at] = -1
                stack.clear()
            i += 1
        for at, _ in stack:
            close[at] = -1
        self.close = close

    def __call__(self, i: int) -> int:
        """Index of the `]` closing the `[` at i, or -1."""
        return self.close.get(i, -1)


_BRACKET_EVENTS = re.compile(r"[\\\[\]\n]")
_MAX_DEST = 16_384  # a link or image address read for aligning (longer ones, data: URLs, align by order)


def _destination(body: str, at: int, stop: int) -> str | None:
    """The address of `(…)` starting at `at` (after the `(`), up to `stop` (its `)`), as the renderer reads it."""
    m = _DEST.match(body, at, min(stop, at + _MAX_DEST + 2))
    if m is None:
        return ""
    if m.group(1) is not None:
        return m.group(1)
    word = m.group(2) or ""
    if m.end() >= at + _MAX_DEST + 2 and m.end() < stop:
        return None  # longer than is read
    return word


def _attribute(body: str, at: int, end: int, start: re.Pattern) -> str | None:
    """The value of the first attribute `start` finds in the tag body[at:end] (None without one)."""
    s = start.search(body, at, min(end, at + _MAX_DEST))
    if s is None:
        return None
    v = _ATTR_VALUE.match(body, s.end(), end)
    if v is None:
        return None
    return v.group(1) if v.group(1) is not None else v.group(2) if v.group(2) is not None else v.group(3)


class _Finder:
    """The next occurrence of a character after a position, from one sorted list of its positions."""

    __slots__ = ("positions",)

    def __init__(self, body: str, ch: str):
        self.positions = [m.start() for m in re.finditer(re.escape(ch), body)]

    def __call__(self, at: int) -> int:
        i = bisect_right(self.positions, at - 1)
        return self.positions[i] if i < len(self.positions) else -1


def _tag_end(body: str, at: int, gt: _Finder, lt: _Finder) -> int:
    """Where the tag starting at `at` ends: after its `>`, or at the next `<` (or the end) when that comes first."""
    close, nxt = gt(at), lt(at + 1)
    if close != -1 and (nxt == -1 or close < nxt):
        return close + 1
    return nxt if nxt != -1 else len(body)


def _label(body: str, start: int, stop: int) -> str | None:
    """A reference label body[start:stop] as looked up (spaces collapsed, lower case); None when too long."""
    if stop - start > _MAX_DEST:
        return None
    return " ".join(body[start:stop].split()).lower()


def _image_candidates(body: str) -> list[tuple[int, str, str | None, str]]:
    """(offset, kind, src or None, alt source) of every `![…]` and `<img>` in the body."""
    defs: dict[str, str] | None = None
    out = []
    brackets = gt = lt = parens = None
    for m in _IMG_START.finditer(body):
        at = m.start()
        if body[at] == "<":
            if gt is None:
                gt, lt = _Finder(body, ">"), _Finder(body, "<")
            out.append((at, "html", _attribute(body, at, _tag_end(body, at, gt, lt), _SRC_START) or "", ""))
            continue
        if brackets is None:
            brackets = _Brackets(body)
        close = brackets(at + 1)
        if close == -1:
            continue
        if body.startswith("(", close + 1):
            if parens is None:
                parens = _Finder(body, ")")
            stop = parens(close + 2)
            out.append((at, "inline", _destination(body, close + 2, stop if stop != -1 else len(body)), ""))
            continue
        ref: str | None = None
        r = _REF_LABEL.match(body, close + 1)
        if r and r.group(1).strip():
            ref = _label(body, r.start(1), r.end(1))
        else:
            ref = _label(body, at + 2, close)
        if defs is None:
            defs = {" ".join(k.split()).lower(): v for k, v in _REF_DEF.findall(body)}  # the last wins
        out.append((at, "reference", defs.get(ref) if ref is not None else None, ""))
    return out


def _link_candidates(body: str) -> list[tuple[int, str | None]]:
    """(offset, href or None) of every `[text](href)`, `[text][ref]`, `[ref]`, `[^note]`, `<url>` and `<a>`."""
    defs = {" ".join(k.split()).lower(): v for k, v in _REF_DEF.findall(body)}
    out = []
    brackets = gt = lt = parens = closes = None
    for m in _LINK_START.finditer(body):
        at = m.start()
        if body[at] == "<":
            if gt is None:
                gt, lt = _Finder(body, ">"), _Finder(body, "<")
            end = gt(at)
            if m.group(1):  # <a …>
                out.append((at, _attribute(body, at, _tag_end(body, at, gt, lt), _HREF_START)))
            else:  # <scheme:…> or <name@host>: the pattern saw its `>`
                url = body[at + 1:end] if end != -1 else ""
                out.append((at, url if ":" in url else "mailto:" + url))
            continue
        if body.startswith("[^", at):
            if closes is None:
                closes = _Finder(body, "]")
            close = closes(at)
            out.append((at, "#fn:" + body[at + 2:close] if close != -1 and close - at <= _MAX_DEST else None))
            continue
        if brackets is None:
            brackets = _Brackets(body)
        close = brackets(at)
        if close == -1 or body.startswith(":", close + 1):  # a definition, not a link
            continue
        if body.startswith("(", close + 1):
            if parens is None:
                parens = _Finder(body, ")")
            stop = parens(close + 2)
            out.append((at, _destination(body, close + 2, stop if stop != -1 else len(body))))
            continue
        r = _REF_LABEL.match(body, close + 1)
        if r and r.group(1).strip():
            ref = _label(body, r.start(1), r.end(1))
        else:
            ref = _label(body, at + 1, close)
        out.append((at, defs.get(ref) if ref is not None else None))
    return out


# -- the reading --------------------------------------------------------------------------------------


_new_tuple = tuple.__new__  # a Section without the call through its generated __new__


class Reading:
    """One body, read once: each part computed when first asked for."""

    __slots__ = ("body", "first_line", "_sections", "_html", "_outline", "_images", "_links", "_starts",
                 "_h2_starts", "_h2", "_limits")

    def __init__(self, body: str, first_line: int = 1):
        self.body = body
        self.first_line = first_line
        self._sections = self._html = self._outline = self._images = self._links = self._starts = None
        self._h2_starts: list[int] | None = None
        self._h2: list[Section] | None = None
        self._limits: list[Limit] | None = None

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

    # size limits

    @property
    def limits(self) -> list[Limit]:
        """The size limits the body passes (`body_limits`): such a body is never rendered."""
        if self._limits is None:
            self._limits = body_limits(self.body, self.first_line)
        return self._limits

    @property
    def renderable(self) -> bool:
        """Whether the body is within the size limits, so rendering it takes seconds at most."""
        return not self.limits

    # the rendered body

    @property
    def html(self) -> str:
        """The body as rendered and sanitized (`render.render_markdown`), rendered once.

        A body over a size limit is not rendered: its HTML is one paragraph saying so (`too_large_html`);
        the PDF, the book and `check` refuse it before asking (`limits`).
        """
        if self._html is None:
            if self.limits:
                self._html = too_large_html(self.limits[0])
            else:
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
        if "|" in body and _table_rule(body):
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
        return _strip_comments(text) if "<!--" in text else text

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
        if not self.renderable:  # not rendered: the `#` lines at line starts, as the fast path reads them
            return self._source_sections()
        cands = _heading_candidates(self.body, self.first_line)
        try:
            headings = self.outline.headings
        except RecursionError:  # nested too deep for the renderer (`too_deep` says so): the source's `#` lines
            out = []
            for c in cands:
                if c.kind == "atx" and self.body.startswith("#", c.offset):
                    h = _atx(self.body[c.offset:c.end])
                    out.append(Section(h[1].strip(), c.level, c.line, c.offset, c.end, "atx"))
            return out
        if not headings:
            return []
        tiers = [(lambda h: (h.level, _norm(h.text)), lambda c: (c.level, c.norm), None),
                 (lambda h: h.level, lambda c: c.level, lambda h, c: _words(h.text) <= c.words),
                 (lambda h: h.level, lambda c: c.level, None)]
        out = []
        last = None
        for h, c in zip(headings, _align(headings, cands, tiers)):
            if c is None:  # nothing in the source explains it (raw HTML): at the previous heading's line
                line = last.line if last else self.first_line
                out.append(Section(h.text, h.level, line, -1, -1, "html"))
            else:
                out.append(Section(h.text, h.level, c.line, c.offset, c.end, c.kind))
            last = out[-1]
        return out

    def _source_sections(self) -> list[Section]:
        """The lines that start with `#`, read as python-markdown's pattern reads them (no rendering)."""
        body, out = self.body, []
        start = 0 if body.startswith("#") else body.find("\n#") + 1
        line, counted = self.first_line, 0
        while start > 0 or body.startswith("#"):
            end = body.find("\n", start)
            stop = end if end != -1 else len(body)
            h = _atx(body[start:stop])
            line += body.count("\n", counted, start)
            counted = start
            if h:
                out.append(Section(h[1].strip(), h[0], line, start, stop, "atx"))
            nxt = body.find("\n#", stop) if end != -1 else -1
            if nxt == -1:
                break
            start = nxt + 1
        return out

    # images and links

    @property
    def images(self) -> list[Image]:
        """Every <img> the body renders, with the line of its Markdown (or HTML)."""
        if self._images is None:
            body = self.body
            if "![" not in body and not ("<" in body and _IMG_TAG.search(body)) or not self.renderable:
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
        tiers = [(lambda img: unquote(img.src), lambda c: unquote(c[2]) if c[2] is not None else None, None),
                 (lambda img: _ANY, lambda c: _ANY, None)]
        out = []
        for img, c in zip(drawn, _align(drawn, cands, tiers)):
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
            if not self.renderable or "[" not in body and "<" not in body:
                self._links = []
            else:
                drawn = self.outline.links
                cands = _link_candidates(body) if drawn else []

                tiers = [(lambda link: unquote(link[0]), lambda c: unquote(c[1]) if c[1] is not None else None, None)]
                out, last = [], 0
                for link, c in zip(drawn, _align(drawn, cands, tiers)):
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
        if not self.renderable:  # not rendered (`limits` says why): how deep its lines' markers could nest
            if not (_on_a_line(quick, body) and _on_a_line(exact, body)):
                return None
            for n, text in enumerate(body.split("\n")):
                guess = self._line_depth(text)
                if guess > limit:
                    return guess, self.first_line + n
            return None
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
