"""Paste rules: text pasted from Word or written as plain text that Markdown would print wrongly.

Word's bullets ("•", "o", "▪", "") are characters, not a Markdown list: lines
that start with them run together into one paragraph. So do "a." and "(i)"
items with no blank line before them, and a list right under a line of text.
python-markdown nests a list only 4 spaces in, so a sub-bullet indented 2
prints at its parent's level; a paragraph that starts with a tab prints as
code. Invisible or typographic characters in ids and listed values (a
no-break space, a zero-width space, curly quotes) make them unknown.

The analysis is shared with `issuepapers fix`: each problem carries the edits
that repair it (replace a line, add a blank line before one). It is cheap on
ordinary bodies: one regex scan of line starts decides whether any line needs
a closer look; only then are the lines walked in Python.
"""

from __future__ import annotations

import re
import unicodedata
from itertools import pairwise
from typing import NamedTuple

from ..diagnostics import ERROR, WARNING
from . import rule

# Characters Word and other editors paste as bullets. "o" (Word's second level) only counts beside
# another bullet line, or in a run of two or more.
BULLETS = "•◦▪▫·–—●○■□‣⁃∙➢►▶✓✔❖\uf0b7\uf0a7\uf076\uf0d8\uf0fc"
_BULLET_SET = frozenset(BULLETS)
_MD_ITEM = re.compile(r"([ \t]*)(?:[-*+]|\d{1,9}\.)(?:[ \t]+|$)")
_LETTER = re.compile(r"([ \t]*)(\(?)(\d{1,3}|[a-zA-Z]|[ivxlcIVXLC]{2,5})([.)])[ \t]+\S")
_FENCE = re.compile(r"[ ]{0,3}(```|~~~)")
# Line starts worth a closer look (each regex scans a body in C; the lines are walked only after a hit):
# a bullet character, "o " or "o\t", a tab in the indentation, 1-3 spaces before a list marker;
_ALWAYS = re.compile(r"\n(?:[ \t]*[" + re.escape(BULLETS) + r"]|[ \t]*o[ \t]| {0,3}\t| {1,3}(?:[-*+]|\d{1,9}\.)[ \t])")
# a list or lettered marker right under a line of text (not a list item, a blank line or a heading);
_AFTER_TEXT = re.compile(r"\n(?![ \t]*(?:[-*+]|\d{1,9}\.)[ \t]|[ \t]*\n|#)[^\n]*\n[ \t]*"
                         r"(?:[-*+]|\d{1,9}\.|\(?(?:\d{1,3}|[a-zA-Z]|[ivxlcIVXLC]{2,5})[.)])[ \t]")
# a lettered item ("a.", "(ii)", "3)") right under a list item.
_UNDER_ITEM = re.compile(r"\n[ \t]*(?:[-*+]|\d{1,9}\.)[ \t][^\n]*\n[ \t]*"
                         r"\(?(?:\d{1,3}\)|[a-zA-Z][.)]|[ivxlcIVXLC]{2,5}[.)])[ \t]")

_ROMAN = ("i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii")


class Edit(NamedTuple):
    line: int  # index of the body line
    text: str | None  # its new text (None: unchanged)
    blank_before: bool = False  # insert an empty line before it


class Issue(NamedTuple):
    rule: str
    line: int  # index of the body line it is reported at
    column: int  # 1-based
    message: str
    hint: str
    edits: tuple[Edit, ...]
    fixed: str  # what `fix` does, in a few words


def _indent(text: str) -> int:
    n = 0
    for ch in text:
        if ch == " ":
            n += 1
        elif ch == "\t":
            n += 4 - n % 4
        else:
            break
    return n


# All three in one scan of the line starts.
_SUSPECT = re.compile(r"\n(?:" + "|".join("(?:" + rx.pattern[2:] + ")" for rx in (_ALWAYS, _AFTER_TEXT, _UNDER_ITEM))
                      + ")")


def suspect(body: str) -> bool:
    """Whether any line start needs a closer look (the common body: no)."""
    return bool(body) and _SUSPECT.search("\n" + body) is not None


class _Line(NamedTuple):
    text: str
    indent: int
    kind: str  # "" text | "md" Markdown item | "bullet" | "o" | "letter" | "blank" | "skip"
    label: str  # bullet character or item label
    rest: str  # the text after the marker


def _classify(lines: list[str]) -> list[_Line]:
    out = []
    fence = None
    comment = False
    for text in lines:
        if fence is not None:
            out.append(_Line(text, 0, "skip", "", ""))
            if text.lstrip().startswith(fence):
                fence = None
            continue
        if comment:
            out.append(_Line(text, 0, "skip", "", ""))
            if "-->" in text:
                comment = False
            continue
        m = _FENCE.match(text)
        if m:
            fence = m.group(1)
            out.append(_Line(text, 0, "skip", "", ""))
            continue
        stripped = text.strip()
        if not stripped:
            out.append(_Line(text, 0, "blank", "", ""))
            continue
        if stripped.startswith("<!--") and "-->" not in stripped:
            comment = True
            out.append(_Line(text, 0, "skip", "", ""))
            continue
        if stripped[0] in "<>|#":
            out.append(_Line(text, _indent(text), "skip", "", ""))
            continue
        indent = _indent(text)
        first = stripped[0]
        if first in _BULLET_SET and (first not in "–—" or stripped[1:2] in (" ", "\t")):
            out.append(_Line(text, indent, "bullet", first, stripped[1:].strip()))
            continue
        if first == "o" and stripped[1:2] in (" ", "\t") and stripped[2:].strip():
            out.append(_Line(text, indent, "o", "o", stripped[2:].strip()))
            continue
        m = _MD_ITEM.match(text)
        if m:
            out.append(_Line(text, indent, "md", text[m.start():m.end()].strip(), text[m.end():]))
            continue
        m = _LETTER.match(text)
        if m and (m.group(2) == "(") <= (m.group(4) == ")"):  # "(a)" or "a)" or "a.", never "(a."
            label = m.group(2) + m.group(3) + m.group(4)
            out.append(_Line(text, indent, "letter", label, text[m.end(4):].strip()))
            continue
        out.append(_Line(text, indent, "", "", ""))
    return out


def _ordinal(core: str, roman: bool) -> int | None:
    """The ordinal of an item label's core: "3" → 3, "c" → 3, "iii" → 3 (when read as roman)."""
    if core.isdigit():
        return int(core)
    low = core.lower()
    if roman:
        return _ROMAN.index(low) + 1 if low in _ROMAN else None
    return ord(low) - 96 if len(low) == 1 and low.isalpha() else None


def _in_sequence(labels: list[str]) -> bool:
    """Whether item labels count up by one: a, b, c or i, ii, iii or 1, 2, 3."""
    cores = [x.strip("().") for x in labels]
    for roman in (False, True):
        nums = [_ordinal(c, roman) for c in cores]
        if None not in nums and all(b == a + 1 for a, b in pairwise(nums)):
            return True
    return False


def _item(indent: int, text: str) -> str:
    return " " * indent + "- " + text


def analyse(body: str) -> list[Issue]:
    """Every paste problem of a body, in order, each with the edits that fix it."""
    if not suspect(body):
        return []
    lines = _classify(body.split("\n"))
    issues: list[Issue] = []
    n = len(lines)
    i = 0
    block_start = 0
    block_is_list = False
    list_stack: list[tuple[int, int]] = []  # (original indent, fixed indent) of open Markdown items
    last_item: _Line | None = None  # the Markdown item the current line belongs to, if any
    prev_blank = True
    while i < n:
        ln = lines[i]
        if ln.kind == "blank":
            prev_blank = True
            i += 1
            continue
        if ln.kind == "skip":
            prev_blank, block_is_list, last_item, list_stack = False, False, None, []
            i += 1
            continue
        if prev_blank:
            block_start = i
            if ln.kind == "md" and ln.indent <= 3:
                block_is_list = True
            elif not (block_is_list and ln.indent >= 4):
                block_is_list, last_item, list_stack = False, None, []
        prev_blank = False
        prev = lines[i - 1] if i > block_start else None

        # A paragraph that starts with a tab prints as code.
        if i == block_start and not block_is_list and "\t" in ln.text[:len(ln.text) - len(ln.text.lstrip())] \
                and ln.indent >= 4 and ln.kind in ("", "letter"):
            j = i
            edits = []
            while j < n and lines[j].kind not in ("blank", "skip"):
                edits.append(Edit(j, lines[j].text.lstrip(" \t")))
                j += 1
            issues.append(Issue("body-tab", i, 1, "this paragraph starts with a tab, so it prints as code "
                                "(a grey box in a typewriter font), not as text",
                                "delete the tab at the start of the line (`issuepapers fix` does it)",
                                tuple(edits), "removed the tab indenting a paragraph"))
            i = j
            continue

        # Word's bullets: a run of lines starting with a bullet character.
        if ln.kind in ("bullet", "o"):
            j = i
            while j < n and lines[j].kind in ("bullet", "o"):
                j += 1
            run = lines[i:j]
            real = any(x.kind == "bullet" for x in run) or len(run) >= 2
            alone = prev is None and (j >= n or lines[j].kind in ("blank", "skip"))
            if real and not (alone and len(run) == 1):
                issues.append(_bullets(lines, i, j, prev, last_item, block_is_list))
                i = j
                continue
            i += 1
            continue

        if ln.kind == "md":
            # A list right under a line of text (not a list item): it runs into that paragraph.
            if prev is not None and not block_is_list and prev.kind in ("", "letter"):
                j = i
                while j < n and lines[j].kind == "md":
                    j += 1
                if j - i >= 2 or prev.text.rstrip().endswith(":"):
                    issues.append(Issue(
                        "list-item-merged", i, ln.indent + 1,
                        f"this list has no blank line above it, so its {j - i} item{'s' * (j - i != 1)} run "
                        "into the paragraph above as one line", "add a blank line before the list "
                        "(`issuepapers fix` does it)", (Edit(i, None, True),), "added a blank line before a list"))
                    block_is_list, block_start = True, i
                    list_stack = [(ln.indent, ln.indent)]
                    last_item = ln
                    i = j
                    continue
            if block_is_list:
                issue = _nest(lines, i, ln, list_stack)
                if issue is not None:
                    issues.append(issue)
                last_item = ln
            i += 1
            continue

        if ln.kind == "letter" and prev is not None or ln.kind == "letter" and i + 1 < n \
                and lines[i + 1].kind == "letter":
            j = i
            while j < n and lines[j].kind == "letter":
                j += 1
            run = lines[i:j]
            labels = [x.label for x in run]
            under_item = block_is_list and last_item is not None
            if (len(run) >= 2 and _in_sequence(labels)) or (prev is not None and (
                    prev.text.rstrip().endswith(":") or prev.kind in ("md", "letter"))):
                issues.append(_lettered(lines, i, j, prev, last_item if under_item else None, list_stack))
                i = j
                continue
        i += 1
    return issues


def _bullets(lines, i, j, prev, last_item, block_is_list) -> Issue:
    run = lines[i:j]
    first = run[0]
    if last_item is not None and block_is_list and prev is not None:
        base = last_item.indent + 4  # under a Markdown item: a list nested in it
        blank = False
    else:
        base = 0
        blank = prev is not None
    edits = []
    stack: list[tuple[int, str]] = []
    for k, ln in enumerate(run):
        key = (ln.indent, ln.label if ln.kind == "bullet" else "o")
        while stack and (stack[-1][0] > key[0] or (stack[-1][0] == key[0] and stack[-1] != key
                                                   and key in stack)):
            stack.pop()
        if key in stack:
            while stack[-1] != key:
                stack.pop()
        else:
            stack.append(key)
        level = len(stack) - 1
        edits.append(Edit(i + k, _item(base + 4 * level, ln.rest), blank and k == 0))
    if j < len(lines) and lines[j].kind == "":
        edits.append(Edit(j, None, True))  # text after the list stays a paragraph of its own
    shown = "“" + first.label + "”"
    count = len(run)
    what = f"{count} lines starting with {shown} run together" if count > 1 or prev is not None else \
        f"the line starting with {shown} runs into the text below"
    if count == 1 and prev is not None:
        what = f"this line starting with {shown} runs into the line above"
    return Issue("pasted-bullet", i, first.indent + 1,
                 f"{what} into one paragraph: a pasted bullet is a character, not a Markdown list",
                 "start each item with `- ` (sub-items with 4 more spaces), after a blank line "
                 "(`issuepapers fix` does it)", tuple(edits), f"made {count} pasted bullet line"
                 f"{'s' * (count != 1)} a Markdown list")


def _lettered(lines, i, j, prev, parent, list_stack) -> Issue:
    run = lines[i:j]
    first = run[0]
    edits = []
    if parent is not None:
        base = (list_stack[-1][1] if list_stack else parent.indent) + 4
        for k, ln in enumerate(run):
            edits.append(Edit(i + k, _item(base, ln.text.strip())))
        where = f"into the list item above ({parent.label} …)"
        fixed = f"nested {len(run)} lettered item{'s' * (len(run) != 1)} under their list item"
        hint = "indent them as a list inside the item: 4 more spaces and `- ` (`issuepapers fix` does it)"
    else:
        for k in range(len(run)):
            if k > 0 or prev is not None:
                edits.append(Edit(i + k, None, True))
        where = "into one paragraph"
        fixed = f"put {len(run)} lettered item{'s' * (len(run) != 1)} on lines of their own"
        hint = "put a blank line before each item, or make them a list (`issuepapers fix` adds the blank lines)"
    if j < len(lines) and lines[j].kind == "":
        edits.append(Edit(j, None, True))
    count = len(run)
    return Issue("list-item-merged", i, first.indent + 1,
                 f"{count} item{'s' * (count != 1)} starting “{first.label}” run {where}: "
                 "without a blank line they are not separate lines", hint, tuple(edits), fixed)


def _nest(lines, i, ln, stack: list[tuple[int, int]]) -> Issue | None:
    """Track the open Markdown items; an item 1-3 spaces deeper than its parent does not nest."""
    d = ln.indent
    while stack and stack[-1][0] > d:
        stack.pop()
    if stack and stack[-1][0] == d:
        if stack[-1][1] == d:
            return None
        gap = d - stack[-2][0] if len(stack) > 1 else 4
        return _reindent(lines, i, ln, stack[-1][1], gap if gap < 4 else None)
    if not stack:
        stack.append((d, d))
        return None
    parent_orig, parent_new = stack[-1]
    gap = d - parent_orig
    new = parent_new + 4 if gap < 4 else parent_new + gap
    stack.append((d, new))
    if new == d:
        return None
    return _reindent(lines, i, ln, new, gap if gap < 4 else None)


def _reindent(lines, i, ln, new: int, gap: int | None) -> Issue:
    text = ln.text.lstrip(" \t")
    edits = [Edit(i, " " * new + text)]
    delta = new - ln.indent
    k = i + 1
    while k < len(lines) and lines[k].kind == "" and lines[k].indent > ln.indent:  # its wrapped lines
        edits.append(Edit(k, " " * max(0, lines[k].indent + delta) + lines[k].text.lstrip(" \t")))
        k += 1
    if gap is None:
        message = f"this list item moves with its parent item: indent it {new} spaces"
    else:
        message = (f"this sub-item is indented {ln.indent} space{'s' * (ln.indent != 1)}, so it prints at the "
                   "level of the item above: a list nests 4 spaces in")
    return Issue("list-indent", i, 1, message, f"indent it {new} spaces (`issuepapers fix` does it)",
                 tuple(edits), f"indented a list item {new} spaces")


# -- odd characters in ids and listed values ------------------------------------------------------------

# What each odd character becomes: a space, nothing, or a plain hyphen.
ODD_CHARACTERS = {
    "\u00a0": " ", "\u2007": " ", "\u202f": " ", "\u2002": " ", "\u2003": " ", "\u2009": " ", "\u200a": " ",
    "\u200b": "", "\u200c": "", "\u200d": "", "\u2060": "", "\ufeff": "", "\u00ad": "",
    "\u2018": "", "\u2019": "", "\u201c": "", "\u201d": "", "\u201e": "", "\u2032": "", "\u2033": "",
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
}
_ODD = re.compile("[" + "".join(ODD_CHARACTERS) + "]")
# Kinds of value that are ids or listed words: an odd character makes them unknown.
_PLAIN_KINDS = frozenset({"id", "enum", "month", "rec_id", "pub_number", "path"})


def character_name(ch: str) -> str:
    return f"U+{ord(ch):04X} {unicodedata.name(ch, 'UNNAMED CHARACTER')}"


def plain(text: str) -> str:
    """`text` with its odd characters replaced (a space, nothing, a hyphen) and trimmed."""
    return _ODD.sub(lambda m: ODD_CHARACTERS[m.group()], text).strip()


def odd_values(doc) -> list[tuple[tuple, str, str]]:
    """(key path, value, first odd character) of every id or listed value holding an odd character."""
    src = doc.source
    if not src.yaml_text or src.yaml_text.isascii() or not src.data:
        return []
    out = []
    for key, value in src.data.items():
        spec = doc.FIELDS.get(key)
        if spec is None:
            continue
        if spec.kind in _PLAIN_KINDS and isinstance(value, str):
            items = [((key,), value)]
        elif spec.kind == "list" and spec.item in _PLAIN_KINDS and isinstance(value, list):
            items = [((key, n), v) for n, v in enumerate(value) if isinstance(v, str)]
        else:
            continue
        for path, text in items:
            m = _ODD.search(text)
            if m:
                out.append((path, text, m.group()))
    return out


def has_odd(text) -> bool:
    return isinstance(text, str) and not text.isascii() and _ODD.search(text) is not None


# -- the rules -----------------------------------------------------------------------------------------

_CACHE: dict[int, tuple[str, list[Issue]]] = {}


def issues_of(doc) -> list[Issue]:
    """The body's paste problems, worked out once for the rules of one document."""
    body = doc.source.body
    hit = _CACHE.get(id(doc))
    if hit is not None and hit[0] is body:
        return hit[1]
    found = analyse(body)
    if len(_CACHE) > 64:
        _CACHE.clear()
    _CACHE[id(doc)] = (body, found)
    return found


def _report(doc, rule_id: str):
    issues = issues_of(doc)
    if not issues:
        return
    first = doc.source.body_line
    for issue in issues:
        if issue.rule == rule_id:
            yield (first + issue.line, issue.column), issue.message, issue.hint


@rule("pasted-bullet", WARNING)
def pasted_bullets(doc, coll):
    """Lines starting with a pasted bullet ("•", "o", "▪", "–", "") are not a list: they run into one paragraph."""
    yield from _report(doc, "pasted-bullet")


@rule("list-item-merged", WARNING)
def merged_items(doc, coll):
    """Lettered or numbered items ("a.", "(i)", "1)") and lists need a blank line or a list, or they run into the line above."""
    yield from _report(doc, "list-item-merged")


@rule("list-indent", WARNING)
def list_indent(doc, coll):
    """A sub-item is indented 4 spaces under its item: 1 to 3 spaces print it at its parent's level."""
    yield from _report(doc, "list-indent")


@rule("body-tab", WARNING)
def body_tabs(doc, coll):
    """A paragraph does not start with a tab: a tab-indented paragraph prints as code."""
    yield from _report(doc, "body-tab")


@rule("invisible-character", ERROR)
def odd_characters(doc, coll):
    """Ids and listed values hold no no-break, zero-width or typographic characters (curly quotes, dashes)."""
    for path, text, ch in odd_values(doc):
        shown = ".".join(map(str, path))
        yield (doc.source.at(*path), f"`{shown}` holds the character {character_name(ch)} in {text!r}",
               f"write it with plain characters: `{plain(text)}` (`issuepapers fix` does it)")


# -- length ---------------------------------------------------------------------------------------------

# A printed issue-paper page holds about 500-600 words of prose, or some 50 lines of short list items,
# below the header block on the first page. The estimate counts generously (900 words or 66 source lines
# a page), so it warns only about a paper clearly over the limit; the PDF has the real page count.
WORDS_PER_PAGE = 900
LINES_PER_PAGE = 66


def estimated_pages(body: str) -> float:
    """A generous (low) estimate of a body's printed pages, from its words and lines."""
    lines = body.count("\n") - body.count("\n\n")
    return max(len(body.split()) / WORDS_PER_PAGE, lines / LINES_PER_PAGE)


def maybe_long(doc) -> bool:
    """Whether a body is long enough to print on more than one page (cheap: its length, then its lines)."""
    body = doc.source.body
    return len(body) >= 2 * WORDS_PER_PAGE or body.count("\n") >= LINES_PER_PAGE


@rule("paper-too-long", WARNING, ("paper",))
def paper_length(doc, coll):
    """A paper fits on `committee.max_pages` printed pages (2 unless committee.yml says otherwise)."""
    limit = coll.registry.committee.max_pages
    body = doc.source.body
    if len(body) < 2 * WORDS_PER_PAGE * limit and body.count("\n") < LINES_PER_PAGE * limit:
        return  # too short to be over, whatever its words (each takes a letter and a space at least)
    pages = estimated_pages(body)
    if pages > limit:
        yield ((doc.source.body_line, 1),
               f"this paper would print on about {int(pages) + 1} pages or more; issue papers fit on {limit}",
               ("shorten it, or move detail to an attachment or a linked page "
                "(the limit is `max_pages` in committee.yml)"))
