"""Benchmark: one-pass history (history.read_history, with GitPython) against per-file git calls.

Builds a synthetic repository in a temporary folder with `git fast-import`:
N papers under papers/<wg>/<YYYY-MM>.md and M commits by a dozen authors
(the first commits create the papers, the rest edit one to three papers each,
and about one in fifty moves a paper to another month). Then it times

  (a) read_history() over the repository, and
  (b) what mkdocs-git-revision-date-localized-plugin does: for every file,
      `git log -1 --format=%aI -- FILE` and `git log --follow --format=%aI -- FILE`,

checks that both give the same created/modified dates and revision counts,
and prints both times and the ratio (the target is (a) at least 10x faster).

    .venv/bin/python benchmarks/bench_history.py [--papers 1000] [--commits 3000]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

try:
    from issuepapers.history import read_history
except ImportError:  # run from a checkout without the package installed
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tooling"))
    from issuepapers.history import read_history

AUTHORS = [
    ("Ana Ortiz", "ana@example.org"), ("Bo Chen", "bo@example.org"),
    ("Chiara Rossi", "chiara@example.org"), ("Dmitri Ivanov", "dmitri@example.org"),
    ("Emeka Obi", "emeka@example.org"), ("Fatima Zahra", "fatima@example.org"),
    ("Günter Weiß", "guenter@example.org"), ("Hana Sato", "hana@example.org"),
    ("Ines Silva", "ines@example.org"), ("José Núñez", "jose@example.org"),
    ("Kai Müller", "kai@example.org"), ("Lena Berg", "lena@example.org"),
]
TIMEZONES = ["-0500", "-0400", "+0000", "+0100", "+0200"]
WORKING_GROUPS = 25
START = 1_420_070_400  # 2015-01-01T00:00:00Z


def paper_path(index: int, month_offset: int = 0) -> str:
    wg = f"wg-{index % WORKING_GROUPS:02d}"
    month = index // WORKING_GROUPS + month_offset
    return f"papers/{wg}/{2000 + month // 12:04d}-{month % 12 + 1:02d}.md"


def fast_import_stream(papers: int, commits: int, seed: int) -> bytes:
    """The whole history as one fast-import stream (inline blobs)."""
    rng = random.Random(seed)
    creating = max(1, min(papers, commits))
    paths = [paper_path(i) for i in range(papers)]
    revision = [0] * papers
    used = set(paths)
    out: list[bytes] = []

    def data(text: str) -> None:
        raw = text.encode()
        out.append(b"data %d\n" % len(raw) + raw + b"\n")

    # Distinct text per paper: with near-identical files, `git log --follow`
    # (which also looks for copies) would wander into another paper's history.
    words = "cargo bond trade lane port entry manifest tariff audit carrier broker risk".split()
    bodies = [
        "".join(" ".join(rng.choices(words, k=12)) + ".\n" for _ in range(12))
        for _ in range(papers)
    ]

    def content(i: int) -> str:
        return (
            f"---\nsubcommittee: sc-{i % 5}\nworking_group: wg-{i % WORKING_GROUPS:02d}\n"
            f"status: draft\naction_required: informational\n---\n\n## Background\n\n"
            f"{bodies[i]}\n## Current Status\n\n"
            + "".join(f"- Revision {r}.\n" for r in range(revision[i] + 1))
        )

    for k in range(commits):
        name, email = AUTHORS[rng.randrange(len(AUTHORS))]
        when = f"{START + k * 7200} {TIMEZONES[k % len(TIMEZONES)]}"
        ops: list[str] = []
        if k < creating:
            touched = list(range(k, papers, creating))
            message = f"Add {len(touched)} paper(s)"
        else:
            touched = rng.sample(range(papers), k=min(papers, rng.randint(1, 3)))
            message = f"Update {len(touched)} paper(s)"
            if rng.random() < 0.02:  # a paper moves to another month
                i = touched.pop()
                offset = 1
                while paper_path(i, offset * 100) in used:
                    offset += 1
                new = paper_path(i, offset * 100)
                used.add(new)
                ops.append(f"R {paths[i]} {new}\n")
                paths[i] = new
                message = f"Move {new}"
        out.append(f"commit refs/heads/main\nmark :{k + 1}\n"
                   f"author {name} <{email}> {when}\ncommitter {name} <{email}> {when}\n".encode())
        data(message)
        if k:
            out.append(f"from :{k}\n".encode())
        for op in ops:
            out.append(op.encode())
        for i in touched:
            if k >= creating:
                revision[i] += 1
            out.append(f"M 100644 inline {paths[i]}\n".encode())
            data(content(i))
        out.append(b"\n")
    return b"".join(out)


def build_repo(repo: Path, papers: int, commits: int, seed: int) -> None:
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    stream = fast_import_stream(papers, commits, seed)
    subprocess.run(["git", "fast-import", "--quiet"], cwd=repo, input=stream, check=True)
    subprocess.run(["git", "reset", "-q", "--hard"], cwd=repo, check=True)


def per_file(repo: Path, files: list[str]) -> dict[str, tuple[str, str, int]]:
    """The plugin's way: two git processes per file. -> (created, modified, revisions)."""
    found = {}
    for path in files:
        last = subprocess.run(["git", "log", "-1", "--format=%aI", "--", path],
                              cwd=repo, capture_output=True, text=True, check=True).stdout.split()
        every = subprocess.run(["git", "log", "--follow", "--format=%aI", "--", path],
                               cwd=repo, capture_output=True, text=True, check=True).stdout.split()
        found[path] = (every[-1], last[0], len(every))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=1000)
    parser.add_argument("--commits", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--repeat", type=int, default=5,
                        help="runs of read_history (the best is reported)")
    parser.add_argument("--keep", type=Path, help="build the repository here and keep it")
    args = parser.parse_args(argv)

    # Same, neutral git configuration for both contenders.
    os.environ.update(GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull,
                      GIT_TERMINAL_PROMPT="0")
    with tempfile.TemporaryDirectory(prefix="bench-history-") as tmp:
        repo = args.keep or Path(tmp) / "repo"
        t0 = time.perf_counter()
        build_repo(repo, args.papers, args.commits, args.seed)
        built = time.perf_counter() - t0
        print(f"repository: {args.papers} papers, {args.commits} commits, "
              f"built in {built:.2f} s ({repo})")

        ours_times = []
        for _ in range(max(1, args.repeat)):
            t0 = time.perf_counter()
            history = read_history(repo)
            ours_times.append(time.perf_counter() - t0)
        ours = min(ours_times)

        files = sorted(history.files)
        t0 = time.perf_counter()
        theirs = per_file(repo, files)
        baseline = time.perf_counter() - t0

        mismatches = [
            path for path in files
            if (history.files[path].created.isoformat(), history.files[path].modified.isoformat(),
                history.files[path].revisions) != theirs[path]
        ]
        renamed = sum(1 for f in history.files.values() if f.previous_paths)
        print(f"files: {len(files)} ({renamed} renamed), commits walked: "
              f"{len({c.sha for f in history.files.values() for c in f.commits})}")
        print(f"(a) read_history, one git log:      {ours:8.3f} s  "
              f"(best of {len(ours_times)}, median {statistics.median(ours_times):.3f} s)")
        print(f"(b) 2 git calls per file ({2 * len(files)} calls): {baseline:8.3f} s")
        print(f"ratio (b)/(a): {baseline / ours:.1f}x  (target >= 10x)")
        agree = len(files) - len(mismatches)
        print(f"created/modified/revisions agree on {agree}/{len(files)} files"
              + (f"; first mismatch: {mismatches[0]}" if mismatches else ""))
        return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
