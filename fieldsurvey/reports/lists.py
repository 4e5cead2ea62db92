"""The village meeting and the public posting: per village, the minutes of the meeting pre-filled with the counts,
then the lists of households proposed poor, near-poor, escaped and new, each on its own page so it can be posted.

Who is on which list:
- proposed poor / near-poor: this year's class;
- escaped: last year's `previous.class` was poor or near-poor and this year's is average or not poor;
- new: poor or near-poor this year and not last year (no `previous`, or last year neither).
Households that moved away are left out.
"""

from __future__ import annotations

from typing import IO, Sequence

from reportlab.platypus import CondPageBreak, KeepTogether, PageBreak, Paragraph, Spacer, Table, TableStyle

from fieldsurvey.domain.income import IncomeRoute
from fieldsurvey.domain.results import HouseholdClass
from fieldsurvey.i18n import format_money, format_number
from fieldsurvey.reports.base import FONT, GRID, SHADE, Renderer, ReportContext, column_widths, escape
from fieldsurvey.reports.records import HouseholdRecord

CATEGORIES = ("poor", "near_poor", "escaped", "new")
POORISH = ("poor", "near_poor")


def category_of(rec: HouseholdRecord) -> list[str]:
    """The lists a household is on (none, or one or two of poor / near_poor / escaped / new), as the commune's
    count says (fieldsurvey.domain.figures: its counted class and its movement): poor or near-poor this year; new
    (phát sinh: not poor or near-poor on any year's books); escaped (poor or near-poor last year, not now)."""
    out = []
    if rec.counted is not None and rec.counted.value in POORISH:
        out.append(rec.counted.value)
        if rec.move == "new":
            out.append("new")
    elif rec.move == "escaped":
        out.append("escaped")
    return out


def village_lists(records: Sequence[HouseholdRecord], village: str) -> dict[str, list[HouseholdRecord]]:
    lists: dict[str, list[HouseholdRecord]] = {c: [] for c in CATEGORIES}
    for rec in records:
        if rec.village == village:
            for cat in category_of(rec):
                lists[cat].append(rec)
    return lists


def income_text(rec: HouseholdRecord, ctx: ReportContext) -> str:
    inc = rec.result.income
    if inc.route in (IncomeRoute.B1_TABLE, IncomeRoute.B1_MANUAL) and inc.b1_score is not None:
        return ctx.tr("report.lists.b1", score=format_number(inc.b1_score, ctx.lang))
    if inc.per_person_month is not None:
        return format_money(inc.per_person_month, ctx.lang)
    return ctx.tr("report.unknown")


def deprived_numbers(rec: HouseholdRecord) -> str:
    return ", ".join(str(i.number) for i in rec.result.indicators if i.status.value == "deprived")


class ListsRenderer(Renderer):
    title_key = "report.lists.doc_title"
    widths = (28, 118, 42, 50, 84, 80, 58, 55)

    def minutes(self, village: str, records: Sequence[HouseholdRecord], lists: dict[str, list]) -> list:
        ctx = self.ctx
        mine = [r for r in records if r.village == village and r.counted is not None]
        counts = {cls: sum(1 for r in mine if r.counted is cls) for cls in HouseholdClass}
        s = self.styles
        head = Table([[Paragraph(escape(ctx.commune_name.upper()), s["center_bold"]),
                       Paragraph(escape(self.tr("report.minutes.motto1")), s["center_bold"])],
                      [Paragraph(escape(village.upper()), s["center_bold"]),
                       Paragraph(escape(self.tr("report.minutes.motto2")), s["center_bold"])]],
                     colWidths=(190, 325))
        head.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        lines = [("poor", len(lists["poor"])), ("near_poor", len(lists["near_poor"])),
                 ("escaped", len(lists["escaped"])), ("new", len(lists["new"])),
                 ("average", counts[HouseholdClass.AVERAGE]), ("incomplete", counts[HouseholdClass.INCOMPLETE])]
        values = dict(year=ctx.review_year, village=village, commune=ctx.commune_name,
                      province=ctx.province_name, households=len(mine),
                      reviewed=sum(1 for r in mine if r.interviewed))
        story = [head, Spacer(1, 14), self.p(self.tr("report.minutes.title"), "title"),
                 self.p(self.tr("report.minutes.subject", **values), "subtitle"), Spacer(1, 6),
                 self.p(self.tr("report.minutes.opening", **values)), Spacer(1, 6),
                 self.p(self.tr("report.minutes.attendance"), "h3"),
                 self.p(self.tr("report.minutes.chair")),
                 self.p(self.tr("report.minutes.present", **values)),
                 self.p(self.tr("report.minutes.content"), "h3"),
                 self.p(self.tr("report.minutes.results", **values))]
        for key, n in lines:
            story.append(self.p("– " + self.tr(f"report.minutes.line.{key}", n=n)))
        story += [Spacer(1, 4), self.p(self.tr("report.minutes.vote"), "h3"),
                  self.p(self.tr("report.minutes.vote_lines")), Spacer(1, 4),
                  self.p(self.tr("report.minutes.opinions"))]
        story += [self.p("." * 150) for _ in range(4)]
        story += [Spacer(1, 6), self.p(self.tr("report.minutes.closing")), Spacer(1, 14),
                  self.signatures(self.tr("report.minutes.sign_secretary"), self.tr("report.minutes.sign_chair"))]
        return story

    def signatures(self, left: str, right: str) -> Table:
        s = self.styles
        hint = self.tr("report.sheet.sign_hint")
        t = Table([[Paragraph(escape(left), s["center_bold"]), Paragraph(escape(right), s["center_bold"])],
                   [Paragraph(escape(hint), s["center"]), Paragraph(escape(hint), s["center"])]],
                  colWidths=(257, 258))
        t.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT)]))
        return KeepTogether([t, Spacer(1, 50)])

    def list_table(self, village: str, cat: str, rows: list[HouseholdRecord]) -> list:
        ctx = self.ctx
        s = self.styles
        story = [self.p(f"{ctx.commune_name.upper()} — {village.upper()}", "left_bold"), Spacer(1, 6),
                 self.p(self.tr("report.lists.title", what=self.tr(f"report.lists.cat.{cat}")), "title"),
                 self.p(self.tr("report.lists.for_meeting", village=village, commune=ctx.commune_name)
                        + " · " + ctx.round_text, "subtitle")]
        head = [Paragraph(escape(self.tr(k)), s["head_cell"]) for k in (
            "report.sheet.col.no", "report.lists.col.head", "report.lists.col.members",
            "report.lists.col.ethnicity", "report.lists.col.income", "report.lists.col.deprived",
            "report.lists.col.previous", "report.lists.col.notes" if cat != "new" else "report.lists.col.now")]
        data = [head]
        for i, rec in enumerate(rows, 1):
            head_m = rec.head
            prev = rec.previous.household_class if rec.previous else None
            last = HouseholdClass(prev).label(ctx.lang) if prev in HouseholdClass._value2member_map_ else "—"
            note = rec.cls.label(ctx.lang) if cat in ("new", "escaped") else ""
            data.append([Paragraph(str(i), s["cell_center"]), Paragraph(escape(rec.head_name), s["cell"]),
                         Paragraph(str(len(rec.household.members)), s["cell_center"]),
                         Paragraph(escape(str((head_m.get("ethnicity") if head_m else "") or "")), s["cell"]),
                         Paragraph(escape(income_text(rec, ctx)), s["cell_right"]),
                         Paragraph(escape(deprived_numbers(rec)), s["cell_center"]),
                         Paragraph(escape(last), s["cell"]), Paragraph(escape(note), s["cell"])])
        if not rows:
            data.append([Paragraph(escape(self.tr("report.lists.none")), s["cell"])] + [""] * 7)
        table = Table(data, colWidths=column_widths([h.text for h in head], self.widths, sum(self.widths)),
                      repeatRows=1)
        style = [("FONTNAME", (0, 0), (-1, -1), FONT), ("GRID", (0, 0), (-1, -1), 0.4, GRID), ("BACKGROUND", (0, 0), (-1, 0), SHADE),
                 ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("TOPPADDING", (0, 0), (-1, -1), 2),
                 ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]
        if not rows:
            style.append(("SPAN", (0, 1), (-1, 1)))
        table.setStyle(TableStyle(style))
        story += [table, Spacer(1, 4), self.p(self.tr("report.lists.count", n=len(rows)), "left_bold"),
                  Spacer(1, 6),
                  self.p(self.tr("report.lists.posting", village=village, commune=ctx.commune_name,
                                 year=ctx.review_year), "note"),
                  Spacer(1, 10), CondPageBreak(90),
                  self.signatures(self.tr("report.lists.sign_writer"), self.tr("report.lists.sign_lead"))]
        return story


def write_lists(records: Sequence[HouseholdRecord], villages: Sequence[str], ctx: ReportContext,
                out: IO[bytes] | str) -> int:
    """Minutes and the four lists for each village into one PDF; returns the page count."""
    r = ListsRenderer(ctx)
    story: list = []
    for village in villages:
        lists = village_lists(records, village)
        if story:
            story.append(PageBreak())
        story += r.minutes(village, records, lists)
        for cat in CATEGORIES:
            story.append(PageBreak())
            story += r.list_table(village, cat, lists[cat])
    if not story:
        story = [r.p(ctx.tr("report.nothing"))]
    return r.build(story, out)


