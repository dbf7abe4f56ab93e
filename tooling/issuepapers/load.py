"""Strict loading: UTF-8 text → front matter values with line/column marks + body.

YAML is composed by PyYAML's C parser with a resolver that resolves nothing, so
every plain scalar reaches `_construct` untyped and is typed here by YAML 1.2
core-schema rules (`NO`, `off`, `10:00` stay strings; `012` is 12, not 10).
Duplicate keys, tags outside the core schema, alias bombs and deep nesting are
reported at their line, never silently accepted.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .diagnostics import ERROR, WARNING, Finding

from yaml.resolver import BaseResolver

try:  # the C parser keeps marks and is several times faster
    from yaml import CParser

    class _Loader(CParser, BaseResolver):  # type: ignore[misc]
        """C parser + composer, with a resolver that resolves nothing implicitly."""

        def __init__(self, stream):
            CParser.__init__(self, stream)
            BaseResolver.__init__(self)

except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml.composer import Composer
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Loader(Reader, Scanner, Parser, Composer, BaseResolver):  # type: ignore[no-redef]
        def __init__(self, stream):
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)
            Composer.__init__(self)
            BaseResolver.__init__(self)


MAX_NODES = 5_000  # a paper's front matter has well under 200 nodes
MAX_DEPTH = 16

TAG = "tag:yaml.org,2002:"
CORE_TAGS = {TAG + t for t in ("str", "int", "float", "bool", "null", "map", "seq")}

# YAML 1.2 core schema (https://yaml.org/spec/1.2.2/#1032-tag-resolution)
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_TRUE = re.compile(r"^(?:true|True|TRUE)$")
_FALSE = re.compile(r"^(?:false|False|FALSE)$")
_INT10 = re.compile(r"^[-+]?[0-9]+$")
_INT8 = re.compile(r"^0o[0-7]+$")
_INT16 = re.compile(r"^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_INF = re.compile(r"^[-+]?\.(?:inf|Inf|INF)$")
_NAN = re.compile(r"^\.(?:nan|NaN|NAN)$")
_CONFLICT = re.compile(r"^(<{7}|\|{7}|={7}|>{7})(?: |$)")

# Rule ids the loader reports; their docs are listed by `issuepapers rules`.
LOAD_RULES = {
    "encoding": (ERROR, "A document must be valid UTF-8."),
    "utf8-bom": (WARNING, "A document should not start with a UTF-8 byte-order mark."),
    "front-matter-missing": (ERROR, "A document must start with YAML front matter between `---` lines."),
    "front-matter-unclosed": (ERROR, "Front matter must be closed by a `---` line."),
    "front-matter-not-mapping": (ERROR, "Front matter must be a YAML mapping of keys to values."),
    "yaml-syntax": (ERROR, "Front matter must be well-formed YAML (spaces, not tabs, for indentation)."),
    "yaml-duplicate-key": (ERROR, "A key may appear only once in a mapping."),
    "yaml-tag": (ERROR, "Front matter may use only YAML core-schema tags (no custom or language tags)."),
    "yaml-complex-key": (ERROR, "Mapping keys must be plain scalars."),
    "yaml-too-large": (ERROR, "Front matter must stay within the node and nesting limits (no alias bombs)."),
    "conflict-marker": (ERROR, "A document must not contain unresolved merge-conflict markers."),
}

Path_ = tuple  # a key path into the front matter, e.g. ("next_meeting", "date")


@dataclass
class Source:
    """One document as read: values, their positions, the body and load findings."""

    path: str
    text: str = ""  # decoded, newlines normalised to \n
    data: dict[str, Any] | None = None
    marks: dict[Path_, tuple[int, int]] = field(default_factory=dict)  # value positions
    key_marks: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    plain: dict[Path_, str] = field(default_factory=dict)  # source text of non-string plain scalars
    body: str = ""
    body_line: int = 1  # 1-based line where the body starts
    front_matter_end: int = 0  # 1-based line of the closing `---`
    newline: str = "\n"
    findings: list[Finding] = field(default_factory=list)

    def at(self, *keys) -> tuple[int, int]:
        """Position of a value, or of its key, or of the nearest parent; (1, 1) at worst."""
        while keys:
            if keys in self.marks:
                return self.marks[keys]
            if keys in self.key_marks:
                return self.key_marks[keys]
            keys = keys[:-1]
        return (1, 1)

    def key_at(self, *keys) -> tuple[int, int]:
        return self.key_marks.get(keys) or self.at(*keys)

    def finding(self, pos, severity, rule, message, hint=None) -> Finding:
        return Finding(self.path, pos[0], pos[1], severity, rule, message, hint)

    @property
    def ok(self) -> bool:
        return self.data is not None


class _Stop(Exception):
    """Abort construction with one finding (limits exceeded)."""


class _Builder:
    """Builds Python values from composed nodes, recording marks as it goes."""

    def __init__(self, src: Source, line_offset: int):
        self.src = src
        self.offset = line_offset
        self.count = 0

    def pos(self, node) -> tuple[int, int]:
        return (node.start_mark.line + 1 + self.offset, node.start_mark.column + 1)

    def err(self, node, rule, message, hint=None):
        self.src.findings.append(self.src.finding(self.pos(node), ERROR, rule, message, hint))

    def build(self, node, path: tuple, depth: int = 0):
        self.count += 1
        if self.count > MAX_NODES or depth > MAX_DEPTH:
            what = "nodes" if self.count > MAX_NODES else "levels of nesting"
            limit = MAX_NODES if self.count > MAX_NODES else MAX_DEPTH
            raise _Stop(self.src.finding(self.pos(node), ERROR, "yaml-too-large",
                                         f"front matter exceeds {limit} {what}",
                                         "remove aliases that expand repeatedly, or flatten the data"))
        self.src.marks[path] = self.pos(node)
        tag = node.tag
        if tag not in CORE_TAGS and not (isinstance(node, yaml.ScalarNode) and tag == "!"):
            self.err(node, "yaml-tag", f"tag {tag!r} is not allowed",
                     "remove the tag; values are typed by the schema")
            return None
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            if tag != TAG + "seq":
                self.err(node, "yaml-tag", f"tag {tag!r} does not fit a sequence")
            return [self.build(item, path + (i,), depth + 1) for i, item in enumerate(node.value)]
        return self.scalar(node, path)

    def mapping(self, node, path, depth):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.err(key_node, "yaml-complex-key", "a mapping key must be a plain scalar")
                continue
            if key_node.tag == TAG + "str" and key_node.value == "<<" and key_node.style is None:
                self.err(key_node, "yaml-tag", "merge keys (`<<`) are not part of YAML 1.2",
                         "write the keys out in full")
                continue
            key = self.scalar(key_node, None)
            if not isinstance(key, (str, int, float, bool)) and key is not None:
                self.err(key_node, "yaml-complex-key", "a mapping key must be a plain scalar")
                continue
            if key in out:
                first = self.src.key_marks.get(path + (key,))
                where = f" (first at line {first[0]})" if first else ""
                self.err(key_node, "yaml-duplicate-key", f"duplicate key {key!r}{where}",
                         "keep one of them")
                continue
            self.src.key_marks[path + (key,)] = self.pos(key_node)
            out[key] = self.build(value_node, path + (key,), depth + 1)
        return out

    def scalar(self, node, path):
        value, tag = node.value, node.tag
        if tag == TAG + "str" and node.style is None:
            typed = resolve_plain(value)
            if not isinstance(typed, str) and path is not None:
                self.src.plain[path] = value
            return typed
        if tag in (TAG + "str", "!"):
            return value
        # An explicit core tag (`!!int 10`): type it, or report it.
        typed = resolve_plain(value)
        want = {"int": int, "float": float, "bool": bool, "null": type(None)}[tag[len(TAG):]]
        if tag == TAG + "float" and isinstance(typed, int) and not isinstance(typed, bool):
            typed = float(typed)
        if type(typed) is not want:
            self.err(node, "yaml-tag", f"{value!r} is not a valid {tag[len(TAG):]}")
            return value
        return typed


def resolve_plain(value: str):
    """Type a plain scalar by the YAML 1.2 core schema."""
    if not value or len(value) > 32:  # long plain scalars are text; skip the regexes
        return None if not value else value
    c = value[0]
    if c in "~nN" and _NULL.match(value):
        return None
    if c in "tTfF":
        if _TRUE.match(value):
            return True
        if _FALSE.match(value):
            return False
        return value
    if c in "0123456789+-.":
        if _INT10.match(value):
            return int(value, 10)
        if _INT8.match(value):
            return int(value[2:], 8)
        if _INT16.match(value):
            return int(value[2:], 16)
        if _FLOAT.match(value):
            return float(value)
        if _INF.match(value):
            return -math.inf if c == "-" else math.inf
        if _NAN.match(value):
            return math.nan
    return value


def decode(raw: bytes, src: Source) -> str | None:
    """UTF-8 text with newlines normalised, or None with an `encoding` finding."""
    skipped = 0
    if raw.startswith(b"\xef\xbb\xbf"):
        raw, skipped = raw[3:], 3
        src.findings.append(src.finding((1, 1), WARNING, "utf8-bom",
                                        "file starts with a UTF-8 byte-order mark",
                                        "save the file as UTF-8 without BOM"))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = len(before) - (before.rfind(b"\n") + 1) + 1
        src.findings.append(src.finding(
            (line, col), ERROR, "encoding",
            f"invalid UTF-8 at byte offset {exc.start + skipped} (byte 0x{raw[exc.start]:02x})",
            "save the file as UTF-8"))
        return None
    if "\r" in text:
        src.newline = "\r\n" if "\r\n" in text else "\r"
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _conflict_markers(lines: list[str], src: Source) -> None:
    opened = False
    for n, line in enumerate(lines, 1):
        m = _CONFLICT.match(line)
        if not m:
            continue
        mark = m.group(1)
        if mark.startswith("<"):
            opened = True
        elif not opened:  # a lone ======= is a Markdown heading underline
            continue
        src.findings.append(src.finding((n, 1), ERROR, "conflict-marker",
                                        f"unresolved merge-conflict marker {mark!r}",
                                        "resolve the conflict and delete the marker lines"))


def parse(path: str, raw: bytes) -> Source:
    """Read one document; never raises for bad input: problems become findings."""
    src = Source(path)
    text = decode(raw, src)
    if text is None:
        return src
    src.text = text
    lines = text.split("\n")
    _conflict_markers(lines, src)
    if not lines or lines[0].rstrip() != "---":
        hint = "the first line must be exactly `---`"
        if lines and lines[0].strip() == "" and any(line.rstrip() == "---" for line in lines[:5]):
            hint = "remove the blank lines before the opening `---`"
        src.findings.append(src.finding((1, 1), ERROR, "front-matter-missing",
                                        "no front matter at the top of the file", hint))
        return src
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
    if end is None:
        src.findings.append(src.finding((1, 1), ERROR, "front-matter-unclosed",
                                        "front matter opened on line 1 is never closed",
                                        "add a line `---` after the last key"))
        return src
    src.front_matter_end = end + 1
    src.body_line = end + 2
    src.body = "\n".join(lines[end + 1:])
    if any(f.rule == "conflict-marker" and f.line <= end for f in src.findings):
        return src  # the YAML parser would only repeat the conflict as a syntax error
    parse_yaml("\n".join(lines[1:end]), src, line_offset=1, whole=(1, 1))
    return src


def parse_yaml(yaml_text: str, src: Source, line_offset: int = 0, whole=(1, 1)) -> None:
    """Compose and build `yaml_text` into `src.data` (a mapping) or add findings."""
    try:
        node = yaml.compose(yaml_text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        pos = (mark.line + 1 + line_offset, mark.column + 1) if mark else whole
        problem = exc.problem or str(exc)
        hint = None
        if "\\t" in problem or "tab" in problem:
            hint = "YAML indentation must use spaces, not tabs"
        elif exc.context:
            problem = f"{problem} ({exc.context})"
        src.findings.append(src.finding(pos, ERROR, "yaml-syntax", problem, hint))
        return
    except yaml.YAMLError as exc:  # reader errors: control characters and the like
        src.findings.append(src.finding(whole, ERROR, "yaml-syntax", str(exc).splitlines()[0]))
        return
    if node is None or not isinstance(node, yaml.MappingNode):
        where = whole if node is None else (node.start_mark.line + 1 + line_offset, node.start_mark.column + 1)
        src.findings.append(src.finding(where, ERROR, "front-matter-not-mapping",
                                        "front matter is empty" if node is None else
                                        "front matter is not a mapping of keys to values",
                                        "write one `key: value` per line"))
        return
    builder = _Builder(src, line_offset)
    try:
        src.data = builder.build(node, ())
    except _Stop as stop:
        src.findings.append(stop.args[0])
        src.data = None
    except RecursionError:
        src.findings.append(src.finding(whole, ERROR, "yaml-too-large", "front matter nests too deeply"))
        src.data = None


def load_file(path: Path, display: str) -> Source:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        src = Source(display)
        src.findings.append(src.finding((1, 1), ERROR, "encoding", f"cannot read file: {exc.strerror}"))
        return src
    return parse(display, raw)


def load_yaml_file(path: Path, display: str) -> Source:
    """A whole-file YAML document (the registry), strictly, with marks."""
    src = Source(display)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        src.findings.append(src.finding((1, 1), ERROR, "encoding", f"cannot read file: {exc.strerror}"))
        return src
    text = decode(raw, src)
    if text is None:
        return src
    src.text = text
    _conflict_markers(text.split("\n"), src)
    if any(f.rule == "conflict-marker" for f in src.findings):
        return src
    parse_yaml(text, src, line_offset=0)
    return src
