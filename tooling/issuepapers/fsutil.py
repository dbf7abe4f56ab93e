"""Atomic file and directory writes: a reader never sees half an output."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

from .errors import UsageError


def atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to a temp file beside `path`, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        if path.exists():
            shutil.copymode(path, tmp)
        else:
            os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def swap_directory(built: Path, target: Path) -> None:
    """Replace `target` by the fully built sibling `built` with renames only."""
    old = target.with_name(f".{target.name}.old")
    if old.exists():
        shutil.rmtree(old)
    if target.exists():
        os.replace(target, old)
    os.replace(built, target)
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)


# Paths that must stay inside their root ---------------------------------------------------

class OutsideRoot(UsageError):
    """A path derived from content, configuration or the command line that would leave its root."""


def clean_relative(rel: str) -> bool:
    """`rel` is a plain relative POSIX path: no NUL, no backslash, not absolute, no empty, `.` or `..` part."""
    if not isinstance(rel, str) or not rel or "\0" in rel or "\\" in rel or rel.startswith("/"):
        return False
    return all(part not in ("", ".", "..") for part in rel.split("/"))


def within(path: Path, root: Path) -> bool:
    """`path`, its links resolved, is `root` or under it."""
    try:
        return Path(path).resolve().is_relative_to(Path(root).resolve())
    except (OSError, RuntimeError, ValueError):
        return False


def inside(root: Path, rel: str) -> Path:
    """root/rel for an output path built from ids: refused (OutsideRoot) unless it stays inside `root`.

    The one guard every writer of generated files (site pages and files, PDFs,
    meeting books) goes through: whatever id reaches it, nothing is written
    outside the output folder.
    """
    if not clean_relative(rel):
        raise OutsideRoot(f"refusing to write {rel!r}: not a plain path inside {root}",
                          "ids that become file names must be lowercase-with-dashes (see `issuepapers check`)")
    path = Path(root) / rel
    if not within(path.parent, root):
        raise OutsideRoot(f"refusing to write {path}: it resolves outside {root}")
    return path


def overlaps(a: Path, b: Path) -> bool:
    """One of the folders `a` and `b` is the other or holds it (links resolved)."""
    return within(a, b) or within(b, a)


@contextlib.contextmanager
def locked(folder: Path):
    """Hold an exclusive lock on output `folder` (`.<name>.lock` beside it) while writing it.

    Concurrent runs on one output folder wait for one another instead of
    failing on each other's renames; the lock goes with the process (flock),
    so a killed run never leaves it held.
    """
    folder = Path(folder).resolve()
    folder.parent.mkdir(parents=True, exist_ok=True)
    lock = folder.parent / f".{folder.name}.lock"
    fd = os.open(lock, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
    try:
        try:
            import fcntl
        except ImportError:  # no flock (Windows): runs are not serialized
            fcntl = None
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield lock
    finally:
        os.close(fd)  # closing releases the lock
