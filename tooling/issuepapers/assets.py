"""Where the templates, stylesheets and bundled fonts are: the repository's own, else the project's."""

from __future__ import annotations

from pathlib import Path

PACKAGE_TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
STYLESHEET = "pdf/paper.css"
FONT_SUFFIXES = (".ttf", ".otf")


def templates_dir(root: Path) -> Path:
    """The repository's templates/ when it has the PDF templates, else the ones shipped with the package."""
    own = root / "templates"
    return own if (own / STYLESHEET).is_file() else PACKAGE_TEMPLATES


def font_files(root: Path) -> list[Path]:
    """The bundled fonts the PDFs are printed with (never the system's)."""
    folder = templates_dir(root) / "fonts"
    return sorted(p for p in folder.glob("*") if p.suffix.lower() in FONT_SUFFIXES) if folder.is_dir() else []
