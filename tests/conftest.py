"""Shared fixtures: the CLI as a real subprocess, and temp copies of the sample repo as real git repos."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
GOLDEN = Path(__file__).resolve().parent / "golden"
SAMPLE_PARTS = ("committee.yml", "mkdocs.yml", "papers", "recommendations", "templates", "docs")

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Working Group Member", "GIT_AUTHOR_EMAIL": "member@example.org",
    "GIT_COMMITTER_NAME": "Working Group Member", "GIT_COMMITTER_EMAIL": "member@example.org",
    "GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0",
}


def hermetic_git(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    """git (and the in-process CLI) under test see no user or system configuration, nor a repository above `home`."""
    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(home))
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


def git(cwd: Path, *args: str, date: str = "2024-02-01T12:00:00+00:00", **env) -> str:
    e = {**os.environ, **GIT_ENV, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date, **env}
    e["HOME"] = str(cwd)  # no user config leaks in
    return subprocess.run(["git", *args], cwd=cwd, env=e, check=True, capture_output=True, text=True).stdout


def copy_sample(dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for part in SAMPLE_PARTS:
        src = REPO / part
        if src.is_dir():
            shutil.copytree(src, dest / part)
        elif src.is_file():
            shutil.copy2(src, dest / part)
    return dest


@pytest.fixture
def sample_repo(tmp_path: Path) -> Path:
    """A copy of the sample content as a git repo with a few commits by two authors."""
    return make_sample_repo(tmp_path / "repo")


def make_sample_repo(dest: Path) -> Path:
    """The sample content as a git repo: three commits, two authors (for module-scoped fixtures too)."""
    root = copy_sample(dest)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "committee.yml", "templates")
    git(root, "commit", "-q", "-m", "Registry and templates", date="2023-11-01T09:00:00+00:00")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Papers and recommendations", date="2024-01-26T10:00:00+00:00")
    paper = root / "papers/cross-border-recognition/2024-03.md"
    paper.write_text(paper.read_text().replace("twelve months", "twelve months or more"))
    git(root, "commit", "-q", "-am", "Clarify next steps", date="2024-02-02T15:30:00+00:00",
        GIT_AUTHOR_NAME="Trade Co-Lead", GIT_AUTHOR_EMAIL="trade@example.org")
    return root


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None, input: str | None = None):
    """The real console script in a subprocess."""
    exe = Path(sys.executable).with_name("issuepapers")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "issuepapers"]
    e = {**os.environ, "NO_COLOR": "1", **(env or {})}
    return subprocess.run(cmd + list(args), cwd=cwd or REPO, env=e, capture_output=True, text=True,
                          input=input, timeout=600)


def assert_golden(golden: Path, text: str) -> None:
    """Compare `text` with a golden file; UPDATE_GOLDEN=1 rewrites it (then read the diff)."""
    if os.environ.get("UPDATE_GOLDEN") or not golden.exists():
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text, encoding="utf-8")
        if not os.environ.get("UPDATE_GOLDEN"):
            pytest.fail(f"wrote missing golden file {golden}; check it and rerun")
    assert text == golden.read_text(encoding="utf-8"), \
        f"output changed; if intended, rerun with UPDATE_GOLDEN=1 and review the diff of {golden}"
