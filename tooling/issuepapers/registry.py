"""committee.yml → Registry: the committee, its subcommittees, working groups and meetings.

The registry is validated like a document: every problem is a finding with its
line, and the registry is still built from what is valid so that documents can
be checked against it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from .diagnostics import ERROR, Finding
from .fields import CONTROL_RE, ID_RE, LIFECYCLE_STATES, MONTH_RE, Problem, did_you_mean, parse_date
from .load import Source, load_yaml_file

REGISTRY_FILE = "committee.yml"

REGISTRY_RULES = {
    "registry-invalid": (ERROR, "The registry, committee.yml, must follow the registry's structure, with valid values."),
    "registry-duplicate-id": (ERROR, "Ids of subcommittees, working groups, meetings and terms in committee.yml are unique."),
}

_TOP_KEYS = ("committee", "terms", "subcommittees", "meetings")
_COMMITTEE_KEYS = ("name", "short_name", "agency", "current_term", "logo",
                   "signature_grace_days", "signature_lead_days", "site_url", "templates", "public_statuses",
                   "max_pages")
# Papers the public site shows (and its PDFs, books, feeds and indexes): the committee's setting.
DEFAULT_PUBLIC_STATUSES = ("final", "published")
# How many printed pages a paper should fit on (the `paper-too-long` rule): the real papers take one or two.
DEFAULT_MAX_PAGES = 2


@dataclass(frozen=True)
class Lead:
    role: str
    office: str | None = None
    handle: str | None = None  # forge handle for CODEOWNERS


@dataclass(frozen=True)
class LifecycleChange:
    state: str
    since: dt.date


@dataclass
class WorkingGroup:
    id: str
    name: str
    subcommittee: str
    leads: list[Lead] = field(default_factory=list)
    lifecycle: list[LifecycleChange] = field(default_factory=list)

    def state_on(self, day: dt.date) -> LifecycleChange | None:
        """The lifecycle entry in force on `day` (None before the first)."""
        current = None
        for change in self.lifecycle:
            if change.since <= day:
                current = change
        return current

    @property
    def state(self) -> str:
        return self.lifecycle[-1].state if self.lifecycle else "active"

    @property
    def full_name(self) -> str:
        return f"{self.name} Working Group"


@dataclass
class Subcommittee:
    id: str
    name: str
    working_groups: dict[str, WorkingGroup] = field(default_factory=dict)

    @property
    def full_name(self) -> str:
        return f"{self.name} Subcommittee"


@dataclass(frozen=True)
class Meeting:
    id: str
    date: dt.date
    location: str = ""
    federal_register: str | None = None
    term: int | None = None

    @property
    def month(self) -> str:
        return self.date.strftime("%Y-%m")

    @property
    def label(self) -> str:
        return self.date.strftime("%B %Y")


@dataclass(frozen=True)
class Term:
    term: int
    start: dt.date | None = None
    end: dt.date | None = None


@dataclass
class Committee:
    name: str = ""
    short_name: str = ""
    agency: str = ""
    current_term: int | None = None
    logo: str | None = None
    signature_grace_days: int = 0
    signature_lead_days: int = 180
    site_url: str | None = None
    templates: str | None = None  # the folder searched before the package's templates (default templates/)
    public_statuses: tuple[str, ...] = DEFAULT_PUBLIC_STATUSES
    max_pages: int = DEFAULT_MAX_PAGES


@dataclass
class Registry:
    committee: Committee = field(default_factory=Committee)
    terms: dict[int, Term] = field(default_factory=dict)
    subcommittees: dict[str, Subcommittee] = field(default_factory=dict)
    working_groups: dict[str, WorkingGroup] = field(default_factory=dict)
    meetings: dict[str, Meeting] = field(default_factory=dict)
    path: str = REGISTRY_FILE
    findings: list[Finding] = field(default_factory=list)
    source: Source | None = None

    def meeting(self, value: str | None) -> Meeting | None:
        """A meeting by id, or by month (`YYYY-MM`) when one meeting falls in it."""
        if not value:
            return None
        if value in self.meetings:
            return self.meetings[value]
        if MONTH_RE.match(value):
            found = [m for m in self.meetings.values() if m.month == value]
            if len(found) == 1:
                return found[0]
        return None

    def meetings_sorted(self) -> list[Meeting]:
        return sorted(self.meetings.values(), key=lambda m: (m.date, m.id))

    def next_meeting(self, today: dt.date) -> Meeting | None:
        return next((m for m in self.meetings_sorted() if m.date >= today), None)


MAX_ID = 64  # ids become file names (meetings/<id>.md, books/<id>.pdf): short, plain slugs


def is_slug(value) -> bool:
    """An id that may become a path: lowercase-with-dashes, no `/`, `.`, `..`, NUL or absolute path, bounded."""
    return isinstance(value, str) and 0 < len(value) <= MAX_ID and ID_RE.fullmatch(value) is not None


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


class _Reader:
    """Walks the registry source, collecting findings instead of stopping."""

    def __init__(self, src: Source):
        self.src = src
        self.findings = src.findings

    def bad(self, path: tuple, message: str, hint: str | None = None, rule="registry-invalid"):
        self.findings.append(self.src.finding(self.src.at(*path), ERROR, rule, message, hint))

    def mapping(self, value, path, keys, required=()) -> dict:
        if not isinstance(value, dict):
            self.bad(path, f"`{'.'.join(map(str, path)) or 'registry'}` must be a mapping")
            return {}
        for k in value:
            if k not in keys:
                self.bad(path + (k,), f"unknown key {k!r}", did_you_mean(str(k), keys))
        for k in required:
            if k not in value or value[k] in (None, ""):
                self.bad(path, f"missing `{k}`", f"add `{k}:`")
        return value

    def list(self, value, path) -> list:
        if value is None:
            return []
        if not isinstance(value, list):
            self.bad(path, f"`{path[-1]}` must be a list")
            return []
        return value

    def text(self, d, key, path, default=None):
        v = d.get(key, default)
        control = CONTROL_RE.search(v) if isinstance(v, str) else None
        if control:
            self.bad(path + (key,), f"`{key}` holds the control character U+{ord(control.group()):04X}",
                     "write it on one line, without control characters")
            return CONTROL_RE.sub(" ", v)
        if v is None or isinstance(v, str):
            return v
        self.bad(path + (key,), f"`{key}` must be a string, got {v!r}",
                 f"quote it: \"{self.src.plain_text(*path, key) or v}\"")
        return str(v)

    def integer(self, d, key, path, default=None):
        v = d.get(key, default)
        if v is None or (isinstance(v, int) and not isinstance(v, bool)):
            return v
        self.bad(path + (key,), f"`{key}` must be a whole number, got {v!r}")
        return default

    def date(self, d, key, path):
        if key not in d:
            return None
        try:
            return parse_date(d[key])
        except Problem as p:
            self.bad(path + (key,), p.message, p.hint)
            return None

    def ident(self, d, path, seen: dict, what: str) -> str | None:
        v = d.get("id")
        if not is_slug(v):
            self.bad(path + ("id",), f"{what} id {_shown(v)} is not lowercase-with-dashes (at most {MAX_ID} characters)",
                     "ids become file and page names: letters a-z, digits and single dashes")
            return None
        if v in seen:
            self.bad(path + ("id",), f"duplicate {what} id {v!r} (first at line {seen[v]})",
                     "ids must be unique", rule="registry-duplicate-id")
            return None
        seen[v] = self.src.at(*path, "id")[0]
        return v


def _templates_folder(r: _Reader, c: dict) -> str | None:
    value = r.text(c, "templates", ("committee",))
    if value is None:
        return None
    parts = Path(value).parts
    if not value.strip() or Path(value).is_absolute() or ".." in parts or "\\" in value or "\0" in value:
        r.bad(("committee", "templates"), f"`templates` must be a folder inside the repository, got {value!r}",
              "a relative path such as `templates`")
        return None
    return value


def _public_statuses(r: _Reader, c: dict) -> tuple[str, ...]:
    value = c.get("public_statuses")
    if value is None:
        return DEFAULT_PUBLIC_STATUSES
    from .fields import PAPER_STATUSES

    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        r.bad(("committee", "public_statuses"), "`public_statuses` must be a list of paper statuses",
              f"e.g. [final, published]; statuses: {', '.join(PAPER_STATUSES)}")
        return DEFAULT_PUBLIC_STATUSES
    for i, v in enumerate(value):
        if v not in PAPER_STATUSES:
            r.bad(("committee", "public_statuses", i), f"unknown paper status {v!r}",
                  did_you_mean(v, PAPER_STATUSES) or f"statuses: {', '.join(PAPER_STATUSES)}")
    return tuple(v for v in value if v in PAPER_STATUSES)


def _max_pages(r: _Reader, c: dict) -> int:
    value = r.integer(c, "max_pages", ("committee",), DEFAULT_MAX_PAGES)
    if value < 1:
        r.bad(("committee", "max_pages"), f"`max_pages` must be 1 or more, got {value}", "e.g. `max_pages: 2`")
        return DEFAULT_MAX_PAGES
    return value


def load_registry(root: Path) -> Registry:
    path = root / REGISTRY_FILE
    reg = Registry()
    if not path.is_file():
        reg.findings.append(Finding(REGISTRY_FILE, 1, 1, ERROR, "registry-invalid",
                                    "committee.yml not found", "run `issuepapers init` or add the registry"))
        return reg
    src = load_yaml_file(path, REGISTRY_FILE)
    reg.source, reg.findings = src, src.findings
    if src.data is None:
        return reg
    build_registry(src, reg)
    return reg


def build_registry(src: Source, reg: Registry) -> None:
    r = _Reader(src)
    top = r.mapping(src.data, (), _TOP_KEYS, required=("committee", "subcommittees", "meetings"))
    c = r.mapping(top.get("committee") or {}, ("committee",), _COMMITTEE_KEYS,
                  required=("name", "short_name", "agency", "current_term"))
    reg.committee = Committee(
        name=r.text(c, "name", ("committee",)) or "",
        short_name=r.text(c, "short_name", ("committee",)) or "",
        agency=r.text(c, "agency", ("committee",)) or "",
        current_term=r.integer(c, "current_term", ("committee",)),
        logo=r.text(c, "logo", ("committee",)),
        signature_grace_days=r.integer(c, "signature_grace_days", ("committee",), 0),
        signature_lead_days=r.integer(c, "signature_lead_days", ("committee",), 180),
        site_url=r.text(c, "site_url", ("committee",)),
        templates=_templates_folder(r, c),
        public_statuses=_public_statuses(r, c),
        max_pages=_max_pages(r, c),
    )
    seen_terms: dict = {}
    for i, t in enumerate(r.list(top.get("terms"), ("terms",))):
        p = ("terms", i)
        t = r.mapping(t, p, ("term", "start", "end"), required=("term",))
        n = r.integer(t, "term", p)
        if n is None:
            continue
        if n in seen_terms:
            r.bad(p + ("term",), f"duplicate term {n}", rule="registry-duplicate-id")
            continue
        seen_terms[n] = True
        reg.terms[n] = Term(n, r.date(t, "start", p), r.date(t, "end", p))

    seen_sc: dict = {}
    seen_wg: dict = {}
    for i, s in enumerate(r.list(top.get("subcommittees"), ("subcommittees",))):
        p = ("subcommittees", i)
        s = r.mapping(s, p, ("id", "name", "working_groups"), required=("id", "name"))
        sid = r.ident(s, p, seen_sc, "subcommittee")
        sc = Subcommittee(sid or "", r.text(s, "name", p) or "")
        for j, w in enumerate(r.list(s.get("working_groups"), p + ("working_groups",))):
            q = p + ("working_groups", j)
            w = r.mapping(w, q, ("id", "name", "leads", "lifecycle"), required=("id", "name"))
            wid = r.ident(w, q, seen_wg, "working group")
            wg = WorkingGroup(wid or "", r.text(w, "name", q) or "", sc.id)
            for k, lead in enumerate(r.list(w.get("leads"), q + ("leads",))):
                lp = q + ("leads", k)
                lead = r.mapping(lead, lp, ("role", "office", "handle"), required=("role",))
                wg.leads.append(Lead(r.text(lead, "role", lp) or "", r.text(lead, "office", lp),
                                     r.text(lead, "handle", lp)))
            last = None
            for k, ch in enumerate(r.list(w.get("lifecycle"), q + ("lifecycle",))):
                lp = q + ("lifecycle", k)
                ch = r.mapping(ch, lp, ("state", "since"), required=("state", "since"))
                state, since = ch.get("state"), r.date(ch, "since", lp)
                if state not in LIFECYCLE_STATES:
                    r.bad(lp + ("state",), f"lifecycle state {state!r} is not one of {', '.join(LIFECYCLE_STATES)}",
                          did_you_mean(str(state), LIFECYCLE_STATES))
                    continue
                if since is None:
                    continue
                if last and since < last:
                    r.bad(lp + ("since",), "lifecycle changes must be in date order")
                last = since
                wg.lifecycle.append(LifecycleChange(state, since))
            if sid and wid:
                sc.working_groups[wid] = wg
                reg.working_groups[wid] = wg
        if sid:
            reg.subcommittees[sid] = sc

    seen_m: dict = {}
    for i, m in enumerate(r.list(top.get("meetings"), ("meetings",))):
        p = ("meetings", i)
        m = r.mapping(m, p, ("id", "date", "location", "federal_register", "term"), required=("id", "date"))
        mid = m.get("id")
        if not is_slug(mid):
            r.bad(p + ("id",), f"meeting id must be lowercase-with-dashes like 2024-03 (at most {MAX_ID} "
                               f"characters), got {_shown(mid)}",
                  "meeting ids become file and page names: letters a-z, digits and single dashes")
            continue
        if mid in seen_m:
            r.bad(p + ("id",), f"duplicate meeting id {mid!r} (first at line {seen_m[mid]})",
                  rule="registry-duplicate-id")
            continue
        seen_m[mid] = src.at(*p, "id")[0]
        day = r.date(m, "date", p)
        if day is None:
            continue
        term = r.integer(m, "term", p)
        if term is not None and reg.terms and term not in reg.terms:
            r.bad(p + ("term",), f"term {term} is not listed under `terms`")
        if MONTH_RE.match(mid) and mid != day.strftime("%Y-%m"):
            r.bad(p + ("date",), f"meeting {mid!r} is dated {day.isoformat()}, outside its month")
        reg.meetings[mid] = Meeting(mid, day, r.text(m, "location", p) or "",
                                    r.text(m, "federal_register", p), term)

