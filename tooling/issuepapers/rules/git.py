"""Git rules: what the repository's history says about the documents.

No rule reads git or a file: `check_collection` has the history layer read what they
judge first (`history.prepare_checks`: the published papers' bytes at their
latest publish tags), and the rules read it from the repository reading the
collection carries (`coll.history`). Without a git repository (or without git)
there is nothing read, and they find nothing. The CODEOWNERS file is read
with the collection (`coll.codeowners`).
"""

from __future__ import annotations

from ..diagnostics import WARNING
from . import rule


@rule("published-changed-without-revision", WARNING, ("collection",))
def published_changed(coll, only=None):
    """A published paper's body is unchanged after its last publish tag, until it is published again."""
    # Only the papers being checked: `check PATH` on a draft then reads no git at all.
    published = [p for p in coll.papers if p.status == "published" and (only is None or p.path in only)]
    if not published:
        return
    repo = coll.history
    if repo is None or not getattr(repo, "tags_read", False):
        return  # git was not read (outside git, or a repository git cannot read)
    from ..load import parse

    for paper in published:
        tag = repo.latest_tag(paper.path)
        if tag is None:
            continue
        raw = repo.peek(tag.commit, paper.path)  # read by `history.prepare_checks`, never here
        if raw is None:
            continue
        old = parse(paper.path, raw)
        if old.data is not None and old.body != paper.body:
            yield paper.path, (paper.source.body_line, 1), \
                f"the body changed after it was published as {tag.name}", \
                (f"publish a new revision (`issuepapers publish {paper.path}`), "
                 f"or see the changes with `issuepapers diff {paper.path}`")


@rule("codeowners-stale", WARNING, ("collection",))
def codeowners_stale(coll):
    """CODEOWNERS, when there is one, names each working group's leads from committee.yml."""
    if coll.codeowners is None:
        return
    from ..codeowners import stale

    path, text = coll.codeowners
    found = stale(text, coll.registry)
    if found:
        line, message = found
        yield path, (line, 1), message, "run `issuepapers codeowners`"
