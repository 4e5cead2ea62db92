"""Printing a document from its template (fieldsurvey.reports.templates) and its data, in the state format.

`DocumentData` holds what one document says: the values its texts' placeholders take and the rows of each of its
tables. `TemplateRenderer.document(template, data)` turns them into platypus flowables: the header the template
asks for (issuing body and number left, the national motto with place and date right; the motto alone; a village
under its commune), the title and subject, then each block in the template's order. Several documents (a
certificate per household, the minutes of each village) go into one PDF one after another, each numbering its own
pages. `resolve_table` lays a table's heads, groups, subtotals and totals out as plain values, so the Excel
workbook shows the same table as the PDF.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from functools import lru_cache
from typing import IO, Any, Iterable, Mapping, Sequence

from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (CondPageBreak, Flowable, KeepTogether, NextPageTemplate, PageBreak, Paragraph,
                                Spacer, Table, TableStyle)

from fieldsurvey.i18n import format_number
from fieldsurvey.reports.base import (FONT, FONT_BOLD, FONT_ITALIC, GRID, LANDSCAPE, PORTRAIT, DocumentStart,
                                      Renderer, ReportContext, column_widths, escape)
from fieldsurvey.reports.templates import Block, Column, Template, Text

DOTS = "……"
_START = object()


@dataclass
class Rows:
    """The rows of one table: dicts of field → value, in the order printed. `total` is a total row the data
    gives itself (a commune's rates are not the sum of its villages')."""

    rows: list[Mapping[str, Any]] = field(default_factory=list)
    total: Mapping[str, Any] | None = None
    after: list[Mapping[str, Any]] = field(default_factory=list)   # more rows under the total (a % row), bold


@dataclass
class DocumentData:
    values: Mapping[str, Any]
    sources: Mapping[str, Rows] = field(default_factory=dict)
    notes: Sequence[str] = ()            # said at the end of a draft (provisional rules, what is missing)


class _Filler(string.Formatter):
    def __init__(self, values: Mapping[str, Any]):
        self.values = values

    def get_value(self, key: Any, args: Any, kwargs: Any) -> Any:
        value = self.values.get(key)
        return DOTS if value in (None, "") else value

    def format_field(self, value: Any, spec: str) -> str:
        text = value if isinstance(value, str) else str(value)
        if spec == "upper" and value is not DOTS:
            return text.upper()
        if spec == "lower" and value is not DOTS:
            return text.lower()
        if spec == "lowerfirst" and value is not DOTS:
            return text[:1].lower() + text[1:]
        return text


_PLACEHOLDER = re.compile(r"\{(\w+)(?::(\w*))?\}")


def fill(text: str, values: Mapping[str, Any]) -> str:
    """A template text with its placeholders filled ("……" for a value not known)."""
    if "{" not in text:
        return text
    if "{{" in text or "}}" in text:
        return _Filler(values).format(text)
    filler = _Filler(values)
    return _PLACEHOLDER.sub(lambda m: filler.format_field(filler.get_value(m.group(1), (), {}), m.group(2) or ""),
                            text)


def cell_text(value: Any, lang: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "x" if value else ""
    if isinstance(value, int):
        return format_number(value, lang)
    if isinstance(value, float):
        return format_number(value, lang, 2)
    return str(value)


# --- tables as values (shared with the workbook) ------------------------------------------------------------------

@dataclass
class HeadCell:
    text: str
    row: int
    col: int
    rows: int = 1
    cols: int = 1


@dataclass
class Grid:
    """A table laid out: head cells with their spans, then body rows of values with their kind (data, group,
    subtotal, total). A group row holds its label in column 0 and spans the row."""

    heads: list[HeadCell]
    head_rows: int
    columns: list[Column]                 # the leaves, left to right
    body: list[tuple[str, list[Any]]]     # (kind, values)
    label_span: int = 1                   # subtotal and total rows: the label spans this many columns


def _depth(col: Column) -> int:
    return 1 + max((_depth(s) for s in col.sub), default=0)


def _heads(cols: Sequence[Column], row: int, col: int, depth: int, lang: str, out: list[HeadCell]) -> int:
    for c in cols:
        width = len(c.leaves())
        if c.sub:
            out.append(HeadCell(c.label.get(lang), row, col, 1, width))
            _heads(c.sub, row + 1, col, depth, lang, out)
        else:
            out.append(HeadCell(c.label.get(lang), row, col, depth - row, 1))
        col += width
    return col


def resolve_table(block: Block, rows: Rows, lang: str) -> Grid:
    leaves = [leaf for c in block.columns for leaf in c.leaves()]
    depth = max(_depth(c) for c in block.columns)
    heads: list[HeadCell] = []
    _heads(block.columns, 0, 0, depth, lang, heads)
    summed = [i for i, c in enumerate(leaves) if c.sum]
    label_span = min(summed) if summed else len(leaves)
    label_span = max(label_span, 1)
    body: list[tuple[str, list[Any]]] = []
    total = [0] * len(leaves)
    number = 0
    group: Any = _START
    sub = [0] * len(leaves)
    group_label = ""

    def sums_row(label: str, values: list) -> list:
        row: list[Any] = [None] * len(leaves)
        row[0] = label
        for i in summed:
            row[i] = values[i]
        return row

    in_group = 0

    def close_group() -> None:
        if block.subtotal:
            label = fill(block.subtotal.get(lang), {"group": group_label, "count": format_number(in_group, lang)})
            body.append(("subtotal", sums_row(label, sub)))

    for r in rows.rows:
        if block.group_by:
            g = r.get(block.group_by)
            if g != group:
                if group is not _START:
                    close_group()
                group, group_label = g, cell_text(g, lang)
                sub = [0] * len(leaves)
                in_group = 0
                body.append(("group", [group_label] + [None] * (len(leaves) - 1)))
                if block.numbering == "group":
                    number = 0
        number += 1
        in_group += 1
        values = [number if c.field == "no" else r.get(c.field) for c in leaves]
        for i in summed:
            v = values[i]
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                sub[i] += v
                total[i] += v
        body.append(("data", values))
    if block.group_by and rows.rows:
        close_group()
    numbered = leaves[0].field == "no" and len(leaves) > 1

    def given(row: Mapping[str, Any], label: str | None) -> list[Any]:
        """A total row the data gives: its label (the template's, else the row's own) in the first column, over
        the number's column too."""
        values = [row.get(c.field) for c in leaves]
        if numbered:
            values[0], values[1] = values[1], None
        if label:
            values[0] = label
        return values

    if rows.total is not None:
        body.append(("total", given(rows.total, block.total.get(lang) if block.total else None)))
    elif block.total and rows.rows:
        label = fill(block.total.get(lang), {"count": format_number(len(rows.rows), lang)})
        body.append(("total", sums_row(label, total)))
    for extra in rows.after:
        body.append(("total", given(extra, None)))
    if block.min_rows:
        filled = sum(1 for kind, _ in body if kind == "data")
        body += [("blank", [None] * len(leaves)) for _ in range(block.min_rows - filled)]
    return Grid(heads, depth, leaves, body, label_span if summed else (2 if numbered else 1))


# --- flowables -----------------------------------------------------------------------------------------------------

class Rule(Flowable):
    """A solid line of `length`, centred in the width it is given (under the issuing body, the motto, a subject)."""

    def __init__(self, length: float, thickness: float = 0.6, space: float = 2):
        super().__init__()
        self.length = length
        self.thickness = thickness
        self.space = space

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.avail = avail_width
        return avail_width, self.space * 2

    def draw(self) -> None:
        c = self.canv
        c.setLineWidth(self.thickness)
        x = (self.avail - self.length) / 2
        c.line(x, self.space, x + self.length, self.space)


@lru_cache(maxsize=65536)
def _width(text: str, font: str, size: float) -> float:
    return stringWidth(text, font, size)


@lru_cache(maxsize=64)
def _cell_style(size: float, font: str, align: int) -> ParagraphStyle:
    return ParagraphStyle(f"c{size}{font}{align}", fontName=font, fontSize=size, leading=round(size * 1.18, 2),
                          alignment=align)


ALIGN = {"left": TA_LEFT, "center": TA_CENTER, "right": TA_RIGHT}


class TemplateRenderer(Renderer):
    """Documents drawn from templates, in the state format. One PDF may hold documents of several templates (a
    village's minutes, then its posting list)."""

    def __init__(self, ctx: ReportContext, template: Template | None = None):
        super().__init__(ctx)
        self.template = template
        self.pagesize = LANDSCAPE if template is not None and template.orientation == "landscape" else PORTRAIT

    @property
    def title(self) -> str:
        if self.template is None:
            return self.tr("report.title")
        return self.template.title.get(self.ctx.lang).replace("{", "").replace("}", "")

    def t(self, text: Text, values: Mapping[str, Any]) -> str:
        return fill(text.get(self.ctx.lang), values)

    def para(self, text: str, style: str) -> Paragraph:
        return Paragraph(escape(text).replace("\n", "<br/>"), self.styles[style])

    def frame_width(self, orientation: str) -> float:
        size = LANDSCAPE if orientation == "landscape" else PORTRAIT
        return size[0] - self.sf.left - self.sf.right

    # --- header ---

    def header(self, tpl: Template, values: Mapping[str, Any], width: float) -> list:
        h = tpl.header
        sf = self.sf
        national = self.tr("report.state.national")
        motto = self.tr("report.state.motto")
        motto_w = stringWidth(motto, FONT_BOLD, sf.size("motto"))
        right_w = max(stringWidth(national, FONT_BOLD, sf.size("national_title")), motto_w) + 12
        right = [self.para(national, "s_national"), self.para(motto, "s_motto"), Rule(motto_w)]
        if h.style == "motto_only":
            return [Table([[right]], colWidths=[width], style=_PLAIN)]
        if h.style == "none":
            return []
        if h.place_date:
            right += [Spacer(1, 4), self.para(self.t(h.place_date, values), "s_place_date")]
        left: list = []
        if h.parent:
            left.append(self.para(self.t(h.parent, values), "s_parent"))
        body_lines = self.t(h.body, values).split("\n") if h.body else []
        if body_lines:
            left.append(self.para("\n".join(body_lines), "s_body_name"))
            longest = max(stringWidth(x, FONT_BOLD, sf.size("issuing_body")) for x in body_lines)
            left.append(Rule(longest * 0.4, space=4))
        if h.number:
            left += [Spacer(1, 2), self.para(self.t(h.number, values), "s_number")]
        portrait = self.frame_width("portrait")
        left_w = max(portrait - right_w, portrait * 0.34)
        right_w = portrait - left_w
        gap = max(width - left_w - right_w, 0)
        return [Table([[left, "", right]], colWidths=[left_w, gap, right_w], style=_PLAIN)]

    # --- blocks ---

    PARAGRAPH = {"body": "s_body", "plain": "s_plain", "italic": "s_italic", "bold": "s_bold", "center": "s_center",
                 "center_bold": "s_center_bold", "center_italic": "s_center_italic", "note": "s_note"}

    def fields(self, block: Block, values: Mapping[str, Any], width: float) -> list:
        out = []
        for row in block.rows:
            cells = [self.para(self.t(c, values), "s_plain") for c in row]
            n = len(cells)
            widths = [width / n] * n if n > 1 else [width]
            if n == 2:
                widths = [width * 0.62, width * 0.38]
            out.append(Table([cells], colWidths=widths, style=_PLAIN_TIGHT))
        return out

    def table(self, block: Block, rows: Rows, width: float) -> list:
        lang = self.ctx.lang
        grid = resolve_table(block, rows, lang)
        size, head_size, widths = self.fit(grid, block, width)
        head_style = _cell_style(head_size, FONT_BOLD, TA_CENTER)
        n = len(grid.columns)
        data: list[list[Any]] = [[""] * n for _ in range(grid.head_rows)]
        style: list[tuple] = [("FONTNAME", (0, 0), (-1, -1), FONT), ("GRID", (0, 0), (-1, -1), 0.5, GRID),
                              ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                              ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                              ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3)]
        for h in grid.heads:
            data[h.row][h.col] = Paragraph(escape(h.text), head_style)
            if h.rows > 1 or h.cols > 1:
                style.append(("SPAN", (h.col, h.row), (h.col + h.cols - 1, h.row + h.rows - 1)))
        head_rows = grid.head_rows
        if block.column_numbers:
            numbers = _cell_style(size, FONT_ITALIC, TA_CENTER)
            data.append([Paragraph(f"({i})", numbers) for i in range(1, n + 1)])
            head_rows += 1
        aligns = []
        for c in grid.columns:
            aligns.append(ALIGN[c.align] if c.align else None)
        bold_rows = []
        for kind, values in grid.body:
            r = len(data)
            if kind == "group":
                data.append([Paragraph(escape(cell_text(values[0], lang)), _cell_style(size, FONT_BOLD, TA_LEFT))]
                            + [""] * (n - 1))
                style.append(("SPAN", (0, r), (-1, r)))
                continue
            font = FONT_BOLD if kind in ("subtotal", "total") else FONT
            row = []
            for i, v in enumerate(values):
                align = aligns[i]
                if align is None:
                    align = TA_RIGHT if isinstance(v, (int, float)) and not isinstance(v, bool) else TA_LEFT
                    if isinstance(v, bool) or grid.columns[i].field == "no":
                        align = TA_CENTER
                row.append(Paragraph(escape(cell_text(v, lang)), _cell_style(size, font, align)) if v not in (None, "")
                           else "")
            if kind in ("subtotal", "total") and grid.label_span > 1:
                style.append(("SPAN", (0, r), (grid.label_span - 1, r)))
            if kind == "blank":
                row = [Paragraph("&nbsp;", _cell_style(size, FONT, TA_LEFT))] + row[1:]
            data.append(row)
            if kind in ("subtotal", "total"):
                bold_rows.append(r)
        if not grid.body and block.empty:
            data.append([Paragraph(escape(self.t(block.empty, {})), _cell_style(size, FONT_ITALIC, TA_LEFT))]
                        + [""] * (n - 1))
            style.append(("SPAN", (0, len(data) - 1), (-1, len(data) - 1)))
        heights = None
        if block.row_height:
            heights = [None] * head_rows + [block.row_height] * (len(data) - head_rows)
        return [Table(data, colWidths=widths, rowHeights=heights, repeatRows=head_rows, style=TableStyle(style))]

    def fit(self, grid: Grid, block: Block, width: float) -> tuple[float, float, list[float]]:
        """The table's text size, its heads' size and its columns' widths: no word of a head or a cell cut, the
        sizes made smaller (to 7 points at least) when the words do not fit otherwise (a wide table, a long
        language)."""
        lang = self.ctx.lang
        size = block.font_size or self.sf.size("table")
        head_size = self.sf.size("table_head") if block.font_size is None else size
        heads = [c.label.get(lang) for c in grid.columns]
        words: list[list[tuple[str, str]]] = [[] for _ in grid.columns]
        for kind, values in grid.body:
            if kind in ("data", "subtotal", "total"):
                font = FONT if kind == "data" else FONT_BOLD
                for i, v in enumerate(values):
                    if v not in (None, "") and not (kind != "data" and i == 0):
                        words[i].append((max(cell_text(v, lang).split() or [""], key=len), font))
        longest_words = [sorted(set(w), key=lambda x: -len(x[0]))[:8] for w in words]
        while True:
            longest = [max((_width(word, font, size) for word, font in ws), default=0.0) for ws in longest_words]
            least = sum(max(max((_width(w, FONT_BOLD, head_size) for w in h.split()), default=0), x) + 7
                        for h, x in zip(heads, longest))
            if least < width or size <= 7:
                break
            size, head_size = size - 0.5, head_size - 0.5
        widths = column_widths(heads, [c.width for c in grid.columns], width, FONT_BOLD, head_size, padding=7,
                               least_values=longest)
        return size, head_size, widths

    def signatures(self, tpl: Template, block: Block, values: Mapping[str, Any], width: float) -> list:
        cells = []
        aboves = [self.t(x.above, values) if x.above else "" for x in block.signers]
        if block.place_date:
            aboves[-1] = self.t(tpl.header.place_date, values)
        lines = max((len(a.split("\n")) for a in aboves if a), default=0)
        for i, signer in enumerate(block.signers):
            cell: list = []
            if lines:       # every signer's title on one line, under the place and date of any of them
                cell.append(self.para(aboves[i] or "\n" * (lines - 1) + " ", "s_place_date"))
            for text, style in ((signer.authority, "s_signer"), (signer.title, "s_signer"),
                                (signer.hint, "s_sign_hint")):
                if text:
                    cell.append(self.para(self.t(text, values), style))
            cell.append(Spacer(1, 30 * (1.25 if signer.seal else 1)))
            if signer.name:
                name = self.t(signer.name, values)
                cell.append(self.para("" if name == DOTS else name, "s_signer_name"))
            cells.append(cell)
        if block.label or block.items:
            left = [self.para(self.t(block.label, values), "s_recipients_label")] if block.label else []
            left += [self.para(self.t(x, values), "s_recipients") for x in block.items]
            right_w = width * 0.55
            row = [left, cells[-1]] if len(cells) == 1 else [left] + cells
            widths = [width - right_w, right_w] if len(cells) == 1 else [width / len(row)] * len(row)
        elif len(cells) == 1:
            row, widths = ["", cells[0]], [width * 0.45, width * 0.55]
        else:
            row, widths = cells, [width / len(cells)] * len(cells)
        return [KeepTogether([Spacer(1, 6), Table([row], colWidths=widths, style=_PLAIN)])]

    def notes(self, block: Block, values: Mapping[str, Any]) -> list:
        out = [self.para(self.t(block.label, values), "s_bold")] if block.label else []
        return out + [self.para(self.t(x, values), "s_note") for x in block.items]

    def blocks(self, tpl: Template, data: DocumentData) -> list:
        story: list = []
        official = self.ctx.official
        orientation = tpl.orientation
        for b in tpl.blocks:
            if (b.draft_only and official) or (b.official_only and not official):
                continue
            width = self.frame_width(orientation)
            if b.type in ("paragraph",):
                story.append(self.para(self.t(b.text, data.values), self.PARAGRAPH[b.style]))
            elif b.type == "heading":
                story += [CondPageBreak(60), self.para(self.t(b.text, data.values), "s_heading")]
            elif b.type == "fields":
                story += self.fields(b, data.values, width)
            elif b.type == "table":
                story += self.table(b, data.sources.get(b.source) or Rows(), width)
            elif b.type == "signatures":
                story += self.signatures(tpl, b, data.values, width)
            elif b.type == "notes":
                story += self.notes(b, data.values)
            elif b.type == "page_break":
                if b.orientation:
                    orientation = b.orientation
                    story.append(NextPageTemplate(orientation))
                story.append(PageBreak())
            elif b.type == "space":
                story.append(Spacer(1, b.height))
        return story

    def document(self, tpl: Template, data: DocumentData) -> list:
        """One document's flowables."""
        values = data.values
        width = self.frame_width(tpl.orientation)
        story: list = [DocumentStart()]
        if tpl.form_number:
            story.append(self.para(self.t(tpl.form_number, values), "s_form_number"))
        story += self.header(tpl, values, width)
        story.append(Spacer(1, 14))
        story.append(self.para(self.t(tpl.title, values), "s_doc_type"))
        if tpl.subject:
            subject = self.t(tpl.subject, values)
            story.append(self.para(subject, "s_subject"))
            longest = max(stringWidth(x, FONT_BOLD, self.sf.size("subject")) for x in subject.split("\n"))
            story.append(Rule(min(longest, width) * 0.35, space=4))
        if tpl.subtitle:
            story.append(self.para(self.t(tpl.subtitle, values), "s_center_italic"))
        story.append(Spacer(1, 8))
        story += self.blocks(tpl, data)
        if data.notes and self.ctx.draft:
            story += [Spacer(1, 6)] + [self.para(n, "s_note") for n in data.notes]
        return story

    def documents(self, items: Iterable[tuple[Template, DocumentData]]) -> list:
        """Documents one after another, each from a fresh page in its template's orientation."""
        story: list = []
        for tpl, data in items:
            if story:
                story += [NextPageTemplate(tpl.orientation), PageBreak()]
            story += self.document(tpl, data)
        return story

    def write(self, items: Iterable[tuple[Template, DocumentData]], out: IO[bytes] | str) -> int:
        story = self.documents(items)
        if not story:
            story = [DocumentStart(), self.para(self.tr("report.nothing"), "s_plain")]
        return self.build(story, out)


_PLAIN = TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                     ("LEFTPADDING", (0, 0), (-1, -1), 0),
                     ("RIGHTPADDING", (0, 0), (-1, -1), 0), ("TOPPADDING", (0, 0), (-1, -1), 0),
                     ("BOTTOMPADDING", (0, 0), (-1, -1), 0)])
_PLAIN_TIGHT = TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                           ("LEFTPADDING", (0, 0), (-1, -1), 0),
                           ("RIGHTPADDING", (0, 0), (-1, -1), 4), ("TOPPADDING", (0, 0), (-1, -1), 0),
                           ("BOTTOMPADDING", (0, 0), (-1, -1), 1)])
