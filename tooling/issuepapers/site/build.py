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

from ..fsutil import locked, swap_directory
from ..visibility import Visibility, visible_collection, visible_redlines

STALE_AFTER = 6 * 3600  # temp folders of killed builds older than this are removed


class AtomicSiteDir:
    """Build into a sibling temp folder of `target`, then swap it in (or throw it away)."""

    def __init__(self, target: Path):
        self.target = Path(target).resolve()
        self.tmp: Path | None = None
        self._lock = None  # `.<site>.lock` beside the site, held from begin() to commit()/abort()

    def _release(self) -> None:
        if self._lock is not None:
            lock, self._lock = self._lock, None
            lock.__exit__(None, None, None)

    @property
    def prefix(self) -> str:
        return f".{self.target.name}.building-"

    def begin(self) -> Path:
        parent = self.target.parent
        parent.mkdir(parents=True, exist_ok=True)
        if self._lock is None:  # concurrent builds of one site wait here, one after the other
            self._lock = locked(self.target)
            self._lock.__enter__()
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
        try:
            if self.tmp is not None:
                swap_directory(self.tmp, self.target)
                self.tmp = None
        finally:
            self._release()

    def abort(self) -> None:
        try:
            if self.tmp is not None:
                shutil.rmtree(self.tmp, ignore_errors=True)
                self.tmp = None
        finally:
            self._release()


GZIP_MTIME_MAX = 2**32 - 1  # the last second a gzip header (MkDocs' sitemap.xml.gz) can hold


def build_clock(history=None) -> tuple[dt.date, dt.datetime | None]:
    """Today and the build's timestamp: SOURCE_DATE_EPOCH when set, else HEAD's commit date.

    The same commit builds the same pages: "today" (which decides the next public
    meeting on the home page) is the last commit's date, not the clock's. The
    result is passed explicitly to every output of ours (`SiteOptions.today` and
    `build_time`, the PDFs' `fallback`); nothing is written to the environment.
    MkDocs' own dates (the sitemap) read SOURCE_DATE_EPOCH themselves: the plugin
    sets it from this clock around MkDocs' build only (`plugin.MkDocsClock`).
    `history`: the repository reading (`history.Repository`), or anything with
    `last_commit_date()`. Outside git, the clock is all there is.
    """
    sde = os.environ.get("SOURCE_DATE_EPOCH")
    if sde and sde.strip().isdigit():
        try:
            if int(sde) > GZIP_MTIME_MAX:  # MkDocs' sitemap.xml.gz stores the time in 32 bits
                raise OverflowError
            stamp = dt.datetime.fromtimestamp(int(sde), dt.timezone.utc)
        except (OverflowError, OSError, ValueError):
            from ..errors import UsageError

            raise UsageError(f"SOURCE_DATE_EPOCH={sde.strip()[:30]} is not a time this build can use",
                             "give seconds since 1970 up to 4294967295 (February 7, 2106), or unset it") from None
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
    return stamp.date(), stamp


def collect_pdfs(coll, out_dir: Path) -> dict[str, Path]:
    """The PDF files this build publishes: each paper's of `coll`, and the book of each meeting it has papers for.

    A book left in the cache by an earlier build, for a meeting none of whose
    papers is printed now, is not published.
    """
    from .pages import PDF_DIR, book_uri, pdf_uri

    found = {}
    for p in coll.papers:
        uri = pdf_uri(p.path)
        f = out_dir / uri[len(PDF_DIR) + 1:]
        if f.is_file():
            found[uri] = f
    for mid in coll.registry.meetings:
        if not coll.papers_for_meeting(mid):
            continue
        uri = book_uri(mid)
        f = out_dir / uri[len(PDF_DIR) + 1:]
        if f.is_file():
            found[uri] = f
    return found


def frozen_record(root: Path, coll, pconf, stamp):
    """The publications this build shows (`workflow.published.public_record`), once per build.

    Public build: the collection holds each published paper as its latest tag
    froze it. Preview (`preview: true`): the working tree, and
    `record.in_preparation` names the papers edited since their tag (N+1).
    `stamp` (the build's clock) dates PDFs of papers never committed.
    """
    from ..workflow.published import public_record

    return public_record(root, coll, preview=bool(pconf.preview), fallback=stamp)


def _fail(title: str, findings) -> None:
    """Fail the build with `path:line:col: error[rule] message` lines (MkDocs aborts on a PluginError)."""
    from mkdocs.exceptions import PluginError

    from ..diagnostics import format_text

    raise PluginError(f"issuepapers: {title}:\n{format_text(findings).rstrip()}")


def render_pdfs(root: Path, coll, out_dir: Path, log: logging.Logger, record=None) -> dict[str, Path]:
    """Paper PDFs and meeting books; any that cannot be made fails the build (PluginError).

    `record` (`workflow.published.public_record`) says which papers are shown as
    their latest publish tag: their PDF is the tag's, printed from the tag's
    commit with its stamp and verified against the SHA-256 the tag records
    (`published-pdf-differs` otherwise). Every other PDF is the working tree's,
    stamped from its paper's own last commit (`record.fallback` for a paper never
    committed); a revision in preparation (preview) prints as a DRAFT of N+1.
    Skipping PDFs is explicit only: the `pdf: false` option, `--no-pdf`.
    """
    from ..diagnostics import ERROR, Finding
    from ..errors import UsageError

    try:
        from ..pdf import render_all, render_books
        from ..pdf.engine import RenderError
    except ImportError as exc:
        _fail("PDFs cannot be rendered", [Finding(
            "mkdocs.yml", 1, 1, ERROR, "pdf-render", f"the PDF renderer cannot be loaded: {exc}",
            "install issuepapers with WeasyPrint, or turn PDFs off explicitly (`pdf: false`, --no-pdf)")])
    from ..workflow.published import public_record, render_frozen

    if record is None:
        record = public_record(root, coll, preview=False)
    frozen = [record.frozen[p.path] for p in coll.papers if p.path in record.frozen]
    rest = [p.path for p in coll.papers if p.path not in record.frozen]
    revisions, drafts = record.print_revisions, frozenset(record.in_preparation)
    failed = []
    try:
        if rest:
            report = render_all(root, coll, out_dir, paths=rest, revisions=revisions, drafts=drafts,
                                fallback=record.fallback)
            failed += report.failed
            for f in report.long:  # a warning: `mkdocs build --strict` counts it
                log.warning("%s:%d:%d: warning[%s] %s", f.path, f.line, f.column, f.rule, f.message)
        if frozen:
            failed += render_frozen(root, frozen, out_dir, repo=record.repository).failed
        if not failed:
            render_books(root, coll, out_dir, revisions=revisions, drafts=drafts, fallback=record.fallback)
    except RenderError as exc:
        failed.append(Finding("committee.yml", 1, 1, ERROR, exc.rule, f"meeting book: {exc}"))
    except UsageError as exc:  # a template missing from the chain, git refusing to read a tag
        failed.append(Finding("committee.yml", 1, 1, ERROR, "pdf-render", str(exc), exc.hint))
    if failed:
        _fail("PDFs could not be rendered; nothing was published", failed)
    return collect_pdfs(coll, out_dir)


def workflow_data(root: Path, coll, log: logging.Logger, redlines: bool = True,  # noqa: ARG001
                  record=None) -> tuple[dict, dict]:
    """"Revision N" of every paper and the redline of every paper with an earlier version, once per build.

    Revisions are the version shown's (`record.revisions`: N of its latest tag,
    never N+1 for an unpublished edit; see `record.in_preparation` for those).
    In a public build, a paper shown as its tag vN has the redline of vN against
    v(N-1) (none for v1): a redline against the working tree would print
    unpublished words. Git is read from the repository reading the collection
    carries (`coll.history`): no git process per paper.
    Outside git both are empty; a failure to compute them fails the build.
    """
    from .. import workflow
    from ..diagnostics import ERROR, Finding
    from ..errors import UsageError
    from ..history import GitError
    from ..workflow.published import public_record
    from ..redline import Version, compare
    from .pages import RedlineView

    try:
        if record is None:
            record = public_record(root, coll, preview=False)
        views = {}
        if redlines:
            found = workflow.redlines(root, coll)
            if not record.preview:
                for path in record.frozen:
                    found.pop(path, None)
                    tags = record.versions[path]
                    if len(tags) >= 2 and None not in (tags[-2].content, tags[-1].content) \
                            and tags[-2].content != tags[-1].content:
                        before, after = tags[-2], tags[-1]
                        found[path] = compare(path, Version(before.tag, before.commit, before.content),
                                              Version(after.tag, after.commit, after.content),
                                              title=coll.title_of(coll.by_path[path]))
            for path, rl in found.items():
                tag = re.fullmatch(re.escape(path.removesuffix(".md")) + r"/v([0-9]+)", rl.before)
                since = f"Revision {tag.group(1)}" if tag else rl.before
                views[path] = RedlineView(since, workflow.to_html_fragment(rl))
    except (UsageError, GitError) as exc:
        _fail("revisions and redlines could not be computed",
              [Finding("committee.yml", 1, 1, ERROR, "git-history", str(exc), getattr(exc, "hint", None))])
    return dict(record.revisions), views


def _guard_uris(site) -> None:
    """Every page and file the site registers is a plain path inside the site folder (else OutsideRoot).

    Ids become page and file names (meetings/<id>.md, books/<id>.pdf); `check`
    refuses ids that are not slugs, and this refuses them again before anything
    is registered with MkDocs or written.
    """
    from ..fsutil import OutsideRoot, clean_relative

    for uri in (*site.pages, *site.files, *site.external):
        if not clean_relative(uri):
            raise OutsideRoot(f"refusing to write {uri!r}: not a plain path inside the site folder",
                              "ids that become file names must be lowercase-with-dashes (see `issuepapers check`)")


def generate_site(root: Path, pconf, mconf, log: logging.Logger, *, despite_errors: bool = False):
    """Load, check, enrich and generate. Returns (site, None) or (None, error text).

    With `despite_errors` (the live preview of `serve`), check errors do not stop the generation:
    (site, error text), or (None, error text) when the errors keep the site from being made.
    """
    from ..collection import load_collection
    from ..diagnostics import ERROR, format_text
    from ..history import repository_of
    from ..rules import check_collection

    coll = load_collection(root, history=False)
    # The build's one reading of git (GitPython): the rules, the clock, the public record, the PDFs,
    # the book and the redlines all read it from `coll.history`. A few git processes in all.
    repo = repository_of(coll, root)
    if pconf.check:
        findings = check_collection(coll)
        errors = [f for f in findings if f.severity == ERROR]
        if errors:
            text = format_text(errors).rstrip()
            if not despite_errors:
                repo.close()
                return None, text
            try:
                return _generate(root, coll, repo, pconf, mconf, log), text
            except Exception as exc:  # noqa: BLE001 - the errors are the cause; the preview shows them
                log.warning("issuepapers: the preview cannot be generated until the errors are fixed (%s)", exc)
                repo.close()
                return None, text
        for f in findings:
            log.warning(format_text([f]).rstrip())
    return _generate(root, coll, repo, pconf, mconf, log), None


def _generate(root: Path, coll, repo, pconf, mconf, log: logging.Logger):
    """The site of a loaded (and checked) collection: history, clock, public record, PDFs, redlines, pages."""
    from .pages import SiteOptions, generate

    history = None
    if pconf.history:
        # Outside git, or with no commits, the history is empty (with a note), not an error.
        history = repo.read_log(tuple(pconf.content_roots))
        for w in history.warnings:
            log.info(f"issuepapers: git: {w}")
        for doc in coll.documents():
            doc.history = repo.get(doc.path)
    today, stamp = build_clock(repo if history is not None else None)
    record = frozen_record(root, coll, pconf, stamp)  # the frozen public record: published papers as tagged
    coll = record.collection
    # What this build shows: the committee's public statuses, or everything in the preview.
    vis = Visibility.of(coll, pconf.preview)
    pdfs = {}
    if pconf.pdf:
        # The preview's watermarked PDFs never share a folder with the public ones.
        cache = root / (pconf.pdf_cache + ("-preview" if pconf.preview else ""))
        pdfs = render_pdfs(root, visible_collection(coll, vis, for_print=True), cache, log, record)
    revisions, redlines = workflow_data(root, coll, log, redlines=history is not None, record=record)
    coll = visible_collection(coll, vis)
    redlines = visible_redlines(redlines, coll, vis)
    site_url = pconf.site_url or mconf.site_url or coll.registry.committee.site_url
    opts = SiteOptions(directory_urls=mconf.use_directory_urls, site_url=site_url, today=today,
                       latest_papers=pconf.latest_papers, feed_entries=pconf.feed_entries, pdfs=pdfs,
                       build_time=stamp, revisions=revisions, redlines=redlines,
                       in_preparation=record.in_preparation,
                       public_statuses=vis.paper_statuses if vis.preview else None)
    site = generate(coll, opts)
    _guard_uris(site)
    repo.close()  # the persistent cat-file ends with the build (`serve` keeps the site, not the process)
    return site


# `issuepapers build` / `serve` ------------------------------------------------------------


def _logging(verbose: bool) -> logging.Handler:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
    logger = logging.getLogger("mkdocs")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if verbose else logging.INFO)
    handler.setLevel(logging.DEBUG if verbose else logging.WARNING)
    return handler


def _switch(cfg, pdf: bool | None, preview: bool | None) -> None:
    """The command line's --no-pdf / --preview, set on the plugin's own config (no environment variables)."""
    plugin = cfg.plugins["issuepapers"]
    if pdf is not None:
        plugin.config.pdf = pdf
    if preview is not None:
        plugin.config.preview = preview


def run_build(config_file: Path, site_dir: Path | None = None, strict: bool = False,
              pdf: bool | None = None, verbose: bool = False, preview: bool | None = None) -> int:
    """`mkdocs build` with our plugin, atomically. 0 built, 1 failed (e.g. check errors), 2 bad config."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, ConfigurationError

    from ..errors import UsageError

    handler = _logging(verbose)
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
        try:  # before anything is created or deleted
            from ..collection import find_root, refuse_output_overlap

            refuse_output_overlap(find_root(Path(config_file).parent), Path(cfg.site_dir), "--site-dir",
                                  extra=(Path(cfg.docs_dir),))
        except UsageError as exc:
            print(f"issuepapers: error: {exc}" + (f"\n  hint: {exc.hint}" if exc.hint else ""), file=sys.stderr)
            return 2
        _switch(cfg, pdf, preview)
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

    from .plugin import IssuePapersPlugin

    _logging(False).setLevel(logging.INFO)
    if pdf is not None:
        IssuePapersPlugin.cli_overrides = {"pdf": pdf}
    kwargs = {"dev_addr": dev_addr} if dev_addr else {}
    try:
        serve(config_file=str(config_file), livereload=True, open_in_browser=open_browser, **kwargs)
    except (ConfigurationError, Abort) as exc:
        print(f"issuepapers: error: {exc}", file=sys.stderr)
        return 1
    finally:
        IssuePapersPlugin.cli_overrides = {}
    return 0


def write_markdown(root: Path, config_file: Path, dest: Path, pdf: bool = False) -> int:
    """The Zensical path: write the generated pages and files to `dest`, no MkDocs build."""
    from mkdocs.config import load_config
    from mkdocs.exceptions import PluginError

    from .pages import write_folder

    log = logging.getLogger("mkdocs.plugins.issuepapers")
    handler = _logging(False)
    try:
        cfg = load_config(config_file=str(config_file))
        plugin = cfg.plugins.get("issuepapers")
        if plugin is None:
            print("issuepapers: error: mkdocs.yml does not enable the `issuepapers` plugin", file=sys.stderr)
            return 2
        plugin.config.pdf = pdf
        from ..collection import refuse_output_overlap

        refuse_output_overlap(root, dest, "--markdown-out", extra=(Path(cfg.docs_dir),))  # UsageError: exit 2
        try:
            site, errors = generate_site(root, plugin.config, cfg, log)
        except PluginError as exc:  # a PDF, a redline or a template failed: its diagnostics, no traceback
            print(f"issuepapers: error: {exc}", file=sys.stderr)
            return 1
        if errors:
            print(errors, file=sys.stderr)
            return 1
        atomic = AtomicSiteDir(dest)
        tmp = atomic.begin()
        try:
            write_folder(site, tmp)  # site assets from the template chain: the committee's, else the package's
        except BaseException:
            atomic.abort()
            raise
        atomic.commit()
        print(f"{len(site.pages)} pages and {len(site.files) + len(site.external)} files written to {dest}",
              file=sys.stderr)
        return 0
    finally:
        logging.getLogger("mkdocs").removeHandler(handler)
