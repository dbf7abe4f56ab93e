"""The only way a rendered paper reaches a byte outside its own HTML.

Papers come from many hands, so WeasyPrint gets this fetcher and no other:
`data:` URLs, and `file:` URLs that resolve (symlinks followed) to a file of an
allowed kind inside one of the repository's asset roots. Everything else —
http(s), ftp, `file:` anywhere else, `..` escapes, symlinks pointing out — is
refused without touching the network or the file, and recorded so that the
paper fails with a diagnostic instead of printing with a hole in it.
"""

from __future__ import annotations

import base64
import urllib.parse
from pathlib import Path
from urllib.request import url2pathname

from weasyprint.urls import URLFetcher, URLFetcherResponse

# File kinds a paper or the templates may pull in: images, fonts, stylesheets.
ALLOWED_SUFFIXES = {
    ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
    ".webp": "image/webp", ".svg": "image/svg+xml",
    ".ttf": "font/ttf", ".otf": "font/otf", ".woff": "font/woff", ".woff2": "font/woff2",
    ".css": "text/css",
}
MAX_BYTES = 20 * 1024 * 1024


class FetchRefused(ValueError):
    """A URL outside the sandbox."""


class SandboxFetcher(URLFetcher):
    """A WeasyPrint URL fetcher confined to `data:` and files under `roots`."""

    def __init__(self, roots: list[Path] | tuple[Path, ...], fallback=None):
        super().__init__(timeout=1, allowed_protocols=("data", "file"), allow_redirects=False)
        self.roots = tuple(Path(r).resolve() for r in roots)
        # A committee that overrides one template file: URLs relative to it (fonts beside the
        # stylesheet) are looked up in the rest of the template chain.
        self.fallback = fallback
        self.refused: list[tuple[str, str]] = []  # (url, reason), for the current document

    def reset(self) -> None:
        self.refused = []

    def _refuse(self, url: str, reason: str):
        self.refused.append((url, reason))
        raise FetchRefused(f"refused {url[:200]!r}: {reason}")

    def inside(self, path: Path) -> bool:
        return any(path == r or path.is_relative_to(r) for r in self.roots)

    def fetch(self, url, headers=None):  # noqa: ARG002 (WeasyPrint's signature)
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme == "data":
            return self._data(url)
        if scheme != "file":
            return self._refuse(url, f"{scheme or 'relative'} URLs are not allowed (data: and asset files only)")
        parsed = urllib.parse.urlsplit(url)
        if parsed.netloc not in ("", "localhost"):
            return self._refuse(url, "remote file URLs are not allowed")
        try:
            path = Path(url2pathname(urllib.parse.unquote(parsed.path))).resolve()
        except (OSError, RuntimeError, ValueError):
            return self._refuse(url, "unreadable path")
        if not self.inside(path):
            return self._refuse(url, "outside the repository's asset roots")
        if not path.exists() and self.fallback is not None:
            path = (self.fallback(path) or path).resolve()
            if not self.inside(path):
                return self._refuse(url, "outside the repository's asset roots")
        if not path.exists():
            return self._refuse(url, "no such file")
        mime = ALLOWED_SUFFIXES.get(path.suffix.lower())
        if mime is None:
            return self._refuse(url, f"{path.suffix or 'extensionless'} files are not assets")
        if not path.is_file():
            return self._refuse(url, "not a regular file")
        if path.stat().st_size > MAX_BYTES:
            return self._refuse(url, "file too large")
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": mime})

    def _data(self, url: str):
        head, sep, payload = url.partition(",")
        if not sep:
            return self._refuse(url, "malformed data: URL")
        params = head[5:].split(";")
        mime = params[0].strip().lower() or "text/plain"
        try:
            if "base64" in (p.strip().lower() for p in params[1:]):
                body = base64.b64decode(urllib.parse.unquote(payload), validate=False)
            else:
                body = urllib.parse.unquote_to_bytes(payload)
        except ValueError:
            return self._refuse(url, "malformed data: URL")
        if len(body) > MAX_BYTES:
            return self._refuse(url, "data: URL too large")
        return URLFetcherResponse(url, body, {"Content-Type": mime})

    # WeasyPrint calls the fetcher; urllib's machinery behind URLFetcher is never used.
    def open(self, url, data=None, timeout=None):  # noqa: ARG002
        return self.fetch(getattr(url, "full_url", url))

    def __call__(self, url):
        return self.fetch(url)

