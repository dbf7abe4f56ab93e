"""The git workflow: history, redlines, publishing with tags, new committee repos, CODEOWNERS.

Public API for the site and the PDFs (imports are lazy: nothing here loads
WeasyPrint or runs git until called):

- `revision_of(root, paper_path) -> int | None` and `revisions(root, coll) -> dict[path, int]`
- `redline_html_fragment(root, coll, paper_path, from_rev=None, to_rev=None) -> str | None`
- `publish_tags(root) -> dict[paper path, list[PublishTag]]`
"""

from __future__ import annotations

__all__ = ["publish_tags", "redline_html_fragment", "revision_of", "revisions"]


def __getattr__(name: str):
    if name in ("revision_of", "revisions", "publish_tags"):
        from . import tags

        return getattr(tags, name)
    if name == "redline_html_fragment":
        from .redline import redline_html_fragment

        return redline_html_fragment
    raise AttributeError(name)
