"""`issuepapers import` and `issuepapers export --docx`: argument handling and the per-file loop.

Registering defines arguments only; python-docx and the model load inside the
command functions, so `--help` and `check` never import them.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..diagnostics import ERROR, FORMATS, WARNING, Finding
from ..errors import UsageError

DEFAULT_EXPORT = Path("site") / "docx"


def _root(args) -> Path:
    from ..collection import committee_root

    return committee_root(args.root)


def _progress(items: list, label: str):
    """Iterate `items`, with a progress bar on a terminal (rich, loaded only then)."""
    if len(items) < 2 or not sys.stderr.isatty():
        yield from items
        return
    from rich.progress import Progress

    with Progress(transient=True) as bar:
        task = bar.add_task(label, total=len(items))
        for item in items:
            yield item
            bar.advance(task)


def _report(findings: list[Finding], fmt: str) -> None:
    from ..diagnostics import emit

    emit(findings, fmt, sys.stderr if fmt == "text" else sys.stdout)


# import ------------------------------------------------------------------------------------------

def import_one(root: Path, coll, path: Path, display: str, *, wg_id=None, meeting=None, accept=False,
               papers_dir: Path, force=False) -> tuple[Path | None, list[Finding]]:
    """Import one .docx: (the paper written, or None; the findings)."""
    from ..fsutil import atomic_write, inside
    from ..posts import new_document
    from .paper import (
        body_text,
        check_new,
        front_matter,
        image_findings,
        image_names,
        missing,
        resolve,
    )
    from .read import WordError, read

    try:
        word = read(path, display, accept=accept)
    except WordError as exc:
        return None, [Finding(display, 1, 1, ERROR, exc.rule, str(exc), exc.hint)]
    if word.findings and any(f.rule == "word-tracked-changes" for f in word.findings):
        return None, word.findings
    res = resolve(word, coll.registry, wg_id, meeting)
    findings = word.findings + res.findings + missing(word) + image_findings(word)
    if findings:
        return None, sorted(findings, key=lambda f: (f.line, f.rule))
    wg, month = res.working_group, res.month
    target = inside(papers_dir, f"{wg.id}/{month}.md")
    rel = f"papers/{wg.id}/{month}.md"
    if target.exists() and not force:
        return None, [Finding(display, 1, 1, ERROR, "word-paper-exists", f"{_shown(root, target)} already exists; "
                              "not overwriting it", "pass --force to replace it, or --meeting for another month")]
    names = image_names(word, month)
    fm = front_matter(word, res)
    text = new_document(fm, body_text(word, names))
    found = check_new(coll, rel, text, image_files=set(names))
    errors = [f for f in found if f.severity == ERROR]
    warnings = [Finding(display, 1, 1, WARNING, f.rule, f"{f.message} (line {f.line} of the imported {rel})",
                        f.hint) for f in found if f.severity != ERROR]
    if errors:
        return None, [Finding(display, 1, 1, ERROR, f.rule, f"the imported paper would not pass `check`: "
                              f"{f.message} (line {f.line} of {rel})", f.hint) for f in errors] + warnings
    for name, image in zip(names, word.images):
        atomic_write(inside(papers_dir, f"{wg.id}/{name}"), image.blob)
    atomic_write(target, text.encode("utf-8"))
    return target, warnings


def _shown(root: Path, path: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def cmd_import(args) -> int:
    from . import require_docx

    require_docx()
    from ..collection import load_collection

    root = _root(args)
    coll = load_collection(root)
    papers_dir = Path(args.out) if args.out else root / "papers"
    files = []
    for raw in args.files:
        path = Path(raw)
        if not path.is_file():
            raise UsageError(f"no such file: {raw}")
        files.append((path, raw))
    findings: list[Finding] = []
    written = 0
    for path, display in _progress(files, "Importing"):
        target, found = import_one(root, coll, path, display, wg_id=args.working_group, meeting=args.meeting,
                                   accept=args.accept_changes, papers_dir=papers_dir, force=args.force)
        findings.extend(found)
        if target is not None:
            written += 1
            print(_shown(root, target))
    if findings:
        _report(findings, args.format)
    failed = len(files) - written
    print(f"{written} imported, {failed} failed", file=sys.stderr)
    return 1 if failed else 0


# export ------------------------------------------------------------------------------------------

def export_one(root: Path, coll, paper, reference: Path, out_dir: Path) -> Path:
    from ..fsutil import atomic_write, inside
    from ..pdf.context import paper_context, timestamp
    from .write import build

    ctx = paper_context(root, coll, paper)
    rel = paper.path.removeprefix("papers/")
    target = inside(out_dir, str(Path(rel).with_suffix(".docx").as_posix()))
    data = build(ctx, dict(paper.source.data or {}), paper.reading.html, reference,
                 (root / paper.path).parent, root / "papers", timestamp(paper, coll))
    atomic_write(target, data)
    return target


def cmd_export(args) -> int:
    from . import require_docx

    if not args.docx:
        raise UsageError("choose what to export to", "pass --docx (Word)")
    require_docx()
    from ..assets import templates_for
    from ..collection import inside_repository, load_collection, refuse_output_overlap
    from ..model import Paper
    from .write import REFERENCE, ExportError

    root = _root(args)
    out = Path(args.out) if args.out else root / DEFAULT_EXPORT
    refuse_output_overlap(root, out, "--out")
    coll = load_collection(root)
    papers = []
    for raw in args.paths:
        path = Path(raw)
        if not path.exists():
            raise UsageError(f"no such file or directory: {raw}")
        rel = inside_repository(root, raw)
        base = "" if rel == "." else rel.rstrip("/")
        chosen = [p for p in coll.papers if p.path == base or not base or p.path.startswith(base + "/")]
        if not chosen:
            raise UsageError(f"{raw} is no paper and holds none", "export papers/<working-group>/<YYYY-MM>.md")
        papers.extend(p for p in chosen if p not in papers)
    reference = templates_for(root, coll.registry).find(REFERENCE)
    findings, written = [], 0
    for paper in _progress(papers, "Exporting"):
        assert isinstance(paper, Paper)
        limits = paper.reading.limits  # a body over a size limit is refused, as `check` and `pdf` refuse it
        if limits:
            findings.extend(Finding(paper.path, lim.line, lim.column, ERROR, lim.rule, lim.message, lim.hint)
                            for lim in limits)
            continue
        try:
            target = export_one(root, coll, paper, reference, out)
        except ExportError as exc:
            findings.append(Finding(paper.path, 1, 1, ERROR, "word-export", str(exc),
                                    "save the image beside the paper, or fix its name"))
            continue
        written += 1
        print(_shown(root, target))
    if findings:
        _report(findings, args.format)
    print(f"{written} exported, {len(findings)} failed -> {out}", file=sys.stderr)
    return 1 if findings else 0


def register(subparsers) -> None:
    s = subparsers.add_parser(
        "import", help="turn Word issue papers (.docx) into papers of this repository",
        description="Read each .docx (header block, office line, Pub #, Action Required, the run-in labels as "
                    "sections, lists, tables, images with their alt text, signer and date) and write "
                    "papers/<working-group>/<YYYY-MM>.md with status draft, checked as `check` would. "
                    "Tracked changes and comments are refused unless --accept-changes. Nothing is written for a "
                    "document with findings; exit 1 when any document fails.")
    s.add_argument("files", nargs="+", metavar="FILE.docx")
    s.add_argument("--working-group", metavar="ID", help="the working group id (default: from the header block)")
    s.add_argument("--meeting", metavar="YYYY-MM", help="the public meeting (default: the header's month)")
    s.add_argument("--accept-changes", action="store_true",
                   help="accept tracked insertions, drop deletions and ignore comments")
    s.add_argument("--force", action="store_true", help="replace an existing paper")
    s.add_argument("--out", metavar="DIR", help="folder of working-group folders (default: papers/)")
    s.add_argument("--format", choices=FORMATS, default="text", help="how findings are reported")
    s.set_defaults(func=cmd_import)

    s = subparsers.add_parser(
        "export", help="write papers as Word documents (.docx) for agency clearance",
        description="Write each paper as a .docx in the Government Issue Paper layout (header block, agency and "
                    "office lines, Pub #, Action Required, run-in labels, nested lists, signer, date, page "
                    "numbers), styled by templates/word/reference.docx.")
    s.add_argument("paths", nargs="+", metavar="PATH", help="papers or folders of papers")
    s.add_argument("--docx", action="store_true", help="write Word documents (the one format for now)")
    s.add_argument("--out", metavar="DIR", help="output folder (default: site/docx)")
    s.add_argument("--format", choices=FORMATS, default="text", help="how failures are reported")
    s.set_defaults(func=cmd_export)
