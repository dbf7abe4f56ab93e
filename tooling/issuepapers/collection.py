"""Find and load every document of a repository into one Collection."""

from __future__ import annotations

import gc
import os
from pathlib import Path

from .diagnostics import ERROR
from .errors import UsageError
from .forking import fork_map
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


# Folders and files an output must never overlap: a build or PDF run that deleted or replaced them
# would lose the committee's sources (uncommitted edits included).
SOURCE_FOLDERS = (*CONTENT_ROOTS, "templates", "docs", ".git", "tooling", "tests")
SOURCE_FILES = ("committee.yml", "mkdocs.yml", "pyproject.toml", "README.md", "Makefile")


def refuse_output_overlap(root: Path, target: Path, option: str, *, is_file: bool = False,
                          extra: tuple[Path, ...] = ()) -> None:
    """UsageError when the output folder (or file) `target` is the repository, holds it, or overlaps a source.

    Checked before anything is created or deleted. `extra`: more source folders
    (mkdocs.yml's docs_dir, the registry's templates folder).
    """
    from .fsutil import overlaps, within

    root, target = Path(root).resolve(), Path(target).resolve()
    hint = "choose a folder of its own, such as site/ (the default)"
    if not is_file and within(root, target):
        raise UsageError(f"{option} {target} is the repository or holds it: refusing to build there", hint)
    folders = [root / f for f in SOURCE_FOLDERS] + [Path(e) for e in extra]
    for folder in folders:
        if (within(target, folder) if is_file else overlaps(target, folder)):
            raise UsageError(f"{option} {target} overlaps the source folder {folder}: refusing to write there", hint)
    if is_file and (target.is_dir() or any(target == root / f for f in SOURCE_FILES)
                    or (target.exists() and target.suffix.lower() != ".pdf")):
        raise UsageError(f"{option} {target} is not a PDF file of its own: refusing to overwrite it",
                         "name a new .pdf file outside papers/, recommendations/ and templates/")


def discover(root: Path) -> list[Path]:
    """Every Markdown document under the content roots, in a stable order."""
    return [Path(p) for p, _ in _entries(root)]


def _entries(root: Path, problems: list | None = None) -> list[tuple[str, bool]]:
    """(path, is a symbolic link) of every document; scandir tells links apart for free.

    A content folder (or subfolder) that is a link leading out of the repository
    is not read, and a `.md` entry that is not a regular file (a FIFO, a socket,
    a device: opening it could block forever) is not returned: each goes to
    `problems` as (path, rule, message, hint) when a list is given.
    """
    found: list[tuple[str, bool]] = []
    stack = []
    for top in CONTENT_ROOTS:
        path = os.path.join(str(root), top)
        if os.path.islink(path) and _outside(root, path):
            if problems is not None:
                problems.append((path, "file-outside-repository",
                                 f"the folder {top}/ is a link to a folder outside the repository: not read",
                                 f"replace the link by a real {top}/ folder inside the repository"))
            continue
        stack.append(path)
    while stack:
        try:
            with os.scandir(stack.pop()) as it:
                for e in it:
                    if e.name.startswith("."):
                        continue
                    if e.is_dir(follow_symlinks=False):
                        stack.append(e.path)
                    elif e.is_symlink() and e.is_dir() and _outside(root, e.path):
                        if problems is not None:
                            problems.append((e.path, "file-outside-repository",
                                             "this folder is a link to a folder outside the repository: not read",
                                             "replace the link by a real folder inside the repository"))
                    elif e.name.endswith(".md"):
                        if e.is_symlink() and _outside(root, e.path):
                            found.append((e.path, True))  # reported by load_collection, never opened
                        elif not e.is_file():  # stat, never open: a FIFO would block
                            if problems is not None:
                                problems.append((e.path, "not-a-regular-file",
                                                 "this is not a regular file (a FIFO, socket or device): not read",
                                                 "replace it by a Markdown file"))
                        else:
                            found.append((e.path, e.is_symlink()))
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            continue
    return sorted(found)  # sorting strings is much cheaper than sorting Paths


def _outside(root: Path, path: str) -> bool:
    """A link that leads out of the repository: its target is never read."""
    try:
        return not Path(path).resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):
        return True


def inside_repository(root: Path, raw: str) -> str:
    """The repository-relative path of a path given on the command line; UsageError when it leaves the repository.

    Both the path as written (`..` parts) and the path its links lead to must
    be inside `root`.
    """
    from .fsutil import within

    if "\0" in raw:
        raise UsageError(f"{raw!r} is not a valid path")
    path = Path(raw)
    absolute = path if path.is_absolute() else Path.cwd() / path
    lexical = Path(os.path.normpath(absolute))
    root = Path(root).resolve()
    if not (within(absolute, root) and (lexical == root or lexical.is_relative_to(root)
                                        or within(lexical, root))):
        raise UsageError(f"{raw} is outside the committee repository {root}",
                         "give a path inside the repository, or pass --root")
    return relpath(root, path)


def document_arg(root: Path, raw: str, kinds: tuple[str, ...] = tuple(CONTENT_ROOTS)) -> str:
    """A document given to `set` or `publish`: an existing regular `.md` file of papers/ or recommendations/,
    inside the repository (its links resolved). Returns its repository-relative path; else UsageError."""
    rel = inside_repository(root, raw)
    path = Path(raw)
    if not path.exists():
        raise UsageError(f"no such file: {raw}")
    if not path.is_file():
        raise UsageError(f"{raw} is not a regular file")
    lexical = Path(os.path.normpath(path if path.is_absolute() else Path.cwd() / path))
    try:
        written = lexical.relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        written = rel
    if rel.split("/", 1)[0] not in kinds or written != rel or not rel.endswith(".md"):
        if kinds == ("papers",):
            raise UsageError(f"{raw} is not an issue paper under papers/ of the repository",
                             "publish papers/<working-group>/<YYYY-MM>.md")
        raise UsageError(f"{raw} is not a document of {' or '.join(k + '/' for k in kinds)}",
                         "give the path of an issue paper or recommendation (.md) in the repository")
    return rel


def relpath(root: Path, path: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def kind_of(rel: str):
    return CONTENT_ROOTS.get(rel.split("/", 1)[0])


def load_collection(root: Path, history: bool = False, jobs: int = 1) -> Collection:
    """Registry + all documents, linked; with git history when asked. With `jobs` > 1 and many
    documents, forked copies of this process read and parse shares of the files (the CLI's `check`)."""
    # Loading allocates many small objects that live as long as the collection;
    # the cyclic GC would rescan them again and again for nothing.
    enabled = gc.isenabled()
    gc.disable()
    try:
        coll = Collection(load_registry(root), root=root)
        prefix = len(str(root)) + 1
        problems: list = []
        entries = _entries(root, problems)
        for path, rule, message, hint in problems:
            src = Source(path[prefix:].replace(os.sep, "/"))
            src.findings.append(src.finding((1, 1), ERROR, rule, message, hint))
            coll.broken.append(src)
        wanted = []
        for path, link in entries:
            rel = path[prefix:].replace(os.sep, "/")  # _entries() yields paths under root
            if link and _outside(root, path):
                src = Source(rel)
                src.findings.append(src.finding((1, 1), ERROR, "file-outside-repository",
                                                "this file is a link to a file outside the repository",
                                                "replace the link by the document itself"))
                coll.broken.append(src)
            else:
                wanted.append((path, rel))
        for src in fork_map(_load_files, wanted, jobs):
            if src.data is None:
                coll.broken.append(src)
            else:
                coll.add(kind_of(src.path).from_source(src))
        coll.link()
        coll.codeowners = _codeowners(root)
    finally:
        if enabled:
            gc.enable()
    if history:
        attach_history(coll, root)
    return coll


def _load_files(entries) -> list[Source]:
    return [load_file(path, rel) for path, rel in entries]


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
