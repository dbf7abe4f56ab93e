"""papers.json, recommendations.json and schema.json: the machine-readable index of the site."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from ..model import Document, Paper

if TYPE_CHECKING:  # pragma: no cover
    from .pages import Generator

FORMAT_VERSION = 1


def plain(value: Any) -> Any:
    """Model values as JSON: dates as ISO strings, mappings and lists recursively."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def fields(doc: Document) -> dict:
    """The document's values in the schema's order, whatever order its author wrote them in."""
    return {k: plain(doc.values[k]) for k in doc.FIELDS if k in doc.values}


def history(doc: Document) -> dict | None:
    h = doc.history
    if h is None:
        return None
    return {"created": plain(h.created), "modified": plain(h.modified), "revisions": h.revisions,
            "authors": h.authors, "uncommitted": h.uncommitted}


def paper_record(gen: "Generator", p: Paper) -> dict:
    from .pages import pdf_uri, redline_uri

    meeting = gen.coll.meeting_of(p)
    rec = {"path": p.path, "url": gen.absolute(p.path), **fields(p)}
    rec.update({
        "title": gen.coll.title_of(p),  # the resolved title (the working group's name by default)
        "meeting_id": meeting.id if meeting else None,
        "meeting_date": plain(meeting.date) if meeting else None,
        "superseded_by": p.superseded_by,
        "cited_by": list(p.cited_by),
        "pdf": gen.absolute(pdf_uri(p.path)) if pdf_uri(p.path) in gen.site.external else None,
        "redline": gen.absolute(redline_uri(p.path)) if p.path in gen.opts.redlines else None,
        "revision": gen.opts.revisions.get(p.path),
        "history": history(p),
    })
    return rec


def rec_record(gen: "Generator", r) -> dict:
    rec = {"path": r.path, "url": gen.absolute(r.path), **fields(r)}
    rec.update({"papers": list(r.papers), "superseded_by": r.superseded_by, "history": history(r)})
    return rec


def _dump(obj: Any) -> bytes:
    return (json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=False) + "\n").encode("utf-8")


def _envelope(gen: "Generator", key: str, items: list) -> dict:
    c = gen.reg.committee
    return {"format": FORMAT_VERSION, "committee": {"name": c.name, "short_name": c.short_name,
                                                    "agency": c.agency},
            "schema": "schema.json", "count": len(items), key: items}


def papers_json(gen: "Generator") -> bytes:
    return _dump(_envelope(gen, "papers", [paper_record(gen, p) for p in gen.coll.papers]))


def recommendations_json(gen: "Generator") -> bytes:
    return _dump(_envelope(gen, "recommendations", [rec_record(gen, r) for r in gen.coll.recommendations]))


def schema_json(gen: "Generator") -> bytes:
    """The front-matter JSON Schema, as `issuepapers schema` prints it."""
    from ..schema import schema

    return _dump(schema(gen.reg))
