"""JSON Schema (draft 2020-12) of both document kinds, from the same field tables."""

from __future__ import annotations

from typing import Any

from .fields import (MONTH_RE, NEXT_MEETING_KEYS, PAPER_FIELDS, PUB_NUMBER_RE, REC_FIELDS, REC_ID_RE,
                     REQUIRED_WHEN, TIME_RE, VOTE_KEYS, Field)
from .registry import Registry

DRAFT = "https://json-schema.org/draft/2020-12/schema"


def _kind(spec: Field, reg: Registry) -> dict[str, Any]:
    k = spec.kind
    if k in ("str", "path"):
        return {"type": "string", "minLength": 1}
    if k == "int":
        return {"type": "integer"}
    if k == "date":
        return {"type": "string", "format": "date"}
    if k == "enum":
        return {"enum": list(spec.choices)}
    if k == "id":
        ids = reg.subcommittees if spec.name == "subcommittee" else reg.working_groups
        return {"type": "string", "enum": sorted(ids)}
    if k == "month":
        ids = sorted(set(reg.meetings) | {m.month for m in reg.meetings.values()})
        return {"type": "string", "anyOf": [{"enum": ids}, {"pattern": MONTH_RE.pattern}]}
    if k == "pub_number":
        return {"type": "string", "pattern": PUB_NUMBER_RE.pattern}
    if k == "rec_id":
        return {"type": "string", "pattern": REC_ID_RE.pattern}
    if k == "list":
        item = _kind(Field(spec.name, spec.item or "str", ""), reg)
        return {"type": "array", "items": item}
    if k == "people":
        return {"type": "array", "minItems": 1, "items": {
            "type": "object", "additionalProperties": False, "required": ["name"],
            "properties": {"name": {"type": "string", "minLength": 1}, "office": {"type": "string"}}}}
    if k == "next_meeting":
        props = {key: {"type": "string"} for key in NEXT_MEETING_KEYS}
        props["date"] = {"type": "string", "format": "date"}
        props["time"] = {"type": "string", "pattern": TIME_RE.pattern}
        return {"type": "object", "additionalProperties": False, "required": ["date"], "properties": props}
    if k == "vote":
        return {"type": "object", "additionalProperties": False,
                "properties": {key: {"type": "integer", "minimum": 0} for key in VOTE_KEYS}}
    raise AssertionError(k)


def _object(fields: dict[str, Field], reg: Registry, title: str) -> dict[str, Any]:
    props = {}
    for name, spec in fields.items():
        props[name] = {"description": spec.doc, **_kind(spec, reg)}
    return {"title": title, "type": "object", "additionalProperties": False,
            "required": [n for n, s in fields.items() if s.required], "properties": props}


def conditions(kind: str) -> list[dict[str, Any]]:
    """`fields.REQUIRED_WHEN` as JSON Schema if/then: the same data the rules read."""
    out: list[dict[str, Any]] = []
    for c in REQUIRED_WHEN:
        if c.kind != kind:
            continue
        if c.one_of:
            out.append({"not": {"required": list(c.needs)}})  # never more than one, whatever the status
        then = {"oneOf": [{"required": [k]} for k in c.needs]} if c.one_of else {"required": list(c.needs)}
        rule: dict[str, Any] = {"if": {"properties": {c.key: {"enum": list(c.values)}}, "required": [c.key]},
                                "then": then}
        if c.only_then:
            rule["else"] = {"not": {"anyOf": [{"required": [k]} for k in c.needs]}}
        out.append(rule)
    return out


def paper_schema(reg: Registry) -> dict[str, Any]:
    s = _object(PAPER_FIELDS, reg, "Issue paper front matter")
    s["allOf"] = conditions("paper")
    return s


def recommendation_schema(reg: Registry) -> dict[str, Any]:
    s = _object(REC_FIELDS, reg, "Recommendation front matter")
    s["allOf"] = conditions("recommendation")
    return s


def schema(reg: Registry, kind: str | None = None) -> dict[str, Any]:
    """One kind's schema, or both under `$defs` (selected by the file's folder)."""
    short = reg.committee.short_name or "committee"
    if kind == "paper":
        return {"$schema": DRAFT, "$id": "issuepapers/paper.schema.json", **paper_schema(reg)}
    if kind == "recommendation":
        return {"$schema": DRAFT, "$id": "issuepapers/recommendation.schema.json", **recommendation_schema(reg)}
    return {
        "$schema": DRAFT, "$id": "issuepapers/schema.json",
        "title": f"{short} issue papers and recommendations",
        "$defs": {"paper": paper_schema(reg), "recommendation": recommendation_schema(reg)},
        "anyOf": [{"$ref": "#/$defs/paper"}, {"$ref": "#/$defs/recommendation"}],
    }
