"""`issuepapers pdf` and `issuepapers book`: argument handling only."""

from __future__ import annotations

import sys
from pathlib import Path

from ..diagnostics import FORMATS
from ..errors import UsageError

DEFAULT_OUT = Path("site") / "pdf"


def _root(args) -> Path:
    from ..collection import committee_root

    return committee_root(args.root)


def _paths(root: Path, raw: list[str]) -> list[str] | None:
    from ..collection import inside_repository

    if not raw:
        return None
    out = []
    for p in raw:
        path = Path(p)
        if not path.exists():
            raise UsageError(f"no such file or directory: {p}")
        rel = inside_repository(root, p)
        out.append("" if rel == "." else rel)
    return out


def cmd_pdf(args) -> int:
    from ..collection import load_collection, refuse_output_overlap
    from ..fsutil import locked
    from ..diagnostics import emit
    from . import render_all

    if args.jobs is not None and args.jobs < 1:
        raise UsageError("--jobs must be 1 or more")
    root = _root(args)
    out = Path(args.out) if args.out else root / DEFAULT_OUT
    refuse_output_overlap(root, out, "--out")  # before anything is written
    paths = _paths(root, args.paths)
    coll = load_collection(root, history=False)
    with locked(out):  # concurrent runs on one folder wait for one another
        report = render_all(root, coll, out, jobs=args.jobs, draft=args.draft, paths=paths, progress=True)
    if report.failed or report.long:
        emit(report.failed + report.long, args.format, sys.stderr if args.format == "text" else sys.stdout)
    print(f"{len(report.rendered)} rendered, {len(report.skipped)} up to date, {len(report.failed)} failed"
          f" -> {out}", file=sys.stderr)
    return 1 if report.failed else 0


def cmd_book(args) -> int:
    from ..collection import load_collection, refuse_output_overlap
    from ..fsutil import atomic_write, locked
    from . import render_books
    from .engine import RenderError

    from ..visibility import Visibility, visible_collection

    root = _root(args)
    target = Path(args.out) if args.out else root / DEFAULT_OUT / "books" / f"{args.meeting}.pdf"
    if args.out:
        refuse_output_overlap(root, target, "--out", is_file=True)  # before anything is written
    coll = load_collection(root)
    # The public book holds the papers the committee makes public (committee.public_statuses);
    # --preview holds every paper for the meeting, drafts watermarked.
    coll = visible_collection(coll, Visibility.of(coll, args.preview), for_print=True)
    if args.meeting not in coll.registry.meetings:
        from ..fields import did_you_mean

        raise UsageError(f"unknown meeting {args.meeting!r}",
                         did_you_mean(args.meeting, list(coll.registry.meetings)) or "see meetings: in committee.yml")
    if not coll.papers_for_meeting(args.meeting):
        raise UsageError(f"no public papers for meeting {args.meeting!r}" if not args.preview else
                         f"no papers for meeting {args.meeting!r}",
                         None if args.preview else "`--preview` makes a book of every paper, drafts watermarked")
    try:
        with locked(root / DEFAULT_OUT):  # concurrent runs on one folder wait for one another
            built = render_books(root, coll, root / DEFAULT_OUT, [args.meeting])[0]
    except RenderError as exc:
        print(f"committee.yml:1:1: error[{exc.rule}] {exc}", file=sys.stderr)
        return 1
    if built.resolve() != target.resolve():
        atomic_write(target, built.read_bytes())
    print(target, file=sys.stderr)
    return 0


def register(subparsers) -> None:
    s = subparsers.add_parser(
        "pdf", help="render Government Issue Paper PDFs (incremental, parallel)",
        description="Render each paper to PDF/UA-1 with WeasyPrint into site/pdf/<working-group>/<YYYY-MM>.pdf. "
                    "Unchanged papers are not rendered again. Exit 1 when a paper fails.")
    s.add_argument("paths", nargs="*", metavar="PATH", help="papers or folders (default: every paper)")
    s.add_argument("--out", metavar="DIR", help="output folder (default: site/pdf)")
    s.add_argument("--jobs", "-j", type=int, metavar="N", help="worker processes (default: number of cores)")
    s.add_argument("--draft", action="store_true", help="print every paper as a DRAFT")
    s.add_argument("--format", choices=FORMATS, default="text", help="how failures are reported")
    s.set_defaults(func=cmd_pdf)

    s = subparsers.add_parser(
        "book", help="one PDF of every paper for a public meeting",
        description="Meeting book: cover, contents with page numbers grouped by subcommittee and working group, "
                    "every paper for the meeting, and the recommendations voted there as an annex.")
    s.add_argument("--meeting", required=True, metavar="ID", help="meeting id from committee.yml, e.g. 2024-03")
    s.add_argument("--out", metavar="FILE", help="output file (default: site/pdf/books/<ID>.pdf)")
    s.add_argument("--preview", action="store_true",
                   help="every paper for the meeting, whatever its status (default: the public papers only)")
    s.set_defaults(func=cmd_book)
