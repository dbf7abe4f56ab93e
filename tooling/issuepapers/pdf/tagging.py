"""What WeasyPrint's PDF/UA tagging leaves undone, finished on its PDF objects before they are written.

`finish` is passed to `write_pdf(finisher=...)`: it edits the pydyf objects of
the PDF WeasyPrint has just built (structure tree, parent tree, page content
streams, annotations) and never lays anything out again, so the pages look
exactly as WeasyPrint painted them. Each step fixes one thing WeasyPrint 70
does not do (the templates and the stylesheet cannot reach any of these):

- link annotations get the Print flag (WeasyPrint sets it for PDF/A only);
- header cells get `/Scope` (WeasyPrint writes `/Headers` and `/ID`, no scope);
- every `LI` holds an `LBody`: WeasyPrint tags the paragraphs of a loose
  list's item straight under its `LI` (they are wrapped in one), and tags an
  item a page break left empty (its text on one page, only its nested list
  on the next) as an empty `LI` (it is dropped);
- text in the page margins (running title, page numbers, the draft label) is
  an `/Artifact`: WeasyPrint tags it as `Span`s it keeps out of the tree
  (Kozea/WeasyPrint#1836), so it is neither content nor artifact;
- content is painted in the order the structure tree reads it: WeasyPrint
  paints an outside list marker (`Lbl`, a positioned box) and an image (its
  `overflow: hidden` makes a stacking context) after all the text of their
  page; each such block is moved to just before what the tree reads next,
  only when it lands under the same transformation and clip, so every page
  looks exactly as WeasyPrint painted it.

Every step leaves a stream alone when it does not find what it expects.
"""

from __future__ import annotations

PRINT, HIDDEN, NO_VIEW = 4, 2, 32
# Operators whose effect a moved block must find again where it lands (colour, alpha, text state).
STATE_OPERATORS = {b"rg", b"g", b"k", b"RG", b"G", b"K", b"cs", b"CS", b"sc", b"SC", b"scn", b"SCN",
                   b"gs", b"Tc", b"Tw", b"Tz", b"TL", b"Tr", b"Ts", b"Tf", b"w", b"J", b"j", b"M", b"d"}
PATH_OPERATORS = {b"m", b"l", b"c", b"v", b"y", b"h", b"re"}
PAINT_OPERATORS = {b"n", b"S", b"s", b"f", b"F", b"f*", b"B", b"B*", b"b", b"b*"}
PRELUDE_OPERATORS = {b"re", b"W", b"W*", b"n", b"cm"}  # may come between a block's `q` and its tag


def finish(document, pdf) -> None:  # noqa: ARG001 (the finisher signature)
    _printable_links(pdf)
    tree = _Tree.of(pdf)
    if tree is None:  # not a tagged PDF
        return
    _header_scope(tree)
    _item_bodies(pdf, tree)
    _margins_as_artifacts(pdf, tree)
    _paint_in_tree_order(pdf, tree)


def _printable_links(pdf) -> None:
    for obj in pdf.objects:
        if isinstance(obj, dict) and obj.get("Type") == "/Annot" and obj.get("Subtype") == "/Link":
            obj["F"] = (int(obj.get("F", 0)) | PRINT) & ~(HIDDEN | NO_VIEW)


class _Tree:
    """The structure tree as WeasyPrint built it: elements reachable from the root, in order."""

    def __init__(self, pdf, root):
        self.pdf = pdf
        self.root = root
        self.parent_tree = self.get(root["ParentTree"])
        self.order: list[dict] = []  # reachable elements (pydyf dictionaries), depth first
        self.parent: dict[int, dict] = {}
        self._walk(root)
        self.reachable = {e.number for e in self.order}

    @classmethod
    def of(cls, pdf) -> "_Tree | None":
        ref = pdf.catalog.get("StructTreeRoot")
        return cls(pdf, cls._get(pdf, ref)) if ref else None

    @staticmethod
    def _get(pdf, ref):
        if isinstance(ref, (bytes, str)):
            number = int(ref.split()[0])
            return pdf.objects[number]
        return ref

    def get(self, ref):
        return self._get(self.pdf, ref)

    def _walk(self, elem):
        for kid in elem.get("K", ()):
            if isinstance(kid, (bytes, str)):
                obj = self.get(kid)
                if isinstance(obj, dict) and obj.get("Type") == "/StructElem":
                    self.order.append(obj)
                    self.parent[obj.number] = elem
                    self._walk(obj)

    def kids(self, elem) -> list:
        return [self.get(k) if isinstance(k, (bytes, str)) else k for k in elem.get("K", ())]

    def role(self, elem) -> str:
        return str(elem.get("S", ""))

    def mcids(self, elem) -> list[tuple[bytes, int]]:
        """(page reference, MCID) of the marked content under `elem`, in tree order."""
        out = []
        for kid in self.kids(elem):
            if isinstance(kid, int):
                out.append((elem["Pg"], kid))
            elif isinstance(kid, dict) and kid.get("Type") == "/StructElem":
                out.extend(self.mcids(kid))
        return out

    def page_arrays(self) -> dict[int, list]:
        """Page index → its MCID-to-element array in the parent tree."""
        nums = self.parent_tree["Nums"]
        pages = len(self.pdf.page_references)
        return {nums[i]: nums[i + 1] for i in range(0, len(nums), 2)
                if isinstance(nums[i + 1], list) and nums[i] < pages}


def _header_scope(tree: _Tree) -> None:
    """`/Scope /Row` for a header cell the data cells of its own row name in `/Headers`
    (WeasyPrint's reading of `scope="row"`), `/Column` for every other."""
    import pydyf

    row_headers = set()
    for tr in (e for e in tree.order if tree.role(e) == "/TR"):
        cells = [c for c in tree.kids(tr) if isinstance(c, dict)]
        ids = {c["ID"].string for c in cells if tree.role(c) == "/TH" and "ID" in c}
        for cell in cells:
            if tree.role(cell) == "/TD":
                row_headers.update(h.string for h in cell.get("A", {}).get("Headers", ()) if h.string in ids)
    for th in (e for e in tree.order if tree.role(e) == "/TH"):
        attrs = th.setdefault("A", pydyf.Dictionary({"O": "/Table"}))
        attrs["Scope"] = "/Row" if "ID" in th and th["ID"].string in row_headers else "/Column"


def _item_bodies(pdf, tree: _Tree) -> None:
    """Every `LI` holds an `LBody`: an item left empty by a page break is dropped, and the blocks of
    an item WeasyPrint tags straight under its `LI` (a loose list's paragraphs) are wrapped in one."""
    import pydyf

    for li in [e for e in tree.order if tree.role(e) == "/LI"]:
        if not li.get("K"):
            parent = tree.parent[li.number]
            parent["K"][:] = [k for k in parent["K"] if k != li.reference]
            tree.reachable.discard(li.number)
            continue
        kids = tree.kids(li)
        if any(not isinstance(k, dict) for k in kids) or any(tree.role(k) == "/LBody" for k in kids):
            continue  # marked content or an annotation straight under the item: left as it is
        labels = [ref for ref, k in zip(li["K"], kids) if tree.role(k) == "/Lbl"]
        rest = [ref for ref, k in zip(li["K"], kids) if tree.role(k) != "/Lbl"]
        if not rest:
            continue
        body = pydyf.Dictionary({"Type": "/StructElem", "S": "/LBody", "K": pydyf.Array(rest),
                                 "Pg": li["Pg"], "P": li.reference})
        pdf.add_object(body)
        for ref in rest:
            tree.get(ref)["P"] = body.reference
        li["K"][:] = [*labels, body.reference]
        tree.reachable.add(body.number)


def _page_stream(pdf, index: int):
    page = _Tree._get(pdf, pdf.page_references[index])
    stream = _Tree._get(pdf, page["Contents"])
    return stream if isinstance(getattr(stream, "stream", None), list) else None


def _bdc_at(items: list) -> dict[int, int]:
    """MCID → index of its property list in a page's content `items` (the tag name is just before it)."""
    return {item["MCID"]: i for i, item in enumerate(items)
            if isinstance(item, dict) and "MCID" in item and i + 1 < len(items) and items[i + 1] == b"BDC"}


def _margins_as_artifacts(pdf, tree: _Tree) -> None:
    """Marked content whose element is not in the tree becomes `/Artifact` (its MCIDs renumbered)."""
    import pydyf

    for index, array in tree.page_arrays().items():
        owners = [tree.get(ref) for ref in array]
        orphans = {m for m, owner in enumerate(owners) if owner.number not in tree.reachable}
        stream = _page_stream(pdf, index)
        if not orphans or stream is None:
            continue
        items = stream.stream
        at = _bdc_at(items)
        if not orphans <= set(at):
            continue
        for mcid in sorted(orphans, key=at.get, reverse=True):  # from the end: indexes stay valid
            i = at[mcid]
            items[i - 1:i + 2] = ["/Artifact", b"BMC"]
        kept = [m for m in range(len(owners)) if m not in orphans]
        renumber = {old: new for new, old in enumerate(kept)}
        for item in items:
            if isinstance(item, dict) and "MCID" in item:
                item["MCID"] = renumber[item["MCID"]]
        done = set()
        for old in kept:
            owner = owners[old]
            if owner.number not in done:
                done.add(owner.number)
                owner["K"][:] = [renumber.get(k, k) if isinstance(k, int) else k for k in owner["K"]]
        for m in orphans:
            owners[m]["K"] = pydyf.Array()
        array[:] = [array[old] for old in kept]


def _operator(item) -> bytes | None:
    return item.rsplit(b" ", 1)[-1] if isinstance(item, bytes) else None


def _state_at(items: list, end: int) -> tuple[list, tuple]:
    """Just before `items[end]`: the state-setting operations in effect (oldest first), and the
    placement in effect (every `cm` and clipping path since the page began, outermost first)."""
    stack: list[tuple[dict, list]] = [({}, [])]
    path: list = []
    for item in items[:end]:
        if item == b"q":
            stack.append((dict(stack[-1][0]), list(stack[-1][1])))
        elif item == b"Q":
            if len(stack) > 1:
                stack.pop()
        elif isinstance(item, bytes):
            op = _operator(item)
            if op in STATE_OPERATORS:
                key = item if op == b"gs" else op  # each graphics-state dictionary sets its own entries
                stack[-1][0].pop(key, None)
                stack[-1][0][key] = item
            elif op == b"cm":
                stack[-1][1].append(item)
            elif op in PATH_OPERATORS:
                path.append(item)
            elif op in (b"W", b"W*"):
                stack[-1][1].extend([*path, item])
            if op in PAINT_OPERATORS:
                path = []
    return list(stack[-1][0].values()), tuple(stack[-1][1])


def _block(items: list, i: int) -> tuple[int, int] | None:
    """[start, end) of the self-contained `q … [clip] /Tag <<MCID>> BDC … EMC Q …` around the property
    list at `i`: as many `Q` after its EMC as `q` before its tag, and no other marked content inside."""
    depth, j = 0, i + 2
    while j < len(items):
        if items[j] in (b"BDC", b"BMC"):
            depth += 1
        elif items[j] == b"EMC":
            if depth == 0:
                break
            depth -= 1
        j += 1
    else:
        return None
    start, qs = i - 1, 0
    while start > 0 and (items[start - 1] == b"q" or _operator(items[start - 1]) in PRELUDE_OPERATORS):
        start -= 1
        qs += items[start] == b"q"
    while start < i - 1 and items[start] != b"q":  # a block begins with its `q`
        start += 1
    end = j + 1
    while end < len(items) and items[end] == b"Q" and end - (j + 1) < qs:
        end += 1
    if qs == 0 or end - (j + 1) != qs:
        return None
    if any(isinstance(x, dict) and "MCID" in x for x in items[start:i] + items[i + 1:end]):
        return None
    return start, end


def _paint_in_tree_order(pdf, tree: _Tree) -> None:
    """Move each piece of marked content WeasyPrint paints out of the tree's order (an outside list
    marker, an image: both painted as their own stacking contexts, after the text of the page) to just
    before what the tree reads next, when it is a self-contained block that lands under the same
    placement (transformation and clipping) it had: the page then looks exactly the same."""
    pages = {ref: i for i, ref in enumerate(pdf.page_references)}
    order: dict[int, list[int]] = {}
    for page, mcid in tree.mcids(tree.root):
        if page in pages:
            order.setdefault(pages[page], []).append(mcid)
    for index, sequence in order.items():
        stream = _page_stream(pdf, index)
        if stream is None:
            continue
        items = stream.stream
        at = _bdc_at(items)
        if [m for m in sorted(at, key=at.get) if m in set(sequence)] == sequence:
            continue
        # Walk the tree's order backwards: each out-of-place block goes before its successor,
        # which is already where it belongs.
        for pos in range(len(sequence) - 2, -1, -1):
            mcid, successor = sequence[pos], sequence[pos + 1]
            if mcid not in at or successor not in at:
                continue
            later = [m for m in sequence[pos + 1:] if m in at]
            if at[mcid] < min(at[m] for m in later) and \
                    (pos == 0 or sequence[pos - 1] not in at or at[sequence[pos - 1]] < at[mcid]):
                continue  # already between its neighbours
            span = _block(items, at[mcid])
            if span is None:
                continue
            start, end = span
            target_span = _block(items, at[successor])
            target = target_span[0] if target_span else at[successor] - 1  # before the successor's tag
            if start <= target < end:
                continue
            state, placement = _state_at(items, start)
            if _state_at(items, target)[1] != placement:
                continue  # another transformation or clip there: it would not look the same
            block = items[start:end]
            moved = block[:1] + state + block[1:]
            if target > start:
                items[target:target] = moved
                del items[start:end]
            else:
                del items[start:end]
                items[target:target] = moved
            at = _bdc_at(items)
