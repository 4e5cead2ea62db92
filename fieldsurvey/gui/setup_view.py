"""First run: make a workspace for one commune — province and commune from the official list (type to search,
diacritics optional), the enumerator's name, the review year and where the file goes. No village is typed here: the
list of villages is the supervisor's, and comes with the starter package or the supervisor's return bundle
(services/villages.py); until then the questionnaire's village question says so."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel,
                               QLineEdit, QListWidget, QListWidgetItem, QPushButton, QSpinBox, QVBoxLayout, QWidget)

from fieldsurvey.errors import FieldSurveyError
from fieldsurvey.gui.dialogs.passphrase import create_encrypted, new_passphrase_fields
from fieldsurvey.gui.look import file_dialog_options
from fieldsurvey.gui.texts import error_text, tr
from fieldsurvey.gui.widgets import FitLabel, combo_data
from fieldsurvey.services import workspaces


class SetupDialog(QDialog):
    """Fills a `workspaces.NewWorkspace`; `create()` makes the file (errors are shown in the dialog)."""

    def __init__(self, default_dir: Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("setupDialog")
        self.setWindowTitle(tr("gui.setup.title"))
        self.created: Path | None = None
        self.default_dir = default_dir
        layout = QVBoxLayout(self)
        form = QFormLayout()
        layout.addLayout(form)

        self.province = QComboBox(objectName="province")
        self.province.addItem(tr("gui.setup.any_province"), "")
        for code, name in workspaces.province_choices():
            self.province.addItem(f"{name} ({code})", code)
        form.addRow(tr("gui.setup.province"), self.province)

        self.commune_search = QLineEdit(objectName="communeSearch")
        self.commune_search.setPlaceholderText(tr("gui.setup.commune_hint"))
        self.communes = QListWidget(objectName="communes")
        self.communes.setMaximumHeight(150)
        box = QVBoxLayout()
        box.addWidget(self.commune_search)
        box.addWidget(self.communes)
        form.addRow(tr("gui.setup.commune"), box)

        note = FitLabel(tr("gui.setup.villages_later"), objectName="villagesLater")   # its lines whole at any size
        form.addRow(tr("gui.setup.villages"), note)

        self.enumerator = QLineEdit(objectName="enumerator")
        form.addRow(tr("gui.setup.enumerator"), self.enumerator)
        self.year = QSpinBox(objectName="year")
        self.year.setRange(2022, 2030)
        self.year.setValue(2026)
        form.addRow(tr("gui.setup.year"), self.year)
        self.path = QLineEdit(objectName="path")
        browse = QPushButton(tr("gui.setup.browse"))
        prow = QHBoxLayout()
        prow.addWidget(self.path, 1)
        prow.addWidget(browse)
        form.addRow(tr("gui.setup.file"), prow)
        # the workspace is encrypted: its passphrase, typed twice (the recovery key is shown once it is made)
        self.passphrase, self.passphrase_again = new_passphrase_fields(form)
        self.recovery: str | None = None   # the new workspace's recovery key, for the caller to show once

        self.error = QLabel(objectName="setupError")
        self.error.setStyleSheet("color: #b00020")
        self.error.setWordWrap(True)
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setText(tr("gui.setup.create"))
        buttons.button(QDialogButtonBox.Cancel).setText(tr("gui.cancel"))
        buttons.accepted.connect(self.create)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

        self.commune_search.textChanged.connect(self.search)
        self.province.currentIndexChanged.connect(lambda _i: self.search(self.commune_search.text()))
        self.communes.currentItemChanged.connect(self._commune_picked)
        self.commune_search.returnPressed.connect(self._take_first)
        browse.clicked.connect(self._browse)
        self.search("")
        self.resize(620, 560)

    # --- behaviour -------------------------------------------------------------------------------------------------

    def search(self, text: str) -> None:
        self.communes.clear()
        for c in workspaces.commune_choices(text, combo_data(self.province)):
            item = QListWidgetItem(f"{c.name} — {c.province_name} ({c.code})")
            item.setData(Qt.UserRole, c.code)
            self.communes.addItem(item)

    def _take_first(self) -> None:
        if self.communes.count():
            self.communes.setCurrentRow(0)
            self.enumerator.setFocus()

    def selected_commune(self) -> str | None:
        item = self.communes.currentItem()
        return item.data(Qt.UserRole) if item else None

    def _commune_picked(self, item: QListWidgetItem | None, _prev=None) -> None:
        if item is not None and not self.path.text():
            self.path.setText(str(self.default_dir / f"{item.data(Qt.UserRole)}-{self.year.value()}.fsdb"))

    def _browse(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, tr("gui.setup.file"), str(self.default_dir), "FieldSurvey (*.fsdb)",
                                              options=file_dialog_options())
        if name:
            self.path.setText(name)

    def spec(self) -> workspaces.NewWorkspace:
        return workspaces.NewWorkspace(
            path=Path(self.path.text().strip()), commune_code=self.selected_commune() or "",
            enumerator=self.enumerator.text(), year=self.year.value())

    def create(self) -> None:
        if not self.selected_commune():
            self.error.setText(tr("gui.setup.pick_commune"))
            return
        if not self.path.text().strip():
            self.error.setText(tr("gui.setup.pick_file"))
            return
        spec = self.spec()
        try:
            workspaces.check_new_workspace(spec)
        except FieldSurveyError as exc:
            self.error.setText(error_text(exc))
            return
        made = create_encrypted(spec.path, (self.passphrase, self.passphrase_again),
                                lambda: workspaces.create_workspace(spec), self.error)
        if made is not None:
            self.created, self.recovery = made
            self.accept()
