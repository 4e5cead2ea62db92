"""XLSForm .xlsx in and out (openpyxl stays in this module).

`read_xlsx` gives the sheets as the loader wants them (sheet names and headers as designers write them: any case,
`label:English (en)`, `list name`); `write_xlsx` writes a form's sheets back; `import_xlsx` turns a workbook into a
form folder (survey.csv, choices.csv, settings.csv) after checking it loads (`loader.export_form` does the reverse).
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

from fieldsurvey.formengine.sheets import SHEETS, files_beside, write_folder
from fieldsurvey.formengine.model import (MAX_CELL, Form, FormErrors, Located, build_form, normalise_headers,
                                          raw_value)


# As pyxform reads a sheet: the header stops after 20 empty columns in a row, the rows after 60 empty rows in a row
# (what lies beyond is not part of the form, in ODK either).
MAX_EMPTY_COLUMNS = 20
MAX_EMPTY_ROWS = 60
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"   # the start of an Excel 97–2003 (.xls) file


def read_xlsx(path: Path | str) -> dict[str, list[tuple[int, dict[str, str]]]]:
    import openpyxl

    p = Path(path)
    try:
        with open(p, "rb") as f:
            old_excel = f.read(len(_OLE2)) == _OLE2
    except OSError:
        old_excel = False
    if old_excel or (p.suffix.lower() == ".xls" and p.is_file()):
        raise FormErrors([Located("workbook", 0, None, "forms.error.xls_workbook", {"file": p.name})], str(p))
    try:
        wb = openpyxl.load_workbook(p, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise FormErrors([Located("workbook", 0, None, "forms.error.not_a_workbook", {"error": str(exc)})],
                         str(p)) from None
    try:
        sheets: dict[str, list[tuple[int, dict[str, str]]]] = {}
        only = len(wb.worksheets) == 1
        for ws in wb.worksheets:
            name = ws.title.strip().lower()
            if name not in SHEETS:
                if not only:
                    continue  # other sheets (entities, osm, notes…) are not read
                name = "survey"   # a workbook of one sheet is its survey, whatever the sheet's name (pyxform)
            if name in sheets:
                raise FormErrors([Located(ws.title, 0, None, "forms.error.second_sheet", {"sheet": name})], str(p))
            # Only the used range is read: the sheet's recorded size is not trusted (a stray cell at XFD1048576
            # would make it 16,384 columns by a million rows); rows stop at the last one written, columns at the
            # header's last, and both after a run of empty ones as pyxform stops.
            ws.reset_dimensions()
            header_row = next(ws.iter_rows(min_row=1, max_row=1, values_only=True), None) or ()
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
                for n, raw in enumerate(ws.iter_rows(min_row=2, max_col=len(header), values_only=True), start=2):
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
    finally:
        wb.close()


def write_xlsx(form: Form, path: Path | str) -> Path:
    """The form's survey, choices and settings sheets as an XLSForm workbook."""
    import openpyxl

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
