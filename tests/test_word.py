"""Word in and out: `issuepapers import FILE.docx…` and `issuepapers export PATH… --docx`.

The documents imported are written by an office suite: the sources in
tests/fixtures/word/ (HTML and flat ODT laid out like the seed papers) are
converted to .docx by LibreOffice, all in one `soffice` run per session;
tracked changes are then added to one of them the way Word stores them. The
export is opened by LibreOffice too (converted to PDF) and its labels are read
back in order with pdftotext. Without soffice these tests fail, saying so:
CI installs it (.ci/deps).
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import FIXTURES, REPO, copy_sample, run_cli

WORD_FIXTURES = FIXTURES / "word"
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _soffice(args: list[str], cwd: Path) -> None:
    if SOFFICE is None:
        pytest.fail("LibreOffice is not installed: `soffice` is needed to make the Word fixtures and open the "
                    "export (Debian: apt-get install libreoffice-writer-nogui; `make deps` does it)")
    profile = cwd / "lo-profile"  # a private profile: parallel runs and a user's own LibreOffice never clash
    env = {**os.environ, "HOME": str(cwd)}
    done = subprocess.run([SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", *args],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def docs(tmp_path_factory) -> dict[str, Path]:
    """Every fixture source as a .docx written by LibreOffice (one soffice run), plus a tracked-changes copy."""
    work = tmp_path_factory.mktemp("word-fixtures")
    sources = sorted(p for p in WORD_FIXTURES.iterdir() if p.suffix in (".html", ".fodt"))
    _soffice(["--convert-to", "docx:MS Word 2007 XML", "--outdir", str(work), *map(str, sources)], work)
    out = {p.stem: work / f"{p.stem}.docx" for p in sources}
    missing = [name for name, path in out.items() if not path.is_file()]
    assert not missing, f"LibreOffice did not convert {missing}"
    out["tracked"] = _with_tracked_changes(out["cover-layout"], work / "tracked.docx")
    return out


def _with_tracked_changes(src: Path, dest: Path) -> Path:
    """`src` with an insertion, a deletion and a comment anchor, marked up as Word does."""
    from lxml import etree

    def q(tag):
        return f"{{{W}}}{tag}"

    with zipfile.ZipFile(src) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    root = etree.fromstring(parts["word/document.xml"])
    paras = list(root.iter(q("p")))
    members = next(p for p in paras if "Its members" in "".join(p.itertext()))
    ins = etree.SubElement(members, q("ins"), {q("id"): "101", q("author"): "Agency Reviewer",
                                               q("date"): "2024-05-01T10:00:00Z"})
    run = etree.SubElement(ins, q("r"))
    etree.SubElement(run, q("t"), {"{http://www.w3.org/XML/1998/namespace}space": "preserve"}).text = \
        " Agency counsel joins each session."
    status = next(p for p in paras if "met four times" in "".join(p.itertext()))
    deleted = etree.SubElement(status, q("del"), {q("id"): "102", q("author"): "Agency Reviewer",
                                                  q("date"): "2024-05-01T10:00:00Z"})
    etree.SubElement(etree.SubElement(deleted, q("r")), q("delText")).text = " Obsolete sentence here."
    steps = next(p for p in paras if "report again" in "".join(p.itertext()))
    steps.insert(1, etree.Element(q("commentRangeStart"), {q("id"): "0"}))
    etree.SubElement(etree.SubElement(steps, q("r")), q("commentReference"), {q("id"): "0"})
    parts["word/document.xml"] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return dest


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    return copy_sample(tmp_path_factory.mktemp("word") / "repo")


def _import(repo: Path, out: Path, *args: str):
    return run_cli("import", *args, "--out", str(out), cwd=repo)


def _front_and_body(path: Path) -> tuple[dict, str]:
    from issuepapers.posts import read_post

    post = read_post(path.read_text(encoding="utf-8"))
    return dict(post.metadata), post.content


def _check(repo: Path, out: Path, rel: str) -> subprocess.CompletedProcess:
    """`check` on an imported paper, copied into the repository (images too), then removed again."""
    folder = Path(rel).parent
    copied = []
    for f in (out / folder.relative_to("papers")).iterdir():
        target = repo / folder / f.name
        if not target.exists():
            shutil.copy2(f, target)
            copied.append(target)
    try:
        return run_cli("check", rel, cwd=repo)
    finally:
        for f in copied:
            f.unlink()


# import: layouts of real papers ---------------------------------------------------------------

def test_cover_layout_with_word_lists_table_and_link(docs, repo, tmp_path):
    res = _import(repo, tmp_path, str(docs["cover-layout"]))
    assert res.returncode == 0, res.stderr
    paper = tmp_path / "cross-border-recognition" / "2024-06.md"
    assert res.stdout.strip().endswith("cross-border-recognition/2024-06.md")
    meta, body = _front_and_body(paper)
    assert meta == {"subcommittee": "secure-trade-lanes", "working_group": "cross-border-recognition",
                    "meeting": "2024-06", "status": "draft", "action_required": "informational",
                    "pub_number": "3620-0524", "prepared_by": [{"name": "Government Co-Lead",
                                                                "office": "Office of Field Operations"}],
                    "date": "2024-05-20"}
    assert body.split("\n\n")[:2] == [
        "## Background",
        ("The working group advises *U.S. Customs and Border Protection* on trade crossing the land borders, as "
         "described on [the agency's trade pages](https://www.cbp.gov/trade).")]
    assert ("- Compare the trusted-trader programs of both countries.\n"
            "- Review joint inspection at the land ports.\n"
            "    - Start with the busiest commercial crossings.\n"
            "- Suggest ways to share more data.") in body  # Word list levels (w:numPr/w:ilvl)
    assert "1. Rail business resumption was discussed first.\n2. Lessons from joint inspection came next." in body
    assert "| Topic | Sessions |\n|---|---|\n| Mutual recognition | 2 |\n| Rail resumption | 1 |" in body
    assert [ln for ln in body.splitlines() if ln.startswith("## ")] == [
        "## Background", "## Objectives and Scope of Activities", "## Current Status", "## Next Steps"]
    checked = _check(repo, tmp_path, "papers/cross-border-recognition/2024-06.md")
    assert checked.returncode == 0 and "0 errors, 0 warnings" in checked.stderr, checked.stdout + checked.stderr


def test_one_line_header_office_line_and_typed_bullets(docs, repo, tmp_path):
    res = _import(repo, tmp_path, str(docs["one-line-header"]))
    assert res.returncode == 0, res.stderr
    meta, body = _front_and_body(tmp_path / "trade-partnership-engagement" / "2023-12.md")
    assert meta["office"] == "Cargo and Conveyance Security/Office of Field Operations"
    assert meta["submitted_by"] == [{"name": "Government Co-Lead", "office": "Office of Field Operations"}]
    assert (meta["working_group"], meta["meeting"], meta["date"]) == ("trade-partnership-engagement", "2023-12",
                                                                      "2023-11-20")
    assert ("- Growing the partnership program.\n"
            "    - Making validations consistent.\n"
            "    - Reviewing the benefits partners receive.\n"
            "- Measuring whether benefits work.") in body  # "•"/"o" typed with a tab, levels from indentation
    assert "Objectives" not in body
    checked = _check(repo, tmp_path, "papers/trade-partnership-engagement/2023-12.md")
    assert checked.returncode == 0, checked.stdout


def test_picture_is_written_beside_the_paper_with_its_alt_text(docs, repo, tmp_path):
    res = _import(repo, tmp_path, str(docs["picture"]))
    assert res.returncode == 0, res.stderr
    _, body = _front_and_body(tmp_path / "forced-labor" / "2024-03.md")
    assert "![Bar chart: two sessions in January, three in February](2024-03-image-1.png)" in body
    assert (tmp_path / "forced-labor" / "2024-03-image-1.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert _check(repo, tmp_path, "papers/forced-labor/2024-03.md").returncode == 0


def test_picture_without_alt_text_is_a_finding_and_nothing_is_written(docs, repo, tmp_path):
    res = _import(repo, tmp_path, str(docs["picture-no-alt"]))
    assert res.returncode == 1
    assert f"{docs['picture-no-alt']}:9:1: error[word-image-alt] image 1 in paragraph 9 has no alt text" in res.stderr
    assert "Edit Alt Text" in res.stderr
    assert not any(tmp_path.rglob("*"))


def test_several_files_at_once_registry_overrides_and_no_overwrite(docs, repo, tmp_path):
    res = _import(repo, tmp_path, str(docs["one-line-header"]), str(docs["picture"]),
                  "--working-group", "forced-labor", "--meeting", "2024-06")
    # Both name the same paper: the first is written, the second refused (never overwritten).
    assert res.returncode == 1
    assert "1 imported, 1 failed" in res.stderr and "error[word-paper-exists]" in res.stderr, res.stderr
    assert "--force" in res.stderr
    meta, _ = _front_and_body(tmp_path / "forced-labor" / "2024-06.md")
    assert (meta["subcommittee"], meta["working_group"], meta["meeting"]) == (
        "intelligent-enforcement", "forced-labor", "2024-06")
    res = _import(repo, tmp_path, str(docs["picture"]), "--working-group", "forced-labor", "--meeting",
                  "2024-06", "--force")
    assert res.returncode == 0, res.stderr
    assert "![Bar chart" in (tmp_path / "forced-labor" / "2024-06.md").read_text()


def test_default_target_is_papers_and_an_existing_paper_is_refused(docs, repo):
    # The sample already holds papers/forced-labor/2024-06.md.
    res = run_cli("import", str(docs["picture"]), "--meeting", "2024-06", cwd=repo)
    assert res.returncode == 1 and "error[word-paper-exists] papers/forced-labor/2024-06.md already exists" \
        in res.stderr, res.stderr


# tracked changes --------------------------------------------------------------------------------

def test_tracked_changes_and_comments_are_refused_with_their_place(docs, repo, tmp_path):
    res = _import(repo, tmp_path, str(docs["tracked"]))
    assert res.returncode == 1
    lines = [ln for ln in res.stderr.splitlines() if "error[word-tracked-changes]" in ln]
    assert len(lines) == 3, res.stderr
    path = str(docs["tracked"])
    assert lines[0].startswith(f"{path}:") and ":1: error[word-tracked-changes] insertion in paragraph" in lines[0]
    assert "'Its members come from the agency" in lines[0]
    assert "deletion in paragraph" in lines[1] and "comment in paragraph" in lines[2]
    assert "--accept-changes" in res.stderr
    assert not any(tmp_path.rglob("*"))


def test_accept_changes_keeps_insertions_drops_deletions_ignores_comments(docs, repo, tmp_path):
    res = _import(repo, tmp_path, str(docs["tracked"]), "--accept-changes")
    assert res.returncode == 0, res.stderr
    _, body = _front_and_body(tmp_path / "cross-border-recognition" / "2024-06.md")
    assert "Its members come from the agency and from industry. Agency counsel joins each session." in body
    assert "Obsolete" not in body


# bad input ------------------------------------------------------------------------------------

def test_bad_files_are_clean_findings(docs, repo, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "notes.docx").write_text("just some text\n")
    (bad / "locked.docx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)  # what Office encrypts to
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/document.xml", "<not-closed")
    (bad / "broken.docx").write_bytes(buf.getvalue())
    out = tmp_path / "out"
    res = _import(repo, out, str(bad / "notes.docx"), str(bad / "locked.docx"), str(bad / "broken.docx"),
                  str(docs["no-labels"]), str(docs["misspelt-group"]))
    err = res.stderr
    assert res.returncode == 1 and "Traceback" not in err, err
    assert f"{bad / 'notes.docx'}:1:1: error[word-not-docx] not a Word document" in err
    assert f"{bad / 'locked.docx'}:1:1: error[word-unreadable] the file is encrypted" in err
    assert f"{bad / 'broken.docx'}:1:1: error[word-unreadable] the .docx is damaged" in err
    assert "error[word-missing] no `Background:` label" in err and "no `Action Required:` line" in err
    assert "error[word-unknown-working-group] working group 'Cross Border Recogniton'" in err
    assert "did you mean 'cross-border-recognition'?" in err
    assert "error[word-unknown-meeting] the header's month 'July 2024'" in err
    assert err.count("  = hint: ") >= 7
    assert "0 imported, 5 failed" in err
    assert not out.exists()


def test_json_findings(docs, repo, tmp_path):
    import json

    res = _import(repo, tmp_path, str(docs["picture-no-alt"]), "--format", "json")
    assert res.returncode == 1
    rows = json.loads(res.stdout)
    assert [(r["rule"], r["line"]) for r in rows] == [("word-image-alt", 9)]


# export -----------------------------------------------------------------------------------------

SAMPLE_PAPERS = sorted(p.relative_to(REPO).as_posix() for p in (REPO / "papers").rglob("*.md"))


def test_export_then_import_gives_the_same_paper(repo, tmp_path):
    res = run_cli("export", "papers", "--docx", "--out", str(tmp_path / "docx"), cwd=repo)
    assert res.returncode == 0, res.stderr
    files = sorted((tmp_path / "docx").rglob("*.docx"))
    assert len(files) == len(SAMPLE_PAPERS)
    res = _import(repo, tmp_path / "back", *map(str, files))
    assert res.returncode == 0, res.stderr
    for rel in SAMPLE_PAPERS:
        original = _front_and_body(repo / rel)
        back = _front_and_body(tmp_path / "back" / Path(rel).relative_to("papers"))
        assert back[0] == original[0], rel
        assert back[1] == original[1], rel


def test_export_is_deterministic_and_uses_the_committees_reference_document(repo, tmp_path):
    from docx import Document

    paper = "papers/cross-border-recognition/2024-03.md"
    one, two = tmp_path / "one", tmp_path / "two"
    assert run_cli("export", paper, "--docx", "--out", str(one), cwd=repo).returncode == 0
    assert run_cli("export", paper, "--docx", "--out", str(two), cwd=repo).returncode == 0
    a, b = (d / "cross-border-recognition" / "2024-03.docx" for d in (one, two))
    assert a.read_bytes() == b.read_bytes()
    assert Document(str(a)).styles["Normal"].font.name == "Arial"
    # A committee's own templates/word/reference.docx wins, like any template.
    own = Document(str(REPO / "templates" / "word" / "reference.docx"))
    own.styles["Normal"].font.name = "Courier New"
    (repo / "templates" / "word").mkdir(parents=True, exist_ok=True)
    saved = (repo / "templates" / "word" / "reference.docx").read_bytes()
    own.save(str(repo / "templates" / "word" / "reference.docx"))
    try:
        assert run_cli("export", paper, "--docx", "--out", str(two), cwd=repo).returncode == 0
        assert Document(str(b)).styles["Normal"].font.name == "Courier New"
    finally:
        (repo / "templates" / "word" / "reference.docx").write_bytes(saved)


def test_export_opens_in_libreoffice_with_the_labels_in_order(repo, tmp_path):
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is not installed (Debian: poppler-utils; `make deps` installs it)")
    paper = "papers/cross-border-recognition/2024-03.md"
    assert run_cli("export", paper, "--docx", "--out", str(tmp_path), cwd=repo).returncode == 0
    docx = tmp_path / "cross-border-recognition" / "2024-03.docx"
    _soffice(["--convert-to", "pdf", "--outdir", str(tmp_path), str(docx)], tmp_path)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "2024-03.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    flat = " ".join(text.split())
    labels = ["Commercial Customs Operations Advisory Committee", "Government Issue Paper",
              "Secure Trade Lanes Subcommittee", "Cross-Border Recognition Working Group", "March 2024",
              "U.S. Customs and Border Protection", "Office of Field Operations", "Pub #3591-0224",
              "Action Required: Informational", "Background:", "Objectives and Scope of Activities:",
              "Current Status:", "Next Steps:", "Prepared by: Government Co-Lead, Office of Field Operations/CCS/CTPAT",
              "Date: January 25, 2024"]
    at = -1
    for label in labels:
        found = flat.find(label, at + 1)
        assert found > at, f"{label!r} missing or out of order in:\n{text}"
        at = found
    assert "Page 1 of" in flat
    assert "CBP asked the trade members" in flat  # a second-level bullet


def test_export_saved_again_by_an_office_suite_still_imports_to_the_same_paper(repo, tmp_path):
    """Agency clearance: the export is opened and saved in an office suite, then imported."""
    paper = "papers/trade-partnership-engagement/2024-06.md"
    assert run_cli("export", paper, "--docx", "--out", str(tmp_path / "docx"), cwd=repo).returncode == 0
    _soffice(["--convert-to", "docx:MS Word 2007 XML", "--outdir", str(tmp_path / "saved"),
              str(tmp_path / "docx" / "trade-partnership-engagement" / "2024-06.docx")], tmp_path)
    res = _import(repo, tmp_path / "back", str(tmp_path / "saved" / "2024-06.docx"))
    assert res.returncode == 0, res.stderr
    assert _front_and_body(tmp_path / "back" / "trade-partnership-engagement" / "2024-06.md") == \
        _front_and_body(repo / paper)


def test_export_refuses_a_missing_image_cleanly(repo, tmp_path):
    paper = repo / "papers" / "forced-labor" / "2024-06.md"
    saved = paper.read_text()
    paper.write_text(saved.rstrip("\n") + "\n\n![A chart that is not there](gone.png)\n")
    try:
        res = run_cli("export", "papers/forced-labor/2024-06.md", "--docx", "--out", str(tmp_path), cwd=repo)
    finally:
        paper.write_text(saved)
    assert res.returncode == 1 and "papers/forced-labor/2024-06.md:1:1: error[word-export] image 'gone.png'" \
        in res.stderr, res.stderr
    assert not any(tmp_path.rglob("*.docx"))


def test_export_refuses_a_body_over_the_size_limit(repo, tmp_path):
    paper = repo / "papers" / "forced-labor" / "2024-06.md"
    saved = paper.read_text()
    paper.write_text(saved.rstrip("\n") + "\n\n" + "[" * 40_000 + "\n")
    try:
        res = run_cli("export", "papers/forced-labor/2024-06.md", "--docx", "--out", str(tmp_path), cwd=repo)
    finally:
        paper.write_text(saved)
    assert res.returncode == 1 and "error[block-too-long]" in res.stderr and "Traceback" not in res.stderr
    assert not any(tmp_path.rglob("*.docx"))


def test_export_needs_a_format(repo):
    res = run_cli("export", "papers", cwd=repo)
    assert res.returncode == 2 and "--docx" in res.stderr and "Traceback" not in res.stderr


# what loads when ------------------------------------------------------------------------------

PROBE = """
import contextlib, io, json, sys
{block}
from issuepapers.cli import main
with contextlib.redirect_stdout(io.StringIO()) as out, contextlib.redirect_stderr(io.StringIO()) as err:
    try:
        code = main(sys.argv[1:])
    except SystemExit as exc:
        code = exc.code
print(json.dumps({{"code": code, "docx": "docx" in sys.modules, "lxml": "lxml" in sys.modules,
                  "err": err.getvalue()}}))
"""


def _probe(repo: Path, *args: str, block: str = "") -> dict:
    import json

    done = subprocess.run([sys.executable, "-c", PROBE.format(block=block), *args], cwd=repo, capture_output=True,
                          text=True, timeout=120, env={**os.environ, "NO_COLOR": "1"}, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("args", [("check", "papers/forced-labor/2024-06.md"), ("import", "--help"),
                                  ("export", "--help"), ("rules",)], ids=" ".join)
def test_python_docx_loads_only_for_the_word_commands(repo, args):
    report = _probe(repo, *args)
    assert report["code"] == 0 and not report["docx"] and not report["lxml"], report


def test_without_python_docx_the_commands_say_what_to_install(repo, docs):
    report = _probe(repo, "import", str(docs["picture"]), block="sys.modules['docx'] = None")
    assert report["code"] == 2, report
    assert "python-docx" in report["err"] and "pip install python-docx" in report["err"]
    assert "Traceback" not in report["err"]


def test_word_rules_are_listed(repo):
    res = run_cli("rules", cwd=repo)
    for rule_id in ("word-tracked-changes", "word-not-docx", "word-unreadable", "word-missing",
                    "word-unknown-working-group", "word-unknown-meeting", "word-image-alt", "word-paper-exists",
                    "word-export"):
        assert rule_id in res.stdout, rule_id
