"""The passphrase of an encrypted workspace, asked when the app opens it (a wrong one is said in the dialog, which
stays open; the file is not touched); a forgotten one reset with the recovery key — printed at setup, or read out by
the supervisor who recovered it from the workspace's key header (copied onto a stick from here); and the recovery
key shown once after a new workspace is made (the setup's and the starter package's, made encrypted here). A
passphrase lives in its field until it unlocks the file: never written, never logged."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QLabel, QLineEdit, QMessageBox,
                               QPushButton, QVBoxLayout, QWidget)

from fieldsurvey.errors import FieldSurveyError
from fieldsurvey.gui.texts import error_text, tr
from fieldsurvey.gui.look import file_dialog_options
from fieldsurvey.gui.widgets import FitLabel
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
        label = FitLabel(tr("encryption.dialog.open_label", file=self.path.name), objectName="passphrasePrompt")
        lay.addWidget(label)
        self.field = QLineEdit(objectName="passphrase")
        self.field.setEchoMode(QLineEdit.Password)
        self.field.setPlaceholderText(tr("encryption.dialog.passphrase"))
        lay.addWidget(self.field)
        self.error = FitLabel(objectName="passphraseError")
        self.error.setStyleSheet("color:#842029")
        self.error.hide()
        lay.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Cancel).setText(tr("gui.cancel"))
        self.forgot = QPushButton(tr("encryption.dialog.forgot"), objectName="forgotPassphrase")
        self.forgot.setAutoDefault(False)
        buttons.addButton(self.forgot, QDialogButtonBox.ResetRole)
        self.forgot.clicked.connect(self.reset)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.resize(max(440, self.sizeHint().width()), max(170, self.sizeHint().height()))

    def reset(self) -> None:
        """Forgot the passphrase: the reset dialog; once a new passphrase is set the file is unlocked, and opens."""
        dialog = ResetPassphraseDialog(self.path, self)
        if dialog.exec():
            super().accept()

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


class ResetPassphraseDialog(QDialog):
    """A forgotten passphrase: the recovery key typed (the 48 digits; a mistyped group is named), a new passphrase
    typed twice; the key header written again (the data untouched) and the file unlocked. For an enumerator's
    workspace whose key is sealed to a supervisor, it says whom to ask and copies the key header onto a stick."""

    def __init__(self, path: Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("resetPassphraseDialog")
        self.setWindowTitle(tr("encryption.dialog.reset_title"))
        self.path = Path(path)
        lay = QVBoxLayout(self)
        label = FitLabel(tr("encryption.dialog.reset_label", file=self.path.name), objectName="resetPrompt")
        lay.addWidget(label)
        supervisors = encryption.sealed_to(self.path)
        self.copy_header = QPushButton(tr("encryption.dialog.copy_header"), objectName="copyKeyHeader")
        self.copy_header.setAutoDefault(False)
        self.copy_header.clicked.connect(self.copy_header_to)
        self.supervisor = FitLabel(tr("encryption.dialog.reset_supervisor", users=", ".join(supervisors)),
                                   objectName="resetSupervisor")
        if supervisors:
            lay.addWidget(self.supervisor)
            lay.addWidget(self.copy_header)
        form = QFormLayout()
        self.recovery = QLineEdit(objectName="recoveryKey")
        self.recovery.setPlaceholderText("000000-000000-000000-000000-000000-000000-000000-000000")
        form.addRow(tr("encryption.prompt.recovery_key"), self.recovery)
        self.passphrase, self.passphrase_again = new_passphrase_fields(form, "encryption.dialog.new_passphrase")
        lay.addLayout(form)
        self.message = FitLabel(objectName="resetMessage")
        self.message.hide()
        lay.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Cancel).setText(tr("gui.cancel"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.resize(max(520, self.sizeHint().width()), max(260, self.sizeHint().height()))

    def _say(self, text: str, error: bool = True) -> None:
        self.message.setStyleSheet("color:#842029" if error else "")
        self.message.setText(text)
        self.message.show()

    def copy_header_to(self) -> None:
        """The key header copied into a folder the user picks (a stick), for the supervisor."""
        folder = QFileDialog.getExistingDirectory(self, tr("encryption.dialog.copy_header"), str(self.path.parent),
                                                  options=QFileDialog.ShowDirsOnly | file_dialog_options())
        if not folder:
            return
        try:
            copied = encryption.copy_header_for_supervisor(self.path, Path(folder))
        except FieldSurveyError as exc:
            self._say(error_text(exc))
            return
        self._say(tr("encryption.dialog.header_copied", file=str(copied)), error=False)

    def accept(self) -> None:
        new, again = self.passphrase.text(), self.passphrase_again.text()
        self.passphrase.clear()
        self.passphrase_again.clear()
        if new != again:
            self._say(tr("encryption.error.passphrases_differ"))
            self.passphrase.setFocus()
            return
        try:
            encryption.reset_passphrase(self.path, self.recovery.text(), new)
        except FieldSurveyError as exc:
            self._say(error_text(exc))
            (self.passphrase if exc.key == "encryption.error.passphrase_short" else self.recovery).setFocus()
            return
        self.recovery.clear()
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


def new_passphrase_fields(form: QFormLayout | None, label: str = "encryption.dialog.passphrase",
                          ) -> tuple[QLineEdit, QLineEdit]:
    """A new passphrase's two password fields, `newPassphrase` and `newPassphraseAgain` (typed twice), added as rows
    of `form` under the catalogue's `label` and "type it again" (None: not shown — a plain workspace)."""
    fields = QLineEdit(objectName="newPassphrase"), QLineEdit(objectName="newPassphraseAgain")
    for field in fields:
        field.setEchoMode(QLineEdit.Password)
    if form is not None:
        form.addRow(tr(label), fields[0])
        form.addRow(tr("encryption.dialog.repeat"), fields[1])
    return fields


def create_encrypted(path: Path, typed: tuple[QLineEdit, QLineEdit] | None, make: Callable[[], Path],
                     error: QLabel) -> tuple[Path, str | None] | None:
    """A new workspace made at `path` by `make()` (the setup's, or the starter package's), encrypted with the
    passphrase typed twice in `typed` (None: a plain one, for the demo and tests): the two must be the same and the
    passphrase good enough; its key header is written first and goes again if making fails. A refusal is said in
    `error` and gives None (the fields keep what was typed); else the fields are emptied and the file made comes back
    with its recovery key (None when plain), for the caller to show once."""
    passphrase = None
    try:
        if typed is not None:
            if typed[0].text() != typed[1].text():
                error.setText(tr("encryption.error.passphrases_differ"))
                return None
            passphrase = typed[0].text()
            encryption.check_new_passphrase(passphrase, str(path))
        with encryption.new_encrypted(path, passphrase) as recovery:
            created = make()
    except FieldSurveyError as exc:
        error.setText(error_text(exc))
        return None
    for field in typed or ():
        field.clear()
    return created, recovery
