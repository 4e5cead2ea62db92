"""The live classification: class, income (or B1 score) against the line, the indicators with deprived / not /
unknown and the reason, and what is still missing. Shows a `Classification`; decides nothing itself."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QAbstractItemView, QHeaderView, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout,
                               QWidget)

from fieldsurvey.gui.models import CLASS_COLOURS
from fieldsurvey.gui.texts import language, money, number, tr, larger

STATUS_COLOURS = {"deprived": "#842029", "not_deprived": "#0f5132", "unknown": "#6c757d"}
STATUS_MARK = {"deprived": "✗", "not_deprived": "✓", "unknown": "?"}


def missing_label(path: str, labels: dict[str, str]) -> str:
    """household.floor_area → the question's label in the household's form; members[m2].x → "label (m2)"."""
    head, _, name = path.rpartition(".")
    text = labels.get(name)
    if text is None:
        return path
    if head.startswith("members"):
        who = head[len("members"):].strip(".[]")
        return f"{text} ({who})" if who else text
    return text


class ClassificationPanel(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("classificationPanel")
        self.result = None
        self.labels: dict[str, str] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        self.heading = QLabel(objectName="panelHeading")
        self.badge = QLabel(objectName="classBadge")
        self.badge.setAlignment(Qt.AlignCenter)
        self.badge.setMinimumHeight(34)
        self.summary = QLabel(objectName="classSummary")
        self.summary.setWordWrap(True)
        self.income = QLabel(objectName="incomeLine")
        self.income.setWordWrap(True)
        self.table = QTableWidget(0, 3, objectName="indicatorTable")
        self.table.setTabKeyNavigation(False)   # Tab leaves the table (arrows move inside it)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.NoSelection)
        self.table.setFocusPolicy(Qt.NoFocus)
        self.table.setWordWrap(True)
        self.table.setTextElideMode(Qt.ElideNone)
        h = self.table.horizontalHeader()
        h.setSectionResizeMode(0, QHeaderView.ResizeToContents)
        h.setSectionResizeMode(1, QHeaderView.ResizeToContents)
        h.setSectionResizeMode(2, QHeaderView.Stretch)
        h.sectionResized.connect(lambda *_: self.table.resizeRowsToContents())
        self.missing = QLabel(objectName="missingList")
        self.missing.setWordWrap(True)
        for w in (self.heading, self.badge, self.summary, self.income):
            layout.addWidget(w)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.missing)
        self.table.viewport().installEventFilter(self)
        language.changed.connect(self.retranslate)  # a bound method: let go when the widget goes
        self.retranslate()

    def eventFilter(self, obj, event) -> bool:
        if obj is self.table.viewport() and event.type() in (QEvent.Resize, QEvent.Show):
            # the reasons wrap to the width the table has once the header has stretched its last column
            QTimer.singleShot(0, self.table.resizeRowsToContents)
        return False

    def retranslate(self, _language: str = "") -> None:
        self.heading.setText(f"<b>{tr('gui.panel.title')}</b>")
        self.table.setHorizontalHeaderLabels([tr("gui.panel.col.number"), tr("gui.panel.col.status"),
                                              tr("gui.panel.col.indicator")])
        self.show_result(self.result)

    def show_problem(self, message: str) -> None:
        """The household cannot be classified as it stands (an answer that does not fit): say why."""
        self.show_result(None)
        self.badge.setText(tr("gui.panel.cannot"))
        self.summary.setText(message)

    def show_result(self, result, labels: dict[str, str] | None = None) -> None:
        """Show a classification; `labels` name the questions still missing (the household's form)."""
        self.result = result
        if labels is not None:
            self.labels = labels
        lang = language.code
        if result is None:
            self.badge.setText(tr("gui.panel.none"))
            self.badge.setStyleSheet("")
            self.summary.setText("")
            self.income.setText("")
            self.table.setRowCount(0)
            self.missing.setText("")
            return
        cls = result.household_class.value
        bg, fg = CLASS_COLOURS.get(cls, ("#ffffff", "#000000"))
        self.badge.setText(result.household_class.label(lang))
        self.badge.setStyleSheet(f"background:{bg}; color:{fg}; font-weight:bold; font-size:{larger(4)}pt; "
                                 f"border:1px solid {fg}; border-radius:4px; padding:4px")
        self.summary.setText(result.summary.text(lang))
        inc = result.income
        if inc.b1_score is not None:
            self.income.setText(tr("gui.panel.b1", score=number(inc.b1_score), threshold=number(inc.b1_threshold)))
        elif inc.per_person_month is not None:
            self.income.setText(tr("gui.panel.income", income=money(inc.per_person_month), line=money(inc.line)))
        else:
            self.income.setText(tr("gui.panel.income_unknown"))
        self.income.setText(self.income.text() + "  ·  " + tr("gui.panel.b2", deprived=result.deprivation_count,
                                                              n=len(result.indicators), b2=result.b2_score))
        self.table.setRowCount(len(result.indicators))
        for r, ind in enumerate(result.indicators):
            status = ind.status.value
            cells = [str(ind.number), f"{STATUS_MARK[status]} {tr('status.' + status)}",
                     f"{ind.name_vi if lang == 'vi' else ind.name_en}: {ind.reason.text(lang)}"]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c == 1:
                    item.setForeground(QBrush(QColor(STATUS_COLOURS[status])))
                item.setToolTip(cells[2])
                self.table.setItem(r, c, item)
        self.table.resizeRowsToContents()
        if result.missing:
            names = ", ".join(missing_label(m, self.labels) for m in result.missing[:12])
            more = len(result.missing) - 12
            self.missing.setText(tr("gui.panel.missing", items=names) + (f" (+{more})" if more > 0 else ""))
        else:
            self.missing.setText(tr("gui.panel.nothing_missing"))
