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
    "set": (ERROR, ("`set` writes only known keys, each with a value of its field's type, into front matter "
                    "it can read; otherwise it leaves the file as it was."), ("set",)),
    "pdf-render": (ERROR, ("Every paper and meeting book renders to PDF; a failure names the paper and the "
                           "renderer's error."), _PRINTING),
    "pdf-timeout": (ERROR, ("A paper renders to PDF within the per-paper time limit; a render that takes longer "
                            "is stopped."), ("pdf", "build", "publish")),
    "pdf-fetch-refused": (ERROR, ("A PDF loads only `data:` URLs and files under the repository's asset roots; "
                                  "the sandbox refuses anything else."), _PRINTING),
    "publish-dirty-tree": (ERROR, ("`publish` runs only on a clean work tree: no uncommitted changes to papers, "
                                   "recommendations, committee.yml or the templates."), ("publish",)),
    "publish-edit": (ERROR, "`publish` can set `status: published` and `date` in the paper's front matter.",
                     ("publish",)),
    "publish-unchanged": (ERROR, ("`publish` makes a new revision only of a paper that changed since its last "
                                  "publish tag."), ("publish",)),
    "publish-tag-exists": (ERROR, ("`publish` makes a tag no ref holds yet: a ref by that name, or one in its "
                                   "way (`papers/<wg>/<YYYY-MM>` itself), refuses the publication before "
                                   "anything is committed."), ("publish",)),
    "publish-undone": (ERROR, ("`publish` is all or nothing: when a step after its commit fails (printing the "
                               "PDF, archiving it, tagging), the repository is put back as it was (branch, "
                               "index, files, no tag) and the failure is reported."), ("publish",)),
    "published-pdf-differs": (ERROR, ("A published paper's PDF, printed again from its publish tag, has the "
                                      "SHA-256 the tag records."), ("build",)),
    "git-history": (ERROR, ("The history, the publish tags and the versions a command reads come from a "
                            "repository git can read: a missing or corrupt object, a broken ref or a history "
                            "git cannot walk is reported, never read as an empty history."),
                    ("build", "history", "diff", "publish")),
}

# Rules of `check` that other commands report as well (the PDF refuses an image without alt text,
# and a body nested deeper than it can lay out, reading the body as `check` does).
ALSO_REPORTED_BY: dict[str, tuple[str, ...]] = {
    "image-alt": _PRINTING,
    "body-too-deep": _PRINTING,
    "body-too-large": _PRINTING + ("export",),
    "block-too-long": _PRINTING + ("export",),
    "codeowners-stale": ("codeowners",),
}

# Word import and export (word/): each refuses the document, writes nothing for it, and says where.
COMMAND_RULES.update({
    "word-not-docx": (ERROR, "`import` reads Word documents (.docx, a zip package) only.", ("import",)),
    "word-unreadable": (ERROR, "`import` reads a .docx that is neither encrypted nor damaged.", ("import",)),
    "word-tracked-changes": (ERROR, ("An imported document has no tracked changes or comments, unless "
                                    "`--accept-changes` accepts them."), ("import",)),
    "word-missing": (ERROR, ("An imported document says what a paper needs: the month in its header, "
                            "`Action Required:`, the `Background:` and `Current Status:` labels."), ("import",)),
    "word-invalid": (ERROR, ("An imported document's labelled values are readable: `Action Required: "
                            "Informational` or `Decision`, a date such as `January 25, 2024`."), ("import",)),
    "word-unknown-working-group": (ERROR, ("An imported document's header names exactly one working group of "
                                          "committee.yml (or `--working-group` does)."), ("import",)),
    "word-unknown-meeting": (ERROR, ("An imported document's month is a public meeting of committee.yml (or "
                                    "`--meeting` is)."), ("import",)),
    "word-subcommittee-mismatch": (ERROR, ("The subcommittee an imported document's header names holds its "
                                          "working group in committee.yml."), ("import",)),
    "word-image-alt": (ERROR, "Every picture in an imported document has alt text.", ("import",)),
    "word-image-linked": (ERROR, "Every picture in an imported document is embedded, not linked to a file.",
                          ("import",)),
    "word-paper-exists": (ERROR, "`import` never replaces an existing paper unless `--force` is given.",
                          ("import",)),
    "word-export": (ERROR, "`export --docx` writes every paper, with every image it shows, to Word.",
                    ("export",)),
})
