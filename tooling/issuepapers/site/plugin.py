"""The `issuepapers` MkDocs plugin: a thin adapter that registers the generated site with MkDocs.

The work is in `pages` (the model → pages and files) and `build` (atomic
output); the hooks here only load the collection, fail on `check` errors,
register files, and sanitize every page's Markdown HTML before our own
(escaped) blocks are put back in.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

from markupsafe import escape
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files, InclusionLevel

from . import build as site_build
from .config import IssuePapersConfig

log = logging.getLogger("mkdocs.plugins.issuepapers")

ASSETS = ("assets/issuepapers/site.css", "assets/issuepapers/tracker.js")


class MkDocsClock:
    """SOURCE_DATE_EPOCH for MkDocs' own dates, during MkDocs' build only.

    MkDocs dates every page of its sitemap (`lastmod`) and the gzip header of
    sitemap.xml.gz from SOURCE_DATE_EPOCH, else from today's clock, and has no
    other way to be told. Our outputs get the build's clock (`build.build_clock`:
    HEAD's commit date) as arguments; MkDocs gets it here: set in `on_files`,
    once the clock is known and before MkDocs makes its pages, and put back as
    it was in `on_post_build` (or when the build fails or stops), so no later
    step of the process learns anything from it. A SOURCE_DATE_EPOCH the user
    set is theirs and left alone.
    """

    KEY = "SOURCE_DATE_EPOCH"

    def __init__(self):
        self.set = False

    def start(self, stamp) -> None:
        if stamp is None or self.KEY in os.environ:
            return
        os.environ[self.KEY] = str(int(stamp.timestamp()))
        self.set = True

    def stop(self) -> None:
        if self.set:
            os.environ.pop(self.KEY, None)
            self.set = False


class IssuePapersPlugin(BasePlugin[IssuePapersConfig]):
    supports_multiple_instances = False
    # `issuepapers serve --no-pdf`: MkDocs' serve loads the config itself, so the command line's
    # switches reach the plugin here, in this process (never through environment variables).
    cli_overrides: dict = {}

    def __init__(self):
        self.command: str | None = None
        self.site = None
        self.slots: dict[str, dict] = {}
        self.token = ""
        self.root: Path | None = None
        self.atomic: site_build.AtomicSiteDir | None = None
        self.clock = MkDocsClock()
        self.errors: str | None = None  # `serve` only: the check errors every page shows until they are fixed

    # lifecycle ------------------------------------------------------------------

    def on_startup(self, *, command, dirty):
        self.command = command

    def on_config(self, config):
        base = Path(config.config_file_path or ".").resolve().parent
        root = (base / self.config.root).resolve() if self.config.root else base
        registry = root / self.config.registry
        if not registry.is_file():
            raise PluginError(f"issuepapers: registry {registry} not found (plugin option `registry`)")
        self.root = registry.parent
        if self.command == "serve":
            self.config.preview = True  # members preview everything; the public build never does
        for key, value in self.cli_overrides.items():
            self.config[key] = value
        self._theme_dirs(config)
        if not (config.site_url or self.config.site_url) and not self.config.preview:
            log.warning("issuepapers: `site_url` is not set in mkdocs.yml: the Atom feed, calendar.ics and "
                        "sitemap need the site's absolute address (CI sets SITE_URL from the forge's Pages)")
        for asset in ASSETS:
            target = config.extra_css if asset.endswith(".css") else config.extra_javascript
            if asset not in [str(x) for x in target]:
                target.append(asset)
        if self.command == "build":  # before MkDocs (or our swap) deletes anything in site_dir
            from ..collection import refuse_output_overlap
            from ..errors import UsageError

            try:
                refuse_output_overlap(self.root, Path(config.site_dir), "site_dir",
                                      extra=(Path(config.docs_dir),))
            except UsageError as exc:
                raise PluginError(f"issuepapers: {exc}" + (f"\n  hint: {exc.hint}" if exc.hint else "")) from exc
        if self.config.atomic and self.command == "build" and not self.atomic:
            self.atomic = site_build.AtomicSiteDir(Path(config.site_dir))
            config.site_dir = str(self.atomic.begin())
        return config

    def _theme_dirs(self, config) -> None:
        """The template chain's site/ folders (committee's, then the package's) after the theme's custom_dir.

        Material then finds our partial overrides, and MkDocs copies our static
        assets (site.css, tracker.js), from wherever the package is installed; a
        committee overrides any one of those files by placing it in its own
        templates/site/, like MkDocs' custom_dir.
        """
        from ..assets import templates_for
        from ..registry import load_registry

        chain = templates_for(self.root, load_registry(self.root))
        dirs = config.theme.dirs
        at = 1 if config.theme.custom_dir else 0
        known = {Path(d).resolve() for d in dirs}
        for folder in chain.subdirs("site"):
            if folder.resolve() not in known:
                dirs.insert(at, str(folder))
                at += 1

    def on_env(self, env, *, config, files):
        # templates/site/main.html banners every page of a preview
        env.globals["issuepapers_preview"] = bool(self.config.preview)
        # `serve` keeps serving while a document has errors: every page lists them (templates/site/main.html)
        env.globals["issuepapers_errors"] = self.errors
        return env

    def on_files(self, files: Files, *, config):
        from ..errors import UsageError
        from .build import generate_site

        self.errors = None
        try:
            # A live preview that raised here would leave the browser waiting for a reload that never comes:
            # `serve` shows check errors on every page instead; the public build still fails on them.
            site, findings = generate_site(self.root, self.config, config, log,
                                           despite_errors=self.command == "serve")
        except UsageError as exc:  # a missing or broken template, say: the build fails, naming the file
            if self.command != "serve":
                raise PluginError(f"issuepapers: {exc}" + (f"\n  hint: {exc.hint}" if exc.hint else "")) from exc
            site, findings = None, f"issuepapers: {exc}" + (f"\n  = hint: {exc.hint}" if exc.hint else "")
        if findings:
            if self.command != "serve":
                raise PluginError("issuepapers: `check` found errors:\n" + findings)
            self.errors = findings
            log.error("issuepapers: `check` found errors (the preview shows them on every page):\n%s", findings)
            self.site = site
            if site is None:
                return files  # nothing could be generated: the hand-written pages and 404 show the errors
        self.site = site
        self.clock.start(site.generator.opts.build_time)  # for MkDocs' sitemap; put back in on_post_build
        self.token = _pages().new_token()
        self.slots = {}
        home_doc = files.get_file_from_path(_pages().HOME)
        for uri, page in site.pages.items():
            if files.get_file_from_path(uri) is not None:
                if uri != _pages().HOME:
                    log.warning("issuepapers: docs/%s replaces the generated page of the same path", uri)
                continue
            text, slots = page.markdown(self.token, config.use_directory_urls)
            self.slots[uri] = slots
            inclusion = InclusionLevel.INCLUDED if page.in_nav else InclusionLevel.NOT_IN_NAV
            files.append(File.generated(config, uri, content=text, inclusion=inclusion))
        if home_doc is not None:
            self.slots[_pages().HOME] = {}
        for uri, data in site.files.items():
            files.append(File.generated(config, uri, content=data))
        for uri, path in site.external.items():
            files.append(File.generated(config, uri, abs_src_path=str(path)))
        return files

    def on_page_markdown(self, markdown, *, page, config, files):
        uri = page.file.src_uri
        ours = self.site.pages.get(uri) if self.site else None
        if ours is None or uri not in self.slots:
            return markdown
        if page.file.generated_by is None:  # the hand-written home page: append the generated home blocks
            ctx = _pages()._Ctx(uri, self.site_options, self.generator)
            key = f"{self.token}xhomex"
            self.slots[uri] = {key: self.generator.home_block(ctx)}
            return markdown + "\n\n" + key + "\n"
        # Our front matter never reaches Material: its `status`, `title`, `tags`… keys
        # mean other things there. The page's meta is set here, deliberately, escaped.
        page.meta = {"title": str(escape(ours.title))}
        if ours.description:
            page.meta["description"] = str(escape(ours.description))
        if uri == _pages().TRACKER:
            page.meta["hide"] = ["toc"]  # the tracker's table wants the width more than a contents list
        return markdown

    def on_page_content(self, html, *, page, config, files):
        from ..render import sanitize

        html = sanitize(html)
        ours = self.site.pages.get(page.file.src_uri) if self.site else None
        tokens = ours.toc_tokens() if ours is not None and page.file.generated_by is not None else None
        if tokens is not None:
            from mkdocs.structure.toc import get_toc

            page.toc = get_toc(tokens)  # the body's contents, as our renderer made its headings
        slots = self.slots.get(page.file.src_uri)
        if slots:
            def put(m):
                return str(slots.get(m.group(2), m.group(0)))

            html = re.sub(r"(<p>)?\s*(%sx[a-z0-9]+x)\s*(</p>)?" % re.escape(self.token), put, html)
        return html

    def on_serve(self, server, *, config, builder):
        watched = [self.root / self.config.registry, self.root / "templates"]
        watched += [self.root / r for r in self.config.content_roots]
        for path in watched:
            if path.exists():
                server.watch(str(path))
        return server

    def on_post_build(self, *, config):
        self.clock.stop()
        if self.atomic and not config.strict:
            self.atomic.commit()
            config.site_dir = str(self.atomic.target)
            self.atomic = None

    def on_build_error(self, *, error):
        self.clock.stop()
        if self.atomic:
            self.atomic.abort()
            self.atomic = None

    def on_shutdown(self):
        self.clock.stop()
        if self.atomic:  # strict builds are committed only once MkDocs has counted the warnings
            self.atomic.commit()
            self.atomic = None

    # what on_page_markdown needs for the hand-written home page
    @property
    def generator(self):
        return self.site.generator

    @property
    def site_options(self):
        return self.site.generator.opts


def _pages():
    from . import pages

    return pages
