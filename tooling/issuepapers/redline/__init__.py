"""Redlines: what changed in a paper between two versions, word by word, section by section.

A version is a paper's bytes at a revision (or in the work tree). Both are
loaded strictly; the front matter is compared key by key (a table above the
body), and the body is rendered to HTML once, as the site and the PDF render
it, cut at its `##` sections (those the Markdown reading finds), each reduced
to its text blocks (paragraphs, list items, headings, table rows), and diffed: blocks are aligned first, then the
words inside a changed block. Insertions and deletions are marked three ways,
so the redline reads in colour, in greyscale and aloud: `<ins>`/`<del>`
(underline/strike and colour) and text markers `[+ … +]` / `[- … -]`.

Outputs: `redline_html_fragment` (for the site's redline pages), a standalone
HTML page, plain text, JSON, and a PDF in the issue-paper layout.
"""

from __future__ import annotations

from pathlib import Path

from ..history import Repository, repository_of
from .diff import Block, MetaChange, Ops, Redline, SectionDiff, compare, diff_blocks, diff_meta, diff_sections, \
    html_blocks, split_sections, text_blocks, word_ops
from .render import (DEL_CLOSE, DEL_OPEN, INS_CLOSE, INS_OPEN, css, to_html_fragment, to_html_page, to_json,
                     to_pdf, to_text)
from .versions import WORKTREE, Version, _previous, resolve_versions

def redline(root: Path, coll, rel: str, from_rev: str | None = None, to_rev: str | None = None,
            repo: Repository | None = None) -> Redline | None:
    """The redline of a paper, or None when it has no earlier version to compare with.

    Git is read through `repo`, else the repository reading `coll` carries (`coll.history`), else one
    opened for `root`.
    """
    if repo is None:
        repo = repository_of(coll, root) if coll is not None else Repository.open(root)
    versions = resolve_versions(Path(root), rel, from_rev, to_rev, repo=repo)
    if versions is None:
        return None
    title = None
    if coll is not None:
        doc = coll.by_path.get(rel)
        if doc is not None and doc.KIND == "paper":
            title = coll.title_of(doc)
    return compare(rel, *versions, title=title)


def redlines(root: Path, coll) -> dict[str, Redline]:
    """The default redline (as `redline_html_fragment`) of every paper of `coll` that has an earlier version.

    For the site: everything comes from the repository reading the collection
    carries (`coll.history`): its publish tags, its one-pass log (commits and
    their labels) and its persistent `cat-file --batch` for the earlier
    versions, so no git process is started per paper (`redline_html_fragment`
    is the one-paper way). A paper with neither a publish tag nor an earlier
    commit costs nothing.
    """
    root = Path(root)
    if not coll.papers:
        return {}
    repo = repository_of(coll, root)
    if not repo.in_git:
        return {}
    tags = repo.tags
    plans, specs = [], []
    for p in coll.papers:
        fh = p.history
        if fh is None:
            if repo.log is None:
                repo.read_log()
            fh = repo.get(p.path)
        older = fh.commits if fh.uncommitted else fh.commits[1:]  # as resolve_versions
        ptags = tags.get(p.path, [])[::-1]
        if not ptags and not older:
            continue
        names = [p.path, *_previous(repo, fh)]
        specs += [(rev, n) for rev in [t.commit for t in ptags] + [c.sha for c in older[:1]] for n in names]
        plans.append((p, fh, names, ptags, older))
    blobs = repo.blobs(specs)

    def at(rev: str, names: list[str]) -> bytes | None:
        return next((b for n in names if (b := blobs.get((rev, n))) is not None), None)

    out = {}
    for p, fh, names, ptags, older in plans:
        try:
            raw = (root / p.path).read_bytes()
        except OSError:
            continue
        before = next((Version(t.name, t.commit, b) for t in ptags if (b := at(t.commit, names)) not in (None, raw)),
                      None)
        if before is None and older:
            b = at(older[0].sha, names)
            if b is None:  # its last commit deleted it: the slow path walks further back
                versions = resolve_versions(root, p.path, repo=repo)
                before = versions[0] if versions else None
            else:
                before = Version(older[0].label, older[0].sha, b)
        if before is None:
            continue
        to = WORKTREE if fh.uncommitted or not fh.commits else fh.commits[0].label
        out[p.path] = compare(p.path, before, Version(to, None, raw), title=coll.title_of(p))
    return out


def redline_html_fragment(root: Path, coll, paper_path: str, from_rev: str | None = None,
                          to_rev: str | None = None) -> str | None:
    """Sanitized HTML fragment of a paper's redline for the site; None without an earlier version.

    Defaults as `issuepapers diff`: against the latest publish tag, else the
    previous commit. Outside a git repository there is no earlier version.
    """
    root = Path(root)
    repo = repository_of(coll, root) if coll is not None else Repository.open(root)
    if not repo.in_git:
        return None
    rl = redline(root, coll, paper_path, from_rev, to_rev, repo=repo)
    return to_html_fragment(rl) if rl is not None else None


__all__ = ["Block", "MetaChange", "Ops", "Redline", "SectionDiff", "Version", "WORKTREE", "compare", "css",
           "diff_blocks", "diff_meta", "diff_sections", "html_blocks", "redline", "redline_html_fragment",
           "redlines", "resolve_versions", "split_sections", "text_blocks", "to_html_fragment", "to_html_page",
           "to_json", "to_pdf", "to_text", "word_ops", "DEL_CLOSE", "DEL_OPEN", "INS_CLOSE", "INS_OPEN"]
