"""Registry rules: ids named in documents must exist in committee.yml and agree."""

from __future__ import annotations

from ..diagnostics import ERROR, WARNING
from ..fields import did_you_mean, month_of, slug
from . import rule


def _bare(name: str) -> str:
    low = " ".join(name.casefold().split())
    for suffix in (" working group", " subcommittee", " wg"):
        low = low.removesuffix(suffix)
    return low


def id_for_name(key: str, value: str, registry) -> str | None:
    """A hint naming the id where a name was written (`'Secure Trade Lanes'` → `secure-trade-lanes`)."""
    if not isinstance(value, str) or not value.strip():
        return None
    if key == "meeting":
        wanted = " ".join(value.casefold().replace(",", " ").split())
        for m in registry.meetings_sorted():
            if wanted in (m.label.casefold(), m.date.strftime("%b %Y").casefold(), m.date.isoformat()):
                return f"write the meeting's id, not its name: `meeting: {m.id}` ({m.label})"
        return None
    table = registry.subcommittees if key == "subcommittee" else registry.working_groups
    bare = _bare(value)
    for item_id, item in table.items():
        if bare in (_bare(item.name), _bare(item_id.replace("-", " "))) or slug(value) == item_id:
            return f"write the id, not the name: `{key}: {item_id}` (the {item.full_name})"
    return None


@rule("registry-unknown-subcommittee", ERROR)
def subcommittee_known(doc, coll):
    """`subcommittee` must name a subcommittee of committee.yml."""
    sc = doc.subcommittee
    if sc and sc not in coll.registry.subcommittees:
        yield doc.source.at("subcommittee"), f"unknown subcommittee {sc!r}", \
            id_for_name("subcommittee", sc, coll.registry) or did_you_mean(sc, coll.registry.subcommittees) \
            or "see `subcommittees:` in committee.yml"


@rule("registry-unknown-working-group", ERROR)
def working_group_known(doc, coll):
    """`working_group` must name a working group of `subcommittee` in committee.yml."""
    wg, sc = doc.working_group, doc.subcommittee
    if not wg:
        return
    found = coll.registry.working_groups.get(wg)
    if found is None:
        yield doc.source.at("working_group"), f"unknown working group {wg!r}", \
            id_for_name("working_group", wg, coll.registry) or did_you_mean(wg, coll.registry.working_groups) \
            or "see `working_groups:` in committee.yml"
    elif sc in coll.registry.subcommittees and found.subcommittee != sc:
        yield doc.source.at("working_group"), \
            f"working group {wg!r} belongs to subcommittee {found.subcommittee!r}, not {sc!r}", \
            f"set `subcommittee: {found.subcommittee}`"


@rule("registry-unknown-meeting", ERROR)
def meeting_known(doc, coll):
    """`meeting` must name a public meeting of committee.yml, by id or by its month (YYYY-MM)."""
    value = doc.values.get("meeting")
    if value is None or coll.registry.meeting(value) is not None:
        return
    months = [m.id for m in coll.registry.meetings_sorted()]
    hint = id_for_name("meeting", value, coll.registry) or did_you_mean(value, months)
    if not hint:
        if month_of(value) is None:
            hint = "write the meeting as YYYY-MM, e.g. 2024-03"
        else:
            hint = f"known meetings: {', '.join(months[-6:])}; add the meeting to committee.yml first"
    yield doc.source.at("meeting"), f"no public meeting {value!r} in committee.yml", hint


@rule("working-group-inactive", WARNING, ("paper",))
def working_group_active(doc, coll):
    """A paper should be for a working group that was active at its meeting (not on hiatus or concluded)."""
    wg, meeting = coll.working_group_of(doc), coll.meeting_of(doc)
    if wg is None or meeting is None:
        return
    change = wg.state_on(meeting.date)
    if change is not None and change.state != "active":
        yield doc.source.at("working_group"), \
            f"working group {wg.id!r} was {change.state} from {change.since.isoformat()}, " \
            f"before the {meeting.label} meeting", "check the meeting, or the working group's lifecycle"


@rule("meeting-term-mismatch", WARNING, ("recommendation",))
def meeting_in_term(doc, coll):
    """A recommendation's `meeting` should belong to its `term`."""
    meeting = coll.meeting_of(doc)
    if meeting and meeting.term is not None and doc.term is not None and meeting.term != doc.term:
        yield doc.source.at("meeting"), \
            f"meeting {meeting.id} is in term {meeting.term}, not term {doc.term}", None
