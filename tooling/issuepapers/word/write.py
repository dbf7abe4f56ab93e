"""A paper → a .docx in the issue-paper layout, for agency clearance.

It prints what the PDF prints, from the same context (`pdf.context.paper_context`):
the header block, the month, the agency and office lines, Pub #, the title,
Action Required, the body with run-in bold labels, the signer and the date,
and a footer with page numbers. The body is the sanitized HTML of the paper's
reading (`doc.reading.html`), walked element by element into Word paragraphs,
runs, real Word lists (one numbering definition for bullets, one per ordered
list, levels by nesting), tables and pictures with their alt text.

The committee's `templates/word/reference.docx` (else the package's) gives the
styles, margins and fonts. Fields the layout does not print (status,
next_meeting, recommendations, supersedes, tags, and any other) travel in the document's
properties, so importing the export gives the paper back.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path

from .paper import kept_in_properties
from .read import W, w

REFERENCE = "word/reference.docx"
# Paragraph styles the import recognises exactly (a foreign document has none of them: then it reads the text).
STYLES = {"header": "Issue Paper Header", "agency": "Issue Paper Agency", "office": "Issue Paper Office",
          "title": "Issue Paper Title", "month": "Issue Paper Month"}
BULLETS = ("\u2022", "o", "\u25aa")
ORDERED = ("decimal", "lowerLetter", "lowerRoman")
MAX_WIDTH_EMU = 6 * 914400  # six inches: the text width of a Letter page with 1.25" margins


class ExportError(Exception):
    """A paper that cannot be written as .docx (an image file missing, a reference document unreadable)."""


# A small tree of the body's HTML ------------------------------------------------------------------

class Node:
    __slots__ = ("attrs", "children", "parent", "tag")

    def __init__(self, tag: str, attrs: dict | None = None, parent=None):
        self.tag, self.attrs, self.children, self.parent = tag, attrs or {}, [], parent


_VOID = {"br", "img", "hr", "input", "meta", "link", "col", "wbr"}


class _Tree(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.node = Node("root")

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: v or "" for k, v in attrs}, self.node)
        self.node.children.append(node)
        if tag not in _VOID:
            self.node = node

    def handle_startendtag(self, tag, attrs):
        self.node.children.append(Node(tag, {k: v or "" for k, v in attrs}, self.node))

    def handle_endtag(self, tag):
        node = self.node
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self.node = node.parent

    def handle_data(self, data):
        self.node.children.append(data)


def parse_html(html: str) -> Node:
    tree = _Tree()
    tree.feed(html)
    tree.close()
    return tree.root


def _text_of(node) -> str:
    if isinstance(node, str):
        return node
    return "".join(_text_of(c) for c in node.children)


# The document ------------------------------------------------------------------------------------

class Writer:
    def __init__(self, docx, reference: Path, image_dir: Path, image_root: Path):
        self.docx = docx
        self.doc = docx.Document(str(reference))
        self.image_dir, self.image_root = image_dir, image_root
        body = self.doc.element.body
        for child in list(body):
            if child.tag != w("sectPr"):
                body.remove(child)
        self._ensure_styles()
        self._bullet_num = None
        self._ordered_abstract = None
        self._last_link = None

    # styles and numbering

    def _ensure_styles(self) -> None:
        from docx.enum.style import WD_STYLE_TYPE
        from docx.enum.text import WD_ALIGN_PARAGRAPH

        names = {s.name for s in self.doc.styles}
        for key, name in STYLES.items():
            if name in names:
                continue
            style = self.doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
            style.base_style = self.doc.styles["Normal"]
            style.font.bold = key in ("header", "agency", "title", "month")
            if key in ("header", "month"):
                style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER

    def _numbering(self):
        return self.doc.part.numbering_part.element

    def _add_abstract(self, formats: list[tuple[str, str]]) -> str:
        from docx.oxml import parse_xml

        numbering = self._numbering()
        ids = [int(a.get(w("abstractNumId"))) for a in numbering.iter(w("abstractNum"))]
        new_id = str(max(ids, default=0) + 1)
        levels = "".join(
            f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/>'
            f'<w:lvlJc w:val="left"/><w:pPr><w:ind w:left="{720 * (i + 1)}" w:hanging="360"/></w:pPr></w:lvl>'
            for i, (fmt, text) in enumerate(formats))
        el = parse_xml(f'<w:abstractNum xmlns:w="{W}" w:abstractNumId="{new_id}">'
                       f'<w:multiLevelType w:val="hybridMultilevel"/>{levels}</w:abstractNum>')
        first_num = numbering.find(w("num"))
        if first_num is not None:
            first_num.addprevious(el)
        else:
            numbering.append(el)
        return new_id

    def _add_num(self, abstract_id: str, restart: bool) -> str:
        from docx.oxml import parse_xml

        numbering = self._numbering()
        ids = [int(n.get(w("numId"))) for n in numbering.iter(w("num"))]
        num_id = str(max(ids, default=0) + 1)
        override = '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride>' if restart else ""
        numbering.append(parse_xml(f'<w:num xmlns:w="{W}" w:numId="{num_id}"><w:abstractNumId w:val="{abstract_id}"/>'
                                   f"{override}</w:num>"))
        return num_id

    def bullet_num(self) -> str:
        if self._bullet_num is None:
            abstract = self._add_abstract([("bullet", BULLETS[i % 3]) for i in range(9)])
            self._bullet_num = self._add_num(abstract, False)
        return self._bullet_num

    def ordered_num(self) -> str:
        if self._ordered_abstract is None:
            self._ordered_abstract = self._add_abstract(
                [(ORDERED[i % 3], f"%{i + 1}.") for i in range(9)])
        return self._add_num(self._ordered_abstract, True)

    # paragraphs

    def para(self, style: str | None = None):
        p = self.doc.add_paragraph()
        if style:
            p.style = self.doc.styles[style]
        return p

    def labelled(self, label: str, value: str):
        p = self.para()
        p.add_run(f"{label}:").bold = True
        p.add_run(f" {value}")
        return p

    @staticmethod
    def set_list(p, num_id: str, level: int) -> None:
        from docx.oxml import parse_xml

        ppr = p._p.get_or_add_pPr()
        ppr.append(parse_xml(f'<w:numPr xmlns:w="{W}"><w:ilvl w:val="{level}"/><w:numId w:val="{num_id}"/>'
                             "</w:numPr>"))

    # the body

    def body(self, html: str) -> None:
        root = parse_html(html)
        blocks = [c for c in root.children if not (isinstance(c, str) and not c.strip())]
        i = 0
        while i < len(blocks):
            node = blocks[i]
            if isinstance(node, Node) and node.tag == "h2":
                label = re.sub(r"\s+", " ", _text_of(node)).strip()
                nxt = blocks[i + 1] if i + 1 < len(blocks) else None
                p = self.para()
                p.add_run(f"{label}:").bold = True
                if isinstance(nxt, Node) and nxt.tag == "p":
                    p.add_run(" ")
                    self.inline(p, nxt, {})
                    i += 1
                i += 1
                continue
            self.block(node, {})
            i += 1

    def block(self, node, fmt: dict) -> None:
        if isinstance(node, str):
            if node.strip():
                p = self.para()
                self.inline(p, node, fmt)
            return
        tag = node.tag
        if tag in ("p", "dt", "dd", "figcaption"):
            p = self.para()
            self.inline(p, node, fmt)
        elif re.fullmatch(r"h[1-6]", tag):
            p = self.para()
            self.inline(p, node, {**fmt, "bold": True})
        elif tag in ("ul", "ol"):
            self.list(node, 0, None)
        elif tag == "table":
            self.table(node)
        elif tag == "pre":
            for line in _text_of(node).rstrip("\n").split("\n"):
                p = self.para()
                run = p.add_run(line)
                run.font.name = "Courier New"
        elif tag == "hr":
            return
        elif tag == "blockquote":
            for child in node.children:
                self.block(child, {**fmt, "italic": True})
        else:  # div, dl, section, …: their children
            for child in node.children:
                self.block(child, fmt)

    def list(self, node: Node, level: int, num_id: str | None) -> None:
        num_id = self.bullet_num() if node.tag == "ul" else self.ordered_num()
        for li in node.children:
            if not isinstance(li, Node) or li.tag != "li":
                continue
            p = self.para()
            self.set_list(p, num_id, level)
            inline_children, nested = [], []
            for child in li.children:
                if isinstance(child, Node) and child.tag in ("ul", "ol"):
                    nested.append(child)
                elif isinstance(child, Node) and child.tag == "p" and not nested:
                    if inline_children:
                        inline_children.append(" ")
                    inline_children.extend(child.children)
                else:
                    inline_children.append(child)
            holder = Node("span")
            holder.children = inline_children
            self.inline(p, holder, {})
            for sub in nested:
                self.list(sub, level + 1, num_id)

    def table(self, node: Node) -> None:
        rows = []

        def walk(n):
            for c in n.children:
                if isinstance(c, Node):
                    if c.tag == "tr":
                        rows.append([x for x in c.children if isinstance(x, Node) and x.tag in ("td", "th")])
                    else:
                        walk(c)
        walk(node)
        if not rows:
            return
        width = max(len(r) for r in rows)
        table = self.doc.add_table(rows=len(rows), cols=width)
        try:
            table.style = self.doc.styles["Table Grid"]
        except KeyError:
            pass
        for r, cells in enumerate(rows):
            for c, cell in enumerate(cells):
                p = table.cell(r, c).paragraphs[0]
                self.inline(p, cell, {"bold": cell.tag == "th"})

    # runs

    def inline(self, p, node, fmt: dict, state: dict | None = None) -> None:
        state = state if state is not None else {"start": True}
        if isinstance(node, str):
            text = re.sub(r"\s+", " ", node)
            if state["start"]:
                text = text.lstrip()
            if not text:
                return
            state["start"] = text.endswith(" ")
            self.run(p, text, fmt)
            return
        tag = node.tag
        if tag == "br":
            self.run(p, "\n", fmt)
            state["start"] = True
            return
        if tag == "img":
            self.picture(p, node.attrs.get("src", ""), node.attrs.get("alt", ""))
            state["start"] = False
            return
        sub = dict(fmt)
        if tag in ("strong", "b"):
            sub["bold"] = True
        elif tag in ("em", "i"):
            sub["italic"] = True
        elif tag == "code":
            sub["code"] = True
        elif tag == "sup":
            sub["sup"] = True
        elif tag == "a" and node.attrs.get("href") and not node.attrs["href"].startswith("#"):
            sub["link"] = node.attrs["href"]
        for child in node.children:
            self.inline(p, child, sub, state)
        if p.runs and p.runs[-1].text.endswith(" ") and node.parent is None:
            p.runs[-1].text = p.runs[-1].text.rstrip()

    def run(self, p, text: str, fmt: dict) -> None:
        from docx.shared import RGBColor

        parent = p
        if fmt.get("link"):
            parent = self._hyperlink(p, fmt["link"])
        if parent is p:
            run = p.add_run(text)
        else:
            from docx.text.run import Run

            r = parent.makeelement(w("r"), {})
            parent.append(r)
            run = Run(r, p)
            run.text = text
            run.font.color.rgb = RGBColor(0x05, 0x63, 0xC1)
            run.font.underline = True
        if fmt.get("bold"):
            run.bold = True
        if fmt.get("italic"):
            run.italic = True
        if fmt.get("code"):
            run.font.name = "Courier New"
        if fmt.get("sup"):
            run.font.superscript = True

    def _hyperlink(self, p, url: str):
        from docx.opc.constants import RELATIONSHIP_TYPE as RT

        last = p._p[-1] if len(p._p) else None
        if last is not None and self._last_link is not None and self._last_link[0] is last \
                and self._last_link[1] == url:
            return last
        rid = p.part.relate_to(url, RT.HYPERLINK, is_external=True)
        link = p._p.makeelement(w("hyperlink"), {})
        link.set("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id", rid)
        p._p.append(link)
        self._last_link = (link, url)
        return link

    def picture(self, p, src: str, alt: str) -> None:
        from urllib.parse import unquote

        from docx.shared import Emu

        name = unquote(src.split("#", 1)[0].split("?", 1)[0])
        path = (self.image_dir / name).resolve() if name and "://" not in name and not name.startswith("data:") \
            else None
        if path is None or not path.is_relative_to(self.image_root.resolve()) or not path.is_file():
            raise ExportError(f"image {src!r} is not a file beside the paper")
        run = p.add_run()
        try:
            shape = run.add_picture(str(path))
        except Exception as exc:  # noqa: BLE001 (python-docx: UnrecognizedImageError and friends)
            raise ExportError(f"image {src!r} cannot be put into Word: {type(exc).__name__}") from None
        if shape.width and shape.width > MAX_WIDTH_EMU:
            ratio = MAX_WIDTH_EMU / shape.width
            shape.width, shape.height = Emu(MAX_WIDTH_EMU), Emu(int(shape.height * ratio))
        doc_pr = run._r.find(".//{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr")
        if doc_pr is not None:
            doc_pr.set("descr", alt)
            doc_pr.set("name", Path(name).name)

    def footer(self) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.oxml import parse_xml

        for section in self.doc.sections:
            section.footer.is_linked_to_previous = False
            p = section.footer.paragraphs[0] if section.footer.paragraphs else section.footer.add_paragraph()
            for child in list(p._p):
                if child.tag != w("pPr"):
                    p._p.remove(child)
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            p.add_run("Page ")
            p._p.append(parse_xml(f'<w:fldSimple xmlns:w="{W}" w:instr=" PAGE "><w:r><w:t>1</w:t></w:r>'
                                  "</w:fldSimple>"))
            p.add_run(" of ")
            p._p.append(parse_xml(f'<w:fldSimple xmlns:w="{W}" w:instr=" NUMPAGES "><w:r><w:t>1</w:t></w:r>'
                                  "</w:fldSimple>"))


def build(ctx: dict, raw: dict, body_html: str, reference: Path, image_dir: Path, image_root: Path,
          moment=None) -> bytes:
    """The .docx bytes of one paper: `ctx` is the PDF's context, `raw` its front matter as written."""
    from . import require_docx

    docx = require_docx()
    wr = Writer(docx, reference, image_dir, image_root)
    masthead = [ctx["committee"], "Government Issue Paper", ctx["subcommittee"], ctx["working_group"]]
    p = wr.para(STYLES["header"])
    for i, line in enumerate(x for x in masthead if x):
        if i:
            p.add_run().add_break()
        p.add_run(line)
    wr.para(STYLES["month"]).add_run(ctx["month"])
    if ctx["agency"]:
        wr.para(STYLES["agency"]).add_run(ctx["agency"])
    if ctx["office"]:
        wr.para(STYLES["office"]).add_run(ctx["office"])
    if ctx["pub_number"]:
        wr.para().add_run(f"Pub #{ctx['pub_number']}")
    wr.para(STYLES["title"]).add_run(ctx["title"])
    wr.para(STYLES["month"]).add_run(ctx["month"])
    wr.labelled("Action Required", ctx["action"] or "")
    if ctx["supersedes"]:
        wr.labelled("Supersedes", ctx["supersedes"])
    if ctx["superseded_by"]:
        wr.labelled("Superseded by", ctx["superseded_by"])
    wr.body(body_html)
    if ctx["signer_label"]:
        wr.labelled(ctx["signer_label"], ctx["signer"])
    if ctx["date"]:
        wr.labelled("Date", ctx["date"])
    if ctx["draft"]:
        for section in wr.doc.sections:
            section.header.is_linked_to_previous = False
            hp = section.header.paragraphs[0] if section.header.paragraphs else section.header.add_paragraph()
            hp.text = "DRAFT"
    wr.footer()
    props = wr.doc.core_properties
    props.title = f"{ctx['title']}, {ctx['month']}"[:255]
    props.subject = f"{ctx['committee']} Government Issue Paper"[:255]
    props.author = (ctx["signer"] or ctx["working_group"] or ctx["committee"] or "")[:255]
    props.last_modified_by = "issuepapers"
    props.keywords = ", ".join(map(str, raw.get("tags") or []))[:255]
    kept = kept_in_properties(raw)
    # dc:description ("Comments" in Word's properties); python-docx's setter stops at 255 characters
    props._element._get_or_add("description").text = \
        "issuepapers:" + json.dumps(kept, default=str, ensure_ascii=False)
    props.revision = 1
    if moment is not None:
        stamp = moment.replace(tzinfo=None, microsecond=0)
        props.created = props.modified = stamp
    out = io.BytesIO()
    wr.doc.save(out)
    return deterministic_zip(out.getvalue(), moment)


def deterministic_zip(data: bytes, moment=None) -> bytes:
    """The same package with fixed member times: the same paper gives the same bytes."""
    stamp = (1980, 1, 1, 0, 0, 0)
    if moment is not None and moment.year >= 1980:
        stamp = (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=stamp)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()
