"""The Markdown reading agrees with the renderer: what `check` judges is what the site and the PDF draw.

A property test generates random bodies (ATX and setext headings, images inline
and by reference with defined and undefined references, nested bullet and
numbered lists, block quotes, code fences holding heading-like lines, closed or
not, HTML blocks, tables, definition lists and footnotes) and compares the
reading's sections and images with those of the HTML that
`render.render_markdown` makes, read by a parser of its own. Regression tests
follow for each disagreement the reading replaced: a setext `Background`,
`![][chart]`, an image by reference to a missing file, a 200-deep quote, and
nested numbered lists printed alike on the site and in the PDF.
"""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, copy_sample
from issuepapers.collection import load_collection
from issuepapers.markdown_reading import Reading
from issuepapers.render import render_markdown
from issuepapers.rules import check_collection


class _Drawn(HTMLParser):
    """Headings (level, text) and images (src, alt) of rendered HTML: the reference the reading must match."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.headings, self.images, self._h = [], [], None

    def handle_starttag(self, tag, attrs):
        if re.fullmatch(r"h[1-6]", tag):
            self._h = (int(tag[1]), [])
        elif tag == "img":
            a = dict(attrs)
            self.images.append((a.get("src") or "", a.get("alt") or ""))

    def handle_endtag(self, tag):
        if self._h and tag == f"h{self._h[0]}":
            self.headings.append((self._h[0], "".join(self._h[1]).strip()))
            self._h = None

    def handle_data(self, data):
        if self._h:
            self._h[1].append(data)


def drawn(body: str) -> _Drawn:
    p = _Drawn()
    p.feed(render_markdown(body))
    p.close()
    return p


# -- random bodies ----------------------------------------------------------------------------------

TITLES = ["Background", "Current Status", "Next Steps", "Objectives and Scope of Activities", "Notes", "Issue 5",
          "C# and F#", "*Background*", "`code` title", "R&D plan", "Tabs\tinside", "Title ##"]
WORDS = ["trade", "border", "#tag", "*em*", "_under_", "`x`", "<b>b</b>", "1.", "-", "a > b", "&amp;", "\\#"]
SRCS = ["chart.png", "img/map.png", "../up.png", "a%20b.png", "https://example.org/x.png"]
ALTS = ["", "Map of the ports", "chart", " "]
REFS = ["chart", "map", "Missing"]

word = st.sampled_from(WORDS + ["text", "more", "words"])
text = st.lists(word, min_size=1, max_size=6).map(" ".join)
title = st.sampled_from(TITLES)


@st.composite
def atx(draw):
    hashes = "#" * draw(st.integers(1, 7))
    space = draw(st.sampled_from([" ", " ", "", "\t", "  "]))
    closing = draw(st.sampled_from(["", "", " ##", " #"]))
    return f"{hashes}{space}{draw(title)}{closing}"


@st.composite
def setext(draw):
    return f"{draw(title)}\n{draw(st.sampled_from(['-', '=']))* draw(st.integers(1, 6))}"


@st.composite
def image(draw):
    alt, kind = draw(st.sampled_from(ALTS)), draw(st.sampled_from(["inline", "inline", "ref", "collapsed", "short"]))
    if kind == "inline":
        return f"![{alt}]({draw(st.sampled_from(SRCS))})"
    ref = draw(st.sampled_from(REFS))
    if kind == "ref":
        return f"![{alt}][{ref}]"
    if kind == "collapsed":
        return f"![{ref}][]"
    return f"![{ref}]"


inline = st.one_of(text, image(), st.builds(lambda a, b: f"{a} {b}", text, image()))


@st.composite
def a_list(draw, depth=1):
    ordered = draw(st.booleans())
    lines = []
    for i in range(draw(st.integers(1, 3))):
        marker = f"{i + 1}." if ordered else draw(st.sampled_from(["-", "*", "+"]))
        lines.append(f"{marker} {draw(st.one_of(inline, atx()))}")
        if depth < 4 and draw(st.integers(0, 3)) == 0:
            nested = draw(a_list(depth + 1))
            lines += ["    " + line if line else line for line in nested.split("\n")]
    return "\n".join(lines)


@st.composite
def quote(draw):
    inner = draw(st.one_of(inline, atx(), setext(), a_list(), fence()))
    marks = draw(st.sampled_from(["> ", ">", "> > ", ">>", "> >> "]))
    return "\n".join(marks + line for line in inner.split("\n"))


@st.composite
def fence(draw):
    mark = draw(st.sampled_from(["```", "~~~", "````"]))
    inside = draw(st.lists(st.one_of(atx(), inline, st.just("---")), min_size=1, max_size=3))
    close = draw(st.sampled_from([mark, mark, "", "   " + mark]))  # unclosed or indented: no fence at all
    return "\n".join([mark + draw(st.sampled_from(["", "python"])), *inside, close])


@st.composite
def html_block(draw):
    inner = draw(st.one_of(atx(), setext(), inline))
    return draw(st.sampled_from(["<!--\n{}\n-->", "<div>\n{}\n</div>", "<details>\n{}\n</details>",
                                 "<!-- a comment -->\n{}", "<!-- {} -->", "<!-- a --> b\n{}"])).format(inner)


@st.composite
def table(draw):
    return f"| a | b |\n| --- | --- |\n| {draw(text)} | x |\n{draw(st.one_of(st.just(''), atx()))}".rstrip()


@st.composite
def definitions(draw):
    refs = draw(st.lists(st.sampled_from(REFS[:2]), max_size=2, unique=True))
    return "\n".join(f"[{r}]: {draw(st.sampled_from(SRCS))}" for r in refs)


@st.composite
def definition(draw):
    """A definition list's or a footnote's text, which may hold a heading."""
    inner = draw(st.one_of(inline, atx()))
    return draw(st.sampled_from(["term\n: {}", "text[^1]\n\n[^1]: {}", "*[HTML]: {}"])).format(inner)


block = st.one_of(atx(), atx(), setext(), inline, a_list(), quote(), fence(), html_block(), table(), definition(),
                  st.builds(lambda t: "   ## " + t, title),  # indented: a paragraph
                  st.builds(lambda s: f'<img src="{s}">', st.sampled_from(SRCS)),
                  st.builds(lambda t: f"{t}\n---", text))  # a paragraph's last line underlined


@st.composite
def body(draw):
    blocks = draw(st.lists(block, max_size=8))
    seps = [draw(st.sampled_from(["\n\n", "\n\n", "\n"])) for _ in blocks]
    out = "".join(b + s for b, s in zip(blocks, seps))
    return "\n" + out + "\n" + draw(definitions()) + "\n"


def _assert_agrees(text: str) -> Reading:
    reading = Reading(text, 8)
    try:
        ref = drawn(text)
    except RecursionError:  # the renderer cannot draw it: the reading says so, and still answers
        assert reading.too_deep(12) is not None and reading.images == []
        assert all(s.kind == "atx" for s in reading.sections)
        return reading
    assert [(s.level, s.title) for s in reading.sections] == ref.headings, text
    assert [s.title for s in reading.sections if s.level == 2] == [t for lv, t in ref.headings if lv == 2], text
    assert [(i.src, i.alt) for i in reading.images] == ref.images, text
    lines = text.split("\n")
    for s in reading.sections:  # each section points at the Markdown line that holds its title
        if s.kind in ("atx", "setext"):
            words = re.findall(r"[^\W_]+", lines[s.line - 8].casefold())
            assert all(w in words for w in re.findall(r"[^\W_]+", s.title.casefold())), (s, text)
    for i in reading.images:
        assert lines[i.line - 8][i.column - 1:].startswith(("![", "<img")), (i, text)
    assert all(8 <= x.line < 8 + len(lines) for x in reading.links)  # and reading them never fails
    return reading


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body())
@example("\n## Background\n\ntext\n")
@example("\nBackground\n---\n\ntext\n")
@example("\n```\n## Background\n```\n")
@example("\n![][chart]\n\n[chart]: chart.png\n")
@example("\n- ## in a list\n\n> ## in a quote\n")
@example("\n#nospace\n\n####### seven\n\n   ## indented\n")
def test_reading_sections_and_images_are_those_rendered(text):
    assert _assert_agrees(text).too_deep() is None  # random bodies nest a few levels


def test_the_fast_path_is_taken_for_plain_bodies_and_agrees():
    text = ("\n## Background\n\nText.\n\n- a\n    - b\n\n## Current Status ##\n\n1. one\n2. two\n\n"
            "## Next Steps\n\n<!-- Optional: what comes next (a scaffold's comment). -->\n")
    reading = Reading(text, 8)
    assert [(s.title, s.line, s.kind) for s in reading.sections] == [("Background", 9, "atx"),
                                                                      ("Current Status", 16, "atx"),
                                                                      ("Next Steps", 21, "atx")]
    assert reading.images == [] and reading.too_deep() is None
    assert not reading.rendered  # no rendering was needed
    _assert_agrees(text)


def test_lists_and_nesting_are_read_from_the_rendered_tree():
    reading = Reading("1. a\n    1. b\n        - c\n\n> > quoted\n", 1)
    assert [(x.ordered, x.depth) for x in reading.lists] == [(True, 1), (True, 2), (False, 3)]
    assert reading.depth == 3


def test_links_and_images_are_read_with_their_lines():
    reading = Reading("Intro [CBP](https://www.cbp.gov).\n\n- ![Map][m]\n- see [the notes][n]\n\n"
                      "[m]: img/map.png\n[n]: https://example.org/notes\n", 20)
    assert [(x.href, x.line) for x in reading.links] == [("https://www.cbp.gov", 20),
                                                         ("https://example.org/notes", 23)]
    assert [(i.src, i.alt, i.line, i.column, i.kind) for i in reading.images] == [("img/map.png", "Map", 22, 3,
                                                                                  "reference")]


# -- regressions: each disagreement the reading replaced --------------------------------------------

P = "papers/cross-border-recognition/2024-06.md"
HEAD = ("---\nsubcommittee: secure-trade-lanes\nworking_group: cross-border-recognition\nmeeting: 2024-06\n"
        "status: draft\naction_required: informational\n---\n")


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    return copy_sample(tmp_path_factory.mktemp("sample"))


def findings(root: Path, body: str, extra: dict[str, bytes] | None = None):
    dest = root / P
    assert not dest.exists()
    dest.write_text(HEAD + body, encoding="utf-8")
    for name, data in (extra or {}).items():
        (dest.parent / name).write_bytes(data)
    try:
        return [(f.rule, f.line, f.message) for f in check_collection(load_collection(root), {P})]
    finally:
        dest.unlink()
        for name in extra or {}:
            (dest.parent / name).unlink()


def test_setext_background_is_the_background_section(sample):
    got = findings(sample, "\nBackground\n----------\n\nText.\n\nCurrent Status\n==============\n\nText.\n")
    assert ("section-required", 8, "missing section `## Current Status`") in got  # `===` draws a level-1 heading
    assert not [r for r in got if "Background" in r[2]]
    assert ("heading-level", 14) in [r[:2] for r in got]
    ok = findings(sample, "\nBackground\n---\n\nText.\n\n## Current Status\n\nText.\n")
    assert [r for r in ok if r[0].startswith(("section", "heading"))] == []


def test_an_image_by_reference_without_alt_is_reported_as_the_pdf_reports_it(sample):
    png = (FIXTURES / "pdf" / "chart.png").read_bytes()
    got = findings(sample, "\n## Background\n\n![][chart]\n\n## Current Status\n\nText.\n\n[chart]: chart.png\n",
                   {"chart.png": png})
    assert ("image-alt", 11) in [r[:2] for r in got]  # `pdf` refuses it under the same rule id, at the same line
    assert not [r for r in got if r[0] == "image-missing"]


def test_an_image_by_reference_to_a_missing_file_is_reported(sample):
    got = findings(sample, "\n## Background\n\n![The map][map]\n\n## Current Status\n\nText.\n\n[map]: no-map.png\n")
    assert ("image-missing", 11, "no image file 'no-map.png'") in got
    undefined = findings(sample, "\n## Background\n\n![The map][nowhere]\n\n## Current Status\n\nText.\n")
    assert not [r for r in undefined if r[0].startswith("image")]  # an undefined reference draws text, no image


def test_a_deep_blockquote_without_spaces_is_reported(sample):
    got = findings(sample, "\n## Background\n\n" + ">" * 200 + " quoted\n\n## Current Status\n\nText.\n")
    assert ("body-too-deep", 11) in [r[:2] for r in got]


def test_headings_in_fences_and_html_comments_are_not_sections(sample):
    got = findings(sample, "\n## Background\n\nText.\n\n```\n## Current Status\n```\n\n<!--\n## Next Steps\n-->\n")
    assert ("section-required", 8, "missing section `## Current Status`") in got
    assert not [r for r in got if r[0] == "section-extra" or "Next Steps" in r[2]]


def test_pdf_reports_what_check_reports_with_the_same_rule_and_line(tmp_path):
    """`![][chart]` and a 200-deep quote: `pdf` refuses them under check's rule ids, at check's lines."""
    from issuepapers.pdf.render import render_all

    root = copy_sample(tmp_path / "repo")
    shutil.copy(FIXTURES / "pdf" / "chart.png", root / "papers/cross-border-recognition/chart.png")
    bodies = {"image-alt": "\n## Background\n\nText.\n\n![][chart]\n\n## Current Status\n\nText.\n\n"
                           "[chart]: chart.png\n",
              "body-too-deep": "\n## Background\n\n" + ">" * 200 + " quoted\n\n## Current Status\n\nText.\n"}
    for rule_id, body in bodies.items():
        (root / P).write_text(HEAD + body, encoding="utf-8")
        coll = load_collection(root)
        checked = [(f.rule, f.line) for f in check_collection(coll, {P}) if f.rule == rule_id]
        report = render_all(root, coll, tmp_path / "out", jobs=1, paths=[P])
        assert checked and [(f.rule, f.line) for f in report.failed] == checked, (checked, report.failed)
        assert report.rendered == []


ORDINALS = {"decimal": "1.", "lower-alpha": "a.", "lower-roman": "i.", "upper-alpha": "A.", "upper-roman": "I."}


def _site_ordered_styles() -> dict[int, str]:
    """List style of a numbered list nested `n` numbered lists deep, in the site's theme (Material)."""
    import material

    css = "".join(p.read_text() for p in
                  (Path(material.__file__).parent / "templates/assets/stylesheets").glob("main.*.min.css"))
    styles = {1: "decimal"}
    for sel, style in re.findall(r"\.md-typeset ((?:ol ?)+)(?:,[^{}]*)?\{list-style-type:([a-z-]+)\}", css):
        styles[sel.split().count("ol")] = style
    ours = (Path(__file__).resolve().parents[1] / "templates/site/assets/issuepapers/site.css").read_text()
    assert not re.search(r"\bol\b[^{}]*\{[^}]*list-style", ours), "the site's own CSS restyles numbered lists"
    return styles


def test_nested_numbered_lists_print_as_on_the_site(tmp_path):
    """1. a. i. A. on the site (Material) and in the PDF (templates/pdf/paper.css)."""
    import subprocess

    from issuepapers.pdf.render import render_all

    site = _site_ordered_styles()
    assert [site[n] for n in (1, 2, 3, 4)] == ["decimal", "lower-alpha", "lower-roman", "upper-alpha"]
    root = copy_sample(tmp_path / "repo")
    (root / P).write_text(HEAD + "\n## Background\n\n1. one\n    1. two\n        1. three\n"
                          "            1. four\n\n## Current Status\n\nText.\n", encoding="utf-8")
    report = render_all(root, load_collection(root), tmp_path / "out", jobs=1, paths=[P])
    assert report.ok, report.failed
    text = subprocess.run(["pdftotext", str(tmp_path / "out/cross-border-recognition/2024-06.pdf"), "-"],
                          check=True, capture_output=True, text=True).stdout
    markers = re.findall(r"^([0-9]+|[a-zA-Z]+)\. (?:one|two|three|four)$", text, re.M)
    assert [m + "." for m in markers] == [ORDINALS[site[n]] for n in (1, 2, 3, 4)], text


def test_pickled_documents_keep_no_rendering():
    import pickle

    r = Reading("## A\n\n![x](y.png)\n", 3)
    assert r.images and r.rendered
    copy = pickle.loads(pickle.dumps(r))
    assert not copy.rendered and copy.body == r.body and copy.first_line == 3
    assert [(s.title, s.line) for s in copy.sections] == [("A", 3)]


@pytest.mark.parametrize("name", sorted(p.name for p in (FIXTURES / "bad").glob("*.md")))
def test_fixture_bodies_agree(name):
    text = (FIXTURES / "bad" / name).read_text(encoding="utf-8", errors="replace")
    parts = text.split("---\n", 2)
    if len(parts) == 3 and len(text) < 20000:
        _assert_agrees(parts[2])


def test_sample_bodies_agree():
    root = Path(__file__).resolve().parents[1]
    for path in sorted([*root.glob("papers/**/*.md"), *root.glob("recommendations/**/*.md")]):
        _assert_agrees(path.read_text(encoding="utf-8").split("---\n", 2)[2])
