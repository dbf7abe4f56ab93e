"""Public site and members' preview: what a public build shows, and that a draft's text is nowhere in it."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
from pathlib import Path

import pytest

from conftest import git, make_sample_repo, run_cli

# Papers of the sample that are not public by default (committee.public_statuses: final, published).
DRAFT = "papers/forced-labor/2024-06.md"
REVIEW = "papers/ace-modernization/2024-03.md"
WITHDRAWN = "papers/passenger-air-operations/2024-06.md"
PUBLISHED_OR_FINAL = "papers/cross-border-recognition/2024-03.md"


def _mark(root: Path, rel: str, marker: str, office: bool = True) -> None:
    """Put a unique marker in the paper's body (and office line), to look for it in every output."""
    path = root / rel
    text = path.read_text()
    if office:
        text = text.replace("\noffice: ", f"\noffice: {marker}-office ", 1)
    text = text.replace("## Background\n\n", f"## Background\n\n{marker}-body. ", 1)
    path.write_text(text)


@pytest.fixture(scope="module")
def marked(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    root = make_sample_repo(tmp_path_factory.mktemp("vis") / "repo")
    markers = {DRAFT: "Zqdraftmarker", REVIEW: "Zqreviewmarker", WITHDRAWN: "Zqwithdrawnmarker"}
    for rel, marker in markers.items():
        _mark(root, rel, marker)
    wd = root / WITHDRAWN
    wd.write_text(re.sub(r"withdrawn_reason: .*\n", "withdrawn_reason: Merged into the ACE Modernization paper\n",
                         wd.read_text()))
    git(root, "commit", "-qam", "Markers", date="2024-02-03T10:00:00+00:00")
    return root, markers


def _all_text(site: Path) -> dict[str, str]:
    """Every file of the built site as text: HTML, JSON, XML, ICS, the search index, sitemap.gz, PDFs."""
    out = {}
    for f in sorted(site.rglob("*")):
        if not f.is_file():
            continue
        rel = f.relative_to(site).as_posix()
        if f.suffix == ".pdf":
            out[rel] = subprocess.run(["pdftotext", str(f), "-"], capture_output=True, text=True,
                                      check=True).stdout
        elif f.suffix == ".gz":
            out[rel] = gzip.decompress(f.read_bytes()).decode("utf-8", "replace")
        elif f.suffix in (".html", ".json", ".xml", ".ics", ".txt", ".js", ".css"):
            out[rel] = f.read_text("utf-8", "replace")
    return out


@pytest.fixture(scope="module")
def public(marked):
    root, markers = marked
    r = run_cli("build", "--site-dir", "public", cwd=root, env={"NO_MKDOCS_2_WARNING": "1"})
    assert r.returncode == 0, r.stderr
    return root / "public", markers


def test_public_build_has_no_text_of_a_draft_anywhere(public):
    site, markers = public
    texts = _all_text(site)
    assert any(k.endswith(".pdf") for k in texts) and "search/search_index.json" in texts
    for marker in markers.values():
        leaks = [rel for rel, text in texts.items() if marker in text]
        assert not leaks, f"{marker} leaked into {leaks}"


def test_public_build_lists_withdrawn_papers_with_their_reason_and_no_pdf(public):
    site, _ = public
    page = (site / "papers/passenger-air-operations/2024-06/index.html").read_text()
    assert "Withdrawn" in page and "Merged into the ACE Modernization paper" in page
    assert not (site / "pdf/passenger-air-operations/2024-06.pdf").exists()
    assert not (site / "papers/forced-labor/2024-06/index.html").exists()
    assert not (site / "pdf/forced-labor/2024-06.pdf").exists()
    index = json.loads((site / "papers.json").read_text())
    paths = {p["path"] for p in (index["papers"] if isinstance(index, dict) else index)}
    assert DRAFT not in paths and REVIEW not in paths and PUBLISHED_OR_FINAL in paths


def test_public_meeting_book_holds_public_papers_and_no_draft_cover(public):
    site, _ = public
    books = sorted((site / "pdf/books").glob("*.pdf"))
    assert books
    for book in books:
        text = subprocess.run(["pdftotext", str(book), "-"], capture_output=True, text=True, check=True).stdout
        assert "DRAFT" not in text, book.name
    assert not (site / "pdf/books/2024-06.pdf").exists() or "Passenger Air" not in subprocess.run(
        ["pdftotext", str(site / "pdf/books/2024-06.pdf"), "-"], capture_output=True, text=True).stdout


def test_preview_shows_everything_bannered(marked):
    root, markers = marked
    r = run_cli("build", "--preview", "--no-pdf", "--site-dir", "preview", cwd=root,
                env={"NO_MKDOCS_2_WARNING": "1"})
    assert r.returncode == 0, r.stderr
    site = root / "preview"
    page = (site / "papers/forced-labor/2024-06/index.html").read_text()
    assert markers[DRAFT] in page
    assert "Preview — not for public release" in page
    assert '<p class="ip-unreleased" role="note"><strong>Draft: not public.</strong>' in page
    assert "ip-unreleased" not in (site / "papers/cross-border-recognition/2024-03/index.html").read_text()
    assert "Preview — not for public release" in (site / "index.html").read_text()
    public_page = root / "public/papers/cross-border-recognition/2024-03/index.html"
    if public_page.exists():
        assert "not for public release" not in public_page.read_text()


def test_public_statuses_is_the_committees_setting(marked, tmp_path):
    root, markers = marked
    reg = root / "committee.yml"
    before = reg.read_text()
    try:
        reg.write_text(before.replace("  current_term: 17\n", "  current_term: 17\n  public_statuses: [review, final, published]\n"))
        r = run_cli("build", "--no-pdf", "--site-dir", str(tmp_path / "s"), cwd=root, env={"NO_MKDOCS_2_WARNING": "1"})
        assert r.returncode == 0, r.stderr
        texts = _all_text(tmp_path / "s")
        assert any(markers[REVIEW] in t for t in texts.values())
        assert not any(markers[DRAFT] in t for t in texts.values())
        reg.write_text(before.replace("  current_term: 17\n", "  current_term: 17\n  public_statuses: [final, publishd]\n"))
        r = run_cli("check", cwd=root)
        assert r.returncode == 1 and "error[registry-invalid]" in r.stdout and "publishd" in r.stdout
    finally:
        reg.write_text(before)
