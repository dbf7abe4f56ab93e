"""What a .docx says → a paper of this repository: ids resolved against committee.yml, checked, written.

The header block names the committee, the subcommittee, the working group and
the month in words ("Secure Trade Lanes Subcommittee", "March 2024"); real
papers lay it out differently (one line or several, on a cover or not), so the
names are found in the header's text wherever they are, and what is left over
(that is neither a name the registry knows, the committee, the agency nor
"Government Issue Paper") is the issuing-office line.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from ..diagnostics import ERROR, Finding
from ..fields import PAPER_FIELDS, did_you_mean
from ..registry import Registry, WorkingGroup
from .read import SECTION_LABELS, WordPaper

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
MONTH_RE = re.compile(r"\b(" + "|".join(MONTHS) + r")\s+(\d{4})\b", re.IGNORECASE)
# Fields the layout prints (the import reads them from the text); our export carries every other field
# (status, next_meeting, recommendations, supersedes, tags, …) in the document's properties.
PRINTED = frozenset({"subcommittee", "working_group", "meeting", "action_required", "title", "pub_number",
                     "office", "prepared_by", "submitted_by", "date"})


def kept_in_properties(raw: dict) -> dict:
    """The front matter the layout does not print: what travels in the .docx's properties."""
    return {k: v for k, v in raw.items() if k not in PRINTED and v not in (None, "", [])}


def _norm(text: str) -> str:
    text = text.replace("\u00a0", " ").replace("\u2013", "-").replace("\u2014", "-").replace("\u2010", "-")
    text = text.replace("\u2019", "'")
    return re.sub(r"\s+", " ", text).strip()


def _phrase(words: str) -> re.Pattern:
    parts = [re.escape(p) for p in _norm(words).split(" ")]
    return re.compile(r"(?<![\w-])" + r"\s+".join(parts) + r"(?![\w-])", re.IGNORECASE)


@dataclass
class Resolved:
    subcommittee: str | None = None
    working_group: WorkingGroup | None = None
    meeting: str | None = None  # registry meeting id
    month: str | None = None  # YYYY-MM (the file name)
    office: str | None = None
    findings: list[Finding] = field(default_factory=list)


def resolve(word: WordPaper, reg: Registry, wg_id: str | None = None, meeting: str | None = None) -> Resolved:
    """Registry ids from the header's names (or the overrides), and the office line from what is left."""
    res = Resolved()
    lines = [(n, _norm(t)) for n, t in word.header]
    first = lines[0][0] if lines else 1

    def bad(rule: str, message: str, hint: str | None, at: int = first) -> None:
        res.findings.append(Finding(word.path, max(at, 1), 1, ERROR, rule, message, hint))

    # working group --------------------------------------------------------------------------
    found: dict[str, int] = {}
    for wg in sorted(reg.working_groups.values(), key=lambda g: -len(g.name)):
        pattern = _phrase(f"{wg.name} Working Group")
        for n, text in lines:
            if pattern.search(text):
                found.setdefault(wg.id, n)
    if wg_id:
        res.working_group = reg.working_groups.get(wg_id)
        if res.working_group is None:
            raise_unknown = did_you_mean(wg_id, reg.working_groups) or \
                f"known: {', '.join(sorted(reg.working_groups))}"
            bad("word-unknown-working-group", f"--working-group {wg_id!r} is not in committee.yml", raise_unknown)
    elif len(found) == 1:
        res.working_group = reg.working_groups[next(iter(found))]
    elif len(found) > 1:
        names = ", ".join(f"{reg.working_groups[i].name} (`{i}`)" for i in sorted(found))
        bad("word-unknown-working-group", f"the header names more than one working group: {names}",
            f"pass --working-group with one of: {', '.join(sorted(found))}", min(found.values()))
    else:
        named = _named(lines, "Working Group")
        guess = None
        if named:
            choices = {wg.name.lower(): wg.id for wg in reg.working_groups.values()}
            best = did_you_mean(named[1].lower(), choices)
            if best:
                guess = choices[best.split("'")[1]]
        what = f"working group {named[1]!r}" if named else "no working group"
        hint = (f"did you mean {guess!r}? " if guess else "") + \
            "name it in the header as in committee.yml, or pass --working-group ID " \
            f"(known: {', '.join(sorted(reg.working_groups))})"
        bad("word-unknown-working-group", f"{what} in the header matches no working group of committee.yml",
            hint, named[0] if named else first)
    wg = res.working_group
    if wg is not None:
        res.subcommittee = wg.subcommittee
        named_sc = [sc for sc in reg.subcommittees.values()
                    if any(_phrase(f"{sc.name} Subcommittee").search(t) for _, t in lines)]
        if named_sc and wg.subcommittee not in {sc.id for sc in named_sc} and not wg_id:  # an override is trusted
            sc = named_sc[0]
            bad("word-subcommittee-mismatch",
                f"the header names the {sc.name} Subcommittee, but working group `{wg.id}` belongs to "
                f"`{wg.subcommittee}` in committee.yml",
                "fix the header, or pass --working-group with a working group of that subcommittee")

    # meeting ---------------------------------------------------------------------------------
    if meeting:
        m = reg.meeting(meeting)
        if m is None:
            bad("word-unknown-meeting", f"--meeting {meeting!r} is not a public meeting in committee.yml",
                did_you_mean(meeting, reg.meetings) or "write it as YYYY-MM, one of the meetings: in committee.yml")
        else:
            res.meeting, res.month = m.id, m.month
    else:
        month = next(((n, mm) for n, t in lines for mm in [MONTH_RE.search(t)] if mm), None)
        if month is None:
            bad("word-missing", "no month (such as \"March 2024\") in the header block",
                "write the meeting's month under the working group, or pass --meeting YYYY-MM")
        else:
            n, mm = month
            value = f"{int(mm.group(2)):04d}-{MONTHS.index(mm.group(1).capitalize()) + 1:02d}"
            m = reg.meeting(value)
            if m is None:
                near = sorted(reg.meetings.values(), key=lambda x: abs((x.date - dt.date.fromisoformat(
                    value + "-01")).days))[:2]
                hint = "add the meeting to committee.yml, or pass --meeting ID"
                if near:
                    hint = f"did you mean {' or '.join(repr(x.id) for x in near)}? " + hint
                bad("word-unknown-meeting", f"the header's month {mm.group(0)!r} is no public meeting in "
                    "committee.yml", hint, n)
            else:
                res.meeting, res.month = m.id, m.month

    # office: what no known name accounts for -------------------------------------------------
    known = [reg.committee.name, reg.committee.agency, reg.committee.short_name, "Government Issue Paper",
             "DRAFT"]
    known += [f"{sc.name} Subcommittee" for sc in reg.subcommittees.values()]
    known += [f"{g.name} Working Group" for g in reg.working_groups.values()]
    if word.values.get("title"):
        known.append(word.values["title"])
    patterns = [_phrase(k) for k in sorted({k for k in known if k}, key=len, reverse=True)]
    for _, text in lines:
        rest = MONTH_RE.sub(" ", text)
        for p in patterns:
            rest = p.sub(" ", rest)
        rest = _norm(re.sub(r"^[\s,;:|/-]+|[\s,;:|/-]+$", "", rest))
        if len(rest) > 2 and re.search(r"[A-Za-z]{3}", rest):
            res.office = rest
            break
    return res


def _named(lines: list[tuple[int, str]], suffix: str) -> tuple[int, str] | None:
    """(paragraph, the few words before `suffix`) of the first line that has it."""
    for n, text in lines:
        m = re.search(r"((?:[\w/&'.,-]+\s+){1,6})" + suffix, text, re.IGNORECASE)
        if m:
            return n, m.group(1).strip()
    return None


def front_matter(word: WordPaper, res: Resolved) -> dict:
    """Front matter in the order of the fields' table, status `draft` unless the export kept another."""
    v, props = word.values, word.properties
    values = {
        "subcommittee": res.subcommittee,
        "working_group": res.working_group.id if res.working_group else None,
        "meeting": res.meeting,
        "status": props.get("status") or "draft",
        "action_required": v.get("action_required"),
        "title": v.get("title") if res.working_group is None or _norm(v.get("title") or "") not in (
            res.working_group.name, res.working_group.full_name) else None,
        "pub_number": v.get("pub_number"),
        "office": v.get("office") or res.office,
        "prepared_by": v.get("prepared_by"),
        "submitted_by": v.get("submitted_by"),
        "date": v.get("date"),
    }
    for key, value in props.items():
        if key in PAPER_FIELDS and key not in PRINTED and key != "status" and value not in (None, "", []):
            values[key] = _dates(value)
    order = list(PAPER_FIELDS)
    return {k: values[k] for k in sorted(values, key=lambda k: order.index(k) if k in order else len(order))
            if values[k] not in (None, "", [])}


def _dates(value):
    """ISO dates kept as text in the properties, as dates again (written unquoted, as a person writes them)."""
    if isinstance(value, dict):
        return {k: _dates(v) for k, v in value.items()}
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    return value


def missing(word: WordPaper) -> list[Finding]:
    """What the paper needs and the document does not say (section labels, Action Required)."""
    out = []
    at = word.header[-1][0] if word.header else 1
    for title in (SECTION_LABELS[0], SECTION_LABELS[2]):
        if title not in word.sections:
            out.append(Finding(word.path, at, 1, ERROR, "word-missing",
                               f"no `{title}:` label: the paper needs a {title} section",
                               f"start the section's first paragraph with the bold run-in label `{title}:`"))
    if "action_required" not in word.values and "action_required" not in word.positions:
        out.append(Finding(word.path, at, 1, ERROR, "word-missing", "no `Action Required:` line",
                           "add `Action Required: Informational` (or `Decision`) above Background"))
    return out


def image_names(word: WordPaper, month: str) -> list[str]:
    return [f"{month}-image-{i + 1}.{img.ext}" for i, img in enumerate(word.images)]


def body_text(word: WordPaper, names: list[str]) -> str:
    return re.sub(r"\{image:(\d+)\}", lambda m: names[int(m.group(1))], word.body)


def image_findings(word: WordPaper) -> list[Finding]:
    return [Finding(word.path, img.number, 1, ERROR, "word-image-alt",
                    f"image {i + 1} in paragraph {img.number} has no alt text",
                    "in Word: right-click the picture > Edit Alt Text, describe what it shows, save, import again")
            for i, img in enumerate(word.images) if not img.alt.strip()]


def check_new(coll, rel: str, text: str, image_files: set[str]) -> list[Finding]:
    """`check`'s findings for the paper at `rel` as if it were written (replacing any paper there);
    `coll` (the repository's collection, loaded once per command) and the files are not touched."""
    from ..load import parse
    from ..model import Paper
    from ..rules import check_collection

    src = parse(rel, text.encode("utf-8"))
    if src.data is None:
        return src.findings
    docs = [d for d in coll.documents() if d.path != rel] + [Paper.from_source(src)]
    found = check_collection(coll.derived(docs), {rel})
    return [f for f in found if not (f.rule == "image-missing" and any(repr(n) in f.message for n in image_files))]
