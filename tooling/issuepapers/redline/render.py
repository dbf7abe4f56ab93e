"""A redline as readers get it: an HTML fragment (the site), a standalone page, text, JSON, a PDF.

Insertions and deletions are marked three ways, so the redline reads in
colour, in greyscale and aloud: `<ins>`/`<del>` (underline/strike and colour)
and text markers `[+ … +]` / `[- … -]`.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from ..errors import UsageError
from ..render import sanitize
from .diff import Block, Ops, Redline, word_ops

INS_OPEN, INS_CLOSE = "[+", "+]"
DEL_OPEN, DEL_CLOSE = "[-", "-]"


# -- output ------------------------------------------------------------------------------


def _marked(ops: Ops) -> str:
    """HTML of diff ops: <ins>/<del> with text markers; whitespace kept outside the marks."""
    out = []
    for op, text in ops:
        if op == "eq":
            out.append(html.escape(text, quote=False))
            continue
        lead = text[: len(text) - len(text.lstrip())]
        trail = text[len(text.rstrip()):]
        core = html.escape(text.strip(), quote=False)
        if op == "ins":
            mark = (f'<ins class="rl-ins"><span class="rl-mark">{INS_OPEN} </span>{core}'
                    f'<span class="rl-mark"> {INS_CLOSE}</span></ins>')
        else:
            mark = (f'<del class="rl-del"><span class="rl-mark">{DEL_OPEN} </span>{core}'
                    f'<span class="rl-mark"> {DEL_CLOSE}</span></del>')
        out.append(html.escape(lead, quote=False) + mark + html.escape(trail, quote=False))
    return "".join(out)


def _text_marked(ops: Ops) -> str:
    out = []
    for op, text in ops:
        if op == "eq":
            out.append(text)
            continue
        lead = text[: len(text) - len(text.lstrip())]
        trail = text[len(text.rstrip()):]
        o, c = (INS_OPEN, INS_CLOSE) if op == "ins" else (DEL_OPEN, DEL_CLOSE)
        out.append(f"{lead}{o} {text.strip()} {c}{trail}")
    return "".join(out)


_STATUS_LABEL = {"same": "unchanged", "changed": "changed", "added": "new section", "removed": "section removed"}


def _blocks_html(blocks: list[Block]) -> str:
    out: list[str] = []
    lists: list[str] = []

    def close_to(depth: int):
        while len(lists) > depth:
            out.append(f"</li></{lists.pop()}>")

    for b in blocks:
        cls = f"rl-block rl-{b.status}"
        body = _marked(b.ops)
        if b.kind != "li":
            close_to(0)
            # headings keep their level under the section's <h2> (no skipped level for screen readers)
            tag = {"pre": "pre", "quote": "blockquote", "h1": "h3", "h2": "h3", "h3": "h3", "h4": "h4",
                   "h5": "h5", "h6": "h6"}.get(b.kind, "p")
            if b.kind == "tr":
                cls += " rl-row"
            out.append(f'<{tag} class="{cls}">{body}</{tag}>')
            continue
        close_to(b.depth)
        if len(lists) == b.depth:
            out.append("</li>")
        while len(lists) < b.depth:
            tag = "ol" if b.ordered and len(lists) + 1 == b.depth else "ul"
            out.append(f'<{tag} class="rl-list">')
            lists.append(tag)
            if len(lists) < b.depth:
                out.append('<li class="rl-block">')
        out.append(f'<li class="{cls}">{body}')
    close_to(0)
    return "\n".join(out)


def to_html_fragment(rl: Redline) -> str:
    """The redline as an HTML fragment: escaped text and our own tags only, then sanitized."""
    parts = ['<div class="redline">',
             f'<p class="rl-versions"><span class="rl-label">From:</span> {html.escape(rl.before)} '
             f'<span class="rl-label">To:</span> {html.escape(rl.after)}</p>',
             '<p class="rl-legend">Insertions are underlined and marked '
             f'<ins class="rl-ins"><span class="rl-mark">{INS_OPEN} </span>like this'
             f'<span class="rl-mark"> {INS_CLOSE}</span></ins>; deletions are struck through and marked '
             f'<del class="rl-del"><span class="rl-mark">{DEL_OPEN} </span>like this'
             f'<span class="rl-mark"> {DEL_CLOSE}</span></del>.</p>']
    parts += [f'<p class="rl-note"><span class="rl-label">Note:</span> {html.escape(note)}.</p>' for note in rl.notes]
    parts.append('<h2 class="rl-heading">Front matter</h2>')
    if rl.meta:
        rows = []
        for m in rl.meta:
            before = _marked([("del", m.before)]) if m.before else '<span class="rl-absent">(none)</span>'
            after = _marked([("ins", m.after)]) if m.after else '<span class="rl-absent">(none)</span>'
            if m.before and m.after:
                ops = word_ops(m.before, m.after)
                before = _marked([o for o in ops if o[0] != "ins"])
                after = _marked([o for o in ops if o[0] != "del"])
            rows.append(f'<tr><th scope="row"><code>{html.escape(m.key)}</code></th><td>{before}</td>'
                        f"<td>{after}</td></tr>")
        parts.append('<table class="rl-meta"><caption>Front-matter changes</caption><thead><tr>'
                     '<th scope="col">Field</th><th scope="col">Before</th><th scope="col">After</th></tr></thead>'
                     f"<tbody>{''.join(rows)}</tbody></table>")
    else:
        parts.append('<p class="rl-none">No front-matter changes.</p>')
    for s in rl.sections:
        title = _marked(s.title_ops) if s.title_ops and s.title_ops[0][1] else "(before the first section)"
        parts.append(f'<h2 class="rl-heading rl-{s.status}">{title} '
                     f'<span class="rl-status">({_STATUS_LABEL[s.status]})</span></h2>')
        parts.append(_blocks_html(s.blocks))
    if not rl.changed:
        parts.append('<p class="rl-none">The two versions are the same.</p>')
    parts.append("</div>")
    return sanitize("\n".join(parts))


def css(root: Path | None = None) -> str:
    """The redline stylesheet: templates/redline/redline.css, the committee's first, else the package's."""
    from ..assets import PACKAGE_TEMPLATES, Templates

    chain = Templates.for_root(root) if root else Templates((PACKAGE_TEMPLATES,))
    return chain.find("redline/redline.css").read_text(encoding="utf-8")


def to_html_page(rl: Redline, root: Path | None = None, lang: str = "en-US") -> str:
    title = f"Redline: {rl.title}"
    return (f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{html.escape(title)}</title>\n"
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<style>\n{css(root)}</style>\n</head>\n<body class=\"redline-page\">\n<main>\n"
            f'<article class="issue-paper redline-paper">\n<h1 class="title">{html.escape(title)}</h1>\n'
            f'<p class="rl-path"><code>{html.escape(rl.path)}</code></p>\n'
            f'<div class="body">\n{to_html_fragment(rl)}\n</div>\n</article>\n</main>\n</body>\n</html>\n')


def to_text(rl: Redline) -> str:
    lines = [f"Redline: {rl.title}", f"{rl.path}: {rl.before} -> {rl.after}", *(f"Note: {n}." for n in rl.notes), ""]
    if rl.meta:
        lines.append("Front matter:")
        for m in rl.meta:
            lines.append(f"  {m.key}: {DEL_OPEN} {m.before or '(none)'} {DEL_CLOSE} "
                         f"{INS_OPEN} {m.after or '(none)'} {INS_CLOSE}")
        lines.append("")
    for s in rl.sections:
        lines.append(f"## {_text_marked(s.title_ops)} ({_STATUS_LABEL[s.status]})")
        for b in s.blocks:
            prefix = "  " * (b.depth - 1) + "- " if b.kind == "li" else ""
            lines.append(prefix + _text_marked(b.ops))
        lines.append("")
    return "\n".join(lines)


def to_json(rl: Redline) -> str:
    return json.dumps(rl.as_dict(), indent=2, ensure_ascii=False) + "\n"


def to_pdf(rl: Redline, root: Path) -> bytes:
    """The redline in the issue-paper layout (the PDF package's stylesheet, fonts and sandbox)."""
    from ..assets import templates_for
    from ..pdf.engine import Engine, RenderError
    from ..registry import load_registry

    page = to_html_page(rl, root)
    base = (Path(root) / "papers").resolve().as_uri() + "/"
    try:
        return Engine.for_root(Path(root), templates_for(root, load_registry(Path(root)))).write(page, base)
    except RenderError as exc:
        raise UsageError(f"cannot render the redline PDF: {exc}") from None
