"""Body rules: the issue-paper sections, in order, and accessible images."""

from __future__ import annotations

import re
from pathlib import Path

from ..diagnostics import ERROR, WARNING
from ..fields import SECTIONS, did_you_mean
from ..model import SECTION_TITLES, image_refs
from . import rule

_REQUIRED = [title for title, required in SECTIONS if required]
_IMG_MD = re.compile(r"!\[([^\]]*)\]\(")
_IMG_HTML = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_ALT = re.compile(r"\balt\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>]+)", re.IGNORECASE)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
MAX_NESTING = 12
# Cheap scans (each starts with a literal or a small class, so the regex engine skips
# ahead fast) that find any line that might nest deeply; only then is each line measured.
_DEEP_INDENT = re.compile(r"\n[ \t]{%d}" % (MAX_NESTING * 2))
# List and quote markers nest only at the start of a line, so both scans start at a
# newline: a literal the regex engine jumps between, instead of trying every character.
_MARKER = r"(?:[-*+>]|\d{1,9}[.)])"
_MARKER_RUN = re.compile(r"\n[ \t]*%s(?:[ \t]*%s){%d}" % (_MARKER, _MARKER, MAX_NESTING - 1))
_MARKERS = re.compile(r"^(?:[ \t]*(?:[-*+]|\d{1,9}[.)]|>)(?=[ \t]|$)[ \t]*)+")


def _h2(doc):
    return [s for s in doc.sections if s.level == 2]


@rule("section-required", ERROR, ("paper",))
def required_sections(doc, coll):
    """A paper has the `## Background` and `## Current Status` sections."""
    titles = {s.title for s in _h2(doc)}
    for title in _REQUIRED:
        if title not in titles:
            yield (doc.source.body_line, 1), f"missing section `## {title}`", \
                f"add a `## {title}` heading and its text"


@rule("section-order", ERROR, ("paper",))
def section_order(doc, coll):
    """Standard sections come first, in the order Background, Objectives and Scope of Activities, Current Status, Next Steps."""
    last, last_title, extra_seen = -1, None, None
    for s in _h2(doc):
        if s.title not in SECTION_TITLES:
            extra_seen = extra_seen or s
            continue
        rank = SECTION_TITLES.index(s.title)
        if rank < last:
            yield (s.line, 1), f"`## {s.title}` must come before `## {last_title}`", \
                "move the section up"
        elif extra_seen is not None:
            yield (extra_seen.line, 1), f"`## {extra_seen.title}` must come after the standard sections", \
                "move it after the last standard section"
            extra_seen = None
        elif rank == last:
            yield (s.line, 1), f"section `## {s.title}` appears twice", "merge the two"
        last, last_title = rank, s.title


@rule("section-extra", WARNING, ("paper",))
def extra_sections(doc, coll):
    """Sections other than the four standard ones are allowed after them, but flagged."""
    for s in _h2(doc):
        if s.title not in SECTION_TITLES:
            yield (s.line, 1), f"`## {s.title}` is not a standard issue-paper section", \
                did_you_mean(s.title, SECTION_TITLES) or "standard: " + ", ".join(SECTION_TITLES)


@rule("heading-level", ERROR, ("paper",))
def heading_levels(doc, coll):
    """A paper's body has no level-1 heading: the title comes from the front matter."""
    for s in doc.sections:
        if s.level == 1:
            yield (s.line, 1), f"level-1 heading `# {s.title}` in the body", \
                "sections are `##` headings; the title is printed from the front matter"


@rule("section-empty", WARNING, ("paper",))
def empty_sections(doc, coll):
    """A standard section should have text, not only the scaffold's comments."""
    body, heads = doc.body, _h2(doc)
    for i, s in enumerate(heads):
        if s.title not in SECTION_TITLES:
            continue
        text = body[s.end:heads[i + 1].offset if i + 1 < len(heads) else len(body)]
        if "<!--" in text:
            text = _COMMENT.sub("", text)
        if not text.strip():
            yield (s.line, 1), f"section `## {s.title}` is empty", "write the section, or remove it if optional"


@rule("image-alt", ERROR)
def image_alt(doc, coll):
    """Every image has a text alternative (`![what it shows](...)`), for screen readers and PDF/UA."""
    body = doc.body
    if "![" not in body and not ("<" in body and _IMG_HTML.search(body)):
        return
    for n, line in enumerate(body.split("\n")):
        for m in _IMG_MD.finditer(line):
            if not m.group(1).strip():
                yield (doc.source.body_line + n, m.start() + 1), "image without alt text", \
                    "describe the image between the brackets: ![...](...)"
        for m in _IMG_HTML.finditer(line):
            alt = _ALT.search(m.group(0))
            if not alt or not alt.group(1).strip("\"' "):
                yield (doc.source.body_line + n, m.start() + 1), "<img> without alt text", \
                    "add alt=\"what the image shows\""


@rule("body-too-deep", ERROR)
def nesting(doc, coll):
    """Lists and quotes nest at most 12 levels deep (deeper bodies cannot be rendered safely)."""
    body = doc.body
    end = body.find("\n")
    first = "\n" + (body if end == -1 else body[:end])  # the scans look for a newline before a line
    if not (_DEEP_INDENT.match(first) or _MARKER_RUN.match(first) or _DEEP_INDENT.search(body)
            or _MARKER_RUN.search(body) or body.count("<") > MAX_NESTING):
        return
    for n, line in enumerate(body.split("\n")):
        expanded = line.expandtabs(4)
        indent = len(expanded) - len(expanded.lstrip(" "))
        markers = _MARKERS.match(expanded)
        depth = indent // 4 + (len(re.findall(r"[-*+>]|\d{1,9}[.)]", markers.group(0))) if markers else 0)
        depth = max(depth, len(re.findall(r"<(?:ul|ol|blockquote|div)\b", line, re.IGNORECASE)))
        if depth > MAX_NESTING:
            yield (doc.source.body_line + n, 1), f"nesting {depth} levels deep (at most {MAX_NESTING})", \
                "flatten the list or quote"
            return


@rule("image-missing", ERROR, ("paper",))
def image_files(doc, coll):
    """An image a paper shows by relative path is a file under papers/ (not a link out of the repository)."""
    body = doc.body
    if ("![" not in body and "<" not in body) or coll.root is None:
        return  # no image syntax at all: the common case
    refs = image_refs(body)
    if not refs:
        return
    base = (Path(coll.root) / "papers").resolve()
    for offset, src in refs:
        path = (Path(coll.root) / doc.path).parent / src
        line = doc.source.body_line + doc.body.count("\n", 0, offset)
        col = offset - (doc.body.rfind("\n", 0, offset) + 1) + 1
        try:
            resolved = path.resolve()
        except (OSError, RuntimeError):
            resolved = None
        if resolved is None or not resolved.is_relative_to(base):
            yield (line, col), f"image {src!r} is outside papers/", "keep a paper's images beside it, under papers/"
        elif not resolved.is_file():
            yield (line, col), f"no image file {src!r}", "add the file beside the paper, or fix the name"
