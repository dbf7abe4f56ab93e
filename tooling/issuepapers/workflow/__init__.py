"""The git workflow: history, redlines, publishing with tags, new committee repos, CODEOWNERS.

Public API for the site and the PDFs (imports are lazy: nothing here loads
WeasyPrint or runs git until called; git itself is read by the history layer,
`issuepapers.history`, once per command):

- `revision_of(root, paper_path) -> int | None` and `revisions(root, coll) -> dict[path, int]`
- `redline_html_fragment(root, coll, paper_path, from_rev=None, to_rev=None) -> str | None`
- `redlines(root, coll) -> dict[path, Redline]` (every paper with an earlier version, git calls batched)
  and `to_html_fragment(redline) -> str`, for the site
- `publish_tags(root) -> dict[paper path, list[PublishTag]]`
"""

from __future__ import annotations

__all__ = ["publish_tags", "redline_html_fragment", "redlines", "revision_of", "revisions",
           "to_html_fragment"]


def __getattr__(name: str):
    if name in ("revision_of", "revisions", "publish_tags"):
        from . import tags

        return getattr(tags, name)
    if name in ("redline_html_fragment", "redlines", "to_html_fragment"):
        from .. import redline

        return getattr(redline, name)
    raise AttributeError(name)
