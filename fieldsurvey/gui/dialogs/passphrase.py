"""The passphrase of an encrypted workspace, asked when the app opens it (a wrong one is said in the dialog, which
stays open; the file is not touched), and the recovery key shown once after a new workspace is made. The passphrase
lives in the field until it unlocks the file: never written, never logged."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QLabel, QLineEdit, QMessageBox, QVBoxLayout, QWidget)

from fieldsurvey.errors import FieldSurveyError
from fieldsurvey.gui.texts import error_text, tr
from fieldsurvey.services import encryption


class PassphraseDialog(QDialog):
    """Asks for the passphrase of `path` and unlocks it (`accept` tries it: a wrong one shows its message and the
    dialog stays open)."""

    def __init__(self, path: Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("passphraseDialog")
        self.setWindowTitle(tr("encryption.dialog.open_title"))
        self.path = Path(path)
        lay = QVBoxLayout(self)
        label = QLabel(tr("encryption.dialog.open_label", file=self.path.name), objectName="passphrasePrompt")
        label.setWordWrap(True)
        lay.addWidget(label)
        self.field = QLineEdit(objectName="passphrase")
        self.field.setEchoMode(QLineEdit.Password)
        self.field.setPlaceholderText(tr("encryption.dialog.passphrase"))
        lay.addWidget(self.field)
        self.error = QLabel(objectName="passphraseError")
        self.error.setStyleSheet("color:#842029")
        self.error.setWordWrap(True)
        self.error.hide()
        lay.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Cancel).setText(tr("gui.cancel"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.resize(440, 170)

    def accept(self) -> None:
        text = self.field.text()
        self.field.clear()
        try:
            encryption.unlock(self.path, text)
        except FieldSurveyError as exc:
            self.error.setText(error_text(exc))
            self.error.show()
            self.field.setFocus()
            return
        super().accept()


def ask_passphrase(path: Path, parent: QWidget | None = None) -> bool:
    """Unlock an encrypted workspace the app is about to open: True when it is (or needed nothing), False when the
    user gave up."""
    if not encryption.needs_passphrase(path):
        return True
    return bool(PassphraseDialog(path, parent).exec())


def show_recovery_key(path: Path, recovery: str, parent: QWidget | None = None) -> QMessageBox:
    """The recovery key of a new workspace, shown once (the text can be selected and copied)."""
    box = QMessageBox(QMessageBox.Warning, tr("encryption.dialog.recovery_title"),
                      tr("encryption.recovery.shown", file=Path(path).name) + f"\n\n{recovery}", parent=parent)
    box.setObjectName("recoveryKey")
    box.setTextInteractionFlags(Qt.TextSelectableByMouse)
    return box
