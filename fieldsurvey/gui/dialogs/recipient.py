"""Which enumerator a supervisor's return bundle is for (one of the enumerators whose key is trusted here)."""

from __future__ import annotations

from PySide6.QtWidgets import QInputDialog, QWidget

from fieldsurvey.gui.texts import tr


def ask_recipient(names: list[str], parent: QWidget) -> str | None:
    """The enumerator picked, or None when the supervisor cancelled."""
    dialog = QInputDialog(parent)
    dialog.setObjectName("recipientDialog")
    dialog.setWindowTitle(tr("gui.action.export_bundle"))
    dialog.setLabelText(tr("gui.sync.recipient"))
    dialog.setComboBoxItems(names)
    dialog.setComboBoxEditable(False)
    return dialog.textValue() if dialog.exec() else None
