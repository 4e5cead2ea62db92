"""Last year's figures of one commune (or of the province), typed in — the first year with the app, when there is no
last year's province workspace nor workbook. Saved through the callback the province's actions give (the service
checks the commune and the year, and a refusal is shown there); the dialog stays open for the next commune."""

from __future__ import annotations

from typing import Callable

from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QSpinBox, QVBoxLayout,
                               QWidget)

from fieldsurvey.gui.texts import tr

MAX_HOUSEHOLDS = 10_000_000


class LastYearDialog(QDialog):
    def __init__(self, units: list[tuple[str, str]], year: int,
                 save: Callable[[str, int, int | None, int, int], bool], parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("lastYearDialog")
        self.setWindowTitle(tr("gui.province.last_year.typed"))
        self.save = save
        self.unit = QComboBox(objectName="lastYearUnit")
        for code, name in units:
            self.unit.addItem(f"{code} {name}", code)
        self.year = QSpinBox(objectName="lastYearYear")
        self.year.setRange(2000, 2100)
        self.year.setValue(year)
        self.residents = QSpinBox(objectName="lastYearResidents")
        self.residents.setRange(-1, MAX_HOUSEHOLDS)
        self.residents.setSpecialValueText(tr("gui.province.typed.unknown"))   # -1: not known
        self.residents.setValue(-1)
        self.poor = QSpinBox(objectName="lastYearPoor")
        self.near_poor = QSpinBox(objectName="lastYearNearPoor")
        for box in (self.poor, self.near_poor):
            box.setRange(0, MAX_HOUSEHOLDS)
        form = QFormLayout()
        form.addRow(tr("province.col.commune"), self.unit)
        form.addRow(tr("gui.province.typed.year"), self.year)
        form.addRow(tr("province.col.residents"), self.residents)
        form.addRow(tr("province.col.poor"), self.poor)
        form.addRow(tr("province.col.near_poor"), self.near_poor)
        self.saved = QLabel(objectName="lastYearSaved")
        buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Close)
        buttons.button(QDialogButtonBox.Save).setText(tr("gui.province.typed.save"))
        buttons.accepted.connect(self.save_one)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(tr("gui.province.typed.note"), wordWrap=True))
        lay.addLayout(form)
        lay.addWidget(self.saved)
        lay.addWidget(buttons)

    def save_one(self) -> bool:
        """Save the figures shown (the dialog stays open for the next commune)."""
        residents = self.residents.value()
        code = self.unit.currentData()
        ok = self.save(code, self.year.value(), None if residents < 0 else residents, self.poor.value(),
                       self.near_poor.value())
        if ok:
            self.saved.setText(tr("gui.province.typed.saved", unit=self.unit.currentText(), year=self.year.value()))
        return ok
