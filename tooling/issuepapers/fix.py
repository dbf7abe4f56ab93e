"""`issuepapers fix`: the safe fixes for pasted-Word and plain-text mistakes, in place.

What `check` reports under `pasted-bullet`, `list-item-merged`, `list-indent`,
`body-tab` and `invisible-character` is repaired here with the edits the
rules themselves describe (`rules.paste`): bullets become `- ` items after a
blank line, lettered items get lines of their own (or nest under their list
item), sub-items are indented 4 spaces, a tab-indented paragraph loses its
tab, and ids and listed values lose their no-break spaces and curly quotes.
Every other byte stays as it was (line endings, a byte-order mark, the rest
of the front matter); files are written atomically; fixing twice changes
nothing the second time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .fsutil import atomic_write
from .load import parse
from .rules.paste import ODD_CHARACTERS, analyse, odd_values

_NEWLINE = re.compile(r"(\r\n|\n|\r)")


@dataclass(frozen=True)
class Change:
    line: int  # 1-based, in the file as it was
    rule: str
    message: str


def _lines(text: str) -> tuple[list[str], list[str]]:
    """The lines of `text` and the line ending after each ("" after the last)."""
    parts = _NEWLINE.split(text)
    return parts[0::2], parts[1::2] + [""]


def fix_bytes(raw: bytes, kind) -> tuple[bytes, list[Change]]:
    """`raw` with the safe fixes made, and what changed; `raw` itself when nothing needs fixing."""
    bom = b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b""
    try:
        text = raw[len(bom):].decode("utf-8")
    except UnicodeDecodeError:
        return raw, []
    src = parse("", raw)
    if not src.front_matter_end:
        return raw, []  # no front matter we can find: nothing is touched
    lines, ends = _lines(text)
    newline = next((e for e in ends if e), "\n")
    replace: dict[int, str] = {}  # 0-based file line -> new text
    blank_before: set[int] = set()
    changes: list[Change] = []

    # Front matter: odd characters in ids and listed values.
    if src.data is not None and kind is not None:
        doc = kind.from_source(src)
        for path, value, _ in odd_values(doc):
            line, col = src.at(*path)
            idx = line - 1
            current = replace.get(idx, lines[idx])
            head, tail = current[:col - 1], current[col - 1:]
            new_tail = "".join(ODD_CHARACTERS.get(ch, ch) for ch in tail)
            new = (head + new_tail).rstrip(" ") if new_tail != tail else current
            if new != current:
                replace[idx] = new
                changes.append(Change(line, "invisible-character",
                                      f"`{'.'.join(map(str, path))}`: replaced invisible or typographic characters"))

    # Body: the edits the paste rules describe.
    first = src.body_line - 1  # 0-based file line of the body's first line
    for issue in analyse(src.body):
        for edit in issue.edits:
            idx = first + edit.line
            if edit.text is not None:
                replace[idx] = edit.text
            if edit.blank_before and idx > 0 and (replace.get(idx - 1, lines[idx - 1]).strip()):
                blank_before.add(idx)
        changes.append(Change(first + issue.line + 1, issue.rule, issue.fixed))
    if not replace and not blank_before:
        return raw, []
    out = []
    for idx, (line, end) in enumerate(zip(lines, ends)):
        if idx in blank_before:
            out.append(newline)
        out.append(replace.get(idx, line))
        out.append(end)
    new = bom + "".join(out).encode("utf-8")
    if new == raw:
        return raw, []
    return new, sorted(changes, key=lambda c: c.line)


def fix_file(path: Path, kind, write: bool = True) -> list[Change]:
    """Fix `path` in place (atomically) unless `write` is false; what changed (or would)."""
    raw = path.read_bytes()
    new, changes = fix_bytes(raw, kind)
    if write and new != raw:
        atomic_write(path, new)
    return changes


def documents(root: Path, paths: list[str]) -> list[str]:
    """Repository-relative paths of the documents to fix: all of them, or those given (files or folders).

    Files are repository documents only, as for `set`; a folder stands for the documents under it.
    """
    from .collection import (
        CONTENT_ROOTS,
        discover,
        document_arg,
        inside_repository,
        relpath,
    )
    from .errors import UsageError

    every = [relpath(root, p) for p in discover(root)]
    if not paths:
        return every
    out: list[str] = []
    for raw in paths:
        p = Path(raw)
        if not p.exists():
            raise UsageError(f"no such file or directory: {raw}")
        if p.is_dir():
            base = inside_repository(root, raw).rstrip("/")
            out += [d for d in every if base in (".", "") or d.startswith(base + "/")]
        else:
            out.append(document_arg(root, raw, tuple(CONTENT_ROOTS)))
    return list(dict.fromkeys(out))


def fix_paths(root: Path, rels: list[str], write: bool = True) -> list[tuple[str, Change]]:
    """(path, change) of every fix made (or, without `write`, that would be made) in these documents."""
    from .collection import kind_of

    out = []
    for rel in rels:
        for change in fix_file(Path(root) / rel, kind_of(rel), write):
            out.append((rel, change))
    return out
