"""The model: section scanning, derived links, and documents crossing processes."""

from __future__ import annotations

import pickle
import random
import re

from conftest import REPO
from issuepapers.collection import load_collection
from issuepapers.model import scan_sections


def reference_sections(body: str, first: int):
    """Line by line, as a reader would: ATX headings outside fenced code."""
    out, fence = [], None
    for n, line in enumerate(body.split("\n")):
        m = re.match(r"^ {0,3}(`{3,}|~{3,})", line)
        if m:
            fence = None if fence and m.group(1).startswith(fence) else (fence or m.group(1)[0] * len(m.group(1)))
            continue
        h = re.match(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$", line)
        if h and fence is None:
            out.append((h.group(2).strip(), len(h.group(1)), first + n))
    return out


def test_section_scan_agrees_with_a_line_by_line_reading():
    rng = random.Random(7)
    pieces = ["## Background", "# Title", "####### seven", "#nospace", "text", "", "- item", "## Next Steps ##",
              "   ## indented", "##\tTabbed", "```", "~~~", "## Inside?", "###### Six"]
    for _ in range(2000):
        body = "\n".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        got = [(s.title, s.level, s.line) for s in scan_sections(body, 5)]
        assert got == reference_sections(body, 5), body


def test_derived_links_both_ways():
    coll = load_collection(REPO)
    old = coll.by_path["papers/cross-border-recognition/2023-12.md"]
    new = coll.by_path["papers/cross-border-recognition/2024-03.md"]
    assert old.superseded_by == new.path and new.supersedes == old.path
    rec = coll.by_id["17-003"]
    assert new.path in rec.papers and "17-003" in new.recommendations
    assert [r.id for r in coll.recommendations_of(new)] == ["17-003"]
    assert coll.by_id["16-009"].superseded_by == "17-004"


def test_documents_pickle_without_their_node_trees_and_find_positions_again():
    coll = load_collection(REPO)
    paper = coll.by_path["papers/cross-border-recognition/2024-03.md"]
    copy = pickle.loads(pickle.dumps(paper))
    assert copy.values == paper.values
    assert copy.source.at("next_meeting", "date") == paper.source.at("next_meeting", "date") == (14, 9)
    assert copy.source.key_at("supersedes") == (20, 1)
