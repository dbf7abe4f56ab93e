"""Where templates, stylesheets, fonts and the logo come from: the committee's folder first, then the package's.

A committee overrides the defaults file by file, the way MkDocs' `custom_dir`
works: its `templates/` (or the folder `committee.templates` names in
committee.yml) is searched first, then the defaults shipped inside the package.
A committee with its own logo ships only `templates/assets/logo.svg`; one with
its own paper stylesheet ships only `templates/pdf/paper.css`.

The defaults are `issuepapers/templates/` in an installed wheel (hatchling
force-includes the project's top-level `templates/` there) and the project's
`templates/` in a source checkout or an editable install.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import UsageError

_HERE = Path(__file__).resolve().parent
# Installed wheel first; then the source tree (editable install, `make`).
_CANDIDATES = (_HERE / "templates", _HERE.parents[1] / "templates")
STYLESHEET = "pdf/paper.css"
FONT_SUFFIXES = (".ttf", ".otf")
DEFAULT_FOLDER = "templates"
# The logo slot: the first of these found in the chain, unless committee.yml names a file.
LOGO_NAMES = ("assets/logo.svg", "assets/logo.png")


def _package_templates() -> Path:
    for candidate in _CANDIDATES:
        if (candidate / STYLESHEET).is_file():
            return candidate
    # A broken install: say so once, plainly, wherever the defaults are first needed.
    return _CANDIDATES[0]


PACKAGE_TEMPLATES = _package_templates()


class TemplateMissing(UsageError):
    """A template or asset is in neither the committee's folder nor the package."""


@dataclass(frozen=True)
class Templates:
    """The folders searched for a template or asset, in order."""

    dirs: tuple[Path, ...]

    @classmethod
    def for_root(cls, root: Path, folder: str | None = None) -> "Templates":
        """The committee's folder (when it exists and lies inside `root`), then the package's defaults."""
        root = Path(root).resolve()
        own = (root / (folder or DEFAULT_FOLDER)).resolve()
        dirs = []
        if own.is_dir() and own.is_relative_to(root) and own != PACKAGE_TEMPLATES:
            dirs.append(own)
        dirs.append(PACKAGE_TEMPLATES)
        return cls(tuple(dirs))

    @property
    def package(self) -> Path:
        return self.dirs[-1]

    def find(self, rel: str) -> Path:
        """The first file at `rel` in the chain; TemplateMissing when none has it."""
        for d in self.dirs:
            path = d / rel
            if path.is_file():
                return path
        raise TemplateMissing(f"template {rel!r} not found in {', '.join(str(d) for d in self.dirs)}",
                              "restore it from the issuepapers package, or reinstall issuepapers")

    def get(self, rel: str) -> Path | None:
        try:
            return self.find(rel)
        except TemplateMissing:
            return None

    def subdirs(self, sub: str) -> list[Path]:
        return [d / sub for d in self.dirs if (d / sub).is_dir()]

    def files(self, sub: str) -> dict[str, Path]:
        """Every file under `sub` in the chain, as rel path → the file that wins."""
        found: dict[str, Path] = {}
        for base in reversed(self.subdirs(sub)):
            for f in base.rglob("*"):
                if f.is_file() and "__pycache__" not in f.parts:
                    found[f"{sub}/{f.relative_to(base).as_posix()}"] = f
        return dict(sorted(found.items()))

    def fallback(self, path: Path) -> Path | None:
        """`path` under one folder of the chain, found where the chain has it (for stylesheet-relative URLs)."""
        for d in self.dirs:
            if path.is_relative_to(d):
                return self.get(path.relative_to(d).as_posix())
        return None

    def jinja(self, sub: str, **options):
        """A Jinja environment over `sub/` of every folder in the chain (committee first)."""
        import jinja2

        loaders = [jinja2.FileSystemLoader(str(p)) for p in self.subdirs(sub)]
        return jinja2.Environment(loader=jinja2.ChoiceLoader(loaders), **options)

    def digest(self, subs: tuple[str, ...]) -> str:
        """Hash of the winning files under `subs`: what an output made from them depends on."""
        import hashlib  # here: `check` reads the font list from this module, and never hashes

        h = hashlib.sha256()
        for sub in subs:
            for rel, f in self.files(sub).items():
                h.update(rel.encode() + b"\0" + hashlib.sha256(f.read_bytes()).digest())
        return h.hexdigest()

    def fonts(self) -> list[Path]:
        """The bundled fonts the PDFs print with (never the system's): the committee's, else the package's."""
        for folder in self.subdirs("fonts"):
            found = sorted(p for p in folder.iterdir() if p.suffix.lower() in FONT_SUFFIXES)
            if found:
                return found
        return []

    def fonts_dir(self) -> Path:
        fonts = self.fonts()
        return fonts[0].parent if fonts else self.package / "fonts"

    def logo(self) -> Path | None:
        for name in LOGO_NAMES:
            found = self.get(name)
            if found:
                return found
        return None


def templates_for(root: Path, registry=None) -> Templates:
    """The template chain of the committee at `root` (its registry may name another folder)."""
    folder = getattr(getattr(registry, "committee", None), "templates", None)
    return Templates.for_root(root, folder)


def font_files(root: Path, registry=None) -> list[Path]:
    """The bundled fonts the PDFs are printed with (never the system's)."""
    return templates_for(root, registry).fonts()
