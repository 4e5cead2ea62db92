"""A form's sheets as files: the XLSForm sheets (survey, choices, settings, external_choices) as one UTF-8 CSV file
each (RFC 4180) in a folder, read and written; and the files a form keeps beside it (a select_one_from_file's CSV)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from fieldsurvey.formengine.model import MAX_CELL, FormErrors, Located, normalise_headers


SHEETS = ("survey", "choices", "settings", "external_choices")



def read_csv_rows(text: str, sheet: str) -> list[tuple[int, dict[str, str]]]:
    """Rows of one sheet as (row number, {normalised column: text}); the header is row 1. A cell longer than a
    spreadsheet's cell may be (MAX_CELL) is refused, located."""
    reader = csv.reader(io.StringIO(text))
    rows: list[list[str]] = []
    while True:
        try:
            raw = next(reader)
        except StopIteration:
            break
        except csv.Error:  # a field beyond the csv module's own limit (128 KiB): far too long anyway
            raise FormErrors([Located(sheet, len(rows) + 1, None, "forms.error.cell_far_too_long",
                                      {"length": csv.field_size_limit(), "limit": MAX_CELL})]) from None
        for n, cell in enumerate(raw):
            if len(cell) > MAX_CELL:
                header = normalise_headers(rows[0] if rows else raw)
                column = header[n] if n < len(header) and header[n] else None
                raise FormErrors([Located(sheet, len(rows) + 1, column, "forms.error.cell_too_long",
                                          {"length": len(cell), "limit": MAX_CELL})])
        rows.append(raw)
    if not rows:
        return []
    header = normalise_headers(rows[0])
    seen: dict[str, int] = {}
    for col, h in enumerate(header):
        if h and h in seen:
            raise FormErrors([Located(sheet, 1, h, "forms.error.column_twice",
                                      {"column": h, "first": seen[h] + 1, "second": col + 1})])
        seen[h] = col
    out = []
    for n, raw in enumerate(rows[1:], start=2):
        if len(raw) > len(header) and any(c.strip() for c in raw[len(header):]):
            raise FormErrors([Located(sheet, n, None, "forms.error.too_many_cells",
                                      {"cells": len(raw), "header": len(header)})])
        out.append((n, {h: c.strip() if h != "" else c for h, c in zip(header, raw) if h}))
    return out



def read_folder(folder: Path) -> dict[str, list[tuple[int, dict[str, str]]]]:
    folder = Path(folder)
    if not (folder / "survey.csv").is_file():
        raise FormErrors([Located("survey", 0, None, "forms.error.no_survey_csv")], str(folder))
    sheets = {}
    for sheet in SHEETS:
        path = folder / f"{sheet}.csv"
        if path.is_file():
            try:
                text = path.read_text(encoding="utf-8-sig")
            except UnicodeDecodeError as exc:
                raise FormErrors([Located(sheet, 0, None, "forms.error.not_utf8",
                                          {"file": path.name, "reason": exc.reason})], str(folder)) from None
            sheets[sheet] = read_csv_rows(text, sheet)
    return sheets



def write_folder(sheets: dict[str, list[dict[str, str]]], folder: Path) -> list[Path]:
    """Write the sheets as CSV files (columns in first-seen order, RFC 4180 quoting, \\n line ends)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for sheet in SHEETS:
        rows = sheets.get(sheet)
        if rows is None:
            continue
        columns: list[str] = []
        for row in rows:
            for key in row:
                if key not in columns:
                    columns.append(key)
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([row.get(c, "") for c in columns])
        path = folder / f"{sheet}.csv"
        path.write_text(buf.getvalue(), encoding="utf-8")
        written.append(path)
    return written



def files_beside(folder: Path):
    """The text of a file in `folder` by its name (a select_one_from_file's CSV), or None: only a plain name,
    never a path out of the folder."""
    def read(name: str) -> str | None:
        path = folder / name
        if Path(name).name != name or not path.is_file():
            return None
        try:
            return path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            return None
    return read
