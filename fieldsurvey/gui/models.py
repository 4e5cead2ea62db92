"""Table models (tested without a window). The household list fetches pages on demand: the row count comes from
one COUNT, a row's data from the page that holds it, and only a few pages are kept — 100,000 households open as
fast as 100."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Callable

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from fieldsurvey.gui.texts import money, number, tr
from fieldsurvey.services.households import HouseholdFilter, HouseholdRow, HouseholdStatus, IN_PROGRESS

# class → (background, foreground): the colour repeats what the text says, never replaces it
CLASS_COLOURS = {
    "poor": ("#f8d7da", "#842029"),
    "near_poor": ("#fff3cd", "#664d03"),
    "average": ("#cfe2ff", "#084298"),
    "not_poor": ("#d1e7dd", "#0f5132"),
    "incomplete": ("#e2e3e5", "#41464b"),
}


def _role(r: Qt.ItemDataRole) -> int:
    return int(r.value)


_DISPLAY, _USER, _TOOLTIP, _FONT, _ALIGN, _BACKGROUND, _FOREGROUND = (
    _role(Qt.DisplayRole), _role(Qt.UserRole), _role(Qt.ToolTipRole), _role(Qt.FontRole), _role(Qt.TextAlignmentRole),
    _role(Qt.BackgroundRole), _role(Qt.ForegroundRole))
_ROLES = frozenset((_DISPLAY, _USER, _TOOLTIP, _FONT, _ALIGN, _BACKGROUND, _FOREGROUND))
_NUMERIC = frozenset(("deprivations", "income", "members"))
STAND_OUT = IN_PROGRESS   # incomplete drafts and households sent back stand out in the list
_EXPLAINED = STAND_OUT | {HouseholdStatus.CONFIRMED}   # statuses whose cell says more in its tooltip
_RIGHT = int((Qt.AlignRight | Qt.AlignVCenter).value)
_brushes: dict[str, QBrush] = {}


def _brush(colour: str) -> QBrush:
    if colour not in _brushes:
        _brushes[colour] = QBrush(QColor(colour))
    return _brushes[colour]


def _font(italic: bool = False, bold: bool = False) -> QFont:
    f = QFont()
    f.setItalic(italic)
    f.setBold(bold)
    return f


_FONTS: dict[str, QFont] = {}


class HouseholdTableModel(QAbstractTableModel):
    COLUMNS = ("head_name", "village", "class", "deprivations", "income", "members", "status", "owner", "uuid")
    PAGE = 200
    KEEP_PAGES = 12

    def __init__(self, count: Callable[[HouseholdFilter], int],
                 page: Callable[[HouseholdFilter, str, bool, int, int], list[HouseholdRow]], parent=None):
        super().__init__(parent)
        self._count_fn, self._page_fn = count, page
        self.filter = HouseholdFilter()
        self.sort_key, self.descending = "village", False
        self._total = 0
        self.people: dict[str, str] = {}   # owner id → the enumerator's name (households.people)
        self._pages: OrderedDict[int, list[HouseholdRow]] = OrderedDict()
        self.pages_loaded = 0  # how many page queries were made (the benchmark and tests read it)
        if not _FONTS:
            _FONTS.update(draft=_font(italic=True), returned=_font(bold=True))

    # --- loading -------------------------------------------------------------------------------------------------

    def refresh(self, f: HouseholdFilter | None = None) -> None:
        self.beginResetModel()
        if f is not None:
            self.filter = f
        self._pages.clear()
        self._total = self._count_fn(self.filter)
        self.endResetModel()

    def total(self) -> int:
        return self._total

    def row(self, r: int) -> HouseholdRow | None:
        if not 0 <= r < self._total:
            return None
        p = r // self.PAGE
        page = self._pages.get(p)
        if page is None:
            page = self._page_fn(self.filter, self.sort_key, self.descending, p * self.PAGE, self.PAGE)
            self.pages_loaded += 1
            self._pages[p] = page
            while len(self._pages) > self.KEEP_PAGES:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(p)
        i = r - p * self.PAGE
        return page[i] if i < len(page) else None

    def cached_rows(self) -> int:
        return sum(len(p) for p in self._pages.values())

    def find(self, uuid: str) -> int:
        """The row of a household among the cached pages (-1 when not loaded)."""
        for p, page in self._pages.items():
            for i, row in enumerate(page):
                if row.uuid == uuid:
                    return p * self.PAGE + i
        return -1

    # --- Qt -------------------------------------------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else self._total

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.DisplayRole) -> Any:
        if orientation == Qt.Horizontal and role == Qt.DisplayRole:
            return tr(f"gui.list.col.{self.COLUMNS[section]}")
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.DisplayRole) -> Any:
        # roles compared as plain ints: a view asks for ~10 roles per visible cell on every paint
        if role not in _ROLES or not index.isValid():
            return None
        row = self.row(index.row())
        if row is None:
            return None
        col = self.COLUMNS[index.column()]
        if role == _DISPLAY:
            return self._text(row, col)
        if role == _USER:
            return row.uuid
        if role == _TOOLTIP:
            return tr(f"gui.list.stand_out.{row.status}") if col == "status" and row.status in _EXPLAINED else None
        if role == _FONT:
            return _FONTS.get(row.status)
        if role == _ALIGN:
            return _RIGHT if col in _NUMERIC else None
        bg = role == _BACKGROUND
        if col == "class" and row.household_class in CLASS_COLOURS:
            return _brush(CLASS_COLOURS[row.household_class][0 if bg else 1])
        if col == "status" and row.status == HouseholdStatus.RETURNED:
            return _brush("#f8d7da" if bg else "#842029")
        if col == "status" and row.status == HouseholdStatus.DRAFT and not bg:
            return _brush("#9a5b00")
        if col == "status" and row.status == HouseholdStatus.CONFIRMED:   # checked, no change: not "submitted"
            return _brush("#cff4fc" if bg else "#055160")
        return None

    def _text(self, row: HouseholdRow, col: str) -> str:
        if col == "head_name":
            return row.head_name or tr("gui.list.no_name")
        if col == "village":
            return row.village or ""
        if col == "class":
            return tr(f"class.{row.household_class}") if row.household_class else tr("gui.list.unclassified")
        if col == "deprivations":
            return "" if row.deprivations is None else str(row.deprivations)
        if col == "income":
            return money(row.income_per_person)
        if col == "members":
            return number(row.member_count)
        if col == "status":
            return tr(f"status.{row.status}")
        if col == "owner":   # the enumerator's name where it is known, not the login id
            return self.people.get(row.owner or "", row.owner or "")
        return row.uuid[:8]

    def sort(self, column: int, order: Qt.SortOrder = Qt.AscendingOrder) -> None:
        key = {"income": "income", "members": "members"}.get(self.COLUMNS[column], self.COLUMNS[column])
        self.sort_key, self.descending = key, order == Qt.DescendingOrder
        self.refresh()

    def retranslate(self, _language: str = "") -> None:
        self.headerDataChanged.emit(Qt.Horizontal, 0, len(self.COLUMNS) - 1)
        if self._total:
            self.dataChanged.emit(self.index(0, 0), self.index(self._total - 1, len(self.COLUMNS) - 1))
