"""Forms on disk: a folder per form and version in forms/ holding survey.csv, choices.csv and settings.csv
(UTF-8, RFC 4180, the XLSForm sheets one file each), or an XLSForm .xlsx (see formengine.xlsx).

`load_form(path)` reads either; `shipped_forms()` lists the forms in forms/; `find_form(id, version)` picks the
one a household was filled with, so a household on an older version still opens with that version.
"""

from __future__ import annotations

import csv
import io
from functools import lru_cache
from pathlib import Path

from fieldsurvey.errors import FormError
from fieldsurvey.formengine.model import MAX_CELL, Form, FormErrors, Located, build_form, normalise_headers

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


def load_form(path: Path | str) -> Form:
    """A form from a folder of CSV sheets or from an .xlsx; a form that cannot be used raises FormErrors."""
    p = Path(path)
    if p.is_dir():
        stamp = tuple((f.name, f.stat().st_mtime_ns, f.stat().st_size) for f in sorted(p.glob("*.csv")))
        return _load_folder(str(p.resolve()), stamp)
    if p.suffix.lower() in (".xlsx", ".xlsm"):
        from fieldsurvey.formengine.xlsx import read_xlsx

        return build_form(read_xlsx(p), str(p), fallback_id=p.stem, files=files_beside(p.parent))
    if not p.exists():
        raise FormError("forms.error.no_such_form", str(p))
    raise FormError("forms.error.not_a_form", str(p))


@lru_cache(maxsize=16)
def _load_folder(folder: str, stamp: tuple) -> Form:
    return build_form(read_folder(Path(folder)), folder, fallback_id=Path(folder).name,
                      files=files_beside(Path(folder)))


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


def forms_root() -> Path:
    from fieldsurvey.paths import forms_dir

    return forms_dir()


def shipped_forms(root: Path | None = None) -> list[Path]:
    """The form folders in forms/ (each holds a survey.csv)."""
    root = root or forms_root()
    return sorted(p.parent for p in root.glob("**/survey.csv"))


def _settings_of(folder: Path) -> dict[str, str]:
    rows = read_csv_rows((folder / "settings.csv").read_text(encoding="utf-8-sig"), "settings") \
        if (folder / "settings.csv").is_file() else []
    return rows[0][1] if rows else {}


def find_form(form_id: str, version: str | None = None, root: Path | None = None) -> Form:
    """The shipped form with this id and version (the newest version of the id when none is given)."""
    candidates = []
    for folder in shipped_forms(root):
        s = _settings_of(folder)
        if s.get("form_id") == form_id:
            candidates.append((_version_key(s.get("version", "")), s.get("version", ""), folder))
    if version is not None:
        for _, v, folder in candidates:
            if v == str(version):
                return load_form(folder)
        raise FormError("forms.error.version_not_installed", "form", form=form_id, version=version)
    if not candidates:
        raise FormError("forms.error.form_not_installed", "form", form=form_id)
    return load_form(max(candidates)[2])


def form_versions(root: Path | None = None) -> dict[str, list[str]]:
    """form id → its installed versions, oldest first."""
    out: dict[str, list[tuple]] = {}
    for folder in shipped_forms(root):
        s = _settings_of(folder)
        out.setdefault(s.get("form_id", folder.name), []).append((_version_key(s.get("version", "")),
                                                                   s.get("version", "")))
    return {k: [v for _, v in sorted(vs)] for k, vs in out.items()}


def _version_key(version: str) -> tuple:
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in str(version).replace("-", ".").split("."))
