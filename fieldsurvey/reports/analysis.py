"""The analysis, a document of its own beside the official tables (never instead of them): charts of the poor and
near-poor rates by village and of the share deprived per indicator, and the Alkire–Foster measures — H, A, M0 = H × A
with k = 1/3 and equal nested weights, and by indicator the weight, the uncensored and censored headcounts and the
contribution to M0. A4 landscape, in the state font; marked as analysis on every page, with no draft or official copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO, Any, Sequence

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.platypus import KeepTogether, PageBreak, Paragraph, Spacer, Table, TableStyle

from fieldsurvey.i18n import format_number
from fieldsurvey.reports.base import (FONT, FONT_BOLD, GRID, LANDSCAPE, SHADE, DocumentStart, Renderer, ReportContext,
                                      column_widths, escape)
from fieldsurvey.domain.figures import NEAR, POOR, CommuneFigures

POOR_COLOUR = colors.HexColor("#b03a2e")
NEAR_COLOUR = colors.HexColor("#e59866")


@dataclass
class AnalysisTable:
    title: str
    header: list[str]
    rows: list[list[Any]]
    note: str = ""


def af_table(fig: CommuneFigures, ctx: ReportContext) -> AnalysisTable:
    tr = ctx.tr
    af = fig.af
    header = ["#", tr("report.col.indicator"), tr("report.summary.af.weight"), tr("report.summary.af.uncensored"),
              tr("report.summary.af.censored"), tr("report.summary.af.contribution")]
    rows = [[n, vi if ctx.lang == "vi" else en, round(100 * af.weights[i], 2), round(100 * af.uncensored[i], 2),
             round(100 * af.censored[i], 2), round(100 * af.contribution[i], 2)]
            for n, i, vi, en in fig.indicators]
    return AnalysisTable(tr("report.summary.af.by_indicator"), header, rows)


def af_headline(fig: CommuneFigures, ctx: ReportContext) -> list[tuple[str, float | int]]:
    af = fig.af
    return [(ctx.tr("report.summary.af.n"), af.households), (ctx.tr("report.summary.af.h"), round(100 * af.H, 2)),
            (ctx.tr("report.summary.af.a"), round(100 * af.A, 2)), (ctx.tr("report.summary.af.m0"), round(af.M0, 4))]


class AnalysisRenderer(Renderer):
    title_key = "report.analysis.doc_title"
    pagesize = LANDSCAPE
    marks = "analysis"

    def heading(self) -> list:
        ctx = self.ctx
        return [DocumentStart(), self.p(self.tr("report.analysis.title", year=ctx.review_year), "title"),
                self.p(self.tr("report.summary.unit", commune=ctx.commune_name, province=ctx.province_name)
                       + " · " + ctx.round_text + " · " + ctx.printed_text, "subtitle"),
                self.p(self.tr("report.analysis.not_official"), "note"), Spacer(1, 6)]

    def bar_chart(self, title: str, categories: list[str], series: list[tuple[str, list[float], colors.Color]],
                  width: float, height: float = 150) -> Drawing:
        d = Drawing(width, height + 40, initialFontName=FONT, initialFontSize=8)   # not Helvetica
        d.add(String(0, height + 26, title, fontName=FONT_BOLD, fontSize=10))
        chart = VerticalBarChart()
        chart.x, chart.y = 34, 34
        chart.width, chart.height = width - 50, height - 20
        chart.data = [values for _, values, _ in series] or [[0]]
        chart.categoryAxis.categoryNames = categories
        chart.categoryAxis.labels.fontName = FONT
        chart.categoryAxis.labels.fontSize = 8
        chart.categoryAxis.labels.angle = 30 if max((len(c) for c in categories), default=0) > 4 else 0
        chart.categoryAxis.labels.boxAnchor = "ne" if chart.categoryAxis.labels.angle else "n"
        chart.valueAxis.labels.fontName = FONT
        chart.valueAxis.labels.fontSize = 8
        chart.valueAxis.valueMin = 0
        top = max((max(v) for _, v, _ in series if v), default=0)
        chart.valueAxis.valueMax = max(1.0, top * 1.15)
        chart.valueAxis.labelTextFormat = lambda v: format_number(v, self.ctx.lang, 1 if top < 10 else 0)
        chart.barLabels.fontName = FONT
        chart.barLabels.fontSize = 7
        chart.barLabelFormat = lambda v: format_number(v, self.ctx.lang, 1)
        chart.barLabels.nudge = 6
        for i, (_, _, colour) in enumerate(series):
            chart.bars[i].fillColor = colour
            chart.bars[i].strokeColor = None
        d.add(chart)
        legend = Legend()
        legend.x, legend.y = width - 170, height + 30
        legend.fontName = FONT
        legend.fontSize = 8.5
        legend.alignment = "right"
        legend.columnMaximum = 1
        legend.colorNamePairs = [(colour, name) for name, _, colour in series]
        d.add(legend)
        return d

    def charts(self, fig: CommuneFigures) -> list:
        tr = self.tr
        villages = fig.villages
        width = self.width
        rates = self.bar_chart(tr("report.summary.chart.rates"), [v.name for v in villages] + [
            tr("report.col.commune_total")],
            [(tr("report.col.poor"), [v.poverty_rate for v in villages] + [fig.commune.poverty_rate], POOR_COLOUR),
             (tr("report.col.near_poor"), [v.near_poverty_rate for v in villages] + [fig.commune.near_poverty_rate],
              NEAR_COLOUR)], width)
        n_poor, n_near = fig.class_count(POOR), fig.class_count(NEAR)
        deprivations = self.bar_chart(
            tr("report.summary.chart.deprivations"), [str(n) for n, *_ in fig.indicators],
            [(tr("report.col.poor"), [100.0 * fig.deprivations[POOR][i] / n_poor if n_poor else 0.0
                                      for _, i, *_ in fig.indicators], POOR_COLOUR),
             (tr("report.col.near_poor"), [100.0 * fig.deprivations[NEAR][i] / n_near if n_near else 0.0
                                           for _, i, *_ in fig.indicators], NEAR_COLOUR)], width)
        names = "; ".join(f"{num}. {vi if self.ctx.lang == 'vi' else en}" for num, _, vi, en in fig.indicators)
        return [self.p(tr("report.summary.charts"), "h2"), rates, Spacer(1, 10), deprivations,
                self.p(names, "note")]

    def table(self, data: AnalysisTable, width: float) -> list:
        s = self.styles
        rows = [[Paragraph(escape(h), s["head_cell"]) for h in data.header]]
        for row in data.rows:
            cells = []
            for v in row:
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    cells.append(Paragraph(format_number(v, self.ctx.lang, 0 if isinstance(v, int) else 2),
                                           s["cell_right"]))
                else:
                    cells.append(Paragraph(escape(str(v)), s["cell"]))
            rows.append(cells)
        t = Table(rows, colWidths=column_widths(data.header, (0.4, 4, 1, 1, 1, 1), width), repeatRows=1)
        t.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT), ("GRID", (0, 0), (-1, -1), 0.4, GRID),
                               ("BACKGROUND", (0, 0), (-1, 0), SHADE), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
        return [KeepTogether([self.p(data.title, "h3"), t])]

    def alkire_foster(self, fig: CommuneFigures) -> list:
        af = fig.af
        head = af_headline(fig, self.ctx)
        s = self.styles
        lines = [[Paragraph(escape(k), s["body"]),
                  Paragraph(format_number(v, self.ctx.lang, 0 if isinstance(v, int) else (4 if k == head[3][0]
                                                                                           else 2))
                            + ("" if isinstance(v, int) or k == head[3][0] else " %"), s["cell_right"])]
                 for k, v in head]
        box = Table(lines, colWidths=(300, 90))
        box.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT), ("GRID", (0, 0), (-1, -1), 0.4, GRID)]))
        k_text = format_number(af.k, self.ctx.lang, 2)
        return [self.p(self.tr("report.summary.af"), "h2"),
                self.p(self.tr("report.summary.af.note", k=k_text, excluded=af.excluded), "note"), Spacer(1, 6),
                box, Spacer(1, 8)] + self.table(af_table(fig, self.ctx), self.width * 0.8)


def write_analysis(fig: CommuneFigures, records: Sequence[Any], ctx: ReportContext, out: IO[bytes] | str) -> int:
    """The analysis into one PDF; returns the page count."""
    r = AnalysisRenderer(ctx)
    story = r.heading() + r.charts(fig) + [PageBreak()] + r.alkire_foster(fig)
    return r.build(story, out)
