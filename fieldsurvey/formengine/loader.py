"""Forms on disk: a folder per form and version in forms/ holding survey.csv, choices.csv and settings.csv
(UTF-8, RFC 4180, the XLSForm sheets one file each), or an XLSForm .xlsx (see formengine.xlsx).

`load_form(path)` reads either; `shipped_forms()` lists the forms in forms/; `find_form(id, version)` picks the
one a household was filled with, so a household on an older version still opens with that version.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from fieldsurvey.errors import FormError
from fieldsurvey.formengine.model import Form, build_form
from fieldsurvey.formengine.sheets import SHEETS, files_beside, read_csv_rows, read_folder, write_folder  # noqa: F401
from fieldsurvey.formengine.xlsx import read_xlsx, write_xlsx
from fieldsurvey.paths import forms_dir

def load_form(path: Path | str) -> Form:
    """A form from a folder of CSV sheets or from an .xlsx; a form that cannot be used raises FormErrors."""
    p = Path(path)
    if p.is_dir():
        stamp = tuple((f.name, f.stat().st_mtime_ns, f.stat().st_size) for f in sorted(p.glob("*.csv")))
        return _load_folder(str(p.resolve()), stamp)
    if p.suffix.lower() in (".xlsx", ".xlsm", ".xls"):   # (an .xls, Excel 97–2003, is read with xlrd)
        return build_form(read_xlsx(p), str(p), fallback_id=p.stem, files=files_beside(p.parent))
    if not p.exists():
        raise FormError("forms.error.no_such_form", str(p))
    raise FormError("forms.error.not_a_form", str(p))


@lru_cache(maxsize=16)
def _load_folder(folder: str, stamp: tuple) -> Form:
    return build_form(read_folder(Path(folder)), folder, fallback_id=Path(folder).name,
                      files=files_beside(Path(folder)))


def forms_root() -> Path:
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


def export_form(source: Path | str, out: Path | str) -> Form:
    """A form folder (or workbook) written as an .xlsx."""
    form = load_form(source)
    write_xlsx(form, out)
    return form

