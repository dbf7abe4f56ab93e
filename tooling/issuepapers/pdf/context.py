"""Model → what the PDF templates print: labels, the run-in body, metadata, timestamps.

No WeasyPrint here: this runs in the parent process, is cheap, and its output
(the HTML) is what the incremental cache hashes.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from functools import lru_cache
from pathlib import Path

from .. import __version__
from ..markdown_reading import Reading, read_html
from ..model import Collection, Paper

LANG = "en-US"
FINAL_STATUSES = frozenset({"final", "published"})
FALLBACK_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
GENERATOR = f"issuepapers {__version__}"


def long_date(day: dt.date) -> str:
    """January 25, 2024."""
    return f"{day:%B} {day.day}, {day.year}"


def is_draft(paper: Paper, draft: bool = False) -> bool:
    return draft or paper.status not in FINAL_STATUSES


def body_html(markdown_text: str, shift: int = 0, reading: Reading | None = None) -> str:
    """Sanitized HTML with `##` sections as run-in bold labels; headings shifted by `shift` levels.

    The body is rendered once, by its reading (`reading`: the paper's own, whose
    rendering `check` may have made already), and its headings are those the
    reading finds in that HTML: a `##` section directly followed by a paragraph
    becomes the seeds' run-in label ("Background: text…").
    """
    reading = reading if reading is not None else Reading(markdown_text)
    html = reading.html
    headings = reading.outline.headings
    if not headings:
        return html
    run_in_level, out, pos = 2 + shift, [], 0
    for h in headings:
        level = min(6, h.level + shift)
        attrs, inner = html[h.start + 3:h.open_end - 1], html[h.open_end:h.close]  # after `<hN`, between the tags
        out.append(html[pos:h.start])
        after = len(html) - len(html[h.end:].lstrip()) if level == run_in_level else -1
        if after != -1 and html.startswith("<p>", after):
            close = html.find("</p>", after)
            close = close + 4 if close != -1 else len(html)
            out.append(f'<div class="run-in-block"><h{level}{attrs} class="run-in">{inner}</h{level}>\n'
                       f"{html[after:close]}</div>")
            pos = close
        else:
            out.append(f"<h{level}{attrs}>{inner}</h{level}>")
            pos = h.end
    out.append(html[pos:])
    return "".join(out)


def images_without_alt(html: str) -> list[str]:
    """The `src` of every <img> with no (or an empty) alt text."""
    return [img.src for img in read_html(html).images if not (img.alt or "").strip()]


def local_sources(html: str) -> list[str]:
    """Relative or file: image sources, for the cache key."""
    return [img.src for img in read_html(html).images if img.src and not img.src.startswith("data:")]


def timestamp(paper: Paper, coll: Collection, fallback: dt.datetime | None = None) -> dt.datetime:
    """When the paper last changed: its last commit; else `fallback`; else HEAD's commit; else a fixed epoch.

    Each PDF is stamped from its own paper's commit, so an unrelated commit never
    changes it. A caller that prints a version frozen at some commit (a publish
    tag) passes that commit's date explicitly instead of calling this; a build
    may pass its own clock as `fallback` for papers that were never committed.
    Nothing here reads the environment: SOURCE_DATE_EPOCH is the caller's to
    read and pass in.
    """
    modified = getattr(getattr(paper, "history", None), "modified", None)
    if isinstance(modified, dt.datetime):
        return modified
    if fallback is not None:
        return fallback
    history = getattr(coll, "history", None)
    if history is not None and getattr(history, "root", None) is not None:
        head = history.last_commit_date()  # the repository reading's HEAD date (read once, then kept)
        if isinstance(head, dt.datetime):
            return head
    return FALLBACK_EPOCH


def w3c(moment: dt.datetime) -> str:
    moment = moment.astimezone(dt.timezone.utc).replace(microsecond=0)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


LOGO_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}


def logo_file(root: Path, coll: Collection) -> Path | None:
    """committee.yml's `logo` (a file inside the repository), else the template chain's logo slot."""
    named = coll.registry.committee.logo
    if named:
        path = (Path(root) / named).resolve()
        if not path.is_relative_to(Path(root).resolve()) or not path.is_file():
            from ..assets import TemplateMissing

            raise TemplateMissing(f"committee.yml: logo {named!r} is not a file in the repository",
                                  "fix `committee.logo`, or remove it to use templates/assets/logo.svg")
        return path
    from ..assets import templates_for

    return templates_for(root, coll.registry).logo()


@lru_cache(maxsize=8)
def _data_url(path: Path, size: int, mtime: float) -> str:  # noqa: ARG001 (cache key)
    mime = LOGO_TYPES.get(path.suffix.lower(), "application/octet-stream")
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def logo_of(root: Path, coll: Collection, base_dir: Path | None = None) -> str | None:  # noqa: ARG001
    """The logo as a data: URL: the HTML (and so the PDF) is the same wherever the package is installed."""
    path = logo_file(root, coll)
    if path is None:
        return None
    st = path.stat()
    return _data_url(path, st.st_size, st.st_mtime)


def anchor_of(path: str) -> str:
    return "paper-" + re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-")


def month_label(paper: Paper, coll: Collection) -> str:
    meeting = coll.meeting_of(paper)
    if meeting:
        return meeting.label
    value = paper.meeting_value or ""
    try:
        return dt.datetime.strptime(value, "%Y-%m").strftime("%B %Y")
    except ValueError:
        return value


def revisions_of(root: Path, coll: Collection) -> dict[str, int]:
    """"Revision N" of every paper as the working tree is now, from the repository reading the collection
    carries (`history.Repository.working_revisions`: its tags and its persistent cat-file); {} when git
    cannot say."""
    from ..history import GitError, repository_of

    try:
        return repository_of(coll, root).working_revisions(coll.papers)
    except GitError:  # a repository git cannot read: no revision line, never a failed render
        return {}


def paper_context(root: Path, coll: Collection, paper: Paper, *, draft: bool = False,
                  level: int = 1, base_dir: Path | None = None, revision: int | None = None) -> dict:
    """Everything `_article.html.j2` prints for one paper (`revision`: from `revisions_of`)."""
    reg = coll.registry
    sc, wg = coll.subcommittee_of(paper), coll.working_group_of(paper)
    signer = paper.signer
    base_dir = base_dir or (root / paper.path).parent
    old = coll.by_path.get(paper.supersedes or "")
    new = coll.by_path.get(paper.superseded_by or "")
    return {
        "anchor": anchor_of(paper.path),
        "path": paper.path,
        "lang": LANG,
        "draft": is_draft(paper, draft),
        "committee": reg.committee.name,
        "agency": reg.committee.agency,
        "subcommittee": sc.full_name if sc else None,
        "working_group": wg.full_name if wg else None,
        "month": month_label(paper, coll),
        "logo": logo_of(root, coll, base_dir),
        "logo_alt": f"{reg.committee.agency or reg.committee.name} logo",
        "office": paper.get("office"),
        "pub_number": paper.get("pub_number"),
        "revision": revision if revision and revision >= 1 else None,
        "title": coll.title_of(paper),
        "level": level,
        "action": (paper.action_required or "").capitalize(),
        "supersedes": _lineage_label(coll, old) if old else None,
        "superseded_by": _lineage_label(coll, new) if new else None,
        "body_html": body_html(paper.body, shift=level - 1, reading=paper.reading),
        "signer_label": signer.label if signer else None,
        "signer": str(signer) if signer else None,
        "date": long_date(paper.date) if paper.date else None,
    }


def _lineage_label(coll: Collection, paper) -> str:
    return f"{coll.title_of(paper)}, {month_label(paper, coll)}"


def paper_metadata(coll: Collection, paper: Paper, ctx: dict, moment: dt.datetime) -> dict:
    """Title, author, subject, keywords and dates for the PDF's Info dictionary and XMP."""
    reg = coll.registry
    title = f"{ctx['title']}, {ctx['month']}"
    if ctx["pub_number"]:
        title += f" (Pub #{ctx['pub_number']})"
    if ctx["draft"]:
        title = f"DRAFT: {title}"
    signer = paper.signer
    authors = [p.name + (f", {p.office}" if p.office else "") for p in signer.people] if signer else []
    if not authors:
        authors = [ctx["working_group"] or reg.committee.name]
    parts = [x for x in (ctx["subcommittee"], ctx["working_group"]) if x]
    subject = f"{reg.committee.name} Government Issue Paper" + (f": {', '.join(parts)}" if parts else "") \
        + f", {ctx['month']}"
    keywords = [k for k in (reg.committee.short_name, "Government Issue Paper", *paper.tags) if k]
    stamp = w3c(moment)
    return metadata_text({"title": title, "authors": authors, "subject": subject, "keywords": keywords,
                          "generator": GENERATOR, "created": stamp, "modified": stamp})


def metadata_text(meta: dict) -> dict:
    """PDF metadata (Info and XMP) on single lines without control characters: XMP is XML."""
    from ..fields import one_line

    return {k: ([one_line(x) for x in v] if isinstance(v, list) else one_line(v) if isinstance(v, str) else v)
            for k, v in meta.items()}
