"""The PDF sandbox, fed raw HTML that never went through the Markdown sanitizer."""

from __future__ import annotations

import http.server
import threading
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import REPO

from issuepapers.assets import Templates
from issuepapers.pdf.engine import Engine, RenderError, asset_roots
from issuepapers.pdf.fetcher import FetchRefused, SandboxFetcher


class _Listener:
    def __init__(self):
        self.requests: list[str] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                outer.requests.append(self.path)
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.server.timeout = 0.2
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listener():
    srv = _Listener()
    yield srv
    srv.close()


@pytest.fixture
def repo(tmp_path):
    """A minimal repo: the real templates, and a paper folder with one picture."""
    import shutil

    root = tmp_path / "repo"
    shutil.copytree(REPO / "templates", root / "templates")
    (root / "papers" / "wg").mkdir(parents=True)
    shutil.copy(REPO / "tests/fixtures/pdf/chart.png", root / "papers/wg/chart.png")
    (root / "committee.yml").write_text("committee: {}\n")
    (tmp_path / "secret.png").write_bytes((REPO / "tests/fixtures/pdf/chart.png").read_bytes())
    return root


def page_html(body: str, head: str = "") -> str:
    return (f'<!DOCTYPE html><html lang="en-US"><head><meta charset="utf-8"><title>t</title>{head}</head>'
            f"<body>{body}<p>text</p></body></html>")


def render(root: Path, html: str) -> bytes:
    return Engine.for_root(root, Templates.for_root(root)).write(html, (root / "papers/wg").as_uri() + "/")


# The fetcher alone -------------------------------------------------------------------------

def test_fetcher_allows_data_and_assets(repo):
    f = SandboxFetcher(asset_roots(repo, Templates.for_root(repo)))
    assert f.fetch("data:text/plain;base64,aGk=").read() == b"hi"
    assert f.fetch("data:,a%20b").read() == b"a b"
    assert f.fetch((repo / "papers/wg/chart.png").as_uri()).read().startswith(b"\x89PNG")
    assert f.fetch((repo / "templates/fonts/PublicSans-Regular.ttf").as_uri()).read()[:4] == b"\x00\x01\x00\x00"
    assert f.refused == []


@pytest.mark.parametrize("url", [
    "file:///etc/hostname",
    "file:///etc/passwd",
    "file://localhost/etc/hostname",
    "file://example.org/share/x.png",
    "http://127.0.0.1:9/x.png",
    "https://example.org/x.png",
    "ftp://example.org/x.png",
    "javascript:alert(1)",
])
def test_fetcher_refuses(repo, url):
    f = SandboxFetcher(asset_roots(repo, Templates.for_root(repo)))
    with pytest.raises(FetchRefused):
        f.fetch(url)
    assert f.refused and f.refused[0][0] == url


def test_fetcher_refuses_escapes_and_symlinks(repo, tmp_path):
    f = SandboxFetcher(asset_roots(repo, Templates.for_root(repo)))
    escape = (repo / "papers/wg").as_uri() + "/../../../secret.png"
    with pytest.raises(FetchRefused, match="outside"):
        f.fetch(escape)
    (repo / "papers/wg/link.png").symlink_to(tmp_path / "secret.png")
    with pytest.raises(FetchRefused, match="outside"):
        f.fetch((repo / "papers/wg/link.png").as_uri())
    (repo / "papers/wg/notes.md").write_text("x")
    with pytest.raises(FetchRefused, match="not assets"):
        f.fetch((repo / "papers/wg/notes.md").as_uri())
    with pytest.raises(FetchRefused, match="outside"):
        f.fetch((repo / "committee.yml").as_uri())


# Whole renders with hostile HTML ----------------------------------------------------------------

@pytest.mark.parametrize("body", [
    '<img src="../../../../../../../../etc/passwd" alt="x">',
    '<img src="file:///etc/hostname" alt="x">',
    '<img src="../../../secret.png" alt="x">',
    '<div style="background: url(file:///etc/hostname)">x</div>',
    '<object data="file:///etc/hostname"></object>',
])
def test_hostile_html_refused(repo, body):
    with pytest.raises(RenderError) as exc:
        render(repo, page_html(body))
    assert exc.value.rule == "pdf-fetch-refused"


def test_attachment_link_refused(repo):
    html = page_html("", '<link rel="attachment" href="file:///etc/hostname" title="h">')
    with pytest.raises(RenderError, match="refused"):
        render(repo, html)


def test_css_import_refused(repo):
    with pytest.raises(RenderError, match="refused"):
        render(repo, page_html("", '<style>@import url("file:///etc/hostname"); p { color: red }</style>'))
    with pytest.raises(RenderError, match="refused"):
        render(repo, page_html("", '<style>@import "../../../secret.css";</style>'))
    with pytest.raises(RenderError, match="refused"):
        render(repo, page_html("", '<link rel="stylesheet" href="https://example.org/x.css">'))


def test_localhost_listener_gets_no_request(repo, listener):
    url = f"http://127.0.0.1:{listener.port}"
    html = page_html(f'<img src="{url}/a.png" alt="a"><div style="background:url({url}/b.png)">b</div>',
                     f'<link rel="stylesheet" href="{url}/c.css"><link rel="attachment" href="{url}/d">'
                     f'<style>@import url("{url}/e.css");</style>')
    with pytest.raises(RenderError):
        render(repo, html)
    assert listener.requests == []


def test_allowed_assets_render_and_nothing_is_attached(repo):
    html = page_html('<img src="chart.png" alt="A bar chart">'
                     '<img src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4'
                     '2mP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC" alt="A dot">')
    data = render(repo, html)
    reader = PdfReader(__import__("io").BytesIO(data))
    assert "/Names" not in reader.trailer["/Root"] or "/EmbeddedFiles" not in reader.trailer["/Root"]["/Names"]


def test_markdown_path_sanitizes_first():
    """The paper path never hands WeasyPrint a script, a handler or a file: URL."""
    from issuepapers.pdf.context import body_html

    html = body_html("## Background\n\nHi <script>alert(1)</script><img src=x onerror=alert(1) alt=y>"
                     '<link rel="attachment" href="file:///etc/hostname">'
                     "\n\n![z](file:///etc/hostname)\n")
    assert "<script" not in html and "onerror" not in html and "<link" not in html
    assert "file:" not in html
    assert '<h2 id="background" class="run-in">Background</h2>' in html
