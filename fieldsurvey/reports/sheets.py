"""The household classification sheet (phiếu kết quả xếp loại hộ): one A4 page per household, more when the roster
is long. Identification, members, income or B1 score against the line, the indicators deprived or not with the
reason, B2, the class, the standard, the date and signature lines for the head of household and the enumerator.

Drawn straight onto the canvas (no platypus): a commune prints thousands of sheets and the layout is fixed, so each
page's height is known before it is drawn and "Trang X/Y" across the whole batch is written as it goes.

`prepare(record, ctx)` turns a record into the texts of its pages (`SheetData`); `draw_sheet(c, data, …)` draws
them. The benchmark draws the same layout from ready-made texts to measure what the data costs.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import IO, Any, Iterable, Sequence

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import getFont, stringWidth
from reportlab.pdfgen.canvas import Canvas

from fieldsurvey.domain.income import IncomeRoute
from fieldsurvey.domain.results import HouseholdClass, Message, Status
from fieldsurvey.i18n import format_date, format_money, format_number
from fieldsurvey.progress import Job, Progress
from fieldsurvey.reports.base import (FONT, FONT_BOLD, GRID, PORTRAIT, ReportContext, draw_page_number, draw_watermark,
                                      register_fonts, set_metadata)
from fieldsurvey.reports.stateformat import state_format
from fieldsurvey.reports.records import HouseholdRecord, birth_year, label

FIRST_PAGE_MEMBERS = 12     # roster rows on the first page; the rest go on continuation pages
MORE_PAGE_MEMBERS = 48
WIDTH, HEIGHT = PORTRAIT
LEFT = state_format().left
RIGHT = WIDTH - state_format().right
TOP = HEIGHT - state_format().top
ROW = 11.5
REASON_SIZE = 7.2
MEMBER_COLS = (("no", 18), ("name", 114), ("relationship", 50), ("sex", 38), ("birth_year", 42),
               ("ethnicity", 44), ("id_number", 62), ("insurance", 34), ("activity", 0))  # 0: the rest


@dataclass(frozen=True, slots=True)
class SheetData:
    """The texts of one household's sheet, ready to draw."""

    title: str
    subtitle: str
    ident: tuple[tuple[str, str], ...]             # (label, value) pairs, two per line
    member_head: tuple[str, ...]
    members: tuple[tuple[str, ...], ...]
    income_head: str
    sections: tuple[str, str]                      # members, indicators
    income_lines: tuple[str, ...]
    ind_head: tuple[str, str, str, str]
    indicators: tuple[tuple[str, str, str, bool], ...]   # number, name, status, deprived?  (reasons separately)
    reasons: tuple[str, ...]
    b2_line: str
    class_label: str
    class_value: HouseholdClass
    summary: str
    standard_line: str
    notes: tuple[str, ...]
    place_date: str
    signers: tuple[str, str]
    sign_hint: str
    continued: str
    footer: str

    @property
    def pages(self) -> int:
        return sheet_pages(len(self.members))


def sheet_pages(member_count: int) -> int:
    extra = max(0, member_count - FIRST_PAGE_MEMBERS)
    return 1 + -(-extra // MORE_PAGE_MEMBERS)


class Texts:
    """The texts of one document's sheets, each made once: labels, headings, statuses and most reasons repeat from
    household to household, and formatting them from the catalogue is most of what preparing a sheet costs."""

    LIMIT = 200_000

    def __init__(self, ctx: ReportContext):
        self.ctx = ctx
        self.memo: dict[tuple, str] = {}

    def _get(self, key: tuple, make) -> str:
        try:
            return self.memo[key]
        except KeyError:
            if len(self.memo) > self.LIMIT:
                self.memo.clear()
            text = self.memo[key] = make()
            return text
        except TypeError:            # a value that cannot be a key (a list, a dict): made every time
            return make()

    def tr(self, key: str, **values: Any) -> str:
        return self._get(("t", key, tuple(values.items())), lambda: self.ctx.tr(key, **values))

    def message(self, msg: Message) -> str:
        return self._get(("m", msg.key, tuple(msg.values.items())), lambda: msg.text(self.ctx.lang))

    def label(self, kind: str, code: Any) -> str:
        return self._get(("l", kind, code), lambda: label(kind, code, self.ctx.lang))


def prepare(rec: HouseholdRecord, ctx: ReportContext, texts: Texts | None = None) -> SheetData:
    texts = texts or Texts(ctx)
    tr = texts.tr
    lang = ctx.lang
    hh = rec.household
    res = rec.result
    on = hh.reference_date
    members = []
    for i, m in enumerate(hh.members, 1):
        by = birth_year(m)
        members.append((
            str(i), m.name, texts.label("relationship", m.get("relationship")), texts.label("sex", m.get("sex")),
            str(by) if by else "", str(m.get("ethnicity") or ""), str(m.get("id_number") or ""),
            texts.label("yesno", m.get("health_insurance")), texts.label("employment", m.get("employment")),
        ))
    inc = res.income
    area = tr(f"area.{res.area.value}") if res.area else tr("report.unknown")
    if inc.route in (IncomeRoute.B1_TABLE, IncomeRoute.B1_MANUAL) and inc.b1_score is not None:
        lines = [tr("report.sheet.b1_line", score=format_number(inc.b1_score, lang),
                    threshold=format_number(inc.b1_threshold or 0, lang), area=area)]
        if inc.manual:
            lines.append(tr("report.sheet.b1_manual"))
    elif inc.per_person_month is not None:
        lines = [tr("report.sheet.income_line", income=format_money(inc.per_person_month, lang),
                    line=format_money(inc.line or 0, lang), area=area)]
        if inc.total_12m is not None:
            lines.append(tr("report.sheet.income_total", total=format_money(inc.total_12m, lang),
                            members=len(hh.members)))
    else:
        lines = [tr("report.sheet.income_unknown")]
    indicators = []
    reasons = []
    for ind in res.indicators:
        indicators.append((str(ind.number), ind.name_vi if lang == "vi" else ind.name_en,
                           tr(f"status.{ind.status.value}") + (" *" if ind.provisional else ""),
                           ind.status is Status.DEPRIVED))
        reasons.append(texts.message(ind.reason))
    notes = []
    if any(i.provisional for i in res.indicators):
        notes.append(tr("report.sheet.provisional_rules"))
    if res.missing:
        notes.append(tr("report.sheet.missing", what=", ".join(res.missing[:6]) + (" …" if len(res.missing) > 6
                                                                                     else "")))
    if res.low_income_workers:
        notes.append(tr("report.sheet.low_income", names=", ".join(w.name for w in res.low_income_workers)))
    interview = format_date(hh.interview_date, lang) if hh.interview_date else tr("report.sheet.not_interviewed")
    ident = (
        (tr("report.sheet.head"), rec.head_name),
        (tr("report.sheet.village"), rec.village),
        (tr("report.sheet.address"), str(hh.get("address") or "")),
        (tr("report.sheet.area"), area),
        (tr("report.sheet.members"), str(len(hh.members))),
        (tr("report.sheet.interview_date"), interview),
        (tr("report.sheet.code"), hh.uuid[:8]),
        (tr("report.sheet.phone"), str(hh.get("phone") or "")),
    )
    return SheetData(
        title=tr("report.sheet.title"),
        subtitle=f"{ctx.commune_name}, {ctx.province_name} · {ctx.round_text}",
        ident=ident,
        member_head=tuple(tr(f"report.sheet.col.{k}") for k, _ in MEMBER_COLS),
        members=tuple(members),
        income_head=tr("report.sheet.income_head"),
        sections=(tr("report.sheet.members_head"), tr("report.sheet.indicators_head")),
        income_lines=tuple(lines),
        ind_head=(tr("report.sheet.col.no"), tr("report.sheet.col.indicator"), tr("report.sheet.col.status"),
                  tr("report.sheet.col.reason")),
        indicators=tuple(indicators),
        reasons=tuple(reasons),
        b2_line=tr("report.sheet.b2", score=res.b2_score, deprived=res.deprivation_count, n=len(res.indicators)),
        class_label=res.household_class.label(lang),
        class_value=res.household_class,
        summary=texts.message(res.summary),
        standard_line=tr("report.sheet.standard", title=res.standard_title_vi if lang == "vi"
                         else res.standard_title_en) + (" " + tr("report.provisional") if res.provisional else ""),
        notes=tuple(notes),
        place_date=tr("report.sheet.place_date", commune=ctx.commune_name),
        signers=(tr("report.sheet.sign_head"), tr("report.sheet.sign_enumerator")),
        sign_hint=tr("report.sheet.sign_hint"),
        continued=tr("report.sheet.continued"),
        footer=ctx.footer_text,
    )


@lru_cache(maxsize=65536)
def width(text: str, font: str, size: float) -> float:
    """A string's width, remembered: a commune's sheets measure the same labels and names over and over."""
    return stringWidth(text, font, size)


@lru_cache(maxsize=65536)
def _fit(text: str, room: float, font: str, size: float) -> str:
    """Cut a text to a column's width (with an ellipsis)."""
    if width(text, font, size) <= room:
        return text
    while text and width(text + "…", font, size) > room:
        text = text[:-1]
    return text + "…"


@lru_cache(maxsize=16384)
def _split(text: str, font: str, size: float, room: float) -> tuple[str, ...]:
    return tuple(simpleSplit(text, font, size, room))


class Pen:
    """The strings of a page, written as PDF text operators into one text block drawn over the page's lines and
    shading when the page ends. reportlab's drawString opens a text object, shapes, measures, splits into font
    subsets and escapes every string anew — most of the time a sheet takes, and a commune's sheets repeat the same
    labels, names and reasons thousands of times — so each distinct (text, font, size) is encoded once per document
    (the font subsets' codes are stable within a document) and reused. Uses the canvas's document (`_doc`), its
    escaping (`_escape`) and its page stream (`_code`), as reportlab's own text object does."""

    def __init__(self, c: Canvas):
        self.c = c
        self.doc = c._doc
        self.escape = c._escape
        self.fonts = {name: getFont(name) for name in (FONT, FONT_BOLD)}
        self.encoded: dict[tuple[str, str, float], str] = {}
        self.parts: list[str] = ["0 0 0 rg"]
        self.colour = colors.black

    def _ops(self, s: str, font: str, size: float) -> str:
        key = (s, font, size)
        ops = self.encoded.get(key)
        if ops is None:
            f = self.fonts[font]
            ops = " ".join(f"{f.getSubsetInternalName(subset, self.doc)} {size:g} Tf ({self.escape(t)}) Tj"
                           for subset, t in f.splitString(s, self.doc))
            self.encoded[key] = ops
        return ops

    def text(self, x: float, y: float, s: str, font: str = FONT, size: float = 7.5) -> None:
        if s:
            self.parts.append(f"1 0 0 1 {x:.2f} {y:.2f} Tm {self._ops(s, font, size)}")

    def right(self, x: float, y: float, s: str, font: str = FONT, size: float = 7.5) -> None:
        self.text(x - width(s, font, size), y, s, font, size)

    def centre(self, x: float, y: float, s: str, font: str = FONT, size: float = 7.5) -> None:
        self.text(x - width(s, font, size) / 2, y, s, font, size)

    def fill(self, colour: colors.Color) -> None:
        if colour != self.colour:
            self.parts.append(f"{colour.red:.3f} {colour.green:.3f} {colour.blue:.3f} rg")
            self.colour = colour

    def show_page(self) -> None:
        self.c._code.append("BT\n" + "\n".join(self.parts) + "\nET")
        self.c.showPage()
        self.parts = ["0 0 0 rg"]
        self.colour = colors.black


GREY = colors.HexColor("#444444")
FOOTER_GREY = colors.HexColor("#555555")
SHADING = colors.HexColor("#e8e8e8")
MEMBER_XS = [LEFT]
for _key, _w in MEMBER_COLS:
    MEMBER_XS.append(MEMBER_XS[-1] + (_w or (RIGHT - MEMBER_XS[-1])))
IND_XS = (LEFT, LEFT + 16, LEFT + 172, LEFT + 250, RIGHT)


def _section(pen: Pen, y: float, text: str) -> float:
    pen.text(LEFT, y, text, FONT_BOLD, 9.5)
    return y - 4


def _member_table(pen: Pen, y: float, head: Sequence[str], rows: Sequence[Sequence[str]]) -> float:
    c = pen.c
    xs = MEMBER_XS
    c.setFillColor(SHADING)
    c.rect(LEFT, y - ROW, RIGHT - LEFT, ROW, stroke=0, fill=1)
    for i, h in enumerate(head):
        pen.text(xs[i] + 2, y - ROW + 3.3, _fit(h, xs[i + 1] - xs[i] - 3, FONT_BOLD, 7), FONT_BOLD, 7)
    top = y
    y -= ROW
    for row in rows:
        for i, v in enumerate(row):
            pen.text(xs[i] + 2, y - ROW + 3.3, _fit(v, xs[i + 1] - xs[i] - 3, FONT, 7.5), FONT, 7.5)
        y -= ROW
    c.setStrokeColor(GRID)
    c.setLineWidth(0.4)
    c.lines([(LEFT, top - k * ROW, RIGHT, top - k * ROW) for k in range(len(rows) + 2)] +
            [(x, top, x, y) for x in xs])
    return y


def _header(pen: Pen, d: SheetData) -> float:
    y = TOP - 10
    pen.centre(WIDTH / 2, y, d.title, FONT_BOLD, 12.5)
    y -= 13
    pen.centre(WIDTH / 2, y, d.subtitle, FONT, 8.5)
    return y - 12


def _footer(pen: Pen, d: SheetData, page: int, total: int, page_word: str) -> None:
    pen.fill(FOOTER_GREY)
    pen.text(LEFT, 9 * mm, d.footer, FONT, 7)
    pen.right(RIGHT, 9 * mm, page_word.format(page=page, total=total), FONT, 7)
    pen.fill(colors.black)


def draw_sheet(c: Canvas | Pen, d: SheetData, first_page: int, total_pages: int, page_word: str) -> int:
    """Draw one household's pages; returns how many were drawn."""
    pen = c if isinstance(c, Pen) else Pen(c)
    c = pen.c
    y = _header(pen, d)
    # identification, two pairs per line
    half = (RIGHT - LEFT) / 2
    label_w = [max(width(lab + ":", FONT, 8.5) for lab, _ in d.ident[j::2]) + 6 for j in (0, 1)]
    for i in range(0, len(d.ident), 2):
        for j, (lab, val) in enumerate(d.ident[i:i + 2]):
            x = LEFT + j * half
            pen.text(x, y, lab + ":", FONT, 8.5)
            pen.text(x + label_w[j], y, _fit(val, half - label_w[j] - 6, FONT_BOLD, 8.5), FONT_BOLD, 8.5)
        y -= 11.5
    y -= 2
    y = _section(pen, y - 4, d.sections[0]) - 2
    first = d.members[:FIRST_PAGE_MEMBERS]
    y = _member_table(pen, y, d.member_head, first)
    if len(d.members) > FIRST_PAGE_MEMBERS:
        pen.right(RIGHT, y - 8, d.continued, FONT, 7)
        y -= 8
    y -= 14
    # income
    y = _section(pen, y, d.income_head)
    for line in d.income_lines:
        y -= 10.5
        pen.text(LEFT + 8, y, line, FONT, 8.5)
    y -= 16
    # indicators
    y = _section(pen, y, d.sections[1]) - 2
    cols = IND_XS
    c.setFillColor(SHADING)
    c.rect(LEFT, y - ROW, RIGHT - LEFT, ROW, stroke=0, fill=1)
    for i, h in enumerate(d.ind_head):
        pen.text(cols[i] + 2, y - ROW + 3.3, h, FONT_BOLD, 7)
    top = y
    y -= ROW
    rules = [top, y]
    reason_w = cols[4] - cols[3] - 4
    for (num, name, status, deprived), reason in zip(d.indicators, d.reasons):
        lines = _split(reason, FONT, REASON_SIZE, reason_w)
        if len(lines) > 2:
            lines = (lines[0], _fit(" ".join(lines[1:]), reason_w, FONT, REASON_SIZE))
        h = max(ROW, 3 + 8.6 * len(lines))
        base = y - 8.6
        pen.text(cols[0] + 2, base, num, FONT, 7.5)
        pen.text(cols[1] + 2, base, _fit(name, cols[2] - cols[1] - 4, FONT, 7.5), FONT, 7.5)
        pen.text(cols[2] + 2, base, status, FONT_BOLD if deprived else FONT, 7.5)
        for k, line in enumerate(lines):
            pen.text(cols[3] + 2, base - 8.6 * k, line, FONT, REASON_SIZE)
        y -= h
        rules.append(y)
    c.setStrokeColor(GRID)
    c.setLineWidth(0.4)
    c.lines([(LEFT, r, RIGHT, r) for r in rules] + [(x, top, x, y) for x in cols])
    y -= 12
    pen.text(LEFT, y, d.b2_line, FONT_BOLD, 8.5)
    y -= 18
    # result
    c.setLineWidth(0.8)
    c.setStrokeColor(colors.black)
    c.rect(LEFT, y - 6, RIGHT - LEFT, 19, stroke=1, fill=0)
    pen.text(LEFT + 6, y, d.class_label.upper(), FONT_BOLD, 11)
    y -= 18
    for line in _split(d.summary, FONT, 7.8, RIGHT - LEFT):
        pen.text(LEFT, y, line, FONT, 7.8)
        y -= 9.5
    for line in _split(d.standard_line, FONT, 7.2, RIGHT - LEFT):
        pen.text(LEFT, y, line, FONT, 7.2)
        y -= 9
    pen.fill(GREY)
    for note in d.notes:
        for line in _split(note, FONT, 6.8, RIGHT - LEFT):
            pen.text(LEFT, y, line, FONT, 6.8)
            y -= 8.5
    pen.fill(colors.black)
    # signatures
    y = min(y - 6, 52 * mm)
    pen.right(RIGHT, y, d.place_date, FONT, 8.5)
    y -= 14
    mid = (LEFT + RIGHT) / 2
    pen.centre((LEFT + mid) / 2, y, d.signers[0], FONT_BOLD, 8.5)
    pen.centre((mid + RIGHT) / 2, y, d.signers[1], FONT_BOLD, 8.5)
    pen.centre((LEFT + mid) / 2, y - 10, d.sign_hint, FONT, 7)
    pen.centre((mid + RIGHT) / 2, y - 10, d.sign_hint, FONT, 7)
    _footer(pen, d, first_page, total_pages, page_word)
    pen.show_page()
    drawn = 1
    rest = d.members[FIRST_PAGE_MEMBERS:]
    while rest:
        y = _header(pen, d)
        pen.text(LEFT, y, f"{d.ident[0][1]} — {d.continued}", FONT_BOLD, 9)
        _member_table(pen, y - 6, d.member_head, rest[:MORE_PAGE_MEMBERS])
        rest = rest[MORE_PAGE_MEMBERS:]
        _footer(pen, d, first_page + drawn, total_pages, page_word)
        pen.show_page()
        drawn += 1
    return drawn


def write_sheets(records: Sequence[HouseholdRecord], ctx: ReportContext, out: IO[bytes] | str,
                 step: int = 50) -> Job[int]:
    """Print the sheets of `records` (in the order given) into one PDF; yields progress, returns the page count.
    Nothing is written to `out` until the last page is drawn, so closing the job leaves no half document."""
    register_fonts()
    total_pages = sum(sheet_pages(len(r.household.members)) for r in records)
    texts = Texts(ctx)
    return (yield from write_prepared((prepare(r, ctx, texts) for r in records), len(records), total_pages, ctx, out,
                                      step))


def write_prepared(sheets: Iterable[SheetData], count: int, total_pages: int, ctx: ReportContext,
                   out: IO[bytes] | str, step: int = 50) -> Job[int]:
    register_fonts()
    c = Canvas(out, pagesize=PORTRAIT, pageCompression=1, initialFontName=FONT)
    set_metadata(c, ctx, ctx.tr("report.sheet.doc_title"))
    page_word = ctx.tr("report.page_template")
    page = 1
    message = ctx.tr("report.progress.sheets")
    pen = Pen(c)
    yield Progress(0, count, message)
    for done, data in enumerate(sheets, 1):
        page += draw_sheet(pen, data, page, total_pages, page_word)
        if done % step == 0 or done == count:
            yield Progress(done, count, message)
    if page == 1:  # nothing to print: one page that says so, with the context line and its number
        pen.centre(WIDTH / 2, HEIGHT / 2, ctx.tr("report.nothing"), FONT, 11)
        pen.fill(FOOTER_GREY)
        pen.text(LEFT, 9 * mm, ctx.footer_text, FONT, 7)
        pen.right(RIGHT, 9 * mm, page_word.format(page=1, total=1), FONT, 7)
        pen.show_page()
        page += 1
    c.save()
    return page - 1
