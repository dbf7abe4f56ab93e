"""What can go wrong when git is read (no GitPython import here: `except` clauses cost nothing)."""

from __future__ import annotations

from ..errors import UsageError

NOT_A_REPOSITORY = "not a git repository"
NO_COMMITS = "no commits yet"
SHALLOW = "shallow clone: history is truncated"
NO_GIT = "git is not installed"


class GitError(RuntimeError):
    """git failed on a repository it found (corrupt objects, unsafe owner…)."""


class GitFailed(UsageError):
    """git refused or failed in a command of the workflow: printed as a clean message (exit 2)."""
