"""PDF Government Issue Papers and meeting books (WeasyPrint, PDF/UA-1, sandboxed).

Public API, used by the CLI and the site:

- `render_all(root, coll, out_dir, *, jobs, draft, paths, progress) -> RenderReport`
- `render_books(root, coll, out_dir, meetings) -> list[Path]`
- `pdf_relpath("papers/a/b.md") -> "a/b.pdf"`
"""

from __future__ import annotations

from .book import render_books
from .render import RenderReport, pdf_relpath, render_all

__all__ = ["RenderReport", "pdf_relpath", "render_all", "render_books"]
