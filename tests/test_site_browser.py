"""The built site in real headless Chromium: axe-core finds no violations, hostile pages run nothing,
and the recommendation tracker sorts and filters from the keyboard."""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

import pytest
from test_site import build_site

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(site: Path):
    handler = functools.partial(_Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    root = build_site(tmp_path_factory.mktemp("browser"))
    server, base = serve(root / "site")
    yield base
    server.shutdown()


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    root = build_site(tmp_path_factory.mktemp("browser-hostile"), hostile=True)
    server, base = serve(root / "site")
    yield base
    server.shutdown()


AXE_RUN = """async () => {
  const r = await axe.run(document, {resultTypes: ["violations"]});
  return r.violations.map(v => ({id: v.id, impact: v.impact,
                                 nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}));
}"""


@pytest.mark.parametrize("url", ["", "papers/cross-border-recognition/2024-03/", "recommendations/", "calendar/",
                                 "papers/cross-border-recognition/2024-03/redline/"])
def test_axe_finds_no_violations(browser, sample, url):
    page = browser.new_page()
    try:
        page.goto(sample + url)
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
        assert page.evaluate(AXE_RUN) == []
    finally:
        page.close()


# Every event-handler attribute on the page (the theme's own scripts add listeners, never attributes).
HANDLERS = """() => [...document.querySelectorAll('*')].flatMap(e =>
    [...e.attributes].filter(a => a.name.startsWith('on')).map(a => e.tagName + ' ' + a.name))"""


@pytest.mark.parametrize("url", ["papers/forced-labor/2024-03/", "recommendations/17/17-099/", "",
                                 "recommendations/", "papers/forced-labor/"])
def test_hostile_pages_run_nothing(browser, hostile_site, url):
    page = browser.new_page()
    outside = []  # content never makes a page fetch from elsewhere (an image from a tracker, a frame)
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(hostile_site) else None)
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    # any alert/confirm/prompt that slips through is recorded even if no dialog opens
    page.add_init_script("window.__ran = []; for (const f of ['alert','confirm','prompt'])"
                         " window[f] = (m) => { window.__ran.push(String(m)); };")
    try:
        page.goto(hostile_site + url)
        page.wait_for_load_state("load")
        # trigger what a reader would: hover and click everything in the article
        for el in page.query_selector_all("article p, article div, article img, article a, article b")[:40]:
            try:
                el.hover(timeout=100)
            except Exception:  # noqa: BLE001 - hidden or detached elements are fine
                pass
        for el in page.query_selector_all("article div, article p, article img")[:100]:  # links would navigate
            try:
                el.dispatch_event("click")
            except Exception:  # noqa: BLE001
                pass
        assert dialogs == []
        assert [u for u in outside if not u.startswith("data:")] == []
        assert page.evaluate("window.__ran") == []
        assert page.evaluate("document.querySelectorAll('article script, article iframe').length") == 0
        assert page.evaluate(HANDLERS) == []  # anywhere on the page: title, header, nav, contents
        # the detector itself works: an injected handler is caught
        page.evaluate("document.body.insertAdjacentHTML('beforeend', '<img src=x onerror=alert(7)>')")
        page.wait_for_function("window.__ran.length > 0", timeout=5000)
    finally:
        page.close()


def test_hostile_headings_are_inert_in_the_contents_and_search(browser, hostile_site):
    """Heading ids and titles reach the contents sidebar and the search index: escaped, never markup."""
    page = browser.new_page()
    page.add_init_script("window.__ran = []; for (const f of ['alert','confirm','prompt'])"
                         " window[f] = (m) => { window.__ran.push(String(m)); };")
    try:
        page.goto(hostile_site + "papers/forced-labor/2024-03/")
        page.wait_for_load_state("load")
        toc = page.eval_on_selector_all(".md-sidebar--secondary a", "els => els.map(e => e.getAttribute('href'))")
        assert toc, "the contents sidebar lists the headings"
        assert all(h.startswith("#") and not any(c in h for c in '"<> ') for h in toc), toc
        texts = page.eval_on_selector_all(".md-sidebar--secondary a", "els => els.map(e => e.textContent)")
        assert any("Heading with a tag" in t for t in texts) and not page.query_selector(".md-sidebar svg[onload]")
        # search: the index carries the hostile headings; results are drawn from it
        page.keyboard.press("s")
        for _ in range(30):  # the search worker answers once it has indexed; a query typed before is lost
            page.fill("input.md-search__input", "")
            page.type("input.md-search__input", "zanzibarquux")
            if page.wait_for_timeout(500) or page.query_selector(".md-search-result__item"):
                break
        assert page.query_selector(".md-search-result__item"), "search finds the hostile paper"
        page.fill("input.md-search__input", "")
        page.type("input.md-search__input", "heading")
        page.wait_for_timeout(500)
        for el in page.query_selector_all(".md-search-result__item a, .md-search-result__item *")[:60]:
            try:
                el.hover(timeout=100)
            except Exception:  # noqa: BLE001
                pass
        assert page.evaluate("window.__ran") == []
        assert page.evaluate(HANDLERS) == []
    finally:
        page.close()


def test_tracker_sorts_and_filters_from_the_keyboard(browser, sample):
    page = browser.new_page()
    try:
        page.goto(sample + "recommendations/")
        rows = "document.querySelectorAll('table[data-ip-tracker] tbody tr:not([hidden])').length"
        total = page.evaluate(rows)
        assert total > 5
        page.focus("#ip-f-text")
        page.keyboard.type("17-00")
        shown = page.evaluate(rows)
        assert 0 < shown < total
        assert f"Showing {shown} of {total}" in page.inner_text("[data-ip-count]")
        page.fill("#ip-f-text", "")
        page.focus("#ip-f-agency")
        page.select_option("#ip-f-agency", "pending")
        assert page.evaluate(rows) == page.evaluate(
            "document.querySelectorAll('table[data-ip-tracker] tbody tr[data-agency=\"pending\"]').length")
        page.select_option("#ip-f-agency", "")
        # sort by id, descending on the second press, with Enter on the focused header button
        page.focus("button[data-ip-sort='0']")
        page.keyboard.press("Enter")
        first = "document.querySelector('table[data-ip-tracker] tbody tr td').textContent.trim()"
        asc = page.evaluate(first)
        assert page.get_attribute("th[data-ip-col='id']", "aria-sort") == "ascending"
        page.keyboard.press("Enter")
        assert page.get_attribute("th[data-ip-col='id']", "aria-sort") == "descending"
        desc = page.evaluate(first)
        assert asc.startswith("16-") and desc.startswith("17-")
    finally:
        page.close()
