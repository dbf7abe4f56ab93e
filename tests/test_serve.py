"""`issuepapers serve` keeps serving while a paper has errors: every page lists them; `build` still fails."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import copy_sample, run_cli

PAPER = "papers/forced-labor/2024-06.md"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    """One request; the server must answer within seconds, whatever the state of the papers."""
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=10) as res:
            status, body = res.status, res.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        status, body = exc.code, exc.read().decode("utf-8", "replace")
    assert time.monotonic() - started < 10
    return status, body


def _wait_for(url: str, test, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        try:
            status, last = _get(url)
            if test(status, last):
                return last
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} did not reach the expected state in {timeout}s; last page:\n{last[-2000:]}")


@pytest.fixture
def served(tmp_path):
    root = copy_sample(tmp_path / "repo")
    port = _free_port()
    exe = Path(sys.executable).with_name("issuepapers")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "issuepapers"]
    with open(tmp_path / "serve.log", "wb") as log:
        proc = subprocess.Popen(cmd + ["serve", "--no-pdf", "-a", f"127.0.0.1:{port}"], cwd=root,
                                stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "NO_COLOR": "1"})
        try:
            yield root, f"http://127.0.0.1:{port}"
        finally:
            proc.terminate()  # the server this test started, by its own handle
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def test_serve_shows_errors_and_recovers(served):
    root, base = served
    page = f"{base}/papers/forced-labor/2024-06/"
    _wait_for(page, lambda s, b: s == 200 and "ip-error-banner" not in b)
    paper = root / PAPER
    good = paper.read_text(encoding="utf-8")

    # A wrong value: the page still answers, and names the error with its place and rule, escaped.
    paper.write_text(good.replace("status: draft", "status: <b>finall</b>", 1)
                     if "status: draft" in good else
                     "\n".join("status: <b>finall</b>" if line.startswith("status:") else line
                               for line in good.split("\n")), encoding="utf-8")
    body = _wait_for(page, lambda s, b: "error[invalid-value]" in b)
    assert f"{PAPER}:5:9: error[invalid-value]" in body
    assert "&lt;b&gt;finall&lt;/b&gt;" in body and "<b>finall</b>" not in body
    status, home = _get(f"{base}/")
    assert status == 200 and "error[invalid-value]" in home

    # Broken front matter (a title with ': '): the plain-words message, on every page, even a missing one.
    paper.write_text(good.replace("action_required:", "title: Trade Partnership: June update\naction_required:", 1),
                     encoding="utf-8")
    body = _wait_for(f"{base}/", lambda s, b: "error[yaml-syntax]" in b)
    assert "put the title in quotes" in body
    status, missing = _get(f"{base}/no-such-page/")
    assert status == 404 and "error[yaml-syntax]" in missing

    # Fixed: the banner goes, the paper's page is back.
    paper.write_text(good, encoding="utf-8")
    body = _wait_for(page, lambda s, b: s == 200 and "ip-error-banner" not in b)
    assert "Forced Labor" in body


def test_build_still_fails_on_errors(tmp_path):
    root = copy_sample(tmp_path / "repo")
    paper = root / PAPER
    paper.write_text("\n".join("status: finall" if line.startswith("status:") else line
                               for line in paper.read_text(encoding="utf-8").split("\n")), encoding="utf-8")
    res = run_cli("build", "--no-pdf", "--site-dir", str(tmp_path / "site"), cwd=root)
    assert res.returncode != 0
    assert "invalid-value" in res.stdout + res.stderr and "Traceback" not in res.stderr
