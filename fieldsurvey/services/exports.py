"""The commune summary as an Excel workbook (openpyxl): a sheet per table of the printed summary, made from the same
TableData (fieldsurvey.reports.tables) so the two agree. Numbers are written as numbers (percentages with two
decimals shown), texts as Unicode strings (Vietnamese intact in Excel and LibreOffice), each sheet has a title, the
commune, the review round and the export time above a bold, frozen header row, and columns sized to their content.
"""

from __future__ import annotations

import unicodedata
from typing import IO, Any, Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from fieldsurvey.reports.base import ReportContext
from fieldsurvey.domain.figures import NEAR, POOR, CommuneFigures
from fieldsurvey.reports.records import HouseholdRecord
from fieldsurvey.reports.tables import (TableData, af_headline, af_table, deprivation_table, group_tables,
                                        member_header, member_rows, movement_table, percent_row_index,
                                        results_table)

HEADER_ROW = 4          # row 1 title, row 2 commune · round · exported at, row 3 blank note row
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=13)
SHADE = PatternFill("solid", fgColor="E8E8E8")
TOTAL = PatternFill("solid", fgColor="F4F4F4")
THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})


def sheet_name(text: str, used: set[str]) -> str:
    """A valid, unique sheet name (31 characters at most, none of []:*?/\\)."""
    name = unicodedata.normalize("NFC", text).translate(FORBIDDEN).strip()[:31] or "Sheet"
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


def write_table(wb: Workbook, name: str, data: TableData, ctx: ReportContext, used: set[str]) -> None:
    ws = wb.create_sheet(sheet_name(name, used))
    ws["A1"] = data.title
    ws["A1"].font = TITLE
    ws["A2"] = f"{ctx.commune_name}, {ctx.province_name} · {ctx.round_text} · {ctx.printed_text}"
    if data.note:
        ws["A3"] = data.note
        ws["A3"].font = Font(italic=True, size=9, color="555555")
    pct_row = percent_row_index(data)
    widths = [0] * len(data.header)
    for c, head in enumerate(data.header, 1):
        cell = ws.cell(HEADER_ROW, c, head)
        cell.font, cell.fill, cell.border = BOLD, SHADE, BOX
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        widths[c - 1] = max(min(_width(head), 24), 4)
    for r, row in enumerate(data.rows):
        for c, value in enumerate(row, 1):
            cell = ws.cell(HEADER_ROW + 1 + r, c, value)
            cell.border = BOX
            if isinstance(value, float) or (c - 1) in data.percent_cols or r == pct_row:
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    cell.number_format = "0.00"
            if r in data.bold_rows:
                cell.font, cell.fill = BOLD, TOTAL
            widths[c - 1] = max(widths[c - 1], _width(value))
    for c, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(c)].width = min(max(w, 4) + 2, 60)
    ws.freeze_panes = ws.cell(HEADER_ROW + 1, 2 if len(data.header) > 3 else 1)
    ws.row_dimensions[HEADER_ROW].height = 30 if max(_width(h) for h in data.header) > 14 else 16
    ws.print_options.gridLines = False
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"


def tables(fig: CommuneFigures, records: Sequence[HouseholdRecord], ctx: ReportContext) -> list[TableData]:
    """Every table of the workbook, in the order of the printed summary."""
    tr = ctx.tr
    out = [results_table(fig, ctx)]
    out += [movement_table(fig, ctx, cls) for cls in (POOR, NEAR)]
    out += [deprivation_table(fig, ctx, cls) for cls in (POOR, NEAR)]
    out += group_tables(fig, ctx)
    for cls in (POOR, NEAR):
        what = tr(f"report.summary.t5.{cls.value}")
        out.append(TableData(f"households_{cls.value}", tr("report.summary.t5", what=what), member_header(ctx),
                             member_rows(records, cls, ctx)))
    af = af_table(fig, ctx)
    af.note = "; ".join(f"{k}: {v}" for k, v in af_headline(fig, ctx)) + ". " + tr(
        "report.summary.af.note", k=f"{fig.af.k:.2f}", excluded=fig.af.excluded)
    out.append(af)
    return out


def write_workbook(fig: CommuneFigures, records: Sequence[HouseholdRecord], ctx: ReportContext,
                   out: IO[bytes] | str) -> int:
    """The workbook into `out` (a path or a binary buffer); returns the number of sheets."""
    wb = Workbook()
    info = wb.active
    used: set[str] = set()
    info.title = sheet_name(ctx.tr("report.xlsx.sheet.info"), used)
    info["A1"] = ctx.tr("report.summary.title", year=ctx.review_year)
    info["A1"].font = TITLE
    rows = [("report.xlsx.commune", ctx.commune_name), ("report.xlsx.province", ctx.province_name),
            ("report.xlsx.round", ctx.round_text), ("report.xlsx.printed", ctx.printed_at),
            ("report.xlsx.standard", ctx.standard.title(ctx.lang))]
    for r, (key, value) in enumerate(rows, 3):
        info.cell(r, 1, ctx.tr(key)).font = BOLD
        cell = info.cell(r, 2, value)
        if key == "report.xlsx.printed":
            cell.number_format = "dd/mm/yyyy hh:mm"
    info.column_dimensions["A"].width = 22
    info.column_dimensions["B"].width = 70
    wb.properties.title = ctx.tr("report.summary.doc_title")
    wb.properties.creator = "FieldSurvey"
    wb.properties.subject = f"{ctx.commune_name} · {ctx.round_text}"
    for data in tables(fig, records, ctx):
        write_table(wb, ctx.tr(f"report.xlsx.sheet.{data.key}"), data, ctx, used)
    wb.save(out)
    return len(wb.sheetnames)
