"""`check` shares its document rules over forked processes for a large repository: same findings, same order."""

from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path

import pytest

from conftest import REPO, copy_sample, run_cli
from issuepapers.collection import load_collection
from issuepapers.forking import fork_map
from issuepapers.rules import check_collection

BAD = sorted((REPO / "tests" / "fixtures" / "bad").glob("*.md"))


@pytest.fixture(scope="module")
def big_repo(tmp_path_factory) -> Path:
    """The sample plus 1,200 copies of its papers under new working-group folders, with the bad fixtures mixed in."""
    root = copy_sample(tmp_path_factory.mktemp("big") / "repo")
    papers = sorted((root / "papers").rglob("*.md"))
    n = 0
    while n < 1200:
        for p in papers:
            dest = root / "papers" / p.parent.name / f"{2030 + n // 12:04d}-{n % 12 + 1:02d}.md"
            shutil.copy(p, dest)
            n += 1
    for i, bad in enumerate(BAD):
        shutil.copy(bad, root / "papers" / papers[0].parent.name / f"{2200 + i}-01.md")
    return root


def test_shared_check_reports_exactly_what_one_process_reports(big_repo):
    serial = run_cli("check", "--format", "json", "--jobs", "1", cwd=big_repo)
    shared = run_cli("check", "--format", "json", "--jobs", "3", cwd=big_repo)
    assert serial.returncode == shared.returncode == 1
    assert '"rule"' in serial.stdout and "Traceback" not in serial.stderr + shared.stderr
    assert shared.stdout == serial.stdout


def test_a_child_that_dies_has_its_share_done_by_the_parent():
    parent = os.getpid()

    def work(chunk):
        if os.getpid() != parent and chunk[0] >= 1500:
            os.kill(os.getpid(), signal.SIGKILL)  # the last child dies before it answers
        return [x * 2 for x in chunk]

    items = list(range(2000))
    assert fork_map(work, items, jobs=4) == [x * 2 for x in items]


def test_a_collection_loaded_in_shares_is_the_same(big_repo):
    one, shared = load_collection(big_repo), load_collection(big_repo, jobs=3)
    assert [(d.path, d.source.data, d.source.body, d.source.text) for d in shared.documents()] == \
        [(d.path, d.source.data, d.source.body, d.source.text) for d in one.documents()]
    assert [(s.path, s.findings) for s in shared.broken] == [(s.path, s.findings) for s in one.broken]
    assert shared.broken, "the bad fixtures are broken documents"
    # positions are found again from the YAML text after the crossing
    paper = shared.papers[-1]
    again = {d.path: d for d in load_collection(big_repo).papers}[paper.path]
    assert paper.source.at("status") == again.source.at("status") != (1, 1)
    assert check_collection(shared, jobs=2) == check_collection(one, jobs=1)


def test_jobs_must_be_positive():
    done = run_cli("check", "--jobs", "0")
    assert done.returncode == 2 and "--jobs must be 1 or more" in done.stderr
