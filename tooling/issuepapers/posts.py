"""python-frontmatter for what it is good at: documents as `Post`s, read with YAML 1.2, new ones written.

Every document stays a file `frontmatter.load` reads. The strict loader
(`load.parse`) is what checks them — positions, duplicate keys, YAML 1.2 —
and `StrictYAMLHandler` lends python-frontmatter the same YAML reading, so a
`Post` holds exactly the metadata `check` judges. With python-frontmatter's
default handler (PyYAML's YAML 1.1 SafeLoader) the same files give the same
metadata too, but for YAML 1.1's surprises (`NO` → False, `1.10` → 1.1), which
the strict loader reads as YAML 1.2 does, and dates, which it keeps as text
for the model to type.

New documents — the scaffolds of `issuepapers new`, the Word import — are
written through `frontmatter.dumps` (`new_document`), keys in the order given.
"""

from __future__ import annotations

import frontmatter
from frontmatter.default_handlers import YAMLHandler

from .errors import UsageError


class StrictYAMLHandler(YAMLHandler):
    """python-frontmatter's YAML handler with issuepapers' strict YAML 1.2 reading."""

    def load(self, fm: str, **kwargs):  # noqa: ARG002 (python-frontmatter's signature)
        from .load import Source, parse_yaml

        src = Source("<front matter>")
        parse_yaml(fm, src)
        if src.data is None:
            first = src.findings[0] if src.findings else None
            raise ValueError(first.message if first else "front matter could not be read")
        return src.data


def read_post(text: str) -> frontmatter.Post:
    """A document as a python-frontmatter Post, its metadata read as `check` reads it."""
    return frontmatter.loads(text, handler=StrictYAMLHandler())


def new_document(metadata: dict, body: str) -> str:
    """A new document's text: YAML front matter (keys in the given order) and the Markdown body."""
    post = frontmatter.Post(body.strip("\n") + "\n", **metadata)
    return frontmatter.dumps(post, sort_keys=False) + "\n"


def ensure_readable(text: str, name: str) -> str:
    """`text` if python-frontmatter reads it as a document with front matter; a clear error if not."""
    try:
        post = read_post(text)
    except ValueError as exc:
        raise UsageError(f"{name} does not give a readable document: {exc}",
                         "fix the scaffold's front matter (templates/scaffolds/)") from None
    if not post.metadata:
        raise UsageError(f"{name} gives a document without front matter",
                         "a scaffold starts with `---`, the keys, then `---`")
    return text
