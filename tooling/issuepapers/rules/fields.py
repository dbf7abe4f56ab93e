"""Front-matter rules: known keys, required keys, types and allowed values."""

from __future__ import annotations

from ..diagnostics import ERROR, WARNING
from ..fields import (AGENCY_STATUSES, CONTROL_RE, PLACEHOLDER, REC_STATUSES, REQUIRED_WHEN_BY_RULE, Problem,
                      coerce, did_you_mean, key_path)
from . import rule
from .paste import has_odd, plain
from .references import id_for_name


@rule("unknown-key", ERROR)
def unknown_keys(doc, coll):
    """Front matter may use only the keys defined for its document kind."""
    if doc.FIELDS.keys() >= doc.source.data.keys():
        return  # every key is known: one set comparison, in C
    for key in doc.source.data:
        if key not in doc.FIELDS:
            hint = did_you_mean(str(key), doc.FIELDS) or f"allowed keys: {', '.join(doc.FIELDS)}"
            yield doc.source.key_at(key), f"unknown key {key!r} for a {doc.KIND}", hint


def _subset(test):
    """The fields of a kind that pass `test`, worked out once per kind."""
    cache: dict[int, list] = {}

    def fields_of(fields: dict) -> list:
        key = id(fields)
        if key not in cache:
            cache[key] = [(n, spec) for n, spec in fields.items() if test(spec)]
        return cache[key]

    return fields_of


_required = _subset(lambda spec: spec.required)
_enumerated = _subset(lambda spec: bool(spec.choices))


@rule("missing-field", ERROR)
def required_fields(doc, coll):
    """Every required key must be present with a value."""
    data = doc.source.data
    for name, spec in _required(doc.FIELDS):
        if data.get(name) is None:
            pos = doc.source.key_at(name) if name in data else (doc.source.front_matter_end, 1)
            yield pos, f"missing required key `{name}`", f"add `{name}:` ({spec.doc})"


@rule("field-type", ERROR)
def field_types(doc, coll):
    """Each value must have its key's type (string, date, list, mapping...)."""
    data = doc.source.data
    for path, problem in doc.problems:
        raw = _value_at(data, path)
        if has_odd(raw) and _fits(doc.FIELDS[path[0]], path, plain(raw)):
            continue  # only an invisible or typographic character: `invisible-character` says which
        hint = problem.hint
        if len(path) == 1 and doc.FIELDS[path[0]].kind in ("id", "month"):
            hint = id_for_name(path[0], raw, coll.registry) or hint
        yield doc.source.at(*path), f"`{key_path(path)}`: {problem.message}", hint


def _value_at(data, path: tuple):
    for k in path:
        try:
            data = data[k]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _fits(spec, path: tuple, value: str) -> bool:
    """Whether `value` would be a good value at `path` of a field (a top-level one or a list item)."""
    try:
        coerce(spec.kind if len(path) == 1 else (spec.item or "str"), value)
    except Problem:
        return False
    return True


@rule("invalid-value", ERROR)
def enum_values(doc, coll):
    """Enumerated keys (status, action_required, agency_status) must take a listed value."""
    for name, spec in _enumerated(doc.FIELDS):
        value = doc.values.get(name)
        if value is not None and value not in spec.choices and not (has_odd(value) and plain(value) in spec.choices):
            yield (doc.source.at(name), f"`{name}` is {value!r}; expected one of: {', '.join(spec.choices)}",
                   did_you_mean(value, spec.choices))


@rule("signer-required", ERROR, ("paper",))
def signer(doc, coll):
    """A paper has at most one of `prepared_by`/`submitted_by`, and exactly one once final or published."""
    when = REQUIRED_WHEN_BY_RULE["signer-required"]
    present = [k for k in when.needs if k in doc.source.data]
    if len(present) > 1:
        yield doc.source.key_at(present[1]), "both `prepared_by` and `submitted_by` are given", "keep one"
    elif not present and when.holds(doc.source.data):
        yield (doc.source.key_at("status"), f"a {doc.status} paper needs a signer",
               "add `prepared_by:` (or `submitted_by:`) with `- name: ...` and `office: ...`")


@rule("date-required", ERROR, ("paper",))
def signature_date(doc, coll):
    """A final or published paper must carry its signature `date`."""
    if REQUIRED_WHEN_BY_RULE["date-required"].holds(doc.source.data) and "date" not in doc.source.data:
        yield doc.source.key_at("status"), f"a {doc.status} paper needs `date`", "add `date: YYYY-MM-DD`"


@rule("meeting-required", ERROR, ("recommendation",))
def voted_meeting(doc, coll):
    """An adopted or not-adopted recommendation must name the `meeting` where it was voted."""
    if REQUIRED_WHEN_BY_RULE["meeting-required"].holds(doc.source.data) and "meeting" not in doc.source.data:
        yield doc.source.key_at("status"), f"a recommendation with status {doc.status!r} needs `meeting`", \
            "add `meeting: YYYY-MM`"


@rule("agency-status-required", ERROR, ("recommendation",))
def agency_status(doc, coll):
    """An adopted recommendation must record `agency_status`; others must not."""
    has = "agency_status" in doc.source.data
    holds = REQUIRED_WHEN_BY_RULE["agency-status-required"].holds(doc.source.data)
    if holds and not has:
        yield doc.source.key_at("status"), "an adopted recommendation needs `agency_status`", \
            f"add `agency_status: pending` (one of {', '.join(AGENCY_STATUSES)})"
    elif has and doc.status in REC_STATUSES and not holds:
        yield doc.source.key_at("agency_status"), \
            f"`agency_status` is set but the committee status is {doc.status!r}", \
            "remove it, or set `status: adopted`"


@rule("agency-response-date-required", ERROR, ("recommendation",))
def agency_response_date(doc, coll):
    """An agency status other than `pending` must carry `agency_response_date`."""
    st = doc.agency_status
    if REQUIRED_WHEN_BY_RULE["agency-response-date-required"].holds(doc.source.data) \
            and "agency_response_date" not in doc.source.data:
        yield doc.source.key_at("agency_status"), f"agency status {st!r} needs `agency_response_date`", \
            "add `agency_response_date: YYYY-MM-DD`"


def _texts(value, path: tuple):
    """(path, text) of every string inside a front-matter value."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _texts(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _texts(v, path + (i,))


def _printable(value) -> bool:
    """True when no string inside `value` can hold a control character (printable text has none)."""
    t = type(value)
    if t is str:
        return value.isprintable()
    if t is list:
        return all(map(_printable, value))
    if t is dict:
        return all(map(_printable, value.values()))
    return not isinstance(value, (str, dict, list))  # numbers, booleans, null: no text


@rule("control-character", ERROR)
def control_characters(doc, coll):
    """Front-matter text holds no control characters or line breaks (they break feeds, PDF metadata, tags)."""
    for key, value in doc.source.data.items():
        if _printable(value):
            continue  # the common case: plain lines, numbers, lists and mappings of them
        for path, text in _texts(value, (key,)):
            m = CONTROL_RE.search(text)
            if m:
                yield (doc.source.at(*path), f"`{'.'.join(map(str, path))}` holds the control character "
                       f"U+{ord(m.group()):04X}", "write it on one line, without control characters")


# Longer than any title, office line or name a paper prints (real titles are under 150 characters); a
# megabyte of title would be laid out again in the running header of every PDF page.
MAX_TEXT = 1000


@rule("value-too-long", ERROR)
def long_values(doc, coll):
    """A front-matter text holds at most 1,000 characters (titles, offices and names are one line)."""
    if len(doc.source.yaml_text or "") <= MAX_TEXT:
        return  # the whole front matter is shorter: no value in it can be longer
    for key, value in doc.source.data.items():
        for path, text in _texts(value, (key,)):
            if len(text) > MAX_TEXT:
                yield (doc.source.at(*path), f"`{'.'.join(map(str, path))}` holds {len(text):,} characters "
                       f"(at most {MAX_TEXT:,})", "shorten it: put long text in the body of the paper")


@rule("placeholder-title", WARNING)
def title_placeholder(doc, coll):
    """A `title` should not keep the scaffold's placeholder."""
    title = doc.values.get("title") or ""
    if title.startswith(PLACEHOLDER):
        yield doc.source.at("title"), "the title still holds the scaffold's placeholder", "write the title"
