"""Body rules: the issue-paper sections, in order, and accessible images.

They read the body as the renderer draws it (`Document.reading`, see
`markdown_reading`): a setext `Background` is a section, a heading in a code
fence is not, and an image by reference is an image. No rule reads the file
system: which image files exist is a fact the collection gathers once.
"""

from __future__ import annotations

from ..diagnostics import ERROR, WARNING
from ..fields import SECTIONS, did_you_mean
from ..markdown_reading import MAX_BLOCK, MAX_BODY, MAX_NESTING, is_local_src
from ..model import SECTION_TITLES
from . import rule

_REQUIRED = [title for title, required in SECTIONS if required]


def _h2(doc):
    return doc.reading.h2  # read once per document, for all the section rules


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
            shown = f"`{s.title}` (underlined with `===`)" if s.kind == "setext" else f"`# {s.title}`"
            yield (s.line, 1), f"level-1 heading {shown} in the body", \
                "sections are `##` headings; the title is printed from the front matter"


@rule("section-empty", WARNING, ("paper",))
def empty_sections(doc, coll):
    """A standard section should have text, not only the scaffold's comments."""
    reading = doc.reading
    for s in reading.h2:
        if s.title in SECTION_TITLES and reading.section_empty(s):
            yield (s.line, 1), f"section `## {s.title}` is empty", "write the section, or remove it if optional"


@rule("image-alt", ERROR)
def image_alt(doc, coll):
    """Every image has a text alternative (`![what it shows](...)`), for screen readers and PDF/UA."""
    for image in doc.reading.images:
        if image.alt.strip():
            continue
        if image.kind == "html":
            yield (image.line, image.column), "<img> without alt text", "add alt=\"what the image shows\""
        elif image.kind == "reference":
            yield (image.line, image.column), "image without alt text", \
                "describe the image between the first brackets: ![what it shows][…]"
        else:
            yield (image.line, image.column), "image without alt text", \
                "describe the image between the brackets: ![...](...)"


@rule("body-too-deep", ERROR)
def nesting(doc, coll):
    """Lists and quotes nest at most 12 levels deep (deeper bodies cannot be rendered safely)."""
    deep = doc.reading.too_deep(MAX_NESTING)
    if deep is not None:
        depth, line = deep
        yield (line, 1), f"nesting {depth} levels deep (at most {MAX_NESTING})", "flatten the list or quote"


def _limits(doc, rule_id: str):
    for lim in doc.reading.limits:
        if lim.rule == rule_id:
            yield (lim.line, lim.column), lim.message, lim.hint


@rule("body-too-large", ERROR)
def body_size(doc, coll):
    """A body holds at most 262,144 characters, so every output reads it in seconds (it is not rendered past that)."""
    yield from _limits(doc, "body-too-large")


@rule("block-too-long", ERROR)
def block_size(doc, coll):
    """A block of text (lines without a blank line between them) holds at most 32,768 characters, so it renders in seconds."""
    yield from _limits(doc, "block-too-long")


# The statements name the limits.
assert f"{MAX_BODY:,}" in (body_size.__doc__ or "") and f"{MAX_BLOCK:,}" in (block_size.__doc__ or "")


@rule("image-missing", ERROR, ("paper",))
def image_files(doc, coll):
    """An image a paper shows is a file under papers/ or a data: image (never a URL, a link out, a hole)."""
    for image in doc.reading.images:
        src = image.src.strip()
        if not src:  # the sanitizer removed an address it does not allow (an unknown scheme, script…)
            yield ((image.line, image.column), "image without a usable address: only files beside the paper "
                   "and data: images are printed", "save the image beside the paper and write "
                   "![what it shows](file.png)")
        elif not is_local_src(src) and not src.lower().startswith("data:image/"):
            scheme = src.split(":", 1)[0][:20] if ":" in src else src[:20]
            yield ((image.line, image.column), f"image {src[:80]!r} is not a file beside the paper ({scheme}: "
                   "images are never fetched)", "save the image beside the paper and write ![what it shows](file.png)")
    for f in coll.image_files(doc):
        at = (f.image.line, f.image.column)
        if f.path is None:
            yield at, f"image {f.name!r} is outside papers/", "keep a paper's images beside it, under papers/"
        elif not f.exists:
            yield at, f"no image file {f.name!r}", "add the file beside the paper, or fix the name"
