"""The dashboard, from the one count (services/figures.py), working or official figures at the flick of a switch:
per village its resident households, the households on the review's list, those still being filled (never counted),
the classes and the rates over resident households ("—" where a village's number is missing, and a line saying
so); progress per enumerator; deprivations per indicator as a bar chart; the Alkire–Foster figures as analysis
beside the official counts."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (QAbstractItemView, QButtonGroup, QGridLayout, QGroupBox, QHBoxLayout, QHeaderView,
                               QLabel, QRadioButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from fieldsurvey.gui.jobs import run_job
from fieldsurvey.gui.texts import language, number, percent, tr
from fieldsurvey.progress import run_to_end
from fieldsurvey.services import figures
from fieldsurvey.services import households
from fieldsurvey.services.households import FINISHED, STATUSES


class BarChart(QWidget):
    """Horizontal bars, one per indicator: share of classified households deprived in it."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("deprivationChart")
        self.bars: list[tuple[str, int, int]] = []  # label, count, out of
        self.setMinimumHeight(260)

    def set_bars(self, bars: list[tuple[str, int, int]]) -> None:
        self.bars = bars
        self.setMinimumHeight(24 * len(bars) + 16)
        self.update()

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        p.fillRect(self.rect(), QColor("#ffffff"))
        if not self.bars:
            p.drawText(self.rect(), Qt.AlignCenter, tr("gui.dash.no_data"))
            return
        fm = p.fontMetrics()
        label_w = min(max(fm.horizontalAdvance(b[0]) for b in self.bars) + 12, int(self.width() * 0.45))
        value_w = fm.horizontalAdvance("100,0 % (99.999)") + 10
        row_h = max(20, (self.height() - 8) // len(self.bars))
        top = 4
        bar_max = max(10, self.width() - label_w - value_w - 12)
        for i, (label, count, out_of) in enumerate(self.bars):
            y = top + i * row_h
            share = count / out_of if out_of else 0.0
            p.setPen(QColor("#212529"))
            p.drawText(QRectF(4, y, label_w - 8, row_h), Qt.AlignVCenter | Qt.AlignRight,
                       fm.elidedText(label, Qt.ElideRight, label_w - 8))
            p.fillRect(QRectF(label_w, y + 3, max(1.0, bar_max * share), row_h - 6), QColor("#c0392b"))
            p.drawText(QRectF(label_w + bar_max * share + 6, y, value_w + 40, row_h), Qt.AlignVCenter,
                       f"{percent(share)} ({number(count)})")
        p.end()


def _two_lines(head: str) -> str:
    """A long column heading on two lines (at the space nearest its middle), so the columns stay narrow."""
    if len(head) <= 12 or " " not in head:
        return head
    middle = len(head) // 2
    cut = min((i for i, ch in enumerate(head) if ch == " "), key=lambda i: abs(i - middle))
    return head[:cut] + "\n" + head[cut + 1:]


def _table(name: str) -> QTableWidget:
    t = QTableWidget(0, 0, objectName=name)
    t.setTabKeyNavigation(False)   # Tab leaves the table (arrows move inside it)
    t.verticalHeader().setVisible(False)
    t.verticalHeader().setDefaultSectionSize(24)
    t.setEditTriggers(QAbstractItemView.NoEditTriggers)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
    t.horizontalHeader().setStretchLastSection(True)
    t.setFocusPolicy(Qt.NoFocus)
    t.setSelectionMode(QAbstractItemView.NoSelection)
    return t


class DashboardView(QWidget):
    def __init__(self, workspace, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("dashboardView")
        self.workspace = workspace   # controllers.WorkspaceController
        self.data = None
        self.job = None
        self._again = False
        outer = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.working = QRadioButton(objectName="workingFigures")
        self.official = QRadioButton(objectName="officialFigures")
        self.working.setChecked(True)
        self.scope = QButtonGroup(self)
        for b in (self.working, self.official):
            self.scope.addButton(b)
            bar.addWidget(b)
        bar.addStretch(1)
        outer.addLayout(bar)
        self.showing = QLabel(objectName="figuresShown")   # which figures are on screen, and who they count
        self.showing.setWordWrap(True)
        self.showing.setStyleSheet("background:#e7f1ff; color:#084298; padding:4px")
        outer.addWidget(self.showing)
        grid = QGridLayout()
        outer.addLayout(grid, 1)
        self.village_box, self.people_box = QGroupBox(), QGroupBox()
        self.chart_box, self.af_box = QGroupBox(), QGroupBox()
        self.villages = _table("villageTable")
        self.villages.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)   # every column in sight
        self.residents_note = QLabel(objectName="residentsNote")   # said on screen, not only in a tooltip
        self.residents_note.setWordWrap(True)
        self.residents_note.setStyleSheet("color:#664d03; background:#fff3cd; padding:4px")
        self.residents_note.hide()
        self.people = _table("enumeratorTable")
        self.chart = BarChart()
        self.af = QLabel(objectName="afFigures")
        self.af.setWordWrap(True)
        self.af.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        for box, w in ((self.village_box, self.villages), (self.people_box, self.people),
                       (self.chart_box, self.chart), (self.af_box, self.af)):
            QVBoxLayout(box).addWidget(w)
        self.village_box.layout().addWidget(self.residents_note)
        grid.addWidget(self.village_box, 0, 0, 1, 2)   # the results: the whole width, every column in sight
        grid.addWidget(self.people_box, 1, 0)
        grid.addWidget(self.chart_box, 1, 1, 2, 1)
        grid.addWidget(self.af_box, 2, 0)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(0, 5)
        grid.setRowStretch(1, 3)
        grid.setRowStretch(2, 2)
        self.official.toggled.connect(lambda _on: self.load())
        language.changed.connect(self.retranslate)  # a bound method: let go when the widget goes
        self.retranslate()

    def retranslate(self, _language: str = "") -> None:
        self.working.setText(tr("gui.dash.scope.working"))
        self.official.setText(tr("gui.dash.scope.official"))
        self.village_box.setTitle(tr("gui.dash.villages"))
        self.people_box.setTitle(tr("gui.dash.enumerators"))
        self.chart_box.setTitle(tr("gui.dash.deprivations"))
        self.af_box.setTitle(tr("gui.dash.af"))
        self.show_data(self.data)

    def wants_official(self) -> bool:
        """Whether the official figures (approved households only) are asked for, rather than the working ones."""
        return self.official.isChecked()

    def set_official(self, official: bool) -> None:
        (self.official if official else self.working).setChecked(True)

    def load(self, wait: bool = False) -> None:
        """Count the commune again (the one count, services/figures.py): on a worker thread with progress, or at
        once with `wait` (the screenshot mode, tests)."""
        if self.workspace.path is None:
            return
        official = self.wants_official()
        if wait:
            self.show_data(run_to_end(figures.dashboard(self.workspace.ws, official)))
            return
        if self.job is not None and self.job.running:
            self._again = True   # asked while counting: counted again when this count is done (`_counted`)
            return
        self._again = False
        self.job = run_job(figures.dashboard_for(self.workspace.path, official), tr("gui.job.dashboard"), self,
                           on_done=self._counted)

    def _counted(self, d) -> None:
        self.show_data(d)
        if self._again or self.shows_official() != self.wants_official():   # changed, or switched, meanwhile
            self.load()

    def shows_official(self) -> bool | None:
        """Whether the figures on screen are the official ones (None: none on screen)."""
        return None if self.data is None else self.data.figures.scope == "official"

    def show_data(self, d) -> None:
        self.data = d
        if d is None:
            self.villages.setRowCount(0)
            self.people.setRowCount(0)
            self.chart.set_bars([])
            self.af.setText(tr("gui.dash.no_data"))
            self.showing.setText("")
            self.residents_note.hide()
            return
        lang = language.code
        fig = d.figures
        official = self.shows_official()
        c = fig.commune
        self.showing.setText(tr("gui.dash.showing.official", counted=c.counted, waiting=c.waiting) if official
                             else tr("gui.dash.showing.working", counted=c.counted, in_progress=c.in_progress))
        self._villages(fig, official)
        present = [s for s in STATUSES if any(statuses.get(s) for _owner, statuses in d.enumerators)]
        heads = [tr("gui.dash.col.enumerator"), tr("gui.dash.col.households"), tr("gui.dash.col.finished"),
                 tr("gui.dash.col.share_done")] + [tr(f"status.{s}") for s in present]
        rows = []
        for owner, statuses in d.enumerators:
            total = sum(statuses.values())
            done = sum(statuses.get(s, 0) for s in FINISHED)
            rows.append([households.person(d.names, owner) or "—", total, done, done / total if total else 0] +
                        [statuses.get(s, 0) for s in present])
        self._fill(self.people, heads, rows, rate_cols=(3,))
        self.chart.set_bars([(f"{n}. {vi if lang == 'vi' else en}", fig.indicator_deprived[i],
                              fig.indicator_known[i]) for n, i, vi, en in fig.indicators])
        af = fig.af
        top = sorted(af.contribution.items(), key=lambda kv: -kv[1])[:3]
        names = {i: (vi if lang == "vi" else en) for _, i, vi, en in fig.indicators}
        self.af.setText("<br>".join([
            tr("gui.dash.af_note", k=percent(d.af_k)),
            tr("gui.dash.af_h", value=percent(af.H)),
            tr("gui.dash.af_a", value=percent(af.A)),
            tr("gui.dash.af_m0", value=number(af.M0, 3)),
            tr("gui.dash.af_counted", n=number(af.households), excluded=number(af.excluded)),
            tr("gui.dash.af_top", items=", ".join(f"{names[k]} {percent(v)}" for k, v in top)),
        ]))

    def _villages(self, fig, official: bool) -> None:
        """Per village and for the commune: resident households, on the list, being filled (not counted), waiting
        for approval (the official figures: not counted), finished but not classifiable yet, each class, and the
        rates over resident households — "—" where the village's number is missing, and a line naming them."""
        columns = [("village", tr("gui.dash.col.village")), ("residents", tr("gui.dash.col.residents")),
                   ("listed", tr("gui.dash.col.listed")), ("in_progress", tr("gui.dash.col.in_progress"))]
        if official:
            columns.append(("waiting", tr("gui.dash.col.waiting")))
        columns += [("unclassified", tr("gui.dash.col.unclassified")), ("poor", tr("class.poor")),
                    ("poverty_rate", tr("gui.dash.col.poverty_rate")), ("near_poor", tr("class.near_poor")),
                    ("near_poverty_rate", tr("gui.dash.col.near_poverty_rate")),
                    ("average", tr("gui.dash.col.average")),
                    ("not_poor", tr("class.not_poor"))]
        rows = []
        for unit in fig.villages + [fig.commune]:
            name = (unit.name if unit is not fig.commune else tr("gui.dash.total")) or "—"
            if unit is not fig.commune and unit.name in fig.unlisted:   # named by households, not on the list
                name = tr("gui.dash.unlisted_village", village=name)
            values = {"village": name,
                      "not_poor": unit.classes["not_poor"]}
            for key, _head in columns:
                if key not in values:
                    value = getattr(unit, key)
                    values[key] = value / 100 if key.endswith("_rate") and value is not None else value
            rows.append([values[key] for key, _head in columns])
        keys = [key for key, _head in columns]
        self._fill(self.villages, [head for _key, head in columns], rows,
                   rate_cols=tuple(i for i, k in enumerate(keys) if k.endswith("_rate")))
        for i, key in enumerate(keys):
            self.villages.horizontalHeaderItem(i).setData(Qt.UserRole, key)
        to_enter = [v for v in fig.residents_missing if v not in fig.unlisted]   # (an unlisted one: said below)
        missing = tr("gui.dash.no_residents", villages=", ".join(to_enter)) + " " + \
            tr("gui.dash.residents_hint") if to_enter else ""
        if fig.unlisted:
            missing = " ".join(filter(None, [missing, tr("gui.dash.unlisted", villages=", ".join(fig.unlisted))]))
        self.villages.setToolTip(missing)
        self.residents_note.setText(missing)
        self.residents_note.setVisible(bool(missing))

    def village_column(self, key: str) -> int:
        """The village table's column of a figure ("residents", "listed", "poor", "poverty_rate"…; -1: not shown)."""
        for i in range(self.villages.columnCount()):
            if self.villages.horizontalHeaderItem(i).data(Qt.UserRole) == key:
                return i
        return -1

    @staticmethod
    def _fill(table: QTableWidget, heads: list[str], rows: list[list], rate_cols: tuple[int, ...]) -> None:
        table.setColumnCount(len(heads))
        table.setHorizontalHeaderLabels([_two_lines(h) for h in heads])
        table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if v is None:
                    text = "—"   # not known: a village's resident households not entered (the tooltip says)
                else:
                    text = percent(v) if c in rate_cols else (number(v) if isinstance(v, (int, float)) else str(v))
                item = QTableWidgetItem(text)
                if c:
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                if r == len(rows) - 1 and table.objectName() == "villageTable":
                    f = item.font()
                    f.setBold(True)
                    item.setFont(f)
                table.setItem(r, c, item)
