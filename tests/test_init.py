"""`issuepapers init`: the repository it writes, for both forges, and the CI outputs it relies on.

These run the source tree's tool (fast); tests/test_install.py runs the installed
wheel and executes the generated CI steps.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import GIT_ENV, git

from issuepapers import __version__
from issuepapers.assets import PACKAGE_TEMPLATES
from issuepapers.diagnostics import ERROR, WARNING, Finding, format_gitlab

SITE_URL = "https://example.github.io/newcomm/"


def cli(*args: str, cwd: Path, identity: bool = True, **env: str) -> subprocess.CompletedProcess:
    """The source tree's console script, with git isolated from the user's configuration."""
    e = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    e.update(NO_COLOR="1", HOME=str(cwd), GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1",
             NO_MKDOCS_2_WARNING="1")
    if identity:
        e.update(GIT_ENV)
    e.update(env)
    exe = Path(sys.executable).with_name("issuepapers")
    return subprocess.run([str(exe), *args], cwd=cwd, env=e, capture_output=True, text=True, timeout=300)


def _requirement(root: Path) -> str:
    lines = [ln for ln in (root / "requirements.txt").read_text().splitlines() if ln and not ln.startswith("#")]
    assert len(lines) == 1, lines
    return lines[0]


def _mkdocs_config(root: Path) -> dict:
    class Loader(yaml.SafeLoader):
        pass

    Loader.add_constructor("!ENV", lambda loader, node: ("!ENV", loader.construct_sequence(node)))
    return yaml.load((root / "mkdocs.yml").read_text(), Loader=Loader)


@pytest.fixture(scope="module")
def github_repo(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("init-github")
    done = cli("init", "newcomm", "--name", "Trade Advisory Committee", "--short-name", "TAC", cwd=base)
    assert done.returncode == 0, done.stderr
    return base / "newcomm"


def test_init_github_writes_the_repository(github_repo):
    root = github_repo
    for rel in ("committee.yml", "mkdocs.yml", ".pre-commit-config.yaml", ".github/workflows/issuepapers.yml",
                "CODEOWNERS", "requirements.txt", ".gitignore", "docs/index.md", "docs/contribute.md",
                "templates/README.md", "templates/assets/logo.svg", "templates/scaffolds/paper.md.j2",
                "templates/scaffolds/recommendation.md.j2"):
        assert (root / rel).is_file(), rel
    assert not (root / ".gitlab-ci.yml").exists()
    assert len(list((root / "papers/example-working-group").glob("*.md"))) == 1
    # Only what a committee edits is copied; PDF templates, fonts and site overrides stay in the package.
    assert sorted(p.name for p in (root / "templates").iterdir()) == ["README.md", "assets", "scaffolds"]
    assert [p.name for p in (root / "templates/assets").iterdir()] == ["logo.svg"]
    for rel in ("assets/logo.svg", "scaffolds/paper.md.j2", "scaffolds/recommendation.md.j2"):
        assert (root / "templates" / rel).read_bytes() == (PACKAGE_TEMPLATES / rel).read_bytes(), rel
    readme = (root / "templates/README.md").read_text()
    for rel in ("pdf/paper.css", "pdf/paper.html.j2", "site/pages/paper.html", "site/assets/issuepapers/site.css"):
        assert rel in readme, rel
    registry = yaml.safe_load((root / "committee.yml").read_text())
    assert "logo" not in registry["committee"] and registry["committee"]["name"] == "Trade Advisory Committee"
    assert _requirement(root) == f"issuepapers=={__version__}"

    config = _mkdocs_config(root)
    assert config["theme"]["font"] is False and "custom_dir" not in config["theme"]
    assert config["site_url"] == ("!ENV", ["SITE_URL"])  # unset until the committee or CI says
    assert "issuepapers" in json.dumps(config["plugins"])


def test_init_makes_one_commit_on_main(github_repo):
    root = github_repo
    assert git(root, "symbolic-ref", "--short", "HEAD").strip() == "main"
    assert git(root, "rev-list", "--count", "HEAD").strip() == "1"
    assert git(root, "status", "--porcelain", "--untracked-files=all") == ""  # everything committed
    tracked = set(git(root, "ls-files").split())
    assert {".github/workflows/issuepapers.yml", "templates/assets/logo.svg", "CODEOWNERS"} <= tracked
    # The user's identity when git has one (GIT_ENV here)
    assert git(root, "log", "-1", "--format=%an <%ae>").strip() == "Working Group Member <member@example.org>"


def test_github_workflow_checks_builds_and_deploys(github_repo):
    ci = yaml.safe_load((github_repo / ".github/workflows/issuepapers.yml").read_text())
    triggers = ci[True]  # YAML 1.1 reads the key `on` as true
    assert triggers["push"]["branches"] == ["main"] and "pull_request" in triggers
    build, deploy = ci["jobs"]["build"], ci["jobs"]["deploy"]
    steps = build["steps"]
    checkout = next(s for s in steps if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0
    runs = [s["run"] for s in steps if "run" in s]
    assert any("git fetch --tags" in r for r in runs)
    assert "python -m pip install -r requirements.txt" in runs
    assert "issuepapers check --format github" in runs and "issuepapers build --strict" in runs
    system = next(s for s in steps if s.get("id") == "system-libraries")
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0"):
        assert package in system["run"]
    names = [s.get("run") or s.get("uses").split("@")[0] for s in steps]
    assert names.index("python -m pip install -r requirements.txt") < names.index(
        "issuepapers check --format github") < names.index("issuepapers build --strict") < names.index(
        "actions/upload-pages-artifact")
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-pages-artifact@"))
    assert upload["with"]["path"] == "site/" and "refs/heads/main" in upload["if"]
    assert deploy["needs"] == "build" and "refs/heads/main" in deploy["if"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    assert [s["uses"].split("@")[0] for s in deploy["steps"]] == ["actions/deploy-pages"]
    assert ci["permissions"] == {"contents": "read"}  # least privilege outside the deploy job


def test_init_repository_checks_and_builds_strict(github_repo, tmp_path):
    root = tmp_path / "copy"
    git(github_repo, "clone", "-q", str(github_repo), str(root))  # the fixture stays clean for other tests
    check = cli("check", "--strict", cwd=root)
    assert check.returncode == 0, check.stdout + check.stderr
    assert cli("codeowners", "--check", cwd=root).returncode == 0
    build = cli("build", "--strict", cwd=root, SITE_URL=SITE_URL)
    assert build.returncode == 0, build.stdout + build.stderr
    assert (root / "site/index.html").is_file() and (root / "site/feed.xml").is_file()
    # the scaffolds init copied are what `new` uses
    new = cli("new", "recommendation", "--working-group", "example-working-group", "--title", "A first one",
              cwd=root)
    assert new.returncode == 0, new.stderr
    assert cli("check", "--strict", cwd=root).returncode == 0


def test_init_gitlab_with_a_pinned_git_requirement(tmp_path):
    spec = "issuepapers @ git+https://gitlab.example.org/tools/issuepapers.git@v9.9.9"
    done = cli("init", "glcomm", "--forge", "gitlab", "--requirement", spec, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    root = tmp_path / "glcomm"
    assert (root / ".gitlab-ci.yml").is_file() and not (root / ".github").exists()
    assert _requirement(root) == spec
    assert git(root, "rev-list", "--count", "HEAD").strip() == "1"
    assert git(root, "symbolic-ref", "--short", "HEAD").strip() == "main"
    ci = yaml.safe_load((root / ".gitlab-ci.yml").read_text())
    before = ci["default"]["before_script"]
    assert "python -m pip install -r requirements.txt" in before
    assert any("git fetch --tags" in line for line in before)
    assert all(p in before[0] for p in ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0", "git"))
    assert str(ci["variables"]["GIT_DEPTH"]) == "0" and ci["variables"]["SITE_URL"] == "$CI_PAGES_URL"
    assert ci["check"]["script"] == ["issuepapers check --format gitlab > gl-code-quality-report.json"]
    assert ci["check"]["artifacts"]["reports"]["codequality"] == "gl-code-quality-report.json"
    assert ci["check"]["artifacts"]["when"] == "always"
    assert ci["build"]["script"] == ["issuepapers build --strict"]
    pages = ci["pages"]
    assert pages["script"] == ["issuepapers build --strict --site-dir public"]
    assert pages["artifacts"]["paths"] == ["public"]
    assert pages["rules"] == [{"if": '$CI_COMMIT_BRANCH == "main"'}]
    assert ci["stages"].index(ci["check"]["stage"]) < ci["stages"].index(pages["stage"])
    config = _mkdocs_config(root)
    assert config["theme"]["font"] is False
    build = cli("build", "--strict", "--no-pdf", cwd=root, SITE_URL="https://example.gitlab.io/glcomm")
    assert build.returncode == 0, build.stdout + build.stderr


def test_init_refuses_a_non_empty_folder(github_repo, tmp_path):
    before = sorted(p.name for p in github_repo.iterdir())
    again = cli("init", str(github_repo), cwd=tmp_path)
    assert again.returncode == 2 and "not empty" in again.stderr and "Traceback" not in again.stderr
    assert sorted(p.name for p in github_repo.iterdir()) == before
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes/todo.txt").write_text("x")
    refused = cli("init", "notes", cwd=tmp_path)
    assert refused.returncode == 2 and "not empty" in refused.stderr
    assert [p.name for p in (tmp_path / "notes").iterdir()] == ["todo.txt"]
    assert not [p for p in tmp_path.iterdir() if ".init-" in p.name]  # no temp folder left behind


def test_init_usage_errors(tmp_path):
    bad = cli("init", "x", "--forge", "bitbucket", cwd=tmp_path)
    assert bad.returncode == 2 and "invalid choice" in bad.stderr
    bad = cli("init", "x", "--requirement", " ", cwd=tmp_path)
    assert bad.returncode == 2 and "--requirement" in bad.stderr and not (tmp_path / "x").exists()


def test_init_into_an_empty_folder_without_a_git_identity(tmp_path):
    here = tmp_path / "here"
    here.mkdir()
    done = cli("init", "--no-git", cwd=here)  # DIR defaults to "."
    assert done.returncode == 0, done.stderr
    assert (here / "committee.yml").is_file() and not (here / ".git").exists()
    there = tmp_path / "there"
    there.mkdir()
    done = cli("init", ".", cwd=there, identity=False)  # no user.name/user.email anywhere
    assert done.returncode == 0, done.stderr
    assert git(there, "log", "-1", "--format=%an <%ae>|%cn <%ce>").strip() == \
        "issuepapers init <init@issuepapers.invalid>|issuepapers init <init@issuepapers.invalid>"
    assert oct(there.stat().st_mode & 0o777) != oct(0o700)  # the folder keeps the umask's mode


def test_set_adds_a_signer_to_the_example_paper(github_repo, tmp_path):
    root = tmp_path / "copy"
    git(github_repo, "clone", "-q", str(github_repo), str(root))
    paper = next((root / "papers/example-working-group").glob("*.md"))
    done = cli("set", str(paper), "status=final", "date=" + git(root, "log", "-1", "--format=%cs").strip(),
               "prepared_by.0.name=Government Co-Lead", "prepared_by.0.office=Office of the Example", cwd=root)
    assert done.returncode == 0, done.stderr
    text = paper.read_text()
    assert "prepared_by:\n  - name: Government Co-Lead\n    office: Office of the Example\n" in text
    assert "# When the paper is final" in text  # comments kept
    check = cli("check", "--format", "json", str(paper), cwd=root)
    assert check.returncode == 0 and not [f for f in json.loads(check.stdout) if f["severity"] == "error"], \
        check.stdout


# --format gitlab (GitLab Code Quality) ---------------------------------------------------------

def test_gitlab_code_quality_format():
    findings = [Finding("papers/a/2024-03.md", 3, 5, ERROR, "unknown-key", "unknown key `titel`", "did you mean `title`?"),
                Finding("papers/a/2024-03.md", 9, 1, WARNING, "section-order", "sections out of order"),
                Finding("papers/a/2024-03.md", 12, 1, WARNING, "section-order", "sections out of order")]
    report = json.loads(format_gitlab(findings))
    assert isinstance(report, list) and len(report) == 3
    for item in report:
        assert set(item) >= {"description", "check_name", "fingerprint", "severity", "location"}
        assert item["location"]["path"] == "papers/a/2024-03.md" and isinstance(item["location"]["lines"]["begin"], int)
        assert len(item["fingerprint"]) == 64 and int(item["fingerprint"], 16) >= 0
    first = report[0]
    assert first["severity"] == "major" and first["check_name"] == "unknown-key"
    assert first["location"]["lines"]["begin"] == 3 and "did you mean" in first["description"]
    assert first["fingerprint"] == hashlib.sha256(b"papers/a/2024-03.md\0unknown-key\0unknown key `titel`").hexdigest()
    assert report[1]["severity"] == "minor"
    assert len({i["fingerprint"] for i in report}) == 3  # repeats stay distinct
    # stable: the same finding on another line keeps its fingerprint
    moved = json.loads(format_gitlab([Finding("papers/a/2024-03.md", 30, 1, ERROR, "unknown-key",
                                              "unknown key `titel`")]))
    assert moved[0]["fingerprint"] == first["fingerprint"]
    assert json.loads(format_gitlab([])) == []


def test_check_format_gitlab_on_a_broken_paper(github_repo, tmp_path):
    root = tmp_path / "copy"
    git(github_repo, "clone", "-q", str(github_repo), str(root))
    paper = next((root / "papers/example-working-group").glob("*.md"))
    paper.write_text(paper.read_text().replace("status: draft", "status: draft\ntitel: Typo"))
    done = cli("check", "--format", "gitlab", cwd=root)
    assert done.returncode == 1
    report = json.loads(done.stdout)
    hit = next(i for i in report if i["check_name"] == "unknown-key")
    assert hit["severity"] == "major" and hit["location"] == {
        "path": paper.relative_to(root).as_posix(), "lines": {"begin": 6}}
    for command in (["pdf", "--help"], ["publish", "--help"]):  # every --format offers it
        assert "gitlab" in cli(*command, cwd=root).stdout
