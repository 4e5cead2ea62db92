"""The app is a face on the services: fieldsurvey/gui imports only the services, the message catalogues, the error
and progress types (and where the installed resources are) — never storage, sync, the domain, the form engine or the
printed reports — and only fieldsurvey/gui/actions/sync.py names the bundles service."""

from __future__ import annotations

import ast
from pathlib import Path

GUI = Path(__file__).parents[2] / "fieldsurvey" / "gui"
ALLOWED = ("fieldsurvey.gui", "fieldsurvey.services", "fieldsurvey.i18n", "fieldsurvey.errors", "fieldsurvey.progress",
           "fieldsurvey.paths")


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import of a fieldsurvey module in the file, `from fieldsurvey.services import sync`
    as fieldsurvey.services.sync."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names if a.name.startswith("fieldsurvey")]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("fieldsurvey"):
            out += [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
    return out


def test_the_gui_imports_only_the_services_and_what_they_speak_in():
    found = {f"{p.relative_to(GUI)}:{line}: {name}" for p in GUI.rglob("*.py") for line, name in imports(p)
             if not name.startswith(ALLOWED)}
    assert found == set()


def test_one_module_names_the_bundles_service():
    users = {str(p.relative_to(GUI)) for p in GUI.rglob("*.py") for _line, name in imports(p)
             if name.startswith("fieldsurvey.services.sync")}
    assert users == {"actions/sync.py"}


def test_no_view_or_action_writes_another_objects_private_field():
    """`self.x._y = …` or `other._y = …`: each object keeps its own underscored fields."""
    offenders = []
    for p in GUI.rglob("*.py"):
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            targets = node.targets if isinstance(node, ast.Assign) else \
                [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else []
            for t in targets:
                if isinstance(t, ast.Attribute) and t.attr.startswith("_") and not t.attr.startswith("__") \
                        and not (isinstance(t.value, ast.Name) and t.value.id in ("self", "cls")):
                    offenders.append(f"{p.relative_to(GUI)}:{node.lineno}: {ast.unparse(t)}")
    assert offenders == []
