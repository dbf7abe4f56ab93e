"""Linear time on any input (issue 11): pathological Markdown through check, the renderer, pdf, build and diff.

Bodies made to defeat a parser (runs of `[`, `![`, `<!--`, `<`, emphasis, code, entities, table pipes,
quotes, indentation, attribute lists, link openers, …) go through every command, each a process under
a time limit, so a regression fails instead of hanging. A megabyte on one line is over the size
limits: every command refuses it with `check`'s finding (`body-too-large`, `block-too-long`) at its
line, never a traceback. Within the limits the body is rendered, in seconds
(`markdown_linear` keeps python-markdown linear; `markdown_reading` reads the source in one pass).
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import copy_sample, git, make_sample_repo
from issuepapers.markdown_reading import MAX_BLOCK, MAX_BODY, Reading, body_limits
from issuepapers.redline.diff import WORD_PAIRS, Budget, compare, word_ops
from issuepapers.redline.versions import Version

# A regression fails here rather than hanging; the commands take well under a second or two each.
LIMIT = 20.0
MB = 1_000_000

# -- pathological bodies -------------------------------------------------------------------------------

# Units repeated along one line: each once made some reader scan the rest of its text from every copy.
UNITS = [
    "[", "![", "<!--", "<", "*", "_", "**", "`", "``", "&", "&amp;", "&#", "&#x", "|", ">", "{:", "](", "[a](",
    "[a][", "[a]", "\\", "\\[", "<a ", '<a href="', "<a>", "</a", "[^", "*a", "_a", "a*", "*_", "***a", "<http://",
    "<a@", "#", "-", "=", "![a](", "[![", "[<", "<[", "](<", "`<", "~", "<div>", "<![CDATA[", "<?", "<!", "[x",
    "[a](b)", '[a](b "', "(", ")", '"', "<img ", "<img src=", "  ", "\t", "-->", "]]>", "?>", "]: ", "[a]: ",
    "*[", "[^a]: ", ":", "> -", "1. ", "- [", "|-", "=-",
]


def line_of(unit: str, size: int) -> str:
    return unit * (size // len(unit))


def multi_line(size: int) -> dict[str, str]:
    """Bodies of many lines: each construct repeated (in blocks with blank lines between, within the limits)."""
    n = size
    return {
        "atx headings": "# a\n\n" * (n // 5),
        "hash lines": "#\n" * (n // 2),
        "setext headings": "a\n---\n" * (n // 6),
        "rules": "***\n" * (n // 4),
        "list items": "- a\n" * (n // 4),
        "ordered items": "1. a\n" * (n // 5),
        "indented list": "".join("  " * (i % 30) + "- a\n" for i in range(n // 40)),
        "quote lines": "> a\n" * (n // 4),
        "lazy quote": "> a\nb\n" * (n // 6),
        "table rows": "| a | b |\n|---|---|\n" + "| x | y |\n" * (n // 10),
        "one-column table": "| a |\n" * (n // 6),
        "fences": "```\nx\n```\n" * (n // 10),
        "fence openers": "```\n" * (n // 4),
        "unclosed fences": "```x\n" * (n // 5),
        "growing fences": "".join("`" * (3 + i) + "\n" for i in range(int((2 * n) ** 0.5))),
        "indented code": "    x\n\n" * (n // 7),
        "html blocks": "<div>\n" * (n // 6),
        "comment lines": "<!--\n" * (n // 5),
        "declarations": "<![\n" * (n // 4),
        "cdata": "<![CDATA[\n" * (n // 10),
        "processing instructions": "<?\n" * (n // 3),
        "end tags": "</a\n" * (n // 4),
        "line breaks": "a  \n" * (n // 4),
        "brackets on lines": "[\n" * (n // 2),
        "images on lines": "![\n" * (n // 3),
        "footnotes": "".join(f"[^{i}] " for i in range(n // 24)) + "\n\n"
                     + "".join(f"[^{i}]: x\n" for i in range(n // 24)),
        "abbreviations": "".join(f"*[A{i}]: x\n" for i in range(n // 40)) + "\n" + "A1 " * (n // 12),
        "references": "".join(f"[r{i}]: http://x/{i}\n" for i in range(n // 40))
                      + "".join(f"[a][r{i}] " for i in range(n // 40)),
        "definitions": "".join(f"t{i}\n: d\n\n" for i in range(n // 10)),
    }


def chunked(body: str, size: int = MAX_BLOCK - 2048) -> str:
    """`body` with a blank line wherever a block would pass `size` characters."""
    out, cur, n = [], [], 0
    for line in body.split("\n"):
        if n + len(line) + 1 > size and cur:
            out.append("\n".join(cur))
            cur, n = [], 0
        cur.append(line)
        n += len(line) + 1
    out.append("\n".join(cur))
    return "\n\n".join(out)


def read_all(body: str) -> None:
    """Everything `check`, the PDF and the site read of a body."""
    r = Reading(body, 8)
    r.limits, r.sections, r.images, r.links  # noqa: B018
    if r.too_deep() is None:  # (a body nested too deep is refused: python-markdown recurses on it)
        r.html  # noqa: B018


def timed(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


# -- in process: the renderer and the reading --------------------------------------------------------------


def test_a_block_at_the_limit_reads_in_seconds_whatever_it_holds():
    slow = {}
    for unit in UNITS:
        body = line_of(unit, MAX_BLOCK - 1)
        assert not body_limits(body), unit
        took = timed(read_all, body)
        if took > 3.0:
            slow[unit] = round(took, 2)
    assert not slow, f"quadratic (or worse) again: {slow}"


def test_many_lines_within_the_limits_read_in_seconds():
    slow = {}
    for name, body in multi_line(MAX_BODY // 3).items():
        body = chunked(body)
        assert not body_limits(body), name
        took = timed(read_all, body)
        if took > 6.0:
            slow[name] = round(took, 2)
    assert not slow, f"quadratic (or worse) again: {slow}"


def test_past_the_limits_nothing_is_rendered_and_the_finding_has_its_line():
    head = "## Background\n\nText.\n\n"
    big = Reading(head + "[" * MB, 8)
    [lim] = big.limits
    assert (lim.rule, lim.line, lim.column) == ("body-too-large", 12, MAX_BODY - len(head) + 1)
    took = timed(read_all, big.body)
    assert took < 2.0 and "body-too-large" in big.html and big.images == [] and big.links == []
    assert [s.title for s in big.sections] == ["Background"]

    long_block = head + "\n".join(["word " * 2000] * 4) + "\n\nAfter.\n"
    [lim] = Reading(long_block, 8).limits
    assert (lim.rule, lim.line, lim.column) == ("block-too-long", 12, 1) and "lines 12–15" in lim.message


def test_the_linear_renderer_draws_what_python_markdown_draws():
    import markdown
    from issuepapers.render import EXTENSIONS, _markdown

    plain = markdown.Markdown(extensions=EXTENSIONS, output_format="html")
    linear = _markdown()
    tokens = ["[", "]", "(", ")", "!", "<", ">", '"', "'", "*", "_", "`", "``", "#", ":", "|", "-", "=", "\n",
              "\n\n", " ", "  ", "a", "b c", "http://x.y", "[^1]", "\n[^1]: note\n", "\n*[HTML]: Hyper\n", "HTML",
              "\n[r]: /u\n", "[r]", "<a href='x'>", "</a>", "<div>", "</div>", "<!--", "-->", "&amp;", "&#", "\\",
              "    ", "> ", "- ", "1. ", "\n```\n", "\n```py\n", "\n~~~\n", "\n---\n", "\n===\n", "<b>", "![", "](",
              "[a](b)", '[a](b "t")', "[a](<b> 't')", "](<", "<http://a>", "<a@b.c>", "\t", "\nterm\n: def\n",
              "\n| a | b |\n|---|---|\n", "<img src='x.png' alt='y'>", "</", "<![CDATA[", "]]>", "<?", "?>", "<!x",
              "\n# h #\n", "\nh\n---\n", "(x (y) z)", '"q"']
    rnd = random.Random(11)
    for _ in range(1500):
        text = "".join(rnd.choice(tokens) for _ in range(rnd.randint(1, 50)))
        plain.reset()
        linear.reset()
        try:
            want = plain.convert(text)
        except RecursionError:
            continue
        assert linear.convert(text) == want, text


# -- the PDF ------------------------------------------------------------------------------------------------


def test_converting_a_papers_markdown_runs_under_the_per_paper_time_limit(tmp_path, monkeypatch):
    from issuepapers import render
    from issuepapers.collection import load_collection
    from issuepapers.pdf import render_all

    root = copy_sample(tmp_path / "repo")

    def slow(text: str) -> str:
        time.sleep(30)
        return ""

    monkeypatch.setattr(render, "render_markdown", slow)
    started = time.perf_counter()
    report = render_all(root, load_collection(root), tmp_path / "pdf", jobs=1, timeout=1,
                        paths=["papers/forced-labor/2024-06.md"])
    assert time.perf_counter() - started < 10
    assert [(f.path, f.rule) for f in report.failed] == [("papers/forced-labor/2024-06.md", "pdf-timeout")]
    assert "converting the Markdown" in report.failed[0].message


def test_long_unbroken_runs_get_break_opportunities_in_text_only():
    from issuepapers.pdf.engine import LONG_RUN, RUN_PIECE, break_long_runs

    data = "data:image/png;base64," + "A" * 4000
    html = (f'<p title="{"t" * 900}">{"x" * 1000}&amp;{"y" * 40} {"u" * LONG_RUN}</p><img src="{data}" alt="a">'
            f"<style>p {{ x: {'z' * 900}; }}</style>")
    out = break_long_runs(html)
    assert out.replace("\u200b", "") == html
    assert out.count("\u200b") == (1000 + 5 + 40) // RUN_PIECE  # the one long run, cut every RUN_PIECE
    assert "&amp;" in out and data in out and "t" * 900 in out and "z" * 900 in out and "u" * LONG_RUN in out


# -- redlines --------------------------------------------------------------------------------------------


def test_word_diffs_are_bounded_and_say_so():
    a = "the the a the a a the " * 2000
    b = "a the the a " * 1000 + "x " + "the a a the " * 2000
    budget = Budget()
    took = timed(word_ops, a, b, budget)
    assert took < 2.0 and budget.notes
    ops = word_ops(a, b, budget)
    assert "".join(t for op, t in ops if op != "ins") == a and "".join(t for op, t in ops if op != "del") == b
    small = word_ops("the cat sat", "the dog sat", Budget())
    assert small == [("eq", "the "), ("del", "cat"), ("ins", "dog"), ("eq", " sat")]
    assert WORD_PAIRS >= 1_000_000  # about a thousand words a side are always diffed word by word


def _version(label: str, body: str) -> Version:
    raw = f"---\nsubcommittee: s\nworking_group: w\nmeeting: 2024-06\nstatus: draft\naction_required: informational\n" \
          f"---\n\n## Background\n\n{body}\n"
    return Version(label, None, raw.encode())


@pytest.mark.parametrize("size", [4_000, 12_000, 30_000])
def test_a_repetitive_paragraph_edit_redlines_in_seconds(size):
    n = size // 12
    before = "a the the a " * n
    after = "the a a the " * (n // 2) + "x " + "a the the a " * (n // 2)
    started = time.perf_counter()
    rl = compare("papers/x/2024-06.md", _version("v1", before), _version("v2", after))
    assert time.perf_counter() - started < 5.0
    assert rl.changed and rl.sections


def test_a_body_over_the_limits_redlines_as_its_markdown():
    rl = compare("papers/x/2024-06.md", _version("v1", "Text."), _version("v2", "Text.\n\n" + "[" * MB))
    assert any("size limit" in n for n in rl.notes) and rl.sections[0].status == "changed"


# -- the commands, as processes ----------------------------------------------------------------------------

# Sample papers whose body gets a pathological line, and the unit of each.
HOSTILE = {
    "papers/ace-modernization/2024-03.md": "[",
    "papers/antidumping-countervailing-duty/2023-12.md": "![",
    "papers/forced-labor/2024-06.md": "<!--",
    "papers/passenger-air-operations/2024-06.md": "<a ",
}


def _append(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.write_text(path.read_text(encoding="utf-8") + "\n" + text + "\n", encoding="utf-8")


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """The console script in a subprocess, stopped (and the test failed) if it runs far past the limit."""
    exe = Path(sys.executable).with_name("issuepapers")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "issuepapers"]
    env = {**os.environ, "NO_COLOR": "1", "NO_MKDOCS_2_WARNING": "1"}
    started = time.perf_counter()
    try:
        res = subprocess.run(cmd + list(args), cwd=cwd, env=env, capture_output=True, text=True, timeout=LIMIT * 3,
                             check=False)
    except subprocess.TimeoutExpired:
        pytest.fail(f"`issuepapers {args[0]}` did not finish in {LIMIT * 3:g} s")
    took = time.perf_counter() - started
    assert "Traceback" not in res.stderr + res.stdout, res.stderr[-3000:]
    assert took < LIMIT, f"{args[0]} took {took:.1f} s"
    return res


@pytest.fixture(scope="module")
def megabyte_repo(tmp_path_factory) -> Path:
    """The sample, with a megabyte of a pathological line added to a few papers."""
    root = copy_sample(tmp_path_factory.mktemp("megabyte"))
    for rel, unit in HOSTILE.items():
        _append(root, rel, line_of(unit, MB))
    return root


def _limit_lines(text: str) -> dict[str, str]:
    return {m.group(1): m.group(2) for m in re.finditer(r"^(papers/\S+?):\d+:\d+: error\[([a-z-]+)\]", text, re.MULTILINE)}


def test_check_refuses_a_megabyte_line_at_its_line(megabyte_repo):
    res = _run("check", cwd=megabyte_repo)
    assert res.returncode == 1
    found = _limit_lines(res.stdout)
    assert {p: found.get(p) for p in HOSTILE} == {p: "body-too-large" for p in HOSTILE}, res.stdout[-2000:]


def test_pdf_refuses_a_megabyte_line_with_the_finding(megabyte_repo, tmp_path):
    res = _run("pdf", *HOSTILE, "--out", str(tmp_path / "pdf"), cwd=megabyte_repo)
    assert res.returncode == 1
    assert {p: _limit_lines(res.stderr).get(p) for p in HOSTILE} == {p: "body-too-large" for p in HOSTILE}


def test_build_refuses_a_megabyte_line_with_the_finding(megabyte_repo, tmp_path):
    res = _run("build", "--no-pdf", "--site-dir", str(tmp_path / "site"), cwd=megabyte_repo)
    assert res.returncode == 1
    assert "body-too-large" in res.stderr and "papers/ace-modernization/2024-03.md:" in res.stderr


def test_build_without_check_shows_what_it_cannot_render(megabyte_repo, tmp_path):
    """`check: false` (a committee's choice): the pages say the body is not shown; PDFs off here."""
    root = tmp_path / "repo"
    copy_sample(root)
    for rel, unit in HOSTILE.items():
        _append(root, rel, line_of(unit, MB))
    conf = root / "mkdocs.yml"
    conf.write_text(conf.read_text().replace("      registry: committee.yml\n",
                                             "      registry: committee.yml\n      check: false\n", 1))
    res = _run("build", "--no-pdf", "--preview", cwd=root)  # the preview: every paper has its page
    assert res.returncode == 0, res.stderr[-2000:]
    page = (root / "site" / "papers" / "ace-modernization" / "2024-03" / "index.html").read_text(encoding="utf-8")
    assert "body-too-large" in page and "[[[[[[[[" not in page


@pytest.fixture(scope="module")
def hostile_repo(tmp_path_factory) -> Path:
    """The sample as a git repository, then a commit adding pathological lines within the limits and a long
    repetitive paragraph, then one editing that paragraph."""
    root = make_sample_repo(tmp_path_factory.mktemp("hostile") / "repo")
    for rel, unit in HOSTILE.items():
        _append(root, rel, line_of(unit, 20_000))  # a 20 KB line (most with no break opportunity) prints
    paper = "papers/cross-border-recognition/2024-03.md"
    _append(root, paper, "the the a the a a the " * 1300)
    git(root, "commit", "-q", "-am", "Hostile lines", date="2024-02-05T10:00:00+00:00")
    path = root / paper
    path.write_text(path.read_text(encoding="utf-8").replace(
        "the the a the a a the " * 1300, "a the the a " * 700 + "x " + "the a a the " * 1500), encoding="utf-8")
    git(root, "commit", "-q", "-am", "Rewrite the paragraph", date="2024-02-06T10:00:00+00:00")
    return root


def test_within_the_limits_check_passes_pathological_lines(hostile_repo):
    res = _run("check", cwd=hostile_repo)
    assert not [line for line in res.stdout.splitlines() if ": error[" in line], res.stdout[-2000:]


def test_within_the_limits_the_site_and_its_pdfs_are_built(hostile_repo, tmp_path):
    res = _run("build", "--preview", "--site-dir", str(tmp_path / "site"), cwd=hostile_repo)  # every paper's PDF
    assert res.returncode == 0, res.stderr[-3000:]
    pdfs = {p.relative_to(tmp_path / "site").as_posix() for p in (tmp_path / "site").rglob("*.pdf")}
    assert {"pdf/" + rel.removeprefix("papers/").removesuffix(".md") + ".pdf" for rel in HOSTILE} <= pdfs, pdfs


def test_diff_of_a_repetitive_paragraph_edit(hostile_repo):
    res = _run("diff", "papers/cross-border-recognition/2024-03.md", "--from", "HEAD~1", "--to", "HEAD",
               "--format", "text", cwd=hostile_repo)
    assert res.returncode == 0, res.stderr[-2000:]
    assert "[+ " in res.stdout and "[- " in res.stdout


def test_diff_of_a_megabyte_line(hostile_repo, tmp_path):
    root = make_sample_repo(tmp_path / "repo")
    _append(root, "papers/forced-labor/2024-06.md", line_of("<!--", MB))
    git(root, "commit", "-q", "-am", "A megabyte", date="2024-02-05T10:00:00+00:00")
    res = _run("diff", "papers/forced-labor/2024-06.md", "--from", "HEAD~1", "--to", "HEAD", "--format", "text",
               cwd=root)
    assert res.returncode == 0 and "size limit" in res.stdout
