"""The site's pages come from Jinja templates that a committee overrides file by file.

Real builds (`issuepapers build --no-pdf`, `mkdocs build`) of temp copies of the
sample repository whose own templates/ holds only the files under test: every
other template and asset comes from the package.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES, git, run_cli

from issuepapers.assets import PACKAGE_TEMPLATES

ENV = {"NO_MKDOCS_2_WARNING": "1", "SOURCE_DATE_EPOCH": "1711929600", "NO_COLOR": "1"}
PAGES = PACKAGE_TEMPLATES / "site" / "pages"
MARKER = '<p class="committee-marker">Our own paper layout</p>'


def own_templates(root: Path, files: dict[str, str]) -> None:
    """The committee's templates/ holds exactly `files` (rel path → text); the package has the rest."""
    shutil.rmtree(root / "templates", ignore_errors=True)
    for rel, text in files.items():
        path = root / "templates" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def build(root: Path, *args: str) -> subprocess.CompletedProcess:
    return run_cli("build", "--no-pdf", *args, cwd=root, env=ENV)


def mkdocs_build(root: Path) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("mkdocs")
    return subprocess.run([str(exe), "build"], cwd=root, env={**os.environ, **ENV, "ISSUEPAPERS_PDF": "false"},
                          capture_output=True, text=True, timeout=300)


def article(page: Path) -> str:
    text = page.read_text(encoding="utf-8")
    return text[text.index('<article class="md-content__inner'):text.index("</article>")]


def snapshot(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


# overriding one file ------------------------------------------------------------------------------


def test_one_overridden_page_template_changes_that_kind_of_page_only(sample_repo):
    root = sample_repo
    paper = (PAGES / "paper.html").read_text(encoding="utf-8")
    assert "<h1>{{ paper.title }}</h1>" in paper
    own_templates(root, {"site/pages/paper.html": paper.replace("<h1>{{ paper.title }}</h1>",
                                                                "<h1>{{ paper.title }}</h1>" + MARKER)})
    r = build(root)
    assert r.returncode == 0, r.stderr
    site = root / "site"
    papers = [p for p in site.glob("papers/*/*/index.html") if p.parent.name != "redline"]
    assert len(papers) >= 5
    for page in papers:
        a = article(page)
        assert MARKER in a, page
        assert a.index(MARKER) < a.index('<dl class="ip-meta">') < a.index('id="ip-history"')  # the rest as ever
    others = [site / "index.html", site / "papers/index.html", site / "status/index.html",
              site / "recommendations/index.html", site / "calendar/index.html", site / "meetings/index.html",
              *site.glob("recommendations/*/*/index.html"), *site.glob("meetings/*/index.html"),
              *site.glob("papers/*/index.html"), *site.glob("papers/*/*/redline/index.html")]
    assert len(others) > 10
    for page in others:
        text = page.read_text(encoding="utf-8")
        assert "committee-marker" not in text, page
        assert '<div class="md-content"' in text and "ip-" in text, page  # the package's templates made it
    assert (site / "assets/issuepapers/tracker.js").read_bytes() == \
        (PACKAGE_TEMPLATES / "site/assets/issuepapers/tracker.js").read_bytes()
    assert not list(site.rglob("_macros.html")) and not (site / "pages").exists()  # templates stay private


def test_one_overridden_asset_is_published_and_the_rest_come_from_the_package(sample_repo, tmp_path):
    root = sample_repo
    css = "/* the committee's own colours */\n.ip-badge { border-radius: 0; }\n"
    own_templates(root, {"site/assets/issuepapers/site.css": css})
    r = build(root)
    assert r.returncode == 0, r.stderr
    assets = root / "site/assets/issuepapers"
    package = PACKAGE_TEMPLATES / "site/assets/issuepapers"
    assert (assets / "site.css").read_text(encoding="utf-8") == css
    assert (assets / "tracker.js").read_bytes() == (package / "tracker.js").read_bytes()
    page = (root / "site/recommendations/index.html").read_text(encoding="utf-8")
    assert "assets/issuepapers/site.css" in page and "assets/issuepapers/tracker.js" in page
    assert "data-ip-tracker" in page  # the tracker page itself from the package's template
    # The folder written for a generator that runs no plugin gets the same files.
    out = tmp_path / "md"
    r = build(root, "--markdown-out", str(out))
    assert r.returncode == 0, r.stderr
    assert (out / "assets/issuepapers/site.css").read_text(encoding="utf-8") == css
    assert (out / "assets/issuepapers/tracker.js").read_bytes() == (package / "tracker.js").read_bytes()


# a template that fails, fails the build --------------------------------------------------------------


BROKEN = {
    # name: (file, text, what the message says)
    "syntax": ("site/pages/meeting.html", '{% import "_macros.html" as m %}\n<h1>{{ meeting.label }</h1>\n',
               "templates/site/pages/meeting.html:2"),
    "undefined": ("site/pages/calendar.html", "<h1>Calendar</h1>\n\n<p>{{ calendar.no_such_thing }}</p>\n",
                  "templates/site/pages/calendar.html:3"),
    "missing-include": ("site/pages/status.html", '<h1>Status</h1>{% include "_our_footer.html" %}\n',
                        "_our_footer.html"),
    "broken-macros": ("site/pages/_macros.html", "{% macro a(link) %}{{ link.text }\n",
                      "templates/site/pages/_macros.html:1"),
    "no-body": ("site/pages/paper.html", "<h1>{{ paper.title }}</h1>\n", "templates/site/pages/paper.html"),
}


@pytest.fixture(scope="module")
def built_once(tmp_path_factory):
    from conftest import make_sample_repo

    root = make_sample_repo(tmp_path_factory.mktemp("broken") / "repo")
    own_templates(root, {})
    r = build(root)
    assert r.returncode == 0, r.stderr
    return root


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_template_fails_the_build_and_keeps_the_previous_site(built_once, case):
    root = built_once
    rel, text, named = BROKEN[case]
    before = snapshot(root / "site")
    own_templates(root, {rel: text})
    try:
        for r in (build(root), mkdocs_build(root)):
            assert r.returncode != 0, r.stderr
            assert named in r.stderr, r.stderr
            assert "Traceback" not in r.stderr, r.stderr
            assert snapshot(root / "site") == before
            assert not list(root.glob(".site.building-*"))
    finally:
        own_templates(root, {})


# escaping ----------------------------------------------------------------------------------------


HOSTILE_OFFICE = "\"><img src=x onerror=alert('office')>"


def test_values_from_documents_and_the_registry_are_escaped_on_every_template(sample_repo):
    from test_site import assert_inert, without_check

    root = sample_repo
    own_templates(root, {})
    paper = (FIXTURES / "site/hostile-paper.md").read_text(encoding="utf-8")
    office = HOSTILE_OFFICE.replace('"', '\\"')
    paper = re.sub(r"^office: .*$", f'office: "{office}"', paper, flags=re.M)
    paper = paper.replace("status: draft\n", "status: final\ndate: 2024-01-25\nprepared_by:\n"
                          f"  - name: \"<script>alert('signer')</script>\"\n    office: \"{office}\"\n")
    (root / "papers/forced-labor/2024-03.md").write_text(paper, encoding="utf-8")
    shutil.copy(FIXTURES / "site/hostile-recommendation.md", root / "recommendations/17/17-099.md")
    registry = root / "committee.yml"
    text = registry.read_text(encoding="utf-8")
    location = re.search(r"^(\s+location: )(.*)$", text, re.M)
    registry.write_text(text[:location.start(2)] + "\"<script>alert('location')</script> \\\"><b>\""
                        + text[location.end(2):], encoding="utf-8")
    without_check(root)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "<script>alert('commit')</script>", date="2024-02-10T10:00:00+00:00",
        GIT_AUTHOR_NAME="\"><img src=x onerror=alert('author')>", GIT_AUTHOR_EMAIL="evil@example.org")
    r = build(root)
    assert r.returncode == 0, r.stderr
    site = root / "site"
    page = article(site / "papers/forced-labor/2024-03/index.html")
    assert "<h1>&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt; Evil &amp; &#34;quoted&#34;" in page
    assert "<dt>Office</dt><dd>&#34;&gt;&lt;img src=x onerror=alert(&#39;office&#39;)&gt;</dd>" in page
    assert "&lt;script&gt;alert(&#39;signer&#39;)&lt;/script&gt;" in page
    # the history block (git itself drops the `"><` of the author's name)
    assert "<td>&lt;script&gt;alert(&#39;commit&#39;)&lt;/script&gt;</td>" in page and "alert(&#39;author&#39;)" in page
    pages = [site / "papers/forced-labor/2024-03/index.html", site / "recommendations/17/17-099/index.html",
             site / "index.html", site / "papers/index.html", site / "papers/forced-labor/index.html",
             site / "meetings/index.html", *site.glob("meetings/*/index.html"), site / "status/index.html",
             site / "recommendations/index.html", site / "calendar/index.html"]
    for p in pages:
        a = article(p)
        assert "<script>alert" not in a and "<img src=x" not in a and "<b>" not in a.replace("<b>bold", ""), p
        assert_inert(a, {"form", "input", "select", "option", "button"} if "recommendations/index" in str(p)
                     else set())
    assert "&lt;script&gt;alert(&#39;location&#39;)&lt;/script&gt; &#34;&gt;&lt;b&gt;" in \
        article(site / "meetings/index.html")
    assert "&lt;script&gt;alert(&#39;rec-title&#39;)&lt;/script&gt; Rec &amp; &lt;b&gt;bold&lt;/b&gt;" in \
        article(site / "recommendations/index.html")


# the machinery ---------------------------------------------------------------------------------------


def test_each_template_is_compiled_once_per_build(sample_repo, monkeypatch):
    """Jinja's cache: a build reads each template's source once, however many pages use it."""
    import jinja2

    from issuepapers.collection import load_collection
    from issuepapers.site.pages import SiteOptions, generate

    own_templates(sample_repo, {"site/pages/paper.html": (PAGES / "paper.html").read_text(encoding="utf-8")})
    reads: dict[str, int] = {}
    original = jinja2.FileSystemLoader.get_source

    def counting(self, environment, template):
        source = original(self, environment, template)
        reads[template] = reads.get(template, 0) + 1
        return source

    monkeypatch.setattr(jinja2.FileSystemLoader, "get_source", counting)
    coll = load_collection(sample_repo, history=True)
    site = generate(coll, SiteOptions())
    assert len(coll.papers) > 3 and len(site.pages) > 20
    assert reads and set(reads.values()) == {1}, reads
    assert {"paper.html", "_macros.html", "tracker.html"} <= set(reads)


def test_template_layout_is_not_output():
    from issuepapers.site.templating import compact

    assert compact("<h1>x</h1>\n  <dl>") == "<h1>x</h1><dl>"
    assert compact("\n    <td>") == "<td>" and compact("</td>\n  ") == "</td>"
    assert compact("working\n   groups") == "working groups"
    assert compact("since it.\n  <a href>") == "since it. <a href>"
    assert compact("a  b") == "a  b" and compact(" ") == " "


def test_package_templates_are_html_files_mkdocs_does_not_publish():
    """MkDocs copies static files from theme folders, but never *.html: the page templates stay private."""
    names = sorted(p.name for p in PAGES.iterdir() if p.is_file())
    assert all(n.endswith(".html") or n.lower().startswith("readme") for n in names), names
    from issuepapers.site.templating import PAGE_TEMPLATES, SHARED_TEMPLATES

    assert set(PAGE_TEMPLATES + SHARED_TEMPLATES) <= set(names)
