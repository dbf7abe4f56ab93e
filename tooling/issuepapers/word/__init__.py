"""Word issue papers in and out: `import` (.docx → papers/<wg>/<YYYY-MM>.md) and `export --docx`.

- `read.py`: a .docx (python-docx and its lxml tree) → the pieces of a paper
  (header names, front-matter values, body Markdown, images); tracked changes
  and comments refused or accepted.
- `paper.py`: those pieces → a paper of this repository (registry ids resolved,
  checked like `check` would, written atomically).
- `write.py`: a paper, through the PDF's context and the body's sanitized HTML,
  → a .docx in the issue-paper layout.
- `commands.py`: argument handling only (registered by cli.py).

python-docx is a dependency of issuepapers, imported only by
these commands; `check` never loads it.
"""

from __future__ import annotations

from ..errors import UsageError

EXTRA_HINT = "install it with: pip install python-docx"


def require_docx():
    """The python-docx module, or a clean usage error saying what to install."""
    try:
        import docx
    except ImportError:
        raise UsageError("Word import and export need python-docx, which is not installed",
                         EXTRA_HINT) from None
    return docx
