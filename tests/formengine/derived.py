"""A new version of an installed form made for a test: the installed forms copied under the test's folder, one
version of a form copied to a new version number and its survey edited, and the loader pointed at the copy."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path
from typing import Callable, Iterable

from fieldsurvey.paths import forms_dir


def derived_version(tmp_path: Path, monkeypatch, version: str, *, base: str = "2026.2",
                    form: str = "vn-review-2022", after: dict[str, list[dict[str, str]]] | None = None,
                    edit: Callable[[list[list[str]], list[str]], None] | None = None,
                    choices: Iterable[tuple[str, ...]] = ()) -> Path:
    """Version `version` of `form`, made from `base`: `after` puts rows (column → value) after the named question,
    `edit` changes the survey's rows in place (given the rows and the header), `choices` adds choice rows. Returns
    the new version's folder; the loader reads the copied forms until the test ends."""
    root = tmp_path / "forms"
    if not root.exists():
        shutil.copytree(forms_dir(), root)
    folder = root / form / version
    shutil.copytree(root / form / base, folder)
    settings = folder / "settings.csv"
    settings.write_text(settings.read_text(encoding="utf-8").replace(f",{base},", f",{version},"), encoding="utf-8")
    survey = folder / "survey.csv"
    rows = list(csv.reader(io.StringIO(survey.read_text(encoding="utf-8"))))
    header = rows[0]
    for name, extra in (after or {}).items():
        at = next(i for i, r in enumerate(rows) if len(r) > 1 and r[1] == name) + 1
        rows[at:at] = [[{**dict.fromkeys(header, ""), **row}[h] for h in header] for row in extra]
    if edit is not None:
        edit(rows, header)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    survey.write_text(out.getvalue(), encoding="utf-8")
    added = "".join(",".join(c) + "\n" for c in choices)
    if added:
        (folder / "choices.csv").write_text((folder / "choices.csv").read_text(encoding="utf-8") + added,
                                            encoding="utf-8")
    monkeypatch.setattr("fieldsurvey.formengine.loader.forms_root", lambda: root)
    return folder
