"""PDF rendering benchmark on the corpus generator's papers.

    python benchmarks/bench_pdf.py [N_DOCS] [SEED]     (default 75 documents: 60 papers)

Prints, in one run:
- per-paper time of `render_all(jobs=1)` against raw WeasyPrint laying out the
  same HTML with a reused font configuration and stylesheet (target ≤ 1.15×);
- `jobs=2` against `jobs=1` throughput (target ≥ 1.7× on 2 cores);
- a rerun with nothing changed (target: 0 renders, ≤ 5 % of the full time).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tooling"))

from corpus import generate  # noqa: E402

from issuepapers.collection import load_collection  # noqa: E402
from issuepapers.pdf import render_all  # noqa: E402
from issuepapers.assets import templates_for  # noqa: E402
from issuepapers.pdf.engine import PDF_VARIANT, STYLESHEET, jinja_env  # noqa: E402
from issuepapers.pdf.render import paper_html  # noqa: E402


def raw_weasyprint(root: Path, coll) -> tuple[float, int]:
    """Raw WeasyPrint on the same HTML: one FontConfiguration and one parsed stylesheet, default fetcher."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    templates = templates_for(root, coll.registry)
    env = jinja_env(templates)
    pages = [(paper_html(root, coll, p, env=env)[0], (root / p.path).parent.as_uri() + "/") for p in coll.papers]
    fc = FontConfiguration()
    css_path = templates.find(STYLESHEET)
    css = CSS(string=css_path.read_text(), base_url=css_path.as_uri(), font_config=fc)
    HTML(string=pages[0][0], base_url=pages[0][1]).write_pdf(stylesheets=[css], font_config=fc,
                                                            pdf_variant=PDF_VARIANT)  # warm-up
    start = time.perf_counter()
    for html, base in pages:
        HTML(string=html, base_url=base).write_pdf(stylesheets=[css], font_config=fc, pdf_variant=PDF_VARIANT)
    return time.perf_counter() - start, len(pages)


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 75
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1700000000")  # no git in the synthetic corpus
    with tempfile.TemporaryDirectory() as tmp:
        root = generate(Path(tmp) / "repo", n, seed)
        coll = load_collection(root)
        papers = len(coll.papers)
        print(f"corpus: {papers} papers ({n} documents, seed {seed}); cores: {os.cpu_count()}; "
              f"load average before: {os.getloadavg()[0]:.2f} (other work on the machine skews the --jobs figure)")

        raw_s, count = raw_weasyprint(root, coll)
        # warm this process's engine the same way the raw run was warmed
        render_all(root, load_collection(root), Path(tmp) / "warm", jobs=1, paths=[coll.papers[0].path])

        one_s, rep1 = timed(lambda: render_all(root, load_collection(root), Path(tmp) / "one", jobs=1))
        assert not rep1.failed and len(rep1.rendered) == papers, rep1.failed
        two_s, rep2 = timed(lambda: render_all(root, load_collection(root), Path(tmp) / "two", jobs=2))
        assert not rep2.failed and len(rep2.rendered) == papers, rep2.failed
        again_s, rep3 = timed(lambda: render_all(root, load_collection(root), Path(tmp) / "two", jobs=2))

        raw_pp, ours_pp = raw_s / count, one_s / papers
        print(f"raw WeasyPrint (reused fonts + stylesheet): {raw_pp * 1000:7.1f} ms/paper")
        print(f"issuepapers pdf --jobs 1 (load, template, sandbox, cache, write): {ours_pp * 1000:7.1f} ms/paper"
              f"  -> {ours_pp / raw_pp:.2f}x raw (target <= 1.15x)")
        print(f"--jobs 1: {one_s:6.2f} s   --jobs 2: {two_s:6.2f} s   -> {one_s / two_s:.2f}x throughput "
              f"(target >= 1.7x on 2 cores)")
        print(f"rerun, nothing changed: {again_s:6.3f} s, {len(rep3.rendered)} rendered, "
              f"{len(rep3.skipped)} up to date -> {100 * again_s / two_s:.1f} % of the full --jobs 2 run "
              f"(target: 0 renders, <= 5 %)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
