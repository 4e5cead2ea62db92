"""The shape of the code: imports flow one way, Qt stays in gui/, no SQL in gui/, data ships with the package."""

from __future__ import annotations

import ast
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


# a module's own helpers shared inside one pure package (the form engine's expression tree, the domain's number
# reading): named here, so a new one is a decision
PRIVATE_SHARED = {("fieldsurvey.formengine.model", "fieldsurvey.formengine.expr", "_children"),
                  ("fieldsurvey.formengine.session", "fieldsurvey.formengine.expr", "_children"),
                  ("fieldsurvey.domain.income", "fieldsurvey.domain.indicators", "_number")}


def _private_imports() -> set[tuple[str, str, str]]:
    """(importer, module, name) of every `from fieldsurvey.x import _name` in the package."""
    found = set()
    for p in PACKAGE.rglob("*.py"):
        importer = ".".join(p.relative_to(ROOT).with_suffix("").parts)
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("fieldsurvey"):
                found |= {(importer, node.module, a.name) for a in node.names
                          if a.name.startswith("_") and not a.name.startswith("__")}
    return found


def test_no_module_borrows_another_modules_private_helpers():
    """A helper two modules need has a public name in the layer both may import (the province's use cases once took
    services/sync.py's `_key_from_row` and `_round`: now PublicKey.from_row and domain.results.review_round)."""
    assert _private_imports() - PRIVATE_SHARED == set()


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


# --- the household's status is spelled in the domain only --------------------------------------------------------

STATUS_VALUES = {"draft", "complete", "submitted", "returned", "confirmed", "approved", "moved_away", "merged"}
# The same letters meaning something else (each with why):
OTHER_MEANINGS = {("fieldsurvey/services/review.py", "merged"): "a likely-duplicate pair's decision (merged / apart)"}


def _status_literals(root: Path) -> list[str]:
    import ast

    sql = re.compile(r"'(" + "|".join(sorted(STATUS_VALUES)) + r")'")
    hits = []
    for p in sorted(root.rglob("*.py")):
        rel = p.relative_to(ROOT).as_posix()
        if rel.startswith("fieldsurvey/domain/"):
            continue
        tree = ast.parse(p.read_text(encoding="utf-8"))
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
                continue
            parent = parents.get(node)
            if isinstance(parent, ast.Expr):      # a docstring
                continue
            value = node.value
            if value in STATUS_VALUES:
                if isinstance(parent, ast.Subscript) and parent.slice is node:      # row["merged"]: a key
                    continue
                if isinstance(parent, ast.Dict) and node in parent.keys:
                    continue
                if (isinstance(parent, ast.Call) and isinstance(parent.func, ast.Attribute)
                        and parent.func.attr in ("get", "pop", "setdefault") and parent.args[:1] == [node]):
                    continue
                if (rel, value) in OTHER_MEANINGS:
                    continue
                hits.append(f"{rel}:{node.lineno}: {value!r}")
            elif sql.search(value):                                              # … WHERE status = 'draft'
                hits.append(f"{rel}:{node.lineno}: {value[:60]!r}")
    return hits


def test_the_household_status_values_are_spelled_only_in_the_domain():
    """Every use of a status goes through fieldsurvey.domain.lifecycle.HouseholdStatus (and its sets of what counts),
    so which status may follow which, and what each means for the figures, live in one place."""
    assert _status_literals(PACKAGE) == []


def test_the_status_scan_finds_a_status_spelled_elsewhere(tmp_path):
    (tmp_path / "x.py").write_text('if row.status == "approved":\n    pass\nq = "WHERE status = \'draft\'"\n')
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        assert len(_status_literals(tmp_path)) == 2
    finally:
        ROOT = saved


# --- every command documented ------------------------------------------------------------------------------------

def _commands():
    import click

    from fieldsurvey.cli import main

    def walk(cmd, prefix):
        if isinstance(cmd, click.Group):
            for name, sub in sorted(cmd.commands.items()):
                yield from walk(sub, prefix + [name])
        else:
            yield prefix, cmd

    return list(walk(main, []))


def test_every_command_is_documented_in_help_and_in_the_readme():
    """As sqlite-utils does: a command nobody can find does not exist. Each has its help text (shown by
    `--help`) and a line in the README's command reference."""
    from click.testing import CliRunner

    from fieldsurvey.cli import main

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = _commands()
    assert len(commands) >= 40
    runner = CliRunner()
    for path, cmd in commands:
        assert cmd.help and cmd.help.strip(), path
        shown = runner.invoke(main, [*path, "--help"])
        assert shown.exit_code == 0 and cmd.help.strip().split("\n")[0][:40] in " ".join(shown.output.split()), path
        assert f"fieldsurvey {' '.join(path)}" in readme, f"README lacks `fieldsurvey {' '.join(path)}`"


# --- imports at the top ------------------------------------------------------------------------------------------

def test_imports_are_at_the_top_unless_a_measured_start_up_cost_says_otherwise():
    """An import inside a function hides a dependency (and used to hide circles). One stays only where it saves a
    measured start-up cost, written beside it: `# lazy: 680 ms at start-up otherwise` (python -X importtime) — on the
    line, or on the first line of its block of imports."""
    import ast

    cost = re.compile(r"#.*\b\d+(\.\d+)?\s*(ms|s)\b")
    unexplained = []
    for p in sorted(PACKAGE.rglob("*.py")):
        lines = p.read_text(encoding="utf-8").split("\n")
        for fn in ast.walk(ast.parse("\n".join(lines))):
            if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(fn):
                if not isinstance(node, (ast.Import, ast.ImportFrom)):
                    continue
                k = node.lineno - 1
                while k > 0 and not cost.search(lines[k]) and lines[k - 1].strip().startswith(("from ", "import ")):
                    k -= 1
                if not cost.search(lines[k]):
                    unexplained.append(f"{p.relative_to(ROOT)}:{node.lineno}: {lines[node.lineno - 1].strip()}")
    assert unexplained == []
