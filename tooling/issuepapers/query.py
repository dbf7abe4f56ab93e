"""`list`: the collection filtered, as rows shared by the table and JSON outputs."""

from __future__ import annotations

from typing import Any

from .model import Collection, Document, Paper


def matches(doc: Document, coll: Collection, kind=None, status=None, subcommittee=None,
            working_group=None, meeting=None) -> bool:
    if kind and doc.KIND != kind:
        return False
    if status and doc.status != status:
        return False
    if subcommittee and doc.subcommittee != subcommittee:
        return False
    if working_group and doc.working_group != working_group:
        return False
    if meeting:
        m = coll.meeting_of(doc)
        if m is None or meeting not in (m.id, m.month):
            return False
    return True


def row(doc: Document, coll: Collection) -> dict[str, Any]:
    """The document's summary, with dates as ISO strings."""
    meeting = coll.meeting_of(doc)
    base = {"kind": doc.KIND, "path": doc.path, "status": doc.status,
            "subcommittee": doc.subcommittee, "working_group": doc.working_group,
            "meeting": meeting.id if meeting else doc.values.get("meeting")}
    if isinstance(doc, Paper):
        base.update(title=coll.title_of(doc), action_required=doc.action_required,
                    date=doc.date.isoformat() if doc.date else None, pub_number=doc.get("pub_number"),
                    recommendations=doc.recommendations, supersedes=doc.supersedes,
                    superseded_by=doc.superseded_by)
    else:
        base.update(id=doc.id, title=doc.title, term=doc.term, agency_status=doc.agency_status,
                    agency_response_date=doc.agency_response_date.isoformat()
                    if doc.agency_response_date else None, papers=doc.papers,
                    supersedes=doc.supersedes, superseded_by=doc.superseded_by)
    return base


def select(coll: Collection, **filters) -> list[dict[str, Any]]:
    return [row(d, coll) for d in coll.documents() if matches(d, coll, **filters)]
