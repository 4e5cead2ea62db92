"""Which enumerator a supervisor's return bundle is for (one of the enumerators whose key is trusted here)."""

from __future__ import annotations

from PySide6.QtWidgets import QInputDialog, QWidget

from fieldsurvey.gui.texts import tr


def ask_recipient(people: list[tuple[str, str]], parent: QWidget) -> str | None:
    """The enumerator picked — listed by name, returned as their login id (`people`: (name, id) pairs) —, or None
    when the supervisor cancelled."""
    dialog = QInputDialog(parent)
    dialog.setObjectName("recipientDialog")
    dialog.setWindowTitle(tr("gui.action.export_bundle"))
    dialog.setLabelText(tr("gui.sync.recipient"))
    dialog.setComboBoxItems([name for name, _user in people])
    dialog.setComboBoxEditable(False)
    dialog.setOkButtonText(tr("gui.review.ok"))
    dialog.setCancelButtonText(tr("gui.cancel"))
    if not dialog.exec():
        return None
    return next((user for name, user in people if name == dialog.textValue()), None)
