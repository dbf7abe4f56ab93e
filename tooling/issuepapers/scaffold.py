"""`new`: documents scaffolded from templates/scaffolds, never over an existing file."""

from __future__ import annotations

from pathlib import Path

import jinja2

from .errors import UsageError
from .fields import MONTH_RE, PLACEHOLDER, REC_ID_RE, did_you_mean
from .fsutil import atomic_write
from .model import Collection
from .registry import Registry, WorkingGroup

def _env(root: Path, reg: Registry) -> jinja2.Environment:
    """templates/scaffolds: the committee's files first, then the package's."""
    from .assets import templates_for

    return templates_for(root, reg).jinja("scaffolds", autoescape=False, keep_trailing_newline=True,
                                          undefined=jinja2.StrictUndefined)


def _working_group(reg: Registry, wg_id: str) -> WorkingGroup:
    wg = reg.working_groups.get(wg_id)
    if wg is None:
        raise UsageError(f"unknown working group {wg_id!r}",
                         did_you_mean(wg_id, reg.working_groups) or
                         f"known: {', '.join(sorted(reg.working_groups))}")
    return wg


def _write_new(path: Path, text: str, scaffold: str) -> Path:
    from .posts import ensure_readable

    ensure_readable(text, f"templates/scaffolds/{scaffold}")
    if path.exists():
        raise UsageError(f"{path} already exists; not overwriting it", "edit it, or pick another meeting")
    atomic_write(path, text.encode("utf-8"))
    return path


def new_paper(root: Path, reg: Registry, wg_id: str, meeting_value: str) -> Path:
    wg = _working_group(reg, wg_id)
    meeting = reg.meeting(meeting_value)
    if meeting is None:
        hint = "write the meeting as YYYY-MM" if not MONTH_RE.match(meeting_value) else \
            "add the meeting to committee.yml first"
        raise UsageError(f"no public meeting {meeting_value!r} in committee.yml", hint)
    text = _env(root, reg).get_template("paper.md.j2").render(
        subcommittee=reg.subcommittees[wg.subcommittee], working_group=wg, meeting=meeting,
        committee=reg.committee)
    return _write_new(root / "papers" / wg.id / f"{meeting.month}.md", text, "paper.md.j2")


def next_recommendation_id(coll: Collection, term: int) -> str:
    """One past the highest number used in `term`, by ids and by file names (broken files too)."""
    used = {0}
    names = [Path(d.path).stem for d in coll.recommendations] + [Path(s.path).stem for s in coll.broken]
    for candidate in names + [r.id or "" for r in coll.recommendations]:
        m = REC_ID_RE.match(candidate)
        if m and int(m.group(1)) == term:
            used.add(int(m.group(2)))
    return f"{term}-{max(used) + 1:03d}"


def new_recommendation(root: Path, coll: Collection, wg_id: str, term: int | None, title: str | None) -> Path:
    reg = coll.registry
    wg = _working_group(reg, wg_id)
    term = term if term is not None else reg.committee.current_term
    if term is None:
        raise UsageError("no term given and committee.yml has no current_term", "pass --term N")
    rid = next_recommendation_id(coll, term)
    text = _env(root, reg).get_template("recommendation.md.j2").render(
        id=rid, term=term, title=title or f"{PLACEHOLDER}: title of the recommendation",
        subcommittee=reg.subcommittees[wg.subcommittee], working_group=wg)
    return _write_new(root / "recommendations" / str(term) / f"{rid}.md", text, "recommendation.md.j2")
