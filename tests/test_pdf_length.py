"""`paper-too-long` from the real page count: the PDF knows how many pages a paper prints on (`check` estimates)."""

from __future__ import annotations

import json

from conftest import copy_sample, run_cli

PAPER = "papers/forced-labor/2024-06.md"
# About a page and a half of prose: `check`'s generous estimate stays quiet, the PDF does not.
PARAGRAPH = ("The working group met with trade and agency staff to review the pilot's results, the data each "
             "side exchanged, and the steps that remain before the recognition can be extended to more ports. ")


def lengthen(root, paragraphs: int) -> None:
    paper = root / PAPER
    text = paper.read_text(encoding="utf-8")
    extra = "\n\n".join(PARAGRAPH * 3 for _ in range(paragraphs))
    paper.write_text(text.replace("## Current Status", extra + "\n\n## Current Status", 1), encoding="utf-8")


def test_a_paper_printing_past_max_pages_is_warned_about_even_when_up_to_date(tmp_path):
    root = copy_sample(tmp_path / "repo")
    lengthen(root, 14)
    assert "paper-too-long" not in run_cli("check", PAPER, cwd=root).stderr  # under the estimate's threshold
    first = run_cli("pdf", PAPER, "--format", "json", cwd=root)
    assert first.returncode == 0, first.stderr
    found = [f for f in json.loads(first.stdout) if f["rule"] == "paper-too-long"]
    assert len(found) == 1 and found[0]["severity"] == "warning" and found[0]["path"] == PAPER
    pages = int(found[0]["message"].split("prints on ")[1].split()[0])
    assert pages >= 3
    again = run_cli("pdf", PAPER, cwd=root)  # up to date: the count comes from the cache's manifest
    assert "1 up to date" in again.stderr and f"prints on {pages} pages" in again.stderr

    registry = root / "committee.yml"
    registry.write_text(registry.read_text().replace("  current_term: 17\n", "  current_term: 17\n  max_pages: 9\n"))
    assert "paper-too-long" not in run_cli("pdf", PAPER, cwd=root).stderr


def test_the_sample_papers_fit_on_two_pages(tmp_path):
    root = copy_sample(tmp_path / "repo")
    done = run_cli("pdf", cwd=root)
    assert done.returncode == 0 and "paper-too-long" not in done.stderr, done.stderr
