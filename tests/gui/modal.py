"""Answering the next modal dialog in a test: a message box, a question or one of the app's dialogs runs its own event
loop (`exec`), so the answer is set up before the click that opens it and given once the dialog shows."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget


@dataclass(frozen=True)
class Shown:
    """A modal dialog as it was when it showed, before it was answered: the dialog itself, its object name, and for a
    message box its text, the texts of its buttons and its default button (Enter alone)."""
    dialog: QWidget
    name: str
    text: str = ""
    buttons: frozenset[str] = frozenset()
    default: QMessageBox.StandardButton | None = None


def _as_shown(dialog: QWidget) -> Shown:
    if not isinstance(dialog, QMessageBox):
        return Shown(dialog, dialog.objectName())
    default = dialog.defaultButton()
    return Shown(dialog, dialog.objectName(), dialog.text(), frozenset(b.text() for b in dialog.buttons()),
                 dialog.standardButton(default) if default is not None else None)


def answer_next_modal(act: Callable[[QWidget], object], name: str | None = None,
                      within_s: float = 60.0) -> list[Shown]:
    """Run `act(dialog)` on the next modal dialog once it shows — the next one named `name` when given (a dialog
    opened over another modal one, or another test's dialog still about). The list returned gets what it showed
    (`Shown`) just before `act` answers it; it stays empty when no such dialog showed within `within_s` seconds (then
    it stops looking, so that it never answers a later test's dialog)."""
    seen: list[Shown] = []
    until = time.monotonic() + within_s

    def poll() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None or (name is not None and dialog.objectName() != name):
            if time.monotonic() < until:
                QTimer.singleShot(10, poll)
            return
        seen.append(_as_shown(dialog))
        act(dialog)

    QTimer.singleShot(0, poll)
    return seen
