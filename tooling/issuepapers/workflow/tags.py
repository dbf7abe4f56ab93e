"""Publish tags: `papers/<working-group>/<YYYY-MM>/v<N>`, one per publication of a paper.

A tag's name is its paper's path without `.md`, plus `/v<N>`; N counts the
publications of that paper (1, 2, …). The tags are the record of what was
published: `publish` adds them, the `published-changed-without-revision` rule
reads them, and `published` (the frozen public record) shows and prints each
paper as its latest tag froze it.

Two views of "Revision N", kept apart on purpose:

- `revisions` / `revision_of` (here) are the *working tree's*: what `issuepapers
  pdf` prints on a paper as it is now, N+1 for a published paper edited since vN
  (the publication under way, which `publish` will tag N+1);
- the site shows `published.public_record(…).revisions`: N of the version it
  shows (the tag's), never N+1 for an edit nobody published; the preview marks
  such an edit with `in_preparation` (N+1) instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from . import git

TAG_PREFIX = "papers/"
_TAG = re.compile(r"^(papers/.+)/v([1-9][0-9]*)$")


@dataclass(frozen=True)
class PublishTag:
    name: str  # papers/<wg>/<YYYY-MM>/v<N>
    paper: str  # papers/<wg>/<YYYY-MM>.md
    number: int  # N
    commit: str  # the commit it points at
    date: str  # the tagger date, ISO 8601
    subject: str  # first line of its message


# Where `publish` keeps each published PDF, in the commit its tag points at: the public record's
# bytes travel with every clone, and a later issuepapers (other fonts, other templates) that would
# print other bytes still publishes these.
ARCHIVE = "published"


def archive_path(paper_path: str, number: int) -> str:
    """"papers/wg/2024-03.md", 2 → "published/wg/2024-03/v2.pdf"."""
    return f"{ARCHIVE}/{paper_path.removeprefix('papers/').removesuffix('.md')}/v{number}.pdf"


def tag_name(paper_path: str, number: int) -> str:
    """"papers/wg/2024-03.md", 2 → "papers/wg/2024-03/v2"."""
    return f"{paper_path.removesuffix('.md')}/v{number}"


def publish_tags(root: Path) -> dict[str, list[PublishTag]]:
    """Every publish tag of the repository by paper path, oldest revision first (one git call)."""
    if not git.in_repository(root):
        return {}
    fmt = "%(refname:strip=2)%00%(*objectname)%00%(objectname)%00%(creatordate:iso-strict)%00%(contents:subject)"
    text = git.out(root, "for-each-ref", f"--format={fmt}", f"refs/tags/{TAG_PREFIX}")
    found: dict[str, list[PublishTag]] = {}
    for line in text.splitlines():
        name, peeled, obj, date, subject = (line.split("\0") + [""] * 5)[:5]
        m = _TAG.match(name)
        if not m:
            continue
        paper = m.group(1) + ".md"
        found.setdefault(paper, []).append(PublishTag(name, paper, int(m.group(2)), peeled or obj, date, subject))
    for tags in found.values():
        tags.sort(key=lambda t: t.number)
    return found


def latest_tag(root: Path, paper_path: str) -> PublishTag | None:
    tags = publish_tags(root).get(paper_path)
    return tags[-1] if tags else None


def revisions(root: Path, coll) -> dict[str, int]:
    """`revision_of` (the working tree's revision) for every paper of a collection, in a few git processes.

    Not for the site: see `published.public_record`.
    """
    root = Path(root)
    tags = publish_tags(root)
    latest = {p: t[-1] for p, t in tags.items()}
    published = [p for p in coll.papers if p.status == "published"]
    then = git.blobs(root, [(latest[p.path].commit, p.path) for p in published if p.path in latest])
    out: dict[str, int] = {}
    for paper in coll.papers:
        tag = latest.get(paper.path)
        number = tag.number if tag else 0
        if paper.status == "published":
            before = then.get((tag.commit, paper.path)) if tag else None
            if before is None or before != _bytes(root / paper.path):
                number += 1  # published, and not (yet) tagged as it is now: the publication under way
        if number:
            out[paper.path] = number
    return out


def revision_of(root: Path, paper_path: str) -> int | None:
    """The paper's revision number, for "Revision N" in print and on the site.

    N of its latest publish tag when the paper is unchanged since; N + 1 when it
    has `status: published` and differs from that tag (a publication under way:
    `publish` renders the PDF after its commit and before its tag, and the PDF
    must already say the revision the tag will record). None when the paper has
    no publish tag and is not published.
    """
    root = Path(root)
    tag = latest_tag(root, paper_path)
    number = tag.number if tag else 0
    from ..load import parse

    raw = _bytes(root / paper_path)
    src = parse(paper_path, raw or b"")
    if (src.data or {}).get("status") == "published":
        before = git.blob(root, tag.commit, paper_path) if tag else None
        if before is None or before != raw:
            number += 1
    return number or None


def _bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None
