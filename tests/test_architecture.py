"""The shape of the code: imports flow one way, Qt stays in gui/, no SQL in gui/, data ships with the package."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).parents[1]
PACKAGE = ROOT / "fieldsurvey"


def test_import_contracts_hold():
    exe = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(exe), "--config", str(ROOT / "pyproject.toml")], cwd=ROOT, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_module_outside_gui_imports_qt():
    offenders = [p for p in PACKAGE.rglob("*.py") if "gui" not in p.relative_to(PACKAGE).parts
                 and re.search(r"^\s*(from|import)\s+PySide6", p.read_text(encoding="utf-8"), re.M)]
    assert offenders == []


def test_gui_holds_no_sql():
    sql = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE)\b.*\b(FROM|INTO|SET)\b")
    assert [p for p in (PACKAGE / "gui").rglob("*.py") if sql.search(p.read_text(encoding="utf-8"))] == []


def test_no_eval_or_exec_in_the_package():
    pattern = re.compile(r"(^|[^.a-z_])(eval|exec)\(")
    assert [p for p in PACKAGE.rglob("*.py") if pattern.search(p.read_text(encoding="utf-8"))] == []


def test_a_plain_install_carries_forms_and_resources(tmp_path):
    """Build the wheel as `pip install .` would and check the data files are inside the package."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(tmp_path), str(ROOT)], check=True, capture_output=True)
    wheel = next(tmp_path.glob("fieldsurvey-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("fieldsurvey/resources/standards/vn-2022-2025.toml",
                   "fieldsurvey/resources/refdata/admin-units-2026-07.json",
                   "fieldsurvey/resources/fonts/DejaVuSans.ttf",
                   "fieldsurvey/resources/fonts/LiberationSerif-Regular.ttf",
                   "fieldsurvey/resources/fonts/LICENSE-LiberationSerif.txt",
                   "fieldsurvey/resources/templates/state-format.toml",
                   "fieldsurvey/resources/i18n/vi.json",
                   "fieldsurvey/resources/pointtables/synthetic-test.toml"):
        assert needed in names, needed
    tracked = [p for p in (ROOT / "forms").rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    for path in tracked:
        assert f"fieldsurvey/forms/{path.relative_to(ROOT / 'forms').as_posix()}" in names, path


def test_every_package_directory_is_listed_in_pyproject():
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in PACKAGE.rglob("__init__.py")}
    assert found <= listed, found - listed
