"""Command-time rules: findings that commands other than `check` report.

Rendering, publishing, building and editing report what went wrong as
findings too (`path:line:col: error[rule-id] message`), under these ids. They
are data here, not functions: the code that reports them lives with its
command (pdf/, workflow/, site/, cli), and importing this table loads none of
it, so `issuepapers rules` lists them without importing WeasyPrint or git.

Each entry: id → (severity, statement, the commands that report it).
"""

from __future__ import annotations

from ..diagnostics import ERROR

_PRINTING = ("pdf", "book", "build", "publish")

COMMAND_RULES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "set": (ERROR, "`set` writes only known keys, each with a value of its field's type, into front matter "
                   "it can read; otherwise it leaves the file as it was.", ("set",)),
    "pdf-render": (ERROR, "Every paper and meeting book renders to PDF; a failure names the paper and the "
                          "renderer's error.", _PRINTING),
    "pdf-timeout": (ERROR, "A paper renders to PDF within the per-paper time limit; a render that takes longer "
                           "is stopped.", ("pdf", "build", "publish")),
    "pdf-fetch-refused": (ERROR, "A PDF loads only `data:` URLs and files under the repository's asset roots; "
                                 "the sandbox refuses anything else.", _PRINTING),
    "publish-dirty-tree": (ERROR, "`publish` runs only on a clean work tree: no uncommitted changes to papers, "
                                  "recommendations, committee.yml or the templates.", ("publish",)),
    "publish-edit": (ERROR, "`publish` can set `status: published` and `date` in the paper's front matter.",
                     ("publish",)),
    "publish-unchanged": (ERROR, "`publish` makes a new revision only of a paper that changed since its last "
                                 "publish tag.", ("publish",)),
    "published-pdf-differs": (ERROR, "A published paper's PDF, printed again from its publish tag, has the "
                                     "SHA-256 the tag records.", ("build",)),
    "git-history": (ERROR, "The site's revisions and redlines are read from a readable git history.", ("build",)),
}

# Rules of `check` that other commands report as well (the PDF refuses an image without alt text,
# and a body nested deeper than it can lay out, reading the body as `check` does).
ALSO_REPORTED_BY: dict[str, tuple[str, ...]] = {
    "image-alt": _PRINTING,
    "body-too-deep": _PRINTING,
    "codeowners-stale": ("codeowners",),
}
