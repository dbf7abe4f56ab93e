"""The site draws a document's body with the one Markdown reading `check`, the PDF and the redline read."""

from __future__ import annotations

import re

from conftest import FIXTURES, git, make_sample_repo
from issuepapers.load import parse
from issuepapers.markdown_reading import read_html
from issuepapers.model import Paper
from test_site import article, html, mkdocs

PAPER = "papers/cross-border-recognition/2024-03"
# Where python-markdown with mkdocs.yml's extensions and the shared renderer disagree: sane_lists
# (a numbered list straight after a bullet list is its own list), attr_list (not for documents).
BODY_EXTRA = """
## Minutes {: id='m"><svg/onload=alert(1)>' }

- first bullet

1. then a number

Setext Heading
--------------

![Ports of entry](ports.png)
See [the June paper](2024-06.md).
"""


def test_site_body_headings_images_and_contents_are_the_readings(tmp_path):
    root = make_sample_repo(tmp_path / "repo")
    path = root / f"{PAPER}.md"
    path.write_text(path.read_text() + BODY_EXTRA)
    (root / "papers/cross-border-recognition/ports.png").write_bytes((FIXTURES / "pdf/chart.png").read_bytes())
    git(root, "add", "-A")
    git(root, "commit", "-qm", "Extra", date="2024-02-05T10:00:00+00:00")
    r = mkdocs(root)
    assert r.returncode == 0, r.stderr
    page = html(root, PAPER)
    body = article(page)

    doc = Paper.from_source(parse(f"{PAPER}.md", path.read_bytes()))
    expected = [(h.level, h.text) for h in doc.reading.outline.headings]
    drawn = [(h.level, h.text) for h in read_html(body).headings
             if h.text not in ("History", "Related", doc.values.get("title", ""))]
    assert [t for t in drawn if t in expected] == expected  # same headings, same order, same levels
    assert (2, "Setext Heading") in drawn

    # sane_lists, as in the PDF: the number starts its own ordered list
    assert re.search(r"<ul>\s*<li>first bullet</li>\s*</ul>\s*<ol>\s*<li>then a number</li>", body), body

    # attr_list is not read in documents: the would-be id stays text, escaped, in the body and the contents
    assert "<svg/onload" not in page and "<svg onload" not in page.lower()
    toc = page[page.index('<nav class="md-nav md-nav--secondary"'):]
    toc = toc[:toc.index("</nav>")]
    assert "Setext Heading" in toc and "Background" in toc
    assert "Minutes" in toc and "<svg" not in toc and "onload" not in toc

    # relative images and links point where MkDocs would have pointed them
    assert 'src="../ports.png"' in body
    assert 'href="../2024-06/"' in body
