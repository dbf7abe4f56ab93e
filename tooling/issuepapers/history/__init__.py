"""The history layer: git, read once per command with GitPython, below the rules and the outputs.

- `git`: GitPython's `Repo` and command object with a pinned environment (no prompt, pager,
  network; the user's and the system's configuration ignored when reading);
- `log`: the one-pass `git log` history of every document (`read_history`, `History`, `FileHistory`);
- `tags`: every publish tag with its commit, dates and message, in one `for-each-ref`;
- `raw`: dates, names and messages as git records them, read whatever they hold (odd time
  zones, timestamps past 2106, control characters, bytes that are not UTF-8);
- `repository`: `Repository`, the reading one command shares (the Collection carries it as
  `coll.history`), and `prepare_checks`, the facts rules judge.

A repository git cannot read (a missing or corrupt object, a broken ref) is a `GitError`, never
an empty or different history: a clean message (a `UsageError`), reported as `git-history`.

Importing this package is cheap: GitPython is imported only when a repository is read.
"""

from __future__ import annotations

from .errors import NO_COMMITS, NO_GIT, NOT_A_REPOSITORY, SHALLOW, GitError, GitFailed
from .log import Commit, FileHistory, History, read_history
from .repository import Repository, prepare_checks, repository_of
from .tags import ARCHIVE, TAG_PREFIX, PublishTag, archive_path, tag_name

__all__ = ["ARCHIVE", "NOT_A_REPOSITORY", "NO_COMMITS", "NO_GIT", "SHALLOW", "TAG_PREFIX", "Commit",
           "FileHistory", "GitError", "GitFailed", "History", "PublishTag", "Repository", "archive_path",
           "prepare_checks", "read_history", "repository_of", "tag_name"]
