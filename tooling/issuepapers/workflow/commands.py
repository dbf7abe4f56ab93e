"""`history`, `diff`, `publish`, `init`, `codeowners`: argument handling only."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

from ..diagnostics import FORMATS
from ..errors import UsageError


def _root(args) -> Path:
    from ..collection import committee_root

    return committee_root(args.root)


def _unreadable(exc, path: str, fmt: str) -> int:
    """A repository git cannot read (`history.GitError`), reported as a finding on `path`: exit 1."""
    from ..diagnostics import ERROR, Finding, emit

    finding = Finding(path, 1, 1, ERROR, "git-history", str(exc), getattr(exc, "hint", None))
    fmt = fmt if fmt in FORMATS else "text"
    emit([finding], fmt, sys.stderr if fmt == "text" else sys.stdout)
    return 1


def _rel(root: Path, raw: str, *, must_exist: bool = True) -> str:
    from ..collection import inside_repository

    path = Path(raw)
    if must_exist and not path.exists():
        raise UsageError(f"no such file: {raw}")
    return inside_repository(root, raw)


# history ------------------------------------------------------------------------------

def cmd_history(args) -> int:
    from ..history import GitError
    from .history import format_text, history_record

    root = _root(args)
    rel = _rel(root, args.path)
    try:
        rec = history_record(root, rel)
    except GitError as exc:
        return _unreadable(exc, rel, args.format)
    if args.format == "json":
        print(json.dumps(rec, indent=2, ensure_ascii=False))
    else:
        sys.stdout.write(format_text(rec))
    return 0


# diff ---------------------------------------------------------------------------------

def cmd_diff(args) -> int:
    from .. import redline as rl
    from ..collection import load_collection
    from ..fsutil import atomic_write
    from ..history import GitError

    root = _root(args)
    rel = _rel(root, args.path, must_exist=args.to is None)
    coll = load_collection(root)
    try:
        result = rl.redline(root, coll, rel, args.from_rev, args.to)
    except GitError as exc:
        return _unreadable(exc, rel, args.format)
    if result is None:
        raise UsageError(f"{rel} has no earlier version to compare with",
                         "it has one commit and no publish tag; pass --from REV to pick one")
    if args.pdf:
        out = Path(args.out) if args.out else Path.cwd() / f"{Path(rel).parent.name}-{Path(rel).stem}.redline.pdf"
        atomic_write(out, rl.to_pdf(result, root))
        print(f"{rel}: {result.before} -> {result.after}: {out}", file=sys.stderr)
        return 0
    fmt = args.format
    text = {"html": lambda: rl.to_html_page(result, root), "text": lambda: rl.to_text(result),
            "json": lambda: rl.to_json(result)}[fmt]()
    if args.out:
        atomic_write(Path(args.out), text.encode("utf-8"))
        print(f"{rel}: {result.before} -> {result.after}: {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


# publish ------------------------------------------------------------------------------

def cmd_publish(args) -> int:
    from ..collection import document_arg
    from ..diagnostics import emit
    from ..history import GitError
    from .publish import PublishRefused, interactive_confirm, publish

    root = _root(args)
    rels = [document_arg(root, p, ("papers",)) for p in args.paths]  # repository papers only
    day = None
    if args.date:
        try:
            day = dt.date.fromisoformat(args.date)
        except ValueError:
            raise UsageError(f"--date must be YYYY-MM-DD, got {args.date!r}") from None
    confirm = None
    if not args.yes:
        if not sys.stdin.isatty():
            raise UsageError("publish asks for confirmation on a terminal", "pass --yes to publish without asking")
        confirm = interactive_confirm
    try:
        done = publish(root, rels, date=day, out_dir=Path(args.out) if args.out else None, confirm=confirm)
    except PublishRefused as exc:
        if exc.findings:
            emit(exc.findings, args.format, sys.stderr if args.format == "text" else sys.stdout)
        print(f"issuepapers: publish refused: {exc}", file=sys.stderr)
        return 1
    except GitError as exc:  # before anything was written: the repository cannot be read
        code = _unreadable(exc, rels[0], args.format)
        print("issuepapers: publish refused: git cannot read the repository; nothing was published", file=sys.stderr)
        return code
    if args.format == "json":
        print(json.dumps([{"paper": d.paper, "tag": d.tag, "revision": d.revision, "commit": d.commit,
                           "date": d.date.isoformat(), "pdf": str(d.pdf), "pdf_sha256": d.sha256} for d in done],
                         indent=2))
    else:
        for d in done:
            print(f"{d.paper}: published as {d.tag} (revision {d.revision}, {d.date.isoformat()})")
            print(f"  PDF {d.pdf} sha256 {d.sha256}")
        if done:
            print("Push the commit and the tags: git push --follow-tags", file=sys.stderr)
    return 0


# init / codeowners ----------------------------------------------------------------------

def cmd_init(args) -> int:
    from .init import init

    target = Path(args.dir)
    written = init(target, name=args.name, short_name=args.short_name, agency=args.agency,
                   forge=args.forge, requirement=args.requirement, git_init=not args.no_git)
    for rel in written:
        print(rel)
    pages = ("in Settings → Pages, set Source to “GitHub Actions”" if args.forge == "github"
             else "the `pages` job publishes it to GitLab Pages")
    print(f"Created a committee repository in {target}. Next:\n"
          f"  cd {target} && issuepapers check && issuepapers build\n"
          f"  set site_url in mkdocs.yml to the site's address\n"
          f"  git remote add origin URL && git push -u origin main   ({pages})",
          file=sys.stderr)
    return 0


def cmd_codeowners(args) -> int:
    from .. import codeowners
    from ..registry import load_registry

    root = _root(args)
    registry = load_registry(root)
    if any(f.severity == "error" for f in registry.findings):
        raise UsageError("committee.yml has errors", "run `issuepapers check committee.yml` first")
    if args.check:
        path = codeowners.find(root)
        if path is None:
            print("no CODEOWNERS file", file=sys.stderr)
            return 1
        found = codeowners.stale(path.read_text(encoding="utf-8"), registry)
        if found:
            print(f"{path.relative_to(root).as_posix()}:{found[0]}:1: warning[codeowners-stale] {found[1]}")
            return 1
        return 0
    path, changed = codeowners.write(root, registry, Path(args.out) if args.out else None)
    print(f"{path.relative_to(root).as_posix() if path.is_relative_to(root) else path}: "
          f"{'updated' if changed else 'unchanged'}", file=sys.stderr)
    return 0


def register(subparsers) -> None:
    s = subparsers.add_parser(
        "history", help="a document's revisions: created, modified, authors, commits, publish tags",
        description="The git history of one document (renames followed), from the same one-pass reading "
                    "the site and the PDFs use.")
    s.add_argument("path", metavar="PATH")
    s.add_argument("--format", choices=("text", "json"), default="text")
    s.set_defaults(func=cmd_history)

    s = subparsers.add_parser(
        "diff", help="redline of a paper: word-level changes, section by section",
        description="Compare two versions of a paper. By default FROM is its latest publish tag, else the "
                    "previous commit that changed it, and TO is the work tree. Insertions are marked "
                    "[+ … +] (underlined), deletions [- … -] (struck through); front-matter changes come "
                    "first, as a table.")
    s.add_argument("path", metavar="PATH")
    s.add_argument("--from", dest="from_rev", metavar="REV", help="older version: commit, branch or tag")
    s.add_argument("--to", metavar="REV", help="newer version (default: the work tree)")
    s.add_argument("--pdf", action="store_true", help="write a PDF in the issue-paper layout")
    s.add_argument("--out", metavar="FILE", help="write here (default: stdout; for --pdf <wg>-<YYYY-MM>.redline.pdf)")
    s.add_argument("--format", choices=("html", "text", "json"), default="html",
                   help="without --pdf: a standalone HTML page (default), plain text or JSON")
    s.set_defaults(func=cmd_diff)

    s = subparsers.add_parser(
        "publish", help="set status: published and date, commit, render the PDF, tag papers/<wg>/<YYYY-MM>/vN",
        description="Refuses on a dirty work tree, on a paper with check errors, and on a paper unchanged "
                    "since its last publication. The tag's message records the PDF's SHA-256. The date "
                    "defaults to the paper's own `date`, else today.")
    s.add_argument("paths", nargs="+", metavar="PATH")
    s.add_argument("--date", metavar="YYYY-MM-DD", help="signature date to set")
    s.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    s.add_argument("--out", metavar="DIR", help="where the PDFs go (default: site/pdf)")
    s.add_argument("--format", choices=FORMATS, default="text")
    s.set_defaults(func=cmd_publish)

    s = subparsers.add_parser(
        "init", help="create a new committee repository",
        description="Registry, mkdocs.yml, an example paper, the scaffolds and logo slot, "
                    ".pre-commit-config.yaml, CODEOWNERS and a CI workflow that installs the pinned "
                    "tooling, checks, builds the site --strict and deploys it to the forge's Pages on "
                    "pushes to main; a git repository on branch main with one commit. The PDF templates, "
                    "fonts and site look stay in the package: override them file by file in templates/ "
                    "(see templates/README.md).")
    s.add_argument("dir", nargs="?", default=".", metavar="DIR", help="an empty or new folder (default: here)")
    s.add_argument("--forge", choices=("github", "gitlab"), default="github",
                   help="write CI for GitHub Actions (.github/workflows/issuepapers.yml, the default) or "
                        "GitLab CI (.gitlab-ci.yml)")
    s.add_argument("--requirement", metavar="SPEC",
                   help="what requirements.txt pins for CI to install (default: issuepapers==<this version>); "
                        "e.g. 'issuepapers @ git+https://…/issuepapers@vX.Y.Z' or a path to a wheel")
    s.add_argument("--name", default="Example Advisory Committee", help="the committee's name")
    s.add_argument("--short-name", default="EAC", help="its short name")
    s.add_argument("--agency", default="Example Agency", help="the agency it advises")
    s.add_argument("--no-git", action="store_true", help="do not run `git init` nor commit")
    s.set_defaults(func=cmd_init)

    s = subparsers.add_parser(
        "codeowners", help="write CODEOWNERS from the working groups' leads in committee.yml",
        description="Each working group's folder papers/<id>/ is owned by its leads' forge handles. Only "
                    "the block between the issuepapers markers is rewritten.")
    s.add_argument("--out", metavar="FILE", help="file to write (default: the existing CODEOWNERS, else ./CODEOWNERS)")
    s.add_argument("--check", action="store_true", help="only report whether CODEOWNERS is current (exit 1 if not)")
    s.set_defaults(func=cmd_codeowners)
