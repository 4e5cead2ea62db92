"""The dashboard: households done per village and per enumerator; poor and near-poor counts and rates per village;
deprivations per indicator as a bar chart; the Alkire–Foster figures as analysis beside the official counts."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (QAbstractItemView, QGridLayout, QGroupBox, QHeaderView, QLabel, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from fieldsurvey.gui.jobs import run_job
from fieldsurvey.gui.texts import language, number, percent, tr
from fieldsurvey.progress import run_to_end
from fieldsurvey.services import figures
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


def _table(name: str) -> QTableWidget:
    t = QTableWidget(0, 0, objectName=name)
    t.verticalHeader().setVisible(False)
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
        grid = QGridLayout(self)
        self.village_box, self.people_box = QGroupBox(), QGroupBox()
        self.chart_box, self.af_box = QGroupBox(), QGroupBox()
        self.villages = _table("villageTable")
        self.people = _table("enumeratorTable")
        self.chart = BarChart()
        self.af = QLabel(objectName="afFigures")
        self.af.setWordWrap(True)
        self.af.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        for box, w in ((self.village_box, self.villages), (self.people_box, self.people),
                       (self.chart_box, self.chart), (self.af_box, self.af)):
            QVBoxLayout(box).addWidget(w)
        grid.addWidget(self.village_box, 0, 0)
        grid.addWidget(self.chart_box, 0, 1)
        grid.addWidget(self.people_box, 1, 0)
        grid.addWidget(self.af_box, 1, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(0, 3)
        grid.setRowStretch(1, 2)
        language.changed.connect(self.retranslate)  # a bound method: let go when the widget goes
        self.retranslate()

    def retranslate(self, _language: str = "") -> None:
        self.village_box.setTitle(tr("gui.dash.villages"))
        self.people_box.setTitle(tr("gui.dash.enumerators"))
        self.chart_box.setTitle(tr("gui.dash.deprivations"))
        self.af_box.setTitle(tr("gui.dash.af"))
        self.show_data(self.data)

    def load(self, wait: bool = False) -> None:
        """Count the commune again (the one count, services/figures.py): on a worker thread with progress, or at
        once with `wait` (the screenshot mode, tests)."""
        if self.workspace.path is None:
            return
        if wait:
            self.show_data(run_to_end(figures.dashboard(self.workspace.ws)))
            return
        if self.job is not None and self.job.running:
            return
        self.job = run_job(figures.dashboard_for(self.workspace.path), tr("gui.job.dashboard"), self,
                           on_done=self.show_data)

    def show_data(self, d) -> None:
        self.data = d
        if d is None:
            self.villages.setRowCount(0)
            self.people.setRowCount(0)
            self.chart.set_bars([])
            self.af.setText(tr("gui.dash.no_data"))
            return
        lang = language.code
        fig = d.figures
        heads = [tr("gui.dash.col.village"), tr("gui.dash.col.residents"), tr("gui.dash.col.listed"),
                 tr("gui.dash.col.in_progress"), tr("class.poor"), tr("gui.dash.col.rate"), tr("class.near_poor"),
                 tr("gui.dash.col.rate"), tr("gui.dash.col.average")]
        rows = []
        for unit in fig.villages + [fig.commune]:
            name = unit.name if unit is not fig.commune else tr("gui.dash.total")
            rows.append([name or "—", unit.residents, unit.listed, unit.in_progress, unit.poor,
                         None if unit.poverty_rate is None else unit.poverty_rate / 100, unit.near_poor,
                         None if unit.near_poverty_rate is None else unit.near_poverty_rate / 100, unit.average])
        self._fill(self.villages, heads, rows, rate_cols=(5, 7))
        self.villages.setToolTip(tr("gui.dash.no_residents", villages=", ".join(fig.residents_missing))
                                 if fig.residents_missing else "")
        heads = [tr("gui.dash.col.enumerator"), tr("gui.dash.col.households"), tr("gui.dash.col.finished"),
                 tr("gui.dash.col.share_done")] + [tr(f"status.{s}") for s in STATUSES]
        rows = []
        for owner, statuses in d.enumerators:
            total = sum(statuses.values())
            done = sum(statuses.get(s, 0) for s in FINISHED)
            rows.append([owner or "—", total, done, done / total if total else 0] +
                        [statuses.get(s, 0) for s in STATUSES])
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

    @staticmethod
    def _fill(table: QTableWidget, heads: list[str], rows: list[list], rate_cols: tuple[int, ...]) -> None:
        table.setColumnCount(len(heads))
        table.setHorizontalHeaderLabels(heads)
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
