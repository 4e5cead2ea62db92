"""The households filled with an older version of their form (they open, validate and print with it)."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from fieldsurvey.gui.texts import tr

SHOWN = 40   # households named; the others are counted


def older_forms_text(rows: list[dict]) -> str:
    if not rows:
        return tr("gui.older.none")
    lines = [tr("gui.older.row", name=r["head_name"] or tr("gui.list.no_name"), village=r["village"] or "—",
                version=r["form_version"], newest=r["newest"]) for r in rows[:SHOWN]]
    if len(rows) > SHOWN:
        lines.append("…")
    return tr("gui.older.some", n=len(rows)) + "\n\n" + "\n".join(lines)


def show_older_forms(rows: list[dict], parent: QWidget) -> QMessageBox:
    box = QMessageBox(QMessageBox.Information, tr("gui.action.older_forms"), older_forms_text(rows), QMessageBox.Ok,
                      parent)
    box.setObjectName("olderForms")
    box.open()
    return box
