"""Findings and how they are printed: text, JSON, GitHub annotations and GitLab Code Quality JSON."""

from __future__ import annotations

import os
import sys
from dataclasses import asdict, dataclass
from typing import IO, Iterable

ERROR = "error"
WARNING = "warning"
SEVERITIES = (ERROR, WARNING)
# Every command that reports findings offers these (`--format`), printed by `emit`.
FORMATS = ("text", "json", "github", "gitlab")


@dataclass(frozen=True, order=True)
class Finding:
    path: str
    line: int
    column: int
    severity: str
    rule: str
    message: str
    hint: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def sort_key(f: Finding):
    return (f.path, f.line, f.column, f.rule, f.message)


def use_colour(stream: IO) -> bool:
    """Colour only on a terminal, never with NO_COLOR (https://no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    return hasattr(stream, "isatty") and stream.isatty()


_COLOURS = {ERROR: "\033[31;1m", WARNING: "\033[33;1m", "hint": "\033[36m", "path": "\033[1m"}
_RESET = "\033[0m"


def format_text(findings: Iterable[Finding], colour: bool = False) -> str:
    out = []
    for f in findings:
        sev, loc = f.severity, f"{f.path}:{f.line}:{f.column}:"
        if colour:
            loc = f"{_COLOURS['path']}{loc}{_RESET}"
            sev = f"{_COLOURS[f.severity]}{f.severity}{_RESET}"
        out.append(f"{loc} {sev}[{f.rule}] {f.message}")
        if f.hint:
            hint = f"  = hint: {f.hint}"
            out.append(f"{_COLOURS['hint']}{hint}{_RESET}" if colour else hint)
    return "\n".join(out) + ("\n" if out else "")


def format_json(findings: Iterable[Finding]) -> str:
    import json  # here, like hashlib below: the text format, the common one, needs neither

    return json.dumps([f.as_dict() for f in findings], indent=2, ensure_ascii=False) + "\n"


def _gh_escape(value: str, prop: bool = False) -> str:
    # Workflow-command escaping, as the GitHub Actions toolkit does it.
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        value = value.replace(":", "%3A").replace(",", "%2C")
    return value


def format_github(findings: Iterable[Finding]) -> str:
    out = []
    for f in findings:
        kind = "error" if f.severity == ERROR else "warning"
        msg = f.message + (f"\n{f.hint}" if f.hint else "")
        out.append(
            f"::{kind} file={_gh_escape(f.path, True)},line={f.line},col={f.column},"
            f"title={_gh_escape(f.rule, True)}::{_gh_escape(msg)}"
        )
    return "\n".join(out) + ("\n" if out else "")


# GitLab Code Quality (a subset of the Code Climate issue format):
# https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format
_GITLAB_SEVERITY = {ERROR: "major", WARNING: "minor"}


def format_gitlab(findings: Iterable[Finding]) -> str:
    """A JSON list of Code Quality issues. The fingerprint is the SHA-256 of path, rule and message
    (not the line), so an issue keeps its identity when lines move above it; the n-th repeat of the same
    path, rule and message in one report gets `n` appended, so fingerprints stay unique."""
    import hashlib  # here, not at the top: loading OpenSSL is a cost every `check` would pay
    import json

    out, seen = [], {}
    for f in findings:
        key = f"{f.path}\0{f.rule}\0{f.message}"
        n = seen.get(key, 0)
        seen[key] = n + 1
        if n:
            key += f"\0{n}"
        out.append({
            "description": f.message + (f" (hint: {f.hint})" if f.hint else ""),
            "check_name": f.rule,
            "fingerprint": hashlib.sha256(key.encode("utf-8")).hexdigest(),
            "severity": _GITLAB_SEVERITY.get(f.severity, "info"),
            "location": {"path": f.path, "lines": {"begin": max(f.line, 1)}},
        })
    return json.dumps(out, indent=2, ensure_ascii=False) + "\n"


def summary(findings: list[Finding]) -> str:
    errors = sum(f.severity == ERROR for f in findings)
    warnings = len(findings) - errors
    return f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"


def emit(findings: list[Finding], fmt: str, stream: IO | None = None) -> None:
    stream = stream or sys.stdout
    if fmt == "json":
        stream.write(format_json(findings))
    elif fmt == "github":
        stream.write(format_github(findings))
    elif fmt == "gitlab":
        stream.write(format_gitlab(findings))
    else:
        stream.write(format_text(findings, colour=use_colour(stream)))
