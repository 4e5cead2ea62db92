"""The commune's report as an Excel workbook (openpyxl), following the same template as the PDF: a sheet per table of
the report (resources/templates/bao-cao-ket-qua-ra-soat.toml, or a province's own), its heads and sub-heads merged as
printed, its rows, groups, subtotals and totals laid out by the same `resolve_table`, so the two always agree; then
the Alkire–Foster analysis on a sheet of its own. Numbers are written as numbers (percentages with two decimals
shown), texts as Unicode strings (Vietnamese intact in Excel and LibreOffice); each sheet has its title, the
commune · round · time and a note above a bold, frozen head, and columns sized to their content.

Every text is written as text, never run: a text a spreadsheet would take for a formula (a village or a head named
`=HYPERLINK(…)`, or starting with +, -, @, a tab or a carriage return) is a string cell with Excel's quote prefix,
and a control character (which a workbook cannot hold — an older workspace may have stored one) is written as its
visible symbol (U+0001 as ␁), so the export never fails on it (`cell_text`, `put`).
"""

from __future__ import annotations

import re
import unicodedata
from typing import IO, Any, Iterator

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from fieldsurvey.reports.analysis import af_headline, af_table
from fieldsurvey.reports.base import ReportContext
from fieldsurvey.domain.figures import CommuneFigures
from fieldsurvey.reports.render import DocumentData, Grid, HeadCell, Rows, fill, resolve_table
from fieldsurvey.reports.templates import Block, Column, Template, Text

HEAD_ROW = 4            # row 1 title, row 2 commune · round · time, row 3 a note
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=13)
SHADE = PatternFill("solid", fgColor="E8E8E8")
TOTAL = PatternFill("solid", fgColor="F4F4F4")
THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")   # a text starting so is a formula to a spreadsheet
# what a workbook cell cannot hold: C0 controls (but tab, LF, CR), DEL, C1 controls, lone surrogates, and U+FFFE,
# U+FFFF (XML 1.0 has no place for them: a workbook holding one does not open)
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def _visible(found: re.Match) -> str:
    code = ord(found.group())
    if code < 0x20:
        return chr(0x2400 + code)     # ␀ … ␟ (Control Pictures)
    return "\u2421" if code == 0x7F else "\ufffd"


def cell_text(text: str) -> str:
    """A text as a cell holds it: each control character a workbook cannot hold shown as its symbol."""
    return text if text.isprintable() else _UNWRITABLE.sub(_visible, text)


def put(ws: Any, row: int, column: int, value: Any) -> Cell:
    """Write a value into a cell as what it is: a number as a number, a text as text — never a formula (see the
    module's doc)."""
    cell = ws.cell(row, column)
    if isinstance(value, str):
        text = cell_text(value)
        cell.value = text
        if text.startswith(FORMULA_START):
            cell.data_type = "s"       # openpyxl took it for a formula
            cell.quotePrefix = True    # and Excel keeps it text when the cell is edited
    else:
        cell.value = value
    return cell


def sheet_name(text: str, used: set[str]) -> str:
    """A valid, unique sheet name (31 characters at most, none of []:*?/\\, no control character)."""
    name = cell_text(unicodedata.normalize("NFC", text)).translate(FORBIDDEN).strip()[:31] or "Sheet"
    base, n = name, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name = base[:31 - len(suffix)] + suffix
        n += 1
    used.add(name.lower())
    return name


def _width(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, float):
        return len(f"{value:,.2f}")
    return max((len(line) for line in str(value).split("\n")), default=0)


def tables(tpl: Template, data: DocumentData, lang: str) -> Iterator[tuple[Block, str, str, Grid]]:
    """Each table of the template with its title (the heading printed above it), its note (a note printed under
    it) and its rows laid out."""
    title = ""
    blocks = tpl.blocks
    for i, b in enumerate(blocks):
        if b.type == "heading" or (b.type == "paragraph" and b.style == "center_bold"):
            title = fill(b.text.get(lang), data.values)
        if b.type != "table":
            continue
        after = blocks[i + 1] if i + 1 < len(blocks) else None
        note = fill(after.text.get(lang), data.values) if after is not None and after.type == "paragraph" \
            and after.style == "note" else ""
        yield b, title, note, resolve_table(b, data.sources.get(b.source) or Rows(), lang)


def write_grid(wb: Workbook, name: str, title: str, note: str, grid: Grid, ctx: ReportContext, used: set[str]) -> None:
    ws = wb.create_sheet(sheet_name(name or title, used))
    put(ws, 1, 1, title).font = TITLE
    put(ws, 2, 1, f"{ctx.commune_name}, {ctx.province_name} · {ctx.round_text} · {ctx.printed_text}")
    if note:
        put(ws, 3, 1, note).font = Font(italic=True, size=9, color="555555")
    n = len(grid.columns)
    widths = [4] * n
    for h in grid.heads:
        row, col = HEAD_ROW + h.row, 1 + h.col
        put(ws, row, col, h.text)
        if h.rows > 1 or h.cols > 1:
            ws.merge_cells(start_row=row, start_column=col, end_row=row + h.rows - 1, end_column=col + h.cols - 1)
        if h.cols == 1:
            widths[h.col] = max(widths[h.col], min(_width(h.text), 24))
    for r in range(HEAD_ROW, HEAD_ROW + grid.head_rows):
        for c in range(1, n + 1):
            cell = ws.cell(r, c)
            cell.font, cell.fill, cell.border = BOLD, SHADE, BOX
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    first = HEAD_ROW + grid.head_rows
    for i, (kind, values) in enumerate(grid.body):
        row = first + i
        if kind == "group":
            put(ws, row, 1, values[0]).font = BOLD
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=n)
            continue
        for c, value in enumerate(values, 1):
            cell = put(ws, row, c, value)
            cell.border = BOX
            if isinstance(value, float):
                cell.number_format = "0.00"
            if kind in ("subtotal", "total"):
                cell.font, cell.fill = BOLD, TOTAL
            if not (kind in ("subtotal", "total") and c == 1):
                widths[c - 1] = max(widths[c - 1], _width(value))
        if kind in ("subtotal", "total") and grid.label_span > 1:
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=grid.label_span)
    for c, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(c)].width = min(max(w, 4) + 2, 60)
    ws.freeze_panes = f"{get_column_letter(3 if grid.columns[0].field == 'no' and n > 3 else 2 if n > 3 else 1)}{first}"
    ws.print_options.gridLines = False
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{HEAD_ROW}:{first - 1}"


def write_workbook(tpl: Template, data: DocumentData, fig: CommuneFigures, ctx: ReportContext,
                   out: IO[bytes] | str) -> int:
    """The workbook into `out` (a path or a binary buffer); returns the number of sheets."""
    lang = ctx.lang
    wb = Workbook()
    info = wb.active
    used: set[str] = set()
    info.title = sheet_name(ctx.tr("report.xlsx.sheet.info"), used)
    put(info, 1, 1, ctx.tr("report.summary.title", year=ctx.review_year)).font = TITLE
    rows = [("report.xlsx.commune", ctx.commune_name), ("report.xlsx.province", ctx.province_name),
            ("report.xlsx.round", ctx.round_text), ("report.xlsx.printed", ctx.printed_at),
            ("report.xlsx.standard", ctx.standard.title(lang)),
            ("report.xlsx.copy", ctx.tr("report.xlsx.official" if ctx.official else "report.draft.mark")),
            ("report.xlsx.template", f"{tpl.id} ({tpl.source})")]
    for r, (key, value) in enumerate(rows, 3):
        put(info, r, 1, ctx.tr(key)).font = BOLD
        cell = put(info, r, 2, value)
        if key == "report.xlsx.printed":
            cell.number_format = "dd/mm/yyyy hh:mm"
    info.column_dimensions["A"].width = 22
    info.column_dimensions["B"].width = 70
    wb.properties.title = cell_text(ctx.tr("report.summary.doc_title"))
    wb.properties.creator = "FieldSurvey"
    wb.properties.subject = cell_text(f"{ctx.commune_name} · {ctx.round_text}")
    for block, title, note, grid in tables(tpl, data, lang):
        write_grid(wb, block.sheet.get(lang), title, note, grid, ctx, used)
    af = af_table(fig, ctx)
    note = "; ".join(f"{k}: {v}" for k, v in af_headline(fig, ctx)) + ". " + ctx.tr(
        "report.summary.af.note", k=f"{fig.af.k:.2f}", excluded=fig.af.excluded)
    columns = [Column(Text({lang: h}), f"c{i}") for i, h in enumerate(af.header)]
    grid = Grid([HeadCell(h, 0, i) for i, h in enumerate(af.header)], 1, columns,
                [("data", row) for row in af.rows])
    write_grid(wb, ctx.tr("report.xlsx.sheet.alkire_foster"), ctx.tr("report.summary.af"), note, grid, ctx, used)
    wb.save(out)
    return len(wb.sheetnames)
