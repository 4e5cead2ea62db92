"""What every printed document shares: the embedded Vietnamese font family, named paragraph styles, the report
context (commune, review round, printed-at time) and a canvas that writes "Trang X/Y" and the running footer.

Fonts: DejaVu Sans (bundled in resources/fonts) is registered once as the family "FS" / "FS-Bold"; reportlab
embeds the subset it uses in every PDF, so Vietnamese prints with every diacritic on a machine with no fonts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import IO, Any, Callable, Sequence

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph

from fieldsurvey.domain.standards import Standard
from fieldsurvey.i18n import format_date, t
from fieldsurvey.paths import resource

FONT = "FS"
FONT_BOLD = "FS-Bold"
PORTRAIT = A4
LANDSCAPE = landscape(A4)
MARGIN = 15 * mm
GRID = colors.HexColor("#777777")
SHADE = colors.HexColor("#e8e8e8")
PRODUCER = "FieldSurvey"


@cache
def register_fonts() -> str:
    """Register the bundled DejaVu Sans as a font family (idempotent) and return its name. Streams are written
    compressed and binary (no ASCII85 layer: a quarter smaller and, without reportlab's C accelerator, much
    faster to write)."""
    rl_config.useA85 = 0
    pdfmetrics.registerFont(TTFont(FONT, str(resource("fonts", "DejaVuSans.ttf"))))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(resource("fonts", "DejaVuSans-Bold.ttf"))))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)
    return FONT


@cache
def styles() -> dict[str, ParagraphStyle]:
    """The named paragraph styles every document uses."""
    register_fonts()
    base = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=11.5)
    out = {
        "body": base,
        "small": ParagraphStyle("small", base, fontSize=7.5, leading=9.5),
        "cell": ParagraphStyle("cell", base, fontSize=8, leading=10),
        "cell_right": ParagraphStyle("cell_right", base, fontSize=8, leading=10, alignment=TA_RIGHT),
        "cell_center": ParagraphStyle("cell_center", base, fontSize=8, leading=10, alignment=TA_CENTER),
        "head_cell": ParagraphStyle("head_cell", base, fontName=FONT_BOLD, fontSize=7.5, leading=9.5,
                                    alignment=TA_CENTER),
        "title": ParagraphStyle("title", base, fontName=FONT_BOLD, fontSize=14, leading=18, alignment=TA_CENTER,
                                spaceAfter=4),
        "subtitle": ParagraphStyle("subtitle", base, fontSize=10, leading=13, alignment=TA_CENTER, spaceAfter=6),
        "h2": ParagraphStyle("h2", base, fontName=FONT_BOLD, fontSize=11, leading=14, spaceBefore=8, spaceAfter=4),
        "h3": ParagraphStyle("h3", base, fontName=FONT_BOLD, fontSize=9.5, leading=12, spaceBefore=6, spaceAfter=3),
        "center": ParagraphStyle("center", base, alignment=TA_CENTER),
        "center_bold": ParagraphStyle("center_bold", base, fontName=FONT_BOLD, alignment=TA_CENTER),
        "left_bold": ParagraphStyle("left_bold", base, fontName=FONT_BOLD, alignment=TA_LEFT),
        "note": ParagraphStyle("note", base, fontSize=7.5, leading=9.5, textColor=colors.HexColor("#444444")),
    }
    return out


@dataclass(frozen=True)
class ReportContext:
    """Who and when a document is printed for: it goes on every page."""

    commune_code: str
    commune_name: str
    province_name: str
    area: str                      # rural | urban
    review_year: int
    review_kind: str               # annual | monthly
    standard: Standard
    printed_at: datetime = field(default_factory=lambda: datetime.now().replace(microsecond=0))
    lang: str = "vi"
    official: bool = False         # the official figures (approved households only), else the working ones

    def tr(self, key: str, **values: Any) -> str:
        return t(key, self.lang, **values)

    @property
    def round_text(self) -> str:
        kind = self.tr(f"report.round.{self.review_kind}")
        return self.tr("report.round", kind=kind, year=self.review_year)

    @property
    def printed_text(self) -> str:
        return self.tr("report.printed_at", date=format_date(self.printed_at.date(), self.lang),
                       time=self.printed_at.strftime("%H:%M"))

    @property
    def footer_text(self) -> str:
        return f"{self.commune_name}, {self.province_name} · {self.round_text} · {self.printed_text}"

    def page_text(self, page: int, total: int) -> str:
        return self.tr("report.page", page=page, total=total)


def set_metadata(c: rl_canvas.Canvas, ctx: ReportContext, title: str) -> None:
    c.setTitle(title)
    c.setAuthor(f"{ctx.commune_name}, {ctx.province_name}")
    c.setSubject(f"{ctx.round_text} · {ctx.printed_text}")
    c.setCreator(PRODUCER)
    c.setProducer(PRODUCER)


def draw_footer(c: rl_canvas.Canvas, ctx: ReportContext, page: int, total: int, width: float) -> None:
    c.setFont(FONT, 7)
    c.setFillColor(colors.HexColor("#555555"))
    c.drawString(MARGIN, 8 * mm, ctx.footer_text)
    c.drawRightString(width - MARGIN, 8 * mm, ctx.page_text(page, total))
    c.setFillColor(colors.black)


def numbered_canvas(ctx: ReportContext) -> type[rl_canvas.Canvas]:
    """A canvas class that holds pages back until the end so each can say "Trang X/Y" (the pretix way)."""

    class NumberedCanvas(rl_canvas.Canvas):
        def __init__(self, *args: Any, **kwargs: Any):
            kwargs["initialFontName"] = kwargs.get("initialFontName") or FONT   # not Helvetica (never embedded)
            super().__init__(*args, **kwargs)
            self._saved: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 (reportlab's name)
            self._saved.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._saved)
            for number, state in enumerate(self._saved, 1):
                self.__dict__.update(state)
                draw_footer(self, ctx, number, total, self._pagesize[0])
                super().showPage()
            super().save()

    return NumberedCanvas


class Renderer:
    """Base of the platypus documents: a page template with header and footer, output to the caller's buffer."""

    title_key = "report.title"
    pagesize = PORTRAIT

    def __init__(self, ctx: ReportContext):
        register_fonts()
        self.ctx = ctx
        self.styles = styles()

    def tr(self, key: str, **values: Any) -> str:
        return self.ctx.tr(key, **values)

    @property
    def title(self) -> str:
        return self.tr(self.title_key)

    def p(self, text: str, style: str = "body") -> Paragraph:
        return Paragraph(escape(text), self.styles[style])

    def header(self, c: rl_canvas.Canvas, doc: BaseDocTemplate) -> None:
        width, height = self.pagesize
        c.setFont(FONT, 7)
        c.setFillColor(colors.HexColor("#555555"))
        c.drawString(MARGIN, height - 9 * mm, f"{self.title} — {self.ctx.commune_name}")
        c.setFillColor(colors.black)

    def build(self, story: list, out: IO[bytes] | str, on_page: Callable | None = None) -> int:
        """Lay `story` out into `out` (a path or a binary buffer); returns the number of pages."""
        width, height = self.pagesize
        doc = BaseDocTemplate(out, pagesize=self.pagesize, leftMargin=MARGIN, rightMargin=MARGIN,
                              topMargin=MARGIN, bottomMargin=MARGIN + 3 * mm, title=self.title,
                              author=f"{self.ctx.commune_name}, {self.ctx.province_name}",
                              subject=f"{self.ctx.round_text} · {self.ctx.printed_text}",
                              creator=PRODUCER, producer=PRODUCER)
        frame = Frame(MARGIN, MARGIN + 3 * mm, width - 2 * MARGIN, height - 2 * MARGIN - 3 * mm, id="main",
                      leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        doc.addPageTemplates([PageTemplate("page", [frame], onPage=on_page or self.header)])
        doc.build(story, canvasmaker=numbered_canvas(self.ctx))
        return doc.page


def column_widths(header: Sequence[str], weights: Sequence[float], total: float,
                  rows: Sequence[Sequence[object]] = ()) -> list[float]:
    """Widths in proportion to `weights` that fill `total`, but never narrower than the longest word of the column's
    head or of a text in its cells (a text is wrapped between words, never inside one: "Household / s")."""
    least = [max((stringWidth(w, FONT_BOLD, 7.5) for w in str(h).split()), default=0) + 14 for h in header]  # + padding
    for row in rows:
        for i, value in enumerate(row[:len(least)]):
            if isinstance(value, str):
                least[i] = max(least[i], max((stringWidth(w, FONT_BOLD, 7.5) for w in value.split()), default=0)
                               + 14)
    widths = [total * w / sum(weights) for w in weights]
    for _ in range(3):
        short = [i for i, w in enumerate(widths) if w < least[i]]
        if not short:
            break
        need = sum(least[i] - widths[i] for i in short)
        free = [i for i in range(len(widths)) if i not in short]
        room = sum(widths[i] - least[i] for i in free if widths[i] > least[i])
        if room <= 0:
            break
        for i in short:
            widths[i] = least[i]
        for i in free:
            if widths[i] > least[i]:
                widths[i] -= need * (widths[i] - least[i]) / room
    return widths


def escape(text: str) -> str:
    """Text for a Paragraph (which reads a little markup)."""
    return (str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))


def percent(part: int, whole: int | None) -> float | None:
    """part ÷ whole as a percentage with two decimals; None when the whole is not known (a rate over resident
    households a village has not entered), 0.0 for an empty whole."""
    if whole is None:
        return None
    return round(100.0 * part / whole, 2) if whole else 0.0
