"""Redlines: what changed in a paper between two versions, word by word, section by section.

A version is a paper's bytes at a revision (or in the work tree). Both are
loaded strictly; the front matter is compared key by key (a table above the
body), and the body is split at its `##` sections, each rendered to HTML as
the site and the PDF render it, reduced to its text blocks (paragraphs, list
items, headings, table rows), and diffed: blocks are aligned first, then the
words inside a changed block. Insertions and deletions are marked three ways,
so the redline reads in colour, in greyscale and aloud: `<ins>`/`<del>`
(underline/strike and colour) and text markers `[+ … +]` / `[- … -]`.

Outputs: `redline_html_fragment` (for the site's redline pages), a standalone
HTML page, plain text, JSON, and a PDF in the issue-paper layout.
"""

from __future__ import annotations

import datetime as dt
import difflib
import html
import json
import re
from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from ..errors import UsageError
from ..load import parse
from ..render import render_markdown, sanitize
from . import git
from .tags import publish_tags

INS_OPEN, INS_CLOSE = "[+", "+]"
DEL_OPEN, DEL_CLOSE = "[-", "-]"
WORKTREE = "working tree"

# -- versions -----------------------------------------------------------------------


@dataclass
class Version:
    label: str  # "papers/wg/2024-03/v1", "abc1234 (2024-02-02)", "working tree"
    rev: str | None  # full sha, None for the work tree
    raw: bytes


def _commit_label(root: Path, sha: str) -> str:
    line = git.out(root, "show", "-s", "--format=%h %ad", "--date=short", sha).strip()
    short, _, day = line.partition(" ")
    return f"{short} ({day})"


def _at(root: Path, rev: str, rel: str, previous: list[str]) -> bytes | None:
    for name in (rel, *previous):
        data = git.blob(root, rev, name)
        if data is not None:
            return data
    return None


def _history(root: Path, rel: str):
    from ..gitlog import read_history

    return read_history(root).get((root / rel).resolve())


def resolve_versions(root: Path, rel: str, from_rev: str | None = None,
                     to_rev: str | None = None) -> tuple[Version, Version] | None:
    """The two versions to compare; None when the paper has no earlier version.

    Defaults: `to` is the work tree; `from` is the paper's latest publish tag
    whose version differs from it (so right after a publish, the one before),
    else (uncommitted edits) its last commit, else the commit before its last.
    """
    root = Path(root)
    if not git.in_repository(root):
        raise UsageError(f"{root} is not in a git repository", "redlines compare git revisions: `git init` first")
    fh = _history(root, rel)
    previous = list(fh.previous_paths)
    if to_rev:
        sha = git.resolve(root, to_rev)
        raw = _at(root, sha, rel, previous)
        if raw is None:
            raise UsageError(f"{rel} does not exist at {to_rev}")
        to = Version(to_rev if not re.fullmatch(r"[0-9a-f]{7,40}", to_rev) else _commit_label(root, sha), sha, raw)
    else:
        path = root / rel
        if not path.is_file():
            raise UsageError(f"no such file: {rel}")
        raw = path.read_bytes()
        label = WORKTREE if fh.uncommitted or not fh.commits else _commit_label(root, fh.commits[0].sha)
        to = Version(label, None, raw)
    if from_rev:
        sha = git.resolve(root, from_rev)
        raw = _at(root, sha, rel, previous)
        if raw is None:
            raise UsageError(f"{rel} does not exist at {from_rev}", "pick a revision where the paper existed")
        label = from_rev if not re.fullmatch(r"[0-9a-f]{7,40}", from_rev) else _commit_label(root, sha)
        return Version(label, sha, raw), to
    # The latest publication that differs from `to` (after a publish, the one before it).
    for tag in reversed(publish_tags(root).get(rel, []) if not to_rev else []):
        raw = _at(root, tag.commit, rel, previous)
        if raw is not None and raw != to.raw:
            return Version(tag.name, tag.commit, raw), to
    commits = fh.commits
    if to_rev:
        # the commit before `to` that touched the paper
        shas = [c.sha for c in commits]
        later = shas.index(to.rev) + 1 if to.rev in shas else None
        commits = commits[later:] if later is not None else []
    elif not fh.uncommitted:
        commits = commits[1:]  # the work tree is the last commit: compare with the one before
    for c in commits:
        raw = _at(root, c.sha, rel, previous)
        if raw is not None:
            return Version(_commit_label(root, c.sha), c.sha, raw), to
    return None


# -- the diff model ---------------------------------------------------------------------

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


def text_blocks(markdown_text: str) -> list[tuple[str, int, bool, str]]:
    parser = _Blocks()
    parser.feed(render_markdown(markdown_text))
    parser.close()
    return parser.out


_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_H2 = re.compile(r"^##[ \t]+(.+?)[ \t#]*$")


def split_sections(body: str) -> list[tuple[str, str]]:
    """[(title, markdown)] at the `##` headings outside code; a preamble has the title ""."""
    out: list[tuple[str, list[str]]] = [("", [])]
    fence = None
    for line in body.split("\n"):
        m = _FENCE.match(line)
        if m:
            mark = m.group(1)
            if fence is None:
                fence = mark[0] * 3
            elif mark.startswith(fence):
                fence = None
        elif fence is None:
            h = _H2.match(line)
            if h:
                out.append((h.group(1).strip(), []))
                continue
        out[-1][1].append(line)
    sections = [(t, "\n".join(lines)) for t, lines in out]
    if not sections[0][1].strip():
        sections = sections[1:]
    return sections


# -- diffing ---------------------------------------------------------------------------

_TOKEN = re.compile(r"\s+|\w+(?:['’.,-]\w+)*|[^\w\s]")


def word_ops(a: str, b: str) -> Ops:
    """Word-level diff of two texts: equal runs, deletions and insertions."""
    ta, tb = _TOKEN.findall(a), _TOKEN.findall(b)
    sm = difflib.SequenceMatcher(None, ta, tb, autojunk=False)
    ops: Ops = []
    codes = sm.get_opcodes()
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


def _similar(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a.split(), b.split(), autojunk=False).ratio()


def diff_blocks(old: list, new: list) -> list[Block]:
    keys_a = [(k, t) for k, _, _, t in old]
    keys_b = [(k, t) for k, _, _, t in new]
    sm = difflib.SequenceMatcher(None, keys_a, keys_b, autojunk=False)
    out: list[Block] = []

    def whole(b, status):
        op = {"added": "ins", "removed": "del", "same": "eq"}[status]
        return Block(b[0], b[1], b[2], [(op, b[3])], status)

    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            out.extend(whole(b, "same") for b in new[j1:j2])
            continue
        a, b = old[i1:i2], new[j1:j2]
        # pair the blocks of a replaced run in order, when they are alike enough
        i = j = 0
        while i < len(a) or j < len(b):
            if i < len(a) and j < len(b) and _similar(a[i][3], b[j][3]) >= 0.3:
                out.append(Block(b[j][0], b[j][1], b[j][2], word_ops(a[i][3], b[j][3]), "changed"))
                i += 1
                j += 1
            elif i < len(a) and (j >= len(b) or len(a) - i >= len(b) - j):
                out.append(whole(a[i], "removed"))
                i += 1
            else:
                out.append(whole(b[j], "added"))
                j += 1
    return out


def diff_sections(old_body: str, new_body: str) -> list[SectionDiff]:
    a, b = split_sections(old_body), split_sections(new_body)
    sm = difflib.SequenceMatcher(None, [t for t, _ in a], [t for t, _ in b], autojunk=False)
    out: list[SectionDiff] = []
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
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
                blocks = [Block(k, d, o, [("del", t)], "removed") for k, d, o, t in text_blocks(old[1])]
                out.append(SectionDiff([("del", old[0])], "removed", blocks))
            elif old is None:
                blocks = [Block(k, d, o, [("ins", t)], "added") for k, d, o, t in text_blocks(new[1])]
                out.append(SectionDiff([("ins", new[0])], "added", blocks))
            else:
                before = text_blocks(old[1])
                blocks = diff_blocks(before, before if new[1] == old[1] else text_blocks(new[1]))
                title_ops = [("eq", new[0])] if old[0] == new[0] else word_ops(old[0], new[0])
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
    return Redline(rel, title, before.label, after.label, meta, diff_sections(old_body, b.body))


def redline(root: Path, coll, rel: str, from_rev: str | None = None, to_rev: str | None = None) -> Redline | None:
    """The redline of a paper, or None when it has no earlier version to compare with."""
    versions = resolve_versions(Path(root), rel, from_rev, to_rev)
    if versions is None:
        return None
    title = None
    if coll is not None:
        doc = coll.by_path.get(rel)
        if doc is not None and doc.KIND == "paper":
            title = coll.title_of(doc)
    return compare(rel, *versions, title=title)


def _commit_labels(root: Path, shas: list[str]) -> dict[str, str]:
    """`_commit_label` of many commits, in one `git log --no-walk --stdin` process."""
    shas = list(dict.fromkeys(shas))
    if not shas:
        return {}
    out = git.run(root, "log", "--no-walk=unsorted", "--stdin", "--format=%H %h %ad", "--date=short",
                  data="".join(f"{s}\n" for s in shas).encode()).stdout.decode()
    return {full: f"{short} ({day})" for full, short, day in (line.split(" ", 2) for line in out.splitlines())}


def redlines(root: Path, coll) -> dict[str, Redline]:
    """The default redline (as `redline_html_fragment`) of every paper of `coll` that has an earlier version.

    For the site, in a fixed number of git processes for the whole collection
    (publish tags, one `cat-file --batch` for the earlier versions, one `log`
    for the labels, and one history pass unless the papers carry theirs),
    where `redline_html_fragment` runs several per paper. A paper with neither
    a publish tag nor an earlier commit costs nothing.
    """
    root = Path(root)
    if not coll.papers or not git.in_repository(root):
        return {}
    tags = publish_tags(root)
    history = None
    plans, specs = [], []
    for p in coll.papers:
        fh = p.history
        if fh is None:
            if history is None:
                from ..gitlog import read_history

                history = read_history(root)
            fh = history.get((root / p.path).resolve())
        older = fh.commits if fh.uncommitted else fh.commits[1:]  # as resolve_versions
        ptags = tags.get(p.path, [])[::-1]
        if not ptags and not older:
            continue
        names = [p.path, *fh.previous_paths]
        specs += [(rev, n) for rev in [t.commit for t in ptags] + [c.sha for c in older[:1]] for n in names]
        plans.append((p, fh, names, ptags, older))
    blobs = git.blobs(root, specs)

    def at(rev: str, names: list[str]) -> bytes | None:
        return next((b for n in names if (b := blobs.get((rev, n))) is not None), None)

    chosen = []  # (paper, fh, work-tree bytes, from: (tag name | None, sha, bytes))
    for p, fh, names, ptags, older in plans:
        try:
            raw = (root / p.path).read_bytes()
        except OSError:
            continue
        before = next(((t.name, t.commit, b) for t in ptags if (b := at(t.commit, names)) not in (None, raw)), None)
        if before is None and older:
            b = at(older[0].sha, names)
            if b is None:  # its last commit deleted it: the slow path walks further back
                versions = resolve_versions(root, p.path)
                if versions:
                    before = (versions[0].label, versions[0].rev, versions[0].raw)
            else:
                before = (None, older[0].sha, b)
        if before is not None:
            chosen.append((p, fh, raw, before))
    labels = _commit_labels(root, [sha for *_, (name, sha, _) in chosen if name is None]
                            + [fh.commits[0].sha for _, fh, _, _ in chosen if fh.commits and not fh.uncommitted])
    out = {}
    for p, fh, raw, (name, sha, b) in chosen:
        to = WORKTREE if fh.uncommitted or not fh.commits else labels[fh.commits[0].sha]
        out[p.path] = compare(p.path, Version(name or labels[sha], sha, b), Version(to, None, raw),
                              title=coll.title_of(p))
    return out


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


def redline_html_fragment(root: Path, coll, paper_path: str, from_rev: str | None = None,
                          to_rev: str | None = None) -> str | None:
    """Sanitized HTML fragment of a paper's redline for the site; None without an earlier version.

    Defaults as `issuepapers diff`: against the latest publish tag, else the
    previous commit. Outside a git repository there is no earlier version.
    """
    root = Path(root)
    if not git.in_repository(root):
        return None
    rl = redline(root, coll, paper_path, from_rev, to_rev)
    return to_html_fragment(rl) if rl is not None else None


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
    lines = [f"Redline: {rl.title}", f"{rl.path}: {rl.before} -> {rl.after}", ""]
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
