"""`issuepapers init [DIR]`: a new committee repository that passes `check`, builds `--strict`, and
whose CI installs the tooling, checks, builds and deploys the site on a real forge.

What it writes (from `skeleton/` in this package, plus the few package defaults a committee edits):

    committee.yml                       the registry: one subcommittee, one working group, one meeting
    mkdocs.yml                          the site, built by the issuepapers plugin (site_url to fill in)
    papers/example-working-group/<YYYY-MM>.md   an example paper (draft) for that meeting
    docs/index.md, docs/contribute.md   the hand-written pages
    templates/scaffolds/*.md.j2         what `issuepapers new` starts from (copied from the package)
    templates/assets/logo.svg           the logo slot (the package's placeholder)
    templates/README.md                 which other defaults can be overridden there, file by file
    requirements.txt                    the pinned tooling CI installs (`--requirement`)
    .pre-commit-config.yaml             `issuepapers check` before each commit
    .github/workflows/issuepapers.yml   CI for GitHub Actions (`--forge github`, the default), or
    .gitlab-ci.yml                      CI for GitLab (`--forge gitlab`)
    CODEOWNERS                          from the registry's leads (`issuepapers codeowners`)
    .gitignore

The PDF templates, fonts and site overrides are not copied: they come from the
installed package, and the committee overrides them one file at a time (see
`assets.Templates`). Unless told not to, the folder becomes a git repository on
branch `main` with one commit. It never writes into a non-empty folder, and a
failure leaves nothing behind: the repository is made in a sibling temp folder
and moved into place at the end.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import shutil
from pathlib import Path

import jinja2

from .. import __version__
from ..assets import PACKAGE_TEMPLATES
from ..errors import UsageError
from ..fsutil import atomic_write

SKELETON = Path(__file__).with_name("skeleton")
FORGES = ("github", "gitlab")
BRANCH = "main"
# skeleton file → path in the new repository; `.j2` files are rendered with the context.
FILES = {
    "committee.yml.j2": "committee.yml",
    "mkdocs.yml.j2": "mkdocs.yml",
    "papers/example-paper.md.j2": "papers/example-working-group/{meeting_id}.md",
    "docs/index.md.j2": "docs/index.md",
    "docs/contribute.md": "docs/contribute.md",
    "requirements.txt.j2": "requirements.txt",
    "pre-commit-config.yaml": ".pre-commit-config.yaml",
    "gitignore": ".gitignore",
    "templates/README.md.j2": "templates/README.md",
}
# The CI file of each forge (copied verbatim: GitHub's `${{ }}` is not Jinja).
CI_FILES = {
    "github": ("ci/github.yml", ".github/workflows/issuepapers.yml"),
    "gitlab": ("ci/gitlab.yml", ".gitlab-ci.yml"),
}
# What a committee is expected to edit, copied from the package's defaults (all else stays there).
COPIED_DEFAULTS = ("scaffolds", "assets/logo.svg")
# The identity of the first commit when git has none configured (no user.name / user.email).
FALLBACK_IDENTITY = {"user.name": "issuepapers init", "user.email": "init@issuepapers.invalid"}


def default_requirement() -> str:
    """What requirements.txt pins by default: this very version, from the package index."""
    return f"issuepapers=={__version__}"


def _months_later(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.month - 1 + months, 12)
    return dt.date(day.year + y, m + 1, 1)


def _package_defaults() -> list[str]:
    """Every default file the package ships under templates/, as relative paths."""
    return sorted(p.relative_to(PACKAGE_TEMPLATES).as_posix() for p in PACKAGE_TEMPLATES.rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts and not p.name.startswith("."))


def _copied_defaults() -> list[str]:
    found = []
    for item in COPIED_DEFAULTS:
        src = PACKAGE_TEMPLATES / item
        if src.is_dir():
            found += [f"{item}/{p.relative_to(src).as_posix()}" for p in sorted(src.rglob("*")) if p.is_file()
                      and "__pycache__" not in p.parts]
        elif src.is_file():
            found.append(item)
        else:
            raise UsageError(f"the installed issuepapers package lacks templates/{item} ({PACKAGE_TEMPLATES})",
                             "reinstall issuepapers")
    return found


def _check_requirement(spec: str) -> str:
    spec = spec.strip()
    if not spec or "\n" in spec or "\r" in spec:
        raise UsageError(f"--requirement must be one requirement line, got {spec!r}",
                         "e.g. issuepapers==0.2.0, or 'issuepapers @ git+https://…/issuepapers@v0.2.0'")
    return spec


def init(target: Path, *, name: str, short_name: str, agency: str, forge: str = "github",
         requirement: str | None = None, today: dt.date | None = None, git_init: bool = True) -> list[str]:
    """Create the repository at `target`; the relative paths written (`.git/` when committed)."""
    target = Path(target)
    if forge not in FORGES:
        raise UsageError(f"unknown forge {forge!r}", f"one of: {', '.join(FORGES)}")
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise UsageError(f"{target} exists and is not empty", "pick a new folder: `issuepapers init NEW-FOLDER`")
    requirement = _check_requirement(requirement) if requirement is not None else default_requirement()
    if git_init and not shutil.which("git"):
        raise UsageError("git is not installed", "install git, or pass --no-git")
    today = today or dt.date.today()
    meeting = _months_later(today, 2).replace(day=15)
    context = {
        "name": name, "short_name": short_name, "agency": agency, "version": __version__,
        "forge": forge, "requirement": requirement,
        "term_start": dt.date(today.year, 1, 1).isoformat(),
        "term_end": dt.date(today.year + 2, 12, 31).isoformat(),
        "meeting_id": meeting.strftime("%Y-%m"), "meeting_date": meeting.isoformat(),
        "defaults": _package_defaults(),
    }
    copied = _copied_defaults()

    parent = target.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    work = parent / f".{target.resolve().name}.init-{secrets.token_hex(4)}"
    work.mkdir()  # (not mkdtemp: the folder keeps the user's umask, not 0700)
    try:
        written = _write(work, context, copied)
        if git_init:
            _commit(work)
            written.append(".git/")
        _move_into_place(work, target)
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
    return sorted(written)


def _write(root: Path, context: dict, copied: list[str]) -> list[str]:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(SKELETON)), autoescape=False,
                             keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
    written = []
    for src, dest in FILES.items():
        rel = dest.format(**context)
        if src.endswith(".j2"):
            data = env.get_template(src).render(**context).encode("utf-8")
        else:
            data = (SKELETON / src).read_bytes()
        atomic_write(root / rel, data)
        written.append(rel)
    src, dest = CI_FILES[context["forge"]]
    atomic_write(root / dest, (SKELETON / src).read_bytes())
    written.append(dest)
    for rel in copied:
        atomic_write(root / "templates" / rel, (PACKAGE_TEMPLATES / rel).read_bytes())
        written.append(f"templates/{rel}")

    from ..codeowners import write as write_codeowners
    from ..registry import load_registry

    write_codeowners(root, load_registry(root), root / "CODEOWNERS")
    written.append("CODEOWNERS")
    return written


def _commit(root: Path) -> None:
    """`git init` on branch main, everything added, one commit (with a fixed identity when git has none).

    Through GitPython's command object with the workflow's pinned environment
    (`history.git`): no prompt, no editor; the user's configuration applies.
    """
    from ..history.errors import GitFailed
    from ..history.git import PinnedGit, run

    git = PinnedGit(root, write=True)
    try:
        run(git, "init", "-q", error=GitFailed)
        run(git, "symbolic-ref", "HEAD", f"refs/heads/{BRANCH}", error=GitFailed)  # `init -b` needs git 2.28
        run(git, "add", "-A", error=GitFailed)
        identity = {}
        for key, fallback in FALLBACK_IDENTITY.items():
            status, out, _ = git.config(key, with_extended_output=True, with_exceptions=False)
            if status != 0 or not out.strip():
                identity[key] = fallback
        if identity:
            git.set_persistent_git_options(c=[f"{k}={v}" for k, v in identity.items()])
        run(git, "commit", "-q", "-m", f"Start the committee repository (issuepapers {__version__} init)",
            error=GitFailed)
    except GitFailed as exc:
        raise GitFailed(f"could not make the first commit: {exc}",
                        "fix git's configuration (e.g. commit signing) and run init again, "
                        "or pass --no-git and commit yourself") from None


def _move_into_place(work: Path, target: Path) -> None:
    if not target.exists():
        os.replace(work, target)
        return
    for entry in sorted(work.iterdir()):  # an empty folder that exists (e.g. `init .`)
        os.replace(entry, target / entry.name)
