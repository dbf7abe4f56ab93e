"""PDFs accessible beyond one validator: properties read back from the PDF itself (pypdf).

Every sample paper, a paper built to hold every structure a body can have (numbered,
nested and loose lists, a table, links, a raster and an SVG figure), the redline PDF
and every meeting book are read back, and for each:

- content is painted in the order of the structure tree (a screen reader reads what
  the eye sees): per page, the marked-content ids (MCIDs) come in the content stream
  in the order a walk of the tree visits them, and no tagged content is outside it;
- every list item (`LI`) has one `LBody`, and its marker is an `Lbl` before it;
- link annotations print (flag 3) and are not hidden, each one is the `OBJR` of a
  `Link` structure element and its `/StructParent` leads back to that element;
- running heads, footers and page numbers are `/Artifact`s, never content;
- tables have header cells (`TH`) with a `/Scope`.

WeasyPrint 70 does not do all of this by itself: `issuepapers.pdf.tagging` finishes
what it leaves undone (see its docstring); `test_finishing_changes_no_pixel` holds it
to changing the tags and the painting order only, never what a page looks like.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from pypdf import PdfReader
from pypdf.generic import ArrayObject, ContentStream, DictionaryObject, IndirectObject, NameObject

from conftest import git, make_sample_repo, run_cli

from issuepapers.collection import load_collection
from issuepapers.pdf import pdf_relpath, render_all, render_books

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "pdf"
STRUCTURES = "papers/forced-labor/2024-03.md"  # tests/fixtures/pdf/structures.md
REDLINED = "papers/cross-border-recognition/2024-03.md"
FOOTER = re.compile(r"Page \d+ of \d+")
MARKER = re.compile(r"^\s*(\u2022|o|\u2013|\d{1,3}\.|[a-zA-Z]\.|[ivx]{1,6}\.)\s*$")  # what the lists print


# Reading a tagged PDF back ------------------------------------------------------------------------

def _idnum(obj) -> int:
    return obj.idnum if isinstance(obj, IndirectObject) else obj.indirect_reference.idnum


@dataclass
class Elem:
    obj: DictionaryObject
    role: str
    parent: "Elem | None"
    kids: list = field(default_factory=list)  # Elem, ("mcid", page, n) or ("objr", annotation)

    def walk(self):
        yield self
        for k in self.kids:
            if isinstance(k, Elem):
                yield from k.walk()

    def mcids(self):
        for k in self.kids:
            if isinstance(k, Elem):
                yield from k.mcids()
            elif k[0] == "mcid":
                yield k[1], k[2]

    def ancestors(self):
        e = self.parent
        while e is not None:
            yield e
            e = e.parent

    def attribute(self, key: str):
        attrs = self.obj.get("/A")
        for a in (attrs if isinstance(attrs, ArrayObject) else [attrs] if attrs is not None else []):
            a = a.get_object()
            if isinstance(a, DictionaryObject) and key in a:
                return a[key]
        return None


class Tagged:
    """The structure tree, the marked content of each page and the text painted inside it."""

    def __init__(self, path: Path):
        self.path = path
        self.reader = PdfReader(path)
        self.pages = self.reader.pages
        self._page_of_ref = {p.indirect_reference.idnum: i for i, p in enumerate(self.pages)}
        catalog = self.reader.trailer["/Root"]
        self.root = Elem(catalog["/StructTreeRoot"].get_object(), "StructTreeRoot", None)
        self._build(self.root.obj, self.root, None)
        self.elements = [e for e in self.root.walk() if e is not self.root]
        self.owner = {(page, m): e for e in self.elements for k in e.kids
                      if not isinstance(k, Elem) and k[0] == "mcid" for page, m in [(k[1], k[2])]}

    def _page(self, obj, inherited):
        return self._page_of_ref[obj.raw_get("/Pg").idnum] if "/Pg" in obj else inherited

    def _build(self, obj, elem, page):
        page = self._page(obj, page)
        k = obj.get("/K")
        for kid in (k if isinstance(k, ArrayObject) else [] if k is None else [k]):
            o = kid.get_object()
            if isinstance(o, DictionaryObject) and o.get("/Type") == "/MCR":
                elem.kids.append(("mcid", self._page(o, page), int(o["/MCID"])))
            elif isinstance(o, DictionaryObject) and o.get("/Type") == "/OBJR":
                elem.kids.append(("objr", _idnum(o.raw_get("/Obj"))))
            elif isinstance(o, DictionaryObject):
                child = Elem(o, str(o.get("/S", "/"))[1:], elem)
                elem.kids.append(child)
                self._build(o, child, page)
            else:
                elem.kids.append(("mcid", page, int(o)))

    def tree_order(self, page: int) -> list[int]:
        return [m for p, m in self.root.mcids() if p == page]

    def stream_order(self, page: int) -> list[int]:
        """MCIDs of page `page` in the order its content stream paints them."""
        p = self.pages[page]
        props = p.get("/Resources", {}).get("/Properties", {})
        out = []
        for operands, op in ContentStream(p.get_contents(), self.reader).operations:
            if op == b"BDC":
                plist = operands[1]
                plist = props[plist].get_object() if isinstance(plist, NameObject) else plist
                if isinstance(plist, DictionaryObject) and "/MCID" in plist:
                    out.append(int(plist["/MCID"]))
        return out

    def painted_text(self, page: int) -> list[tuple[tuple, str]]:
        """(enclosing marked-content sequences, text) for the text painted on page `page`;
        each sequence is ("Artifact", None) or (tag, MCID)."""
        stack: list[tuple[str, int | None]] = []
        out: list[tuple[tuple, str]] = []

        def before(op, args, cm, tm):
            if op == b"BMC":
                stack.append((str(args[0])[1:], None))
            elif op == b"BDC":
                plist = args[1]
                mcid = plist.get("/MCID") if isinstance(plist, DictionaryObject) else None
                stack.append((str(args[0])[1:], None if mcid is None else int(mcid)))
            elif op == b"EMC" and stack:
                stack.pop()

        def text(t, cm, tm, font, size):
            if t.strip():
                out.append((tuple(stack), t))

        self.pages[page].extract_text(visitor_operand_before=before, visitor_text=text)
        return out

    def links(self):
        """(page, annotation) of every /Link annotation."""
        for i, p in enumerate(self.pages):
            for a in p.get("/Annots") or []:
                a = a.get_object()
                if a.get("/Subtype") == "/Link":
                    yield i, a

    def parent_tree(self) -> dict[int, object]:
        nums = self.root.obj["/ParentTree"].get_object()["/Nums"]
        return {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}


# The corpus ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict[str, Path]:
    """name → PDF: every paper, every meeting book (every paper of its meeting, as `book --preview`),
    and the redline of a paper whose body and front matter changed since its previous commit."""
    base = tmp_path_factory.mktemp("a11y")
    root = make_sample_repo(base / "repo")
    shutil.copy(FIXTURES / "structures.md", root / STRUCTURES)
    for image in ("chart.png", "seal.svg"):
        shutil.copy(FIXTURES / image, root / "papers/forced-labor" / image)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "A paper with every structure", date="2024-02-05T10:00:00+00:00")
    paper = root / REDLINED
    paper.write_text(paper.read_text().replace("pub_number: 3591-0224", "pub_number: 3592-0224")
                     .replace("Three later sessions", "Later sessions"))
    git(root, "commit", "-q", "-am", "Renumbered", date="2024-02-10T10:00:00+00:00")

    out = base / "out"
    coll = load_collection(root)
    report = render_all(root, coll, out, jobs=2)
    assert report.failed == [], report.failed
    pdfs = {p: out / pdf_relpath(p) for p in report.rendered}
    for book in render_books(root, coll, out):
        pdfs[f"book {book.stem}"] = book
    redline = base / "redline.pdf"
    done = run_cli("diff", REDLINED, "--pdf", "--out", str(redline), cwd=root,
                   env={"HOME": str(root), "GIT_CONFIG_GLOBAL": "/dev/null"})
    assert done.returncode == 0, done.stderr
    pdfs["redline"] = redline
    assert len([p for p in pdfs if p.startswith("papers/")]) == 10 and len(pdfs) >= 15
    return pdfs


@pytest.fixture(scope="module")
def tagged(corpus) -> dict[str, Tagged]:
    return {name: Tagged(path) for name, path in corpus.items()}


NAMES = ["papers/ace-modernization/2024-03.md", "papers/antidumping-countervailing-duty/2023-12.md",
         "papers/cross-border-recognition/2023-12.md", "papers/cross-border-recognition/2024-03.md",
         "papers/forced-labor/2024-06.md", "papers/ipr-process-modernization/2025-09.md",
         "papers/passenger-air-operations/2024-06.md", "papers/trade-partnership-engagement/2024-03.md",
         "papers/trade-partnership-engagement/2024-06.md", STRUCTURES,
         "book 2023-12", "book 2024-03", "book 2024-06", "book 2025-09", "redline"]


def test_the_corpus_is_every_paper_book_and_the_redline(corpus):
    assert sorted(corpus) == sorted(NAMES)


# Reading order ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_painted_in_the_order_of_the_structure_tree(tagged, name):
    doc = tagged[name]
    for page in range(len(doc.pages)):
        tree, stream = doc.tree_order(page), doc.stream_order(page)
        assert len(tree) == len(set(tree)), f"{name} p{page + 1}: an MCID twice in the tree"
        outside = [m for m in stream if m not in set(tree)]
        assert not outside, f"{name} p{page + 1}: tagged content outside the structure tree: MCIDs {outside}"
        assert stream == tree, f"{name} p{page + 1}: painted {stream}\n but the tree reads {tree}"


# Lists -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_every_list_item_has_a_body_and_its_marker_is_a_label(tagged, name):
    doc = tagged[name]
    items = [e for e in doc.elements if e.role == "LI"]
    for li in items:
        roles = [k.role for k in li.kids if isinstance(k, Elem)]
        assert roles.count("LBody") == 1, f"{name}: LI with {roles}"
        assert set(roles) <= {"Lbl", "LBody"}, f"{name}: LI with {roles}"
        assert roles[-1] == "LBody", f"{name}: the Lbl comes after the LBody: {roles}"
    for lbl in (e for e in doc.elements if e.role == "Lbl"):
        assert lbl.parent.role == "LI", f"{name}: Lbl inside {lbl.parent.role}"
    # every marker painted (•, o, –, 1., a., i.) is the content of an Lbl, never a body's text
    labels = {(p, m) for e in doc.elements if e.role == "Lbl" for p, m in e.mcids()}
    markers = 0
    for page in range(len(doc.pages)):
        for stack, text in doc.painted_text(page):
            mark = next((s for s in reversed(stack) if s[1] is not None), None)
            if mark is not None and MARKER.match(text):
                markers += 1
                assert (page, mark[1]) in labels, f"{name} p{page + 1}: marker {text!r} not in an Lbl"
    assert markers == len(labels), f"{name}: {len(labels)} Lbl, {markers} markers painted"
    assert labels, f"{name}: no list marker tagged as an Lbl"  # every PDF here has a bulleted list


def test_lists_of_every_kind_are_tagged(tagged):
    """The structures paper: a numbered list with a nested one, and a loose list whose items hold
    paragraphs (WeasyPrint tags those straight under the LI; the finishing wraps them in an LBody)."""
    doc = tagged[STRUCTURES]
    items = [e for e in doc.elements if e.role == "LI"]
    assert len(items) == 7
    bodies = [next(k for k in li.kids if isinstance(k, Elem) and k.role == "LBody") for li in items]
    assert sum(1 for b in bodies if [k.role for k in b.kids if isinstance(k, Elem)].count("P") == 2) == 1
    assert all(any(isinstance(k, Elem) and k.role == "Lbl" for k in li.kids) for li in items)


# Links --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_links_print_and_are_tagged(tagged, name):
    doc = tagged[name]
    parent_tree = doc.parent_tree()
    objr = {k[1]: e for e in doc.elements if e.role == "Link"
            for k in e.kids if not isinstance(k, Elem) and k[0] == "objr"}
    for page, annot in doc.links():
        flags = int(annot.get("/F", 0))
        assert flags & 4, f"{name} p{page + 1}: link annotation without the Print flag (F={flags})"
        assert not flags & (2 | 32), f"{name} p{page + 1}: hidden link annotation (F={flags})"
        ref = annot.indirect_reference.idnum
        assert ref in objr, f"{name} p{page + 1}: link annotation no Link element holds"
        assert _idnum(parent_tree[int(annot["/StructParent"])]) == _idnum(objr[ref].obj), \
            f"{name} p{page + 1}: the annotation's /StructParent leads elsewhere"


def test_links_are_there_to_check(tagged):
    """Not vacuous: the books' contents and the structures paper's body hold links."""
    assert len(list(tagged[STRUCTURES].links())) >= 2
    assert all(len(list(tagged[f"book {m}"].links())) >= 2 for m in ("2023-12", "2024-03", "2024-06", "2025-09"))


# Artifacts -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_running_heads_and_page_numbers_are_artifacts(tagged, name):
    doc = tagged[name]
    in_tree = {(p, m) for p, m in doc.root.mcids()}
    numbered = 0
    for page in range(len(doc.pages)):
        artifact, content = [], []
        for stack, text in doc.painted_text(page):
            if any(tag == "Artifact" for tag, _ in stack):
                artifact.append(text)
                continue
            mark = next((s for s in reversed(stack) if s[1] is not None), None)
            assert mark is not None and (page, mark[1]) in in_tree, \
                f"{name} p{page + 1}: {text!r} is neither content of the tree nor an artifact"
            content.append(text)
        content_text, artifact_text = " ".join(content), " ".join(artifact)
        assert not FOOTER.search(content_text), f"{name} p{page + 1}: the page number is content"
        assert "not for public release" not in content_text, f"{name} p{page + 1}: the draft label is content"
        if FOOTER.search(artifact_text):
            numbered += 1
            assert f"Page {page + 1} of {len(doc.pages)}" in artifact_text
    cover = 1 if name.startswith("book") else 0  # a book's cover has no footer
    if name != "redline":
        assert numbered == len(doc.pages) - cover, f"{name}: a page without its footer artifact"


def test_running_title_is_an_artifact_too(tagged):
    doc = tagged["papers/cross-border-recognition/2023-12.md"]
    last = len(doc.pages) - 1  # the title is printed at the top of page 1 only; page 2 has it as a running head
    painted = doc.painted_text(last)
    heads = [stack for stack, text in painted if "Cross-Border Recognition Working Group" in text]
    assert heads and all(any(tag == "Artifact" for tag, _ in stack) for stack in heads)


# Tables -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_tables_have_header_cells_with_scope(tagged, name):
    doc = tagged[name]
    for table in (e for e in doc.elements if e.role == "Table"):
        headers = [e for e in table.walk() if e.role == "TH"]
        assert headers, f"{name}: a table without header cells"
        for th in headers:
            assert str(th.attribute("/Scope")) in ("/Column", "/Row", "/Both"), f"{name}: TH without /Scope"


def test_scopes_follow_the_html(tagged):
    """Column headers in the annex and in a Markdown table; the redline's front-matter table names each
    changed field in a row header (`th scope="row"`)."""
    def scopes(name):
        return sorted(str(e.attribute("/Scope")) for e in tagged[name].elements if e.role == "TH")

    assert scopes(STRUCTURES) == ["/Column"] * 3
    assert scopes("book 2024-03") == ["/Column"] * 9  # the annex (6) and the structures paper's table (3)
    assert scopes("redline") == ["/Column"] * 3 + ["/Row"]


# Finishing never changes the look ------------------------------------------------------------------------

def test_finishing_changes_no_pixel(corpus, tmp_path, monkeypatch):
    """The same paper rendered with and without `pdf.tagging.finish`: the same pixels on every page."""
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm (poppler-utils) not installed")
    from issuepapers.assets import templates_for
    from issuepapers.pdf import engine
    from issuepapers.pdf.render import paper_html

    root = corpus[STRUCTURES].parents[2] / "repo"
    coll = load_collection(root)
    eng = engine.Engine.for_root(root, templates_for(root, coll.registry))
    html, _ = paper_html(root, coll, coll.by_path[STRUCTURES])
    base = (root / STRUCTURES).parent.as_uri() + "/"
    (tmp_path / "finished.pdf").write_bytes(eng.write(html, base))
    monkeypatch.setattr(engine, "finish_tagging", lambda document, pdf: None)
    (tmp_path / "raw.pdf").write_bytes(eng.write(html, base))

    raw, finished = Tagged(tmp_path / "raw.pdf"), Tagged(tmp_path / "finished.pdf")
    assert any(raw.stream_order(p) != raw.tree_order(p) for p in range(len(raw.pages))), \
        "WeasyPrint paints this paper in tree order by itself: the finishing is not exercised"
    for name in ("raw", "finished"):
        subprocess.run(["pdftoppm", "-r", "60", "-png", str(tmp_path / f"{name}.pdf"), str(tmp_path / name)],
                       check=True)
    raw_pages, finished_pages = sorted(tmp_path.glob("raw-*.png")), sorted(tmp_path.glob("finished-*.png"))
    assert len(raw_pages) == len(finished_pages) == len(finished.pages)
    for a, b in zip(raw_pages, finished_pages):
        assert a.read_bytes() == b.read_bytes(), f"{b.name} differs from {a.name}"
