"""Site benchmarks, in one run (figures printed; targets from issue 5):

1. our build (`mkdocs build` with the issuepapers plugin: load, check, git history,
   generate, sanitize) vs stock Material building the same generated Markdown
   files with the same small nav — target ≤ 1.3×;
2. our build at 4,000 vs 1,000 documents — target ≤ 4.5× (linear);
3. history: our one-pass `read_history` on 1,000 pages × 3,000 commits vs
   mkdocs-git-revision-date-localized-plugin on the same repo — target ≥ 10× faster.

    python benchmarks/bench_site.py [--small N] [--large N] [--commits N] [--skip-history]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
from corpus import generate  # noqa: E402

BIN = Path(sys.executable).parent
ENV = {**os.environ, "ISSUEPAPERS_PDF": "false", "NO_MKDOCS_2_WARNING": "1", "SOURCE_DATE_EPOCH": "1711929600",
       "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.org",
       "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "bench@example.org"}
NAV = """nav:
  - Home: index.md
  - Papers: papers/index.md
  - Meetings: meetings/index.md
  - Status: status/index.md
  - Recommendations: recommendations/index.md
  - Calendar: calendar.md
"""


def sh(*args, cwd: Path, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, env=ENV, check=True, capture_output=True, **kw)


def timed_build(cwd: Path, config: str = "mkdocs.yml") -> float:
    t = time.perf_counter()
    r = subprocess.run([str(BIN / "mkdocs"), "build", "-q", "-f", config], cwd=cwd, env=ENV,
                       capture_output=True, text=True)
    dt = time.perf_counter() - t
    if r.returncode:
        raise SystemExit(f"build failed in {cwd}:\n{r.stderr[-3000:]}")
    return dt


def best(fn, runs: int) -> float:
    return min(fn() for _ in range(runs))


def make_repo(dest: Path, n: int) -> Path:
    root = generate(dest, n, seed=5)
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(REPO / "docs", root / "docs")
    shutil.copytree(REPO / "templates" / "site", root / "templates" / "site")
    sh("git", "init", "-q", "-b", "main", cwd=root)
    sh("git", "add", "-A", cwd=root)
    sh("git", "commit", "-q", "-m", "corpus", cwd=root)
    return root


def stock_copy(root: Path, dest: Path) -> Path:
    """The same generated Markdown pages in a plain docs folder, built by stock Material, same nav."""
    sys.path.insert(0, str(REPO / "tooling"))
    from issuepapers.collection import load_collection
    from issuepapers.site.pages import SiteOptions, generate as gen_site, write_folder

    coll = load_collection(root, history=True)
    site = gen_site(coll, SiteOptions())
    docs = dest / "docs"
    write_folder(site, docs, REPO / "templates" / "site" / "assets")
    (dest / "mkdocs.yml").write_text(
        "site_name: Stock\ndocs_dir: docs\nsite_dir: site\ntheme:\n  name: material\n"
        "plugins:\n  - search\n" + NAV + "markdown_extensions:\n  - toc:\n      permalink: true\n  - tables\n"
        "  - attr_list\n")
    return dest


def bench_builds(tmp: Path, small: int, large: int, runs: int) -> None:
    print(f"== build: ours vs stock Material ({small} documents), best of {runs}")
    a = make_repo(tmp / f"ours-{small}", small)
    ours = best(lambda: timed_build(a), runs)
    s = stock_copy(a, tmp / f"stock-{small}")
    stock = best(lambda: timed_build(s), runs)
    print(f"   ours  {ours:7.2f} s\n   stock {stock:7.2f} s\n   ratio {ours / stock:7.2f}×  (target ≤ 1.3×)")
    print(f"== build: {large} vs {small} documents (ours)")
    b = make_repo(tmp / f"ours-{large}", large)
    big = best(lambda: timed_build(b), max(1, runs - 1))
    print(f"   {small:>5} docs {ours:7.2f} s\n   {large:>5} docs {big:7.2f} s\n"
          f"   ratio {big / ours:7.2f}×  for {large / small:.1f}× the documents (target ≤ 4.5×)")


def history_repo(dest: Path, n: int, commits: int) -> Path:
    """n documents and `commits` commits (one initial, then one edit of a random document each), via fast-import."""
    root = generate(dest, n, seed=7)
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.md"))
    texts = {f: (root / f).read_bytes() for f in files}
    rng = random.Random(3)
    out = bytearray()
    t0 = 1_600_000_000
    authors = [f"Author {i}" for i in range(12)]

    def commit(i: int, changes: list[str], msg: str):
        who = authors[i % len(authors)]
        m = msg.encode()
        out.extend(b"commit refs/heads/main\n")
        out.extend(f"author {who} <a{i % 12}@example.org> {t0 + i * 3600} +0000\n".encode())
        out.extend(f"committer {who} <a{i % 12}@example.org> {t0 + i * 3600} +0000\n".encode())
        out.extend(f"data {len(m)}\n".encode() + m + b"\n")
        for f in changes:
            data = texts[f]
            out.extend(f"M 100644 inline {f}\ndata {len(data)}\n".encode() + data + b"\n")

    commit(0, files, "corpus")
    for i in range(1, commits):
        f = rng.choice(files)
        texts[f] = texts[f] + f"\nEdit {i}.\n".encode()
        commit(i, [f], f"Edit {f}")
    sh("git", "init", "-q", "-b", "main", cwd=root)
    subprocess.run(["git", "fast-import", "--quiet"], cwd=root, env=ENV, input=bytes(out), check=True)
    sh("git", "reset", "-q", "--hard", "main", cwd=root)
    return root


def bench_history(tmp: Path, n: int, commits: int) -> None:
    print(f"== history: {n} pages × {commits} commits")
    root = history_repo(tmp / "history", n, commits)
    sys.path.insert(0, str(REPO / "tooling"))
    from issuepapers.history import read_history

    t = time.perf_counter()
    h = read_history(root, ("papers", "recommendations"))
    ours = time.perf_counter() - t
    assert len(h.files) == n, len(h.files)
    print(f"   ours (one git log pass)                   {ours:7.2f} s")
    try:
        import mkdocs_git_revision_date_localized_plugin  # noqa: F401
    except ImportError:
        print("   mkdocs-git-revision-date-localized-plugin not installed: comparison skipped")
        return
    # Build the same pages with stock Material, with and without the plugin: the difference is its cost.
    docs = root / "docs"
    docs.mkdir()
    for top in ("papers", "recommendations"):
        (docs / top).symlink_to(root / top, target_is_directory=True)
    (docs / "index.md").write_text("# Home\n")
    base = "site_name: H\ndocs_dir: docs\ntheme:\n  name: mkdocs\nnav:\n  - Home: index.md\n"
    (root / "plain.yml").write_text(base + "plugins: []\n")
    (root / "grdl.yml").write_text(base + "plugins:\n  - git-revision-date-localized:\n"
                                          "      enable_creation_date: true\n      fallback_to_build_date: true\n")
    plain = timed_build(root, "plain.yml")
    with_plugin = timed_build(root, "grdl.yml")
    theirs = with_plugin - plain
    print(f"   git-revision-date-localized (build delta) {theirs:7.2f} s"
          f"  ({with_plugin:.2f} s with it, {plain:.2f} s without)")
    print(f"   speed-up {theirs / ours:7.1f}×  (target ≥ 10×)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", type=int, default=1000)
    ap.add_argument("--large", type=int, default=4000)
    ap.add_argument("--commits", type=int, default=3000)
    ap.add_argument("--history-pages", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--skip-builds", action="store_true")
    ap.add_argument("--skip-history", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-site-") as d:
        tmp = Path(d)
        if not args.skip_builds:
            bench_builds(tmp, args.small, args.large, args.runs)
        if not args.skip_history:
            bench_history(tmp, args.history_pages, args.commits)


if __name__ == "__main__":
    main()
