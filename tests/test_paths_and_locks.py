"""Issue 11, items 2 and 6: every path stays inside its root; concurrent runs wait for one another.

- ids that become paths are slugs (`check`: registry-invalid at the id's line) and are refused again
  at write time (`fsutil.inside`, the site's URI guard);
- content folders and files that resolve outside the repository, and special files, are reported and
  never read; a command-line path outside the repository is a usage error (exit 2);
- an output folder that overlaps a source folder or the repository is refused before anything is deleted;
- `set` and `publish` accept repository documents only;
- concurrent `build`s and `pdf`s on one output folder wait for one another (a lock beside the folder).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import copy_sample, run_cli

from issuepapers.collection import load_collection
from issuepapers.fsutil import OutsideRoot, clean_relative, inside
from issuepapers.rules import check_collection

HOSTILE_IDS = ["../../../../tmp/x/PWNED", "a/b", ".", "..", "/etc/passwd", "nul\0id", "x" * 300,
               "UPPER", "a..b", "a\\b", "-lead", "trail-", ""]


def _snapshot(root: Path) -> dict[str, str]:
    """Every file under root (links not followed) with its content's hash."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in filenames:
            p = Path(dirpath) / name
            out[p.relative_to(root).as_posix()] = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "?"
    return out


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return copy_sample(tmp_path / "repo")


def _line_of(text: str, needle: str) -> int:
    return text.splitlines().index(needle) + 1


def _findings(root: Path, rule: str):
    return [f for f in check_collection(load_collection(root)) if f.rule == rule]


# 1. ids that become paths are slugs ---------------------------------------------------------

@pytest.mark.parametrize("bad", HOSTILE_IDS)
def test_hostile_meeting_id_is_refused_by_check(repo: Path, bad: str):
    reg = repo / "committee.yml"
    text = reg.read_text()
    text = text.replace("meetings:\n", f"meetings:\n  - id: {json.dumps(bad)}\n    date: 2030-01-15\n", 1)
    reg.write_text(text)
    line = _line_of(text, f"  - id: {json.dumps(bad)}")
    hits = _findings(repo, "registry-invalid")
    assert any(f.path == "committee.yml" and f.line == line for f in hits), [(f.line, f.message) for f in hits]
    assert bad not in load_collection(repo).registry.meetings


@pytest.mark.parametrize("which", ["  - id: secure-trade-lanes", "      - id: forced-labor"])
@pytest.mark.parametrize("bad", ["../../x", "a/b", "..", "/abs", "x" * 100])
def test_hostile_subcommittee_and_working_group_ids_are_refused(repo: Path, which: str, bad: str):
    reg = repo / "committee.yml"
    text = reg.read_text()
    assert which in text
    prefix = which.split("id:")[0] + "id: "
    text = text.replace(which, prefix + json.dumps(bad), 1)
    reg.write_text(text)
    line = _line_of(text, prefix + json.dumps(bad))
    hits = _findings(repo, "registry-invalid")
    assert any(f.line == line for f in hits), [(f.line, f.message) for f in hits]


@pytest.mark.parametrize("rel", ["../x.pdf", "books/../../x.pdf", "/tmp/x.pdf", "a//b", "./a", "a/./b",
                                 "nul\0.pdf", "a\\..\\b", "", "books/.."])
def test_write_guard_refuses_paths_leaving_the_output(tmp_path: Path, rel: str):
    out = tmp_path / "out"
    assert not clean_relative(rel)
    with pytest.raises(OutsideRoot):
        inside(out, rel)
    assert not out.exists()


def test_write_guard_refuses_a_linked_subfolder_leading_out(tmp_path: Path):
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / "books").symlink_to(elsewhere)
    with pytest.raises(OutsideRoot):
        inside(out, "books/2024-03.pdf")
    assert inside(out, "papers/x/2024-03.pdf") == out / "papers/x/2024-03.pdf"


@pytest.mark.parametrize("uri", ["meetings/../../../../tmp/x/PWNED.md", "/abs.md", "a/../b.md"])
def test_site_uri_guard(uri: str):
    from types import SimpleNamespace

    from issuepapers.site.build import _guard_uris

    with pytest.raises(OutsideRoot):
        _guard_uris(SimpleNamespace(pages={uri: None}, files={}, external={}))
    _guard_uris(SimpleNamespace(pages={"meetings/2024-03.md": None}, files={"feed.xml": b""}, external={}))


def test_build_with_hostile_meeting_id_writes_nothing_outside(repo: Path, tmp_path: Path):
    target = tmp_path / "x" / "PWNED"
    bad = "../" * 12 + str(target).lstrip("/")
    reg = repo / "committee.yml"
    reg.write_text(reg.read_text().replace("meetings:\n", f"meetings:\n  - id: {json.dumps(bad)}\n"
                                                          "    date: 2030-01-15\n", 1))
    r = run_cli("build", "--no-pdf", cwd=repo)
    assert r.returncode == 1, r.stderr
    assert "registry-invalid" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "x").exists()


# 2. content outside the repository, special files, command-line paths ---------------------------

@pytest.mark.parametrize("folder", ["papers", "recommendations", "papers/forced-labor"])
def test_content_folder_linked_outside_is_reported_and_not_read(repo: Path, tmp_path: Path, folder: str):
    outside = tmp_path / "outside"
    (repo / folder).rename(outside)
    (repo / folder).symlink_to(outside, target_is_directory=True)
    coll = load_collection(repo)
    assert not any(d.path.startswith(folder + "/") for d in coll.documents())
    hits = _findings(repo, "file-outside-repository")
    assert [(f.path, f.line) for f in hits] == [(folder, 1)]
    r = run_cli("check", "--format", "json", cwd=repo)
    assert r.returncode == 1
    assert any(f["rule"] == "file-outside-repository" and f["path"] == folder for f in json.loads(r.stdout))


def test_content_folder_linked_inside_is_still_read(repo: Path):
    (repo / "papers").rename(repo / "real-papers")
    (repo / "papers").symlink_to("real-papers", target_is_directory=True)
    coll = load_collection(repo)
    assert any(d.path.startswith("papers/") for d in coll.documents())
    assert not _findings(repo, "file-outside-repository")


@pytest.mark.parametrize("name", ["papers/x.md", "papers/forced-labor/2030-01.md", "recommendations/17/17-999.md"])
def test_fifo_is_reported_not_opened(repo: Path, name: str):
    (repo / name).parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(repo / name)
    r = run_cli("check", "--format", "json", cwd=repo)  # would block forever if the FIFO were opened
    assert r.returncode == 1, r.stderr
    found = [f for f in json.loads(r.stdout) if f["path"] == name]
    assert [(f["rule"], f["line"]) for f in found] == [("not-a-regular-file", 1)]


@pytest.mark.parametrize("make", ["file", "dir", "dotdot"])
def test_check_path_outside_repository_is_usage_error(repo: Path, tmp_path: Path, make: str):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "bad.md").write_text("no front matter\n")
    arg = {"file": str(elsewhere / "bad.md"), "dir": str(elsewhere), "dotdot": "../elsewhere/bad.md"}[make]
    r = run_cli("check", arg, cwd=repo)
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert "outside the committee repository" in r.stderr and "Traceback" not in r.stderr


# 3. output folders overlapping sources -------------------------------------------------------

def _edit_uncommitted(repo: Path) -> None:
    p = repo / "papers/forced-labor/2024-06.md"
    p.write_text(p.read_text() + "\nAn uncommitted edit.\n")


@pytest.mark.parametrize("site_dir", ["papers", ".", "..", "recommendations/x", "templates", "papers/forced-labor",
                                      "docs"])
def test_build_refuses_site_dir_overlapping_sources(repo: Path, site_dir: str):
    _edit_uncommitted(repo)
    parent_before = sorted(p.name for p in repo.parent.iterdir())
    before = _snapshot(repo)
    r = run_cli("build", "--no-pdf", "--site-dir", site_dir, cwd=repo)
    assert r.returncode == 2, (r.returncode, r.stderr)
    # ours ("refusing …"), or MkDocs' own for a site_dir holding docs_dir
    assert ("refusing" in r.stderr or "should not be within" in r.stderr) and "Traceback" not in r.stderr
    assert _snapshot(repo) == before
    assert sorted(p.name for p in repo.parent.iterdir()) == parent_before


@pytest.mark.parametrize("args", [("pdf", "--out", "papers"), ("pdf", "--out", "."), ("pdf", "--out", "templates/x"),
                                  ("book", "--meeting", "2024-03", "--out", "papers/x.pdf"),
                                  ("book", "--meeting", "2024-03", "--out", "committee.yml"),
                                  ("book", "--meeting", "2024-03", "--out", "recommendations")])
def test_pdf_and_book_refuse_outputs_overlapping_sources(repo: Path, args):
    _edit_uncommitted(repo)
    before = _snapshot(repo)
    r = run_cli(*args, cwd=repo)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert "refusing" in r.stderr and "Traceback" not in r.stderr
    assert _snapshot(repo) == before


@pytest.mark.parametrize("site_dir", ["papers", "recommendations", "templates/site", "papers/forced-labor"])
def test_mkdocs_plugin_refuses_site_dir_overlapping_sources(repo: Path, site_dir: str):
    code = ("import sys\n"
            "from mkdocs.commands.build import build\n"
            "from mkdocs.config import load_config\n"
            "from mkdocs.exceptions import PluginError, Abort\n"
            f"cfg = load_config(config_file='mkdocs.yml', site_dir={site_dir!r})\n"
            "cfg.plugins['issuepapers'].config.pdf = False\n"
            "cfg.plugins.on_startup(command='build', dirty=False)\n"
            "try:\n    build(cfg)\nexcept (PluginError, Abort) as e:\n    print('REFUSED', e); sys.exit(3)\n")
    _edit_uncommitted(repo)
    before = _snapshot(repo)
    r = subprocess.run([sys.executable, "-c", code], cwd=repo, capture_output=True, text=True, timeout=600)
    assert r.returncode == 3, (r.stdout, r.stderr)
    assert "refusing" in r.stdout + r.stderr
    assert _snapshot(repo) == before


# 4. set and publish: repository documents only ---------------------------------------------------

@pytest.mark.parametrize("command", ["set", "publish"])
@pytest.mark.parametrize("case", ["dotdot", "absolute", "symlink", "registry", "readme", "dotdot-inside"])
def test_set_and_publish_accept_repository_documents_only(repo: Path, tmp_path: Path, command: str, case: str):
    outside = tmp_path / "outside"
    outside.mkdir()
    victim = outside / "2024-06.md"
    victim.write_text((repo / "papers/forced-labor/2024-06.md").read_text())
    (repo / "README.md").write_text("# readme\n")
    if case == "symlink":
        (repo / "papers/forced-labor/2030-01.md").symlink_to(victim)
    arg = {"dotdot": "../outside/2024-06.md", "absolute": str(victim), "symlink": "papers/forced-labor/2030-01.md",
           "registry": "committee.yml", "readme": "README.md",
           "dotdot-inside": "papers/../../outside/2024-06.md"}[case]
    before, outside_before = _snapshot(repo), _snapshot(outside)
    extra = ["status=final"] if command == "set" else ["--yes"]
    r = run_cli(command, arg, *extra, cwd=repo)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert "Traceback" not in r.stderr
    assert _snapshot(repo) == before and _snapshot(outside) == outside_before


# 5. concurrent runs ------------------------------------------------------------------------------

def _popen(*args: str, cwd: Path) -> subprocess.Popen:
    exe = Path(sys.executable).with_name("issuepapers")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "issuepapers"]
    return subprocess.Popen(cmd + list(args), cwd=cwd, env={**os.environ, "NO_COLOR": "1"},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_concurrent_builds_wait_for_one_another(repo: Path):
    procs = [_popen("build", "--no-pdf", cwd=repo) for _ in range(3)]
    results = [(p.wait(timeout=900), p.stderr.read()) for p in procs]
    for code, err in results:
        assert "Traceback" not in err, err
        assert code == 0, err
    site = repo / "site"
    assert (site / "index.html").is_file()
    assert (site / "papers" / "forced-labor" / "2024-06" / "index.html").is_file() \
        or any((site / "papers").rglob("index.html"))
    assert not list(repo.glob(".site.building-*")) and not (repo / ".site.old").exists()
    assert (repo / ".site.lock").is_file()  # the lock they waited on, beside the site folder


def test_concurrent_pdf_runs_wait_for_one_another(repo: Path):
    paper = "papers/forced-labor/2024-06.md"
    procs = [_popen("pdf", paper, "--out", "out", "--jobs", "1", cwd=repo) for _ in range(2)]
    results = [(p.wait(timeout=900), p.stderr.read()) for p in procs]
    for code, err in results:
        assert "Traceback" not in err, err
        assert code == 0, err
    pdf = repo / "out" / "forced-labor" / "2024-06.pdf"
    assert pdf.is_file() and pdf.read_bytes().startswith(b"%PDF")
    assert not [p for p in (repo / "out").rglob("*.tmp")]
    assert (repo / ".out.lock").is_file()
