"""Print → Official copy…: which document, for the whole commune, a village or the household the user is on, the
chairman's name, the date written on it and its number (the decision's and the report's are the commune's; the
certificates are numbered from the register, from the next free number unless a higher one is asked for). It says
plainly that an official copy is made from approved households only and is recorded in the register of issued
documents. What the user filled in is handed to the printing actions (`print_requested`); a refusal of the printing
service comes back to be said under the fields (`refuse`), the dialog staying open to put it right."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol, Sequence

from PySide6.QtCore import QDate, QRegularExpression, Signal
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (QComboBox, QDateEdit, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QLabel,
                               QLineEdit, QSpinBox, QVBoxLayout, QWidget)

from fieldsurvey.gui.texts import tr
from fieldsurvey.gui.widgets import combo_data

ALL_COMMUNE = "*"        # the scope item for the whole commune (combo items never carry None)
THIS_HOUSEHOLD = "#"     # the scope item for the household the user is on
LARGEST_NUMBER = 10_000_000


class Printable(Protocol):
    """What the dialog needs to know of a document (fieldsurvey.gui.actions.printing.Document)."""
    key: str
    reach: str              # "household", "village" or "commune": what it may be narrowed to
    number: str | None      # "decision", "report": the commune's number; "certificate": numbered from the register
    signed: bool            # carries the chairman's name


@dataclass(frozen=True)
class OfficialRequest:
    """What the user asked for: the document, its scope, the signer, the date written on it, the commune's number
    (decision, report) or the first certificate number (None: the next free one)."""
    kind: str
    village: str | None
    household: str | None
    chairman: str
    issued_on: date
    number: str | None
    first_number: int | None


class OfficialDialog(QDialog):
    """`documents` the official documents offered (the decision first picked); `villages` the commune's; `village`
    the one picked in the list's filter; `household` (uuid, what the user calls it) the household the user is on;
    `chairman` the name used last time; `approved` how many households are approved; `next_certificate` the next
    certificate number never given; `last_issued` kind → the last number given to it, in words; `note` why
    nothing can be issued here (a workspace opened read-only)."""

    print_requested = Signal(object)   # an OfficialRequest

    def __init__(self, documents: Sequence[Printable], villages: Sequence[str], village: str | None,
                 household: tuple[str, str] | None, chairman: str, approved: int, next_certificate: int,
                 last_issued: dict[str, str], note: str = "", today: date | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("officialDialog")
        self.setWindowTitle(tr("gui.official.title"))
        self.documents = {d.key: d for d in documents}
        self.household = household
        self.next_certificate = next_certificate
        self.last_issued = last_issued
        lay = QVBoxLayout(self)
        self.intro = QLabel(tr("gui.official.intro", n=approved), objectName="officialIntro")
        self.intro.setWordWrap(True)
        self.intro.setStyleSheet("background:#e7f1ff; color:#084298; padding:6px")
        lay.addWidget(self.intro)
        self.note = QLabel(note, objectName="officialNote")
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color:#664d03; background:#fff3cd; padding:4px")
        self.note.setVisible(bool(note))
        lay.addWidget(self.note)

        form = QFormLayout()
        self.form = form
        self.document = QComboBox(objectName="officialDocument")
        for d in documents:
            self.document.addItem(tr(f"gui.official.doc.{d.key}"), d.key)
        form.addRow(tr("gui.official.document"), self.document)

        self.scope = QComboBox(objectName="officialScope")
        form.addRow(tr("gui.official.scope"), self.scope)
        self.villages = list(villages)
        self.picked_village = village

        self.chairman = QLineEdit(chairman, objectName="officialChairman")
        self.chairman.setPlaceholderText(tr("gui.official.chairman_hint"))
        form.addRow(tr("gui.official.chairman"), self.chairman)

        self.issued_on = QDateEdit(objectName="officialDate")
        self.issued_on.setCalendarPopup(True)
        self.issued_on.setDisplayFormat("dd/MM/yyyy")
        self.issued_on.setDate(QDate(today or date.today()))
        form.addRow(tr("gui.official.date"), self.issued_on)

        self.number = QLineEdit(objectName="officialNumber")
        self.number.setPlaceholderText(tr("gui.official.number_hint"))
        self.number.setValidator(QRegularExpressionValidator(QRegularExpression(r"\d{0,9}"), self.number))
        self.symbol = QLabel(objectName="officialSymbol")
        row = QHBoxLayout()
        row.addWidget(self.number, 1)
        row.addWidget(self.symbol)
        self.number_row = QWidget()
        self.number_row.setLayout(row)
        row.setContentsMargins(0, 0, 0, 0)
        form.addRow(tr("gui.official.number"), self.number_row)

        self.first_number = QSpinBox(objectName="officialFirstNumber")
        self.first_number.setRange(1, LARGEST_NUMBER)
        self.first_number.setValue(next_certificate)
        self.first_number.setGroupSeparatorShown(False)
        form.addRow(tr("gui.official.first_number"), self.first_number)

        lay.addLayout(form)
        self.hint = QLabel(objectName="officialHint")
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color:#41464b")
        lay.addWidget(self.hint)

        self.error = QLabel(objectName="officialError")
        self.error.setStyleSheet("color:#842029")
        self.error.setWordWrap(True)
        self.error.hide()
        lay.addWidget(self.error)
        lay.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.print_button = buttons.button(QDialogButtonBox.Ok)
        self.print_button.setText(tr("gui.official.print"))
        self.print_button.setObjectName("officialPrint")
        self.print_button.setEnabled(not note)
        buttons.button(QDialogButtonBox.Cancel).setText(tr("gui.cancel"))
        buttons.accepted.connect(self._ask)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)

        self.document.currentIndexChanged.connect(self._document_changed)
        self.pick("decision" if "decision" in self.documents else documents[0].key)
        self._document_changed()
        self.setMinimumWidth(720)

    # --- what is shown for the document picked ------------------------------------------------------------------------

    def pick(self, kind: str) -> None:
        self.document.setCurrentIndex(self.document.findData(kind))

    def kind(self) -> str:
        return combo_data(self.document) or ""

    def _document_changed(self, _index: int = 0) -> None:
        d = self.documents[self.kind()]
        scope = combo_data(self.scope)
        self.scope.blockSignals(True)
        self.scope.clear()
        self.scope.addItem(tr("gui.official.whole_commune"), ALL_COMMUNE)
        if d.reach in ("village", "household"):
            for v in self.villages:
                self.scope.addItem(v, v)
        if d.reach == "household" and self.household is not None:
            self.scope.addItem(tr("gui.official.this_household", head=self.household[1]), THIS_HOUSEHOLD)
        wanted = scope if scope and self.scope.findData(scope) >= 0 else self.picked_village
        if wanted and self.scope.findData(wanted) >= 0:
            self.scope.setCurrentIndex(self.scope.findData(wanted))
        self.scope.blockSignals(False)
        self.form.setRowVisible(self.scope, d.reach != "commune")
        self.form.setRowVisible(self.chairman, d.signed)
        commune_number = d.number in ("decision", "report")
        self.form.setRowVisible(self.number_row, commune_number)
        self.form.setRowVisible(self.first_number, d.number == "certificate")
        if commune_number:
            self.symbol.setText(tr(f"gui.official.symbol.{d.number}"))
        hints = []
        if d.number == "certificate":
            hints.append(tr("gui.official.certificate_hint", next=self.next_certificate))
        elif commune_number:
            last = self.last_issued.get(d.number)
            hints.append(tr("gui.official.last_number", last=last) if last else tr("gui.official.no_number_yet"))
        self.hint.setText(" ".join(hints))
        self.hint.setVisible(bool(hints))
        self.error.hide()
        self.adjustSize()   # as tall as the rows shown and the hint's lines need

    # --- asking -------------------------------------------------------------------------------------------------------

    def request(self) -> OfficialRequest | None:
        """What was filled in, or None (and why, under the fields) when something needed is missing."""
        d = self.documents[self.kind()]
        chairman = " ".join(self.chairman.text().split())
        if d.signed and not chairman:
            self.refuse(tr("gui.official.chairman_required"))
            self.chairman.setFocus()
            return None
        number = self.number.text().strip() if d.number in ("decision", "report") else ""
        scope = combo_data(self.scope) if d.reach != "commune" else None
        first = self.first_number.value() if d.number == "certificate" else None
        q = self.issued_on.date()
        return OfficialRequest(
            kind=d.key, village=scope if scope not in (None, ALL_COMMUNE, THIS_HOUSEHOLD) else None,
            household=self.household[0] if scope == THIS_HOUSEHOLD and self.household else None,
            chairman=chairman if d.signed else "", issued_on=date(q.year(), q.month(), q.day()),
            number=number or None,
            first_number=None if first == self.next_certificate else first)   # the next free one: the service's

    def _ask(self) -> None:
        request = self.request()
        if request is not None:
            self.error.hide()
            self.print_requested.emit(request)

    def refuse(self, text: str) -> None:
        """Say under the fields why the copy was not made (in the app's language); the dialog stays open."""
        self.error.setText(text)
        self.error.show()
        self.adjustSize()

    def busy(self, working: bool) -> None:
        """While the copy is being printed, nothing can be changed or asked again."""
        for w in (self.document, self.scope, self.chairman, self.issued_on, self.number, self.first_number,
                  self.print_button):
            w.setEnabled(not working)
