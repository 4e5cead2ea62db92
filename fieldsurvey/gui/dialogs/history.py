"""A household's history: who changed what, when (its audit log, oldest first; fields and values in words)."""

from __future__ import annotations

from html import escape

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHeaderView, QLabel, QVBoxLayout, QWidget

from fieldsurvey.gui.texts import language, tr, when
from fieldsurvey.gui.widgets import read_only_table, table_item
from fieldsurvey.services import households


def note_of(ch: households.Change, names: dict[str, str] | None = None) -> str:
    """The reason given, else what the entry records, in words (households.in_words)."""
    return households.in_words(ch, names or {}, language.code).note


class HistoryDialog(QDialog):
    """Who changed what, when (the household's audit log, oldest first; fields and values in words)."""

    COLUMNS = ("at", "user", "device", "action", "field", "old", "new", "note")

    def __init__(self, rows: list[households.Change], title: str, parent: QWidget | None = None,
                 names: dict[str, str] | None = None):
        super().__init__(parent)
        self.setObjectName("historyDialog")
        self.setWindowTitle(title)
        self.rows = rows
        lay = QVBoxLayout(self)
        heading = QLabel(f"<b>{escape(title)}</b> — {tr('gui.history.count', n=len(rows))}")
        lay.addWidget(heading)
        self.table = read_only_table("historyTable", len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels([tr(f"gui.history.col.{c}") for c in self.COLUMNS])
        self.table.setRowCount(len(rows))
        for r, ch in enumerate(rows):
            said = households.in_words(ch, names or {}, language.code)   # names, labels and values in words
            for c, text in enumerate((when(ch.at), said.who, ch.device, said.action, said.field, said.old, said.new,
                                      said.note)):
                item = table_item(text)
                if c == 4 and ch.field:
                    item.setToolTip(ch.field)
                elif c == 1 and said.who != ch.user:
                    item.setToolTip(ch.user)
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.Interactive)
        lay.addWidget(self.table, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.button(QDialogButtonBox.Close).setText(tr("gui.history.close"))
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.resize(1100, 560)
        if rows:
            self.table.scrollToBottom()
