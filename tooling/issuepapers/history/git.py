"""GitPython with a pinned environment: never a prompt, a pager or the network, and no configuration
of the user's or the system's that could change what is read.

Every git process of the package starts here, through `PinnedGit` (a GitPython
`Git` command object) and `PinnedRepo` (a GitPython `Repo` that uses it). The
child's environment is computed by `environment()`, never inherited wholesale:

* variables that point git at another repository, index, object store or
  configuration (git's own "local_repo_env" list, set in hooks and aliases)
  are removed, so the repository read is the one found from the committee
  folder; `GIT_CEILING_DIRECTORIES` is kept (it only bounds that search);
* no prompt (`GIT_TERMINAL_PROMPT=0`, `GIT_ASKPASS`/`SSH_ASKPASS` answer
  nothing, `GIT_EDITOR=false`), no pager, no network (`GIT_SSH_COMMAND=false`,
  only the `file` protocol, no lazy fetch of a partial clone's missing objects);
* reads ignore the system's and the user's configuration (`GIT_CONFIG_NOSYSTEM`,
  `GIT_CONFIG_GLOBAL=/dev/null`) and take no optional locks; writes (`publish`,
  `init`) keep them, because the commits and tags are the user's own: their
  identity and their signing policy apply;
* options a repository's own configuration could change (renames, quoting,
  signatures in logs, fsmonitor daemons, replace refs) are pinned with `-c`
  and `--no-replace-objects` on every command line.

GitPython's own `Git.execute` adds to `os.environ` and cannot remove from it,
so `PinnedGit.execute` starts the process itself (the same `AutoInterrupt`
wrapper for persistent processes such as `cat-file --batch`).

A user who trusts a repository owned by someone else (`safe.directory` in
their configuration, as CI containers do) keeps that trust: when git refuses
a repository for its owner, the user's `safe.directory` values are read and
given on the command line, and nothing else of their configuration.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import git as gitpython
from git.cmd import Git
from git.compat import safe_decode
from git.db import GitCmdObjectDB
from git.exc import GitCommandError, GitCommandNotFound

from .errors import NO_COMMITS, NO_GIT, NOT_A_REPOSITORY, SHALLOW, GitError, GitFailed

# Configuration that would change what `git log` / `git status` / `git for-each-ref` print.
PINNED_CONFIG: tuple[str, ...] = (
    "core.quotepath=off",  # -z output is never quoted; kept for clarity
    "log.follow=false",  # a single pathspec must not turn on --follow
    "log.showSignature=false",  # gpg output would break the parse
    "diff.relative=false",  # paths always relative to the top level
    "status.renames=true",  # a staged `git mv` reads as a rename
    "core.fsmonitor=false",  # no daemon hooks from a read-only tool
    "color.ui=false",
    "core.pager=cat",
)

# Environment variables that point git at another repository, index, object
# store or configuration (git's own "local_repo_env" list plus pathspec and
# diff switches). Hooks set several of them; we read the repository at `root`.
SCRUBBED_ENV = frozenset(
    {
        "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_COMMON_DIR",
        "GIT_CONFIG",
        "GIT_CONFIG_COUNT",
        "GIT_CONFIG_PARAMETERS",
        "GIT_DIFF_OPTS",
        "GIT_DIR",
        "GIT_EXTERNAL_DIFF",
        "GIT_GLOB_PATHSPECS",
        "GIT_GRAFT_FILE",
        "GIT_ICASE_PATHSPECS",
        "GIT_IMPLICIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "GIT_INTERNAL_SUPER_PREFIX",
        "GIT_LITERAL_PATHSPECS",
        "GIT_NAMESPACE",
        "GIT_NOGLOB_PATHSPECS",
        "GIT_NO_REPLACE_OBJECTS",
        "GIT_OBJECT_DIRECTORY",
        "GIT_PREFIX",
        "GIT_QUARANTINE_PATH",
        "GIT_REPLACE_REF_BASE",
        "GIT_SHALLOW_FILE",
        "GIT_WORK_TREE",
    }
)

_DUBIOUS = "dubious ownership"


def environment(*, write: bool = False) -> dict[str, str]:
    """The environment of every git process (see the module's docstring)."""
    env = {k: v for k, v in os.environ.items()
           if k not in SCRUBBED_ENV and not k.startswith(("GIT_CONFIG_KEY_", "GIT_CONFIG_VALUE_"))}
    env.update(
        LC_ALL="C",  # messages we match ("not a git repository") in English
        LANGUAGE="C",
        GIT_TERMINAL_PROMPT="0",  # never wait for a password
        GIT_ASKPASS="true",  # an askpass that answers nothing; nothing here talks to a remote anyway
        SSH_ASKPASS="true",
        GIT_SSH_COMMAND="false",  # no ssh, whatever a remote says
        GIT_ALLOW_PROTOCOL="file",  # no network transport at all
        GIT_NO_LAZY_FETCH="1",  # a partial clone's missing object is missing, not fetched (git >= 2.44)
        GIT_PAGER="cat",
        PAGER="cat",
        GIT_EDITOR="false",  # a command that would open an editor fails instead of waiting
    )
    if write:
        env.pop("GIT_OPTIONAL_LOCKS", None)  # commits and tags take their locks
    else:
        env.update(
            GIT_CONFIG_NOSYSTEM="1",  # no system configuration…
            GIT_CONFIG_GLOBAL=os.devnull,  # …and none of the user's: the same output everywhere
            GIT_OPTIONAL_LOCKS="0",  # status must not rewrite the index under an editor
        )
    return env


class PinnedGit(Git):
    """GitPython's git command object, run with `environment()` and the pinned options.

    `write` selects the environment of commands that make commits and tags.
    `repo.git.log(...)`, `repo.git.for_each_ref(...)`, `repo.git.get_object_data(...)`
    (a persistent `cat-file --batch`) and GitPython's own calls all come here.
    """

    def __init__(self, working_dir=None, *, write: bool = False, trusted: tuple[str, ...] = ()):
        super().__init__(working_dir)
        self.write = write
        self.trusted = trusted  # safe.directory values the user configured (see `open_repo`)
        self.set_persistent_git_options()

    def set_persistent_git_options(self, **kwargs) -> None:
        super().set_persistent_git_options(**kwargs)
        pinned = ["--no-pager", "--no-replace-objects"]
        for item in (*PINNED_CONFIG, *(f"safe.directory={d}" for d in self.trusted)):
            pinned += ["-c", item]
        self._persistent_git_options = pinned + list(self._persistent_git_options)

    def execute(self, command, istream=None, with_extended_output=False, with_exceptions=True,
                as_process=False, stdout_as_string=True, strip_newline_in_stdout=True, env=None,
                with_stdout=True, **unsupported):
        """`Git.execute` for the options this package and GitPython's repository calls use."""
        if unsupported:
            raise TypeError(f"PinnedGit.execute does not support {sorted(unsupported)}")
        command = [os.fspath(c) if isinstance(c, os.PathLike) else str(c) for c in command]
        child = environment(write=self.write)
        if env:
            child.update(env)
        try:
            proc = subprocess.Popen(command, env=child, cwd=self._working_dir or None,
                                    stdin=istream if istream is not None else subprocess.DEVNULL,
                                    stdout=subprocess.PIPE if with_stdout else subprocess.DEVNULL,
                                    stderr=subprocess.PIPE)
        except FileNotFoundError as err:
            raise GitCommandNotFound(command, err) from err
        if as_process:
            return self.AutoInterrupt(proc, command)
        out, err = proc.communicate()
        out = out if out is not None else b""
        if strip_newline_in_stdout and out.endswith(b"\n"):
            out = out[:-1]
        if err.endswith(b"\n"):
            err = err[:-1]
        if with_exceptions and proc.returncode != 0:
            raise GitCommandError(command, proc.returncode, err, out)
        if stdout_as_string:
            out = safe_decode(out)
        if with_extended_output:
            return proc.returncode, out, safe_decode(err)
        return out


class PinnedRepo(gitpython.Repo):
    """A GitPython `Repo` whose commands run through `PinnedGit`."""

    GitCommandWrapperType = PinnedGit


@dataclass
class Location:
    """Where a folder sits in git, from one `git rev-parse`."""

    top: Path | None = None  # the work tree's top level; None outside git
    git_dir: Path | None = None
    common_dir: Path | None = None
    prefix: str = ""  # the folder's path inside the repository ("" or "sub/dir/")
    head: str | None = None  # HEAD's sha; None before the first commit
    shallow: bool = False
    trusted: tuple[str, ...] = ()  # safe.directory values given on the command line
    warnings: list[str] = field(default_factory=list)


def locate(start: Path) -> Location:
    """The repository holding `start` (a folder, or a file's folder): one `git rev-parse`."""
    cwd = Path(start)
    if cwd.is_file():
        cwd = cwd.parent
    if not cwd.is_dir():
        return Location(warnings=[NOT_A_REPOSITORY])
    probe = ["--show-toplevel", "--absolute-git-dir", "--git-common-dir", "--show-prefix",
             "--is-shallow-repository", "--verify", "-q", "HEAD"]
    trusted: tuple[str, ...] = ()
    try:
        status, out, err = _probe(cwd, probe, trusted)
        if status != 0 and _DUBIOUS in err:
            trusted = _trusted_directories(cwd)
            if trusted:
                status, out, err = _probe(cwd, probe, trusted)
    except GitCommandNotFound:
        return Location(warnings=[NO_GIT])
    lines = out.decode("utf-8", "surrogateescape").split("\n")
    if len(lines) < 5 or status not in (0, 1):  # rev-parse stopped before printing the top level
        message = err.strip()
        if not message or NOT_A_REPOSITORY in message:
            return Location(warnings=[NOT_A_REPOSITORY])
        return Location(warnings=[f"git: {message}"])
    found = Location(top=Path(lines[0]), git_dir=Path(lines[1]), common_dir=(cwd / lines[2]).resolve(),
                     prefix=lines[3], shallow=lines[4] == "true", trusted=trusted)
    if status == 0 and len(lines) > 5 and lines[5]:
        found.head = lines[5]
    if found.shallow:
        found.warnings.append(SHALLOW)
    if found.head is None:
        found.warnings.append(NO_COMMITS)
    return found


def _probe(cwd: Path, args: list[str], trusted: tuple[str, ...]) -> tuple[int, bytes, str]:
    status, out, err = PinnedGit(cwd, trusted=trusted).rev_parse(
        *args, with_extended_output=True, with_exceptions=False, stdout_as_string=False,
        strip_newline_in_stdout=False)
    return status, out, err


def _trusted_directories(cwd: Path) -> tuple[str, ...]:
    """The user's own `safe.directory` values (system and global configuration), and only those."""
    found: list[str] = []
    for scope in ("--system", "--global"):
        status, out, _ = PinnedGit(cwd, write=True).config(
            scope, "--get-all", "safe.directory", with_extended_output=True, with_exceptions=False)
        if status == 0:
            found += [line for line in out.splitlines() if line]
    return tuple(dict.fromkeys(found))


def open_repo(where: Location) -> PinnedRepo:
    """A GitPython `Repo` of the repository `locate` found (no process is started)."""
    repo = PinnedRepo(os.fspath(where.top))
    # GitPython's Repo reads GIT_COMMON_DIR / GIT_OBJECT_DIRECTORY / GIT_DIR from os.environ;
    # the repository is the one git found from the folder, and its command object is ours.
    repo.git = PinnedGit(os.fspath(where.top), trusted=where.trusted)
    repo.git_dir = os.fspath(where.git_dir)
    repo._common_dir = os.fspath(where.common_dir)
    repo.odb = GitCmdObjectDB(os.path.join(repo.common_dir, "objects"), repo.git)
    return repo


def stderr_of(exc: GitCommandError) -> str:
    """What git printed on stderr, without GitPython's decoration (its last line is the reason)."""
    text = exc.stderr or ""
    if text.startswith("\n  stderr: '") and text.endswith("'"):
        text = text[len("\n  stderr: '"):-1]
    return text.strip()


def run(repo_or_git, command: str, *args: str, error=GitError, **kwargs):
    """`git <command> args…` through a GitPython command object (`repo.git`), or `error` with git's reason."""
    git_cmd = repo_or_git if isinstance(repo_or_git, Git) else repo_or_git.git
    try:
        return getattr(git_cmd, command.replace("-", "_"))(*args, **kwargs)
    except GitCommandNotFound:
        raise error(NO_GIT, "install git, then run the command again") from None
    except GitCommandError as exc:
        lines = stderr_of(exc).splitlines()
        reason = lines[-1] if lines else f"exit {exc.status}"
        raise error(f"git {command} failed: {reason}") from None


def object_data(repo: PinnedRepo, spec: str) -> tuple[str, bytes] | None:
    """(type, bytes) of the object `spec` names (a sha or `rev:path`), through GitPython's persistent
    `cat-file --batch`; None when there is no such object."""
    try:
        _, kind, _, data = repo.git.get_object_data(spec)
    except UnicodeEncodeError:  # a name that is not UTF-8 cannot be asked for on cat-file's stdin
        return None
    except ValueError as exc:
        if "could not be resolved" in str(exc) or "contains a line feed" in str(exc):
            return None
        raise GitError(f"git cat-file stopped: {exc}") from None
    except (OSError, AssertionError) as exc:  # the persistent cat-file died (a corrupt pack, say)
        repo.git.clear_cache()
        raise GitError(f"git cat-file stopped: {exc}") from None
    return (kind.decode("ascii") if isinstance(kind, bytes) else kind), data


__all__ = ["NOT_A_REPOSITORY", "NO_COMMITS", "NO_GIT", "SHALLOW", "GitError", "GitFailed", "Location",
           "PinnedGit", "PinnedRepo", "environment", "locate", "object_data", "open_repo", "run", "stderr_of"]
