"""Which documents a build shows: the committee's public statuses, or everything in the members' preview.

The public site shows the papers whose status committee.yml makes public
(`committee.public_statuses`, default `final` and `published`) and every
recommendation past `draft`. A withdrawn paper that is not public is listed as
withdrawn, with its reason when given, and nothing else: no body, no PDF. Every
output of the site (pages, search index, papers.json, feed, calendar, PDFs,
meeting books) reads the filtered collection, so a draft's text appears nowhere.
The preview (`issuepapers serve`, `issuepapers build --preview`) shows all.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass

from .fields import REC_STATUSES
from .model import Collection, Paper, Recommendation

WITHDRAWN = "withdrawn"
# What the public sees of a withdrawn paper that is not public: where it belonged, and why it went.
LISTED_FIELDS = ("subcommittee", "working_group", "meeting", "status", "action_required", "title",
                 "pub_number", "withdrawn_reason")
# Recommendations the public sees: all but the working group's drafts.
PUBLIC_REC_STATUSES = frozenset(REC_STATUSES) - {"draft"}


@dataclass(frozen=True)
class Visibility:
    preview: bool
    paper_statuses: frozenset[str]

    @classmethod
    def of(cls, coll: Collection, preview: bool) -> "Visibility":
        return cls(preview, frozenset(coll.registry.committee.public_statuses))

    def shows(self, paper: Paper) -> bool:
        """The paper is shown whole: page, body, PDF, book."""
        return self.preview or paper.status in self.paper_statuses

    def lists(self, paper: Paper) -> bool:
        """The paper is at least listed (a withdrawn paper, by its metadata only)."""
        return self.shows(paper) or paper.status == WITHDRAWN

    def shows_recommendation(self, rec: Recommendation) -> bool:
        return self.preview or rec.status in PUBLIC_REC_STATUSES

    def printable(self, paper: Paper) -> bool:
        """A PDF is made for the paper: shown whole, and never for a withdrawn paper outside the preview."""
        return self.shows(paper) and (self.preview or paper.status != WITHDRAWN)


def _listed_only(paper: Paper) -> Paper:
    """A copy of a withdrawn paper with its metadata and none of its text."""
    source = dataclasses.replace(paper.source, body="", text="", findings=[])
    clone = copy.copy(paper)
    clone.source = source
    clone.values = {k: v for k, v in paper.values.items() if k in LISTED_FIELDS}
    return clone


def visible_collection(coll: Collection, vis: Visibility, *, for_print: bool = False) -> Collection:
    """The collection a build shows (`for_print`: the papers it prints), derived links made again."""
    if vis.preview:
        return coll
    docs = []
    for paper in coll.papers:
        if vis.printable(paper) if for_print else vis.shows(paper):
            docs.append(paper)
        elif vis.lists(paper) and not for_print:
            docs.append(_listed_only(paper))
    return coll.derived(docs + [r for r in coll.recommendations if vis.shows_recommendation(r)])


def visible_redlines(redlines: dict, shown: Collection, vis: Visibility) -> dict:
    """Redlines the build shows: in public, only between two publications of a paper it shows whole.

    A redline against an unpublished revision would print the draft's words.
    """
    if vis.preview:
        return redlines
    return {path: view for path, view in redlines.items()
            if isinstance(paper := shown.by_path.get(path), Paper) and vis.shows(paper)
            and view.since.startswith("Revision ")}

