"""The province's view (the third role, beside the enumerator's and the supervisor's): one province workspace open —
who reported, who is late, who changed their result (and which the last import changed), the province's tables by
commune — results with last year beside them and the sentence the reports print, movement of poor and of near-poor
households since last year, the 12 deprivations, target groups, ethnic-minority households: a table chosen on screen,
the per-class ones a class at a time —, the households counted in two communes, and every result imported.
Everything comes from fieldsurvey/services/province.py: the tables are the one `province.tables()` the workbook and
the state-format PDF are made from, laid out by the workbook's own columns (services/province_columns.py). The
buttons' steps are in fieldsurvey/gui/actions/province.py."""

from __future__ import annotations

import re
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QButtonGroup, QHBoxLayout, QHeaderView, QLabel, QMenu, QPushButton,
                               QRadioButton, QStackedWidget, QTableWidget, QTableWidgetItem, QTabWidget, QToolButton,
                               QVBoxLayout, QWidget)

from fieldsurvey.gui.texts import day, language, number, tr, when
from fieldsurvey.services import province
from fieldsurvey.services.province_columns import (HOUSEHOLD_CLASSES, PER_CLASS, TABLES, Column, Kind, rows_of,
                                                   tables_of)

NUMERIC = re.compile(r"^[-+−]?[\d.,]+( %)?$|^—$")   # a number as shown: right-aligned
TABS = ("status", "results", "duplicates", "changes")   # the "results" tab holds every table by commune (TABLES)
CHOOSER = ("QPushButton { padding: 3px 12px; border: 1px solid #9aa6b2; border-radius: 3px; background: #f8f9fa }"
           "QPushButton:checked { background: #084298; color: white; border-color: #084298 }"
           "QPushButton:hover:!checked { background: #e7f1ff }")   # the table shown: its button filled


def _table(name: str) -> QTableWidget:
    t = QTableWidget(0, 0, objectName=name)
    t.setTabKeyNavigation(False)
    t.verticalHeader().setVisible(False)
    t.verticalHeader().setDefaultSectionSize(24)
    t.setEditTriggers(QAbstractItemView.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectRows)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
    t.horizontalHeader().setStretchLastSection(True)
    return t


def _two_lines(head: str) -> str:
    """A long column heading on two lines (at the space nearest its middle), so the columns stay narrow."""
    if len(head) <= 12 or " " not in head:
        return head
    middle = len(head) // 2
    cut = min((i for i, ch in enumerate(head) if ch == " "), key=lambda i: abs(i - middle))
    return head[:cut] + "\n" + head[cut + 1:]


def _wrapped(head: str, width: int = 12) -> str:
    """A long column heading on as many lines as keep it about `width` characters wide (a word never cut)."""
    lines: list[str] = []
    for word in head.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "\n".join(lines)


def _rate(value: float | None) -> str:
    return "—" if value is None else number(value, 2) + " %"


def shown(column: Column, value) -> str:
    """A table's value as the view shows it: households with the thousands' separator, a rate with two decimals and
    %, a change of a rate in points with two decimals, a year as written; unknown as "—"."""
    if value is None:
        return "—"
    if column.kind is Kind.RATE:
        return _rate(value)
    if column.kind is Kind.POINTS:
        return number(value, 2)
    if column.kind is Kind.YEAR:
        return str(value)
    return number(value)


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def _fill(table: QTableWidget, heads: list[str], rows: list[list], bold_rows: set[int] = frozenset(),
          marked_rows: set[int] = frozenset(), tips: list[str] | None = None, wrap=_two_lines) -> None:
    """Rows of texts and numbers (numbers right-aligned, None as "—"); `bold_rows` (the province's total) in bold,
    `marked_rows` (changed by the last import) shaded; `tips`: each heading's tooltip (the workbook's heading)."""
    table.clearContents()
    table.setColumnCount(len(heads))
    table.setHorizontalHeaderLabels([wrap(h) for h in heads])
    for c, tip in enumerate(tips or ()):
        table.horizontalHeaderItem(c).setToolTip(tip)
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            text = "—" if v is None else number(v) if isinstance(v, int) else str(v)
            item = QTableWidgetItem(text)
            if v is None or isinstance(v, int) or NUMERIC.match(text):
                item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
            if r in bold_rows:
                font = item.font()
                font.setBold(True)
                item.setFont(font)
            if r in marked_rows:
                item.setBackground(Qt.yellow)
            table.setItem(r, c, item)


class ProvinceView(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("provinceView")
        self.target = None                 # the province workspace shown (a path), None: none
        self.changed_now: set[str] = set()  # the communes whose result the last import replaced
        self._stale = False   # its texts changed language while another view showed: read again when shown
        self.statuses: list[province.CommuneStatus] = []
        self.tables = None
        outer = QVBoxLayout(self)
        self.title = QLabel(objectName="provinceTitle")
        self.summary = QLabel(objectName="provinceSummary")
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet("background:#e7f1ff; color:#084298; padding:4px")
        bar = QHBoxLayout()
        self.import_button = QPushButton(objectName="provinceImport")
        self.last_year_button = QToolButton(objectName="provinceLastYear")
        self.last_year_button.setPopupMode(QToolButton.InstantPopup)
        self.last_year_menu = QMenu(self.last_year_button)
        self.last_year_button.setMenu(self.last_year_menu)
        self.from_workspace = self.last_year_menu.addAction("")
        self.from_workspace.setObjectName("lastYearFromWorkspace")
        self.from_workbook = self.last_year_menu.addAction("")
        self.from_workbook.setObjectName("lastYearFromWorkbook")
        self.typed_in = self.last_year_menu.addAction("")
        self.typed_in.setObjectName("lastYearTyped")
        self.xlsx_button = QPushButton(objectName="provinceXlsx")
        self.pdf_button = QPushButton(objectName="provincePdf")
        for b in (self.import_button, self.last_year_button, self.xlsx_button, self.pdf_button):
            bar.addWidget(b)
        bar.addStretch(1)
        self.tabs = QTabWidget(objectName="provinceTabs")
        self.status_table = _table("provinceStatus")
        self.duplicates_table = _table("provinceDuplicates")
        self.changes_table = _table("provinceChanges")
        self.sentence = QLabel(objectName="provinceSentence")
        self.sentence.setWordWrap(True)
        self.sentence.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.table_note = QLabel(objectName="provinceTableNote")   # what a table other than the results shows
        self.table_note.setWordWrap(True)
        self.table_note.setStyleSheet("color:#555")
        # the tables by commune: one chosen (as the workbook's sheets and the PDF's tables), a class at a time
        self.table_key = "results"
        self.household_class = HOUSEHOLD_CLASSES[0]
        self.by_key: dict[str, QTableWidget] = {k: _table(f"province_{k}") for k in TABLES}
        for t in self.by_key.values():   # numbers in columns as wide as they need, none stretched far from its name
            t.horizontalHeader().setStretchLastSection(False)
        self.results_table = self.by_key["results"]
        self.table_buttons: dict[str, QPushButton] = {}
        self.class_buttons: dict[str, QRadioButton] = {}
        choose = QHBoxLayout()
        self._table_group = QButtonGroup(self)
        for k in TABLES:
            b = QPushButton(objectName=f"provinceTable_{k}", checkable=True)
            b.setStyleSheet(CHOOSER)
            b.clicked.connect(lambda _checked=False, k=k: self.show_table(k))
            self._table_group.addButton(b)
            self.table_buttons[k] = b
            choose.addWidget(b)
        choose.addStretch(1)
        # a per-class table: which class (a row of its own, so the chooser fits the screen at the largest text)
        self.class_row = QWidget(objectName="provinceClassRow")
        classes = QHBoxLayout(self.class_row)
        classes.setContentsMargins(0, 0, 0, 0)
        self._class_group = QButtonGroup(self)
        self.class_label = QLabel(objectName="provinceClassLabel")
        classes.addWidget(self.class_label)
        for k in HOUSEHOLD_CLASSES:
            b = QRadioButton(objectName=f"provinceClass_{k}")
            b.clicked.connect(lambda _checked=False, k=k: self.show_table(self.table_key, k))
            self._class_group.addButton(b)
            self.class_buttons[k] = b
            classes.addWidget(b)
        classes.addStretch(1)
        self.stack = QStackedWidget(objectName="provinceTableStack")
        for k in TABLES:
            self.stack.addWidget(self.by_key[k])
        results = QWidget()
        lay = QVBoxLayout(results)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(choose)
        lay.addWidget(self.class_row)
        lay.addWidget(self.stack, 1)
        lay.addWidget(self.sentence)
        lay.addWidget(self.table_note)
        self._chosen()
        for w in (self.status_table, results, self.duplicates_table, self.changes_table):
            self.tabs.addTab(w, "")
        outer.addWidget(self.title)
        outer.addWidget(self.summary)
        outer.addLayout(bar)
        outer.addWidget(self.tabs, 1)
        language.changed.connect(self.retranslate)  # a bound method: let go when the widget goes
        self.retranslate()

    def retranslate(self, _language: str = "") -> None:
        self.import_button.setText(tr("gui.province.import"))
        self.last_year_button.setText(tr("gui.province.last_year"))
        self.from_workspace.setText(tr("gui.province.last_year.workspace"))
        self.from_workbook.setText(tr("gui.province.last_year.workbook"))
        self.typed_in.setText(tr("gui.province.last_year.typed"))
        self.xlsx_button.setText(tr("gui.province.xlsx"))
        self.pdf_button.setText(tr("gui.province.pdf"))
        for i, name in enumerate(TABS):
            self.tabs.setTabText(i, tr(f"gui.province.tab.{name}"))
        for k, b in self.table_buttons.items():
            b.setText(tr(f"gui.province.table.{k}"))
            b.setToolTip(tr(f"gui.province.table_tip.{k}"))
        self.class_label.setText(tr("gui.province.class_shown"))
        for k, b in self.class_buttons.items():
            b.setText(tr(f"province.class.{k}"))
        self._chosen()
        if self.target is not None:
            if self.isVisible():
                self.load()
            else:   # (another workspace is open in the window: its figures are read again when it shows)
                self._stale = True

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._stale and self.target is not None:
            self._stale = False
            self.load()

    def show_tab(self, name: str) -> None:
        self.tabs.setCurrentIndex(TABS.index(name))

    def show_table(self, key: str, household_class: str | None = None) -> None:
        """Show one of the tables by commune (TABLES) in the tables' tab; a per-class one for `household_class`
        (poor, near_poor; None: the class shown before)."""
        self.table_key = key
        if household_class is not None and household_class != self.household_class:
            self.household_class = household_class
            self._by_commune()
        self._chosen()

    def _chosen(self) -> None:
        """The chooser as the table chosen: its button checked, its table in front, the class's buttons where a
        table is split by class, the sentence under the results and a note under the others."""
        key = self.table_key
        self.table_buttons[key].setChecked(True)
        self.class_buttons[self.household_class].setChecked(True)
        self.stack.setCurrentWidget(self.by_key[key])
        self.class_row.setVisible(key in PER_CLASS)
        self.sentence.setVisible(key == "results")
        self.table_note.setVisible(key != "results")
        self.table_note.setText("" if key == "results" else tr(f"gui.province.table_note.{key}"))

    # --- what is shown ----------------------------------------------------------------------------------------------

    def open(self, target) -> None:
        """Show a province workspace (its info read first: a file that is not one is refused by the caller)."""
        self.target = target
        self.changed_now = set()
        self.load()

    def close(self) -> None:
        self.target = None
        self.tables = None
        self.statuses = []
        for t in (self.status_table, *self.by_key.values(), self.duplicates_table, self.changes_table):
            t.setRowCount(0)

    def load(self) -> None:
        """Read everything again from the province's database (queries: a twentieth of a second at 3 million
        households)."""
        if self.target is None:
            return
        lang = language.code
        info = province.info(self.target)
        self.statuses = province.status(self.target)
        self.tables = province.tables(self.target)
        deadline = province.deadline(self.target)
        self.title.setText(f"<h2>{tr('gui.province.title', province=info.province_name, year=info.review_year)}</h2>")
        counts = province.status_counts(self.statuses)
        text = province.status_summary(self.statuses, lang)
        text += " · " + (tr("gui.province.deadline", day=day(date.fromisoformat(deadline))) if deadline
                         else tr("gui.province.no_deadline"))
        if counts["changed"]:
            text += " · " + tr("gui.province.changed", n=counts["changed"])
        if self.changed_now:
            names = {r.code: r.name for r in self.statuses}
            text += " · " + tr("gui.province.changed_now", communes=", ".join(
                f"{names.get(c, '')} ({c})".strip() for c in sorted(self.changed_now)))
        self.summary.setText(text)
        self._status()
        self._by_commune()
        self._duplicates()
        self._changes()

    def _status(self) -> None:
        heads = [tr("province.col.code"), tr("province.col.commune"), tr("gui.province.col.state"),
                 tr("gui.province.col.sent"), tr("gui.province.col.households"), tr("gui.province.col.versions")]
        order = {"overdue": 0, "late": 1, "missing": 2, "reported": 3}   # what needs a call first
        rows, marked = [], set()
        for i, r in enumerate(sorted(self.statuses, key=lambda r: (order[r.state], r.code))):
            state = tr(f"province.status.{r.state}")
            if r.code in self.changed_now:
                state += " · " + tr("gui.province.col.changed_now")
                marked.add(i)
            rows.append([r.code, r.name, state, when(r.created_at) if r.created_at else "",
                         r.households if r.created_at else None,
                         tr("province.status.changed", n=r.versions - 1) if r.versions > 1 else ""])
        _fill(self.status_table, heads, rows, marked_rows=marked)

    def _by_commune(self) -> None:
        """Every table by commune from the province's tables (read once in `load`), with the workbook's columns: a
        row per commune that reported, the province's row last in bold; a per-class table with the class shown."""
        tb = self.tables
        if tb is None:
            return
        lang = language.code
        rows = rows_of(tb)
        for table in tables_of(tb, lang):
            columns = table.of_class(self.household_class)
            heads = [tr("province.col.code"), tr("province.col.commune"),
                     *(_first_upper(c.short) for c in columns)]
            tips = ["", "", *(c.heading for c in columns)]
            cells = [[r.code, r.name if r is not tb.province else tr("province.col.province_total", name=r.name),
                      *(shown(c, c.value(r)) for c in columns)] for r in rows]
            _fill(self.by_key[table.key], heads, cells, bold_rows={len(cells) - 1}, tips=tips, wrap=_wrapped)
        self.sentence.setText(province.sentence_of(tb, tb.province, lang))
        self._chosen()

    def _duplicates(self) -> None:
        heads = [tr("gui.province.col.how"), tr("province.col.code"), tr("gui.province.col.head"),
                 tr("gui.province.col.birth"), tr("gui.province.col.id_number"), tr("gui.province.col.uuid")]
        rows = []
        for d in province.duplicates(self.target):
            for commune, uuid, head, birth, idn in d.households:
                rows.append([tr(f"gui.province.how.{d.how}"), commune, head, _birth(birth), idn, uuid])
        if not rows:
            rows = [[tr("province.duplicates.none"), "", "", "", "", ""]]
        _fill(self.duplicates_table, heads, rows)

    def _changes(self) -> None:
        heads = [tr("province.col.code"), tr("province.col.commune"), tr("gui.province.col.sequence"), tr("gui.province.col.made"),
                 tr("gui.province.col.imported"), tr("gui.province.col.households"), tr("province.col.poor"),
                 tr("province.col.near_poor"), tr("gui.province.col.replaces"), tr("gui.province.col.file")]
        rows = [[r["commune_code"], r["commune_name"] or "", r["sequence"], when(r["created_at"]), when(r["imported_at"]), r["households"],
                 r["poor"], r["near_poor"], tr("gui.province.replaces") if r["replaced"] else "", r["file_name"]]
                for r in sorted(province.changes(self.target), key=lambda r: (r["imported_at"], bool(r["replaced"]),
                                                                        r["commune_code"]),
                                reverse=True)]   # the latest first (in one second: a replacement after a first)
        _fill(self.changes_table, heads, rows)

    # --- for the tests and the screenshot ---------------------------------------------------------------------------

    def cell(self, table: QTableWidget, row: int, column: int) -> str:
        item = table.item(row, column)
        return item.text() if item is not None else ""

    def column_texts(self, table: QTableWidget, column: int) -> list[str]:
        return [self.cell(table, r, column) for r in range(table.rowCount())]

    def headings(self, table: QTableWidget) -> list[str]:
        """A table's column headings as one line each (as the tooltips' workbook headings are not)."""
        return [" ".join(table.horizontalHeaderItem(c).text().split()) for c in range(table.columnCount())]

    def column(self, table: QTableWidget, heading: str) -> list[str]:
        """The texts of the column with that heading (on one line)."""
        return self.column_texts(table, self.headings(table).index(heading))


def _birth(text: str | None) -> str:
    """A birth date as the user reads it (16/07/1988); a year alone, or what is not a date, as it was given."""
    try:
        return day(date.fromisoformat(text)) if text and len(text) == 10 else (text or "")
    except ValueError:
        return text
