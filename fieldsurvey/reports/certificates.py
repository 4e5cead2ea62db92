"""Certificates of poor and near-poor households (Giấy chứng nhận hộ nghèo / hộ cận nghèo), laid out as the official
one: the committee of the commune and the national motto, the number …/GCN-HN.HCN, the title, the household head
with ethnicity, ID number and residence, the class and standard, then the member list — name, ethnicity,
relationship to the head, year of birth under a male or a female column, notes — and the chairman's signature.
One page per household (a long roster flows on), numbered in the printing order.
"""

from __future__ import annotations

from typing import IO, Sequence

from reportlab.platypus import KeepTogether, PageBreak, Paragraph, Spacer, Table, TableStyle

from fieldsurvey.domain.results import HouseholdClass
from fieldsurvey.reports.base import FONT, GRID, SHADE, Renderer, ReportContext, escape
from fieldsurvey.reports.records import HouseholdRecord, birth_year, label

CERTIFIED = (HouseholdClass.POOR, HouseholdClass.NEAR_POOR)


def certified(records: Sequence[HouseholdRecord]) -> list[HouseholdRecord]:
    """The households that get a certificate: those the commune's count holds poor or near-poor this year (never a
    merged-away duplicate, a household that moved away, or an unfinished one)."""
    return [r for r in records if r.counted in CERTIFIED]


class CertificateRenderer(Renderer):
    title_key = "report.cert.doc_title"

    def header(self, c, doc) -> None:  # the certificate carries no running title
        pass

    def certificate(self, rec: HouseholdRecord, number: int) -> list:
        ctx = self.ctx
        s = self.styles
        hh = rec.household
        head = rec.head
        top = Table([[Paragraph(escape(self.tr("report.cert.committee")), s["center_bold"]),
                      Paragraph(escape(self.tr("report.minutes.motto1")), s["center_bold"])],
                     [Paragraph(escape(ctx.commune_name.upper()), s["center_bold"]),
                      Paragraph(escape(self.tr("report.minutes.motto2")), s["center_bold"])],
                     [Paragraph(escape(self.tr("report.cert.number", number=number)), s["center"]), ""]],
                    colWidths=(200, 315))
        top.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                 ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]))
        standard = ctx.standard.title(ctx.lang)
        fields = [
            (self.tr("report.cert.head"), rec.head_name, self.tr("report.cert.ethnicity"),
             str((head.get("ethnicity") if head else "") or "")),
            (self.tr("report.cert.id"), str((head.get("id_number") if head else "") or ""), "", ""),
            (self.tr("report.cert.residence"), ", ".join(x for x in (
                str(hh.get("address") or rec.village), ctx.province_name) if x), "", ""),
        ]
        ident = Table([[Paragraph(escape(a), s["body"]), Paragraph(f"<b>{escape(b)}</b>", s["body"]),
                        Paragraph(escape(c_), s["body"]), Paragraph(f"<b>{escape(d)}</b>", s["body"])]
                       for a, b, c_, d in fields], colWidths=(150, 195, 60, 110))
        ident.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT), ("SPAN", (1, 1), (3, 1)), ("SPAN", (1, 2), (3, 2)),
                                   ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                                   ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
        cols = ["report.cert.col.no", "report.cert.col.name", "report.cert.col.ethnicity",
                "report.cert.col.relationship", "report.cert.col.born", "", "report.cert.col.notes"]
        hc = s["head_cell"]
        data = [[Paragraph(escape(self.tr(k)), hc) if k else "" for k in cols],
                ["", "", "", "", Paragraph(escape(self.tr("report.cert.col.male")), hc),
                 Paragraph(escape(self.tr("report.cert.col.female")), hc), ""]]
        for i, m in enumerate(hh.members, 1):
            by = birth_year(m)
            year = str(by) if by else ""
            male = m.get("sex") == "male"
            female = m.get("sex") == "female"
            data.append([Paragraph(str(i), s["cell_center"]), Paragraph(escape(m.name), s["cell"]),
                         Paragraph(escape(str(m.get("ethnicity") or "")), s["cell"]),
                         Paragraph(escape(label("relationship", m.get("relationship"), ctx.lang)), s["cell"]),
                         Paragraph(year if male else "", s["cell_center"]),
                         Paragraph(year if female else "", s["cell_center"]),
                         Paragraph(escape(str(m.get("notes") or "")), s["cell"])])
        members = Table(data, colWidths=(28, 146, 62, 90, 46, 46, 97), repeatRows=2)
        members.setStyle(TableStyle([
            ("FONTNAME", (0, 0), (-1, -1), FONT), ("GRID", (0, 0), (-1, -1), 0.5, GRID), ("BACKGROUND", (0, 0), (-1, 1), SHADE),
            ("SPAN", (4, 0), (5, 0)), ("SPAN", (0, 0), (0, 1)), ("SPAN", (1, 0), (1, 1)), ("SPAN", (2, 0), (2, 1)),
            ("SPAN", (3, 0), (3, 1)), ("SPAN", (6, 0), (6, 1)), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 2.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5)]))
        sign = Table([["", Paragraph(escape(self.tr("report.cert.place_date", commune=ctx.commune_name,
                                                        year=ctx.review_year)), s["center"])],
                      ["", Paragraph(escape(self.tr("report.cert.chairman")), s["center_bold"])],
                      ["", Paragraph(escape(self.tr("report.cert.seal")), s["center"])]],
                     colWidths=(255, 260))
        sign.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT)]))
        return [top, Spacer(1, 22),
                self.p(self.tr(f"report.cert.title.{rec.cls.value}"), "title"),
                self.p(self.tr("report.cert.year", year=ctx.review_year), "subtitle"), Spacer(1, 10),
                self.p(self.tr("report.cert.certifies", commune=ctx.commune_name)), Spacer(1, 4),
                ident, Spacer(1, 4),
                self.p(self.tr(f"report.cert.is.{rec.cls.value}", standard=standard[:1].lower() + standard[1:])),
                Spacer(1, 8), self.p(self.tr("report.cert.members"), "left_bold"), Spacer(1, 4),
                members, Spacer(1, 18), KeepTogether([sign, Spacer(1, 60)])]


def write_certificates(records: Sequence[HouseholdRecord], ctx: ReportContext, out: IO[bytes] | str,
                       first_number: int = 1) -> int:
    """One certificate per poor or near-poor household into one PDF; returns the page count."""
    r = CertificateRenderer(ctx)
    story: list = []
    for number, rec in enumerate(certified(records), first_number):
        if story:
            story.append(PageBreak())
        story += r.certificate(rec, number)
    if not story:
        story = [r.p(ctx.tr("report.nothing"))]
    return r.build(story, out)
