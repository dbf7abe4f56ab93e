"""python-markdown, kept linear: the places where it read the rest of a text again for each construct.

python-markdown reads most Markdown in time proportional to its length, but
not all: some of its parts look for something from every candidate position
to the end of the text, so a run of such candidates costs the square of its
length (a 40 KB line of `[` took minutes). Each part below does the same work
with the rescans taken out and gives python-markdown's own result on every
input (tests/test_linear_time.py compares the two on random bodies); the one
bound is noted. `render.py` applies them to its one `Markdown` instance
(`harden`).

- links and images: the `]` closing each `[`, the `)` closing each `(` and
  the `)` a title's quote closes are found in tables made once per pass of a
  pattern over a text (`getText`, `getLink`), not by a scan per candidate;
- code spans: the backtick runs of a text are listed once per pass;
- footnote references: the search stops at the text's last `]`; footnotes
  are numbered from an index, not a list searched per reference;
- block tests that search a whole block (`#` headings, rules, quotes,
  definitions, footnotes, abbreviations) remember their answer, which holds
  for what is left of the block after a line or two is taken from its start;
  tables and setext headings read the two lines they need, not split the
  block;
- abbreviations are matched with one trie-shaped pattern, not an alternation
  of every abbreviation tried at every position;
- fenced code is tried only at openings a later line can close;
- raw HTML: after the document's last `>` nothing is scanned for a closing
  `>`; and once start-tag scans have read more than four times the document,
  a start tag longer than `TAG_SCAN` characters is text (the bound).

What stays super-linear (copying the rest of a block or the document once per
construct, at memory speed) is bounded by the size limits `check` reports
(`markdown_limits`).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from itertools import chain

import markdown
from markdown import inlinepatterns, treeprocessors
from markdown.htmlparser import HTMLExtractor
from markdown.preprocessors import HtmlBlockPreprocessor

__all__ = ["TAG_SCAN", "FenceSearch", "fenced_blocks", "harden"]

_BRACKETS = re.compile(r"[\[\]]")
_PARENS = re.compile(r"[()'\"]")


# -- links and images: brackets and parentheses matched once per pass ------------------------------------


class _Pass:
    """What a pattern's pass over one text needs: the `]` closing each `[`, the `)` closing each `(`.

    Positions are kept from the end of the text: a pass only replaces what lies before the place it
    has reached, so what is after it (and so these tables, counted from the end) stays true.
    """

    __slots__ = ("brackets", "parens", "quotes", "runs", "titles")

    def __init__(self):
        self.brackets: dict[int, int] | None = None  # from-end position of `[` → of its `]` (0: none)
        self.parens: dict[int, int] | None = None  # the same for `(` and `)`
        self.quotes: list[int] | None = None  # from-end positions of `'` and `"`, ascending
        self.runs: _Runs | None = None  # backtick runs (code spans)
        self.titles: _Titles | None = None  # what a link title's scan stops at

    def bracket_close(self, data: str, at: int) -> int | None:
        """Where the `]` closing the `[` at `at` is (-1: none); None when the table does not know `at`."""
        n = len(data)
        if self.brackets is None:
            self.brackets = _match(data, _BRACKETS, "[", "]")
        close = self.brackets.get(n - at)
        return None if close is None else (n - close if close > 0 else -1)

    def paren_close(self, data: str, at: int) -> int | None:
        n = len(data)
        if self.parens is None:
            self.parens = _match(data, _PARENS, "(", ")")
            quotes = [n - m.start() for m in _PARENS.finditer(data) if m.group() in "'\""]
            quotes.reverse()  # ascending from-end distances
            self.quotes = quotes
        close = self.parens.get(n - at)
        return None if close is None else (n - close if close > 0 else -1)

    def first_quote(self, data: str, start: int, stop: int) -> int:
        """The first `'` or `"` in data[start:stop], or -1 (after `paren_close` built the table)."""
        n = len(data)
        quotes = self.quotes or []
        # quotes holds from-end distances ascending; the first quote at or after `start` has the largest
        # distance ≤ n - start
        i = bisect_left(quotes, n - start + 1) - 1
        if i < 0:
            return -1
        pos = n - quotes[i]
        return pos if pos < stop else -1


def _match(data: str, pattern: re.Pattern, open_: str, close: str) -> dict[int, int]:
    """From-end position of every `open_` → from-end position of the `close` that closes it (0: none)."""
    n, stack, out = len(data), [], {}
    for m in pattern.finditer(data):
        c, at = m.group(), m.start()
        if c == open_:
            stack.append(at)
            out[n - at] = 0
        elif c == close and stack:
            out[n - stack.pop()] = n - at
    return out


class _LinearInline(treeprocessors.InlineProcessor):
    """The inline tree processor, telling the bracket patterns where each pass over a text starts and ends."""

    def _InlineProcessor__applyPattern(self, pattern, data, patternIndex, startIndex=0):
        passes = getattr(pattern, "_passes", None)
        if passes is None:
            return super()._InlineProcessor__applyPattern(pattern, data, patternIndex, startIndex)
        if startIndex == 0:  # a pass over `data` starts (every pass starts at 0 and goes forward)
            passes.append(_Pass())
        try:
            out = super()._InlineProcessor__applyPattern(pattern, data, patternIndex, startIndex)
        except BaseException:
            passes.clear()
            raise
        if not out[1] and passes:  # nothing more of this pattern in `data`: the pass ends
            passes.pop()
        return out


class _Brackets:
    """`getText` and `getLink` of python-markdown's link and image patterns, without a scan per candidate."""

    _passes: list[_Pass]

    def getText(self, data, index):
        passes = self._passes
        if passes and index and data[index - 1] == "[":
            close = passes[-1].bracket_close(data, index - 1)
            if close is not None and (close < 0 or data[close] == "]"):
                if close < 0:  # no `]` closes it: python-markdown scans to the end and gives up (its callers
                    return "", len(data), False  # drop the text then: not copied here, once per `[`)
                return data[index:close], close + 1, True
        return super().getText(data, index)

    def getLink(self, data, index):
        passes = self._passes
        if not passes or not data.startswith("(", index):
            return super().getLink(data, index)
        m = self.RE_LINK.match(data, pos=index)
        if not m or m.group(1):  # `(<url> "title")`: its own bounded pattern
            return super().getLink(data, index)
        scan = passes[-1]
        close = scan.paren_close(data, index)
        if close is None or (close >= 0 and data[close] != ")"):
            return super().getLink(data, index)
        start = m.end()
        quote = scan.first_quote(data, start, close if close >= 0 else len(data))
        if quote < 0:
            # No title: python-markdown's scan counts parentheses to the one closing `(`, or to the end.
            if close < 0:
                return "", None, len(data), False
            return self.unescape(data[start:close]).strip(), None, close + 1, True
        return _get_link_from(self, data, start, quote, scan)


class _Titles:
    """What python-markdown's scan of a link's title looks for, listed once per pass (from the end).

    From a title's first quote on, that scan stops only at a `)` whose last character before it (spaces
    aside) is a quote that closes: the first quote's kind after it, or the other kind after a first one
    of that kind. Else it runs to the end, where the count of parentheses it kept decides.
    """

    __slots__ = ("closers", "kinds", "paren_chars", "parens")

    def __init__(self, data: str):
        n = len(data)
        kinds: dict[str, list[int]] = {'"': [], "'": []}
        closers: list[tuple[int, int, str]] = []  # (distance of a `)`, distance of the quote before it, quote)
        parens: list[int] = []
        paren_chars: list[str] = []
        for m in _PARENS.finditer(data):
            c, at = m.group(), m.start()
            if c in "'\"":
                kinds[c].append(n - at)
                continue
            parens.append(n - at)
            paren_chars.append(c)
            if c == ")":
                j = at - 1
                while j >= 0 and data[j] == " ":
                    j -= 1
                if j >= 0 and data[j] in "'\"":
                    closers.append((n - at, n - j, data[j]))
        for v in kinds.values():
            v.reverse()
        closers.reverse()
        parens.reverse()
        paren_chars.reverse()
        self.kinds, self.closers, self.parens, self.paren_chars = kinds, closers, parens, paren_chars

    def first_after(self, kind: str, n: int, at: int) -> int:
        """Position of the first quote of `kind` after position `at`, or -1."""
        dists = self.kinds[kind]
        i = bisect_left(dists, n - at) - 1
        return n - dists[i] if i >= 0 else -1


def _get_link_from(self, data: str, start_index: int, quote_at: int, scan: _Pass):
    """python-markdown's `LinkInlineProcessor.getLink` scan for a link with a title, started at its first quote.

    Up to the first quote the scan only counts parentheses, so it starts there with the count it would
    have; from there on it stops at the first `)` after a quote that closes (`_Titles`), found in the
    pass's lists rather than by reading on; failing that, at the end, as the scan does. The same
    result, without reading the rest of the text from every `](`.
    """
    n = len(data)
    if scan.titles is None:
        scan.titles = _Titles(data)
    t: _Titles = scan.titles
    depth = 1 + data.count("(", start_index, quote_at) - data.count(")", start_index, quote_at)
    quote = data[quote_at]
    alt = "'" if quote == '"' else '"'
    first_alt = t.first_after(alt, n, quote_at)
    i = bisect_left(t.closers, (n - quote_at,)) - 1  # the first `)` after the quote: the largest distance below
    while i >= 0:
        dist, qdist, q = t.closers[i]
        close, last = n - dist, n - qdist
        if q == quote and last > quote_at:
            href, title = data[start_index:quote_at], data[quote_at + 1:last]
            break
        if q == alt and first_alt != -1 and last > first_alt:
            href, title = data[start_index:first_alt], data[first_alt + 1:last]
            break
        i -= 1
    else:
        # No closing quote before a `)`: the scan reads to the end. After the first quote each parenthesis
        # counts down from the depth it had there; at zero, on a `)`, the link ends after it.
        k = bisect_left(t.parens, n - quote_at) - 1 - (depth - 1)  # the depth-th parenthesis after the quote
        if k < 0:
            return "", None, n, False
        last_bracket = n - t.parens[k] + 1 if t.paren_chars[k] == ")" else -1
        return self.unescape(data[start_index:last_bracket - 1]).strip(), None, last_bracket, True
    title = self.RE_TITLE_CLEAN.sub(" ", inlinepatterns.dequote(self.unescape(title.strip())))
    return self.unescape(href).strip(), title, close + 1, True


# -- code spans: backtick runs listed once per pass ------------------------------------------------------

_TICKS = re.compile(r"`+")


class _Runs:
    """The backtick runs of a text: per length, and the longest from each run on (positions from the end)."""

    __slots__ = ("best", "by_len", "dists", "n")

    def __init__(self, text: str):
        n = self.n = len(text)
        runs = [(n - m.start(), m.end() - m.start()) for m in _TICKS.finditer(text)]
        self.dists = [-d for d, _ in runs]  # ascending with position
        by_len: dict[int, list[int]] = {}
        for d, length in reversed(runs):  # ascending distance
            by_len.setdefault(length, []).append(d)
        self.by_len = by_len
        best: list[tuple[int, int]] = [(0, 0)] * (len(runs) + 1)  # (length, distance) of the first longest run
        for k in range(len(runs) - 1, -1, -1):
            d, length = runs[k]
            best[k] = (length, d) if length >= best[k + 1][0] else best[k + 1]
        self.best = best


def _find_code_spans(self, start: int, text: str):
    """python-markdown's `BacktickInlineProcessor.find_code_spans`, from a table of the text's backtick runs."""
    passes = self._passes
    if not passes:
        return type(self).find_code_spans(self, start, text)
    scan = passes[-1]
    if scan.runs is None:
        scan.runs = _Runs(text)
    runs = scan.runs
    n = len(text)
    max_ticks = 0
    last = n
    while start < last and text[start] == "`":
        max_ticks += 1
        start += 1
    # runs starting at or after `start`: distance from the end at most n - start
    same = runs.by_len.get(max_ticks)
    if same:
        i = bisect_left(same, n - start + 1) - 1  # the largest distance ≤ n - start: the first such run
        if i >= 0:
            return start, n - same[i]
    k = bisect_left(runs.dists, -(n - start))
    longest, dist = runs.best[k]
    if 0 < longest < max_ticks:
        return start - (max_ticks - longest), n - dist
    return start + max_ticks, None


_LINK_PATTERNS = ("reference", "link", "image_link", "image_reference", "short_reference", "short_image_ref")
_CLASSES: dict[type, type] = {}


def _with_brackets(pattern) -> None:
    cls = type(pattern)
    fast = _CLASSES.get(cls)
    if fast is None:
        fast = _CLASSES[cls] = type(cls.__name__, (_Brackets, cls), {})
    pattern.__class__ = fast
    pattern._passes = []


# -- footnote references: no search past the last `]` ---------------------------------------------------


class _UpToLastBracket:
    """A compiled pattern whose matches all end with `]`: `finditer` stops at the text's last `]`.

    (From each `[^` with no `]` after it, the pattern would read to the end of the text.)
    """

    def __init__(self, compiled: re.Pattern):
        self.compiled = compiled

    def finditer(self, data, pos=0, endpos=None):
        last = data.rfind("]", pos, len(data) if endpos is None else endpos)
        return self.compiled.finditer(data, pos, last + 1 if last >= 0 else pos)

    def __getattr__(self, name):
        return getattr(self.compiled, name)


# -- block tests that search the whole block --------------------------------------------------------------


class _SuffixSearch:
    """A compiled pattern whose `search(block)` remembers its answers for what is left of a block.

    The block parser takes a line or two from the start of a block and puts the rest back, and each
    block processor's test searches the rest again: for a block of n lines, n searches of the block.
    The rest is a suffix of the block starting at a line: the first match in it is the first match of
    the block starting at or after the newline before it (`^` at its start plays the part of that
    newline), so a search of the block that found its first match there (or none) answers for the
    suffix too: it is searched again from that match on, or not at all.
    """

    _KEEP = 4

    def __init__(self, compiled: re.Pattern):
        self.compiled = compiled
        self.seen: list[tuple[str, int]] = []  # (block, start of its first match or -1), newest first

    def search(self, block, pos=0, endpos=None):
        if pos or endpos is not None or not isinstance(block, str):
            return self.compiled.search(block, pos, *(() if endpos is None else (endpos,)))
        at = None
        for text, first in self.seen:
            if text is block:
                at = max(first, 0) if first >= 0 else -1
                break
            cut = len(text) - len(block)
            if cut > 0 and text[cut - 1] == "\n" and text.endswith(block):
                if first < 0:
                    at = -1
                elif first >= cut - 1:
                    at = max(0, first - cut)
                break
        if at == -1:
            m = None
        else:
            m = self.compiled.search(block, at or 0)
        self.seen = [(block, m.start() if m else -1)] + [s for s in self.seen if s[0] is not block][:self._KEEP - 1]
        return m

    def __getattr__(self, name):
        return getattr(self.compiled, name)


_SEARCHED = (("hashheader", "RE"), ("hr", "SEARCH_RE"), ("deflist", "RE"), ("quote", "RE"), ("footnote", "RE"),
             ("abbr", "RE"))


# -- tables: the first two lines, not the whole block ------------------------------------------------------


def _lines(block: str):
    start = 0
    while True:
        end = block.find("\n", start)
        if end < 0:
            yield block[start:]
            return
        yield block[start:end]
        start = end + 1


def _table_test(self, parent, block) -> bool:
    """python-markdown's `TableProcessor.test`, reading only the rows it needs."""
    from markdown.extensions.tables import PIPE_LEFT, PIPE_NONE, PIPE_RIGHT

    is_table = False
    if "\n" in block:
        rows = _lines(block)
        header0 = next(rows).strip(" ")
        second = next(rows).strip(" ")
        self.border = PIPE_NONE
        if header0.startswith("|"):
            self.border |= PIPE_LEFT
        if self.RE_END_BORDER.search(header0) is not None:
            self.border |= PIPE_RIGHT
        row = self._split_row(header0)
        row0_len = len(row)
        is_table = row0_len > 1
        if not is_table and row0_len == 1 and self.border:
            for text in chain((second,), (r.strip(" ") for r in rows)):
                is_table = text.startswith("|")
                if not is_table:
                    is_table = self.RE_END_BORDER.search(text) is not None
                if not is_table:
                    break
        if is_table:
            row = self._split_row(second)
            is_table = (len(row) == row0_len) and set("".join(row)) <= set("|:- ")
            if is_table:
                self.separator = row
    return is_table


# -- abbreviations: one trie-shaped pattern ----------------------------------------------------------------


def _trie_pattern(words: list[str]) -> str | None:
    """A pattern matching the longest of `words` at a position (as an alternation sorted longest first).

    None when the trie nests too deep for the regex compiler (abbreviations that are prefixes of one
    another, hundreds deep): the caller keeps the alternation.
    """
    trie: dict = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict, depth: int) -> str:
        if depth > _TRIE_DEPTH:
            raise RecursionError
        literal = ""
        while "" not in node and len(node) == 1:  # a chain with no word ending on it: one literal
            (ch, node), = node.items()
            literal += re.escape(ch)
        branches = [re.escape(ch) + emit(child, depth + 1) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return literal
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return literal + (f"(?:{body})?" if "" in node else body)

    try:
        return emit(trie, 0)
    except RecursionError:
        return None


_TRIE_DEPTH = 50


def _abbr_run(self, root):
    """python-markdown's `AbbrTreeprocessor.run`, with its alternation of every abbreviation as a trie."""
    if not self.abbrs:
        return
    # `\b…\b` around the longest abbreviation that fits: an alternation sorted longest first, backtracking
    # to shorter ones when the word boundary fails, as the trie's optional tails do.
    trie = _trie_pattern(list(self.abbrs))
    if trie is None:
        keys = sorted(self.abbrs, key=len, reverse=True)
        trie = "|".join(re.escape(k) for k in keys)
    self.RE = re.compile(rf"\b(?:{trie})\b")
    self.iter_element(root)


# -- raw HTML: no scan to the end of the document from every `<` ---------------------------------------------

TAG_SCAN = 4096  # once scans have read more than a few documents' worth, a longer start tag is text


class _Extractor(HTMLExtractor):
    """python-markdown's raw-HTML reader, with start tags found without rescanning the document."""

    def reset(self):
        super().reset()
        self._gt = (None, -1)  # (rawdata, position of its last `>`)
        self._scanned = 0

    def _last_gt(self) -> int:
        raw, at = self._gt
        if raw is not self.rawdata:
            at = self.rawdata.rfind(">")
            self._gt = (self.rawdata, at)
        return at

    def check_for_whole_start_tag(self, i):
        from markdown.htmlparser import htmlparser

        rawdata = self.rawdata
        if i > self._last_gt():
            # No `>` after it: the scan ends at the end of the input, or before it at a letter, `=` or
            # `/` (-1, all of them), or at another character, keeping the text up to it as text. Nothing
            # after a `<` with no `>` after it can be a tag, so -1 (its `<` is text) reads the same.
            return -1
        bounded = self._scanned > 4 * len(rawdata) + 65_536
        end = min(len(rawdata), i + TAG_SCAN) if bounded else len(rawdata)
        m = htmlparser.locatestarttagend_tolerant.match(rawdata, i, end)
        j = m.end()
        self._scanned += j - i
        if bounded and j >= end and end < len(rawdata):
            return -1
        nxt = rawdata[j:j + 1]
        if nxt == ">":
            return j + 1
        if nxt == "/":
            if rawdata.startswith("/>", j):
                return j + 2
            return -1
        if nxt == "" or nxt in "abcdefghijklmnopqrstuvwxyz=/ABCDEFGHIJKLMNOPQRSTUVWXYZ":
            return -1
        return j if j > i else i + 1

    def parse_endtag(self, i):
        if i > self._last_gt():  # `</x` with no `>` after it: python-markdown's text, without the search
            self.handle_data(self.rawdata[i:i + 2])
            return i + 2
        return super().parse_endtag(i)

    def parse_pi(self, i):
        if i > self._last_gt() and (self.at_line_start() or self.intail):
            return -1  # no `?>` can close it: what the search for one ends with
        return super().parse_pi(i)

    def parse_html_declaration(self, i):
        rawdata = self.rawdata
        if i > self._last_gt() and not rawdata.startswith("<!--", i) and (self.at_line_start() or self.intail):
            # Nothing closes it (no `>` after it): what python-markdown's searches for a closing `>` end with.
            if rawdata.startswith("<![", i) and not rawdata.startswith("<![CDATA[", i):
                self.handle_data(rawdata[i:i + 1])
                return i + 1
            return -1
        return super().parse_html_declaration(i)


class _HtmlBlocks(HtmlBlockPreprocessor):
    def run(self, lines):
        source = "\n".join(lines)
        parser = _Extractor(self.md)
        parser.feed(source)
        parser.close()
        return "".join(parser.cleandoc).split("\n")


# -- setext headings: the first two lines, not the whole block --------------------------------------------


def _setext_run(self, parent, blocks):
    """python-markdown's `SetextHeaderProcessor.run`, splitting off two lines instead of every line."""
    from xml.etree import ElementTree as etree

    lines = blocks.pop(0).split("\n", 2)
    level = 1 if lines[1].startswith("=") else 2
    h = etree.SubElement(parent, f"h{level}")
    h.text = lines[0].strip()
    if len(lines) > 2:
        blocks.insert(0, lines[2])


# -- footnotes: their order kept with an index ------------------------------------------------------------


class _Order(list):
    """A list of footnote ids in order of first reference, with `in` and `index` by a dict."""

    def __init__(self):
        super().__init__()
        self.at: dict = {}

    def append(self, item):
        if item not in self.at:
            self.at[item] = len(self)
        super().append(item)

    def __contains__(self, item):
        return item in self.at

    def index(self, item, *args):
        if args or item not in self.at:
            return super().index(item, *args)
        return self.at[item]


def _footnote_match(self, m, data):
    """python-markdown's `FootnoteInlineProcessor.handleMatch`, numbering by an index of the definitions."""
    from xml.etree import ElementTree as etree

    id = m.group(1)
    fns = self.footnotes
    if id in fns.footnotes:
        fns.addFootnoteRef(id)
        if not fns.getConfig("USE_DEFINITION_ORDER"):
            footnote_num = fns.footnote_order.index(id) + 1
        else:
            defs = fns.footnotes
            index = getattr(fns, "_definition_index", None)
            if index is None or index[0] is not defs or index[1] != len(defs):
                index = fns._definition_index = (defs, len(defs), {k: i for i, k in enumerate(defs.keys())})
            footnote_num = index[2][id] + 1
        sup = etree.Element("sup")
        a = etree.SubElement(sup, "a")
        sup.set("id", fns.makeFootnoteRefId(id, found=True))
        a.set("href", "#" + fns.makeFootnoteId(id))
        a.set("class", "footnote-ref")
        a.text = fns.getConfig("SUPERSCRIPT_TEXT").format(footnote_num)
        return sup, m.start(0), m.end(0)
    return None, None, None


def _footnotes_reset(ext):
    reset = type(ext).reset

    def run():
        reset(ext)
        ext.footnote_order = _Order()

    return run


# -- fenced code: no search for a closing fence that is not there -------------------------------------------

_FENCE_LINE = re.compile(r"^(`{3,}|~{3,})[ ]*$", re.MULTILINE)
_FENCE_OPEN = re.compile(r"^(?:`{3,}|~{3,})", re.MULTILINE)


class FenceSearch:
    """`FENCED_BLOCK_RE.search` for one text and the texts made from it by replacing fenced blocks.

    A fence is closed only by a later line that is the same run of backticks or tildes (and spaces), so
    a list of those lines, made once, says which openings can match at all: the pattern is tried only
    at those, and reads each block once. Positions are kept from the end of the text: the preprocessor
    only replaces what lies before the place it searches from.
    """

    def __init__(self, pattern: re.Pattern, text: str):
        self.pattern = pattern
        n = len(text)
        closers: dict[str, list[int]] = {}
        for m in _FENCE_LINE.finditer(text):
            closers.setdefault(m.group(1), []).append(n - m.start())
        for v in closers.values():
            v.reverse()  # ascending distance from the end
        self.closers = closers

    def search(self, text: str, index: int = 0):
        n = len(text)
        for m in _FENCE_OPEN.finditer(text, index):
            after = self.closers.get(m.group())
            if not after:
                continue
            line_end = text.find("\n", m.end())
            if line_end < 0:
                continue
            # a closing line starting after the opening line: from-end distance below n - (line_end + 1) + 1
            i = bisect_left(after, n - line_end)
            if i == 0:
                continue
            found = self.pattern.match(text, m.start())
            if found:
                return found
        return None


def _fenced_run(self, lines):
    """python-markdown's `FencedBlockPreprocessor.run`, searching for blocks with `FenceSearch`."""
    pattern = type(self).FENCED_BLOCK_RE
    self.FENCED_BLOCK_RE = FenceSearch(pattern, "\n".join(lines))
    try:
        return type(self).run(self, lines)
    finally:
        del self.FENCED_BLOCK_RE


def fenced_blocks(text: str):
    """Every fenced code block python-markdown's fenced_code finds in `text`, in order (its matches)."""
    from markdown.extensions.fenced_code import FencedBlockPreprocessor

    search = FenceSearch(FencedBlockPreprocessor.FENCED_BLOCK_RE, text)
    at = 0
    while m := search.search(text, at):
        yield m
        at = m.end()


# -- putting it together ------------------------------------------------------------------------------------


def harden(md: markdown.Markdown) -> markdown.Markdown:
    """Replace python-markdown's super-linear parts in `md` (its extensions registered) with linear ones."""
    inline = md.treeprocessors["inline"]
    inline.__class__ = _LinearInline
    for name in _LINK_PATTERNS:
        if name in md.inlinePatterns:
            _with_brackets(md.inlinePatterns[name])
    if "backtick" in md.inlinePatterns:
        ticks = md.inlinePatterns["backtick"]
        ticks._passes = []
        ticks.find_code_spans = _find_code_spans.__get__(ticks)
    if "footnote" in md.inlinePatterns:
        fn = md.inlinePatterns["footnote"]
        fn.handleMatch = _footnote_match.__get__(fn)
    if "footnote" in md.inlinePatterns:
        fn = md.inlinePatterns["footnote"]
        fn.compiled_re = _UpToLastBracket(fn.compiled_re)
    blocks = md.parser.blockprocessors
    for name, attr in _SEARCHED:
        if name in blocks:
            proc = blocks[name]
            setattr(proc, attr, _SuffixSearch(getattr(proc, attr)))
    if "table" in blocks:
        table = blocks["table"]
        table.test = _table_test.__get__(table)
    if "abbr" in md.treeprocessors:
        abbr = md.treeprocessors["abbr"]
        abbr.run = _abbr_run.__get__(abbr)
    if "html_block" in md.preprocessors:
        md.preprocessors.register(_HtmlBlocks(md), "html_block", 20)
    if "setextheader" in blocks:
        setext = blocks["setextheader"]
        setext.run = _setext_run.__get__(setext)
    if "footnote" in md.inlinePatterns:
        ext = md.inlinePatterns["footnote"].footnotes
        ext.reset = _footnotes_reset(ext)
        ext.reset()
    if "fenced_code_block" in md.preprocessors:
        fenced = md.preprocessors["fenced_code_block"]
        fenced.run = _fenced_run.__get__(fenced)
    return md

