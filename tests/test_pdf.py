"""PDF Government Issue Papers: real WeasyPrint renders, read back with pdftotext and pypdf."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import assert_golden, copy_sample, git, GOLDEN as GOLDEN_ROOT, run_cli
from test_pdf_sandbox import listener  # noqa: F401 (fixture)

from issuepapers.collection import load_collection
from issuepapers.pdf import pdf_relpath, render_all, render_books

GOLDEN = GOLDEN_ROOT / "pdf"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "pdf"
CBR = "papers/cross-border-recognition/2024-03.md"  # like seed 002: Prepared by, Pub #, Objectives
TPE = "papers/trade-partnership-engagement/2024-06.md"  # like seed 004: office line, Submitted by, nested bullets
DRAFT = "papers/forced-labor/2024-06.md"


def make_repo(dest: Path) -> Path:
    """The sample content as a git repo (what conftest's sample_repo does, at module scope)."""
    root = copy_sample(dest)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Sample content", date="2024-01-26T10:00:00+00:00")
    return root


def text_of(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout


def assert_in_order(text: str, labels: list[str]) -> None:
    flat = re.sub(r"\s+", " ", text)
    pos = 0
    for label in labels:
        found = flat.find(label, pos)
        assert found >= 0, f"{label!r} missing after position {pos}:\n{flat[pos:pos + 400]}"
        pos = found + len(label)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Every sample paper and meeting book, rendered once with two workers."""
    root = make_repo(tmp_path_factory.mktemp("pdf") / "repo")
    out = root / "site" / "pdf"
    coll = load_collection(root)
    report = render_all(root, coll, out, jobs=2)
    books = render_books(root, coll, out)
    return root, out, report, books


# Layout ---------------------------------------------------------------------------

def test_every_sample_paper_renders(built):
    root, out, report, _ = built
    assert report.failed == []
    papers = sorted(p.relative_to(root).as_posix() for p in (root / "papers").rglob("*.md"))
    assert report.rendered == papers
    for p in papers:
        assert (out / pdf_relpath(p)).is_file()


def test_labels_like_seed_002(built):
    _, out, _, _ = built
    text = text_of(out / pdf_relpath(CBR))
    assert_in_order(text, [
        "Commercial Customs Operations Advisory Committee", "Government Issue Paper",
        "Secure Trade Lanes Subcommittee", "Cross-Border Recognition Working Group", "March 2024",
        "U.S. Customs and Border Protection", "Pub #3591-0224 · Revision 1",  # published: revision 1 (no tag yet)
        "Cross-Border Recognition Working Group", "March 2024",
        "Action Required: Informational",
        "Background: The Cross-Border Recognition Working Group sits",  # run-in label
        "Objectives and Scope of Activities:", "• Identify technologies",
        "Current Status:", "• The group has kept", "o CBP asked the trade members",
        "Next Steps: Members expect",
        "Prepared by: Government Co-Lead, Office of Field Operations/CCS/CTPAT",
        "Date: January 25, 2024",
    ])
    assert "Page 1 of 2" in text and "Page 2 of 2" in text
    # running footer with the pub number and the revision on every page
    assert len(re.findall(r"Pub #3591-0224 · Revision 1 · Page \d of 2", text)) == 2
    assert "DRAFT" not in text


def test_labels_like_seed_004(built):
    _, out, _, _ = built
    text = text_of(out / pdf_relpath(TPE))
    assert_in_order(text, [
        "Government Issue Paper", "Secure Trade Lanes Subcommittee", "Trade Partnership and Engagement Working Group",
        "June 2024", "U.S. Customs and Border Protection", "Cargo and Conveyance Security/Office of Field Operations",
        "Action Required: Informational", "Background:", "Current Status:",
        "• Growing the CTPAT program.", "o Making the validation process uniform.",
        "• Measuring how well benefits work", "o Proposing a coordinated",
        "Submitted by: Government Co-Lead, Office of Field Operations", "Date: May 6, 2024",
    ])
    assert "Objectives and Scope of Activities" not in text
    assert "Pub #" not in text and "Revision" not in text  # final, never published: no revision


@pytest.mark.parametrize("paper", [CBR, TPE])
def test_golden_text(built, paper):
    """pdftotext -layout of two sample papers; regenerate with UPDATE_GOLDEN=1."""
    _, out, _, _ = built
    text = text_of(out / pdf_relpath(paper))
    assert_golden(GOLDEN / (pdf_relpath(paper).replace("/", "__")[:-4] + ".txt"), text)


# Metadata and accessibility ---------------------------------------------------------

def test_metadata_and_structure(built):
    _, out, _, _ = built
    reader = PdfReader(out / pdf_relpath(CBR))
    info = reader.metadata
    assert info.title == "Cross-Border Recognition Working Group, March 2024 (Pub #3591-0224)"
    assert info.author == "Government Co-Lead, Office of Field Operations/CCS/CTPAT"
    assert "Secure Trade Lanes Subcommittee" in info.subject and "March 2024" in info.subject
    assert "ctpat" in info["/Keywords"] and "COAC" in info["/Keywords"]
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en-US"
    assert "/StructTreeRoot" in root
    assert root["/MarkInfo"]["/Marked"] in (True, "true", "/true")
    assert str(root["/ViewerPreferences"]["/DisplayDocTitle"]).lower() == "true"
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert "pdfuaid:part=\"1\"" in xmp or "<pdfuaid:part>1</pdfuaid:part>" in xmp
    assert "Cross-Border Recognition Working Group, March 2024" in xmp  # dc:title
    # US Letter
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)
    # bookmarks: the title, then one per section
    outline = reader.outline
    assert outline[0].title == "Cross-Border Recognition Working Group"
    assert [o.title for o in outline[1]] == ["Background", "Objectives and Scope of Activities",
                                             "Current Status", "Next Steps"]


def _fonts(reader: PdfReader) -> set[str]:
    names = set()
    for page in reader.pages:
        for font in page["/Resources"].get("/Font", {}).values():
            names.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])
    return names


def test_only_bundled_fonts(built):
    _, out, _, books = built
    for pdf in [*out.rglob("*.pdf")]:
        fonts = _fonts(PdfReader(pdf))
        assert fonts and all(f.startswith("Public-Sans") for f in fonts), (pdf, fonts)


def test_characters_the_fonts_lack_never_pull_in_a_system_font(tmp_path):
    """Greek, CJK and emoji print as boxes from the bundled fonts, not from whatever this machine has;
    long words and wide tables wrap inside the margins."""
    root = make_repo(tmp_path / "repo")
    paper = root / "papers/cross-border-recognition/2024-06.md"
    shutil.copyfile(Path(__file__).parent / "fixtures/bad/glyph-missing.md", paper)
    with paper.open("a") as fh:
        fh.write("- " + "x" * 400 + "\n\n| a | b |\n|---|---|\n| cell | " + "y" * 300 + " |\n")
    out = tmp_path / "out"
    report = render_all(root, load_collection(root), out, jobs=1, paths=[paper.relative_to(root).as_posix()])
    assert not report.failed and report.rendered
    reader = PdfReader(out / "cross-border-recognition/2024-06.pdf")
    fonts = _fonts(reader)
    assert fonts and all(f.startswith("Public-Sans") for f in fonts), fonts
    width = float(reader.pages[0].mediabox.width)
    layout = subprocess.run(["pdftotext", "-bbox", str(out / "cross-border-recognition/2024-06.pdf"), "-"],
                            capture_output=True, text=True, check=True).stdout
    right_edges = [float(x) for x in re.findall(r'xMax="([\d.]+)"', layout)]
    assert right_edges and max(right_edges) <= width - 36, "text runs into the right margin"


def test_pdfua_validator_clean(built):
    page = pytest.importorskip("page", reason="page-validation (PDF/UA validator) not installed")
    _, out, _, _ = built
    pdfs = sorted(out.rglob("*.pdf"))
    assert len(pdfs) >= 10
    for pdf in pdfs:
        report = page.validate_pdf(str(pdf), profile="ua1")
        assert report.rules.failed == 0, (pdf, [(f.rule_id, f.message) for f in report.failures])
        assert report.is_compliant


def test_figures_have_alt_text(built):
    """Structural PDF/UA checks with pypdf: every Figure carries /Alt (the logo is one)."""
    _, out, _, _ = built
    reader = PdfReader(out / pdf_relpath(CBR))
    figures = []

    def walk(node):
        node = node.get_object()
        if isinstance(node, dict):
            if node.get("/S") == "/Figure":
                figures.append(node)
            kids = node.get("/K")
            if kids is not None:
                for k in (kids if isinstance(kids, list) else [kids]):
                    if hasattr(k, "get_object") and isinstance(k.get_object(), dict):
                        walk(k)
        elif isinstance(node, list):
            for k in node:
                walk(k)

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    assert figures, "the logo should be a tagged Figure"
    assert all(f.get("/Alt") for f in figures)


def test_image_without_alt_fails_with_a_finding(tmp_path):
    root = make_repo(tmp_path / "repo")
    dest = root / "papers/forced-labor/2024-03.md"
    shutil.copy(FIXTURES / "no-alt.md", dest)
    shutil.copy(FIXTURES / "chart.png", dest.parent / "chart.png")
    report = render_all(root, load_collection(root), tmp_path / "out", jobs=1,
                        paths=["papers/forced-labor/2024-03.md"])
    assert [(f.path, f.rule) for f in report.failed] == [("papers/forced-labor/2024-03.md", "image-alt")]
    assert report.rendered == []


# Drafts --------------------------------------------------------------------------------

def test_watermark_on_drafts_only(built, tmp_path):
    root, out, _, _ = built
    draft = out / pdf_relpath(DRAFT)
    assert "DRAFT" in text_of(draft)
    assert PdfReader(draft).metadata.title.startswith("DRAFT: Forced Labor Working Group")
    final = out / pdf_relpath(CBR)
    assert "DRAFT" not in text_of(final) and "DRAFT" not in PdfReader(final).metadata.title
    # --draft marks even a published paper
    report = render_all(root, load_collection(root), tmp_path / "drafts", jobs=1, draft=True, paths=[CBR])
    assert report.rendered == [CBR]
    forced = tmp_path / "drafts" / pdf_relpath(CBR)
    assert "DRAFT" in text_of(forced) and PdfReader(forced).metadata.title.startswith("DRAFT: ")


# Determinism -----------------------------------------------------------------------------

def test_byte_identical_rerun_and_other_checkout(built, tmp_path):
    root, out, _, _ = built
    first = (out / pdf_relpath(CBR)).read_bytes()
    again = render_all(root, load_collection(root), tmp_path / "again", jobs=1, paths=[CBR])
    assert again.rendered == [CBR]
    assert (tmp_path / "again" / pdf_relpath(CBR)).read_bytes() == first
    # the same commit checked out somewhere else gives the same bytes
    other = tmp_path / "elsewhere" / "checkout"
    other.parent.mkdir()
    git(other.parent, "clone", "-q", str(root), str(other))
    elsewhere = render_all(other, load_collection(other), tmp_path / "else", jobs=1, paths=[CBR])
    assert elsewhere.failed == []
    assert (tmp_path / "else" / pdf_relpath(CBR)).read_bytes() == first


def test_timestamps_from_git_and_passed_explicitly(built, tmp_path, monkeypatch):
    """Each PDF is stamped from its own paper's commit, or a stamp passed in; never from the environment."""
    import datetime as dt

    root, out, _, _ = built
    info = PdfReader(out / pdf_relpath(CBR)).metadata
    assert info["/CreationDate"].startswith("D:20240126100000")  # the paper's last commit
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # process-wide state: it decides nothing here
    render_all(root, load_collection(root), tmp_path / "sde", jobs=1, paths=[CBR])
    assert (tmp_path / "sde" / pdf_relpath(CBR)).read_bytes() == (out / pdf_relpath(CBR)).read_bytes()
    stamp = dt.datetime.fromtimestamp(1700000000, dt.timezone.utc)
    render_all(root, load_collection(root), tmp_path / "stamped", jobs=1, paths=[CBR], stamps={CBR: stamp})
    info = PdfReader(tmp_path / "stamped" / pdf_relpath(CBR)).metadata
    assert info["/CreationDate"].startswith("D:20231114221320")


# Incremental cache ----------------------------------------------------------------------

def test_incremental_touching_one_paper_renders_one(tmp_path):
    root = make_repo(tmp_path / "repo")
    out = tmp_path / "out"
    first = render_all(root, load_collection(root), out, jobs=2)
    assert len(first.rendered) == 9 and not first.failed
    second = render_all(root, load_collection(root), out, jobs=2)
    assert second.rendered == [] and len(second.skipped) == 9
    paper = root / TPE
    paper.write_text(paper.read_text().replace("continue its review", "finish its review"))
    third = render_all(root, load_collection(root), out, jobs=2)
    assert third.rendered == [TPE] and len(third.skipped) == 8
    assert "finish its review" in re.sub(r"\s+", " ", text_of(out / pdf_relpath(TPE)))
    # a deleted output is rendered again
    (out / pdf_relpath(CBR)).unlink()
    assert render_all(root, load_collection(root), out, jobs=1).rendered == [CBR]
    # a registry change reaches the papers that print it
    reg = root / "committee.yml"
    reg.write_text(reg.read_text().replace("name: Forced Labor", "name: Forced Labor and Supply Chains"))
    assert render_all(root, load_collection(root), out, jobs=2).rendered == [DRAFT]


def test_revision_from_publish_tags_printed_and_in_the_cache_key(tmp_path):
    """"Revision N" (N of the publish tags) in the header and the footer; a new tag renders it again."""
    root = make_repo(tmp_path / "repo")
    out = tmp_path / "out"
    paper = "papers/trade-partnership-engagement/2024-03.md"  # published, no pub number
    git(root, "tag", "-a", "papers/trade-partnership-engagement/2024-03/v1", "-m", "Publish v1")
    assert render_all(root, load_collection(root), out, jobs=1, paths=[paper, DRAFT]).rendered == sorted([paper, DRAFT])
    text = text_of(out / pdf_relpath(paper))
    head = text[:text.index("Action Required")]
    assert "Revision 1" in head and "Revision 2" not in text
    assert re.search(r"Revision 1 · Page 1 of \d", text)  # the footer
    assert "Revision" not in text_of(out / pdf_relpath(DRAFT))
    # the same tree published again (v2): only the revision changed, and the PDF follows
    git(root, "tag", "-a", "papers/trade-partnership-engagement/2024-03/v2", "-m", "Publish v2")
    again = render_all(root, load_collection(root), out, jobs=1, paths=[paper, DRAFT])
    assert again.rendered == [paper] and again.skipped == [DRAFT]
    assert re.search(r"Revision 2 · Page 1 of \d", text_of(out / pdf_relpath(paper)))


# Sandbox and failures ---------------------------------------------------------------------

def test_hostile_paper_fails_alone(tmp_path, listener):
    root = make_repo(tmp_path / "repo")
    hostile = "papers/forced-labor/2024-03.md"
    (root / hostile).write_text((FIXTURES / "hostile.md").read_text().replace("PORT", str(listener.port)))
    report = render_all(root, load_collection(root), tmp_path / "out", jobs=2)
    assert [(f.path, f.rule) for f in report.failed] == [(hostile, "pdf-fetch-refused")]
    assert "outside the repository's asset roots" in report.failed[0].message
    assert len(report.rendered) == 9
    assert not (tmp_path / "out" / pdf_relpath(hostile)).exists()
    assert listener.requests == []


def test_time_limit_stops_one_paper(tmp_path, monkeypatch):
    """A paper that hangs WeasyPrint is stopped by its time limit; the others render."""
    import time

    from issuepapers.pdf import engine

    real = engine.Engine.write

    def slow(self, html, base_url, identifier=None):
        if "Forced Labor Working Group" in html and "June 2024" in html:
            time.sleep(30)
        return real(self, html, base_url, identifier)

    monkeypatch.setattr(engine.Engine, "write", slow)  # inherited by the forked workers
    root = make_repo(tmp_path / "repo")
    started = time.monotonic()
    report = render_all(root, load_collection(root), tmp_path / "out", jobs=2, timeout=2)
    assert time.monotonic() - started < 25
    assert [(f.path, f.rule) for f in report.failed] == [(DRAFT, "pdf-timeout")]
    assert len(report.rendered) == 8


# CLI ------------------------------------------------------------------------------------------

def test_cli_pdf_and_book(tmp_path):
    root = make_repo(tmp_path / "repo")
    res = run_cli("pdf", "--jobs", "2", cwd=root)
    assert res.returncode == 0, res.stderr
    assert "9 rendered" in res.stderr
    assert (root / "site/pdf" / pdf_relpath(CBR)).is_file()
    res = run_cli("pdf", "papers/cross-border-recognition", "--out", str(tmp_path / "one"), cwd=root)
    assert res.returncode == 0, res.stderr
    assert sorted(p.name for p in (tmp_path / "one").rglob("*.pdf")) == ["2023-12.pdf", "2024-03.pdf"]
    res = run_cli("pdf", "nowhere.md", cwd=root)
    assert res.returncode == 2 and "no such file" in res.stderr

    # The public book: only the papers committee.yml makes public (ACE Modernization is under review).
    res = run_cli("book", "--meeting", "2024-03", "--out", str(tmp_path / "public.pdf"), cwd=root)
    assert res.returncode == 0, res.stderr
    public = text_of(tmp_path / "public.pdf")
    assert "Cross-Border Recognition Working Group" in public and "ACE Modernization" not in public
    assert "DRAFT" not in public
    # The members' preview: every paper for the meeting.
    res = run_cli("book", "--meeting", "2024-03", "--preview", "--out", str(tmp_path / "book.pdf"), cwd=root)
    assert res.returncode == 0, res.stderr
    text = text_of(tmp_path / "book.pdf")
    assert_in_order(text, ["Commercial Customs Operations Advisory", "March 6, 2024", "Charleston, SC",
                           "89 FR 12358", "Contents", "Next Generation Facilitation Subcommittee",
                           "ACE Modernization Working Group", "Secure Trade Lanes Subcommittee",
                           "Cross-Border Recognition Working Group", "Trade Partnership and Engagement",
                           "Annex: Recommendations voted at this meeting"])
    reader = PdfReader(tmp_path / "book.pdf")
    top = [o.title for o in reader.outline if not isinstance(o, list)]
    assert "Contents" in top and "Annex: Recommendations voted at this meeting" in top
    papers = [o.title for o in reader.outline if isinstance(o, list) for o in o if not isinstance(o, list)]
    assert {"ACE Modernization Working Group", "Cross-Border Recognition Working Group",
            "Trade Partnership and Engagement Working Group"} <= set(papers)
    # table of contents page numbers point at the papers' first pages
    toc = re.findall(r"Cross-Border Recognition Working Group \(Pub #3591-0224\) \.+ ?(\d+)", text)
    assert toc, text[:2000]
    page_text = reader.pages[int(toc[0]) - 1].extract_text()
    assert "Cross-Border Recognition Working Group" in page_text and "Government Issue Paper" in page_text
    # annex rows: recommendations voted at 2024-03
    assert re.search(r"17-00\d .* Adopted", re.sub(r"[ \t]+", " ", text))

    res = run_cli("book", "--meeting", "2031-01", cwd=root)
    assert res.returncode == 2 and "unknown meeting" in res.stderr
