"""Typed options of the `issuepapers` MkDocs plugin (as MkDocs' own plugins declare them)."""

from __future__ import annotations

from mkdocs.config import base
from mkdocs.config import config_options as c


class IssuePapersConfig(base.Config):
    # The committee repository: the folder holding the registry (default: beside mkdocs.yml).
    root = c.Optional(c.Type(str))
    # The registry file, relative to the root.
    registry = c.Type(str, default="committee.yml")
    # Folders holding the documents, relative to the root (watched by `serve`, read by git history).
    content_roots = c.ListOfItems(c.Type(str), default=["papers", "recommendations"])
    # Render PDFs (paper PDFs and meeting books) when the pdf package is available.
    pdf = c.Type(bool, default=True)
    # Where rendered PDFs are cached between builds, relative to the root.
    pdf_cache = c.Type(str, default=".cache/pdf")
    # Absolute URL of the published site, for the Atom feed and the calendar (default: site_url).
    site_url = c.Optional(c.Type(str))
    # How many documents the Atom feed and the home page's "latest papers" list.
    feed_entries = c.Type(int, default=50)
    latest_papers = c.Type(int, default=10)
    # Fail the build on `check` errors (warnings are logged and never fail it unless --strict).
    check = c.Type(bool, default=True)
    # Read git history (created, last changed, revisions, authors) in one pass.
    history = c.Type(bool, default=True)
    # Build into a sibling temp folder and swap it in at the end (`mkdocs build` only).
    atomic = c.Type(bool, default=True)
    # The members' preview: every paper whatever its status, drafts watermarked, the site bannered
    # "Preview — not for public release". Off: only the statuses committee.yml makes public.
    # `issuepapers serve` and `issuepapers build --preview` turn it on.
    preview = c.Type(bool, default=False)
