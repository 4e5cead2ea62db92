"""Answer widgets, one per question type, all keyboard-first: Enter moves on like Tab; a choice is picked by its
number or by the first letters of its label (diacritics optional)."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

from typing import Callable

from PySide6.QtCore import QEvent, QObject, QRegularExpression, Qt, QTimer, Signal
from PySide6.QtGui import QDoubleValidator, QIntValidator, QKeyEvent, QRegularExpressionValidator, QTextDocument
from PySide6.QtGui import Qt as GuiQt
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QFileDialog, QGridLayout, QHBoxLayout, QLabel,
                               QLineEdit, QListWidget, QListWidgetItem, QPushButton, QTableWidget, QTableWidgetItem,
                               QWidget)

from fieldsurvey.i18n import fold


class EnterMovesOn(QObject):
    """Return/Enter in an answer widget moves the focus on, as Tab does (an open popup keeps its Enter)."""

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.KeyPress and event.key() in (Qt.Key_Return, Qt.Key_Enter) \
                and not event.modifiers() & (Qt.ControlModifier | Qt.AltModifier):
            if isinstance(obj, QComboBox) and obj.view().isVisible():
                return False
            if isinstance(obj, QWidget):
                obj.focusNextChild()
                return True
        return False


ENTER_MOVES_ON = EnterMovesOn()


def combo_data(combo: QComboBox) -> str | None:
    """The current item's code, None for the blank / "all" item. Items never carry None as data and an empty combo
    is never asked: PySide6 6.12 on Python 3.11 drops a reference to None each time an empty QVariant comes back
    to Python, which ends in a fatal error after a few hundred calls."""
    if combo.currentIndex() < 0:
        return None
    return combo.currentData() or None


def table_item(text: str, data: str | None = None) -> QTableWidgetItem:
    """A cell that is read, not edited (`data`: what it stands for, e.g. a household's uuid, as its UserRole)."""
    item = QTableWidgetItem(text)
    item.setFlags(item.flags() & ~Qt.ItemIsEditable)
    if data is not None:
        item.setData(Qt.UserRole, data)
    return item


def read_only_table(name: str, columns: int) -> QTableWidget:
    """A table of rows to read and pick (whole rows), its last column stretched, long texts wrapped."""
    table = QTableWidget(0, columns, objectName=name)
    table.setSelectionBehavior(QAbstractItemView.SelectRows)
    table.setEditTriggers(QAbstractItemView.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setStretchLastSection(True)
    table.setWordWrap(True)
    table.setTabKeyNavigation(False)   # Tab leaves the table (arrows move inside it)
    return table


mightBeRichText = GuiQt.mightBeRichText


class FitLabel(QLabel):
    """A wrapped label always as tall as its lines need at its width, measured with the font's real line height
    (a form layout's label column otherwise keeps one line's height for two, and the second line's diacritics —
    the tops of "ề", the dot of "ạ" — are cut)."""

    def __init__(self, text: str = "", parent: QWidget | None = None, **kwargs):
        super().__init__(text, parent, **kwargs)
        self.setWordWrap(True)
        # at the top, beside its row's label: a layout may give it more height than its lines take
        self.setAlignment(Qt.AlignLeft | Qt.AlignTop)

    def needed_height(self, width: int) -> int:
        """The height the text takes at `width`, laid out as a text document with the label's font (its line
        spacing, so the marks above and below the letters are inside). Not QLabel.heightForWidth: that one grows
        with the minimum height set here, and would never let it shrink."""
        if not self.text() or width <= 0:
            return 0
        margins = self.contentsMargins()
        doc = QTextDocument()
        doc.setDefaultFont(self.font())
        doc.setDocumentMargin(0)
        if mightBeRichText(self.text()) and self.textFormat() != Qt.PlainText:
            doc.setHtml(self.text())
        else:
            doc.setPlainText(self.text())
        doc.setTextWidth(max(1, width - margins.left() - margins.right() - 2 * self.margin() - 2 * self.indent()
                             if self.indent() > 0 else width - margins.left() - margins.right() - 2 * self.margin()))
        return math.ceil(doc.size().height()) + margins.top() + margins.bottom() + 2 * self.margin()

    def _fit(self) -> None:
        need = self.needed_height(self.width())
        if need != self.minimumHeight():
            self.setMinimumHeight(need)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()

    def setText(self, text: str) -> None:
        super().setText(text)
        self._fit()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.FontChange:
            self._fit()


def move_on(widget: QWidget) -> None:
    """The focus on to the next answer, as Enter would move it (after a quick choice)."""
    if widget.hasFocus():
        widget.focusNextChild()


class ChoiceCombo(QComboBox):
    """Items "1. label"…; typing a number picks that item, typing letters picks the first label starting so. With
    the form's `quick` appearance (ODK's: "go on after a choice"), a number that no longer number can follow picks
    the item and moves on to the next question: "1" answers a yes / no question and the next one is in focus."""

    answered = Signal(object)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.quick = False
        self._typed = ""
        self._reset = QTimer(self, singleShot=True, interval=900)
        self._reset.timeout.connect(lambda: setattr(self, "_typed", ""))
        self.activated.connect(lambda _i: self.answered.emit(combo_data(self)))
        self.installEventFilter(ENTER_MOVES_ON)
        self.setFocusPolicy(Qt.StrongFocus)

    def set_choices(self, choices: list[tuple[str, str]]) -> None:
        current = combo_data(self)
        self.blockSignals(True)
        self.clear()
        self.addItem("", "")
        for n, (code, label) in enumerate(choices, 1):
            self.addItem(f"{n}. {label}", code)
        self.setCurrentIndex(max(0, self.findData(current)) if current is not None else 0)
        self.blockSignals(False)

    def set_value(self, value) -> None:
        self.blockSignals(True)
        i = self.findData(value) if value is not None else 0
        self.setCurrentIndex(i if i >= 0 else 0)
        self.blockSignals(False)

    def _pick(self, index: int) -> None:
        if 0 <= index < self.count() and index != self.currentIndex():
            self.setCurrentIndex(index)
            self.answered.emit(combo_data(self))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        text = event.text()
        if text and (text.isalnum() or text == " ") and not event.modifiers() & (Qt.ControlModifier | Qt.AltModifier):
            self._typed += text
            self._reset.start()
            typed = self._typed.strip()
            if typed.isdigit():
                n = int(typed)
                if n < self.count():
                    self._pick(n)
                if n * 10 >= self.count():  # no longer number can follow
                    self._typed = ""
                    if self.quick and 0 < n < self.count():
                        move_on(self)
                return
            wanted = fold(typed)
            for i in range(1, self.count()):
                label = self.itemText(i).split(". ", 1)[-1]
                if fold(label).startswith(wanted):
                    self._pick(i)
                    break
            return
        if event.key() in (Qt.Key_Delete, Qt.Key_Backspace):
            self._pick(0)
            return
        super().keyPressEvent(event)


class TextAnswer(QLineEdit):
    """Text, integer, decimal or date (dd/mm/yyyy shown, ISO stored). Answers as the text changes (autosave). An
    amount (the form's `thousands-sep` appearance, as ODK names it) is shown grouped in the app's language —
    12.000.000 — and may be typed with or without the separators."""

    answered = Signal(object)

    def __init__(self, kind: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.kind = kind
        self.grouped: Callable[[int], str] | None = None   # set for an amount: how the app's language groups it
        if kind == "integer":   # ODK's integer is 32-bit; what lies beyond is refused by the form, saying so
            self.setValidator(QIntValidator(-2**31, 2**31 - 1, self))
        elif kind == "decimal":
            v = QDoubleValidator(0, 1e9, 2, self)
            v.setNotation(QDoubleValidator.StandardNotation)
            self.setValidator(v)
        elif kind == "date":
            self.setInputMask("")  # the placeholder (dd/mm/yyyy in the app's language) is set by the view
        self.installEventFilter(ENTER_MOVES_ON)
        self.textEdited.connect(self._edited)

    def _edited(self, text: str) -> None:
        self.answered.emit(self.to_value(text))

    def to_value(self, text: str):
        text = text.strip()
        if not text:
            return None
        if self.kind == "integer" or self.grouped is not None:   # an amount grouped (12.000.000): whole đồng
            try:
                return int(text.replace(".", "").replace(",", "").replace(" ", ""))
            except ValueError:
                return text
        if self.kind == "decimal":
            try:
                return float(text.replace(",", "."))
            except ValueError:
                return text
        if self.kind == "date":
            parts = text.replace("-", "/").replace(".", "/").split("/")
            if len(parts) == 3 and all(p.isdigit() for p in parts):
                try:
                    return date(int(parts[2]), int(parts[1]), int(parts[0])).isoformat()
                except ValueError:
                    return text
            return text
        return text

    def group_digits(self, grouped: Callable[[int], str]) -> None:
        """Show the amount grouped (`grouped(12000000)` → "12.000.000"); separators typed are accepted."""
        self.grouped = grouped
        self.setValidator(QRegularExpressionValidator(QRegularExpression(r"[0-9., ]{0,16}"), self))

    def set_value(self, value) -> None:
        if self.kind == "date" and isinstance(value, str) and len(value) == 10 and value[4] == "-":
            text = f"{value[8:10]}/{value[5:7]}/{value[0:4]}"
        elif self.kind == "decimal" and isinstance(value, float) and self.grouped is None:
            text = f"{value:g}"
        elif self.grouped is not None and isinstance(value, (int, float)) and not isinstance(value, bool) \
                and float(value).is_integer():
            text = self.grouped(int(value))
        else:
            text = "" if value is None else str(value)
        if text != self.text() and not (self.hasFocus() and self.to_value(self.text()) == value):
            self.setText(text)

    def focusOutEvent(self, event) -> None:
        super().focusOutEvent(event)
        value = self.to_value(self.text())
        if self.grouped is not None and isinstance(value, int):
            self.set_value(value)   # typed as 12000000: read as 12.000.000 once left


MULTI_COLUMNS = 2   # the boxes of a several-answer question, in reading order row by row: never wider than the page


class FileAnswer(QWidget):
    """image, audio, video, file: the chosen file's name (what ODK keeps of it), picked with the button or F4 (a file
    dialog), or typed. The file itself is not copied: the form keeps its name."""

    answered = Signal(object)
    FILTERS = {"image": "*.jpg *.jpeg *.png *.gif *.bmp *.webp *.heic", "audio": "*.m4a *.mp3 *.wav *.ogg *.amr *.aac",
               "video": "*.mp4 *.3gp *.mov *.avi *.mkv *.webm", "file": "*"}

    def __init__(self, kind: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.kind = kind
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.edit = QLineEdit(objectName="fileName")
        self.edit.installEventFilter(ENTER_MOVES_ON)
        self.edit.installEventFilter(self)
        self.edit.textEdited.connect(lambda text: self.answered.emit(text.strip() or None))
        self.button = QPushButton("…", objectName="pickFile")
        self.button.setFocusPolicy(Qt.NoFocus)   # F4 in the box picks too: the keyboard stays in the questionnaire
        self.button.clicked.connect(self.pick)
        lay.addWidget(self.edit, 1)
        lay.addWidget(self.button)
        self.setFocusProxy(self.edit)
        self.title = ""

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if obj is self.edit and event.type() == QEvent.KeyPress and event.key() == Qt.Key_F4:
            self.pick()
            return True
        return False

    def pick(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.title, "", f"{self.kind} ({self.FILTERS[self.kind]})",
                                              options=QFileDialog.DontUseNativeDialog)   # Qt's: in the app's language
        if path:
            name = Path(path).name
            self.edit.setText(name)
            self.answered.emit(name)

    def set_value(self, value) -> None:
        text = "" if value is None else str(value)
        if text != self.edit.text():
            self.edit.setText(text)


class MultiAnswer(QWidget):
    """select_multiple: one check box per choice ("1. TV", "2. Radio"…), two to a row so a long list never scrolls
    the page sideways. Tab goes from box to box in reading order, Space ticks the box in focus, a choice's number
    ticks or unticks it from any box, and Enter moves on to the next question. The form's own choices say what
    "none" is. `choices_changed` tells the view to put the new boxes in the tab order."""

    answered = Signal(object)
    choices_changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.boxes: list[QCheckBox] = []
        self._codes: list[str] = []
        self.lay = QGridLayout(self)
        self.lay.setContentsMargins(0, 0, 0, 0)
        self.setFocusPolicy(Qt.NoFocus)

    def set_choices(self, choices: list[tuple[str, str]], _none_label: str = "") -> None:
        checked = self.value() or []
        for b in self.boxes:
            self.lay.removeWidget(b)
            b.deleteLater()
        self.boxes, self._codes = [], []
        for n, (code, label) in enumerate(choices, 1):
            box = QCheckBox(f"{n}. {label}")
            box.setObjectName(f"choice_{code}")
            box.setChecked(code in checked)
            box.installEventFilter(ENTER_MOVES_ON)
            box.installEventFilter(self)
            box.toggled.connect(lambda _on: self.answered.emit(self.value()))
            self.lay.addWidget(box, (n - 1) // MULTI_COLUMNS, (n - 1) % MULTI_COLUMNS)
            self.boxes.append(box)
            self._codes.append(code)
        for c in range(MULTI_COLUMNS):
            self.lay.setColumnStretch(c, 1)
        self.setFocusProxy(self.boxes[0] if self.boxes else None)
        self.choices_changed.emit()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.KeyPress and event.key() in (Qt.Key_Return, Qt.Key_Enter) \
                and not event.modifiers() & (Qt.ControlModifier | Qt.AltModifier) and self.boxes:
            last = self.boxes[-1]   # Enter leaves the question, from any of its boxes (Tab goes box by box)
            last.setFocus(Qt.TabFocusReason)
            last.focusNextChild()
            return True
        if event.type() == QEvent.KeyPress and event.text().isdigit() and \
                not event.modifiers() & (Qt.ControlModifier | Qt.AltModifier):
            n = int(event.text())
            if 1 <= n <= len(self.boxes):
                self.boxes[n - 1].toggle()
            return True
        return False

    def value(self) -> list[str] | None:
        """The codes ticked; None when none is (not answered)."""
        chosen = [c for c, b in zip(self._codes, self.boxes) if b.isChecked()]
        return chosen or None

    def set_value(self, value) -> None:
        chosen = set(value or [])
        for c, b in zip(self._codes, self.boxes):
            b.blockSignals(True)
            b.setChecked(c in chosen)
            b.blockSignals(False)


class RankAnswer(QListWidget):
    """rank LIST: every choice, in the order the enumerator puts them ("1. Lúa", "2. Ngô"…). Up and Down move the
    highlight, Ctrl+Up and Ctrl+Down move the highlighted choice one place, Space takes the order as it stands (as
    ODK's ranking dialog does with OK), Delete clears the answer, Enter moves on. Until it is answered the choices
    are listed in the form's order, greyed (the form says the answer is still missing)."""

    answered = Signal(object)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._labels: dict[str, str] = {}
        self._order: list[str] = []
        self.ranked = False
        self.setSelectionMode(QAbstractItemView.SingleSelection)
        self.setTabKeyNavigation(False)   # Tab leaves the list; arrows move inside it
        self.installEventFilter(ENTER_MOVES_ON)

    def set_choices(self, choices: list[tuple[str, str]]) -> None:
        self._labels = dict(choices)
        kept = [c for c in self._order if c in self._labels] if self.ranked else []
        self._order = kept + [c for c, _ in choices if c not in kept]
        self._draw()

    def _draw(self) -> None:
        row = max(self.currentRow(), 0)
        self.blockSignals(True)
        self.clear()
        for n, code in enumerate(self._order, 1):
            item = QListWidgetItem(f"{n}. {self._labels.get(code, code)}")
            item.setData(Qt.UserRole, code)
            self.addItem(item)
        self.setCurrentRow(min(row, self.count() - 1))
        self.blockSignals(False)
        self.setProperty("ranked", self.ranked)
        self.setStyleSheet("" if self.ranked else "color:#6c757d")   # the form's order, not an answer yet

    def value(self) -> list[str] | None:
        return list(self._order) if self.ranked else None

    def set_value(self, value) -> None:
        if isinstance(value, list) and value:
            self.ranked = True
            self._order = [c for c in value if c in self._labels] + [c for c in self._labels if c not in value]
        else:
            self.ranked = False
            self._order = list(self._labels)
        self._draw()

    def move_current(self, step: int) -> None:
        row = self.currentRow()
        to = row + step
        if 0 <= row < len(self._order) and 0 <= to < len(self._order):
            self._order.insert(to, self._order.pop(row))
            self.ranked = True
            self.setCurrentRow(to)
            self._draw()
            self.setCurrentRow(to)
            self.answered.emit(self.value())

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        key, mods = event.key(), event.modifiers()
        if key in (Qt.Key_Up, Qt.Key_Down) and mods & Qt.ControlModifier:
            self.move_current(-1 if key == Qt.Key_Up else 1)
            return
        if key == Qt.Key_Space and self._order:
            self.ranked = True
            self._draw()
            self.answered.emit(self.value())
            return
        if key in (Qt.Key_Delete, Qt.Key_Backspace):
            self.set_value(None)
            self.answered.emit(None)
            return
        super().keyPressEvent(event)
