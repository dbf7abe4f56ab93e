"""What can go wrong when git is read (no GitPython import here: `except` clauses cost nothing)."""

from __future__ import annotations

from ..errors import UsageError

NOT_A_REPOSITORY = "not a git repository"
NO_COMMITS = "no commits yet"
SHALLOW = "shallow clone: history is truncated"
NO_GIT = "git is not installed"
# The rule id under which commands report a repository git cannot read (rules/commands.py).
GIT_HISTORY = "git-history"
UNREADABLE_HINT = ("the repository is damaged or incomplete: `git fsck` names what is missing or corrupt; "
                   "a fresh clone, or `git fetch --unshallow`, brings it back")


class GitError(UsageError, RuntimeError):
    """git failed on a repository it found (a missing or corrupt object, a broken ref, output it should not
    print). A UsageError: a command that does not report it as a finding (`git-history`) still prints it as
    a clean message, never a traceback."""

    def __init__(self, message: str, hint: str | None = UNREADABLE_HINT):
        super().__init__(message, hint)


class GitFailed(UsageError):
    """git refused or failed in a command of the workflow: printed as a clean message (exit 2)."""
