"""Print rules: what the bundled PDF fonts can show."""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

from ..assets import font_files
from ..diagnostics import WARNING
from . import rule


@lru_cache(maxsize=8)
def _coverage(files: tuple[Path, ...]) -> frozenset[int]:
    """Code points every bundled font has (a character missing from the bold face prints as a box in bold)."""
    from fontTools.ttLib import TTFont

    sets = []
    for f in files:
        try:
            with TTFont(f, lazy=True) as font:
                sets.append(set(font.getBestCmap() or {}))
        except Exception:  # noqa: BLE001 — a broken font file: the PDF build reports it
            continue
    return frozenset(set.intersection(*sets)) if sets else frozenset()


def _printable(ch: str) -> bool:
    return not (ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf"))


@rule("glyph-missing", WARNING, ("paper",))
def glyphs(doc, coll):
    """A paper's characters are all in the bundled PDF fonts; others print as empty boxes."""
    if coll.root is None or (doc.body.isascii() and all(
            v.isascii() for v in doc.values.values() if type(v) is str)):
        return  # the fast path: every font has ASCII
    texts = [(None, doc.body)] + [(k, v) for k, v in doc.values.items() if isinstance(v, str)]
    files = tuple(font_files(Path(coll.root), coll.registry))
    if not files:
        return
    covered = _coverage(files)
    for key, text in texts:
        missing = sorted({ch for ch in text if ord(ch) > 127 and ord(ch) not in covered and _printable(ch)})
        if not missing:
            continue
        first = min(text.index(ch) for ch in missing)
        if key is None:
            line = doc.source.body_line + text.count("\n", 0, first)
            pos = (line, first - (text.rfind("\n", 0, first) + 1) + 1)
        else:
            pos = doc.source.at(key)
        shown = ", ".join(f"{ch!r} (U+{ord(ch):04X})" for ch in missing[:6]) + (" …" if len(missing) > 6 else "")
        where = "the body" if key is None else f"`{key}`"
        yield pos, f"{where} has characters the PDF fonts lack: {shown}", \
            "they print as empty boxes; write them out (e.g. in Latin script) or add a font that has them"
