"""The incremental cache: one content hash per output, kept under .cache/pdf.

A key covers everything that shapes the bytes of a PDF: the HTML made from the
paper and its registry entry (which carries the labels, the draft state, the
timestamps and the "Revision N" of its publish tags, so a new publication
renders again), the local images it shows, and the engine digest (package and
WeasyPrint versions, templates, stylesheet, fonts, assets). An output is
rendered again only when its key changed or its file is gone.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from ..fsutil import atomic_write

CACHE_DIR = Path(".cache") / "pdf"


def content_key(engine_digest: str, html: str, base_dir: Path, local_sources: list[str]) -> str:
    h = hashlib.sha256(engine_digest.encode() + b"\0" + html.encode("utf-8"))
    for src in sorted(set(local_sources)):
        path = (base_dir / src.split("#", 1)[0].split("?", 1)[0])
        h.update(b"\0" + src.encode())
        try:
            h.update(hashlib.sha256(path.read_bytes()).digest())
        except OSError:
            h.update(b"missing")
    return h.hexdigest()


class Manifest:
    """Output path (relative to its output folder) → content key, for one output folder."""

    def __init__(self, root: Path, out_dir: Path):
        tag = hashlib.sha256(str(out_dir.resolve()).encode()).hexdigest()[:16]
        self.path = root / CACHE_DIR / f"manifest-{tag}.json"
        self.out_dir = out_dir
        try:
            saved = json.loads(self.path.read_text(encoding="utf-8"))
            self.entries: dict[str, str] = dict(saved["outputs"])
            self.pages: dict[str, int] = {k: v for k, v in saved.get("pages", {}).items() if isinstance(v, int)}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            self.entries, self.pages = {}, {}
        self.dirty = False

    def fresh(self, rel: str, key: str) -> bool:
        return self.entries.get(rel) == key and (self.out_dir / rel).is_file()

    def set(self, rel: str, key: str, pages: int = 0) -> None:
        self.entries[rel] = key
        if pages:
            self.pages[rel] = pages  # kept so an up-to-date PDF's length is known without reading it
        self.dirty = True

    def drop(self, rel: str) -> None:
        self.pages.pop(rel, None)
        if self.entries.pop(rel, None) is not None:
            self.dirty = True

    def save(self) -> None:
        if self.dirty:
            data = {"out_dir": str(self.out_dir.resolve()), "outputs": dict(sorted(self.entries.items())),
                    "pages": {k: v for k, v in sorted(self.pages.items()) if k in self.entries}}
            atomic_write(self.path, (json.dumps(data, indent=1) + "\n").encode())
            self.dirty = False
