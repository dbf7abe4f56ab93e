"""Path rules: where a document lives agrees with what it says."""

from __future__ import annotations

from ..diagnostics import ERROR
from ..fields import REC_ID_RE
from . import rule


_MONTHS: dict[int, tuple] = {}  # id(meeting) -> (meeting, its YYYY-MM): a few hundred meetings, thousands of papers


def _month(meeting) -> str:
    """`meeting.month`, worked out once per meeting (meetings are frozen)."""
    hit = _MONTHS.get(id(meeting))
    if hit is None or hit[0] is not meeting:
        hit = _MONTHS[id(meeting)] = (meeting, meeting.month)
    return hit[1]


@rule("path-convention", ERROR, ("paper",))
def paper_path(doc, coll):
    """A paper lives at papers/<working_group>/<YYYY-MM of its meeting>.md."""
    meeting = coll.meeting_of(doc)
    wg = doc.working_group
    if not wg or meeting is None or wg not in coll.registry.working_groups:
        return  # an unknown working group is `registry-unknown-working-group`'s: no move into a typo's folder
    expected = f"papers/{wg}/{_month(meeting)}.md"
    if doc.path == expected:
        return
    parts = doc.path.split("/")
    folder = parts[1] if len(parts) == 3 and parts[0] == "papers" else None
    if folder is not None and folder != wg:
        known = coll.registry.working_groups.get(folder)
        if known is not None:  # the folder names a working group: most likely `working_group` is the slip
            hint = (f"if this is a paper of the {known.full_name}, set `working_group: {folder}`"
                    + (f" (and `subcommittee: {known.subcommittee}`)" if known.subcommittee != doc.subcommittee
                       else "") + f"; otherwise move it: git mv {doc.path} {expected}")
        else:
            hint = f"move it to the folder of its working group: git mv {doc.path} {expected}"
        yield doc.source.at("working_group"), \
            f"a paper of {wg!r} is in the folder papers/{folder}/; it belongs at {expected}", hint
        return
    yield doc.source.at("meeting"), \
        f"a paper for the {meeting.label} meeting belongs at {expected}", \
        (f"if the meeting is right, rename the file: git mv {doc.path} {expected}; "
         f"if the file name is right, change `meeting`")


@rule("recommendation-path", ERROR, ("recommendation",))
def recommendation_path(doc, coll):
    """A recommendation lives at recommendations/<term>/<id>.md, and its id starts with its term."""
    rid, term = doc.id, doc.term
    if not rid:
        return
    m = REC_ID_RE.match(rid)
    if m and term is not None and int(m.group(1)) != term:
        yield doc.source.at("id"), f"id {rid!r} does not start with its term {term}", \
            f"use `{term}-{m.group(2)}`, or fix `term`"
        return
    if term is None:
        return
    expected = f"recommendations/{term}/{rid}.md"
    if doc.path != expected:
        yield doc.source.at("id"), f"recommendation {rid!r} belongs at {expected}", \
            f"git mv {doc.path} {expected}"


@rule("duplicate-recommendation-id", ERROR, ("collection",))
def unique_ids(coll):
    """Recommendation ids are unique across the repository."""
    first: dict[str, str] = {}
    for r in coll.recommendations:
        if not r.id:
            continue
        if r.id in first:
            yield r.path, r.source.at("id"), f"recommendation id {r.id!r} is also used by {first[r.id]}", \
                "give this recommendation the next free number"
        else:
            first[r.id] = r.path
