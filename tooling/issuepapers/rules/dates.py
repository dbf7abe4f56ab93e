"""Date rules: signatures, next meetings and agency responses fall in sensible order."""

from __future__ import annotations

import datetime as dt

from ..diagnostics import ERROR, WARNING
from . import rule


def _fmt(day: dt.date) -> str:
    return f"{day:%B} {day.day}, {day.year}"


@rule("date-after-meeting", ERROR, ("paper",))
def signed_before_meeting(doc, coll):
    """A paper's signature `date` is not after its public meeting by more than the registry's grace days."""
    meeting, date = coll.meeting_of(doc), doc.date
    if meeting is None or date is None:
        return
    grace = coll.registry.committee.signature_grace_days
    if (date - meeting.date).days > grace:
        yield doc.source.at("date"), \
            f"signed {_fmt(date)}, after the {_fmt(meeting.date)} meeting it is written for", \
            "papers are signed before the meeting; check the date or the meeting"


@rule("date-too-early", WARNING, ("paper",))
def signed_recently(doc, coll):
    """A paper's signature `date` is within the registry's lead days before its meeting."""
    meeting, date = coll.meeting_of(doc), doc.date
    if meeting is None or date is None:
        return
    lead = coll.registry.committee.signature_lead_days
    if (meeting.date - date).days > lead:
        yield doc.source.at("date"), \
            f"signed {_fmt(date)}, more than {lead} days before the {_fmt(meeting.date)} meeting", \
            "check the date or the meeting"


@rule("next-meeting-before-date", ERROR, ("paper",))
def next_meeting_after_signature(doc, coll):
    """A paper's `next_meeting.date` is on or after its signature `date`."""
    nm, date = doc.next_meeting, doc.date
    if nm and date and nm.date < date:
        yield doc.source.at("next_meeting", "date"), \
            f"next meeting {_fmt(nm.date)} is before the signature date {_fmt(date)}", \
            "give the next meeting that follows the signature"


@rule("response-before-vote", ERROR, ("recommendation",))
def response_after_vote(doc, coll):
    """An `agency_response_date` is on or after the meeting where the recommendation was voted."""
    meeting, day = coll.meeting_of(doc), doc.agency_response_date
    if meeting and day and day < meeting.date:
        yield doc.source.at("agency_response_date"), \
            f"agency response {_fmt(day)} is before the {_fmt(meeting.date)} vote", None
