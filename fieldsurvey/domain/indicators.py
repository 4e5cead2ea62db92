"""The deprivation rules. A standard file names a rule kind for each indicator and gives its parameters (ages,
areas, accepted answers); the rule reads the household's answers and says deprived / not deprived / unknown with a
one-line reason naming the member and the fact.

Unknown is returned only when a missing answer could change the result; the missing answers are listed as
`household.<answer>` or `members.<member_id>.<answer>`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any, Callable, Iterator, Mapping

from fieldsurvey.domain.ages import SchoolAge, StandardAges, WorkingAge
from fieldsurvey.domain.document import Household, Member, age_in_years, birth_of
from fieldsurvey.domain.results import Choice, IndicatorResult, Message, Status, shown_beside
from fieldsurvey.errors import StandardError
from fieldsurvey.i18n import has

# The Vietnamese education ladder, lowest first (used to compare "finished at least …").
EDUCATION_ORDER = ("none", "preschool", "primary", "lower_secondary", "upper_secondary", "vocational", "college",
                   "university")
_LEVEL_RANK = {name: i for i, name in enumerate(EDUCATION_ORDER)}
YES, NO = "yes", "no"
# The three outcomes, by their short names.
DEPRIVED, NOT_DEPRIVED, UNKNOWN = Status.DEPRIVED, Status.NOT_DEPRIVED, Status.UNKNOWN


_YES_NO: dict[Any, str] = {YES: YES, NO: NO, True: YES, False: NO}  # 1 and 0 (and 1.0, 0.0) hash as True/False


def yes_no(value: Any) -> str | None:
    """Answers to yes/no questions: 'yes'/'no' (XLSForm), JSON true/false, 1/0. Anything else is unknown."""
    try:
        return _YES_NO.get(value)
    except TypeError:  # a list or an object: not a yes/no answer
        return None


# A member as the rules see them: (member, answers, age in completed years on the reference date, birth date,
# retired: has reached the retirement age of the standard's working age). The age and the birth date are None when
# unknown; `retired` is None when they are, when the standard sets no working age, or when only the unknown sex of a
# member near the retirement age would decide.
Person = tuple[Member, Mapping[str, Any], int | None, date | None, bool | None]


@dataclass(slots=True)
class Context:
    """One household prepared for the rules of a standard: each member with their answers, age, birth date and
    whether they have reached their retirement age — worked out once for every rule."""

    household: Household
    on: date
    people: list[Person]

    @classmethod
    def of(cls, household: Household, working_age: WorkingAge | None) -> "Context":
        on = household.reference_date
        people = []
        for m in household.members:
            born = birth_of(m)
            age = None if born is None else age_in_years(born, on)
            retired = None
            if working_age is not None and age is not None:
                retired = working_age.past_retirement(m.answers.get("sex"), age, born, on)
            people.append((m, m.answers, age, born, retired))
        return cls(household, on, people)


def _mfield(member: Member, answer: str) -> str:
    return f"members.{member.member_id}.{answer}"


def _birth(member: Member) -> str:
    return _mfield(member, "birth_date")


# Each rule returns (status, outcome — the reason key's suffix —, reason values, missing answers, member ids)
RuleOutput = tuple[Status, str, dict[str, Any], tuple[str, ...], tuple[str, ...]]


# --- each rule's parameters, prepared from the standard file once, when the standard is loaded ---------------------

@dataclass(frozen=True, slots=True)
class MemberFlagParams:
    answer: str
    deprived_value: Any
    age_from: int
    age_below: int


@dataclass(frozen=True, slots=True)
class EmploymentParams:
    deprived_employment: frozenset[str]
    working_age: WorkingAge            # the standard's [working_age]


@dataclass(frozen=True, slots=True)
class DependantsParams:
    child_under: int
    elderly_from: int | None           # a fixed age; None: from the retirement age (the standard's working age)
    max_share: Fraction                # exact: 0.5 is 1/2, compared without rounding
    share_shown: Message               # how the reasons name it: "half", "3/5 of them"


@dataclass(frozen=True, slots=True)
class EducationBand:
    age_from: int
    age_below: int
    min_level: str
    vocational_counts: bool


@dataclass(frozen=True, slots=True)
class AdultEducationParams:
    bands: tuple[EducationBand, ...]
    attending_counts: bool
    onjob_training_counts: bool
    age_from: int                # the youngest band's first age
    age_below: int               # the oldest band's end
    school_age: SchoolAge | None  # ages by year of birth (the standard's [school_age]); None: completed years


@dataclass(frozen=True, slots=True)
class ChildSchoolingParams:
    age_from: int
    age_below: int
    min_level_by_age: tuple[tuple[int, str], ...]   # youngest first
    school_age: SchoolAge | None  # ages by year of birth (the standard's [school_age]); None: completed years


@dataclass(frozen=True, slots=True)
class HousingQualityParams:
    parts: tuple[str, ...]
    min_non_durable: int


@dataclass(frozen=True, slots=True)
class HousingAreaParams:
    min_m2_per_person: float


@dataclass(frozen=True, slots=True)
class ChoiceParams:
    answer: str
    ok_values: frozenset[Any]


@dataclass(frozen=True, slots=True)
class NoMemberParams:
    answer: str


def _member_outcome(deprived: list[tuple[Member, dict]], unknown_missing: list[str], eligible: int,
                    ok_values: dict[str, Any] | None = None) -> RuleOutput:
    if deprived:
        first, values = deprived[0]
        values = {"name": first.name, "more": len(deprived) - 1, **values}
        suffix = "deprived_many" if len(deprived) > 1 else "deprived"
        return DEPRIVED, suffix, values, (), tuple(m.member_id for m, _ in deprived)
    if unknown_missing:
        return UNKNOWN, "unknown", {"count": len(unknown_missing)}, tuple(unknown_missing), ()
    if eligible == 0:
        return NOT_DEPRIVED, "none_eligible", dict(ok_values or {}), (), ()
    return NOT_DEPRIVED, "not_deprived", {"count": eligible, **(ok_values or {})}, (), ()


def rule_member_flag(ctx: Context, p: MemberFlagParams) -> RuleOutput:
    """Deprived when a member in the age range answers `answer` with `deprived_value` (nutrition, insurance…)."""
    answer, bad, lo, hi = p.answer, p.deprived_value, p.age_from, p.age_below
    deprived, missing, eligible = [], [], 0
    two_way = bad in (YES, NO)
    for m, a, age, born, _ in ctx.people:
        value = yes_no(a.get(answer)) if two_way else a.get(answer)
        if age is None:
            if value is None or value == bad:
                missing.append(_birth(m))
            continue
        if not lo <= age < hi:
            continue
        eligible += 1
        if value is None:
            missing.append(_mfield(m, answer))
        elif value == bad:
            deprived.append((m, {"age": age}))
    return _member_outcome(deprived, missing, eligible, {"age_from": lo, "age_below": hi})


def rule_employment(ctx: Context, p: EmploymentParams) -> RuleOutput:
    """Deprived when a member of working age (from 15 until the day they reach the retirement age of their sex and
    month of birth) is unemployed or works for wages without a labour contract."""
    bad = p.deprived_employment
    deprived, missing, eligible = [], [], 0
    for m, a, age, born, retired in ctx.people:
        job = a.get("employment")
        working = p.working_age.includes(age, retired)
        if working is None:  # the birth date, or near the retirement age the sex, is not known
            if job is None or job in bad:
                missing.append(_birth(m) if age is None else _mfield(m, "sex"))
            continue
        if not working:
            continue
        eligible += 1
        if job is None:
            missing.append(_mfield(m, "employment"))
        elif job in bad:
            deprived.append((m, {"age": age, "job": Choice("employment", job)}))
    return _member_outcome(deprived, missing, eligible, {"age_from": p.working_age.from_age})


def _is_dependant(m: Member, a: Mapping[str, Any], age: int | None, retired: bool | None,
                  p: DependantsParams) -> tuple[bool | None, tuple[str, ...]]:
    """Is the member a dependant: a child, elderly (from `elderly_from` completed years, or — "retirement_age" — from
    the day the retirement age of their sex and month of birth is reached), unable to work, with a disability or
    on a monthly social allowance? None, with what is missing, when a missing answer decides."""
    elderly = None
    if age is not None:
        if age < p.child_under:
            return True, ()
        elderly = age >= p.elderly_from if p.elderly_from is not None else retired
        if elderly:
            return True, ()
    able = yes_no(a.get("able_to_work"))
    if able == NO or yes_no(a.get("disability")) == YES or yes_no(a.get("monthly_social_allowance")) == YES:
        return True, ()
    if elderly is False and able == YES:
        return False, ()
    missing = []
    if age is None:
        missing.append(_birth(m))
    elif elderly is None:
        missing.append(_mfield(m, "sex"))
    if able is None:
        missing.append(_mfield(m, "able_to_work"))
    return (None, tuple(missing)) if missing else (False, ())


def _more_than(part: int, whole: int, share: Fraction) -> bool:
    """part / whole > share, in whole numbers (no rounding)."""
    return part * share.denominator > share.numerator * whole


def _share_shown(share: Fraction) -> Message:
    """The share a reason names: "half" for 1/2, else the fraction as written (3/5)."""
    if share == Fraction(1, 2):
        return Message("detail.share.half")
    return Message("detail.share.fraction", {"numerator": share.numerator, "denominator": share.denominator})


def rule_dependants(ctx: Context, p: DependantsParams) -> RuleOutput:
    """Deprived when dependants (children, elderly, disabled, on monthly allowance, unable to work) are more
    than `max_share` of the members. Exactly half is not deprived."""
    members = ctx.household.members
    n = len(members)
    if n == 0:
        return UNKNOWN, "unknown", {"count": 1}, ("members",), ()
    certain, unsure, missing, ids = 0, 0, [], []
    for m, a, age, _, retired in ctx.people:
        dep, miss = _is_dependant(m, a, age, retired, p)
        if dep:
            certain += 1
            ids.append(m.member_id)
        elif dep is None:
            unsure += 1
            missing += miss
    values = {"dependants": certain, "members": n, "share": p.share_shown}
    if _more_than(certain, n, p.max_share):
        return DEPRIVED, "deprived", values, (), tuple(ids)
    if not _more_than(certain + unsure, n, p.max_share):
        return NOT_DEPRIVED, "not_deprived", values, (), ()
    return UNKNOWN, "unknown", {"count": len(missing)}, tuple(missing), ()


def _level_rank(value: Any) -> int | None:
    return _LEVEL_RANK.get(value) if isinstance(value, str) else None


def _age_shown(age: int, school_year: int | None) -> Message:
    """The age a reason shows: the one the rule compared, saying how it was counted (by year of birth against the
    school year that started in `school_year`, or completed years when that is None)."""
    if school_year is None:
        return Message("detail.age.years", {"age": age})
    return Message("detail.age.school_year", {"age": age, "start": school_year, "end": school_year + 1})


def _ages_shown(age_from: int, age_to: int, school_year: int | None) -> dict[str, Message]:
    if school_year is None:
        return {"ages": Message("detail.ages.years", {"age_from": age_from, "age_to": age_to})}
    return {"ages": Message("detail.ages.school_year", {"age_from": age_from, "age_to": age_to, "start": school_year,
                                                         "end": school_year + 1})}


def _in_age_range(ctx: Context, school_year: int | None, lo: int, hi: int, missing: list) -> Iterator:
    """The members aged lo ≤ age < hi, as (member, answers, age): ages by year of birth against the running school
    year (Education Law 2019 Art. 28) when `school_year` is given, else completed years. A member without a birth
    date goes to `missing`."""
    for m, a, age, born, _ in ctx.people:
        if age is None:
            missing.append(_birth(m))
            continue
        if school_year is not None:
            age = school_year - born.year
        if lo <= age < hi:
            yield m, a, age


def rule_adult_education(ctx: Context, p: AdultEducationParams) -> RuleOutput:
    """Deprived when a member in an age band is not studying and has not reached the band's level."""
    deprived, missing, eligible = [], [], 0
    first, last = p.age_from, p.age_below
    school_year = p.school_age.school_year(ctx.on) if p.school_age else None
    for m, a, age in _in_age_range(ctx, school_year, first, last, missing):
        for band in p.bands:
            if band.age_from <= age < band.age_below:
                break
        else:
            continue
        eligible += 1
        if p.attending_counts and yes_no(a.get("attending_school")) == YES:
            continue
        if p.onjob_training_counts and yes_no(a.get("onjob_training_certified")) == YES:
            continue
        if band.vocational_counts and yes_no(a.get("vocational_certificate")) == YES:
            continue
        rank = _level_rank(a.get("education"))
        if rank is None:
            missing.append(_mfield(m, "education"))
        elif rank < _LEVEL_RANK[band.min_level]:
            deprived.append((m, {"age": _age_shown(age, school_year), "level": Choice("education", a.get("education")),
                                 "min_level": Choice("education", band.min_level)}))
    return _member_outcome(deprived, missing, eligible, _ages_shown(first, last - 1, school_year))


def rule_child_schooling(ctx: Context, p: ChildSchoolingParams) -> RuleOutput:
    """Deprived when a child in the age range does not attend school, or attends a level below the lowest
    level right for the age (min_level_by_age: [[age, level], …])."""
    lo, hi = p.age_from, p.age_below
    ladder = p.min_level_by_age
    deprived, missing, eligible = [], [], 0
    school_year = p.school_age.school_year(ctx.on) if p.school_age else None
    for m, a, age in _in_age_range(ctx, school_year, lo, hi, missing):
        eligible += 1
        attending = yes_no(a.get("attending_school"))
        if attending is None:
            missing.append(_mfield(m, "attending_school"))
        elif attending == NO:
            deprived.append((m, {"age": _age_shown(age, school_year), "detail": Message("detail.not_attending")}))
        else:
            need = None
            for from_age, level in ladder:
                if age >= from_age:
                    need = level
            rank = _level_rank(a.get("school_level"))
            if need is not None and rank is not None and rank < _LEVEL_RANK[need]:
                deprived.append((m, {"age": _age_shown(age, school_year), "detail": Message(
                    "detail.behind", {"level": Choice("education", a.get("school_level"))})}))
    return _member_outcome(deprived, missing, eligible, _ages_shown(lo, hi - 1, school_year))


def rule_housing_quality(ctx: Context, p: HousingQualityParams) -> RuleOutput:
    hh = ctx.household.answers
    has_house = yes_no(hh.get("has_house"))
    if has_house == NO:
        return DEPRIVED, "no_house", {}, (), ()
    parts = p.parts
    weak, unsure = [], []
    for part in parts:
        v = yes_no(hh.get(part))
        if v == NO:
            weak.append(part)
        elif v is None:
            unsure.append(part)
    if has_house is None and len(unsure) == len(parts):
        return UNKNOWN, "unknown", {"count": 1}, ("household.has_house",), ()
    need = p.min_non_durable
    values = {"weak": len(weak), "parts": len(parts), "need": need}
    if len(weak) >= need:
        return DEPRIVED, "deprived", values, (), ()
    if len(weak) + len(unsure) < need:
        return NOT_DEPRIVED, "not_deprived", values, (), ()
    return UNKNOWN, "unknown", {"count": len(unsure)}, tuple(f"household.{u}" for u in unsure), ()


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.replace(",", "."))
        except ValueError:
            return None
    return None


def rule_housing_area(ctx: Context, p: HousingAreaParams) -> RuleOutput:
    hh = ctx.household
    if yes_no(hh.get("has_house")) == NO:
        return DEPRIVED, "no_house", {}, (), ()
    area = _number(hh.get("floor_area"))
    n = len(hh.members)
    if area is None or n == 0:
        return UNKNOWN, "unknown", {"count": 1}, ("household.floor_area" if area is None else "members",), ()
    per = area / n
    # the area per person a reason shows: tenths of a m², never rounded onto or across the minimum
    values = {"per_person": shown_beside(per, (p.min_m2_per_person,), per=10), "area": area, "members": n,
              "min": p.min_m2_per_person}
    if per < p.min_m2_per_person:
        return DEPRIVED, "deprived", values, (), ()
    return NOT_DEPRIVED, "not_deprived", values, (), ()


def rule_household_choice(ctx: Context, p: ChoiceParams) -> RuleOutput:
    value = ctx.household.get(p.answer)
    if value is None or value == "" or isinstance(value, (list, dict)):   # no answer, or not one choice
        return UNKNOWN, "unknown", {"count": 1}, (f"household.{p.answer}",), ()
    if value in p.ok_values:
        return NOT_DEPRIVED, "not_deprived", {"value": Choice(p.answer, value)}, (), ()
    return DEPRIVED, "deprived", {"value": Choice(p.answer, value)}, (), ()


def _choices(value: Any) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list):
        return [str(v) for v in value]
    return None


def rule_household_any_of(ctx: Context, p: ChoiceParams) -> RuleOutput:
    chosen = _choices(ctx.household.get(p.answer))
    if chosen is None:
        return UNKNOWN, "unknown", {"count": 1}, (f"household.{p.answer}",), ()
    have = [c for c in chosen if c in p.ok_values]
    if have:
        return NOT_DEPRIVED, "not_deprived", {"value": Choice(p.answer, have[0])}, (), ()
    return DEPRIVED, "deprived", {}, (), ()


def rule_no_member(ctx: Context, p: NoMemberParams) -> RuleOutput:
    """Deprived when no member does something (uses the internet, uses digital services)."""
    members = ctx.household.members
    if not members:
        return UNKNOWN, "unknown", {"count": 1}, ("members",), ()
    missing = []
    answer = p.answer
    for m, a, _, _, _ in ctx.people:
        v = yes_no(a.get(answer))
        if v == YES:
            return NOT_DEPRIVED, "not_deprived", {"name": m.name}, (), ()
        if v is None:
            missing.append(_mfield(m, answer))
    if missing:
        return UNKNOWN, "unknown", {"count": len(missing)}, tuple(missing), ()
    return DEPRIVED, "deprived", {"members": len(members)}, (), ()


# --- the rule kinds: what each needs from the standard file and how its parameters are prepared ------------------

def _member_flag(p: Mapping[str, Any], ages: StandardAges) -> MemberFlagParams:
    return MemberFlagParams(p["answer"], p["deprived_value"], p.get("age_from", 0), p.get("age_below", 999))


def _employment(p: Mapping[str, Any], ages: StandardAges) -> EmploymentParams:
    return EmploymentParams(frozenset(p["deprived_employment"]), ages.working_age)


def _dependants(p: Mapping[str, Any], ages: StandardAges) -> DependantsParams:
    share = Fraction(str(p["max_share"]))
    elderly_from = None if p["elderly_from"] == RETIREMENT_AGE else p["elderly_from"]
    return DependantsParams(p["child_under"], elderly_from, share, _share_shown(share))


def _adult_education(p: Mapping[str, Any], ages: StandardAges) -> AdultEducationParams:
    bands = tuple(EducationBand(b["age_from"], b["age_below"], b["min_level"], b.get("vocational_counts", False))
                  for b in p["bands"])
    return AdultEducationParams(bands, p.get("attending_counts", True), p.get("onjob_training_counts", False),
                                min(b.age_from for b in bands), max(b.age_below for b in bands), ages.school_age)


def _child_schooling(p: Mapping[str, Any], ages: StandardAges) -> ChildSchoolingParams:
    ladder = tuple(sorted((age, level) for age, level in p.get("min_level_by_age", [])))
    return ChildSchoolingParams(p["age_from"], p["age_below"], ladder, ages.school_age)


def _choice(p: Mapping[str, Any], ages: StandardAges) -> ChoiceParams:
    return ChoiceParams(p["answer"], frozenset(p["ok_values"]))


@dataclass(frozen=True, slots=True)
class RuleKind:
    """A kind of rule a standard file can name: the function, the parameters it needs, how they are prepared,
    and the outcomes (reason-key suffixes) it can give."""

    evaluate: Callable[[Context, Any], RuleOutput]
    required: tuple[str, ...]
    prepare: Callable[[Mapping[str, Any], StandardAges], Any]
    outcomes: tuple[str, ...]


_MEMBER_OUTCOMES = ("deprived", "deprived_many", "none_eligible", "not_deprived", "unknown")
_HOUSEHOLD_OUTCOMES = ("deprived", "not_deprived", "unknown")

RULES: dict[str, RuleKind] = {
    "member_flag": RuleKind(rule_member_flag, ("answer", "deprived_value"), _member_flag, _MEMBER_OUTCOMES),
    "employment": RuleKind(rule_employment, ("deprived_employment",), _employment, _MEMBER_OUTCOMES),
    "dependants": RuleKind(rule_dependants, ("child_under", "elderly_from", "max_share"), _dependants,
                           _HOUSEHOLD_OUTCOMES),
    "adult_education": RuleKind(rule_adult_education, ("bands",), _adult_education, _MEMBER_OUTCOMES),
    "child_schooling": RuleKind(rule_child_schooling, ("age_from", "age_below"), _child_schooling,
                                _MEMBER_OUTCOMES),
    "housing_quality": RuleKind(rule_housing_quality, ("parts", "min_non_durable"),
                                lambda p, _: HousingQualityParams(tuple(p["parts"]), p["min_non_durable"]),
                                _HOUSEHOLD_OUTCOMES + ("no_house",)),
    "housing_area": RuleKind(rule_housing_area, ("min_m2_per_person",),
                             lambda p, _: HousingAreaParams(p["min_m2_per_person"]),
                             _HOUSEHOLD_OUTCOMES + ("no_house",)),
    "household_choice": RuleKind(rule_household_choice, ("answer", "ok_values"), _choice, _HOUSEHOLD_OUTCOMES),
    "household_any_of": RuleKind(rule_household_any_of, ("answer", "ok_values"), _choice, _HOUSEHOLD_OUTCOMES),
    "no_member": RuleKind(rule_no_member, ("answer", "yes_value"), lambda p, _: NoMemberParams(p["answer"]),
                          _HOUSEHOLD_OUTCOMES),
}

_WHOLE_NUMBER_PARAMS = {"age_from", "age_below", "child_under", "min_non_durable"}
_NUMBER_PARAMS = {"max_share", "min_m2_per_person"}
# Parameters of earlier versions of the standard files, now set once for the whole standard.
_MOVED_TO_WORKING_AGE = {"working_age_min", "retirement_age_male", "retirement_age_female"}
RETIREMENT_AGE = "retirement_age"  # elderly_from = "retirement_age": elderly from the day the retirement age is reached


def check_params(indicator: Any, source: str, ages: StandardAges) -> None:
    """Refuse an indicator whose parameters its rule cannot use, naming the file and key."""
    where = f"{source}: indicators[{indicator.id}].params"
    for key in RULES[indicator.rule].required:
        if key not in indicator.params:
            raise StandardError("standards.error.param_missing", f"{where}.{key}", rule=indicator.rule, name=key)
    for key, value in indicator.params.items():
        if key in _MOVED_TO_WORKING_AGE:
            raise StandardError("standards.error.param_moved", f"{where}.{key}")
        if key in _WHOLE_NUMBER_PARAMS or (key == "elderly_from" and value != RETIREMENT_AGE):
            if isinstance(value, bool) or not isinstance(value, int):
                raise StandardError("standards.error.not_whole_number", f"{where}.{key}", found=repr(value))
        if key in _NUMBER_PARAMS and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise StandardError("standards.error.not_a_number", f"{where}.{key}", found=repr(value))
    needs_working_age = indicator.rule == "employment" or (
        indicator.rule == "dependants" and indicator.params["elderly_from"] == RETIREMENT_AGE)
    if needs_working_age and ages.working_age is None:
        raise StandardError("standards.error.needs_working_age", f"{source}: indicators[{indicator.id}]")
    if indicator.rule == "adult_education":
        for i, band in enumerate(indicator.params["bands"]):
            if not isinstance(band, dict) or not {"age_from", "age_below", "min_level"} <= set(band):
                raise StandardError("standards.error.band_shape", f"{where}.bands[{i}]")
            if band["min_level"] not in _LEVEL_RANK:
                raise StandardError("standards.error.unknown_level", f"{where}.bands[{i}].min_level",
                                    level=band["min_level"], known=", ".join(EDUCATION_ORDER))
    if indicator.rule == "child_schooling":
        for i, pair in enumerate(indicator.params.get("min_level_by_age", [])):
            if not (isinstance(pair, list) and len(pair) == 2 and pair[1] in _LEVEL_RANK):
                raise StandardError("standards.error.ladder_entry", f"{where}.min_level_by_age[{i}]",
                                    known=", ".join(EDUCATION_ORDER))


# --- the plan: a standard's indicators made ready to evaluate, once, when the standard is loaded ------------------

@dataclass(frozen=True, slots=True)
class PlannedIndicator:
    """One indicator of a standard, ready to evaluate: its rule, the rule's prepared parameters, and the catalogue
    key of the reason for each outcome (the indicator's own wording, or the rule's generic one for an indicator a
    local standard added)."""

    number: int
    id: str
    name_vi: str
    name_en: str
    provisional: bool
    evaluate: Callable[[Context, Any], RuleOutput]
    params: Any
    reason_keys: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class RulePlan:
    """Every indicator of a standard in the official order, prepared once (the standard builds it when loaded)."""

    indicators: tuple[PlannedIndicator, ...]


def plan_rules(indicators: Any, ages: StandardAges) -> RulePlan:
    """Prepare a standard's indicators (already checked with `check_params`)."""
    planned = []
    for ind in indicators:
        kind = RULES[ind.rule]
        keys = {outcome: _reason_key(ind.id, ind.rule, outcome) for outcome in kind.outcomes}
        planned.append(PlannedIndicator(ind.number, ind.id, ind.name_vi, ind.name_en, ind.provisional, kind.evaluate,
                                        kind.prepare(ind.params, ages), keys))
    return RulePlan(tuple(planned))


def evaluate_all(ctx: Context, plan: RulePlan) -> tuple[IndicatorResult, ...]:
    """Every indicator of the plan, in order."""
    results = []
    for ind in plan.indicators:
        status, outcome, values, missing, member_ids = ind.evaluate(ctx, ind.params)
        results.append(IndicatorResult(ind.number, ind.id, ind.name_vi, ind.name_en, status,
                                       Message(ind.reason_keys[outcome], values), missing, member_ids,
                                       ind.provisional))
    return tuple(results)


def _reason_key(indicator_id: str, rule: str, outcome: str) -> str:
    key = f"reason.{indicator_id}.{outcome}"
    if has(key):
        return key
    return f"reason.rule.{rule}.{outcome}"  # an indicator a local standard added: the rule's generic wording
