"""`issuepapers build` and `issuepapers serve`: the site, with the shipped mkdocs.yml."""

from __future__ import annotations

from pathlib import Path

from ..errors import UsageError


def _config_file(args) -> tuple[Path, Path]:
    from ..collection import committee_root

    root = committee_root(args.root)
    config = Path(args.config_file).resolve() if args.config_file else root / "mkdocs.yml"
    if not config.is_file():
        raise UsageError(f"no {config.name} at {config.parent}", "pass --config-file, or add mkdocs.yml")
    return root, config


def _pdf(args) -> bool | None:
    return False if args.no_pdf else None


def cmd_build(args) -> int:
    from .build import run_build, write_markdown

    root, config = _config_file(args)
    if args.markdown_out:
        return write_markdown(root, config, Path(args.markdown_out).resolve(), pdf=not args.no_pdf)
    site_dir = Path(args.site_dir).resolve() if args.site_dir else None
    return run_build(config, site_dir, strict=args.strict, pdf=_pdf(args), verbose=args.verbose,
                     preview=True if args.preview else None)


def cmd_serve(args) -> int:
    from .build import run_serve

    _, config = _config_file(args)
    return run_serve(config, args.dev_addr, pdf=_pdf(args), open_browser=args.open)


def register(sub) -> None:
    s = sub.add_parser("build", help="build the website (pages, indexes, tracker, calendar, feeds, PDFs)",
                       description="Build the site with the repository's mkdocs.yml, atomically: the "
                                   "previous site stays whole until the new one is complete. A document "
                                   "with `check` errors fails the build (exit 1).")
    s.add_argument("--config-file", metavar="FILE", help="mkdocs.yml to use (default: the root's)")
    s.add_argument("--site-dir", metavar="DIR", help="output folder (default: site_dir of mkdocs.yml)")
    s.add_argument("--strict", action="store_true", help="warnings also fail the build")
    s.add_argument("--no-pdf", action="store_true", help="skip PDFs and meeting books")
    s.add_argument("--preview", action="store_true",
                   help="the members' preview: every paper whatever its status, drafts watermarked, every "
                        "page bannered \"Preview — not for public release\" (default: the public site)")
    s.add_argument("--markdown-out", metavar="DIR",
                   help="write the generated Markdown pages and data files to DIR instead of building "
                        "(for a site generator that runs no MkDocs plugin, e.g. Zensical)")
    s.add_argument("-v", "--verbose", action="store_true", help="show MkDocs' info messages")
    s.set_defaults(func=cmd_build)

    s = sub.add_parser("serve", help="preview the site with live reload",
                       description="mkdocs serve with the issuepapers plugin; rebuilds when a paper, a "
                                   "recommendation, committee.yml or a template changes.")
    s.add_argument("--config-file", metavar="FILE", help="mkdocs.yml to use (default: the root's)")
    s.add_argument("-a", "--dev-addr", metavar="IP:PORT", help="address to serve on (default 127.0.0.1:8000)")
    s.add_argument("--no-pdf", action="store_true", help="skip PDFs and meeting books")
    s.add_argument("--open", action="store_true", help="open the site in a browser")
    s.set_defaults(func=cmd_serve)
