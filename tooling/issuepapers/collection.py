"""Find and load every document of a repository into one Collection."""

from __future__ import annotations

import gc
import os
from pathlib import Path

from .load import load_file
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


def discover(root: Path) -> list[Path]:
    """Every Markdown document under the content roots, in a stable order."""
    found = []
    for top in CONTENT_ROOTS:
        for folder, dirs, files in os.walk(root / top):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            found.extend(Path(folder, f) for f in files if f.endswith(".md") and not f.startswith("."))
    return sorted(found)


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
        for path in discover(root):
            rel = str(path)[prefix:].replace(os.sep, "/")  # discover() yields paths under root
            src = load_file(path, rel)
            if src.data is None:
                coll.broken.append(src)
            else:
                coll.add(kind_of(rel).from_source(src))
        coll.link()
    finally:
        if enabled:
            gc.enable()
    if history:
        attach_history(coll, root)
    return coll


def attach_history(coll: Collection, root: Path) -> None:
    """One `git log` pass for the whole repository, shared by every output."""
    from .gitlog import read_history

    coll.history = read_history(root, tuple(CONTENT_ROOTS))
    for doc in coll.documents():
        doc.history = coll.history.get(doc.path)
