"""`check` over N synthetic documents vs a baseline that only reads and parses front matter.

Both run in the same process on the same files, so the ratio holds on a noisy
machine. Target: ratio <= 1.5. Usage: python benchmarks/bench_check.py [N] [REPEAT]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tooling"))

import yaml  # noqa: E402

from corpus import generate  # noqa: E402
from issuepapers.collection import discover, load_collection  # noqa: E402
from issuepapers.rules import check_collection  # noqa: E402


def baseline(root: Path) -> int:
    """Read each document and parse its front matter with PyYAML's C loader: nothing else."""
    n = 0
    for path in discover(root):
        text = path.read_text(encoding="utf-8")
        _, fm, _ = text.split("---\n", 2)
        yaml.load(fm, Loader=yaml.CSafeLoader)
        n += 1
    return n


def ours(root: Path) -> int:
    coll = load_collection(root)
    findings = check_collection(coll)
    assert not [f for f in findings if f.severity == "error"], findings[:3]
    return len(coll.documents())


def timed(fn, root) -> float:
    t = time.perf_counter()
    fn(root)
    return time.perf_counter() - t


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    repeat = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    with tempfile.TemporaryDirectory() as tmp:
        root = generate(Path(tmp), n, seed=1)
        assert ours(root) == baseline(root) == n  # warm the page cache, check the corpus
        base, mine = [], []
        for _ in range(repeat):  # interleaved, so drift hits both alike
            base.append(timed(baseline, root))
            mine.append(timed(ours, root))
    b, m = statistics.median(base), statistics.median(mine)
    print(f"documents: {n}, runs: {repeat} (median)")
    print(f"baseline (read + yaml.CSafeLoader): {b:.3f} s")
    print(f"issuepapers check:                 {m:.3f} s")
    print(f"ratio: {m / b:.2f}x (target <= 1.5x)")


if __name__ == "__main__":
    main()
