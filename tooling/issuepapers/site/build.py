"""Site builds: the collection → the generated site, atomic output, and `issuepapers build`/`serve`.

A build writes into a sibling temp folder (`.site.building-XXXX`) and swaps it
in with renames at the very end (`fsutil.swap_directory`): a build that fails,
or is killed, leaves the previous site whole.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

from ..fsutil import swap_directory

STALE_AFTER = 6 * 3600  # temp folders of killed builds older than this are removed


class AtomicSiteDir:
    """Build into a sibling temp folder of `target`, then swap it in (or throw it away)."""

    def __init__(self, target: Path):
        self.target = Path(target).resolve()
        self.tmp: Path | None = None

    @property
    def prefix(self) -> str:
        return f".{self.target.name}.building-"

    def begin(self) -> Path:
        parent = self.target.parent
        parent.mkdir(parents=True, exist_ok=True)
        now = time.time()
        for old in parent.glob(self.prefix + "*"):
            try:
                if now - old.stat().st_mtime > STALE_AFTER:
                    shutil.rmtree(old, ignore_errors=True)
            except OSError:
                pass
        self.tmp = Path(tempfile.mkdtemp(prefix=self.prefix, dir=parent))
        os.chmod(self.tmp, 0o755)
        return self.tmp

    def commit(self) -> None:
        if self.tmp is not None:
            swap_directory(self.tmp, self.target)
            self.tmp = None

    def abort(self) -> None:
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None


def env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() not in ("0", "false", "no", "off")


def build_clock(history=None) -> tuple[dt.date, dt.datetime | None]:
    """Today and the build's timestamp: SOURCE_DATE_EPOCH when set, else HEAD's commit date.

    The same commit builds the same pages: "today" (which decides the next public
    meeting on the home page) is the last commit's date, not the clock's, and
    SOURCE_DATE_EPOCH is set from it so MkDocs' own dates (sitemap) agree.
    Outside git, the clock is all there is.
    """
    sde = os.environ.get("SOURCE_DATE_EPOCH")
    if sde and sde.strip().isdigit():
        stamp = dt.datetime.fromtimestamp(int(sde), dt.timezone.utc)
        return stamp.date(), stamp
    stamp = None
    if history is not None:
        try:
            stamp = history.last_commit_date()
        except Exception:  # noqa: BLE001 - a stamp is a nicety, never a failure
            stamp = None
    if stamp is None:
        return dt.date.today(), None
    stamp = stamp.astimezone(dt.timezone.utc)
    os.environ["SOURCE_DATE_EPOCH"] = str(int(stamp.timestamp()))
    return stamp.date(), stamp


def collect_pdfs(coll, out_dir: Path) -> dict[str, Path]:
    """Published PDF files that belong to current papers and meetings: paper, book."""
    from .pages import PDF_DIR, book_uri, pdf_uri

    found = {}
    for p in coll.papers:
        uri = pdf_uri(p.path)
        f = out_dir / uri[len(PDF_DIR) + 1:]
        if f.is_file():
            found[uri] = f
    for mid in coll.registry.meetings:
        uri = book_uri(mid)
        f = out_dir / uri[len(PDF_DIR) + 1:]
        if f.is_file():
            found[uri] = f
    return found


def render_pdfs(root: Path, coll, out_dir: Path, log: logging.Logger) -> dict[str, Path]:
    """Paper PDFs and meeting books through the pdf package, when it is installed."""
    import importlib
    import importlib.util

    if importlib.util.find_spec("issuepapers.pdf") is None:
        log.info("issuepapers: PDFs skipped (the pdf package is not available)")
        return {}
    try:
        pdf = importlib.import_module("issuepapers.pdf")
        pdf.render_all(root, coll, out_dir)
        if hasattr(pdf, "render_books"):
            pdf.render_books(root, coll, out_dir)
    except Exception as exc:  # noqa: BLE001 - the site is still worth publishing
        log.warning(f"issuepapers: PDFs not rendered: {exc}")
    return collect_pdfs(coll, out_dir)


def workflow_data(root: Path, coll, log: logging.Logger, redlines: bool = True) -> tuple[dict, dict]:
    """"Revision N" of every paper and the redline of every paper with an earlier version, once per build.

    A fixed number of git processes for the whole collection (`workflow.revisions`
    and `workflow.redlines` batch their reads); a paper with no earlier version costs nothing.
    """
    from .pages import RedlineView

    try:
        from .. import workflow

        revs = workflow.revisions(root, coll)
        views = {}
        if redlines:
            for path, rl in workflow.redlines(root, coll).items():
                tag = re.fullmatch(re.escape(path.removesuffix(".md")) + r"/v([0-9]+)", rl.before)
                since = f"Revision {tag.group(1)}" if tag else rl.before
                views[path] = RedlineView(since, workflow.to_html_fragment(rl))
    except Exception as exc:  # noqa: BLE001 - a site without redlines is still a site
        log.warning(f"issuepapers: revisions and redlines unavailable: {exc}")
        return {}, {}
    return revs, views


def generate_site(root: Path, pconf, mconf, log: logging.Logger):
    """Load, check, enrich and generate. Returns (site, None) or (None, error text)."""
    from ..collection import load_collection
    from ..diagnostics import ERROR, format_text
    from ..rules import check_collection
    from .pages import SiteOptions, generate

    coll = load_collection(root, history=False)
    if pconf.check:
        findings = check_collection(coll)
        errors = [f for f in findings if f.severity == ERROR]
        if errors:
            return None, format_text(errors).rstrip()
        for f in findings:
            log.warning(format_text([f]).rstrip())
    history = None
    if pconf.history:
        from ..gitlog import read_history

        try:
            history = read_history(root, tuple(pconf.content_roots))
        except Exception as exc:  # noqa: BLE001 - a site without history is still a site
            log.warning(f"issuepapers: git history unavailable: {exc}")
        if history is not None:
            coll.history = history
            for w in history.warnings:
                log.info(f"issuepapers: git: {w}")
            for doc in coll.documents():
                doc.history = history.get(doc.path)
    today, stamp = build_clock(history)
    pdfs = {}
    if env_flag("ISSUEPAPERS_PDF", pconf.pdf):
        pdfs = render_pdfs(root, coll, (root / pconf.pdf_cache), log)
    revisions, redlines = workflow_data(root, coll, log, redlines=history is not None)
    site_url = pconf.site_url or mconf.site_url or coll.registry.committee.site_url
    opts = SiteOptions(directory_urls=mconf.use_directory_urls, site_url=site_url, today=today,
                       latest_papers=pconf.latest_papers, feed_entries=pconf.feed_entries, pdfs=pdfs,
                       build_time=stamp, revisions=revisions, redlines=redlines)
    return generate(coll, opts), None


# `issuepapers build` / `serve` ------------------------------------------------------------


def _logging(verbose: bool) -> logging.Handler:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
    logger = logging.getLogger("mkdocs")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if verbose else logging.INFO)
    handler.setLevel(logging.DEBUG if verbose else logging.WARNING)
    return handler


def run_build(config_file: Path, site_dir: Path | None = None, strict: bool = False,
              pdf: bool | None = None, verbose: bool = False) -> int:
    """`mkdocs build` with our plugin, atomically. 0 built, 1 failed (e.g. check errors), 2 bad config."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, ConfigurationError

    handler = _logging(verbose)
    if pdf is not None:
        os.environ["ISSUEPAPERS_PDF"] = "1" if pdf else "0"
    try:
        try:
            kwargs = {"strict": strict}
            if site_dir is not None:
                kwargs["site_dir"] = str(site_dir)
            cfg = load_config(config_file=str(config_file), **kwargs)
        except (ConfigurationError, Abort) as exc:
            print(f"issuepapers: error: {exc}", file=sys.stderr)
            return 2
        if "issuepapers" not in cfg.plugins:
            print("issuepapers: error: mkdocs.yml does not enable the `issuepapers` plugin", file=sys.stderr)
            return 2
        cfg.plugins.on_startup(command="build", dirty=False)
        try:
            build(cfg)
        except Abort as exc:
            print(f"issuepapers: error: {exc}", file=sys.stderr)
            return 1
        finally:
            cfg.plugins.on_shutdown()
        print(f"Site built in {cfg.site_dir}", file=sys.stderr)
        return 0
    finally:
        logging.getLogger("mkdocs").removeHandler(handler)


def run_serve(config_file: Path, dev_addr: str | None = None, pdf: bool | None = None,
              open_browser: bool = False) -> int:
    from mkdocs.commands.serve import serve
    from mkdocs.exceptions import Abort, ConfigurationError

    _logging(False).setLevel(logging.INFO)
    if pdf is not None:
        os.environ["ISSUEPAPERS_PDF"] = "1" if pdf else "0"
    kwargs = {"dev_addr": dev_addr} if dev_addr else {}
    try:
        serve(config_file=str(config_file), livereload=True, open_in_browser=open_browser, **kwargs)
    except (ConfigurationError, Abort) as exc:
        print(f"issuepapers: error: {exc}", file=sys.stderr)
        return 1
    return 0


def write_markdown(root: Path, config_file: Path, dest: Path, pdf: bool = False) -> int:
    """The Zensical path: write the generated pages and files to `dest`, no MkDocs build."""
    from mkdocs.config import load_config

    from .pages import write_folder

    log = logging.getLogger("mkdocs.plugins.issuepapers")
    handler = _logging(False)
    try:
        cfg = load_config(config_file=str(config_file))
        plugin = cfg.plugins.get("issuepapers")
        if plugin is None:
            print("issuepapers: error: mkdocs.yml does not enable the `issuepapers` plugin", file=sys.stderr)
            return 2
        os.environ.setdefault("ISSUEPAPERS_PDF", "1" if pdf else "0")
        site, errors = generate_site(root, plugin.config, cfg, log)
        if errors:
            print(errors, file=sys.stderr)
            return 1
        atomic = AtomicSiteDir(dest)
        tmp = atomic.begin()
        try:
            write_folder(site, tmp, root / "templates" / "site" / "assets")
        except BaseException:
            atomic.abort()
            raise
        atomic.commit()
        print(f"{len(site.pages)} pages and {len(site.files) + len(site.external)} files written to {dest}",
              file=sys.stderr)
        return 0
    finally:
        logging.getLogger("mkdocs").removeHandler(handler)
