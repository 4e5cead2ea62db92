"""XLSForm .xlsx in and out, and .xls in (openpyxl and xlrd stay in this module).

`read_xlsx` gives the sheets as the loader wants them (sheet names and headers as designers write them: any case,
`label:English (en)`, `list name`); `write_xlsx` writes a form's sheets back; `import_xlsx` turns a workbook into a
form folder (survey.csv, choices.csv, settings.csv) after checking it loads (`loader.export_form` does the reverse).
"""

from __future__ import annotations

import shutil
import zipfile
from datetime import datetime, time
from pathlib import Path
from typing import Any, Callable, Iterable

from fieldsurvey.formengine.sheets import SHEETS, files_beside, write_folder
from fieldsurvey.formengine.model import (MAX_CELL, Form, FormErrors, Located, build_form, normalise_headers,
                                          raw_value)


# As pyxform reads a sheet: the header stops after 20 empty columns in a row, the rows after 60 empty rows in a row
# (what lies beyond is not part of the form, in ODK either).
MAX_EMPTY_COLUMNS = 20
MAX_EMPTY_ROWS = 60
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"   # the start of an Excel 97–2003 (.xls) file


def read_xlsx(path: Path | str) -> dict[str, list[tuple[int, dict[str, str]]]]:
    """The sheets of an .xlsx workbook, or of an Excel 97–2003 .xls one (read with xlrd, as pyxform reads it)."""
    import openpyxl  # lazy: 150 ms at start-up otherwise (a form folder never needs it)

    p = Path(path)
    try:
        with open(p, "rb") as f:
            old_excel = f.read(len(_OLE2)) == _OLE2
    except OSError:
        old_excel = False
    if old_excel:
        return _read_xls(p)
    try:
        wb = openpyxl.load_workbook(p, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise FormErrors([Located("workbook", 0, None, "forms.error.not_a_workbook", {"error": str(exc)})],
                         str(p)) from None
    try:
        def sheet(ws: Any) -> tuple[str, tuple, Callable[[int], Iterable[tuple]]]:
            # Only the used range is read: the sheet's recorded size is not trusted (a stray cell at XFD1048576
            # would make it 16,384 columns by a million rows); rows stop at the last one written, columns at the
            # header's last, and both after a run of empty ones as pyxform stops.
            ws.reset_dimensions()
            header = next(ws.iter_rows(min_row=1, max_row=1, values_only=True), None) or ()
            return ws.title, header, lambda width: ws.iter_rows(min_row=2, max_col=width, values_only=True)

        return _read_sheets(p, [sheet(ws) for ws in wb.worksheets])
    finally:
        wb.close()


def _read_xls(p: Path) -> dict[str, list[tuple[int, dict[str, str]]]]:
    """An Excel 97–2003 workbook, its cells read as pyxform reads them (a whole number without '.0', a date cell as
    '2010-06-15 00:00:00', a time-only one as '09:30:00', a non-breaking space as a space)."""
    import xlrd  # lazy: only an .xls needs it (≈ 20 ms at start-up otherwise)

    try:
        book = xlrd.open_workbook(str(p))
    except Exception as exc:   # a damaged file fails in many ways inside xlrd (CompDocError, struct.error…)
        raise FormErrors([Located("workbook", 0, None, "forms.error.not_a_workbook", {"error": str(exc)})],
                         str(p)) from None

    def cell(c: Any) -> Any:
        if c.ctype == xlrd.XL_CELL_DATE:
            try:
                parts = xlrd.xldate_as_tuple(c.value, book.datemode)
            except (xlrd.xldate.XLDateError, ValueError, OverflowError):
                return c.value
            return time(*parts[3:]) if parts[:3] == (0, 0, 0) else datetime(*parts)
        if c.ctype == xlrd.XL_CELL_BOOLEAN:
            return bool(c.value)
        if c.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
            return None
        return c.value.replace("\xa0", " ") if isinstance(c.value, str) else c.value

    def sheet(sh: Any) -> tuple[str, tuple, Callable[[int], Iterable[tuple]]]:
        header = tuple(cell(c) for c in sh.row(0)) if sh.nrows else ()
        return sh.name, header, lambda width: (tuple(cell(c) for c in sh.row_slice(r, 0, width))
                                               for r in range(1, sh.nrows))

    return _read_sheets(p, [sheet(book.sheet_by_index(i)) for i in range(book.nsheets)])


def _read_sheets(p: Path, worksheets: list[tuple[str, tuple, Callable[[int], Iterable[tuple]]]]
                 ) -> dict[str, list[tuple[int, dict[str, str]]]]:
    """The sheets the loader reads, each (title, header cells, the rows below it cut to a width)."""
    sheets: dict[str, list[tuple[int, dict[str, str]]]] = {}
    only = len(worksheets) == 1
    for title, header_row, rows_below in worksheets:
        name = title.strip().lower()
        if name not in SHEETS:
            if not only:
                continue  # other sheets (entities, osm, notes…) are not read
            name = "survey"   # a workbook of one sheet is its survey, whatever the sheet's name (pyxform)
        if name in sheets:
            raise FormErrors([Located(title, 0, None, "forms.error.second_sheet", {"sheet": name})], str(p))
        header_cells: list = []
        empty = 0
        for h in header_row:
            if raw_value(h).strip():
                empty = 0
            elif empty == MAX_EMPTY_COLUMNS:
                break
            else:
                empty += 1
            header_cells.append(h)
        header = normalise_headers([raw_value(h) for h in header_cells])
        while header and not header[-1]:
            header.pop()
        seen: dict[str, int] = {}
        for col, h in enumerate(header):
            if h and h in seen:
                raise FormErrors([Located(name, 1, h, "forms.error.column_twice",
                                          {"column": h, "first": seen[h] + 1, "second": col + 1})], str(p))
            seen[h] = col
        out = []
        empty = 0
        if header:
            for n, raw in enumerate(rows_below(len(header)), start=2):
                cells = {}
                for h, v in zip(header, raw):
                    if h and v is not None:
                        text = raw_value(v)
                        if len(text) > MAX_CELL:
                            raise FormErrors([Located(name, n, h, "forms.error.cell_too_long",
                                                      {"length": len(text), "limit": MAX_CELL})], str(p))
                        cells[h] = text.strip()
                if any(cells.values()):
                    empty = 0
                    out.append((n, {h: cells.get(h, "") for h in header if h}))
                elif empty == MAX_EMPTY_ROWS:
                    break
                else:
                    empty += 1
        sheets[name] = out
    return sheets


def write_xlsx(form: Form, path: Path | str) -> Path:
    """The form's survey, choices and settings sheets as an XLSForm workbook."""
    import openpyxl  # lazy: 150 ms at start-up otherwise (a form folder never needs it)

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for sheet in SHEETS:
        rows = form.sheets.get(sheet)
        if rows is None:
            continue
        ws = wb.create_sheet(sheet)
        columns: list[str] = []
        for row in rows:
            for key in row:
                if key not in columns:
                    columns.append(key)
        ws.append(columns)
        for row in rows:
            ws.append([row.get(c, "") or None for c in columns])
        ws.freeze_panes = "A2"
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return Path(path)


def import_xlsx(path: Path | str, folder: Path | str) -> Form:
    """Check the workbook loads (FormErrors, located, when not), then write it as a form folder."""
    p = Path(path)
    form = build_form(read_xlsx(p), str(p), fallback_id=p.stem, files=files_beside(p.parent))
    write_folder(form.sheets, Path(folder))
    for name in _choice_files(form):  # a select_one_from_file's CSV goes with the form
        if (p.parent / name).resolve() != (Path(folder) / name).resolve():
            shutil.copyfile(p.parent / name, Path(folder) / name)
    return form


def _choice_files(form: Form) -> list[str]:
    return sorted({i.list_name for i in form.items if i.list_name and i.list_name.lower().endswith(".csv")
                   and i.list_name in form.choices})
