"""Print polish, read back page by page with `pdftotext -layout`.

- The signature block (Prepared/Submitted by + Date) never starts a page: it keeps with the last
  lines of the body, so no page holds the signature alone.
- No page ends with a section label without its text: the last line above the footer is never a
  heading ("Current Status:", "Milestones", a book's contents heading) nor a run-in label with only
  the line that introduces its list ("Objectives and Scope of Activities: The group is looking at:").

Every sample paper, every meeting book, the redline, and generated long papers (several sections,
long bullets, lead-ins) whose lengths walk the labels and the signature across a page end. The
same long papers rendered with the keeps switched off show both faults, so the check has teeth.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import git, make_sample_repo, run_cli

from issuepapers.collection import load_collection
from issuepapers.pdf import pdf_relpath, render_all, render_books

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext (poppler-utils) not installed")

REDLINED = "papers/cross-border-recognition/2024-03.md"
SIGNATURE = re.compile(r"(Prepared by|Submitted by):")
FOOTER = re.compile(r"Page \d+ of \d+\s*$")
DRAFT_LABEL = re.compile(r"^DRAFT\b.*not for public release$")

FILL = ("The trade members asked that each deployment notice name the systems affected, the date the change "
        "reaches the certification environment, and the date it reaches production, so that software "
        "developers can plan their own releases around it")
WORDS = ("members compared notices issued over the past year and found many changes announced in more than "
         "one place with differing dates").split()
# Lengths of the Background paragraph (in units of five words) that put, with the keeps off, a heading
# (0: "Milestones"), a run-in label with its lead-in (38: "Current Status: Members report:") and the
# signature (56, with "Objectives …: The working group is looking at:") at a page end.
LONG = (0, 38, 56)


def long_paper(n: int) -> str:
    """A signed paper of several sections with long bullets; `n` lengthens the first paragraph."""
    words = " ".join(WORDS[i % len(WORDS)] for i in range(n * 5))
    return "\n".join([
        "---", "subcommittee: intelligent-enforcement", "working_group: forced-labor", "meeting: 2024-03",
        "status: final", "action_required: informational", "date: 2024-02-20",
        "prepared_by:", "  - name: Government Co-Lead", "    office: Office of Trade", "---", "",
        "## Background", "", f"The working group {words}.", "",
        "## Objectives and Scope of Activities", "", "The working group is looking at:", "",
        *[f"- {FILL} ({i})." for i in (1, 2)], "",
        "## Current Status", "", "Members report:", "",
        *[f"- {FILL}; item {i}.\n    - A nested point about item {i}." for i in (1, 2)], "",
        "### Milestones", "",
        *[f"- {FILL}; milestone {i}." for i in (1, 2)], "",
        "## Next Steps", "", "The group will:", "",
        *[f"- {FILL}; step {i}." for i in (1, 2)], "",
    ])


def long_paths() -> list[str]:
    return [f"papers/forced-labor/2024-03-long-{n:02d}.md" for n in LONG]


class _Headings(HTMLParser):
    def __init__(self):
        super().__init__()
        self.depth, self.texts, self._text = 0, [], []

    def handle_starttag(self, tag, attrs):
        if re.fullmatch(r"h[1-6]", tag):
            self.depth += 1
            self._text = []

    def handle_endtag(self, tag):
        if re.fullmatch(r"h[1-6]", tag) and self.depth:
            self.depth -= 1
            self.texts.append(" ".join("".join(self._text).split()).rstrip(":"))

    def handle_data(self, data):
        if self.depth:
            self._text.append(data)


def headings(html: str) -> set[str]:
    parser = _Headings()
    parser.feed(html)
    return {t for t in parser.texts if t}


def pages(pdf: Path) -> list[list[str]]:
    """Each page's lines, the footer and the draft label (page decoration) left out."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    out = []
    for page in text.split("\f")[:-1] if text.endswith("\f") else text.split("\f"):
        lines = [" ".join(line.split()) for line in page.splitlines() if line.strip()]
        if lines and FOOTER.search(lines[-1]):
            lines.pop()
        if lines and DRAFT_LABEL.match(lines[0]):
            lines.pop(0)
        out.append(lines)
    return out


def faults(pdf: Path, labels: set[str]) -> list[str]:
    """What is wrong with the page breaks of `pdf`, one line per fault."""
    return faults_in(pages(pdf), labels)


def faults_in(all_pages: list[list[str]], labels: set[str]) -> list[str]:
    found = []
    for number, lines in enumerate(all_pages, 1):
        if not lines:
            continue
        if SIGNATURE.match(lines[0]):
            found.append(f"page {number} starts with the signature block: {lines[:3]}")
        last = lines[-1]
        if number < len(all_pages) and (last.rstrip(":") in labels or (
                last.endswith(":") and any(last.startswith(label + ":") for label in labels))):
            found.append(f"page {number} ends with the section label {last!r}")
    return found


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """name → (PDF, its headings): the sample papers, every meeting book, the redline, the long papers."""
    from issuepapers.pdf.book import book_html
    from issuepapers.pdf.render import paper_html

    base = tmp_path_factory.mktemp("print")
    root = make_sample_repo(base / "repo")
    out = base / "out"
    coll = load_collection(root)
    report = render_all(root, coll, out, jobs=2)
    assert report.failed == []
    built = {p: (out / pdf_relpath(p), headings(paper_html(root, coll, coll.by_path[p])[0]))
             for p in report.rendered}
    for book in render_books(root, coll, out):
        built[f"book {book.stem}"] = (book, headings(book_html(root, coll, book.stem)))

    paper = root / REDLINED
    paper.write_text(paper.read_text().replace("Three later sessions", "Later sessions"))
    git(root, "commit", "-q", "-am", "Fewer sessions", date="2024-02-10T10:00:00+00:00")
    env = {"HOME": str(root), "GIT_CONFIG_GLOBAL": "/dev/null"}
    done = run_cli("diff", REDLINED, "--pdf", "--out", str(base / "redline.pdf"), cwd=root, env=env)
    assert done.returncode == 0, done.stderr
    page = run_cli("diff", REDLINED, cwd=root, env=env)  # the same redline as an HTML page
    assert page.returncode == 0, page.stderr
    built["redline"] = (base / "redline.pdf", headings(page.stdout))

    for n, rel in zip(LONG, long_paths()):
        (root / rel).write_text(long_paper(n))
    coll = load_collection(root)
    report = render_all(root, coll, out, jobs=2, paths=long_paths())
    assert report.failed == [] and sorted(report.rendered) == sorted(long_paths())
    for rel in long_paths():
        built[rel] = (out / pdf_relpath(rel), headings(paper_html(root, coll, coll.by_path[rel])[0]))
    return built


NAMES = ["papers/ace-modernization/2024-03.md", "papers/antidumping-countervailing-duty/2023-12.md",
         "papers/cross-border-recognition/2023-12.md", "papers/cross-border-recognition/2024-03.md",
         "papers/forced-labor/2024-06.md", "papers/ipr-process-modernization/2025-09.md",
         "papers/passenger-air-operations/2024-06.md", "papers/trade-partnership-engagement/2024-03.md",
         "papers/trade-partnership-engagement/2024-06.md",
         "book 2023-12", "book 2024-03", "book 2024-06", "book 2025-09", "redline", *long_paths()]


def test_built_every_sample(built):
    assert sorted(built) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_no_signature_alone_and_no_label_at_a_page_end(built, name):
    pdf, labels = built[name]
    assert labels, f"{name}: no headings found"
    assert faults(pdf, labels) == []


def test_the_check_sees_the_faults_when_the_keeps_are_off(tmp_path):
    """The long papers rendered with a committee paper.css that switches the keeps off: the check
    finds a label at a page end and a lone signature, so it would fail on a stylesheet without them
    (as it does on the stylesheet before these keeps, where three sample papers and the books printed
    the signature alone on their last page)."""
    root = make_sample_repo(tmp_path / "repo")
    css = root / "templates/pdf/paper.css"
    css.write_text(css.read_text() + "\nh1, h2, h3, h4, h5, h6 { break-after: auto !important; }\n"
                   ".body ul, .body ol { break-before: auto !important; }\n"
                   ".signature { break-before: auto !important; }\n")
    for n, rel in zip(LONG, long_paths()):
        (root / rel).write_text(long_paper(n))
    coll = load_collection(root)
    from issuepapers.pdf.render import paper_html

    report = render_all(root, coll, tmp_path / "out", jobs=2, paths=long_paths())
    assert report.failed == []
    found = [f for rel in long_paths()
             for f in faults(tmp_path / "out" / pdf_relpath(rel), headings(paper_html(root, coll, coll.by_path[rel])[0]))]
    assert any("ends with the section label 'Milestones'" in f for f in found), found
    assert any("ends with the section label 'Current Status: Members report:'" in f for f in found), found
    assert any("starts with the signature block" in f for f in found), found


def test_faults_are_read_from_the_page_text():
    """The check itself, on made-up pages."""
    labels = {"Background", "Current Status", "Milestones"}
    assert faults_in([["Background: text", "Current Status:"], ["• item"]], labels) == \
        ["page 1 ends with the section label 'Current Status:'"]
    assert faults_in([["x", "Milestones"], ["• item"]], labels) == ["page 1 ends with the section label 'Milestones'"]
    assert faults_in([["x", "Current Status: Members report:"], ["• item"]], labels) == \
        ["page 1 ends with the section label 'Current Status: Members report:'"]
    assert faults_in([["x", "Current Status: Members met twice."], ["y"]], labels) == []
    assert faults_in([["x"], ["Prepared by: A, B", "Date: May 6, 2024"]], labels) == \
        ["page 2 starts with the signature block: ['Prepared by: A, B', 'Date: May 6, 2024']"]
    assert faults_in([["x"], ["y", "Prepared by: A, B", "Date: May 6, 2024"]], labels) == []

