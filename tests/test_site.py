"""The website: real `mkdocs build` runs on temp copies of the sample repo, and what they produce.

The sample site and a hostile site are built once per module; tests read the
HTML, ICS, Atom and JSON they wrote and compare them with the model.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from conftest import FIXTURES, GOLDEN, REPO, assert_golden, git, make_sample_repo, run_cli

from issuepapers.collection import load_collection

SITE_FIXTURES = FIXTURES / "site"
TODAY_EPOCH = "1711929600"  # 2024-04-01T00:00:00Z: the next public meeting is June 2024
# The members' preview: every document of the sample has its page (test_visibility tests the public site).
BUILD_ENV = {"ISSUEPAPERS_PDF": "false", "ISSUEPAPERS_PREVIEW": "true", "NO_MKDOCS_2_WARNING": "1", "SOURCE_DATE_EPOCH": TODAY_EPOCH,
             "NO_COLOR": "1"}
ATOM = "{http://www.w3.org/2005/Atom}"


def mkdocs(root: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("mkdocs")
    e = {**os.environ, **BUILD_ENV, **(env or {})}
    return subprocess.run([str(exe), "build", *args], cwd=root, env=e, capture_output=True, text=True,
                          timeout=300)


def without_check(root: Path) -> None:
    """Turn the plugin's `check` off: `check` refuses the hostile documents (image-missing), and the
    site must be inert even when a committee builds without it."""
    conf = root / "mkdocs.yml"
    conf.write_text(conf.read_text().replace("      registry: committee.yml\n",
                                             "      registry: committee.yml\n      check: false\n", 1))


def make_repo(dest: Path, hostile: bool = False) -> Path:
    """The sample content as a git repo (three commits, two authors), optionally with hostile documents."""
    root = make_sample_repo(dest)
    if hostile:
        shutil.copy(SITE_FIXTURES / "hostile-paper.md", root / "papers/forced-labor/2024-03.md")
        shutil.copy(SITE_FIXTURES / "hostile-recommendation.md", root / "recommendations/17/17-099.md")
        without_check(root)
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "<script>alert('commit')</script>", date="2024-02-10T10:00:00+00:00",
            GIT_AUTHOR_NAME="<img src=x onerror=alert(1)>", GIT_AUTHOR_EMAIL="evil@example.org")
    return root


def build_site(tmp: Path, hostile: bool = False) -> Path:
    root = make_repo(tmp / "repo", hostile)
    r = mkdocs(root)
    assert r.returncode == 0, r.stderr
    return root


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return build_site(tmp_path_factory.mktemp("site"))


@pytest.fixture(scope="module")
def coll(built):
    return load_collection(built, history=True)


def html(root: Path, url: str) -> str:
    return (root / "site" / url / "index.html").read_text(encoding="utf-8")


def article(page: str) -> str:
    return page[page.index('<article class="md-content__inner'):page.index("</article>")]


# pages -------------------------------------------------------------------------------


def test_every_document_has_a_page_reached_through_the_indexes(built, coll):
    for doc in coll.documents():
        assert (built / "site" / doc.path[:-3] / "index.html").is_file(), doc.path
    for url in ("", "papers", "meetings", "status", "recommendations", "calendar", "contribute",
                "meetings/2024-03", "papers/forced-labor"):
        assert (built / "site" / url / "index.html").is_file(), url
    papers_index = html(built, "papers")
    for wg in coll.registry.working_groups:
        assert f'href="{wg}/"' in papers_index


def test_nav_stays_small(built, coll):
    """Documents are not in the nav: the sidebar of every page lists the index pages only."""
    page = html(built, "papers/cross-border-recognition/2024-03")
    start = page.index('<nav class="md-nav md-nav--primary')
    nav = page[start:page.index('<div class="md-content"', start)]
    assert "2023-12" not in nav and "17-004" not in nav
    assert len(re.findall(r'class="md-nav__link', nav)) < 15


def test_paper_page_metadata_first_then_body_links_and_history(built, coll):
    a = article(html(built, "papers/cross-border-recognition/2024-03"))
    meta = a[a.index('<dl class="ip-meta">'):a.index("</dl>")]
    assert a.index('<dl class="ip-meta">') < a.index('id="background"') < a.index('id="ip-history"')
    for label in ("Committee", "Subcommittee", "Working group", "Meeting", "Status", "Action required",
                  "Pub #", "Prepared by", "Date", "Next meeting"):
        assert f"<dt>{label}</dt>" in meta, label
    assert "Commercial Customs Operations Advisory Committee" in meta
    assert '<span class="ip-badge ip-status-published">Published</span>' in meta
    assert "3591-0224" in meta and "January 25, 2024" in meta
    assert 'href="../../../meetings/2024-03/"' in meta
    assert 'href="../../../recommendations/17/17-003/"' in a  # cites
    assert '<dt>Supersedes</dt><dd><a href="../2023-12/">' in a
    history = a[a.index('id="ip-history"'):]
    assert "<dt>Revisions</dt><dd>2</dd>" in history
    assert "Working Group Member, Trade Co-Lead" in history
    assert "Clarify next steps" in history and "January 26, 2024" in history
    old = article(html(built, "papers/cross-border-recognition/2023-12"))
    assert '<dt>Superseded by</dt><dd><a href="../2024-03/">' in old


def test_recommendation_page(built, coll):
    rec = coll.by_id["17-004"]
    a = article(html(built, "recommendations/17/17-004"))
    assert "17-004: " in a and rec.title in a
    for label in ("Id", "Term", "Subcommittee", "Working group", "Committee status", "Originating papers"):
        assert f"<dt>{label}</dt>" in a
    assert 'href="../../../papers/antidumping-countervailing-duty/2023-12/"' in a
    assert '<dt>Supersedes</dt><dd><a href="../../16/16-009/">' in a
    adopted = next(r for r in coll.recommendations if r.status == "adopted" and r.agency_response_date)
    b = article(html(built, adopted.path[:-3]))
    assert "<dt>Agency status</dt>" in b and "<dt>Agency response</dt>" in b and "<dt>Vote</dt>" in b


def test_home_next_meeting_latest_papers_open_recommendations(built, coll):
    a = article(html(built, ""))
    assert "Issue papers and recommendations" in a  # the hand-written part stays
    nxt = a[a.index('id="next-meeting"'):a.index('id="latest-papers"')]
    assert "June 2024" in nxt and 'href="meetings/2024-06/"' in nxt
    latest = a[a.index('id="latest-papers"'):a.index('id="open-recommendations"')]
    assert 'href="papers/cross-border-recognition/2024-03/"' in latest
    opened = a[a.index('id="open-recommendations"'):]
    for r in coll.recommendations:
        is_open = r.status == "proposed" or (r.status == "adopted" and r.agency_status in ("pending", "in-progress"))
        assert (f'href="{r.path[:-3]}/"' in opened) == is_open, r.id


def test_working_group_page_lists_papers_newest_first_and_next_meeting(built, coll):
    a = article(html(built, "papers/cross-border-recognition"))
    assert a.index('href="2024-03/"') < a.index('href="2023-12/"')
    assert "<dt>Next meeting</dt>" in a and "January 25, 2024" in a


def test_meeting_and_status_pages(built, coll):
    a = article(html(built, "meetings/2024-03"))
    for p in coll.papers_for_meeting("2024-03"):
        assert f'href="../../{p.path[:-3]}/"' in a
    s = article(html(built, "status"))
    for p in coll.papers:
        assert f'href="../{p.path[:-3]}/"' in s
    for status in ("published", "draft", "final"):
        assert f'id="paper-{status}"' in s


def test_tracker_rows_and_summary(built, coll):
    a = article(html(built, "recommendations"))
    rows = re.findall(r'<tr data-term="(\d*)" data-subcommittee="([^"]*)" data-status="([^"]*)" '
                      r'data-agency="([^"]*)">', a)
    assert len(rows) == len(coll.recommendations)
    assert sorted(r[2] for r in rows) == sorted(r.status for r in coll.recommendations)
    for status in ("pending", "concur", "implemented"):
        n = sum(r.agency_status == status for r in coll.recommendations)
        assert re.search(rf'ip-agency-{status}">[^<]+</span> <strong>{n}</strong>', a), status
    assert 'data-ip-sort="0"' in a and '<label for="ip-f-text">' in a
    page = html(built, "recommendations")
    assert "assets/issuepapers/tracker.js" in page


def test_material_never_sees_our_status_and_titles_are_set(built):
    page = html(built, "papers/forced-labor/2024-06")
    assert "md-status" not in page
    assert "<title>Forced Labor Working Group - " in page


def test_search_index_covers_papers(built, coll):
    index = json.loads((built / "site/search/search_index.json").read_text())
    locations = {d["location"].split("#")[0] for d in index["docs"]}
    for p in coll.papers:
        assert p.path[:-3] + "/" in locations


# data files ------------------------------------------------------------------------------


def test_calendar_ics_parses_and_is_complete(built, coll):
    from icalendar import Calendar

    cal = Calendar.from_ical((built / "site/calendar.ics").read_bytes())
    events = list(cal.walk("VEVENT"))
    uids = [str(e["UID"]) for e in events]
    assert len(uids) == len(set(uids))
    assert all(re.fullmatch(r"[a-z0-9-]+@[a-z0-9.-]+", u) for u in uids)
    for m in coll.registry.meetings.values():
        ev = next(e for e in events if str(e["UID"]).startswith(f"meeting-{m.id}@"))
        assert ev.decoded("DTSTART") == m.date
        assert str(ev["LOCATION"]) == m.location
    wg = next(e for e in events if str(e["UID"]).startswith("wg-cross-border-recognition-2024-01-25@"))
    assert ev.decoded("DTSTAMP") is not None
    assert wg.decoded("DTSTART") == dt.datetime(2024, 1, 25, 10, 0)
    assert str(cal["VERSION"]) == "2.0" and "PRODID" in cal
    page = article(html(built, "calendar"))
    assert 'href="../calendar.ics"' in page and "June 12, 2024" in page


def test_atom_feed_matches_model(built, coll):
    feed = ET.parse(built / "site/feed.xml").getroot()
    assert feed.tag == f"{ATOM}feed"
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == len(coll.documents())
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert len(set(ids)) == len(ids)
    updated = [dt.datetime.fromisoformat(e.findtext(f"{ATOM}updated")) for e in entries]
    assert updated == sorted(updated, reverse=True)
    first = entries[0]
    assert first.findtext(f"{ATOM}id").endswith("papers/cross-border-recognition/2024-03.md")
    doc = coll.by_path["papers/cross-border-recognition/2024-03.md"]
    assert dt.datetime.fromisoformat(first.findtext(f"{ATOM}updated")) == doc.history.modified
    assert feed.findtext(f"{ATOM}updated") == first.findtext(f"{ATOM}updated")


def test_papers_and_recommendations_json_match_model(built, coll):
    papers = json.loads((built / "site/papers.json").read_text())
    assert papers["count"] == len(coll.papers)
    by_path = {p["path"]: p for p in papers["papers"]}
    assert set(by_path) == {p.path for p in coll.papers}
    for p in coll.papers:
        rec = by_path[p.path]
        assert rec["status"] == p.status and rec["working_group"] == p.working_group
        assert rec["title"] == coll.title_of(p)
        assert rec["superseded_by"] == p.superseded_by
        assert rec["history"]["revisions"] == p.history.revisions
        assert rec.get("date") == (p.date.isoformat() if p.date else None)
    recs = json.loads((built / "site/recommendations.json").read_text())
    assert [r["id"] for r in recs["recommendations"]] == [r.id for r in coll.recommendations]
    for r, data in zip(coll.recommendations, recs["recommendations"]):
        assert data["status"] == r.status and data.get("agency_status") == r.agency_status
        assert data["papers"] == r.papers


def test_schema_published(built, coll):
    from issuepapers.schema import schema

    assert json.loads((built / "site/schema.json").read_text()) == json.loads(
        json.dumps(schema(coll.registry)))


def test_generation_is_deterministic(built):
    """Same commit, same SOURCE_DATE_EPOCH: the data files come out byte-identical (stable UIDs)."""
    from issuepapers.site.pages import SiteOptions, generate
    from issuepapers.site.build import build_clock

    os.environ["SOURCE_DATE_EPOCH"] = TODAY_EPOCH
    try:
        outs = []
        for _ in range(2):
            c = load_collection(built, history=True)
            today, stamp = build_clock(c.history)
            outs.append(generate(c, SiteOptions(today=today, build_time=stamp,
                                                site_url="https://coac.example.org/")).files)
    finally:
        del os.environ["SOURCE_DATE_EPOCH"]
    assert outs[0] == outs[1]
    assert outs[0]["calendar.ics"] == (built / "site/calendar.ics").read_bytes()


@pytest.mark.parametrize("name", ["calendar.ics", "papers.json", "recommendations.json", "feed.xml"])
def test_golden_data_files(built, name):
    """The data files of the sample site, byte for byte; regenerate with UPDATE_GOLDEN=1."""
    assert_golden(GOLDEN / "site" / name, (built / "site" / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("page", ["papers/cross-border-recognition/2024-03", "recommendations/17/17-003"])
def test_golden_metadata_block(built, page):
    """The metadata block that opens a document page, as HTML."""
    block = re.search(r'<dl class="ip-meta".*?</dl>', html(built, page), re.S).group(0)
    assert_golden(GOLDEN / "site" / (page.replace("/", "__") + ".meta.html"), block + "\n")


def test_golden_redline_fragment(built):
    """The redline of the sample's last edit (\"twelve months\" → \"twelve months or more\")."""
    page = html(built, "papers/cross-border-recognition/2024-03/redline")
    fragment = re.search(r'<div class="redline".*</div>', page, re.S).group(0)
    assert "<ins" in fragment and "or more" in fragment
    # commit ids depend on every byte of the sample repo; the golden holds the rest
    fragment = re.sub(r"\b[0-9a-f]{7,40}\b(?= \(\d{4}-\d{2}-\d{2}\))", "<sha>", fragment)
    assert_golden(GOLDEN / "site" / "cross-border-recognition__2024-03.redline.html", fragment + "\n")


# hostile content ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    return build_site(tmp_path_factory.mktemp("hostile"), hostile=True)


HOSTILE_PAGES = ("papers/forced-labor/2024-03", "recommendations/17/17-099", "", "papers/forced-labor",
                 "recommendations", "status", "meetings/2024-03", "calendar")


def assert_inert(text: str, allowed: set[str] = frozenset()) -> None:
    """No active content in any tag of `text`: no scripts, frames, handlers, or script/data URLs."""
    tags = re.findall(r"<[a-z][^>]*>", text.lower())
    names = {re.match(r"<([a-z0-9]+)", t).group(1) for t in tags}
    assert not names & ({"script", "iframe", "object", "embed", "form", "svg", "style", "meta", "input",
                         "button", "link", "base"} - allowed), names
    for t in tags:
        assert not re.search(r"\son[a-z]+\s*=", t), t
        assert not re.search(r"(href|src|action|formaction|srcdoc)\s*=\s*[\"']?\s*(javascript|data:|vbscript)",
                             t), t
        assert not re.search(r'style="(?!text-align: (left|right|center);?")', t), t


@pytest.mark.parametrize("url", HOSTILE_PAGES)
def test_hostile_content_is_inert(hostile, url):
    # the tracker's own filter form is ours, not the content's
    assert_inert(article(html(hostile, url)),
                 {"form", "input", "select", "option", "button"} if url == "recommendations" else set())


def test_hostile_metadata_is_escaped_in_title_header_and_search(hostile):
    page = html(hostile, "papers/forced-labor/2024-03")
    head = page[:page.index("<body")]
    assert "<script>alert" not in page.split('<script id="__config"')[0].replace(
        '<script src=', '')  # only Material's own scripts, none of ours
    assert "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;" in head
    assert "<title>&lt;script&gt;" in head
    header = page[page.index('<header'):page.index('</header>')]
    assert "<script>alert" not in header and "&lt;script&gt;" in header
    assert "&lt;script&gt;alert(&#39;office&#39;)" in page
    index = (hostile / "site/search/search_index.json").read_text()
    assert "<script>alert" not in json.loads(index)["docs"][0]["title"] + "".join(
        d["title"] for d in json.loads(index)["docs"])
    assert "<script>" not in "".join(d["text"] for d in json.loads(index)["docs"])


def test_hostile_placeholder_guess_is_plain_text(hostile):
    a = article(html(hostile, "papers/forced-labor/2024-03"))
    assert "ipslot0000000000000000x0x" in a


def test_hostile_zensical_folder_is_sanitized(hostile, tmp_path):
    out = tmp_path / "md"
    r = run_cli("--root", str(hostile), "build", "--no-pdf", "--markdown-out", str(out), cwd=hostile,
                env=BUILD_ENV)
    assert r.returncode == 0, r.stderr
    text = (out / "papers/forced-labor/2024-03.md").read_text()
    assert text.startswith("---\ntitle: ")
    assert_inert(text.split("---", 2)[2])
    assert "<script" not in text.split("---", 2)[1]
    assert (out / "recommendations/index.md").is_file() and (out / "calendar.ics").is_file()
    assert (out / "assets/issuepapers/tracker.js").is_file()


# failures and atomicity -------------------------------------------------------------------------


def test_check_error_fails_the_build_with_its_line_and_keeps_the_old_site(tmp_path):
    root = build_site(tmp_path)
    before = {p.relative_to(root / "site"): p.read_bytes() for p in (root / "site").rglob("*") if p.is_file()}
    paper = root / "papers/forced-labor/2024-06.md"
    text = paper.read_text()
    paper.write_text(text.replace("status:", "colour: blue\nstatus:", 1))
    line = paper.read_text().splitlines().index("colour: blue") + 1
    r = mkdocs(root)
    assert r.returncode != 0
    assert f"papers/forced-labor/2024-06.md:{line}:1: error[unknown-key]" in r.stderr
    after = {p.relative_to(root / "site"): p.read_bytes() for p in (root / "site").rglob("*") if p.is_file()}
    assert after == before
    assert not list(root.glob(".site.building-*"))
    # warnings do not fail the build
    paper.write_text(text + "\n## Annex\n\nMore.\n")
    r = mkdocs(root)
    assert r.returncode == 0, r.stderr
    assert "warning[section-extra]" in r.stderr


def test_killed_build_leaves_the_previous_site_whole(tmp_path):
    sys.path.insert(0, str(REPO / "benchmarks"))
    from corpus import generate

    root = generate(tmp_path / "big", 600, seed=1)
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(REPO / "docs", root / "docs")
    shutil.copytree(REPO / "templates" / "site", root / "templates" / "site")
    (root / "site").mkdir()
    (root / "site" / "index.html").write_text("previous site")
    exe = Path(sys.executable).with_name("mkdocs")
    proc = subprocess.Popen([str(exe), "build"], cwd=root, env={**os.environ, **BUILD_ENV},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    tmp = []
    while time.monotonic() < deadline and proc.poll() is None:
        tmp = list(root.glob(".site.building-*/papers"))
        if tmp and any(tmp[0].rglob("index.html")):
            break
        time.sleep(0.02)
    assert proc.poll() is None, "build finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert (root / "site" / "index.html").read_text() == "previous site"
    assert sorted(p.name for p in (root / "site").iterdir()) == ["index.html"]


def test_issuepapers_build_cli(tmp_path):
    root = make_repo(tmp_path / "repo")
    r = run_cli("build", "--no-pdf", cwd=root, env=BUILD_ENV)
    assert r.returncode == 0, r.stderr
    assert (root / "site/papers/forced-labor/2024-06/index.html").is_file()
    assert (root / "site/papers.json").is_file()
    (root / "papers/forced-labor/2024-06.md").write_text("no front matter\n")
    r = run_cli("build", "--no-pdf", cwd=root, env=BUILD_ENV)
    assert r.returncode == 1
    assert "papers/forced-labor/2024-06.md:1:1: error[front-matter-missing]" in r.stderr
    assert (root / "site/papers/forced-labor/2024-06/index.html").is_file()


def test_pdf_and_book_links_only_when_the_files_exist(built, tmp_path):
    """Paper pages link pdf/<wg>/<YYYY-MM>.pdf, meeting pages pdf/books/<id>.pdf, only if present."""
    from issuepapers.site.build import collect_pdfs
    from issuepapers.site.pages import SiteOptions, generate

    c = load_collection(built)
    out = tmp_path / "pdf"
    for rel in ("cross-border-recognition/2024-03.pdf", "books/2024-03.pdf", "forced-labor/1999-01.pdf"):
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(b"%PDF-1.7\n")
    pdfs = collect_pdfs(c, out)
    assert set(pdfs) == {"pdf/cross-border-recognition/2024-03.pdf", "pdf/books/2024-03.pdf"}  # no stale file
    site = generate(c, SiteOptions(pdfs=pdfs))
    paper = str(site.pages["papers/cross-border-recognition/2024-03.md"].parts[0])
    assert 'href="../../../pdf/cross-border-recognition/2024-03.pdf"' in paper
    other = str(site.pages["papers/cross-border-recognition/2023-12.md"].parts[0])
    assert ".pdf" not in other
    meeting = str(site.pages["meetings/2024-03.md"].parts[0])
    assert 'href="../../pdf/books/2024-03.pdf"' in meeting
    assert "pdf/books" not in str(site.pages["meetings/2024-06.md"].parts[0])
    data = json.loads(site.files["papers.json"])
    rec = next(p for p in data["papers"] if p["path"] == "papers/cross-border-recognition/2024-03.md")
    assert rec["pdf"] == "pdf/cross-border-recognition/2024-03.pdf"


# redlines and revisions (the git workflow on the site) --------------------------------------


def test_redline_page_against_the_previous_commit(built):
    """The sample's third commit edited one paper: its page links a redline page of that edit."""
    page = article(html(built, "papers/cross-border-recognition/2024-03"))
    assert re.search(r'<a class="md-button md-button--secondary" href="redline/">Changes since [0-9a-f]{7,} '
                     r'\(2024-01-26\)</a>', page)
    red = html(built, "papers/cross-border-recognition/2024-03/redline")
    assert "<title>Redline: Cross-Border Recognition Working Group - " in red
    assert re.search(r'<ins class="rl-ins"><span class="rl-mark">\[\+ </span>or more<span', red)
    assert '<a href="../">Back to the paper</a>' in red
    for other in ("papers/cross-border-recognition/2023-12", "papers/forced-labor/2024-06"):  # one commit each
        assert "Changes since" not in html(built, other)
        assert not (built / "site" / other / "redline").exists()
    rec = next(p for p in json.loads((built / "site/papers.json").read_text())["papers"]
               if p["path"] == "papers/cross-border-recognition/2024-03.md")
    assert rec["redline"] == "https://coac.example.org/papers/cross-border-recognition/2024-03/redline/"
    assert rec["revision"] == 1


def test_redline_since_the_publish_tag_and_revision_numbers(sample_repo):
    """A paper edited after its publish tag: the public site keeps the tagged version ("Revision 1", no
    redline of unpublished words); the preview shows the edit, its redline since that revision, and
    "2 in preparation". Tagged papers show "Revision N"."""
    root = sample_repo
    tpe, cbr = "papers/trade-partnership-engagement/2024-03", "papers/cross-border-recognition/2024-03"
    git(root, "tag", "-a", f"{tpe}/v1", "-m", "Publish")  # published, unchanged since
    git(root, "tag", "-a", f"{cbr}/v1", "-m", "Publish")
    paper = root / f"{cbr}.md"
    text = paper.read_text().replace("bi-weekly", "monthly").replace("Three later sessions", "Later sessions")
    paper.write_text(text)
    git(root, "commit", "-q", "-am", "Monthly meetings", date="2024-02-10T10:00:00+00:00")
    r = mkdocs(root, env={"ISSUEPAPERS_PREVIEW": "false"})  # the public site
    assert r.returncode == 0, r.stderr
    page = article(html(root, cbr))
    assert "<dt>Revision</dt><dd>1</dd>" in page and "Changes since" not in page  # the public record: v1
    assert "bi-weekly" in page and "monthly" not in page
    assert not (root / "site" / cbr / "redline").exists()
    tagged = article(html(root, tpe))
    assert "<dt>Revision</dt><dd>1</dd>" in tagged and "Changes since" not in tagged

    r = run_cli("build", "--preview", cwd=root, env=BUILD_ENV)
    assert r.returncode == 0, r.stderr
    page = article(html(root, cbr))
    assert '<a class="md-button md-button--secondary" href="redline/">Changes since Revision 1</a>' in page
    assert re.search(r"<dt>Revision</dt>\s*<dd>2 in preparation", page)  # preview only
    red = article(html(root, f"{cbr}/redline"))
    assert "<h1>Redline: Cross-Border Recognition Working Group</h1>" in red
    dels = re.findall(r'<del class="rl-del"><span class="rl-mark">\[- </span>(.*?)<span', red)
    ins = re.findall(r'<ins class="rl-ins"><span class="rl-mark">\[\+ </span>(.*?)<span', red)
    assert "bi-weekly" in dels and "Three later" in dels and "monthly" in ins and "Later" in ins
    assert "or more" not in ins  # that edit was before the publication
    assert "From:</span> papers/cross-border-recognition/2024-03/v1" in red
    tagged = article(html(root, tpe))
    assert "<dt>Revision</dt><dd>1</dd>" in tagged and "Changes since" not in tagged
    review = article(html(root, "papers/ace-modernization/2024-03"))  # in review, one commit, no tag
    assert "<dt>Revision</dt>" not in review and "Changes since" not in review
    assert not (root / "site/papers/ace-modernization/2024-03/redline").exists()



def test_the_same_commit_builds_byte_identical_pages(tmp_path):
    """Without SOURCE_DATE_EPOCH, dates come from the last commit, so two builds of it agree on any day."""
    import hashlib

    root = make_sample_repo(tmp_path / "repo")  # last commit: 2024-02-02
    env = {k: v for k, v in {**os.environ, **BUILD_ENV}.items() if k != "SOURCE_DATE_EPOCH"}

    def digest(site: Path) -> dict[str, str]:
        return {p.relative_to(site).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(site.rglob("*")) if p.is_file()}

    sums = []
    for _ in range(2):
        res = subprocess.run([str(Path(sys.executable).with_name("mkdocs")), "build", "-q"], cwd=root, env=env,
                             capture_output=True, text=True, timeout=300)
        assert res.returncode == 0, res.stderr
        sums.append(digest(root / "site"))
        home = (root / "site/index.html").read_text()
        shutil.rmtree(root / "site")
    assert sums[0] == sums[1]
    # the next public meeting after the last commit, not after the day the test runs
    next_meeting = re.search(r'id="next-meeting">Next public meeting</h2>(.*?)</p>', home, re.S).group(1)
    assert "March 2024" in next_meeting, next_meeting


def test_serve_rebuilds_when_a_paper_or_the_registry_changes(tmp_path):
    """`issuepapers serve` on a real port: edit a paper, then committee.yml, and see each in the served page."""
    import socket
    import urllib.request

    root = make_sample_repo(tmp_path / "repo")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    exe = Path(sys.executable).with_name("issuepapers")
    env = {**os.environ, **BUILD_ENV}
    proc = subprocess.Popen([str(exe), "serve", "--no-pdf", "-a", f"127.0.0.1:{port}"], cwd=root, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}/papers/cross-border-recognition/2024-03/"

    def wait_for(text: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                page = urllib.request.urlopen(url, timeout=5).read().decode()
                if text in page:
                    return page
            except OSError:
                pass
            assert proc.poll() is None, proc.stderr.read()
            time.sleep(0.5)
        raise AssertionError(f"{text!r} never appeared at {url}")

    try:
        wait_for("twelve months or more")
        paper = root / "papers/cross-border-recognition/2024-03.md"
        paper.write_text(paper.read_text().replace("twelve months or more", "eighteen months"))
        wait_for("eighteen months")
        registry = root / "committee.yml"
        registry.write_text(registry.read_text().replace("name: Cross-Border Recognition\n",
                                                         "name: Land Border Recognition\n"))
        wait_for("Land Border Recognition Working Group</a>")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_images_beside_a_paper_are_published_and_links_out_are_not(tmp_path):
    """A paper's own raster image is on its page; an SVG is not served; a link out of the repository
    fails the build (`image-missing`) and nothing of it reaches the site."""
    root = make_sample_repo(tmp_path / "repo")
    folder = root / "papers/cross-border-recognition"
    shutil.copyfile(FIXTURES / "pdf/chart.png", folder / "ports.png")
    (folder / "vector.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    paper = folder / "2024-03.md"
    paper.write_text(paper.read_text() + "\n![Ports of entry on the southern border](ports.png)\n"
                     "![Vector drawing of the ports](vector.svg)\n")
    res = mkdocs(root)
    assert res.returncode == 0, res.stderr
    site = root / "site"
    assert (site / "papers/cross-border-recognition/ports.png").read_bytes() == (folder / "ports.png").read_bytes()
    page = html(root, "papers/cross-border-recognition/2024-03")
    assert 'src="../ports.png"' in page and 'alt="Ports of entry on the southern border"' in page
    assert not list(site.rglob("vector.svg"))

    before = {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"\x89PNG secret outside the repository")
    (folder / "leak.png").symlink_to(secret)
    paper.write_text(paper.read_text() + "![Leak](leak.png)\n")
    res = mkdocs(root)
    assert res.returncode == 1
    assert "papers/cross-border-recognition/2024-03.md" in res.stderr and "error[image-missing]" in res.stderr
    assert {p: p.read_bytes() for p in site.rglob("*") if p.is_file()} == before  # the previous site, whole
