"""PDF Government Issue Papers and meeting books (WeasyPrint, PDF/UA-1, sandboxed).

Public API, used by the CLI and the site:

- `render_all(root, coll, out_dir, *, jobs, draft, paths, progress) -> RenderReport`
- `render_books(root, coll, out_dir, meetings) -> list[Path]`
- `pdf_relpath("papers/a/b.md") -> "a/b.pdf"`

Importing this package loads nothing heavy: each name above is imported from
its module on first use, so `issuepapers.pdf.commands` (argument parsing only)
does not load WeasyPrint for every command.
"""

from __future__ import annotations

import importlib

__all__ = ["RenderReport", "pdf_relpath", "render_all", "render_books"]

_HOME = {"RenderReport": "render", "render_all": "render", "pdf_relpath": "render", "render_books": "book"}


def __getattr__(name: str):
    if name in _HOME:
        value = getattr(importlib.import_module(f"{__name__}.{_HOME[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
