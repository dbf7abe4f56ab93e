"""Git rules: what the repository's history says about the documents.

Both are collection rules that need the repository folder and git; without a
git repository (or without git) they find nothing.
"""

from __future__ import annotations

from pathlib import Path

from ..diagnostics import WARNING
from . import rule


def _root_of(coll) -> Path | None:
    """The committee folder the collection was loaded from."""
    return Path(coll.root) if coll.root is not None else None


@rule("published-changed-without-revision", WARNING, ("collection",))
def published_changed(coll, only=None):
    """A published paper's body is unchanged after its last publish tag, until it is published again."""
    # Only the papers being checked: `check PATH` on a draft then reads no git at all.
    published = [p for p in coll.papers if p.status == "published" and (only is None or p.path in only)]
    if not published:
        return
    root = _root_of(coll)
    if root is None:
        return
    from ..load import parse
    from ..workflow import git
    from ..workflow.tags import publish_tags

    try:
        tags = publish_tags(root)
        wanted = [(tags[p.path][-1].commit, p.path) for p in published if p.path in tags]
        then = git.blobs(root, wanted)
    except Exception:  # noqa: BLE001 — no git, a broken repository: this rule has nothing to say
        return
    for paper in published:
        if paper.path not in tags:
            continue
        tag = tags[paper.path][-1]
        raw = then.get((tag.commit, paper.path))
        if raw is None:
            continue
        old = parse(paper.path, raw)
        if old.data is not None and old.body != paper.body:
            yield paper.path, (paper.source.body_line, 1), \
                f"the body changed after it was published as {tag.name}", \
                f"publish a new revision (`issuepapers publish {paper.path}`), " \
                f"or see the changes with `issuepapers diff {paper.path}`"


@rule("codeowners-stale", WARNING, ("collection",))
def codeowners_stale(coll):
    """CODEOWNERS, when there is one, names each working group's leads from committee.yml."""
    root = _root_of(coll)
    if root is None:
        return
    from ..workflow import codeowners

    path = codeowners.find(root)
    if path is None:
        return
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return
    found = codeowners.stale(text, coll.registry)
    if found:
        line, message = found
        yield path.relative_to(root).as_posix(), (line, 1), message, "run `issuepapers codeowners`"
