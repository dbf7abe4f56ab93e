"""View models: what each generated page shows, as plain data with its links already made.

The templates in templates/site/pages/ hold the markup; these classes are the
variables they get (each template's header lists its own). Values are plain
text, numbers, dates and `Link`s, straight from the documents and committee.yml:
untrusted, and escaped by Jinja's autoescape where a template places them. The
one exception is `RedlinePage.html`, a fragment the redline package has already
sanitized (a `Markup`).

`SiteModel` holds the lookups every output shares (meeting labels, titles,
sort keys, the calendar's events) and builds the views; `pages.Generator`
renders them.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Iterable

from markupsafe import Markup

from ..fields import AGENCY_STATUSES, PAPER_STATUSES, REC_STATUSES, month_of
from ..model import Collection, Document, Paper, Recommendation
from ..registry import Lead, Meeting, WorkingGroup
from .urls import (CALENDAR, CALENDAR_ICS, FEED, PAPERS_INDEX, RECOMMENDATIONS_JSON, STATUS_INDEX, TRACKER,
                   Link, Links, book_uri, meeting_uri, page_url, pdf_uri, redline_uri, wg_uri)

# Recommendations still waiting on the committee or the agency.
OPEN_AGENCY = frozenset({"pending", "in-progress"})
# Commits listed on a page; older ones are counted.
HISTORY_COMMITS = 20


def _text(value: str | None) -> Link | None:
    """A value shown as it is, with no link (None when there is nothing to show)."""
    return Link(value) if value else None


# Rows of the shared tables ----------------------------------------------------------------


@dataclass(slots=True)
class PaperRow:
    """A paper in a table: its meeting, working group, title (each a Link) and status."""

    meeting: Link
    working_group: Link
    paper: Link
    status: str | None


@dataclass(slots=True)
class RecRow:
    """A recommendation in a table: its id (a Link to its page), title, status and the agency's."""

    link: Link
    title: str
    status: str | None
    agency_status: str | None


@dataclass(slots=True)
class RecRef:
    """A recommendation a paper cites: "17-003: Title" (a Link) and its status."""

    link: Link
    status: str | None


@dataclass(slots=True)
class History:
    """A document's git history. `note` is set ("Not yet committed.", "No history.") when it has no commits."""

    note: str | None = None
    created: dt.datetime | None = None
    modified: dt.datetime | None = None
    revisions: int = 0
    authors: list[str] = field(default_factory=list)
    uncommitted: bool = False
    commits: list = field(default_factory=list)  # history.Commit (date, subject, author, sha), newest first
    earlier: int = 0  # commits older than those listed


@dataclass(slots=True)
class NextMeeting:
    """A working group's next meeting: its date, and the time, cadence and location it gives."""

    date: dt.date
    details: list[str]


# Document pages ---------------------------------------------------------------------------


@dataclass(slots=True)
class PaperPage:
    title: str
    committee: str
    subcommittee: Link | None
    working_group: Link | None
    meeting: Link | None
    status: str | None
    action_required: str | None
    pub_number: str | None
    revision: int | None  # "Revision N" of a published paper
    in_preparation: int | None  # preview: N+1, when the published paper was edited since its tag
    unreleased: bool  # preview: a paper the public site does not show
    withdrawn_reason: str | None
    office: str | None
    signer_label: str  # "Prepared by" or "Submitted by"
    signer: str | None
    date: dt.date | None
    next_meeting: NextMeeting | None
    tags: list[str]
    pdf: str | None  # URL of its PDF, when there is one
    redline_url: str | None  # URL of its redline page, when there is one
    redline_since: str | None  # what the redline compares with: "Revision 1", "1a2b3c4 (2024-01-26)"
    recommendations: list[RecRef]
    supersedes: Link | None
    superseded_by: Link | None
    history: History | None


@dataclass(slots=True)
class Vote:
    in_favor: int
    against: int
    abstain: int


@dataclass(slots=True)
class RecommendationPage:
    title: str  # "17-003: Title"
    id: str | None
    term: int | None
    subcommittee: Link | None
    working_group: Link | None
    status: str | None
    meeting: Link | None
    vote: Vote | None
    agency_status: str | None
    agency_response_date: dt.date | None
    supersedes: Link | None
    superseded_by: Link | None
    papers: list[Link]  # the papers it came from
    history: History | None


@dataclass(slots=True)
class RedlinePage:
    title: str
    path: str  # the paper's file
    meeting: str  # "March 2024"
    since: str
    paper_url: str
    html: Markup  # the redline, sanitized by the redline package


# Index pages ------------------------------------------------------------------------------


@dataclass(slots=True)
class HomeIntro:
    name: str
    short_name: str | None
    agency: str | None


@dataclass(slots=True)
class PublicMeeting:
    link: Link
    date: dt.date
    location: str | None
    federal_register: str | None


@dataclass(slots=True)
class HomeBlocks:
    next_meeting: PublicMeeting | None
    last_meeting: Link | None  # the most recent one, when none is scheduled
    latest: list[PaperRow]
    open_recommendations: list[RecRow]
    calendar_url: str
    ics_url: str
    papers_url: str
    feed_url: str
    tracker_url: str


@dataclass(slots=True)
class WorkingGroupRow:
    link: Link
    state: str  # active, hiatus, concluded
    papers: int
    latest: Link | None  # its newest paper, by meeting


@dataclass(slots=True)
class SubcommitteeGroup:
    id: str
    name: str
    working_groups: list[WorkingGroupRow]


@dataclass(slots=True)
class PapersIndex:
    subcommittees: list[SubcommitteeGroup]
    other: list[PaperRow]  # papers of working groups committee.yml does not know


@dataclass(slots=True)
class WorkingGroupPage:
    name: str
    subcommittee: Link
    state: str | None  # None: no lifecycle entry ("Active")
    state_since: dt.date | None
    leads: list[Lead]  # role, office
    next_meeting: NextMeeting | None
    next_meeting_from: Link | None  # the paper that announces it
    papers: list[PaperRow]
    recommendations: list[RecRow]


@dataclass(slots=True)
class MeetingRow:
    link: Link
    date: dt.date
    location: str | None
    federal_register: str | None
    papers: int


@dataclass(slots=True)
class MeetingPage:
    label: str
    date: dt.date
    location: str | None
    federal_register: str | None
    term: int | None
    book: str | None  # URL of the meeting book PDF, when there is one
    papers: list[PaperRow]
    recommendations: list[RecRow]  # voted at the meeting


@dataclass(slots=True)
class StatusGroup:
    status: str
    href: str  # this group's heading on the page
    rows: list


@dataclass(slots=True)
class StatusPage:
    papers: list[StatusGroup]  # PaperRow rows, one group per paper status, in lifecycle order
    recommendations: list[StatusGroup]  # RecRow rows


@dataclass(slots=True)
class TrackerRow:
    link: Link
    title: str
    term: int | None
    subcommittee: str | None  # id (for filtering)
    subcommittee_name: str
    status: str | None
    agency_status: str | None
    date: dt.date | None  # the agency's response, else the vote's meeting
    sort_id: str  # "0017-003": sorts ids by term, then number


@dataclass(slots=True)
class TrackerPage:
    count: int
    agency_counts: list[tuple[str, int]]  # (agency status, recommendations)
    no_response_due: int  # recommendations with no agency status
    terms: list[int]
    subcommittees: list[tuple[str, str]]  # (id, name)
    statuses: tuple[str, ...]
    agency_statuses: tuple[str, ...]
    rows: list[TrackerRow]
    json_url: str


@dataclass(slots=True)
class Event:
    date: dt.date
    time: str | None
    link: Link
    kind: str  # "public" or "working-group"
    location: str | None
    note: str | None


@dataclass(slots=True)
class CalendarPage:
    ics_url: str
    upcoming: list[Event]
    past: list[Event]  # most recent first


# The model, seen from the site ---------------------------------------------------------------


class SiteModel:
    """Lookups every output shares, and the view of each page."""

    def __init__(self, coll: Collection, opts, external: dict):
        self.coll, self.opts, self.reg = coll, opts, coll.registry
        self.external = external  # published files (PDFs) by site path
        self.papers_by_wg: dict[str, list[Paper]] = defaultdict(list)
        for p in coll.papers:
            self.papers_by_wg[p.working_group or ""].append(p)
        for lst in self.papers_by_wg.values():
            lst.sort(key=self.paper_sort_key, reverse=True)

    # lookups ------------------------------------------------------------------------------

    def meeting_date(self, doc: Document) -> dt.date | None:
        m = self.coll.meeting_of(doc)
        if m:
            return m.date
        ym = month_of(doc.values.get("meeting") or "")
        return dt.date(ym[0], ym[1], 1) if ym else None

    def paper_sort_key(self, p: Paper):
        return (self.meeting_date(p) or dt.date.min, p.path)

    def meeting_label(self, doc: Document) -> str:
        m = self.coll.meeting_of(doc)
        if m:
            return m.label
        ym = month_of(doc.values.get("meeting") or "")
        return dt.date(ym[0], ym[1], 1).strftime("%B %Y") if ym else (doc.values.get("meeting") or "")

    def doc_time(self, doc: Document) -> dt.datetime | None:
        """When a document last changed: git, else its own dates."""
        h = doc.history
        if h is not None and h.modified:
            return h.modified
        day = doc.values.get("date") or doc.values.get("agency_response_date") or self.meeting_date(doc)
        return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc) if day else None

    def rec_title(self, r: Recommendation) -> str:
        return f"{r.id}: {r.title}" if r.id and r.title else (r.id or r.title or r.path)

    def wg_name(self, wg_id: str | None) -> str:
        wg = self.reg.working_groups.get(wg_id or "")
        return wg.full_name if wg else (wg_id or "")

    def sc_name(self, sc_id: str | None) -> str:
        sc = self.reg.subcommittees.get(sc_id or "")
        return sc.full_name if sc else (sc_id or "")

    def wg_next_meeting(self, wg_id: str):
        """The next meeting announced by the working group's newest paper that names one."""
        for p in self.papers_by_wg.get(wg_id, []):
            if p.next_meeting:
                return p.next_meeting, p
        return None, None

    def is_open(self, r: Recommendation) -> bool:
        return r.status == "proposed" or (r.status == "adopted" and r.agency_status in OPEN_AGENCY)

    def next_public_meeting(self) -> Meeting | None:
        return self.reg.next_meeting(self.opts.today)

    def published_url(self, ctx: Links, uri: str) -> str | None:
        """The URL of a published file (a PDF), when this build has it."""
        return ctx.url(uri) if uri in self.external else None

    def calendar_events(self) -> list[dict]:
        """Public meetings and working-group meetings, by date (shared by the page and the ICS)."""
        events = []
        for m in self.reg.meetings_sorted():
            events.append({"uid": f"meeting-{m.id}", "kind": "public", "date": m.date, "time": None,
                           "title": f"{self.reg.committee.short_name or self.reg.committee.name} public meeting"
                                    f" ({m.label})",
                           "location": m.location, "note": m.federal_register, "uri": meeting_uri(m.id)})
        seen = set()
        for wg_id, papers in sorted(self.papers_by_wg.items()):
            for p in papers:
                nm = p.next_meeting
                if not nm or (wg_id, nm.date) in seen:
                    continue
                seen.add((wg_id, nm.date))
                events.append({"uid": f"wg-{wg_id}-{nm.date.isoformat()}", "kind": "working-group",
                               "date": nm.date, "time": nm.time, "title": f"{self.wg_name(wg_id)} meeting",
                               "location": nm.location, "note": nm.cadence, "uri": p.path})
        events.sort(key=lambda e: (e["date"], e["time"] or "", e["uid"]))
        return events

    def absolute(self, uri: str) -> str:
        """The absolute URL of a page or file, for feeds (site-relative without `site_url`)."""
        url = page_url(uri, self.opts.directory_urls)
        base = (self.opts.site_url or "").rstrip("/")
        return f"{base}/{url}" if base else url

    # shared pieces ------------------------------------------------------------------------

    def paper_rows(self, ctx: Links, papers: Iterable[Paper]) -> list[PaperRow]:
        rows = []
        for p in papers:
            m = self.coll.meeting_of(p)
            wg = self.coll.working_group_of(p)
            rows.append(PaperRow(ctx.link(meeting_uri(m.id), m.label) if m else Link(self.meeting_label(p)),
                                 ctx.link(wg_uri(wg.id), wg.full_name) if wg else Link(p.working_group or ""),
                                 ctx.link(p.path, self.coll.title_of(p)), p.status))
        return rows

    def rec_rows(self, ctx: Links, recs: Iterable[Recommendation]) -> list[RecRow]:
        return [RecRow(ctx.link(r.path, r.id or r.path), r.title or "", r.status, r.agency_status) for r in recs]

    def subcommittee_link(self, ctx: Links, sc_id: str | None) -> Link | None:
        if sc_id in self.reg.subcommittees:
            return ctx.link(PAPERS_INDEX, self.sc_name(sc_id), anchor=sc_id or "")
        return _text(sc_id)

    def working_group_link(self, ctx: Links, doc: Document) -> Link | None:
        wg = self.coll.working_group_of(doc)
        return ctx.link(wg_uri(wg.id), wg.full_name) if wg else _text(doc.working_group)

    def paper_link(self, ctx: Links, target: str | None) -> Link | None:
        """"Title (March 2024)" linking to the paper at `target`; the path alone when it is not one."""
        doc = self.coll.by_path.get(target or "")
        if isinstance(doc, Paper):
            return ctx.link(doc.path, f"{self.coll.title_of(doc)} ({self.meeting_label(doc)})")
        return _text(target)

    def history(self, doc: Document) -> History | None:
        h = doc.history
        if h is None:
            return None
        if not h.commits:
            return History("Not yet committed." if h.uncommitted or self.coll.history is not None
                           else "No history.")
        return History(None, h.created, h.modified, h.revisions, list(h.authors), h.uncommitted,
                       h.commits[:HISTORY_COMMITS], max(0, len(h.commits) - HISTORY_COMMITS))

    # document pages -----------------------------------------------------------------------

    def paper_view(self, ctx: Links, p: Paper) -> PaperPage:
        coll = self.coll
        meeting = coll.meeting_of(p)
        signer = p.signer
        nm = p.next_meeting
        rl = self.opts.redlines.get(p.path)
        return PaperPage(
            title=coll.title_of(p),
            committee=self.reg.committee.name,
            subcommittee=self.subcommittee_link(ctx, p.subcommittee),
            working_group=self.working_group_link(ctx, p),
            meeting=ctx.link(meeting_uri(meeting.id), meeting.label) if meeting else _text(self.meeting_label(p)),
            status=p.status,
            action_required=p.action_required,
            pub_number=p.get("pub_number"),
            revision=self.opts.revisions.get(p.path),
            in_preparation=self.opts.in_preparation.get(p.path),
            unreleased=self.opts.public_statuses is not None and p.status not in self.opts.public_statuses,
            withdrawn_reason=p.get("withdrawn_reason"),
            office=p.get("office"),
            signer_label=signer.label if signer else "Prepared by",
            signer=str(signer) if signer else None,
            date=p.date,
            next_meeting=NextMeeting(nm.date, [b for b in (nm.time, nm.cadence, nm.location) if b]) if nm else None,
            tags=list(p.tags),
            pdf=self.published_url(ctx, pdf_uri(p.path)),
            redline_url=ctx.url(redline_uri(p.path)) if rl else None,
            redline_since=rl.since if rl else None,
            recommendations=[RecRef(ctx.link(r.path, self.rec_title(r)), r.status)
                             for r in coll.recommendations_of(p)],
            supersedes=self.paper_link(ctx, p.supersedes),
            superseded_by=self.paper_link(ctx, p.superseded_by),
            history=self.history(p),
        )

    def redline_view(self, ctx: Links, p: Paper) -> RedlinePage:
        rl = self.opts.redlines[p.path]
        return RedlinePage(f"Redline: {self.coll.title_of(p)}", p.path, self.meeting_label(p), rl.since,
                           ctx.url(p.path), Markup(rl.html))

    def recommendation_view(self, ctx: Links, r: Recommendation) -> RecommendationPage:
        coll = self.coll
        meeting = coll.meeting_of(r)
        vote = r.vote

        def rec_link(target: str | None) -> Link | None:
            other = coll.by_id.get(target or "")
            return ctx.link(other.path, self.rec_title(other)) if other is not None else _text(target)

        return RecommendationPage(
            title=self.rec_title(r),
            id=r.id,
            term=r.term,
            subcommittee=self.subcommittee_link(ctx, r.subcommittee),
            working_group=self.working_group_link(ctx, r),
            status=r.status,
            meeting=ctx.link(meeting_uri(meeting.id), meeting.label) if meeting else _text(r.meeting_value),
            vote=Vote(vote.get("for", 0), vote.get("against", 0), vote.get("abstain", 0)) if vote else None,
            agency_status=r.agency_status,
            agency_response_date=r.agency_response_date,
            supersedes=rec_link(r.supersedes),
            superseded_by=rec_link(r.superseded_by),
            papers=[self.paper_link(ctx, path) or Link(path) for path in r.papers],
            history=self.history(r),
        )

    # index pages --------------------------------------------------------------------------

    def home_intro(self) -> HomeIntro:
        c = self.reg.committee
        return HomeIntro(c.name or "Issue papers", c.short_name, c.agency)

    def home_view(self, ctx: Links) -> HomeBlocks:
        m = self.next_public_meeting()
        past = self.reg.meetings_sorted() if m is None else []
        # Last changed first; papers changed in the same commit by their meeting, newest first.
        never = dt.datetime.min.replace(tzinfo=dt.timezone.utc)
        latest = sorted(self.coll.papers, key=lambda p: (self.doc_time(p) or never, self.paper_sort_key(p)),
                        reverse=True)[: self.opts.latest_papers]
        return HomeBlocks(
            next_meeting=PublicMeeting(ctx.link(meeting_uri(m.id), m.label), m.date, m.location,
                                       m.federal_register) if m else None,
            last_meeting=ctx.link(meeting_uri(past[-1].id), past[-1].label) if past else None,
            latest=self.paper_rows(ctx, latest),
            open_recommendations=self.rec_rows(ctx, [r for r in self.coll.recommendations if self.is_open(r)]),
            calendar_url=ctx.url(CALENDAR), ics_url=ctx.url(CALENDAR_ICS), papers_url=ctx.url(PAPERS_INDEX),
            feed_url=ctx.url(FEED), tracker_url=ctx.url(TRACKER))

    def papers_index_view(self, ctx: Links) -> PapersIndex:
        groups = []
        for sc in self.reg.subcommittees.values():
            rows = []
            for wg in sc.working_groups.values():
                papers = self.papers_by_wg.get(wg.id, [])
                newest = papers[0] if papers else None
                rows.append(WorkingGroupRow(ctx.link(wg_uri(wg.id), wg.full_name), wg.state, len(papers),
                                            ctx.link(newest.path, self.meeting_label(newest)) if newest else None))
            groups.append(SubcommitteeGroup(sc.id, sc.full_name, rows))
        known = set(self.reg.working_groups)
        return PapersIndex(groups, self.paper_rows(ctx, [p for p in self.coll.papers
                                                         if p.working_group not in known]))

    def working_group_view(self, ctx: Links, wg: WorkingGroup) -> WorkingGroupPage:
        state = wg.state_on(self.opts.today) or (wg.lifecycle[-1] if wg.lifecycle else None)
        nm, source = self.wg_next_meeting(wg.id)
        return WorkingGroupPage(
            name=wg.full_name,
            subcommittee=ctx.link(PAPERS_INDEX, self.sc_name(wg.subcommittee), anchor=wg.subcommittee),
            state=state.state if state else None,
            state_since=state.since if state else None,
            leads=list(wg.leads),
            next_meeting=NextMeeting(nm.date, [b for b in (nm.time, nm.cadence, nm.location) if b]) if nm else None,
            next_meeting_from=ctx.link(source.path, self.meeting_label(source)) if nm else None,
            papers=self.paper_rows(ctx, self.papers_by_wg.get(wg.id, [])),
            recommendations=self.rec_rows(ctx, [r for r in self.coll.recommendations if r.working_group == wg.id]))

    def meetings_view(self, ctx: Links) -> list[MeetingRow]:
        papers = Counter()
        for p in self.coll.papers:
            m = self.coll.meeting_of(p)
            if m:
                papers[m.id] += 1
        return [MeetingRow(ctx.link(meeting_uri(m.id), m.label), m.date, m.location, m.federal_register or "",
                           papers[m.id]) for m in reversed(self.reg.meetings_sorted())]

    def meeting_view(self, ctx: Links, m: Meeting) -> MeetingPage:
        papers = sorted(self.coll.papers_for_meeting(m.id), key=lambda p: p.path)
        recs = [r for r in self.coll.recommendations if (rm := self.coll.meeting_of(r)) and rm.id == m.id]
        return MeetingPage(m.label, m.date, m.location, m.federal_register, m.term or None,
                           self.published_url(ctx, book_uri(m.id)), self.paper_rows(ctx, papers),
                           self.rec_rows(ctx, recs))

    def status_view(self, ctx: Links) -> StatusPage:
        by = defaultdict(list)
        for p in self.coll.papers:
            by[p.status].append(p)
        rby = defaultdict(list)
        for r in self.coll.recommendations:
            rby[r.status].append(r)
        return StatusPage(
            [StatusGroup(s, ctx.url(STATUS_INDEX, f"paper-{s}"),
                         self.paper_rows(ctx, sorted(by[s], key=self.paper_sort_key, reverse=True)))
             for s in PAPER_STATUSES],
            [StatusGroup(s, ctx.url(STATUS_INDEX, f"recommendation-{s}"), self.rec_rows(ctx, rby[s]))
             for s in REC_STATUSES])

    def tracker_view(self, ctx: Links) -> TrackerPage:
        recs = self.coll.recommendations
        counts = Counter(r.agency_status or "none" for r in recs)
        rows = []
        for r in recs:
            day = r.agency_response_date or (m.date if (m := self.coll.meeting_of(r)) else None)
            sc = self.reg.subcommittees.get(r.subcommittee or "")
            rows.append(TrackerRow(ctx.link(r.path, r.id or r.path), r.title or "", r.term, r.subcommittee,
                                   sc.name if sc else (r.subcommittee or ""), r.status, r.agency_status, day,
                                   f"{r.term or 0:04d}-{(r.id or '').rsplit('-', 1)[-1]}"))
        return TrackerPage(
            count=len(recs),
            agency_counts=[(s, counts[s]) for s in AGENCY_STATUSES],
            no_response_due=counts["none"],
            terms=sorted({r.term for r in recs if r.term is not None}),
            subcommittees=[(s.id, s.name) for s in self.reg.subcommittees.values()],
            statuses=REC_STATUSES, agency_statuses=AGENCY_STATUSES,
            rows=rows, json_url=ctx.url(RECOMMENDATIONS_JSON))

    def calendar_view(self, ctx: Links) -> CalendarPage:
        events = [Event(e["date"], e["time"], ctx.link(e["uri"], e["title"]), e["kind"], e["location"], e["note"])
                  for e in self.calendar_events()]
        today = self.opts.today
        return CalendarPage(ctx.url(CALENDAR_ICS), [e for e in events if e.date >= today],
                            [e for e in events if e.date < today][::-1])
