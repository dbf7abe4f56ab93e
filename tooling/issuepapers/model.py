"""The one data model every output reads: Paper, Recommendation, Collection.

Documents are built from a loaded Source tolerantly: a value that does not fit
its field is left out of the typed attributes and kept as a problem for the
`field-type` rule, so one bad value never hides the other findings.
"""

from __future__ import annotations

import copy

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import unquote

from .fields import (PAPER_FIELDS, REC_FIELDS, SECTIONS, SIGNER_KEYS, SIGNER_LABELS, Field,
                     Problem, coerce)
from .load import Source
from .markdown_reading import Image, Reading, Section, is_local_src
from .registry import Meeting, Registry, Subcommittee, WorkingGroup


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
        return doc

    @property
    def reading(self) -> Reading:
        """The body read once, as the renderer draws it (`markdown_reading`); each part on first use."""
        r = self.__dict__.get("_reading")
        if r is None or r.body is not self.source.body:  # a copy given another source reads its own body
            r = self.__dict__["_reading"] = Reading(self.source.body, self.source.body_line)
        return r

    @property
    def sections(self) -> list[Section]:
        """Every heading of the body as drawn, in order, with its line."""
        return self.reading.sections

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


@dataclass(frozen=True)
class ImageFile:
    """The file an image a document shows by relative path names: a fact gathered once, by the collection."""

    image: Image
    name: str  # its src as a path: percent-decoded, without `?query` or `#fragment`
    path: Path | None  # the file, resolved; None when the name leads out of papers/ (or cannot be resolved)
    exists: bool


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
    history: Any = None  # history.Repository, when enriched
    root: Any = None  # the repository folder it was loaded from (a Path)
    codeowners: tuple[str, str] | None = None  # (path, text) of the CODEOWNERS file the forge reads

    def add(self, doc: Document) -> None:
        self.by_path[doc.path] = doc
        if isinstance(doc, Paper):
            self.papers.append(doc)
        else:
            self.recommendations.append(doc)

    def derived(self, docs) -> "Collection":
        """A collection of `docs` (shallow copies) under this registry, root and history, back-links made again.

        The views of one collection (the public site's, a publication's) share
        documents' values but never their derived links.
        """
        out = Collection(self.registry, root=self.root, history=self.history, codeowners=self.codeowners)
        out.broken = list(self.broken)
        for doc in docs:
            clone = copy.copy(doc)
            clone.superseded_by = None
            if isinstance(clone, Paper):
                clone.cited_by = []
            else:
                clone.cited_in = []
            out.add(clone)
        out.link()
        return out

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

    # Facts of the file system, gathered once per document -----------------------

    def image_files(self, doc: Document) -> list[ImageFile]:
        """The images `doc` shows by relative path and the files they name ([] when loaded from no folder)."""
        cache = self.__dict__.setdefault("_image_file_facts", {})
        found = cache.get(doc.path)
        if found is None:
            found = cache[doc.path] = self._image_files(doc)
        return found

    def _image_files(self, doc: Document) -> list[ImageFile]:
        if self.root is None:
            return []
        local = [i for i in doc.reading.images if is_local_src(i.src)]
        if not local:
            return []
        root = Path(self.root)
        base, folder = (root / "papers").resolve(), (root / doc.path).parent
        out = []
        for image in local:
            name = unquote(image.src.split("#", 1)[0].split("?", 1)[0])
            if not name:
                continue
            try:
                path = (folder / name).resolve()
            except (OSError, RuntimeError):
                path = None
            if path is not None and not path.is_relative_to(base):
                path = None
            out.append(ImageFile(image, name, path, path is not None and path.is_file()))
        return out

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
