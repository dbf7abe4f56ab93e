"""Atom feed (RFC 4287) of papers and recommendations, newest change first, dated by git."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING
from xml.etree import ElementTree as ET

from ..model import Paper

if TYPE_CHECKING:  # pragma: no cover
    from .pages import Generator

ATOM = "http://www.w3.org/2005/Atom"
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def _q(tag: str) -> str:
    return f"{{{ATOM}}}{tag}"


# Characters XML 1.0 cannot hold at all (ElementTree would write them and make the feed invalid).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _sub(parent, tag: str, text: str | None = None, **attrs) -> ET.Element:
    el = ET.SubElement(parent, _q(tag), {k: _xml(v) for k, v in attrs.items() if v is not None})
    if text is not None:
        el.text = _xml(text)
    return el


def entry_id(gen: "Generator", path: str) -> str:
    """A stable IRI per document: a tag URI (RFC 4151) on the calendar's domain."""
    from .calendar import uid_domain

    return f"tag:{uid_domain(gen)},2000:{path}"


def atom(gen: "Generator") -> bytes:
    ET.register_namespace("", ATOM)
    docs = [d for d in gen.coll.documents() if gen.doc_time(d) is not None]
    docs.sort(key=lambda d: (gen.doc_time(d), d.path), reverse=True)
    docs = docs[: gen.opts.feed_entries]
    updated = max((gen.doc_time(d) for d in docs), default=gen.opts.build_time or EPOCH)
    name = gen.reg.committee.name or "Issue papers"
    feed = ET.Element(_q("feed"))
    _sub(feed, "id", entry_id(gen, "feed"))
    _sub(feed, "title", f"{name}: papers and recommendations")
    _sub(feed, "updated", updated.isoformat())
    _sub(feed, "author").append(_name(name))
    if gen.opts.site_url:
        _sub(feed, "link", rel="self", href=gen.absolute("feed.xml"))
        _sub(feed, "link", rel="alternate", href=gen.absolute("index.md"))
    _sub(feed, "generator", "issuepapers")
    for d in docs:
        e = _sub(feed, "entry")
        _sub(e, "id", entry_id(gen, d.path))
        if isinstance(d, Paper):
            title = f"{gen.coll.title_of(d)} ({gen.meeting_label(d)})"
            summary = f"Issue paper, {d.status}; {gen.wg_name(d.working_group)}."
        else:
            title = f"Recommendation {gen.rec_title(d)}"
            summary = f"Recommendation, {d.status}" + (f"; agency: {d.agency_status}" if d.agency_status else "") + "."
        _sub(e, "title", title)
        _sub(e, "updated", gen.doc_time(d).isoformat())
        h = d.history
        if h is not None and h.created:
            _sub(e, "published", h.created.isoformat())
        if h is not None and h.authors:
            for a in h.authors:
                _sub(e, "author").append(_name(a))
        _sub(e, "link", rel="alternate", type="text/html", href=gen.absolute(d.path))
        _sub(e, "category", term=d.KIND)
        if d.status:
            _sub(e, "category", term=f"status:{d.status}")
        _sub(e, "summary", summary)
    ET.indent(feed)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8", xml_declaration=False) + b"\n"


def _name(text: str) -> ET.Element:
    el = ET.Element(_q("name"))
    el.text = text
    return el
