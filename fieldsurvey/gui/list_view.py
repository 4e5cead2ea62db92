"""The household list: filters (village, class, status, enumerator), diacritics-free search by name or id, counts,
a paged table with the class by colour and text, and a detail pane with the selected household's summary.

The count line above the table gives the list's own number (the households the filters find) and the figures of
the village picked, or of the whole commune: the dashboard's figures, from the same call
(services/figures.py `on_screen`), working or official as the dashboard's switch stands, saying how many
households they count and how many they leave out, and why."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QSplitter,
                               QTableView, QVBoxLayout, QWidget)

from fieldsurvey.gui.classification_panel import ClassificationPanel
from fieldsurvey.gui.models import HouseholdTableModel
from fieldsurvey.gui.texts import language, larger, money, number, tr
from fieldsurvey.gui.widgets import combo_data
from fieldsurvey.services.forms import answer_labels
from fieldsurvey.services.households import CLASSES, HouseholdFilter, STATUSES

FIGURE_CLASSES = ("poor", "near_poor", "average", "not_poor")   # the classes the figures count, in their order


class HouseholdDetailPane(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("detailPane")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.header = QLabel(objectName="detailHeader")
        self.header.setWordWrap(True)
        self.header.setTextFormat(Qt.RichText)
        self.header.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        self.panel = ClassificationPanel()
        layout.addWidget(self.header)
        layout.addWidget(self.panel, 1)
        self.detail = None
        self.people: dict[str, str] = {}   # owner id → the enumerator's name (households.people)
        language.changed.connect(self._language_changed)  # a bound method: let go when the widget goes

    def _language_changed(self, _language: str) -> None:
        self.show_detail(self.detail)

    def show_detail(self, detail) -> None:
        self.detail = detail
        if detail is None:
            self.header.setText(tr("gui.list.pick_one"))
            self.panel.show_result(None)
            return
        doc = detail.document
        members = doc.get("members", [])
        head = next((m for m in members if m.get("relationship") == "head"), {})
        lines = [f"<b style='font-size:{larger(3)}pt'>{escape(head.get('name') or tr('gui.list.no_name'))}</b>",
                 f"{escape((doc.get('location') or {}).get('village') or '')} · {tr('status.' + detail.status)}"
                 f" · {escape(self.people.get(detail.owner or '', detail.owner or ''))} · {detail.uuid[:8]}",
                 tr("gui.list.members_n", n=len(members))]
        for action, comment, by in detail.to_do:
            who = self.people.get(by, by)   # the supervisor by name where this workspace knows it
            lines.insert(2, "<span style='color:#842029'><b>" + escape(tr(f"gui.list.todo.{action}", by=who)) +
                         "</b> " + escape(comment) + "</span>")
        labels = answer_labels(doc, language.code)  # the household's own form names the choices
        rows = []
        for m in members[:10]:
            born = m.get("birth_year") or (m.get("birth_date") or "")[:4]
            rel = m.get("relationship")
            rel_text = labels.get(f"relationship.{rel}", rel) if rel else ""
            rows.append(f"• {escape(m.get('name') or '?')} ({born}) {escape(rel_text)}")
        if len(members) > 10:
            rows.append("…")
        self.header.setText("<br>".join(lines + rows))
        self.panel.show_result(detail.classification, labels)


def beside_detail(table: QWidget) -> tuple[QSplitter, HouseholdDetailPane]:
    """A table of households with the chosen one's detail pane to its right (the list, the to-do list)."""
    split = QSplitter(Qt.Horizontal)
    detail = HouseholdDetailPane()
    split.addWidget(table)
    split.addWidget(detail)
    split.setStretchFactor(0, 3)
    split.setStretchFactor(1, 2)
    split.setSizes([800, 500])
    return split, detail


class HouseholdListView(QWidget):
    open_requested = Signal(str)       # a household's uuid
    selection_changed = Signal(str)

    def __init__(self, model: HouseholdTableModel, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("householdListView")
        self.model = model
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.search = QLineEdit(objectName="search")
        self.search.setClearButtonEnabled(True)
        self.village = QComboBox(objectName="villageFilter")
        self.household_class = QComboBox(objectName="classFilter")
        self.status = QComboBox(objectName="statusFilter")
        self.owner = QComboBox(objectName="ownerFilter")
        bar.addWidget(self.search, 2)
        for combo in (self.village, self.household_class, self.status, self.owner):
            bar.addWidget(combo, 1)
        layout.addLayout(bar)
        self.counts = QLabel(objectName="listCounts")
        self.counts.setWordWrap(True)   # the figures' line: two lines where the text is large
        layout.addWidget(self.counts)
        self.table = QTableView(objectName="householdTable")
        self.table.setTabKeyNavigation(False)   # Tab leaves the table (arrows move inside it)
        self.table.setModel(model)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(1, Qt.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setResizeContentsPrecision(0)  # size columns from the visible rows only
        self.table.setAlternatingRowColors(True)
        self.splitter, self.detail = beside_detail(self.table)
        self.splitter.setObjectName("listSplitter")
        layout.addWidget(self.splitter, 1)

        self._debounce = QTimer(self, singleShot=True, interval=150)
        self._debounce.timeout.connect(self.apply_filter)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        self.search.returnPressed.connect(self._open_current_or_first)
        for combo in (self.village, self.household_class, self.status, self.owner):
            combo.currentIndexChanged.connect(lambda _i: self.apply_filter())
        self.table.doubleClicked.connect(lambda idx: self.open_requested.emit(idx.data(Qt.UserRole)))
        self.table.activated.connect(lambda idx: self.open_requested.emit(idx.data(Qt.UserRole)))
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.model.modelReset.connect(self._update_counts)
        language.changed.connect(self.retranslate)  # a bound method: let go when the widget goes
        self._sized = False
        # the figures of the count line: the dashboard's count (services/figures.py `on_screen`), counted again
        # only when households were saved or the dashboard's switch changed — never per village picked or per
        # keystroke of a search. `figures_source()` gives them, or None when they come later (`show_figures`: a
        # large workspace is counted on a worker thread)
        self.figures_source = None
        self.figures = None
        self._figures_stale = True
        self._counting = False
        self._villages: list[str] = []
        self._owners: list[str] = []
        self.retranslate()

    # --- filters ------------------------------------------------------------------------------------------------

    def set_choices(self, villages: list[str], owners: list[str]) -> None:
        self._villages, self._owners = villages, owners
        self._fill(self.village, "gui.list.all_villages", [(v, v) for v in villages])
        self._fill(self.owner, "gui.list.all_owners", [(o, self.detail.people.get(o, o)) for o in owners])

    @staticmethod
    def _fill(combo: QComboBox, all_key: str, items: list[tuple[str, str]]) -> None:
        current = combo_data(combo) or ""
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(tr(all_key), "")
        for value, text in items:
            combo.addItem(text, value)
        i = combo.findData(current)
        combo.setCurrentIndex(max(i, 0))
        combo.blockSignals(False)

    def retranslate(self, _language: str = "") -> None:
        self.search.setPlaceholderText(tr("gui.list.search_hint"))
        self._fill(self.household_class, "gui.list.all_classes",
                   [(c, tr(f"class.{c}")) for c in CLASSES] + [("unclassified", tr("gui.list.unclassified"))])
        self._fill(self.status, "gui.list.all_statuses", [(s, tr(f"status.{s}")) for s in STATUSES])
        self.set_choices(self._villages, self._owners)
        self.model.retranslate()
        self._update_counts()
        if self._sized:
            self.size_columns()

    def current_filter(self) -> HouseholdFilter:
        return HouseholdFilter(village=combo_data(self.village), household_class=combo_data(self.household_class),
                               status=combo_data(self.status), owner=combo_data(self.owner),
                               search=self.search.text())

    def apply_filter(self) -> None:
        self._debounce.stop()
        self.model.refresh(self.current_filter())
        if not self._sized:
            self._sized = True
            self.size_columns()
        if self.model.rowCount():
            self.table.selectRow(0)
        else:
            self.detail.show_detail(None)

    def size_columns(self) -> None:
        """Column widths from the header and a typical long value (never by reading rows: the list may hold
        100,000 households and only the visible page is fetched)."""
        fm = self.table.fontMetrics()
        samples = {"head_name": "Nguyễn Thị Phương Thảo", "village": "Thôn Khuổi Củng", "deprivations": "12",
                   "income": money(12_345_678), "members": "15", "owner": "enumerator-10", "uuid": "abcdef12",
                   "class": max((tr(f"class.{c}") for c in CLASSES), key=len),
                   "status": max((tr(f"status.{s}") for s in STATUSES), key=len)}
        for c, name in enumerate(self.model.COLUMNS):
            header = str(self.model.headerData(c, Qt.Horizontal))
            width = max(fm.horizontalAdvance(header) + 28, fm.horizontalAdvance(samples.get(name, "")) + 16)
            self.table.setColumnWidth(c, width)

    def counts_changed(self) -> None:
        """Households were saved or imported, or the dashboard's switch changed: the figures are counted again at
        the next refresh."""
        self._figures_stale = True

    def recount(self) -> None:
        """Count the figures again now (or start counting them)."""
        self._figures_stale = True
        self._update_counts()

    def _update_counts(self) -> None:
        if self._figures_stale and self.figures_source is not None:
            self._figures_stale = False
            figures = self.figures_source()
            self._counting = figures is None
            if figures is not None:
                self.figures = figures
        self.counts.setText(self.counts_text())

    def show_figures(self, figures) -> None:
        """The figures counted on a worker thread have come (`counting`: counted again meanwhile, still coming)."""
        self.figures = figures
        self._counting = False
        self.counts.setText(self.counts_text())

    def counts_text(self) -> str:
        """The list's number, then the figures of the village picked (or the commune) as the dashboard has them:
        each class, how many finished households they count, and how many they leave out and why. The other
        filters (class, status, enumerator, search) narrow the list, never the figures: the line says so."""
        f = self.current_filter()
        narrowed = bool(f.household_class or f.status or f.owner or f.search.strip())
        text = tr("gui.list.counts_filtered" if narrowed else "gui.list.counts", n=self.model.total())
        unit = self.figures.unit(f.village) if self.figures is not None else None
        if unit is None:
            return text + ("   —   " + tr("gui.list.counting") if self._counting else "")
        official = self.figures.scope == "official"
        where = f.village or tr("gui.list.whole_commune")
        if narrowed:
            where = tr("gui.list.figures.unfiltered", where=where)
        why = [(tr(f"gui.list.left_out.{key}", n=n), n) for key, n in (
            ("in_progress", unit.in_progress), ("waiting", unit.waiting), ("unclassified", unit.unclassified),
            ("moved", unit.moved_away), ("duplicates", self.figures.merged_in(f.village))) if n]
        left_out = "" if not why else tr("gui.list.figures.left_out_one", why=why[0][0]) if len(why) == 1 else \
            tr("gui.list.figures.left_out", n=sum(n for _w, n in why), why=", ".join(w for w, _n in why))
        counts = " · ".join(f"{tr('class.' + c)} {number(unit.classes[c])}" for c in FIGURE_CLASSES)
        return text + "   —   " + tr("gui.list.figures.official" if official else "gui.list.figures.working",
                                     where=where, counts=counts, counted=unit.counted, left_out=left_out)

    def _open_current_or_first(self) -> None:
        self.apply_filter()
        idx = self.table.currentIndex()
        if idx.isValid():
            self.open_requested.emit(idx.data(Qt.UserRole))

    def _current_changed(self, current, _previous) -> None:
        if current.isValid():
            self.selection_changed.emit(current.data(Qt.UserRole))

    def current_uuid(self) -> str | None:
        idx = self.table.currentIndex()
        return idx.data(Qt.UserRole) if idx.isValid() else None

    def add_household_actions(self, actions) -> None:
        """The actions on the household picked, offered on a right click in the table."""
        self.table.setContextMenuPolicy(Qt.ActionsContextMenu)
        self.table.addActions(list(actions))

    def current_village(self) -> str | None:
        """The village picked in the filter (None: every village)."""
        return combo_data(self.village)

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()
