"""Publish tags for the workflow: names (from `history.tags`) and "Revision N" of the working tree.

The tags are read by the history layer (`history.tags`, one `for-each-ref`,
kept by the repository reading `coll.history`). Two views of "Revision N",
kept apart on purpose:

- `revisions` / `revision_of` (here) are the *working tree's*: what `issuepapers
  pdf` prints on a paper as it is now, N+1 for a published paper edited since vN
  (the publication under way, which `publish` will tag N+1);
- the site shows `published.public_record(…).revisions`: N of the version it
  shows (the tag's), never N+1 for an edit nobody published; the preview marks
  such an edit with `in_preparation` (N+1) instead.
"""

from __future__ import annotations

from pathlib import Path

from ..history import (
    ARCHIVE,
    TAG_PREFIX,
    PublishTag,
    Repository,
    archive_path,
    repository_of,
    tag_name,
)


def publish_tags(root: Path) -> dict[str, list[PublishTag]]:
    """Every publish tag of the repository by paper path, oldest revision first (one git call)."""
    return Repository.open(root).tags


def latest_tag(root: Path, paper_path: str) -> PublishTag | None:
    return Repository.open(root).latest_tag(paper_path)


def revisions(root: Path, coll) -> dict[str, int]:
    """`revision_of` (the working tree's revision) for every paper of a collection, from the
    repository reading the collection carries (no git process per paper).

    Not for the site: see `published.public_record`.
    """
    return repository_of(coll, root).working_revisions(coll.papers)


def revision_of(root: Path, paper_path: str) -> int | None:
    """The paper's revision number, for "Revision N" in print and on the site.

    N of its latest publish tag when the paper is unchanged since; N + 1 when it
    has `status: published` and differs from that tag (a publication under way:
    `publish` renders the PDF after its commit and before its tag, and the PDF
    must already say the revision the tag will record). None when the paper has
    no publish tag and is not published.
    """
    from ..load import parse
    from ..model import Paper

    root = Path(root)
    try:
        raw = (root / paper_path).read_bytes()
    except OSError:
        raw = b""
    src = parse(paper_path, raw)
    paper = Paper.from_source(src) if src.data is not None else None
    if paper is None:
        tag = latest_tag(root, paper_path)
        return tag.number if tag else None
    return Repository.open(root).working_revisions([paper]).get(paper_path)


__all__ = ["ARCHIVE", "TAG_PREFIX", "PublishTag", "archive_path", "latest_tag", "publish_tags", "revision_of",
           "revisions", "tag_name"]
