"""CODEOWNERS from the registry: each working group's folder is reviewed by its leads.

`issuepapers codeowners` writes a block between two marker lines; anything
outside the block (owners of the tooling, of committee.yml…) is the
committee's own and kept as it is. `check` compares the block with the
registry (rule `codeowners-stale`) when a CODEOWNERS file exists.
"""

from __future__ import annotations

import re
from pathlib import Path

BEGIN = "# BEGIN issuepapers: generated from committee.yml by `issuepapers codeowners`; edit the registry, not these lines"
END = "# END issuepapers"
# Where the forges look, in their order of precedence (GitHub: .github/, root, docs/; GitLab adds .gitlab/).
LOCATIONS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS")
_HANDLE = re.compile(r"^@?[A-Za-z0-9](?:[A-Za-z0-9._-]*)(?:/[A-Za-z0-9._-]+)?$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def find(root: Path) -> Path | None:
    """The CODEOWNERS file the forge would read, if any."""
    for loc in LOCATIONS:
        if (root / loc).is_file():
            return root / loc
    return None


def owner(handle: str) -> str | None:
    """A forge owner from a registry handle: `@user`, `@org/team` or an e-mail; None if not one."""
    handle = handle.strip()
    if _EMAIL.match(handle):
        return handle
    if _HANDLE.match(handle):
        return handle if handle.startswith("@") else "@" + handle
    return None


def block_lines(registry) -> list[str]:
    """The generated lines, between and including the markers."""
    lines = [BEGIN]
    for sc in sorted(registry.subcommittees.values(), key=lambda s: s.id):
        for wg in sorted(sc.working_groups.values(), key=lambda w: w.id):
            owners = list(dict.fromkeys(o for lead in wg.leads if lead.handle and (o := owner(lead.handle))))
            if owners:
                lines.append(f"/papers/{wg.id}/ {' '.join(owners)}")
            else:
                lines.append(f"# /papers/{wg.id}/ has no lead with a forge handle in committee.yml")
    lines.append(END)
    return lines


def render(existing: str | None, registry) -> str:
    """The file's new text: the generated block replacing the old one (or appended)."""
    block = "\n".join(block_lines(registry))
    if not existing:
        return ("# Reviewers by path. Lines outside the issuepapers block are yours to edit.\n\n"
                + block + "\n")
    lines = existing.replace("\r\n", "\n").split("\n")
    span = _span(lines)
    if span is None:
        return existing.rstrip("\n") + "\n\n" + block + "\n"
    start, end = span
    return "\n".join(lines[:start] + [block] + lines[end + 1:])


def _span(lines: list[str]) -> tuple[int, int] | None:
    start = next((i for i, line in enumerate(lines) if line.startswith("# BEGIN issuepapers")), None)
    if start is None:
        return None
    end = next((i for i in range(start + 1, len(lines)) if lines[i].strip() == END), None)
    return (start, end) if end is not None else None


def stale(text: str, registry) -> tuple[int, str] | None:
    """(line, reason) when the file's block differs from the registry; None when current."""
    lines = text.replace("\r\n", "\n").split("\n")
    span = _span(lines)
    if span is None:
        return 1, "CODEOWNERS has no issuepapers block, so working-group folders have no reviewers from committee.yml"
    start, end = span
    want = block_lines(registry)
    have = [line.rstrip() for line in lines[start:end + 1]]
    if have == want:
        return None
    for i, (a, b) in enumerate(zip(have, want)):
        if a != b:
            return start + i + 1, f"CODEOWNERS is stale: line reads {a!r}, committee.yml gives {b!r}"
    return start + min(len(have), len(want)), "CODEOWNERS is stale: it lists other working groups than committee.yml"


def write(root: Path, registry, path: Path | None = None) -> tuple[Path, bool]:
    """Write (or update) CODEOWNERS; (path, changed)."""
    from .fsutil import atomic_write

    path = path or find(root) or root / "CODEOWNERS"
    existing = path.read_text(encoding="utf-8") if path.is_file() else None
    new = render(existing, registry)
    if new == existing:
        return path, False
    atomic_write(path, new.encode("utf-8"))
    return path, True
