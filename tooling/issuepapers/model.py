"""The one data model every output reads: Paper, Recommendation, Collection.

Documents are built from a loaded Source tolerantly: a value that does not fit
its field is left out of the typed attributes and kept as a problem for the
`field-type` rule, so one bad value never hides the other findings.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import unquote

from .fields import (PAPER_FIELDS, REC_FIELDS, SECTIONS, SIGNER_KEYS, SIGNER_LABELS, Field,
                     Problem, coerce)
from .load import Source
from .registry import Meeting, Registry, Subcommittee, WorkingGroup

_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$")
_HEADING_AT = re.compile(r"(#{1,6})[ \t]+(.+?)[ \t#]*$")  # matched at a line start
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


@dataclass(frozen=True)
class Section:
    title: str
    level: int
    line: int  # 1-based line in the file
    offset: int = 0  # where the heading starts in the body
    end: int = 0  # where its line ends in the body


@dataclass(frozen=True)
class Person:
    name: str
    office: str | None = None

    def __str__(self) -> str:
        return f"{self.name}, {self.office}" if self.office else self.name


@dataclass(frozen=True)
class Signer:
    key: str  # prepared_by | submitted_by
    people: tuple[Person, ...]

    @property
    def label(self) -> str:
        return SIGNER_LABELS[self.key]

    def __str__(self) -> str:
        return "; ".join(map(str, self.people))


@dataclass(frozen=True)
class NextMeeting:
    date: dt.date
    time: str | None = None
    cadence: str | None = None
    location: str | None = None


@dataclass
class Document:
    """What every document has: where it came from, its typed fields and its body."""

    KIND: ClassVar[str] = ""
    FIELDS: ClassVar[dict[str, Field]] = {}

    path: str
    source: Source
    values: dict[str, Any] = field(default_factory=dict)  # typed values of known keys
    problems: list[tuple[tuple, Problem]] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    history: Any = None  # gitlog.FileHistory, attached by the collection when asked

    @classmethod
    def from_source(cls, src: Source):
        doc = cls(src.path, src)
        fields, values = cls.FIELDS, doc.values
        for name, value in (src.data or {}).items():
            spec = fields.get(name)
            if spec is None or value is None:
                continue  # unknown keys are the `unknown-key` rule's; empty ones `missing-field`'s
            if spec.kind in _TEXT_KINDS and type(value) is str and value.strip():
                values[name] = value  # the common case, without a call
                continue
            try:
                values[name] = coerce(spec.kind, value, None, spec.item)
            except Problem as p:
                if not isinstance(value, str):  # redo with the source text, for a "quote it" hint
                    try:
                        coerce(spec.kind, value, src.plain_text(name), spec.item)
                    except Problem as again:
                        p = again
                doc.problems.append(((name,) + p.sub, p))
        doc.sections = scan_sections(src.body, src.body_line)
        return doc

    def get(self, key: str, default=None):
        return self.values.get(key, default)

    @property
    def body(self) -> str:
        return self.source.body

    @property
    def subcommittee(self) -> str | None:
        return self.values.get("subcommittee")

    @property
    def working_group(self) -> str | None:
        return self.values.get("working_group")

    @property
    def status(self) -> str | None:
        return self.values.get("status")


@dataclass
class Paper(Document):
    KIND: ClassVar[str] = "paper"
    FIELDS: ClassVar[dict[str, Field]] = PAPER_FIELDS

    superseded_by: str | None = None  # derived
    cited_by: list[str] = field(default_factory=list)  # derived: ids of recommendations listing this paper

    @property
    def meeting_value(self) -> str | None:
        return self.values.get("meeting")

    @property
    def date(self) -> dt.date | None:
        return self.values.get("date")

    @property
    def action_required(self) -> str | None:
        return self.values.get("action_required")

    @property
    def signer(self) -> Signer | None:
        for key in SIGNER_KEYS:
            if key in self.values:
                return Signer(key, tuple(Person(p["name"], p.get("office")) for p in self.values[key]))
        return None

    @property
    def next_meeting(self) -> NextMeeting | None:
        nm = self.values.get("next_meeting")
        return NextMeeting(**nm) if nm else None

    @property
    def recommendations(self) -> list[str]:
        return self.values.get("recommendations", [])

    @property
    def supersedes(self) -> str | None:
        return self.values.get("supersedes")

    @property
    def tags(self) -> list[str]:
        return self.values.get("tags", [])


@dataclass
class Recommendation(Document):
    KIND: ClassVar[str] = "recommendation"
    FIELDS: ClassVar[dict[str, Field]] = REC_FIELDS

    superseded_by: str | None = None  # derived
    cited_in: list[str] = field(default_factory=list)  # derived: papers listing this id

    @property
    def id(self) -> str | None:
        return self.values.get("id")

    @property
    def title(self) -> str | None:
        return self.values.get("title")

    @property
    def term(self) -> int | None:
        return self.values.get("term")

    @property
    def meeting_value(self) -> str | None:
        return self.values.get("meeting")

    @property
    def agency_status(self) -> str | None:
        return self.values.get("agency_status")

    @property
    def agency_response_date(self) -> dt.date | None:
        return self.values.get("agency_response_date")

    @property
    def vote(self) -> dict | None:
        return self.values.get("vote")

    @property
    def supersedes(self) -> str | None:
        return self.values.get("supersedes")

    @property
    def papers(self) -> list[str]:
        """Originating papers: those typed here and those that cite this recommendation."""
        listed = self.values.get("papers", [])
        return listed + [p for p in self.cited_in if p not in listed]


def scan_sections(body: str, first_line: int) -> list[Section]:
    """ATX headings of the body outside fenced code, with their file lines."""
    if "```" not in body and "~~~" not in body:  # the common case: jump from "\n#" to "\n#"
        out: list[Section] = []
        line, counted = first_line, 0  # the file line at offset `counted`
        start = 0 if body.startswith("#") else body.find("\n#") + 1
        if start == 0 and not body.startswith("#"):
            return out
        while True:
            end = body.find("\n", start)
            h = _HEADING_AT.match(body, start, end if end != -1 else len(body))
            if h:
                line += body.count("\n", counted, start)
                counted = start
                out.append(Section(h.group(2).strip(), len(h.group(1)), line, start,
                                   end if end != -1 else len(body)))
            nxt = body.find("\n#", end) if end != -1 else -1
            if nxt == -1:
                return out
            start = nxt + 1
    out, fence, offset = [], None, 0
    for n, text in enumerate(body.split("\n")):
        at, offset = offset, offset + len(text) + 1
        m = _FENCE.match(text)
        if m:
            mark = m.group(1)
            if fence is None:
                fence = mark[0] * len(mark)
            elif mark.startswith(fence):
                fence = None
            continue
        if fence is None and text.startswith("#"):
            h = _HEADING.match(text)
            if h:
                out.append(Section(h.group(2).strip(), len(h.group(1)), first_line + n, at, at + len(text)))
    return out


_IMAGE_REFS = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)|<img\b[^>]*?\bsrc\s*=\s*[\"']?([^\"'\s>]+)", re.I)


def image_refs(body: str) -> list[tuple[int, str]]:
    """(offset in the body, src) of every image that points at a file by relative path."""
    if "![" not in body and not ("<" in body and "<img" in body.lower()):
        return []
    out = []
    for m in _IMAGE_REFS.finditer(body):
        src = unquote((m.group(1) or m.group(2) or "").split("#", 1)[0].split("?", 1)[0])
        if src and "://" not in src and not src.startswith(("/", "\\")) and ":" not in src.split("/", 1)[0]:
            out.append((m.start(), src))
    return out


SECTION_TITLES = tuple(title for title, _ in SECTIONS)
_TEXT_KINDS = frozenset({"str", "enum", "path", "month"})  # kinds whose only test is a non-empty string


@dataclass
class Collection:
    """All documents of a repository, with the registry and derived links."""

    registry: Registry
    papers: list[Paper] = field(default_factory=list)
    recommendations: list[Recommendation] = field(default_factory=list)
    broken: list[Source] = field(default_factory=list)  # files whose front matter could not be read
    by_path: dict[str, Document] = field(default_factory=dict)
    by_id: dict[str, Recommendation] = field(default_factory=dict)
    history: Any = None  # gitlog.History, when enriched
    root: Any = None  # the repository folder it was loaded from (a Path)

    def add(self, doc: Document) -> None:
        self.by_path[doc.path] = doc
        if isinstance(doc, Paper):
            self.papers.append(doc)
        else:
            self.recommendations.append(doc)

    def link(self) -> None:
        """Derive back-links once: supersedes ↔ superseded_by, papers ↔ recommendations."""
        self.papers.sort(key=lambda p: p.path)
        self.recommendations.sort(key=lambda r: (r.term or 0, r.id or r.path))
        for r in self.recommendations:
            if r.id and r.id not in self.by_id:
                self.by_id[r.id] = r
        for p in self.papers:
            old = self.by_path.get(p.supersedes or "")
            if isinstance(old, Paper) and old.superseded_by is None:
                old.superseded_by = p.path
            for rid in p.recommendations:
                rec = self.by_id.get(rid)
                if rec and p.path not in rec.cited_in:
                    rec.cited_in.append(p.path)
        for r in self.recommendations:
            old = self.by_id.get(r.supersedes or "")
            if old is not None and old.superseded_by is None:
                old.superseded_by = r.id
            for path in r.values.get("papers", []):
                paper = self.by_path.get(path)
                if isinstance(paper, Paper) and r.id and r.id not in paper.cited_by:
                    paper.cited_by.append(r.id)

    # Lookups the outputs share -------------------------------------------------

    def meeting_of(self, doc: Document) -> Meeting | None:
        return self.registry.meeting(doc.values.get("meeting"))

    def working_group_of(self, doc: Document) -> WorkingGroup | None:
        return self.registry.working_groups.get(doc.working_group or "")

    def subcommittee_of(self, doc: Document) -> Subcommittee | None:
        return self.registry.subcommittees.get(doc.subcommittee or "")

    def title_of(self, paper: Paper) -> str:
        if paper.get("title"):
            return paper.get("title")
        wg = self.working_group_of(paper)
        return wg.full_name if wg else paper.path

    def recommendations_of(self, paper: Paper) -> list[Recommendation]:
        ids = list(paper.recommendations) + [i for i in paper.cited_by if i not in paper.recommendations]
        return [self.by_id[i] for i in ids if i in self.by_id]

    def papers_for_meeting(self, meeting_id: str) -> list[Paper]:
        return [p for p in self.papers if (m := self.meeting_of(p)) and m.id == meeting_id]

    def documents(self) -> list[Document]:
        return [*self.papers, *self.recommendations]
