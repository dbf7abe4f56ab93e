"""The command line as a user meets it: whole processes, started side by side.

    python benchmarks/bench_cli.py [N_DOCS] [REPEAT]     (defaults: 5000 documents, 5 runs)

Prints two ratios of median wall times, each against a baseline process run
interleaved with ours (so a noisy machine slows both alike):

(a) `issuepapers check ONE_PAPER` in this repository against `python -c pass`
    (target <= 8x): the price of a pre-commit hook;
(b) `issuepapers check` over N generated documents against a process that only
    reads every file and parses its front matter with `yaml.CSafeLoader`
    (target <= 1.3x).

Output of the commands is discarded; (b) asserts that `check` exits 0. Both
sides run with bytecode caches, as an installed package has them (in a
temporary PYTHONPYCACHEPREFIX, so the source tree is left alone).
To time another copy of the package, put its folder first on PYTHONPATH.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from corpus import generate  # noqa: E402

# The baseline of (b): read every document and parse its front matter, nothing else.
BARE_LOOP = """
import os, sys, yaml
n = 0
for top in ("papers", "recommendations"):
    for d, _, files in os.walk(os.path.join(sys.argv[1], top)):
        for name in files:
            if name.endswith(".md"):
                with open(os.path.join(d, name), encoding="utf-8") as f:
                    _, fm, _ = f.read().split("---\\n", 2)
                yaml.load(fm, Loader=yaml.CSafeLoader)
                n += 1
print(n)
"""


def issuepapers() -> list[str]:
    """The console script a pre-commit hook runs, beside this interpreter (else `python -m`)."""
    script = Path(sys.executable).parent / "issuepapers"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "issuepapers"]


# Bytecode is cached, as in an installed package, but in a folder of our own
# (PYTHONPYCACHEPREFIX) so the source tree stays as it is; set per run in main().
ENV: dict[str, str] = {}


def timed(cmd: list[str], cwd: Path, ok: tuple[int, ...] = (0,)) -> float:
    env = {**os.environ, "NO_COLOR": "1", **ENV}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    t = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - t
    if done.returncode not in ok:
        raise SystemExit(f"{' '.join(cmd)} exited {done.returncode}")
    return elapsed


def side_by_side(base: list[str], ours: list[str], cwd: Path, repeat: int) -> tuple[float, float]:
    timed(base, cwd), timed(ours, cwd)  # warm the page cache and the bytecode caches
    b, m = [], []
    for _ in range(repeat):
        b.append(timed(base, cwd))
        m.append(timed(ours, cwd))
    return statistics.median(b), statistics.median(m)


def report(label: str, base_label: str, b: float, m: float, target: float) -> None:
    print(f"{label}")
    print(f"  {base_label:<44} {b * 1000:8.1f} ms")
    print(f"  {'issuepapers':<44} {m * 1000:8.1f} ms")
    print(f"  ratio {m / b:.2f}x (target <= {target}x){'' if m / b <= target else '  MISSED'}")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    repeat = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    cli = issuepapers()
    paper = sorted((REPO / "papers").rglob("*.md"))[0].relative_to(REPO).as_posix()
    print(f"runs: {repeat} each, median; command: {' '.join(cli)}")

    with tempfile.TemporaryDirectory() as tmp:
        ENV["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        b, m = side_by_side([sys.executable, "-c", "pass"], cli + ["check", paper], REPO, max(repeat, 11))
        report(f"(a) issuepapers check {paper}", "python -c pass", b, m, 8)

        root = generate(Path(tmp) / "corpus", n, seed=1)
        b, m = side_by_side([sys.executable, "-c", BARE_LOOP, str(root)], cli + ["check"], root, repeat)
    report(f"(b) issuepapers check over {n} documents", "read + yaml.CSafeLoader loop (a process)", b, m, 1.3)


if __name__ == "__main__":
    main()
