"""What changed between two versions: front matter key by key, the body section by section, word by word.

The body is rendered to HTML once, as the site and the PDF render it, cut at
its `##` sections (those the Markdown reading finds), each reduced to its text
blocks (paragraphs, list items, headings, table rows), and diffed: blocks are
aligned first, then the words inside a changed block.

The work is bounded (difflib's matching costs about the product of the lengths
it aligns, and more on repetitive text): sections and blocks are aligned whole
when there are too many to align, words are diffed only within `WORD_PAIRS`
per block and `WORD_BUDGET` per redline (past them a changed block shows as
removed and added, after its common beginning and end), and a body over a size
limit (`markdown_reading.body_limits`: it is never rendered) is compared as its
Markdown paragraphs. Each such fallback is noted on the redline (`notes`).
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser

from ..errors import UsageError
from ..load import parse
from ..markdown_reading import Reading, body_limits
from ..render import render_markdown
from .versions import Version

Ops = list[tuple[str, str]]  # ("eq" | "ins" | "del", text)


@dataclass
class Block:
    kind: str  # p, li, h3…h6, pre, tr, dt, dd, quote
    depth: int  # list nesting (1-based) for li, else 0
    ordered: bool
    ops: Ops
    status: str  # same | changed | added | removed


@dataclass
class SectionDiff:
    title_ops: Ops
    status: str
    blocks: list[Block] = field(default_factory=list)

    @property
    def title(self) -> str:
        return "".join(t for op, t in self.title_ops if op != "del")


@dataclass
class MetaChange:
    key: str
    before: str | None  # None: the key was absent
    after: str | None


@dataclass
class Redline:
    path: str
    title: str
    before: str  # labels of the versions
    after: str
    meta: list[MetaChange]
    sections: list[SectionDiff]
    notes: list[str] = field(default_factory=list)  # where the diff is coarser than word by word, and why

    @property
    def changed(self) -> bool:
        return bool(self.meta) or any(s.status != "same" for s in self.sections)

    def as_dict(self) -> dict:
        return asdict(self) | {"changed": self.changed}


# -- text blocks of rendered Markdown --------------------------------------------------

_BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "tr", "dt", "dd", "caption", "figcaption"}
_CELL = {"td", "th"}


class _Blocks(HTMLParser):
    """Rendered HTML → [(kind, depth, ordered, text)]: the text a reader sees, block by block."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[tuple[str, int, bool, str]] = []
        self.stack: list[str] = []  # open block kinds
        self.lists: list[str] = []  # ul / ol
        self.buf: list[str] = []
        self.cells = 0
        self.quote = 0

    def _flush(self):
        text = "".join(self.buf)
        self.buf = []
        kind = self.stack[-1] if self.stack else "p"
        text = re.sub(r"\s+", " ", text).strip() if kind != "pre" else text.strip("\n")
        if text:
            depth = len(self.lists) if kind == "li" else 0
            ordered = bool(self.lists) and self.lists[-1] == "ol"
            if self.quote and kind == "p":
                kind = "quote"
            self.out.append((kind, depth, ordered, text))

    def handle_starttag(self, tag, attrs):
        if tag in ("ul", "ol"):
            self._flush()
            self.lists.append(tag)
        elif tag in _BLOCKS:
            self._flush()
            self.stack.append(tag)
            self.cells = 0
        elif tag in _CELL:
            if self.cells:
                self.buf.append(" | ")
            self.cells += 1
        elif tag == "blockquote":
            self._flush()
            self.quote += 1
        elif tag == "br":
            self.buf.append(" ")
        elif tag == "img":
            alt = dict(attrs).get("alt") or ""
            self.buf.append(f" [image: {alt}] " if alt else " [image] ")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag in ("ul", "ol"):
            self._flush()
            if self.lists:
                self.lists.pop()
        elif tag in _BLOCKS:
            self._flush()
            if tag in self.stack:
                while self.stack and self.stack.pop() != tag:
                    pass
        elif tag == "blockquote":
            self._flush()
            self.quote = max(0, self.quote - 1)

    def handle_data(self, data):
        self.buf.append(data)

    def close(self):
        super().close()
        self._flush()


def html_blocks(rendered: str) -> list[tuple[str, int, bool, str]]:
    """The text blocks of rendered HTML."""
    parser = _Blocks()
    parser.feed(rendered)
    parser.close()
    return parser.out


def text_blocks(markdown_text: str) -> list[tuple[str, int, bool, str]]:
    return html_blocks(render_markdown(markdown_text))


def source_blocks(body: str) -> list[tuple[str, int, bool, str]]:
    """The Markdown paragraphs of a body (text between blank lines, spaces collapsed): a body not rendered."""
    out = []
    for part in re.split(r"\n[ \t\r]*\n", body):
        text = " ".join(part.split())
        if text:
            out.append(("p", 0, False, text))
    return out


def split_sections(body: str) -> list[tuple[str, str]]:
    """[(title, HTML)]: the body rendered once and cut at its `##` sections; a preamble has the title "".

    The sections are the level-2 headings at the top of the body as the reading finds
    them in the rendered HTML (`markdown_reading`): setext headings too, never a line
    in a code fence; and a reference defined in one section draws its image in another.
    """
    reading = Reading(body)
    rendered = reading.html
    heads = [h for h in reading.outline.headings if h.level == 2 and h.top]
    sections = [("", rendered[:heads[0].start] if heads else rendered)]
    for h, nxt in zip(heads, [*heads[1:], None]):
        sections.append((h.text, rendered[h.end:nxt.start if nxt else len(rendered)]))
    if not sections[0][1].strip():
        sections = sections[1:]
    return sections


# -- diffing ---------------------------------------------------------------------------

_TOKEN = re.compile(r"\s+|\w+(?:['’.,-]\w+)*|[^\w\s]")

WORD_PAIRS = 4_000_000  # tokens × tokens of one block's word diff (about 2,000 words a side)
WORD_BUDGET = 40_000_000  # tokens × tokens of all the word diffs (and block likenesses) of one redline
BLOCK_PAIRS = 1_000_000  # blocks × blocks, or sections × sections, aligned by difflib at once


class Budget:
    """What is left of a redline's word-diff budget, and the notes of where the diff went coarse."""

    def __init__(self, words: int = WORD_BUDGET):
        self.words = words
        self.notes: list[str] = []

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def spend(self, pairs: int) -> bool:
        """Whether `pairs` more token pairs may be diffed (and take them from the budget)."""
        if pairs > WORD_PAIRS or pairs > self.words:
            return False
        self.words -= pairs
        return True


def _opcodes(a: list, b: list, limit: int) -> tuple[list[tuple[str, int, int, int, int]], bool]:
    """difflib's opcodes for a → b, and whether they are coarse.

    Within `limit` (len(a) × len(b)), difflib's own; past it, the common beginning and end are kept and
    difflib aligns what is between them when that is within the limit, else it is one replacement.
    """
    n, m = len(a), len(b)
    if n * m <= limit:
        return difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes(), False
    lo = 0
    while lo < n and lo < m and a[lo] == b[lo]:
        lo += 1
    hi = 0
    while hi < n - lo and hi < m - lo and a[n - 1 - hi] == b[m - 1 - hi]:
        hi += 1
    ops: list[tuple[str, int, int, int, int]] = [("equal", 0, lo, 0, lo)] if lo else []
    coarse = False
    mid_a, mid_b = a[lo:n - hi], b[lo:m - hi]
    if mid_a or mid_b:
        if len(mid_a) * len(mid_b) <= limit:
            ops += [(tag, i1 + lo, i2 + lo, j1 + lo, j2 + lo) for tag, i1, i2, j1, j2
                    in difflib.SequenceMatcher(None, mid_a, mid_b, autojunk=False).get_opcodes()]
        else:
            coarse = True
            ops.append(("replace" if mid_a and mid_b else "delete" if mid_a else "insert", lo, n - hi, lo, m - hi))
    if hi:
        ops.append(("equal", n - hi, n, m - hi, m))
    return ops, coarse


def word_ops(a: str, b: str, budget: Budget | None = None) -> Ops:
    """Word-level diff of two texts: equal runs, deletions and insertions.

    With a `budget`, a pair of texts past it is diffed coarsely (`_opcodes`), and noted.
    """
    ta, tb = _TOKEN.findall(a), _TOKEN.findall(b)
    pairs = len(ta) * len(tb)
    if budget is None:
        limit = WORD_PAIRS
    elif budget.spend(pairs):
        limit = pairs
    else:
        limit = 0
    codes, coarse = _opcodes(ta, tb, limit)
    if coarse and budget is not None:
        budget.note("some changed paragraphs are too long, or too many, to compare word by word: "
                    "their changed middle is shown removed and added")
    ops: Ops = []
    # A change, whitespace, a change: one change (no "[- a -] [+ b +] [- c -]" confetti).
    merged: list[list] = []
    for tag, i1, i2, j1, j2 in codes:
        if (tag == "equal" and merged and merged[-1][0] != "equal" and all(t.isspace() for t in ta[i1:i2])
                and (i2, j2) != (len(ta), len(tb))):
            merged[-1] = ["replace", merged[-1][1], i2, merged[-1][3], j2]
            continue
        if tag != "equal" and merged and merged[-1][0] != "equal":
            merged[-1] = ["replace", merged[-1][1], i2, merged[-1][3], j2]
            continue
        merged.append([tag, i1, i2, j1, j2])
    for tag, i1, i2, j1, j2 in merged:
        if tag == "equal":
            _add(ops, "eq", "".join(ta[i1:i2]))
        else:
            _add(ops, "del", "".join(ta[i1:i2]))
            _add(ops, "ins", "".join(tb[j1:j2]))
    return ops


def _add(ops: Ops, op: str, text: str) -> None:
    if not text:
        return
    if op != "eq" and text.isspace():
        op = "eq" if op == "ins" else None  # whitespace-only changes are not shown
        if op is None:
            return
    if ops and ops[-1][0] == op:
        ops[-1] = (op, ops[-1][1] + text)
    else:
        ops.append((op, text))


def _similar(a: str, b: str, budget: Budget | None = None) -> float:
    wa, wb = a.split(), b.split()
    if budget is None or budget.spend(len(wa) * len(wb)):
        return difflib.SequenceMatcher(None, wa, wb, autojunk=False).ratio()
    # Past the budget, the share of words in common (counted with repeats): at least difflib's ratio.
    common = sum((Counter(wa) & Counter(wb)).values())
    return 2.0 * common / (len(wa) + len(wb)) if wa or wb else 1.0


def diff_blocks(old: list, new: list, budget: Budget | None = None) -> list[Block]:
    budget = budget if budget is not None else Budget()
    keys_a = [(k, t) for k, _, _, t in old]
    keys_b = [(k, t) for k, _, _, t in new]
    codes, coarse = _opcodes(keys_a, keys_b, BLOCK_PAIRS)
    if coarse:
        budget.note("a section has too many changed paragraphs to align: they are shown removed and added")
    out: list[Block] = []

    def whole(b, status):
        op = {"added": "ins", "removed": "del", "same": "eq"}[status]
        return Block(b[0], b[1], b[2], [(op, b[3])], status)

    for tag, i1, i2, j1, j2 in codes:
        if tag == "equal":
            out.extend(whole(b, "same") for b in new[j1:j2])
            continue
        a, b = old[i1:i2], new[j1:j2]
        # pair the blocks of a replaced run in order, when they are alike enough
        i = j = 0
        while i < len(a) or j < len(b):
            if i < len(a) and j < len(b) and _similar(a[i][3], b[j][3], budget) >= 0.3:
                out.append(Block(b[j][0], b[j][1], b[j][2], word_ops(a[i][3], b[j][3], budget), "changed"))
                i += 1
                j += 1
            elif i < len(a) and (j >= len(b) or len(a) - i >= len(b) - j):
                out.append(whole(a[i], "removed"))
                i += 1
            else:
                out.append(whole(b[j], "added"))
                j += 1
    return out


SOURCE_TITLE = "Body (Markdown source)"


def diff_sections(old_body: str, new_body: str, budget: Budget | None = None) -> list[SectionDiff]:
    budget = budget if budget is not None else Budget()
    too_large = body_limits(old_body) or body_limits(new_body)
    if too_large:
        # Not rendered (python-markdown could take minutes): the Markdown paragraphs, compared as text.
        budget.note(f"a version's body is over a size limit ({too_large[0].rule}, see `issuepapers check`), so "
                    "it is not rendered: the body is compared as its Markdown paragraphs")
        return [SectionDiff([("eq", SOURCE_TITLE)], "changed" if old_body != new_body else "same",
                            diff_blocks(source_blocks(old_body), source_blocks(new_body), budget))]
    a, b = split_sections(old_body), split_sections(new_body)
    codes, coarse = _opcodes([t for t, _ in a], [t for t, _ in b], BLOCK_PAIRS)
    if coarse:
        budget.note("there are too many sections to align: they are paired in order")
    out: list[SectionDiff] = []
    for tag, i1, i2, j1, j2 in codes:
        pairs: list[tuple] = []
        if tag == "equal" or tag == "replace":
            n = min(i2 - i1, j2 - j1)
            pairs += [(a[i1 + k], b[j1 + k]) for k in range(n)]
            pairs += [(s, None) for s in a[i1 + n:i2]] + [(None, s) for s in b[j1 + n:j2]]
        elif tag == "delete":
            pairs += [(s, None) for s in a[i1:i2]]
        else:
            pairs += [(None, s) for s in b[j1:j2]]
        for old, new in pairs:
            if new is None:
                blocks = [Block(k, d, o, [("del", t)], "removed") for k, d, o, t in html_blocks(old[1])]
                out.append(SectionDiff([("del", old[0])], "removed", blocks))
            elif old is None:
                blocks = [Block(k, d, o, [("ins", t)], "added") for k, d, o, t in html_blocks(new[1])]
                out.append(SectionDiff([("ins", new[0])], "added", blocks))
            else:
                before = html_blocks(old[1])
                blocks = diff_blocks(before, before if new[1] == old[1] else html_blocks(new[1]), budget)
                title_ops = [("eq", new[0])] if old[0] == new[0] else word_ops(old[0], new[0], budget)
                changed = old[0] != new[0] or any(x.status != "same" for x in blocks)
                out.append(SectionDiff(title_ops, "changed" if changed else "same", blocks))
    return out


def _plain(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_plain(v)}" for k, v in value.items())
    if isinstance(value, list):
        sep = " | " if any(isinstance(v, dict) for v in value) else ", "
        return sep.join(_plain(v) for v in value)
    return str(value)


def diff_meta(old: dict, new: dict) -> list[MetaChange]:
    out = []
    for key in [*new, *[k for k in old if k not in new]]:
        a, b = old.get(key), new.get(key)
        if a != b:
            out.append(MetaChange(key, None if key not in old else _plain(a), None if key not in new else _plain(b)))
    return out


def compare(rel: str, before: Version, after: Version, title: str | None = None) -> Redline:
    a, b = parse(rel, before.raw), parse(rel, after.raw)
    if b.data is None:
        raise UsageError(f"{rel} at {after.label}: its front matter cannot be read", "run `issuepapers check`")
    old_body = a.body if a.data is not None else a.text
    meta = diff_meta(a.data or {}, b.data)
    title = title or str(b.data.get("title") or rel)
    budget = Budget()
    sections = diff_sections(old_body, b.body, budget)
    return Redline(rel, title, before.label, after.label, meta, sections, budget.notes)
