"""The commune's villages with their number of resident households (the denominator of every rate), of them the
households of an ethnic minority (the denominator of the minority rates), the date it was taken and where it comes
from. The supervisor types into the table; each change is saved as soon as a cell is left (through the `save`
given, which calls the workspaces service), and a refusal — a negative number, more minority households than
resident households, a date that is not one — is said under the table in the user's language, the cell marked
until it is put right.

Below the table the supervisor adds a village (the name typed, then Enter or the Add button), renames the selected
one to the name typed, or merges the selected one into the village picked (after saying what will change and
asking), each button with its Alt key: through the `edit` given (services.villages), each a recorded change that the
village's households follow and that goes to the enumerators in their next return bundle."""

from __future__ import annotations

import re
from datetime import date
from typing import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDialog, QDialogButtonBox, QHBoxLayout, QHeaderView,
                               QLabel, QLineEdit, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from fieldsurvey.errors import FieldSurveyError
from fieldsurvey.gui.dialogs.comment import ask_yes
from fieldsurvey.gui.texts import language, tr

COLUMNS = ("village", "residents", "minority", "date", "source")
COUNTS = (COLUMNS.index("residents"), COLUMNS.index("minority"))
_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_BAD = QBrush(QColor("#f8d7da"))
_MISSING = QBrush(QColor("#fff3cd"))


class Unreadable(ValueError):
    """What the user typed cannot be read as a number or a date: `key` says so (with `value`)."""

    def __init__(self, key: str, value: str):
        super().__init__(key, value)
        self.key, self.value = key, value


def read_count(text: str) -> int | None:
    """The number typed ("245", "1.245", "1,245"; empty: none). A negative number is read as typed, for the
    service to refuse."""
    text = text.strip()
    if not text:
        return None
    digits = text.replace(".", "").replace(",", "").replace(" ", "")
    if re.fullmatch(r"-?\d+", digits):
        return int(digits)
    raise Unreadable("gui.villages.not_a_number", text)


def read_date(text: str) -> str | None:
    """The date typed, as ISO (day/month/year as the app writes dates, or YYYY-MM-DD; empty: none)."""
    text = text.strip()
    if not text:
        return None
    m = _DMY.match(text)
    try:
        if m:
            return date(int(m[3]), int(m[2]), int(m[1])).isoformat()
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise Unreadable("gui.villages.bad_date", text) from None


def shown_date(iso: str | None) -> str:
    if not iso:
        return ""
    try:
        d = date.fromisoformat(iso)
    except ValueError:
        return iso
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


class VillagesDialog(QDialog):
    """`villages`: the workspaces service's villages (name, residents, residents_date, residents_source,
    residents_minority). `save(village, residents, date, source, minority)` records one row as shown (an empty
    number: not entered) and returns it as stored, or raises the refusal; None makes the table read-only (`note`
    says why)."""

    changed = Signal()   # a village's resident households were saved
    renamed = Signal()   # villages were added, renamed or merged: the households' villages may have changed

    def __init__(self, title: str, villages: list, save: Callable | None, note: str = "",
                 parent: QWidget | None = None, edit: VillageEdits | None = None):
        super().__init__(parent)
        self.edit = edit
        self.setObjectName("villagesDialog")
        self.setWindowTitle(title)
        self.save = save
        self.villages = list(villages)
        lay = QVBoxLayout(self)
        intro = QLabel(tr("gui.villages.intro"), objectName="villagesIntro")
        intro.setWordWrap(True)
        lay.addWidget(intro)
        self.note = QLabel(note, objectName="villagesNote")
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color:#664d03; background:#fff3cd; padding:4px")
        self.note.setVisible(bool(note))
        lay.addWidget(self.note)
        self.table = QTableWidget(0, len(COLUMNS), objectName="villagesTable")
        self.table.setHorizontalHeaderLabels([tr(f"gui.villages.col.{c}") for c in COLUMNS])
        self.table.horizontalHeaderItem(COLUMNS.index("minority")).setToolTip(tr("gui.villages.minority_hint"))
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setHighlightSections(False)   # a bold head would outgrow its fitted width
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        if save is None:
            self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        else:
            self.table.setEditTriggers(QAbstractItemView.DoubleClicked | QAbstractItemView.EditKeyPressed
                                       | QAbstractItemView.AnyKeyPressed)
        lay.addWidget(self.table, 1)
        self.name_input = QLineEdit(objectName="villageName")
        self.name_input.setPlaceholderText(tr("gui.villages.name_hint"))
        self.name_input.setToolTip(tr("gui.villages.name_tip"))
        self.add_button = QPushButton(tr("gui.villages.add"), objectName="villageAdd")
        self.rename_button = QPushButton(tr("gui.villages.rename"), objectName="villageRename")
        self.merge_into = QComboBox(objectName="villageMergeInto")
        self.merge_button = QPushButton(tr("gui.villages.merge"), objectName="villageMerge")
        edits = QHBoxLayout()
        for w, stretch in ((self.name_input, 2), (self.add_button, 0), (self.rename_button, 0),
                           (self.merge_button, 0), (self.merge_into, 1)):
            edits.addWidget(w, stretch)
        self.edits = QWidget(objectName="villageEdits")
        self.edits.setLayout(edits)
        edits.setContentsMargins(0, 0, 0, 0)
        self.edits.setVisible(edit is not None)
        lay.addWidget(self.edits)
        self.add_button.clicked.connect(self.add_village)
        self.rename_button.clicked.connect(self.rename_village)
        self.merge_button.clicked.connect(self.merge_village)
        for button in (self.add_button, self.rename_button, self.merge_button):
            button.setAutoDefault(False)   # Enter in the name adds it (keyPressEvent), it never presses another
        self.total = QLabel(objectName="villagesTotal")
        lay.addWidget(self.total)
        self.error = QLabel(objectName="villagesError")
        self.error.setStyleSheet("color:#842029")
        self.error.setWordWrap(True)
        self.error.hide()
        lay.addWidget(self.error)
        self.saved = QLabel(objectName="villagesSaved")
        self.saved.setStyleSheet("color:#0f5132")
        lay.addWidget(self.saved)
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.button(QDialogButtonBox.Close).setText(tr("gui.close"))
        buttons.button(QDialogButtonBox.Close).setAutoDefault(False)   # Enter never closes the list by surprise
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self._fill()
        self.table.cellChanged.connect(self._edited)
        self.resize(900, 460)
        if self.villages:
            self.table.setCurrentCell(0, 1)

    # --- showing --------------------------------------------------------------------------------------------------

    def _fill(self) -> None:
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.villages))
        for r, v in enumerate(self.villages):
            self._show_row(r, v)
        self.table.blockSignals(False)
        self._show_total()
        self.merge_into.clear()
        self.merge_into.addItems([v.name for v in self.villages])

    def _show_row(self, r: int, v) -> None:
        name = QTableWidgetItem(v.name)
        name.setFlags(name.flags() & ~Qt.ItemIsEditable)
        self.table.setItem(r, 0, name)
        counts = {"residents": v.residents, "minority": v.residents_minority}
        texts = {"date": shown_date(v.residents_date), "source": v.residents_source or "",
                 **{k: "" if n is None else str(n) for k, n in counts.items()}}
        for c, column in enumerate(COLUMNS[1:], 1):
            item = QTableWidgetItem(texts[column])
            if column in counts:
                item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                if counts[column] is None:
                    item.setBackground(_MISSING)   # not entered yet: its rates stay "—"
            if column == "minority":
                item.setToolTip(tr("gui.villages.minority_hint"))
            if column == "date":
                item.setToolTip(tr("gui.form.date_hint"))
            self.table.setItem(r, c, item)

    def _show_total(self) -> None:
        missing = [v.name for v in self.villages if v.residents is None]
        no_minority = [v.name for v in self.villages if v.residents_minority is None]
        if missing:
            self.total.setText(tr("gui.villages.total_missing", n=len(missing)))
        elif no_minority:
            self.total.setText(tr("gui.villages.total_minority_missing", n=sum(v.residents for v in self.villages),
                                  k=len(no_minority)))
        else:
            self.total.setText(tr("gui.villages.total_minority", n=sum(v.residents for v in self.villages),
                                  m=sum(v.residents_minority for v in self.villages)))

    def row_of(self, village: str) -> int:
        return next(r for r, v in enumerate(self.villages) if v.name == village)

    def cell(self, village: str, column: str) -> QTableWidgetItem:
        return self.table.item(self.row_of(village), COLUMNS.index(column))

    # --- adding, renaming, merging ---------------------------------------------------------------------------------

    def selected(self) -> str | None:
        row = self.table.currentRow()
        return self.villages[row].name if 0 <= row < len(self.villages) else None

    def add_village(self) -> None:
        """The name typed, added at the end of the list."""
        if self.edit is None:
            return
        name = self.name_input.text()
        self._edited_list(lambda: self.edit.add(name), lambda v: tr("gui.villages.added", village=v.name),
                          lambda v: v.name)

    def rename_village(self) -> None:
        """The selected village renamed to the name typed; its households follow."""
        village = self.selected()
        if self.edit is None or village is None:
            return
        name = self.name_input.text()
        self._edited_list(lambda: self.edit.rename(village, name),
                          lambda m: tr("gui.villages.renamed", old=m.old, new=m.new, n=len(m.households)),
                          lambda m: m.new)

    def merge_village(self) -> None:
        """The selected village merged into the one picked, after saying what will change and asking ("No" by
        default)."""
        village, into = self.selected(), self.merge_into.currentText()
        if self.edit is None or village is None or not into:
            return
        if village == into:
            self._said_error(tr("gui.villages.merge_pick"))
            return
        n = self.edit.households(village)
        if not self.confirm(tr("gui.villages.merge_title"), tr("gui.villages.merge_prompt", old=village, new=into,
                                                                  n=n)):
            return
        self._edited_list(lambda: self.edit.merge(village, into),
                          lambda m: tr("gui.villages.merged", old=m.old, new=m.new, n=len(m.households)),
                          lambda m: m.new)

    def keyPressEvent(self, event) -> None:
        """Enter in the new name adds the village; elsewhere the dialog's own (Escape closes it)."""
        if event.key() in (Qt.Key_Return, Qt.Key_Enter) and self.name_input.hasFocus():
            self.add_village()
            return
        super().keyPressEvent(event)

    def confirm(self, title: str, text: str) -> bool:
        return ask_yes(self, title, text)

    def _edited_list(self, change: Callable, said: Callable, current: Callable) -> None:
        try:
            done = change()
        except FieldSurveyError as exc:
            self._said_error(exc.text(language.code))
            return
        self.villages = list(self.edit.villages())
        self._fill()
        self.name_input.clear()
        self.error.hide()
        self.saved.setText(said(done))
        name = current(done)
        if any(v.name == name for v in self.villages):
            self.table.setCurrentCell(self.row_of(name), 0)
        self.renamed.emit()
        self.changed.emit()

    def _said_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()
        self.saved.setText("")

    # --- saving -----------------------------------------------------------------------------------------------------

    def _edited(self, row: int, column: int) -> None:
        if self.save is None or column == 0 or not 0 <= row < len(self.villages):
            return
        village = self.villages[row].name
        texts = {c: self.table.item(row, i).text() if self.table.item(row, i) else ""
                 for i, c in enumerate(COLUMNS) if i}
        try:
            residents, minority = read_count(texts["residents"]), read_count(texts["minority"])
            when = read_date(texts["date"])
            stored = self.save(village, residents, when, texts["source"].strip() or None, minority)
        except Unreadable as exc:
            self._refused(row, column, tr(exc.key, village=village, value=exc.value))
            return
        except FieldSurveyError as exc:
            self._refused(row, column, f"{village}: {exc.body(language.code)}")
            return
        self.villages[row] = stored
        self.table.blockSignals(True)
        self._show_row(row, stored)
        self.table.blockSignals(False)
        self.error.hide()
        self.saved.setText(tr("gui.villages.saved", village=village))
        self._show_total()
        self.changed.emit()

    def _refused(self, row: int, column: int, message: str) -> None:
        """Say why under the table and mark the cell; the stored figure stays as it was."""
        self.error.setText(message)
        self.error.show()
        self.saved.setText("")
        item = self.table.item(row, column)
        if item is not None:
            self.table.blockSignals(True)
            item.setBackground(_BAD)
            self.table.blockSignals(False)


class VillageEdits:
    """What the dialog's add, rename and merge call (the app's side gives services.villages' use cases)."""

    def __init__(self, add: Callable, rename: Callable, merge: Callable, villages: Callable, households: Callable):
        self.add, self.rename, self.merge, self.villages, self.households = add, rename, merge, villages, households
