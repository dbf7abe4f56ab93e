"""python-frontmatter compatibility: every document is a Post, read as `check` reads it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import frontmatter
import pytest

from conftest import FIXTURES, REPO, copy_sample, run_cli
from issuepapers.load import parse
from issuepapers.posts import new_document, read_post

DOCUMENTS = sorted([*REPO.glob("papers/**/*.md"), *REPO.glob("recommendations/**/*.md"),
                    *(FIXTURES / "good").glob("*.md")])
# YAML 1.1 (python-frontmatter's default SafeLoader) and YAML 1.2 (the strict loader) disagree here on purpose.
YAML11_SURPRISES = {"yaml12-strings.md"}


def _iso(value):
    """Dates as the strict loader keeps them: text, typed later by the model."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _iso(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_iso(v) for v in value]
    return value


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.relative_to(REPO).as_posix())
def test_python_frontmatter_reads_what_check_reads(path: Path):
    raw = path.read_bytes()
    src = parse(path.name, raw)
    assert src.data is not None
    text = raw.decode("utf-8-sig")
    post = read_post(text)
    assert post.metadata == src.data
    assert post.content.replace("\r\n", "\n").strip() == src.body.strip()
    plain = frontmatter.load(path)  # python-frontmatter's own YAML 1.1 handler
    assert plain.content.replace("\r\n", "\n").strip() == src.body.strip()
    if path.name in YAML11_SURPRISES:
        assert _iso(plain.metadata) != src.data  # NO, off, yes, 1.10: the reason the strict loader exists
    else:
        assert _iso(plain.metadata) == src.data


def test_new_documents_are_written_through_python_frontmatter(tmp_path):
    root = copy_sample(tmp_path / "repo")
    paper = root / "papers/cross-border-recognition/2024-03.md"
    post = read_post(paper.read_text())
    paper.write_text(new_document(post.metadata, post.content))
    again = parse("p.md", paper.read_bytes())
    assert again.data == post.metadata and again.body.strip() == post.content.strip()
    assert list(again.data) == list(post.metadata)  # key order kept
    r = run_cli("check", str(paper), cwd=root)
    assert r.returncode == 0, r.stdout + r.stderr


def test_a_scaffold_that_gives_no_front_matter_is_refused(tmp_path):
    root = copy_sample(tmp_path / "repo")
    own = root / "templates/scaffolds"
    own.mkdir(parents=True, exist_ok=True)
    (own / "paper.md.j2").write_text("Just a body, no front matter.\n")
    r = run_cli("new", "paper", "--working-group", "bond", "--meeting", "2024-06", cwd=root)
    assert r.returncode == 2 and "without front matter" in r.stderr and "Traceback" not in r.stderr
    assert not (root / "papers/bond/2024-06.md").exists()
    (own / "paper.md.j2").write_text("---\ntitle: [unclosed\n---\nBody\n")
    r = run_cli("new", "paper", "--working-group", "bond", "--meeting", "2024-06", cwd=root)
    assert r.returncode == 2 and "does not give a readable document" in r.stderr
