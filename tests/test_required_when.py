""""Required when" is data (fields.REQUIRED_WHEN): the rules and the JSON Schema read the same conditions."""

from __future__ import annotations

import json

import jsonschema
import pytest

from conftest import REPO, copy_sample, run_cli
from issuepapers.fields import REQUIRED_WHEN
from issuepapers.load import parse
from issuepapers.registry import load_registry
from issuepapers.rules import RULES
from issuepapers.schema import schema

BASE = {"paper": "papers/cross-border-recognition/2024-03.md", "recommendation": "recommendations/17/17-001.md"}


def _violating(cond) -> dict:
    """A valid sample document of the condition's kind, changed so that the condition holds and its keys are gone."""
    data = dict(parse(BASE[cond.kind], (REPO / BASE[cond.kind]).read_bytes()).data)
    data[cond.key] = cond.values[0]
    for key in cond.needs:
        data.pop(key, None)
    return data


@pytest.mark.parametrize("cond", REQUIRED_WHEN, ids=lambda c: c.rule)
def test_each_condition_is_a_rule_and_a_schema_clause(cond, tmp_path):
    assert cond.rule in RULES
    reg = load_registry(REPO)
    kind_schema = schema(reg, cond.kind)
    sample = parse(BASE[cond.kind], (REPO / BASE[cond.kind]).read_bytes()).data
    jsonschema.validate(json.loads(json.dumps(sample, default=str)), kind_schema)  # the base is valid
    bad = _violating(cond)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(json.loads(json.dumps(bad, default=str)), kind_schema)

    root = copy_sample(tmp_path / "repo")
    import yaml

    path = root / BASE[cond.kind]
    body = parse(BASE[cond.kind], path.read_bytes()).body
    path.write_text("---\n" + yaml.safe_dump(bad, sort_keys=False) + "---\n" + body)
    r = run_cli("check", "--format", "json", str(path), cwd=root)
    assert cond.rule in {f["rule"] for f in json.loads(r.stdout)}, r.stdout
