"""The household's form for signature (Phiếu B, pre-filled): one per household, from its template
(resources/templates/phieu-b.toml, or a province's own), in the state format.

Drawn straight onto the canvas, not through platypus: a commune prints thousands of these and the layout is simple
(a `simple` kind of template: paragraphs, fields, tables with one row of heads, signatures), so each household's
form is laid out into positioned lines first (`prepare` → `Sheet`, whose page count is then known), and drawn fast
(`draw_sheet`): every string of a page goes into one text block, each distinct string encoded for its font once per
document. The benchmark draws the same layout from sheets made ready beforehand — the bare page — to measure what the
data costs.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import IO, Any, Iterable, Sequence

from reportlab.pdfbase.pdfmetrics import getFont
from reportlab.pdfgen.canvas import Canvas

from fieldsurvey.progress import Job, Progress
from fieldsurvey.reports.base import (FONT, FONT_BOLD, FONT_BOLD_ITALIC, FONT_ITALIC, PORTRAIT, ReportContext,
                                      column_widths, define_total, draw_footer, draw_page_number, draw_watermark,
                                      register_fonts, set_metadata)
from fieldsurvey.reports.render import DocumentData, Rows, cell_text, fill, resolve_table
from fieldsurvey.reports.stateformat import state_format
from fieldsurvey.reports.templates import Block, Template

WIDTH, HEIGHT = PORTRAIT
PAD = 2.0                  # a cell's padding
GAP = 4                    # between blocks
FONTS = (FONT, FONT_BOLD, FONT_ITALIC, FONT_BOLD_ITALIC)


@lru_cache(maxsize=8)
def _advances(font: str) -> tuple[dict[int, float], float]:
    face = getFont(font).face
    return face.charWidths, face.defaultWidth


@lru_cache(maxsize=65536)
def width(text: str, font: str, size: float) -> float:
    """A string's width (what reportlab's stringWidth says, without its per-character generator: the names and
    reasons of a commune's forms are measured by the hundred thousand), remembered."""
    advances, default = _advances(font)
    try:
        total = sum(map(advances.__getitem__, map(ord, text)))
    except KeyError:
        total = sum(advances.get(ord(c), default) for c in text)
    return total * size / 1000


@lru_cache(maxsize=65536)
def split(text: str, font: str, size: float, room: float) -> tuple[str, ...]:
    """A text broken into lines that fit `room`, between words (as reportlab's simpleSplit breaks them); a word
    longer than the room is cut."""
    if not text:
        return ("",)
    if width(text, font, size) <= room:
        return (text,)
    space = width(" ", font, size)
    out: list[str] = []
    for paragraph in text.split("\n"):
        line, used = "", 0.0
        for word in paragraph.split():
            w = width(word, font, size)
            if line and used + space + w <= room:
                line, used = f"{line} {word}", used + space + w
                continue
            if line:
                out.append(line)
            while w > room and len(word) > 1:       # one word wider than the column
                cut = len(word)
                while cut > 1 and width(word[:cut], font, size) > room:
                    cut -= 1
                out.append(word[:cut])
                word = word[cut:]
                w = width(word, font, size)
            line, used = word, w
        out.append(line)
    return tuple(out)


@lru_cache(maxsize=131072)
def _laid(text: str, font: str, size: float, room: float, align: str, leading: float
          ) -> tuple[tuple[tuple[float, float, str], ...], float]:
    """A text wrapped to `room`: each line's offset from the left and its baseline below the top, and the height —
    remembered, as most cells of a commune's forms (labels, statuses, reasons) repeat."""
    out = []
    y = 0.0
    for line in split(text, font, size, room):
        y += leading
        if align == "center":
            lx = (room - width(line, font, size)) / 2
        elif align == "right":
            lx = room - width(line, font, size)
        else:
            lx = 0.0
        out.append((lx, y - leading * 0.22, line))
    return tuple(out), y


# A laid-out element: its height and what it draws, relative to its top left corner at (0, 0), going down:
#   ("t", x, dy, text, font, size)    text with its baseline dy below the top
#   ("l", x1, dy1, x2, dy2)           a line
@dataclass(frozen=True, slots=True)
class Item:
    height: float
    ops: tuple
    head: "Item | None" = None        # a table's row: its head, drawn again at the top of a new page
    keep: bool = False                # stays on the page of the item after it (a heading)
    new_page: bool = False            # starts a new page


@dataclass(frozen=True, slots=True)
class Sheet:
    """One household's form, laid out: its items and the page each starts on."""

    items: tuple[Item, ...]
    pages: tuple[tuple[tuple[Item, float], ...], ...]     # per page: (item, its top y)


class Layout:
    """Lays a `simple` template's blocks out for one household (the geometry is the state format's)."""

    def __init__(self, tpl: Template, ctx: ReportContext):
        register_fonts()
        sf = state_format()
        self.tpl = tpl
        self.ctx = ctx
        self.left = sf.left
        self.right = WIDTH - sf.right
        self.top = HEIGHT - sf.top
        self.bottom = sf.bottom
        self.room = self.right - self.left
        self.body = float(tpl.extra.get("body_size", 10.5))
        self.table_size = float(tpl.extra.get("table_size", 9.0))
        self.title_size = float(tpl.extra.get("title_size", 13.0))
        self.lang = ctx.lang
        self.widths: dict[str, list[float]] = {}
        self.heads: dict[str, tuple[Item, Item]] = {}

    # --- texts ---

    def lines(self, text: str, font: str, size: float, room: float, x: float = 0, align: str = "left",
              dy: float = 0, leading: float | None = None) -> tuple[list[tuple], float]:
        """The ops of a wrapped text and its height."""
        laid, height = _laid(text, font, size, room, align, leading or size * 1.22)
        return [("t", x + lx, dy + ly, line, font, size) for lx, ly, line in laid], height

    def text_item(self, text: str, font: str, size: float, align: str = "left", keep: bool = False,
                  after: float = 2) -> Item | None:
        if not text.strip():
            return None
        ops, h = self.lines(text, font, size, self.room, self.left, align)
        return Item(h + after, tuple(ops), keep=keep)

    # --- header ---

    def header(self, values: dict[str, Any]) -> list[Item]:
        tpl = self.tpl
        out: list[Item] = []
        t = lambda text: fill(text.get(self.lang), values)   # noqa: E731
        if tpl.form_number:
            out.append(self.text_item(t(tpl.form_number), FONT_BOLD, self.body, "right"))
        if tpl.header.style == "motto_only":
            sf = state_format()
            national, motto = self.ctx.tr("report.state.national"), self.ctx.tr("report.state.motto")
            ops, h1 = self.lines(national, FONT_BOLD, sf.size("national_title"), self.room, self.left, "center")
            ops2, h2 = self.lines(motto, FONT_BOLD, sf.size("motto"), self.room, self.left, "center", dy=h1)
            w = width(motto, FONT_BOLD, sf.size("motto"))
            rule = ("l", self.left + (self.room - w) / 2, h1 + h2 + 2, self.left + (self.room + w) / 2, h1 + h2 + 2)
            out.append(Item(h1 + h2 + 10, tuple(ops + ops2 + [rule])))
        out.append(self.text_item(t(tpl.title), FONT_BOLD, self.title_size, "center"))
        for text, font in ((tpl.subject, FONT_BOLD), (tpl.subtitle, FONT_ITALIC)):
            if text:
                out.append(self.text_item(t(text), font, self.body - 1, "center"))
        return [i for i in out if i is not None] + [Item(GAP, ())]

    # --- blocks ---

    STYLES = {"body": (FONT, "left"), "plain": (FONT, "left"), "italic": (FONT_ITALIC, "left"),
              "bold": (FONT_BOLD, "left"), "center": (FONT, "center"), "center_bold": (FONT_BOLD, "center"),
              "center_italic": (FONT_ITALIC, "center"), "note": (FONT_ITALIC, "left")}

    def fields(self, block: Block, values: dict[str, Any]) -> list[Item]:
        out = []
        for row in block.rows:
            cells = [fill(c.get(self.lang), values) for c in row]
            n = len(cells)
            shares = [0.55, 0.45] if n == 2 else [1 / n] * n
            ops: list = []
            h = 0.0
            x = self.left
            for text, share in zip(cells, shares):
                label, sep, value = text.partition(": ")
                room = self.room * share - 6
                if sep and width(label + sep, FONT, self.body) < room / 2:
                    lw = width(label + sep, FONT, self.body)
                    ops.append(("t", x, self.body * 0.95, label + sep, FONT, self.body))
                    part, ph = self.lines(value, FONT_BOLD, self.body, room - lw, x + lw)
                else:
                    part, ph = self.lines(text, FONT, self.body, room, x)
                ops += part
                h = max(h, ph)
                x += self.room * share
            out.append(Item(h + 1.5, tuple(ops)))
        return out

    def column_widths(self, block: Block) -> list[float]:
        widths = self.widths.get(block.path)
        if widths is None:

            cols = [c for c in block.columns]
            widths = column_widths([c.label.get(self.lang) for c in cols], [c.width for c in cols], self.room,
                                   FONT_BOLD, self.table_size, padding=2 * PAD + 1)
            self.widths[block.path] = widths
        return widths

    def table(self, block: Block, rows: Rows) -> list[Item]:
        size = block.font_size or self.table_size
        leading = size * 1.17
        grid = resolve_table(block, rows, self.lang)
        widths = self.column_widths(block)
        xs = [self.left]
        for w in widths:
            xs.append(xs[-1] + w)
        head, kept = self.heads.get(block.path) or self.head(block, grid, xs, widths, size, leading)
        out = [kept]
        aligns = [c.align for c in grid.columns]
        for kind, values in grid.body:
            font = FONT_BOLD if kind in ("subtotal", "total") else FONT
            ops = []
            rh = 0.0
            if kind in ("subtotal", "total") and grid.label_span > 1:
                cells = [(0, values[0], xs[0], xs[grid.label_span] - xs[0], "left")]
                cells += [(i, values[i], xs[i], widths[i], aligns[i]) for i in range(grid.label_span, len(values))]
                rules = [xs[0]] + xs[grid.label_span:]
            else:
                cells = [(i, v, xs[i], widths[i], aligns[i]) for i, v in enumerate(values)]
                rules = xs
            for i, v, x, w, align in cells:
                text = cell_text(v, self.lang)
                if not text:
                    continue
                if align is None:
                    if isinstance(v, bool) or (kind == "data" and grid.columns[i].field == "no"):
                        align = "center"
                    elif isinstance(v, (int, float)):
                        align = "right"
                    else:
                        align = "left"
                part, h = self.lines(text, font, size, w - 2 * PAD, x + PAD, align, dy=PAD, leading=leading)
                ops += part
                rh = max(rh, h)
            rh = max(rh, leading) + 2 * PAD
            ops += [("l", self.left, rh, self.right, rh)] + [("l", x, 0, x, rh) for x in rules]
            out.append(Item(rh, tuple(ops), head=head))
        if not grid.body and block.empty:
            item = self.text_item(fill(block.empty.get(self.lang), {}), FONT_ITALIC, size)
            if item:
                out.append(item)
        return out + [Item(GAP, ())]

    def head(self, block: Block, grid: Any, xs: list[float], widths: list[float], size: float,
             leading: float) -> tuple[Item, Item]:
        """A table's row of heads (the same on every form of a document, made once)."""
        head_ops: list = []
        hh = 0.0
        for c, x, w in zip(grid.columns, xs, widths):
            ops, h = self.lines(c.label.get(self.lang), FONT_BOLD, size, w - 2 * PAD, x + PAD, "center", dy=PAD,
                                leading=leading)
            head_ops += ops
            hh = max(hh, h)
        hh += 2 * PAD
        head_ops += [("l", self.left, 0, self.right, 0), ("l", self.left, hh, self.right, hh)]
        head_ops += [("l", x, 0, x, hh) for x in xs]
        head = Item(hh, tuple(head_ops))
        self.heads[block.path] = head, Item(head.height, head.ops, keep=True)
        return self.heads[block.path]

    def signatures(self, block: Block, values: dict[str, Any]) -> list[Item]:
        n = len(block.signers)
        share = self.room / max(n, 2)
        x0 = self.left if n > 1 else self.left + self.room / 2
        ops: list = []
        tallest = 0.0
        above = max((self.lines(fill(s.above.get(self.lang), values), FONT_ITALIC, self.body, share - 6)[1]
                     for s in block.signers if s.above), default=0.0)
        for i, s in enumerate(block.signers):
            x = x0 + i * share if n > 1 else x0
            y = 0.0
            if s.above:
                part, _ = self.lines(fill(s.above.get(self.lang), values), FONT_ITALIC, self.body, share - 6, x,
                                     "center")
                ops += part
            y = above        # the titles of every signer on one line
            for text, font in ((s.authority, FONT_BOLD), (s.title, FONT_BOLD), (s.hint, FONT_ITALIC)):
                if text:
                    part, h = self.lines(fill(text.get(self.lang), values), font, self.body, share - 6, x, "center",
                                         dy=y)
                    ops += part
                    y += h
            y += 30 * (1.25 if s.seal else 1)
            name = fill(s.name.get(self.lang), values) if s.name else ""
            if name and name != "……":
                part, h = self.lines(name, FONT_BOLD, self.body, share - 6, x, "center", dy=y)
                ops += part
                y += h
            tallest = max(tallest, y)
        return [Item(GAP * 2, ()), Item(tallest + GAP, tuple(ops))]

    INDENT = 14     # an `answers` line's indent per level (points)

    def answers(self, block: Block, values: dict[str, Any], rows: Rows) -> list[Item]:
        """Lines of text under the block's heading, each indented by its level (a member's line bold, kept with the
        line after it); nothing at all — no heading — when there is no line."""
        if not rows.rows:
            return []
        out = []
        heading = self.text_item(fill(block.text.get(self.lang), values), FONT_BOLD, self.body, keep=True, after=4)
        if heading is not None:
            out.append(heading)
        size = self.body - 1
        for row in rows.rows:
            indent = self.INDENT * int(row.get("level") or 0)
            font = FONT_BOLD if row.get("bold") else FONT
            ops, h = self.lines(str(row.get("text") or ""), font, size, self.room - indent, self.left + indent)
            out.append(Item(h + 1.5, tuple(ops), keep=bool(row.get("bold"))))
        out.append(Item(GAP, ()))
        return out

    def notes(self, block: Block, values: dict[str, Any]) -> list[Item]:
        out = []
        if block.label:
            out.append(self.text_item(fill(block.label.get(self.lang), values), FONT_BOLD, self.body, keep=True))
        for x in block.items:
            out.append(self.text_item(fill(x.get(self.lang), values), FONT_ITALIC, self.body - 1.5))
        return [i for i in out if i is not None]

    def items(self, data: DocumentData) -> list[Item]:
        values = dict(data.values)
        official = self.ctx.official
        out = self.header(values)
        for b in self.tpl.blocks:
            if (b.draft_only and official) or (b.official_only and not official):
                continue
            if b.type in ("paragraph", "heading"):
                font, align = self.STYLES["bold" if b.type == "heading" else b.style]
                size = self.body - 1.5 if b.style == "note" and b.type == "paragraph" else self.body
                item = self.text_item(fill(b.text.get(self.lang), values), font, size, align,
                                      keep=b.type == "heading", after=4 if b.type == "heading" else 2)
                if item is not None:
                    out.append(item)
            elif b.type == "fields":
                out += self.fields(b, values)
            elif b.type == "table":
                out += self.table(b, data.sources.get(b.source) or Rows())
            elif b.type == "answers":
                out += self.answers(b, values, data.sources.get(b.source) or Rows())
            elif b.type == "signatures":
                out += self.signatures(b, values)
            elif b.type == "notes":
                out += self.notes(b, values)
            elif b.type == "space":
                out.append(Item(b.height, ()))
            elif b.type == "page_break":
                out.append(Item(0, (), new_page=True))
        for note in data.notes:
            item = self.text_item(note, FONT_ITALIC, self.body - 2)
            if item is not None:
                out.append(item)
        return out

    def paginate(self, items: Sequence[Item]) -> Sheet:
        pages: list[list[tuple[Item, float]]] = [[]]
        y = self.top
        for i, item in enumerate(items):
            need = item.height
            if item.keep and i + 1 < len(items):
                need += items[i + 1].height
            if item.new_page or (y - need < self.bottom and pages[-1]):
                pages.append([])
                y = self.top
                if item.head is not None:
                    pages[-1].append((item.head, y))
                    y -= item.head.height
            pages[-1].append((item, y))
            y -= item.height
        return Sheet(tuple(items), tuple(tuple(p) for p in pages))

    def sheet(self, data: DocumentData) -> Sheet:
        return self.paginate(self.items(data))


class Pen:
    """The strings of a page, written as PDF text operators into one text block drawn over the page's lines when
    the page ends. reportlab's drawString opens a text object, shapes, measures, splits into font subsets and
    escapes every string anew — most of the time a form takes, and a commune's forms repeat the same labels, names
    and reasons thousands of times — so each distinct (text, font, size) is encoded once per document (the font
    subsets' codes are stable within a document) and reused. Uses the canvas's document (`_doc`), its escaping
    (`_escape`) and its page stream (`_code`), as reportlab's own text object does."""

    def __init__(self, c: Canvas):
        self.c = c
        self.doc = c._doc
        self.escape = c._escape
        self.fonts = {name: getFont(name) for name in FONTS}
        self.encoded: dict[tuple[str, str, float], str] = {}
        self.parts: list[str] = ["0 0 0 rg"]
        self.lines: list[tuple[float, float, float, float]] = []

    def _ops(self, s: str, font: str, size: float) -> str:
        key = (s, font, size)
        ops = self.encoded.get(key)
        if ops is None:
            f = self.fonts[font]
            ops = " ".join(f"{f.getSubsetInternalName(subset, self.doc)} {size:g} Tf ({self.escape(t)}) Tj"
                           for subset, t in f.splitString(s, self.doc))
            self.encoded[key] = ops
        return ops

    def text(self, x: float, y: float, s: str, font: str = FONT, size: float = 10) -> None:
        if s:
            self.parts.append(f"1 0 0 1 {x:.2f} {y:.2f} Tm {self._ops(s, font, size)}")

    def show_page(self) -> None:
        c = self.c
        if self.lines:        # the table rules as one path (canvas.lines formats each number the slow way)
            c._code.append("0 G 0.5 w " + " ".join(f"{a:.2f} {b:.2f} m {x:.2f} {y:.2f} l" for a, b, x, y in self.lines)
                           + " S")
        c._code.append("BT\n" + "\n".join(self.parts) + "\nET")
        c.showPage()
        self.parts = ["0 0 0 rg"]
        self.lines = []


def draw_sheet(pen: Pen, sheet: Sheet, ctx: ReportContext, first_page: int) -> int:
    """Draw one household's pages; returns how many were drawn."""
    c = pen.c
    for number, page in enumerate(sheet.pages, 1):
        if ctx.draft:
            draw_watermark(c, ctx, WIDTH, HEIGHT)
        for item, top in page:
            for op in item.ops:
                if op[0] == "t":
                    pen.text(op[1], top - op[2], op[3], op[4], op[5])
                else:
                    pen.lines.append((op[1], top - op[2], op[3], top - op[4]))
        if number > 1:
            draw_page_number(c, number, WIDTH, HEIGHT)
        if ctx.draft:
            draw_footer(c, ctx, first_page + number - 1, WIDTH)
        pen.show_page()
    return len(sheet.pages)


def prepare(tpl: Template, ctx: ReportContext, data: Iterable[DocumentData]) -> Iterable[Sheet]:
    layout = Layout(tpl, ctx)
    for d in data:
        yield layout.sheet(d)


def write_sheets(sheets: Iterable[Sheet], count: int, ctx: ReportContext, out: IO[bytes] | str, title: str,
                 step: int = 50) -> Job[int]:
    """Draw the forms into one PDF as they come; yields progress, returns the page count. A draft's footer says
    "Trang X/Y" (Y defined when the file is complete). Nothing is written to `out` until the last page is drawn,
    so closing the job leaves no half document."""
    register_fonts()
    c = Canvas(out, pagesize=PORTRAIT, pageCompression=1, initialFontName=FONT)
    set_metadata(c, ctx, title)
    pen = Pen(c)
    page = 1
    message = ctx.tr("report.progress.forms")
    yield Progress(0, count, message)
    for done, sheet in enumerate(sheets, 1):
        page += draw_sheet(pen, sheet, ctx, page)
        if done % step == 0 or done == count:
            yield Progress(done, count, message)
    if page == 1:  # nothing to print: one page that says so
        if ctx.draft:
            draw_watermark(c, ctx, WIDTH, HEIGHT)
            draw_footer(c, ctx, 1, WIDTH)
        pen.text(state_format().left, HEIGHT / 2, ctx.tr("report.nothing"), FONT, 12)
        pen.show_page()
        page += 1
    if ctx.draft:
        define_total(c, page - 1)
    c.save()
    return page - 1
