"""Command line: argument parsing only; the work is done by the modules it calls."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import __version__
# FORMATS: the `--format` choices of every command that reports findings (text, json, github, gitlab),
# kept in diagnostics beside `emit` so the pdf and workflow commands offer the same ones.
from .diagnostics import ERROR, FORMATS, Finding, emit, summary, use_colour
from .errors import UsageError


def _root(args) -> Path:
    from .collection import committee_root

    return committee_root(args.root)


def _collection(args, history: bool = False, jobs: int = 1):
    from .collection import load_collection

    return load_collection(_root(args), history=history, jobs=jobs)


# check ------------------------------------------------------------------------

def cmd_check(args) -> int:
    from .collection import inside_repository, relpath
    from .rules import check_collection

    from .forking import default_jobs

    if args.jobs is not None and args.jobs < 1:
        raise UsageError("--jobs must be 1 or more")
    jobs = args.jobs or default_jobs()
    root = _root(args)
    coll = _collection(args, jobs=jobs)
    only = None
    if args.paths:
        only = set()
        for p in args.paths:
            path = Path(p)
            if not path.exists():
                raise UsageError(f"no such file or directory: {p}")
            inside_repository(root, p)  # a path outside the repository is a usage error, never "0 findings"
            if path.is_dir():
                base = relpath(root, path).rstrip("/")
                only |= {d.path for d in coll.documents() if base in (".", "") or d.path.startswith(base + "/")}
                only |= {s.path for s in coll.broken if base in (".", "") or s.path.startswith(base + "/")}
            else:
                only.add(relpath(root, path))
    findings = check_collection(coll, only, jobs=jobs)
    emit(findings, args.format)
    errors = sum(f.severity == ERROR for f in findings)
    if args.format == "text":
        checked = len(coll.documents()) + len(coll.broken) if only is None else len(only)
        print(f"{checked} file{'s' * (checked != 1)} checked: {summary(findings)}", file=sys.stderr)
    return 1 if errors or (args.strict and findings) else 0


# rules / schema -------------------------------------------------------------------

def cmd_rules(args) -> int:
    from .rules import RULES

    rows = sorted(RULES.values(), key=lambda r: r.id)
    if args.format == "json":
        import json

        print(json.dumps([{"id": r.id, "severity": r.severity, "applies_to": list(r.kinds), "doc": r.doc,
                           "commands": list(r.commands)} for r in rows], indent=2))
        return 0
    width = max(len(r.id) for r in rows)
    for r in rows:
        print(f"{r.id:<{width}}  {r.severity:<7}  {r.doc}")
    return 0


def cmd_schema(args) -> int:
    import json

    from .registry import load_registry
    from .schema import schema

    reg = load_registry(_root(args))
    print(json.dumps(schema(reg, args.kind), indent=2, ensure_ascii=False))
    return 0


# new / set ------------------------------------------------------------------------

def cmd_new(args) -> int:
    from .scaffold import new_paper, new_recommendation

    root = _root(args)
    coll = _collection(args)
    if args.kind == "paper":
        path = new_paper(root, coll.registry, args.working_group, args.meeting)
    else:
        path = new_recommendation(root, coll, args.working_group, args.term, args.title)
    print(path.relative_to(root).as_posix())
    return 0


def cmd_set(args) -> int:
    from .collection import document_arg, kind_of
    from .edit import EditError, parse_assignment, set_file

    root = _root(args)
    path = Path(args.path)
    rel = document_arg(root, args.path)  # a repository document only: no `..`, no link out, no other file
    kind = kind_of(rel)
    assignments = [parse_assignment(a) for a in args.assignments]
    try:
        changed = set_file(path, assignments, kind.FIELDS)
    except EditError as exc:
        emit([Finding(rel, 1, 1, ERROR, "set", str(exc), exc.hint)], "text", sys.stderr)
        return 1
    print(f"{rel}: {'updated' if changed else 'unchanged'}", file=sys.stderr)
    return 0


# fix --------------------------------------------------------------------------------

def cmd_fix(args) -> int:
    from .fix import documents, fix_paths

    root = _root(args)
    found = fix_paths(root, documents(root, args.paths), write=not args.check)
    verb = "would fix" if args.check else "fixed"
    for rel, change in found:
        print(f"{rel}:{change.line}: {verb}[{change.rule}] {change.message}")
    files = len({rel for rel, _ in found})
    print(f"{files} file{'s' * (files != 1)} {'to fix' if args.check else 'fixed'}", file=sys.stderr)
    return 1 if args.check and found else 0


# list -------------------------------------------------------------------------------

def cmd_list(args) -> int:
    from .query import select

    rows = select(_collection(args), kind=args.kind, status=args.status, subcommittee=args.subcommittee,
                  working_group=args.working_group, meeting=args.meeting)
    if args.format == "json":
        import json

        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    cols = ("kind", "status", "meeting", "working_group", "path", "title")
    if use_colour(sys.stdout):
        from rich.console import Console
        from rich.table import Table

        table = Table(*cols)
        for r in rows:
            table.add_row(*(str(r.get(c) or "") for c in cols))
        Console().print(table)
    else:
        widths = {c: max([len(c)] + [len(str(r.get(c) or "")) for r in rows]) for c in cols[:-1]}
        print("  ".join(c.upper().ljust(widths.get(c, 0)) for c in cols).rstrip())
        for r in rows:
            print("  ".join(str(r.get(c) or "").ljust(widths.get(c, 0)) for c in cols).rstrip())
    return 0


# parser -----------------------------------------------------------------------------
#
# Registering a command defines its arguments only; the work it does is imported
# inside its function. A run builds the parser of its own command alone (the
# others are neither defined nor imported); `--help` and usage errors build all.

def _add_check(sub) -> None:
    s = sub.add_parser("check", help="validate documents and the registry",
                       description="Validate papers, recommendations and committee.yml. "
                                   "Exit 0 when there are no errors, 1 when there are, 2 on usage errors.")
    s.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (default: everything)")
    s.add_argument("--format", choices=FORMATS, default="text")
    s.add_argument("--strict", action="store_true", help="warnings also fail (exit 1)")
    s.add_argument("--jobs", "-j", type=int, metavar="N",
                   help="processes sharing the rules over many documents (default: the CPUs, at most 4)")
    s.set_defaults(func=cmd_check)


def _add_rules(sub) -> None:
    s = sub.add_parser("rules", help="list the rules with their ids, severities and statements")
    s.add_argument("--format", choices=("text", "json"), default="text")
    s.set_defaults(func=cmd_rules)


def _add_schema(sub) -> None:
    s = sub.add_parser("schema", help="JSON Schema of the front matter, for editors")
    s.add_argument("--kind", choices=("paper", "recommendation"), help="one kind only")
    s.set_defaults(func=cmd_schema)


def _add_new(sub) -> None:
    s = sub.add_parser("new", help="scaffold a new paper or recommendation")
    kinds = s.add_subparsers(dest="kind", metavar="KIND", required=True)
    k = kinds.add_parser("paper", help="papers/<working-group>/<YYYY-MM>.md")
    k.add_argument("--working-group", required=True, metavar="ID")
    k.add_argument("--meeting", required=True, metavar="YYYY-MM")
    k.set_defaults(func=cmd_new)
    k = kinds.add_parser("recommendation", help="recommendations/<term>/<term>-<NNN>.md with the next free id")
    k.add_argument("--working-group", required=True, metavar="ID")
    k.add_argument("--term", type=int, help="committee term (default: current_term of committee.yml)")
    k.add_argument("--title")
    k.set_defaults(func=cmd_new)


def _add_set(sub) -> None:
    s = sub.add_parser("set", help="edit front-matter values in place, keeping everything else",
                       description="Round-trip edit: comments, key order, quoting, line endings and the "
                                   "body are kept. `key=` removes a key; `a.b=v` sets a nested value.")
    s.add_argument("path", metavar="PATH")
    s.add_argument("assignments", nargs="+", metavar="KEY=VALUE")
    s.set_defaults(func=cmd_set)


def _add_fix(sub) -> None:
    s = sub.add_parser("fix", help="repair pasted bullets, merged items, list indents, tabs and odd characters",
                       description="Apply the safe fixes for pasted-Word and plain-text mistakes in place "
                                   "(every other byte is kept) and print each change. With --check, change "
                                   "nothing: report what would change and exit 1 if anything would (for CI).")
    s.add_argument("paths", nargs="*", metavar="PATH", help="documents or folders (default: every document)")
    s.add_argument("--check", action="store_true", help="only report; exit 1 if anything would change")
    s.set_defaults(func=cmd_fix)


def _add_list(sub) -> None:
    from .fields import PAPER_STATUSES, REC_STATUSES

    s = sub.add_parser("list", help="query the collection")
    s.add_argument("--kind", choices=("paper", "recommendation"))
    s.add_argument("--status", choices=sorted(set(PAPER_STATUSES) | set(REC_STATUSES)))
    s.add_argument("--subcommittee", metavar="ID")
    s.add_argument("--working-group", metavar="ID")
    s.add_argument("--meeting", metavar="ID")
    s.add_argument("--format", choices=("table", "json"), default="table")
    s.set_defaults(func=cmd_list)


# The commands defined here, in the order `--help` lists them.
CORE_COMMANDS = {"check": _add_check, "rules": _add_rules, "schema": _add_schema, "new": _add_new,
                 "set": _add_set, "fix": _add_fix, "list": _add_list}

# Modules that add their own subcommands, with the commands each adds (listed after the core
# ones, in this order): each has `register(subparsers)`, and each parser it adds sets `func`
# to a function `(args) -> exit code`. A module is imported only when one of its commands runs
# (or for `--help`), so registering must stay cheap: argparse definitions, no heavy imports.
COMMAND_MODULES: dict[str, tuple[str, ...]] = {
    "issuepapers.pdf.commands": ("pdf", "book"),
    "issuepapers.site.commands": ("build", "serve"),
    "issuepapers.workflow.commands": ("history", "diff", "publish", "init", "codeowners"),
    "issuepapers.word.commands": ("import", "export"),
}


def command_in(argv: list[str]) -> str | None:
    """The command `argv` runs, when it is plain to see (`[--root DIR] COMMAND …`); else None."""
    rest = argv
    if rest[:1] == ["--root"]:
        rest = rest[2:]
    elif rest[:1] and rest[0].startswith("--root="):
        rest = rest[1:]
    name = rest[0] if rest else None
    if name in CORE_COMMANDS or any(name in names for names in COMMAND_MODULES.values()):
        return name
    return None


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command; with `command`, of that command only (what running it needs)."""
    import importlib

    p = argparse.ArgumentParser(prog="issuepapers",
                                description="Issue papers and recommendations: check, list, scaffold, edit, publish.")
    p.add_argument("--version", action="version", version=f"issuepapers {__version__}")
    p.add_argument("--root", help="the committee repository (default: nearest folder with committee.yml)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, add in CORE_COMMANDS.items():
        if command in (None, name):
            add(sub)
    for module, names in COMMAND_MODULES.items():
        if command is None or command in names:
            importlib.import_module(module).register(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(command_in(argv)).parse_args(argv)
    try:
        return args.func(args)
    except UsageError as exc:
        print(f"issuepapers: error: {exc}", file=sys.stderr)
        if exc.hint:
            print(f"  = hint: {exc.hint}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader went away (`issuepapers rules | head`): not an error
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing left to flush at exit
        return 0
    except OSError as exc:  # a folder that cannot be written, a disk that is full: the user's to fix
        where = f": {exc.filename}" if exc.filename else ""
        print(f"issuepapers: error: {exc.strerror or exc}{where}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def run() -> None:
    """The console script: `main`; after `check`, leave without freeing what was loaded, one object at a
    time (about 15 ms for 5,000 documents: a pre-commit hook pays it on every commit, for nothing)."""
    code = main()
    if command_in(sys.argv[1:]) == "check":
        import os

        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except BrokenPipeError:
            pass
        os._exit(code)
    raise SystemExit(code)
