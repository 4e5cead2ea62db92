"""The reason asked once before an approved household is changed in the questionnaire (kept in the audit log)."""

from __future__ import annotations

from PySide6.QtWidgets import QInputDialog, QWidget

from fieldsurvey.gui.texts import tr


def reason_dialog(parent: QWidget) -> QInputDialog:
    """The dialog itself, its buttons in the app's language (the Vietnamese walk shows it)."""
    dialog = QInputDialog(parent)
    dialog.setObjectName("reasonDialog")
    dialog.setWindowTitle(tr("gui.form.reason_title"))
    dialog.setLabelText(tr("gui.form.reason_prompt"))
    dialog.setOkButtonText(tr("gui.review.ok"))
    dialog.setCancelButtonText(tr("gui.cancel"))
    return dialog


def ask_reason(parent: QWidget) -> str | None:
    """The reason typed, or None (cancelled, or nothing typed): then nothing is written."""
    dialog = reason_dialog(parent)
    text = dialog.textValue() if dialog.exec() else ""
    return text.strip() or None
