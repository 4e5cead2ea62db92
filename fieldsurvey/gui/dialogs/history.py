"""A household's history: who changed what, when (its audit log, oldest first; fields and values in words)."""

from __future__ import annotations

import re
from html import escape

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHeaderView, QLabel, QVBoxLayout, QWidget

from fieldsurvey.i18n import has
from fieldsurvey.gui.texts import tr, when
from fieldsurvey.gui.widgets import read_only_table, table_item
from fieldsurvey.services import households
from fieldsurvey.services.households import STATUSES


DECIDED_BY = re.compile(r"^(approve|return|reassigned|confirm|move_away|come_back|merge) by (\S+)$")


def note_of(ch: households.Change, names: dict[str, str] | None = None) -> str:
    """The reason given, else what the entry records, in words (a bundle or a household by its first 8 digits)."""
    if ch.note:
        decided = DECIDED_BY.match(ch.note)   # the reason storage records for a decision given without a comment
        if decided:
            return tr("gui.history.note.decided_by", who=households.person(names or {}, decided.group(2)))
        return ch.note

    def shown(key: str, value) -> str:
        text = "" if value is None else str(value)
        if len(text) == 36 and text.count("-") == 4:   # a bundle's or a household's id: its first digits
            return text[:8]
        if key == "owner":   # a person, by name
            return households.person(names or {}, text)
        return tr(f"status.{text}") if key == "status" and text in STATUSES else text

    d = {k: shown(k, v) for k, v in ch.detail.items()}
    key = f"gui.history.note.{ch.action}"
    if has(key) and d:
        return tr(key, **{k: d.get(k, "") for k in ("bundle", "sequence", "from", "into", "other", "owner",
                                                     "status", "pair")})
    return ", ".join(f"{k}: {v}" for k, v in d.items())


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
            key = f"gui.history.action.{ch.action}"
            action = tr(key) if has(key) else ch.action
            field = ch.label or ch.field
            old, new = ch.old, ch.new
            if ch.field == "status":
                field = tr("gui.list.col.status")
                old, new = (tr(f"status.{v}") if v in STATUSES else v for v in (old, new))
            elif ch.field == "owner":
                field = tr("gui.list.col.owner")
                old, new = (households.person(names or {}, v) for v in (old, new))
            who = households.person(names or {}, ch.user)   # the person's name, not the login id
            if who == "unknown":   # made where no one was named (a demo, an older file)
                who = "—"
            for c, text in enumerate((when(ch.at), who, ch.device, action, field, old, new, note_of(ch, names))):
                item = table_item(text)
                if c == 4 and ch.field:
                    item.setToolTip(ch.field)
                elif c == 1 and who != ch.user:
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
