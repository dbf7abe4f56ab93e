"""The vocabulary as data: statuses, enums, and the front-matter fields of each kind.

Rules, the model, the scaffolds and the JSON Schema all read these tables, so a
field is described once.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

PAPER_STATUSES = ("draft", "review", "final", "published", "withdrawn")
SIGNED_STATUSES = frozenset({"final", "published"})  # need `date` and a signer
ACTIONS = ("informational", "decision")
REC_STATUSES = ("draft", "proposed", "adopted", "not-adopted", "withdrawn")
VOTED_STATUSES = frozenset({"adopted", "not-adopted"})  # need `meeting`
AGENCY_STATUSES = ("pending", "concur", "partially-concur", "non-concur", "in-progress", "implemented")
LIFECYCLE_STATES = ("active", "hiatus", "concluded")
SIGNER_KEYS = ("prepared_by", "submitted_by")
# What a scaffold puts where the author must write; the `placeholder-title` rule looks for it.
PLACEHOLDER = "TODO"
SIGNER_LABELS = {"prepared_by": "Prepared by", "submitted_by": "Submitted by"}

# Body sections of a paper, in order: (title, required)
SECTIONS = (
    ("Background", True),
    ("Objectives and Scope of Activities", False),
    ("Current Status", True),
    ("Next Steps", False),
)

# Characters no front-matter text may hold: C0 and C1 controls (line breaks and tabs included) and the
# Unicode line and paragraph separators. They make feeds, PDF metadata, calendars and tag messages invalid.
CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(value: Any) -> str:
    """`value` as one line of printable text: controls and line breaks become spaces, runs of space one."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in str(value)).split())


MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
PUB_NUMBER_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])\d{2}$")
REC_ID_RE = re.compile(r"^(\d{1,3})-(\d{3})$")
TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Field:
    """One front-matter key: its type, whether it is always required, and its doc."""

    name: str
    kind: str  # str, int, date, month, enum, id, list, people, next_meeting, vote, pub_number, rec_id, path
    doc: str
    required: bool = False
    choices: tuple[str, ...] = ()
    item: str | None = None  # kind of list items


PAPER_FIELDS = {f.name: f for f in (
    Field("subcommittee", "id", "Subcommittee id from committee.yml.", True),
    Field("working_group", "id", "Working group id from committee.yml, under `subcommittee`.", True),
    Field("meeting", "month", "The public meeting the paper is for: a meeting id or YYYY-MM.", True),
    Field("status", "enum", "Lifecycle of the paper.", True, PAPER_STATUSES),
    Field("action_required", "enum", "Printed as \"Action Required: ...\".", True, ACTIONS),
    Field("title", "str", "Title; defaults to the working group's name."),
    Field("pub_number", "pub_number", "Publication number NNNN-MMYY, printed as \"Pub #NNNN-MMYY\"."),
    Field("office", "str", "Issuing office line."),
    Field("prepared_by", "people", "Signers, printed as \"Prepared by: Name, Office\"."),
    Field("submitted_by", "people", "Signers, printed as \"Submitted by: Name, Office\"."),
    Field("date", "date", "Signature date (ISO), printed as \"Date: January 25, 2024\"."),
    Field("next_meeting", "next_meeting", "The working group's next meeting."),
    Field("recommendations", "list", "Ids of recommendations this paper cites.", item="rec_id"),
    Field("supersedes", "path", "Repository path of the earlier paper this one replaces."),
    Field("tags", "list", "Free-form tags.", item="str"),
    Field("withdrawn_reason", "str", "Why the paper was withdrawn; the public site lists it with this reason."),
)}

REC_FIELDS = {f.name: f for f in (
    Field("id", "rec_id", "`<term>-<NNN>`, the same as the file name.", True),
    Field("title", "str", "Title of the recommendation.", True),
    Field("term", "int", "Committee term, e.g. 17.", True),
    Field("subcommittee", "id", "Subcommittee id from committee.yml.", True),
    Field("working_group", "id", "Working group id from committee.yml, under `subcommittee`.", True),
    Field("status", "enum", "The committee's own vote.", True, REC_STATUSES),
    Field("meeting", "month", "Meeting id where it was voted (required when adopted or not adopted)."),
    Field("vote", "vote", "Votes {for, against, abstain}."),
    Field("agency_status", "enum", "The agency's response (required when adopted).", choices=AGENCY_STATUSES),
    Field("agency_response_date", "date", "Date of the agency's response (required unless pending)."),
    Field("papers", "list", "Paths of the papers this recommendation came from.", item="path"),
    Field("supersedes", "rec_id", "Id of the recommendation this one replaces."),
)}

@dataclass(frozen=True)
class RequiredWhen:
    """Keys a document must have once `key` takes one of `values` (read by the rules and by `schema`)."""

    rule: str  # the rule that reports a missing key
    kind: str  # paper or recommendation
    key: str
    values: tuple[str, ...]
    needs: tuple[str, ...]
    one_of: bool = False  # exactly one of `needs`, not all of them
    only_then: bool = False  # `needs` are not allowed unless the condition holds

    def holds(self, data: dict) -> bool:
        return data.get(self.key) in self.values


# "Required when": the lifecycle's demands, as data.
REQUIRED_WHEN = (
    RequiredWhen("signer-required", "paper", "status", tuple(sorted(SIGNED_STATUSES)), SIGNER_KEYS, one_of=True),
    RequiredWhen("date-required", "paper", "status", tuple(sorted(SIGNED_STATUSES)), ("date",)),
    RequiredWhen("meeting-required", "recommendation", "status", tuple(sorted(VOTED_STATUSES)), ("meeting",)),
    RequiredWhen("agency-status-required", "recommendation", "status", ("adopted",), ("agency_status",),
                 only_then=True),
    RequiredWhen("agency-response-date-required", "recommendation", "agency_status",
                 tuple(s for s in AGENCY_STATUSES if s != "pending"), ("agency_response_date",)),
)
REQUIRED_WHEN_BY_RULE = {c.rule: c for c in REQUIRED_WHEN}

NEXT_MEETING_KEYS = {"date": True, "time": False, "cadence": False, "location": False}
PERSON_KEYS = {"name": True, "office": False}
VOTE_KEYS = ("for", "against", "abstain")

KIND_WORDS = {
    "str": "a string", "int": "a whole number", "date": "a date (YYYY-MM-DD)",
    "month": "a meeting id or month (YYYY-MM)", "enum": "one of the listed values",
    "id": "an id (lowercase-with-dashes)", "list": "a list", "people": "a list of {name, office}",
    "next_meeting": "a mapping {date, time, cadence, location}", "vote": "a mapping {for, against, abstain}",
    "pub_number": "a publication number NNNN-MMYY", "rec_id": "a recommendation id <term>-<NNN>",
    "path": "a repository path",
}


def describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)


class Problem(Exception):
    """A value that does not fit its field; `sub` is the key path below the field."""

    def __init__(self, message: str, hint: str | None = None, sub: tuple = ()):
        super().__init__(message)
        self.message, self.hint, self.sub = message, hint, sub

    def __reduce__(self):  # documents are loaded in worker processes
        return (Problem, (self.message, self.hint, self.sub))


def parse_date(value: Any) -> dt.date:
    if isinstance(value, str):
        try:
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                return dt.date.fromisoformat(value)
        except ValueError as exc:
            raise Problem(f"{value!r} is not a valid date: {exc}",
                          "use a real calendar date, year-month-day, e.g. 2024-03-15") from None
    raise Problem(f"expected a date (YYYY-MM-DD), got {describe(value)}",
                  "write the date as year-month-day, e.g. 2024-03-15")


def _string(value: Any, plain: str | None) -> str:
    if isinstance(value, str) and value.strip():
        return value
    if isinstance(value, str):
        raise Problem("must not be empty")
    hint = f"quote it: \"{plain}\"" if plain is not None else None
    raise Problem(f"expected a string, got {describe(value)}", hint)


def coerce(kind: str, value: Any, plain: str | None = None, item: str | None = None) -> Any:
    """Return `value` typed for `kind`, or raise Problem. `plain` is the source text of a plain scalar."""
    if kind in ("str", "enum", "path"):
        return _string(value, plain)
    if kind == "id":
        s = _string(value, plain)
        if not ID_RE.match(s):
            raise Problem(f"{s!r} is not an id", f"ids are lowercase words joined by dashes, e.g. `{slug(s)}`"
                          if slug(s) else "ids are lowercase words joined by dashes")
        return s
    if kind == "int":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise Problem(f"expected a whole number, got {describe(value)}")
    if kind == "date":
        return parse_date(value)
    if kind == "month":
        if isinstance(value, str) and value.strip():
            return value
        raise Problem(f"expected a meeting id (YYYY-MM), got {describe(value)}",
                      f"quote it: \"{plain}\"" if plain else None)
    if kind == "pub_number":
        s = _string(value, plain)
        if not PUB_NUMBER_RE.match(s):
            raise Problem(f"{s!r} is not a publication number", "write NNNN-MMYY, e.g. 3591-0224")
        return s
    if kind == "rec_id":
        s = _string(value, plain)
        if not REC_ID_RE.match(s):
            raise Problem(f"{s!r} is not a recommendation id", "write <term>-<NNN>, e.g. 17-004")
        return s
    if kind == "list":
        if not isinstance(value, list):
            raise Problem(f"expected a list, got {describe(value)}", "write one `- item` per line")
        out = []
        for i, v in enumerate(value):
            try:
                out.append(coerce(item or "str", v))
            except Problem as p:
                raise Problem(p.message, p.hint, (i,) + p.sub) from None
        return out
    if kind == "people":
        if not isinstance(value, list) or not value:
            raise Problem(f"expected a list of {{name, office}}, got {describe(value)}",
                          "write `- name: ...` and `office: ...` under the key")
        people = []
        for i, v in enumerate(value):
            d = _mapping(v, PERSON_KEYS, (i,))
            people.append({k: _sub(lambda x: _string(x, None), d, k, (i,)) for k in d})
        return people
    if kind == "next_meeting":
        d = _mapping(value, NEXT_MEETING_KEYS, ())
        out = {}
        for k, v in d.items():
            if k == "date":
                out[k] = _sub(parse_date, d, k, ())
            else:
                out[k] = _sub(lambda x: _string(x, None), d, k, ())
                if k == "time" and not TIME_RE.match(out[k]):
                    raise Problem(f"{out[k]!r} is not a time", "write the 24-hour time in quotes, e.g. "
                                  "`time: \"10:00\"` (2 p.m. is \"14:00\")", ("time",))
        return out
    if kind == "vote":
        d = _mapping(value, dict.fromkeys(VOTE_KEYS, False), ())
        for k, v in d.items():
            if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                raise Problem(f"`{k}` must be a whole number of votes, got {describe(v)}", sub=(k,))
        return dict(d)
    raise AssertionError(kind)


def _mapping(value: Any, keys: dict, sub: tuple) -> dict:
    if not isinstance(value, dict):
        raise Problem(f"expected a mapping with {', '.join(keys)}, got {describe(value)}", sub=sub)
    for k, required in keys.items():
        if required and k not in value:
            raise Problem(f"missing `{k}`", f"add `{k}:`", sub)
    for k in value:
        if k not in keys:
            raise Problem(f"unknown key {k!r}; expected {', '.join(map(repr, keys))}",
                          did_you_mean(str(k), keys), sub + (k,))
    return value


def _sub(fn, d, k, sub):
    try:
        return fn(d[k])
    except Problem as p:
        raise Problem(p.message, p.hint, sub + (k,) + p.sub) from None


def slug(text: str) -> str:
    """`text` as an id: lowercase words joined by dashes ("Secure Trade Lanes" → "secure-trade-lanes")."""
    return "-".join(re.findall(r"[a-z0-9]+", text.lower()))


def key_path(path: tuple) -> str:
    """A key path as one name: ("next_meeting", "time") → "next_meeting.time" (list items by number)."""
    return ".".join(map(str, path))


def did_you_mean(word: str, choices) -> str | None:
    import difflib

    best = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    if best:
        return f"did you mean {best[0]!r}?"
    return None


def month_of(value: str) -> tuple[int, int] | None:
    m = MONTH_RE.match(value)
    return (int(m.group(1)), int(m.group(2))) if m else None

