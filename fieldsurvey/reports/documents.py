"""What each official document says, made from the household records and the commune's figures: the values of
its placeholders and the rows of its tables (`DocumentData`), exactly the ones its kind declares
(fieldsurvey.reports.templates.KINDS). The templates decide what of it is printed, where and in which order.

Inputs the workspace does not hold — the chairman's name, a decision's number, the meeting's attendance and votes —
come in `Inputs` (from the command line or an inputs file); what is not given prints as "……" to be filled by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Mapping, Sequence

from fieldsurvey.domain.figures import CAUSES, CHILD_ITEMS, MOVEMENT_COLUMNS, TARGET_GROUPS, Move, UnitResults
from fieldsurvey.domain.income import IncomeRoute
from fieldsurvey.domain.lifecycle import RESIDENT
from fieldsurvey.domain.results import HouseholdClass, Status
from fieldsurvey.i18n import fold, format_date, format_money, format_number
from fieldsurvey.reports.base import ReportContext
from fieldsurvey.reports.datafile import DataFile
from fieldsurvey.reports.records import HouseholdRecord, birth_year, is_minority, label
from fieldsurvey.reports.render import DocumentData, Rows
from fieldsurvey.reports.templates import Template

POOR, NEAR = HouseholdClass.POOR, HouseholdClass.NEAR_POOR
UNIT_PREFIXES = ("xã ", "phường ", "đặc khu ", "thị trấn ", "thôn ", "bản ", "tổ dân phố ", "tổ ", "ấp ", "làng ",
                 "buôn ", "khu phố ", "khối ", "xóm ", "sóc ", "plei ")
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December")


@dataclass(frozen=True)
class Inputs:
    """What a document needs that the workspace does not hold. Anything missing prints as "……"."""

    chairman: str | None = None                 # the signer's name
    number: str | None = None                   # a decision's or a report's number in the commune's register
    issued_on: date | None = None               # the date written on an official copy
    meeting: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)   # village → chair, secretary, place,
                                                # start, end, attending (households), listed (households)
    votes: Mapping[str, int] = field(default_factory=dict)                   # household id → attendees agreeing


def place_name(name: str) -> str:
    """The place written before the date: the unit's name without "Xã", "Phường", "Thôn" … (Decree 30/2020: the
    name of the commune, e.g. "Cẩm Duệ, ngày …")."""
    low = name.lower()
    for prefix in UNIT_PREFIXES:
        rest = name[len(prefix):]
        if low.startswith(prefix) and rest and not rest[0].isdigit():     # "Thôn 1" stays "Thôn 1"
            return rest
    return name


def state_date(on: date | None, lang: str) -> str:
    """"ngày 05 tháng 02 năm 2026": days below 10 and the months 1 and 2 with a leading zero (Decree 30/2020);
    "ngày …… tháng …… năm ……" when there is no date yet."""
    if on is None:
        return "ngày …… tháng …… năm ……" if lang == "vi" else "…… (day) …… (month) …… (year)"
    if lang == "vi":
        month = f"{on.month:02d}" if on.month <= 2 else str(on.month)
        return f"ngày {on.day:02d} tháng {month} năm {on.year}"
    return f"{on.day} {MONTHS_EN[on.month - 1]} {on.year}"


def common_values(ctx: ReportContext, inputs: Inputs, number: Any = None) -> dict[str, Any]:
    lang = ctx.lang
    return {
        "commune": ctx.commune_name, "commune_place": place_name(ctx.commune_name), "province": ctx.province_name,
        "year": str(ctx.review_year), "round": ctx.round_text, "standard": ctx.standard.title(lang),
        "date": state_date(ctx.issued_on if ctx.official else None, lang),
        "number": number if number is not None else (inputs.number if ctx.official else None),
        "chairman": inputs.chairman, "printed_at": ctx.printed_text,
    }


def _date_text(value: Any, lang: str) -> str:
    if isinstance(value, str) and len(value) >= 10:
        try:
            return format_date(date.fromisoformat(value[:10]), lang)
        except ValueError:
            return value
    return str(value or "")


def household_values(rec: HouseholdRecord, ctx: ReportContext) -> dict[str, Any]:
    lang = ctx.lang
    hh = rec.household
    head = rec.head
    get = (lambda k: head.get(k)) if head is not None else (lambda k: None)
    address = str(hh.get("address") or rec.village or "")
    parts = [address]
    for unit in (ctx.commune_name, ctx.province_name):        # the commune and province, unless the address says them
        if unit and fold(place_name(unit)) not in fold(address):
            parts.append(unit)
    residence = ", ".join(x for x in parts if x)
    sex = get("sex")
    return {
        "head_name": rec.head_name, "head_ethnicity": str(get("ethnicity") or ""),
        "head_id": str(get("id_number") or ""),
        "head_id_issued": _date_text(get("id_issue_date"), lang), "head_sex": label("sex", sex, lang),
        "head_sex_code": {"male": "1", "female": "2"}.get(sex or "", ""),
        "head_birth_date": _birth_date(head, lang) if head is not None else "",
        "residence": residence, "current_address": str(hh.get("current_address") or "") or residence,
        "village": rec.village, "village_place": place_name(rec.village),
        "class_label": _lower_class(rec.cls.value, lang),
        "previous_class_label": _lower_class(rec.previous.household_class if rec.previous else None, lang),
        "household_code": hh.uuid[:8],
        "head_male_box": "■" if sex == "male" else "□", "head_female_box": "■" if sex == "female" else "□",
    }


def _lower_class(value: str | None, lang: str) -> str:
    if value not in HouseholdClass._value2member_map_:
        return ""
    text = HouseholdClass(value).label(lang)
    return text[:1].lower() + text[1:]


def _birth_date(member: Any, lang: str) -> str:
    born = member.get("birth_date")
    if isinstance(born, str) and len(born) == 10:
        return _date_text(born, lang)
    year = birth_year(member)
    return str(year) if year else ""


def member_status(member: Any, lang: str) -> str:
    """Mẫu số 01's "Tình trạng": has work / has no work / at school."""
    work = member.get("employment")
    if work == "student" or member.get("attending_school") in ("yes", True):
        key = "studying"
    elif work in ("wage_contract", "wage_no_contract", "self_employed"):
        key = "working"
    elif work:
        key = "not_working"
    else:
        return ""
    return label("member_status", key, lang)


def member_rows(rec: HouseholdRecord, lang: str) -> Rows:
    rows = []
    for m in rec.household.members:
        year = birth_year(m)
        sex = m.get("sex")
        rows.append({
            "name": m.name, "ethnicity": str(m.get("ethnicity") or ""),
            "relationship": label("relationship", m.get("relationship"), lang),
            "birth_year": str(year) if year else "", "birth_year_male": str(year) if year and sex == "male" else "",
            "birth_year_female": str(year) if year and sex == "female" else "",
            "birth_date": _birth_date(m, lang), "sex": label("sex", sex, lang),
            "sex_code": {"male": "1", "female": "2"}.get(sex or "", ""), "status": member_status(m, lang),
            "id_number": str(m.get("id_number") or ""), "notes": str(m.get("notes") or ""),
        })
    return Rows(rows)


def provisional_notes(records: Sequence[HouseholdRecord], ctx: ReportContext) -> list[str]:
    """What a draft says about the rules it was classified with: the standard or some of its rules not yet
    checked against the official text."""
    if any(i.provisional for r in records for i in r.result.indicators) or ctx.standard.uses_provisional_rules:
        return [ctx.tr("report.draft.provisional_rules")]
    return []


# --- certificate (Decision 24/2021, Mẫu số 03) ---------------------------------------------------------------------

CERTIFIED = (POOR, NEAR)


def certified(records: Sequence[HouseholdRecord]) -> list[HouseholdRecord]:
    """The households that get a certificate: those the commune's count holds poor or near-poor this year (never a
    merged-away duplicate, a household that moved away, an unfinished one — nor, on an official copy, one not
    approved)."""
    return [r for r in records if r.counted in CERTIFIED]


def certificate_data(rec: HouseholdRecord, ctx: ReportContext, tpl: Template, inputs: Inputs,
                     number: int | None) -> DocumentData:
    values = common_values(ctx, inputs, number)
    values.update(household_values(rec, ctx))
    prefill = tpl.extra.get("prefill_year", True)
    box = ctx.review_year + int(tpl.extra.get("prefill_offset", 0))
    years = []
    for year in range(ctx.standard.first_year, ctx.standard.last_year + 1):
        mark = prefill and year == box
        years.append({"year": str(year), "poor": mark and rec.counted is POOR, "near_poor": mark and rec.counted is NEAR,
                      "signature": ""})
    return DocumentData(values, {"members": member_rows(rec, ctx.lang), "years": Rows(years)},
                        provisional_notes([rec], ctx) if ctx.draft else [])


# --- the household's requests (Decision 24/2021, Mẫu số 01 and Mẫu số 04) ---------------------------------------

REQUESTS = {"request_review": ("new_poor", "new_near_poor"),
            "request_escape": ("escaped_poor", "escaped_near_poor", "poor_to_near_poor")}


def requesting(records: Sequence[HouseholdRecord], kind: str) -> list[HouseholdRecord]:
    """The households a request form is pre-filled for by default [U]: new poor and near-poor households for the
    review request (Mẫu số 01); households escaping for the escape request (Mẫu số 04)."""
    return [r for r in records if category(r) in REQUESTS[kind]]


def request_data(rec: HouseholdRecord, ctx: ReportContext, inputs: Inputs) -> DocumentData:
    values = common_values(ctx, inputs)
    values.update(household_values(rec, ctx))
    return DocumentData(values, {"members": member_rows(rec, ctx.lang)})


# --- the household's form for signature (Phiếu B, pre-filled) -----------------------------------------------------

class Memo:
    """Texts made once per document: the labels, statuses and most reasons repeat from household to household, and
    formatting them from the catalogue is most of what preparing a household's form costs."""

    LIMIT = 200_000

    def __init__(self, ctx: ReportContext):
        self.ctx = ctx
        self.memo: dict[tuple, str] = {}

    def get(self, key: tuple, make: Any) -> str:
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
        return self.get(("t", key, tuple(values.items())), lambda: self.ctx.tr(key, **values))

    def message(self, msg: Any) -> str:
        return self.get(("m", msg.key, tuple(msg.values.items())), lambda: msg.text(self.ctx.lang))

    def label(self, kind: str, code: Any) -> str:
        return self.get(("l", kind, code), lambda: label(kind, code, self.ctx.lang))


def income_values(rec: HouseholdRecord, ctx: ReportContext, memo: Memo) -> dict[str, str]:
    """B1 labelled for what it is: a score from the province's point table, a score added up on paper and typed
    in, or the income measured directly (which is not a B1 score)."""
    lang = ctx.lang
    inc = rec.result.income
    res = rec.result
    area = memo.tr(f"area.{res.area.value}") if res.area else memo.tr("report.unknown")
    if inc.route in (IncomeRoute.B1_TABLE, IncomeRoute.B1_MANUAL) and inc.b1_score is not None:
        key = "report.form.b1_table" if inc.route is IncomeRoute.B1_TABLE else "report.form.b1_manual"
        return {"b1_label": memo.tr(key, table=inc.point_table or ""),
                "b1_value": memo.tr("report.form.b1_value", score=format_number(inc.b1_score, lang),
                                    threshold=format_number(inc.b1_threshold or 0, lang), area=area),
                "b1_note": memo.tr("report.form.synthetic_table") if inc.point_table_synthetic else ""}
    if inc.per_person_month is not None:
        note = ""
        if inc.total_12m is not None:
            note = memo.tr("report.form.income_total", total=format_money(inc.total_12m, lang),
                           members=len(rec.household.members))
        return {"b1_label": memo.tr("report.form.income_direct"),
                "b1_value": memo.tr("report.form.income_value", income=format_money(inc.per_person_month, lang),
                                    line=format_money(inc.line or 0, lang), area=area),
                "b1_note": note}
    return {"b1_label": memo.tr("report.form.income_direct"), "b1_value": memo.tr("report.form.income_unknown"),
            "b1_note": ""}


def extra_answer_rows(extras: Mapping[str, Any] | None, memo: Memo) -> Rows:
    """The answers a household's form asks beyond the state's fields (services.forms.SheetExtras: the form
    engine's view of them) as the lines of the sheet's `answers` block: each rank answer as its choices in order
    ("1. Làm thuê; 2. Trồng trọt"), then each member (numbered as in the members' table) with their ranks and their
    repeats inside the roster, an instance a line ("Việc làm thứ 1: Công việc: Trồng lúa; Số tháng làm: 6"), the
    repeats inside an instance indented under it. `level`: the indent; `bold`: a member's line."""
    rows: list[dict[str, Any]] = []
    if not extras:
        return Rows(rows)

    def said(a: Mapping[str, Any]) -> str:
        if a.get("order") is not None:
            value = "; ".join(memo.tr("report.sheet.extras.rank_item", n=n, label=label)
                              for n, label in enumerate(a["order"], 1))
        else:
            value = a["value"]
        return f"{a['label']}: {value}"

    def repeat(rep: Mapping[str, Any], level: int) -> None:
        for inst in rep["instances"]:
            head = memo.tr("report.sheet.extras.instance", label=rep["label"], number=inst["number"])
            body = "; ".join(said(a) for a in inst["answers"]) or memo.tr("report.sheet.extras.none")
            rows.append({"text": f"{head}: {body}", "level": level, "bold": False})
            for inner in inst["repeats"]:
                repeat(inner, level + 1)

    for a in extras.get("answers", ()):
        rows.append({"text": said(a), "level": 0, "bold": False})
    for m in extras.get("members", ()):
        rows.append({"text": memo.tr("report.sheet.extras.member", no=m["index"] + 1, name=m["name"]), "level": 0,
                     "bold": True})
        rows += [{"text": said(a), "level": 1, "bold": False} for a in m["answers"]]
        for rep in m["repeats"]:
            repeat(rep, 1)
    return Rows(rows)


def household_form_data(rec: HouseholdRecord, ctx: ReportContext, inputs: Inputs, memo: Memo,
                        extras: Mapping[str, Any] | None = None) -> DocumentData:
    """Phiếu B pre-filled: the household, its members, B1 (labelled for what it is) and B2 as the indicators with
    their points and the total, the class, for the head and the enumerator to sign; and what the household's form
    asks beyond the state's fields (`extras`: rank answers, repeats inside the roster under their member)."""
    lang = ctx.lang
    hh = rec.household
    res = rec.result
    values = common_values(ctx, inputs)
    values.update(household_values(rec, ctx))
    values.update(income_values(rec, ctx, memo))
    points = ctx.standard.b2_points_per_indicator
    indicators = []
    for ind in res.indicators:
        deprived = ind.status is Status.DEPRIVED
        indicators.append({"no": ind.number, "name": ind.name_vi if lang == "vi" else ind.name_en,
                           "deprived": deprived, "points": points if deprived else 0,
                           "status": memo.tr(f"status.{ind.status.value}") + (" *" if ind.provisional else ""),
                           "reason": memo.message(ind.reason)})
    members = member_rows(rec, lang)
    for row, m in zip(members.rows, hh.members):
        row["insurance"] = memo.label("yesno", m.get("health_insurance"))     # type: ignore[index]
        row["work"] = memo.label("employment", m.get("employment"))            # type: ignore[index]
    values.update({
        "b2_total": format_number(res.b2_score, lang), "deprivation_count": str(res.deprivation_count),
        "indicator_count": str(len(res.indicators)), "b2_points": str(points),
        "class": res.household_class.label(lang), "summary": memo.message(res.summary),
        "standard_title": res.standard_title_vi if lang == "vi" else res.standard_title_en,
        "interview_date": format_date(hh.interview_date, lang) if hh.interview_date
        else memo.tr("report.sheet.not_interviewed"),
        "area": memo.tr(f"area.{res.area.value}") if res.area else "", "members_count": str(len(hh.members)),
        "phone": str(hh.get("phone") or ""), "address": str(hh.get("address") or ""),
        "enumerator": str(hh.get("enumerator") or ""),
        "low_income_workers": ", ".join(w.name for w in res.low_income_workers)})
    notes = []
    if ctx.draft:
        if any(i.provisional for i in res.indicators) or res.provisional:
            notes.append(memo.tr("report.sheet.provisional_rules"))
        if res.missing:
            notes.append(memo.tr("report.sheet.missing", what=", ".join(res.missing[:6]) + (
                " …" if len(res.missing) > 6 else "")))
    return DocumentData(values, {"members": members, "indicators": Rows(indicators),
                                 "answers": extra_answer_rows(extras, memo)}, notes)


# --- helpers shared by the lists ----------------------------------------------------------------------------------

def income_text(rec: HouseholdRecord, ctx: ReportContext) -> str:
    inc = rec.result.income
    if inc.route in (IncomeRoute.B1_TABLE, IncomeRoute.B1_MANUAL) and inc.b1_score is not None:
        return format_number(inc.b1_score, ctx.lang)
    return ""


def deprived_numbers(rec: HouseholdRecord) -> str:
    return ", ".join(str(i.number) for i in rec.result.indicators if i.status is Status.DEPRIVED)


def movement_of(rec: HouseholdRecord) -> str:
    """What happened to the household since last year, as the commune's count says (domain/figures.Move)."""
    return rec.move or Move.UNDECIDED


def minority(rec: HouseholdRecord) -> bool:
    head = rec.head
    return head is not None and is_minority(head.get("ethnicity"))


# --- the households on lists: the minutes, the posting, the decision's lists ---------------------------------------

# What happened to a household between last year's list and this year's, in the order the lists show the groups.
# (fieldsurvey.domain.movement says it; the decision splits "escaped" by the class it escaped from.)
CATEGORIES = ("new_poor", "new_near_poor", "near_poor_to_poor", "poor_to_near_poor", "escaped_poor",
              "escaped_near_poor", "remained_poor", "remained_near_poor", "unclassified")
ON_THE_LISTS = frozenset(CATEGORIES)


def category(rec: HouseholdRecord) -> str | None:
    """The group a household is discussed in at the village meeting and posted under, or None when it was and is
    neither poor nor near-poor (or moved away)."""
    move = movement_of(rec)
    prev = rec.previous.household_class if rec.previous else None
    if move in ("new", "fell_back"):
        return "new_poor" if rec.counted is POOR else "new_near_poor"
    if move == "escaped":
        return "escaped_poor" if prev == "poor" else "escaped_near_poor"
    if move in ("remained_poor", "remained_near_poor", "poor_to_near_poor", "near_poor_to_poor"):
        return move
    if move == "unclassified" and prev in ("poor", "near_poor"):
        return "unclassified"
    return None


def decision_lists(rec: HouseholdRecord) -> list[str]:
    """The decision's lists a household is on: poor / near-poor by this year's class; escaped poor (last year
    poor, now not) and escaped near-poor (last year near-poor, now neither) [U: a poor household that became
    near-poor is on both the near-poor and the escaped-poor list]."""
    if rec.counted is None:   # not counted in a class (the commune's count): on no list
        return []
    out = []
    if rec.counted is POOR:
        out.append("poor")
    elif rec.counted is NEAR:
        out.append("near_poor")
    prev = rec.previous.household_class if rec.previous else None
    if prev == "poor" and rec.counted is not POOR:
        out.append("escaped_poor")
    elif prev == "near_poor" and rec.counted in (HouseholdClass.AVERAGE, HouseholdClass.NOT_POOR):
        out.append("escaped_near_poor")
    return out


def vote_of(rec: HouseholdRecord, inputs: Inputs) -> int | None:
    """Attendees who agreed with the household's result, from the inputs (by its id or the start of it)."""
    uuid = rec.household.uuid.lower()
    for key, value in inputs.votes.items():
        if uuid.startswith(key):
            return value
    return None


def household_row(rec: HouseholdRecord, ctx: ReportContext, inputs: Inputs, attending: int | None = None,
                  group: str | None = None) -> dict[str, Any]:
    lang = ctx.lang
    head = rec.head
    prev = rec.previous.household_class if rec.previous else None
    agreed = vote_of(rec, inputs)
    res = rec.result
    return {
        "head_name": rec.head_name, "code": rec.household.uuid[:8], "village": rec.village,
        "address": str(rec.household.get("address") or ""),
        "ethnicity": str((head.get("ethnicity") if head else "") or ""), "minority": minority(rec),
        "members": len(rec.household.members), "area": ctx.tr(f"area.{res.area.value}") if res.area else "",
        "b1": income_text(rec, ctx), "b2": res.b2_score,
        "income": round(res.income.per_person_month) if res.income.per_person_month is not None
        and res.income.route is IncomeRoute.DIRECT else None,
        "deprived": deprived_numbers(rec), "class": (rec.counted or rec.cls).label(lang),
        "previous_class": HouseholdClass(prev).label(lang) if prev in HouseholdClass._value2member_map_ else "",
        "movement": label("movement", movement_of(rec), lang),
        "category": group or "", "head_id": str((head.get("id_number") if head else "") or ""),
        "agreed": agreed,
        "agreed_share": round(100.0 * agreed / attending, 2) if agreed is not None and attending else None,
        "notes": str(rec.household.get("notes") or ""),
        "members_text": "; ".join(m.name for m in rec.household.members),
        "female_head": head is not None and head.get("sex") == "female",
    }


def category_rows(records: Sequence[HouseholdRecord], ctx: ReportContext, inputs: Inputs,
                  attending: int | None = None) -> Rows:
    """The households on the lists, grouped by what happened to them (CATEGORIES order), by name within a group."""
    found: dict[str, list[HouseholdRecord]] = {c: [] for c in CATEGORIES}
    for rec in records:
        cat = category(rec)
        if cat:
            found[cat].append(rec)
    rows = []
    for cat in CATEGORIES:
        group = ctx.tr(f"report.category.{cat}")
        rows += [household_row(r, ctx, inputs, attending, group) for r in found[cat]]
    return Rows(rows)


def village_counts(records: Sequence[HouseholdRecord]) -> dict[str, int]:
    cats = [category(r) for r in records]
    classes = [r.counted for r in records if r.counted is not None]
    return {"poor_count": sum(1 for c in classes if c is POOR),
            "near_poor_count": sum(1 for c in classes if c is NEAR),
            "escaped_count": sum(1 for c in cats if c in ("escaped_poor", "escaped_near_poor", "poor_to_near_poor")),
            "new_count": sum(1 for c in cats if c in ("new_poor", "new_near_poor")),
            "average_count": sum(1 for c in classes if c is HouseholdClass.AVERAGE),
            # resident households whose answers do not classify them yet (never counted in a class)
            "incomplete_count": sum(1 for r in records if r.cls is HouseholdClass.INCOMPLETE
                                    and (r.status is None or r.status in RESIDENT))}


def village_values(village: str, records: Sequence[HouseholdRecord], ctx: ReportContext,
                   inputs: Inputs) -> dict[str, Any]:
    """A village's values for its minutes and posting list. The households listed for review default to those of
    the village in this workspace [U: the list to review is Phụ lục I's; give `listed` in the inputs]."""
    mine = [r for r in records if r.village == village]
    meeting = inputs.meeting.get(village) or {}
    listed = meeting.get("listed", sum(1 for r in mine if not r.moved_away))
    attending = meeting.get("attending")
    values = common_values(ctx, inputs)
    values.update(village_counts(mine))
    values.update({
        "village": village, "village_place": place_name(village), "listed": format_number(listed, ctx.lang),
        "attending": None if attending is None else format_number(attending, ctx.lang),
        "attending_share": None if attending is None or not listed
        else format_number(100.0 * attending / listed, ctx.lang, 2),
        "chair": meeting.get("chair"), "secretary": meeting.get("secretary"), "meeting_place": meeting.get("place"),
        "meeting_start": meeting.get("start"), "meeting_end": meeting.get("end")})
    for key in ("poor_count", "near_poor_count", "escaped_count", "new_count", "average_count", "incomplete_count"):
        values[key] = format_number(values[key], ctx.lang)
    return values


def minutes_data(village: str, records: Sequence[HouseholdRecord], ctx: ReportContext,
                 inputs: Inputs) -> DocumentData:
    """A village meeting's minutes (Circular 07/2021, Phụ lục V): the attendance and the vote per household."""
    mine = [r for r in records if r.village == village]
    meeting = inputs.meeting.get(village) or {}
    values = village_values(village, records, ctx, inputs)
    return DocumentData(values, {"households": category_rows(mine, ctx, inputs, meeting.get("attending"))},
                        provisional_notes(mine, ctx) if ctx.draft else [])


def posting_data(village: str, records: Sequence[HouseholdRecord], ctx: ReportContext,
                 inputs: Inputs) -> DocumentData:
    """A village's list for the public posting (niêm yết), grouped, with the meeting's vote per household."""
    return minutes_data(village, records, ctx, inputs)


def decision_data(records: Sequence[HouseholdRecord], ctx: ReportContext, inputs: Inputs) -> DocumentData:
    """The chairman's decision (Decision 24/2021, Mẫu số 02) and its four lists, by village."""
    lists: dict[str, list[dict[str, Any]]] = {k: [] for k in ("poor", "near_poor", "escaped_poor",
                                                              "escaped_near_poor")}
    members: dict[str, int] = dict.fromkeys(lists, 0)
    for rec in records:
        for name in decision_lists(rec):
            lists[name].append(household_row(rec, ctx, inputs))
            members[name] += len(rec.household.members)
    values = common_values(ctx, inputs)
    lang = ctx.lang
    values.update({f"{k}_count": format_number(len(v), lang) for k, v in lists.items()})
    values.update({f"{k}_members": format_number(members[k], lang) for k in lists})
    values["households"] = format_number(sum(1 for r in records if r.counted is not None), lang)
    return DocumentData(values, {k: Rows(v) for k, v in lists.items()},
                        provisional_notes(records, ctx) if ctx.draft else [])


# --- the commune's report (the official tables) ---------------------------------------------------------------------

def _share(part: int, whole: int | None) -> float | None:
    """part ÷ whole in %, two decimals; None when the whole is not known (resident households not entered)."""
    if whole is None:
        return None
    return round(100.0 * part / whole, 2) if whole else 0.0


def _rate(part: int, whole: int | None) -> float | None:
    """A rate over resident households, in %, two decimals; None (an empty cell) when their number is not entered
    or is 0 — a unit with no such households has no rate."""
    return round(100.0 * part / whole, 2) if whole else None


def unit_row(unit: Any, minority: Any) -> dict[str, Any]:
    """One unit's row of the results table: `households` is the unit's resident households (the rates'
    denominator; None when not entered — the rate is then empty and the report's note says so), `listed` those on
    the review's list, `counted` those counted in a class; the minority columns count households whose head is of
    an ethnic minority, `households_minority` the unit's ethnic-minority resident households (the minority rates'
    denominator, entered beside the resident households; None when not entered)."""
    poor_m, near_m = minority.poor, minority.near_poor
    return {"name": unit.name, "households": unit.households, "households_minority": minority.households,
            "residents": unit.residents, "listed": unit.listed, "in_progress": unit.in_progress,
            "waiting": unit.waiting, "unclassified": unit.unclassified, "counted": unit.counted,
            "listed_minority": minority.listed,
            "members": unit.members, "reviewed": unit.reviewed, "poor": unit.poor,
            "poor_rate": _rate(unit.poor, unit.households), "poor_minority": poor_m,
            "poor_minority_rate": _rate(poor_m, minority.households), "near_poor": unit.near_poor,
            "near_poor_rate": _rate(unit.near_poor, unit.households), "near_poor_minority": near_m,
            "near_poor_minority_rate": _rate(near_m, minority.households), "average": unit.average,
            "not_poor": unit.classes[HouseholdClass.NOT_POOR], "incomplete": unit.unclassified,
            "low_income_workers": unit.low_income_workers,
            "md_rate": _rate(unit.poor + unit.near_poor, unit.households)}


def report_data(fig: Any, records: Sequence[HouseholdRecord], ctx: ReportContext, inputs: Inputs) -> DocumentData:
    """The commune's report: every table from the commune's figures (the one count: fieldsurvey.domain.figures),
    the ethnic-minority sub-counts beside them, the lists of poor and near-poor households."""
    lang = ctx.lang
    tr = ctx.tr
    by_village, commune_minority = fig.minority, fig.minority_commune
    total_label = tr("report.col.commune_total")
    units = Rows([unit_row(u, by_village.get(u.name) or UnitResults(u.name)) for u in fig.villages],
                 dict(unit_row(fig.commune, commune_minority), name=total_label))
    sources: dict[str, Rows] = {"units": units}
    for cls in (POOR, NEAR):
        moves = fig.movement[cls]
        rows = [dict(zip(MOVEMENT_COLUMNS, m.row()), name=m.name) for m in moves[:-1]]
        sources[f"movement_{cls.value}"] = Rows(rows, dict(zip(MOVEMENT_COLUMNS, moves[-1].row()), name=total_label))
        ids = [(n, i) for n, i, *_ in fig.indicators]
        rows = []
        for unit in fig.villages:
            c = fig.village_deprivations[cls].get(unit.name) or {}
            rows.append({"name": unit.name, "count": unit.classes[cls], **{f"i{n}": c.get(i, 0) for n, i in ids}})
        whole = fig.class_count(cls)
        total = {"name": total_label, "count": whole, **{f"i{n}": fig.deprivations[cls][i] for n, i in ids}}
        share = {"name": "%", "count": 100.0 if whole else 0.0,
                 **{f"i{n}": _share(fig.deprivations[cls][i], whole) for n, i in ids}}
        sources[f"deprivation_{cls.value}"] = Rows(rows, total, [share])
    base = (fig.class_count(POOR), fig.class_count(NEAR))

    def group(items: Sequence[tuple[str, str]], poor: Mapping, near: Mapping, bases: tuple[int, int]) -> Rows:
        return Rows([{"item": text, "poor": poor.get(code, 0), "poor_share": _share(poor.get(code, 0), bases[0]),
                      "near_poor": near.get(code, 0), "near_poor_share": _share(near.get(code, 0), bases[1])}
                     for code, text in items])

    sources["targets"] = group([(g, tr(f"report.target.{g}")) for g in TARGET_GROUPS], fig.targets[POOR],
                               fig.targets[NEAR], base)
    ethnicities = sorted(set(fig.ethnicity[POOR]) | set(fig.ethnicity[NEAR]),
                         key=lambda e: (-(fig.ethnicity[POOR][e] + fig.ethnicity[NEAR][e]), e))
    sources["ethnicity"] = group([(e, e if e != "?" else tr("report.unknown")) for e in ethnicities],
                                 fig.ethnicity[POOR], fig.ethnicity[NEAR], base)
    sources["causes"] = group([(c, tr(f"report.cause.{c}")) for c in CAUSES], fig.causes[POOR], fig.causes[NEAR],
                              base)
    kids = (fig.children[POOR]["children"], fig.children[NEAR]["children"])
    sources["children"] = group([(c, tr(f"report.child.{c}")) for c in CHILD_ITEMS], fig.children[POOR],
                                fig.children[NEAR], kids)
    for cls in (POOR, NEAR):
        sources[f"households_{cls.value}"] = Rows([household_row(r, ctx, inputs) for r in records
                                                   if r.counted is cls])
    values = common_values(ctx, inputs)
    values.update({"households": format_number(fig.commune.households, lang) if fig.commune.households is not None
                   else "—",
                   "poor_count": format_number(fig.commune.poor, lang),
                   "near_poor_count": format_number(fig.commune.near_poor, lang),
                   "indicator_names": "; ".join(f"{n}. {vi if lang == 'vi' else en}"
                                                for n, _, vi, en in fig.indicators)})
    notes = provisional_notes(records, ctx) if ctx.draft else []
    whole = fig.commune
    if whole.in_progress or whole.unclassified:      # a draft counts finished households, approved or not
        notes = [tr("report.summary.t1.not_counted", in_progress=format_number(whole.in_progress, lang),
                    unclassified=format_number(whole.unclassified, lang))] + notes
    if fig.minority_missing:
        notes = [tr("report.summary.t1.no_minority", villages=", ".join(fig.minority_missing))] + notes
    if fig.residents_missing:
        notes = [tr("report.summary.t1.no_residents", villages=", ".join(fig.residents_missing))] + notes
    if not fig.has_previous:
        notes = [tr("report.summary.t2.no_previous")] + notes
    return DocumentData(values, sources, notes)


# --- the inputs file ------------------------------------------------------------------------------------------------

MEETING_KEYS = {"chair": str, "secretary": str, "place": str, "start": str, "end": str, "listed": int,
                "attending": int}


def read_inputs(path: Any) -> Inputs:
    """What documents need beyond the workspace, from a TOML file (docs/reports.md shows one):

        chairman = "Nguyễn Văn Hùng"
        number = "125"                       # a decision's or a report's number
        date = 2026-12-10                    # the date written on official copies
        [meeting."Thôn Nà Đình"]
        chair = "…"  secretary = "…"  place = "…"  start = "8 giờ 00"  end = "10 giờ 30"
        listed = 40                          # households on the list reviewed (default: those printed)
        attending = 32                       # households represented at the meeting
        [votes]
        "00000001" = 25                      # a household's id (or its start) → attendees who agreed

    A refusal names the line."""

    f = DataFile.read(path)
    raw = f.data
    allowed = {"chairman", "number", "date", "meeting", "votes"}
    for key in raw:
        if key not in allowed:
            f.fail("report.template.error.unknown_key", key, name=key, allowed=", ".join(sorted(allowed)))
    for key in ("chairman", "number"):
        if key in raw and not isinstance(raw[key], (str, int)):
            f.fail("report.template.error.not_text", key, name=key, found=repr(raw[key]))
    on = raw.get("date")
    if on is not None and not isinstance(on, date):
        f.fail("report.inputs.error.not_a_date", "date", found=repr(on))
    meeting: dict[str, dict[str, Any]] = {}
    for village, values in (raw.get("meeting") or {}).items():
        where = f"meeting.{village}"
        if not isinstance(values, dict):
            f.fail("report.template.error.not_a_table", where, name=where)
        for key, value in values.items():
            kind = MEETING_KEYS.get(key)
            if kind is None:
                f.fail("report.template.error.unknown_key", f"{where}.{key}", name=key,
                       allowed=", ".join(sorted(MEETING_KEYS)))
            if kind is int and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
                f.fail("report.template.error.not_a_number", f"{where}.{key}", name=key, found=repr(value))
        meeting[village] = dict(values)
    votes: dict[str, int] = {}
    for key, value in (raw.get("votes") or {}).items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            f.fail("report.template.error.not_a_number", f"votes.{key}", name=key, found=repr(value))
        votes[str(key).lower()] = value
    number = raw.get("number")
    return Inputs(chairman=raw.get("chairman"), number=None if number is None else str(number), issued_on=on,
                  meeting=meeting, votes=votes)
