"""Round-trip front-matter edits (`set`, `publish`): only the edited values change.

ruamel.yaml keeps comments, key order and quoting of the front matter; the
body's bytes, the BOM and the line endings are carried over untouched.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString

from .errors import UsageError
from .fields import Field, Problem, coerce, did_you_mean
from .diagnostics import ERROR
from .fsutil import atomic_write
from .load import parse

_OPEN = re.compile(rb"\A(\xef\xbb\xbf)?---[ \t]*(\r\n|\n|\r)")
_CLOSE = re.compile(rb"^(?:---|\.\.\.)[ \t\r]*$", re.MULTILINE)


class EditError(Exception):
    """An edit that cannot be made; reported as a diagnostic, nothing written."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.hint = hint


def _split(raw: bytes) -> tuple[bytes, bytes, bytes, str]:
    """(opening line, front matter, closing line and body, newline) of a document."""
    m = _OPEN.match(raw)
    if not m:
        raise EditError("no front matter at the top of the file")
    nl = m.group(2).decode()
    close = _CLOSE.search(raw, m.end())
    if not close:
        raise EditError("front matter is never closed")
    return raw[: m.end()], raw[m.end(): close.start()], raw[close.start():], nl


def _indent_style(text: str) -> tuple[int, int, int]:
    """(mapping, sequence, offset) indents as the file already uses them."""
    mapping, seq, offset = 2, 4, 2
    lines = text.split("\n")
    for i, line in enumerate(lines[:-1]):
        m = re.match(r"^( *)[^\s#-][^:]*:\s*$", line)
        if not m:
            continue
        nxt = lines[i + 1]
        n = re.match(r"^( *)(- )?", nxt)
        base, inner = len(m.group(1)), len(n.group(1))
        if n.group(2):
            offset = max(inner - base, 0)
            seq = offset + 2
            break
        if inner > base:
            mapping = inner - base
    return mapping, seq, offset


def _typed(spec: Field | None, raw: str, old: Any) -> Any:
    if spec is None:
        return raw
    if spec.kind == "int":
        try:
            return int(raw)
        except ValueError:
            raise EditError(f"`{spec.name}` must be a whole number, got {raw!r}") from None
    if spec.kind == "date":
        try:
            return coerce("date", raw)
        except Problem as p:
            raise EditError(f"`{spec.name}`: {p.message}", p.hint) from None
    if spec.kind == "list":
        items = list_items(raw)
        try:
            coerce("list", items, item=spec.item)
        except Problem as p:
            raise EditError(f"`{spec.name}`: {p.message}", p.hint) from None
        seq = CommentedSeq(items)
        if isinstance(old, CommentedSeq) and old.fa.flow_style():
            seq.fa.set_flow_style()  # the file wrote this list on one line: so does the edit
        return seq
    if spec.kind in ("people", "next_meeting", "vote"):
        raise EditError(f"`{spec.name}` is a structure; set its parts, e.g. `{spec.name}.date=...`"
                        if spec.kind != "people" else f"`{spec.name}` is a list; set `{spec.name}.0.name=...`")
    try:
        value = coerce(spec.kind, raw)
    except Problem as p:
        raise EditError(f"`{spec.name}`: {p.message}", p.hint) from None
    if spec.choices and value not in spec.choices:
        raise EditError(f"`{spec.name}` must be one of: {', '.join(spec.choices)}",
                        did_you_mean(value, spec.choices))
    # Keep the quoting the file already used for this key.
    if isinstance(old, DoubleQuotedScalarString):
        return DoubleQuotedScalarString(value)
    if isinstance(old, SingleQuotedScalarString):
        return SingleQuotedScalarString(value)
    return value


def list_items(raw: str) -> list[str]:
    """The items of a list given on the command line: `a,b`, `[a, b]` or `["a", 'b']` are all [a, b]."""
    text = raw.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    out = []
    for part in text.split(","):
        item = part.strip()
        if len(item) >= 2 and item[0] == item[-1] and item[0] in "'\"":
            item = item[1:-1].strip()
        if item:
            out.append(item)
    return out


def _sub_typed(parent: str, key: str, raw: str) -> Any:
    if key == "date" or key == "since":
        try:
            return coerce("date", raw)
        except Problem as p:
            raise EditError(f"`{parent}.{key}`: {p.message}", p.hint) from None
    if parent == "vote":
        try:
            return int(raw)
        except ValueError:
            raise EditError(f"`vote.{key}` must be a whole number") from None
    return raw


def apply(raw: bytes, assignments: list[tuple[str, str]], fields: dict[str, Field]) -> bytes:
    """Return `raw` with the assignments made; `key=` (empty) removes a key."""
    # Only a document the strict loader accepts is edited: ruamel is more lenient.
    errors = [f for f in parse("", raw).findings if f.severity == ERROR]
    if errors:
        first = errors[0]
        raise EditError(f"line {first.line}: {first.message} [{first.rule}]",
                        "fix the front matter first (`issuepapers check`)")
    head, fm, tail, nl = _split(raw)
    text = fm.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap long lines
    mapping, seq, offset = _indent_style(text)
    yaml.indent(mapping=mapping, sequence=seq, offset=offset)
    data = yaml.load(text) if text.strip() else CommentedMap()
    if not isinstance(data, dict):
        raise EditError("front matter is not a mapping")
    for key, value in assignments:
        parts = key.split(".")
        top = parts[0]
        if top not in fields:
            raise EditError(f"unknown key {top!r}", did_you_mean(top, fields) or
                            f"allowed keys: {', '.join(fields)}")
        if len(parts) == 1:
            if value == "":
                data.pop(top, None)
            else:
                data[top] = _typed(fields[top], value, data.get(top))
            continue
        node = data
        for i, part in enumerate(parts[:-1]):
            idx: Any = int(part) if part.isdigit() else part
            _structure(node, idx, parts[:i])
            try:
                nxt = node[idx]
            except (KeyError, IndexError, TypeError):
                # A missing key, or the next item of a list (`prepared_by.0.name=` on a paper without one).
                if isinstance(idx, int) and not (isinstance(node, list) and idx == len(node)):
                    raise EditError(f"`{'.'.join(parts[:i + 1])}` does not exist") from None
                nxt = CommentedSeq() if parts[i + 1].isdigit() else CommentedMap()
                if isinstance(idx, int):
                    node.append(nxt)
                else:
                    node[idx] = nxt
            node = nxt
        last = parts[-1]
        _structure(node, int(last) if last.isdigit() else last, parts[:-1])
        if value == "":
            if isinstance(node, dict):
                node.pop(last, None)
            elif int(last) < len(node):
                node.pop(int(last))
        else:
            if isinstance(node, list):
                idx = int(last)
                if idx > len(node):
                    raise EditError(f"`{'.'.join(parts[:-1])}` has {len(node)} items; the next is number {len(node)}")
                typed = _sub_typed(top, last, value)
                node.append(typed) if idx == len(node) else node.__setitem__(idx, typed)
            else:
                node[last] = _sub_typed(parts[-2] if not parts[-2].isdigit() else top, last, value)
    out = io.StringIO()
    yaml.dump(data, out)
    dumped = out.getvalue()
    if nl != "\n":
        dumped = dumped.replace("\n", nl)
    result = head + dumped.encode("utf-8") + tail
    _validate(result, fields)
    return result


def _structure(node: Any, key: Any, where: list[str]) -> None:
    """`key` can address a part of `node`: a mapping takes names, a list takes numbers."""
    name = ".".join(where) or "the front matter"
    if isinstance(node, dict):
        if isinstance(key, int):
            raise EditError(f"`{name}` is a mapping: name its key, not a number")
        return
    if isinstance(node, list):
        if not isinstance(key, int):
            raise EditError(f"`{name}` is a list: address an item by its number, e.g. `{name}.0`")
        return
    raise EditError(f"`{name}` is a single value, not a structure", f"set it as `{name}=…`")


def _validate(result: bytes, fields: dict[str, Field]) -> None:
    """Refuse to write what `check` would reject as a value: the edited document, read as check reads it."""
    from .model import Paper, Recommendation

    src = parse("", result)
    errors = [f for f in src.findings if f.severity == ERROR]
    if errors or src.data is None:
        first = errors[0] if errors else None
        raise EditError(f"the edit would make the front matter unreadable: {first.message if first else ''}")
    kind = Paper if fields is Paper.FIELDS else Recommendation if fields is Recommendation.FIELDS else None
    if kind is None:
        return
    doc = kind.from_source(src)
    if doc.problems:
        path, problem = doc.problems[0]
        where = ".".join(str(p) for p in path)
        raise EditError(f"`{where}`: {problem.message}", problem.hint)


def set_file(path: Path, assignments: list[tuple[str, str]], fields: dict[str, Field]) -> bool:
    """Edit `path` in place, atomically; True when the bytes changed."""
    raw = path.read_bytes()
    new = apply(raw, assignments, fields)
    if new == raw:
        return False
    atomic_write(path, new)
    return True


def parse_assignment(text: str) -> tuple[str, str]:
    if "=" not in text:
        raise UsageError(f"expected key=value, got {text!r}", "e.g. status=final date=2024-01-25")
    key, _, value = text.partition("=")
    if not key.strip():
        raise UsageError(f"empty key in {text!r}")
    return key.strip(), value
