"""Find and load every document of a repository into one Collection."""

from __future__ import annotations

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
        base = root / top
        if base.is_dir():
            found.extend(p for p in base.rglob("*.md") if p.is_file())
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
    coll = Collection(load_registry(root))
    for path in discover(root):
        rel = relpath(root, path)
        src = load_file(path, rel)
        if src.data is None:
            coll.broken.append(src)
            continue
        coll.add(kind_of(rel).from_source(src))
    coll.link()
    if history:
        attach_history(coll, root)
    return coll


def attach_history(coll: Collection, root: Path) -> None:
    """One `git log` pass for the whole repository, shared by every output."""
    from .gitlog import read_history

    coll.history = read_history(root, tuple(CONTENT_ROOTS))
    for doc in coll.documents():
        doc.history = coll.history.get(doc.path)
