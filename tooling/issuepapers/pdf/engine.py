"""WeasyPrint, set up once per process: templates, fonts, the stylesheet, the sandboxed fetcher.

`Engine.for_templates()` keeps one engine per templates folder in each process,
so a worker parses the stylesheet and loads the bundled fonts once and reuses
them for every paper it renders.
"""

from __future__ import annotations

import hashlib
import logging
import re
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


# WeasyPrint lays out a run of text with no break opportunity in time that grows with the square of its
# length (a 32,000-character word took 11 s, a megabyte hours): each line is found by laying out the rest.
# A run longer than `LONG_RUN` characters gets a zero-width break opportunity (U+200B) every `RUN_PIECE`
# characters, shorter than a line, which keeps it linear; the stylesheet's overflow-wrap breaks such a run
# anyway. Text only: tags, attribute values (data: URLs), comments and style sheets are left alone, and an
# entity is never cut; a shorter run (a long URL in the text) is left whole.
LONG_RUN = 512
RUN_PIECE = 32
_RUNS = re.compile(rf"<!--.*?-->|<(style|script)\b.*?</\1\s*>|<[^>]*>|([^\s<>]{{{LONG_RUN + 1},}})",
                   re.DOTALL | re.IGNORECASE)
_PIECES = re.compile(rf"(?:&#?\w{{1,32}};|&|[^&]){{1,{RUN_PIECE}}}")


def break_long_runs(html: str) -> str:
    """`html` with a zero-width break opportunity every `RUN_PIECE` characters of each text run longer than
    `LONG_RUN` characters with none."""
    def cut(m: re.Match) -> str:
        run = m.group(2)
        return m.group() if run is None else "\u200b".join(_PIECES.findall(run))

    return _RUNS.sub(cut, html) if len(html) > LONG_RUN else html


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
            doc = HTML(string=break_long_runs(html), base_url=base_url, url_fetcher=self.fetcher)
            # HTML.write_pdf is render() then write_pdf(): the same bytes, with the page count seen between
            document = doc.render(stylesheets=[self.stylesheet], font_config=self.font_config,
                                  pdf_variant=PDF_VARIANT, pdf_identifier=identifier or False,
                                  uncompressed_pdf=False)
            self.pages = len(document.pages)
            data = document.write_pdf(finisher=finish_tagging, pdf_variant=PDF_VARIANT,
                                      pdf_identifier=identifier or False, uncompressed_pdf=False)
        finally:
            wlog.removeHandler(collect)
        if self.fetcher.refused:
            url, reason = self.fetcher.refused[0]
            more = f" (and {len(self.fetcher.refused) - 1} more)" if len(self.fetcher.refused) > 1 else ""
            raise RenderError(f"resource refused by the PDF sandbox: {url[:120]!r}: {reason}{more}",
                              "pdf-fetch-refused")
        self.warnings = collect.records
        return data
