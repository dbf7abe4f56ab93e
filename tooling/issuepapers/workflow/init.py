"""`issuepapers init [DIR]`: a new committee repository that passes `check` and builds.

What it writes (from `skeleton/` in this package, plus the product's
templates when they can be found):

    committee.yml                       the registry: one subcommittee, one working group, one meeting
    mkdocs.yml                          the site, built by the issuepapers plugin
    papers/example-working-group/<YYYY-MM>.md   an example paper (draft) for that meeting
    docs/index.md, docs/contribute.md   the hand-written pages
    templates/scaffolds/                what `issuepapers new` starts from
    templates/{pdf,fonts,assets,site}/  PDF layout, bundled fonts, logo, site overrides (when found)
    requirements.txt                    the tooling version CI installs
    .pre-commit-config.yaml             `issuepapers check` before each commit
    .github/workflows/issuepapers.yml   CI: `issuepapers check --format github`, then `mkdocs build`
    CODEOWNERS                          from the registry's leads (`issuepapers codeowners`)
    .gitignore

and runs `git init` unless told not to. It never writes into a non-empty folder.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import jinja2

from .. import __version__
from ..errors import UsageError
from ..fsutil import atomic_write

SKELETON = Path(__file__).with_name("skeleton")
# skeleton file → path in the new repository; `.j2` files are rendered with the context.
FILES = {
    "committee.yml.j2": "committee.yml",
    "mkdocs.yml.j2": "mkdocs.yml",
    "papers/example-paper.md.j2": "papers/example-working-group/{meeting_id}.md",
    "docs/index.md.j2": "docs/index.md",
    "docs/contribute.md": "docs/contribute.md",
    "requirements.txt.j2": "requirements.txt",
    "pre-commit-config.yaml": ".pre-commit-config.yaml",
    "github/workflows/issuepapers.yml": ".github/workflows/issuepapers.yml",
    "gitignore": ".gitignore",
    "templates/scaffolds/paper.md.j2": "templates/scaffolds/paper.md.j2",  # copied, not rendered
    "templates/scaffolds/recommendation.md.j2": "templates/scaffolds/recommendation.md.j2",
}
RENDERED = {k for k in FILES if k.endswith(".j2") and not k.startswith("templates/")}
PRODUCT_TEMPLATE_DIRS = ("pdf", "fonts", "assets", "site")


def product_templates() -> Path | None:
    """The issuepapers project's templates/ (PDF layout, fonts, site overrides), if installed or checked out."""
    here = Path(__file__).resolve()
    for candidate in (here.parents[1] / "templates", here.parents[3] / "templates"):
        if (candidate / "pdf").is_dir():
            return candidate
    return None


def _months_later(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.month - 1 + months, 12)
    return dt.date(day.year + y, m + 1, 1)


def init(target: Path, *, name: str, short_name: str, agency: str, today: dt.date | None = None,
         git_init: bool = True) -> list[str]:
    """Create the repository at `target`; the relative paths written."""
    target = Path(target)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise UsageError(f"{target} exists and is not empty", "pick a new folder: `issuepapers init NEW-FOLDER`")
    today = today or dt.date.today()
    meeting = _months_later(today, 2).replace(day=15)
    templates = product_templates()
    copied = [d for d in PRODUCT_TEMPLATE_DIRS if templates and (templates / d).is_dir()]
    logo = "templates/assets/logo-placeholder.svg" if templates and (
        templates / "assets" / "logo-placeholder.svg").is_file() else None
    context = {
        "name": name, "short_name": short_name, "agency": agency, "version": __version__,
        "term_start": dt.date(today.year, 1, 1).isoformat(),
        "term_end": dt.date(today.year + 2, 12, 31).isoformat(),
        "meeting_id": meeting.strftime("%Y-%m"), "meeting_date": meeting.isoformat(),
        "custom_dir": "templates/site" if "site" in copied else None, "logo": logo,
    }
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(SKELETON)), autoescape=False,
                             keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for src, dest in FILES.items():
        rel = dest.format(**context)
        if src in RENDERED:
            data = env.get_template(src).render(**context).encode("utf-8")
        else:
            data = (SKELETON / src).read_bytes()
        atomic_write(target / rel, data)
        written.append(rel)
    for d in copied:
        shutil.copytree(templates / d, target / "templates" / d,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".*"))
        written.append(f"templates/{d}/")

    from ..registry import load_registry
    from .codeowners import write as write_codeowners

    registry = load_registry(target)
    write_codeowners(target, registry, target / "CODEOWNERS")
    written.append("CODEOWNERS")
    if git_init:
        from . import git

        if shutil.which("git"):
            git.run(target, "init", "-q")
            written.append(".git/")
    return sorted(written)
