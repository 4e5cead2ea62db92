"""The commune's summary (báo cáo tổng hợp), A4 landscape: results by village with rates; movement of poor and
near-poor households; deprivations per indicator (columns 1 … 12 in the official order) for poor and for near-poor;
target groups, ethnicity, causes and child deprivations; charts (rates by village, deprivations by indicator);
detailed lists of poor and near-poor households with their members; and the Alkire–Foster page, labelled as analysis.
"""

from __future__ import annotations

from dataclasses import replace
from typing import IO, Sequence

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.platypus import CondPageBreak, KeepTogether, PageBreak, Paragraph, Spacer, Table, TableStyle

from fieldsurvey.i18n import format_number
from fieldsurvey.reports.base import (FONT, FONT_BOLD, GRID, LANDSCAPE, SHADE, Renderer, ReportContext, column_widths,
                                      escape)
from fieldsurvey.reports.stateformat import state_format
from fieldsurvey.reports.figures import NEAR, POOR, CommuneFigures
from fieldsurvey.reports.records import HouseholdRecord
from fieldsurvey.reports.tables import (TableData, af_headline, af_table, deprivation_table, group_tables,
                                        household_header, household_rows, movement_table, percent_row_index,
                                        results_table)

POOR_COLOUR = colors.HexColor("#b03a2e")
NEAR_COLOUR = colors.HexColor("#e59866")
WIDTH = LANDSCAPE[0] - state_format().left - state_format().right


class SummaryRenderer(Renderer):
    title_key = "report.summary.doc_title"
    pagesize = LANDSCAPE

    def cell(self, value, percent: bool, bold: bool) -> Paragraph:
        s = self.styles
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            text = format_number(value, self.ctx.lang, 2 if percent else 0)
            style = s["cell_right"]
        else:
            text = escape(str(value))
            style = s["cell"]
        return Paragraph(f"<b>{text}</b>" if bold else text, style)

    def table(self, data: TableData, width: float = WIDTH, keep: bool = True) -> list:
        s = self.styles
        pct_row = percent_row_index(data)
        rows = [[Paragraph(escape(h), s["head_cell"]) for h in data.header]]
        for r, row in enumerate(data.rows):
            rows.append([self.cell(v, c in data.percent_cols or r == pct_row, r in data.bold_rows)
                         for c, v in enumerate(row)])
        t = Table(rows, colWidths=column_widths(data.header, data.widths or (1,) * len(data.header), width),
                  repeatRows=1)
        style = [("FONTNAME", (0, 0), (-1, -1), FONT), ("GRID", (0, 0), (-1, -1), 0.4, GRID), ("BACKGROUND", (0, 0), (-1, 0), SHADE),
                 ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                 ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5)]
        for r in data.bold_rows:
            style.append(("BACKGROUND", (0, r + 1), (-1, r + 1), colors.HexColor("#f4f4f4")))
        t.setStyle(TableStyle(style))
        title = self.p(data.title, "h3")
        out: list = [KeepTogether([title, t])] if keep and len(data.rows) < 30 else [title, t]
        if data.note:
            out += [Spacer(1, 2), self.p(data.note, "note")]
        return out

    def heading(self) -> list:
        ctx = self.ctx
        return [self.p(self.tr("report.summary.title", year=ctx.review_year), "title"),
                self.p(self.tr("report.summary.unit", commune=ctx.commune_name, province=ctx.province_name)
                       + " · " + ctx.round_text + " · " + ctx.printed_text, "subtitle"),
                self.p(self.tr("report.summary.standard", title=ctx.standard.title(ctx.lang))
                       + (" " + self.tr("report.provisional") if ctx.standard.provisional else ""), "note"),
                Spacer(1, 4)]

    def bar_chart(self, title: str, categories: list[str], series: list[tuple[str, list[float], colors.Color]],
                  width: float, height: float = 160) -> Drawing:
        d = Drawing(width, height + 40, initialFontName=FONT, initialFontSize=7)   # not Helvetica
        d.add(String(0, height + 26, title, fontName=FONT_BOLD, fontSize=9))
        chart = VerticalBarChart()
        chart.x, chart.y = 34, 34
        chart.width, chart.height = width - 50, height - 20
        chart.data = [values for _, values, _ in series] or [[0]]
        chart.categoryAxis.categoryNames = categories
        chart.categoryAxis.labels.fontName = FONT
        chart.categoryAxis.labels.fontSize = 7
        chart.categoryAxis.labels.angle = 30 if max((len(c) for c in categories), default=0) > 4 else 0
        chart.categoryAxis.labels.boxAnchor = "ne" if chart.categoryAxis.labels.angle else "n"
        chart.valueAxis.labels.fontName = FONT
        chart.valueAxis.labels.fontSize = 7
        chart.valueAxis.valueMin = 0
        top = max((max(v) for _, v, _ in series if v), default=0)
        chart.valueAxis.valueMax = max(1.0, top * 1.15)
        chart.valueAxis.labelTextFormat = lambda v: format_number(v, self.ctx.lang, 1 if top < 10 else 0)
        chart.barLabels.fontName = FONT
        chart.barLabels.fontSize = 6
        chart.barLabelFormat = lambda v: format_number(v, self.ctx.lang, 1)
        chart.barLabels.nudge = 6
        for i, (_, _, colour) in enumerate(series):
            chart.bars[i].fillColor = colour
            chart.bars[i].strokeColor = None
        d.add(chart)
        legend = Legend()
        legend.x, legend.y = width - 170, height + 30
        legend.fontName = FONT
        legend.fontSize = 7.5
        legend.alignment = "right"
        legend.columnMaximum = 1
        legend.colorNamePairs = [(colour, name) for name, _, colour in series]
        d.add(legend)
        return d

    def charts(self, fig: CommuneFigures) -> list:
        tr = self.tr
        villages = fig.villages
        rates = self.bar_chart(tr("report.summary.chart.rates"), [v.name for v in villages] + [
            tr("report.col.commune_total")],
            [(tr("report.col.poor"), [v.poverty_rate for v in villages] + [fig.commune.poverty_rate], POOR_COLOUR),
             (tr("report.col.near_poor"), [v.near_poverty_rate for v in villages] + [fig.commune.near_poverty_rate],
              NEAR_COLOUR)], WIDTH)
        n_poor, n_near = fig.class_count(POOR), fig.class_count(NEAR)
        deprivations = self.bar_chart(
            tr("report.summary.chart.deprivations"), [str(n) for n, *_ in fig.indicators],
            [(tr("report.col.poor"), [100.0 * fig.deprivations[POOR][i] / n_poor if n_poor else 0.0
                                      for _, i, *_ in fig.indicators], POOR_COLOUR),
             (tr("report.col.near_poor"), [100.0 * fig.deprivations[NEAR][i] / n_near if n_near else 0.0
                                           for _, i, *_ in fig.indicators], NEAR_COLOUR)], WIDTH)
        names = "; ".join(f"{num}. {vi if self.ctx.lang == 'vi' else en}" for num, _, vi, en in fig.indicators)
        return [self.p(tr("report.summary.charts"), "h2"), rates, Spacer(1, 10), deprivations,
                self.p(names, "note")]

    def detailed(self, records: Sequence[HouseholdRecord], cls) -> list:
        s = self.styles
        rows = household_rows(records, cls, self.ctx)
        data = [[Paragraph(escape(h), s["head_cell"]) for h in household_header(self.ctx)]]
        for row in rows:
            data.append([Paragraph(str(row[0]), s["cell_center"]), Paragraph(escape(row[1]), s["cell"]),
                         Paragraph(f"<b>{escape(row[2])}</b>", s["cell"]), Paragraph(escape(row[3]), s["cell"]),
                         Paragraph(str(row[4]), s["cell_center"]), Paragraph(escape(row[5]), s["small"]),
                         Paragraph(escape(row[6]), s["cell_center"]), Paragraph(str(row[7]), s["cell_center"])])
        if not rows:
            data.append([Paragraph(escape(self.tr("report.lists.none")), s["cell"])] + [""] * 7)
        t = Table(data, colWidths=(28, 62, 110, 48, 42, 349, 80, 38), repeatRows=1)
        style = [("FONTNAME", (0, 0), (-1, -1), FONT), ("GRID", (0, 0), (-1, -1), 0.4, GRID), ("BACKGROUND", (0, 0), (-1, 0), SHADE),
                 ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                 ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5)]
        if not rows:
            style.append(("SPAN", (0, 1), (-1, 1)))
        t.setStyle(TableStyle(style))
        what = self.tr(f"report.summary.t5.{cls.value}")
        return [self.p(self.tr("report.summary.t5", what=what), "h2"), t]

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
                box, Spacer(1, 8)] + self.table(replace(af_table(fig, self.ctx),
                                                         title=self.tr("report.summary.af.by_indicator")), WIDTH * 0.8)


def write_summary(fig: CommuneFigures, records: Sequence[HouseholdRecord], ctx: ReportContext,
                  out: IO[bytes] | str) -> int:
    """The whole summary into one PDF; returns the page count."""
    r = SummaryRenderer(ctx)
    story = r.heading()
    story += r.table(results_table(fig, ctx))
    story += [Spacer(1, 8), r.p(ctx.tr("report.summary.t2"), "h2")]
    for cls in (POOR, NEAR):
        story += r.table(movement_table(fig, ctx, cls)) + [Spacer(1, 6)]
    story += [CondPageBreak(200), r.p(ctx.tr("report.summary.t3"), "h2")]
    for cls in (POOR, NEAR):
        story += r.table(deprivation_table(fig, ctx, cls)) + [Spacer(1, 6)]
    story += [PageBreak(), r.p(ctx.tr("report.summary.t4"), "h2")]
    groups = group_tables(fig, ctx)
    half = (WIDTH - 20) / 2
    pairs = [(groups[0], groups[2]), (groups[1], groups[3])]
    for left, right in pairs:
        grid = Table([[r.table(left, half, keep=False), r.table(right, half, keep=False)]], colWidths=(half + 10, half + 10))
        grid.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT), ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                  ("RIGHTPADDING", (0, 0), (-1, -1), 10)]))
        story += [grid, Spacer(1, 8)]
    story += [PageBreak()] + r.charts(fig)
    for cls in (POOR, NEAR):
        story += [PageBreak()] + r.detailed(records, cls)
    story += [PageBreak()] + r.alkire_foster(fig)
    return r.build(story, out)
