"""Test forms written as the XLSForm workbooks people make: a survey sheet, and a choices sheet when given."""

from __future__ import annotations

from pathlib import Path

import openpyxl


def write_xlsform(path: Path, survey: list[list], choices: list[list] | None = None) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "survey"
    for row in survey:
        ws.append(row)
    if choices:
        cs = wb.create_sheet("choices")
        for row in choices:
            cs.append(row)
    wb.save(path)
    return path
