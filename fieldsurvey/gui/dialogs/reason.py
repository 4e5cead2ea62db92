"""The reason asked once before an approved household is changed in the questionnaire (kept in the audit log)."""

from __future__ import annotations

from PySide6.QtWidgets import QInputDialog, QWidget

from fieldsurvey.gui.texts import tr


def ask_reason(parent: QWidget) -> str | None:
    """The reason typed, or None (cancelled, or nothing typed): then nothing is written."""
    text, ok = QInputDialog.getText(parent, tr("gui.form.reason_title"), tr("gui.form.reason_prompt"))
    return text.strip() if ok and text.strip() else None
