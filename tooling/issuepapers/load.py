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
    from yaml.cyaml import CParser

    class _Loader(CParser, BaseResolver):  # type: ignore[misc]
        """C parser + composer, with a resolver that resolves nothing implicitly."""

        def __init__(self, stream):
            CParser.__init__(self, stream)
            BaseResolver.__init__(self)

        def resolve(self, kind, value, implicit):
            # Nothing is resolved implicitly: plain scalars are typed by YAML 1.2 rules later.
            return _KIND_TAGS[kind]

        def descend_resolver(self, current_node, current_index):
            pass  # no path resolvers: skip the base class's bookkeeping

        def ascend_resolver(self):
            pass

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


_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_MappingNode, _SequenceNode, _ScalarNode = yaml.MappingNode, yaml.SequenceNode, yaml.ScalarNode
_KIND_TAGS = {_ScalarNode: _STR, _SequenceNode: _SEQ, _MappingNode: _MAP}
_MAYBE_TYPED = frozenset("~nNtTfF0123456789+-.")  # first characters of null, bool, int, float

MAX_NODES = 5_000  # a paper's front matter has well under 200 nodes
MAX_DEPTH = 16

TAG = "tag:yaml.org,2002:"

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
    "file-outside-repository": (ERROR, "A document must be inside the repository, not a link to a file outside it."),
    "not-a-regular-file": (ERROR, "A document must be a regular file, not a FIFO, socket or device."),
}

@dataclass
class Source:
    """One document as read: values, their positions, the body and load findings.

    Positions are looked up in the composed node tree only when a finding needs
    one, so loading a clean document records nothing it will not use.
    """

    path: str
    text: str = ""  # decoded, newlines normalised to \n
    data: dict[str, Any] | None = None
    yaml_text: str | None = None  # the front matter, kept to find positions again
    line_offset: int = 0  # lines before the YAML text
    body: str = ""
    body_line: int = 1  # 1-based line where the body starts
    front_matter_end: int = 0  # 1-based line of the closing `---`
    newline: str = "\n"
    findings: list[Finding] = field(default_factory=list)

    _node: Any = field(default=None, repr=False, compare=False)  # composed tree, rebuilt on demand

    @property
    def node(self):
        """The composed root node; composed again from `yaml_text` when a position is needed."""
        if self._node is None and self.yaml_text is not None:
            self._node = yaml.compose(self.yaml_text, Loader=_Loader)
        return self._node

    def __getstate__(self):  # node trees stay behind when a Source crosses processes
        state = dict(self.__dict__)
        state["_node"] = None
        body = state["body"]
        if body and state["text"].endswith(body):  # the body is the text's tail: sent once, as its length
            state["body"] = len(body)
        return state

    def __setstate__(self, state):
        if isinstance(state["body"], int):
            state["body"] = state["text"][len(state["text"]) - state["body"]:]
        self.__dict__.update(state)

    def _pos(self, node) -> tuple[int, int]:
        return (node.start_mark.line + 1 + self.line_offset, node.start_mark.column + 1)

    def _find(self, keys: tuple):
        """(key node, value node) at a key path, following the first of duplicate keys."""
        node, key_node = self.node, None
        for k in keys:
            if isinstance(node, yaml.MappingNode):
                for kn, vn in node.value:
                    if isinstance(kn, yaml.ScalarNode) and _key_value(kn) == k:
                        key_node, node = kn, vn
                        break
                else:
                    return None
            elif isinstance(node, yaml.SequenceNode) and isinstance(k, int) and 0 <= k < len(node.value):
                key_node, node = None, node.value[k]
            else:
                return None
        return key_node, node

    def at(self, *keys) -> tuple[int, int]:
        """Position of a value, or of the nearest parent that exists; (1, 1) at worst."""
        while keys and self.node is not None:
            found = self._find(keys)
            if found is not None:
                return self._pos(found[1])
            keys = keys[:-1]
        return self._pos(self.node) if self.node is not None else (1, 1)

    def key_at(self, *keys) -> tuple[int, int]:
        """Position of a key (or of its value when the path ends in a list index)."""
        found = self._find(keys) if self.node is not None else None
        if found is not None and found[0] is not None:
            return self._pos(found[0])
        return self.at(*keys)

    def plain_text(self, *keys) -> str | None:
        """Source text of a plain (unquoted) scalar, e.g. `1.10` typed as the number 1.1."""
        found = self._find(keys) if self.node is not None else None
        if found and isinstance(found[1], yaml.ScalarNode) and not found[1].style:
            return found[1].value
        return None

    def finding(self, pos, severity, rule, message, hint=None) -> Finding:
        return Finding(self.path, pos[0], pos[1], severity, rule, message, hint)


def _key_value(node):
    return resolve_plain(node.value) if not node.style and node.tag == _STR else node.value


class _Stop(Exception):
    """Abort construction with one finding (limits exceeded)."""




class _Builder:
    """Builds Python values from composed nodes: strict, and cheap on the common path."""

    def __init__(self, src: Source):
        self.src = src
        self.count = 0
        self.top_key = None  # the node of the top-level key being built: where a limit is reported

    def err(self, node, rule, message, hint=None):
        self.src.findings.append(self.src.finding(self.src._pos(node), ERROR, rule, message, hint))

    def build(self, node, depth: int = 0):
        self.count += 1
        if self.count > MAX_NODES or depth > MAX_DEPTH:
            what, limit = ("nodes", MAX_NODES) if self.count > MAX_NODES else ("levels of nesting", MAX_DEPTH)
            where = self.src._pos(self.top_key if self.top_key is not None else node)
            raise _Stop(self.src.finding(where, ERROR, "yaml-too-large",
                                         f"front matter exceeds {limit} {what}",
                                         "remove aliases that expand repeatedly, or flatten the data"))
        cls, tag = node.__class__, node.tag
        if cls is _ScalarNode:
            if tag == _STR:
                value = node.value
                if node.style or (value and value[0] not in _MAYBE_TYPED):
                    return value  # quoted, or plain text that no core-schema type starts like
                return resolve_plain(value)
            return self.tagged_scalar(node)
        if cls is _MappingNode and tag == _MAP:
            return self.mapping(node, depth)
        if cls is _SequenceNode and tag == _SEQ:
            return [self.build(item, depth + 1) for item in node.value]
        self.err(node, "yaml-tag", f"tag {tag!r} is not allowed", "remove the tag; values are typed by the schema")
        return None

    def mapping(self, node, depth):
        out: dict[Any, Any] = {}
        top = depth == 0
        scalar, text, maybe_typed = _ScalarNode, _STR, _MAYBE_TYPED
        for key_node, value_node in node.value:
            if key_node.__class__ is not scalar or key_node.tag != text:
                if key_node.__class__ is _ScalarNode:
                    self.err(key_node, "yaml-tag", f"tag {key_node.tag!r} is not allowed on a key")
                else:
                    self.err(key_node, "yaml-complex-key", "a mapping key must be a plain scalar")
                continue
            key = key_node.value
            if not key_node.style:
                if key == "<<":
                    self.err(key_node, "yaml-tag", "merge keys (`<<`) are not part of YAML 1.2",
                             "write the keys out in full")
                    continue
                if not key or key[0] in _MAYBE_TYPED:  # most keys are plain words: strings as they are
                    key = resolve_plain(key)
            if key in out:
                first = next(k for k, _ in node.value if k.__class__ is _ScalarNode and _key_value(k) == key)
                self.err(key_node, "yaml-duplicate-key",
                         f"duplicate key {key!r} (first at line {self.src._pos(first)[0]})", "keep one of them")
                continue
            if top:
                self.top_key = key_node  # its position is worked out only if a limit is hit
            if value_node.__class__ is scalar and value_node.tag == text:  # inlined: the common case
                self.count += 1
                value = value_node.value
                if not value_node.style and (not value or value[0] in maybe_typed):
                    value = resolve_plain(value)
                out[key] = value
            else:
                out[key] = self.build(value_node, depth + 1)
        return out

    def tagged_scalar(self, node):
        """An explicit core tag (`!!int 10`): type it, or report it."""
        tag, value = node.tag, node.value
        if tag == "!":  # the non-specific tag: a string
            return value
        name = tag[len(TAG):] if tag.startswith(TAG) else None
        want = {"int": int, "float": float, "bool": bool, "null": type(None)}.get(name or "")
        if want is None:
            self.err(node, "yaml-tag", f"tag {tag!r} is not allowed", "remove the tag; values are typed by the schema")
            return None
        typed = resolve_plain(value)
        if want is float and type(typed) is int:
            typed = float(typed)
        if type(typed) is not want:
            self.err(node, "yaml-tag", f"{value!r} is not a valid {name}")
            return value
        return typed


def resolve_plain(value: str):
    """Type a plain scalar by the YAML 1.2 core schema."""
    if not value or len(value) > 32:  # long plain scalars are text; skip the regexes
        return None if not value else value
    c = value[0]
    if c in "~nNtTfF":
        if len(value) > 5:  # null, true, false: words longer than these are text
            return value
        if _NULL.match(value):
            return None
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


_ANY_CONFLICT = re.compile(r"^(?:<{7}|\|{7}|={7}|>{7})(?: |$)", re.MULTILINE)


def _conflict_markers(text: str, src: Source) -> None:
    if "<<<<<<<" not in text and "=======" not in text and ">>>>>>>" not in text:
        return  # substring tests are much faster than a multiline regex
    if not _ANY_CONFLICT.search(text):
        return
    lines = text.split("\n")
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


_OPEN_LINE = re.compile(r"---[ \t]*(?:\n|$)")
_CLOSE_LINE = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)


def parse(path: str, raw: bytes) -> Source:
    """Read one document; never raises for bad input: problems become findings."""
    src = Source(path)
    text = decode(raw, src)
    if text is None:
        return src
    src.text = text
    _conflict_markers(text, src)
    opening = _OPEN_LINE.match(text)
    if not opening:
        hint = "the first line must be exactly `---`"
        if text[:1] in ("\n", " ", "\t") and re.search(r"^---[ \t]*$", text[:200].lstrip(), re.MULTILINE):
            hint = "remove the blank lines before the opening `---`"
        src.findings.append(src.finding((1, 1), ERROR, "front-matter-missing",
                                        "no front matter at the top of the file", hint))
        return src
    start = opening.end()
    close = _CLOSE_LINE.search(text, start) if opening.group().endswith("\n") else None
    if close is None:
        src.findings.append(src.finding((1, 1), ERROR, "front-matter-unclosed",
                                        "front matter opened on line 1 is never closed",
                                        "add a line `---` after the last key"))
        return src
    end = text.count("\n", 0, close.start()) + 1  # 1-based line of the closing `---`
    src.front_matter_end = end
    src.body_line = end + 1
    src.body = text[close.end() + 1:]
    if any(f.rule == "conflict-marker" and f.line <= end for f in src.findings):
        return src  # the YAML parser would only repeat the conflict as a syntax error
    parse_yaml(text[start:close.start()], src, line_offset=1, whole=(1, 1))
    return src


_NO_SPACE = re.compile(r"^([ ]*(?:- )?)([A-Za-z_][A-Za-z0-9_-]*):([^\s:/].*)$")
_KEY_VALUE = re.compile(r"^([ ]*(?:- )?)([A-Za-z_][A-Za-z0-9_-]*):[ ]+(.*?)[ ]*$")


def _in_plain_words(exc, yaml_text: str):
    """((line, column), message, hint) for the YAML mistakes people make, found by reading the offending
    lines (0-based positions in `yaml_text`); None for other errors, reported in the parser's words."""
    mark = exc.problem_mark
    if mark is None:
        return None
    lines = yaml_text.split("\n")
    problem = exc.problem or ""
    first = exc.context_mark.line if exc.context_mark is not None else max(mark.line - 1, 0)
    here = lines[mark.line] if mark.line < len(lines) else ""
    if "\t" in here[:mark.column + 1] and ("cannot start any token" in problem or "tab" in problem):
        return ((mark.line, here.index("\t")), "this line is indented with a tab; YAML needs spaces",
                "use spaces, not tabs: replace the tab with two spaces per level")
    for n in range(min(first, mark.line), min(mark.line, len(lines) - 1) + 1):
        m = _NO_SPACE.match(lines[n])
        if m and not m.group(3).lstrip().startswith("#"):
            return ((n, len(m.group(1)) + len(m.group(2))),
                    f"`{lines[n].strip()}` has no space after the colon, so YAML does not read it as a key",
                    f"add a space after the colon: `{m.group(1).lstrip()}{m.group(2)}: {m.group(3).strip()}`")
    if "mapping values are not allowed" in problem:
        m = _KEY_VALUE.match(here)
        value = m.group(3) if m else ""
        if m and ": " in value + " " and value[:1] not in ("'", '"', "[", "{", "|", ">"):
            key = m.group(2)
            quoted = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
            return ((mark.line, len(m.group(1)) + len(key) + 2),
                    f"the {key} contains ': ', which YAML reads as the start of another key",
                    f"put the {key} in quotes because it contains ': ', e.g. `{key}: {quoted}`")
    return None


def parse_yaml(yaml_text: str, src: Source, line_offset: int = 0, whole=(1, 1)) -> None:
    """Compose and build `yaml_text` into `src.data` (a mapping) or add findings."""
    try:
        node = yaml.compose(yaml_text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if exc.context_mark and "end of stream" in (exc.problem or ""):
            mark = exc.context_mark  # where the unclosed thing starts, not the end of the file
        pos = (mark.line + 1 + line_offset, mark.column + 1) if mark else whole
        problem = exc.problem or str(exc)
        hint = None
        plain = _in_plain_words(exc, yaml_text)
        if plain is not None:
            (line, col), problem, hint = plain
            pos = (line + 1 + line_offset, col + 1)
        elif "\\t" in problem or "tab" in problem:
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
    src._node, src.yaml_text, src.line_offset = node, yaml_text, line_offset
    builder = _Builder(src)
    try:
        src.data = builder.build(node)
        src._node = None  # positions are rare: compose again when one is asked for
    except _Stop as stop:
        src.findings.append(stop.args[0])
        src.data = None
    except RecursionError:
        src.findings.append(src.finding(whole, ERROR, "yaml-too-large", "front matter nests too deeply"))
        src.data = None


def load_file(path: Path | str, display: str) -> Source:
    try:
        with open(path, "rb") as f:
            raw = f.read()
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
    _conflict_markers(text, src)
    if any(f.rule == "conflict-marker" for f in src.findings):
        return src
    parse_yaml(text, src, line_offset=0)
    return src
