"""What every printed document shares: the state format (Decree 30/2020: A4, its margins, the page number centred in
the top margin from page 2), the embedded serif font family, named paragraph styles, the report context (commune,
review round, printed-at time, draft or official copy) and the marks of a draft.

Fonts: Liberation Serif (metric-compatible with Times New Roman, covering Vietnamese; bundled in resources/fonts
with its licence) is registered once as the family "FS-Serif"; reportlab embeds the subset a PDF uses, so
Vietnamese prints with every diacritic on a machine with no fonts.

A draft (the default) carries a "BẢN NHÁP" watermark on every page and a footer with the commune, the review round,
when it was printed and "Trang X/Y" across the whole file; the official copy carries neither — only the page number
of each document from its second page, as Decree 30 has it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import IO, Any, Callable, Sequence

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Paragraph

from fieldsurvey.domain.standards import Standard
from fieldsurvey.i18n import format_date, t
from fieldsurvey.paths import resource
from fieldsurvey.reports.stateformat import state_format

FONT = "FS-Serif"
FONT_BOLD = "FS-Serif-Bold"
FONT_ITALIC = "FS-Serif-Italic"
FONT_BOLD_ITALIC = "FS-Serif-BoldItalic"
PORTRAIT = A4
LANDSCAPE = landscape(A4)
GRID = colors.black
SHADE = colors.HexColor("#e8e8e8")
DRAFT_GREY = colors.HexColor("#d9d9d9")
FOOTER_GREY = colors.HexColor("#555555")
PRODUCER = "FieldSurvey"


@cache
def register_fonts() -> str:
    """Register the bundled serif family (idempotent) and return its name. Streams are written compressed and
    binary (no ASCII85 layer: a quarter smaller and, without reportlab's C accelerator, much faster to write)."""
    rl_config.useA85 = 0
    files = state_format().fonts
    for name, role in ((FONT, "regular"), (FONT_BOLD, "bold"), (FONT_ITALIC, "italic"),
                       (FONT_BOLD_ITALIC, "bold_italic")):
        pdfmetrics.registerFont(TTFont(name, str(resource("fonts", files[role]))))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT_ITALIC,
                                  boldItalic=FONT_BOLD_ITALIC)
    return FONT


@cache
def styles() -> dict[str, ParagraphStyle]:
    """The named paragraph styles. The state ones (`s_…`) take their sizes from the state format; the small ones
    are for the analysis and the working sheets, which are not state documents."""
    register_fonts()
    sf = state_format()

    def style(name: str, size: float, font: str = FONT, align: int = TA_LEFT, **kw: Any) -> ParagraphStyle:
        return ParagraphStyle(name, fontName=font, fontSize=size, leading=sf.leading(size), alignment=align, **kw)

    size = sf.size
    base = style("body", 10)
    out = {
        "body": base,
        "small": style("small", 8.5),
        "cell": style("cell", 9),
        "cell_right": style("cell_right", 9, align=TA_RIGHT),
        "cell_center": style("cell_center", 9, align=TA_CENTER),
        "head_cell": style("head_cell", 8.5, FONT_BOLD, TA_CENTER),
        "title": style("title", 14, FONT_BOLD, TA_CENTER, spaceAfter=4),
        "subtitle": style("subtitle", 11, align=TA_CENTER, spaceAfter=6),
        "h2": style("h2", 12, FONT_BOLD, spaceBefore=8, spaceAfter=4),
        "h3": style("h3", 10.5, FONT_BOLD, spaceBefore=6, spaceAfter=3),
        "center": style("center", 10, align=TA_CENTER),
        "center_bold": style("center_bold", 10, FONT_BOLD, TA_CENTER),
        "left_bold": style("left_bold", 10, FONT_BOLD),
        "note": style("note", 8.5, textColor=colors.HexColor("#444444")),
        # the state format (Decree 30/2020, Phụ lục I, Mục V)
        "s_national": style("s_national", size("national_title"), FONT_BOLD, TA_CENTER),
        "s_motto": style("s_motto", size("motto"), FONT_BOLD, TA_CENTER),
        "s_parent": style("s_parent", size("parent_body"), FONT, TA_CENTER),
        "s_body_name": style("s_body_name", size("issuing_body"), FONT_BOLD, TA_CENTER),
        "s_number": style("s_number", size("number"), FONT, TA_CENTER),
        "s_place_date": style("s_place_date", size("place_date"), FONT_ITALIC, TA_CENTER),
        "s_doc_type": style("s_doc_type", size("doc_type"), FONT_BOLD, TA_CENTER),
        "s_subject": style("s_subject", size("subject"), FONT_BOLD, TA_CENTER),
        "s_body": style("s_body", size("body"), FONT, TA_JUSTIFY, firstLineIndent=sf.first_line_indent,
                        spaceAfter=sf.paragraph_after),
        "s_plain": style("s_plain", size("body"), FONT, TA_LEFT, spaceAfter=sf.paragraph_after / 2),
        "s_italic": style("s_italic", size("body"), FONT_ITALIC, TA_JUSTIFY, firstLineIndent=sf.first_line_indent,
                          spaceAfter=sf.paragraph_after / 2),
        "s_bold": style("s_bold", size("body"), FONT_BOLD, TA_LEFT, spaceAfter=sf.paragraph_after / 2),
        "s_center": style("s_center", size("body"), FONT, TA_CENTER, spaceAfter=sf.paragraph_after / 2),
        "s_center_bold": style("s_center_bold", size("body"), FONT_BOLD, TA_CENTER,
                               spaceAfter=sf.paragraph_after / 2),
        "s_center_italic": style("s_center_italic", size("body"), FONT_ITALIC, TA_CENTER,
                                 spaceAfter=sf.paragraph_after / 2),
        "s_heading": style("s_heading", size("body"), FONT_BOLD, TA_LEFT, spaceBefore=sf.paragraph_after,
                           spaceAfter=sf.paragraph_after),
        "s_recipients_label": style("s_recipients_label", size("recipients_label"), FONT_BOLD_ITALIC),
        "s_recipients": style("s_recipients", size("recipients")),
        "s_signer": style("s_signer", size("signer"), FONT_BOLD, TA_CENTER),
        "s_signer_name": style("s_signer_name", size("signer_name"), FONT_BOLD, TA_CENTER),
        "s_sign_hint": style("s_sign_hint", size("sign_hint"), FONT_ITALIC, TA_CENTER),
        "s_cell": style("s_cell", size("table")),
        "s_cell_center": style("s_cell_center", size("table"), FONT, TA_CENTER),
        "s_cell_right": style("s_cell_right", size("table"), FONT, TA_RIGHT),
        "s_cell_bold": style("s_cell_bold", size("table"), FONT_BOLD),
        "s_head_cell": style("s_head_cell", size("table_head"), FONT_BOLD, TA_CENTER),
        "s_note": style("s_note", size("note"), FONT_ITALIC, TA_JUSTIFY, spaceAfter=2),
        "s_form_number": style("s_form_number", size("form_number"), FONT_BOLD, TA_RIGHT),
    }
    return out


@dataclass(frozen=True)
class ReportContext:
    """Who and when a document is printed for, and whether it is a draft or the official copy."""

    commune_code: str
    commune_name: str
    province_name: str
    area: str                      # rural | urban
    review_year: int
    review_kind: str               # annual | monthly
    standard: Standard
    printed_at: datetime = field(default_factory=lambda: datetime.now().replace(microsecond=0))
    lang: str = "vi"
    official: bool = False         # the official copy: no draft marks, only approved households
    issued_on: date | None = None  # the date written on an official copy ("ngày … tháng … năm …" when None)

    @property
    def draft(self) -> bool:
        return not self.official

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
        return f"{self.tr('report.draft.mark')} · {self.commune_name}, {self.province_name} · {self.round_text} · " \
               f"{self.printed_text}"

    def page_text(self, page: int, total: int) -> str:
        return self.tr("report.page", page=page, total=total)


def set_metadata(c: rl_canvas.Canvas, ctx: ReportContext, title: str) -> None:
    c.setTitle(title)
    c.setAuthor(f"{ctx.commune_name}, {ctx.province_name}")
    c.setSubject(f"{ctx.round_text} · {ctx.printed_text}")
    c.setCreator(PRODUCER)
    c.setProducer(PRODUCER)


# --- the page's marks ---------------------------------------------------------------------------------------------

def draw_page_number(c: rl_canvas.Canvas, number: int, width: float, height: float) -> None:
    """The page number of a document, centred in the top margin, from its second page (Decree 30/2020)."""
    if number < 2:
        return
    sf = state_format()
    c.setFont(FONT, sf.page_number_size)
    c.setFillColor(colors.black)
    c.drawCentredString(width / 2, height - sf.page_number_from_top, str(number))


def draw_watermark(c: rl_canvas.Canvas, ctx: ReportContext, width: float, height: float) -> None:
    """"BẢN NHÁP" across a draft's page, light grey, under what is printed on it."""
    c.saveState()
    c.setFillColor(DRAFT_GREY)
    c.setFont(FONT_BOLD, state_format().size("draft_mark"))
    c.translate(width / 2, height / 2)
    c.rotate(35)
    c.drawCentredString(0, -20, ctx.tr("report.draft.mark"))
    c.restoreState()


TOTAL_FORM = "fsTotalPages"      # a form drawn on every page and defined at the end with the number of pages


def draw_footer(c: rl_canvas.Canvas, ctx: ReportContext, page: int, width: float, marks: str = "copy") -> None:
    """A draft's footer: "BẢN NHÁP", the commune, the round, when it was printed and "Trang X/Y" over the file (an
    analysis says "PHÂN TÍCH"). Y is a form defined when the file is complete (`define_total`), so no page waits
    for the last one."""
    sf = state_format()
    c.setFont(FONT, 8)
    c.setFillColor(FOOTER_GREY)
    text = ctx.footer_text
    if marks == "analysis":
        text = text.replace(ctx.tr("report.draft.mark"), ctx.tr("report.analysis.mark"), 1)
    c.drawString(sf.left, 9 * mm, text)
    x = width - sf.right - stringWidth("000000", FONT, 8)
    c.drawRightString(x, 9 * mm, ctx.page_text(page, ""))
    c.saveState()
    c.translate(x, 9 * mm)
    c.doForm(TOTAL_FORM)
    c.restoreState()
    c.setFillColor(colors.black)


def define_total(c: rl_canvas.Canvas, total: int) -> None:
    """The number of pages, drawn wherever a footer asked for it."""
    c.beginForm(TOTAL_FORM)
    c.setFont(FONT, 8)
    c.setFillColor(FOOTER_GREY)
    c.drawString(0, 0, str(total))
    c.endForm()


class DocumentStart(Flowable):
    """Marks where one document of a batch starts (a certificate, a village's minutes): its page numbers count
    from here."""

    width = height = 0

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.canv._fs_first_page = self.canv.getPageNumber()


def numbered_canvas(ctx: ReportContext, marks: str = "copy") -> type[rl_canvas.Canvas]:
    """The canvas of a platypus document: Liberation Serif from the start (never Helvetica, which is never
    embedded); a draft's (and an analysis') footer gets the number of pages when the document is complete."""

    class StateCanvas(rl_canvas.Canvas):
        def __init__(self, *args: Any, **kwargs: Any):
            kwargs["initialFontName"] = kwargs.get("initialFontName") or FONT
            super().__init__(*args, **kwargs)
            self._fs_first_page = 1

        def save(self) -> None:
            if len(self._code):
                self.showPage()
            if ctx.draft or marks == "analysis":
                define_total(self, self.getPageNumber() - 1)
            super().save()

    return StateCanvas


class Renderer:
    """Base of the platypus documents: the state format's page templates (portrait and landscape), the page number
    of each document in the top margin, a draft's marks; output to the caller's path or buffer."""

    title_key = "report.title"
    pagesize = PORTRAIT
    marks = "copy"        # "copy": a draft's watermark and footer (none on the official copy); "analysis"

    def __init__(self, ctx: ReportContext):
        register_fonts()
        self.ctx = ctx
        self.styles = styles()
        self.sf = state_format()

    def tr(self, key: str, **values: Any) -> str:
        return self.ctx.tr(key, **values)

    @property
    def title(self) -> str:
        return self.tr(self.title_key)

    @property
    def width(self) -> float:
        """The frame's width on this document's page size."""
        return self.pagesize[0] - self.sf.left - self.sf.right

    def p(self, text: str, style: str = "body") -> Paragraph:
        return Paragraph(escape(text), self.styles[style])

    def on_page(self, c: rl_canvas.Canvas, doc: BaseDocTemplate) -> None:
        if self.ctx.draft and self.marks == "copy":
            draw_watermark(c, self.ctx, *c._pagesize)

    def on_page_end(self, c: rl_canvas.Canvas, doc: BaseDocTemplate) -> None:
        first = getattr(c, "_fs_first_page", 1)
        draw_page_number(c, c.getPageNumber() - first + 1, *c._pagesize)
        if self.ctx.draft or self.marks == "analysis":
            draw_footer(c, self.ctx, c.getPageNumber(), c._pagesize[0], self.marks)

    def page_templates(self) -> list[PageTemplate]:
        sf = self.sf
        out = []
        for name, size in (("portrait", PORTRAIT), ("landscape", LANDSCAPE)):
            width, height = size
            frame = Frame(sf.left, sf.bottom, width - sf.left - sf.right, height - sf.top - sf.bottom, id=name,
                          leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
            out.append(PageTemplate(name, [frame], onPage=self.on_page, onPageEnd=self.on_page_end, pagesize=size))
        if self.pagesize == LANDSCAPE:
            out.reverse()
        return out

    def build(self, story: list, out: IO[bytes] | str, on_page: Callable | None = None) -> int:
        """Lay `story` out into `out` (a path or a binary buffer); returns the number of pages."""
        doc = BaseDocTemplate(out, pagesize=self.pagesize, leftMargin=self.sf.left, rightMargin=self.sf.right,
                              topMargin=self.sf.top, bottomMargin=self.sf.bottom, title=self.title,
                              author=f"{self.ctx.commune_name}, {self.ctx.province_name}",
                              subject=f"{self.ctx.round_text} · {self.ctx.printed_text}",
                              creator=PRODUCER, producer=PRODUCER)
        doc.addPageTemplates(self.page_templates())
        doc.build(story, canvasmaker=numbered_canvas(self.ctx, self.marks))
        return doc.page


def column_widths(header: Sequence[str], weights: Sequence[float], total: float, font: str = FONT_BOLD,
                  size: float = 8.5, padding: float = 14, least_values: Sequence[float] | None = None) -> list[float]:
    """Widths in proportion to `weights` that fill `total`, but never narrower than the longest word of the column's
    head (a head is wrapped between words, never inside one: "Household / s") nor than `least_values` (the longest
    word of its cells); `padding`: the cell's left and right padding together, and a little air."""
    least = [max((stringWidth(w, font, size) for w in str(h).split()), default=0) + padding for h in header]
    if least_values is not None:
        least = [max(a, b + padding) for a, b in zip(least, least_values)]
    if sum(least) >= total:        # no room for every word whole: each in proportion to its longest word
        return [total * x / sum(least) for x in least]
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


def percent(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 2) if whole else 0.0
