"""Publish tags: `papers/<working-group>/<YYYY-MM>/v<N>`, one per publication of a paper, read in one
`git for-each-ref` with their commits, dates and messages.

A tag's name is its paper's path without `.md`, plus `/v<N>`; N counts the
publications of that paper (1, 2, …). `publish` makes them (annotated, the
message recording `PDF-SHA256: …`); everything else reads them from the
repository reading (`Repository.tags`): the frozen public record, "Revision N",
the redlines, the `published-changed-without-revision` rule, `history`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from . import raw
from .errors import GitError

TAG_PREFIX = "papers/"
# Where `publish` keeps each published PDF, in the commit its tag points at: the public record's
# bytes travel with every clone, and a later issuepapers (other fonts, other templates) that would
# print other bytes still publishes these.
ARCHIVE = "published"

_TAG = re.compile(r"^refs/tags/(papers/.+)/v([1-9][0-9]{0,8})$")  # v1 … v999999999
_SHA256 = re.compile(r"^PDF-SHA256:[ \t]*([0-9a-fA-F]{64})[ \t]*$", re.MULTILINE)
# refname, object, its type, the peeled object, its type, the tag's own date, committer dates of
# the object and of the peeled object, then the whole message. Each field ends with NUL (git prints
# them as C strings: none can hold one, whatever a tag's message or tagger holds), and for-each-ref
# ends each record with a newline. Dates are raw (`<seconds> <±HHMM>`), read by `raw.date`.
_FIELDS = ("%(refname)", "%(objectname)", "%(objecttype)", "%(*objectname)", "%(*objecttype)",
           "%(creatordate:raw)", "%(committerdate:raw)", "%(*committerdate:raw)", "%(contents)")
FORMAT = "".join(f"{f}%00" for f in _FIELDS)


@dataclass(frozen=True)
class PublishTag:
    """One publication of a paper: its tag, the commit it froze, and what it recorded."""

    name: str  # papers/<wg>/<YYYY-MM>/v<N>
    paper: str  # papers/<wg>/<YYYY-MM>.md (relative to the committee folder)
    number: int  # N: "Revision N"
    commit: str  # the tagged commit
    date: str  # the tag's own date, ISO 8601 (tagger date; a lightweight tag's commit date)
    committed: dt.datetime  # the tagged commit's committer date: the stamp of its frozen PDF
    subject: str  # first line of the tag's message ("" for a lightweight tag)
    sha256: str | None  # "PDF-SHA256:" of the message; None for a tag `publish` did not make


def tag_name(paper_path: str, number: int) -> str:
    """"papers/wg/2024-03.md", 2 → "papers/wg/2024-03/v2"."""
    return f"{paper_path.removesuffix('.md')}/v{number}"


def archive_path(paper_path: str, number: int) -> str:
    """"papers/wg/2024-03.md", 2 → "published/wg/2024-03/v2.pdf"."""
    return f"{ARCHIVE}/{paper_path.removeprefix('papers/').removesuffix('.md')}/v{number}.pdf"


def read_tags(repo) -> dict[str, list[PublishTag]]:
    """Every publish tag of the GitPython `repo` by paper path, oldest revision first: one `for-each-ref`.

    Tags on anything but a commit are left out.
    """
    return parse(read_refs(repo))


def read_refs(repo) -> bytes:
    """`for-each-ref --format=FORMAT refs/tags/papers/`, as bytes (GitError when git cannot list them)."""
    from .git import run

    return run(repo, "for-each-ref", f"--format={FORMAT}", f"refs/tags/{TAG_PREFIX}",
               stdout_as_string=False, strip_newline_in_stdout=False)


def records(out: bytes | str) -> list[list[bytes]]:
    """The records of `for-each-ref --format=FORMAT` output, each a list of its raw fields."""
    if isinstance(out, str):
        out = out.encode("utf-8", "surrogateescape")
    tokens = out.split(b"\0")
    width = len(_FIELDS)
    found = []
    for start in range(0, len(tokens) - width + 1, width):
        fields = tokens[start:start + width]
        fields[0] = fields[0].lstrip(b"\n")
        if not fields[0].startswith(b"refs/"):
            raise GitError("git for-each-ref printed what it should not")
        found.append(fields)
    rest = tokens[len(found) * width:]
    if any(t.strip(b"\n") for t in rest):
        raise GitError("git for-each-ref stopped in the middle of a tag")
    return found


def parse(text: bytes | str) -> dict[str, list[PublishTag]]:
    """`for-each-ref --format=FORMAT` output → tags by paper, oldest revision first."""
    found: dict[str, list[PublishTag]] = {}
    for fields in records(text):
        ref = fields[0].decode("utf-8", "surrogateescape")
        obj, kind, peeled, peeled_kind = (f.decode("ascii", "replace") for f in fields[1:5])
        created, date, peeled_date = fields[5:8]
        message = fields[8].decode("utf-8", "replace")
        m = _TAG.match(ref)
        if not m:
            continue
        if kind == "tag" and peeled_kind == "commit":
            commit, when = peeled, peeled_date
            recorded = _SHA256.search(message)
        elif kind == "commit":  # a lightweight tag: no message of its own, nothing recorded
            commit, when, recorded, message = obj, date, None, ""
        else:
            continue
        stamp = raw.date(when) or raw.EPOCH  # a commit git can list has a date, or it is the epoch's
        own = raw.date(created) or stamp  # a tag without a tagger (or a lightweight one): its commit's
        paper = m.group(1) + ".md"
        found.setdefault(paper, []).append(PublishTag(
            m.group(1) + "/v" + m.group(2), paper, int(m.group(2)), commit, own.isoformat(), stamp,
            _subject(message), recorded.group(1).lower() if recorded else None))
    for tags in found.values():
        tags.sort(key=lambda t: t.number)
    return found


def _subject(message: str) -> str:
    """The first paragraph of a message on one line, as git's %(contents:subject)."""
    return raw.text(message.strip().split("\n\n", 1)[0]) if message.strip() else ""


__all__ = ["ARCHIVE", "TAG_PREFIX", "PublishTag", "archive_path", "read_tags", "tag_name"]
