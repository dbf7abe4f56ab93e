"""calendar.ics (RFC 5545): public meetings and working groups' next meetings, with stable UIDs."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from icalendar import Calendar, Event

if TYPE_CHECKING:  # pragma: no cover
    from .pages import Generator

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
WG_MEETING_LENGTH = dt.timedelta(hours=1)


def uid_domain(gen: "Generator") -> str:
    """The right-hand side of every UID: the site's host, else a name derived from the committee."""
    host = urlsplit(gen.opts.site_url or "").hostname
    if host:
        return host
    short = re.sub(r"[^a-z0-9-]+", "-", (gen.reg.committee.short_name or "committee").lower()).strip("-")
    return f"{short or 'committee'}.issuepapers.invalid"


def _end(ev: Event, start, length: dt.timedelta) -> None:
    """DTEND, or DURATION for an event at the very end of the calendar (December 31, 9999)."""
    try:
        ev.add("dtend", start + length)
    except OverflowError:
        ev.add("duration", length)


def ics(gen: "Generator") -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//issuepapers//site calendar//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"{gen.reg.committee.short_name or gen.reg.committee.name} meetings")
    stamp = (gen.opts.build_time or EPOCH).astimezone(dt.timezone.utc)
    domain = uid_domain(gen)
    for e in gen.calendar_events():
        ev = Event()
        ev.add("uid", f"{e['uid']}@{domain}")
        ev.add("dtstamp", stamp)
        ev.add("summary", e["title"])
        if e["time"]:
            hh, mm = map(int, e["time"].split(":"))
            start = dt.datetime.combine(e["date"], dt.time(hh, mm))  # floating: the papers give no zone
            ev.add("dtstart", start)
            _end(ev, start, WG_MEETING_LENGTH)
        else:
            ev.add("dtstart", e["date"])
            _end(ev, e["date"], dt.timedelta(days=1))
        if e["location"]:
            ev.add("location", e["location"])
        notes = [n for n in (e["note"],) if n]
        url = gen.absolute(e["uri"])
        if gen.opts.site_url:
            ev.add("url", url)
        notes.append(url)
        ev.add("description", "\n".join(notes))
        ev.add("categories", ["Public meeting" if e["kind"] == "public" else "Working group"])
        ev.add("transp", "TRANSPARENT")
        cal.add_component(ev)
    return cal.to_ical()
