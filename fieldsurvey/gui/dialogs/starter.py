"""The starter package's two dialogs: the supervisor makes one for an enumerator (the name, the villages assigned,
the folder); the enumerator's first run opens one — the supervisor's name, device and fingerprint to compare once,
what the package sets up, the new file and its passphrase — and makes the workspace only when confirmed."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
                               QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget)

from fieldsurvey.errors import FieldSurveyError
from fieldsurvey.gui.dialogs.passphrase import create_encrypted, new_passphrase_fields
from fieldsurvey.gui.look import file_dialog_options
from fieldsurvey.gui.texts import error_text, tr
from fieldsurvey.gui.widgets import FitLabel


def _error_label() -> QLabel:
    label = FitLabel(objectName="starterError")
    label.setStyleSheet("color: #b00020")
    return label


class MakeStarterDialog(QDialog):
    """The supervisor's side: `make(folder, name, villages)` writes the package (services.starter.make_starter);
    a refusal is shown in the dialog, which stays open."""

    def __init__(self, villages: list[str], folder: Path, make: Callable, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("makeStarterDialog")
        self.setWindowTitle(tr("gui.starter.make_title"))
        self.make = make
        self.made = None
        layout = QVBoxLayout(self)
        intro = FitLabel(tr("gui.starter.make_intro"))
        layout.addWidget(intro)
        form = QFormLayout()
        layout.addLayout(form)
        self.name = QLineEdit(objectName="starterName")
        form.addRow(tr("gui.starter.name"), self.name)
        self.villages = QListWidget(objectName="starterVillages")
        for v in villages:
            item = QListWidgetItem(v)
            item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
            item.setCheckState(Qt.Unchecked)
            self.villages.addItem(item)
        self.villages.setMaximumHeight(140)
        form.addRow(tr("gui.starter.villages"), self.villages)
        self.folder = QLineEdit(str(folder), objectName="starterFolder")
        browse = QPushButton(tr("gui.setup.browse"))
        row = QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(browse)
        form.addRow(tr("gui.starter.folder"), row)
        self.error = _error_label()
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.buttons.button(QDialogButtonBox.Ok).setText(tr("gui.starter.make"))
        self.buttons.button(QDialogButtonBox.Cancel).setText(tr("gui.cancel"))
        self.buttons.accepted.connect(self.make_package)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        browse.clicked.connect(self._browse)
        self.name.setFocus()
        self.resize(max(640, self.sizeHint().width()), max(380, self.sizeHint().height()))

    def _browse(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, tr("gui.starter.folder"), self.folder.text(),
                                                  options=QFileDialog.ShowDirsOnly | file_dialog_options())
        if chosen:
            self.folder.setText(chosen)

    def picked_villages(self) -> tuple[str, ...]:
        return tuple(self.villages.item(i).text() for i in range(self.villages.count())
                     if self.villages.item(i).checkState() == Qt.Checked)

    def make_package(self) -> None:
        try:
            self.made = self.make(Path(self.folder.text().strip()), self.name.text(), self.picked_villages())
        except FieldSurveyError as exc:
            self.error.setText(error_text(exc))
            return
        self.accept()


class OpenStarterDialog(QDialog):
    """The enumerator's first run: who made the package and their fingerprint, to compare once with the supervisor
    reading theirs; what it sets up; where the workspace goes and its passphrase (`plain`: none, for the demo and
    tests). `create(path, fingerprint)` makes it (services.starter.create_from_starter) when confirmed; Cancel makes
    nothing."""

    def __init__(self, shown: dict[str, str], default_path: Path, create: Callable, plain: bool = False,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("openStarterDialog")
        self.setWindowTitle(tr("gui.starter.open_title"))
        self.create_workspace = create
        self.fingerprint_text = shown["fingerprint"]
        self.plain = plain
        self.created: Path | None = None
        self.recovery: str | None = None
        layout = QVBoxLayout(self)
        who = FitLabel(tr("gui.starter.from", supervisor=shown["supervisor"], user=shown["user"],
                       device=shown["device"]), objectName="starterFrom")
        compare = FitLabel(tr("gui.starter.compare"))
        self.fingerprint = QLabel(shown["fingerprint"], objectName="starterFingerprint")
        font = QFont(self.fingerprint.font())
        font.setPointSize(font.pointSize() + 4)
        font.setBold(True)
        self.fingerprint.setFont(font)
        self.fingerprint.setTextInteractionFlags(Qt.TextSelectableByMouse)
        what = FitLabel(tr("gui.starter.what", commune=shown["commune"], year=shown["year"], name=shown["name"],
                        villages=shown["villages"]), objectName="starterWhat")
        for w in (who, compare, self.fingerprint, what):
            layout.addWidget(w)
        form = QFormLayout()
        layout.addLayout(form)
        self.path = QLineEdit(str(default_path), objectName="starterPath")
        form.addRow(tr("gui.starter.file"), self.path)
        if plain:
            form.addRow(QLabel(tr("gui.starter.plain")))
        self.passphrase, self.passphrase_again = new_passphrase_fields(None if plain else form)
        self.error = _error_label()
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.buttons.button(QDialogButtonBox.Ok).setText(tr("gui.starter.confirm"))
        self.buttons.button(QDialogButtonBox.Cancel).setText(tr("gui.cancel"))
        self.buttons.button(QDialogButtonBox.Cancel).setDefault(True)   # Enter alone never confirms a fingerprint
        self.buttons.accepted.connect(self.confirm)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.resize(max(640, self.sizeHint().width()), max(340, self.sizeHint().height()))

    def confirm(self) -> None:
        path = Path(self.path.text().strip())
        if not self.path.text().strip():
            self.error.setText(tr("gui.setup.pick_file"))
            return
        typed = None if self.plain else (self.passphrase, self.passphrase_again)
        made = create_encrypted(path, typed, lambda: self.create_workspace(path, self.fingerprint_text), self.error)
        if made is not None:
            self.created, self.recovery = made
            self.accept()
