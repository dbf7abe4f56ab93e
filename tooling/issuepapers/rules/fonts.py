"""Print rules: what the bundled PDF fonts can show."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from ..diagnostics import WARNING
from . import rule


# The Unicode cmap subtables, best first: fontTools' getBestCmap order (HarfBuzz's).
_CMAP_PREFERENCES = ((3, 10), (0, 6), (0, 4), (3, 1), (0, 3), (0, 2), (0, 1), (0, 0))


class _Unusual(Exception):
    """A font this small reader leaves to fontTools."""


def _u16(data: bytes, at: int) -> int:
    return int.from_bytes(data[at:at + 2], "big")


def _u32(data: bytes, at: int) -> int:
    return int.from_bytes(data[at:at + 4], "big")


def cmap_codes(data: bytes) -> set[int]:
    """Code points a TrueType/OpenType font maps to a glyph, read from its best Unicode cmap subtable.

    The same set as `fontTools.ttLib.TTFont(f).getBestCmap()` for a well-formed font, without
    loading fontTools (about 40 ms, on every `check` of a paper with a non-ASCII character).
    Raises _Unusual for what it does not read (collections, cmap formats other than 4 and 12,
    out-of-range data): the caller then asks fontTools.
    """
    if len(data) < 12 or data[:4] not in (b"\x00\x01\x00\x00", b"OTTO", b"true"):
        raise _Unusual("not a single TrueType/OpenType font")
    cmap = next((_u32(data, 12 + 16 * i + 8) for i in range(_u16(data, 4))
                 if data[12 + 16 * i:16 + 16 * i] == b"cmap"), None)
    if cmap is None:
        raise _Unusual("no cmap table")
    subtables = {}
    for i in range(_u16(data, cmap + 2)):
        rec = cmap + 4 + 8 * i
        subtables.setdefault((_u16(data, rec), _u16(data, rec + 2)), cmap + _u32(data, rec + 4))
    at = next((subtables[p] for p in _CMAP_PREFERENCES if p in subtables), None)
    if at is None:
        return set()
    fmt = _u16(data, at)
    codes: set[int] = set()
    if fmt == 4:
        n = _u16(data, at + 6) // 2
        ends, starts, deltas, offsets = (at + 14, at + 16 + 2 * n, at + 16 + 4 * n, at + 16 + 6 * n)
        end_of_table = at + _u16(data, at + 2)
        for i in range(n - 1):  # the last segment is the 0xFFFF sentinel
            start, end = _u16(data, starts + 2 * i), _u16(data, ends + 2 * i)
            delta, offset = _u16(data, deltas + 2 * i), _u16(data, offsets + 2 * i)
            for c in range(start, end + 1):
                if offset == 0:
                    gid = (c + delta) & 0xFFFF
                else:
                    where = offsets + 2 * i + offset + 2 * (c - start)
                    if where + 2 > end_of_table:
                        raise _Unusual("glyph index out of range")
                    gid = _u16(data, where)
                    gid = (gid + delta) & 0xFFFF if gid else 0
                if gid:
                    codes.add(c)
        return codes
    if fmt == 12:
        last_end = 0
        for i in range(_u32(data, at + 12)):
            start, end, gid = (_u32(data, at + 16 + 12 * i + k) for k in (0, 4, 8))
            if end > 0x10FFFF or start > end or start < last_end:
                raise _Unusual("irregular groups")
            last_end = end
            codes.update(range(start + (gid == 0), end + 1))  # glyph 0 maps nothing
        return codes
    raise _Unusual(f"cmap format {fmt}")


def _codes(path: Path) -> set[int]:
    try:
        return cmap_codes(path.read_bytes())
    except (_Unusual, IndexError, ValueError):
        from fontTools.ttLib import TTFont

        with TTFont(path, lazy=True) as font:
            return set(font.getBestCmap() or {})


@lru_cache(maxsize=8)
def _coverage(files: tuple[Path, ...]) -> frozenset[int]:
    """Code points every bundled font has (a character missing from the bold face prints as a box in bold)."""
    sets = []
    for f in files:
        try:
            sets.append(_codes(f))
        except Exception:  # noqa: BLE001 — a broken font file: the PDF build reports it
            continue
    return frozenset(set.intersection(*sets)) if sets else frozenset()


def _printable(ch: str) -> bool:
    import unicodedata

    return not (ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf"))


def _ascii(doc) -> bool:
    """The body and every text value are ASCII, which every font has."""
    src = doc.source
    if src.yaml_text is not None and src.text.isascii() and "\\" not in src.yaml_text:
        return True  # a file read as ASCII, whose front matter has no escape (`"\u2013"`), has ASCII values
    return doc.body.isascii() and all(v.isascii() for v in doc.values.values() if type(v) is str)


@rule("glyph-missing", WARNING, ("paper",))
def glyphs(doc, coll):
    """A paper's characters are all in the bundled PDF fonts; others print as empty boxes."""
    if coll.root is None or _ascii(doc):
        return  # the fast path
    from ..assets import font_files

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
