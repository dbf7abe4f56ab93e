""".docx → the pieces of an issue paper: header lines, labelled values, body Markdown, images.

Read with python-docx and, below it, its lxml tree: list levels come from the
numbering part (`w:numPr` on the paragraph or its style → `w:abstractNum` →
`w:numFmt`), typed bullets ("•", "o", "-", "▪" and a tab) from their
characters and indentation, tracked changes from `w:ins`/`w:del`/`w:moveFrom`/
`w:moveTo` and the `*PrChange` records, comments from their anchors.

Nothing here knows the registry: resolving names to ids is `paper.py`'s work.
Problems are `Finding`s on the .docx (`FILE:paragraph:1`), never exceptions,
except `WordError` for a file that cannot be opened at all.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ..diagnostics import ERROR, Finding

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
V = "urn:schemas-microsoft-com:vml"


def w(tag: str) -> str:
    return f"{{{W}}}{tag}"


SECTION_LABELS = ("Background", "Objectives and Scope of Activities", "Current Status", "Next Steps")
_LABEL_RE = re.compile(r"^\s*(" + "|".join(re.escape(s).replace(r"\ ", r"\s+") for s in SECTION_LABELS)
                       + r")\s*:\s*", re.IGNORECASE)
_HEADING_LABEL_RE = re.compile(r"^\s*(" + "|".join(re.escape(s).replace(r"\ ", r"\s+") for s in SECTION_LABELS)
                               + r")\s*:?\s*$", re.IGNORECASE)
ACTION_RE = re.compile(r"^\s*Action\s+Required\s*:?\s*(.*?)\s*$", re.IGNORECASE)
SIGNER_RE = re.compile(r"^\s*(Prepared|Submitted)\s+by\s*:\s*(.*?)\s*$", re.IGNORECASE)
DATE_RE = re.compile(r"^\s*Date\s*:\s*(.*?)\s*$", re.IGNORECASE)
PUB_RE = re.compile(r"Pub(?:lication)?\.?\s*(?:#|No\.?|Number)\s*:?\s*(\d{4}-\d{4})", re.IGNORECASE)
LINEAGE_RE = re.compile(r"^\s*Supersede[sd](?:\s+by)?\s*:", re.IGNORECASE)
ACTIONS = ("informational", "decision")

# Bullets typed as characters (Word's own symbol-font bullets too: U+F0B7 •, U+F0A7 ▪, U+F06F o).
TYPED_BULLET_RE = re.compile("^[ \t\u00a0]*([\u2022\u00b7\u25aa\u25a0\u25e6\u2013\u2012o§\\-\uf0b7\uf0a7\uf06f\uf0d8])"
                             "[ \t\u00a0]+(?=\\S)")
TYPED_NUMBER_RE = re.compile(r"^[ \t\u00a0]*\(?(\d{1,2}|[a-zA-Z]|[ivxIVX]{2,4})[.)][ \t\u00a0]+(?=\S)")
# Word's default bullet scheme: level 1 "•", level 2 "o", level 3 "▪".
BULLET_RANK = {"\u2022": 0, "\u00b7": 0, "\uf0b7": 0, "-": 0, "\u2013": 0, "\u2012": 0, "\uf0d8": 0,
               "o": 1, "\u25e6": 1, "\uf06f": 1, "\u25aa": 2, "\u25a0": 2, "§": 2, "\uf0a7": 2}

TRACKED = {w("ins"): "insertion", w("del"): "deletion", w("moveFrom"): "moved text", w("moveTo"): "moved text",
           w("rPrChange"): "formatting change", w("pPrChange"): "formatting change",
           w("sectPrChange"): "formatting change", w("tblPrChange"): "formatting change",
           w("trPrChange"): "formatting change", w("tcPrChange"): "formatting change",
           w("numberingChange"): "formatting change", w("cellIns"): "insertion", w("cellDel"): "deletion",
           w("commentRangeStart"): "comment", w("commentReference"): "comment"}


class WordError(Exception):
    """A file that cannot be read as a Word document at all: one finding, nothing else to say."""

    def __init__(self, rule: str, message: str, hint: str | None = None):
        super().__init__(message)
        self.rule, self.hint = rule, hint


# What a document is made of -----------------------------------------------------------------

@dataclass
class ImageRef:
    blob: bytes
    ext: str
    alt: str
    number: int  # paragraph


@dataclass
class Span:
    text: str
    bold: bool = False
    italic: bool = False
    link: str | None = None
    image: ImageRef | None = None


@dataclass
class Para:
    number: int
    spans: list[Span]
    style: str = ""
    heading: bool = False
    list_kind: str | None = None  # "bullet" | "ordered"
    ilvl: int | None = None  # Word list level (numbering), None for typed bullets
    bullet: str | None = None  # the typed bullet character
    indent: int = 0  # twips
    style_id: str = ""

    @property
    def text(self) -> str:
        return "".join(s.text for s in self.spans)


@dataclass
class Table:
    number: int
    rows: list[list[list[Span]]]


@dataclass
class WordPaper:
    """What one .docx says, before any registry lookup."""

    path: str
    header: list[tuple[int, str]] = field(default_factory=list)  # (paragraph, text line) before the body
    values: dict = field(default_factory=dict)  # pub_number, action_required, office, title, signer, date
    positions: dict = field(default_factory=dict)  # value key -> paragraph number
    sections: list[str] = field(default_factory=list)
    body: str = ""
    images: list[ImageRef] = field(default_factory=list)
    properties: dict = field(default_factory=dict)  # fields kept by our own export (document properties)
    findings: list[Finding] = field(default_factory=list)

    def finding(self, number: int, rule: str, message: str, hint: str | None = None) -> None:
        self.findings.append(Finding(self.path, max(number, 1), 1, ERROR, rule, message, hint))


# Opening --------------------------------------------------------------------------------------

def open_docx(path: Path):
    """python-docx's Document, or WordError saying plainly why not."""
    from . import require_docx

    docx = require_docx()
    try:
        head = path.read_bytes()[:8]
    except OSError as exc:
        raise WordError("word-unreadable", f"cannot read the file: {exc.strerror or exc}") from None
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise WordError("word-unreadable", "the file is encrypted (password-protected) or a Word 97-2003 .doc",
                        "remove the password, or save it as Word Document (.docx), then import it again")
    if not zipfile.is_zipfile(path):
        raise WordError("word-not-docx", "not a Word document: the file is not a .docx (zip) package",
                        "save it from Word or LibreOffice as Word Document (.docx)")
    try:
        return docx.Document(str(path))
    except Exception as exc:  # noqa: BLE001 (python-docx raises KeyError, ValueError, lxml and zip errors)
        kind = type(exc).__name__
        detail = str(exc).splitlines()[0][:120] if str(exc) else kind
        raise WordError("word-unreadable", f"the .docx is damaged and cannot be read ({kind}: {detail})",
                        "open it in Word or LibreOffice, save it again as .docx, and import that") from None


# Tracked changes and comments -----------------------------------------------------------------

def _excerpt(p) -> str:
    text = "".join(t.text or "" for t in p.iter(w("t"), w("delText"))).strip()
    text = re.sub(r"\s+", " ", text)
    return text[:50] + ("…" if len(text) > 50 else "")


def tracked_changes(body) -> list[tuple[int, str, str]]:
    """(paragraph number, kinds of change, excerpt) for every paragraph holding a tracked change or comment."""
    found: dict[int, tuple[list[str], str]] = {}
    number, current = 0, None
    for el in body.iter():
        if el.tag == w("p"):
            number, current = number + 1, el
        kind = TRACKED.get(el.tag)
        if kind:
            at = max(number, 1)
            kinds, _ = found.setdefault(at, ([], _excerpt(current) if current is not None else ""))
            if kind not in kinds:
                kinds.append(kind)
    return [(n, ", ".join(kinds), excerpt) for n, (kinds, excerpt) in sorted(found.items())]


def accept_changes(body) -> None:
    """Accept every tracked change in place: insertions kept, deletions dropped, comments ignored."""
    props = {w("rPr"), w("pPr"), w("trPr"), w("tcPr"), w("tblPr"), w("sectPr"), w("numPr")}
    for el in list(body.iter(w("del"), w("moveFrom"), w("cellDel"))):
        parent = el.getparent()
        if parent is None:
            continue
        if parent.tag == w("trPr"):  # a deleted table row
            row = parent.getparent()
            if row is not None and row.getparent() is not None:
                row.getparent().remove(row)
            continue
        parent.remove(el)  # run-level: the deleted text; under rPr: the mark of a deleted paragraph mark
    for el in list(body.iter(w("ins"), w("moveTo"), w("cellIns"))):
        parent = el.getparent()
        if parent is None:
            continue
        if parent.tag in props:
            parent.remove(el)
            continue
        index = parent.index(el)
        for child in reversed(list(el)):
            parent.insert(index, child)
        parent.remove(el)
    drop = (w("rPrChange"), w("pPrChange"), w("sectPrChange"), w("tblPrChange"), w("trPrChange"),
            w("tcPrChange"), w("numberingChange"), w("moveFromRangeStart"), w("moveFromRangeEnd"),
            w("moveToRangeStart"), w("moveToRangeEnd"), w("commentRangeStart"), w("commentRangeEnd"),
            w("commentReference"))
    for el in list(body.iter(*drop)):
        parent = el.getparent()
        if parent is not None:
            parent.remove(el)


# Styles and numbering --------------------------------------------------------------------------

def _on(el) -> bool | None:
    if el is None:
        return None
    val = el.get(w("val"))
    return val not in ("0", "false", "off", "none")


class Definitions:
    """The styles and numbering of one document, looked up by id."""

    def __init__(self, doc):
        styles = doc.styles.element
        self.styles = {s.get(w("styleId")): s for s in styles.iter(w("style"))}
        self.nums: dict[str, tuple[str, dict]] = {}
        self.abstract: dict[str, dict[int, tuple[str, str, int]]] = {}
        try:
            numbering = doc.part.numbering_part.element
        except (KeyError, NotImplementedError):  # no numbering part at all
            numbering = None
        if numbering is not None:
            for an in numbering.iter(w("abstractNum")):
                self.abstract[an.get(w("abstractNumId"))] = {
                    int(lvl.get(w("ilvl"), "0")): self._level(lvl) for lvl in an.iter(w("lvl"))}
            for num in numbering.iter(w("num")):
                ab = num.find(w("abstractNumId"))
                overrides = {}
                for o in num.iter(w("lvlOverride")):
                    lvl = o.find(w("lvl"))
                    if lvl is not None:
                        overrides[int(o.get(w("ilvl"), "0"))] = self._level(lvl)
                self.nums[num.get(w("numId"))] = (ab.get(w("val")) if ab is not None else "", overrides)

    @staticmethod
    def _level(lvl) -> tuple[str, str, int]:
        fmt = lvl.find(w("numFmt"))
        text = lvl.find(w("lvlText"))
        ind = lvl.find(f"{w('pPr')}/{w('ind')}")
        left = 0
        if ind is not None:
            left = _twips(ind.get(w("left")) or ind.get(w("start")))
        return (fmt.get(w("val")) if fmt is not None else "decimal",
                text.get(w("val")) if text is not None else "", left)

    def style_chain(self, style_id: str | None):
        seen = set()
        while style_id and style_id in self.styles and style_id not in seen:
            seen.add(style_id)
            style = self.styles[style_id]
            yield style
            based = style.find(w("basedOn"))
            style_id = based.get(w("val")) if based is not None else None

    def style_name(self, style_id: str | None) -> str:
        style = self.styles.get(style_id or "")
        name = style.find(w("name")) if style is not None else None
        return name.get(w("val")) if name is not None else (style_id or "")

    def num_pr(self, p, style_id: str | None) -> tuple[str, int] | None:
        """(numId, ilvl) of a paragraph: its own `w:numPr`, else its style's."""
        own = p.find(f"{w('pPr')}/{w('numPr')}")
        candidates = [own] + [s.find(f"{w('pPr')}/{w('numPr')}") for s in self.style_chain(style_id)]
        num_id = ilvl = None
        for c in candidates:
            if c is None:
                continue
            if num_id is None and c.find(w("numId")) is not None:
                num_id = c.find(w("numId")).get(w("val"))
            if ilvl is None and c.find(w("ilvl")) is not None:
                ilvl = int(c.find(w("ilvl")).get(w("val"), "0"))
        if num_id is None or num_id == "0":
            return None
        return num_id, ilvl or 0

    def level(self, num_id: str, ilvl: int) -> tuple[str, str, int] | None:
        abstract_id, overrides = self.nums.get(num_id, ("", {}))
        if ilvl in overrides:
            return overrides[ilvl]
        return self.abstract.get(abstract_id, {}).get(ilvl)

    def char_bold_italic(self, style_id: str | None) -> tuple[bool, bool]:
        bold = italic = None
        for s in self.style_chain(style_id):
            rpr = s.find(w("rPr"))
            if rpr is None:
                continue
            if bold is None:
                bold = _on(rpr.find(w("b")))
            if italic is None:
                italic = _on(rpr.find(w("i")))
        return bool(bold), bool(italic)

    def outline_level(self, p, style_id: str | None) -> int | None:
        for pr in [p.find(w("pPr"))] + [s.find(w("pPr")) for s in self.style_chain(style_id)]:
            if pr is not None and pr.find(w("outlineLvl")) is not None:
                return int(pr.find(w("outlineLvl")).get(w("val"), "9"))
        return None


def _twips(value: str | None) -> int:
    try:
        return int(float(value or 0))
    except ValueError:
        return 0


# Paragraphs → spans ----------------------------------------------------------------------------

class Reader:
    def __init__(self, doc, out: WordPaper):
        self.doc, self.out = doc, out
        self.defs = Definitions(doc)
        self.rels = doc.part.rels
        self.number = 0

    def blocks(self, container) -> list:
        out: list = []
        for child in container:
            if child.tag == w("p"):
                self.number += 1
                out.append(self.paragraph(child))
            elif child.tag == w("tbl"):
                out.append(self.table(child))
            elif child.tag in (w("sdt"), w("customXml")):
                content = child.find(w("sdtContent"))
                out.extend(self.blocks(content if content is not None else child))
        return out

    def table(self, tbl) -> Table:
        first = self.number + 1
        rows = []
        for tr in tbl.iter(w("tr")):
            if tr.getparent() is not tbl:
                continue
            cells = []
            for tc in tr.findall(w("tc")):
                spans: list[Span] = []
                for p in tc.iter(w("p")):
                    self.number += 1
                    para = self.paragraph(p)
                    if spans and para.spans:
                        spans.append(Span(" "))
                    spans.extend(para.spans)
                cells.append(spans)
            rows.append(cells)
        return Table(first, rows)

    def paragraph(self, p) -> Para:
        pstyle = p.find(f"{w('pPr')}/{w('pStyle')}")
        style_id = pstyle.get(w("val")) if pstyle is not None else None
        name = self.defs.style_name(style_id)
        spans: list[Span] = []
        self._inline(p, spans, None)
        para = Para(self.number, _merge(spans), style=name, style_id=style_id or "")
        outline = self.defs.outline_level(p, style_id)
        para.heading = name.lower().startswith(("heading", "title")) or (outline is not None and outline < 9)
        ind = p.find(f"{w('pPr')}/{w('ind')}")
        if ind is not None:
            para.indent = _twips(ind.get(w("left")) or ind.get(w("start")))
        num = self.defs.num_pr(p, style_id)
        if num is not None:
            level = self.defs.level(*num)
            fmt = level[0] if level else "bullet"
            if fmt != "none":
                para.list_kind = "bullet" if fmt == "bullet" else "ordered"
                para.ilvl = num[1]
                if ind is None and level:
                    para.indent = level[2]
        elif re.match(r"list (bullet|number)( \d)?$", name.lower()):
            para.list_kind = "bullet" if "bullet" in name.lower() else "ordered"
            para.ilvl = int(name[-1]) - 1 if name[-1].isdigit() else 0
        if para.list_kind is None:
            self._typed(para)
        return para

    def _typed(self, para: Para) -> None:
        text = para.text
        m = TYPED_BULLET_RE.match(text)
        kind = "bullet"
        if m is None:
            m = TYPED_NUMBER_RE.match(text)
            kind = "ordered"
        if m is None:
            return
        tabs = len(text) - len(text.lstrip(" \t\u00a0"))
        para.list_kind, para.bullet = kind, (m.group(1) if kind == "bullet" else None)
        para.indent += 360 * text[:tabs].count("\t") + 60 * text[:tabs].count(" ")
        para.spans = _drop(para.spans, m.end())

    def _inline(self, el, spans: list[Span], link: str | None) -> None:
        for child in el:
            tag = child.tag
            if tag == w("r"):
                self._run(child, spans, link)
            elif tag == w("hyperlink"):
                rid = child.get(f"{{{R}}}id")
                target = None
                if rid and rid in self.rels:
                    rel = self.rels[rid]
                    target = rel.target_ref if rel.is_external else None
                self._inline(child, spans, target or link)
            elif tag in (w("smartTag"), w("sdt"), w("sdtContent"), w("fldSimple"), w("customXml"), w("ins"),
                         w("moveTo")):
                self._inline(child, spans, link)

    def _run(self, r, spans: list[Span], link: str | None) -> None:
        rpr = r.find(w("rPr"))
        bold = italic = None
        if rpr is not None:
            bold, italic = _on(rpr.find(w("b"))), _on(rpr.find(w("i")))
            rstyle = rpr.find(w("rStyle"))
            if rstyle is not None:
                sb, si = self.defs.char_bold_italic(rstyle.get(w("val")))
                bold = sb if bold is None else bold
                italic = si if italic is None else italic
        hidden = rpr is not None and _on(rpr.find(w("vanish")))
        if hidden:
            return
        for child in r:
            tag = child.tag
            text = None
            if tag == w("t"):
                text = child.text or ""
            elif tag == w("tab"):
                text = "\t"
            elif tag in (w("br"), w("cr")):
                text = "\n"
            elif tag in (w("noBreakHyphen"), w("softHyphen")):
                text = "-" if tag == w("noBreakHyphen") else ""
            elif tag == w("sym"):
                code = child.get(w("char")) or ""
                try:
                    text = chr(int(code, 16))
                except ValueError:
                    text = ""
            elif tag in (w("drawing"), w("pict"), w("object")):
                image = self._image(child)
                if image is not None:
                    spans.append(Span("", image=image))
                continue
            if text:
                spans.append(Span(text, bool(bold), bool(italic), link))

    def _image(self, el) -> ImageRef | None:
        alt = ""
        for doc_pr in el.iter(f"{{{WP}}}docPr"):
            alt = (doc_pr.get("descr") or doc_pr.get("title") or "").strip()
            break
        rid = None
        for blip in el.iter(f"{{{A}}}blip"):
            rid = blip.get(f"{{{R}}}embed")
            if rid is None and blip.get(f"{{{R}}}link"):
                self.out.finding(self.number, "word-image-linked",
                                 "an image is linked to a file outside the document, not embedded in it",
                                 "insert the picture into the document (not linked), save, and import again")
            break
        if rid is None:
            for data in el.iter(f"{{{V}}}imagedata"):
                rid = data.get(f"{{{R}}}id")
                break
            for shape in el.iter(f"{{{V}}}shape"):
                alt = alt or (shape.get("alt") or "").strip()
                break
        if rid is None or rid not in self.rels:
            return None
        part = self.rels[rid].target_part
        ext = Path(str(part.partname)).suffix.lower().lstrip(".") or "png"
        ext = {"jpeg": "jpg", "jpe": "jpg"}.get(ext, ext)
        image = ImageRef(part.blob, ext, alt, self.number)
        self.out.images.append(image)
        return image


def _merge(spans: list[Span]) -> list[Span]:
    out: list[Span] = []
    for s in spans:
        if out and s.image is None and out[-1].image is None and \
                (out[-1].bold, out[-1].italic, out[-1].link) == (s.bold, s.italic, s.link):
            out[-1] = Span(out[-1].text + s.text, s.bold, s.italic, s.link)
        else:
            out.append(s)
    return out


def _drop(spans: list[Span], n: int) -> list[Span]:
    """`spans` without their first `n` characters of text."""
    out = []
    for s in spans:
        if n <= 0 or s.image is not None:
            out.append(s)
            continue
        if len(s.text) <= n:
            n -= len(s.text)
            continue
        out.append(Span(s.text[n:], s.bold, s.italic, s.link))
        n = 0
    return out


def _strip(spans: list[Span]) -> list[Span]:
    """Without leading and trailing white space."""
    spans = [Span(s.text, s.bold, s.italic, s.link, s.image) for s in spans]
    while spans and spans[0].image is None and not spans[0].text.strip():
        spans.pop(0)
    while spans and spans[-1].image is None and not spans[-1].text.strip():
        spans.pop()
    if spans and spans[0].image is None:
        spans[0].text = spans[0].text.lstrip()
    if spans and spans[-1].image is None:
        spans[-1].text = spans[-1].text.rstrip()
    return spans


# Spans → Markdown ----------------------------------------------------------------------------------

_ESCAPE = str.maketrans({"\\": "\\\\", "*": "\\*", "`": "\\`", "[": "\\[", "]": "\\]"})


def _escape(text: str) -> str:
    text = text.translate(_ESCAPE)
    text = re.sub(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])", r"\\_", text)
    text = re.sub(r"<(?=[A-Za-z/!?])", "&lt;", text)
    text = re.sub(r"&(?=#?\w+;)", "&amp;", text)
    return text


def _line_start(text: str) -> str:
    """Escape what would make a paragraph's first characters a heading, list, quote or rule."""
    m = re.match(r"(#{1,6}(?=\s)|[-+](?=\s)|>|\d+(?=[.)]\s)|={3,}|-{3,})", text)
    if not m:
        return text
    if m.group(1)[0].isdigit():
        return text[:m.end()] + "\\" + text[m.end():]
    return "\\" + text


def inline_markdown(spans: list[Span], image_name=None) -> str:
    spans = _strip(spans)
    out = []
    i = 0
    while i < len(spans):
        s = spans[i]
        if s.image is not None:
            name = image_name(s.image) if image_name else ""
            alt = re.sub(r"\s+", " ", s.image.alt).translate(_ESCAPE)
            out.append(f"![{alt}]({name})")
            i += 1
            continue
        if s.link:
            group = []
            while i < len(spans) and spans[i].link == s.link and spans[i].image is None:
                group.append(Span(spans[i].text, spans[i].bold, spans[i].italic))
                i += 1
            inner = "".join(_emphasis(g) for g in group).strip() or _escape(s.link)
            url = s.link if not re.search(r"[\s()<>]", s.link) else f"<{s.link}>"
            out.append(f"[{inner}]({url})")
            continue
        out.append(_emphasis(s))
        i += 1
    text = "".join(out)
    text = re.sub(r"[ \t\u00a0]*\n[ \t\u00a0]*", " ", text)
    text = re.sub(r"[ \t]+", " ", text).strip()
    return _line_start(text)


def _emphasis(s: Span) -> str:
    body = s.text.strip()
    if not body or not (s.bold or s.italic):
        return _escape(s.text)
    lead = s.text[:len(s.text) - len(s.text.lstrip())]
    trail = s.text[len(s.text.rstrip()):]
    mark = "***" if s.bold and s.italic else "**" if s.bold else "*"
    return f"{lead}{mark}{_escape(body)}{mark}{trail}"


# The whole document -----------------------------------------------------------------------------

def read(path: Path, display: str, accept: bool = False) -> WordPaper:
    """Read one .docx; every problem is a finding of the result (`WordError` when it cannot be opened)."""
    out = WordPaper(display)
    doc = open_docx(path)
    body = doc.element.body
    changes = tracked_changes(body)
    if changes and not accept:
        for number, kinds, excerpt in changes:
            out.finding(number, "word-tracked-changes",
                        f"{kinds} in paragraph {number}" + (f" ({excerpt!r})" if excerpt else ""),
                        "accept or reject all changes and delete the comments in Word (Review), "
                        "or pass --accept-changes to accept insertions, drop deletions and ignore comments")
        return out
    if changes:
        accept_changes(body)
    reader = Reader(doc, out)
    blocks = reader.blocks(body)
    out.properties = _properties(doc)
    header_lines = _page_header_lines(doc, reader)
    _assemble(out, blocks, header_lines)
    return out


def _properties(doc) -> dict:
    """The fields our own export keeps in the document's properties (those the layout does not print)."""
    import json

    comments = doc.core_properties.comments or ""
    marker = "issuepapers:"
    if not comments.startswith(marker):
        return {}
    try:
        data = json.loads(comments[len(marker):])
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _page_header_lines(doc, reader: Reader) -> list[str]:
    lines: list[str] = []
    try:
        section = doc.sections[0]
    except IndexError:
        return lines
    for header in (section.first_page_header, section.header):
        if header.is_linked_to_previous:
            continue
        for p in header._element.iter(w("p")):
            spans: list[Span] = []
            reader._inline(p, spans, None)
            lines.extend(x.strip() for x in "".join(s.text for s in spans).split("\n") if x.strip())
    return lines


def _assemble(out: WordPaper, blocks: list, page_header: list[str]) -> None:
    """Sort the blocks into header, labelled values and sections, and write the body's Markdown."""
    header = [(1, line) for line in page_header]
    parts: list[str] = []
    pending: list[Para] = []  # consecutive list paragraphs
    started = False

    def flush_list():
        if pending:
            parts.append(_list_markdown(pending, out))
            pending.clear()

    for block in blocks:
        if isinstance(block, Table):
            if not started:
                continue
            flush_list()
            parts.append(_table_markdown(block, out))
            continue
        para = block
        text = para.text
        lines = [x for x in text.split("\n")]
        if not text.strip() and not any(s.image for s in para.spans):
            continue
        # Labelled lines: Action Required, Pub #, signer, date (possibly several in one paragraph).
        labelled = [ln for ln in lines if ACTION_RE.match(ln) or SIGNER_RE.match(ln) or DATE_RE.match(ln)]
        if labelled and len(labelled) == len([ln for ln in lines if ln.strip()]) and not _LABEL_RE.match(text):
            for ln in lines:
                _labelled_line(out, para, ln)
            if ACTION_RE.match(labelled[0]) and not started:
                header.append((para.number, ""))  # the header ends here
            continue
        if LINEAGE_RE.match(text):
            continue
        m = _LABEL_RE.match(text)
        hm = _HEADING_LABEL_RE.match(text) if para.heading or _all_bold(para) else None
        if m or hm:
            flush_list()
            started = True
            title = _canonical(m.group(1) if m else hm.group(1))
            out.sections.append(title)
            out.positions.setdefault(f"section:{title}", para.number)
            parts.append(f"## {title}")
            rest = _drop(para.spans, m.end()) if m else []
            if "".join(s.text for s in rest).strip() or any(s.image for s in rest):
                parts.append(inline_markdown(rest, _namer(out)))
            continue
        if not started:
            if PUB_RE.search(text):
                out.values.setdefault("pub_number", PUB_RE.search(text).group(1))
                out.positions.setdefault("pub_number", para.number)
                text = PUB_RE.sub("", text)
            style = para.style.lower()
            for ln in text.split("\n"):
                if ln.strip():
                    header.append((para.number, ln.strip()))
                    if style == "issue paper office":
                        out.values["office"] = ln.strip()
                    elif style == "issue paper title":
                        out.values["title"] = ln.strip()
            continue
        if para.list_kind is not None:
            pending.append(para)
            continue
        flush_list()
        parts.append(inline_markdown(para.spans, _namer(out)))
    flush_list()
    out.header = [(n, t) for n, t in header if t]
    out.body = "\n\n".join(p for p in parts if p) + "\n"


def _all_bold(para: Para) -> bool:
    spans = [s for s in para.spans if s.text.strip()]
    return bool(spans) and all(s.bold for s in spans)


def _canonical(label: str) -> str:
    flat = re.sub(r"\s+", " ", label).strip().lower()
    return next(s for s in SECTION_LABELS if s.lower() == flat)


def _labelled_line(out: WordPaper, para: Para, line: str) -> None:
    if m := ACTION_RE.match(line):
        value = m.group(1).strip().rstrip(".").lower()
        out.positions["action_required"] = para.number
        if value in ACTIONS:
            out.values["action_required"] = value
        else:
            out.finding(para.number, "word-invalid", f"Action Required is {m.group(1)!r}",
                        "write `Action Required: Informational` or `Action Required: Decision`")
    elif m := SIGNER_RE.match(line):
        key = f"{m.group(1).lower()}_by"
        people = []
        for chunk in re.split(r"\s*;\s*", m.group(2)):
            if not chunk.strip():
                continue
            name, _, office = chunk.partition(",")
            person = {"name": name.strip()}
            if office.strip():
                person["office"] = office.strip()
            people.append(person)
        out.positions[key] = para.number
        if people:
            out.values[key] = people
        else:
            out.finding(para.number, "word-missing", f"`{m.group(1)} by:` names nobody",
                        "write `Prepared by: Name, Office`")
    elif m := DATE_RE.match(line):
        out.positions["date"] = para.number
        day = parse_date(m.group(1))
        if day is None:
            out.finding(para.number, "word-invalid", f"cannot read the date {m.group(1)!r}",
                        "write it as `Date: January 25, 2024`")
        else:
            out.values["date"] = day


def parse_date(text: str) -> dt.date | None:
    text = re.sub(r"\s+", " ", text.strip().rstrip("."))
    text = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text)
    for fmt in ("%B %d, %Y", "%B %d %Y", "%b %d, %Y", "%b. %d, %Y", "%d %B %Y", "%m/%d/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _namer(out: WordPaper):
    def name(image: ImageRef) -> str:
        return f"{{image:{out.images.index(image)}}}"  # replaced by the file name once the paper's path is known
    return name


def _levels(items: list[Para]) -> list[int]:
    """The nesting level of each item of one list, from Word's levels or, for typed bullets, indentation."""
    raw: list[int] = []
    numbered = [p for p in items if p.ilvl is not None]
    indents_numbered = sorted({p.indent for p in numbered})
    flat_numbered = numbered and all(p.ilvl == 0 for p in numbered) and len(indents_numbered) > 1
    typed = [p for p in items if p.ilvl is None]
    indents_typed = sorted({p.indent for p in typed})
    ranks = sorted({BULLET_RANK.get(p.bullet or "", 0) for p in typed})
    for p in items:
        if p.ilvl is not None:
            raw.append(indents_numbered.index(p.indent) if flat_numbered else p.ilvl)
        elif len(indents_typed) > 1:
            raw.append(indents_typed.index(p.indent))
        else:
            raw.append(ranks.index(BULLET_RANK.get(p.bullet or "", 0)))
    levels, previous = [], -1
    for level in raw:
        level = min(level, previous + 1)
        levels.append(level)
        previous = level
    return levels


def _list_markdown(items: list[Para], out: WordPaper) -> str:
    """One or more Markdown lists (a bullet list and a numbered list that follow each other are two)."""
    levels = _levels(items)
    runs: list[list[tuple[Para, int]]] = []
    for p, level in zip(items, levels):
        if not runs or (level == 0 and runs[-1][0][0].list_kind != p.list_kind):
            runs.append([])
        runs[-1].append((p, level))
    return "\n\n".join(_one_list(run, out) for run in runs)


def _one_list(items: list[tuple[Para, int]], out: WordPaper) -> str:
    lines, counters = [], {}
    previous_kind: dict[int, str] = {}
    for p, level in items:
        for deeper in [k for k in counters if k > level]:
            del counters[deeper]
            previous_kind.pop(deeper, None)
        if previous_kind.get(level) not in (None, p.list_kind):
            counters.pop(level, None)
        previous_kind[level] = p.list_kind
        if p.list_kind == "ordered":
            counters[level] = counters.get(level, 0) + 1
            marker = f"{counters[level]}."
        else:
            marker = "-"
        text = inline_markdown(p.spans, _namer(out))
        lines.append(f"{'    ' * level}{marker} {text}")
    return "\n".join(lines)


def _table_markdown(table: Table, out: WordPaper) -> str:
    rows = [[inline_markdown(cell, _namer(out)).replace("|", "\\|") for cell in row] for row in table.rows]
    rows = [r for r in rows if r]
    if not rows:
        return ""
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + "|".join(["---"] * width) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
    return "\n".join(lines)
