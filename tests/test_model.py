"""The model: sections as drawn, derived links, and documents crossing processes."""

from __future__ import annotations

import pickle
import random
import re
from html.parser import HTMLParser

from conftest import REPO
from issuepapers.collection import load_collection
from issuepapers.markdown_reading import Reading
from issuepapers.render import render_markdown


def drawn_headings(body: str):
    """(title, level) of every heading in the rendered HTML, in order."""
    out, parts = [], None

    class P(HTMLParser):
        def handle_starttag(self, tag, attrs):
            nonlocal parts
            if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
                parts = []

        def handle_endtag(self, tag):
            nonlocal parts
            if parts is not None and tag[0] == "h":
                out.append(("".join(parts).strip(), int(tag[1])))
                parts = None

        def handle_data(self, data):
            if parts is not None:
                parts.append(data)

    p = P()
    p.feed(render_markdown(body))
    p.close()
    return out


def test_sections_are_the_headings_the_renderer_draws_at_their_lines():
    rng = random.Random(7)
    pieces = ["## Background", "# Title", "####### seven", "#nospace", "text", "", "- item", "## Next Steps ##",
              "   ## indented", "##\tTabbed", "```", "~~~", "## Inside?", "###### Six", "Setext", "---", "===",
              "> ## quoted", "- ## listed"]
    for _ in range(2000):
        lines = [rng.choice(pieces) for _ in range(rng.randint(0, 12))]
        body = "\n".join(lines)
        got = Reading(body, 5).sections
        assert [(s.title, s.level) for s in got] == drawn_headings(body), body
        for s in got:  # a title with words is found on its line (a line of `===` is found where it can)
            words = re.findall(r"[^\W_]+", s.title)
            assert not words or words[0] in lines[s.line - 5], (s, body)


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
