"""Size limits of a document body: past them it is never rendered, and every command says so.

python-markdown reads a block of text (lines with no blank line between them) in time that can grow
with the square of its length: it copies the rest of the block once per construct it replaces, and
its HTML reader copies the rest of the document once per HTML block. Within these limits every body
renders in seconds (`markdown_linear` takes out the rest); `check` reports a body past them
(`body-too-large`, `block-too-long`) and every output refuses it. docs/dev/checking.md, "Linear time".
"""

from __future__ import annotations

import html
import re
from typing import NamedTuple

__all__ = ["MAX_BLOCK", "MAX_BODY", "Limit", "body_limits", "too_large_html"]

MAX_BODY = 262_144  # characters in a body (the real papers are 5 to 15 thousand)
MAX_BLOCK = 32_768  # characters in one block: lines without a blank line between them


class Limit(NamedTuple):
    """A size limit a body passes: what `check` reports, and every output refuses the body for."""

    rule: str  # body-too-large | block-too-long
    line: int
    column: int
    message: str
    hint: str


_BLANK_LINES = re.compile(r"\n(?:[ \t\r]*+\n)+")


def body_limits(body: str, first_line: int = 1) -> list[Limit]:
    """The size limits `body` passes (none for a body that renders in seconds), in linear time."""
    if len(body) > MAX_BODY:
        line = first_line + body.count("\n", 0, MAX_BODY)
        column = MAX_BODY - (body.rfind("\n", 0, MAX_BODY) + 1) + 1
        return [Limit("body-too-large", line, column,
                      f"the body is {len(body):,} characters long, more than the {MAX_BODY:,} a document may "
                      "hold; it passes the limit here",
                      "split it into several documents; save images as files beside the paper, not data: URLs")]
    if len(body) <= MAX_BLOCK:
        return []  # no block of it can be longer (the common body: a few thousand characters)
    out = []
    start = 0
    ends = [(m.start(), m.end()) for m in _BLANK_LINES.finditer(body)]
    for stop, after in [*ends, (len(body), len(body))]:
        if stop - start > MAX_BLOCK:
            first = first_line + body.count("\n", 0, start)
            last = first + body.count("\n", start, stop) - body.endswith("\n", start, stop)
            where = f"line {first} is" if first == last else f"lines {first}–{last} are"
            out.append(Limit("block-too-long", first, 1,
                             f"{where} one block of {stop - start:,} characters without a blank line, more "
                             f"than the {MAX_BLOCK:,} a paragraph, list or table may hold",
                             "put a blank line between paragraphs, or split the list or table"))
        start = after
    return out


def too_large_html(limit: Limit) -> str:
    """What a body over a size limit renders as, where something must be shown (the members' preview)."""
    return (f'<p class="body-too-large">This body is not shown: line {limit.line}: {html.escape(limit.message)} '
            f"({limit.rule}; see <code>issuepapers check</code>).</p>")
