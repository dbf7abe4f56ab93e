"""WeasyPrint, set up once per process: templates, fonts, the stylesheet, the sandboxed fetcher.

`Engine.for_templates()` keeps one engine per templates folder in each process,
so a worker parses the stylesheet and loads the bundled fonts once and reuses
them for every paper it renders.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from .. import __version__
from .fetcher import SandboxFetcher
from .tagging import finish as finish_tagging

from ..assets import STYLESHEET, Templates  # noqa: F401 (STYLESHEET re-exported for benchmarks)

PDF_VARIANT = "pdf/ua-1"
PDF_TEMPLATE_DIRS = ("pdf", "fonts", "assets")


def asset_roots(root: Path, templates: Templates) -> tuple[Path, ...]:
    """Folders a render may read: the template chain (fonts, CSS, logo) and papers/ (images beside a paper)."""
    out: list[Path] = []
    for r in (*templates.dirs, Path(root) / "papers"):
        r = r.resolve()
        if r not in out:
            out.append(r)
    return tuple(out)


def engine_digest(templates: Templates) -> str:
    """Hash of what shapes every PDF besides the paper: package version, templates, CSS, fonts, assets."""
    import weasyprint

    h = hashlib.sha256(f"issuepapers {__version__}\0weasyprint {weasyprint.__version__}\0".encode())
    h.update(templates.digest(PDF_TEMPLATE_DIRS).encode())
    # The code that lays out and finishes a PDF (tagging, context): a change re-renders even without a
    # version bump, as in a source checkout.
    for source in sorted(Path(__file__).parent.glob("*.py")):
        h.update(source.name.encode() + b"\0" + hashlib.sha256(source.read_bytes()).digest())
    return h.hexdigest()


FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<!-- Only the bundled fonts: a glyph they lack prints as a box on every machine,
     instead of coming from whatever fonts this machine happens to have. -->
<fontconfig>
  <dir>{fonts}</dir>
  <cachedir>{cache}</cachedir>
</fontconfig>
"""


def isolated_font_configuration(fonts: Path, factory):
    """A WeasyPrint FontConfiguration that sees the bundled fonts and no system font."""
    import os
    import shutil
    import tempfile
    from xml.sax.saxutils import escape

    conf_dir = Path(tempfile.mkdtemp(prefix="issuepapers-fontconfig-"))
    conf = conf_dir / "fonts.conf"
    conf.write_text(FONTS_CONF.format(fonts=escape(str(fonts.resolve())), cache=escape(str(conf_dir / "cache"))))
    old = os.environ.get("FONTCONFIG_FILE")
    os.environ["FONTCONFIG_FILE"] = str(conf)  # read by FcInitLoadConfigAndFonts in the constructor
    try:
        return factory()  # fontconfig has read the file and scanned the fonts by now
    finally:
        if old is None:
            del os.environ["FONTCONFIG_FILE"]
        else:
            os.environ["FONTCONFIG_FILE"] = old
        shutil.rmtree(conf_dir, ignore_errors=True)


class RenderError(Exception):
    """A paper could not be rendered; `rule` and the message become its finding."""

    def __init__(self, message: str, rule: str = "pdf-render"):
        super().__init__(message)
        self.rule = rule


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.records: list[str] = []

    def emit(self, record):
        self.records.append(record.getMessage())


def jinja_env(templates: Templates) -> jinja2.Environment:
    """The PDF templates: the committee's `pdf/` first, then the package's, file by file."""
    return templates.jinja("pdf", autoescape=True, undefined=jinja2.StrictUndefined,
                           trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


@dataclass
class Engine:
    templates: Templates
    roots: tuple[Path, ...]
    fetcher: SandboxFetcher = field(init=False)

    _cache = {}

    def __post_init__(self):
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        # WeasyPrint's log lines become our findings; nothing is printed by WeasyPrint itself.
        wlog = logging.getLogger("weasyprint")
        wlog.propagate = False
        wlog.handlers[:] = [logging.NullHandler()]
        self.fetcher = SandboxFetcher(self.roots, fallback=self.templates.fallback)
        self.font_config = isolated_font_configuration(self.templates.fonts_dir(), FontConfiguration)
        css_path = self.templates.find(STYLESHEET)
        self.stylesheet = CSS(string=css_path.read_text(encoding="utf-8"), base_url=css_path.as_uri(),
                              url_fetcher=self.fetcher, font_config=self.font_config)
        if self.fetcher.refused:
            raise RenderError(f"stylesheet {STYLESHEET}: {self.fetcher.refused[0][1]}: {self.fetcher.refused[0][0]}",
                              "pdf-fetch-refused")

    @classmethod
    def for_root(cls, root: Path, templates: Templates) -> "Engine":
        roots = asset_roots(root, templates)
        key = (templates.dirs, roots)
        eng = cls._cache.get(key)
        if eng is None:
            eng = cls._cache[key] = cls(templates, roots)
        return eng

    def write(self, html: str, base_url: str, identifier: bytes | None = None) -> bytes:
        """PDF/UA-1 bytes of `html`; raises RenderError when the sandbox refused anything."""
        from weasyprint import HTML

        self.fetcher.reset()
        collect = _Collect()
        wlog = logging.getLogger("weasyprint")
        wlog.addHandler(collect)
        try:
            doc = HTML(string=html, base_url=base_url, url_fetcher=self.fetcher)
            data = doc.write_pdf(stylesheets=[self.stylesheet], font_config=self.font_config,
                                 pdf_variant=PDF_VARIANT, pdf_identifier=identifier or False,
                                 uncompressed_pdf=False, finisher=finish_tagging)
        finally:
            wlog.removeHandler(collect)
        if self.fetcher.refused:
            url, reason = self.fetcher.refused[0]
            more = f" (and {len(self.fetcher.refused) - 1} more)" if len(self.fetcher.refused) > 1 else ""
            raise RenderError(f"resource refused by the PDF sandbox: {url[:120]!r}: {reason}{more}",
                              "pdf-fetch-refused")
        self.warnings = collect.records
        return data
