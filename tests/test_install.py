"""The installed package is the product: the wheel in a fresh venv, outside the source tree.

One session-scoped fixture builds the wheel from this repository
(`pip wheel --no-deps --no-build-isolation`) and installs it into a new venv in
a temp folder; its dependencies come from the package index (pip's cache makes
repeats fast). Then, with the working directory in a temp folder and no source
tree on sys.path:

- a committee's whole life with the installed tool: `init`, `check`,
  `build --strict`, `pdf`, `book`, `publish`; every page's stylesheets, scripts
  and PDF links resolve to files of the built site, and the installed tool's
  PDF of a paper is byte-identical to the source tree's for the same commit;
- the CI file `init` wrote is run, not just read: the GitHub workflow's `run:`
  steps and the GitLab jobs' `script:` lines, in order, in a clone of the
  generated repository, with the venv first on PATH and requirements.txt
  pointing at the built wheel (`init --requirement WHEEL`), so the install step
  installs it. `uses:` steps are the forge's own actions and are not run; the
  output they would give (the Pages address) is supplied. The step that
  installs the system libraries is recognised by its marker (GitHub:
  `id: system-libraries`; GitLab: the first `before_script` line, guarded by
  `dpkg -s`): it is run as written, and its guard must find the libraries
  present, since `sudo` and `apt-get` are replaced by stubs that fail. Without
  the libraries (no `dpkg -s` success) the CI tests are skipped.
- `python -m build` on a copy of the source tree gives a wheel and an sdist
  that `twine check --strict` accepts, with every default inside the wheel.

Marked `install`; it runs in `make test` (nothing deselects it):
`pytest -m install` runs these alone, `-m "not install"` skips them.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml
from conftest import GIT_ENV

from issuepapers import __version__

pytestmark = pytest.mark.install

REPO = Path(__file__).resolve().parents[1]
SOURCE_TOOL = Path(sys.executable).with_name("issuepapers")  # the source tree's (editable) install
SITE_URL = "https://example.github.io/newcomm/"
SYSTEM_LIBRARIES = ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0")
# What the wheel must carry (issuepapers/templates/… ← the project's templates/…).
WHEEL_DEFAULTS = ("pdf/paper.css", "fonts/OFL.txt", "assets/logo.svg", "site/assets/issuepapers/site.css",
                  "site/assets/issuepapers/tracker.js", "scaffolds/paper.md.j2", "redline/redline.css")


def _run(cmd: list, *, cwd: Path | None = None, env: dict | None = None, timeout: int = 600,
         check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    if check:
        assert done.returncode == 0, f"{' '.join(map(str, cmd))} → exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


@dataclass(frozen=True)
class Installed:
    base: Path   # temp folder, outside the source tree
    wheel: Path
    venv: Path

    @property
    def bin(self) -> Path:
        return self.venv / "bin"

    def env(self, home: Path, **extra: str) -> dict:
        """A committee member's shell: the venv first on PATH, no source tree, git isolated from the user's."""
        e = {k: v for k, v in os.environ.items()
             if not k.startswith("GIT_") and k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")}
        e.update(GIT_ENV)
        e.update(PATH=f"{self.bin}{os.pathsep}{os.environ.get('PATH', '')}", VIRTUAL_ENV=str(self.venv),
                 HOME=str(home), GIT_CONFIG_GLOBAL=os.devnull, NO_COLOR="1", NO_MKDOCS_2_WARNING="1")
        e.update(extra)
        return e

    def run(self, *args: str, cwd: Path, check: bool = True, **extra: str) -> subprocess.CompletedProcess:
        return _run([self.bin / "issuepapers", *args], cwd=cwd, env=self.env(cwd, **extra), check=check)


@pytest.fixture(scope="session")
def installed(tmp_path_factory) -> Installed:
    base = tmp_path_factory.mktemp("installed")
    assert not base.resolve().is_relative_to(REPO)
    dist = base / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", dist, REPO])
    (wheel,) = dist.glob("issuepapers-*.whl")
    venv = base / "venv"
    _run([sys.executable, "-m", "venv", venv])
    # dependencies from the package index (pip's own cache under the real HOME)
    _run([venv / "bin/python", "-m", "pip", "install", "-q", wheel], cwd=base)
    return Installed(base, wheel, venv)


def _git(cwd: Path, *args: str) -> str:
    e = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    e.update(GIT_ENV, HOME=str(cwd), GIT_CONFIG_GLOBAL=os.devnull)
    return _run(["git", *args], cwd=cwd, env=e).stdout


# links of the built site ------------------------------------------------------------------------

class _Refs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "link" and "stylesheet" in a.get("rel", "").split() and a.get("href"):
            self.refs.append(("stylesheet", a["href"]))
        elif tag == "script" and a.get("src"):
            self.refs.append(("script", a["src"]))
        elif tag == "a" and urlsplit(a.get("href", "")).path.lower().endswith(".pdf"):
            self.refs.append(("pdf", a["href"]))


def broken_links(site: Path, site_url: str = SITE_URL) -> tuple[list[str], dict[str, int]]:
    """Every page's stylesheets, scripts and PDF links that do not resolve to a file of `site`."""
    prefix = urlsplit(site_url).path  # root-relative URLs (404.html) start with the site's own path
    broken, seen = [], {"stylesheet": 0, "script": 0, "pdf": 0}
    for page in sorted(site.rglob("*.html")):
        parser = _Refs()
        parser.feed(page.read_text(encoding="utf-8"))
        for kind, url in parser.refs:
            seen[kind] += 1
            parts = urlsplit(url)
            where = f"{page.relative_to(site)}: {kind} {url}"
            if parts.scheme or parts.netloc:
                if not url.startswith(site_url):
                    broken.append(f"{where} (another host: a third-party request)")
                    continue
                target = site / unquote(parts.path[len(prefix):])
            elif parts.path.startswith("/"):
                if not parts.path.startswith(prefix):
                    broken.append(f"{where} (root-relative outside {prefix})")
                    continue
                target = site / unquote(parts.path[len(prefix):])
            else:
                target = page.parent / unquote(parts.path)
            if parts.path.endswith("/") or target.is_dir():
                target = target / "index.html"
            target = target.resolve()
            if not target.is_relative_to(site.resolve()) or not target.is_file():
                broken.append(f"{where} (no file {target})")
    return broken, seen


# 1. a committee's life with the installed tool ---------------------------------------------------

def test_installed_tool_runs_a_committee(installed, tmp_path):
    work = tmp_path
    py = installed.bin / "python"
    env = installed.env(work)
    where = _run([py, "-c", "import issuepapers, json, sys; print(json.dumps([issuepapers.__file__, sys.path]))"],
                 cwd=work, env=env).stdout
    module, path = json.loads(where)
    purelib = Path(_run([py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                        cwd=work, env=env).stdout.strip())
    assert Path(module).resolve().is_relative_to(purelib.resolve()), module
    assert not [p for p in path if p and Path(p).resolve().is_relative_to(REPO)], path

    assert installed.run("--version", cwd=work).stdout.strip() == f"issuepapers {__version__}"
    installed.run("init", "newcomm", cwd=work)
    root = work / "newcomm"
    paper = next((root / "papers/example-working-group").glob("*.md"))
    rel, meeting = paper.relative_to(root).as_posix(), paper.stem

    installed.run("check", cwd=root)
    installed.run("build", "--strict", cwd=root, SITE_URL=SITE_URL)
    assert (root / "site/index.html").is_file()
    installed.run("pdf", cwd=root)
    assert (root / "site/pdf/example-working-group" / f"{meeting}.pdf").is_file()
    installed.run("book", "--meeting", meeting, "--preview", cwd=root)  # the example paper is a draft
    assert (root / "site/pdf/books" / f"{meeting}.pdf").is_file()

    today = _git(root, "log", "-1", "--format=%cs").strip()
    installed.run("set", rel, "status=final", f"date={today}", "prepared_by.0.name=Government Co-Lead",
                  "prepared_by.0.office=Office of the Example", cwd=root)
    installed.run("check", "--strict", cwd=root)
    _git(root, "commit", "-q", "-am", "Example paper final")
    installed.run("publish", rel, "--yes", cwd=root)
    tag = f"papers/example-working-group/{meeting}/v1"
    assert _git(root, "tag", "-l", tag).strip() == tag

    installed.run("build", "--strict", cwd=root, SITE_URL=SITE_URL)
    site = root / "site"
    assert (site / "pdf/example-working-group" / f"{meeting}.pdf").is_file()
    assert (site / "pdf/books" / f"{meeting}.pdf").is_file()
    broken, seen = broken_links(site)
    assert not broken, "\n".join(broken)
    assert seen["stylesheet"] and seen["script"] and seen["pdf"], seen
    pages = "".join(p.read_text(encoding="utf-8") for p in site.rglob("*.html"))
    assert "assets/issuepapers/site.css" in pages and "assets/issuepapers/tracker.js" in pages
    # plain `mkdocs build` finds the plugin through the installed wheel's entry point
    _run([installed.bin / "mkdocs", "build", "--strict", "--site-dir", work / "mkdocs-site"], cwd=root,
         env=installed.env(root, SITE_URL=SITE_URL))
    assert not broken_links(work / "mkdocs-site")[0]

    # The same paper at the same commit: the installed tool's PDF and the source tree's, byte for byte.
    # A clone, so neither run can reuse the other's incremental cache.
    clone = work / "newcomm-source"
    _git(work, "clone", "-q", str(root), str(clone))
    installed.run("pdf", rel, "--out", str(work / "out-installed"), cwd=root)
    _run([SOURCE_TOOL, "pdf", rel, "--out", work / "out-source"], cwd=clone,
         env={**installed.env(clone), "PATH": os.environ.get("PATH", "")})
    ours, theirs = (work / d / "example-working-group" / f"{meeting}.pdf" for d in ("out-installed", "out-source"))
    if not ours.is_file():  # a flat --out folder
        ours, theirs = (work / d / f"{meeting}.pdf" for d in ("out-installed", "out-source"))
    assert hashlib.sha256(ours.read_bytes()).hexdigest() == hashlib.sha256(theirs.read_bytes()).hexdigest()


# 2. the generated CI, run ---------------------------------------------------------------------

def _libraries_present() -> bool:
    return shutil.which("dpkg") is not None and subprocess.run(
        ["dpkg", "-s", *SYSTEM_LIBRARIES], capture_output=True).returncode == 0


@pytest.fixture
def ci_repo(installed, tmp_path, request):
    """`init --forge F --requirement WHEEL`, pushed to a bare `origin`, cloned as the forge's checkout does;
    issuepapers uninstalled from the venv, so the CI's install step is what installs the wheel."""
    if not _libraries_present():
        pytest.skip(f"needs the WeasyPrint system libraries ({', '.join(SYSTEM_LIBRARIES)}) and dpkg")
    forge = request.param
    installed.run("init", "newcomm", "--forge", forge, "--requirement", str(installed.wheel), cwd=tmp_path)
    origin, work = tmp_path / "origin.git", tmp_path / "work"
    _git(tmp_path, "clone", "-q", "--bare", str(tmp_path / "newcomm"), str(origin))
    _git(tmp_path, "clone", "-q", str(origin), str(work))
    _git(origin, "tag", "fetched-by-ci", "HEAD")  # a tag the checkout lacks, for the CI's tag fetch
    stubs = tmp_path / "stubs"  # the system-libraries step must not reach the package manager
    stubs.mkdir()
    for name in ("sudo", "apt-get"):
        (stubs / name).write_text(f"#!/bin/sh\necho 'stub {name} called: the library check failed' >&2\nexit 97\n")
        (stubs / name).chmod(0o755)
    pip = [installed.bin / "python", "-m", "pip"]
    _run([*pip, "uninstall", "-q", "-y", "issuepapers"])
    try:
        yield forge, work, stubs
    finally:
        if _run([*pip, "show", "-q", "issuepapers"], check=False).returncode != 0:
            _run([*pip, "install", "-q", "--no-deps", installed.wheel])


def _step_env(installed: Installed, work: Path, stubs: Path, **extra: str) -> dict:
    env = installed.env(work, **extra)
    env["PATH"] = f"{installed.bin}{os.pathsep}{stubs}{os.pathsep}{os.environ.get('PATH', '')}"
    env.pop("VIRTUAL_ENV", None)  # CI's python is whatever is first on PATH
    return env


_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


@pytest.mark.parametrize("ci_repo", ["github"], indirect=True)
def test_github_workflow_steps_run(installed, ci_repo, tmp_path):
    _, work, stubs = ci_repo
    workflow = yaml.safe_load((work / ".github/workflows/issuepapers.yml").read_text())
    runner = tmp_path / "runner"
    runner.mkdir()
    base = _step_env(installed, work, stubs, CI="true", GITHUB_ACTIONS="true", GITHUB_EVENT_NAME="push",
                     GITHUB_REF="refs/heads/main", GITHUB_WORKSPACE=str(work),
                     GITHUB_ENV=str(runner / "env"), GITHUB_OUTPUT=str(runner / "output"))
    # What the `uses:` steps would give: only these expressions may appear in a run step or its env.
    outputs = {"steps.pages.outputs.base_url": SITE_URL.rstrip("/")}
    ran, used = [], []
    for name in ("build", "deploy"):
        for n, step in enumerate(workflow["jobs"][name]["steps"]):
            if "uses" in step:
                used.append(step["uses"].split("@")[0])
                continue
            assert "if" not in step, f"{name}[{n}]: a run step with a condition the test does not evaluate"
            env = dict(base)
            for key, value in (step.get("env") or {}).items():
                env[key] = _EXPRESSION.sub(lambda m: outputs[m.group(1)], str(value))
            assert not _EXPRESSION.search(step["run"]), step["run"]
            script = runner / f"{name}-{n}.sh"
            script.write_text(step["run"])
            done = _run(["bash", "--noprofile", "--norc", "-eo", "pipefail", script], cwd=work, env=env,
                        check=False)
            assert done.returncode == 0, f"step {step.get('name') or step['run']}: exit {done.returncode}\n" \
                                         f"{done.stdout}\n{done.stderr}"
            ran.append(step.get("id") or step["run"].split("\n")[0])
            if step["run"] == "issuepapers check --format github":
                assert "::error" not in done.stdout, done.stdout
    assert ran == ["git fetch --tags --force origin", "system-libraries",
                   "python -m pip install -r requirements.txt", "issuepapers check --format github",
                   "issuepapers build --strict"]
    assert used == ["actions/checkout", "actions/setup-python", "actions/configure-pages",
                    "actions/upload-pages-artifact", "actions/deploy-pages"]
    assert _git(work, "tag", "-l", "fetched-by-ci").strip() == "fetched-by-ci"
    assert Path(_run([installed.bin / "python", "-c", "import issuepapers; print(issuepapers.__file__)"],
                     cwd=work, env=base).stdout.strip()).is_relative_to(installed.venv)
    assert (work / "site/index.html").is_file()  # what upload-pages-artifact uploads (`path: site/`)
    assert "https://example.github.io/newcomm/" in (work / "site/sitemap.xml").read_text()


GITLAB_KEYWORDS = {"default", "include", "stages", "variables", "workflow", "image", "services", "cache",
                   "before_script", "after_script", "pages:deploy"}


def _expand(value: str, env: dict) -> str:
    return re.sub(r"\$\{?(\w+)\}?", lambda m: env.get(m.group(1), ""), str(value))


@pytest.mark.parametrize("ci_repo", ["gitlab"], indirect=True)
def test_gitlab_ci_scripts_run(installed, ci_repo, tmp_path):
    _, work, stubs = ci_repo
    ci = yaml.safe_load((work / ".gitlab-ci.yml").read_text())
    predefined = {"CI": "true", "GITLAB_CI": "true", "CI_PROJECT_DIR": str(work), "CI_COMMIT_BRANCH": "main",
                  "CI_DEFAULT_BRANCH": "main", "CI_PIPELINE_SOURCE": "push",
                  "CI_PAGES_URL": "https://example.gitlab.io/newcomm"}
    base = _step_env(installed, work, stubs, **predefined)
    for key, value in (ci.get("variables") or {}).items():
        base[key] = _expand(value, base)
    jobs = [name for name in ci if name not in GITLAB_KEYWORDS and not name.startswith(".")]
    jobs.sort(key=lambda j: ci["stages"].index(ci[j].get("stage", "test")))  # stable: file order within a stage
    assert jobs == ["check", "build", "pages"]
    for name in jobs:  # every job, whatever its rules: `build` runs off main, `pages` on main
        job = ci[name]
        env = dict(base)
        for key, value in (job.get("variables") or {}).items():
            env[key] = _expand(value, env)
        lines = list(job.get("before_script", ci["default"]["before_script"])) + list(job["script"])
        script = tmp_path / f"{name}.sh"
        script.write_text("set -eo pipefail\n" + "\n".join(lines) + "\n")
        done = _run(["bash", "--noprofile", "--norc", script], cwd=work, env=env, check=False)
        assert done.returncode == 0, f"job {name}: exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    report = json.loads((work / "gl-code-quality-report.json").read_text())
    assert report == []  # the example repository is clean
    assert (work / "site/index.html").is_file()
    assert (work / "public/index.html").is_file()  # the `pages` job's artifact
    assert "https://example.gitlab.io/newcomm/" in (work / "public/sitemap.xml").read_text()
    broken, _ = broken_links(work / "public", "https://example.gitlab.io/newcomm/")
    assert not broken, "\n".join(broken)
    assert _git(work, "tag", "-l", "fetched-by-ci").strip() == "fetched-by-ci"


# 3. release artifacts ---------------------------------------------------------------------------

def test_build_gives_a_wheel_and_sdist_twine_accepts(tmp_path):
    # What would be committed: tracked and new (not ignored) files that exist in the work tree.
    listed = _run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO).stdout
    src = tmp_path / "src"
    for rel in sorted(set(filter(None, listed.split("\0")))):
        path = REPO / rel
        if path.is_file():
            (src / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, src / rel)
    dist = tmp_path / "dist"
    done = _run([sys.executable, "-m", "build", "--no-isolation", "--outdir", dist, src], cwd=tmp_path)
    assert "deprecat" not in (done.stdout + done.stderr).lower(), done.stdout + done.stderr
    wheels, sdists = list(dist.glob("*.whl")), list(dist.glob("*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1, list(dist.iterdir())
    assert wheels[0].name == f"issuepapers-{__version__}-py3-none-any.whl"
    _run([sys.executable, "-m", "twine", "check", "--strict", *wheels, *sdists], cwd=tmp_path)
    names = set(zipfile.ZipFile(wheels[0]).namelist())
    for rel in WHEEL_DEFAULTS:
        assert f"issuepapers/templates/{rel}" in names, rel
    assert [n for n in names if re.fullmatch(r"issuepapers/templates/fonts/[^/]+\.ttf", n)]
    assert "issuepapers/workflow/skeleton/ci/github.yml" in names
    assert "issuepapers/workflow/skeleton/ci/gitlab.yml" in names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
