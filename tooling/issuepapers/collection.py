"""Find and load every document of a repository into one Collection."""

from __future__ import annotations

import gc
import os
from pathlib import Path

from .diagnostics import ERROR
from .errors import UsageError
from .load import Source, load_file
from .model import Collection, Paper, Recommendation
from .registry import load_registry

CONTENT_ROOTS = {"papers": Paper, "recommendations": Recommendation}


def find_root(start: Path) -> Path:
    """The nearest directory at or above `start` holding committee.yml (else `start`)."""
    start = start.resolve()
    for d in (start, *start.parents):
        if (d / "committee.yml").is_file():
            return d
    return start


def committee_root(given: str | Path | None) -> Path:
    """The committee repository a command works on: `--root` if given, else the nearest with committee.yml."""
    root = Path(given).resolve() if given else find_root(Path.cwd())
    if not (root / "committee.yml").is_file():
        raise UsageError(f"no committee.yml in {root} or above", "run inside a committee repository, or pass --root")
    return root


def discover(root: Path) -> list[Path]:
    """Every Markdown document under the content roots, in a stable order."""
    return [Path(p) for p, _ in _entries(root)]


def _entries(root: Path) -> list[tuple[str, bool]]:
    """(path, is a symbolic link) of every document; scandir tells links apart for free."""
    found: list[tuple[str, bool]] = []
    stack = [str(root / top) for top in CONTENT_ROOTS]
    while stack:
        try:
            with os.scandir(stack.pop()) as it:
                for e in it:
                    if e.name.startswith("."):
                        continue
                    if e.is_dir(follow_symlinks=False):
                        stack.append(e.path)
                    elif e.name.endswith(".md"):
                        found.append((e.path, e.is_symlink()))
        except (FileNotFoundError, NotADirectoryError):
            continue
    return sorted(found)  # sorting strings is much cheaper than sorting Paths


def _outside(root: Path, path: str) -> bool:
    """A link that leads out of the repository: its target is never read."""
    try:
        return not Path(path).resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):
        return True


def relpath(root: Path, path: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def kind_of(rel: str):
    return CONTENT_ROOTS.get(rel.split("/", 1)[0])


def load_collection(root: Path, history: bool = False) -> Collection:
    """Registry + all documents, linked; with git history when asked."""
    # Loading allocates many small objects that live as long as the collection;
    # the cyclic GC would rescan them again and again for nothing.
    enabled = gc.isenabled()
    gc.disable()
    try:
        coll = Collection(load_registry(root), root=root)
        prefix = len(str(root)) + 1
        for path, link in _entries(root):
            rel = path[prefix:].replace(os.sep, "/")  # _entries() yields paths under root
            if link and _outside(root, path):
                src = Source(rel)
                src.findings.append(src.finding((1, 1), ERROR, "file-outside-repository",
                                                "this file is a link to a file outside the repository",
                                                "replace the link by the document itself"))
                coll.broken.append(src)
                continue
            src = load_file(Path(path), rel)
            if src.data is None:
                coll.broken.append(src)
            else:
                coll.add(kind_of(rel).from_source(src))
        coll.link()
        coll.codeowners = _codeowners(root)
    finally:
        if enabled:
            gc.enable()
    if history:
        attach_history(coll, root)
    return coll


def _codeowners(root: Path) -> tuple[str, str] | None:
    """The CODEOWNERS file the forge reads, as (path, text), for the `codeowners-stale` rule."""
    from .codeowners import find

    path = find(root)
    if path is None:
        return None
    try:
        return path.relative_to(root).as_posix(), path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError, ValueError):
        return None


def attach_history(coll: Collection, root: Path | None = None):
    """The repository reading (`coll.history`, opened once) with its one-pass `git log`; each document
    gets its own history. Returns the reading (`history.Repository`)."""
    from .history import repository_of

    repo = repository_of(coll, root)
    repo.read_log(tuple(CONTENT_ROOTS))
    for doc in coll.documents():
        doc.history = repo.get(doc.path)
    return repo
