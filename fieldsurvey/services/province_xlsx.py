"""The province's tables as an Excel workbook (openpyxl): a sheet per table — results with last year beside them,
movement of poor and of near-poor households, the 12 deprivations, the target groups, the ethnic-minority
households — one row per commune that reported and the province's row last, rates over resident households with
two decimals shown. Numbers are written as numbers, Vietnamese text as Unicode. The columns are
services/province_columns.py's, the ones the app's province view shows."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from fieldsurvey.domain.province import LastYear, ProvinceTables
from fieldsurvey.errors import WorkspaceError
from fieldsurvey.i18n import LANGUAGES, t
from fieldsurvey.services.exports import BOLD, BOX, SHADE, TITLE, TOTAL, sheet_name
from fieldsurvey.services.province_columns import rows_of, tables_of

PERCENT = "0.00"
# written in the workbook's properties (its identifier): which province and year its tables are, so next year's
# province reads them back as last year's figures
IDENTIFIER = "fieldsurvey/province"
HEAD_ROW = 4


def write_workbook(tb: ProvinceTables, out: Path, lang: str = "vi") -> None:
    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.identifier = f"{IDENTIFIER}/{tb.province_code}/{tb.year}"
    used: set[str] = set()
    for table in tables_of(tb, lang):
        title, columns = table.title, table.columns
        ws = wb.create_sheet(sheet_name(title, used))
        ws["A1"] = title
        ws["A1"].font = TITLE
        ws["A2"] = t("province.sheet.subtitle", lang, province=tb.province_name, year=tb.year,
                     reported=len(tb.communes), missing=len(tb.not_reported))
        ws["A2"].font = Font(italic=True, size=9, color="555555")
        heads = [t("province.col.code", lang), t("province.col.commune", lang), *(c.heading for c in columns)]
        for j, h in enumerate(heads, 1):
            cell = ws.cell(row=4, column=j, value=h)
            cell.font, cell.fill, cell.border = BOLD, SHADE, BOX
        for i, row in enumerate(rows_of(tb), 5):
            last = row is tb.province
            values = [row.code, row.name if not last else t("province.col.province_total", lang, name=row.name)]
            for j, v in enumerate([*values, *(c.value(row) for c in columns)], 1):
                cell = ws.cell(row=i, column=j, value=round(v, 2) if isinstance(v, float) else v)
                cell.border = BOX
                if j > 2 and columns[j - 3].rate:
                    cell.number_format = PERCENT
                if last:
                    cell.font, cell.fill = BOLD, TOTAL
        ws.freeze_panes = "C5"
        ws.column_dimensions["A"].width = 8
        ws.column_dimensions["B"].width = 28
        for j in range(3, len(heads) + 1):
            ws.column_dimensions[get_column_letter(j)].width = 14
    wb.save(out)


# --- read back: last year's figures from last year's workbook -------------------------------------------------------

@dataclass(frozen=True)
class WorkbookFigures:
    province_code: str | None       # from the workbook's properties (None: a workbook not written by the app)
    year: int | None
    rows: dict[str, LastYear]       # code → figures (the province's own under its 2-digit code)


_WANTED = {"code": "province.col.code", "residents": "province.col.residents", "poor": "province.col.poor",
           "near_poor": "province.col.near_poor"}


def _count(value: Any, where: str, allow_none: bool) -> int | None:
    if value is None or (isinstance(value, str) and value.strip() in ("", "—", "-")):
        if allow_none:
            return None
        raise WorkspaceError("province.error.workbook_number", where, found="")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or value != int(value):
        raise WorkspaceError("province.error.workbook_number", where, found=repr(value)[:40])
    return int(value)


def read_results(path: Path, year: int | None = None) -> WorkbookFigures:
    """Last year's figures from a province workbook in the format `write_workbook` writes (its results sheet, in
    Vietnamese or English: found by its column headings on row 4): each commune's resident households, poor and
    near-poor, and the province's row. The year is the workbook's own (written in its properties), else `year`."""
    path = Path(path)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:   # noqa: BLE001 — openpyxl raises many kinds for a file that is no workbook
        raise WorkspaceError("province.error.not_a_workbook", str(path), error=type(exc).__name__) from None
    try:
        ident = (wb.properties.identifier or "").split("/")
        code, book_year = (ident[2], int(ident[3])) if len(ident) == 4 and "/".join(ident[:2]) == IDENTIFIER \
            else (None, None)
        heads = {t(key, lang): name for lang in LANGUAGES for name, key in _WANTED.items()}
        for ws in wb.worksheets:
            found: dict[str, int] = {}
            for row in ws.iter_rows(min_row=HEAD_ROW, max_row=HEAD_ROW, values_only=True):
                for j, value in enumerate(row):
                    name = heads.get(str(value).strip()) if value is not None else None
                    if name and name not in found:
                        found[name] = j
            if len(found) < len(_WANTED):
                continue
            the_year = book_year or year
            if the_year is None:
                raise WorkspaceError("province.error.workbook_year", str(path))
            rows: dict[str, LastYear] = {}
            for i, row in enumerate(ws.iter_rows(min_row=HEAD_ROW + 1, values_only=True), HEAD_ROW + 1):
                unit = row[found["code"]] if found["code"] < len(row) else None
                if unit is None or str(unit).strip() == "":
                    continue
                unit = str(unit).strip()

                def cell(name: str, allow_none: bool = False) -> int | None:
                    j = found[name]
                    where = f"{path.name}: {ws.title}!{get_column_letter(j + 1)}{i}"
                    return _count(row[j] if j < len(row) else None, where, allow_none)

                rows[unit] = LastYear(the_year, cell("residents", True), cell("poor"), cell("near_poor"), path.name)
            return WorkbookFigures(code, the_year, rows)
        raise WorkspaceError("province.error.workbook_no_results", str(path))
    finally:
        wb.close()
