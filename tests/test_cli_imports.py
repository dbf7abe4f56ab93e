"""Import weight of the command line: a command loads only the libraries its own work needs.

Each case runs `issuepapers.cli.main([...])` in a fresh interpreter and lists the
top-level packages it imported: `check` is a pre-commit hook and `--help` must be
instant, so neither may pay for WeasyPrint, MkDocs or the PDF tools.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import copy_sample, run_cli

# Run a command in-process, then report its exit code and every module it imported.
PROBE = """
import contextlib, io, json, sys
from issuepapers.cli import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    try:
        code = main(sys.argv[1:])
    except SystemExit as exc:  # --help, --version
        code = exc.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""

# Libraries only rendering, the site, git history or rich terminal output need.
HEAVY = frozenset({
    "weasyprint", "pydyf", "tinycss2", "cssselect2", "PIL",  # the PDF engine
    "mkdocs", "material",  # the site
    "pypdf",  # reading PDFs (books, tests)
    "jinja2", "markdown", "markdown_it", "nh3", "icalendar",  # templates, HTML, calendar
    "git",  # GitPython
    "rich",  # only on a terminal
    "ruamel",  # round-trip editing: `set` and `publish` only
})

PAPER = "papers/ace-modernization/2024-03.md"


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    return copy_sample(tmp_path_factory.mktemp("imports") / "repo")


def probe(cwd: Path, *args: str) -> tuple[int, list[str]]:
    """Exit code of `issuepapers ARGS` and the names of every module it imported."""
    done = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "NO_COLOR": "1"})
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    return report["code"], report["modules"]


def imported(cwd: Path, *args: str) -> tuple[int, set[str]]:
    """Exit code and the top-level packages imported."""
    code, modules = probe(cwd, *args)
    return code, {name.split(".")[0] for name in modules}


@pytest.mark.parametrize("args, allowed", [
    (("check", PAPER), set()),
    (("check", "papers/cross-border-recognition/2023-12.md"), set()),  # an en dash: the glyph rule reads the fonts
    (("check", "--format", "json"), set()),
    (("rules",), set()),
    (("rules", "--format", "json"), set()),
    (("schema",), set()),
    (("list",), set()),
    (("list", "--format", "json"), set()),
    (("set", PAPER, "tags=[imports]"), {"ruamel"}),
    (("new", "recommendation", "--working-group", "forced-labor"), {"jinja2", "markupsafe"}),
], ids=lambda v: " ".join(v) if isinstance(v, tuple) else None)
def test_command_loads_no_heavy_library(sample, args, allowed):
    code, modules = imported(sample, *args)
    assert code == 0, args
    heavy = modules & ((HEAVY | {"fontTools"}) - allowed)
    assert not heavy, sorted(heavy)


@pytest.mark.parametrize("args", [
    ("--help",), ("--version",), ("check", "--help"),
    ("pdf", "--help"), ("book", "--help"), ("build", "--help"), ("serve", "--help"),
    ("history", "--help"), ("diff", "--help"), ("publish", "--help"), ("init", "--help"),
    ("codeowners", "--help"),
], ids=" ".join)
def test_help_and_version_load_nothing_heavy(sample, args):
    code, modules = probe(sample, *args)
    assert code == 0, args
    heavy = {m.split(".")[0] for m in modules} & (HEAVY | {"fontTools", "yaml"})
    assert not heavy, sorted(heavy)
    # Registering a command is argument parsing only: no command module imports the work it runs.
    work = {"issuepapers.pdf.render", "issuepapers.pdf.engine", "issuepapers.pdf.book", "issuepapers.site.build",
            "issuepapers.workflow.publish", "issuepapers.redline", "issuepapers.rules"}
    assert not work & set(modules), sorted(work & set(modules))


def test_pdf_help_still_works(sample):
    res = run_cli("pdf", "--help", cwd=sample)
    assert res.returncode == 0 and "usage: issuepapers pdf" in res.stdout and "--jobs" in res.stdout


def test_top_help_lists_every_command(sample):
    res = run_cli("--help", cwd=sample)
    assert res.returncode == 0
    for name in ("check", "rules", "schema", "new", "set", "list", "pdf", "book", "build", "serve",
                 "history", "diff", "publish", "init", "codeowners"):
        assert f"    {name}" in res.stdout, name


def test_unknown_command_is_a_usage_error(sample):
    res = run_cli("frobnicate", cwd=sample)
    assert res.returncode == 2 and "invalid choice" in res.stderr and "Traceback" not in res.stderr


def test_no_command_module_imports_the_cli():
    """Layers import downward: the command modules find the committee root in `collection`, not in `cli`."""
    package = Path(__file__).resolve().parents[1] / "tooling" / "issuepapers"
    offenders = [p.relative_to(package).as_posix() for p in package.rglob("*.py")
                 if p.name != "__main__.py" and ("from ..cli import" in p.read_text(encoding="utf-8")
                                                 or "from issuepapers.cli import" in p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_every_command_is_in_the_table():
    """`main` builds only the parser of the command it runs, found by name in these tables."""
    from issuepapers import cli

    parser = cli.build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    tabled = [*cli.CORE_COMMANDS, *(n for names in cli.COMMAND_MODULES.values() for n in names)]
    assert list(sub.choices) == tabled
    for name in tabled:
        built = list(next(a for a in cli.build_parser(name)._actions if a.dest == "command").choices)
        same_module = [names for names in cli.COMMAND_MODULES.values() if name in names]
        assert built == ([name] if name in cli.CORE_COMMANDS else list(same_module[0])), name
    assert cli.command_in(["--root", "x", "check", "a.md"]) == "check"
    assert cli.command_in(["--root=x", "pdf"]) == "pdf"
    assert cli.command_in(["--help", "check"]) is None and cli.command_in(["frobnicate"]) is None
