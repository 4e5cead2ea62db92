"""Print → Register of issued documents (sổ văn bản đã cấp): every official copy printed from the workspace, oldest
first — its kind, number, the household or village it is for, the class it stated, the date written on it, when and
by whom it was printed, and the copy it reprints. Read-only (the register is never changed); sorted by any column."""

from __future__ import annotations

from datetime import date
from html import escape
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHeaderView, QLabel, QTableWidgetItem, QVBoxLayout, QWidget

from fieldsurvey.i18n import has
from fieldsurvey.gui.texts import day, tr, when
from fieldsurvey.gui.widgets import read_only_table

COLUMNS = ("id", "kind", "symbol", "for", "class", "issued_on", "issued_at", "issued_by", "reprint_of")


class Cell(QTableWidgetItem):
    """A read-only cell sorted by its key (a number as a number, a date by its ISO text), not by the text shown."""

    def __init__(self, text: str, key: Any = None):
        super().__init__(text)
        self.setFlags(self.flags() & ~Qt.ItemIsEditable)
        self.key = (0, key) if key is not None else (1, text)   # rows without a value go last

    def __lt__(self, other: QTableWidgetItem) -> bool:
        if isinstance(other, Cell):
            try:
                return self.key < other.key
            except TypeError:
                return str(self.key) < str(other.key)
        return super().__lt__(other)


def kind_text(kind: str) -> str:
    key = f"gui.issued.kind.{kind}"
    return tr(key) if has(key) else kind


def issued_on_text(iso: str | None) -> str:
    try:
        return day(date.fromisoformat(iso)) if iso else ""
    except ValueError:
        return iso or ""


class IssuedDialog(QDialog):
    """`rows`: the printing service's register (issued_documents), oldest first; `households` uuid → (head's name,
    village) for the households it names; `title` names the commune."""

    def __init__(self, rows: list[dict], households: dict[str, tuple[str, str]], title: str,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("issuedDialog")
        self.setWindowTitle(tr("gui.issued.title"))
        lay = QVBoxLayout(self)
        self.heading = QLabel(objectName="issuedHeading")
        lay.addWidget(self.heading)
        intro = QLabel(tr("gui.issued.intro"), objectName="issuedIntro")
        intro.setWordWrap(True)
        lay.addWidget(intro)
        self.table = read_only_table("issuedTable", len(COLUMNS))
        self.table.setHorizontalHeaderLabels([tr(f"gui.issued.col.{c}") for c in COLUMNS])
        self.table.setWordWrap(False)
        lay.addWidget(self.table, 1)
        self.empty = QLabel(tr("gui.issued.empty"), objectName="issuedEmpty")
        self.empty.setWordWrap(True)
        lay.addWidget(self.empty)
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.button(QDialogButtonBox.Close).setText(tr("gui.close"))
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.title = title
        self.show_rows(rows, households)
        self.resize(1300, 600)

    def show_rows(self, rows: list[dict], households: dict[str, tuple[str, str]]) -> None:
        """Fill the table (again, after another official copy was printed)."""
        self.rows = rows
        self.heading.setText(f"<b>{escape(self.title)}</b> — {tr('gui.issued.count', n=len(rows))}")
        self.empty.setVisible(not rows)
        table = self.table
        table.setSortingEnabled(False)
        table.clearContents()
        table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, cell in enumerate(self._cells(row, households)):
                table.setItem(r, c, cell)
        table.resizeColumnsToContents()
        header = table.horizontalHeader()
        for c in range(len(COLUMNS) - 1):   # room for the sort arrow beside each heading
            table.setColumnWidth(c, max(table.columnWidth(c), header.sectionSizeHint(c) + 18))
        header.setSectionResizeMode(QHeaderView.Interactive)
        table.horizontalHeader().setStretchLastSection(True)
        table.setSortingEnabled(True)
        table.sortByColumn(0, Qt.AscendingOrder)

    @staticmethod
    def _cells(row: dict, households: dict[str, tuple[str, str]]) -> list[Cell]:
        uuid, village = row.get("uuid"), row.get("village")
        if uuid:
            head, where = households.get(uuid, ("", village or ""))
            what = tr("gui.issued.household", head=head or uuid[:8], village=where or village or "—")
        elif village:
            what = village
        else:
            what = tr("gui.issued.commune")
        cls = row.get("household_class")
        symbol = row.get("symbol") or ("" if row.get("number") is None else str(row["number"]))
        reprint = row.get("reprint_of")
        cells = [Cell(f"#{row['id']}", row["id"]), Cell(kind_text(row["kind"])),
                 Cell(symbol or "—", row.get("number")), Cell(what),
                 Cell(tr(f"class.{cls}") if cls and has(f"class.{cls}") else (cls or "")),
                 Cell(issued_on_text(row.get("issued_on")), row.get("issued_on")),
                 Cell(when(row.get("issued_at") or ""), row.get("issued_at")), Cell(row.get("issued_by") or ""),
                 Cell(tr("gui.issued.reprint", id=reprint) if reprint else "", reprint)]
        if uuid:
            cells[3].setToolTip(uuid)
        if row.get("file_name"):
            cells[1].setToolTip(tr("gui.issued.file", name=row["file_name"]))
        return cells

    def column(self, name: str) -> int:
        return COLUMNS.index(name)

    def texts(self, name: str) -> list[str]:
        """The column's texts, top to bottom as shown."""
        c = self.column(name)
        return [self.table.item(r, c).text() for r in range(self.table.rowCount())]
