"""Body rules: the issue-paper sections, in order, and accessible images."""

from __future__ import annotations

import re

from ..diagnostics import ERROR, WARNING
from ..fields import SECTIONS, did_you_mean
from ..model import SECTION_TITLES
from . import rule

_REQUIRED = [title for title, required in SECTIONS if required]
_IMG_MD = re.compile(r"!\[([^\]]*)\]\(")
_IMG_HTML = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_ALT = re.compile(r"\balt\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>]+)", re.IGNORECASE)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


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
    lines = doc.body.split("\n")
    heads = _h2(doc)
    for i, s in enumerate(heads):
        start = s.line - doc.source.body_line + 1
        end = heads[i + 1].line - doc.source.body_line if i + 1 < len(heads) else len(lines)
        text = _COMMENT.sub("", "\n".join(lines[start:end])).strip()
        if s.title in SECTION_TITLES and not text:
            yield (s.line, 1), f"section `## {s.title}` is empty", "write the section, or remove it if optional"


@rule("image-alt", ERROR)
def image_alt(doc, coll):
    """Every image has a text alternative (`![what it shows](...)`), for screen readers and PDF/UA."""
    body = doc.body
    if "![" not in body and "<img" not in body.lower():
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
